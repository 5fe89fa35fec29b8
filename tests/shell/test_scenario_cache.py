"""The slider moves only what changed: the backlog schedule is read once per (database, as-of)
and each scenario is computed once per (target, path settings); a new target reuses both."""
from __future__ import annotations

from datetime import date

import pytest
import streamlit as st

from revops_core import backlog, scenario
from revops_core.scenario import DEFAULT_PARAMS
from shell import data, scenario_data


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the schedule reads and the scenario computations behind the cached wrappers."""
    st.cache_data.clear()
    counts = {"schedule": 0, "scenario": 0}
    real_schedule, real_run = backlog.backlog_schedule, scenario.run_scenario

    def schedule(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        counts["schedule"] += 1
        return real_schedule(*args, **kwargs)

    def run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        counts["scenario"] += 1
        return real_run(*args, **kwargs)

    monkeypatch.setattr(data, "backlog_schedule", schedule)  # the name shell.data calls
    monkeypatch.setattr(scenario, "run_scenario", run)
    yield counts
    st.cache_data.clear()


def test_a_slider_move_reuses_the_schedule_and_the_unchanged_scenarios(sample_db_url: str, calls) -> None:
    as_of = date(2026, 10, 31)
    first = [scenario_data.run(sample_db_url, "v1", as_of, t, DEFAULT_PARAMS, 0.4) for t in (0.3, 0.5, 0.7)]
    assert calls == {"schedule": 1, "scenario": 3}
    # the third slider moves 70% -> 65%: only that scenario is computed, over the cached schedule
    again = [scenario_data.run(sample_db_url, "v1", as_of, t, DEFAULT_PARAMS, 0.4) for t in (0.3, 0.5, 0.65)]
    assert calls == {"schedule": 1, "scenario": 4}
    assert again[:2] == first[:2] and again[2].target == 0.65
    # a new data version (an import) reads the schedule again
    scenario_data.run(sample_db_url, "v2", as_of, 0.3, DEFAULT_PARAMS, 0.4)
    assert calls == {"schedule": 2, "scenario": 5}
