"""Queries behind the ecosystem scorecard of METRICS.md ("Ecosystem scorecard").

Every function aggregates in the database with one GROUP BY per entity and returns small
frozen dataclasses keyed by entity. The entity is the dealer id, the dealer group's name or
the region (``LEVELS``). The window is ``[start, end]``, both dates inclusive:

- a lead belongs to it when ``start <= created_at < end + 1 day`` (so 23:59 on ``end`` is in);
- a ``dealer_months`` row when the first day of its month lies in ``[start, end]``.

The lead filters use the indexes ``leads(created_at)`` / ``leads(dealer_id, created_at)`` and
the touchpoint look-ups ``touchpoints(lead_id, ts)`` (see ``revops_core.schema``).
Formulas on top of these sums live in ``revops_core.scorecard``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from revops_core import windows
from revops_core.queries.common import T, Scope, days_between, dealer_in_scope, month_of
from revops_core.queries.summary_state import summary_current, summary_params
from revops_core.schema import lead_months, sold_lead_facts

LEVELS: dict[str, str] = {"dealer": "dealer_id", "dealer_group": "dealer_group", "region": "region"}

# Timestamps are compared as fractional days; this slack (0.6 ms) absorbs the floating-point
# error of julianday() differences so that a response exactly at the SLA counts as within it.
SLA_TOLERANCE_MINUTES = 1e-5

NATIVE_MEDIAN = frozenset({"postgresql", "duckdb"})
"""Dialects whose ``percentile_cont(0.5) WITHIN GROUP (ORDER BY x)`` the median uses."""


@dataclass(frozen=True)
class EntityInfo:
    """One entity at a level: display name, number of dealers and their salespeople."""

    entity: str
    name: str
    dealers: int
    salespeople: int


@dataclass(frozen=True)
class LeadCounts:
    """Lead aggregates of one entity in the window (``sold_all_journeys`` ignores the journey filter)."""

    leads: int = 0
    answered_in_sla: int = 0
    test_drives: int = 0
    quotes: int = 0
    sold: int = 0
    revenue: float = 0.0
    sold_all_journeys: int = 0


@dataclass(frozen=True)
class DealerMonthSums:
    """``dealer_months`` sums of one entity over the months whose first day is in the window."""

    rows: int = 0
    service_prior: float = 0.0
    service_retained: float = 0.0
    csat_mean: float | None = None
    campaigns_offered: float = 0.0
    campaigns_joined: float = 0.0
    cost_to_serve: float = 0.0


@dataclass(frozen=True)
class MarketingRevenue:
    """Sold revenue whose first touch is a marketing party (sourced) or with any such touch (influenced)."""

    sourced: float = 0.0
    influenced: float = 0.0


@dataclass(frozen=True)
class FunnelCounts:
    """Lead-handling funnel: leads reaching each step (steps are not nested)."""

    leads: int
    answered_in_sla: int
    test_drives: int
    quotes: int
    sold: int


@dataclass(frozen=True)
class HeatCell:
    """Leads, sold leads and sold revenue of one journey in one segment."""

    journey: str
    segment: str
    leads: int
    sold: int
    revenue: float
    sourced: float = 0.0  # revenue of sold leads whose first touch (up to the sale) was by marketing


def entity_column(level: str) -> sa.ColumnElement:
    """The ``dealers`` column that names the entity at ``level``."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    return T["dealers"].c[LEVELS[level]]


def month_bounds(start: date, end: date) -> tuple[str, str]:
    """First and last ``YYYY-MM`` whose first day lies in ``[start, end]`` (may be an empty range)."""
    first = windows.month_str(start) if start.day == 1 else windows.month_str(windows.add_months(start, 1))
    return first, windows.month_str(end)


def lead_window(created_at: sa.ColumnElement, start: date, end: date) -> ColumnElement[bool]:
    """``created_at`` in the window: ``start 00:00 <= created_at < (end + 1 day) 00:00``."""
    lo = datetime.combine(start, time.min)
    hi = datetime.combine(end + timedelta(days=1), time.min)
    return sa.and_(created_at >= lo, created_at < hi)


def within_sla(sla_minutes: float) -> ColumnElement[bool]:
    """The lead was answered within ``sla_minutes`` of its creation (unanswered leads are not)."""
    l = T["leads"]  # noqa: E741
    minutes = days_between(l.c.created_at, l.c.first_response_at) * 1440
    return sa.and_(l.c.first_response_at.is_not(None), minutes <= sla_minutes + SLA_TOLERANCE_MINUTES)


def _leads_join() -> sa.FromClause:
    l, d = T["leads"], T["dealers"]  # noqa: E741
    return l.join(d, l.c.dealer_id == d.c.dealer_id)


def _journey_is(journey: str | None) -> ColumnElement[bool]:
    return sa.true() if journey is None else T["leads"].c.journey == journey


def _lead_where(start: date, end: date, journey: str | None, scope: Scope) -> ColumnElement[bool]:
    l, d = T["leads"], T["dealers"]  # noqa: E741
    return sa.and_(lead_window(l.c.created_at, start, end), _journey_is(journey),
                   dealer_in_scope(scope, d))


def _count_if(cond: ColumnElement[bool]) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def entities(conn: Connection, level: str, scope: Scope) -> dict[str, EntityInfo]:
    """Every entity at ``level`` in scope, with its dealers and salespeople (summed over its dealers)."""
    d = T["dealers"]
    ent = entity_column(level)
    q = (sa.select(ent, sa.func.min(d.c.name), sa.func.count(), sa.func.coalesce(sa.func.sum(d.c.salespeople), 0))
         .where(dealer_in_scope(scope, d)).group_by(ent).order_by(ent))
    return {str(e): EntityInfo(str(e), str(name) if level == "dealer" else str(e), int(n), int(sp))
            for e, name, n, sp in conn.execute(q)}


def lead_counts(conn: Connection, start: date, end: date, level: str, sla_minutes: float,
                journey: str | None, scope: Scope) -> dict[str, LeadCounts]:
    """Leads, answered within SLA, test drives, quotes, sold and sold revenue per entity (``lead_totals``)."""
    return lead_totals(conn, start, end, level, journey, scope, sla_minutes=sla_minutes)[0]


def lead_totals(conn: Connection, start: date, end: date, level: str, journey: str | None, scope: Scope,
                sla_minutes: float | None = None, parties: tuple[str, ...] | None = None
                ) -> tuple[dict[str, LeadCounts], dict[str, MarketingRevenue]]:
    """``LeadCounts`` per entity with a lead in the window and, for ``parties``, ``MarketingRevenue``
    per entity with a sale in it: one read of ``lead_sums`` for both (the scorecard's table needs both).

    The journey filter is applied inside each aggregate so that ``sold_all_journeys`` (the
    denominator of ``cost_to_serve_per_sale``) comes from the same sums.
    """
    sums = lead_sums(conn, start, end, scope, sla_minutes=sla_minutes, parties=parties)
    d = T["dealers"]
    ent, j = entity_column(level), _journey_of(sums, journey)

    def total(column: str, when: ColumnElement[bool] = sa.true()) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((when, sums.c[column]), else_=0)), 0)

    q = (sa.select(ent, total("leads", j), total("answered_in_sla", j), total("test_drives", j), total("quotes", j),
                   total("sold", j), total("revenue", j), total("sold"), total("sourced", j), total("influenced", j))
         .select_from(sums.join(d, d.c.dealer_id == sums.c.dealer_id)).group_by(ent)
         .having(sa.func.sum(sums.c.leads) != 0))
    counts, marketing = {}, {}
    for r in conn.execute(q):
        counts[str(r[0])] = LeadCounts(int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), _amount(r[6]), int(r[7]))
        if parties is not None and int(r[5]):
            marketing[str(r[0])] = MarketingRevenue(_amount(r[8]), _amount(r[9]))
    return counts, marketing


def _amount(value: object) -> float:
    """A money sum to the millionth: a month read whole less its days outside the window leaves
    float residue (-1.8e-12 where nothing was sold), which must not show as a negative zero."""
    return round(float(value or 0.0), 6) + 0.0  # type: ignore[arg-type]


LEAD_SUMS = tuple(c.name for c in lead_months.columns if c.name not in ("month", "dealer_id", "journey"))
"""The measures of ``lead_sums`` and of the ``lead_months`` summary, in this order: leads,
answered_in_sla, test_drives, quotes, sold, revenue, sourced, influenced."""


def lead_months_params(sla_minutes: float, parties: tuple[str, ...]) -> str:
    """How ``summary_state`` records the SLA and the marketing parties ``lead_months`` was built with."""
    return f"sla_minutes={float(sla_minutes)!r};parties={','.join(sorted(parties))}"


def lead_months_select(sla_minutes: float, parties: tuple[str, ...]) -> sa.Select:
    """``lead_months``' rows: ``LEAD_SUMS`` per creation month x dealer x journey of every lead,
    sourced / influenced read from ``sold_lead_facts`` (built before it in the same rebuild)."""
    l = T["leads"]  # noqa: E741
    return (sa.select(month_of(l.c.created_at), l.c.dealer_id, l.c.journey,
                      *_lead_measures(_facts_terms(parties), sla_minutes, parties))
            .select_from(l.outerjoin(sold_lead_facts, sold_lead_facts.c.lead_id == l.c.lead_id))
            .group_by(month_of(l.c.created_at), l.c.dealer_id, l.c.journey))


def lead_sums(conn: Connection, start: date, end: date, scope: Scope, sla_minutes: float | None = None,
              parties: tuple[str, ...] | None = None) -> sa.Subquery:
    """``LEAD_SUMS`` per dealer x journey of the leads created in the window, the dealers in scope.

    ``answered_in_sla`` counts at ``sla_minutes`` and ``sourced`` / ``influenced`` for ``parties``;
    either left None is 0 (not computed). When ``lead_months`` is current and was built with the SLA
    and parties asked for, the months the window covers more than half of are read from it and the
    other days added from, or the days outside the window taken away with, the leads
    (``windows.signed_months``), so a window ending on the 30th reads one day of leads, not a
    month. The parts add up to what the leads alone give (tests/core/test_summaries.py). A dealer x
    journey whose leads all lie in days taken away sums to 0 (the callers skip it)."""
    months, edges = windows.signed_months(start, end)
    if months is None or not _rollup_fits(conn, sla_minutes, parties):
        months, edges = None, [(start, end, 1)]
    d, l, r = T["dealers"], T["leads"], lead_months  # noqa: E741
    parts: list[sa.Select] = []
    if months is not None:
        wanted = [sa.func.sum(r.c[m]) if _wanted(m, sla_minutes, parties) else sa.literal(0) for m in LEAD_SUMS]
        parts.append(sa.select(*_named(r.c.dealer_id, r.c.journey, wanted))
                     .select_from(r.join(d, d.c.dealer_id == r.c.dealer_id))
                     .where(r.c.month >= months[0], r.c.month <= months[1], dealer_in_scope(scope, d))
                     .group_by(r.c.dealer_id, r.c.journey))
    terms = _marketing_terms(conn, parties) if parties is not None and edges else None
    for lo, hi, sign in edges:
        measures = _lead_measures(terms, sla_minutes, parties)
        parts.append(sa.select(*_named(l.c.dealer_id, l.c.journey, measures if sign > 0 else [-m for m in measures]))
                     .select_from(terms[2] if terms is not None else _leads_join())
                     .where(_lead_where(lo, hi, None, scope))
                     .group_by(l.c.dealer_id, l.c.journey))
    return (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery("lead_sums")


def _named(dealer: sa.ColumnElement, journey: sa.ColumnElement,
           measures: list[sa.ColumnElement]) -> list[sa.ColumnElement]:
    """A part of ``lead_sums``: its columns named ``dealer_id, journey, *LEAD_SUMS``."""
    return [dealer.label("dealer_id"), journey.label("journey"), *(m.label(n) for m, n in zip(measures, LEAD_SUMS))]


def _wanted(measure: str, sla_minutes: float | None, parties: tuple[str, ...] | None) -> bool:
    return not ((measure == "answered_in_sla" and sla_minutes is None)
                or (measure in ("sourced", "influenced") and parties is None))


def _rollup_fits(conn: Connection, sla_minutes: float | None, parties: tuple[str, ...] | None) -> bool:
    """``lead_months`` is current and was built with the SLA and parties asked for (those not None)."""
    built = summary_params(conn, lead_months)
    if not built:
        return False
    held = set(built.split(";"))
    sla, marketing = lead_months_params(sla_minutes or 0.0, parties or ()).split(";")
    return (sla_minutes is None or sla in held) and (parties is None or marketing in held)


def _lead_measures(terms: tuple[ColumnElement[bool], ...] | None,
                   sla_minutes: float | None, parties: tuple[str, ...] | None) -> list[sa.ColumnElement]:
    """``LEAD_SUMS`` over leads rows (``terms``: first touch by a marketing party, any such touch)."""
    l = T["leads"]  # noqa: E741
    sold = l.c.sold_at.is_not(None)
    rev = sa.func.coalesce(l.c.sold_revenue, 0.0)

    def revenue_if(cond: ColumnElement[bool]) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, rev), else_=0.0)), 0.0)

    answered = _count_if(within_sla(sla_minutes)) if sla_minutes is not None else sa.literal(0)
    marketing = ([revenue_if(sa.and_(sold, terms[0])), revenue_if(sa.and_(sold, terms[1]))]
                 if terms is not None and parties is not None else [sa.literal(0.0), sa.literal(0.0)])
    return [sa.func.count(), answered, sa.func.count(l.c.test_drive_at), sa.func.count(l.c.quote_at),
            sa.func.count(l.c.sold_at), revenue_if(sold), *marketing]


def _facts_terms(parties: tuple[str, ...]) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(first touch by one of ``parties``, any such touch) read from ``sold_lead_facts``; not checked
    current, since ``lead_months`` reads it in the rebuild that has just made it."""
    f = sold_lead_facts
    flags = [f.c[f"touched_{p.lower()}"] == 1 for p in parties if f"touched_{p.lower()}" in f.c]
    return f.c.first_party.in_(parties), sa.or_(sa.false(), *flags)


def _journey_of(sums: sa.Subquery, journey: str | None) -> ColumnElement[bool]:
    return sa.true() if journey is None else sums.c.journey == journey


def median_response(conn: Connection, start: date, end: date, level: str, journey: str | None,
                    scope: Scope) -> dict[str, float]:
    """Median minutes from creation to first response of the answered leads, per entity.

    ``percentile_cont(0.5)`` (the mean of the two middle values for an even count) where the
    database has it, one sort per group; else row numbers over a window (``_median_by``)."""
    l = T["leads"]  # noqa: E741
    minutes = days_between(l.c.created_at, l.c.first_response_at) * 1440
    where = sa.and_(_lead_where(start, end, journey, scope), l.c.first_response_at.is_not(None))
    if conn.dialect.name in NATIVE_MEDIAN:
        ent = entity_column(level)
        q = (sa.select(ent, sa.func.percentile_cont(0.5).within_group(minutes))
             .select_from(_leads_join()).where(where).group_by(ent))
    else:
        q = _median_by(entity_column(level), minutes, where, _leads_join())
    return {str(grp): float(med) for grp, med in conn.execute(q) if med is not None}


def marketing_revenue(conn: Connection, start: date, end: date, level: str, parties: tuple[str, ...],
                      journey: str | None, scope: Scope) -> dict[str, MarketingRevenue]:
    """``sourced_revenue`` and ``influenced_revenue`` per entity.

    Over sold leads in the window and their touchpoints up to ``sold_at`` (a touch after the
    sale cannot source or influence it, as in attribution). The first touchpoint is the one
    with the earliest ``ts``, ties broken by channel name so the answer is deterministic.
    Summed by ``lead_sums``: from ``sold_lead_facts`` (one row per sold lead) when it is current,
    otherwise by correlated look-ups on the index ``touchpoints(lead_id, ts)`` per sold lead, so
    the cost follows the sold leads in the window, not the size of the touchpoints table.
    """
    return lead_totals(conn, start, end, level, journey, scope, parties=parties)[1]


def _before_sale() -> ColumnElement[bool]:
    l, tp = T["leads"], T["touchpoints"]  # noqa: E741
    return sa.and_(tp.c.lead_id == l.c.lead_id, tp.c.ts <= l.c.sold_at)


def _first_party() -> sa.ScalarSelect:
    """Party of a lead's first touchpoint up to its sale (earliest ``ts``, ties by channel name)."""
    tp = T["touchpoints"]
    return sa.select(tp.c.party).where(_before_sale()).order_by(tp.c.ts, tp.c.channel).limit(1).scalar_subquery()


def _marketing_terms(conn: Connection, parties: tuple[str, ...]
                     ) -> tuple[ColumnElement[bool], ColumnElement[bool], sa.FromClause]:
    """(first touch up to the sale by one of ``parties``, any such touch, leads x dealers with
    what both read). Meaningful for sold leads; from ``sold_lead_facts`` when it is current."""
    l, tp, f = T["leads"], T["touchpoints"], sold_lead_facts  # noqa: E741
    if summary_current(conn, f):
        return (*_facts_terms(parties), _leads_join().outerjoin(f, f.c.lead_id == l.c.lead_id))
    any_marketing = sa.exists().where(_before_sale(), tp.c.party.in_(parties))
    return _first_party().in_(parties), any_marketing, _leads_join()


def dealer_month_sums(conn: Connection, start: date, end: date, level: str, scope: Scope) -> dict[str, DealerMonthSums]:
    """``dealer_months`` sums per entity over the months whose first day lies in the window."""
    dm, d = T["dealer_months"], T["dealers"]
    ent = entity_column(level)
    lo, hi = month_bounds(start, end)
    q = (sa.select(ent, sa.func.count(), sa.func.sum(dm.c.service_customers_prior),
                   sa.func.sum(dm.c.service_customers_retained), sa.func.avg(dm.c.csat),
                   sa.func.sum(dm.c.campaigns_offered), sa.func.sum(dm.c.campaigns_joined),
                   sa.func.sum(dm.c.cost_to_serve))
         .select_from(dm.join(d, dm.c.dealer_id == d.c.dealer_id))
         .where(dm.c.period >= lo, dm.c.period <= hi, dealer_in_scope(scope, d))
         .group_by(ent))
    return {str(r[0]): DealerMonthSums(int(r[1]), float(r[2] or 0), float(r[3] or 0),
                                       None if r[4] is None else float(r[4]), float(r[5] or 0),
                                       float(r[6] or 0), float(r[7] or 0))
            for r in conn.execute(q)}


def funnel_counts(conn: Connection, start: date, end: date, sla_minutes: float, journey: str | None,
                  scope: Scope, level: str | None = None, entity: str | None = None) -> FunnelCounts:
    """Lead-handling funnel counts in the window, for everything in scope or one entity."""
    sums = lead_sums(conn, start, end, scope, sla_minutes=sla_minutes)
    d = T["dealers"]
    where = _journey_of(sums, journey)
    if level is not None and entity is not None:
        where = sa.and_(where, entity_column(level) == entity)
    q = (sa.select(*(sa.func.coalesce(sa.func.sum(sums.c[m]), 0)
                     for m in ("leads", "answered_in_sla", "test_drives", "quotes", "sold")))
         .select_from(sums.join(d, d.c.dealer_id == sums.c.dealer_id)).where(where))
    return FunnelCounts(*(int(v or 0) for v in conn.execute(q).one()))


def heatmap_cells(conn: Connection, start: date, end: date, segment_level: str, scope: Scope,
                  parties: tuple[str, ...] = ("OEM", "MEDIA")) -> list[HeatCell]:
    """Leads, sold leads, sold revenue and marketing-sourced revenue (first touch up to the sale by
    one of ``parties``, as ``marketing_revenue``) per journey and segment (region or dealer group)."""
    sums = lead_sums(conn, start, end, scope, parties=parties)
    d = T["dealers"]
    seg = entity_column(segment_level)
    q = (sa.select(sums.c.journey, seg, *(sa.func.sum(sums.c[m]) for m in ("leads", "sold", "revenue", "sourced")))
         .select_from(sums.join(d, d.c.dealer_id == sums.c.dealer_id))
         .group_by(sums.c.journey, seg).order_by(sums.c.journey, seg))
    return [HeatCell(str(j), str(s), int(n), int(k), _amount(r), _amount(m))
            for j, s, n, k, r, m in conn.execute(q) if n]


def _median_by(group_col: sa.ColumnElement, value_col: sa.ColumnElement,
               where: ColumnElement[bool], select_from: sa.FromClause) -> sa.Select:
    """Median of ``value_col`` per group with window functions (mean of the two middle rows).

    Same contract as ``queries.common.median_by``, whose ``rn IN ((cnt + 1) / 2, (cnt + 2) / 2)``
    is a true division under SQLAlchemy 2 and drops the lower middle row for even counts (see
    the xfail in tests/core/test_board.py). The middle rows are picked without a division:
    ``cnt <= 2 * rn <= cnt + 2``. Swap back once ``median_by`` is fixed.
    """
    inner = (sa.select(group_col.label("grp"), value_col.label("val"),
                       sa.func.row_number().over(partition_by=group_col, order_by=value_col).label("rn"),
                       sa.func.count().over(partition_by=group_col).label("cnt"))
             .select_from(select_from).where(where).subquery())
    return (sa.select(inner.c.grp, sa.func.avg(inner.c.val).label("median"))
            .where(2 * inner.c.rn >= inner.c.cnt, 2 * inner.c.rn <= inner.c.cnt + 2)
            .group_by(inner.c.grp))


def lead_date_range(conn: Connection, scope: Scope) -> tuple[date, date] | None:
    """Dates of the first and the last lead in scope, or None when there are no leads."""
    l, d = T["leads"], T["dealers"]  # noqa: E741
    q = (sa.select(sa.func.min(l.c.created_at), sa.func.max(l.c.created_at))
         .select_from(_leads_join()).where(dealer_in_scope(scope, d)))
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
