"""Queries behind pipeline change: a baseline snapshot against the live opportunities table.

The comparison is a full outer join on ``opportunity_id``, written as two left joins and a
UNION ALL (SQLite has no FULL OUTER JOIN): the baseline's open rows left-joined to the live
table, plus the live open rows that the baseline does not hold. Each row carries its
category and ``delta`` = open amount now - open amount in the baseline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.queries.common import EVERYTHING, T, Scope, account_in_scope
from revops_core.schema import pipeline_snapshot_rows, pipeline_snapshots

SNAPSHOT_LIMIT = 100
ROW_COLUMNS = ("opportunity_id", "account_id", "prev_stage", "stage", "prev_amount", "amount_now",
               "open_amount", "prev_close_date", "close_date", "status", "category")


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: int
    taken_at: datetime
    source: str
    opportunities: int
    amount: float


@dataclass(frozen=True)
class CategorySum:
    category: str
    opportunities: int
    delta: float
    prev_amount: float
    open_amount: float
    still_open: int


def snapshots(conn: Connection, limit: int = SNAPSHOT_LIMIT) -> list[SnapshotInfo]:
    """The latest snapshots, newest first, with their open-pipeline count and amount."""
    r = pipeline_snapshot_rows
    s = sa.select(pipeline_snapshots).order_by(pipeline_snapshots.c.snapshot_id.desc()).limit(limit).subquery()
    q = (sa.select(s.c.snapshot_id, s.c.taken_at, s.c.source, sa.func.count(r.c.opportunity_id),
                   sa.func.coalesce(sa.func.sum(r.c.amount), 0.0))
         .select_from(s.outerjoin(r, r.c.snapshot_id == s.c.snapshot_id))
         .group_by(s.c.snapshot_id, s.c.taken_at, s.c.source)
         .order_by(s.c.snapshot_id.desc()))
    return [SnapshotInfo(int(i), t, src, int(n), float(a)) for i, t, src, n, a in conn.execute(q)]


def latest_snapshot_id(conn: Connection) -> int | None:
    return conn.execute(sa.select(sa.func.max(pipeline_snapshots.c.snapshot_id))).scalar()


def _category() -> sa.ColumnElement[str]:
    s, o = pipeline_snapshot_rows, T["opportunities"]
    return sa.case(
        (o.c.opportunity_id.is_(None), sa.literal("REMOVED")),
        (o.c.status == "WON", sa.literal("WON")),
        (o.c.status == "LOST", sa.literal("LOST")),
        (o.c.amount > s.c.amount, sa.literal("AMOUNT_UP")),
        (o.c.amount < s.c.amount, sa.literal("AMOUNT_DOWN")),
        (o.c.close_date < s.c.close_date, sa.literal("PULLED_IN")),
        (o.c.close_date > s.c.close_date, sa.literal("PUSHED_OUT")),
        else_=sa.literal("UNCHANGED"))


def _baseline_side(baseline_id: int) -> sa.Select:
    """Left join 1: every open row of the baseline, with the live row when it still exists."""
    s, o = pipeline_snapshot_rows, T["opportunities"]
    open_now = sa.case((o.c.status == "OPEN", o.c.amount), else_=sa.literal(0.0, sa.Float))
    return (sa.select(s.c.opportunity_id, sa.func.coalesce(o.c.account_id, s.c.account_id).label("account_id"),
                      s.c.stage.label("prev_stage"), o.c.stage, s.c.amount.label("prev_amount"),
                      o.c.amount.label("amount_now"), open_now.label("open_amount"),
                      s.c.close_date.label("prev_close_date"), o.c.close_date, o.c.status,
                      _category().label("category"))
            .select_from(s.outerjoin(o, o.c.opportunity_id == s.c.opportunity_id))
            .where(s.c.snapshot_id == baseline_id, s.c.status == "OPEN"))


def _new_side(baseline_id: int) -> sa.Select:
    """Left join 2 (anti-join): live open rows the baseline does not hold."""
    s, o = pipeline_snapshot_rows, T["opportunities"]
    on = sa.and_(s.c.opportunity_id == o.c.opportunity_id, s.c.snapshot_id == baseline_id, s.c.status == "OPEN")
    return (sa.select(o.c.opportunity_id, o.c.account_id, sa.cast(sa.null(), sa.String(200)).label("prev_stage"),
                      o.c.stage, sa.literal(0.0, sa.Float).label("prev_amount"), o.c.amount.label("amount_now"),
                      o.c.amount.label("open_amount"), sa.cast(sa.null(), sa.Date).label("prev_close_date"),
                      o.c.close_date, o.c.status, sa.literal("NEW").label("category"))
            .select_from(o.outerjoin(s, on))
            .where(o.c.status == "OPEN", s.c.opportunity_id.is_(None)))


def change_rows(baseline_id: int, segments: tuple[str, ...] | None, scope: Scope = EVERYTHING) -> sa.Subquery:
    """The compared rows (full outer join emulated), with segment, account name and delta, of the
    accounts ``scope`` may see.

    ``segments`` None keeps every row (also those whose account is no longer known, for the
    whole book only).
    """
    u = sa.union_all(_baseline_side(baseline_id), _new_side(baseline_id)).subquery("u")
    acc = T["accounts"]
    q = (sa.select(*[u.c[c] for c in ROW_COLUMNS], acc.c.segment, acc.c.name.label("account"),
                   (u.c.open_amount - u.c.prev_amount).label("delta"))
         .select_from(u.outerjoin(acc, acc.c.account_id == u.c.account_id)))
    if segments is not None:
        q = q.where(acc.c.segment.in_(segments))
    return q.where(account_in_scope(u.c.account_id, scope)).subquery("change")


def category_sums(conn: Connection, baseline_id: int, segments: tuple[str, ...] | None,
                  scope: Scope) -> list[CategorySum]:
    """Per category: count, sum of delta, baseline amount, open amount now, rows still open."""
    c = change_rows(baseline_id, segments, scope)
    still_open = sa.func.sum(sa.case((c.c.status == "OPEN", 1), else_=0))
    q = (sa.select(c.c.category, sa.func.count(), sa.func.sum(c.c.delta), sa.func.sum(c.c.prev_amount),
                   sa.func.sum(c.c.open_amount), still_open)
         .group_by(c.c.category).order_by(c.c.category))
    return [CategorySum(cat, int(n), float(d or 0), float(p or 0), float(o or 0), int(k or 0))
            for cat, n, d, p, o, k in conn.execute(q)]


def category_rows(conn: Connection, baseline_id: int, category: str, segments: tuple[str, ...] | None,
                  scope: Scope, limit: int) -> list[sa.Row]:
    """The opportunities of one category, largest change first (bounded by ``limit``)."""
    c = change_rows(baseline_id, segments, scope)
    cols = [c.c.opportunity_id, c.c.account, c.c.segment, c.c.prev_stage, c.c.stage, c.c.status,
            c.c.prev_amount, c.c.amount_now, c.c.delta, c.c.prev_close_date, c.c.close_date]
    q = (sa.select(*cols).where(c.c.category == category)
         .order_by(sa.func.abs(c.c.delta).desc(), c.c.prev_amount.desc(), c.c.amount_now.desc(), c.c.opportunity_id)
         .limit(limit))
    return list(conn.execute(q))
