"""Queries behind attribution (METRICS.md "Attribution") and martech ROI.

The window is ``[start, end]``, both dates inclusive: a timestamp is in it when
``start 00:00 <= ts < (end + 1 day) 00:00``.

- Heuristic models: the sold leads whose ``sold_at`` is in the window, with their touchpoints
  up to ``sold_at`` (``ts <= sold_at``; a touch after the sale never counts), ordered by
  ``ts`` then ``channel`` (the touchpoint key is ``(lead_id, ts, channel)``, so two touches at
  the same instant are ordered by channel name, which keeps every answer deterministic).
  ``heuristic_credits_sql`` computes first touch, last touch, linear and position-based, and
  time decay where the database has ``power()``, in one GROUP BY channel over the touches
  numbered with window functions; only one row per channel comes back.
  ``iter_sold_paths`` streams the same touches in chunks (``yield_per``) for the time-decay
  fallback and for checks; it never holds all of them in memory.
- Markov: the path of every lead CREATED in the window (a sold lead: its touches up to
  ``sold_at``, converting; any other lead: all its touches, not converting; a lead with no
  such touch is left out) is built in SQL and grouped, so Python receives distinct paths
  with their lead counts. A lead counts as sold when ``sold_at`` is set, whenever the sale
  happened (the contract's "sold lead").
- ``attributed_revenue_sql``: sold revenue of the window's sold leads with at least one touch
  up to ``sold_at`` (blank ``sold_revenue`` counts as 0), computed on its own (``EXISTS``) so
  the invariant "credits sum to attributed revenue" is checked against an independent figure.

Scope: every query joins ``leads -> dealers`` when the scope narrows dealers and applies
``dealer_in_scope`` (groups and regions).
Indexes used: ``leads(sold_at)``, ``leads(created_at)``, ``touchpoints(lead_id, ts, channel)``.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import ColumnElement

from revops_core.attribution import SoldPath, Touch, Transition
from revops_core import windows
from revops_core.queries.common import T, Scope, days_between, dealer_in_scope, month_of
from revops_core.queries.summary_state import summary_current, summary_params
from revops_core.schema import credit_months, markov_transition_months, sold_lead_facts

PATH_SEPARATOR = "\x1f"
"""Joins channels into one path string in SQL (ASCII unit separator: never part of a channel name)."""

SEGMENT_COLUMNS = ("journey", "region", "dealer_group")
"""The columns attributed revenue and lead counts are broken down by (``SegmentRow``)."""

DEFAULT_CHUNK = 20_000


@dataclass(frozen=True)
class HeuristicSums:
    """Per-channel credit sums of the heuristic models computed in SQL.

    ``credits[model][channel]``; ``time_decay`` is missing when the database lacks ``power()``
    (the caller then streams the touches, see ``iter_sold_paths``).
    """

    credits: dict[str, dict[str, float]]
    time_decay_in_sql: bool


@dataclass(frozen=True)
class MarkovPathRow:
    """One distinct path (channels oldest first), whether it converted, and how many leads took it."""

    channels: tuple[str, ...]
    converted: bool
    count: int


@dataclass(frozen=True)
class SegmentRow:
    """Attributed revenue, sold leads with a touch, and leads created, of one journey x region x dealer group."""

    journey: str
    region: str
    dealer_group: str
    attributed_revenue: float
    attributed_sales: int
    leads_created: int


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)


def in_window(col: sa.ColumnElement, start: date, end: date) -> ColumnElement[bool]:
    """``col`` in ``[start, end]``: ``start 00:00 <= col < (end + 1 day) 00:00``."""
    lo, hi = _bounds(start, end)
    return sa.and_(col >= lo, col < hi)


def _leads_from(scope: Scope) -> sa.FromClause:
    """``leads``, joined to ``dealers`` only when the scope narrows dealers."""
    l, d = T["leads"], T["dealers"]  # noqa: E741
    return l if scope.every_dealer else l.join(d, l.c.dealer_id == d.c.dealer_id)


def _scope_where(scope: Scope) -> ColumnElement[bool]:
    return dealer_in_scope(scope, T["dealers"])


def _revenue() -> sa.ColumnElement:
    return sa.func.coalesce(T["leads"].c.sold_revenue, 0.0)


def _sold_in_window(start: date, end: date, scope: Scope) -> ColumnElement[bool]:
    l = T["leads"]  # noqa: E741
    return sa.and_(l.c.sold_at.is_not(None), in_window(l.c.sold_at, start, end), _scope_where(scope))


def _sold_touches_from(scope: Scope) -> sa.FromClause:
    l, tp = T["leads"], T["touchpoints"]  # noqa: E741
    return _leads_from(scope).join(tp, sa.and_(tp.c.lead_id == l.c.lead_id, tp.c.ts <= l.c.sold_at))


def has_power(conn: Connection) -> bool:
    """Whether the database evaluates ``power(2, 1)`` (SQLite only with its math functions built in)."""
    if conn.dialect.name != "sqlite":
        return True
    try:
        return conn.execute(sa.select(sa.func.power(2.0, 1.0))).scalar() == 2.0
    except DBAPIError:
        return False


def attributed_revenue_sql(conn: Connection, start: date, end: date, scope: Scope) -> tuple[float, int, float, int]:
    """(attributed revenue, sold leads with a touch, revenue of sold leads without one, their count).

    Sold leads with ``sold_at`` in the window; "with a touch" = at least one touchpoint with
    ``ts <= sold_at`` (METRICS.md "Attribution"), read from ``sold_lead_facts`` when it is current.
    """
    l = T["leads"]  # noqa: E741
    touched, source = _touched_before_sale(conn, _leads_from(scope))
    flag = sa.case((touched, 1), else_=0).label("touched")
    # GROUP BY the flag: the EXISTS is evaluated once per lead (a subquery column referenced in
    # four sums was inlined by PostgreSQL and evaluated four times); two rows come back.
    q = (sa.select(flag, sa.func.sum(_revenue()), sa.func.count())
         .select_from(source).where(_sold_in_window(start, end, scope)).group_by(flag))
    sums = {int(t): (float(rev or 0.0), int(n)) for t, rev, n in conn.execute(q)}
    (rev, n), (rev_without, n_without) = sums.get(1, (0.0, 0)), sums.get(0, (0.0, 0))
    return float(rev), int(n), float(rev_without), int(n_without)


def _touched_before_sale(conn: Connection, source: sa.FromClause) -> tuple[ColumnElement[bool], sa.FromClause]:
    """(a sold lead has a touch up to its sale, ``source`` with what that condition reads).

    From ``sold_lead_facts`` (joined on the lead) when it is current, else an ``EXISTS`` on the
    touchpoints. The condition is only meaningful for sold leads."""
    l, tp, f = T["leads"], T["touchpoints"], sold_lead_facts  # noqa: E741
    if summary_current(conn, f):
        return f.c.touches > 0, source.outerjoin(f, f.c.lead_id == l.c.lead_id)
    exists = (sa.select(sa.literal(1)).select_from(tp)
              .where(tp.c.lead_id == l.c.lead_id, tp.c.ts <= l.c.sold_at).exists())
    return exists, source


def heuristic_credits_sql(conn: Connection, start: date, end: date, half_life_days: float, scope: Scope,
                          time_decay_in_sql: bool | None = None) -> HeuristicSums:
    """Credits of the heuristic models per channel, summed in the database (METRICS.md "Attribution").

    Each touch of a sold lead in the window (up to ``sold_at``) is numbered ``rn`` in
    ``(ts, channel)`` order among the lead's ``cnt`` touches; then per channel:

    - first_touch = sum of revenue where rn = 1; last_touch = where rn = cnt;
    - linear = sum of revenue / cnt;
    - position_based = sum of revenue x w, w = 1 (one touch), 0.5 (two), else 0.4 for the first
      and the last and 0.2 / (cnt - 2) for each middle touch;
    - time_decay = sum of revenue x w / (sum of w over the lead), w = 2^((newest - days) / half-life)
      with days = days before the sale and newest the lead's smallest (the weights are scaled
      so the newest touch weighs 1, as in ``revops_core.attribution``; the scale cancels).

    ``time_decay_in_sql`` None = use SQL when ``has_power``; False leaves time decay out.
    A channel that a model gives no weight (e.g. never first) is absent from that model.
    When ``credit_months`` (the same sums per month x dealer group x region x channel) is current
    and, for time decay, was built with this half-life, the window's whole months are read from it
    and only the days outside them from the touches.
    """
    if time_decay_in_sql is None:
        time_decay_in_sql = has_power(conn)
    models = HEURISTIC_SQL_MODELS if time_decay_in_sql else HEURISTIC_SQL_MODELS[:-1]
    built = summary_params(conn, credit_months)
    months, edges = windows.split_months(start, end)
    if built is None or months is None or (time_decay_in_sql and built != half_life_params(half_life_days)):
        months, edges = None, [(start, end)]
    queries = [credit_sums_query(_sold_touches_from(scope), _sold_in_window(lo, hi, scope), half_life_days,
                                 time_decay_in_sql) for lo, hi in edges]
    if months is not None:
        c = credit_months.c
        queries.append(sa.select(c.channel, *(sa.func.sum(c[m]).label(m) for m in models))
                       .where(c.month >= months[0], c.month <= months[1], dealer_in_scope(scope, credit_months))
                       .group_by(c.channel))
    credits: dict[str, dict[str, float]] = {model: {} for model in models}
    for q in queries:
        for row in conn.execute(q).mappings():
            for model in models:
                value = row[model]
                if value is not None:
                    channel = str(row["channel"])
                    credits[model][channel] = credits[model].get(channel, 0.0) + float(value)
    return HeuristicSums(credits, time_decay_in_sql)


HEURISTIC_SQL_MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay")
"""The models ``credit_sums_query`` sums, time decay last (left out without ``power()``)."""


def half_life_params(half_life_days: float) -> str:
    """How ``summary_state`` records the half-life ``credit_months`` was built with."""
    return f"half_life_days={float(half_life_days)!r}"


def credit_sums_query(source: sa.FromClause, where: ColumnElement[bool], half_life_days: float,
                      time_decay: bool, keys: tuple[sa.ColumnElement, ...] = ()) -> sa.Select:
    """The heuristic credits per ``keys`` x channel of the sold leads' touches in ``source``
    (leads joined to their touches up to the sale) under ``where`` (see ``heuristic_credits_sql``).
    Each key must be constant per lead (e.g. the sale's day, the dealer's group)."""
    l, tp = T["leads"], T["touchpoints"]  # noqa: E741
    lead = l.c.lead_id
    days = days_between(tp.c.ts, l.c.sold_at)
    ranked = (sa.select(
        *(k.label(f"k{i}") for i, k in enumerate(keys)),
        lead.label("lead_id"), tp.c.channel.label("channel"), _revenue().label("rev"), days.label("days"),
        sa.func.row_number().over(partition_by=lead, order_by=(tp.c.ts, tp.c.channel)).label("rn"),
        sa.func.count().over(partition_by=lead).label("cnt"),
        sa.func.min(days).over(partition_by=lead).label("newest"))
        .select_from(source).where(where).subquery("ranked"))
    r = ranked.c
    key_cols = [r[f"k{i}"] for i in range(len(keys))]
    position = sa.case((r.cnt == 1, sa.literal(1.0)), (r.cnt == 2, sa.literal(0.5)),
                       (sa.or_(r.rn == 1, r.rn == r.cnt), sa.literal(0.4)),
                       else_=sa.literal(0.2) / sa.cast(r.cnt - 2, sa.Float))
    cols = [*key_cols, r.channel, r.rev, r.rn, r.cnt, position.label("pos")]
    if time_decay:
        weight = sa.func.power(sa.literal(2.0), (r.newest - r.days) / sa.literal(float(half_life_days)))
        cols += [weight.label("w"), sa.func.sum(weight).over(partition_by=r.lead_id).label("wsum")]
    weighted = sa.select(*cols).subquery("weighted")
    w = weighted.c
    sums: dict[str, ColumnElement] = {
        "first_touch": sa.func.sum(sa.case((w.rn == 1, w.rev))),
        "last_touch": sa.func.sum(sa.case((w.rn == w.cnt, w.rev))),
        "linear": sa.func.sum(w.rev / sa.cast(w.cnt, sa.Float)),
        "position_based": sa.func.sum(w.rev * w.pos),
    }
    if time_decay:
        sums["time_decay"] = sa.func.sum(w.rev * w.w / w.wsum)
    group = [*(w[f"k{i}"] for i in range(len(keys))), w.channel]
    return sa.select(*group, *(expr.label(model) for model, expr in sums.items())).group_by(*group)


def iter_sold_paths(conn: Connection, start: date, end: date, scope: Scope,
                    chunk: int = DEFAULT_CHUNK) -> Iterator[SoldPath]:
    """Sold leads of the window with their touches up to ``sold_at``, one ``SoldPath`` at a time.

    Fetches per touch only (lead_id, revenue, channel, days before the sale), ordered by lead,
    ``ts`` and channel, streamed ``chunk`` rows at a time (``yield_per``). Leads without a touch
    up to ``sold_at`` are not yielded (they add nothing to any model).
    """
    l, tp = T["leads"], T["touchpoints"]  # noqa: E741
    q = (sa.select(l.c.lead_id, _revenue(), tp.c.channel, days_between(tp.c.ts, l.c.sold_at))
         .select_from(_sold_touches_from(scope)).where(_sold_in_window(start, end, scope))
         .order_by(l.c.lead_id, tp.c.ts, tp.c.channel)
         .execution_options(yield_per=chunk))
    current: str | None = None
    revenue = 0.0
    touches: list[Touch] = []
    for lead_id, rev, channel, days in conn.execute(q):
        if lead_id != current:
            if current is not None:
                yield SoldPath(revenue, tuple(touches))
            current, revenue, touches = lead_id, float(rev), []
        # julianday differences carry ~1e-10 day of rounding noise; a touch at sold_at is 0 days
        touches.append(Touch(str(channel), max(0.0, float(days))))
    if current is not None:
        yield SoldPath(revenue, tuple(touches))


def _markov_touches(start: date | None, end: date | None, scope: Scope,
                    with_dealers: bool = False) -> tuple[sa.ColumnElement, sa.FromClause, ColumnElement[bool]]:
    """The touches the Markov chain reads: of leads created in the window (every lead when
    ``start`` is None), a converted lead's touches up to its sale.
    Returns (converted flag 1/0, leads joined to touchpoints, WHERE)."""
    l, tp, d = T["leads"], T["touchpoints"], T["dealers"]  # noqa: E741
    converted = sa.case((l.c.sold_at.is_not(None), 1), else_=0)
    counts_touch = sa.or_(l.c.sold_at.is_(None), tp.c.ts <= l.c.sold_at)
    leads = l.join(d, l.c.dealer_id == d.c.dealer_id) if with_dealers else _leads_from(scope)
    joined = leads.join(tp, tp.c.lead_id == l.c.lead_id)
    window = sa.true() if start is None or end is None else in_window(l.c.created_at, start, end)
    return converted, joined, sa.and_(window, counts_touch, _scope_where(scope))


def markov_paths(conn: Connection, start: date, end: date, scope: Scope) -> list[MarkovPathRow]:
    """Distinct paths of the leads created in the window, with lead counts (see the module doc).

    The path string is built in SQL: on PostgreSQL ``string_agg(channel, sep ORDER BY ts,
    channel)``; on SQLite (``group_concat`` has no ORDER BY before 3.44) ``group_concat`` over a
    subquery ordered by (lead, ts, channel), which SQLite concatenates in that order (tested).
    Then GROUP BY path, converted. Leads with no touch are left out (inner join).
    """
    l, tp = T["leads"], T["touchpoints"]  # noqa: E741
    converted, joined, where = _markov_touches(start, end, scope)
    sep = sa.cast(sa.literal(PATH_SEPARATOR), sa.Text)
    if conn.dialect.name == "postgresql":
        path = sa.aggregate_order_by(sa.func.string_agg(tp.c.channel, sep), tp.c.ts, tp.c.channel)
        per_lead = (sa.select(sa.func.max(converted).label("converted"), path.label("path"))
                    .select_from(joined).where(where).group_by(l.c.lead_id).subquery("per_lead"))
    else:
        ordered = (sa.select(l.c.lead_id.label("lead_id"), converted.label("converted"), tp.c.channel.label("channel"))
                   .select_from(joined).where(where).order_by(l.c.lead_id, tp.c.ts, tp.c.channel)
                   .subquery("ordered"))
        o = ordered.c
        per_lead = (sa.select(sa.func.max(o.converted).label("converted"),
                              sa.func.group_concat(o.channel, sep).label("path"))
                    .group_by(o.lead_id).subquery("per_lead"))
    p = per_lead.c
    q = (sa.select(p.path, p.converted, sa.func.count()).group_by(p.path, p.converted)
         .order_by(p.path, p.converted))
    return [MarkovPathRow(tuple(str(path).split(PATH_SEPARATOR)), bool(conv), int(n))
            for path, conv, n in conn.execute(q)]


def markov_transitions(conn: Connection, start: date, end: date, scope: Scope) -> list[Transition]:
    """First-order transition counts of the leads created in the window, summed in SQL.

    The same touches as ``markov_paths`` (a converted lead's touches up to its sale, ordered by
    ``ts`` then channel), but each touch is paired with its predecessor by ``LAG`` and marked
    last when ``LEAD`` finds none; one GROUP BY (previous channel, channel, last, converted)
    counts them, so the touches are read and sorted once and only a few hundred rows leave the
    database however many leads and paths there are. Each group gives the step previous ->
    channel and, when last, also channel -> end. Leads with no touch are left out.
    When ``markov_transition_months`` is current, the months the window covers more than half of
    are summed from it and the other days counted from the touches, added or, for a month's days
    outside the window, taken away (``windows.signed_months``: the default 90-day window ending on
    the 30th counts two days of touches instead of two months, 2.9 s -> 0.1 s on PostgreSQL at the
    large scale). Counts are whole numbers, so the result is exact; a step whose count nets to 0 is
    left out, as the touches alone would never give it.
    """
    months, edges = windows.signed_months(start, end)
    if months is None or not summary_current(conn, markov_transition_months):
        months, edges = None, [(start, end, 1)]
    queries = [(transition_counts_query(lo, hi, scope), sign) for lo, hi, sign in edges]
    if months is not None:
        m = markov_transition_months.c
        queries.append((sa.select(m.prev, m.channel, m.is_last, m.converted, sa.func.sum(m.n))
                        .where(m.month >= months[0], m.month <= months[1],
                               dealer_in_scope(scope, markov_transition_months))
                        .group_by(m.prev, m.channel, m.is_last, m.converted), 1))
    counts: Counter[tuple[str | None, str | None, bool]] = Counter()
    for q, sign in queries:
        for prev, channel, last, conv, n in conn.execute(q):
            counts[(None if prev is None else str(prev), str(channel), False)] += sign * int(n)
            if last:
                counts[(str(channel), None, bool(conv))] += sign * int(n)
    return [Transition(origin, target, conv, n) for (origin, target, conv), n in sorted(
        counts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "", kv[0][2])) if n]


def transition_counts_query(start: date | None, end: date | None, scope: Scope,
                            by_month: bool = False) -> sa.Select:
    """(previous channel, channel, last, converted, count) of the window's Markov touches;
    ``by_month`` (every lead, whole ecosystem) adds the creation month, dealer group and region in
    front, the rows of ``markov_transition_months``."""
    l, tp, d = T["leads"], T["touchpoints"], T["dealers"]  # noqa: E741
    converted, joined, where = _markov_touches(start, end, scope, with_dealers=by_month)
    keys = (month_of(l.c.created_at), d.c.dealer_group, d.c.region) if by_month else ()
    order = (tp.c.ts, tp.c.channel)
    is_last = sa.case((sa.func.lead(tp.c.channel).over(partition_by=tp.c.lead_id, order_by=order).is_(None), 1),
                      else_=0)
    touches = (sa.select(*(k.label(f"k{i}") for i, k in enumerate(keys)),
                         tp.c.channel.label("channel"), converted.label("converted"),
                         sa.func.lag(tp.c.channel).over(partition_by=tp.c.lead_id, order_by=order).label("prev"),
                         is_last.label("last"))
               .select_from(joined).where(where).subquery("touches"))
    t = touches.c
    group = [*(t[f"k{i}"] for i in range(len(keys))), t.prev, t.channel, t.last, t.converted]
    return sa.select(*group, sa.func.count()).group_by(*group)


def segment_rows(conn: Connection, start: date, end: date, scope: Scope) -> list[SegmentRow]:
    """Attributed revenue and sales (sold in the window, touched up to the sale) and leads
    created in the window, per journey x region x dealer group (two GROUP BY queries)."""
    l, d = T["leads"], T["dealers"]  # noqa: E741
    keys = (l.c.journey, d.c.region, d.c.dealer_group)
    joined = l.join(d, l.c.dealer_id == d.c.dealer_id)
    touched, sold_from = _touched_before_sale(conn, joined)
    sold_q = (sa.select(*keys, sa.func.coalesce(sa.func.sum(_revenue()), 0.0), sa.func.count())
              .select_from(sold_from).where(_sold_in_window(start, end, scope), touched).group_by(*keys))
    lead_q = (sa.select(*keys, sa.func.count()).select_from(joined)
              .where(in_window(l.c.created_at, start, end), _scope_where(scope)).group_by(*keys))
    sold: dict[tuple[str, str, str], tuple[float, int]] = {
        (str(j), str(r), str(g)): (float(rev), int(n)) for j, r, g, rev, n in conn.execute(sold_q)}
    created: dict[tuple[str, str, str], int] = {
        (str(j), str(r), str(g)): int(n) for j, r, g, n in conn.execute(lead_q)}
    return [SegmentRow(*key, *sold.get(key, (0.0, 0)), created.get(key, 0)) for key in sorted({*sold, *created})]


def lead_count_all(conn: Connection, start: date, end: date) -> int:
    """Leads created in the window across the whole ecosystem (no scope): the base that tool
    costs are shared over when a scope sees only part of it."""
    l = T["leads"]  # noqa: E741
    return int(conn.execute(sa.select(sa.func.count()).select_from(l)
                            .where(in_window(l.c.created_at, start, end))).scalar_one())


def martech_tools(conn: Connection) -> list[dict[str, object]]:
    """Every row of ``martech_tools`` (a small dimension table), ordered by tool id."""
    m = T["martech_tools"]
    return [dict(row) for row in conn.execute(sa.select(m).order_by(m.c.tool_id)).mappings()]


def sale_date_range(conn: Connection, scope: Scope) -> tuple[date, date] | None:
    """Dates of the first and the last sale in scope, or None when nothing was sold."""
    l = T["leads"]  # noqa: E741
    q = (sa.select(sa.func.min(l.c.sold_at), sa.func.max(l.c.sold_at)).select_from(_leads_from(scope))
         .where(l.c.sold_at.is_not(None), _scope_where(scope)))
    lo, hi = conn.execute(q).one()
    if lo is None or hi is None:
        return None
    return _as_date(lo), _as_date(hi)


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()

