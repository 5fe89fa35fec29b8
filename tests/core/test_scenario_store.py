"""Saved scenarios: JSON round trip, name validation, save / list / load on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from revops_core.errors import ScenarioError
from revops_core.scenario import PathParams
from revops_core.scenario_store import (
    ScenarioSpec,
    list_scenarios,
    load_scenario,
    save_scenario,
    validate_name,
)
from revops_core.schema import saved_scenarios

SPEC = ScenarioSpec(targets=(0.3, 0.5, 0.7),
                    params=PathParams(baseline_year=2024, baseline_share=0.18, plan_2030=0.4, curve="s",
                                      s_midpoint=2031.0, s_steepness=0.8))
MONDAY = datetime(2026, 10, 5, 9, 30)
TUESDAY = datetime(2026, 10, 6, 14, 0)


# --- JSON -------------------------------------------------------------------------------


def test_spec_json_round_trip() -> None:
    text = SPEC.to_json()
    assert json.loads(text) == {"version": 1, "targets": [0.3, 0.5, 0.7], "baseline_year": 2024,
                                "baseline_share": 0.18, "plan_2030": 0.4, "curve": "s",
                                "s_midpoint": 2031.0, "s_steepness": 0.8}
    assert ScenarioSpec.from_json(text) == SPEC


def test_missing_path_fields_take_the_defaults() -> None:
    assert ScenarioSpec.from_json('{"targets": [0.45]}') == ScenarioSpec((0.45,), PathParams())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"targets": "30"}', "targets must be a list of numbers"),
        ('{"targets": [true]}', "targets must be a list of numbers"),
        ('{"targets": []}', "1 to 3 targets, got 0"),
        ('{"targets": [0.1, 0.2, 0.3, 0.4]}', "1 to 3 targets, got 4"),
        ('{"targets": [1.5]}', "target must be between 0 and 1, got 1.5"),
        ('{"targets": [0.3], "baseline_year": "2025"}', "baseline_year must be a number"),
        ('{"targets": [0.3], "baseline_year": 2025.5}', "baseline_year must be a whole year"),
        ('{"targets": [0.3], "baseline_year": 2031}', "baseline_year must be between 2015 and 2029"),
        ('{"targets": [0.3], "curve": 3}', "curve must be a string"),
        ('{"targets": [0.3], "curve": "cubic"}', "curve must be one of linear, s"),
    ],
)
def test_bad_json_is_a_scenario_error(text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        ScenarioSpec.from_json(text)


def test_spec_problems_lists_everything() -> None:
    spec = ScenarioSpec(targets=(1.2, -0.1), params=PathParams(plan_2030=2.0))
    problems = spec.problems()
    assert "target must be between 0 and 1, got 1.2" in problems
    assert "target must be between 0 and 1, got -0.1" in problems
    assert "plan_2030 must be between 0 and 1, got 2.0" in problems


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Base case", []),
        ("  Accelerated EV (70%)  ", []),
        ("", ["the scenario name is empty"]),
        ("   ", ["the scenario name is empty"]),
        ("x" * 80, []),
        ("x" * 81, ["the scenario name is longer than 80 characters (81)"]),
        ("tab\there", ["the scenario name contains control characters"]),
    ],
)
def test_validate_name(name: str, expected: list[str]) -> None:
    assert validate_name(name) == expected


# --- database round trip (SQLite and PostgreSQL) -----------------------------------------


def test_save_list_load_round_trip(engine) -> None:
    with engine.begin() as conn:
        assert save_scenario(conn, "  Base case ", SPEC, "ava", MONDAY) == "Base case"
        save_scenario(conn, "Slow EV", ScenarioSpec((0.25,)), "ben", TUESDAY)
    with engine.connect() as conn:
        saved = list_scenarios(conn)
        assert [s.name for s in saved] == ["Slow EV", "Base case"]  # newest first
        base = saved[1]
        assert (base.spec, base.created_by, base.created_at, base.problem) == (SPEC, "ava", MONDAY, None)
        assert load_scenario(conn, "Base case") == SPEC
        assert load_scenario(conn, " Slow EV ") == ScenarioSpec((0.25,))


def test_saving_the_same_name_replaces_it(engine) -> None:
    with engine.begin() as conn:
        save_scenario(conn, "Base case", SPEC, "ava", MONDAY)
        save_scenario(conn, "Base case", ScenarioSpec((0.6,)), "ben", TUESDAY)
    with engine.connect() as conn:
        saved = list_scenarios(conn)
        assert len(saved) == 1
        assert (saved[0].spec, saved[0].created_by, saved[0].created_at) == (ScenarioSpec((0.6,)), "ben", TUESDAY)


def test_save_refuses_bad_input_and_writes_nothing(engine) -> None:
    with engine.begin() as conn, pytest.raises(ScenarioError) as excinfo:
        save_scenario(conn, " ", ScenarioSpec((1.5,)), "", MONDAY)
    message = str(excinfo.value)
    assert "the scenario name is empty" in message
    assert "target must be between 0 and 1, got 1.5" in message
    assert "the author (created by) is empty" in message
    with engine.connect() as conn:
        assert list_scenarios(conn) == []


def test_load_missing_scenario_is_an_error(engine) -> None:
    with engine.connect() as conn, pytest.raises(ScenarioError, match="no saved scenario is named 'Nope'"):
        load_scenario(conn, "Nope")


def test_unreadable_row_is_listed_with_its_problem(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(saved_scenarios).values(name="Broken", params="{oops", created_by="x",
                                                       created_at=MONDAY))
    with engine.connect() as conn:
        [broken] = list_scenarios(conn)
        assert broken.spec is None and "not valid JSON" in (broken.problem or "")
        with pytest.raises(ScenarioError, match="not valid JSON"):
            load_scenario(conn, "Broken")
