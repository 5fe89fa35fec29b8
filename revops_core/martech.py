"""Martech ROI of METRICS.md "Attribution": tool cost against attributed ecosystem revenue and margin.

ROI = (attributed revenue x gross margin - martech cost) / martech cost (None when the cost is 0),
with the gross margin from config (``ecosystem.gross_margin``) and the attributed revenue of
``revops_core.attribution_report`` (sold revenue of the window's sold leads with at least one
touchpoint up to the sale).

Choices where METRICS.md is silent (also stated on the page):

- Cost of a window: the "TTM share" of ``annual_cost`` is prorated by calendar days,
  ``annual_cost x days in the window / 365`` (a 365-day window costs one year of licences).
- By journey: a tool's cost is split evenly over the journeys in its ``;``-separated
  ``journeys``; a tool with no journey lands in "Not assigned to a journey" (a cost without
  revenue, so no ROI). A journey's revenue is the attributed revenue of its sold leads.
- By segment (region or dealer group): revenue is the attributed revenue of the segment's
  dealers; the total cost is allocated by the segment's share of the leads created in the window.
- Scope: tools are bought for the whole ecosystem; a caller who sees only some dealer groups
  bears the cost share of their leads (leads created in the window in scope / all of them).
- Utilization = active users / licensed users (None with no licence).
- Overlap: a category with more than one tool.
- Retire candidates (constants below, not config): utilization below 25%, or redundant: in an
  overlapping category, utilization below 50% while another tool of the category is better
  used. A well-used second tool (a dealer CRM beside the OEM's) is not flagged for the
  overlap alone. The money freed is the candidates' annual cost (and its share in the window).
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection

from revops_core import formatting
from revops_core.attribution import AttributionError
from revops_core.config import AppConfig
from revops_core.queries import attribution as q
from revops_core.queries.common import EVERYTHING, Scope, ratio

DAYS_PER_YEAR = 365
RETIRE_UTILIZATION_BELOW = 0.25
"""A tool used by fewer than this share of its licensed users is a retire candidate."""
REDUNDANT_UTILIZATION_BELOW = 0.50
"""In an overlapping category, a tool below this utilization with a better-used sibling is redundant."""
UNASSIGNED = "(none)"
"""Key of the cost of tools listed under no journey."""
SEGMENT_LEVELS: dict[str, str] = {"region": "Region", "dealer_group": "Dealer group"}


@dataclass(frozen=True)
class Tool:
    """One martech tool (``martech_tools``), its journeys split from the ``;``-separated field."""

    tool_id: str
    name: str
    category: str
    annual_cost: float
    owner: str
    licensed_users: int
    active_users: int
    journeys: tuple[str, ...] = ()

    @property
    def utilization(self) -> float | None:
        """active users / licensed users; None with no licensed user."""
        return ratio(self.active_users, self.licensed_users)


@dataclass(frozen=True)
class RoiLine:
    """Attributed revenue, margin, allocated cost and ROI of the whole, a journey or a segment."""

    key: str
    attributed_revenue: float | None
    margin: float | None
    cost: float
    roi: float | None
    leads: int | None = None


@dataclass(frozen=True)
class CategoryOverlap:
    """A category with more than one tool: its tools (best utilised first) and their annual cost."""

    category: str
    tools: tuple[Tool, ...]
    annual_cost: float


@dataclass(frozen=True)
class RetireCandidate:
    """A tool to consider retiring, with the reasons in words."""

    tool: Tool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class MartechReport:
    """Martech ROI over ``[start, end]`` and the tool stack's utilization, overlap and retire candidates."""

    start: date
    end: date
    days: int
    gross_margin: float
    cost_share: float
    overall: RoiLine
    by_journey: tuple[RoiLine, ...]
    by_segment: dict[str, tuple[RoiLine, ...]]
    tools: tuple[Tool, ...]
    overlaps: tuple[CategoryOverlap, ...]
    retire_candidates: tuple[RetireCandidate, ...]

    @property
    def money_freed_annual(self) -> float:
        """Annual cost of the retire candidates."""
        return math.fsum(c.tool.annual_cost for c in self.retire_candidates)

    @property
    def money_freed_window(self) -> float:
        """The retire candidates' cost in this window (prorated by days)."""
        return window_cost(self.money_freed_annual, self.days)


# ---- pure formulas -------------------------------------------------------------------------

def window_days(start: date, end: date) -> int:
    """Calendar days in ``[start, end]``, both inclusive."""
    if end < start:
        raise AttributionError(f"The window ends ({end}) before it starts ({start}).")
    return (end - start).days + 1


def window_cost(annual_cost: float, days: int) -> float:
    """A window's share of an annual cost: ``annual_cost x days / 365``."""
    return annual_cost * days / DAYS_PER_YEAR


def roi(attributed_revenue: float, gross_margin: float, cost: float) -> float | None:
    """(attributed revenue x gross margin - cost) / cost; None when the cost is 0 (METRICS.md)."""
    if not cost:
        return None
    return (attributed_revenue * gross_margin - cost) / cost


def roi_verdict(value: float | None) -> str:
    """The ROI in words: margin at or above cost "Pays back", below it "Does not pay back"."""
    if value is None:
        return "No cost allocated"
    return "Pays back" if value >= 0 else "Does not pay back"


def parse_journeys(text: str | None) -> tuple[str, ...]:
    """``"EV_LAUNCH; FLEET"`` -> ``("EV_LAUNCH", "FLEET")``: trimmed, blanks and repeats dropped."""
    if not text:
        return ()
    return tuple(dict.fromkeys(part.strip() for part in str(text).split(";") if part.strip()))


def tool_from_row(row: Mapping[str, object]) -> Tool:
    """A ``Tool`` from a ``martech_tools`` row."""
    return Tool(str(row["tool_id"]), str(row["name"]), str(row["category"]), float(row["annual_cost"] or 0.0),
                str(row["owner"]), int(row["licensed_users"] or 0), int(row["active_users"] or 0),
                parse_journeys(row.get("journeys")))  # type: ignore[arg-type]


def journey_costs(tools: Iterable[Tool], days: int) -> dict[str, float]:
    """Each journey's cost in the window: every tool's window cost split evenly over its journeys.

    Tools with no journey add to ``UNASSIGNED``. The values sum to the stack's window cost.
    """
    costs: dict[str, float] = defaultdict(float)
    for tool in tools:
        share = window_cost(tool.annual_cost, days)
        for journey in tool.journeys or (UNASSIGNED,):
            costs[journey] += share / max(1, len(tool.journeys))
    return dict(costs)


def allocate_by_leads(total_cost: float, leads: Mapping[str, int]) -> dict[str, float]:
    """``total_cost`` shared by each segment's share of the leads ({} when there are no leads)."""
    total = sum(leads.values())
    if total <= 0:
        return {}
    return {segment: total_cost * n / total for segment, n in leads.items()}


def overlaps(tools: Sequence[Tool]) -> tuple[CategoryOverlap, ...]:
    """Categories with more than one tool, largest annual cost first; tools best utilised first."""
    by_category: dict[str, list[Tool]] = defaultdict(list)
    for tool in tools:
        by_category[tool.category].append(tool)
    found = [CategoryOverlap(cat, tuple(sorted(ts, key=lambda t: (-(t.utilization or 0.0), t.tool_id))),
                             math.fsum(t.annual_cost for t in ts))
             for cat, ts in by_category.items() if len(ts) > 1]
    return tuple(sorted(found, key=lambda o: (-o.annual_cost, o.category)))


def retire_candidates(tools: Sequence[Tool]) -> tuple[RetireCandidate, ...]:
    """Tools below ``RETIRE_UTILIZATION_BELOW``, or redundant in an overlapping category (see module doc).

    Largest annual cost first.
    """
    siblings = {o.category: o.tools for o in overlaps(tools)}
    found = []
    for tool in tools:
        use = tool.utilization
        if use is None:
            continue
        reasons = []
        if use < RETIRE_UTILIZATION_BELOW:
            reasons.append(f"Only {formatting.count(tool.active_users)} of {formatting.count(tool.licensed_users)} "
                           f"licensed users are active ({formatting.percent(use, 0)}, below "
                           f"{formatting.percent(RETIRE_UTILIZATION_BELOW, 0)}).")
        better = [t for t in siblings.get(tool.category, ()) if t is not tool and (t.utilization or 0.0) > use]
        if better and use < REDUNDANT_UTILIZATION_BELOW:
            best = better[0]
            reasons.append(f"Overlaps with {best.name} in {tool.category}, which is used by "
                           f"{formatting.percent(best.utilization, 0)} of its licensed users.")
        if reasons:
            found.append(RetireCandidate(tool, tuple(reasons)))
    return tuple(sorted(found, key=lambda c: (-c.tool.annual_cost, c.tool.tool_id)))


def build_report(start: date, end: date, tools: Sequence[Tool], segments: Sequence[q.SegmentRow],
                 gross_margin: float, cost_share: float = 1.0) -> MartechReport:
    """Martech ROI from tools and attributed revenue by journey x region x dealer group (pure).

    ``cost_share`` is the share of the window's leads the caller's scope holds (1 for everything).
    """
    days = window_days(start, end)
    total_cost = math.fsum(window_cost(t.annual_cost, days) for t in tools) * cost_share
    revenue = math.fsum(s.attributed_revenue for s in segments)
    leads = sum(s.leads_created for s in segments)
    overall = _line("all", revenue, total_cost, gross_margin, leads)

    revenue_by_journey: dict[str, float] = defaultdict(float)
    for s in segments:
        revenue_by_journey[s.journey] += s.attributed_revenue
    costs = {j: c * cost_share for j, c in journey_costs(tools, days).items()}
    journeys = sorted(set(costs) | set(revenue_by_journey), key=lambda j: (j == UNASSIGNED, j))
    by_journey = tuple(
        RoiLine(j, None, None, costs[j], None) if j == UNASSIGNED
        else _line(j, revenue_by_journey.get(j, 0.0), costs.get(j, 0.0), gross_margin)
        for j in journeys)

    by_segment: dict[str, tuple[RoiLine, ...]] = {}
    for level in SEGMENT_LEVELS:
        seg_revenue: dict[str, float] = defaultdict(float)
        seg_leads: dict[str, int] = defaultdict(int)
        for s in segments:
            key = getattr(s, level)
            seg_revenue[key] += s.attributed_revenue
            seg_leads[key] += s.leads_created
        seg_cost = allocate_by_leads(total_cost, seg_leads)
        by_segment[level] = tuple(sorted(
            (_line(k, seg_revenue[k], seg_cost.get(k, 0.0), gross_margin, seg_leads[k]) for k in seg_revenue),
            key=lambda line: (-(line.attributed_revenue or 0.0), line.key)))
    return MartechReport(start, end, days, gross_margin, cost_share, overall, by_journey, by_segment,
                         tuple(tools), overlaps(tools), retire_candidates(tools))


def _line(key: str, revenue: float, cost: float, gross_margin: float, leads: int | None = None) -> RoiLine:
    return RoiLine(key, revenue, revenue * gross_margin, cost, roi(revenue, gross_margin, cost), leads)


# ---- from the database ---------------------------------------------------------------------

def martech_report(conn: Connection, start: date, end: date, cfg: AppConfig,
                   scope: Scope = EVERYTHING) -> MartechReport:
    """Martech ROI over ``[start, end]`` (dates inclusive) from the database (see the module doc)."""
    window_days(start, end)
    tools = [tool_from_row(row) for row in q.martech_tools(conn)]
    segments = q.segment_rows(conn, start, end, scope)
    share = 1.0
    if not scope.is_everything:
        share = ratio(sum(s.leads_created for s in segments), q.lead_count_all(conn, start, end)) or 0.0
    return build_report(start, end, tools, segments, cfg.rules.ecosystem.gross_margin, share)
