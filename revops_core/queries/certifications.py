"""Queries behind certifications as pipeline gates (METRICS.md "Board metrics": ``certifications``,
``pipeline_at_risk_cert``).

Every sum runs in the database on ``opportunity_join()`` (opportunities + account + optional
product) with the conditions of ``queries.board``: ``blocked_condition(rules, certs, only=code)``
is "the opportunity needs ``code`` and ``code`` is not valid on its close date". The
certification records are an argument, so a what-if passes a modified dict to the same SQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.config import CertificationRule
from revops_core.contract import CERTIFICATIONS
from revops_core.queries.board import CertRecord, blocked_condition, opportunity_join
from revops_core.queries.common import T, Scope, account_in_scope, account_visible

PRODUCT_FLAGS = ("hardware", "safety_critical", "connected", "ota", "cloud_service")


@dataclass(frozen=True)
class ProductFlags:
    """A product and the boolean columns certification rules test."""

    product_id: str
    name: str
    category: str
    flags: frozenset[str]


def products(conn: Connection, scope: Scope, limit: int = 500) -> list[ProductFlags]:
    """The product catalogue (a small dimension table), by name, at most ``limit`` rows; a narrowed
    scope sees the products of its own opportunities and awards only."""
    p = T["products"]
    q = (sa.select(p.c.product_id, p.c.name, p.c.category, *[p.c[f] for f in PRODUCT_FLAGS])
         .where(_product_in_scope(scope)).order_by(p.c.name, p.c.product_id).limit(limit))
    return [ProductFlags(r[0], r[1], r[2], frozenset(f for f, v in zip(PRODUCT_FLAGS, r[3:]) if v))
            for r in conn.execute(q)]


def _product_in_scope(scope: Scope) -> sa.ColumnElement[bool]:
    """Every product for the whole book; else the products of the scope's opportunities or awards."""
    if scope.whole_book:
        return sa.true()
    o, a, p = T["opportunities"], T["platform_awards"], T["products"]
    return sa.or_(p.c.product_id.in_(sa.select(o.c.product_id).where(account_in_scope(o.c.account_id, scope))),
                  p.c.product_id.in_(sa.select(a.c.product_id).where(account_in_scope(a.c.account_id, scope))))


def _open_where(scope: Scope, segments: tuple[str, ...] | None) -> sa.ColumnElement[bool]:
    """OPEN opportunities, narrowed to ``segments`` (None = all) and the caller's scope."""
    o, acc = T["opportunities"], T["accounts"]
    parts = [o.c.status == "OPEN", account_visible(scope, acc)]
    if segments is not None:
        parts.append(acc.c.segment.in_(segments))
    return sa.and_(*parts)


def _sum_count(cond: sa.ColumnElement[bool]) -> tuple[sa.ColumnElement, sa.ColumnElement]:
    o = T["opportunities"]
    return (sa.func.coalesce(sa.func.sum(sa.case((cond, o.c.amount), else_=0.0)), 0.0),
            sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0))


@dataclass(frozen=True)
class BlockedSums:
    """Open pipeline blocked per certification and in total (each opportunity once)."""

    amount: dict[str, float]
    count: dict[str, int]
    total_amount: float
    total_count: int
    open_amount: float
    open_count: int


def blocked_sums(conn: Connection, rules: tuple[CertificationRule, ...], certs: dict[str, CertRecord],
                 scope: Scope, segments: tuple[str, ...] | None = None) -> BlockedSums:
    """Per certification: sum and count of OPEN opportunities it blocks; plus the de-duplicated
    total (``pipeline_at_risk_cert``) and the whole open pipeline, in one query.

    An opportunity blocked by two certifications counts under each, once in the total.
    """
    cols: list[sa.ColumnElement] = []
    for code in CERTIFICATIONS:
        cols += _sum_count(blocked_condition(rules, certs, only=code))
    cols += _sum_count(blocked_condition(rules, certs))
    cols += _sum_count(sa.true())
    row = conn.execute(sa.select(*cols).select_from(opportunity_join()).where(_open_where(scope, segments))).one()
    n = len(CERTIFICATIONS)
    return BlockedSums(
        amount={code: float(row[2 * i]) for i, code in enumerate(CERTIFICATIONS)},
        count={code: int(row[2 * i + 1]) for i, code in enumerate(CERTIFICATIONS)},
        total_amount=float(row[2 * n]), total_count=int(row[2 * n + 1]),
        open_amount=float(row[2 * n + 2]), open_count=int(row[2 * n + 3]))


def blocked_rows(conn: Connection, rules: tuple[CertificationRule, ...], certs: dict[str, CertRecord],
                 scope: Scope, only: str | None = None, segments: tuple[str, ...] | None = None,
                 limit: int = 200) -> tuple[pd.DataFrame, int]:
    """The open opportunities blocked by ``only`` (None: by any certification), largest first,
    at most ``limit`` rows, with one 0/1 column ``blocks_<CODE>`` per certification; and the
    total number of such opportunities.
    """
    o, acc, p = T["opportunities"], T["accounts"], T["products"]
    where = sa.and_(_open_where(scope, segments), blocked_condition(rules, certs, only=only))
    flags = [sa.case((blocked_condition(rules, certs, only=code), 1), else_=0).label(f"blocks_{code}")
             for code in CERTIFICATIONS]
    cols = [o.c.opportunity_id, acc.c.name.label("account"), p.c.name.label("product"), o.c.amount,
            o.c.close_date, o.c.stage, acc.c.segment, o.c.owner, *flags]
    q = (sa.select(*cols).select_from(opportunity_join()).where(where)
         .order_by(o.c.amount.desc(), o.c.opportunity_id).limit(limit))
    total = conn.execute(sa.select(sa.func.count()).select_from(opportunity_join()).where(where)).scalar_one()
    frame = pd.DataFrame(conn.execute(q).all(), columns=[c.name for c in cols])
    return frame, int(total)


@dataclass(frozen=True)
class AtRiskPair:
    """Open pipeline at risk under two sets of conditions (now and after a what-if)."""

    amount_now: float
    count_now: int
    amount_after: float
    count_after: int


def at_risk_now_and_after(conn: Connection, now: sa.ColumnElement[bool], after: sa.ColumnElement[bool],
                          scope: Scope, segments: tuple[str, ...] | None = None) -> AtRiskPair:
    """Sum and count of OPEN opportunities meeting ``now`` and meeting ``after`` (one query)."""
    row = conn.execute(sa.select(*_sum_count(now), *_sum_count(after))
                       .select_from(opportunity_join()).where(_open_where(scope, segments))).one()
    return AtRiskPair(float(row[0]), int(row[1]), float(row[2]), int(row[3]))


def closes_before(day: date) -> sa.ColumnElement[bool]:
    """SQL condition: the opportunity's (expected) close date is before ``day``."""
    return T["opportunities"].c.close_date < day
