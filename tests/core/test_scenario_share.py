"""Scenario settings in URL query parameters: defaults, reading a shared link, specs."""
from __future__ import annotations

import pytest

from revops_core.config import ScenarioDefaults
from revops_core.scenario import PathParams
from revops_core.scenario_share import FIELDS, defaults, read_query, spec_from_values, values_from_spec
from revops_core.scenario_store import ScenarioSpec

CONFIG = ScenarioDefaults(baseline_year=2025, baseline_share=0.18, plan_2030=0.40, presets=(0.3, 0.5, 0.7),
                          s_midpoint=2030, s_steepness=0.6)
DEFAULTS = defaults(CONFIG, CONFIG.presets)


def test_defaults_in_widget_units() -> None:
    assert DEFAULTS == {"sc_n": "3", "sc_t1": 30, "sc_t2": 50, "sc_t3": 70, "sc_base_year": "2025",
                        "sc_base_share": 18.0, "sc_plan": 40.0, "sc_curve": "Linear", "sc_mid": 2030.0,
                        "sc_steep": 0.6}
    assert {f.key for f in FIELDS} == set(DEFAULTS)


def test_fewer_presets_fill_the_other_slots() -> None:
    got = defaults(CONFIG, (0.45,))
    assert (got["sc_n"], got["sc_t1"], got["sc_t2"], got["sc_t3"]) == ("1", 45, 50, 70)


def test_a_good_link_is_read_without_problems() -> None:
    query = {"sc_n": "2", "sc_t1": "35", "sc_t2": "65", "sc_base_year": "2024", "sc_base_share": "12.5",
             "sc_plan": "45", "sc_curve": "S-curve", "sc_mid": "2031", "sc_steep": "0.9", "as_of": "2026-06-30"}
    read = read_query(query, DEFAULTS)
    assert read.problems == []
    assert read.values == {"sc_n": "2", "sc_t1": 35, "sc_t2": 65, "sc_t3": 70, "sc_base_year": "2024",
                           "sc_base_share": 12.5, "sc_plan": 45.0, "sc_curve": "S-curve", "sc_mid": 2031.0,
                           "sc_steep": 0.9}


@pytest.mark.parametrize(
    ("key", "raw", "problem"),
    [
        ("sc_t1", "abc", "Scenario A: market EV penetration in 2030 (%) = 'abc' is not a number between 0 and 100; "
                         "using the default 30"),
        ("sc_t2", "150", "Scenario B: market EV penetration in 2030 (%) = '150' is not a number between 0 and 100; "
                         "using the default 50"),
        ("sc_t3", "-5", "= '-5' is not a number between 0 and 100; using the default 70"),
        ("sc_t1", "inf", "= 'inf' is not a number"),
        ("sc_t1", "nan", "= 'nan' is not a number"),
        ("sc_t1", "", "= '' is not a number"),
        ("sc_base_share", "x", "Baseline penetration (%) = 'x' is not a number between 0 and 100; using the default 18"),
        ("sc_plan", "101", "Plan's 2030 penetration (%) = '101' is not a number"),
        ("sc_base_year", "2031", "Baseline year = '2031' is not a year from 2015 to 2029; using the default 2025"),
        ("sc_base_year", "2020.0", "Baseline year = '2020.0' is not a year from 2015 to 2029"),
        ("sc_curve", "cubic", "Share path = 'cubic' is not one of Linear, S-curve; using the default Linear"),
        ("sc_n", "4", "Scenarios side by side = '4' is not one of 1, 2, 3; using the default 3"),
        ("sc_steep", "0", "S-curve steepness = '0' is not a number between 0.1 and 3; using the default 0.6"),
        ("sc_mid", "1990", "S-curve midpoint (year) = '1990' is not a number between 2015 and 2045"),
    ],
)
def test_bad_values_fall_back_to_the_default_with_a_reason(key: str, raw: str, problem: str) -> None:
    read = read_query({key: raw}, DEFAULTS)
    assert read.values == DEFAULTS
    assert len(read.problems) == 1
    assert problem in read.problems[0]


def test_every_bad_value_is_reported_and_good_ones_kept() -> None:
    read = read_query({"sc_t1": "abc", "sc_t2": "60", "sc_plan": "999", "sc_curve": "S-curve"}, DEFAULTS)
    assert (read.values["sc_t1"], read.values["sc_t2"], read.values["sc_plan"], read.values["sc_curve"]) == (
        30, 60, 40.0, "S-curve")
    assert len(read.problems) == 2


@pytest.mark.parametrize(
    ("raw", "value", "problem"),
    [
        ("40.5", 40, "is not a whole number; read as 40"),  # Streamlit's int slider truncates too
        ("1e1", 10, None),  # Python float syntax, as Streamlit reads it
        (" 40", 40, None),
        (["20", "45"], 45, None),  # a repeated key: the last value wins
        ("100", 100, None),
        ("0", 0, None),
    ],
)
def test_numbers_are_read_as_streamlit_reads_them(raw, value: int, problem: str | None) -> None:
    read = read_query({"sc_t1": raw}, DEFAULTS)
    assert read.values["sc_t1"] == value
    assert read.problems == ([] if problem is None else [f"Scenario A: market EV penetration in 2030 (%) = {raw!r} {problem}"])


def test_spec_from_values() -> None:
    values = {**DEFAULTS, "sc_n": "2", "sc_t1": 35, "sc_t2": 65, "sc_curve": "S-curve", "sc_base_year": "2024"}
    assert spec_from_values(values) == ScenarioSpec(
        (0.35, 0.65), PathParams(baseline_year=2024, baseline_share=0.18, plan_2030=0.4, curve="s",
                                 s_midpoint=2030.0, s_steepness=0.6))


def test_spec_round_trips_through_widget_values() -> None:
    spec = ScenarioSpec((0.3, 0.55), PathParams(baseline_year=2023, baseline_share=0.125, plan_2030=0.45,
                                                curve="s", s_midpoint=2031.5, s_steepness=0.8))
    values, problems = values_from_spec(spec, DEFAULTS)
    assert problems == []
    assert values["sc_t2"] == 55 and values["sc_base_share"] == 12.5 and values["sc_curve"] == "S-curve"
    assert spec_from_values(values) == spec


def test_saved_spec_outside_the_widgets_is_fitted_with_a_reason() -> None:
    spec = ScenarioSpec((0.325,), PathParams(s_steepness=5.0))
    values, problems = values_from_spec(spec, DEFAULTS)
    assert values["sc_t1"] == 32 and values["sc_steep"] == 0.6 and values["sc_n"] == "1"
    assert len(problems) == 2
