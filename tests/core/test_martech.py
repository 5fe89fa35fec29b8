"""Martech ROI (revops_core.martech), expectations worked by hand.

Tools (annual cost, licensed / active users, journeys):
  T1 CRM A   CRM                   365,000  100 / 90 (90%)  EV_LAUNCH;FLEET
  T2 CRM B   CRM                    73,000   50 / 20 (40%)  EV_LAUNCH           -> redundant (CRM A 90%)
  T3 Email   Marketing automation   36,500   40 /  6 (15%)  SERVICE_RETENTION; EV_LAUNCH;  -> under 25%
  T4 BI      Analytics              18,250    0 /  0 (n/a)  (none)              -> utilization n/a, not flagged
  T5 Chat    Conversational          3,650   10 /  3 (30%)  FLEET               -> alone in its category

Window 2026-03-01 .. 2026-03-31 = 31 days: each cost x 31 / 365 ->
  T1 31,000; T2 6,200; T3 3,100; T4 1,550; T5 310; total 42,160.
By journey (a tool's cost split evenly over its journeys):
  EV_LAUNCH 15,500 + 6,200 + 1,550 = 23,250; FLEET 15,500 + 310 = 15,810;
  SERVICE_RETENTION 1,550; no journey (T4) 1,550. Sum 42,160.
Retire candidates: T2 (redundant) and T3 (15%): money freed 73,000 + 36,500 = 109,500 a year,
  109,500 x 31 / 365 = 9,300 in the window.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from tests.core.test_attribution_sql import DEALERS, END, LEADS, START, TOUCHPOINTS
from tests.factories import write

from revops_core.attribution import AttributionError
from revops_core.attribution_report import attribution_report
from revops_core.config import AppConfig
from revops_core.martech import (
    UNASSIGNED,
    Tool,
    allocate_by_leads,
    build_report,
    journey_costs,
    martech_report,
    overlaps,
    parse_journeys,
    retire_candidates,
    roi,
    window_cost,
    window_days,
)
from revops_core.queries.attribution import SegmentRow
from revops_core.queries.common import Scope

TOOL_ROWS = [
    {"tool_id": "T1", "name": "CRM A", "category": "CRM", "annual_cost": 365_000.0, "licensed_users": 100,
     "active_users": 90, "journeys": "EV_LAUNCH;FLEET"},
    {"tool_id": "T2", "name": "CRM B", "category": "CRM", "annual_cost": 73_000.0, "licensed_users": 50,
     "active_users": 20, "journeys": "EV_LAUNCH"},
    {"tool_id": "T3", "name": "Email", "category": "Marketing automation", "annual_cost": 36_500.0,
     "licensed_users": 40, "active_users": 6, "journeys": "SERVICE_RETENTION; EV_LAUNCH;"},
    {"tool_id": "T4", "name": "BI", "category": "Analytics", "annual_cost": 18_250.0, "licensed_users": 0,
     "active_users": 0, "journeys": None},
    {"tool_id": "T5", "name": "Chat", "category": "Conversational", "annual_cost": 3_650.0, "licensed_users": 10,
     "active_users": 3, "journeys": "FLEET"},
]
TOOLS = [Tool(r["tool_id"], r["name"], r["category"], r["annual_cost"], "MOPS", r["licensed_users"],
              r["active_users"], parse_journeys(r["journeys"])) for r in TOOL_ROWS]
DAYS = 31


def test_window_days_and_cost_proration() -> None:
    assert window_days(START, END) == 31 and window_days(START, START) == 1
    assert window_days(date(2025, 7, 1), date(2026, 6, 30)) == 365
    assert window_cost(365_000.0, 31) == pytest.approx(31_000.0)
    assert window_cost(73_000.0, 365) == pytest.approx(73_000.0)  # a 365-day window costs a year
    with pytest.raises(AttributionError):
        window_days(END, START)


def test_roi_by_hand() -> None:
    # (500,000 x 0.2 - 42,160) / 42,160 = 57,840 / 42,160
    assert roi(500_000.0, 0.2, 42_160.0) == pytest.approx(57_840 / 42_160)
    assert roi(0.0, 0.2, 1_000.0) == -1.0  # cost and nothing attributed: the whole cost is lost
    assert roi(1_000.0, 0.2, 0.0) is None  # no cost: no ROI


def test_parse_journeys() -> None:
    assert parse_journeys("SERVICE_RETENTION; EV_LAUNCH;") == ("SERVICE_RETENTION", "EV_LAUNCH")
    assert parse_journeys("A;A;;B") == ("A", "B")
    assert parse_journeys(None) == () and parse_journeys("") == ()


def test_utilization() -> None:
    assert [t.utilization for t in TOOLS] == [0.9, 0.4, 0.15, None, 0.3]


def test_journey_costs_split_evenly_and_sum_to_the_stack() -> None:
    costs = journey_costs(TOOLS, DAYS)
    assert costs == pytest.approx({"EV_LAUNCH": 23_250.0, "FLEET": 15_810.0, "SERVICE_RETENTION": 1_550.0,
                                   UNASSIGNED: 1_550.0})
    assert sum(costs.values()) == pytest.approx(42_160.0)


def test_allocate_by_leads() -> None:
    assert allocate_by_leads(42_160.0, {"West": 3, "East": 5}) == pytest.approx({"West": 15_810.0, "East": 26_350.0})
    assert allocate_by_leads(42_160.0, {"West": 0}) == {}


def test_overlap_and_retire_candidates() -> None:
    (crm,) = overlaps(TOOLS)
    assert (crm.category, [t.tool_id for t in crm.tools], crm.annual_cost) == ("CRM", ["T1", "T2"], 438_000.0)
    candidates = retire_candidates(TOOLS)
    assert [c.tool.tool_id for c in candidates] == ["T2", "T3"]  # largest annual cost first
    assert candidates[0].reasons == ("Overlaps with CRM A in CRM, which is used by 90% of its licensed users.",)
    assert candidates[1].reasons == ("Only 6 of 40 licensed users are active (15%, below 25%).",)


def test_low_use_and_redundant_give_both_reasons_and_a_well_used_sibling_is_kept() -> None:
    a = Tool("A", "Big", "Ads", 100.0, "M", 10, 9)
    b = Tool("B", "Small", "Ads", 50.0, "M", 10, 1)     # 10%: both reasons
    c = Tool("C", "Second", "Ads", 70.0, "M", 10, 6)    # 60%: overlaps but is well used -> kept
    (only,) = retire_candidates([a, b, c])
    assert only.tool.tool_id == "B" and len(only.reasons) == 2
    # two tools equally used (40%): neither is better used, so neither is redundant
    assert retire_candidates([Tool("X", "One", "Ads", 1.0, "M", 10, 4), Tool("Y", "Two", "Ads", 1.0, "M", 10, 4)]) == ()


SEGMENTS = [SegmentRow("EV_LAUNCH", "West", "G1", 300_000.0, 3, 3),
            SegmentRow("FLEET", "West", "G1", 150_000.0, 1, 1),
            SegmentRow("EV_LAUNCH", "East", "G2", 50_000.0, 1, 4)]


def test_build_report_by_hand() -> None:
    report = build_report(START, END, TOOLS, SEGMENTS, gross_margin=0.2)
    o = report.overall
    # revenue 500,000, margin 100,000, cost 42,160
    assert (o.attributed_revenue, o.margin, o.cost, o.leads) == (500_000.0, 100_000.0, pytest.approx(42_160.0), 8)
    assert o.roi == pytest.approx((100_000 - 42_160) / 42_160)
    journeys = {line.key: line for line in report.by_journey}
    assert list(journeys) == ["EV_LAUNCH", "FLEET", "SERVICE_RETENTION", UNASSIGNED]
    # EV: 350,000 x 0.2 = 70,000 against 23,250; FLEET: 30,000 against 15,810; SERVICE: nothing against 1,550
    assert journeys["EV_LAUNCH"].roi == pytest.approx((70_000 - 23_250) / 23_250)
    assert journeys["FLEET"].roi == pytest.approx((30_000 - 15_810) / 15_810)
    assert journeys["SERVICE_RETENTION"].roi == -1.0
    assert (journeys[UNASSIGNED].attributed_revenue, journeys[UNASSIGNED].roi) == (None, None)
    assert sum(line.cost for line in report.by_journey) == pytest.approx(42_160.0)
    # by region: 4 leads each -> 21,080 each; West 450,000 x 0.2 = 90,000, East 10,000
    region = {line.key: line for line in report.by_segment["region"]}
    assert list(region) == ["West", "East"]  # highest attributed revenue first
    assert region["West"].cost == pytest.approx(21_080.0) and region["East"].cost == pytest.approx(21_080.0)
    assert region["West"].roi == pytest.approx((90_000 - 21_080) / 21_080)
    assert region["East"].roi == pytest.approx((10_000 - 21_080) / 21_080)
    assert [line.key for line in report.by_segment["dealer_group"]] == ["G1", "G2"]
    assert report.money_freed_annual == 109_500.0 and report.money_freed_window == pytest.approx(9_300.0)


def test_build_report_with_a_cost_share_and_no_leads() -> None:
    half = build_report(START, END, TOOLS, SEGMENTS, gross_margin=0.2, cost_share=0.5)
    assert half.overall.cost == pytest.approx(21_080.0)
    assert sum(line.cost for line in half.by_journey) == pytest.approx(21_080.0)
    empty = build_report(START, END, TOOLS, [], gross_margin=0.2)
    assert empty.overall.attributed_revenue == 0.0 and empty.overall.roi == -1.0
    assert empty.by_segment == {"region": (), "dealer_group": ()}


def test_martech_report_from_the_database(engine: Engine, cfg: AppConfig) -> None:
    # The attribution dataset of test_attribution_sql: attributed revenue 1,900 in W
    # (L1 EV/West/G1 1,000, L2 FLEET/West/G1 600, L3 EV/East/G2 300); leads created in W:
    # West 3 (L2, L6, L7), East 4 (L3, L4, L5, L11). Gross margin 0.18 from config.
    write(engine, dealers=DEALERS, leads=LEADS, touchpoints=TOUCHPOINTS, martech_tools=TOOL_ROWS)
    with engine.connect() as conn:
        report = martech_report(conn, START, END, cfg)
        attributed = attribution_report(conn, START, END, cfg).attributed_revenue
        scoped = martech_report(conn, START, END, cfg, Scope(frozenset({"G1"})))
    assert cfg.rules.ecosystem.gross_margin == 0.18
    assert report.overall.attributed_revenue == attributed == 1_900.0
    assert report.overall.cost == pytest.approx(42_160.0)
    assert report.overall.roi == pytest.approx((1_900 * 0.18 - 42_160) / 42_160)
    journeys = {line.key: line for line in report.by_journey}
    assert journeys["EV_LAUNCH"].attributed_revenue == 1_300.0 and journeys["FLEET"].attributed_revenue == 600.0
    region = {line.key: line for line in report.by_segment["region"]}
    # cost by share of leads: West 3/7, East 4/7 of 42,160
    assert region["West"].cost == pytest.approx(42_160 * 3 / 7) and region["West"].attributed_revenue == 1_600.0
    assert region["East"].cost == pytest.approx(42_160 * 4 / 7) and region["East"].leads == 4
    assert [t.tool_id for t in report.tools] == ["T1", "T2", "T3", "T4", "T5"]
    assert [c.tool.tool_id for c in report.retire_candidates] == ["T2", "T3"]
    # G1 holds 3 of the 7 leads created in W: it bears 3/7 of the stack's cost
    assert scoped.cost_share == pytest.approx(3 / 7)
    assert scoped.overall.cost == pytest.approx(42_160 * 3 / 7) and scoped.overall.attributed_revenue == 1_600.0
