"""Revenue outlook: booked schedule + weighted pipeline + recurring revenue, by year and powertrain.

METRICS.md "Revenue outlook (what the EV scenarios re-weight)". For each month after D through
December 2035:

* ``booked``: the backlog schedule (``backlog.backlog_schedule``);
* ``pipeline``: each open OEM / Tier-1 opportunity closing after D, times its forecast
  category's weight, spread evenly over ``program_years`` x 12 months starting
  ``sop_lag_months`` after its close month, in its own powertrain;
* ``recurring``: TTM revenue without an award per revenue type / 12, grown yearly per type
  from the first January after D, powertrain ``AGNOSTIC``.

The scenario re-weights the sum of the parts by powertrain (``recurring`` is AGNOSTIC and
so unchanged), exactly as it re-weights the schedule.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from revops_core.backlog import backlog_schedule
from revops_core.config import AppConfig, Outlook as OutlookSettings
from revops_core.queries import outlook as q
from revops_core.queries.common import EVERYTHING, Scope
from revops_core.scenario import AGNOSTIC, POWERTRAINS, Schedule, scenario_revenue

LAST_YEAR = 2035
PARTS = ("booked", "pipeline", "recurring")


@dataclass(frozen=True)
class RevenueOutlook:
    """The outlook at D: ``parts[part][year][powertrain]`` for every year from D's year to 2035."""

    as_of: date
    years: tuple[int, ...]
    parts: dict[str, dict[int, dict[str, float]]]

    def total(self) -> dict[int, dict[str, float]]:
        """Year -> powertrain -> amount, the three parts added (what a scenario re-weights)."""
        return {y: {pt: sum(self.parts[p][y][pt] for p in PARTS) for pt in POWERTRAINS} for y in self.years}

    def by_part(self) -> dict[int, dict[str, float]]:
        """Year -> part -> amount over every powertrain."""
        return {y: {p: sum(self.parts[p][y].values()) for p in PARTS} for y in self.years}

    def to_json(self) -> dict[str, dict[str, float]]:
        """``{"2026": {"booked": x, "pipeline": y, "recurring": z}, ...}`` (the ``scenario --json`` key)."""
        return {str(y): amounts for y, amounts in self.by_part().items()}


def _empty(years: Iterable[int]) -> dict[int, dict[str, float]]:
    return {y: dict.fromkeys(POWERTRAINS, 0.0) for y in years}


def _index(year: int, month: int) -> int:
    """A month as a count of months since year 0 (January = 0)."""
    return year * 12 + month - 1


def outlook_years(as_of: date, last_year: int = LAST_YEAR) -> tuple[int, ...]:
    return tuple(range(as_of.year, last_year + 1))


def pipeline_part(rows: Iterable[q.PipelineMonth], as_of: date, settings: OutlookSettings,
                  last_year: int = LAST_YEAR) -> dict[int, dict[str, float]]:
    """Weighted open pipeline spread over the program life after the SOP lag, by year and powertrain."""
    out = _empty(outlook_years(as_of, last_year))
    first, last = _index(as_of.year, as_of.month) + 1, _index(last_year, 12)
    months = settings.program_years * 12
    for row in rows:
        weighted = row.amount * settings.forecast_weights.get(row.category, 0.0)
        start = _index(row.year, row.month) + settings.sop_lag_months
        for idx in range(max(start, first), min(start + months - 1, last) + 1):
            out[idx // 12][row.powertrain] += weighted / months
    return out


def recurring_part(ttm_by_type: Mapping[str, float], as_of: date, growth: Mapping[str, float],
                   last_year: int = LAST_YEAR) -> dict[int, dict[str, float]]:
    """TTM revenue without an award / 12 per month after D, grown per type from the next January."""
    out = _empty(outlook_years(as_of, last_year))
    for year in out:
        months = 12 - as_of.month if year == as_of.year else 12
        out[year][AGNOSTIC] = sum(total / 12 * months * (1 + growth.get(kind, 0.0)) ** (year - as_of.year)
                                  for kind, total in ttm_by_type.items())
    return out


def booked_part(schedule: Schedule, as_of: date, last_year: int = LAST_YEAR) -> dict[int, dict[str, float]]:
    """The backlog schedule on the outlook's years (every powertrain present)."""
    out = _empty(outlook_years(as_of, last_year))
    for year, amounts in schedule.items():
        if year in out:
            for pt, amount in amounts.items():
                out[year][pt] += amount
    return out


def build_outlook(schedule: Schedule, pipeline_rows: Iterable[q.PipelineMonth], recurring: Mapping[str, float],
                  as_of: date, settings: OutlookSettings) -> RevenueOutlook:
    """The outlook from its three inputs (pure)."""
    parts = {"booked": booked_part(schedule, as_of), "pipeline": pipeline_part(pipeline_rows, as_of, settings),
             "recurring": recurring_part(recurring, as_of, settings.growth)}
    return RevenueOutlook(as_of, outlook_years(as_of), parts)


def revenue_outlook(conn: Connection, as_of: date, cfg: AppConfig, scope: Scope = EVERYTHING,
                    schedule: Schedule | None = None) -> RevenueOutlook:
    """The outlook at D under ``scope`` (``schedule`` may be passed when the caller already has it)."""
    booked = schedule if schedule is not None else backlog_schedule(conn, as_of, scope, last_year=LAST_YEAR)
    return build_outlook(booked, q.open_pipeline_by_month(conn, as_of, scope), q.recurring_ttm(conn, as_of, scope),
                         as_of, cfg.rules.outlook)


def by_year_json(mapping: Mapping[int, Any], years: Iterable[int]) -> dict[str, Any]:
    """String year keys for JSON, in the given years' order."""
    return {str(y): mapping.get(y) for y in years}



def scenario_parts(outlook: RevenueOutlook, s_path: Mapping[int, float], p_path: Mapping[int, float]
                   ) -> dict[str, dict[int, dict[str, float]]]:
    """Each part re-weighted by the scenario's factors (``recurring`` is AGNOSTIC: unchanged).

    The parts add up to ``scenario_revenue(outlook.total(), ...)`` since the factors are per
    powertrain; raises ``ScenarioError`` where a factor is undefined, like the scenario itself.
    """
    years = {y: s_path[y] for y in outlook.years}
    plan = {y: p_path[y] for y in outlook.years}
    return {part: scenario_revenue(outlook.parts[part], years, plan) for part in PARTS}


def long_rows(series: Mapping[str, Mapping[str, Mapping[int, Mapping[str, float]]]], years: Iterable[int]
              ) -> list[dict[str, object]]:
    """``{series: {part: {year: {powertrain: amount}}}}`` as rows (year, series, part, powertrain, amount)."""
    return [{"year": y, "series": name, "part": part, "powertrain": pt, "amount": parts[part][y][pt]}
            for y in years for name, parts in series.items() for part in PARTS for pt in POWERTRAINS]
