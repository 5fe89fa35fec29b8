"""SQL aggregates behind the revenue outlook (METRICS.md "Revenue outlook").

``open_pipeline_by_month`` sums the open OEM / Tier-1 pipeline by close month, powertrain and
forecast category; ``recurring_ttm`` sums TTM revenue without an award by revenue type. Both
are small results (hundreds of rows at most); the spreading over months is pure Python
(``revops_core.outlook``). The scope narrows both through the accounts the caller may see.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.queries.common import T, Scope, account_in_scope, month_in_ttm

PIPELINE_SEGMENTS = ("OEM", "TIER1")
BLANK_CATEGORY = "PIPELINE"   # a blank forecast category counts as PIPELINE


@dataclass(frozen=True)
class PipelineMonth:
    """Open pipeline closing in one month, for one powertrain and forecast category."""

    year: int
    month: int
    powertrain: str
    category: str
    amount: float


def open_pipeline_by_month(conn: Connection, as_of: date, scope: Scope) -> list[PipelineMonth]:
    """OPEN opportunities of OEM / TIER1 accounts with ``close_date > D``, summed by close month."""
    o, acc = T["opportunities"], T["accounts"]
    year, month = sa.extract("year", o.c.close_date), sa.extract("month", o.c.close_date)
    category = sa.func.coalesce(o.c.forecast_category, BLANK_CATEGORY)
    query = (sa.select(year.label("y"), month.label("m"), o.c.powertrain, category.label("category"),
                       sa.func.sum(o.c.amount).label("amount"))
             .select_from(o.join(acc, acc.c.account_id == o.c.account_id))
             .where(o.c.status == "OPEN", o.c.close_date > as_of, acc.c.segment.in_(PIPELINE_SEGMENTS),
                    account_in_scope(o.c.account_id, scope))
             .group_by(year, month, o.c.powertrain, category)
             .order_by(year, month, o.c.powertrain, category))
    return [PipelineMonth(int(r.y), int(r.m), r.powertrain, r.category, float(r.amount or 0.0))
            for r in conn.execute(query)]


def recurring_ttm(conn: Connection, as_of: date, scope: Scope) -> dict[str, float]:
    """Revenue without an ``award_id`` in TTM, by ``revenue_type``."""
    r = T["revenue"]
    query = (sa.select(r.c.revenue_type, sa.func.sum(r.c.amount))
             .where(r.c.award_id.is_(None), month_in_ttm(r.c.period, as_of),
                    account_in_scope(r.c.account_id, scope))
             .group_by(r.c.revenue_type).order_by(r.c.revenue_type))
    return {kind: float(total or 0.0) for kind, total in conn.execute(query)}
