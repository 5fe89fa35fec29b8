"""Certifications as pipeline gates (METRICS.md ``certifications``, ``pipeline_at_risk_cert``).

Hand-made data, expected values worked out by hand in the comments. D = 2025-06-15, so the
"expiring soon" limit (config ``expiring_soon_days`` = 90) is 2025-09-13. Opportunity amounts
are distinct powers of ten, so a wrong sum shows which opportunity was wrongly counted.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from tests.factories import write

from revops_core import certifications as c
from revops_core.board import board_metrics
from revops_core.config import AppConfig
from revops_core.contract import CERTIFICATIONS
from revops_core.errors import ScenarioError
from revops_core.queries.board import CertRecord
from revops_core.queries.certifications import ProductFlags

D = date(2025, 6, 15)


def cert(code: str, status: str = "CERTIFIED", expiry: date | None = None, audit: date | None = None) -> dict[str, Any]:
    return {"certification": code, "status": status, "expiry_date": expiry, "next_audit_date": audit}


# IATF valid; ISO 26262 expires on D itself (valid, expiring soon, 0 days left); ISO/SAE 21434
# expires on D + 90 (expiring soon); UN R155 on D + 91 (valid, not soon); UN R156 in progress;
# TISAX expired the day before D (CERTIFIED but lapsed); SOC 2 has no row (not started).
CERTS = [
    cert("IATF_16949", expiry=date(2025, 12, 31), audit=date(2025, 7, 15)),
    cert("ISO_26262", expiry=D),
    cert("ISO_SAE_21434", expiry=date(2025, 9, 13)),
    cert("UN_R155", expiry=date(2025, 9, 14)),
    cert("UN_R156", status="IN_PROGRESS"),
    cert("TISAX", expiry=date(2025, 6, 14)),
]


def records(rows: list[dict[str, Any]]) -> dict[str, CertRecord]:
    return {r["certification"]: CertRecord(r["certification"], r["status"], None, None, r["expiry_date"],
                                           r["next_audit_date"]) for r in rows}


# --- status matrix ------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "state", "valid", "days_left"), [
    ("IATF_16949", "valid", True, 199),          # 2025-12-31 - 2025-06-15
    ("ISO_26262", "expiring_soon", True, 0),     # expiry == D: still valid, and within 90 days
    ("ISO_SAE_21434", "expiring_soon", True, 90),  # D + 90: the last "soon" day
    ("UN_R155", "valid", True, 91),              # D + 91: past the window
    ("UN_R156", "in_progress", False, None),
    ("TISAX", "expired", False, -1),             # CERTIFIED but expiry < D
    ("SOC2_TYPE2", "not_started", False, None),  # no row
])
def test_status_matrix_states_at_the_boundaries(code: str, state: str, valid: bool, days_left: int | None) -> None:
    rows = {r.certification: r for r in c.status_matrix(records(CERTS), D, 90)}
    assert list(rows) == list(CERTIFICATIONS)
    row = rows[code]
    assert (row.state, row.valid_at_D, row.days_left) == (state, valid, days_left)
    assert row.words == c.STATES[state][1] and row.color == c.STATES[state][0]


@pytest.mark.parametrize(("status", "expiry", "state"), [
    ("EXPIRED", date(2026, 1, 1), "expired"),   # recorded EXPIRED: expired whatever the date
    ("NOT_STARTED", None, "not_started"),
    ("CERTIFIED", None, "valid"),               # no expiry: valid, never expiring soon
])
def test_recorded_statuses(status: str, expiry: date | None, state: str) -> None:
    row = c.status_matrix(records([cert("TISAX", status, expiry)]), D, 90)[5]
    assert (row.certification, row.state) == ("TISAX", state)


def test_status_matrix_from_the_database(engine: Engine, cfg: AppConfig) -> None:
    write(engine, certifications=CERTS)
    with engine.connect() as conn:
        rows = c.certification_matrix(conn, D, cfg)
    assert [r.state for r in rows] == ["valid", "expiring_soon", "expiring_soon", "valid", "in_progress",
                                       "expired", "not_started"]
    assert rows[0].next_audit_date == date(2025, 7, 15) and rows[0].days_to_audit == 30


# --- product x certification requirements --------------------------------------------------------

HW = ProductFlags("hw", "Inverter", "EV systems", frozenset({"hardware"}))
OTA = ProductFlags("ota", "OTA platform", "Software", frozenset({"connected", "ota", "cloud_service"}))


def test_requirements_state_account_dependent_rules(cfg: AppConfig) -> None:
    rows = c.requirement_matrix([HW, OTA], cfg.rules.certification_rules, lambda s: cfg.label("segments", s))
    hw, ota, none = ({r.certification: r for r in row} for row in rows)
    # IATF 16949 needs hardware AND an OEM or Tier-1 account: account-dependent.
    assert hw["IATF_16949"].text == "If OEM / Tier-1 supplier account"
    assert hw["ISO_26262"].need == "no" and hw["ISO_26262"].text == "—"
    # TISAX depends only on the account, so it applies to every product and to no product.
    assert {hw["TISAX"].text, ota["TISAX"].text, none["TISAX"].text} == {"If EU-OEM account"}
    assert [ota[k].need for k in ("ISO_SAE_21434", "UN_R155", "UN_R156", "SOC2_TYPE2", "IATF_16949")] == \
        ["always", "always", "always", "always", "no"]
    # without a product only account-based rules apply
    assert [code for code, r in none.items() if r.need != "no"] == ["TISAX"]


def test_product_requirements_table(engine: Engine, cfg: AppConfig) -> None:
    write(engine, products=[{"product_id": "hw", "name": "Inverter"}])
    with engine.connect() as conn:
        table = c.product_requirements(conn, cfg)
    assert list(table["Product"]) == ["Inverter", "No product recorded"]
    assert list(table.columns[1:]) == [cfg.label("certifications", k) for k in CERTIFICATIONS]
    assert table.loc[0, "IATF 16949"] == "If OEM / Tier-1 supplier account"


# --- blocked pipeline per certification ----------------------------------------------------------

ACCOUNTS = [
    {"account_id": "oem", "segment": "OEM"},
    {"account_id": "euo", "segment": "OEM", "eu_oem": True},
    {"account_id": "t1", "segment": "TIER1"},
    {"account_id": "dlr", "segment": "DEALER_AFTERMARKET"},
]
NO_FLAGS = {"hardware": False, "safety_critical": False, "connected": False, "ota": False, "cloud_service": False}
PRODUCTS = [
    {"product_id": "hw", **NO_FLAGS, "hardware": True},
    {"product_id": "safe", **NO_FLAGS, "hardware": True, "safety_critical": True},
    {"product_id": "conn", **NO_FLAGS, "connected": True},
    {"product_id": "ota", **NO_FLAGS, "connected": True, "ota": True},
    {"product_id": "cld", **NO_FLAGS, "cloud_service": True},
]


def opp(oid: str, account: str, product: str | None, close: date, amount: float,
        status: str = "OPEN") -> dict[str, Any]:
    return {"opportunity_id": oid, "account_id": account, "product_id": product, "close_date": close,
            "amount": amount, "status": status}


OPPS = [
    opp("o1", "oem", "hw", date(2026, 3, 31), 1),            # IATF (expires 2025-12-31 < close)
    opp("o2", "oem", "hw", date(2025, 10, 1), 10),           # IATF valid at close: clear
    opp("o3", "dlr", "hw", date(2026, 3, 31), 100),          # dealer: IATF not required: clear
    opp("o4", "euo", None, date(2025, 7, 1), 1_000),         # no product: TISAX only (lapsed)
    opp("o5", "oem", None, date(2026, 3, 31), 10_000),       # no product, not EU-OEM: nothing required
    opp("o6", "t1", "conn", date(2025, 9, 14), 100_000),     # 21434 (expires 09-13); R155 valid on 09-14
    opp("o7", "dlr", "ota", date(2025, 8, 1), 1_000_000),    # R156 in progress; 21434, R155 valid
    opp("o8", "euo", "ota", date(2025, 10, 1), 10_000_000),  # 21434, R155, R156, TISAX
    opp("o9", "oem", "safe", date(2025, 6, 16), 100_000_000),  # ISO 26262 (expires on D)
    opp("o10", "dlr", "cld", date(2025, 7, 1), 1_000_000_000),  # SOC 2 has no row
    opp("o11", "oem", "hw", date(2026, 3, 31), 10_000_000_000, status="WON"),  # not open
]
BLOCKED = {  # certification -> (amount, count); o8 counts under four certifications
    "IATF_16949": (1, 1),
    "ISO_26262": (100_000_000, 1),
    "ISO_SAE_21434": (10_100_000, 2),      # o6 + o8
    "UN_R155": (10_000_000, 1),            # o8
    "UN_R156": (11_000_000, 2),            # o7 + o8
    "TISAX": (10_001_000, 2),              # o4 + o8
    "SOC2_TYPE2": (1_000_000_000, 1),      # o10
}
TOTAL_BLOCKED = 1_111_101_001  # o1 + o4 + o6 + o7 + o8 + o9 + o10, each once
OPEN = 1_111_111_111           # o1 .. o10


@pytest.fixture
def gated(engine: Engine) -> Engine:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, opportunities=OPPS, certifications=CERTS)
    return engine


def test_blocked_pipeline_per_certification(gated: Engine, cfg: AppConfig) -> None:
    with gated.connect() as conn:
        summary = c.gates(conn, cfg)
        at_risk = board_metrics(conn, D, cfg).pipeline_at_risk_cert
    assert {g.certification: (g.amount, g.count) for g in summary.gates} == BLOCKED
    assert (summary.total_amount, summary.total_count) == (TOTAL_BLOCKED, 7)
    assert (summary.open_amount, summary.open_count) == (OPEN, 10)
    assert summary.total_amount == at_risk  # the de-duplicated total is pipeline_at_risk_cert
    assert summary.share_at_risk == pytest.approx(TOTAL_BLOCKED / OPEN)
    assert sum(g.amount for g in summary.gates) > summary.total_amount  # o8 counted four times above
    reasons = {g.certification: g.reason for g in summary.gates}
    assert reasons["UN_R156"].startswith("status in progress")
    assert reasons["SOC2_TYPE2"].startswith("no certificate recorded")
    assert reasons["IATF_16949"].startswith("expires 2025-12-31")


def test_blocked_pipeline_for_selected_segments(gated: Engine, cfg: AppConfig) -> None:
    with gated.connect() as conn:
        summary = c.gates(conn, cfg, segments=("DEALER_AFTERMARKET",))
    # dealer opportunities: o3 (clear), o7 (R156), o10 (SOC 2)
    assert (summary.total_amount, summary.total_count) == (1_001_000_000, 2)
    assert summary.open_amount == 1_001_000_100
    assert {g.certification: g.amount for g in summary.gates if g.amount} == {"UN_R156": 1_000_000, "SOC2_TYPE2": 1e9}


def test_drilldown_rows(gated: Engine, cfg: AppConfig) -> None:
    with gated.connect() as conn:
        tisax, n_tisax = c.blocked_drilldown(conn, cfg, "TISAX")
        top, n_all = c.blocked_drilldown(conn, cfg, None, limit=2)
    assert list(tisax["opportunity_id"]) == ["o8", "o4"] and n_tisax == 2  # largest first
    assert list(tisax["blocked_by"]) == ["ISO/SAE 21434, UN R155, UN R156, TISAX", "TISAX"]
    assert list(top["opportunity_id"]) == ["o10", "o9"] and n_all == 7     # bounded by the limit
    assert list(top.columns) == ["opportunity_id", "account", "product", "blocked_by", "amount",
                                 "close_date", "stage", "segment", "owner"]


# --- what-if: renew a certification ---------------------------------------------------------------

@pytest.mark.parametrize(("code", "renewal", "expiry", "released", "count"), [
    # o4 closes 07-01 after the renewal: released; o8 stays blocked by three others
    ("TISAX", date(2025, 6, 20), date(2028, 6, 20), 1_000, 1),
    # renewal after o4's close date: the renewal comes too late, nothing released
    ("TISAX", date(2025, 7, 15), date(2028, 7, 15), 0, 0),
    # o6 (21434 only) released; o8 is still blocked by R155, R156, TISAX
    ("ISO_SAE_21434", D, date(2026, 6, 15), 100_000, 1),
    # an in-progress certification completed: o7 released
    ("UN_R156", D, date(2028, 6, 15), 1_000_000, 1),
    # a certification with no row: o10 released
    ("SOC2_TYPE2", D, date(2026, 1, 1), 1_000_000_000, 1),
    # the new expiry is still before o1's close (2026-03-31): nothing released
    ("IATF_16949", D, date(2026, 1, 31), 0, 0),
])
def test_renewal_what_if(gated: Engine, cfg: AppConfig, code: str, renewal: date, expiry: date,
                         released: float, count: int) -> None:
    with gated.connect() as conn:
        w = c.renewal_what_if(conn, cfg, code, renewal, expiry)
    assert (w.at_risk_now, w.count_now) == (TOTAL_BLOCKED, 7)
    assert (w.released, w.released_count) == (released, count)
    assert w.at_risk_after == TOTAL_BLOCKED - released


def test_renewed_replaces_only_that_record() -> None:
    recs = records(CERTS)
    new = c.renewed(recs, "SOC2_TYPE2", date(2027, 1, 1), D)
    assert new["SOC2_TYPE2"].valid_on(date(2027, 1, 1)) and not new["SOC2_TYPE2"].valid_on(date(2027, 1, 2))
    assert {k: v for k, v in new.items() if k != "SOC2_TYPE2"} == recs and "SOC2_TYPE2" not in recs
    with pytest.raises(ScenarioError, match="before the renewal date"):
        c.renewed(recs, "TISAX", date(2025, 6, 1), D)


def test_default_renewal_dates() -> None:
    assert c.default_renewal(date(2024, 1, 30)) == (date(2024, 2, 29), date(2027, 2, 28))
