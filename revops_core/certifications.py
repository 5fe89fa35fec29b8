"""Certifications as pipeline gates (METRICS.md "Board metrics": ``certifications`` and
``pipeline_at_risk_cert``; the rules of config/rules.yaml).

- ``status_matrix``: the seven certifications at D with a state in colour and words.
- ``requirement_matrix``: which products need which certification under the rules, with the
  account-dependent rules stated as such (IATF 16949 only for OEM / Tier-1 buyers, TISAX only
  for EU-OEM accounts).
- ``gates``: the open pipeline each certification blocks (summed in SQL), and the
  de-duplicated total, which is ``pipeline_at_risk_cert``.
- ``renewal_what_if``: "if certification C is renewed (CERTIFIED, expiring X) by date R, this
  much pipeline is released". Model: C's record is replaced by CERTIFIED expiring X and the
  same SQL is run again; released = at risk now - at risk after. An opportunity that C blocks
  now and that closes before R stays blocked: the renewal comes too late for it.

The clock is never read here: D and the what-if dates are arguments.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core import windows
from revops_core.board import certification_status
from revops_core.config import AppConfig, CertificationRule
from revops_core.contract import CERTIFICATIONS
from revops_core.errors import ScenarioError
from revops_core.queries import certifications as qc
from revops_core.queries.board import CertRecord, blocked_condition, certification_records
from revops_core.queries.common import EVERYTHING, Scope, ratio

# state -> (badge colour, words). Status is always shown in colour AND words.
STATES: dict[str, tuple[str, str]] = {
    "valid": ("green", "Valid"),
    "expiring_soon": ("orange", "Expiring soon"),
    "expired": ("red", "Expired"),
    "in_progress": ("blue", "In progress"),
    "not_started": ("gray", "Not started"),
}
ACCOUNT_FLAG_WORDS = {"eu_oem": "EU-OEM"}
RENEWAL_YEARS = 3  # default what-if certificate term (IATF 16949 and TISAX certificates run three years)
RENEWAL_LEAD_DAYS = 30  # default what-if renewal date: a month after D


# --- status matrix ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificationRow:
    """One certification at D: the recorded facts and the state derived from them."""

    certification: str
    status: str                  # as recorded; NOT_STARTED when there is no row
    scope: str | None
    expiry_date: date | None
    next_audit_date: date | None
    days_left: int | None        # expiry - D in days (negative once expired); None without expiry
    days_to_audit: int | None
    valid_at_D: bool             # noqa: N815 - METRICS.md name
    state: str                   # a key of STATES

    @property
    def color(self) -> str:
        return STATES[self.state][0]

    @property
    def words(self) -> str:
        return STATES[self.state][1]


def state_of(status: str, valid: bool, expiring_soon: bool) -> str:
    """valid / expiring soon (valid, expiry within ``expiring_soon_days``) / expired (status
    EXPIRED, or CERTIFIED with expiry before D) / in progress / not started."""
    if valid:
        return "expiring_soon" if expiring_soon else "valid"
    return {"IN_PROGRESS": "in_progress", "NOT_STARTED": "not_started"}.get(status, "expired")


def _days(start: date, end: date | None) -> int | None:
    return None if end is None else (end - start).days


def status_matrix(records: dict[str, CertRecord], as_of: date, soon_days: int) -> list[CertificationRow]:
    """The seven certifications in contract order at ``as_of`` (``certifications`` of METRICS.md).

    Valid on X: CERTIFIED and (no expiry or expiry >= X); expiring soon: valid at D and
    expiry <= D + ``soon_days``. A certification without a row is "not started".
    """
    status = certification_status(records, as_of, soon_days)
    out = []
    for code in CERTIFICATIONS:
        s, rec = status[code], records.get(code)
        out.append(CertificationRow(
            code, s.status, rec.scope if rec else None, s.expiry_date, s.next_audit_date,
            _days(as_of, s.expiry_date), _days(as_of, s.next_audit_date), s.valid_at_D,
            state_of(s.status, s.valid_at_D, s.expiring_soon)))
    return out


# --- product x certification requirements -----------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    """Whether opportunities for a product need a certification.

    ``need`` is "always" (whatever the account), "account" (only for the accounts in
    ``accounts``) or "no". ``product_id`` None stands for opportunities without a product, for
    which only account-based rules apply.
    """

    product_id: str | None
    certification: str
    need: str
    accounts: str | None = None

    @property
    def text(self) -> str:
        if self.need == "always":
            return "Required"
        return f"If {self.accounts} account" if self.need == "account" else "—"


def account_words(rule: CertificationRule, segment_label: Callable[[str], str]) -> str | None:
    """The account condition of a rule in words, e.g. "OEM / Tier-1 supplier" or "EU-OEM" (None
    when the rule applies to every account)."""
    parts = []
    if rule.account_segment:
        parts.append(" / ".join(segment_label(s) for s in rule.account_segment))
    parts += [ACCOUNT_FLAG_WORDS.get(flag, flag) for flag in rule.account]
    return " and ".join(parts) or None


def requirement(product: qc.ProductFlags | None, code: str, rules: Sequence[CertificationRule],
                segment_label: Callable[[str], str]) -> Requirement:
    """Combine every rule for ``code`` that the product meets (a product rule never applies
    to an opportunity without a product)."""
    flags = product.flags if product else frozenset()
    conditions: list[str | None] = [account_words(r, segment_label) for r in rules
                                    if r.certification == code and set(r.product) <= flags]
    pid = product.product_id if product else None
    if not conditions:
        return Requirement(pid, code, "no")
    if any(c is None for c in conditions):
        return Requirement(pid, code, "always")
    return Requirement(pid, code, "account", " / ".join(dict.fromkeys(c for c in conditions if c)))


def requirement_matrix(products: Sequence[qc.ProductFlags], rules: Sequence[CertificationRule],
                       segment_label: Callable[[str], str]) -> list[list[Requirement]]:
    """One row per product (then one for opportunities without a product), one cell per certification."""
    return [[requirement(p, code, rules, segment_label) for code in CERTIFICATIONS]
            for p in [*products, None]]


def requirement_table(products: Sequence[qc.ProductFlags], rules: Sequence[CertificationRule],
                      cfg: AppConfig) -> pd.DataFrame:
    """The requirement matrix as a table: Product, then one column per certification label."""
    matrix = requirement_matrix(products, rules, lambda s: cfg.label("segments", s))
    names = [p.name for p in products] + ["No product recorded"]
    rows = [{"Product": name, **{cfg.label("certifications", r.certification): r.text for r in reqs}}
            for name, reqs in zip(names, matrix)]
    return pd.DataFrame(rows)


def product_requirements(conn: Connection, cfg: AppConfig, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """``requirement_table`` for the product catalogue in the database."""
    return requirement_table(qc.products(conn, scope), cfg.rules.certification_rules, cfg)


# --- blocked pipeline per certification ---------------------------------------------------------

@dataclass(frozen=True)
class Gate:
    """The open pipeline one certification blocks (counted under each blocking certification)."""

    certification: str
    amount: float
    count: int
    reason: str


@dataclass(frozen=True)
class GateSummary:
    gates: tuple[Gate, ...]
    total_amount: float   # each opportunity once: ``pipeline_at_risk_cert``
    total_count: int
    open_amount: float
    open_count: int

    @property
    def share_at_risk(self) -> float | None:
        """Blocked share of the open pipeline (the certification risk score of METRICS.md "Risks")."""
        return ratio(self.total_amount, self.open_amount)


def block_reason(record: CertRecord | None) -> str:
    """Why a certification blocks the opportunities that need it, in words."""
    if record is None:
        return "no certificate recorded: every opportunity that needs it is blocked"
    if record.status != "CERTIFIED":
        words = record.status.replace("_", " ").lower()
        return f"status {words}: every opportunity that needs it is blocked"
    if record.expiry_date is None:
        return "certified with no expiry: blocks nothing"
    return f"expires {record.expiry_date.isoformat()}: opportunities closing later are blocked"


def gate_summary(sums: qc.BlockedSums, records: dict[str, CertRecord]) -> GateSummary:
    gates = tuple(Gate(code, sums.amount[code], sums.count[code], block_reason(records.get(code)))
                  for code in CERTIFICATIONS)
    return GateSummary(gates, sums.total_amount, sums.total_count, sums.open_amount, sums.open_count)


def gates(conn: Connection, cfg: AppConfig, scope: Scope = EVERYTHING,
          segments: tuple[str, ...] | None = None) -> GateSummary:
    """Open pipeline blocked per certification and in total (``pipeline_at_risk_cert``).

    Status OPEN is the current status, so the figure does not depend on D. ``segments`` (None:
    all) narrows the open pipeline to those buyer segments.
    """
    records = certification_records(conn, scope)
    return gate_summary(qc.blocked_sums(conn, cfg.rules.certification_rules, records, scope, segments), records)


def blocked_drilldown(conn: Connection, cfg: AppConfig, only: str | None = None, scope: Scope = EVERYTHING,
                      segments: tuple[str, ...] | None = None, limit: int = 200) -> tuple[pd.DataFrame, int]:
    """The open opportunities ``only`` blocks (None: any certification), largest first, with a
    ``blocked_by`` column naming every certification that blocks each; and their total count."""
    records = certification_records(conn, scope)
    frame, total = qc.blocked_rows(conn, cfg.rules.certification_rules, records, scope, only, segments, limit)
    flag_cols = [f"blocks_{code}" for code in CERTIFICATIONS]
    names = [", ".join(cfg.label("certifications", code) for code, flag in zip(CERTIFICATIONS, flags) if flag)
             for flags in frame[flag_cols].itertuples(index=False)]
    frame.insert(3, "blocked_by", names)
    return frame.drop(columns=flag_cols), total


# --- what-if: renew a certification ---------------------------------------------------------------

@dataclass(frozen=True)
class RenewalWhatIf:
    """Pipeline released if ``certification`` is renewed by ``renewal_date`` to ``new_expiry``."""

    certification: str
    renewal_date: date
    new_expiry: date
    at_risk_now: float
    at_risk_after: float
    count_now: int
    count_after: int

    @property
    def released(self) -> float:
        return self.at_risk_now - self.at_risk_after

    @property
    def released_count(self) -> int:
        return self.count_now - self.count_after


def renewed(records: dict[str, CertRecord], code: str, new_expiry: date, renewal_date: date) -> dict[str, CertRecord]:
    """A copy of ``records`` with ``code`` replaced by CERTIFIED, issued ``renewal_date``, expiring ``new_expiry``."""
    if code not in CERTIFICATIONS:
        raise ScenarioError(f"unknown certification {code!r}; use one of {', '.join(CERTIFICATIONS)}")
    if new_expiry < renewal_date:
        raise ScenarioError(f"the new expiry {new_expiry.isoformat()} is before the renewal date "
                            f"{renewal_date.isoformat()}; choose an expiry on or after it")
    old = records.get(code) or CertRecord(code, "NOT_STARTED", None, None, None, None)
    return {**records, code: replace(old, status="CERTIFIED", issued_date=renewal_date, expiry_date=new_expiry)}


def after_renewal_condition(rules: tuple[CertificationRule, ...], records: dict[str, CertRecord], code: str,
                            new_expiry: date, renewal_date: date) -> sa.ColumnElement[bool]:
    """SQL condition "still at risk after the renewal": blocked with the modified records, or
    blocked by ``code`` now and closing before ``renewal_date`` (the renewal comes too late)."""
    modified = renewed(records, code, new_expiry, renewal_date)
    too_late = sa.and_(blocked_condition(rules, records, only=code), qc.closes_before(renewal_date))
    return sa.or_(blocked_condition(rules, modified), too_late)


def renewal_what_if(conn: Connection, cfg: AppConfig, code: str, renewal_date: date, new_expiry: date,
                    scope: Scope = EVERYTHING, segments: tuple[str, ...] | None = None) -> RenewalWhatIf:
    """Released pipeline = ``pipeline_at_risk_cert`` now - the same figure with ``code`` renewed."""
    rules, records = cfg.rules.certification_rules, certification_records(conn, scope)
    after = after_renewal_condition(rules, records, code, new_expiry, renewal_date)
    pair = qc.at_risk_now_and_after(conn, blocked_condition(rules, records), after, scope, segments)
    return RenewalWhatIf(code, renewal_date, new_expiry, pair.amount_now, pair.amount_after,
                         pair.count_now, pair.count_after)


def default_renewal(as_of: date) -> tuple[date, date]:
    """Default what-if dates: renewal ``RENEWAL_LEAD_DAYS`` days after D, new expiry
    ``RENEWAL_YEARS`` years after the renewal."""
    renewal = as_of + timedelta(days=RENEWAL_LEAD_DAYS)
    return renewal, windows.minus_years(renewal, -RENEWAL_YEARS)


def certification_matrix(conn: Connection, as_of: date, cfg: AppConfig,
                         scope: Scope = EVERYTHING) -> list[CertificationRow]:
    """``status_matrix`` of the certification records in the database."""
    return status_matrix(certification_records(conn, scope), as_of, cfg.rules.expiring_soon_days)
