"""Queries behind the connected-vehicle & software page: monthly sums, grouped by period in SQL.

Each function takes a connection, a month range (``YYYY-MM``, inclusive) and the caller's
``Scope``, and returns one small row per month that has data. Formulas on top of these sums
(attach rate, TTM attach, ARR per vehicle, subscription share) live in ``revops_core.software``.

Shipments carry no account: they are company-wide, so a narrowed scope sees none of them
(``book_wide``); revenue is narrowed through its account (``account_visible``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core import windows
from revops_core.queries.common import T, Scope, account_visible, book_wide


@dataclass(frozen=True)
class ShipmentMonth:
    """Sums over every product for one month of ``shipments``."""

    period: str
    units_shipped: int
    units_attached: int
    active_subscriptions: int
    subscription_arr: float


@dataclass(frozen=True)
class RevenueMonth:
    """Revenue of one month: all types, ``HARDWARE`` and ``SOFTWARE_SUBSCRIPTION``."""

    period: str
    total: float
    hardware: float
    subscription: float


def shipment_months(conn: Connection, first: str, last: str, scope: Scope) -> list[ShipmentMonth]:
    """Per month in [first, last]: sums of units shipped/attached, active subscriptions and ARR."""
    s = T["shipments"]
    q = (sa.select(s.c.period, sa.func.sum(s.c.units_shipped), sa.func.sum(s.c.units_attached),
                   sa.func.sum(s.c.active_subscriptions), sa.func.sum(s.c.subscription_arr))
         .where(s.c.period >= first, s.c.period <= last, book_wide(scope))
         .group_by(s.c.period).order_by(s.c.period))
    return [ShipmentMonth(p, int(sh or 0), int(at or 0), int(ac or 0), float(arr or 0.0))
            for p, sh, at, ac, arr in conn.execute(q)]


def revenue_months(conn: Connection, first: str, last: str, scope: Scope) -> list[RevenueMonth]:
    """Per month in [first, last]: total, hardware and software-subscription revenue."""
    r, acc = T["revenue"], T["accounts"]

    def of_type(kind: str) -> sa.ColumnElement[float]:
        return sa.func.sum(sa.case((r.c.revenue_type == kind, r.c.amount), else_=0.0))

    q = (sa.select(r.c.period, sa.func.sum(r.c.amount), of_type("HARDWARE"), of_type("SOFTWARE_SUBSCRIPTION"))
         .select_from(r.join(acc, acc.c.account_id == r.c.account_id))
         .where(r.c.period >= first, r.c.period <= last, account_visible(scope, acc))
         .group_by(r.c.period).order_by(r.c.period))
    return [RevenueMonth(p, float(t or 0.0), float(h or 0.0), float(s or 0.0)) for p, t, h, s in conn.execute(q)]


def latest_shipment_month(conn: Connection, as_of: date, scope: Scope) -> str | None:
    """The latest ``shipments.period`` on or before D's month (where ``subscription_arr`` is read)."""
    s = T["shipments"]
    return conn.execute(sa.select(sa.func.max(s.c.period))
                        .where(s.c.period <= windows.month_str(as_of), book_wide(scope))).scalar()
