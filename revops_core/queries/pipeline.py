"""Queries behind the four-buyer segmentation: pipeline by stage and the drill-down rows.

Both narrow the opportunities to the accounts the caller's ``Scope`` may see, in SQL.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core import windows
from revops_core.queries.common import T, Scope, account_visible, days_between, in_ttm

DRILLDOWNS = {
    "open_horizon": "Open pipeline closing in the coverage horizon",
    "won_horizon": "Won so far in the coverage horizon",
    "closed_ttm": "Won and lost in the last twelve months (win rate)",
    "won_ttm": "Won in the last twelve months (sales cycle)",
}


def _join() -> sa.FromClause:
    o, acc, p = T["opportunities"], T["accounts"], T["products"]
    return o.join(acc, o.c.account_id == acc.c.account_id).outerjoin(p, o.c.product_id == p.c.product_id)


def _figure_filter(figure: str, as_of: date) -> sa.ColumnElement[bool]:
    o = T["opportunities"]
    h_start, h_end, _ = windows.horizon(as_of)
    filters = {
        "open_horizon": sa.and_(o.c.status == "OPEN", o.c.close_date > as_of, o.c.close_date <= h_end),
        "won_horizon": sa.and_(o.c.status == "WON", o.c.close_date >= h_start, o.c.close_date <= as_of),
        "closed_ttm": sa.and_(o.c.status.in_(["WON", "LOST"]), in_ttm(o.c.close_date, as_of)),
        "won_ttm": sa.and_(o.c.status == "WON", in_ttm(o.c.close_date, as_of)),
    }
    if figure not in filters:
        raise ValueError(f"unknown drill-down {figure!r}; choose one of {', '.join(filters)}")
    return filters[figure]


def pipeline_by_stage(conn: Connection, as_of: date, segments: tuple[str, ...], scope: Scope) -> pd.DataFrame:
    """Open pipeline closing in the coverage horizon, by segment and stage (amount, count)."""
    o, acc = T["opportunities"], T["accounts"]
    q = (sa.select(acc.c.segment, o.c.stage, sa.func.sum(o.c.amount).label("amount"),
                   sa.func.count().label("opportunities"))
         .select_from(_join()).where(_figure_filter("open_horizon", as_of), acc.c.segment.in_(segments),
                                     account_visible(scope, acc))
         .group_by(acc.c.segment, o.c.stage).order_by(acc.c.segment, o.c.stage))
    return pd.DataFrame(conn.execute(q).all(), columns=["segment", "stage", "amount", "opportunities"])


def drilldown(conn: Connection, as_of: date, segment: str, figure: str, scope: Scope,
              limit: int = 1000) -> tuple[pd.DataFrame, int]:
    """The opportunities behind one figure of one segment (largest first) and their total count."""
    o, acc, p = T["opportunities"], T["accounts"], T["products"]
    where = sa.and_(_figure_filter(figure, as_of), acc.c.segment == segment, account_visible(scope, acc))
    cols = [o.c.opportunity_id, acc.c.name.label("account"), p.c.name.label("product"), o.c.stage,
            o.c.status, o.c.amount, o.c.created_date, o.c.close_date,
            sa.cast(days_between(o.c.created_date, o.c.close_date), sa.Integer).label("cycle_days"),
            o.c.is_rfq, o.c.powertrain, o.c.owner, o.c.esa_owner, o.c.forecast_category]
    q = sa.select(*cols).select_from(_join()).where(where).order_by(o.c.amount.desc(), o.c.opportunity_id).limit(limit)
    total = conn.execute(sa.select(sa.func.count()).select_from(_join()).where(where)).scalar_one()
    frame = pd.DataFrame(conn.execute(q).all(), columns=[c.name for c in cols])
    return frame, int(total)
