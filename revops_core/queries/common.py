"""Shared building blocks of the data-access layer: scope, portable SQL constructs, windows.

Everything here builds SQLAlchemy Core expressions with bound parameters; nothing formats
values into SQL text. Each construct compiles for SQLite and PostgreSQL (and any dialect
that supports ANSI window functions).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from revops_core import windows
from revops_core.schema import TABLES

T = TABLES  # short alias used by every query module


@dataclass(frozen=True)
class Scope:
    """Which rows a caller may see (the caller's role in ``config/users.yaml``).

    - ``dealer_groups``: the dealer groups whose dealers (and Dealer + Aftermarket accounts) the
      caller sees; None = every group.
    - ``regions``: the regions likewise (``dealers.region``, ``accounts.region``); None = every region.
    - ``book``: whether the caller sees the supplier's own book at all (accounts, opportunities,
      awards, revenue, ECOs and the company-wide tables); False for a role that sees only the
      dealer ecosystem (``marketing_ops``).

    The book relates to a dealer group through ``accounts.dealer_group``: a narrowed scope sees the
    rows of accounts in its groups (and regions) only, never an account without a group (OEM,
    Tier-1, most fleets), and none of the company-wide tables that carry no account (shipments,
    headcount, quotas, certifications). Every data-access function takes a scope and applies it
    in SQL through the builders below, or takes none.
    """

    dealer_groups: frozenset[str] | None = None
    regions: frozenset[str] | None = None
    book: bool = True

    @property
    def every_dealer(self) -> bool:
        """No narrowing on dealers: every dealer, group and region by name."""
        return self.dealer_groups is None and self.regions is None

    @property
    def whole_book(self) -> bool:
        """The supplier's whole book, company-wide tables included."""
        return self.book and self.every_dealer

    @property
    def is_everything(self) -> bool:
        return self.whole_book


EVERYTHING = Scope()


def dealer_in_scope(scope: Scope, dealers: sa.FromClause) -> ColumnElement[bool]:
    """The WHERE clause a scope imposes on rows joined to ``dealers`` (or an alias of it)."""
    parts: list[ColumnElement[bool]] = []
    if scope.dealer_groups is not None:
        parts.append(dealers.c.dealer_group.in_(sorted(scope.dealer_groups)))
    if scope.regions is not None:
        parts.append(dealers.c.region.in_(sorted(scope.regions)))
    return sa.and_(sa.true(), *parts)


def account_visible(scope: Scope, accounts: sa.FromClause) -> ColumnElement[bool]:
    """The WHERE clause a scope imposes on rows joined to ``accounts`` (or an alias of it).

    Whole book: no condition; no book: nothing; narrowed: accounts that carry one of the
    scope's dealer groups (and lie in its regions), never an account without a group."""
    if scope.whole_book:
        return sa.true()
    if not scope.book:
        return sa.false()
    parts = [accounts.c.dealer_group.is_not(None)]
    if scope.dealer_groups is not None:
        parts.append(accounts.c.dealer_group.in_(sorted(scope.dealer_groups)))
    if scope.regions is not None:
        parts.append(accounts.c.region.in_(sorted(scope.regions)))
    return sa.and_(*parts)


def account_in_scope(account_col: sa.ColumnElement, scope: Scope) -> ColumnElement[bool]:
    """Rows whose account the scope may see (no condition at all for the whole book); the
    account-side twin of ``queries.board.award_in_scope``."""
    if scope.whole_book:
        return sa.true()
    if not scope.book:
        return sa.false()
    acc = T["accounts"]
    return account_col.in_(sa.select(acc.c.account_id).where(account_visible(scope, acc)))


def book_wide(scope: Scope) -> ColumnElement[bool]:
    """The condition on company-wide tables without an account (shipments, headcount, quotas,
    certifications, products): all rows for the whole book, none for a narrowed scope."""
    return sa.true() if scope.whole_book else sa.false()


class days_between(FunctionElement):  # noqa: N801 - SQL function naming
    """Whole or fractional days from the first date/time argument to the second."""

    type = sa.Float()
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element: days_between, compiler: object, **kw: object) -> str:
    start, end = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM (CAST({compiler.process(end, **kw)} AS TIMESTAMP) - "  # type: ignore[attr-defined]
            f"CAST({compiler.process(start, **kw)} AS TIMESTAMP))) / 86400.0)")  # type: ignore[attr-defined]


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: object, **kw: object) -> str:
    """``date_part('epoch', ...)``, a double: ``EXTRACT`` returns numeric since PostgreSQL 14, and
    numeric arithmetic over a year of leads made the median response time 0.8 s slower."""
    start, end = list(element.clauses)
    return (f"(date_part('epoch', CAST({compiler.process(end, **kw)} AS TIMESTAMP) - "  # type: ignore[attr-defined]
            f"CAST({compiler.process(start, **kw)} AS TIMESTAMP)) / 86400.0)")  # type: ignore[attr-defined]


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: object, **kw: object) -> str:
    start, end = list(element.clauses)
    return (f"(julianday({compiler.process(end, **kw)}) - "  # type: ignore[attr-defined]
            f"julianday({compiler.process(start, **kw)}))")  # type: ignore[attr-defined]


class month_of(FunctionElement):  # noqa: N801 - SQL function naming
    """The first day of a timestamp's month (SQLite: ``date(ts, 'start of month')``, its ISO text)."""

    type = sa.Date()
    inherit_cache = True


@compiles(month_of)
def _month_of_default(element: month_of, compiler: object, **kw: object) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"  # type: ignore[attr-defined]


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: object, **kw: object) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"  # type: ignore[attr-defined]


def in_ttm(col: sa.ColumnElement, as_of: date) -> ColumnElement[bool]:
    """A dated column in TTM: (D minus one year, D]."""
    w = windows.ttm(as_of)
    return sa.and_(col > w.start, col <= w.end)


def month_in_ttm(col: sa.ColumnElement, as_of: date) -> ColumnElement[bool]:
    """A ``YYYY-MM`` column whose month's first day lies in TTM."""
    lo, hi = windows.ttm_months(as_of)
    return sa.and_(col >= lo, col <= hi)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when the denominator is zero or missing (METRICS.md)."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


def change(now: float | None, before: float | None) -> float | None:
    """The change of a figure against an earlier value; None when either is n/a (like ``ratio``)."""
    return None if now is None or before is None else now - before


def median_by(group_col: sa.ColumnElement, value_col: sa.ColumnElement,
              where: ColumnElement[bool], select_from: sa.FromClause) -> sa.Select:
    """Median of ``value_col`` per group, in SQL with window functions (portable)."""
    inner = (sa.select(group_col.label("grp"), value_col.label("val"),
                       sa.func.row_number().over(partition_by=group_col, order_by=value_col).label("rn"),
                       sa.func.count().over(partition_by=group_col).label("cnt"))
             .select_from(select_from).where(where).subquery())
    return (sa.select(inner.c.grp, sa.func.avg(inner.c.val).label("median"))
            .where(inner.c.rn.in_([(inner.c.cnt + 1) // 2, (inner.c.cnt + 2) // 2]))
            .group_by(inner.c.grp))


def latest_activity_date(conn: sa.Connection) -> date | None:
    """Default as-of date D: the latest dated activity in the data (METRICS.md, `D`).

    The latest of: closed opportunities' close dates, award dates, ECO requests and decisions,
    and the last day of the latest revenue or shipments month. A database holding only the
    ecosystem datasets takes the latest lead creation day or dealer month end instead.
    """
    return _latest_revenue_date(conn) or _latest_ecosystem_date(conn)


def _latest_revenue_date(conn: sa.Connection) -> date | None:
    o, a, e, r, s = T["opportunities"], T["platform_awards"], T["ecos"], T["revenue"], T["shipments"]
    candidates = [
        conn.execute(sa.select(sa.func.max(o.c.close_date)).where(o.c.status != "OPEN")).scalar(),
        conn.execute(sa.select(sa.func.max(a.c.award_date))).scalar(),
        conn.execute(sa.select(sa.func.max(e.c.requested_date))).scalar(),
        conn.execute(sa.select(sa.func.max(e.c.decided_date))).scalar(),
    ]
    return _latest(conn, candidates, (r, s))


def _latest_ecosystem_date(conn: sa.Connection) -> date | None:
    created = conn.execute(sa.select(sa.func.max(T["leads"].c.created_at))).scalar()
    return _latest(conn, [created.date() if created is not None else None], (T["dealer_months"],))


def _latest(conn: sa.Connection, candidates: list[date | None], monthly: tuple[sa.Table, ...]) -> date | None:
    """The latest of ``candidates`` and the last day of each monthly table's latest month."""
    for table in monthly:
        month = conn.execute(sa.select(sa.func.max(table.c.period))).scalar()
        if month:
            candidates.append(windows.month_end(windows.month_first(month)))
    found = [c for c in candidates if c is not None]
    return max(found) if found else None


def dataset_counts(conn: sa.Connection) -> dict[str, int]:
    """Row count of every contract dataset (COUNT(*) in the database)."""
    return {name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for name, table in T.items()}
