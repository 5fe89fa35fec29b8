"""Pipeline change: every category on a hand-made dataset, and the waterfall identity."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from revops_core import pipeline_change as pc
from revops_core.queries.common import T
from tests.factories import write

ACCOUNTS = [{"account_id": "A1", "segment": "OEM"}, {"account_id": "A2", "segment": "FLEET"}]


def _opp(oid: str, amount: float, close: date, status: str = "OPEN", account: str = "A1",
         stage: str = "Qualify") -> dict:
    return {"opportunity_id": oid, "account_id": account, "amount": amount, "close_date": close,
            "status": status, "stage": stage}


BEFORE = [
    _opp("PULL", 100, date(2026, 9, 30)),
    _opp("PUSH", 200, date(2026, 8, 1)),
    _opp("UP", 300, date(2026, 9, 1)),
    _opp("DOWN", 400, date(2026, 9, 1)),
    _opp("WIN", 500, date(2026, 9, 1)),
    _opp("LOSE", 60, date(2026, 9, 1)),
    _opp("GONE", 70, date(2026, 9, 1)),
    _opp("SAME", 80, date(2026, 9, 1)),
    _opp("LOSTBEFORE", 90, date(2026, 3, 1), status="LOST"),   # never open: in neither pipeline
    _opp("FLEETUP", 40, date(2026, 9, 1), account="A2"),
]
AFTER = [
    _opp("NEW", 50, date(2026, 10, 1)),                         # new: +50
    _opp("PULL", 100, date(2026, 8, 15)),                       # pulled in: 0
    _opp("PUSH", 200, date(2026, 12, 1)),                       # pushed out: 0
    _opp("UP", 350, date(2026, 10, 1)),                         # amount up +50 (and pushed out: counted once)
    _opp("DOWN", 250, date(2026, 9, 1)),                        # amount down -150
    _opp("WIN", 520, date(2026, 9, 5), status="WON", stage="Closed won"),    # won: -500 (baseline amount)
    _opp("LOSE", 60, date(2026, 9, 2), status="LOST", stage="Closed lost"),  # lost: -60
    # GONE is no longer in the data: removed -70
    _opp("SAME", 80, date(2026, 9, 1), stage="Propose"),        # stage moved only: unchanged
    _opp("LOSTBEFORE", 90, date(2026, 3, 1), status="LOST"),
    _opp("BORNWON", 999, date(2026, 9, 3), status="WON"),       # created and won in between: ignored
    _opp("FLEETUP", 45, date(2026, 9, 1), account="A2"),        # amount up +5
]
# Previous open = 100+200+300+400+500+60+70+80+40 = 1,750 (9 deals).
# Current open  = 50+100+200+350+250+80+45 = 1,075 (7 deals).
# Deltas: new +50, up +55 (2), down -150, pulled 0, pushed 0, won -500, lost -60, removed -70 -> -675.
EXPECTED = {"NEW": (1, 50), "AMOUNT_UP": (2, 55), "AMOUNT_DOWN": (1, -150), "PULLED_IN": (1, 0),
            "PUSHED_OUT": (1, 0), "WON": (1, -500), "LOST": (1, -60), "REMOVED": (1, -70),
            "UNCHANGED": (1, 0)}


@pytest.fixture
def changed(engine: sa.Engine) -> sa.Engine:
    """Two imports: snapshot 1 holds BEFORE's open deals, snapshot 2 and the live table AFTER's."""
    write(engine, accounts=ACCOUNTS, opportunities=BEFORE)
    write(engine, accounts=ACCOUNTS, opportunities=AFTER)
    return engine


def _change(engine: sa.Engine, segments: tuple[str, ...] = pc.SEGMENTS) -> pc.PipelineChange:
    with engine.connect() as conn:
        baseline = pc.default_baseline(pc.snapshots(conn))
        assert baseline is not None
        return pc.pipeline_change(conn, baseline, segments)


def test_default_baseline_is_the_snapshot_before_the_latest(changed: sa.Engine) -> None:
    with changed.connect() as conn:
        snaps = pc.snapshots(conn)
    assert [(s.opportunities, s.amount) for s in snaps] == [(7, 1075), (9, 1750)]  # newest first
    assert pc.default_baseline(snaps) == snaps[1]
    assert pc.default_baseline(snaps[1:]) == snaps[1]
    assert pc.default_baseline([]) is None


def test_every_category_and_the_waterfall_adds_up_exactly(changed: sa.Engine) -> None:
    change = _change(changed)
    assert {b.category: (b.opportunities, b.amount) for b in change.buckets} == EXPECTED
    assert (change.previous_open, change.previous_count) == (1750, 9)
    assert (change.current_open, change.current_count) == (1075, 7)
    bars = pc.waterfall(change)
    assert [b.key for b in bars] == ["PREVIOUS", *pc.STEPS, "CURRENT"]
    for before, step in zip(bars[:-2], bars[1:-1]):
        assert step.start == before.end            # each step starts where the last one ended
        assert step.end - step.start == step.amount
    assert bars[-2].end == bars[-1].end == change.current_open == change.explained == 1075
    assert [b.kind for b in bars[1:-1]] == ["increase", "increase", "decrease", "none", "none",
                                            "decrease", "decrease", "decrease"]


def test_segment_filter_and_rows_behind_each_bar(changed: sa.Engine) -> None:
    change = _change(changed, ("OEM",))
    assert (change.previous_open, change.current_open) == (1710, 1030)   # FLEETUP 40 -> 45 left out
    assert change.bucket("AMOUNT_UP").opportunities == 1 and change.bucket("AMOUNT_UP").amount == 50
    assert change.bucket("REMOVED").amount == -70    # the gone deal keeps its baseline account's segment
    assert change.explained == change.current_open
    _rows_behind_each_bar(changed)


def _rows_behind_each_bar(changed: sa.Engine) -> None:
    with changed.connect() as conn:
        baseline = pc.default_baseline(pc.snapshots(conn))
        up = pc.change_rows(conn, baseline, "AMOUNT_UP")
        pushed = pc.change_rows(conn, baseline, "PUSHED_OUT")
        gone = pc.change_rows(conn, baseline, "REMOVED")
        won = pc.change_rows(conn, baseline, "WON")
        with pytest.raises(ValueError):
            pc.change_rows(conn, baseline, "MYSTERY")
    assert list(up.opportunity_id) == ["UP", "FLEETUP"]            # largest change first
    assert list(up.delta) == [50, 5]
    assert pd_date(pushed.prev_close_date[0]) == date(2026, 8, 1)
    assert pd_date(pushed.close_date[0]) == date(2026, 12, 1)
    assert gone.opportunity_id[0] == "GONE" and gone.status[0] is None and gone.account[0] == "Acme"
    assert (won.status[0], won.prev_amount[0], won.amount_now[0], won.delta[0]) == ("WON", 500, 520, -500)


def pd_date(value: object) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def test_live_change_appears_without_a_snapshot_and_refresh_resets(changed: sa.Engine) -> None:
    with changed.begin() as conn:  # a CRM sync writing straight into the table
        o = T["opportunities"]
        conn.execute(o.update().where(o.c.opportunity_id == "SAME").values(status="WON"))
    with changed.connect() as conn:
        latest = pc.snapshots(conn)[0]
        vs_latest = pc.pipeline_change(conn, latest)
    assert vs_latest.bucket("WON").opportunities == 1 and vs_latest.bucket("WON").amount == -80
    assert vs_latest.bucket("UNCHANGED").opportunities == 6 and vs_latest.current_open == 995
    new_id = pc.record_snapshot(changed, datetime(2026, 11, 20, 9, 0))
    with changed.connect() as conn:
        snaps = pc.snapshots(conn)
        after_refresh = pc.pipeline_change(conn, snaps[0])
    assert snaps[0].snapshot_id == new_id and snaps[0].source == "refresh" and snaps[0].amount == 995
    assert pc.default_baseline(snaps) == snaps[1]
    assert after_refresh.bucket("UNCHANGED").opportunities == 6
    assert after_refresh.previous_open == after_refresh.current_open == 995


def test_no_change_when_nothing_moved(engine: sa.Engine) -> None:
    write(engine, accounts=ACCOUNTS, opportunities=BEFORE)
    change = _change(engine)  # only one snapshot: it is the baseline
    assert change.previous_open == change.current_open == 1750
    assert change.bucket("UNCHANGED").opportunities == 9
    assert all(b.amount == 0 for b in change.buckets)
