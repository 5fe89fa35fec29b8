"""Ecosystem scorecard (METRICS.md "Ecosystem scorecard"), on a tiny hand-made ecosystem.

Window W = 2026-01-15 .. 2026-03-10, both inclusive: it touches January, February and March
(3 months); the dealer_months rows in it are 2026-02 and 2026-03 (2026-01's first day is
outside). The previous window of the same length (55 days) is 2025-11-21 .. 2026-01-14.

Dealers (salespeople): dA G1/West (2), dB G1/East (4), dC G2/East (5), dD G2/West (10).

dA leads (EV_LAUNCH unless said):
  a1 created 01-15 00:00:00 (first instant of W), answered after exactly 30 min (within SLA),
     test drive, quote, sold 01-20 for 1,000; first touch MEDIA -> sourced and influenced
  a2 created 03-10 23:59 (last minute of W), answered after 30 min 1 s (missed SLA)
  a3 created 02-01 10:00, never answered (counts as missed)
  a4 created 03-11 00:00 (after W) and a5 created 01-14 23:59:59 (before W: previous window)
  a6 FLEET, created 02-10 09:00, answered in 10 min, quote, sold 02-20 for 100,000; first
     touch DEALER, then an OEM touch -> influenced only; a MEDIA touch after the sale
  -> leads 4, SLA 2/4, median response of (30, 30 1/60, 10) = 30, test drive 1/4, quote 2/4,
     conversion 2/4, revenue 101,000, sourced 1,000, influenced 101,000,
     productivity 2 sold / 2 people / 3 months = 1/3.
  dealer_months in W: 2026-02 (prior 100, retained 60, csat 80, offered 4, joined 1, cost 3,000)
  and 2026-03 (100, 80, 90, 4, 3, 5,000) -> retention 140/200 = 0.7, csat 85, campaign 4/8,
  cost to serve per sale 8,000 / 2 sold = 4,000. 2026-01 and 2026-04 rows are outside W.
dB leads: b1 created 02-01 08:00, answered in 5 min, test drive, quote, sold for 500; its two
  first touches share one timestamp (Display/MEDIA and Dealer website/DEALER: ties go to the
  channel name, "Dealer website" first) -> not sourced, influenced 500;
  b2 created 02-02, answered in 60 min.
  -> leads 2, SLA 1/2, median (5, 60) = 32.5, test drive 1/2, quote 1/2, conversion 1/2,
     productivity 1 / 4 / 3 = 1/12; no dealer_months rows -> those KPIs are None.
dC: c1 created 03-01, never answered -> rates 0, productivity 0, median None.
dD: no leads -> leads 0, rates None, productivity 0 / 10 / 3 = 0.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from tests.conftest import _pg_engine
from tests.factories import write

from revops_core.config import AppConfig
from revops_core.db import make_engine
from revops_core.queries.common import Scope
from revops_core.scorecard import (
    JSON_KEYS,
    KPIS,
    ScorecardRow,
    anonymise,
    composite_scores,
    default_window,
    funnel,
    heatmap,
    kpi_text,
    months_touched,
    percentile_ranks,
    previous_window,
    quartiles,
    scorecard,
    trend_text,
)
from revops_core.schema import ensure_schema

START, END = date(2026, 1, 15), date(2026, 3, 10)
DEALERS = [
    {"dealer_id": "dA", "name": "Alpha Motors", "dealer_group": "G1", "region": "West", "salespeople": 2},
    {"dealer_id": "dB", "name": "Beta Cars", "dealer_group": "G1", "region": "East", "salespeople": 4},
    {"dealer_id": "dC", "name": "Gamma Auto", "dealer_group": "G2", "region": "East", "salespeople": 5},
    {"dealer_id": "dD", "name": "Delta Drive", "dealer_group": "G2", "region": "West", "salespeople": 10},
]


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def lead(lead_id: str, dealer: str, created: str, response: timedelta | None = None, **kw: Any) -> dict[str, Any]:
    c = ts(created)
    return {"lead_id": lead_id, "dealer_id": dealer, "created_at": c,
            "first_response_at": None if response is None else c + response, **kw}


def sold(at: str, revenue: float) -> dict[str, Any]:
    return {"quote_at": ts(at) - timedelta(days=1), "sold_at": ts(at), "sold_revenue": revenue}


LEADS = [
    lead("a1", "dA", "2026-01-15 00:00:00", timedelta(minutes=30), test_drive_at=ts("2026-01-16 10:00"),
         **sold("2026-01-20 12:00", 1000.0)),
    lead("a2", "dA", "2026-03-10 23:59:00", timedelta(minutes=30, seconds=1)),
    lead("a3", "dA", "2026-02-01 10:00:00"),
    lead("a4", "dA", "2026-03-11 00:00:00", timedelta(minutes=1)),
    lead("a5", "dA", "2026-01-14 23:59:59"),
    lead("a6", "dA", "2026-02-10 09:00:00", timedelta(minutes=10), journey="FLEET",
         **sold("2026-02-20 12:00", 100_000.0)),
    lead("b1", "dB", "2026-02-01 08:00:00", timedelta(minutes=5), test_drive_at=ts("2026-02-02 10:00"),
         **sold("2026-02-05 12:00", 500.0)),
    lead("b2", "dB", "2026-02-02 08:00:00", timedelta(minutes=60)),
    lead("c1", "dC", "2026-03-01 08:00:00"),
]
TOUCHPOINTS = [
    {"lead_id": "a1", "ts": ts("2026-01-14 18:00"), "channel": "Display", "party": "MEDIA"},
    {"lead_id": "a1", "ts": ts("2026-01-16 09:00"), "channel": "Showroom visit", "party": "DEALER"},
    {"lead_id": "a6", "ts": ts("2026-02-10 09:05"), "channel": "Dealer phone call", "party": "DEALER"},
    {"lead_id": "a6", "ts": ts("2026-02-11 09:00"), "channel": "OEM email", "party": "OEM"},
    {"lead_id": "a6", "ts": ts("2026-02-21 09:00"), "channel": "Display", "party": "MEDIA"},  # after the sale
    {"lead_id": "b1", "ts": ts("2026-02-01 07:00"), "channel": "Display", "party": "MEDIA"},
    {"lead_id": "b1", "ts": ts("2026-02-01 07:00"), "channel": "Dealer website", "party": "DEALER"},
    {"lead_id": "a2", "ts": ts("2026-03-10 20:00"), "channel": "Display", "party": "MEDIA"},  # a2 never sold
]


def month(dealer: str, period: str, prior: int, retained: int, csat: float, offered: int, joined: int,
          cost: float) -> dict[str, Any]:
    return {"dealer_id": dealer, "period": period, "service_customers_prior": prior,
            "service_customers_retained": retained, "csat": csat, "campaigns_offered": offered,
            "campaigns_joined": joined, "cost_to_serve": cost}


DEALER_MONTHS = [
    month("dA", "2026-01", 1000, 1000, 0.0, 100, 0, 999_999.0),  # first day outside W
    month("dA", "2026-02", 100, 60, 80.0, 4, 1, 3000.0),
    month("dA", "2026-03", 100, 80, 90.0, 4, 3, 5000.0),
    month("dA", "2026-04", 1000, 0, 0.0, 100, 0, 999_999.0),  # after W
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def eco(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The ecosystem above, written once per module on SQLite and on PostgreSQL (tests only read it)."""
    if request.param == "sqlite":
        engines: Iterator[Engine] = iter([make_engine(f"sqlite:///{tmp_path_factory.mktemp('eco') / 'eco.db'}")])
    else:
        engines = _pg_engine()
    for eng in engines:
        ensure_schema(eng)
        write(eng, dealers=DEALERS, leads=LEADS, touchpoints=TOUCHPOINTS, dealer_months=DEALER_MONTHS)
        yield eng
        eng.dispose()


def card(engine: Engine, cfg: AppConfig, level: str = "dealer", **kw: Any):  # noqa: ANN201
    with engine.connect() as conn:
        return scorecard(conn, kw.pop("start", START), kw.pop("end", END), level, cfg, **kw)


def by_entity(sc) -> dict[str, ScorecardRow]:  # noqa: ANN001
    return {r.entity: r for r in sc.rows}


def test_every_kpi_of_a_dealer(eco: Engine, cfg: AppConfig) -> None:
    rows = by_entity(card(eco, cfg))
    assert rows["dA"].name == "Alpha Motors"
    assert rows["dA"].kpis == pytest.approx({
        "leads": 4, "response_sla_rate": 0.5, "median_response_minutes": 30.0, "test_drive_rate": 0.25,
        "quote_rate": 0.5, "conversion_rate": 0.5, "revenue": 101_000.0, "service_retention": 0.7, "csat": 85.0,
        "campaign_participation": 0.5, "cost_to_serve_per_sale": 4000.0, "dealer_productivity": 1 / 3,
        "sourced_revenue": 1000.0, "influenced_revenue": 101_000.0}, abs=1e-4)
    assert rows["dB"].kpis == pytest.approx({
        "leads": 2, "response_sla_rate": 0.5, "median_response_minutes": 32.5, "test_drive_rate": 0.5,
        "quote_rate": 0.5, "conversion_rate": 0.5, "revenue": 500.0, "service_retention": None, "csat": None,
        "campaign_participation": None, "cost_to_serve_per_sale": None, "dealer_productivity": 1 / 12,
        "sourced_revenue": 0.0, "influenced_revenue": 500.0}, abs=1e-4)


def test_unanswered_leads_and_dealers_without_leads(eco: Engine, cfg: AppConfig) -> None:
    rows = by_entity(card(eco, cfg))
    c, d = rows["dC"].kpis, rows["dD"].kpis
    # c1 was never answered: it is a missed SLA, and there is no response time to take a median of
    assert (c["leads"], c["response_sla_rate"], c["median_response_minutes"], c["conversion_rate"]) == (
        1, 0.0, None, 0.0)
    assert c["dealer_productivity"] == 0.0
    # dD has no lead in W: every rate over leads is n/a, its productivity is a real zero
    assert d["leads"] == 0
    assert all(d[k] is None for k in ("response_sla_rate", "median_response_minutes", "test_drive_rate",
                                      "quote_rate", "conversion_rate", "service_retention", "csat"))
    assert (d["revenue"], d["dealer_productivity"], d["sourced_revenue"]) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(("start", "end", "expected_leads"), [
    (date(2026, 3, 10), date(2026, 3, 10), 1),   # a2 at 23:59 on the end date is in
    (date(2026, 3, 11), date(2026, 3, 11), 1),   # a4 at 00:00 the day after is not in the day before
    (date(2026, 1, 15), date(2026, 1, 15), 1),   # a1 at 00:00:00 on the start date is in
    (date(2026, 1, 14), date(2026, 1, 14), 1),   # a5 at 23:59:59 belongs to the day before only
])
def test_window_boundaries(eco: Engine, cfg: AppConfig, start: date, end: date, expected_leads: int) -> None:
    assert by_entity(card(eco, cfg, start=start, end=end, with_trend=False))["dA"].kpis["leads"] == expected_leads


def test_sla_boundary_is_inclusive(eco: Engine, cfg: AppConfig) -> None:
    # a1 at exactly 30 minutes is within; a2 at 30 minutes 1 second is not
    one_day = by_entity(card(eco, cfg, start=date(2026, 1, 15), end=date(2026, 1, 15), with_trend=False))
    assert one_day["dA"].kpis["response_sla_rate"] == 1.0
    last_day = by_entity(card(eco, cfg, start=date(2026, 3, 10), end=date(2026, 3, 10), with_trend=False))
    assert last_day["dA"].kpis["response_sla_rate"] == 0.0
    assert last_day["dA"].kpis["median_response_minutes"] == pytest.approx(30 + 1 / 60, abs=1e-4)


def test_journey_filter_narrows_lead_kpis_only(eco: Engine, cfg: AppConfig) -> None:
    # EV_LAUNCH leaves a1, a2, a3 for dA: the FLEET sale a6 drops out of the lead KPIs, while the
    # dealer_months KPIs (no journey) stay; cost per sale still divides by every journey's 2 sales.
    a = by_entity(card(eco, cfg, journey="EV_LAUNCH"))["dA"].kpis
    assert a == pytest.approx({
        "leads": 3, "response_sla_rate": 1 / 3, "median_response_minutes": 30 + 1 / 120, "test_drive_rate": 1 / 3,
        "quote_rate": 1 / 3, "conversion_rate": 1 / 3, "revenue": 1000.0, "service_retention": 0.7, "csat": 85.0,
        "campaign_participation": 0.5, "cost_to_serve_per_sale": 4000.0, "dealer_productivity": 1 / 6,
        "sourced_revenue": 1000.0, "influenced_revenue": 1000.0}, abs=1e-4)


def test_region_and_group_levels(eco: Engine, cfg: AppConfig) -> None:
    regions = by_entity(card(eco, cfg, "region"))
    west, east = regions["West"].kpis, regions["East"].kpis
    # West = dA + dD: 2 sold / (2 + 10) salespeople / 3 months
    assert west["dealer_productivity"] == pytest.approx(1 / 18)
    assert (west["leads"], west["revenue"], west["cost_to_serve_per_sale"]) == (4, 101_000.0, 4000.0)
    # East = dB + dC: leads b1, b2, c1; median of (5, 60); no dealer_months rows
    assert east == pytest.approx({
        "leads": 3, "response_sla_rate": 1 / 3, "median_response_minutes": 32.5, "test_drive_rate": 1 / 3,
        "quote_rate": 1 / 3, "conversion_rate": 1 / 3, "revenue": 500.0, "service_retention": None, "csat": None,
        "campaign_participation": None, "cost_to_serve_per_sale": None, "dealer_productivity": 1 / 27,
        "sourced_revenue": 0.0, "influenced_revenue": 500.0}, abs=1e-4)
    # two peers: West is better on SLA, quote, conversion, productivity (0.50 of weight), East on
    # test drives (0.10); the dealer_months KPIs have no peer -> left out, weights over 0.60
    assert regions["West"].composite_score == pytest.approx(100 * 0.5 / 0.6)
    assert regions["East"].composite_score == pytest.approx(100 * 0.1 / 0.6)
    assert (regions["West"].quartile, regions["East"].quartile) == (1, 3)
    groups = by_entity(card(eco, cfg, "dealer_group"))
    # G1 = dA + dB: answered (5, 10, 30, 30 1/60, 60) -> median 30; 3 sold / 6 people / 3 months
    assert groups["G1"].kpis["median_response_minutes"] == pytest.approx(30.0, abs=1e-4)
    assert groups["G1"].kpis["dealer_productivity"] == pytest.approx(1 / 6)
    assert groups["G1"].kpis["cost_to_serve_per_sale"] == pytest.approx(8000 / 3)
    assert groups["G2"].kpis["leads"] == 1 and groups["G2"].kpis["revenue"] == 0.0


def test_composite_quartile_and_trend_of_four_dealers(eco: Engine, cfg: AppConfig) -> None:
    # weighted KPIs with peers: SLA .15, test drive .10, quote .10, conversion .15, productivity .10
    # ranks (share of peers worse, ties half):
    #   SLA      A .5 B .5 C 0 (D n/a)   -> A .75  B .75  C 0
    #   test dr. A .25 B .5 C 0          -> A .5   B 1    C 0
    #   quote    A .5 B .5 C 0           -> A .75  B .75  C 0
    #   conv.    A .5 B .5 C 0           -> A .75  B .75  C 0
    #   prod.    A 1/3 B 1/12 C 0 D 0    -> A 1    B 2/3  C 1/6  D 1/6
    # A = (.1125 + .05 + .075 + .1125 + .1) / .6 = 75; B = (.1125 + .1 + .075 + .1125 + .0667) / .6
    # C = (.1 x 1/6) / .6; D = productivity only = 1/6
    sc = card(eco, cfg)
    rows = by_entity(sc)
    expected = {"dA": 75.0, "dB": 100 * (0.4 + 0.2 / 3) / 0.6, "dC": 100 / 36, "dD": 100 / 6}
    assert {e: r.composite_score for e, r in rows.items()} == pytest.approx(expected)
    assert [r.entity for r in sc.rows] == ["dB", "dA", "dD", "dC"]
    assert {e: r.quartile for e, r in rows.items()} == {"dB": 1, "dA": 2, "dD": 3, "dC": 4}
    # previous window 2025-11-21 .. 2026-01-14 holds only a5 (unsold): every productivity is 0,
    # a tie -> rank .5 for all; nothing else has a peer -> every previous score is 50
    assert (sc.previous_start, sc.previous_end) == (date(2025, 11, 21), date(2026, 1, 14))
    assert {e: r.previous_score for e, r in rows.items()} == pytest.approx(dict.fromkeys(rows, 50.0))
    assert {e: r.trend for e, r in rows.items()} == pytest.approx({e: v - 50 for e, v in expected.items()})


def test_scope_limits_entities(eco: Engine, cfg: AppConfig) -> None:
    sc = card(eco, cfg, scope=Scope(frozenset({"G1"})))
    assert sorted(r.entity for r in sc.rows) == ["dA", "dB"]


def test_json_has_exactly_the_issue_keys(eco: Engine, cfg: AppConfig) -> None:
    out = card(eco, cfg, "region").to_json()
    assert list(out) == ["rows"] and list(out["rows"]) == ["East", "West"]
    assert tuple(out["rows"]["West"]) == JSON_KEYS == (*KPIS, "composite_score", "quartile")
    assert out["rows"]["West"]["quartile"] == 1 and out["rows"]["East"]["csat"] is None
    west_leads = out["rows"]["West"]["leads"]
    assert type(west_leads) is int and west_leads == 4  # a1 a2 a3 a6: a count prints as 4, not 4.0


def test_funnel_counts(eco: Engine, cfg: AppConfig) -> None:
    # leads in W: a1 a2 a3 a6 b1 b2 c1 = 7; within SLA a1 a6 b1; test drive a1 b1; quote a1 a6 b1; sold a1 a6 b1
    with eco.connect() as conn:
        steps = funnel(conn, START, END, cfg)
        one = funnel(conn, START, END, cfg, journey="EV_LAUNCH", level="dealer", entity="dA")
    assert [(s.label, s.count) for s in steps] == [("Leads", 7), ("Answered within SLA", 3), ("Test drive", 2),
                                                   ("Quote", 3), ("Sold", 3)]
    assert steps[4].share_of_leads == pytest.approx(3 / 7)
    assert [s.count for s in one] == [3, 1, 1, 1, 1]
    # the scorecard's own funnel (summed per-entity SQL counts) is the same, at every level
    for level in ("dealer", "region"):
        assert card(eco, cfg, level, with_trend=False).funnel() == steps
    assert card(eco, cfg, journey="EV_LAUNCH", with_trend=False).funnel()[0].count == 6  # all but the FLEET lead a6


def test_heatmap_cells(eco: Engine, cfg: AppConfig) -> None:
    with eco.connect() as conn:
        cells = {(c.journey, c.segment): c for c in heatmap(conn, START, END, "region")}
    assert set(cells) == {("EV_LAUNCH", "West"), ("FLEET", "West"), ("EV_LAUNCH", "East")}
    west = cells[("EV_LAUNCH", "West")]  # a1 a2 a3, a1 sold for 1,000
    assert (west.leads, west.sold, west.conversion_rate, west.revenue_per_lead) == (3, 1, pytest.approx(1 / 3),
                                                                                  pytest.approx(1000 / 3))
    assert cells[("FLEET", "West")].revenue_per_lead == 100_000.0
    # sourced: a1's first touch is MEDIA (1,000 of 1,000); a6's is DEALER (its MEDIA touch comes after
    # the sale); b1's two 07:00 touches tie and "Dealer website" sorts before "Display": DEALER
    assert (west.sourced_revenue, west.sourced_share) == (1000.0, 1.0)
    assert (cells[("FLEET", "West")].sourced_revenue, cells[("FLEET", "West")].sourced_share) == (0.0, 0.0)
    east = cells[("EV_LAUNCH", "East")]
    assert (east.revenue, east.sourced_revenue, east.sourced_share) == (500.0, 0.0, 0.0)
    with eco.connect() as conn:
        dealer_sourced = {(c.journey, c.segment): c.sourced_revenue
                          for c in heatmap(conn, START, END, "region", parties=("DEALER",))}
    assert dealer_sourced == {("EV_LAUNCH", "West"): 0.0, ("FLEET", "West"): 100_000.0, ("EV_LAUNCH", "East"): 500.0}


# ---- pure functions --------------------------------------------------------------------------

def test_percentile_ranks_by_hand() -> None:
    # higher is better: A beats 3 of 3 peers; B and C tie (one worse + half a tie) / 3; D none
    assert percentile_ranks({"A": 0.5, "B": 0.3, "C": 0.3, "D": 0.1}) == pytest.approx(
        {"A": 1.0, "B": 0.5, "C": 0.5, "D": 0.0})
    # lower is better, C unknown: three peers with values -> A beats both others
    assert percentile_ranks({"A": 10, "B": 20, "C": None, "D": 40}, lower_is_better=True) == {
        "A": 1.0, "B": 0.5, "C": None, "D": 0.0}
    assert percentile_ranks({"A": 1.0, "B": None}) == {"A": None, "B": None}  # no peer to rank against


def test_composite_and_quartiles_by_hand() -> None:
    kpis = {"A": {"x": 0.5, "y": 10}, "B": {"x": 0.3, "y": 20}, "C": {"x": 0.3, "y": None},
            "D": {"x": 0.1, "y": 40}, "E": {"x": None, "y": None}}
    # x ranks over A-D: 1, .5, .5, 0; y (lower better) over A, B, D: 1, .5, 0
    # A = 100 (.6 + .4); B = 100 (.3 + .2); C = x only, renormalised = 50; D = 0; E has nothing
    scores = composite_scores(kpis, {"x": 0.6, "y": 0.4}, lower_is_better=("y",))
    assert scores == pytest.approx({"A": 100.0, "B": 50.0, "C": 50.0, "D": 0.0, "E": None})
    # quartile = 1 + floor(4 x strictly-higher / 4 scored): A 0 -> 1, B and C 1 -> 2, D 3 -> 4
    assert quartiles(scores) == {"A": 1, "B": 2, "C": 2, "D": 4, "E": None}


def test_windows() -> None:
    assert months_touched(date(2026, 1, 15), date(2026, 3, 10)) == 3
    assert months_touched(date(2025, 12, 31), date(2026, 1, 1)) == 2
    assert previous_window(date(2026, 1, 1), date(2026, 3, 31)) == (date(2025, 10, 3), date(2025, 12, 31))
    assert default_window(date(2026, 6, 30), (date(2025, 1, 1), date(2026, 5, 31))) == (
        date(2026, 3, 3), date(2026, 5, 31))
    assert default_window(date(2026, 6, 30), None) == (date(2026, 4, 2), date(2026, 6, 30))


def test_anonymise_keeps_own_row_and_hides_peers() -> None:
    def row(e: str, score: float | None) -> ScorecardRow:
        return ScorecardRow(e, f"Name {e}", {"leads": 1.0, "conversion_rate": 0.5}, score, None)

    out = anonymise([row("dA", 10.0), row("dB", 90.0), row("dC", None), row("dD", 50.0)], "dD")
    assert [(r.entity, r.name, r.composite_score) for r in out] == [
        ("dD", "Name dD", 50.0), ("Peer A", "Peer A", 90.0), ("Peer B", "Peer B", 10.0), ("Peer C", "Peer C", None)]
    assert out[0].kpis == {"leads": 1.0, "conversion_rate": 0.5}
    assert all(r.kpis == {"conversion_rate": 0.5} for r in out[1:])  # a rate, never a count


@pytest.mark.parametrize(("key", "value", "text"), [
    ("response_sla_rate", 0.4567, "45.7%"), ("revenue", 1_234_567.0, "$1.2M"),
    ("median_response_minutes", 27.4, "27 min"),
    ("median_response_minutes", 150.0, "2.5 h"), ("csat", 85.04, "85.0"), ("dealer_productivity", 1 / 3, "0.33"),
    ("composite_score", 77.78, "78"), ("quartile", 1, "Q1 (top)"), ("quartile", 3, "Q3"), ("leads", 1234, "1,234"),
    ("cost_to_serve_per_sale", None, "n/a"),
])
def test_kpi_text(key: str, value: float | None, text: str) -> None:
    assert kpi_text(key, value) == text


def test_trend_text() -> None:
    assert [trend_text(v) for v in (4.25, -3.0, 0.01, None)] == ["▲ +4.2 pts", "▼ -3.0 pts", "● no change", "n/a"]


def test_a_dealer_group_sees_its_own_dealers_and_anonymous_peers(eco: Engine, cfg: AppConfig) -> None:
    from revops_core.queries.common import Scope
    from revops_core.queries.scorecard import entities
    from revops_core.scorecard import PEER_KPIS, peer_label, share_with

    full = card(eco, cfg, with_trend=False)
    with eco.connect() as conn:
        own = set(entities(conn, "dealer", Scope(frozenset({"G2"}))))
    assert own == {"dC", "dD"}
    shared = share_with(full, own)
    ranked = [r.entity for r in full.rows]
    # same rank order; G1's dealers dA and dB become "Peer A", "Peer B" in the order they rank
    expected = []
    peer = 0
    for entity in ranked:
        if entity in own:
            expected.append(entity)
        else:
            expected.append(peer_label(peer))
            peer += 1
    assert [r.entity for r in shared.table.rows] == expected
    names = {r.name for r in shared.table.rows}
    assert not names & {"Alpha Motors", "Beta Cars"} and {"Gamma Auto", "Delta Drive"} <= names
    for r, original in zip(shared.table.rows, full.rows, strict=True):
        assert (r.composite_score, r.quartile) == (original.composite_score, original.quartile)
        if r.entity.startswith("Peer"):
            assert r.counts.leads == 0  # no funnel counts of another group
            assert r.kpis == {k: v for k, v in original.kpis.items() if k in PEER_KPIS}  # rates, no counts or money
        else:
            assert r.kpis == original.kpis
    assert [r.entity for r in shared.own.rows] == [e for e in ranked if e in own]
    assert shared.own.totals()["leads"] == sum(r.kpis["leads"] or 0 for r in full.rows if r.entity in own)
