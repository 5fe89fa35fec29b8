"""Forecast: roll-ups by category, owner and quota; the Friday call; the monthly board lock."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from revops_core import forecast as fc
from revops_core.forecast import ForecastLocked, ForecastRejected, Submission
from revops_core.schema import forecast_submissions
from tests.factories import write

D = date(2026, 5, 15)  # current quarter 2026Q2 (Apr 1 - Jun 30), next 2026Q3


def _opp(oid: str, account: str, status: str, amount: float, close: date, owner: str = "Ava",
         category: str | None = None) -> dict:
    return {"opportunity_id": oid, "account_id": account, "status": status, "amount": amount,
            "close_date": close, "owner": owner, "forecast_category": category}


OPPS = [
    _opp("O1", "A1", "OPEN", 100, date(2026, 5, 20), "Ava", "COMMIT"),
    _opp("O2", "A1", "OPEN", 40, date(2026, 6, 30), "Ava", None),           # blank -> Pipeline
    _opp("O3", "A1", "OPEN", 60, date(2026, 4, 10), "Ben", "BEST_CASE"),    # overdue, still in Q2
    _opp("O4", "A1", "WON", 250, date(2026, 4, 2), "Ben"),                  # closed won
    _opp("O5", "A1", "WON", 999, date(2026, 5, 20), "Ben"),                 # won after D: not yet
    _opp("O6", "A1", "LOST", 500, date(2026, 5, 1), "Ava"),                 # lost: never counted
    _opp("O7", "A1", "OPEN", 70, date(2026, 7, 1), "Ava", "COMMIT"),        # next quarter
    _opp("O8", "A1", "OPEN", 30, date(2026, 6, 1), "Ava", "OMITTED"),
    _opp("O9", "A2", "OPEN", 20, date(2026, 6, 15), "Cy", "COMMIT"),        # Fleet
    _opp("O10", "A1", "OPEN", 80, date(2026, 3, 31), "Ava", "COMMIT"),      # previous quarter
    _opp("O11", "A1", "WON", 10, date(2026, 3, 31), "Ben"),                 # previous quarter
]
QUOTAS = [{"segment": "OEM", "period": "2026Q2", "amount": 400.0},
          {"segment": "FLEET", "period": "2026Q2", "amount": 50.0},
          {"segment": "OEM", "period": "2026Q3", "amount": 300.0}]


@pytest.fixture
def book(engine: sa.Engine) -> sa.Engine:
    write(engine, accounts=[{"account_id": "A1", "segment": "OEM"}, {"account_id": "A2", "segment": "FLEET"}],
          opportunities=OPPS, quotas=QUOTAS)
    return engine


def test_forecast_quarters() -> None:
    assert fc.forecast_quarters(D) == ("2026Q2", "2026Q3")
    assert fc.forecast_quarters(date(2026, 12, 31)) == ("2026Q4", "2027Q1")


def test_rollup_by_segment_category_and_quota(book: sa.Engine) -> None:
    with book.connect() as conn:
        roll = fc.forecast_rollup(conn, D, "2026Q2")
    oem, tier1, dealer, fleet = roll.segments
    # OEM Q2: won O4 250; commit O1 100; best case O3 60; pipeline O2 40; omitted O8 30; 5 deals.
    assert (oem.closed_won, oem.commit, oem.best_case, oem.pipeline, oem.omitted, oem.opportunities) == \
        (250, 100, 60, 40, 30, 5)
    assert oem.quota == 400
    assert oem.commit_forecast == 350          # 250 + 100
    assert oem.best_case_forecast == 410       # 350 + 60
    assert oem.open_pipeline == 200            # 100 + 60 + 40 (omitted excluded)
    assert oem.attainment == 0.625             # 250 / 400
    assert oem.gap_to_quota == 50              # 400 - 350
    assert (fleet.commit, fleet.quota, fleet.commit_to_quota) == (20, 50, 0.4)
    assert tier1.quota is None and tier1.attainment is None and tier1.opportunities == 0
    assert dealer.best_case_forecast == 0
    # Total: won 250, commit 120, best 60, pipeline 40, omitted 30; quota 400 + 50.
    t = roll.total
    assert (t.closed_won, t.commit, t.best_case, t.pipeline, t.omitted, t.quota) == (250, 120, 60, 40, 30, 450)


def test_rollup_by_owner_adds_up_to_segment(book: sa.Engine) -> None:
    with book.connect() as conn:
        roll = fc.forecast_rollup(conn, D, "2026Q2")
    owners = {(x.segment, x.owner): x for x in roll.owners}
    assert set(owners) == {("OEM", "Ava"), ("OEM", "Ben"), ("FLEET", "Cy")}
    ava, ben = owners["OEM", "Ava"], owners["OEM", "Ben"]
    assert (ava.commit, ava.pipeline, ava.omitted, ava.closed_won) == (100, 40, 30, 0)
    assert (ben.best_case, ben.closed_won, ben.commit) == (60, 250, 0)
    assert ava.quota is None  # quotas are per segment only
    oem = roll.segments[0]
    assert ava.best_case_forecast + ben.best_case_forecast == oem.best_case_forecast
    assert [x.owner for x in roll.owners] == ["Ben", "Ava", "Cy"]  # OEM by best case (310, 100), then Fleet


def test_rollup_next_quarter_and_segment_filter(book: sa.Engine) -> None:
    with book.connect() as conn:
        nxt = fc.forecast_rollup(conn, D, "2026Q3", segments=("OEM",))
    assert len(nxt.segments) == 1
    oem = nxt.segments[0]
    assert (oem.commit, oem.closed_won, oem.quota, oem.opportunities) == (70, 0, 300, 1)
    assert nxt.total.quota == 300 and (nxt.start, nxt.end) == (date(2026, 7, 1), date(2026, 9, 30))


def test_rollup_rejects_bad_quarter(book: sa.Engine) -> None:
    with book.connect() as conn, pytest.raises(ForecastRejected):
        fc.forecast_rollup(conn, D, "2026-Q2")


# ---- submissions -----------------------------------------------------------------------------
def _sub(on: date, commit: float = 100.0, best: float = 150.0, segment: str = "OEM", quarter: str = "2026Q4",
         by: str = "Maya Chen", note: str | None = None) -> Submission:
    return Submission(segment, quarter, by, on, commit, best, note)


VALIDATION_CASES = [
    (_sub(date(2026, 10, 2)), []),
    (_sub(date(2026, 10, 2), commit=0.0, best=0.0), []),
    (_sub(date(2026, 10, 2), commit=200.0, best=150.0), ["best case"]),
    (_sub(date(2026, 10, 2), commit=-1.0, best=5.0), ["commit must not be negative"]),
    (_sub(date(2026, 10, 2), segment="RETAIL"), ["segment 'RETAIL' is unknown"]),
    (_sub(date(2026, 10, 2), quarter="2026Q5"), ["not YYYYQn"]),
    (_sub(date(2027, 1, 8), quarter="2026Q4"), ["ended before the submission date"]),
    (_sub(date(2026, 10, 2), by="   "), ["submitted by"]),
    (_sub(date(2026, 10, 2), note="x" * 2001), ["note"]),
    # every problem at once
    (Submission("RETAIL", "Q4", "", date(2026, 10, 2), -5.0, float("nan")),
     ["segment", "quarter", "submitted by", "commit must not be negative", "best case must be a number"]),
]


@pytest.mark.parametrize(("submission", "expected"), VALIDATION_CASES)
def test_submission_problems(submission: Submission, expected: list[str]) -> None:
    problems = fc.submission_problems(submission)
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected):
        assert fragment in problem


def test_submit_rejects_every_problem_and_writes_nothing(engine: sa.Engine) -> None:
    with pytest.raises(ForecastRejected) as err, engine.begin() as conn:
        fc.submit_call(conn, _sub(date(2026, 10, 2), commit=-1.0, best=-2.0, by=""))
    assert len(err.value.problems) == 3
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(forecast_submissions)).scalar() == 0


def test_history_order_and_current_call(engine: sa.Engine) -> None:
    subs = [_sub(date(2026, 10, 9), 120, 180), _sub(date(2026, 10, 2), 100, 150, note="first call"),
            _sub(date(2026, 10, 9), 125, 170, by="Raj Patel"), _sub(date(2026, 10, 2), 10, 20, segment="FLEET")]
    with engine.begin() as conn:
        saved = [fc.submit_call(conn, s) for s in subs]
        fc.submit_call(conn, _sub(date(2026, 10, 9), 1, 2, quarter="2027Q1"))  # another quarter
    with engine.connect() as conn:
        hist = fc.history(conn, "2026Q4")
        current = fc.current_calls(conn)
    # Segment, then date, then submission order on the same day.
    assert [(h.segment, h.submitted_on.day, h.commit_amount) for h in hist] == \
        [("FLEET", 2, 10), ("OEM", 2, 100), ("OEM", 9, 120), ("OEM", 9, 125)]
    assert hist[1].note == "first call" and hist[1].submission_id == saved[1].submission_id
    assert current["OEM", "2026Q4"].submitted_by == "Raj Patel"  # the later of the two on 9 October
    assert current["FLEET", "2026Q4"].commit_amount == 10
    assert current["OEM", "2027Q1"].commit_amount == 1


def test_lock_freezes_the_month_and_next_month_supersedes(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        fc.submit_call(conn, _sub(date(2026, 10, 2), 100, 150))
        october = fc.submit_call(conn, _sub(date(2026, 10, 16), 110, 160))
        fc.lock_month(conn, "2026-10", "Board", date(2026, 11, 2))
    # Neither a late October submission nor a second lock is accepted.
    with pytest.raises(ForecastLocked, match="2026-11"), engine.begin() as conn:
        fc.submit_call(conn, _sub(date(2026, 10, 30), 999, 999))
    with pytest.raises(ForecastLocked, match="already locked"), engine.begin() as conn:
        fc.lock_month(conn, "2026-10", "Someone else", date(2026, 11, 3))
    with engine.begin() as conn:
        november = fc.submit_call(conn, _sub(date(2026, 11, 6), 130, 170))
    with engine.connect() as conn:
        assert fc.month_call(conn, "2026-10")["OEM", "2026Q4"] == october
        assert fc.current_calls(conn)["OEM", "2026Q4"] == november
        assert [h.commit_amount for h in fc.history(conn, "2026Q4")] == [100, 110, 130]
        assert fc.locks(conn) == [fc.ForecastLock("2026-10", "Board", date(2026, 11, 2))]


def test_lock_validation_reports_every_problem(engine: sa.Engine) -> None:
    assert fc.lock_problems("2026-10", "Board", date(2026, 10, 31)) == []
    with pytest.raises(ForecastRejected) as err, engine.begin() as conn:
        fc.lock_month(conn, "2026-13", " ", date(2026, 11, 2))
    assert len(err.value.problems) == 2
    assert fc.lock_problems("2026-11", "Board", date(2026, 10, 31)) == [
        "2026-11 cannot be locked on 2026-10-31, before the month has started"]


# ---- how the call moved (pure) ---------------------------------------------------------------
HISTORY = [
    Submission("OEM", "2026Q4", "Maya", date(2026, 10, 5), 10, 20, submission_id=1),   # Monday
    Submission("OEM", "2026Q4", "Maya", date(2026, 10, 9), 12, 22, submission_id=2),   # Friday, same week
    Submission("OEM", "2026Q4", "Raj", date(2026, 10, 16), 15, 25, submission_id=3),
    Submission("OEM", "2026Q4", "Raj", date(2026, 11, 6), 18, 30, submission_id=4),
    Submission("FLEET", "2026Q4", "Ana", date(2026, 10, 30), 5, 6, submission_id=5),
]


def test_weekly_calls_keep_the_latest_of_each_week() -> None:
    weeks = fc.weekly_calls(HISTORY)
    assert [(w.segment, w.week_start, w.commit_amount) for w in weeks] == [
        ("FLEET", date(2026, 10, 26), 5),
        ("OEM", date(2026, 10, 5), 12), ("OEM", date(2026, 10, 12), 15), ("OEM", date(2026, 11, 2), 18)]


def test_call_statuses_name_current_locked_and_superseded() -> None:
    status = fc.call_statuses(HISTORY, ["2026-10"])
    assert status == {1: "Superseded", 2: "Superseded", 3: "Locked call of 2026-10", 4: "Current call",
                      5: "Current call · Locked call of 2026-10"}


@pytest.mark.parametrize(("line", "status"), [
    (fc.ForecastLine("OEM", closed_won=60, commit=40, best_case=10, quota=100), "green"),   # 100 >= 100
    (fc.ForecastLine("OEM", closed_won=60, commit=39, best_case=1, quota=100), "amber"),    # 99 < 100 <= 100
    (fc.ForecastLine("OEM", closed_won=60, commit=30, best_case=9, quota=100), "red"),      # 99 < 100
    (fc.ForecastLine("OEM", closed_won=60, quota=None), "none"),
    (fc.ForecastLine("OEM", closed_won=60, quota=0.0), "none"),
])
def test_quota_status(line: fc.ForecastLine, status: str) -> None:
    assert fc.quota_status(line)[0] == status
