"""``scenario``: the backlog schedule, the revenue outlook and EV-transition scenarios as one JSON object.

METRICS.md "Backlog schedule and the EV scenario" and "Revenue outlook". Output::

    {"schedule": {"2025": {"ICE": ..., "HEV": ..., "PHEV": ..., "BEV": ..., "AGNOSTIC": ...}, ...},
     "outlook": {"2026": {"booked": ..., "pipeline": ..., "recurring": ...}, ...},
     "scenarios": {"30": {"share_path": {"2025": 0.18, ...},
                          "revenue": {"2025": {"ICE": ..., ...}, ...},
                          "ev_mix": {"2025": null, "2026": 0.41, ...},
                          "outlook_revenue": {"2026": {"ICE": ..., ...}, ...},
                          "outlook_ev_mix": {"2026": 0.45, ...}}, ...}}

``schedule`` and each scenario's ``share_path``, ``revenue`` and ``ev_mix`` have string year keys
2025-2035 (the booked schedule re-weighted); ``outlook`` (the plan's parts) and ``outlook_*``
(the scenario over the whole outlook) have string year keys from D's year to 2035. Scenario
keys are the target (the market EV penetration in 2030) in percent as given ("30", "32.5").
``ev_mix`` is null in a year without revenue. Flags left out take the config
defaults (``rules.scenario``: presets, baseline year and share, plan 2030 share, S-curve).
Bad flags exit with status 2 and a one-line message on stderr.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import replace
from typing import Any

from revops_core.backlog import backlog_schedule
from revops_core.commands.common import (CommandError, add_as_user, as_of_arg, as_user, open_database, print_json,
                                         resolve_as_of)
from revops_core.config import load_config
from revops_core.errors import ScenarioError
from revops_core.outlook import RevenueOutlook, by_year_json, revenue_outlook
from revops_core.scenario import CURVES, YEARS, PathParams, normalize, params_from_defaults, run_scenario


def percent_arg(text: str) -> float:
    """argparse type for a 2030 EV target in percent, 0-100."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0.0 <= value <= 100.0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a percent between 0 and 100, e.g. 30")
    return value


def share_arg(text: str) -> float:
    """argparse type for a share between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1, e.g. 0.2 for 20%")
    return value


def year_arg(text: str) -> int:
    """argparse type for the baseline year, 2015-2029."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 2015 <= value <= 2029:
        raise argparse.ArgumentTypeError(f"{text!r} is not a baseline year between 2015 and 2029")
    return value


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--as-of", type=as_of_arg, metavar="YYYY-MM-DD",
                        help="as-of date D of the backlog schedule, 1990-01-01 to 2035-12-31 "
                             "(default: the latest date in the data)")
    parser.add_argument("--target", type=percent_arg, action="append", metavar="PCT",
                        help="market EV penetration in 2030 in percent, repeatable (default: the config presets)")
    parser.add_argument("--baseline-year", type=year_arg, metavar="YEAR", help="baseline year (default: config)")
    parser.add_argument("--baseline-share", type=share_arg, metavar="SHARE",
                        help="EV share in the baseline year, 0-1 (default: config)")
    parser.add_argument("--plan-2030", type=share_arg, metavar="SHARE",
                        help="the plan's own 2030 EV penetration, 0-1 (default: config)")
    parser.add_argument("--curve", choices=CURVES, default="linear",
                        help="share path: linear (METRICS.md) or s (logistic S-curve); default linear")
    parser.add_argument("--s-midpoint", type=float, metavar="YEAR", help="S-curve midpoint year (default: config)")
    parser.add_argument("--s-steepness", type=float, metavar="K", help="S-curve steepness > 0 (default: config)")
    parser.add_argument("--json", action="store_true", help="print JSON (the only format)")
    add_as_user(parser)


def run(args: argparse.Namespace) -> int:
    cfg = load_config()
    params = _params(args, params_from_defaults(cfg.rules.scenario, args.curve))
    targets = _targets(args.target, cfg.rules.scenario.presets)
    scope = as_user(cfg.users, args.as_user, "scenario", "the EV scenarios").scope
    with open_database(args.db) as (conn, latest):
        as_of = resolve_as_of(args.as_of, latest)
        schedule = backlog_schedule(conn, as_of, scope, last_year=YEARS[-1])
        outlook = revenue_outlook(conn, as_of, cfg, scope, schedule=schedule)
    try:
        scenarios = {key: _scenario_json(schedule, outlook, target, params) for key, target in targets.items()}
    except ScenarioError as exc:
        raise CommandError(str(exc)) from None
    print_json({"schedule": _by_year(normalize(schedule)), "outlook": outlook.to_json(), "scenarios": scenarios})
    return 0


def _params(args: argparse.Namespace, base: PathParams) -> PathParams:
    given = {"baseline_year": args.baseline_year, "baseline_share": args.baseline_share,
             "plan_2030": args.plan_2030, "s_midpoint": args.s_midpoint, "s_steepness": args.s_steepness}
    return replace(base, **{k: v for k, v in given.items() if v is not None})


def _targets(percents: list[float] | None, presets: tuple[float, ...]) -> dict[str, float]:
    """Target key (percent as a string) -> share, in the order given, duplicates dropped."""
    pairs = ([(p, p / 100.0) for p in percents] if percents
             else [(round(share * 100.0, 9), share) for share in presets])
    return {_key(pct): share for pct, share in pairs}


def _key(percent: float) -> str:
    return str(int(percent)) if float(percent).is_integer() else repr(float(percent))


def _scenario_json(schedule: dict[int, dict[str, float]], outlook: RevenueOutlook, target: float,
                   params: PathParams) -> dict[str, Any]:
    """The scenario over the schedule (as before) and over the revenue outlook (``outlook_*``)."""
    result = run_scenario(schedule, target, params)
    over_outlook = run_scenario(outlook.total(), target, params)
    return {"share_path": _by_year(result.share_path), "revenue": _by_year(result.revenue),
            "ev_mix": _by_year(result.ev_mix),
            "outlook_revenue": by_year_json(over_outlook.revenue, outlook.years),
            "outlook_ev_mix": by_year_json(over_outlook.ev_mix, outlook.years)}


def _by_year(mapping: dict[int, Any]) -> dict[str, Any]:
    return {str(year): mapping[year] for year in YEARS}
