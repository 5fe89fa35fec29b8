"""Backlog: schedule spreading, waterfall, BRR by quarter, SOP readiness, ECO dynamics.

Hand-made datasets with expected values worked out in the comments; every database test runs
on SQLite and on PostgreSQL (the ``engine`` fixture).
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from revops_core import backlog
from revops_core.backlog import (Adjustments, Waterfall, backlog_schedule, backlog_waterfall, brr_by_quarter,
                                 eco_dynamics, period_options, roll_up_quarters, spread_by_year)
from revops_core.board import board_metrics
from revops_core.config import AppConfig
from revops_core.queries import awards as qa
from revops_core.queries.common import EVERYTHING
from tests.factories import write

ACCOUNTS = [{"account_id": "oem", "name": "Orion Motors"}, {"account_id": "t1", "name": "Tiera", "segment": "TIER1"}]
PRODUCTS = [{"product_id": "p1"}]


def award(award_id: str, **kw: Any) -> dict[str, Any]:
    return {"award_id": award_id, "account_id": "oem", "product_id": "p1", **kw}


def rev(award_id: str | None, period: str, amount: float) -> dict[str, Any]:
    return {"account_id": "oem", "award_id": award_id, "period": period, "amount": amount}


def eco(eco_id: str, award_id: str, status: str, delta: float, decided: date | None = None,
        requested: date = date(2024, 1, 1)) -> dict[str, Any]:
    return {"eco_id": eco_id, "award_id": award_id, "status": status, "revenue_delta": delta,
            "decided_date": decided, "requested_date": requested}


def cents(w: Waterfall) -> list[int]:
    return [round(v * 100) for v in (w.opening, w.awards_won, w.eco_revenue, w.revenue_recognised,
                                     w.cancellations, w.adjustments, w.closing)]


# --- schedule spreading ------------------------------------------------------------------------

@pytest.mark.parametrize(("remaining", "sop", "eop", "as_of", "expected"), [
    # start = later of SOP month (2025-01) and month after D (2025-07); 2025-07..2026-12 = 18 months
    # of 1200/18: 6 in 2025 (400), 12 in 2026 (800)
    (1200.0, date(2025, 1, 15), date(2026, 12, 10), date(2025, 6, 30), {2025: 400.0, 2026: 800.0}),
    # SOP after D: 2027-03..2028-02 = 12 months of 100: 10 in 2027, 2 in 2028
    (1200.0, date(2027, 3, 1), date(2028, 2, 29), date(2025, 6, 30), {2027: 1000.0, 2028: 200.0}),
    # EOP month (2025-05) before the month after D (2026-01): empty range, all in the month after D
    (500.0, date(2023, 1, 1), date(2025, 5, 31), date(2025, 12, 15), {2026: 500.0}),
    # EOP in D's own month: still empty (the range starts the month after D)
    (70.0, date(2024, 1, 1), date(2025, 12, 31), date(2025, 12, 15), {2026: 70.0}),
])
def test_spread_by_year(remaining: float, sop: date, eop: date, as_of: date, expected: dict[int, float]) -> None:
    got = spread_by_year(remaining, sop, eop, as_of)
    assert got.keys() == expected.keys()
    for year, amount in expected.items():
        assert got[year] == pytest.approx(amount)


def test_schedule_by_year_and_powertrain_to_2035(engine: Engine) -> None:
    # BEV: 2400 over 2030-01..2037-12 (96 months, 25 a month, 300 a year); 2036-37 fall beyond 2035.
    # ICE: 1000 - 400 revenue by D = 600, EOP before D -> all in 2025-07 (month after D).
    # COMPLETED award: not counted.
    write(engine, accounts=ACCOUNTS, products=PRODUCTS,
          platform_awards=[award("bev", powertrain="BEV", lifetime_value=2400.0, sop_date=date(2030, 1, 1),
                                 eop_date=date(2037, 12, 31)),
                           award("ice", powertrain="ICE", lifetime_value=1000.0, sop_date=date(2020, 1, 1),
                                 eop_date=date(2025, 3, 31), status="IN_PRODUCTION"),
                           award("done", powertrain="HEV", lifetime_value=900.0, status="COMPLETED")],
          revenue=[rev("ice", "2025-01", 400.0)])
    with engine.connect() as conn:
        sched = backlog_schedule(conn, date(2025, 6, 30), last_year=2035)
    assert list(sched) == [2025, 2030, 2031, 2032, 2033, 2034, 2035]
    assert sched[2025]["ICE"] == pytest.approx(600.0)
    assert sched[2030]["BEV"] == pytest.approx(300.0) and sched[2035]["BEV"] == pytest.approx(300.0)
    assert sum(v["HEV"] for v in sched.values()) == 0.0


# --- waterfall ---------------------------------------------------------------------------------

# Period 2025Q2 = 2025-04-01 .. 2025-06-30, D = 2025-12-31 (period complete).
WATERFALL_AWARDS = [
    award("steady", lifetime_value=1000.0, status="IN_PRODUCTION"),           # awarded 2024-01-01
    award("overrun", lifetime_value=100.0, status="IN_PRODUCTION"),           # floors at 0 by 06-30
    award("new", lifetime_value=500.0, award_date=date(2025, 5, 15)),         # won in the period
    award("done", lifetime_value=300.0, award_date=date(2023, 1, 1), status="COMPLETED"),   # completed since
    award("cxl_prod", lifetime_value=400.0, award_date=date(2023, 6, 1), status="CANCELLED"),  # last revenue 2025-04
    award("cxl_early", lifetime_value=200.0, award_date=date(2025, 6, 20), status="CANCELLED"),  # never produced
    award("cxl_old", lifetime_value=100.0, award_date=date(2023, 1, 1), status="CANCELLED"),  # last revenue 2024-12
    award("later", lifetime_value=700.0, award_date=date(2025, 9, 1)),        # awarded after the period
]
WATERFALL_REVENUE = [
    rev("steady", "2025-03", 100.0), rev("steady", "2025-04", 50.0), rev("steady", "2025-05", 50.0),
    rev("overrun", "2025-03", 90.0), rev("overrun", "2025-04", 40.0), rev("overrun", "2025-05", 10.0),
    rev("done", "2025-04", 60.0),
    rev("cxl_prod", "2025-03", 50.0), rev("cxl_prod", "2025-04", 50.0),
    rev("cxl_old", "2024-12", 10.0),
    rev(None, "2025-04", 999.0),                                                # not program revenue
    rev("steady", "2025-07", 1.0),                                              # after the period
]
WATERFALL_ECOS = [
    eco("e0", "steady", "APPROVED", 20.0, date(2024, 6, 1)),    # before the period: in opening
    eco("e1", "steady", "APPROVED", 30.0, date(2025, 5, 10)),   # in the period
    eco("e2", "steady", "REJECTED", 77.0, date(2025, 5, 11)),   # rejected: never counts
    eco("e3", "steady", "REQUESTED", 88.0),                     # undecided
    eco("e4", "done", "APPROVED", 10.0, date(2025, 6, 1)),      # completed award
    eco("e5", "later", "APPROVED", 5.0, date(2025, 5, 1)),      # decided before its award date
]


def test_waterfall_identity_and_adjustments(engine: Engine) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=WATERFALL_AWARDS,
          revenue=WATERFALL_REVENUE, ecos=WATERFALL_ECOS)
    with engine.connect() as conn:
        w = backlog_waterfall(conn, "2025Q2", date(2025, 12, 31))
    # Opening at 2025-03-31: steady 1000 + 20 - 100 = 920; overrun 100 - 90 = 10 -> 930.
    assert w.opening == 930.0
    # Awards won: "new" 500 (cxl_early is cancelled, "later" is after the period).
    assert w.awards_won == 500.0
    # Approved ECO decided in the period: e1 30 + e4 10 + e5 5 = 45.
    assert w.eco_revenue == 45.0
    # Program revenue in 2025-04..06: steady 100 + overrun 50 + done 60 + cxl_prod 50 = 260.
    assert w.revenue_recognised == 260.0
    # Cancellations: cxl_prod (last revenue 2025-04) 400 - 100 = 300; cxl_early (no revenue,
    # awarded 2025-06-20) 200; cxl_old's last revenue (2024-12) is outside the period.
    assert w.cancellations == 500.0
    # Closing at 2025-06-30: steady 1000 + 50 - 200 = 850; overrun 100 - 140 = -40 -> 0; new 500.
    assert w.closing == 1350.0
    # Adjustments = 1350 - (930 + 500 + 45 - 260 - 500) = 635, explained part by part:
    # floors: overrun's -40 floored to 0 -> +40; completed: -(10 - 60) = +50;
    # cancelled: 500 - (0 - 50) = +550; timing: e5 counted in the ECO bar, not in any backlog -> -5.
    assert w.adjustments == 635.0
    assert w.detail == Adjustments(floors=40.0, completed=50.0, cancelled=550.0, timing=-5.0)
    assert w.detail.total == w.adjustments
    o, won, ec, rv, cx, adj, close = cents(w)
    assert o + won + ec - rv - cx + adj == close  # exact, in whole cents
    steps = w.steps()
    assert [s.key for s in steps] == ["opening", "awards_won", "eco_revenue", "revenue_recognised",
                                      "cancellations", "adjustments", "closing"]
    assert steps[-2].end == pytest.approx(w.closing)
    assert [s.kind for s in steps[1:-1]] == ["increase", "increase", "decrease", "decrease", "increase"]
    assert not w.partial


def test_waterfall_chains_and_stops_at_d(engine: Engine) -> None:
    """Opening of one period is the closing of the one before; a year chains its quarters."""
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=WATERFALL_AWARDS,
          revenue=WATERFALL_REVENUE, ecos=WATERFALL_ECOS)
    with engine.connect() as conn:
        d = date(2025, 12, 31)
        q1, q2, q3, q4 = (backlog_waterfall(conn, f"2025Q{i}", d) for i in range(1, 5))
        year = backlog_waterfall(conn, "2025", d)
        partial = backlog_waterfall(conn, "2025Q2", date(2025, 4, 30))
        with pytest.raises(backlog.PeriodError):
            backlog_waterfall(conn, "2025Q3", date(2025, 4, 30))
        with pytest.raises(backlog.PeriodError):
            backlog_waterfall(conn, "2025-Q3", date(2025, 4, 30))
    assert q2.opening == q1.closing and q3.opening == q2.closing
    assert year.opening == q1.opening and year.closing == q4.closing
    for field in ("awards_won", "eco_revenue", "revenue_recognised", "cancellations", "adjustments"):
        assert getattr(year, field) == pytest.approx(sum(getattr(q, field) for q in (q1, q2, q3, q4)))
    # Q3: "later" (700) won on 2025-09-01, steady's 2025-07 revenue of 1; closing 850 - 1 + 0 + 500 + 700.
    assert q3.awards_won == 700.0 and q3.revenue_recognised == 1.0
    # e5 (5, decided in Q2) is in "later"'s backlog from its award date: +5 of timing in Q3.
    assert q3.closing == 2054.0 and q3.detail.timing == 5.0 and q3.adjustments == 5.0
    # Q2 seen from D = 2025-04-30: April revenue only: steady 50 + overrun 40 + done 60 + cxl_prod 50.
    assert partial.partial and partial.through == date(2025, 4, 30)
    assert partial.revenue_recognised == 200.0 and partial.awards_won == 0.0
    # Closing at 04-30: steady 1000 + 20 - 150 = 870; overrun 100 - 130 -> 0 (floor +30).
    assert partial.closing == 870.0 and partial.detail.floors == 30.0


def test_period_options() -> None:
    assert period_options(date(2025, 2, 10), "quarter", 3) == ["2025Q1", "2024Q4", "2024Q3"]
    assert period_options(date(2025, 2, 10), "year", 2) == ["2025", "2024"]


# --- BRR by quarter ----------------------------------------------------------------------------

# Program revenue 100 a month 2023-07..2025-09: TTM program revenue 1200 at every quarter end.
BRR_REVENUE = [rev("r1", f"{y}-{m:02d}", 100.0) for y in (2023, 2024, 2025) for m in range(1, 13)
               if date(2023, 7, 1) <= date(y, m, 1) <= date(2025, 9, 1)] + [rev(None, "2025-01", 5000.0)]
BRR_AWARDS = [
    award("r1", award_date=date(2020, 1, 1), lifetime_value=0.0, status="IN_PRODUCTION"),
    award("a", award_date=date(2023, 12, 1), lifetime_value=1080.0),   # TTM of 2024-06-30 and 09-30
    award("b", award_date=date(2024, 8, 15), lifetime_value=360.0),    # 2024-09-30 .. 2025-06-30
    award("c", award_date=date(2024, 12, 31), lifetime_value=1080.0),  # 2024-12-31 .. 2025-09-30
    award("x", award_date=date(2025, 1, 15), lifetime_value=5000.0, status="CANCELLED"),
]


def test_brr_by_quarter_and_sustained_flag(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=BRR_AWARDS, revenue=BRR_REVENUE)
    with engine.connect() as conn:
        trend = brr_by_quarter(conn, date(2025, 6, 30), cfg, quarters=5)
        later = brr_by_quarter(conn, date(2025, 11, 20), cfg, quarters=5)
        board = board_metrics(conn, date(2025, 6, 30), cfg)
    # 2024-06-30: a 1080 / 1200 = 0.9; then 1440 / 1200 = 1.2 four quarters in a row.
    assert [p.quarter for p in trend.points] == ["2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    assert [p.brr for p in trend.points] == pytest.approx([0.9, 1.2, 1.2, 1.2, 1.2])
    assert all(p.program_revenue_ttm == 1200.0 for p in trend.points)
    assert trend.points[-1].brr == pytest.approx(board.backlog_replenishment_rate)  # same metric at D
    assert trend.points[0].band.status == "red" and trend.points[-1].band.label == "at or above 1.2x target"
    assert trend.streak == 4 and trend.sustained
    assert (trend.target, trend.shrinking_below, trend.top_quartile) == (1.2, 1.0, (1.3, 1.8))
    # At 2025-11-20 the last quarter end is 2025-09-30: only c (1080) / 1200 = 0.9 -> streak broken.
    assert later.points[-1].end == date(2025, 9, 30) and later.points[-1].brr == pytest.approx(0.9)
    assert later.streak == 0 and not later.sustained


# --- awards table and SOP readiness ------------------------------------------------------------

# D = 2025-06-30; the SOP window is [D, D + 365 days] = up to 2026-06-30.
SOP_AWARDS = [
    award("s1", sop_date=date(2025, 9, 1), ppap_status="IN_PROGRESS", lifetime_value=500.0),
    award("s2", sop_date=date(2026, 3, 1), ppap_status="FAILED", lifetime_value=800.0, powertrain="BEV"),
    award("s3", sop_date=date(2025, 12, 1), ppap_status="APPROVED", lifetime_value=2000.0),
    award("s4", sop_date=date(2026, 8, 1), ppap_status="NOT_STARTED", lifetime_value=3000.0),
    award("s5", sop_date=date(2025, 7, 15), ppap_status="NOT_STARTED", lifetime_value=1000.0, status="IN_PRODUCTION",
          account_id="t1"),
    award("s6", sop_date=date(2025, 8, 1), ppap_status="FAILED", lifetime_value=4000.0, status="CANCELLED"),
    award("s7", award_date=date(2025, 8, 1), sop_date=date(2026, 1, 1), lifetime_value=5000.0),
]


def test_sop_readiness_and_awards_table(engine: Engine) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=SOP_AWARDS,
          revenue=[rev("s5", "2025-06", 400.0)], ecos=[eco("e", "s2", "APPROVED", 100.0, date(2025, 1, 1))])
    d = date(2025, 6, 30)
    with engine.connect() as conn:
        df = qa.sop_readiness(conn, d, EVERYTHING)
        everything, total = qa.awards_table(conn, d, EVERYTHING)
        bev, n_bev = qa.awards_table(conn, d, EVERYTHING, powertrains=["BEV"])
        tier1, _ = qa.awards_table(conn, d, EVERYTHING, accounts=["t1"])
        cancelled, _ = qa.awards_table(conn, d, EVERYTHING, statuses=["CANCELLED"])
        top2, total2 = qa.awards_table(conn, d, EVERYTHING, limit=2)
        names = qa.award_accounts(conn, EVERYTHING)
    # s2: 800 + 100 ECO = 900; s5: 1000 - 400 = 600; s1: 500. s3 approved, s4 beyond a year,
    # s6 cancelled, s7 awarded after D.
    assert list(df.award_id) == ["s2", "s5", "s1"]
    assert list(df.value_at_risk) == [900.0, 600.0, 500.0]
    # 2025-06-30 -> 2026-03-01 = 244 days; -> 2025-07-15 = 15; -> 2025-09-01 = 63.
    assert list(df.days_to_sop) == [244, 15, 63]
    assert list(df.account) == ["Orion Motors", "Tiera", "Orion Motors"]
    # Awards table: s7 is awarded after D; the rest by remaining backlog (SQL filters, LIMIT).
    assert total == 6
    assert list(everything.award_id) == ["s4", "s3", "s2", "s5", "s1", "s6"]
    assert list(everything.remaining_backlog) == [3000.0, 2000.0, 900.0, 600.0, 500.0, 0.0]
    assert list(bev.award_id) == ["s2"] and n_bev == 1
    assert list(tier1.award_id) == ["s5"]
    assert list(cancelled.award_id) == ["s6"] and cancelled.remaining_backlog[0] == 0.0
    assert len(top2) == 2 and total2 == 6
    assert names == {"oem": "Orion Motors", "t1": "Tiera"}


# --- ECO dynamics ------------------------------------------------------------------------------

def test_roll_up_quarters() -> None:
    rows = [(2024, 7, 10.0), (2024, 9, 20.0), (2024, 10, 5.0), (2025, 6, 7.0), (2023, 1, 99.0)]
    assert roll_up_quarters(rows, ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]) == {
        "2024Q3": 30.0, "2024Q4": 5.0, "2025Q1": 0.0, "2025Q2": 7.0}


def test_eco_dynamics(engine: Engine) -> None:
    # D = 2025-06-30, TTM (2024-06-30, 2025-06-30]; quarters 2024Q3 .. 2025Q2.
    write(engine, accounts=ACCOUNTS, products=PRODUCTS,
          platform_awards=[award("live", status="IN_PRODUCTION"), award("new", award_date=date(2025, 1, 1)),
                           award("done", award_date=date(2020, 1, 1), status="COMPLETED")],
          ecos=[eco("e1", "live", "APPROVED", 10.0, date(2024, 7, 1), requested=date(2024, 6, 1)),
                eco("e2", "live", "APPROVED", 20.0, date(2024, 9, 30), requested=date(2024, 8, 1)),
                eco("e3", "live", "APPROVED", 5.0, date(2024, 10, 1), requested=date(2024, 9, 1)),
                eco("e4", "done", "REJECTED", 99.0, date(2025, 2, 1), requested=date(2025, 1, 1)),
                eco("e5", "live", "APPROVED", 7.0, date(2025, 6, 30), requested=date(2025, 5, 1)),
                eco("e6", "live", "APPROVED", 1000.0, date(2025, 7, 1), requested=date(2025, 6, 1)),
                eco("e7", "live", "APPROVED", 500.0, date(2024, 6, 30), requested=date(2024, 5, 1)),
                eco("e8", "new", "REQUESTED", 3.0, requested=date(2025, 5, 1)),
                eco("e9", "new", "NEGOTIATING", 3.0, requested=date(2025, 7, 5))])
    with engine.connect() as conn:
        dyn = eco_dynamics(conn, date(2025, 6, 30), quarters=4)
    # Approved revenue by decision quarter: e1 + e2 = 30 in 2024Q3, e3 5, e5 7; e6 after D, e7 before.
    assert dyn.by_quarter == (("2024Q3", 30.0), ("2024Q4", 5.0), ("2025Q1", 0.0), ("2025Q2", 7.0))
    # Decided in TTM: approved e1, e2, e3, e5 (42), rejected e4 -> 4 / 5.
    assert dyn.approval_rate == pytest.approx(0.8) and dyn.approved_revenue_ttm == 42.0
    # Active awards at D: live, new. Requested in TTM on them: e2, e3, e5, e6, e8 -> 5 / 2.
    assert (dyn.active_awards, dyn.ecos_on_active_ttm) == (2, 5)
    assert dyn.ecos_per_active_award == pytest.approx(2.5)
    assert dyn.open_count == 1  # e8; e9 is requested after D


def test_eco_dynamics_empty(engine: Engine) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=[award("x", status="COMPLETED")])
    with engine.connect() as conn:
        dyn = eco_dynamics(conn, date(2025, 6, 30), quarters=2)
    assert dyn.ecos_per_active_award is None and dyn.approval_rate is None
    assert dyn.by_quarter == (("2025Q1", 0.0), ("2025Q2", 0.0))


# --- the sample company ------------------------------------------------------------------------

def test_sample_waterfalls_add_up(sample_engine: Engine, cfg: AppConfig) -> None:
    with sample_engine.connect() as conn:
        d = date(2026, 10, 31)
        for period in ["2026Q4", "2026Q3", "2025", "2024Q2"]:
            w = backlog_waterfall(conn, period, d)
            o, won, ec, rv, cx, adj, close = cents(w)
            assert o + won + ec - rv - cx + adj == close
            assert w.detail.total == pytest.approx(w.adjustments, abs=0.05)
            assert w.closing == pytest.approx(qa.backlog_sums(conn, w.through, EVERYTHING).floored, abs=0.01)


def test_scheduled_after_a_year_sums_the_later_years_only() -> None:
    from revops_core.backlog import scheduled_after

    schedule = {2034: {"ICE": 5.0, "BEV": 1.0}, 2035: {"ICE": 2.0}, 2036: {"BEV": 3.0, "HEV": 0.5}, 2037: {"ICE": 1.0}}
    assert scheduled_after(schedule, 2035) == 4.5  # 3.0 + 0.5 + 1.0
    assert scheduled_after(schedule, 2037) == 0.0


def test_a_scope_narrows_backlog_total_by_powertrain_and_schedule(engine: Engine) -> None:
    from revops_core.queries import board as qb
    from revops_core.queries.common import EVERYTHING, Scope

    write(engine,
          accounts=[{"account_id": "A1", "segment": "DEALER_AFTERMARKET", "dealer_group": "North"},
                    {"account_id": "A2", "segment": "DEALER_AFTERMARKET", "dealer_group": "South"}],
          products=[{"product_id": "P1"}],
          platform_awards=[
              {"award_id": "W1", "account_id": "A1", "product_id": "P1", "lifetime_value": 100.0, "powertrain": "BEV",
               "sop_date": date(2027, 1, 1), "eop_date": date(2027, 12, 31)},
              {"award_id": "W2", "account_id": "A2", "product_id": "P1", "lifetime_value": 40.0, "powertrain": "ICE",
               "sop_date": date(2027, 1, 1), "eop_date": date(2027, 12, 31)}])
    d, north = date(2026, 6, 30), Scope(frozenset({"North"}))
    with engine.connect() as conn:
        assert qb.backlog_total(conn, d, EVERYTHING) == 140.0
        assert qb.backlog_total(conn, d, north) == 100.0
        assert qb.backlog_by_powertrain(conn, d, north) == {"BEV": 100.0}
        schedule = backlog_schedule(conn, d, north)
    assert sum(schedule[2027].values()) == pytest.approx(100.0)  # W1 only, spread over 2027
    assert schedule[2027]["ICE"] == 0.0
