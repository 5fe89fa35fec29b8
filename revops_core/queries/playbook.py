"""Queries behind the playbook metrics of METRICS.md ("Playbook metrics beyond the board table").

Every function takes a connection, dates and the caller's ``Scope``, narrows its rows to the
accounts the scope may see (in SQL) and returns plain sums or a few grouped rows. Formulas on
top of these sums live in ``revops_core.playbook``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from revops_core import windows
from revops_core.queries import board as qb
from revops_core.queries.common import T, Scope, account_in_scope, days_between, in_ttm, month_in_ttm

ESA_SEGMENTS = ("OEM", "TIER1")


def _sum(expr: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(expr), 0.0)


def revenue_ytd(conn: Connection, as_of: date, scope: Scope) -> float:
    """Revenue (all types) in D's calendar year from January to D's month (``revenue_run_rate``)."""
    r = T["revenue"]
    q = sa.select(_sum(r.c.amount)).where(r.c.period >= f"{as_of.year:04d}-01",
                                          r.c.period <= windows.month_str(as_of),
                                          account_in_scope(r.c.account_id, scope))
    return float(conn.execute(q).scalar_one())


@dataclass(frozen=True)
class EsaCounts:
    """WON and LOST OEM / Tier-1 opportunities closed in TTM, with and without an E-SA."""

    won_with: int
    lost_with: int
    won_without: int
    lost_without: int


def esa_counts(conn: Connection, as_of: date, scope: Scope) -> EsaCounts:
    """Counts behind ``esa_lift``; a blank ``esa_owner`` (NULL or empty) means no E-SA."""
    o, acc = T["opportunities"], T["accounts"]
    has = sa.and_(o.c.esa_owner.is_not(None), o.c.esa_owner != "")
    cells = [(has, "WON"), (has, "LOST"), (sa.not_(has), "WON"), (sa.not_(has), "LOST")]
    q = (sa.select(*[sa.func.coalesce(sa.func.sum(sa.case((sa.and_(cond, o.c.status == st), 1), else_=0)), 0)
                     for cond, st in cells])
         .select_from(o.join(acc, o.c.account_id == acc.c.account_id))
         .where(acc.c.segment.in_(ESA_SEGMENTS), o.c.status.in_(["WON", "LOST"]), in_ttm(o.c.close_date, as_of),
                account_in_scope(o.c.account_id, scope)))
    return EsaCounts(*(int(v) for v in conn.execute(q).one()))


def median_of(value: sa.ColumnElement, where: ColumnElement[bool], select_from: sa.FromClause) -> sa.Select:
    """The median of ``value`` over the rows of ``select_from`` matching ``where`` (NULL when none)."""
    inner = (sa.select(value.label("val"), sa.func.row_number().over(order_by=value).label("rn"),
                       sa.func.count().over().label("cnt"))
             .select_from(select_from).where(where).subquery())
    return (sa.select(sa.func.avg(inner.c.val))
            .where(inner.c.rn.in_([(inner.c.cnt + 1) // 2, (inner.c.cnt + 2) // 2])))


def award_to_sop_days(conn: Connection, as_of: date, scope: Scope) -> float | None:
    """Median days from ``award_date`` to ``sop_date`` of awards dated in TTM (any status)."""
    a = T["platform_awards"]
    q = median_of(days_between(a.c.award_date, a.c.sop_date),
                  sa.and_(in_ttm(a.c.award_date, as_of), qb.award_in_scope(scope)), a)
    value = conn.execute(q).scalar()
    return None if value is None else float(value)


def eco_margin_ttm(conn: Connection, as_of: date, scope: Scope) -> float:
    """Sum of (revenue_delta - cost_delta) of APPROVED ECOs decided in TTM."""
    e, a = T["ecos"], T["platform_awards"]
    q = (sa.select(_sum(e.c.revenue_delta - e.c.cost_delta))
         .select_from(e.join(a, a.c.award_id == e.c.award_id))
         .where(e.c.status == "APPROVED", in_ttm(e.c.decided_date, as_of), qb.award_in_scope(scope)))
    return float(conn.execute(q).scalar_one())


@dataclass(frozen=True)
class OemRow:
    account_id: str
    name: str
    backlog: float
    backlog_year_before: float
    program_revenue_ttm: float


@dataclass(frozen=True)
class MixTotals:
    """The denominators of ``oem_mix``: ``backlog`` at D and a year before, ``program_revenue_ttm``."""

    backlog: float
    backlog_year_before: float
    program_revenue_ttm: float


def _backlog_by_account(day: date, scope: Scope) -> sa.Subquery:
    sub = qb.backlog_by_award(day, scope).subquery()
    return (sa.select(sub.c.account_id, sa.func.sum(sub.c.remaining).label("amount"))
            .group_by(sub.c.account_id).subquery())


def _program_revenue_by_account(as_of: date, scope: Scope) -> sa.Subquery:
    r = T["revenue"]
    return (sa.select(r.c.account_id, sa.func.sum(r.c.amount).label("amount"))
            .where(r.c.award_id.is_not(None), month_in_ttm(r.c.period, as_of),
                   account_in_scope(r.c.account_id, scope))
            .group_by(r.c.account_id).subquery())


def oem_rows(conn: Connection, as_of: date, scope: Scope) -> list[OemRow]:
    """Per OEM account with backlog now or a year before, or program revenue in TTM: those three
    sums, largest backlog first."""
    acc = T["accounts"]
    now, before = _backlog_by_account(as_of, scope), _backlog_by_account(windows.minus_years(as_of), scope)
    rev = _program_revenue_by_account(as_of, scope)
    b_now, b_before = sa.func.coalesce(now.c.amount, 0.0), sa.func.coalesce(before.c.amount, 0.0)
    r_now = sa.func.coalesce(rev.c.amount, 0.0)
    q = (sa.select(acc.c.account_id, acc.c.name, b_now, b_before, r_now)
         .select_from(acc.outerjoin(now, now.c.account_id == acc.c.account_id)
                      .outerjoin(before, before.c.account_id == acc.c.account_id)
                      .outerjoin(rev, rev.c.account_id == acc.c.account_id))
         .where(acc.c.segment == "OEM", account_in_scope(acc.c.account_id, scope),
                sa.or_(b_now > 0, b_before > 0, r_now != 0))
         .order_by(b_now.desc(), acc.c.account_id))
    return [OemRow(str(i), str(n), float(b), float(bb), float(r)) for i, n, b, bb, r in conn.execute(q)]


def mix_totals(conn: Connection, as_of: date, scope: Scope) -> MixTotals:
    """Total backlog at D and a year before, and program revenue in TTM, within the scope."""
    return MixTotals(qb.backlog_total(conn, as_of, scope),
                     qb.backlog_total(conn, windows.minus_years(as_of), scope),
                     qb.revenue_ttm(conn, as_of, scope).program)   # the board's own program revenue


def ev_program_revenue(conn: Connection, ends: Sequence[date], scope: Scope) -> list[tuple[float, float]]:
    """(EV program revenue, program revenue) in the TTM months of each date of ``ends``, one pass."""
    if not ends:
        return []
    r, a = T["revenue"], T["platform_awards"]
    months = [windows.ttm_months(d) for d in ends]
    is_ev = a.c.powertrain.in_(qb.EV_POWERTRAINS)
    cols = []
    for lo, hi in months:
        in_window = sa.and_(r.c.period >= lo, r.c.period <= hi)
        cols += [_sum(sa.case((sa.and_(in_window, is_ev), r.c.amount), else_=0.0)),
                 _sum(sa.case((in_window, r.c.amount), else_=0.0))]
    q = (sa.select(*cols).select_from(r.join(a, a.c.award_id == r.c.award_id))
         .where(r.c.award_id.is_not(None), r.c.period >= min(lo for lo, _ in months),
                r.c.period <= max(hi for _, hi in months), qb.award_in_scope(scope)))
    row = [float(v) for v in conn.execute(q).one()]
    return [(row[i], row[i + 1]) for i in range(0, len(row), 2)]
