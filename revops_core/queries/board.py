"""Queries behind the board metrics of METRICS.md; each aggregates in the database.

Functions take a connection, the as-of date ``D`` and the caller's ``Scope`` (applied in SQL:
``account_visible`` / ``award_in_scope`` on account rows, ``book_wide`` on the company-wide
tables) and return plain numbers or small dicts. Formulas on top of these sums live in ``revops_core.board``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core import windows
from revops_core.config import CertificationRule
from revops_core.contract import SEGMENTS
from revops_core.queries.common import (T, Scope, account_in_scope, account_visible, book_wide, days_between, in_ttm,
                                        median_by, month_in_ttm)

EV_POWERTRAINS = ("BEV", "PHEV")


@dataclass(frozen=True)
class RevenueSums:
    total: float
    program: float
    subscription: float
    ev_program: float


def revenue_ttm(conn: Connection, as_of: date, scope: Scope) -> RevenueSums:
    """Revenue in TTM months: all, program (with an award), subscription, EV program."""
    r, a = T["revenue"], T["platform_awards"]
    is_ev = sa.and_(r.c.award_id.is_not(None), a.c.powertrain.in_(EV_POWERTRAINS))
    q = (sa.select(sa.func.coalesce(sa.func.sum(r.c.amount), 0.0),
                   sa.func.coalesce(sa.func.sum(sa.case((r.c.award_id.is_not(None), r.c.amount), else_=0.0)), 0.0),
                   sa.func.coalesce(sa.func.sum(sa.case((r.c.revenue_type == "SOFTWARE_SUBSCRIPTION", r.c.amount),
                                                        else_=0.0)), 0.0),
                   sa.func.coalesce(sa.func.sum(sa.case((is_ev, r.c.amount), else_=0.0)), 0.0))
         .select_from(r.outerjoin(a, r.c.award_id == a.c.award_id))
         .where(month_in_ttm(r.c.period, as_of), account_in_scope(r.c.account_id, scope)))
    row = conn.execute(q).one()
    return RevenueSums(*(float(v) for v in row))


def awards_won_ttm(conn: Connection, as_of: date, scope: Scope) -> float:
    """Sum of lifetime value of awards dated in TTM and not cancelled."""
    a = T["platform_awards"]
    q = sa.select(sa.func.coalesce(sa.func.sum(a.c.lifetime_value), 0.0)).where(
        in_ttm(a.c.award_date, as_of), a.c.status != "CANCELLED", award_in_scope(scope))
    return float(conn.execute(q).scalar_one())


def backlog_by_award(as_of: date, scope: Scope | None = None) -> sa.Select:
    """Per counted award: remaining backlog at D, floored at 0 (METRICS.md ``backlog``).

    Counted awards have ``award_date <= D`` and status AWARDED or IN_PRODUCTION. Remaining =
    lifetime value + approved ECO revenue decided by D - revenue in months starting by D.
    ``scope`` narrows to awards of accounts the caller may see (None or everything: all).
    """
    a, e, r = T["platform_awards"], T["ecos"], T["revenue"]
    eco = (sa.select(e.c.award_id, sa.func.sum(e.c.revenue_delta).label("eco"))
           .where(e.c.status == "APPROVED", e.c.decided_date <= as_of)
           .group_by(e.c.award_id).subquery())
    rev = (sa.select(r.c.award_id, sa.func.sum(r.c.amount).label("rev"))
           .where(r.c.award_id.is_not(None), r.c.period <= windows.month_str(as_of))
           .group_by(r.c.award_id).subquery())
    raw = a.c.lifetime_value + sa.func.coalesce(eco.c.eco, 0.0) - sa.func.coalesce(rev.c.rev, 0.0)
    remaining = sa.case((raw < 0, 0.0), else_=raw)
    return (sa.select(a.c.award_id, a.c.account_id, a.c.product_id, a.c.powertrain,
                      a.c.sop_date, a.c.eop_date, remaining.label("remaining"), raw.label("unfloored"))
            .select_from(a.outerjoin(eco, eco.c.award_id == a.c.award_id)
                         .outerjoin(rev, rev.c.award_id == a.c.award_id))
            .where(a.c.award_date <= as_of, a.c.status.in_(["AWARDED", "IN_PRODUCTION"]),
                   award_in_scope(scope)))


def award_in_scope(scope: Scope | None) -> sa.ColumnElement[bool]:
    """Awards whose account the scope may see (every award for None or everything); the one
    place a scope narrows award queries."""
    return account_in_scope(T["platform_awards"].c.account_id, scope or Scope())


def backlog_total(conn: Connection, as_of: date, scope: Scope) -> float:
    sub = backlog_by_award(as_of, scope).subquery()
    return float(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(sub.c.remaining), 0.0))).scalar_one())


def backlog_by_powertrain(conn: Connection, as_of: date, scope: Scope) -> dict[str, float]:
    sub = backlog_by_award(as_of, scope).subquery()
    q = sa.select(sub.c.powertrain, sa.func.sum(sub.c.remaining)).group_by(sub.c.powertrain)
    return {pt: float(v or 0.0) for pt, v in conn.execute(q)}


def _segment_join() -> sa.FromClause:
    o, acc = T["opportunities"], T["accounts"]
    return o.join(acc, o.c.account_id == acc.c.account_id)


@dataclass(frozen=True)
class WinCounts:
    won: int
    lost: int


def win_counts(conn: Connection, as_of: date, scope: Scope, rfq_only: bool = False) -> dict[str, WinCounts]:
    """Per segment: WON and LOST opportunities with close_date in TTM."""
    o, acc = T["opportunities"], T["accounts"]
    where = [in_ttm(o.c.close_date, as_of), o.c.status.in_(["WON", "LOST"]), account_visible(scope, acc)]
    if rfq_only:
        where.append(o.c.is_rfq.is_(True))
    q = (sa.select(acc.c.segment,
                   sa.func.sum(sa.case((o.c.status == "WON", 1), else_=0)),
                   sa.func.sum(sa.case((o.c.status == "LOST", 1), else_=0)))
         .select_from(_segment_join()).where(*where).group_by(acc.c.segment))
    found = {seg: WinCounts(int(w or 0), int(lo or 0)) for seg, w, lo in conn.execute(q)}
    return {seg: found.get(seg, WinCounts(0, 0)) for seg in SEGMENTS}


@dataclass(frozen=True)
class CoverageInputs:
    open_amount: float
    quota: float
    won: float


def coverage_inputs(conn: Connection, as_of: date, scope: Scope) -> dict[str, CoverageInputs]:
    """Per segment over horizon H: open pipeline in (D, end of H], quota for H, won in [start, D]."""
    o, acc, quo = T["opportunities"], T["accounts"], T["quotas"]
    h_start, h_end, labels = windows.horizon(as_of)
    open_amt = sa.case((sa.and_(o.c.status == "OPEN", o.c.close_date > as_of, o.c.close_date <= h_end), o.c.amount),
                       else_=0.0)
    won_amt = sa.case((sa.and_(o.c.status == "WON", o.c.close_date >= h_start, o.c.close_date <= as_of), o.c.amount),
                      else_=0.0)
    q = (sa.select(acc.c.segment, sa.func.sum(open_amt), sa.func.sum(won_amt))
         .select_from(_segment_join())
         .where(o.c.close_date >= h_start, o.c.close_date <= h_end, account_visible(scope, acc))
         .group_by(acc.c.segment))
    sums = {seg: (float(op or 0), float(w or 0)) for seg, op, w in conn.execute(q)}
    qq = (sa.select(quo.c.segment, sa.func.sum(quo.c.amount))
          .where(quo.c.period.in_(labels), book_wide(scope)).group_by(quo.c.segment))
    quotas = {seg: float(v or 0) for seg, v in conn.execute(qq)}
    return {seg: CoverageInputs(sums.get(seg, (0.0, 0.0))[0], quotas.get(seg, 0.0), sums.get(seg, (0.0, 0.0))[1])
            for seg in SEGMENTS}


def sales_cycle_median(conn: Connection, as_of: date, scope: Scope) -> dict[str, float | None]:
    """Per segment: median days from created to close of WON opportunities closed in TTM."""
    o, acc = T["opportunities"], T["accounts"]
    q = median_by(acc.c.segment, days_between(o.c.created_date, o.c.close_date),
                  sa.and_(o.c.status == "WON", in_ttm(o.c.close_date, as_of), account_visible(scope, acc)),
                  _segment_join())
    found = {seg: float(m) for seg, m in conn.execute(q) if m is not None}
    return {seg: found.get(seg) for seg in SEGMENTS}


@dataclass(frozen=True)
class EcoSums:
    requested: int
    approved_revenue: float
    approved: int
    rejected: int


def eco_sums(conn: Connection, as_of: date, scope: Scope) -> EcoSums:
    """ECOs requested in TTM; approved revenue and approved/rejected counts decided in TTM."""
    e, a = T["ecos"], T["platform_awards"]
    decided = in_ttm(e.c.decided_date, as_of)
    q = (sa.select(
        sa.func.sum(sa.case((in_ttm(e.c.requested_date, as_of), 1), else_=0)),
        sa.func.sum(sa.case((sa.and_(decided, e.c.status == "APPROVED"), e.c.revenue_delta), else_=0.0)),
        sa.func.sum(sa.case((sa.and_(decided, e.c.status == "APPROVED"), 1), else_=0)),
        sa.func.sum(sa.case((sa.and_(decided, e.c.status == "REJECTED"), 1), else_=0)))
        .select_from(e.join(a, a.c.award_id == e.c.award_id)).where(award_in_scope(scope)))
    req, rev, ok, rej = conn.execute(q).one()
    return EcoSums(int(req or 0), float(rev or 0.0), int(ok or 0), int(rej or 0))


@dataclass(frozen=True)
class ShipmentSums:
    shipped: int
    attached: int
    latest_month: str | None
    arr: float
    active: int


def shipment_sums(conn: Connection, as_of: date, scope: Scope) -> ShipmentSums:
    """TTM shipped/attached units; ARR and active subscriptions in the latest month <= D's month."""
    s = T["shipments"]
    shipped, attached = conn.execute(
        sa.select(sa.func.sum(s.c.units_shipped), sa.func.sum(s.c.units_attached))
        .where(month_in_ttm(s.c.period, as_of), book_wide(scope))).one()
    latest = conn.execute(sa.select(sa.func.max(s.c.period))
                          .where(s.c.period <= windows.month_str(as_of), book_wide(scope))).scalar()
    arr, active = (0.0, 0)
    if latest:
        arr, active = conn.execute(sa.select(sa.func.sum(s.c.subscription_arr), sa.func.sum(s.c.active_subscriptions))
                                   .where(s.c.period == latest)).one()
    return ShipmentSums(int(shipped or 0), int(attached or 0), latest, float(arr or 0.0), int(active or 0))


def active_headcount(conn: Connection, as_of: date, scope: Scope) -> dict[tuple[str, str], int]:
    """Active people at D by (role, segment): start <= D and (no end or end > D)."""
    h = T["headcount"]
    q = (sa.select(h.c.role, h.c.segment, sa.func.count())
         .where(h.c.start_date <= as_of, sa.or_(h.c.end_date.is_(None), h.c.end_date > as_of), book_wide(scope))
         .group_by(h.c.role, h.c.segment))
    return {(role, seg): int(n) for role, seg, n in conn.execute(q)}


@dataclass(frozen=True)
class CertRecord:
    certification: str
    status: str
    scope: str | None
    issued_date: date | None
    expiry_date: date | None
    next_audit_date: date | None

    def valid_on(self, day: date) -> bool:
        """Valid on X: status CERTIFIED and (no expiry or expiry >= X) (METRICS.md)."""
        return self.status == "CERTIFIED" and (self.expiry_date is None or self.expiry_date >= day)


def certification_records(conn: Connection, scope: Scope) -> dict[str, CertRecord]:
    """The company's certification records (METRICS.md ``certifications``): company-wide, so a
    narrowed scope gets none."""
    c = T["certifications"]
    rows = conn.execute(sa.select(c.c.certification, c.c.status, c.c.scope, c.c.issued_date,
                                  c.c.expiry_date, c.c.next_audit_date).where(book_wide(scope)))
    return {r[0]: CertRecord(*r) for r in rows}


def rule_condition(rule: CertificationRule) -> sa.ColumnElement[bool]:
    """SQL condition: the opportunity (joined to account and product) needs ``rule``'s cert."""
    acc, p = T["accounts"], T["products"]
    parts: list[sa.ColumnElement[bool]] = []
    if rule.account_segment:
        parts.append(acc.c.segment.in_(rule.account_segment))
    parts += [acc.c[flag].is_(True) for flag in rule.account]
    parts += [sa.and_(p.c.product_id.is_not(None), p.c[flag].is_(True)) for flag in rule.product]
    return sa.and_(*parts) if parts else sa.true()


def invalid_on_close(record: CertRecord | None) -> sa.ColumnElement[bool]:
    """SQL condition: the certification is not valid on the opportunity's close date."""
    o = T["opportunities"]
    if record is None or record.status != "CERTIFIED":
        return sa.true()
    if record.expiry_date is None:
        return sa.false()
    return o.c.close_date > record.expiry_date


def opportunity_join() -> sa.FromClause:
    """opportunities joined to their account and (optional) product."""
    o, acc, p = T["opportunities"], T["accounts"], T["products"]
    return o.join(acc, o.c.account_id == acc.c.account_id).outerjoin(p, o.c.product_id == p.c.product_id)


def blocked_condition(rules: tuple[CertificationRule, ...], certs: dict[str, CertRecord],
                      only: str | None = None) -> sa.ColumnElement[bool]:
    """SQL condition: some required certification (or ``only`` that one) is invalid at close."""
    parts = [sa.and_(rule_condition(rule), invalid_on_close(certs.get(rule.certification)))
             for rule in rules if only is None or rule.certification == only]
    return sa.or_(*parts) if parts else sa.false()


def pipeline_at_risk(conn: Connection, rules: tuple[CertificationRule, ...], scope: Scope,
                     certs: dict[str, CertRecord]) -> tuple[float, float]:
    """(at-risk open amount, total open amount) for ``pipeline_at_risk_cert``."""
    o = T["opportunities"]
    at_risk = sa.case((blocked_condition(rules, certs), o.c.amount), else_=0.0)
    q = (sa.select(sa.func.coalesce(sa.func.sum(at_risk), 0.0), sa.func.coalesce(sa.func.sum(o.c.amount), 0.0))
         .select_from(opportunity_join()).where(o.c.status == "OPEN", account_visible(scope, T["accounts"])))
    risk, total = conn.execute(q).one()
    return float(risk), float(total)


def expiring_window(as_of: date, days: int) -> tuple[date, date]:
    return as_of, as_of + timedelta(days=days)
