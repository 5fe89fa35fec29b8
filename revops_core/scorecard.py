"""Ecosystem scorecard of METRICS.md ("Ecosystem scorecard"): KPIs, composite score, quartile, trend.

``scorecard(conn, start, end, level, cfg, journey, scope)`` returns a frozen ``Scorecard``; its
``to_json`` is the ``scorecard --json`` object. The sums come from
``revops_core.queries.scorecard``; the formulas and the peer ranking live here as pure
functions. Ratios with a zero denominator are ``None`` (shown as "n/a").

Choices where METRICS.md is silent (documented on the page as well):

- Percentile rank of a KPI = share of the *other* entities with a value that is worse, ties
  counted half; KPIs in ``lower_is_better`` are inverted; entities whose KPI is ``None`` are
  left out of that KPI's comparison, and a KPI that is ``None`` for an entity (or has no
  peer to compare with) is left out of its composite, the remaining weights renormalised.
- Composite score = 100 x weighted mean of the percentile ranks (weights from config).
- Quartile (1 = top) = 1 + floor(4 x (entities with a strictly higher score) / entities scored).
- Trend = composite score minus the composite score over the previous window of the same
  length (ranked among the same level's entities in that window), in points.
- The journey filter narrows the lead KPIs; the ``dealer_months`` KPIs have no journey, so
  they (and the denominator of ``cost_to_serve_per_sale``, sold leads of every journey)
  describe the whole dealer.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from revops_core import formatting
from revops_core.config import AppConfig
from revops_core.queries import scorecard as q
from revops_core.queries.common import EVERYTHING, Scope, ratio

KPIS: tuple[str, ...] = (
    "leads", "response_sla_rate", "median_response_minutes", "test_drive_rate", "quote_rate",
    "conversion_rate", "revenue", "service_retention", "csat", "campaign_participation",
    "cost_to_serve_per_sale", "dealer_productivity", "sourced_revenue", "influenced_revenue",
)
JSON_KEYS: tuple[str, ...] = (*KPIS, "composite_score", "quartile")
ADDITIVE_KPIS: tuple[str, ...] = ("leads", "revenue", "sourced_revenue", "influenced_revenue")

# label and format of every column of the scorecard table
KPI_LABELS: dict[str, tuple[str, str]] = {
    "leads": ("Leads", "count"),
    "response_sla_rate": ("Answered within SLA", "percent"),
    "median_response_minutes": ("Median response", "minutes"),
    "test_drive_rate": ("Test-drive rate", "percent"),
    "quote_rate": ("Quote rate", "percent"),
    "conversion_rate": ("Conversion rate", "percent"),
    "revenue": ("Revenue", "money"),
    "service_retention": ("Service retention", "percent"),
    "csat": ("CSAT (0-100)", "score"),
    "campaign_participation": ("Campaign participation", "percent"),
    "cost_to_serve_per_sale": ("Cost to serve per sale", "money"),
    "dealer_productivity": ("Sales per salesperson per month", "decimal"),
    "sourced_revenue": ("Marketing-sourced revenue", "money"),
    "influenced_revenue": ("Marketing-influenced revenue", "money"),
    "composite_score": ("Composite score (0-100)", "score0"),
    "quartile": ("Quartile", "quartile"),
}
LEVEL_LABELS: dict[str, str] = {"dealer": "Dealer", "dealer_group": "Dealer group", "region": "Region"}

# KPIs that need their own query; the others come from the lead, dealer-month and entity queries
_MEDIAN_KPIS = frozenset({"median_response_minutes"})
_TOUCH_KPIS = frozenset({"sourced_revenue", "influenced_revenue"})


@dataclass(frozen=True)
class ScorecardRow:
    """One entity's KPIs, composite score, quartile and trend (score points vs the previous window)."""

    entity: str
    name: str
    kpis: dict[str, float | None]
    composite_score: float | None
    quartile: int | None
    previous_score: float | None = None
    trend: float | None = None
    counts: q.LeadCounts = q.LeadCounts()

    def to_json(self) -> dict[str, Any]:
        """The row of ``scorecard --json``: exactly ``JSON_KEYS``."""
        kpis = {k: self.kpis.get(k) for k in KPIS}
        if kpis.get("leads") is not None:
            kpis["leads"] = int(kpis["leads"])  # a count: 694, not 694.0
        return {**kpis, "composite_score": self.composite_score, "quartile": self.quartile}


@dataclass(frozen=True)
class Scorecard:
    """The scorecard at one level over ``[start, end]``; rows best composite score first."""

    level: str
    start: date
    end: date
    journey: str | None
    rows: tuple[ScorecardRow, ...]
    previous_start: date | None = None
    previous_end: date | None = None
    peer_note: str | None = None   # "not enough peers to compare" when a shared view shows no peer

    def totals(self) -> dict[str, float | None]:
        """Sums over every row of the additive KPIs, and the marketing-sourced share of revenue."""
        sums: dict[str, float | None] = {k: sum(r.kpis[k] or 0.0 for r in self.rows) for k in ADDITIVE_KPIS}
        sums["sourced_share"] = ratio(sums["sourced_revenue"], sums["revenue"])
        sums["influenced_share"] = ratio(sums["influenced_revenue"], sums["revenue"])
        return sums

    def funnel(self) -> list[FunnelStep]:
        """The lead-handling funnel of every row together, from the rows' SQL counts (no extra scan)."""
        totals = {key: sum(getattr(r.counts, key) for r in self.rows) for key, _ in FUNNEL_STEPS}
        return [FunnelStep(key, label, totals[key], ratio(totals[key], totals["leads"]))
                for key, label in FUNNEL_STEPS]

    def to_json(self) -> dict[str, Any]:
        """``{"rows": {entity: {kpi: value}}}``, entities in sorted order (and ``"peers": "not enough
        peers to compare"`` when a shared view shows no peer)."""
        rows = {"rows": {r.entity: r.to_json() for r in sorted(self.rows, key=lambda r: r.entity)}}
        return rows if self.peer_note is None else {**rows, "peers": self.peer_note}


# ---- windows -------------------------------------------------------------------------------

def months_touched(start: date, end: date) -> int:
    """Calendar months the window ``[start, end]`` touches ("months in the window")."""
    return max(0, (end.year - start.year) * 12 + end.month - start.month + 1)


def previous_window(start: date, end: date) -> tuple[date, date]:
    """The window of the same length that ends the day before ``start``."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


# ---- KPI formulas --------------------------------------------------------------------------

def entity_kpis(info: q.EntityInfo, leads: q.LeadCounts, months: q.DealerMonthSums, median: float | None,
                marketing: q.MarketingRevenue, months_in_window: int) -> dict[str, float | None]:
    """Every KPI of METRICS.md "Ecosystem scorecard" for one entity, from its sums."""
    productivity = ratio(leads.sold, info.salespeople * months_in_window)
    return {
        "leads": float(leads.leads),
        "response_sla_rate": ratio(leads.answered_in_sla, leads.leads),
        "median_response_minutes": median,
        "test_drive_rate": ratio(leads.test_drives, leads.leads),
        "quote_rate": ratio(leads.quotes, leads.leads),
        "conversion_rate": ratio(leads.sold, leads.leads),
        "revenue": leads.revenue,
        "service_retention": ratio(months.service_retained, months.service_prior),
        "csat": months.csat_mean,
        "campaign_participation": ratio(months.campaigns_joined, months.campaigns_offered),
        "cost_to_serve_per_sale": ratio(months.cost_to_serve if months.rows else None, leads.sold_all_journeys),
        "dealer_productivity": productivity,
        "sourced_revenue": marketing.sourced,
        "influenced_revenue": marketing.influenced,
    }


# ---- peer ranking --------------------------------------------------------------------------

def percentile_ranks(values: Mapping[str, float | None], lower_is_better: bool = False) -> dict[str, float | None]:
    """Each entity's share of the other entities with a worse value, ties counted half.

    Entities with ``None`` are left out (rank ``None``), and so is an entity with no peer.
    """
    present = {e: float(v) for e, v in values.items() if v is not None}
    ordered = sorted(present.values())
    peers = len(ordered) - 1
    out: dict[str, float | None] = {e: None for e in values}
    if peers < 1:
        return out
    for e, v in present.items():
        below, above = bisect_left(ordered, v), len(ordered) - bisect_right(ordered, v)
        ties = len(ordered) - below - above - 1
        worse = above if lower_is_better else below
        out[e] = (worse + ties / 2) / peers
    return out


def composite_scores(kpis: Mapping[str, Mapping[str, float | None]], weights: Mapping[str, float],
                     lower_is_better: Iterable[str] = ()) -> dict[str, float | None]:
    """Composite score 0-100 per entity: weighted mean of its percentile ranks, weights renormalised."""
    lower = set(lower_is_better)
    ranks = {k: percentile_ranks({e: row.get(k) for e, row in kpis.items()}, k in lower) for k in weights}
    out: dict[str, float | None] = {}
    for e in kpis:
        used = [(weights[k], ranks[k][e]) for k in weights if ranks[k][e] is not None and weights[k] > 0]
        total = sum(w for w, _ in used)
        out[e] = 100.0 * sum(w * r for w, r in used) / total if total > 0 else None  # type: ignore[operator]
    return out


def quartiles(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """Quartile among peers (1 = top): 1 + floor(4 x entities with a strictly higher score / scored)."""
    present = sorted(v for v in scores.values() if v is not None)
    n = len(present)
    return {e: None if v is None else 1 + (4 * (n - bisect_right(present, v))) // n for e, v in scores.items()}


def anonymise(rows: Iterable[ScorecardRow], own_entity: str) -> list[ScorecardRow]:
    """The own entity's row plus every peer labelled "Peer A", "Peer B", ... (no names, no ids, no
    counts or money: ``as_peer``).

    Peers are labelled best composite score first (then by their rates), so the labels do not
    follow names or ids; the own row comes first.
    """
    rows = list(rows)
    own = [r for r in rows if r.entity == own_entity]
    peers = sorted((r for r in rows if r.entity != own_entity), key=_peer_order)
    return own + [as_peer(r, peer_label(i)) for i, r in enumerate(peers)]


NOT_ENOUGH_PEERS = "not enough peers to compare"
# what a peer's row may show (METRICS.md: peers shown to a dealer group are anonymous): scores,
# percentiles, quartiles and rates; never a count (leads) or an amount of money
PEER_KPIS: frozenset[str] = frozenset(k for k in KPIS if KPI_LABELS[k][1] in ("percent", "score", "decimal"))


def peer_label(index: int) -> str:
    """"Peer A" for index 0, ..., "Peer Z", "Peer AA", ... (spreadsheet column letters)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"Peer {letters}"


def as_peer(row: ScorecardRow, label: str) -> ScorecardRow:
    """``row`` as an anonymous peer: ``label`` for entity and name, its rate and score KPIs, its
    composite score, quartile and trend; no counts, no money, no funnel counts."""
    return ScorecardRow(label, label, {k: v for k, v in row.kpis.items() if k in PEER_KPIS},
                        row.composite_score, row.quartile, None, row.trend)


@dataclass(frozen=True)
class SharedScorecard:
    """What a dealer group (or region) sees: ``table`` keeps every row in rank order (the
    benchmark) but names only its own entities, every other one as "Peer A", "Peer B", ...;
    ``own`` holds its rows alone, for the totals and the funnel. ``peers_shown`` is False when
    fewer than ``min_peers`` other entities exist at the level: ``table`` then holds its own rows
    without any score relative to others, and says "not enough peers to compare"."""

    table: Scorecard
    own: Scorecard
    peers_shown: bool = True


def share_with(card: Scorecard, own_entities: Collection[str], min_peers: int = 1) -> SharedScorecard:
    """The scorecard as a dealer group may see it (METRICS.md ecosystem scorecard: its own
    figures and anonymous peer benchmarks, never another group's name, id, count or money).

    Peers are labelled in the table's rank order, so a label holds within this view and means
    nothing in another (another level, window or journey ranks differently). With fewer than
    ``min_peers`` other entities nobody else is shown and the own rows lose their composite
    score, quartile and trend (with so few peers they would describe the others).
    """
    own = frozenset(own_entities)
    mine = replace(card, rows=tuple(r for r in card.rows if r.entity in own))
    if len(card.rows) - len(mine.rows) < min_peers:
        alone = tuple(replace(r, composite_score=None, quartile=None, previous_score=None, trend=None)
                      for r in mine.rows)
        return SharedScorecard(replace(card, rows=alone, peer_note=NOT_ENOUGH_PEERS), mine, peers_shown=False)
    labels = (peer_label(i) for i in range(len(card.rows)))
    rows = tuple(r if r.entity in own else as_peer(r, next(labels)) for r in card.rows)
    return SharedScorecard(replace(card, rows=rows), mine)


def levels_for(scope: Scope) -> tuple[str, ...]:
    """The levels a viewer may compare at: every level for every dealer; a dealer group its dealers
    and the groups; a region its dealers and the regions (a group spans regions)."""
    if scope.every_dealer:
        return tuple(q.LEVELS)
    return ("dealer", "dealer_group") if scope.regions is None else ("dealer", "region")


def own_entities(conn: Connection, level: str, scope: Scope) -> frozenset[str]:
    """The entities at ``level`` all of whose dealers lie in ``scope`` (a group of a region's
    dealers is its own only when every one of its dealers is in that region)."""
    inside, every = q.entities(conn, level, scope), q.entities(conn, level, EVERYTHING)
    return frozenset(e for e, info in inside.items() if info.dealers == every[e].dealers)


def _peer_order(row: ScorecardRow) -> tuple[float, ...]:
    score = row.composite_score if row.composite_score is not None else -1.0
    return (-score, *(-(row.kpis.get(k) or 0.0) for k in sorted(PEER_KPIS)))


# ---- assembling the scorecard --------------------------------------------------------------

@dataclass(frozen=True)
class KpiTable:
    infos: dict[str, q.EntityInfo]
    counts: dict[str, q.LeadCounts]
    kpis: dict[str, dict[str, float | None]]


def kpi_table(conn: Connection, start: date, end: date, level: str, cfg: AppConfig, journey: str | None = None,
              scope: Scope = EVERYTHING, needed: frozenset[str] | None = None) -> KpiTable:
    """Entities at ``level``, their lead counts and KPIs over ``[start, end]``; ``needed`` skips optional queries."""
    eco = cfg.rules.ecosystem
    want = frozenset(KPIS) if needed is None else needed
    with _beside(conn, q.median_response if want & _MEDIAN_KPIS else None,
                 start, end, level, journey, scope) as median:
        infos = q.entities(conn, level, scope)
        leads, mkt = q.lead_totals(conn, start, end, level, journey, scope, eco.response_sla_minutes,
                                   eco.marketing_parties if want & _TOUCH_KPIS else None)
        months = q.dealer_month_sums(conn, start, end, level, scope)
        medians = median()
    n_months = months_touched(start, end)
    table = {e: entity_kpis(info, leads.get(e, q.LeadCounts()), months.get(e, q.DealerMonthSums()),
                            medians.get(e), mkt.get(e, q.MarketingRevenue()), n_months)
             for e, info in infos.items()}
    return KpiTable(infos, leads, table)


@contextmanager
def _beside(conn: Connection, query: Callable[..., dict[str, float]] | None,
            *args: object) -> Iterator[Callable[[], dict[str, float]]]:
    """Run ``query(conn, *args)`` while the block runs; the block calls what it yields for the answer.

    On PostgreSQL the query runs on a second connection of the same engine, in a thread: the exact
    median response time sorts every answered lead of the window (~1 s for a year at the contract's
    large scale) while this connection reads the sums, one server process each (2 cores: 1.6 s ->
    1.1 s). Elsewhere (an in-memory SQLite database is one connection's own; DuckDB answers in
    ~0.1 s) it runs on ``conn`` when asked for. None: no query, an empty answer."""
    if query is None:
        yield dict
        return
    if conn.dialect.name != "postgresql":
        yield lambda: query(conn, *args)
        return

    def run() -> dict[str, float]:
        with conn.engine.connect() as other:
            return query(other, *args)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="autorevops-median") as pool:
        future = pool.submit(run)
        yield future.result


def scorecard(conn: Connection, start: date, end: date, level: str, cfg: AppConfig, journey: str | None = None,
              scope: Scope = EVERYTHING, with_trend: bool = True) -> Scorecard:
    """The ecosystem scorecard of METRICS.md at ``level`` over ``[start, end]`` (both inclusive)."""
    if end < start:
        raise ValueError(f"the window ends ({end}) before it starts ({start})")
    eco = cfg.rules.ecosystem
    now = kpi_table(conn, start, end, level, cfg, journey, scope)
    infos, table = now.infos, now.kpis
    scores = composite_scores(table, eco.weights, eco.lower_is_better)
    quart = quartiles(scores)
    prev_start, prev_end = previous_window(start, end)
    previous: dict[str, float | None] = {}
    if with_trend:
        before = kpi_table(conn, prev_start, prev_end, level, cfg, journey, scope, frozenset(eco.weights))
        previous = composite_scores(before.kpis, eco.weights, eco.lower_is_better)
    rows = [ScorecardRow(e, infos[e].name, table[e], scores[e], quart[e], previous.get(e),
                         _delta(scores[e], previous.get(e)), now.counts.get(e, q.LeadCounts()))
            for e in table]
    rows.sort(key=lambda r: (r.composite_score is None, -(r.composite_score or 0.0), r.entity))
    return Scorecard(level, start, end, journey, tuple(rows),
                     prev_start if with_trend else None, prev_end if with_trend else None)


def share_for(card: Scorecard, scope: Scope, own: Collection[str], min_peers: int) -> SharedScorecard:
    """``card`` (ranked among every entity) as ``scope`` may see it: whole for every dealer, else
    its ``own`` entities by name and the others as anonymous peers (``share_with``)."""
    if card.level not in levels_for(scope):
        raise ValueError(f"this view compares at {', '.join(levels_for(scope))}, not {card.level}")
    return SharedScorecard(card, card) if scope.every_dealer else share_with(card, own, min_peers)


def scorecard_for(conn: Connection, start: date, end: date, level: str, cfg: AppConfig, journey: str | None,
                  scope: Scope, with_trend: bool = True) -> SharedScorecard:
    """The ecosystem scorecard as ``scope`` may see it (METRICS.md: "Peers shown to a dealer group
    are anonymous"): ranked among every entity at ``level``, then shared (``share_for``) with
    ``users.yaml`` ``min_peers``."""
    card = scorecard(conn, start, end, level, cfg, journey, EVERYTHING, with_trend)  # peers rank against all
    own = own_entities(conn, level, scope) if not scope.every_dealer else frozenset()
    return share_for(card, scope, own, cfg.users.min_peers)


def _delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


# ---- views ---------------------------------------------------------------------------------

FUNNEL_STEPS: tuple[tuple[str, str], ...] = (
    ("leads", "Leads"), ("answered_in_sla", "Answered within SLA"), ("test_drives", "Test drive"),
    ("quotes", "Quote"), ("sold", "Sold"),
)


@dataclass(frozen=True)
class FunnelStep:
    step: str
    label: str
    count: int
    share_of_leads: float | None


def funnel(conn: Connection, start: date, end: date, cfg: AppConfig, journey: str | None = None,
           scope: Scope = EVERYTHING, level: str | None = None, entity: str | None = None) -> list[FunnelStep]:
    """Lead-handling funnel lead -> answered within SLA -> test drive -> quote -> sold (counts in SQL).

    Each step counts the leads in the window that reached it, so a lead answered late can still
    count at later steps; the shares equal the scorecard's rates.
    """
    counts = q.funnel_counts(conn, start, end, cfg.rules.ecosystem.response_sla_minutes, journey, scope,
                             level, entity)
    return [FunnelStep(key, label, getattr(counts, key), ratio(getattr(counts, key), counts.leads))
            for key, label in FUNNEL_STEPS]


@dataclass(frozen=True)
class HeatmapCell:
    journey: str
    segment: str
    leads: int
    sold: int
    revenue: float
    conversion_rate: float | None
    revenue_per_lead: float | None
    sourced_revenue: float = 0.0
    sourced_share: float | None = None  # marketing-sourced revenue / revenue: where martech creates value


def heatmap(conn: Connection, start: date, end: date, segment_level: str,
            scope: Scope = EVERYTHING, parties: tuple[str, ...] = ("OEM", "MEDIA")) -> list[HeatmapCell]:
    """Journey x segment cells: leads, sold, revenue, conversion rate, revenue per lead, and the
    marketing-sourced revenue with its share of revenue (METRICS.md ecosystem scorecard:
    ``sourced_revenue``; ``parties`` are the config's marketing parties).

    ``segment_level`` is ``region`` or ``dealer_group``.
    """
    if segment_level not in ("region", "dealer_group"):
        raise ValueError(f"segment must be region or dealer_group, not {segment_level!r}")
    return [HeatmapCell(c.journey, c.segment, c.leads, c.sold, c.revenue, ratio(c.sold, c.leads),
                        ratio(c.revenue, c.leads), c.sourced, ratio(c.sourced, c.revenue))
            for c in q.heatmap_cells(conn, start, end, segment_level, scope, parties)]


def default_window(as_of: date, lead_range: tuple[date, date] | None, days: int = 90) -> tuple[date, date]:
    """Default window: the ``days`` days ending at the as-of date, or at the last lead if that is earlier."""
    end = as_of if lead_range is None else min(as_of, lead_range[1])
    return end - timedelta(days=days - 1), end


# ---- formatting ----------------------------------------------------------------------------

def minutes(value: float | None) -> str:
    """Minutes: 23 min, or 3.5 h from two hours on."""
    if value is None:
        return formatting.NA
    return f"{value:,.0f} min" if value < 120 else f"{value / 60:,.1f} h"


def kpi_text(key: str, value: float | None) -> str:
    """A KPI value as the scorecard shows it (percent, money, minutes, ...)."""
    kind = KPI_LABELS[key][1]
    if value is None:
        return formatting.NA
    special = {"minutes": minutes, "score": lambda v: f"{v:.1f}", "score0": lambda v: f"{v:.0f}",
               "decimal": lambda v: f"{v:.2f}", "quartile": lambda v: f"Q{int(v)}" + (" (top)" if v == 1 else "")}
    return special[kind](value) if kind in special else formatting.fmt(kind, value)


def trend_text(delta: float | None) -> str:
    """Composite-score change in words with an arrow: ▲ +4.2 pts, ▼ -3.0 pts, ● no change."""
    if delta is None:
        return formatting.NA
    if abs(delta) < 0.05:
        return "● no change"
    return f"▲ +{delta:.1f} pts" if delta > 0 else f"▼ -{abs(delta):.1f} pts"
