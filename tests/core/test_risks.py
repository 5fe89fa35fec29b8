"""The "Monday-morning move" and the failure modes of METRICS.md "Risks", on tiny hand-made datasets.

Risk scores (shortfalls in [0, 1], highest first):
    BRR            max(0, (1.2 - BRR) / 1.2)
    certification  pipeline_at_risk_cert / open pipeline
    EV             max(0, (0.40 - plan EV mix in 2030) / 0.40)
Failure modes: connected-product pipeline lacking a valid ISO_SAE_21434 / UN_R155 at close;
awards with SOP within 365 days of D whose PPAP is not APPROVED (FAILED is red); beside it, awards
in production (SOP <= D) whose PPAP is not APPROVED (always red, METRICS.md "Playbook metrics");
products with open or won opportunities in both OEM and DEALER_AFTERMARKET; ICE + HEV share of
backlog > 60%, with the four-quarter EV-mix test stated beside it.

Data tests run on SQLite and PostgreSQL (``engine`` fixture); every expected value is worked
out by hand in the comments next to the data.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from tests.factories import write

from revops_core import risks
from revops_core.board import BoardMetrics, board_metrics
from revops_core.config import AppConfig
from revops_core.contract import POWERTRAINS, SEGMENTS
from revops_core.queries import board as qb
from revops_core.queries import risks as qr
from revops_core.playbook import EvMixSustained
from revops_core.queries.common import EVERYTHING, Scope

# D: TTM = (2024-06-30, 2025-06-30], TTM months 2024-07 .. 2025-06; SOP window [D, 2026-06-30].
D = date(2025, 6, 30)


def award(award_id: str, **kw: Any) -> dict[str, Any]:
    return {"award_id": award_id, "account_id": "oem", "product_id": "p1", **kw}


def opp(oid: str, account: str, product: str | None, status: str = "OPEN", amount: float = 0.0,
        close: date = date(2025, 9, 30), **kw: Any) -> dict[str, Any]:
    return {"opportunity_id": oid, "account_id": account, "product_id": product, "status": status,
            "amount": amount, "close_date": close, **kw}


def cert(code: str, status: str = "CERTIFIED", expiry: date | None = None) -> dict[str, Any]:
    return {"certification": code, "status": status, "expiry_date": expiry}


def modes_by_key(engine: Engine, cfg: AppConfig, as_of: date = D, **kw: Any) -> dict[str, risks.FailureMode]:
    with engine.connect() as conn:
        modes = risks.failure_modes(conn, as_of, cfg, **kw)
    assert [m.key for m in modes] == ["cybersecurity", "sop_ppap", "ppap_in_production", "channel_conflict",
                                      "ev_transition"]
    return {m.key: m for m in modes}


def bm(brr: float | None = None, at_risk: float = 0.0, open_pipeline: float = 0.0) -> BoardMetrics:
    """A BoardMetrics whose only meaningful fields are the ones the risk scores read."""
    none_by_seg = dict.fromkeys(SEGMENTS)
    return BoardMetrics(
        as_of=D, revenue_ttm=0.0, program_revenue_ttm=0.0, awards_won_ttm=0.0, backlog=0.0,
        backlog_replenishment_rate=brr, win_rate={**none_by_seg, "ALL": None}, oem_rfq_win_rate=None,
        pipeline_coverage=none_by_seg, sales_cycle_days=none_by_seg, eco_count_ttm=0,
        eco_approved_revenue_ttm=0.0, eco_approval_rate=None, software_attach_rate=None,
        subscription_arr=0.0, arr_per_subscribed_vehicle=None, subscription_revenue_share=None,
        ev_revenue_mix_ttm=None, esa_ratio=None, certifications={}, pipeline_at_risk_cert=at_risk,
        open_pipeline=open_pipeline)


def year(**amounts: float) -> dict[str, float]:
    return {**dict.fromkeys(POWERTRAINS, 0.0), **amounts}


# --- the three scores as pure formulas --------------------------------------------------------

@pytest.mark.parametrize(("brr", "expected"), [
    (0.6, 0.5),     # (1.2 - 0.6) / 1.2 = 0.5
    (0.0, 1.0),     # (1.2 - 0) / 1.2 = 1 (nothing won: the whole target short)
    (0.9, 0.25),    # (1.2 - 0.9) / 1.2 = 0.25
    (1.2, 0.0),     # on target
    (2.4, 0.0),     # above target: max(0, -1) = 0, never negative
    (None, None),   # BRR n/a (no program revenue) -> no score
])
def test_brr_risk(brr: float | None, expected: float | None) -> None:
    got = risks.brr_risk(brr)
    assert got == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(("at_risk", "open_", "expected"), [
    (300.0, 1000.0, 0.3),     # 300 / 1000
    (0.0, 1000.0, 0.0),       # open pipeline but none blocked
    (1000.0, 1000.0, 1.0),    # all blocked
    (0.0, 0.0, None),         # no open pipeline: zero denominator -> n/a, not 0
])
def test_cert_risk(at_risk: float, open_: float, expected: float | None) -> None:
    got = risks.cert_risk(at_risk, open_)
    assert got == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(("mix", "expected"), [
    (0.1, 0.75),    # (0.40 - 0.10) / 0.40
    (0.3, 0.25),    # (0.40 - 0.30) / 0.40
    (0.0, 1.0),     # no EV at all
    (0.4, 0.0),     # on target
    (0.8, 0.0),     # above target: floored at 0
    (None, None),   # no 2030 revenue in the plan -> n/a
])
def test_ev_risk(mix: float | None, expected: float | None) -> None:
    got = risks.ev_risk(mix)
    assert got == (None if expected is None else pytest.approx(expected))


def test_risk_scores_ranked_highest_first(cfg: AppConfig) -> None:
    # BRR 1.0       -> (1.2 - 1.0) / 1.2 = 1/6 ~ 0.1667
    # cert 450/500  -> 0.9
    # EV: 2030 = BEV 30 + PHEV 10 of 100 -> mix 0.40 -> 0 ; 2029 (not 2030) is all ICE and ignored
    schedule = {2029: year(ICE=1000.0), 2030: year(ICE=50.0, HEV=10.0, BEV=30.0, PHEV=10.0)}
    scores = risks.risk_scores(bm(brr=1.0, at_risk=450.0, open_pipeline=500.0), schedule, cfg)
    assert [s.key for s in scores] == ["certification", "brr", "ev"]
    assert [s.score for s in scores] == [pytest.approx(0.9), pytest.approx(1 / 6), pytest.approx(0.0)]
    by_key = {s.key: s for s in scores}
    assert by_key["brr"].figure == "BRR 1.00x against a 1.2x target"
    assert by_key["ev"].figure == "planned EV mix in 2030 40% against a 40% target"


def test_risk_scores_none_ranks_last_below_zero(cfg: AppConfig) -> None:
    # BRR n/a -> None (last); cert 0 / 800 = 0.0; EV 2030 mix = 10 / 100 = 0.1 -> 0.75
    schedule = {2030: year(ICE=90.0, BEV=10.0)}
    scores = risks.risk_scores(bm(brr=None, at_risk=0.0, open_pipeline=800.0), schedule, cfg)
    assert [(s.key, s.score) for s in scores] == [("ev", pytest.approx(0.75)), ("certification", 0.0),
                                                  ("brr", None)]
    assert scores[-1].figure == "BRR n/a against a 1.2x target"


def test_risk_scores_all_zero_denominators(cfg: AppConfig) -> None:
    # No program revenue, no open pipeline, no 2030 revenue (schedule ends 2029): all three n/a.
    scores = risks.risk_scores(bm(), {2029: year(ICE=5.0)}, cfg)
    assert {s.key: s.score for s in scores} == {"brr": None, "certification": None, "ev": None}
    assert next(s for s in scores if s.key == "ev").figure == "planned EV mix in 2030 n/a against a 40% target"


# --- the Monday-morning move from the database -----------------------------------------------

def test_monday_move_on_hand_made_company(engine: Engine, cfg: AppConfig) -> None:
    write(
        engine,
        accounts=[{"account_id": "oem", "segment": "OEM"}],
        # hardware False so IATF_16949 does not apply; only "conn" needs the cyber certificates.
        products=[{"product_id": "p1", "hardware": False},
                  {"product_id": "conn", "hardware": False, "connected": True}],
        platform_awards=[
            # won in TTM: awards_won_ttm = 900; backlog 900 spread 2026-01..2030-12 (60 months)
            award("ice", powertrain="ICE", award_date=date(2025, 1, 15), sop_date=date(2026, 1, 1),
                  eop_date=date(2030, 12, 31), lifetime_value=900.0, ppap_status="APPROVED"),
            # won long ago: backlog 100 over the same 60 months
            award("bev", powertrain="BEV", award_date=date(2020, 1, 15), sop_date=date(2026, 1, 1),
                  eop_date=date(2030, 12, 31), lifetime_value=100.0, ppap_status="APPROVED"),
            # completed program: only its TTM revenue counts (program revenue 1500), no backlog
            award("done", powertrain="ICE", award_date=date(2015, 1, 15), sop_date=date(2016, 1, 1),
                  eop_date=date(2024, 12, 31), lifetime_value=5000.0, status="COMPLETED",
                  ppap_status="APPROVED"),
        ],
        revenue=[{"account_id": "oem", "award_id": "done", "period": "2024-10", "amount": 1500.0}],
        opportunities=[opp("o1", "oem", "conn", amount=300.0), opp("o2", "oem", "p1", amount=700.0)],
    )
    with engine.connect() as conn:
        m = board_metrics(conn, D, cfg)
        scores = risks.monday_move(conn, m, cfg)
    # BRR = 900 / 1500 = 0.6 -> (1.2 - 0.6) / 1.2 = 0.5
    assert m.backlog_replenishment_rate == pytest.approx(0.6)
    # no certificates recorded: o1 (connected) is blocked -> 300 / (300 + 700) = 0.3
    assert (m.pipeline_at_risk_cert, m.open_pipeline) == (300.0, 1000.0)
    # 2030 plan: ICE 900 * 12/60 = 180, BEV 100 * 12/60 = 20 -> mix 0.1 -> (0.4 - 0.1) / 0.4 = 0.75
    assert [s.key for s in scores] == ["ev", "brr", "certification"]
    assert [s.score for s in scores] == [pytest.approx(0.75), pytest.approx(0.5), pytest.approx(0.3)]


def test_monday_move_on_empty_database(engine: Engine, cfg: AppConfig) -> None:
    # Every denominator is zero: no program revenue, no open pipeline, no backlog -> all n/a.
    with engine.connect() as conn:
        scores = risks.monday_move(conn, board_metrics(conn, D, cfg), cfg)
    assert [(s.key, s.score) for s in scores] == [("brr", None), ("certification", None), ("ev", None)]


# --- failure mode 1: cybersecurity conformance ------------------------------------------------

CYBER_ACCOUNTS = [{"account_id": "oem", "segment": "OEM"}]
CYBER_PRODUCTS = [{"product_id": "conn", "hardware": False, "connected": True},
                  {"product_id": "plain", "hardware": False}]
CYBER_OPPS = [
    opp("c_ok", "oem", "conn", amount=10.0, close=date(2025, 9, 30)),       # closes before expiry
    opp("c_edge", "oem", "conn", amount=20.0, close=date(2025, 12, 31)),    # closes ON expiry: valid
    opp("c_late", "oem", "conn", amount=200.0, close=date(2026, 3, 31)),    # closes after expiry
    opp("c_won", "oem", "conn", "WON", amount=30_000.0, close=date(2026, 3, 31)),  # not open
    opp("p_late", "oem", "plain", amount=4_000.0, close=date(2026, 3, 31)),  # not connected
    opp("n_late", "oem", None, amount=50_000.0, close=date(2026, 3, 31)),    # no product tracked
]


def test_cyber_flag_when_certificate_expires_before_close(engine: Engine, cfg: AppConfig) -> None:
    # ISO_SAE_21434 expires 2025-12-31, UN_R155 open-ended: only c_late (close 2026-03-31) lacks a
    # valid 21434 at close -> 1 opportunity, 200; red.
    write(engine, accounts=CYBER_ACCOUNTS, products=CYBER_PRODUCTS, opportunities=CYBER_OPPS,
          certifications=[cert("ISO_SAE_21434", expiry=date(2025, 12, 31)), cert("UN_R155")])
    mode = modes_by_key(engine, cfg)["cybersecurity"]
    assert (mode.triggered, mode.severity) == (True, "red")
    assert list(mode.records["opportunity_id"]) == ["c_late"]
    assert list(mode.records["amount"]) == [200.0]
    assert mode.figure.startswith("1 open connected-product opportunities")
    with engine.connect() as conn:
        certs = qb.certification_records(conn, EVERYTHING)
        assert qr.cyber_gap_totals(conn, certs, EVERYTHING) == (1, 200.0)


def test_cyber_flag_when_r155_is_not_certified(engine: Engine, cfg: AppConfig) -> None:
    # UN_R155 only IN_PROGRESS: every OPEN connected opportunity is blocked, whatever its date:
    # c_late 200, c_edge 20, c_ok 10 (by amount, largest first) -> 3, 230.
    write(engine, accounts=CYBER_ACCOUNTS, products=CYBER_PRODUCTS, opportunities=CYBER_OPPS,
          certifications=[cert("ISO_SAE_21434"), cert("UN_R155", status="IN_PROGRESS")])
    mode = modes_by_key(engine, cfg)["cybersecurity"]
    assert (mode.triggered, mode.severity) == (True, "red")
    assert list(mode.records["opportunity_id"]) == ["c_late", "c_edge", "c_ok"]
    with engine.connect() as conn:
        certs = qb.certification_records(conn, EVERYTHING)
        assert qr.cyber_gap_totals(conn, certs, EVERYTHING) == (3, 230.0)


def test_cyber_flag_when_certificates_are_missing(engine: Engine, cfg: AppConfig) -> None:
    # No certification rows at all: both cyber certificates count as not valid -> same 3 rows.
    write(engine, accounts=CYBER_ACCOUNTS, products=CYBER_PRODUCTS, opportunities=CYBER_OPPS)
    mode = modes_by_key(engine, cfg)["cybersecurity"]
    assert mode.triggered and len(mode.records) == 3


def test_cyber_no_flag_when_both_certificates_valid(engine: Engine, cfg: AppConfig) -> None:
    # Both CERTIFIED, 21434 valid until 2026-12-31 (after every close date) -> nothing; green.
    write(engine, accounts=CYBER_ACCOUNTS, products=CYBER_PRODUCTS, opportunities=CYBER_OPPS,
          certifications=[cert("ISO_SAE_21434", expiry=date(2026, 12, 31)), cert("UN_R155")])
    mode = modes_by_key(engine, cfg)["cybersecurity"]
    assert (mode.triggered, mode.severity) == (False, "green")
    assert mode.records.empty
    assert mode.figure.startswith("0 open connected-product opportunities")


# --- failure mode 2: SOP / PPAP under-build ---------------------------------------------------

SOP_AWARDS = [
    award("a_d", sop_date=D, ppap_status="IN_PROGRESS", lifetime_value=1000.0),           # SOP on D
    award("a_end", sop_date=date(2026, 6, 30), ppap_status="NOT_STARTED", lifetime_value=100.0),  # D + 365
    award("a_prod", sop_date=date(2025, 12, 1), ppap_status="NOT_STARTED", status="IN_PRODUCTION",
          lifetime_value=10.0),
    award("a_out", sop_date=date(2026, 7, 1), lifetime_value=1e6),                          # D + 366
    award("a_past", sop_date=date(2025, 6, 29), lifetime_value=1e6),                        # before D
    award("a_ok", sop_date=date(2025, 12, 31), ppap_status="APPROVED", lifetime_value=1e6),
    award("a_cxl", sop_date=date(2025, 12, 31), status="CANCELLED", lifetime_value=1e6),
    award("a_done", sop_date=date(2025, 12, 31), status="COMPLETED", lifetime_value=1e6),
]


def sop_data(engine: Engine, awards: list[dict[str, Any]]) -> None:
    write(engine, accounts=[{"account_id": "oem"}], products=[{"product_id": "p1"}], platform_awards=awards)


def test_sop_ppap_amber_without_failed(engine: Engine, cfg: AppConfig) -> None:
    # In window [2025-06-30, 2026-06-30], live, PPAP not APPROVED: a_d 1000, a_end 100, a_prod 10
    # (by lifetime value, largest first) -> 3 awards, 1110; none FAILED -> amber.
    sop_data(engine, SOP_AWARDS)
    mode = modes_by_key(engine, cfg)["sop_ppap"]
    assert (mode.triggered, mode.severity) == (True, "amber")
    assert list(mode.records["award_id"]) == ["a_d", "a_end", "a_prod"]
    assert mode.records["lifetime_value"].sum() == 1110.0
    assert mode.figure.startswith("3 awards start production within 365 days without PPAP approval")


def test_sop_ppap_failed_is_red(engine: Engine, cfg: AppConfig) -> None:
    # One more award in the window with PPAP FAILED (value 1) -> 4 awards, red.
    sop_data(engine, [*SOP_AWARDS, award("a_fail", sop_date=date(2026, 1, 1), ppap_status="FAILED",
                                         lifetime_value=1.0)])
    mode = modes_by_key(engine, cfg)["sop_ppap"]
    assert (mode.triggered, mode.severity) == (True, "red")
    assert list(mode.records["award_id"]) == ["a_d", "a_end", "a_prod", "a_fail"]
    assert list(mode.records["ppap_status"]) == ["IN_PROGRESS", "NOT_STARTED", "NOT_STARTED", "FAILED"]


def test_sop_ppap_failed_outside_window_is_not_red(engine: Engine, cfg: AppConfig) -> None:
    # Only out-of-scope awards (outside the window, approved, cancelled, completed), plus a FAILED
    # PPAP whose SOP is 2026-07-01 (D + 366) -> nothing flagged; green.
    quiet = [a for a in SOP_AWARDS if a["award_id"] in ("a_out", "a_past", "a_ok", "a_cxl", "a_done")]
    sop_data(engine, [*quiet, award("a_fail", sop_date=date(2026, 7, 1), ppap_status="FAILED")])
    mode = modes_by_key(engine, cfg)["sop_ppap"]
    assert (mode.triggered, mode.severity) == (False, "green")
    assert mode.records.empty


def test_sop_ppap_window_moves_with_d(engine: Engine, cfg: AppConfig) -> None:
    # D = 2025-07-01: a_d (SOP 2025-06-30) is now in the past, a_out (SOP 2026-07-01 = D + 365) enters.
    sop_data(engine, SOP_AWARDS)
    with engine.connect() as conn:
        rows = qr.sop_ppap_awards(conn, date(2025, 7, 1), 365, EVERYTHING)
    assert list(rows["award_id"]) == ["a_out", "a_end", "a_prod"]


# --- failure mode 3: dealer channel conflict ---------------------------------------------------

CHANNEL_ACCOUNTS = [{"account_id": "oem", "segment": "OEM"}, {"account_id": "dlr", "segment": "DEALER_AFTERMARKET"},
                    {"account_id": "t1", "segment": "TIER1"}, {"account_id": "flt", "segment": "FLEET"}]
CHANNEL_PRODUCTS = [{"product_id": p} for p in ("pA", "pB", "pC", "pD", "pE")]
QUIET_CHANNEL_OPPS = [
    opp("b1", "oem", "pB", "WON", 1.0), opp("b2", "dlr", "pB", "LOST", 2.0),   # dealer side only lost
    opp("c1", "oem", "pC", "OPEN", 1.0), opp("c2", "t1", "pC", "OPEN", 2.0),    # OEM + TIER1
    opp("c3", "flt", "pC", "WON", 4.0),                                           # + FLEET
    opp("d1", "dlr", "pD", "OPEN", 1.0), opp("d2", "dlr", "pD", "WON", 2.0),    # dealer only
    opp("e1", "oem", "pE", "LOST", 1.0), opp("e2", "dlr", "pE", "OPEN", 2.0),   # OEM side only lost
    opp("x1", "oem", None, "OPEN", 1.0), opp("x2", "dlr", None, "OPEN", 2.0),   # no product
]


def test_channel_conflict_flagged(engine: Engine, cfg: AppConfig) -> None:
    # pA: OEM OPEN 100 + OEM WON 200 and DEALER WON 5000 (+ DEALER LOST 7, ignored)
    #   -> oem_amount 300 (2 deals), dealer_amount 5000 (1 deal). Every other product is quiet.
    conflict = [opp("a1", "oem", "pA", "OPEN", 100.0), opp("a2", "oem", "pA", "WON", 200.0),
                opp("a3", "dlr", "pA", "WON", 5000.0), opp("a4", "dlr", "pA", "LOST", 7.0)]
    write(engine, accounts=CHANNEL_ACCOUNTS, products=CHANNEL_PRODUCTS,
          opportunities=[*conflict, *QUIET_CHANNEL_OPPS])
    mode = modes_by_key(engine, cfg)["channel_conflict"]
    assert (mode.triggered, mode.severity) == (True, "amber")
    rows = mode.records.to_dict("records")
    assert [(r["product_id"], r["oem_amount"], r["dealer_amount"], r["oem_deals"], r["dealer_deals"])
            for r in rows] == [("pA", 300.0, 5000.0, 2, 1)]
    assert mode.figure.startswith("1 products sold both to OEMs and through dealers")


def test_channel_conflict_not_flagged(engine: Engine, cfg: AppConfig) -> None:
    # Only the quiet products: each lacks an open/won deal on one of the two sides -> green.
    write(engine, accounts=CHANNEL_ACCOUNTS, products=CHANNEL_PRODUCTS, opportunities=QUIET_CHANNEL_OPPS)
    mode = modes_by_key(engine, cfg)["channel_conflict"]
    assert (mode.triggered, mode.severity) == (False, "green")
    assert mode.records.empty


# --- failure mode 4: EV-transition exposure ------------------------------------------------------

# The only program revenue (ICE, 2025-03) gives an EV mix of 0% at the quarter ends 2025-03-31 and
# 2025-06-30 and n/a before: none of the four reaches 40%.
NO_EV_QUARTER = "; EV revenue mix (TTM) at or above 40% at 0 of the last 4 quarter ends (not sustained)"


def ev_awards(hev_value: float, bev_value: float) -> list[dict[str, Any]]:
    return [
        # ICE 700 lifetime - 200 revenue by D -> backlog 500
        award("ice", powertrain="ICE", lifetime_value=700.0),
        award("hev", powertrain="HEV", lifetime_value=hev_value),
        award("bev", powertrain="BEV", lifetime_value=bev_value),
        # not counted: completed, cancelled, awarded after D
        award("ice_done", powertrain="ICE", lifetime_value=1e6, status="COMPLETED"),
        award("ice_cxl", powertrain="ICE", lifetime_value=1e6, status="CANCELLED"),
        award("ice_new", powertrain="ICE", lifetime_value=1e6, award_date=date(2025, 7, 1)),
    ]


def ev_data(engine: Engine, hev_value: float, bev_value: float) -> None:
    write(engine, accounts=[{"account_id": "oem"}], products=[{"product_id": "p1"}],
          platform_awards=ev_awards(hev_value, bev_value),
          revenue=[{"account_id": "oem", "award_id": "ice", "period": "2025-03", "amount": 200.0}])


def test_ev_transition_above_limit(engine: Engine, cfg: AppConfig) -> None:
    # Backlog: ICE 500, HEV 110, BEV 390 -> (500 + 110) / 1000 = 61% > 60% -> red.
    ev_data(engine, 110.0, 390.0)
    mode = modes_by_key(engine, cfg)["ev_transition"]
    assert (mode.triggered, mode.severity) == (True, "red")
    assert mode.figure == "ICE + HEV share of backlog 61% (limit 60%)" + NO_EV_QUARTER
    assert dict(zip(mode.records["powertrain"], mode.records["backlog"])) == {
        "ICE": 500.0, "BEV": 390.0, "PHEV": 0.0, "HEV": 110.0, "AGNOSTIC": 0.0}


def test_ev_transition_at_limit_not_flagged(engine: Engine, cfg: AppConfig) -> None:
    # Backlog: ICE 500, HEV 100, BEV 400 -> 600 / 1000 = exactly 60%: not ABOVE the limit -> green.
    ev_data(engine, 100.0, 400.0)
    mode = modes_by_key(engine, cfg)["ev_transition"]
    assert (mode.triggered, mode.severity) == (False, "green")
    assert mode.figure == "ICE + HEV share of backlog 60% (limit 60%)" + NO_EV_QUARTER


def test_ev_transition_without_backlog(engine: Engine, cfg: AppConfig) -> None:
    # No backlog at all: share n/a (zero denominator), never flagged; the other flags are quiet too.
    modes = modes_by_key(engine, cfg)
    assert modes["ev_transition"].figure == "ICE + HEV share of backlog n/a (limit 60%)" + NO_EV_QUARTER
    assert {k: (m.triggered, m.severity) for k, m in modes.items()} == dict.fromkeys(modes, (False, "green"))


def test_ev_transition_uses_given_totals(engine: Engine, cfg: AppConfig) -> None:
    # Totals passed by the caller replace the database's: ICE 1 + HEV 2 of 10 = 30% -> not flagged,
    # although the database alone (61%) would be.
    ev_data(engine, 110.0, 390.0)
    mode = modes_by_key(engine, cfg, schedule_totals={"ICE": 1.0, "HEV": 2.0, "BEV": 7.0})["ev_transition"]
    assert (mode.triggered, mode.figure) == (False, "ICE + HEV share of backlog 30% (limit 60%)" + NO_EV_QUARTER)


def test_ev_transition_states_a_given_four_quarter_test(engine: Engine, cfg: AppConfig) -> None:
    # A test passed by the caller is stated as it is (here: 4 of 4 at or above 40%, sustained).
    ev_data(engine, 110.0, 390.0)
    test = EvMixSustained(tuple((d, 0.5) for d in (date(2024, 9, 30), date(2024, 12, 31), date(2025, 3, 31), D)),
                          0.40, True)
    mode = modes_by_key(engine, cfg, ev_test=test)["ev_transition"]
    assert mode.figure == ("ICE + HEV share of backlog 61% (limit 60%); EV revenue mix (TTM) at or above 40% "
                           "at 4 of the last 4 quarter ends (sustained)")
    assert (mode.triggered, mode.severity) == (True, "red")  # the flag itself is still the ICE + HEV share


def test_ev_risk_figure_states_the_four_quarter_test(cfg: AppConfig) -> None:
    # 2030 plan mix 40% -> EV score 0; two of four quarter ends at or above 40% -> not sustained.
    schedule = {2030: year(ICE=60.0, BEV=40.0)}
    test = EvMixSustained(((date(2024, 9, 30), 0.3), (date(2024, 12, 31), None), (date(2025, 3, 31), 0.4),
                           (D, 0.45)), 0.40, False)
    ev = next(s for s in risks.risk_scores(bm(), schedule, cfg, ev_test=test) if s.key == "ev")
    assert ev.score == pytest.approx(0.0)
    assert ev.figure == ("planned EV mix in 2030 40% against a 40% target; EV revenue mix (TTM) at or above 40% "
                         "at 2 of the last 4 quarter ends (not sustained)")


# --- PPAP not approved on an award already in production (SOP <= D) -----------------------------

LIVE_AWARDS = [
    award("l_prod", sop_date=date(2024, 1, 1), status="IN_PRODUCTION", ppap_status="IN_PROGRESS",
          lifetime_value=100.0),
    award("l_fail", sop_date=date(2025, 1, 1), status="IN_PRODUCTION", ppap_status="FAILED", lifetime_value=10.0),
    award("l_on_d", sop_date=D, ppap_status="NOT_STARTED", lifetime_value=1000.0),   # SOP on D: in production
    award("l_ok", sop_date=date(2024, 1, 1), status="IN_PRODUCTION", ppap_status="APPROVED", lifetime_value=1e6),
    award("l_next", sop_date=date(2025, 7, 1), ppap_status="NOT_STARTED", lifetime_value=1e6),  # D + 1: upcoming
    award("l_done", sop_date=date(2024, 1, 1), status="COMPLETED", ppap_status="IN_PROGRESS", lifetime_value=1e6),
    award("l_cxl", sop_date=date(2024, 1, 1), status="CANCELLED", ppap_status="FAILED", lifetime_value=1e6),
    award("l_g1", account_id="g1", sop_date=date(2024, 1, 1), status="IN_PRODUCTION", ppap_status="NOT_STARTED",
          lifetime_value=5.0),
]


def live_data(engine: Engine, awards: list[dict[str, Any]]) -> None:
    write(engine, accounts=[{"account_id": "oem"}, {"account_id": "g1", "dealer_group": "G1"}],
          products=[{"product_id": "p1"}], platform_awards=awards)


def test_ppap_in_production_is_red(engine: Engine, cfg: AppConfig) -> None:
    # Live (AWARDED / IN_PRODUCTION), SOP <= D, PPAP not APPROVED: l_on_d 1000, l_prod 100, l_fail 10,
    # l_g1 5 (largest first) -> 4 awards, 1115, red whatever the PPAP status.
    live_data(engine, LIVE_AWARDS)
    modes = modes_by_key(engine, cfg)
    mode = modes["ppap_in_production"]
    assert (mode.triggered, mode.severity) == (True, "red")
    assert list(mode.records["award_id"]) == ["l_on_d", "l_prod", "l_fail", "l_g1"]
    assert mode.figure == ("4 awards in production (SOP on or before the as-of date) without PPAP approval "
                           "($1.1K lifetime value)")
    # the upcoming-SOP flag keeps its own window [D, D + 365]: l_on_d (SOP on D) and l_next
    assert list(modes["sop_ppap"].records["award_id"]) == ["l_next", "l_on_d"]


def test_ppap_in_production_scope_and_date(engine: Engine, cfg: AppConfig) -> None:
    live_data(engine, LIVE_AWARDS)
    with engine.connect() as conn:
        scoped = qr.ppap_in_production_awards(conn, D, Scope(frozenset({"G1"})))
        earlier = qr.ppap_in_production_awards(conn, date(2024, 6, 30), EVERYTHING)
    assert list(scoped["award_id"]) == ["l_g1"]                 # the scope narrows it in SQL
    assert list(earlier["award_id"]) == ["l_prod", "l_g1"]      # SOP 2025-01-01 and D not reached yet


def test_ppap_in_production_clear(engine: Engine, cfg: AppConfig) -> None:
    # Only approved, upcoming, completed or cancelled awards -> green, no records.
    live_data(engine, [a for a in LIVE_AWARDS if a["award_id"] in ("l_ok", "l_next", "l_done", "l_cxl")])
    mode = modes_by_key(engine, cfg)["ppap_in_production"]
    assert (mode.triggered, mode.severity, len(mode.records)) == (False, "green", 0)
    assert mode.figure.startswith("0 awards in production")

