"""Queries behind the operating-cadence page (weekly huddle, monthly reconciliation).

Each function takes a connection, the as-of date ``D`` and the caller's ``Scope``, aggregates in
the database and returns a small frame or a bounded row list (LIMIT). Formulas on top of these
sums live in ``revops_core.cadence``.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.queries.common import T, Scope, days_between, dealer_filter

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
                dealer_filter(scope, acc.c.dealer_group))
         .order_by(e.c.requested_date, e.c.eco_id)
         .limit(limit))
    rows = conn.execute(q).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=list(ECO_QUEUE_COLUMNS))
    if not df.empty:
        df["age_days"] = df["age_days"].astype(int)
        df["revenue_delta"] = df["revenue_delta"].astype(float)
        df["requested_date"] = pd.to_datetime(df["requested_date"]).dt.date
    return df
