"""Attribution computed in the database (revops_core.queries.attribution, attribution_report)
equals the pure core on hand-made data, on SQLite and PostgreSQL.

Window W = 2026-03-01 .. 2026-03-31, both inclusive. Dealers: D1 (G1, West), D2 (G2, East).
Channels: DI = Display, PS = Paid search, SV = Showroom visit. Half-life 7 days (config).

Sold leads (heuristic models: sold_at in W, touches with ts <= sold_at):
  L1 D1 EV_LAUNCH created 02-20 (before W), sold 03-10 12:00 for 1,000:
     DI 02-24 12:00 (14 days before), PS 03-03 12:00 (7), SV 03-10 12:00 (0: at the sale, counts),
     and an email 03-12 (after the sale: ignored)
  L2 D1 FLEET created 03-02, sold 03-20 00:00 for 600: PS 03-13 00:00 (7) only (one touch takes
     all); a DI touch on 03-21 after the sale is ignored
  L3 D2 EV_LAUNCH created 03-05, sold 03-31 23:30 (last minute of W) for 300:
     DI 03-24 23:30 (7), SV 03-31 23:30 (0)
  L4 D2 created 03-01, sold 03-15 for 500, its only touch on 03-16 is after the sale
     -> not attributed (1 sale, 500 unattributed)
  L5 D2 created 03-10, sold 04-01 00:00 (outside W) for 999: DI 03-12, PS 03-20
  L11 D2 created 03-20, sold 04-05 (outside W) for 50: PS 03-22
  -> attributed revenue 1,000 + 600 + 300 = 1,900 (3 sales)

  first_touch     DI 1,000 + 300 = 1,300; PS 600
  last_touch      SV 1,000 + 300 = 1,300; PS 600
  linear          L1 1,000/3 each; L2 PS 600; L3 150 each
                  -> DI 483.33, PS 933.33, SV 483.33
  time_decay      L1 weights 2^-2, 2^-1, 1 -> 1/7, 2/7, 4/7 of 1,000; L2 PS 600;
                  L3 weights 1/2, 1 -> DI 100, SV 200
                  -> DI 1,700/7, PS 6,200/7, SV 5,400/7
  position_based  L1 40/20/40: DI 400, PS 200, SV 400; L2 PS 600; L3 50/50: 150, 150
                  -> DI 550, PS 800, SV 550

Markov paths (leads CREATED in W; sold: touches up to the sale, converting; others all touches):
  L2 PS conv; L11 PS conv                 -> (PS) conv x2
  L3 DI>SV conv                           -> (DI, SV) conv x1
  L5 DI>PS conv (sold after W: still sold) -> (DI, PS) conv x1
  L6 D1 unsold created 03-15: DI 03-15, PS 03-18 -> (DI, PS) null x1
  L4 (no touch up to the sale), L7 (no touch at all) are left out; L1 and L9 were created before W.
  Transitions: start->PS 2, start->DI 3; DI->SV 1, DI->PS 2; SV->conv 1; PS->conv 3, PS->null 1.
  P(PS) = 3/4, P(SV) = 1, P(DI) = 1/3 + 2/3 x 3/4 = 5/6, P = 2/5 x 3/4 + 3/5 x 5/6 = 4/5.
  Remove PS: P = 3/5 x 1/3 = 1/5 -> effect 3/4. Remove DI: P = 2/5 x 3/4 = 3/10 -> effect 5/8.
  Remove SV: P(DI) = 1/2, P = 3/10 + 3/10 = 3/5 -> effect 1/4. Sum 13/8.
  -> shares PS 6/13, DI 5/13, SV 2/13 of 1,900.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from tests.factories import write

from revops_core.attribution import (
    HEURISTIC_MODELS,
    MODELS,
    AttributionError,
    SoldPath,
    Touch,
    attribute,
    attributed_revenue,
    channel_ranges,
    credits_by_effect,
    heuristic_credits,
    markov_credits,
    markov_removal_effects_from_transitions,
)
from revops_core.attribution_report import (
    attribution_report,
    disagreement_rule,
    judged,
    mean_credit,
    model_sum_gaps,
    models_disagree,
)
from revops_core.config import AppConfig
from revops_core.queries import attribution as q
from revops_core.queries.common import EVERYTHING, Scope

START, END = date(2026, 3, 1), date(2026, 3, 31)
DI, PS, SV = "Display", "Paid search", "Showroom visit"


def at(day: str, clock: str = "00:00") -> datetime:
    return datetime.fromisoformat(f"2026-{day} {clock}")


DEALERS = [{"dealer_id": "D1", "dealer_group": "G1", "region": "West"},
           {"dealer_id": "D2", "dealer_group": "G2", "region": "East"}]


def lead(lead_id: str, dealer: str, created: datetime, sold: datetime | None = None, revenue: float | None = None,
         journey: str = "EV_LAUNCH") -> dict:
    return {"lead_id": lead_id, "dealer_id": dealer, "journey": journey, "created_at": created,
            "sold_at": sold, "sold_revenue": revenue}


LEADS = [
    lead("L1", "D1", at("02-20"), at("03-10", "12:00"), 1000.0),
    lead("L2", "D1", at("03-02"), at("03-20"), 600.0, journey="FLEET"),
    lead("L3", "D2", at("03-05"), at("03-31", "23:30"), 300.0),
    lead("L4", "D2", at("03-01"), at("03-15"), 500.0),
    lead("L5", "D2", at("03-10"), at("04-01"), 999.0),
    lead("L6", "D1", at("03-15")),
    lead("L7", "D1", at("03-16")),
    lead("L9", "D1", at("02-01")),
    lead("L11", "D2", at("03-20"), at("04-05"), 50.0),
]

# written newest first, so that the order the database stores them in is not the ts order
TOUCHES = list(reversed([
    ("L1", at("02-24", "12:00"), DI), ("L1", at("03-03", "12:00"), PS), ("L1", at("03-10", "12:00"), SV),
    ("L1", at("03-12"), "OEM email"),
    ("L2", at("03-13"), PS), ("L2", at("03-21"), DI),
    ("L3", at("03-24", "23:30"), DI), ("L3", at("03-31", "23:30"), SV),
    ("L4", at("03-16"), PS),
    ("L5", at("03-12"), DI), ("L5", at("03-20"), PS),
    ("L6", at("03-15"), DI), ("L6", at("03-18"), PS),
    ("L9", at("02-02"), SV),
    ("L11", at("03-22"), PS),
]))
TOUCHPOINTS = [{"lead_id": lid, "ts": ts, "channel": ch} for lid, ts, ch in TOUCHES]

# the same sold leads as plain values, for the pure core
SOLD = [SoldPath(1000.0, (Touch(DI, 14), Touch(PS, 7), Touch(SV, 0))),
        SoldPath(600.0, (Touch(PS, 7),)),
        SoldPath(300.0, (Touch(DI, 7), Touch(SV, 0)))]
PATHS = [((PS,), True, 2), ((DI, SV), True, 1), ((DI, PS), True, 1), ((DI, PS), False, 1)]

EXPECTED = {
    "first_touch": {DI: 1300.0, PS: 600.0},
    "last_touch": {SV: 1300.0, PS: 600.0},
    "linear": {DI: 1450 / 3, PS: 2800 / 3, SV: 1450 / 3},
    "time_decay": {DI: 1700 / 7, PS: 6200 / 7, SV: 5400 / 7},
    "position_based": {DI: 550.0, PS: 800.0, SV: 550.0},
    "markov": {PS: 1900 * 6 / 13, DI: 1900 * 5 / 13, SV: 1900 * 2 / 13},
}


@pytest.fixture
def eco(engine: Engine) -> Engine:
    write(engine, dealers=DEALERS, leads=LEADS, touchpoints=TOUCHPOINTS)
    return engine


def assert_credits(actual: dict[str, float], expected: dict[str, float]) -> None:
    assert set(actual) == set(expected)
    for channel, credit in expected.items():
        assert actual[channel] == pytest.approx(credit, rel=1e-9, abs=1e-6), channel


def test_hand_made_pure_core_agrees_with_the_worked_values() -> None:
    for model in MODELS:
        assert_credits(attribute(model, SOLD, PATHS), EXPECTED[model])
    assert attributed_revenue(SOLD) == 1900.0


@pytest.mark.parametrize("time_decay_in_sql", [None, False])
def test_report_equals_hand_values_and_pure_core(eco: Engine, cfg: AppConfig, time_decay_in_sql) -> None:
    with eco.connect() as conn:
        report = attribution_report(conn, START, END, cfg, time_decay_in_sql=time_decay_in_sql)
    assert report.time_decay_in_sql is (time_decay_in_sql is None)  # this SQLite build has power()
    assert (report.attributed_revenue, report.attributed_sales) == (1900.0, 3)
    assert (report.unattributed_revenue, report.unattributed_sales) == (500.0, 1)  # L4: touch after the sale
    for model in MODELS:
        assert_credits(report.credits[model], EXPECTED[model])
        assert_credits(report.credits[model], attribute(model, SOLD, PATHS))
    # the invariant: every model's credits sum to the attributed revenue
    assert all(abs(gap) < 1e-6 for gap in model_sum_gaps(report).values())
    assert set(model_sum_gaps(report)) == set(MODELS)
    assert (report.markov_leads, report.markov_conversions) == (5, 4)
    assert report.to_json() == {"attributed_revenue": 1900.0,
                                "models": {m: dict(sorted(report.credits[m].items())) for m in MODELS}}


def test_streamed_sold_paths_equal_the_hand_made_ones(eco: Engine) -> None:
    with eco.connect() as conn:
        streamed = list(q.iter_sold_paths(conn, START, END, EVERYTHING, chunk=2))  # chunks smaller than a lead
    assert [p.revenue for p in streamed] == [1000.0, 600.0, 300.0]  # L1, L2, L3 in lead order; L4 has no touch
    for got, want in zip(streamed, SOLD):
        assert got.channels == want.channels
        assert [t.days_before_sale for t in got.touches] == pytest.approx(
            [t.days_before_sale for t in want.touches], abs=1e-6)


def test_markov_paths_are_grouped_with_counts(eco: Engine) -> None:
    with eco.connect() as conn:
        rows = q.markov_paths(conn, START, END, EVERYTHING)
    assert sorted((r.channels, r.converted, r.count) for r in rows) == sorted(
        [((PS,), True, 2), ((DI, SV), True, 1), ((DI, PS), True, 1), ((DI, PS), False, 1)])


def test_path_order_is_ts_then_channel_whatever_the_storage_order(engine: Engine) -> None:
    # One lead, five touches written in scrambled order; two share 03-02 10:00 (ties: channel name).
    touches = [("Zulu", at("03-02", "10:00")), ("Echo", at("03-05")), ("Alpha", at("03-02", "10:00")),
               ("Mike", at("03-01", "09:00")), ("Bravo", at("03-09"))]
    write(engine, dealers=DEALERS, leads=[lead("X", "D1", at("03-01"), at("03-09"), 100.0)],
          touchpoints=[{"lead_id": "X", "ts": ts, "channel": ch} for ch, ts in touches])
    with engine.connect() as conn:
        rows = q.markov_paths(conn, START, END, EVERYTHING)
        (sold,) = q.iter_sold_paths(conn, START, END, EVERYTHING)
        credits = q.heuristic_credits_sql(conn, START, END, 7.0, EVERYTHING).credits
    order = ("Mike", "Alpha", "Zulu", "Echo", "Bravo")
    assert [(r.channels, r.converted, r.count) for r in rows] == [(order, True, 1)]
    assert sold.channels == order
    assert credits["first_touch"] == {"Mike": 100.0} and credits["last_touch"] == {"Bravo": 100.0}
    # position-based: 40 first, 40 last, 20 / 3 for each of the three middle touches
    assert_credits(credits["position_based"], {"Mike": 40, "Alpha": 20 / 3, "Zulu": 20 / 3, "Echo": 20 / 3,
                                               "Bravo": 40})


def test_scope_narrows_every_figure(eco: Engine, cfg: AppConfig) -> None:
    # G1 = dealer D1 only: sold in W with a touch L1 (1,000) and L2 (600).
    # Markov (created in W, D1): L2 (PS) conv, L6 (DI, PS) null. start->PS 1, start->DI 1; DI->PS 1;
    # PS->conv 1, PS->null 1. P = 1/2. Remove PS: 0 (effect 1); remove DI: 1/4 (effect 1/2)
    # -> PS 2/3, DI 1/3 of 1,600.
    with eco.connect() as conn:
        report = attribution_report(conn, START, END, cfg, Scope(frozenset({"G1"})))
    assert report.attributed_revenue == 1600.0 and report.unattributed_sales == 0
    assert_credits(report.credits["first_touch"], {DI: 1000.0, PS: 600.0})
    assert_credits(report.credits["markov"], {PS: 1600 * 2 / 3, DI: 1600 / 3})
    assert all(abs(gap) < 1e-6 for gap in model_sum_gaps(report).values())


def test_empty_window_and_reversed_window(eco: Engine, cfg: AppConfig) -> None:
    with eco.connect() as conn:
        report = attribution_report(conn, date(2025, 1, 1), date(2025, 1, 31), cfg)
        with pytest.raises(AttributionError):
            attribution_report(conn, END, START, cfg)
    assert report.attributed_revenue == 0.0 and report.ranges == () and report.disagreements == ()
    assert report.credits == {m: {} for m in MODELS}


def test_markov_without_a_conversion_gives_nothing_and_says_so(engine: Engine, cfg: AppConfig) -> None:
    # L1 sold in W but created before W; the only lead created in W (L6) did not convert.
    write(engine, dealers=DEALERS, leads=[LEADS[0], LEADS[5]],
          touchpoints=[t for t in TOUCHPOINTS if t["lead_id"] in ("L1", "L6")])
    with engine.connect() as conn:
        report = attribution_report(conn, START, END, cfg)
    assert report.attributed_revenue == 1000.0 and report.credits["markov"] == {}
    assert any("Markov gives no credit" in note for note in report.notes)
    assert set(model_sum_gaps(report)) == set(HEURISTIC_MODELS)


def test_disagreements_in_words(eco: Engine, cfg: AppConfig) -> None:
    with eco.connect() as conn:
        report = attribution_report(conn, START, END, cfg)
    # DI: last touch gives it nothing (never last), first touch 1,300 -> low 0, high 1,300; its mean over
    # the six models (1300 + 0 + 1450/3 + 1700/7 + 550 + 9500/13) / 6 = 551.16: a range of 236% of it.
    # PS: low 600 (first and last touch), high 2,800/3 = 933.33 (linear): range 333.33; mean
    # (600 + 600 + 2800/3 + 6200/7 + 800 + 11400/13) / 6 = 782.66: 43% of it.
    by_channel = {r.channel: r for r in report.ranges}
    assert (by_channel[DI].low, by_channel[DI].high) == (0.0, pytest.approx(1300))
    assert mean_credit(PS, report.credits) == pytest.approx((600 + 600 + 2800 / 3 + 6200 / 7 + 800 + 11400 / 13) / 6)
    texts = {t.split(":")[0]: t for t in report.disagreements}
    assert texts[DI] == (f"{DI}: $0 (Last touch) to $1.3K (First touch), a range of $1.3K or 236% of its mean "
                         "credit ($551).")
    assert texts[PS] == (f"{PS}: $600 (First touch and Last touch) to $933 (Linear), a range of $333 or 43% "
                         "of its mean credit ($783).")
    assert len(report.disagreements) == 3 and all(r.models_disagree for r in report.ranges)
    assert report.disagreement_share == cfg.rules.ecosystem.disagreement_share == 0.3


@pytest.mark.parametrize(("spread", "mean", "share", "disagree"), [
    (30.0, 100.0, 0.3, False),   # exactly the share: not above it
    (30.1, 100.0, 0.3, True),
    (10.0, 100.0, 0.3, False),
    (10.0, 100.0, 0.05, True),   # a stricter config flags more
    (0.0, 0.0, 0.3, False),      # no credit anywhere: nothing to disagree on
])
def test_models_disagree_above_a_share_of_the_mean(spread: float, mean: float, share: float, disagree: bool) -> None:
    assert models_disagree(spread, mean, share) is disagree


def test_the_rule_discriminates_where_the_highest_credit_rule_flagged_every_channel() -> None:
    # Three channels, three models. Old rule (spread > 10% of the highest) flags all three;
    # the mean rule at 30% flags only C, whose credit really depends on the model.
    credits = {"first_touch": {"A": 100.0, "B": 50.0, "C": 10.0},
               "last_touch": {"A": 88.0, "B": 44.0, "C": 40.0},
               "linear": {"A": 95.0, "B": 47.0, "C": 20.0}}
    ranges = [judged(r, credits, 0.3) for r in channel_ranges(credits)]
    assert [r.channel for r in ranges if r.models_disagree] == ["C"]
    assert all(r.models_disagree for r in channel_ranges(credits))  # the old rule: every channel
    assert disagreement_rule(0.3) == ("the models disagree on a channel when the range of its credit across them "
                                      "(highest − lowest) is more than 30% of its mean credit")


def test_segment_rows(eco: Engine) -> None:
    # attributed (sold in W, touched before the sale): L1 EV/West/G1 1,000, L2 FLEET/West/G1 600,
    # L3 EV/East/G2 300. Leads created in W: D1 EV L6, L7; D1 FLEET L2; D2 EV L3, L4, L5, L11.
    with eco.connect() as conn:
        rows = q.segment_rows(conn, START, END, EVERYTHING)
    assert [(r.journey, r.region, r.dealer_group, r.attributed_revenue, r.attributed_sales, r.leads_created)
            for r in rows] == [("EV_LAUNCH", "East", "G2", 300.0, 1, 4), ("EV_LAUNCH", "West", "G1", 1000.0, 1, 2),
                               ("FLEET", "West", "G1", 600.0, 1, 1)]


# --- random data: SQL and the pure core on the same rows -----------------------------------

def random_ecosystem(seed: int) -> tuple[list[dict], list[dict], list[SoldPath], list[tuple]]:
    """60 leads with 0-5 touches around created/sold; the pure inputs worked out from the rows."""
    rng = random.Random(seed)
    channels = ["A", "B", "C", "D", "E"]
    leads, touchpoints, sold, paths = [], [], [], []
    for i in range(60):
        created = datetime(2026, 2, 15) + timedelta(minutes=rng.randrange(0, 60 * 24 * 50))
        is_sold = rng.random() < 0.5
        sold_at = created + timedelta(minutes=rng.randrange(60, 60 * 24 * 20)) if is_sold else None
        revenue = round(rng.uniform(100, 5000), 2) if is_sold else None
        leads.append(lead(f"R{i:03d}", rng.choice(["D1", "D2"]), created, sold_at, revenue))
        stamps = sorted({created + timedelta(minutes=rng.randrange(-60 * 24 * 10, 60 * 24 * 25))
                         for _ in range(rng.randrange(0, 6))})
        mine = [(ts, rng.choice(channels)) for ts in stamps]
        touchpoints += [{"lead_id": f"R{i:03d}", "ts": ts, "channel": ch} for ts, ch in mine]
        counted = [(ts, ch) for ts, ch in mine if sold_at is None or ts <= sold_at]
        if is_sold and START <= sold_at.date() <= END:
            sold.append(SoldPath(revenue, tuple(Touch(ch, (sold_at - ts).total_seconds() / 86400)
                                                for ts, ch in counted)))
        if START <= created.date() <= END and counted:
            paths.append((tuple(ch for _, ch in counted), is_sold))
    return leads, touchpoints, sold, paths


@pytest.mark.parametrize("seed", [1, 2])
def test_random_data_sql_equals_pure_core(engine: Engine, cfg: AppConfig, seed: int) -> None:
    leads, touchpoints, sold, paths = random_ecosystem(seed)
    write(engine, dealers=DEALERS, leads=leads, touchpoints=touchpoints)
    with engine.connect() as conn:
        report = attribution_report(conn, START, END, cfg)
        streamed = attribution_report(conn, START, END, cfg, time_decay_in_sql=False)
    assert report.attributed_revenue == pytest.approx(attributed_revenue(sold))
    assert report.unattributed_sales == sum(1 for p in sold if not p.touches)
    for model in MODELS:
        expected = {c: v for c, v in attribute(model, sold, paths).items()}
        for r in (report, streamed):
            got = r.credits[model]
            for channel in set(got) | set(expected):
                assert got.get(channel, 0.0) == pytest.approx(expected.get(channel, 0.0), rel=1e-9, abs=1e-6), (
                    model, channel)
            assert math.isclose(math.fsum(got.values()), r.attributed_revenue, rel_tol=1e-9, abs_tol=1e-6), model
    assert heuristic_credits("linear", sold) == pytest.approx(report.credits["linear"])


def _pairs_of(paths) -> Counter:  # noqa: ANN001 - MarkovPathRow list
    """Transition counts as a first-order chain reads them off each path (start, pairs, end)."""
    out: Counter = Counter()
    for p in paths:
        out[(None, p.channels[0], False)] += p.count
        for a, b in zip(p.channels, p.channels[1:]):
            out[(a, b, False)] += p.count
        out[(p.channels[-1], None, p.converted)] += p.count
    return out


def test_transitions_summed_in_sql_are_the_pairs_of_the_paths(eco: Engine) -> None:
    with eco.connect() as conn:
        paths = q.markov_paths(conn, START, END, EVERYTHING)
        transitions = q.markov_transitions(conn, START, END, EVERYTHING)
    got: Counter = Counter()
    for t in transitions:
        got[(t.origin, t.target, t.converted)] += t.count
    assert got == _pairs_of(paths)


def test_markov_from_sql_transitions_equals_markov_from_paths_on_the_sample(sample_engine: Engine) -> None:
    with sample_engine.connect() as conn:
        start, end = date(2026, 5, 1), date(2026, 10, 31)
        paths = q.markov_paths(conn, start, end, EVERYTHING)
        transitions = q.markov_transitions(conn, start, end, EVERYTHING)
    assert len(paths) > 100  # a real mix of paths, not a toy
    from_paths = markov_credits(((p.channels, p.converted, p.count) for p in paths), 1_000_000.0)
    from_sql = credits_by_effect(markov_removal_effects_from_transitions(transitions), 1_000_000.0)
    assert from_sql == pytest.approx(from_paths, rel=1e-9)
    assert sum(from_sql.values()) == pytest.approx(1_000_000.0)
