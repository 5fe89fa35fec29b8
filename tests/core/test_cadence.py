"""Operating cadence (issue 3), on tiny hand-made datasets, SQLite and PostgreSQL."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from typing import Any

from sqlalchemy.engine import Engine
from tests.factories import write

from revops_core.queries.cadence import ECO_QUEUE_COLUMNS, open_eco_queue
from revops_core.queries.common import EVERYTHING, Scope

D = date(2025, 6, 15)

ACCOUNTS = [
    {"account_id": "oem", "name": "Volta Motors", "segment": "OEM"},
    {"account_id": "t1", "name": "Tier Parts", "segment": "TIER1", "dealer_group": "G2"},
]
PRODUCTS = [{"product_id": "p1"}]
AWARDS = [
    {"award_id": "a1", "account_id": "oem", "product_id": "p1", "platform": "EVX"},
    {"award_id": "a2", "account_id": "t1", "product_id": "p1", "platform": "MQB"},
]


def eco(eco_id: str, award_id: str, requested: date, status: str = "REQUESTED",
        decided: date | None = None, delta: float = 0.0) -> dict[str, Any]:
    return {"eco_id": eco_id, "award_id": award_id, "requested_date": requested, "status": status,
            "decided_date": decided, "revenue_delta": delta}


ECOS = [
    eco("e1", "a1", date(2025, 6, 1), delta=10.0),                    # open, age 14
    eco("e2", "a2", date(2025, 1, 15), "NEGOTIATING", delta=20.0),    # open, age 151 (16+28+31+30+31+15)
    eco("e3", "a1", date(2025, 6, 15)),                               # requested on D: open, age 0
    eco("e4", "a1", date(2025, 6, 16)),                               # requested after D: out
    eco("e5", "a1", date(2025, 3, 1), "APPROVED", date(2025, 4, 1)),  # decided: out
    eco("e6", "a1", date(2025, 3, 1), "REJECTED", date(2025, 4, 1)),  # decided: out
    eco("e7", "a2", date(2025, 5, 1), "NEGOTIATING", date(2025, 6, 10)),  # decided by D: out
    eco("e8", "a2", date(2025, 5, 1), "NEGOTIATING", date(2025, 6, 20)),  # decided after D: open, age 45
]


def _write_ecos(engine: Engine) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=AWARDS, ecos=ECOS)


def test_open_eco_queue_ages_order_limit_scope(engine: Engine) -> None:
    _write_ecos(engine)
    with engine.connect() as conn:
        q = open_eco_queue(conn, D, EVERYTHING)
    assert tuple(q.columns) == ECO_QUEUE_COLUMNS
    # oldest first: e2 (2025-01-15), e8 (2025-05-01), e1 (2025-06-01), e3 (2025-06-15)
    assert list(q["eco_id"]) == ["e2", "e8", "e1", "e3"]
    assert list(q["age_days"]) == [151, 45, 14, 0]
    assert list(q["account"]) == ["Tier Parts", "Tier Parts", "Volta Motors", "Volta Motors"]
    assert list(q["platform"]) == ["MQB", "MQB", "EVX", "EVX"]
    assert list(q["status"]) == ["NEGOTIATING", "NEGOTIATING", "REQUESTED", "REQUESTED"]
    assert list(q["revenue_delta"]) == [20.0, 0.0, 10.0, 0.0]
    assert q["requested_date"].iloc[0] == date(2025, 1, 15)
    with engine.connect() as conn:
        assert list(open_eco_queue(conn, D, EVERYTHING, limit=2)["eco_id"]) == ["e2", "e8"]
        # scope G2 sees only the Tier Parts award (a2)
        assert list(open_eco_queue(conn, D, Scope(frozenset({"G2"})))["eco_id"]) == ["e2", "e8"]
        # before anything was requested the queue is empty, with the same columns
        empty = open_eco_queue(conn, date(2024, 1, 1), EVERYTHING)
    assert empty.empty and tuple(empty.columns) == ECO_QUEUE_COLUMNS


# --- weekly huddle ---------------------------------------------------------------------------

from revops_core.cadence import (  # noqa: E402
    MISSING_ESA, awards_vs_target, eco_trend, esa_flag, monthly_reconciliation, weekly_huddle)
from revops_core.board import board_metrics  # noqa: E402

HUDDLE_ACCOUNTS = [
    {"account_id": "oem", "name": "Volta Motors", "segment": "OEM"},
    {"account_id": "oem2", "name": "Nord Auto", "segment": "OEM", "dealer_group": "G2"},
    {"account_id": "t1", "name": "Tier Parts", "segment": "TIER1"},
    {"account_id": "dlr", "segment": "DEALER_AFTERMARKET"},
    {"account_id": "flt", "segment": "FLEET"},
]


def opp(oid: str, account: str, amount: float, status: str = "OPEN", **kw: Any) -> dict[str, Any]:
    return {"opportunity_id": oid, "account_id": account, "amount": amount, "status": status, **kw}


def _esa(i: int) -> str | None:
    return {27: None, 26: "", 25: "  "}.get(i, "Lena")


# o01..o27: OEM, amount 10 x i (o27 = 270, no E-SA; o26 blank; o25 whitespace); o28 ties o27 at
# 270 but closes earlier, so it ranks first. o20 closed-date 2025-06-01 (before D: overdue).
HUDDLE_OPPS = [
    *[opp(f"o{i:02d}", "oem", 10.0 * i, esa_owner=_esa(i), is_rfq=i in (5, 10),
          close_date=date(2025, 6, 1) if i == 20 else date(2025, 6, 30)) for i in range(1, 28)],
    opp("o28", "oem", 270.0, esa_owner="Lena", close_date=date(2025, 6, 20)),
    opp("g2", "oem2", 5.0, esa_owner="Lena"),                                    # OEM, group G2
    opp("won", "oem", 1e6, "WON", close_date=date(2025, 5, 1)),                 # not open
    opp("lost", "oem", 1e6, "LOST", is_rfq=True, close_date=date(2025, 5, 1)),  # not open
    opp("late", "oem", 1e6, created_date=date(2025, 6, 16), is_rfq=True),       # created after D
    opp("t1big", "t1", 1e6, is_rfq=True),                                       # TIER1, no E-SA
    opp("d1", "dlr", 7.0, is_rfq=True, stage="Qualify"),
    opp("d2", "dlr", 11.0, stage="Negotiation"),
    opp("f1", "flt", 13.0, stage="Qualify"),
    opp("f2", "flt", 17.0, stage="Qualify"),
    opp("f3", "flt", 1e6, "WON", stage="Qualify", close_date=date(2025, 5, 1)),
]


def person(pid: str, role: str, segment: str, start: date = date(2020, 1, 1),
           end: date | None = None) -> dict[str, Any]:
    return {"person_id": pid, "role": role, "segment": segment, "start_date": start, "end_date": end}


HEADCOUNT = [
    person("ae1", "AE", "OEM"), person("ae2", "AE", "OEM"), person("ae3", "AE", "OEM"),
    person("ae4", "AE", "TIER1"), person("ae5", "AE", "FLEET"),          # FLEET AE: not in the ratio
    person("es1", "ESA", "OEM"), person("es2", "ESA", "TIER1"),
    person("es3", "ESA", "OEM", end=date(2025, 6, 15)),                 # left on D: not active
    person("es4", "ESA", "OEM", start=date(2025, 6, 16)),               # starts after D
]


def huddle(engine: Engine, **kw: Any):  # noqa: ANN201 - WeeklyHuddle
    write(engine, accounts=HUDDLE_ACCOUNTS, products=PRODUCTS, opportunities=HUDDLE_OPPS,
          headcount=HEADCOUNT, platform_awards=[{**AWARDS[0], "account_id": "oem"}], ecos=[ECOS[0]])
    with engine.connect() as conn:
        return weekly_huddle(conn, D, **kw)


def test_top_25_ordering_and_missing_esa_flag(engine: Engine) -> None:
    h = huddle(engine)
    top = h.top_oem
    # o28 (270, closes 2025-06-20) before o27 (270, 2025-06-30), then 260 .. 40: 25 rows
    assert list(top["opportunity_id"]) == ["o28"] + [f"o{i:02d}" for i in range(27, 3, -1)]
    assert list(top["amount"]) == [270.0] + [10.0 * i for i in range(27, 3, -1)]
    assert list(top["account"].unique()) == ["Volta Motors"]
    flags = dict(zip(top["opportunity_id"], top["esa_status"]))
    assert [flags["o27"], flags["o26"], flags["o25"], flags["o24"]] == [MISSING_ESA, MISSING_ESA, MISSING_ESA, "Lena"]
    assert h.top_missing_esa == 3
    passed = dict(zip(top["opportunity_id"], top["close_date_passed"]))
    assert passed["o20"] and not passed["o21"]
    with engine.connect() as conn:  # dealer group G2 sees only Nord Auto's opportunity
        scoped = weekly_huddle(conn, D, scope=Scope(frozenset({"G2"})))
    assert list(scoped.top_oem["opportunity_id"]) == ["g2"]


def test_rfq_and_dealer_fleet_pipeline(engine: Engine) -> None:
    h = huddle(engine)
    # RFQ: OEM o05 + o10 = 50 + 100; TIER1 t1big; dealer d1; fleet none (lost and late are out)
    assert [(s.segment, s.amount, s.opportunities) for s in h.rfq_pipeline] == [
        ("OEM", 150.0, 2), ("TIER1", 1e6, 1), ("DEALER_AFTERMARKET", 7.0, 1), ("FLEET", 0.0, 0)]
    # dealer + fleet by stage: d2 11; d1 7; f1 + f2 = 30 (f3 is won)
    assert [(s.segment, s.stage, s.amount, s.opportunities) for s in h.dealer_fleet_pipeline] == [
        ("DEALER_AFTERMARKET", "Negotiation", 11.0, 1), ("DEALER_AFTERMARKET", "Qualify", 7.0, 1),
        ("FLEET", "Qualify", 30.0, 2)]
    assert [(t.segment, t.amount, t.opportunities) for t in h.dealer_fleet_totals] == [
        ("DEALER_AFTERMARKET", 18.0, 2), ("FLEET", 30.0, 2)]
    with engine.connect() as conn:  # the segment selection narrows both pipelines
        h = weekly_huddle(conn, D, segments=("OEM", "FLEET"))
    assert [s.segment for s in h.rfq_pipeline] == ["OEM", "FLEET"]
    assert {s.segment for s in h.dealer_fleet_pipeline} == {"FLEET"}
    assert len(h.top_oem) == 25  # the top list is always OEM


def test_esa_ratio_and_load(engine: Engine, cfg) -> None:  # noqa: ANN001
    h = huddle(engine)
    # AEs in OEM or TIER1: 3 + 1 = 4; active E-SAs: es1, es2 -> 4 / 2 = 2.0
    assert (h.active_aes, h.active_esas, h.esa_ratio) == (4, 2, 2.0)
    with engine.connect() as conn:
        assert board_metrics(conn, D, cfg).esa_ratio == h.esa_ratio
    # open OEM + TIER1 at D: o01..o28, g2, t1big = 30; without E-SA: o25, o26, o27, t1big
    assert (h.esa_open_opportunities, h.esa_missing, h.opportunities_per_esa) == (30, 4, 15.0)
    assert list(h.eco_queue["eco_id"]) == ["e1"] and h.oldest_eco_days == 14


def test_esa_flag_words() -> None:
    assert [esa_flag(v) for v in (None, "", "  ", float("nan"), " Ana ")] == [
        MISSING_ESA, MISSING_ESA, MISSING_ESA, MISSING_ESA, "Ana"]


# --- monthly reconciliation ------------------------------------------------------------------

REC_AWARDS = [
    {"award_id": "b1", "account_id": "oem", "product_id": "p1", "award_date": date(2025, 1, 1),
     "lifetime_value": 1000.0},
    {"award_id": "q0", "account_id": "oem", "product_id": "p1", "award_date": date(2025, 3, 31), "lifetime_value": 1e5},
    {"award_id": "q1", "account_id": "oem", "product_id": "p1", "award_date": date(2025, 4, 1), "lifetime_value": 100.0,
     "status": "COMPLETED"},
    {"award_id": "q2", "account_id": "t1", "product_id": "p1", "award_date": date(2025, 6, 15),
     "lifetime_value": 1000.0, "status": "IN_PRODUCTION"},
    {"award_id": "q3", "account_id": "oem", "product_id": "p1", "award_date": date(2025, 6, 16), "lifetime_value": 1e6},
    {"award_id": "qx", "account_id": "oem", "product_id": "p1", "award_date": date(2025, 5, 1), "lifetime_value": 1e4,
     "status": "CANCELLED"},
]
QUOTAS = [
    {"segment": "OEM", "period": "2025Q2", "amount": 2000.0},
    {"segment": "TIER1", "period": "2025Q2", "amount": 3000.0},
    {"segment": "FLEET", "period": "2025Q2", "amount": 50000.0},   # not an awards segment
    {"segment": "OEM", "period": "2025Q3", "amount": 7000.0},      # next quarter
]
REC_ECOS = [
    eco("x1", "b1", date(2024, 1, 1), "APPROVED", date(2024, 6, 30), 1.0),       # before the 12 months
    eco("x2", "b1", date(2024, 1, 1), "APPROVED", date(2024, 7, 1), 10.0),       # 2024-07
    eco("x3", "b1", date(2025, 1, 1), "APPROVED", date(2025, 6, 10), 50.0),      # 2025-06
    eco("x4", "b1", date(2025, 1, 1), "APPROVED", date(2025, 6, 1), 200.0),      # 2025-06
    eco("x5", "q0", date(2025, 1, 1), "APPROVED", date(2025, 6, 16), 1000.0),    # after D
    eco("x6", "q0", date(2025, 1, 1), "REJECTED", date(2025, 6, 1), 10000.0),    # rejected
]
# b1's revenue: 100 in 2025-05, 200 in 2025-06
REC_REVENUE = [{"account_id": "oem", "award_id": "b1", "period": "2025-05", "revenue_type": "HARDWARE",
                "amount": 100.0},
               {"account_id": "oem", "award_id": "b1", "period": "2025-06", "revenue_type": "HARDWARE",
                "amount": 200.0}]


def reconciliation(engine: Engine, cfg, as_of: date = D):  # noqa: ANN001, ANN201
    write(engine, accounts=HUDDLE_ACCOUNTS, products=PRODUCTS, platform_awards=REC_AWARDS, quotas=QUOTAS,
          ecos=REC_ECOS, revenue=REC_REVENUE, certifications=[
              {"certification": "IATF_16949", "status": "CERTIFIED", "expiry_date": date(2025, 8, 1)}])
    with engine.connect() as conn:
        return monthly_reconciliation(conn, as_of, cfg)


def test_awards_against_the_quarters_target(engine: Engine, cfg) -> None:  # noqa: ANN001
    r = reconciliation(engine, cfg)
    a = r.awards
    # 2025Q2 to D: q1 (100) + q2 (1,000); q0 before, q3 after, qx cancelled. Target 2,000 + 3,000.
    assert (a.quarter, a.start, a.won, a.awards, a.target) == ("2025Q2", date(2025, 4, 1), 1100.0, 2, 5000.0)
    assert a.attainment == pytest.approx(0.22)
    # 2025-04-01 .. 2025-06-15 is 76 of the quarter's 91 days; 22% < 83.5%: behind
    assert a.elapsed == pytest.approx(76 / 91) and a.pace == "behind"
    assert replace(a, won=4000.0, attainment=0.9).pace == "on_pace"
    assert replace(a, attainment=1.0).pace == "met"
    with engine.connect() as conn:  # a quarter without quotas: attainment n/a
        empty = awards_vs_target(conn, date(2026, 1, 10))
    assert (empty.won, empty.target, empty.attainment, empty.pace) == (0.0, 0.0, None, "no_target")


def test_backlog_certifications_and_eco_trend(engine: Engine, cfg) -> None:  # noqa: ANN001
    r = reconciliation(engine, cfg)
    # at D: b1 1,000 + ECOs 1 + 10 + 50 + 200 (decided by D) - revenue 300 = 961; q0 100,000 (x5
    # after D); q2 1,000 (q1 COMPLETED is not counted) -> 101,961
    # at 2025-05-31: b1 1,000 + 1 + 10 - 100 = 911; q0 100,000 -> 100,911; change +1,050
    assert (r.previous_month_end, r.backlog, r.backlog_previous) == (date(2025, 5, 31), 101961.0, 100911.0)
    assert r.backlog_change == 1050.0
    with engine.connect() as conn:
        assert board_metrics(conn, D, cfg).backlog == r.backlog
    iatf = r.certifications["IATF_16949"]
    assert (iatf.valid_at_D, iatf.expiring_soon) == (True, True)
    assert r.certifications["TISAX"].valid_at_D is False

    # ECO revenue trend: approved ECOs by decided month, 2024-07 .. 2025-06
    t = r.eco_trend
    assert list(t["period"]) == [f"2024-{m:02d}" for m in range(7, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]
    by_month = dict(zip(t["period"], zip(t["approved_revenue"], t["approved_ecos"])))
    assert by_month["2024-07"] == (10.0, 1) and by_month["2025-06"] == (250.0, 2)
    assert r.eco_totals == (260.0, 3)  # every other month is 0
    with engine.connect() as conn:
        assert list(eco_trend(conn, D, months=1)["approved_revenue"]) == [250.0]
