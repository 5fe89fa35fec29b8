"""Queries behind the backlog & platform awards page (METRICS.md "Backlog waterfall", board keys).

Every function takes a connection, dates and the caller's ``Scope``; it aggregates in the
database and returns plain numbers, a few grouped rows, or a bounded row list (LIMIT).
Formulas on top of these sums live in ``revops_core.backlog``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core import windows
from revops_core.contract import AWARD_STATUSES
from revops_core.queries import board as qb
from revops_core.queries.cadence import OPEN_ECO_STATUSES
from revops_core.queries.common import T, Scope, days_between, in_ttm

if TYPE_CHECKING:  # pandas is imported where a table is built, so `metrics` starts without it
    import pandas as pd

COUNTED = ("AWARDED", "IN_PRODUCTION")  # statuses whose awards carry backlog

AWARD_COLUMNS = ("award_id", "account", "segment", "platform", "powertrain", "award_date", "sop_date",
                 "eop_date", "lifetime_value", "remaining_backlog", "status", "ppap_status", "apqp_phase")
SOP_COLUMNS = ("award_id", "account", "platform", "powertrain", "sop_date", "days_to_sop", "ppap_status",
               "apqp_phase", "lifetime_value", "value_at_risk")


award_in_scope = qb.award_in_scope  # re-exported: award queries here and in board share it


# --- backlog at a date and the flows of a period -------------------------------------------------

@dataclass(frozen=True)
class BacklogSums:
    """``backlog`` at a date and the same sum before each award's floor at 0."""

    floored: float
    unfloored: float


def backlog_sums(conn: Connection, day: date, scope: Scope) -> BacklogSums:
    """METRICS.md ``backlog`` at ``day`` (floored per award) and its unfloored sum."""
    sub = qb.backlog_by_award(day, scope).subquery()
    row = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(sub.c.remaining), 0.0),
                                 sa.func.coalesce(sa.func.sum(sub.c.unfloored), 0.0))).one()
    return BacklogSums(float(row[0]), float(row[1]))


@dataclass(frozen=True)
class PeriodFlows:
    """Flows dated in [start, through], each by the award's current status.

    ``won``: lifetime value of awards dated in the period; ``eco``: approved ECO revenue decided
    in the period; ``revenue``: program revenue in months whose first day is in the period.
    ``timing``: for AWARDED / IN_PRODUCTION awards only, approved ECOs minus revenue that the
    backlog counts but the period bars do not: flows dated before ``start`` of awards dated in
    the period, less in-period flows of awards dated after ``through``.
    """

    won: dict[str, float]
    eco: dict[str, float]
    revenue: dict[str, float]
    timing: float


def _by_status(rows: Sequence[tuple]) -> dict[str, float]:
    found = {status: float(v or 0.0) for status, v, *_ in rows}
    return {s: found.get(s, 0.0) for s in AWARD_STATUSES}


def _timing(rows: Sequence[tuple]) -> float:
    return sum(float(before or 0.0) - float(after or 0.0) for status, _, before, after in rows if status in COUNTED)


def period_flows(conn: Connection, start: date, through: date, scope: Scope) -> PeriodFlows:
    """Awards won, approved ECO revenue and program revenue in [start, through], by award status."""
    a = T["platform_awards"]
    won = conn.execute(sa.select(a.c.status, sa.func.sum(a.c.lifetime_value))
                       .where(a.c.award_date >= start, a.c.award_date <= through, award_in_scope(scope))
                       .group_by(a.c.status)).all()
    eco, rev = _eco_flows(conn, start, through, scope), _revenue_flows(conn, start, through, scope)
    return PeriodFlows(_by_status(won), _by_status(eco), _by_status(rev), _timing(eco) - _timing(rev))


def _flow_sums(amount: sa.ColumnElement, in_period: sa.ColumnElement[bool], before_start: sa.ColumnElement[bool],
               start: date, through: date) -> list[sa.ColumnElement]:
    """Per award status: in-period sum, pre-period sum of awards dated in the period, in-period sum
    of awards dated after ``through`` (the last two feed ``PeriodFlows.timing``)."""
    a = T["platform_awards"]
    awarded_in = sa.and_(a.c.award_date >= start, a.c.award_date <= through)
    return [a.c.status, sa.func.sum(sa.case((in_period, amount), else_=0.0)),
            sa.func.sum(sa.case((sa.and_(awarded_in, before_start), amount), else_=0.0)),
            sa.func.sum(sa.case((sa.and_(a.c.award_date > through, in_period), amount), else_=0.0))]


def _eco_flows(conn: Connection, start: date, through: date, scope: Scope) -> Sequence[tuple]:
    a, e = T["platform_awards"], T["ecos"]
    in_period = sa.and_(e.c.decided_date >= start, e.c.decided_date <= through)
    q = (sa.select(*_flow_sums(e.c.revenue_delta, in_period, e.c.decided_date < start, start, through))
         .select_from(e.join(a, a.c.award_id == e.c.award_id))
         .where(e.c.status == "APPROVED", e.c.decided_date <= through, award_in_scope(scope)).group_by(a.c.status))
    return conn.execute(q).all()


def _revenue_flows(conn: Connection, start: date, through: date, scope: Scope) -> Sequence[tuple]:
    a, r = T["platform_awards"], T["revenue"]
    first, last = windows.month_str(start), windows.month_str(through)
    in_period = sa.and_(r.c.period >= first, r.c.period <= last)
    q = (sa.select(*_flow_sums(r.c.amount, in_period, r.c.period < first, start, through))
         .select_from(r.join(a, a.c.award_id == r.c.award_id))
         .where(r.c.award_id.is_not(None), r.c.period <= last, award_in_scope(scope)).group_by(a.c.status))
    return conn.execute(q).all()


def cancellations(conn: Connection, start: date, through: date, scope: Scope) -> float:
    """Undelivered value of CANCELLED awards whose cancellation falls in [start, through].

    The data holds no cancellation date, so a cancelled award is dated by what it holds: the
    month of its last program-revenue row, or its award date when it never recorded revenue.
    Its undelivered value is lifetime value + approved ECO revenue - all its program revenue,
    floored at 0. Each cancelled award thus counts once, in one period.
    """
    a, e, r = T["platform_awards"], T["ecos"], T["revenue"]
    rev = (sa.select(r.c.award_id, sa.func.max(r.c.period).label("last_month"), sa.func.sum(r.c.amount).label("rev"))
           .where(r.c.award_id.is_not(None)).group_by(r.c.award_id).subquery())
    eco = (sa.select(e.c.award_id, sa.func.sum(e.c.revenue_delta).label("eco"))
           .where(e.c.status == "APPROVED").group_by(e.c.award_id).subquery())
    raw = a.c.lifetime_value + sa.func.coalesce(eco.c.eco, 0.0) - sa.func.coalesce(rev.c.rev, 0.0)
    dated_in = sa.case(
        (rev.c.last_month.is_(None), sa.and_(a.c.award_date >= start, a.c.award_date <= through)),
        else_=sa.and_(rev.c.last_month >= windows.month_str(start), rev.c.last_month <= windows.month_str(through)))
    q = (sa.select(sa.func.coalesce(sa.func.sum(sa.case((raw < 0, 0.0), else_=raw)), 0.0))
         .select_from(a.outerjoin(rev, rev.c.award_id == a.c.award_id).outerjoin(eco, eco.c.award_id == a.c.award_id))
         .where(a.c.status == "CANCELLED", a.c.award_date <= through, dated_in, award_in_scope(scope)))
    return float(conn.execute(q).scalar_one())


# --- BRR at several quarter ends ------------------------------------------------------------------

def brr_inputs(conn: Connection, ends: Sequence[date], scope: Scope) -> list[tuple[float, float]]:
    """(awards_won_ttm, program_revenue_ttm) at each date of ``ends``, one pass per table."""
    if not ends:
        return []
    a, r = T["platform_awards"], T["revenue"]
    won = conn.execute(sa.select(*[
        sa.func.coalesce(sa.func.sum(sa.case((in_ttm(a.c.award_date, d), a.c.lifetime_value), else_=0.0)), 0.0)
        for d in ends]).where(a.c.status != "CANCELLED", award_in_scope(scope))).one()
    months = [windows.ttm_months(d) for d in ends]
    rev = conn.execute(sa.select(*[
        sa.func.coalesce(sa.func.sum(sa.case((sa.and_(r.c.period >= lo, r.c.period <= hi), r.c.amount),
                                             else_=0.0)), 0.0)
        for lo, hi in months])
        .select_from(r.join(a, a.c.award_id == r.c.award_id))
        .where(r.c.award_id.is_not(None), r.c.period >= min(lo for lo, _ in months), award_in_scope(scope))).one()
    return [(float(w), float(v)) for w, v in zip(won, rev)]


# --- awards table and SOP readiness ---------------------------------------------------------------

def _awards_from(as_of: date) -> tuple[sa.FromClause, sa.Subquery]:
    a, acc = T["platform_awards"], T["accounts"]
    left = qb.backlog_by_award(as_of).subquery()
    return (a.join(acc, acc.c.account_id == a.c.account_id)
            .outerjoin(left, left.c.award_id == a.c.award_id)), left


def _award_filters(statuses: Sequence[str] | None, powertrains: Sequence[str] | None,
                   accounts: Sequence[str] | None) -> list[sa.ColumnElement[bool]]:
    a = T["platform_awards"]
    where: list[sa.ColumnElement[bool]] = []
    if statuses:
        where.append(a.c.status.in_(list(statuses)))
    if powertrains:
        where.append(a.c.powertrain.in_(list(powertrains)))
    if accounts:
        where.append(a.c.account_id.in_(list(accounts)))
    return where


def awards_table(conn: Connection, as_of: date, scope: Scope, statuses: Sequence[str] | None = None,
                 powertrains: Sequence[str] | None = None, accounts: Sequence[str] | None = None,
                 limit: int = 1000) -> tuple[pd.DataFrame, int]:
    """Awards dated on or before D, filtered in SQL, largest remaining backlog first; and the total count.

    ``remaining_backlog`` is METRICS.md ``backlog`` per award at D (0 for completed or
    cancelled awards). Filters: award ``statuses``, ``powertrains`` and ``accounts`` (account ids).
    """
    a, acc = T["platform_awards"], T["accounts"]
    joined, left = _awards_from(as_of)
    where = [a.c.award_date <= as_of, award_in_scope(scope), *_award_filters(statuses, powertrains, accounts)]
    remaining = sa.func.coalesce(left.c.remaining, 0.0)
    q = (sa.select(a.c.award_id, acc.c.name.label("account"), acc.c.segment, a.c.platform, a.c.powertrain,
                   a.c.award_date, a.c.sop_date, a.c.eop_date, a.c.lifetime_value, remaining.label("remaining_backlog"),
                   a.c.status, a.c.ppap_status, a.c.apqp_phase)
         .select_from(joined).where(*where)
         .order_by(remaining.desc(), a.c.lifetime_value.desc(), a.c.award_id).limit(limit))
    total = conn.execute(sa.select(sa.func.count()).select_from(a).where(*where)).scalar_one()
    return _frame(conn.execute(q).all(), AWARD_COLUMNS), int(total)


def award_accounts(conn: Connection, scope: Scope) -> dict[str, str]:
    """Account id -> name of every account holding an award (for the account filter)."""
    a, acc = T["platform_awards"], T["accounts"]
    q = (sa.select(acc.c.account_id, acc.c.name)
         .where(acc.c.account_id.in_(sa.select(a.c.account_id).where(award_in_scope(scope))))
         .order_by(acc.c.name, acc.c.account_id))
    return {aid: name for aid, name in conn.execute(q)}


def sop_readiness(conn: Connection, as_of: date, scope: Scope, window_days: int = 365,
                  limit: int = 200) -> pd.DataFrame:
    """Backlog-carrying awards with SOP in [D, D + window] whose PPAP is not APPROVED.

    Ranked by value at risk = the award's remaining backlog at D (METRICS.md ``backlog``).
    """
    a, acc = T["platform_awards"], T["accounts"]
    left = qb.backlog_by_award(as_of).subquery()
    days = sa.cast(days_between(sa.literal(as_of, sa.Date), a.c.sop_date), sa.Integer)
    q = (sa.select(a.c.award_id, acc.c.name.label("account"), a.c.platform, a.c.powertrain, a.c.sop_date,
                   days.label("days_to_sop"), a.c.ppap_status, a.c.apqp_phase, a.c.lifetime_value,
                   left.c.remaining.label("value_at_risk"))
         .select_from(left.join(a, a.c.award_id == left.c.award_id).join(acc, acc.c.account_id == a.c.account_id))
         .where(a.c.sop_date >= as_of, a.c.sop_date <= as_of + timedelta(days=window_days),
                a.c.ppap_status != "APPROVED", award_in_scope(scope))
         .order_by(left.c.remaining.desc(), a.c.sop_date, a.c.award_id).limit(limit))
    return _frame(conn.execute(q).all(), SOP_COLUMNS)


def _frame(rows: Sequence[tuple], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame([tuple(r) for r in rows], columns=list(columns))
    for col in ("lifetime_value", "remaining_backlog", "value_at_risk"):
        if col in df:
            df[col] = df[col].astype(float)
    for col in ("award_date", "sop_date", "eop_date"):
        if col in df and len(df):
            df[col] = pd.to_datetime(df[col]).dt.date
    return df


# --- ECO dynamics ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EcoCounts:
    active_awards: int          # awards carrying backlog at D
    requested_on_active: int    # ECOs requested in TTM on those awards
    approved: int               # decided in TTM
    rejected: int               # decided in TTM
    approved_revenue: float     # approved, decided in TTM
    open_at_d: int              # REQUESTED / NEGOTIATING, requested by D, not decided by D


def eco_counts(conn: Connection, as_of: date, scope: Scope) -> EcoCounts:
    """The ECO dynamics figures at D, counted in SQL."""
    a, e = T["platform_awards"], T["ecos"]
    active = sa.and_(a.c.award_date <= as_of, a.c.status.in_(COUNTED))
    n_active = conn.execute(sa.select(sa.func.count()).where(active, award_in_scope(scope))).scalar_one()
    decided = in_ttm(e.c.decided_date, as_of)
    ok, rej = sa.and_(decided, e.c.status == "APPROVED"), sa.and_(decided, e.c.status == "REJECTED")
    is_open = sa.and_(e.c.status.in_(OPEN_ECO_STATUSES), e.c.requested_date <= as_of,
                      sa.or_(e.c.decided_date.is_(None), e.c.decided_date > as_of))
    row = conn.execute(sa.select(
        sa.func.sum(sa.case((sa.and_(active, in_ttm(e.c.requested_date, as_of)), 1), else_=0)),
        sa.func.sum(sa.case((ok, 1), else_=0)), sa.func.sum(sa.case((rej, 1), else_=0)),
        sa.func.sum(sa.case((ok, e.c.revenue_delta), else_=0.0)), sa.func.sum(sa.case((is_open, 1), else_=0)))
        .select_from(e.join(a, a.c.award_id == e.c.award_id)).where(award_in_scope(scope))).one()
    req, n_ok, n_rej, rev, n_open = row
    return EcoCounts(int(n_active), int(req or 0), int(n_ok or 0), int(n_rej or 0), float(rev or 0.0), int(n_open or 0))


def approved_eco_by_month(conn: Connection, start: date, through: date, scope: Scope) -> list[tuple[int, int, float]]:
    """(year, month, approved ECO revenue) decided in [start, through], grouped in SQL."""
    a, e = T["platform_awards"], T["ecos"]
    year, month = sa.extract("year", e.c.decided_date), sa.extract("month", e.c.decided_date)
    q = (sa.select(year.label("y"), month.label("m"), sa.func.sum(e.c.revenue_delta))
         .select_from(e.join(a, a.c.award_id == e.c.award_id))
         .where(e.c.status == "APPROVED", e.c.decided_date >= start, e.c.decided_date <= through,
                award_in_scope(scope))
         .group_by(year, month).order_by(year, month))
    return [(int(y), int(m), float(v or 0.0)) for y, m, v in conn.execute(q)]
