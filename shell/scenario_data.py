"""Cached wrappers and saved-scenario writes for the EV scenario planner.

The planner re-weights the revenue outlook (booked schedule + weighted pipeline + recurring,
METRICS.md "Revenue outlook"), cached per (url, version, as_of); a slider move only reruns
the factors of the scenario it changed (cached per target and path settings). Saved
scenarios are read uncached: they are written from this page.
"""
from __future__ import annotations

from datetime import date, datetime

import streamlit as st

from revops_core import outlook as outlook_core
from revops_core import scenario, scenario_store
from revops_core.scenario import PathParams, ScenarioResult
from revops_core.scenario_store import SavedScenario, ScenarioSpec
from shell import data


@st.cache_data(show_spinner="Computing the revenue outlook…")
def outlook(url: str, version: str, as_of: date) -> outlook_core.RevenueOutlook:
    """The revenue outlook at D, on the cached backlog schedule."""
    with data.engine(url).connect() as conn:
        return outlook_core.revenue_outlook(conn, as_of, data.config(), schedule=data.schedule(url, version, as_of))


def outlook_total(url: str, version: str, as_of: date) -> dict[int, dict[str, float]]:
    """Year -> powertrain -> outlook revenue (what every scenario re-weights)."""
    return outlook(url, version, as_of).total()


@st.cache_data(show_spinner=False)
def run(url: str, version: str, as_of: date, target: float, params: PathParams,
        ev_mix_target: float) -> ScenarioResult:
    """One scenario over the cached outlook (raises ``ScenarioError``)."""
    return scenario.run_scenario(outlook_total(url, version, as_of), target, params, ev_mix_target=ev_mix_target)


@st.cache_data(show_spinner=False)
def parts(url: str, version: str, as_of: date, target: float, params: PathParams
          ) -> dict[str, dict[int, dict[str, float]]]:
    """The outlook's parts re-weighted for one scenario (raises ``ScenarioError``)."""
    return outlook_core.scenario_parts(outlook(url, version, as_of), scenario.share_path(target, params),
                                       scenario.share_path(params.plan_2030, params))


@st.cache_data(show_spinner=False)
def sensitivity(url: str, version: str, as_of: date, params: PathParams, targets: tuple[float, ...],
                plans: tuple[float, ...]) -> list[dict]:
    """2030 and 2033 outlook revenue over a grid of targets and plan shares (raises ``ScenarioError``)."""
    return scenario.sensitivity(outlook_total(url, version, as_of), targets, plans, (2030, 2033), params)


def saved(url: str) -> list[SavedScenario]:
    with data.engine(url).connect() as conn:
        return scenario_store.list_scenarios(conn)


def save(url: str, name: str, spec: ScenarioSpec, author: str) -> str:
    """Save (replacing a scenario of the same name); raises ``ScenarioError``."""
    with data.engine(url).begin() as conn:
        return scenario_store.save_scenario(conn, name, spec, author, datetime.now().replace(microsecond=0))


def load(url: str, name: str) -> ScenarioSpec:
    with data.engine(url).connect() as conn:
        return scenario_store.load_scenario(conn, name)
