"""Scenario settings as URL query parameters, so a link reopens the same comparison.

The scenario page binds one widget per key below to the URL (``bind="query-params"``).
Streamlit silently drops a bound value it cannot use (letters, numbers out of range, unknown
choices) and shows the default instead; ``read_query`` mirrors those rules on the raw query
so the page can tell the user which values were ignored. Values are in the widgets' units:
shares and targets in percent, years as numbers, the curve by its label.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from revops_core.scenario import BASELINE_YEAR_RANGE, PathDefaults, PathParams
from revops_core.scenario_store import MAX_SCENARIOS, ScenarioSpec

FALLBACK_TARGETS = (30, 50, 70)
SLOTS = ("A", "B", "C")
CURVE_LABELS = {"linear": "Linear", "s": "S-curve"}


@dataclass(frozen=True)
class Field:
    """One URL query parameter: a number in [low, high] or one of ``choices``."""

    key: str
    label: str
    low: float = 0.0
    high: float = 100.0
    integer: bool = False
    choices: tuple[str, ...] = ()
    choices_text: str = ""

    def parse(self, raw: str) -> tuple[Any, str | None]:
        """(value, problem): the value the widget takes from ``raw``; ``None`` when it is dropped."""
        if self.choices:
            allowed = self.choices_text or f"one of {', '.join(self.choices)}"
            return (raw, None) if raw in self.choices else (None, f"is not {allowed}")
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and self.low <= number <= self.high):
            return None, f"is not a number between {_num(self.low)} and {_num(self.high)}"
        if self.integer and not number.is_integer():
            return int(number), f"is not a whole number; read as {int(number)}"
        return (int(number) if self.integer else number), None


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


YEARS_CHOICES = tuple(str(y) for y in range(BASELINE_YEAR_RANGE[0], BASELINE_YEAR_RANGE[1] + 1))
FIELDS: tuple[Field, ...] = (
    Field("sc_n", "Scenarios side by side", choices=tuple(str(n) for n in range(1, MAX_SCENARIOS + 1))),
    *(Field(f"sc_t{i}", f"Scenario {slot}: market EV penetration in 2030 (%)", integer=True)
      for i, slot in enumerate(SLOTS, start=1)),
    Field("sc_base_year", "Baseline year", choices=YEARS_CHOICES,
          choices_text=f"a year from {YEARS_CHOICES[0]} to {YEARS_CHOICES[-1]}"),
    Field("sc_base_share", "Baseline penetration (%)"),
    Field("sc_plan", "Plan's 2030 penetration (%)"),
    Field("sc_curve", "Share path", choices=tuple(CURVE_LABELS.values())),
    Field("sc_mid", "S-curve midpoint (year)", low=2015.0, high=2045.0),
    Field("sc_steep", "S-curve steepness", low=0.1, high=3.0),
)
FIELD = {f.key: f for f in FIELDS}


def defaults(config_defaults: PathDefaults, presets: Sequence[float]) -> dict[str, Any]:
    """Widget defaults from config (``rules.scenario``), in widget units (percents, labels)."""
    targets = [round(p * 100) for p in presets[:MAX_SCENARIOS]]
    targets += list(FALLBACK_TARGETS[len(targets):])
    return {
        "sc_n": str(max(1, min(MAX_SCENARIOS, len(presets)))),
        **{f"sc_t{i}": t for i, t in enumerate(targets, start=1)},
        "sc_base_year": str(config_defaults.baseline_year),
        "sc_base_share": _pct(config_defaults.baseline_share),
        "sc_plan": _pct(config_defaults.plan_2030),
        "sc_curve": CURVE_LABELS["linear"],
        "sc_mid": float(config_defaults.s_midpoint),
        "sc_steep": float(config_defaults.s_steepness),
    }


def _pct(share: float) -> float:
    return round(float(share) * 100.0, 6)


@dataclass(frozen=True)
class QueryRead:
    """The widget values a URL gives (defaults where it gives none or a bad one), and why."""

    values: dict[str, Any]
    problems: list[str]


def read_query(query: Mapping[str, str | list[str]], fallback: Mapping[str, Any]) -> QueryRead:
    """Values for every field from ``query`` (last value of a repeated key), else ``fallback``.

    A value the widget would drop (letters, out of range, unknown choice, empty) becomes the
    default and is reported: ``"Scenario A: market EV penetration in 2030 (%) = 'abc' is not a number
    between 0 and 100; using the default 30"``. Keys outside ``FIELDS`` are ignored.
    """
    values, problems = dict(fallback), []
    for field in FIELDS:
        if field.key not in query:
            continue
        raw = query[field.key]
        raw = raw[-1] if isinstance(raw, list) else raw
        value, problem = field.parse(raw)
        if value is not None:
            values[field.key] = value
        if problem:
            tail = "" if value is not None else f"; using the default {_show(fallback[field.key])}"
            problems.append(f"{field.label} = {raw!r} {problem}{tail}")
    return QueryRead(values, problems)


def _show(value: Any) -> str:
    return _num(value) if isinstance(value, (int, float)) else str(value)


def spec_from_values(values: Mapping[str, Any]) -> ScenarioSpec:
    """The comparison the widget values describe (targets and shares back to fractions)."""
    n = int(values["sc_n"])
    curve = next((code for code, label in CURVE_LABELS.items() if label == values["sc_curve"]), "linear")
    params = PathParams(
        baseline_year=int(values["sc_base_year"]),
        baseline_share=float(values["sc_base_share"]) / 100.0,
        plan_2030=float(values["sc_plan"]) / 100.0,
        curve=curve,
        s_midpoint=float(values["sc_mid"]),
        s_steepness=float(values["sc_steep"]),
    )
    return ScenarioSpec(tuple(float(values[f"sc_t{i}"]) / 100.0 for i in range(1, n + 1)), params)


def values_from_spec(spec: ScenarioSpec, fallback: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Widget values for a saved spec, and what had to change to fit the widgets.

    Targets become whole percents; a value outside a widget's range keeps ``fallback``.
    """
    p = spec.params
    wanted: dict[str, Any] = {
        "sc_n": str(len(spec.targets)),
        **{f"sc_t{i}": t * 100.0 for i, t in enumerate(spec.targets, start=1)},
        "sc_base_year": str(p.baseline_year),
        "sc_base_share": _pct(p.baseline_share),
        "sc_plan": _pct(p.plan_2030),
        "sc_curve": CURVE_LABELS.get(p.curve, p.curve),
        "sc_mid": p.s_midpoint,
        "sc_steep": p.s_steepness,
    }
    read = read_query({k: _text(v) for k, v in wanted.items()}, fallback)
    return read.values, read.problems


def _text(value: Any) -> str:
    if isinstance(value, float):
        return _num(round(value, 9))
    return str(value)

