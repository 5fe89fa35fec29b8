"""Playbook metrics (METRICS.md "Playbook metrics beyond the board table"), on tiny hand-made datasets.

    revenue_run_rate     revenue in D's calendar year to D's month; x 12 / months elapsed
    esa_lift             OEM + Tier-1 opportunities closed in TTM: win rate with / without an E-SA - 1
    award_to_sop_months  median months from award_date to sop_date, awards dated in TTM
    eco_margin_ttm       sum (revenue_delta - cost_delta), APPROVED ECOs decided in TTM
    oem_mix              per OEM: share of backlog and program revenue TTM, a year before, change in
                         points; top-3 share and HHI of the backlog shares
    ev_mix_sustained     ev_revenue_mix_ttm at the last four quarter ends <= D; all >= 40%?

Pure formulas are table-driven; data tests run on SQLite and PostgreSQL (``engine`` fixture) with
every expected value worked out by hand next to the data. A zero denominator gives None.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from tests.factories import write

from revops_core import playbook as pb
from revops_core.config import AppConfig
from revops_core.queries import playbook as q
from revops_core.queries.common import EVERYTHING, Scope

# D: TTM = (2024-06-30, 2025-06-30], TTM months 2024-07 .. 2025-06; a year before D = 2024-06-30.
D = date(2025, 6, 30)
G1 = Scope(frozenset({"G1"}))  # sees only accounts whose dealer_group is G1


def metrics(engine: Engine, cfg: AppConfig, as_of: date = D, scope: Scope = EVERYTHING) -> pb.PlaybookMetrics:
    with engine.connect() as conn:
        return pb.playbook_metrics(conn, as_of, cfg, scope)


def approx(value: float | None) -> Any:
    return value if value is None else pytest.approx(value)


def award(award_id: str, account: str = "oem", **kw: Any) -> dict[str, Any]:
    return {"award_id": award_id, "account_id": account, "product_id": "p1", **kw}


def rev(period: str, amount: float, award_id: str | None = None, account: str = "oem") -> dict[str, Any]:
    return {"account_id": account, "award_id": award_id, "period": period, "amount": amount}


def opp(oid: str, account: str, status: str, close: date, esa: str | None = None) -> dict[str, Any]:
    return {"opportunity_id": oid, "account_id": account, "status": status, "close_date": close,
            "created_date": date(2020, 1, 1), "esa_owner": esa}


def eco(eco_id: str, status: str, decided: date | None, revenue: float, cost: float,
        award_id: str = "a1") -> dict[str, Any]:
    return {"eco_id": eco_id, "award_id": award_id, "requested_date": date(2020, 1, 1), "status": status,
            "decided_date": decided, "revenue_delta": revenue, "cost_delta": cost}


ACCOUNTS = [{"account_id": "oem", "segment": "OEM"}, {"account_id": "t1", "segment": "TIER1"},
            {"account_id": "dlr", "segment": "DEALER_AFTERMARKET"},
            {"account_id": "g1", "segment": "OEM", "dealer_group": "G1"}]
PRODUCTS = [{"product_id": "p1"}]


# --- pure formulas ----------------------------------------------------------------------------

@pytest.mark.parametrize(("ytd", "as_of", "annualized"), [
    (1110.0, date(2025, 6, 30), 2220.0),    # 1110 x 12 / 6
    (500.0, date(2025, 1, 15), 6000.0),     # January: one month elapsed -> x 12
    (1200.0, date(2025, 12, 31), 1200.0),   # December: the year itself
    (0.0, date(2025, 3, 31), 0.0),          # no revenue: 0, months elapsed is never 0
])
def test_run_rate(ytd: float, as_of: date, annualized: float) -> None:
    got = pb.run_rate(ytd, as_of)
    assert (got.ytd, got.annualized, got.months) == (ytd, pytest.approx(annualized), as_of.month)


@pytest.mark.parametrize(("counts", "expected"), [
    ((3, 1, 1, 1), (0.75, 0.5, 0.5)),       # 3/4 with, 1/2 without -> 0.75 / 0.5 - 1 = 0.5
    ((1, 1, 1, 1), (0.5, 0.5, 0.0)),        # same win rate: no lift
    ((0, 2, 1, 1), (0.0, 0.5, -1.0)),       # E-SA deals all lost: -100%
    ((2, 0, 0, 0), (1.0, None, None)),      # nothing closed without an E-SA: null
    ((0, 0, 1, 3), (None, 0.25, None)),     # nothing closed with an E-SA: null
    ((1, 0, 0, 2), (1.0, 0.0, None)),       # without all lost: win rate 0 is a zero denominator
    ((0, 0, 0, 0), (None, None, None)),     # empty
])
def test_esa_lift_formula(counts: tuple[int, int, int, int], expected: tuple[float | None, ...]) -> None:
    got = pb.esa_lift(q.EsaCounts(*counts))
    assert (got.with_esa, got.without_esa, got.lift) == tuple(approx(v) for v in expected)


@pytest.mark.parametrize(("days", "months"), [
    (365.25, 12.0), (730.5, 24.0), (0.0, 0.0), (None, None)])
def test_months(days: float | None, months: float | None) -> None:
    assert pb.months(days) == approx(months)


@pytest.mark.parametrize(("now", "before", "expected"), [
    (0.30, 0.25, 5.0), (0.25, 0.30, -5.0), (0.2, 0.2, 0.0), (None, 0.2, None), (0.2, None, None)])
def test_points(now: float | None, before: float | None, expected: float | None) -> None:
    assert pb.points(now, before) == approx(expected)


@pytest.mark.parametrize(("shares", "total", "expected"), [
    ([0.5, 0.2, 0.1, 0.1], 10.0, (0.8, 0.25 + 0.04 + 0.01 + 0.01)),   # top 3 of 4; sum of squares
    ([0.1, 0.6], 10.0, (0.7, 0.37)),                                   # fewer than 3: all of them
    ([1.0], 10.0, (1.0, 1.0)),                                         # one OEM holds everything
    ([], 10.0, (0.0, 0.0)),                                            # backlog, but no OEM holds any
    ([None], 0.0, (None, None)),                                       # no backlog at all: null
])
def test_concentration(shares: list[float | None], total: float, expected: tuple[float | None, ...]) -> None:
    assert pb.concentration(shares, total) == tuple(approx(v) for v in expected)


@pytest.mark.parametrize(("sums", "quarters", "sustained"), [
    # (EV program, program) per quarter end -> EV mix; all four >= 0.40 -> sustained
    ([(40, 100), (50, 100), (60, 100), (45, 100)], [0.4, 0.5, 0.6, 0.45], True),
    ([(40, 100), (50, 100), (39, 100), (45, 100)], [0.4, 0.5, 0.39, 0.45], False),   # one below
    ([(0, 0), (50, 100), (60, 100), (45, 100)], [None, 0.5, 0.6, 0.45], False),      # n/a does not count
    ([(0, 0)] * 4, [None] * 4, False),                                               # empty
])
def test_ev_mix_sustained_formula(sums: list[tuple[float, float]], quarters: list[float | None],
                                  sustained: bool) -> None:
    ends = [date(2024, 9, 30), date(2024, 12, 31), date(2025, 3, 31), date(2025, 6, 30)]
    got = pb.ev_mix_sustained(ends, sums, 0.40)
    assert [d for d, _ in got.quarters] == ends
    assert [v for _, v in got.quarters] == [approx(v) for v in quarters]
    assert got.sustained is sustained
    assert got.met == sum(1 for v in quarters if v is not None and v >= 0.40)


def test_ev_mix_needs_four_quarters() -> None:
    # three passing quarters are not "four in a row"
    got = pb.ev_mix_sustained([date(2025, 3, 31)] * 3, [(1.0, 1.0)] * 3, 0.40)
    assert got.sustained is False and got.met == 3


# --- revenue_run_rate --------------------------------------------------------------------------

RUN_RATE_REVENUE = [
    rev("2024-12", 1),                  # last year: out
    rev("2025-01", 10),                 # January: in
    rev("2025-03", 100, "a1"),          # program revenue counts too (all types)
    rev("2025-06", 1000),               # D's month: in
    rev("2025-07", 10_000),             # after D's month: out
    rev("2025-02", 100_000, account="g1"),  # in; the only row a G1 scope sees
]


def test_revenue_run_rate(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=[award("a1")], revenue=RUN_RATE_REVENUE)
    rr = metrics(engine, cfg).revenue_run_rate
    # 10 + 100 + 1000 + 100_000 = 101_110 over 6 months -> x 2
    assert (rr.ytd, rr.annualized, rr.months) == (pytest.approx(101_110), pytest.approx(202_220), 6)
    # D in January: 2025-01 only (10); x 12
    january = metrics(engine, cfg, date(2025, 1, 31)).revenue_run_rate
    assert (january.ytd, january.annualized) == (pytest.approx(10), pytest.approx(120))
    scoped = metrics(engine, cfg, scope=G1).revenue_run_rate
    assert (scoped.ytd, scoped.annualized) == (pytest.approx(100_000), pytest.approx(200_000))


# --- esa_lift ------------------------------------------------------------------------------------

ESA_OPPS = [
    opp("w1", "oem", "WON", date(2025, 1, 1), "Eve"),
    opp("w2", "oem", "WON", D, "Eve"),                       # closed on D: in
    opp("w3", "t1", "WON", date(2024, 7, 1), "Sam"),         # Tier-1 counts
    opp("l1", "t1", "LOST", date(2025, 2, 1), "Sam"),
    opp("n1", "oem", "WON", date(2025, 3, 1)),               # no E-SA
    opp("n2", "oem", "LOST", date(2025, 4, 1)),
    opp("x1", "dlr", "WON", date(2025, 3, 1), "Eve"),        # dealer segment: out
    opp("x2", "oem", "WON", date(2024, 6, 30), "Eve"),       # closed on D - 1y: out
    opp("x3", "oem", "LOST", date(2025, 7, 1)),              # after D: out
    opp("x4", "oem", "OPEN", date(2025, 5, 1), "Eve"),       # still open: out
    opp("g1", "g1", "LOST", date(2025, 5, 1), "Eve"),        # G1's only deal
]


def test_esa_lift(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, opportunities=ESA_OPPS)
    lift = metrics(engine, cfg).esa_lift
    # with an E-SA: w1, w2, w3 won, l1 and g1 lost -> 3/5; without: n1 won, n2 lost -> 1/2
    # lift = 0.6 / 0.5 - 1 = 0.2
    assert (lift.with_esa, lift.without_esa, lift.lift) == (pytest.approx(0.6), pytest.approx(0.5),
                                                            pytest.approx(0.2))
    # G1 sees only g1 (with an E-SA, lost): 0/1 with, nothing without -> lift null
    scoped = metrics(engine, cfg, scope=G1).esa_lift
    assert (scoped.with_esa, scoped.without_esa, scoped.lift) == (0.0, None, None)


def test_esa_lift_without_any_closed_deal_without_esa(engine: Engine, cfg: AppConfig) -> None:
    # Only E-SA deals closed: the without side has no denominator -> without and lift null.
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, opportunities=ESA_OPPS[:4])
    lift = metrics(engine, cfg).esa_lift
    assert (lift.with_esa, lift.without_esa, lift.lift) == (pytest.approx(0.75), None, None)


# --- award_to_sop_months -------------------------------------------------------------------------

SOP_AWARDS = [
    award("s1", award_date=date(2024, 7, 1), sop_date=date(2025, 7, 1)),      # 365 days
    award("s2", award_date=date(2024, 10, 1), sop_date=date(2026, 10, 1)),    # 730 days
    award("s3", award_date=date(2025, 1, 1), sop_date=date(2028, 1, 1), status="CANCELLED"),  # 1095; any status
    award("s4", award_date=D, sop_date=date(2029, 6, 30), account="g1"),      # 1461 days (award on D: in)
    award("x1", award_date=date(2024, 6, 30), sop_date=date(2034, 6, 30)),    # dated D - 1y: out
    award("x2", award_date=date(2025, 7, 1), sop_date=date(2035, 7, 1)),      # after D: out
]


def test_award_to_sop_months(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=SOP_AWARDS)
    # median of 365, 730, 1095, 1461 days = (730 + 1095) / 2 = 912.5 days = 912.5 / (365.25 / 12) months
    assert metrics(engine, cfg).award_to_sop_months == pytest.approx(912.5 / 30.4375)
    # odd count: G1 sees s4 alone -> 1461 days
    assert metrics(engine, cfg, scope=G1).award_to_sop_months == pytest.approx(1461 / 30.4375)
    # no award dated in TTM (D = 2024-06-29: TTM ends a day before x1, the earliest award) -> null
    assert metrics(engine, cfg, date(2024, 6, 29)).award_to_sop_months is None


# --- eco_margin_ttm ------------------------------------------------------------------------------

def test_eco_margin_ttm(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=[award("a1"), award("ag", account="g1")],
          ecos=[eco("e1", "APPROVED", date(2025, 1, 1), 1000, 300),      # +700
                eco("e2", "APPROVED", D, 50, 80),                        # -30: a loss-making ECO counts
                eco("e3", "APPROVED", date(2024, 6, 30), 9000, 0),       # decided on D - 1y: out
                eco("e4", "APPROVED", date(2025, 7, 1), 9000, 0),        # after D: out
                eco("e5", "REJECTED", date(2025, 1, 1), 9000, 0),        # rejected: out
                eco("e6", "REQUESTED", None, 9000, 0),                   # undecided: out
                eco("e7", "APPROVED", date(2025, 2, 1), 400, 100, "ag")])  # +300, G1's award
    assert metrics(engine, cfg).eco_margin_ttm == pytest.approx(970)     # 700 - 30 + 300
    assert metrics(engine, cfg, scope=G1).eco_margin_ttm == pytest.approx(300)


def test_the_boards_trend_tiles_are_the_metrics_own_figures(engine: Engine, cfg: AppConfig) -> None:
    """``playbook_tiles`` (each earlier quarter end of the board's trend) gives what ``playbook_metrics``
    gives for the run rate, E-SA lift and ECO margin, scope applied, without the OEM mix and EV test."""
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=[award("a1"), award("ag", account="g1")],
          ecos=[eco("e1", "APPROVED", date(2025, 1, 1), 1000, 300), eco("e7", "APPROVED", date(2025, 2, 1), 400, 100,
                                                                       "ag")])
    for scope, margin in ((EVERYTHING, 1000.0), (G1, 300.0)):
        full = metrics(engine, cfg, scope=scope)
        with engine.connect() as conn:
            tiles = pb.playbook_tiles(conn, D, scope)
        assert tiles == pb.PlaybookTiles(D, full.revenue_run_rate, full.esa_lift, full.eco_margin_ttm)
        assert tiles.eco_margin_ttm == pytest.approx(margin)


# --- oem_mix ---------------------------------------------------------------------------------------

MIX_ACCOUNTS = [
    {"account_id": "A", "name": "Alpha", "segment": "OEM", "dealer_group": "G1"},
    {"account_id": "B", "name": "Beta", "segment": "OEM"},
    {"account_id": "C", "name": "Gamma", "segment": "OEM"},    # no awards, no revenue: not listed
    {"account_id": "Dl", "name": "Delta", "segment": "OEM"},
    {"account_id": "E", "name": "Eps", "segment": "OEM"},
    {"account_id": "Z", "name": "Zed", "segment": "OEM"},
    {"account_id": "T", "name": "Tier", "segment": "TIER1"},   # in the totals, never listed
]
OLD = date(2020, 1, 1)
MIX_AWARDS = [
    award("aA", "A", award_date=OLD, lifetime_value=600),
    award("aA2", "A", award_date=date(2025, 1, 15), lifetime_value=400),   # after D - 1y: only now
    award("aB", "B", award_date=OLD, lifetime_value=300),
    award("aD", "Dl", award_date=OLD, lifetime_value=30),
    award("aE", "E", award_date=OLD, lifetime_value=20),
    award("aZ", "Z", award_date=OLD, lifetime_value=50),
    award("aT", "T", award_date=OLD, lifetime_value=100),
    award("aX", "C", award_date=OLD, lifetime_value=9999, status="COMPLETED"),  # no backlog
]
MIX_REVENUE = [
    rev("2024-03", 100, "aA", "A"),    # before D - 1y: reduces both backlogs
    rev("2024-09", 200, "aA", "A"),    # in TTM
    rev("2024-09", 100, "aB", "B"),
    rev("2025-01", 50, "aT", "T"),
    rev("2024-10", 50, "aZ", "Z"),     # Zed's award is used up by D
    rev("2025-02", 5000, None, "A"),   # not program revenue
]
# Backlog a year before (2024-06-30): A 600 - 100 = 500, B 300, Dl 30, E 20, Z 50, T 100 -> 1000
# Backlog at D: A 500 - 200 + 400 = 700, B 200, Dl 30, E 20, Z 0, T 50 -> 1000
# Program revenue TTM: A 200, B 100, T 50, Z 50 -> 400
MIX_EXPECTED = {
    # account: (backlog share, revenue share, backlog share a year before, change in points)
    "A": (0.70, 0.5, 0.50, 20.0),
    "B": (0.20, 0.25, 0.30, -10.0),
    "Dl": (0.03, 0.0, 0.03, 0.0),
    "E": (0.02, 0.0, 0.02, 0.0),
    "Z": (0.0, 0.125, 0.05, -5.0),
}


def test_oem_mix(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=MIX_ACCOUNTS, products=PRODUCTS, platform_awards=MIX_AWARDS, revenue=MIX_REVENUE)
    mix = metrics(engine, cfg).oem_mix
    assert [a.account_id for a in mix.accounts] == list(MIX_EXPECTED)   # largest backlog first
    for a in mix.accounts:
        got = (a.backlog_share, a.revenue_share, a.backlog_share_year_before, a.change_pts)
        assert got == tuple(pytest.approx(v) for v in MIX_EXPECTED[a.account_id]), a.account_id
    assert mix.accounts[0].name == "Alpha"
    # top 3: 0.70 + 0.20 + 0.03; HHI: 0.49 + 0.04 + 0.0009 + 0.0004 + 0
    assert (mix.top3_share, mix.hhi) == (pytest.approx(0.93), pytest.approx(0.5313))
    # a year before: 0.50 + 0.30 + 0.05; 0.25 + 0.09 + 0.0009 + 0.0004 + 0.0025
    assert (mix.top3_share_year_before, mix.hhi_year_before) == (pytest.approx(0.85), pytest.approx(0.3438))


def test_oem_mix_scoped(engine: Engine, cfg: AppConfig) -> None:
    # G1 sees Alpha alone: its backlog and revenue are the whole of what the scope sees.
    write(engine, accounts=MIX_ACCOUNTS, products=PRODUCTS, platform_awards=MIX_AWARDS, revenue=MIX_REVENUE)
    mix = metrics(engine, cfg, scope=G1).oem_mix
    (alpha,) = mix.accounts
    assert (alpha.account_id, alpha.backlog_share, alpha.revenue_share, alpha.change_pts) == ("A", 1.0, 1.0, 0.0)
    assert (mix.top3_share, mix.hhi) == (1.0, 1.0)


def test_oem_mix_without_oem_backlog(engine: Engine, cfg: AppConfig) -> None:
    # Backlog held by a Tier-1 only: no OEM listed, top-3 share and HHI 0 (the denominator exists).
    write(engine, accounts=MIX_ACCOUNTS, products=PRODUCTS, platform_awards=[award("aT", "T", lifetime_value=100)])
    mix = metrics(engine, cfg).oem_mix
    assert (mix.accounts, mix.top3_share, mix.hhi) == ((), 0.0, 0.0)


def test_oem_mix_revenue_only_is_listed_with_null_backlog_shares(engine: Engine, cfg: AppConfig) -> None:
    # An OEM with program revenue but no backlog anywhere: listed; backlog shares null (no backlog).
    write(engine, accounts=MIX_ACCOUNTS, products=PRODUCTS,
          platform_awards=[award("aB", "B", award_date=OLD, lifetime_value=100, status="COMPLETED")],
          revenue=[rev("2025-01", 80, "aB", "B")])
    (beta,) = metrics(engine, cfg).oem_mix.accounts
    assert (beta.backlog_share, beta.revenue_share, beta.backlog_share_year_before, beta.change_pts) == \
        (None, 1.0, None, None)


# --- ev_mix_sustained ------------------------------------------------------------------------------

EV_AWARDS = [award("ev", powertrain="BEV"), award("ph", powertrain="PHEV"), award("ice", powertrain="ICE"),
             award("gev", "g1", powertrain="BEV")]
EV_REVENUE = [
    rev("2023-10", 40, "ev"), rev("2023-10", 60, "ice"),   # only in the 2024-09-30 window: 40 / 100
    rev("2024-10", 30, "ev"), rev("2024-10", 20, "ph"), rev("2024-10", 50, "ice"),  # 50 / 100 from Q4 2024
    rev("2024-10", 1000),                                   # not program revenue: never counted
]
EV_QUARTER_ENDS = [date(2024, 9, 30), date(2024, 12, 31), date(2025, 3, 31), date(2025, 6, 30)]


def test_ev_mix_sustained(engine: Engine, cfg: AppConfig) -> None:
    # TTM windows: 2023-10..2024-09 -> 0.4 (on the target: counts); 2024-01..2024-12, 2024-04..2025-03 and
    # 2024-07..2025-06 -> 0.5 each -> sustained.
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=EV_AWARDS, revenue=EV_REVENUE)
    ev = metrics(engine, cfg).ev_mix_sustained
    assert [d for d, _ in ev.quarters] == EV_QUARTER_ENDS
    assert [v for _, v in ev.quarters] == [pytest.approx(0.4), pytest.approx(0.5), pytest.approx(0.5),
                                           pytest.approx(0.5)]
    assert ev.sustained is True and ev.target == cfg.rules.risks.ev_mix_target == 0.40


def test_ev_mix_not_sustained_and_mid_quarter(engine: Engine, cfg: AppConfig) -> None:
    # ICE 100 in 2025-06 drags the last window to 50 / 200 = 0.25 -> not sustained.
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=EV_AWARDS,
          revenue=[*EV_REVENUE, rev("2025-06", 100, "ice")])
    ev = metrics(engine, cfg).ev_mix_sustained
    assert [v for _, v in ev.quarters][-1] == pytest.approx(0.25)
    assert (ev.sustained, ev.met) == (False, 3)
    # D mid-quarter: the quarter ends on or before it are 2024-06-30 .. 2025-03-31; the first
    # window (2023-07..2024-06) holds 40 / 100
    mid = metrics(engine, cfg, date(2025, 5, 15)).ev_mix_sustained
    assert [d for d, _ in mid.quarters] == [date(2024, 6, 30), *EV_QUARTER_ENDS[:3]]
    assert mid.sustained is True


def test_ev_mix_scoped(engine: Engine, cfg: AppConfig) -> None:
    # G1 sees only its BEV award's 10 in 2025-06: the last window is 100% EV, the others n/a.
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=EV_AWARDS,
          revenue=[*EV_REVENUE, rev("2025-06", 10, "gev", "g1")])
    ev = metrics(engine, cfg, scope=G1).ev_mix_sustained
    assert [v for _, v in ev.quarters] == [None, None, None, 1.0]
    assert ev.sustained is False


# --- empty database and the JSON shape -----------------------------------------------------------

def test_empty_database_gives_nulls_and_zeros(engine: Engine, cfg: AppConfig) -> None:
    got = metrics(engine, cfg).to_json()
    assert got == {
        "revenue_run_rate": {"ytd": 0.0, "annualized": 0.0},
        "esa_lift": {"with_esa": None, "without_esa": None, "lift": None},
        "award_to_sop_months": None,
        "eco_margin_ttm": 0.0,
        "oem_mix": {"accounts": {}, "top3_share": None, "hhi": None},
        "ev_mix_sustained": {"quarters": {d.isoformat(): None for d in EV_QUARTER_ENDS}, "sustained": False},
    }


def test_to_json_shape(engine: Engine, cfg: AppConfig) -> None:
    write(engine, accounts=MIX_ACCOUNTS, products=PRODUCTS, platform_awards=MIX_AWARDS, revenue=MIX_REVENUE)
    got = json.loads(json.dumps(metrics(engine, cfg).to_json()))   # plain JSON, nothing lost
    assert set(got) == {"revenue_run_rate", "esa_lift", "award_to_sop_months", "eco_margin_ttm", "oem_mix",
                        "ev_mix_sustained"}
    assert set(got["oem_mix"]) == {"accounts", "top3_share", "hhi"}
    assert list(got["oem_mix"]["accounts"]) == list(MIX_EXPECTED)
    assert got["oem_mix"]["accounts"]["A"] == {
        "name": "Alpha", "backlog_share": pytest.approx(0.7), "revenue_share": pytest.approx(0.5),
        "backlog_share_year_before": pytest.approx(0.5), "change_pts": pytest.approx(20.0)}
    assert list(got["ev_mix_sustained"]["quarters"]) == [d.isoformat() for d in EV_QUARTER_ENDS]
