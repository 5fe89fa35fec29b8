"""Board metrics (METRICS.md "Board metrics"), on tiny hand-made datasets.

Every test writes only the rows that matter (``factories.write`` fills the rest), runs
``board_metrics`` on SQLite and on PostgreSQL (the ``engine`` fixture), and checks values
worked out by hand in the comments. Amounts are distinct powers of ten (or two) so a wrong
total shows which row was wrongly counted.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from tests.factories import write
from sqlalchemy.engine import Engine

from revops_core.board import BoardMetrics, CoverageDetail, board_metrics
from revops_core.config import AppConfig
from revops_core.contract import CERTIFICATIONS, SEGMENTS

# D and its windows, used unless a test says otherwise:
# TTM = (2024-06-15, 2025-06-15]; TTM months = 2024-07 .. 2025-06.
D = date(2025, 6, 15)
D_MINUS_1Y = date(2024, 6, 15)

ACCOUNTS = [
    {"account_id": "oem", "segment": "OEM"},
    {"account_id": "t1", "segment": "TIER1"},
    {"account_id": "dlr", "segment": "DEALER_AFTERMARKET"},
    {"account_id": "flt", "segment": "FLEET"},
]
SEGMENT_ACCOUNT = {"OEM": "oem", "TIER1": "t1", "DEALER_AFTERMARKET": "dlr", "FLEET": "flt"}
PRODUCTS = [{"product_id": "p1"}, {"product_id": "p2"}]

# Every key of the METRICS.md board-metrics table.
BOARD_KEYS = (
    "revenue_ttm", "program_revenue_ttm", "awards_won_ttm", "backlog", "backlog_replenishment_rate",
    "win_rate", "oem_rfq_win_rate", "pipeline_coverage", "sales_cycle_days", "eco_count_ttm",
    "eco_approved_revenue_ttm", "eco_approval_rate", "software_attach_rate", "subscription_arr",
    "arr_per_subscribed_vehicle", "subscription_revenue_share", "ev_revenue_mix_ttm", "esa_ratio",
    "certifications", "pipeline_at_risk_cert",
)


def metrics(engine: Engine, as_of: date, cfg: AppConfig) -> BoardMetrics:
    with engine.connect() as conn:
        return board_metrics(conn, as_of, cfg)


def award(award_id: str, **kw: Any) -> dict[str, Any]:
    return {"award_id": award_id, "account_id": "oem", "product_id": "p1", **kw}


def rev(period: str, amount: float, award_id: str | None = None, kind: str = "HARDWARE") -> dict[str, Any]:
    return {"account_id": "oem", "award_id": award_id, "period": period, "revenue_type": kind, "amount": amount}


def opp(oid: str, account: str, status: str, close: date, amount: float = 0.0, **kw: Any) -> dict[str, Any]:
    return {"opportunity_id": oid, "account_id": account, "status": status, "close_date": close,
            "amount": amount, **kw}


def won_after(oid: str, segment: str, close: date, days: int, status: str = "WON") -> dict[str, Any]:
    """An opportunity of ``segment`` created ``days`` before its close date."""
    return opp(oid, SEGMENT_ACCOUNT[segment], status, close, created_date=close - timedelta(days=days))


def approx(value: float | None) -> Any:
    return value if value is None else pytest.approx(value)


# --- revenue: revenue_ttm, program_revenue_ttm, subscription share, EV mix ------------------

REVENUE_AWARDS = [award("bev", powertrain="BEV"), award("phev", powertrain="PHEV"), award("ice", powertrain="ICE")]
REVENUE = [
    rev("2023-06", 70),                                    # only for D = 2023-12-31
    rev("2024-06", 1000),                                  # first day 2024-06-01
    rev("2024-06", 2000, "ice"),
    rev("2024-07", 100),
    rev("2024-07", 200, "bev"),
    rev("2025-01", 300, "phev", "SERVICES"),
    rev("2025-03", 400, "ice"),
    rev("2025-06", 50, kind="SOFTWARE_SUBSCRIPTION"),      # D's month
    rev("2025-06", 150, "ice", "SOFTWARE_SUBSCRIPTION"),
    rev("2025-07", 5000, kind="SOFTWARE_SUBSCRIPTION"),    # after D's month: never in TTM below
    rev("2025-07", 7000, "bev"),
]
# as_of -> (revenue_ttm, program_revenue_ttm, subscription_revenue_share, ev_revenue_mix_ttm)
REVENUE_CASES = {
    # D-1y = 2024-06-01 = first day of 2024-06, so 2024-06 is OUT; 2025-06 (D's month) is IN.
    # all: 100 + 200 + 300 + 400 + 50 + 150 = 1200; program: 200 + 300 + 400 + 150 = 1050
    # subscription: 50 + 150 = 200 -> 200/1200; EV (bev, phev): 200 + 300 = 500 -> 500/1050
    date(2025, 6, 1): (1200.0, 1050.0, 200 / 1200, 500 / 1050),
    # D-1y = 2024-05-31 < 2024-06-01, so 2024-06 is IN and 2025-06 is OUT (after D's month).
    # all: 1000 + 2000 + 100 + 200 + 300 + 400 = 4000; program: 2000 + 200 + 300 + 400 = 2900
    # subscription 0 -> 0/4000 = 0.0 (not null); EV 500 -> 500/2900
    date(2025, 5, 31): (4000.0, 2900.0, 0.0, 500 / 2900),
    # TTM months 2023-01 .. 2023-12: only the 70 without award; program 0 -> EV mix null
    date(2023, 12, 31): (70.0, 0.0, 0.0, None),
    # nothing at all: both shares null
    date(2022, 1, 1): (0.0, 0.0, None, None),
}


def write_revenue(engine: Engine) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=REVENUE_AWARDS, revenue=REVENUE)


def test_revenue_ttm(engine: Engine, cfg: AppConfig) -> None:
    write_revenue(engine)
    for as_of, (total, _, _, _) in REVENUE_CASES.items():
        assert metrics(engine, as_of, cfg).revenue_ttm == pytest.approx(total), as_of


def test_program_revenue_ttm(engine: Engine, cfg: AppConfig) -> None:
    write_revenue(engine)
    for as_of, (_, program, _, _) in REVENUE_CASES.items():
        assert metrics(engine, as_of, cfg).program_revenue_ttm == pytest.approx(program), as_of


def test_subscription_revenue_share(engine: Engine, cfg: AppConfig) -> None:
    write_revenue(engine)
    for as_of, (_, _, share, _) in REVENUE_CASES.items():
        assert metrics(engine, as_of, cfg).subscription_revenue_share == approx(share), as_of


def test_ev_revenue_mix_ttm(engine: Engine, cfg: AppConfig) -> None:
    write_revenue(engine)
    for as_of, (_, _, _, mix) in REVENUE_CASES.items():
        assert metrics(engine, as_of, cfg).ev_revenue_mix_ttm == approx(mix), as_of


# --- awards_won_ttm --------------------------------------------------------------------


def test_awards_won_ttm(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=[
        award("a1", award_date=D_MINUS_1Y, lifetime_value=1),                     # == D-1y: out
        award("a2", award_date=date(2024, 6, 16), lifetime_value=10),             # in
        award("a3", award_date=D, lifetime_value=100),                            # == D: in
        award("a4", award_date=date(2025, 6, 16), lifetime_value=1_000),          # after D: out
        award("a5", award_date=date(2025, 1, 1), lifetime_value=10_000, status="CANCELLED"),
        award("a6", award_date=date(2025, 2, 1), lifetime_value=100_000, status="COMPLETED"),
        award("a7", award_date=date(2025, 3, 1), lifetime_value=1_000_000, status="IN_PRODUCTION"),
    ])
    # 10 + 100 + 100_000 + 1_000_000 (cancelled a5 excluded; completed a6 still won)
    assert metrics(engine, D, cfg).awards_won_ttm == pytest.approx(1_100_110)


# --- backlog ---------------------------------------------------------------------------


def test_backlog(engine: Engine, cfg: AppConfig) -> None:
    awards = [
        award("b1", lifetime_value=1_000),
        award("b2", lifetime_value=500, status="IN_PRODUCTION"),
        award("b3", lifetime_value=10_000, status="COMPLETED"),
        award("b4", lifetime_value=20_000, status="CANCELLED"),
        award("b5", lifetime_value=40_000, award_date=date(2025, 6, 16)),
        # EOP passed, status still IN_PRODUCTION: counts
        award("b6", lifetime_value=3_000, status="IN_PRODUCTION", sop_date=date(2020, 1, 1),
              eop_date=date(2024, 12, 31)),
        award("b7", lifetime_value=60, award_date=D),
    ]
    ecos = [
        {"eco_id": "e1", "award_id": "b1", "requested_date": date(2025, 1, 1), "status": "APPROVED",
         "decided_date": D, "revenue_delta": 200},                      # decided == D: in
        {"eco_id": "e2", "award_id": "b1", "requested_date": date(2025, 1, 1), "status": "APPROVED",
         "decided_date": date(2025, 6, 16), "revenue_delta": 5_000},    # decided after D: out
        {"eco_id": "e3", "award_id": "b1", "requested_date": date(2025, 1, 1), "status": "REJECTED",
         "decided_date": date(2025, 2, 1), "revenue_delta": 7_000},     # rejected: out
        {"eco_id": "e4", "award_id": "b1", "requested_date": date(2025, 1, 1), "status": "REQUESTED",
         "revenue_delta": 9_000},                                       # undecided: out
    ]
    revenue = [
        rev("2024-01", 100, "b1"),
        rev("2025-06", 300, "b1"),      # D's month starts on or before D: subtracted
        rev("2025-07", 4_000, "b1"),    # starts after D: not subtracted
        rev("2025-05", 900, "b2"),
        rev("2024-06", 1_000, "b6"),
        rev("2025-01", 8_000, "b3"),
    ]
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=awards, ecos=ecos, revenue=revenue)
    # b1: 1000 + 200 - (100 + 300) = 800
    # b2: 500 - 900 = -400 -> floored at 0
    # b3 COMPLETED, b4 CANCELLED, b5 awarded after D: not counted
    # b6: 3000 - 1000 = 2000; b7: 60 (award_date == D)
    # 800 + 0 + 2000 + 60 = 2860 (without the floor it would be 2460)
    assert metrics(engine, D, cfg).backlog == pytest.approx(2_860)


# --- backlog_replenishment_rate ----------------------------------------------------------


def test_backlog_replenishment_rate(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS,
          platform_awards=[award("w0", award_date=date(2024, 1, 10), lifetime_value=800),
                           award("w1", award_date=date(2025, 1, 10), lifetime_value=3_000)],
          revenue=[rev("2024-02", 500), rev("2025-02", 1_000, "w0"), rev("2025-03", 5_000),
                   rev("2025-05", 200, "w0")])
    m = metrics(engine, D, cfg)
    # won: w1 3000; program revenue: 1000 + 200 = 1200 (the 5000 has no award) -> 2.5
    assert (m.awards_won_ttm, m.program_revenue_ttm) == (pytest.approx(3_000), pytest.approx(1_200))
    assert m.backlog_replenishment_rate == pytest.approx(2.5)
    # at 2024-05-15: won w0 800, revenue 500 but no program revenue -> null, not infinity
    early = metrics(engine, date(2024, 5, 15), cfg)
    assert (early.awards_won_ttm, early.revenue_ttm, early.program_revenue_ttm) == (800, 500, 0)
    assert early.backlog_replenishment_rate is None


# --- win rates --------------------------------------------------------------------------

WIN_OPPS = [
    opp("o1", "oem", "WON", D, is_rfq=True),                        # close == D: in
    opp("o2", "oem", "WON", date(2025, 1, 10)),
    opp("o3", "oem", "LOST", date(2024, 6, 16), is_rfq=True),
    opp("o4", "oem", "LOST", D_MINUS_1Y, is_rfq=True),              # close == D-1y: out
    opp("o5", "oem", "WON", date(2025, 6, 16), is_rfq=True),        # after D: out
    opp("o6", "oem", "OPEN", date(2025, 3, 1), is_rfq=True),        # not closed
    opp("t1", "t1", "LOST", date(2025, 2, 1)),
    opp("t2", "t1", "LOST", date(2025, 3, 1)),
    opp("d1", "dlr", "WON", date(2025, 4, 1), is_rfq=True),         # RFQ, but not OEM
    opp("f1", "flt", "OPEN", date(2025, 4, 1)),
]


def test_win_rate(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, opportunities=WIN_OPPS)
    # OEM: won o1 o2, lost o3 -> 2/3; TIER1: 0 won, 2 lost -> 0.0 (not null)
    # DEALER: 1/1; FLEET: no closed deal -> null; ALL: won 3, lost 3 -> 0.5
    assert metrics(engine, D, cfg).win_rate == {
        "OEM": pytest.approx(2 / 3), "TIER1": 0.0, "DEALER_AFTERMARKET": 1.0, "FLEET": None, "ALL": 0.5}
    # nothing closed in (2022-01-01, 2023-01-01]: every rate null, ALL too
    assert metrics(engine, date(2023, 1, 1), cfg).win_rate == {seg: None for seg in (*SEGMENTS, "ALL")}


def test_oem_rfq_win_rate(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, opportunities=WIN_OPPS)
    # OEM and RFQ, closed in TTM: o1 WON, o3 LOST -> 1/2 (o2 not RFQ; d1 not OEM)
    assert metrics(engine, D, cfg).oem_rfq_win_rate == pytest.approx(0.5)
    assert metrics(engine, date(2023, 1, 1), cfg).oem_rfq_win_rate is None


# --- pipeline_coverage ------------------------------------------------------------------


def test_pipeline_coverage(engine: Engine, cfg: AppConfig) -> None:
    # D = 2025-05-10: H = 2025Q2 .. 2026Q1 = [2025-04-01, 2026-03-31]
    as_of = date(2025, 5, 10)
    opps = [
        opp("oo1", "oem", "OPEN", date(2025, 5, 11), 100),        # in (D, end of H]
        opp("oo2", "oem", "OPEN", date(2026, 3, 31), 230),        # end of H: in
        opp("oo3", "oem", "OPEN", as_of, 10_000),                 # close == D: not after D
        opp("oo4", "oem", "OPEN", date(2026, 4, 1), 20_000),      # after H
        opp("oo5", "oem", "OPEN", date(2025, 4, 2), 40_000),      # overdue, before D
        opp("ow1", "oem", "WON", date(2025, 4, 1), 300),          # start of H: in
        opp("ow2", "oem", "WON", as_of, 400),                     # == D: in
        opp("ow3", "oem", "WON", date(2025, 3, 31), 50_000),      # before H
        opp("ow4", "oem", "WON", date(2025, 6, 1), 70_000),       # after D
        opp("ol1", "oem", "LOST", date(2025, 4, 15), 60_000),
        opp("to1", "t1", "OPEN", date(2025, 8, 1), 50),
        opp("tw1", "t1", "WON", date(2025, 4, 15), 500),
        opp("do1", "dlr", "OPEN", date(2025, 8, 1), 80),
        opp("fo1", "flt", "OPEN", date(2025, 9, 1), 250),
    ]
    quotas = [{"segment": "OEM", "period": p, "amount": a} for p, a in [
        ("2025Q1", 99_999), ("2025Q2", 1_000), ("2025Q3", 1_000), ("2025Q4", 1_000), ("2026Q1", 1_000),
        ("2026Q2", 88_888)]]
    quotas += [{"segment": "TIER1", "period": "2025Q2", "amount": 500},
               {"segment": "FLEET", "period": "2025Q3", "amount": 600},
               {"segment": "FLEET", "period": "2026Q1", "amount": 400}]
    write(engine, accounts=ACCOUNTS, opportunities=opps, quotas=quotas)
    m = metrics(engine, as_of, cfg)
    # OEM: open 100 + 230 = 330; quota 4 x 1000 = 4000; won 300 + 400 = 700 -> 330 / 3300 = 0.1
    # TIER1: quota 500 - won 500 = 0 -> quota met, null
    # DEALER: no quota and nothing won: 0 - 0 <= 0 -> null
    # FLEET: 250 / (600 + 400 - 0) = 0.25
    assert m.pipeline_coverage == {"OEM": pytest.approx(0.1), "TIER1": None,
                                   "DEALER_AFTERMARKET": None, "FLEET": pytest.approx(0.25)}
    assert m.coverage_detail["OEM"] == CoverageDetail(330.0, 4_000.0, 700.0, pytest.approx(0.1), False)
    assert m.coverage_detail["TIER1"] == CoverageDetail(50.0, 500.0, 500.0, None, True)
    assert m.coverage_detail["DEALER_AFTERMARKET"] == CoverageDetail(80.0, 0.0, 0.0, None, True)
    assert m.coverage_detail["FLEET"].quota_met is False


# --- sales_cycle_days -------------------------------------------------------------------

SALES_CYCLE_OPPS = [
    # OEM, WON in TTM: 30, 10, 20 days -> median 20 (odd count)
    won_after("c1", "OEM", D, 30),
    won_after("c2", "OEM", date(2025, 1, 1), 10),
    won_after("c3", "OEM", date(2024, 6, 16), 20),
    # not counted (each would move the OEM median away from 20)
    won_after("x1", "OEM", D_MINUS_1Y, 1_000),                 # closed == D-1y
    won_after("x2", "OEM", date(2025, 6, 16), 2_000),          # closed after D
    won_after("x3", "OEM", date(2025, 2, 1), 3_000, "LOST"),
    won_after("x4", "OEM", date(2025, 2, 1), 4_000, "OPEN"),
    # TIER1: 10, 40 -> (10 + 40) / 2 = 25; DEALER: 1, 3, 7, 100 -> (3 + 7) / 2 = 5 (even counts)
    won_after("t1", "TIER1", date(2025, 3, 1), 40),
    won_after("t2", "TIER1", date(2025, 4, 1), 10),
    won_after("d1", "DEALER_AFTERMARKET", date(2025, 1, 5), 100),
    won_after("d2", "DEALER_AFTERMARKET", date(2025, 2, 5), 3),
    won_after("d3", "DEALER_AFTERMARKET", date(2025, 3, 5), 1),
    won_after("d4", "DEALER_AFTERMARKET", date(2025, 4, 5), 7),
    # FLEET: only a LOST deal -> null
    won_after("f1", "FLEET", date(2025, 3, 1), 50, "LOST"),
]


def test_sales_cycle_days_median_odd_count(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, opportunities=SALES_CYCLE_OPPS)
    cycle = metrics(engine, D, cfg).sales_cycle_days
    assert (cycle["OEM"], cycle["FLEET"]) == (20.0, None)


def test_sales_cycle_days_median_even_count(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, opportunities=SALES_CYCLE_OPPS)
    cycle = metrics(engine, D, cfg).sales_cycle_days
    assert (cycle["TIER1"], cycle["DEALER_AFTERMARKET"]) == (25.0, 5.0)


# --- ECOs -------------------------------------------------------------------------------


def eco(eco_id: str, requested: date, status: str, delta: float, decided: date | None = None) -> dict[str, Any]:
    return {"eco_id": eco_id, "award_id": "a1", "requested_date": requested, "status": status,
            "decided_date": decided, "revenue_delta": delta}


ECOS = [
    eco("e1", D_MINUS_1Y, "APPROVED", 10, date(2024, 7, 1)),                  # requested out, decided in
    eco("e2", date(2024, 6, 16), "APPROVED", 100, D),                         # both in (decided == D)
    eco("e3", date(2025, 1, 1), "REJECTED", 1_000, date(2025, 2, 1)),         # both in
    eco("e4", D, "REQUESTED", 10_000),                                        # requested in, undecided
    eco("e5", date(2025, 6, 16), "APPROVED", 100_000, date(2025, 6, 20)),     # both after D
    eco("e6", date(2024, 1, 1), "APPROVED", 1_000_000, D_MINUS_1Y),           # decided == D-1y: out
    eco("e7", date(2025, 3, 1), "NEGOTIATING", 10_000_000),                   # requested in
    eco("e8", date(2024, 5, 1), "REJECTED", 100_000_000, date(2024, 12, 1)),  # requested out, decided in
]
EARLY = date(2024, 1, 15)  # TTM (2023-01-15, 2024-01-15]: only e6 requested, nothing decided


def write_ecos(engine: Engine) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=[award("a1")], ecos=ECOS)


def test_eco_count_ttm(engine: Engine, cfg: AppConfig) -> None:
    write_ecos(engine)
    # requested in TTM, any status: e2, e3, e4, e7
    assert metrics(engine, D, cfg).eco_count_ttm == 4
    assert metrics(engine, EARLY, cfg).eco_count_ttm == 1


def test_eco_approved_revenue_ttm(engine: Engine, cfg: AppConfig) -> None:
    write_ecos(engine)
    # APPROVED and decided in TTM: e1 + e2 = 10 + 100
    assert metrics(engine, D, cfg).eco_approved_revenue_ttm == pytest.approx(110)
    assert metrics(engine, EARLY, cfg).eco_approved_revenue_ttm == 0


def test_eco_approval_rate(engine: Engine, cfg: AppConfig) -> None:
    write_ecos(engine)
    # decided in TTM: approved e1, e2; rejected e3, e8 -> 2 / 4
    assert metrics(engine, D, cfg).eco_approval_rate == pytest.approx(0.5)
    assert metrics(engine, EARLY, cfg).eco_approval_rate is None


# --- shipments: attach rate, subscription ARR -------------------------------------------


def ship(product: str, period: str, shipped: int = 0, attached: int = 0, active: int = 0,
         arr: float = 0.0) -> dict[str, Any]:
    return {"product_id": product, "period": period, "units_shipped": shipped, "units_attached": attached,
            "active_subscriptions": active, "subscription_arr": arr}


SHIPMENTS = [
    ship("p1", "2024-06", shipped=1_000, attached=1_000),   # before TTM months
    ship("p1", "2024-07", shipped=100, attached=40),
    ship("p1", "2025-03"),                                  # a month with 0 active subscriptions
    ship("p1", "2025-05", active=100, arr=1_000),
    ship("p1", "2025-06", shipped=100, attached=10, active=100, arr=1_200),
    ship("p1", "2025-07", shipped=1_000, active=1, arr=99_999),  # after D's month: ignored
    ship("p2", "2025-01", shipped=200, attached=50),
    ship("p2", "2025-06", active=50, arr=600),
]
# as_of -> (subscription_arr, arr_per_subscribed_vehicle)
ARR_CASES = {
    D: (1_800.0, 12.0),                       # 2025-06: 1200 + 600 = 1800 / (100 + 50) active
    date(2025, 5, 31): (1_000.0, 10.0),       # 2025-05: p1 only, 1000 / 100
    date(2025, 4, 30): (0.0, None),           # latest month <= 2025-04 is 2025-03: 0 active
    date(2023, 6, 15): (0.0, None),           # no month at all
}


def test_software_attach_rate(engine: Engine, cfg: AppConfig) -> None:
    write(engine, products=PRODUCTS, shipments=SHIPMENTS)
    # TTM months 2024-07 .. 2025-06: attached 40 + 10 + 50 = 100; shipped 100 + 100 + 200 = 400
    assert metrics(engine, D, cfg).software_attach_rate == pytest.approx(0.25)
    assert metrics(engine, date(2023, 6, 15), cfg).software_attach_rate is None


def test_subscription_arr(engine: Engine, cfg: AppConfig) -> None:
    write(engine, products=PRODUCTS, shipments=SHIPMENTS)
    for as_of, (arr, _) in ARR_CASES.items():
        assert metrics(engine, as_of, cfg).subscription_arr == pytest.approx(arr), as_of


def test_arr_per_subscribed_vehicle(engine: Engine, cfg: AppConfig) -> None:
    write(engine, products=PRODUCTS, shipments=SHIPMENTS)
    for as_of, (_, per_vehicle) in ARR_CASES.items():
        assert metrics(engine, as_of, cfg).arr_per_subscribed_vehicle == approx(per_vehicle), as_of


# --- esa_ratio --------------------------------------------------------------------------


def test_esa_ratio(engine: Engine, cfg: AppConfig) -> None:
    def person(pid: str, role: str, segment: str, start: date = date(2020, 1, 1),
               end: date | None = None) -> dict[str, Any]:
        return {"person_id": pid, "role": role, "segment": segment, "start_date": start, "end_date": end}

    esa_start = date(2021, 1, 1)
    write(engine, headcount=[
        person("ae1", "AE", "OEM"),                                   # active
        person("ae2", "AE", "OEM", end=date(2025, 6, 16)),            # end after D: active
        person("ae3", "AE", "OEM", end=D),                            # end == D: NOT active
        person("ae4", "AE", "TIER1", start=D),                        # start == D: active
        person("ae5", "AE", "TIER1", start=date(2025, 6, 16)),        # not started
        person("ae6", "AE", "FLEET"),                                 # not OEM or TIER1
        person("ae7", "AE", "DEALER_AFTERMARKET"),
        person("es1", "ESA", "OEM", start=esa_start),
        person("es2", "ESA", "FLEET", start=esa_start),               # any segment's E-SA counts
        person("es3", "ESA", "OEM", start=esa_start, end=D),          # end == D: NOT active
        person("pm1", "PM", "OEM"),
    ])
    # AEs: ae1, ae2, ae4 = 3; E-SAs: es1, es2 = 2 -> 1.5
    assert metrics(engine, D, cfg).esa_ratio == pytest.approx(1.5)
    # 2020-06-01: AEs ae1, ae2, ae3 active, no E-SA yet -> null
    assert metrics(engine, date(2020, 6, 1), cfg).esa_ratio is None


# --- certifications ---------------------------------------------------------------------

CERT_ROWS = [
    {"certification": "IATF_16949", "status": "CERTIFIED"},                                   # no expiry
    {"certification": "ISO_26262", "status": "CERTIFIED", "expiry_date": date(2025, 9, 13)},  # D + 90
    {"certification": "ISO_SAE_21434", "status": "CERTIFIED", "expiry_date": date(2025, 9, 14)},  # D + 91
    {"certification": "UN_R155", "status": "CERTIFIED", "expiry_date": date(2025, 6, 14)},    # D - 1
    {"certification": "UN_R156", "status": "IN_PROGRESS"},
    {"certification": "TISAX", "status": "EXPIRED", "expiry_date": date(2025, 1, 1)},
    # SOC2_TYPE2: no row
]


# code -> (status, expiry_date, valid_at_D, expiring_soon) at D = 2025-06-15 (D + 90 = 2025-09-13)
CERT_EXPECTED = {
    "IATF_16949": ("CERTIFIED", None, True, False),
    "ISO_26262": ("CERTIFIED", date(2025, 9, 13), True, True),       # expiry = D + 90: inclusive
    "ISO_SAE_21434": ("CERTIFIED", date(2025, 9, 14), True, False),  # D + 91: not soon
    "UN_R155": ("CERTIFIED", date(2025, 6, 14), False, False),       # expired yesterday
    "UN_R156": ("IN_PROGRESS", None, False, False),
    "TISAX": ("EXPIRED", date(2025, 1, 1), False, False),
    "SOC2_TYPE2": ("NOT_STARTED", None, False, False),               # no row
}


def test_certifications(engine: Engine, cfg: AppConfig) -> None:
    write(engine, certifications=CERT_ROWS)
    certs = metrics(engine, D, cfg).certifications
    assert {code: (c.status, c.expiry_date, c.valid_at_D, c.expiring_soon)
            for code, c in certs.items()} == CERT_EXPECTED
    # ISO_26262 expires 2025-09-13: on that day valid (expiry >= D) and expiring soon; the day after, neither
    on_expiry = metrics(engine, date(2025, 9, 13), cfg).certifications["ISO_26262"]
    assert (on_expiry.valid_at_D, on_expiry.expiring_soon) == (True, True)
    after = metrics(engine, date(2025, 9, 14), cfg).certifications["ISO_26262"]
    assert (after.valid_at_D, after.expiring_soon) == (False, False)


# --- pipeline_at_risk_cert --------------------------------------------------------------

RISK_ACCOUNTS = [*ACCOUNTS, {"account_id": "eu", "segment": "DEALER_AFTERMARKET", "eu_oem": True},
                 {"account_id": "oem_eu", "segment": "OEM", "eu_oem": True}]
NO_FLAGS = {"hardware": False, "safety_critical": False, "connected": False, "ota": False, "cloud_service": False}
RISK_PRODUCTS = [{"product_id": pid, **NO_FLAGS, **flags} for pid, flags in [
    ("hw", {"hardware": True}), ("sw", {}), ("safety", {"safety_critical": True}),
    ("conn", {"connected": True}), ("ota", {"ota": True}), ("cloud", {"cloud_service": True})]]
CLOSE = date(2025, 9, 30)


def risk_opps(specs: list[tuple[str, str, str | None, str, date]]) -> list[dict[str, Any]]:
    """Opportunities (id, account, product, status, close); amount 2**i identifies each one."""
    return [opp(oid, acc, status, close, float(2 ** i), product_id=prod)
            for i, (oid, acc, prod, status, close) in enumerate(specs)]


def flagged(total: float, opps: list[dict[str, Any]]) -> set[str]:
    """The opportunities whose (power-of-two) amounts make up ``total``."""
    return {o["opportunity_id"] for o in opps if int(total) & int(o["amount"])}


def test_pipeline_at_risk_cert_rule_conditions(engine: Engine, cfg: AppConfig) -> None:
    # no certification is valid on any close date, so an open opportunity is at risk
    # exactly when some rule of config/rules.yaml applies to it
    certs = [
        {"certification": "ISO_26262", "status": "IN_PROGRESS"},
        {"certification": "ISO_SAE_21434", "status": "NOT_STARTED"},
        {"certification": "UN_R155", "status": "EXPIRED", "expiry_date": date(2024, 1, 1)},
        {"certification": "UN_R156", "status": "CERTIFIED", "expiry_date": date(2020, 1, 1)},
        {"certification": "SOC2_TYPE2", "status": "IN_PROGRESS"},
        # IATF_16949 and TISAX: no row (NOT_STARTED)
    ]
    opps = risk_opps([
        ("oem_hw", "oem", "hw", "OPEN", CLOSE),          # IATF: OEM + hardware
        ("t1_hw", "t1", "hw", "OPEN", CLOSE),            # IATF: TIER1 + hardware
        ("dlr_hw", "dlr", "hw", "OPEN", CLOSE),          # hardware, but not OEM/TIER1: nothing
        ("flt_hw", "flt", "hw", "OPEN", CLOSE),          # idem
        ("oem_sw", "oem", "sw", "OPEN", CLOSE),          # OEM, not hardware: nothing
        ("dlr_safety", "dlr", "safety", "OPEN", CLOSE),  # ISO_26262
        ("dlr_conn", "dlr", "conn", "OPEN", CLOSE),      # ISO_SAE_21434 + UN_R155
        ("dlr_ota", "dlr", "ota", "OPEN", CLOSE),        # UN_R156
        ("dlr_cloud", "dlr", "cloud", "OPEN", CLOSE),    # SOC2_TYPE2
        ("eu_sw", "eu", "sw", "OPEN", CLOSE),            # TISAX (account eu_oem)
        ("dlr_sw", "dlr", "sw", "OPEN", CLOSE),          # no flag: nothing
        ("oem_none", "oem", None, "OPEN", CLOSE),        # no product: only account rules, none apply
        ("oem_eu_none", "oem_eu", None, "OPEN", CLOSE),  # no product, eu_oem account: TISAX
        ("oem_hw_won", "oem", "hw", "WON", CLOSE),       # closed: never at risk
        ("oem_hw_lost", "oem", "hw", "LOST", CLOSE),
        ("eu_safety_won", "eu", "safety", "WON", CLOSE),
    ])
    write(engine, accounts=RISK_ACCOUNTS, products=RISK_PRODUCTS, opportunities=opps, certifications=certs)
    m = metrics(engine, D, cfg)
    assert flagged(m.pipeline_at_risk_cert, opps) == {
        "oem_hw", "t1_hw", "dlr_safety", "dlr_conn", "dlr_ota", "dlr_cloud", "eu_sw", "oem_eu_none"}
    # open pipeline = every OPEN amount: 2^0 + ... + 2^12
    assert m.open_pipeline == 2 ** 13 - 1


# one opportunity per rule trigger; with all certifications valid but one, only the
# opportunities requiring the missing one are at risk
TRIGGERS = [("oem_hw", "oem", "hw"), ("dlr_safety", "dlr", "safety"), ("dlr_conn", "dlr", "conn"),
            ("dlr_ota", "dlr", "ota"), ("eu_sw", "eu", "sw"), ("dlr_cloud", "dlr", "cloud"),
            ("t1_sw", "t1", "sw"), ("oem_none", "oem", None)]
REQUIRED_BY = {
    "IATF_16949": {"oem_hw"}, "ISO_26262": {"dlr_safety"}, "ISO_SAE_21434": {"dlr_conn"},
    "UN_R155": {"dlr_conn"}, "UN_R156": {"dlr_ota"}, "TISAX": {"eu_sw"}, "SOC2_TYPE2": {"dlr_cloud"},
}


def test_pipeline_at_risk_cert_each_rule(engine: Engine, cfg: AppConfig) -> None:
    opps = risk_opps([(oid, acc, prod, "OPEN", CLOSE) for oid, acc, prod in TRIGGERS])
    for missing, expected in REQUIRED_BY.items():
        certs = [{"certification": c, "status": "CERTIFIED"} for c in CERTIFICATIONS if c != missing]
        write(engine, accounts=RISK_ACCOUNTS, products=RISK_PRODUCTS, opportunities=opps, certifications=certs)
        assert flagged(metrics(engine, D, cfg).pipeline_at_risk_cert, opps) == expected, missing
    # every certification valid: nothing at risk
    certs = [{"certification": c, "status": "CERTIFIED"} for c in CERTIFICATIONS]
    write(engine, accounts=RISK_ACCOUNTS, products=RISK_PRODUCTS, opportunities=opps, certifications=certs)
    assert metrics(engine, D, cfg).pipeline_at_risk_cert == 0


def test_pipeline_at_risk_cert_validity_on_close_date(engine: Engine, cfg: AppConfig) -> None:
    certs = [{"certification": c, "status": "CERTIFIED"} for c in CERTIFICATIONS
             if c not in ("IATF_16949", "TISAX")]
    certs += [{"certification": "IATF_16949", "status": "CERTIFIED", "expiry_date": date(2025, 12, 31)},
              {"certification": "TISAX", "status": "CERTIFIED", "expiry_date": date(2025, 1, 1)}]
    opps = risk_opps([
        ("hw_before", "oem", "hw", "OPEN", date(2025, 12, 30)),   # IATF valid on close
        ("hw_on", "oem", "hw", "OPEN", date(2025, 12, 31)),       # close == expiry: still valid
        ("hw_after", "oem", "hw", "OPEN", date(2026, 1, 1)),      # expired by close: at risk
        ("hw_won", "oem", "hw", "WON", date(2026, 6, 30)),        # closed: never at risk
        # TISAX expired before D, but valid on an (overdue) close date on or before its expiry
        ("eu_old", "eu", None, "OPEN", date(2024, 12, 31)),
        ("eu_on", "eu", None, "OPEN", date(2025, 1, 1)),
        ("eu_later", "eu", None, "OPEN", date(2025, 7, 1)),       # at risk
    ])
    write(engine, accounts=RISK_ACCOUNTS, products=RISK_PRODUCTS, opportunities=opps, certifications=certs)
    assert flagged(metrics(engine, D, cfg).pipeline_at_risk_cert, opps) == {"hw_after", "eu_later"}


# --- to_json ----------------------------------------------------------------------------

RATIO_KEYS = ("backlog_replenishment_rate", "oem_rfq_win_rate", "eco_approval_rate", "software_attach_rate",
              "arr_per_subscribed_vehicle", "subscription_revenue_share", "ev_revenue_mix_ttm", "esa_ratio")


def test_to_json_keys_and_nulls_for_zero_denominators(engine: Engine, cfg: AppConfig) -> None:
    write(engine, certifications=[
        {"certification": "IATF_16949", "status": "CERTIFIED", "expiry_date": date(2025, 9, 1)}])
    out = metrics(engine, D, cfg).to_json()
    assert json.loads(json.dumps(out)) == out  # plain JSON values only
    assert set(BOARD_KEYS) <= set(out)
    assert out["as_of"] == "2025-06-15"
    # nothing in the data: every ratio is null, never 0
    assert {k: out[k] for k in RATIO_KEYS} == dict.fromkeys(RATIO_KEYS)
    assert out["win_rate"] == dict.fromkeys((*SEGMENTS, "ALL"))
    assert out["pipeline_coverage"] == dict.fromkeys(SEGMENTS)
    assert out["sales_cycle_days"] == dict.fromkeys(SEGMENTS)
    assert {k: out[k] for k in ("revenue_ttm", "backlog", "eco_count_ttm", "subscription_arr",
                                "pipeline_at_risk_cert")} == dict.fromkeys(
        ("revenue_ttm", "backlog", "eco_count_ttm", "subscription_arr", "pipeline_at_risk_cert"), 0)
    # one object per certification, with exactly the four keys
    assert set(out["certifications"]) == set(CERTIFICATIONS)
    assert out["certifications"]["IATF_16949"] == {
        "status": "CERTIFIED", "expiry_date": "2025-09-01", "valid_at_D": True, "expiring_soon": True}
    assert out["certifications"]["SOC2_TYPE2"] == {
        "status": "NOT_STARTED", "expiry_date": None, "valid_at_D": False, "expiring_soon": False}
