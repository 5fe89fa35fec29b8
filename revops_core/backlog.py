"""Backlog: schedule, waterfall, replenishment by quarter and ECO dynamics.

Schedule (METRICS.md "Backlog schedule and the EV scenario"): each counted award's remaining
backlog at D is spread evenly over the months from the later of its SOP month and the month
after D, to its EOP month; an empty range puts it all in the month after D. The per-award
remaining amounts come from SQL (``queries.board``); spreading over months is plain arithmetic
on those few thousand rows.

Waterfall (METRICS.md "Backlog waterfall"), BRR by quarter (``backlog_replenishment_rate`` at
each quarter end) and ECO dynamics (``eco_*`` board keys) sit on ``queries.awards`` sums.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.engine import Connection

from revops_core import bands, windows
from revops_core.config import AppConfig
from revops_core.contract import POWERTRAINS
from revops_core.errors import RevOpsError
from revops_core.queries import awards as qa
from revops_core.queries import board as q
from revops_core.queries.common import EVERYTHING, Scope, ratio

Schedule = dict[int, dict[str, float]]


def spread_by_year(remaining: float, sop: date, eop: date, as_of: date) -> dict[int, float]:
    """One award's remaining backlog spread evenly over its months, summed by calendar year."""
    start = max(windows.add_months(sop, 0), windows.add_months(as_of, 1))
    end = windows.add_months(eop, 0)
    if end < start:
        return {start.year: remaining}
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    per_month = remaining / months
    out: dict[int, float] = {}
    for year in range(start.year, end.year + 1):
        first = start.month if year == start.year else 1
        last = end.month if year == end.year else 12
        out[year] = per_month * (last - first + 1)
    return out


def backlog_schedule(conn: Connection, as_of: date, scope: Scope = EVERYTHING,
                     last_year: int | None = None) -> Schedule:
    """Remaining backlog at D by calendar year and powertrain (every powertrain key present)."""
    rows = conn.execute(backlog_select(as_of, scope)).all()
    out: defaultdict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(POWERTRAINS, 0.0))
    for r in rows:
        for year, amount in spread_by_year(float(r.remaining), r.sop_date, r.eop_date, as_of).items():
            if last_year is None or year <= last_year:
                out[year][r.powertrain] += amount
    return dict(sorted(out.items()))


def through_year(schedule: Schedule, year: int) -> Schedule:
    """The schedule's calendar years up to and including ``year``."""
    return {y: amounts for y, amounts in schedule.items() if y <= year}


def scheduled_after(schedule: Schedule, year: int) -> float:
    """Remaining backlog scheduled in the calendar years after ``year`` (all powertrains)."""
    return sum(amount for y, amounts in schedule.items() if y > year for amount in amounts.values())


def backlog_select(as_of: date, scope: Scope = EVERYTHING):  # noqa: ANN201 - a SQLAlchemy Select
    """Per counted award: remaining backlog at D (re-exported for callers of this module)."""
    return q.backlog_by_award(as_of, scope)


def powertrain_share(schedule_or_totals: dict[str, float], codes: tuple[str, ...]) -> float | None:
    """Share of the given powertrains in a powertrain -> amount mapping (None when empty)."""
    total = sum(schedule_or_totals.values())
    return sum(schedule_or_totals.get(c, 0.0) for c in codes) / total if total else None


# --- periods --------------------------------------------------------------------------------------

class PeriodError(RevOpsError, ValueError):
    """A waterfall period is not ``YYYYQn`` or ``YYYY``."""


_PERIOD = re.compile(r"^(\d{4})(?:Q([1-4]))?$")


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period given as ``YYYYQn`` (quarter) or ``YYYY`` (year)."""
    match = _PERIOD.match(period.strip())
    if not match:
        raise PeriodError(f"period {period!r} is neither a quarter (YYYYQn) nor a year (YYYY)")
    return windows.period_bounds("quarter" if match.group(2) else "year", period.strip())


def period_options(as_of: date, kind: str, count: int = 12) -> list[str]:
    """The ``count`` periods (``quarter`` or ``year``) ending with D's, most recent first."""
    if kind == "year":
        return [str(as_of.year - i) for i in range(count)]
    start = windows.quarter_start(as_of)
    return [windows.quarter_label(windows.add_months(start, -3 * i)) for i in range(count)]


# --- waterfall ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Adjustments:
    """What the adjustments bar holds, part by part (they sum to it).

    ``floors``: change in the floor-at-0 of awards whose revenue exceeded their value;
    ``completed``: in-period flows of awards now COMPLETED, which no backlog figure counts;
    ``cancelled``: the cancellations bar and in-period flows of CANCELLED awards, reversed,
    since opening and closing backlog already leave cancelled awards out (current status only);
    ``timing``: ECOs or revenue dated outside the award's own dates.
    """

    floors: float
    completed: float
    cancelled: float
    timing: float

    @property
    def total(self) -> float:
        return math.fsum((self.floors, self.completed, self.cancelled, self.timing))


@dataclass(frozen=True)
class WaterfallStep:
    key: str
    label: str
    amount: float   # signed contribution (opening and closing: the level)
    start: float    # bar bottom on the money axis
    end: float      # bar top
    kind: str       # total, increase or decrease


STEP_LABELS = {
    "opening": "Opening backlog", "awards_won": "Awards won", "eco_revenue": "Approved ECO revenue",
    "revenue_recognised": "Revenue recognised", "cancellations": "Cancellations",
    "adjustments": "Adjustments", "closing": "Closing backlog",
}


@dataclass(frozen=True)
class Waterfall:
    """METRICS.md "Backlog waterfall" for one period; the bars add up to ``closing``.

    ``through`` is the period's last day, or D when the period is not over at D.
    """

    period: str
    start: date
    through: date
    opening: float
    awards_won: float
    eco_revenue: float
    revenue_recognised: float
    cancellations: float
    adjustments: float
    closing: float
    detail: Adjustments

    @property
    def partial(self) -> bool:
        return self.through < period_bounds(self.period)[1]

    def signed(self) -> dict[str, float]:
        """Each movement bar with its sign (decreases negative)."""
        return {"awards_won": self.awards_won, "eco_revenue": self.eco_revenue,
                "revenue_recognised": -self.revenue_recognised, "cancellations": -self.cancellations,
                "adjustments": self.adjustments}

    def steps(self) -> list[WaterfallStep]:
        """Floating bars: opening, each movement from the running level, closing."""
        out = [WaterfallStep("opening", STEP_LABELS["opening"], self.opening, 0.0, self.opening, "total")]
        level = self.opening
        for key, amount in self.signed().items():
            out.append(WaterfallStep(key, STEP_LABELS[key], amount, level, level + amount,
                                     "increase" if amount >= 0 else "decrease"))
            level += amount
        out.append(WaterfallStep("closing", STEP_LABELS["closing"], self.closing, 0.0, self.closing, "total"))
        return out


def backlog_waterfall(conn: Connection, period: str, as_of: date, scope: Scope = EVERYTHING) -> Waterfall:
    """Opening + awards won + approved ECO revenue - revenue recognised - cancellations + adjustments = closing.

    Opening = ``backlog`` the day before the period starts; closing = ``backlog`` at the period's
    last day (or D, if earlier). Awards won: lifetime value of awards dated in the period, not
    CANCELLED. ECO: approved ECO revenue decided in the period. Revenue: program revenue (rows
    with an award) in months whose first day is in the period. Cancellations: see
    ``queries.awards.cancellations``. Adjustments = closing - opening - the other bars, so the
    bars add up exactly; ``detail`` explains it part by part.
    """
    start, end = period_bounds(period)
    if start > as_of:
        raise PeriodError(f"period {period} starts after the as-of date {as_of.isoformat()}")
    through = min(end, as_of)
    before = qa.backlog_sums(conn, start - timedelta(days=1), scope)
    after = qa.backlog_sums(conn, through, scope)
    flows = qa.period_flows(conn, start, through, scope)
    cancelled = qa.cancellations(conn, start, through, scope)
    won = math.fsum(v for s, v in flows.won.items() if s != "CANCELLED")
    eco, rev = math.fsum(flows.eco.values()), math.fsum(flows.revenue.values())
    opening, closing = cents(before.floored), cents(after.floored)
    bars = [cents(won), cents(eco), cents(rev), cents(cancelled)]
    adjustments = closing - (opening + bars[0] + bars[1] - bars[2] - bars[3])  # exact, in whole cents
    detail = Adjustments(
        floors=_dollars(cents((after.floored - after.unfloored) - (before.floored - before.unfloored))),
        completed=_dollars(cents(-(flows.won["COMPLETED"] + flows.eco["COMPLETED"] - flows.revenue["COMPLETED"]))),
        cancelled=_dollars(cents(cancelled - (flows.eco["CANCELLED"] - flows.revenue["CANCELLED"]))),
        timing=_dollars(cents(flows.timing)))
    return Waterfall(period, start, through, _dollars(opening), *(_dollars(b) for b in bars),
                     _dollars(adjustments), _dollars(closing), detail)


def cents(amount: float) -> int:
    """Money in whole cents, so the waterfall's bars add up exactly."""
    return round(amount * 100)


def _dollars(amount_cents: int) -> float:
    return amount_cents / 100


# --- backlog replenishment rate by quarter ---------------------------------------------------------

@dataclass(frozen=True)
class BrrPoint:
    quarter: str
    end: date
    awards_won_ttm: float
    program_revenue_ttm: float
    brr: float | None
    band: bands.BandResult


@dataclass(frozen=True)
class BrrTrend:
    """``backlog_replenishment_rate`` (TTM) at each quarter end, oldest first, with its bands."""

    points: tuple[BrrPoint, ...]
    target: float                               # 1.2: the target line
    shrinking_below: float                      # 1.0: below it the backlog shrinks
    top_quartile: tuple[float, float] | None    # 1.3-1.8
    streak: int                                 # latest quarters in a row at or above target
    required: int = 4                           # quarters in a row that make it "sustained"

    @property
    def sustained(self) -> bool:
        return self.streak >= self.required


def brr_band_lines(cfg: AppConfig) -> tuple[float, float, tuple[float, float] | None]:
    """(target, shrinking threshold, top-quartile range) from config (risks target, benchmark bands)."""
    bench = cfg.benchmarks.metrics["backlog_replenishment_rate"].bands
    mins = [b.min for b in bench if b.min is not None]
    top = next(((b.min, b.max) for b in bench if b.min is not None and b.max is not None), None)
    return cfg.rules.risks.brr_target, min(mins) if mins else 1.0, top


def quarter_ends_through(as_of: date, count: int) -> list[date]:
    """The last days of the ``count`` latest quarters that ended on or before D, oldest first."""
    return list(reversed(windows.previous_quarter_ends(as_of + timedelta(days=1), count)))


def streak_at_or_above(values: Iterable[float | None], target: float) -> int:
    """How many of the latest values (in order, oldest first) are in a row >= target."""
    run = 0
    for v in values:
        run = run + 1 if v is not None and v >= target else 0
    return run


def brr_by_quarter(conn: Connection, as_of: date, cfg: AppConfig, quarters: int = 8,
                   scope: Scope = EVERYTHING) -> BrrTrend:
    """TTM ``backlog_replenishment_rate`` at each of the last ``quarters`` quarter ends (<= D)."""
    ends = quarter_ends_through(as_of, quarters)
    points = []
    for end, (won, rev) in zip(ends, qa.brr_inputs(conn, ends, scope)):
        value = ratio(won, rev)
        points.append(BrrPoint(windows.quarter_label(end), end, won, rev, value,
                               bands.evaluate(cfg, "backlog_replenishment_rate", value)))
    target, shrinking, top = brr_band_lines(cfg)
    return BrrTrend(tuple(points), target, shrinking, top, streak_at_or_above((p.brr for p in points), target))


# --- ECO dynamics ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EcoDynamics:
    """ECO figures at D: per active award, approval rate, approved revenue by quarter."""

    as_of: date
    active_awards: int
    ecos_on_active_ttm: int
    ecos_per_active_award: float | None   # ECOs requested in TTM on awards carrying backlog / those awards
    approval_rate: float | None           # ``eco_approval_rate``
    approved_revenue_ttm: float           # ``eco_approved_revenue_ttm``
    open_count: int
    by_quarter: tuple[tuple[str, float], ...]  # oldest first, ending with D's quarter (to D)


def quarter_labels_to(as_of: date, count: int) -> list[str]:
    """``count`` quarter labels ending with D's quarter, oldest first."""
    return list(reversed(period_options(as_of, "quarter", count)))


def roll_up_quarters(months: Iterable[tuple[int, int, float]], labels: Iterable[str]) -> dict[str, float]:
    """Sum (year, month, amount) rows into ``YYYYQn`` labels; every label present, others dropped."""
    out = dict.fromkeys(labels, 0.0)
    for year, month, amount in months:
        label = f"{year}Q{(month - 1) // 3 + 1}"
        if label in out:
            out[label] += amount
    return out


def eco_dynamics(conn: Connection, as_of: date, scope: Scope = EVERYTHING, quarters: int = 8) -> EcoDynamics:
    """ECO count per active award, approval rate and approved ECO revenue by quarter at D."""
    counts = qa.eco_counts(conn, as_of, scope)
    labels = quarter_labels_to(as_of, quarters)
    months = qa.approved_eco_by_month(conn, windows.quarter_from_label(labels[0]), as_of, scope)
    return EcoDynamics(as_of, counts.active_awards, counts.requested_on_active,
                       ratio(counts.requested_on_active, counts.active_awards),
                       ratio(counts.approved, counts.approved + counts.rejected),
                       counts.approved_revenue, counts.open_at_d,
                       tuple(roll_up_quarters(months, labels).items()))
