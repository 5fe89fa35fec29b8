"""Queries behind the operating-cadence page (weekly huddle, monthly reconciliation).

Each function takes a connection, the as-of date ``D`` and the caller's ``Scope``, aggregates in
the database and returns a small frame or a bounded row list (LIMIT). Formulas on top of these
sums live in ``revops_core.cadence``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.queries.common import EVERYTHING, T, Scope, account_visible, book_wide, days_between

if TYPE_CHECKING:  # pandas is imported where a table is built, so `metrics` starts without it
    import pandas as pd

OPEN_ECO_STATUSES = ("REQUESTED", "NEGOTIATING")

ECO_QUEUE_COLUMNS = ("eco_id", "award_id", "account", "platform", "status", "requested_date",
                     "age_days", "revenue_delta")


def open_eco_queue(conn: Connection, as_of: date, scope: Scope, limit: int = 200) -> pd.DataFrame:
    """Open ECO queue at D, oldest first (issue 3 "open ECO queue with age").

    An ECO is open at D when its status is ``REQUESTED`` or ``NEGOTIATING``, its
    ``requested_date <= D`` and it has no ``decided_date`` on or before D. ``age_days`` is the
    whole number of days from ``requested_date`` to D, computed in SQL. ``account`` is the
    award's account name. At most ``limit`` rows.
    """
    e, a, acc = T["ecos"], T["platform_awards"], T["accounts"]
    d = sa.literal(as_of, sa.Date)
    age = sa.cast(days_between(e.c.requested_date, d), sa.Integer)
    q = (sa.select(e.c.eco_id, e.c.award_id, acc.c.name.label("account"), a.c.platform,
                   e.c.status, e.c.requested_date, age.label("age_days"), e.c.revenue_delta)
         .select_from(e.join(a, a.c.award_id == e.c.award_id)
                      .join(acc, acc.c.account_id == a.c.account_id))
         .where(e.c.status.in_(OPEN_ECO_STATUSES),
                e.c.requested_date <= as_of,
                sa.or_(e.c.decided_date.is_(None), e.c.decided_date > as_of),
                account_visible(scope, acc))
         .order_by(e.c.requested_date, e.c.eco_id)
         .limit(limit))
    rows = conn.execute(q).all()
    import pandas as pd

    df = pd.DataFrame([tuple(r) for r in rows], columns=list(ECO_QUEUE_COLUMNS))
    if not df.empty:
        df["age_days"] = df["age_days"].astype(int)
        df["revenue_delta"] = df["revenue_delta"].astype(float)
        df["requested_date"] = pd.to_datetime(df["requested_date"]).dt.date
    return df


TOP_OPPORTUNITY_COLUMNS = ("opportunity_id", "name", "account", "stage", "close_date", "amount", "owner",
                           "esa_owner", "forecast_category", "is_rfq")


def _open_at(as_of: date) -> sa.ColumnElement[bool]:
    """An opportunity open at D: status ``OPEN`` and created on or before D."""
    o = T["opportunities"]
    return sa.and_(o.c.status == "OPEN", o.c.created_date <= as_of)


def _opportunity_accounts() -> sa.FromClause:
    o, acc = T["opportunities"], T["accounts"]
    return o.join(acc, acc.c.account_id == o.c.account_id)


def top_open_opportunities(conn: Connection, as_of: date, scope: Scope, segment: str = "OEM",
                           limit: int = 25) -> pd.DataFrame:
    """The ``limit`` largest open opportunities of ``segment`` at D, by amount (largest first)."""
    o, acc = T["opportunities"], T["accounts"]
    cols = [o.c.opportunity_id, o.c.name, acc.c.name.label("account"), o.c.stage, o.c.close_date, o.c.amount,
            o.c.owner, o.c.esa_owner, o.c.forecast_category, o.c.is_rfq]
    q = (sa.select(*cols).select_from(_opportunity_accounts())
         .where(_open_at(as_of), acc.c.segment == segment, account_visible(scope, acc))
         .order_by(o.c.amount.desc(), o.c.close_date, o.c.opportunity_id).limit(limit))
    import pandas as pd

    df = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=list(TOP_OPPORTUNITY_COLUMNS))
    if not df.empty:
        df["amount"] = df["amount"].astype(float)
        df["close_date"] = pd.to_datetime(df["close_date"]).dt.date
    return df


@dataclass(frozen=True)
class PipelineSum:
    """Open pipeline of one segment (and stage, when grouped by stage)."""

    segment: str
    stage: str | None
    amount: float
    opportunities: int


def open_pipeline(conn: Connection, as_of: date, scope: Scope, segments: tuple[str, ...],
                  rfq_only: bool = False, by_stage: bool = False) -> list[PipelineSum]:
    """Sum of ``amount`` and count of opportunities open at D, per segment (and stage)."""
    o, acc = T["opportunities"], T["accounts"]
    keys = [acc.c.segment, o.c.stage] if by_stage else [acc.c.segment]
    where = [_open_at(as_of), acc.c.segment.in_(segments), account_visible(scope, acc)]
    if rfq_only:
        where.append(o.c.is_rfq.is_(True))
    q = (sa.select(*keys, sa.func.sum(o.c.amount), sa.func.count()).select_from(_opportunity_accounts())
         .where(*where).group_by(*keys).order_by(*keys))
    rows = conn.execute(q).all()
    if by_stage:
        return [PipelineSum(seg, stage, float(amt or 0.0), int(n)) for seg, stage, amt, n in rows]
    return [PipelineSum(seg, None, float(amt or 0.0), int(n)) for seg, amt, n in rows]


def missing_esa_count(conn: Connection, as_of: date, scope: Scope, segments: tuple[str, ...]) -> int:
    """Opportunities of ``segments`` open at D with no E-SA owner (blank or missing)."""
    o, acc = T["opportunities"], T["accounts"]
    q = (sa.select(sa.func.count()).select_from(_opportunity_accounts())
         .where(_open_at(as_of), acc.c.segment.in_(segments), account_visible(scope, acc),
                sa.or_(o.c.esa_owner.is_(None), sa.func.trim(o.c.esa_owner) == "")))
    return int(conn.execute(q).scalar_one())


@dataclass(frozen=True)
class AwardSum:
    amount: float
    awards: int


def awards_won_between(conn: Connection, start: date, end: date, scope: Scope) -> AwardSum:
    """Lifetime value and count of awards dated in [start, end], status not ``CANCELLED``."""
    a, acc = T["platform_awards"], T["accounts"]
    q = (sa.select(sa.func.coalesce(sa.func.sum(a.c.lifetime_value), 0.0), sa.func.count())
         .select_from(a.join(acc, acc.c.account_id == a.c.account_id))
         .where(a.c.award_date >= start, a.c.award_date <= end, a.c.status != "CANCELLED",
                account_visible(scope, acc)))
    amount, n = conn.execute(q).one()
    return AwardSum(float(amount), int(n))


def quota_total(conn: Connection, period: str, segments: tuple[str, ...],
                scope: Scope = EVERYTHING) -> float:
    """Sum of ``quotas.amount`` for one ``YYYYQn`` period over ``segments`` (company-wide targets:
    none for a narrowed scope)."""
    quo = T["quotas"]
    q = sa.select(sa.func.coalesce(sa.func.sum(quo.c.amount), 0.0)).where(
        quo.c.period == period, quo.c.segment.in_(segments), book_wide(scope))
    return float(conn.execute(q).scalar_one())


def approved_eco_revenue_by_month(conn: Connection, start: date, as_of: date,
                                  scope: Scope) -> dict[str, tuple[float, int]]:
    """``YYYY-MM`` -> (sum ``revenue_delta``, count) of ``APPROVED`` ECOs decided in [start, D]."""
    e, a, acc = T["ecos"], T["platform_awards"], T["accounts"]
    year, month = sa.extract("year", e.c.decided_date), sa.extract("month", e.c.decided_date)
    q = (sa.select(year, month, sa.func.sum(e.c.revenue_delta), sa.func.count())
         .select_from(e.join(a, a.c.award_id == e.c.award_id).join(acc, acc.c.account_id == a.c.account_id))
         .where(e.c.status == "APPROVED", e.c.decided_date >= start, e.c.decided_date <= as_of,
                account_visible(scope, acc))
         .group_by(year, month))
    return {f"{int(y):04d}-{int(m):02d}": (float(v or 0.0), int(n)) for y, m, v, n in conn.execute(q)}
