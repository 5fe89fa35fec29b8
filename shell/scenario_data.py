"""Cached wrappers and saved-scenario writes for the EV scenario planner.

The backlog schedule is cached by ``shell.data.schedule`` (url, version, as_of); a slider
move only reruns the factors of the scenario it changed (cached per target and path
settings). Saved scenarios are read uncached: they are written from this page.
"""
from __future__ import annotations

from datetime import date, datetime

import streamlit as st

from revops_core import scenario, scenario_store
from revops_core.scenario import PathParams, ScenarioResult
from revops_core.scenario_store import SavedScenario, ScenarioSpec
from shell import data


@st.cache_data(show_spinner=False)
def run(url: str, version: str, as_of: date, target: float, params: PathParams,
        ev_mix_target: float) -> ScenarioResult:
    """One scenario over the cached schedule (raises ``ScenarioError``)."""
    return scenario.run_scenario(data.schedule(url, version, as_of), target, params, ev_mix_target=ev_mix_target)


@st.cache_data(show_spinner=False)
def sensitivity(url: str, version: str, as_of: date, params: PathParams, targets: tuple[float, ...],
                plans: tuple[float, ...]) -> list[dict]:
    """2030 and 2033 revenue over a grid of targets and plan shares (raises ``ScenarioError``)."""
    return scenario.sensitivity(data.schedule(url, version, as_of), targets, plans, (2030, 2033), params)


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
