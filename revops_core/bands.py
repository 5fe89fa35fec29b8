"""Benchmark bands from config/benchmarks.yaml, else the board's plan from config/rules.yaml
(``plan``): green, amber or red, always with words. A playbook benchmark wins over a plan; a
metric with neither is tracked without a target."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from revops_core import formatting, windows
from revops_core.config import AppConfig, Band, MetricPlan


@dataclass(frozen=True)
class BandResult:
    status: str  # green, amber, red or none
    label: str   # the band in words, e.g. "below 1.0x: backlog shrinking"
    benchmark: str  # the benchmark itself, e.g. "target >= 1.2x"
    source: str = "benchmark"  # what the value is held to: "benchmark", "plan", or "" (nothing)


@dataclass(frozen=True)
class PlanValue:
    """The plan a value is held to at a date, and where it comes from in words."""

    value: float
    words: str


def evaluate(cfg: AppConfig, key: str, value: float | None, segment: str | None = None,
             as_of: date | None = None) -> BandResult:
    """The band ``value`` of metric ``key`` falls in (segment bands override the default); without a
    band, the comparison with the plan at ``as_of`` (``plan_at``); without either, none."""
    bench = cfg.benchmarks.metrics.get(key)
    bands = _bands(cfg, key, segment)
    if bands:
        return _in_bands(bands, value, bench.text if bench else "")
    planned = plan_at(cfg, key, segment, as_of)
    if planned is not None:
        return against_plan(cfg, key, value, planned)
    if bench is None:
        return BandResult("none", "no benchmark", "", "")
    if value is None:
        return BandResult("none", "no data (n/a)", bench.text, "")
    return BandResult("none", "tracked without a target here", bench.text, "")


def _bands(cfg: AppConfig, key: str, segment: str | None) -> tuple[Band, ...]:
    bench = cfg.benchmarks.metrics.get(key)
    if bench is None:
        return ()
    return bench.by_segment.get(segment or "", bench.bands) if segment else bench.bands


def _in_bands(bands: tuple[Band, ...], value: float | None, text: str) -> BandResult:
    if value is None:
        return BandResult("none", "no data (n/a)", text)
    for band in bands:
        if band.contains(value):
            return BandResult(band.status, band.label, text)
    return BandResult("none", "outside every band", text)


def plan_at(cfg: AppConfig, key: str, segment: str | None = None, as_of: date | None = None) -> PlanValue | None:
    """The plan of ``key`` (rules.yaml ``plan``) for ``segment`` at ``as_of``: the segment's target,
    else the target, else the plan by quarter end pro-rated by day from the previous quarter end's
    plan (the quarter's own plan when the previous has none). None when there is no plan."""
    plan = cfg.rules.plan.metrics.get(key)
    if plan is None:
        return None
    kind = _kind(cfg, key)
    if segment and segment in plan.by_segment:
        target = plan.by_segment[segment]
        return PlanValue(target, f"{formatting.fmt(kind, target)} for {cfg.label('segments', segment)}")
    if plan.target is not None:
        return PlanValue(plan.target, formatting.fmt(kind, plan.target))
    return _by_quarter(plan, kind, as_of)


def _by_quarter(plan: MetricPlan, kind: str, as_of: date | None) -> PlanValue | None:
    if as_of is None or windows.quarter_label(as_of) not in plan.by_quarter:
        return None
    label, start, end = windows.quarter_label(as_of), windows.quarter_start(as_of), windows.quarter_end(as_of)
    goal = plan.by_quarter[label]
    previous = windows.quarter_label(start - timedelta(days=1))
    before = plan.by_quarter.get(previous)
    if as_of == end or before is None:
        return PlanValue(goal, f"{formatting.fmt(kind, goal)} for the end of {label}")
    value = before + (goal - before) * ((as_of - start).days + 1) / ((end - start).days + 1)
    return PlanValue(value, f"{formatting.fmt(kind, value)} at {formatting.date(as_of)}: the {label} plan "
                            f"({formatting.fmt(kind, goal)} at its end) pro-rated by day from the {previous} plan "
                            f"({formatting.fmt(kind, before)})")


def against_plan(cfg: AppConfig, key: str, value: float | None, planned: PlanValue) -> BandResult:
    """``value`` against its plan: on plan at or above it, "watch" short of it by at most
    ``plan.watch_within`` of the plan, behind plan further short (config rules.yaml)."""
    kind, within = _kind(cfg, key), cfg.rules.plan.watch_within
    text = f"Plan: {planned.words} (rules.yaml plan)"
    if value is None:
        return BandResult("none", "no data (n/a)", text, "plan")
    words = _versus(kind, value, planned.value)
    if value >= planned.value:
        return BandResult("green", words, text, "plan")
    if value >= planned.value - abs(planned.value) * within:
        return BandResult("amber", f"{words}: within {formatting.percent(within, 0)} of it", text, "plan")
    return BandResult("red", f"{words}: more than {formatting.percent(within, 0)} short", text, "plan")


def _versus(kind: str, value: float, planned: float) -> str:
    """The value against the plan in words: points for a percent, else the share of the plan."""
    shown = formatting.fmt(kind, planned)
    if kind == "percent":
        gap = formatting.signed_delta("percent", value - planned).lstrip("+-")
        side = "above" if value >= planned else "below"
        return f"on the {shown} plan" if gap == formatting.NO_CHANGE else f"{gap} {side} the {shown} plan"
    if not planned:
        return f"against a plan of {shown}"
    return f"{formatting.percent(value / planned)} of the {shown} plan"


def _kind(cfg: AppConfig, key: str) -> str:
    entry = cfg.labels.metrics.get(key)
    return entry.format if entry else "count"


# The words of a status, the same on a tile, in a table and on a slide.
STATUS_WORDS = {"green": "On target", "amber": "Watch", "red": "Off target", "none": "No benchmark"}
PLAN_WORDS = {"green": "On plan", "amber": "Watch", "red": "Behind plan", "none": "No data"}


def status_word(status: str, source: str = "benchmark") -> str:
    """"On target" against a benchmark, "On plan" against the board's plan, "No benchmark" without either."""
    words = PLAN_WORDS if source == "plan" else STATUS_WORDS
    return words.get(status, words["none"])
