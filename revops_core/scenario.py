"""EV-transition scenario over the backlog schedule (pure functions, no I/O).

Implements METRICS.md "Backlog schedule and the EV scenario" (share paths, scenario
revenue, EV mix) and the EV score of "Risks" (the "Monday-morning move").

The input is a backlog schedule, ``{calendar year: {powertrain code: amount}}``, computed
elsewhere. A year missing from the schedule counts as 0 revenue for every powertrain, and
every per-year output covers every year asked for (``YEARS`` unless told otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from revops_core.errors import ScenarioError


Schedule = Mapping[int, Mapping[str, float]]

YEARS = range(2025, 2036)
ANCHOR_YEAR = 2030
EV_MIX_TARGET = 0.40  # "40%+ by 2030" benchmark; callers pass the configured value.

EV_CODES = ("BEV", "PHEV")
COMBUSTION_CODES = ("ICE", "HEV")
AGNOSTIC = "AGNOSTIC"
POWERTRAINS = ("ICE", "HEV", "PHEV", "BEV", AGNOSTIC)

CURVES = ("linear", "s")
BASELINE_YEAR_RANGE = (2015, 2029)


@dataclass(frozen=True)
class PathParams:
    """Share-path settings from config (METRICS.md "Backlog schedule and the EV scenario").

    ``baseline_year``/``baseline_share`` anchor every path; ``plan_2030`` is the plan's
    own 2030 EV share P. ``curve`` is ``"linear"`` (the METRICS.md definition) or ``"s"``
    (logistic option, see ``share_path``), shaped by ``s_midpoint`` and ``s_steepness``.
    """

    baseline_year: int = 2025
    baseline_share: float = 0.2
    plan_2030: float = 0.4
    curve: str = "linear"
    s_midpoint: float = 2030.0
    s_steepness: float = 0.6


DEFAULT_PARAMS = PathParams()


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario for a 2030 target (METRICS.md "Backlog schedule and the EV scenario").

    ``revenue`` holds every powertrain code for every year; ``at_risk`` is plan total minus
    scenario total (positive = revenue lost against plan); ``first_year_40`` is the first
    year whose scenario EV mix reaches the 40% benchmark. Treat the dicts as read-only.
    """

    target: float
    share_path: dict[int, float]
    plan_path: dict[int, float]
    revenue: dict[int, dict[str, float]]
    ev_mix: dict[int, float | None]
    at_risk: dict[int, float]
    ice_hev_exposure: dict[int, float | None]
    first_year_40: int | None
    total_by_year: dict[int, float]


# --- validation -------------------------------------------------------------------------


def validate_params(params: PathParams, target: float | None = None) -> list[str]:
    """Every problem with ``params`` (and ``target`` when given), or ``[]``.

    Checks the inputs of METRICS.md "Backlog schedule and the EV scenario": shares and the
    target within [0, 1], baseline year within 2015-2029, a known curve, steepness > 0.
    """
    problems = [
        f"{name} must be between 0 and 1, got {value!r}"
        for name, value in _shares(params, target)
        if not 0.0 <= value <= 1.0
    ]
    low, high = BASELINE_YEAR_RANGE
    if not low <= params.baseline_year <= high:
        problems.append(
            f"baseline_year must be between {low} and {high}, got {params.baseline_year!r}"
        )
    if params.curve not in CURVES:
        problems.append(f"curve must be one of {', '.join(CURVES)}, got {params.curve!r}")
    if not params.s_steepness > 0:
        problems.append(f"s_steepness must be greater than 0, got {params.s_steepness!r}")
    if not math.isfinite(params.s_midpoint):
        problems.append(f"s_midpoint must be a finite year, got {params.s_midpoint!r}")
    return problems


def _shares(params: PathParams, target: float | None) -> list[tuple[str, float]]:
    shares = [("baseline_share", params.baseline_share), ("plan_2030", params.plan_2030)]
    return shares if target is None else [("target", target), *shares]


# --- share paths ------------------------------------------------------------------------


def share_path(
    target_2030: float, params: PathParams = DEFAULT_PARAMS, years: Iterable[int] = YEARS
) -> dict[int, float]:
    """EV share per year on the way to ``target_2030``.

    METRICS.md "Backlog schedule and the EV scenario".

    ``"linear"``: the line through (baseline year, baseline share) and (2030, target),
    continuing at the same yearly step after 2030.
    ``"s"``: the logistic L(y) = 1 / (1 + exp(-k (y - m))) (k = ``s_steepness``,
    m = ``s_midpoint``) rescaled to pass exactly through both anchors:
    s(y) = baseline + (target - baseline) * (L(y) - L(b)) / (L(2030) - L(b)).
    Both are clipped to [0, 1], hit both anchors exactly and are flat when the target
    equals the baseline share. Years before the baseline year hold the baseline share (METRICS.md
    draws the path from the baseline on; the baseline share is the last known actual), so plan
    and scenario agree there and those years keep the schedule unchanged.
    Raises ``ScenarioError`` (a ``ValueError``) when the
    baseline year is not before 2030 or the curve cannot be drawn.
    """
    _check_drawable(target_2030, params)
    fraction = _linear_fraction if params.curve == "linear" else _s_fraction
    return {
        year: params.baseline_share if year < params.baseline_year
        else _clip(_between(params.baseline_share, target_2030, fraction(year, params)))
        for year in years
    }


def _check_drawable(target: float, params: PathParams) -> None:
    if params.baseline_year >= ANCHOR_YEAR:
        raise ScenarioError(
            f"baseline_year must be before {ANCHOR_YEAR} to draw a path to the {ANCHOR_YEAR} "
            f"target, got {params.baseline_year}"
        )
    if params.curve not in CURVES:
        raise ScenarioError(f"curve must be one of {', '.join(CURVES)}, got {params.curve!r}")
    if params.curve == "s" and not params.s_steepness > 0:
        raise ScenarioError(f"s_steepness must be greater than 0, got {params.s_steepness!r}")
    if not (math.isfinite(target) and math.isfinite(params.baseline_share)):
        raise ScenarioError(
            f"shares must be finite, got target {target!r}, baseline {params.baseline_share!r}"
        )


def _between(baseline: float, target: float, fraction: float) -> float:
    """baseline + fraction * (target - baseline); exactly ``target`` at fraction 1."""
    if fraction == 1.0:
        return target
    return baseline + fraction * (target - baseline)


def _clip(share: float) -> float:
    return min(1.0, max(0.0, share))


def _linear_fraction(year: int, params: PathParams) -> float:
    return (year - params.baseline_year) / (ANCHOR_YEAR - params.baseline_year)


def _s_fraction(year: int, params: PathParams) -> float:
    """(L(y) - L(b)) / (L(2030) - L(b)), from whichever side of the curve is not saturated."""
    k, m, b = params.s_steepness, params.s_midpoint, params.baseline_year
    if m >= (b + ANCHOR_YEAR) / 2:  # anchors on the lower half: L itself is precise there
        start, here, end = (_logistic(k * (x - m)) for x in (b, year, ANCHOR_YEAR))
    else:  # anchors on the upper half: use 1 - L(x) = L(-k (x - m)), precise near 1
        start, here, end = (-_logistic(-k * (x - m)) for x in (b, year, ANCHOR_YEAR))
    if not end - start > 0:
        raise ScenarioError(
            f"S-curve is numerically flat between {b} and {ANCHOR_YEAR} "
            f"(midpoint {m}, steepness {k}); move the midpoint closer or lower the steepness"
        )
    return (here - start) / (end - start)


def _logistic(z: float) -> float:
    """1 / (1 + exp(-z)) without overflow for large |z|."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


# --- scenario revenue -------------------------------------------------------------------


def factors(s: float, p: float, year: int | None = None) -> dict[str, float]:
    """Revenue multipliers per powertrain (METRICS.md "Backlog schedule and the EV scenario").

    ``BEV``/``PHEV``: s/p; ``ICE``/``HEV``: (1 - s)/(1 - p); ``AGNOSTIC``: 1.
    When s == p every factor is exactly 1 (this covers 0/0 at p = 0 or p = 1). When the
    plan share is 0 (or 1) but the scenario share differs, the ratio is undefined and
    ``ScenarioError`` is raised, naming ``year`` when given.
    """
    for name, share in (("scenario", s), ("plan", p)):
        if not 0.0 <= share <= 1.0:
            raise ScenarioError(
                f"{name} EV share must be between 0 and 1{_in(year)}, got {share!r}"
            )
    if s == p:
        return dict.fromkeys(POWERTRAINS, 1.0)
    ev = _ratio(s, p, "EV", year)
    combustion = _ratio(1.0 - s, 1.0 - p, "ICE/HEV", year)
    return {"ICE": combustion, "HEV": combustion, "PHEV": ev, "BEV": ev, AGNOSTIC: 1.0}


def _ratio(scenario: float, plan: float, group: str, year: int | None) -> float:
    if plan == 0:
        raise ScenarioError(
            f"{group} factor is undefined{_in(year)}: the plan path gives {group} a 0% share "
            f"while the scenario gives it {scenario:.1%}"
        )
    return scenario / plan


def _in(year: int | None) -> str:
    return "" if year is None else f" in {year}"


def scenario_revenue(
    schedule: Schedule, s_path: Mapping[int, float], p_path: Mapping[int, float]
) -> dict[int, dict[str, float]]:
    """Schedule re-weighted by s(y)/p(y) (METRICS.md "Backlog schedule and the EV scenario").

    Covers the years of ``s_path`` (which ``p_path`` must cover too) and every powertrain
    code; ``schedule`` years outside them are ignored. With s == p the result equals the
    schedule exactly. A powertrain group with no revenue in a year stays 0 even where its
    factor is undefined (plan share 0 or 1); with revenue there, ``ScenarioError`` says why.
    """
    missing = sorted(set(s_path) - set(p_path))
    if missing:
        raise ScenarioError(f"plan path has no share for {', '.join(map(str, missing))}")
    by_year = normalize(schedule, s_path)
    out: dict[int, dict[str, float]] = {}
    for year, amounts in by_year.items():
        s, p = s_path[year], p_path[year]
        if p in (0.0, 1.0) and s != p:  # one group's factor is undefined: fine only without revenue
            undefined = ("PHEV", "BEV") if p == 0.0 else ("ICE", "HEV")
            if not any(amounts[code] for code in undefined):
                out[year] = {code: 0.0 if code in undefined else amounts[code] * _defined_factor(code, s, p)
                             for code in POWERTRAINS}
                continue
        factor = factors(s, p, year)
        out[year] = {code: amounts[code] * factor[code] for code in POWERTRAINS}
    return out


def _defined_factor(code: str, s: float, p: float) -> float:
    """The factor of ``code`` where only the other group's factor is undefined."""
    if code == AGNOSTIC:
        return 1.0
    return s / p if code in ("PHEV", "BEV") else (1.0 - s) / (1.0 - p)


def normalize(schedule: Schedule, years: Iterable[int] = YEARS) -> dict[int, dict[str, float]]:
    """``schedule`` over ``years`` with every powertrain code, missing ones as 0.0.

    Raises ``ScenarioError`` on a code outside ICE, HEV, PHEV, BEV, AGNOSTIC.
    """
    out: dict[int, dict[str, float]] = {}
    for year in years:
        amounts = schedule.get(year, {})
        unknown = sorted(set(amounts) - set(POWERTRAINS))
        if unknown:
            codes = ", ".join(map(str, unknown))
            raise ScenarioError(f"unknown powertrain code(s) in {year}: {codes}")
        out[year] = {code: float(amounts.get(code, 0.0)) for code in POWERTRAINS}
    return out


# --- derived figures --------------------------------------------------------------------


def total_by_year(revenue_by_year: Schedule, years: Iterable[int] = YEARS) -> dict[int, float]:
    """Revenue of all powertrains per year (0.0 for a missing year)."""
    return {year: _total(amounts) for year, amounts in normalize(revenue_by_year, years).items()}


def _total(amounts: Mapping[str, float]) -> float:
    return sum((amounts[code] for code in POWERTRAINS), 0.0)


def _share_of(
    codes: Sequence[str], revenue_by_year: Schedule, years: Iterable[int]
) -> dict[int, float | None]:
    """Revenue of ``codes`` / total revenue per year; ``None`` when the total is 0."""
    shares: dict[int, float | None] = {}
    for year, amounts in normalize(revenue_by_year, years).items():
        total = _total(amounts)
        part = sum((amounts[code] for code in codes), 0.0)
        shares[year] = None if total == 0 else part / total
    return shares


def ev_mix(revenue_by_year: Schedule, years: Iterable[int] = YEARS) -> dict[int, float | None]:
    """EV mix(y) = (BEV + PHEV) / total (METRICS.md "Backlog schedule and the EV scenario").

    ``None`` ("n/a") when the year has no revenue (METRICS.md "Windows": zero denominator).
    """
    return _share_of(EV_CODES, revenue_by_year, years)


def ice_hev_exposure(
    revenue_by_year: Schedule, years: Iterable[int] = YEARS
) -> dict[int, float | None]:
    """(ICE + HEV) / total per year, the exposure flagged above 60% in METRICS.md "Risks".

    ``None`` when the year has no revenue.
    """
    return _share_of(COMBUSTION_CODES, revenue_by_year, years)


def revenue_at_risk(
    plan_revenue: Schedule, scenario_revenue: Schedule, years: Iterable[int] = YEARS
) -> dict[int, float]:
    """Plan total - scenario total per year; positive = revenue lost against plan.

    METRICS.md "Backlog schedule and the EV scenario" (the plan is the schedule itself).
    """
    years = list(years)
    plan, scenario = total_by_year(plan_revenue, years), total_by_year(scenario_revenue, years)
    return {year: plan[year] - scenario[year] for year in years}


_MIX_TOLERANCE = 1e-9


def first_year_ev_mix_at_least(
    mix: Mapping[int, float | None], threshold: float = EV_MIX_TARGET
) -> int | None:
    """First year whose EV mix reaches ``threshold`` (METRICS.md benchmark "40%+ by 2030").

    Years with no revenue (``None``) never count. A mix within 1e-9 below the threshold
    counts, so that 40% reached up to floating-point rounding is reported as reached.
    """
    for year in sorted(mix):
        value = mix[year]
        if value is not None and value >= threshold - _MIX_TOLERANCE:
            return year
    return None


# --- entry points -----------------------------------------------------------------------


def run_scenario(
    schedule: Schedule,
    target: float,
    params: PathParams = DEFAULT_PARAMS,
    *,
    ev_mix_target: float = EV_MIX_TARGET,
) -> ScenarioResult:
    """The scenario for a 2030 EV share ``target``.

    METRICS.md "Backlog schedule and the EV scenario" (plan = the schedule itself).

    Raises ``ScenarioError`` listing every problem from ``validate_params`` at once, or
    naming the year whose factor is undefined.
    """
    _require_valid([(params, target)])
    s_path, p_path = share_path(target, params), share_path(params.plan_2030, params)
    revenue = scenario_revenue(schedule, s_path, p_path)
    mix = ev_mix(revenue)
    return ScenarioResult(
        target=target,
        share_path=s_path,
        plan_path=p_path,
        revenue=revenue,
        ev_mix=mix,
        at_risk=revenue_at_risk(normalize(schedule), revenue),
        ice_hev_exposure=ice_hev_exposure(revenue),
        first_year_40=first_year_ev_mix_at_least(mix, ev_mix_target),
        total_by_year=total_by_year(revenue),
    )


def _require_valid(cases: Iterable[tuple[PathParams, float]]) -> None:
    """Raise one ``ScenarioError`` listing every distinct problem of ``cases``."""
    problems = dict.fromkeys(p for params, target in cases for p in validate_params(params, target))
    if problems:
        raise ScenarioError("; ".join(problems))


def sensitivity(
    schedule: Schedule,
    targets: Sequence[float],
    plan_shares: Sequence[float],
    years: Sequence[int] = (2030, 2033),
    params: PathParams = DEFAULT_PARAMS,
) -> list[dict[str, float | int | None]]:
    """Total scenario revenue for each (target, plan 2030 share, year).

    METRICS.md "Backlog schedule and the EV scenario". One row per combination, ordered by
    target, then plan share, then year: ``{"target", "plan_2030", "year", "revenue",
    "vs_plan", "vs_plan_share"}`` where ``vs_plan`` = scenario total - schedule total (the
    plan) and ``vs_plan_share`` = ``vs_plan`` / schedule total (``None`` when the schedule
    has no revenue that year). A combination whose factor is undefined (a plan path at 0% or
    100% where the scenario differs) gets ``None`` in all three figures instead of failing
    the whole grid; invalid shares still raise ``ScenarioError`` listing every problem.
    """
    _require_valid([(replace(params, plan_2030=plan), t) for t in targets for plan in plan_shares])
    plan_totals = total_by_year(schedule, years)
    rows: list[dict[str, float | int | None]] = []
    for target in targets:
        s_path = share_path(target, params, years)
        for plan in plan_shares:
            totals = _totals_or_none(schedule, s_path, share_path(plan, params, years), years)
            for y in years:
                rows.append({"target": target, "plan_2030": plan, "year": y,
                             **_versus(None if totals is None else totals[y], plan_totals[y])})
    return rows


def _totals_or_none(
    schedule: Schedule, s_path: Mapping[int, float], p_path: Mapping[int, float],
    years: Sequence[int],
) -> dict[int, float] | None:
    """Scenario totals per year, or ``None`` when a factor is undefined in some year."""
    normalize(schedule, years)  # unknown powertrain codes are data errors: raise them
    try:
        return total_by_year(scenario_revenue(schedule, s_path, p_path), years)
    except ScenarioError:
        return None


def _versus(revenue: float | None, plan: float) -> dict[str, float | None]:
    if revenue is None:
        return {"revenue": None, "vs_plan": None, "vs_plan_share": None}
    delta = revenue - plan
    return {"revenue": revenue, "vs_plan": delta, "vs_plan_share": None if plan == 0 else delta / plan}


def comparison_rows(
    schedule: Schedule, results: Sequence[ScenarioResult], years: Iterable[int] = YEARS
) -> list[dict[str, float | int | None]]:
    """Year-by-year comparison of the plan (the schedule) and each scenario.

    METRICS.md "Backlog schedule and the EV scenario". One row per year with
    ``year``, ``plan_revenue``, ``plan_ev_mix``, ``plan_ice_hev`` and, for the i-th result
    (from 1), ``s{i}_revenue``, ``s{i}_vs_plan`` (scenario - plan; negative = revenue lost),
    ``s{i}_ev_mix`` and ``s{i}_ice_hev`` (``None`` when the year has no revenue).
    """
    years = list(years)
    plan_total = total_by_year(schedule, years)
    plan_mix, plan_exposure = ev_mix(schedule, years), ice_hev_exposure(schedule, years)
    rows: list[dict[str, float | int | None]] = []
    for y in years:
        row: dict[str, float | int | None] = {
            "year": y, "plan_revenue": plan_total[y], "plan_ev_mix": plan_mix[y],
            "plan_ice_hev": plan_exposure[y],
        }
        for i, r in enumerate(results, start=1):
            row[f"s{i}_revenue"] = r.total_by_year[y]
            row[f"s{i}_vs_plan"] = r.total_by_year[y] - plan_total[y]
            row[f"s{i}_ev_mix"] = r.ev_mix[y]
            row[f"s{i}_ice_hev"] = r.ice_hev_exposure[y]
        rows.append(row)
    return rows


def summary_rows(
    schedule: Schedule,
    results: Sequence[ScenarioResult],
    ev_mix_target: float = EV_MIX_TARGET,
    exposure_limit: float = 0.60,
    years: Sequence[int] = YEARS,
) -> list[dict[str, float | int | str | None]]:
    """One row for the plan (the schedule itself) then one per scenario.

    METRICS.md "Backlog schedule and the EV scenario" and "Risks". Keys: ``target`` (None
    for the plan), ``revenue`` (sum over ``years``), ``vs_plan`` (scenario - plan; negative
    = revenue lost), ``ev_mix_2030``, ``first_year`` (first year the EV mix reaches
    ``ev_mix_target``), ``ice_hev_2030``, ``ev_status`` (``green`` when the 2030 EV mix is at
    or above the target, the "40%+ by 2030" benchmark; ``amber`` when it is below in 2030 but
    reaches the target in some year; ``red`` when it never does) and ``exposure_status`` (``red`` when
    the 2030 ICE + HEV share is above ``exposure_limit``, ``green`` otherwise, ``none`` n/a).
    """
    years = list(years)
    plan_total = sum(total_by_year(schedule, years).values(), 0.0)
    plan = _summary(None, schedule, years, plan_total, ev_mix_target, exposure_limit)
    return [plan, *(_summary(r.target, r.revenue, years, plan_total, ev_mix_target, exposure_limit)
                    for r in results)]


def _summary(target: float | None, revenue: Schedule, years: list[int], plan_total: float,
             ev_mix_target: float, exposure_limit: float) -> dict[str, float | int | str | None]:
    total = sum(total_by_year(revenue, years).values(), 0.0)
    first = first_year_ev_mix_at_least(ev_mix(revenue, years), ev_mix_target)
    mix_2030 = ev_mix(revenue, (ANCHOR_YEAR,))[ANCHOR_YEAR]
    exposure = ice_hev_exposure(revenue, (ANCHOR_YEAR,))[ANCHOR_YEAR]
    return {
        "target": target, "revenue": total, "vs_plan": total - plan_total, "ev_mix_2030": mix_2030,
        "first_year": first, "ice_hev_2030": exposure,
        "ev_status": _ev_status(mix_2030, first, ev_mix_target),
        "exposure_status": "none" if exposure is None else ("red" if exposure > exposure_limit else "green"),
    }


def _ev_status(mix_2030: float | None, first: int | None, target: float) -> str:
    if mix_2030 is not None and mix_2030 >= target - _MIX_TOLERANCE:
        return "green"
    return "red" if first is None else "amber"


def plan_grid(plan_2030: float, step: float = 0.10) -> tuple[float, ...]:
    """Plan 2030 shares for the sensitivity grid: the plan and one ``step`` either side.

    Shares outside [0, 1] are left out; values are rounded to 6 decimals.
    """
    shares = (plan_2030 - step, plan_2030, plan_2030 + step)
    return tuple(sorted({round(s, 6) for s in shares if -1e-9 <= s <= 1 + 1e-9}))


SENSITIVITY_TARGETS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


class PathDefaults(Protocol):
    """The share-path settings of config (``load_config().rules.scenario``)."""

    baseline_year: int
    baseline_share: float
    plan_2030: float
    s_midpoint: float
    s_steepness: float


def params_from_defaults(defaults: PathDefaults, curve: str = "linear") -> PathParams:
    """``PathParams`` from the config defaults of METRICS.md "Backlog schedule and the EV scenario"."""
    return PathParams(
        baseline_year=int(defaults.baseline_year),
        baseline_share=float(defaults.baseline_share),
        plan_2030=float(defaults.plan_2030),
        curve=curve,
        s_midpoint=float(defaults.s_midpoint),
        s_steepness=float(defaults.s_steepness),
    )


def plan_ev_mix_2030(schedule: Schedule) -> float | None:
    """EV mix of the schedule itself in 2030 ("plan EV mix in 2030", METRICS.md "Risks")."""
    return ev_mix(schedule, (ANCHOR_YEAR,))[ANCHOR_YEAR]


def ev_risk_score(schedule: Schedule, target_mix: float = EV_MIX_TARGET) -> float | None:
    """EV risk score max(0, (0.40 - plan EV mix 2030) / 0.40) (METRICS.md "Risks").

    A shortfall in [0, 1]; ``None`` when the schedule has no 2030 revenue.
    """
    if not target_mix > 0:
        raise ScenarioError(f"target_mix must be greater than 0, got {target_mix!r}")
    mix = plan_ev_mix_2030(schedule)
    return None if mix is None else max(0.0, (target_mix - mix) / target_mix)
