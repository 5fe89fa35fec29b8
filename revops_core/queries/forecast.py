"""Queries behind the forecast: category roll-ups, quotas, submissions and board locks.

Every builder is SQLAlchemy Core with bound parameters. Roll-ups group in the database; the
submission and lock tables are the product's own small tables, read as bounded row lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.queries.common import EVERYTHING, T, Scope, account_visible, book_wide
from revops_core.schema import forecast_locks, forecast_submissions

CLOSED_WON = "CLOSED_WON"
HISTORY_LIMIT = 5000


@dataclass(frozen=True)
class RollupRow:
    """One (segment, owner, category) cell of the roll-up: amount and opportunity count."""

    segment: str
    owner: str
    category: str
    amount: float
    opportunities: int


def category_case() -> sa.ColumnElement[str]:
    """Forecast category of an opportunity: ``CLOSED_WON`` when won, else its category (blank = PIPELINE)."""
    o = T["opportunities"]
    return sa.case((o.c.status == "WON", sa.literal(CLOSED_WON)),
                   else_=sa.func.coalesce(o.c.forecast_category, sa.literal("PIPELINE")))


def in_quarter(start: date, end: date, won_until: date) -> sa.ColumnElement[bool]:
    """OPEN opportunities closing in [start, end]; WON ones closed in [start, won_until]."""
    o = T["opportunities"]
    return sa.or_(sa.and_(o.c.status == "OPEN", o.c.close_date >= start, o.c.close_date <= end),
                  sa.and_(o.c.status == "WON", o.c.close_date >= start, o.c.close_date <= won_until))


def rollup_select(start: date, end: date, won_until: date, segments: tuple[str, ...],
                  scope: Scope = EVERYTHING) -> sa.Select:
    """Amount and count per segment, owner and category (grouped on a subquery, portable), over the
    opportunities of the accounts ``scope`` may see."""
    o, acc = T["opportunities"], T["accounts"]
    inner = (sa.select(acc.c.segment, o.c.owner, category_case().label("category"), o.c.amount)
             .select_from(o.join(acc, o.c.account_id == acc.c.account_id))
             .where(in_quarter(start, end, won_until), acc.c.segment.in_(segments), account_visible(scope, acc))
             .subquery())
    return (sa.select(inner.c.segment, inner.c.owner, inner.c.category,
                      sa.func.sum(inner.c.amount).label("amount"), sa.func.count().label("opportunities"))
            .group_by(inner.c.segment, inner.c.owner, inner.c.category)
            .order_by(inner.c.segment, inner.c.owner, inner.c.category))


def rollup_rows(conn: Connection, start: date, end: date, won_until: date, segments: tuple[str, ...],
                scope: Scope) -> list[RollupRow]:
    """The roll-up cells of one quarter, over the accounts ``scope`` may see."""
    rows = conn.execute(rollup_select(start, end, won_until, segments, scope)).all()
    return [RollupRow(r.segment, r.owner, r.category, float(r.amount or 0.0), int(r.opportunities))
            for r in rows]


def quotas(conn: Connection, quarter: str, segments: tuple[str, ...], scope: Scope = EVERYTHING) -> dict[str, float]:
    """``quotas.amount`` per segment for one ``YYYYQn`` period (segments without a row are absent);
    company-wide targets, so a narrowed scope gets none."""
    q = T["quotas"]
    rows = conn.execute(sa.select(q.c.segment, sa.func.sum(q.c.amount))
                        .where(q.c.period == quarter, q.c.segment.in_(segments), book_wide(scope))
                        .group_by(q.c.segment))
    return {seg: float(amount or 0.0) for seg, amount in rows}


# ---- submissions and locks -------------------------------------------------------------------
SUBMISSION_COLUMNS = ("submission_id", "segment", "quarter", "submitted_by", "submitted_on",
                      "commit_amount", "best_case_amount", "note")


def insert_submission(conn: Connection, values: dict[str, object]) -> int:
    """Append one submission row; returns its id."""
    return int(conn.execute(forecast_submissions.insert().values(**values)
                            .returning(forecast_submissions.c.submission_id)).scalar_one())


def submissions_select(quarter: str, segments: tuple[str, ...]) -> sa.Select:
    """Every submission of a quarter for the segments, oldest first (ties by id)."""
    s = forecast_submissions
    return (sa.select(*[s.c[c] for c in SUBMISSION_COLUMNS])
            .where(s.c.quarter == quarter, s.c.segment.in_(segments))
            .order_by(s.c.segment, s.c.submitted_on, s.c.submission_id).limit(HISTORY_LIMIT))


def latest_select(first: date | None, last: date | None) -> sa.Select:
    """Latest submission per (segment, quarter), optionally among those dated in [first, last]."""
    s = forecast_submissions
    rank = sa.func.row_number().over(partition_by=(s.c.segment, s.c.quarter),
                                     order_by=(s.c.submitted_on.desc(), s.c.submission_id.desc()))
    inner = sa.select(*[s.c[c] for c in SUBMISSION_COLUMNS], rank.label("rn"))
    if first is not None and last is not None:
        inner = inner.where(s.c.submitted_on >= first, s.c.submitted_on <= last)
    sub = inner.subquery()
    return (sa.select(*[sub.c[c] for c in SUBMISSION_COLUMNS]).where(sub.c.rn == 1)
            .order_by(sub.c.quarter, sub.c.segment))


def lock_row(conn: Connection, month: str) -> sa.Row | None:
    """The lock of a ``YYYY-MM`` month, if any."""
    return conn.execute(sa.select(forecast_locks).where(forecast_locks.c.month == month)).first()


def lock_rows(conn: Connection) -> list[sa.Row]:
    """Every board lock, most recent month first."""
    return list(conn.execute(sa.select(forecast_locks).order_by(forecast_locks.c.month.desc())))


def insert_lock(conn: Connection, month: str, locked_by: str, locked_on: date) -> None:
    conn.execute(forecast_locks.insert().values(month=month, locked_by=locked_by, locked_on=locked_on))
