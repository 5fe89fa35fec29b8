"""Unit tests for revops_core.scenario (METRICS.md "Backlog schedule and the EV scenario", "Risks").

Expectations are hand-computed; the arithmetic is in the comments.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revops_core.scenario import (
    POWERTRAINS,
    YEARS,
    PathParams,
    ScenarioError,
    comparison_rows,
    ev_mix,
    ev_risk_score,
    factors,
    first_year_ev_mix_at_least,
    ice_hev_exposure,
    normalize,
    params_from_defaults,
    plan_grid,
    summary_rows,
    plan_ev_mix_2030,
    revenue_at_risk,
    run_scenario,
    scenario_revenue,
    sensitivity,
    share_path,
    validate_params,
)

# Defaults: baseline (2025, 20%), plan P = 40% in 2030, so p(y) = 0.2 + 0.04 (y - 2025).
DEFAULT = PathParams()
S_CURVE = PathParams(curve="s")

# 2030: total 100, EV (BEV + PHEV) 30, ICE + HEV 60, AGNOSTIC 10.
# 2033: total 50, EV 20, ICE 20, AGNOSTIC 10. 2026 has a row with no revenue;
# every other year is missing.
SCHEDULE = {
    2026: {"ICE": 0.0, "BEV": 0.0},
    2030: {"ICE": 50.0, "HEV": 10.0, "PHEV": 10.0, "BEV": 20.0, "AGNOSTIC": 10.0},
    2033: {"ICE": 20.0, "BEV": 20.0, "AGNOSTIC": 10.0},
}


# --- share_path: linear -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "params", "expected"),
    [
        # step (0.4 - 0.2) / 5 = 0.04 per year
        (0.4, DEFAULT, {2025: 0.2, 2027: 0.28, 2030: 0.4, 2033: 0.52, 2035: 0.6}),
        # step (0.7 - 0.2) / 5 = 0.1; 2033: 0.2 + 0.8 = 1.0; 2034: 1.1 clipped to 1
        (0.7, DEFAULT, {2028: 0.5, 2030: 0.7, 2031: 0.8, 2033: 1.0, 2034: 1.0, 2035: 1.0}),
        # step -0.04; 2029: 0.04; 2031: -0.04 clipped to 0
        (0.0, DEFAULT, {2029: 0.04, 2030: 0.0, 2031: 0.0, 2035: 0.0}),
        # flat: target equals the baseline share
        (0.2, DEFAULT, {2025: 0.2, 2030: 0.2, 2035: 0.2}),
        # baseline (2027, 10%), step 0.1: 2028 = 0.2; before 2027 the baseline share holds
        (
            0.4,
            PathParams(baseline_year=2027, baseline_share=0.1),
            {2025: 0.1, 2026: 0.1, 2027: 0.1, 2028: 0.2, 2030: 0.4, 2032: 0.6},
        ),
    ],
)
def test_linear_share_path(target: float, params: PathParams, expected: dict[int, float]) -> None:
    path = share_path(target, params)
    assert list(path) == list(YEARS)
    for year, share in expected.items():
        assert path[year] == pytest.approx(share, abs=1e-12), year


def test_linear_path_hits_both_anchors_exactly() -> None:
    path = share_path(0.37, DEFAULT)
    assert path[2025] == 0.2
    assert path[2030] == 0.37


def test_share_path_accepts_other_years() -> None:
    assert share_path(0.4, DEFAULT, years=(2030, 2033)) == pytest.approx({2030: 0.4, 2033: 0.52})


# --- share_path: S-curve ----------------------------------------------------------------


def test_s_curve_hand_value() -> None:
    # k = 0.6, m = 2030: L(2025) = 1/(1 + e^3) = 0.0474259, L(2028) = 1/(1 + e^1.2) = 0.2314752,
    # L(2030) = 0.5; fraction = (0.2314752 - 0.0474259) / (0.5 - 0.0474259) = 0.4066723;
    # s(2028) = 0.2 + (0.6 - 0.2) * 0.4066723 = 0.3626689
    assert share_path(0.6, S_CURVE)[2028] == pytest.approx(0.3626689, abs=1e-7)


@pytest.mark.parametrize(
    "params",
    [
        S_CURVE,
        PathParams(curve="s", s_midpoint=2020.0, s_steepness=0.6),  # upper half: complement branch
        PathParams(curve="s", s_midpoint=2040.0, s_steepness=0.3),  # lower half
        PathParams(curve="s", s_midpoint=2027.0, s_steepness=2.0, baseline_year=2022),
    ],
)
@pytest.mark.parametrize("target", [0.0, 0.3, 0.6, 1.0])
def test_s_curve_passes_through_anchors_and_is_monotone(params: PathParams, target: float) -> None:
    path = share_path(target, params, years=range(params.baseline_year - 3, 2036))
    assert path[params.baseline_year] == params.baseline_share
    assert path[2030] == target
    values = list(path.values())
    pairs = list(zip(values, values[1:]))
    if target > params.baseline_share:
        assert all(a <= b for a, b in pairs)
    else:
        assert all(a >= b for a, b in pairs)
    assert all(0.0 <= v <= 1.0 for v in values)


@pytest.mark.parametrize("params", [S_CURVE, PathParams(curve="s", s_midpoint=2020.0)])
def test_s_curve_matches_the_textbook_formula(params: PathParams) -> None:
    def logistic(y: float) -> float:
        return 1.0 / (1.0 + math.exp(-params.s_steepness * (y - params.s_midpoint)))

    b, target = params.baseline_year, 0.55
    path = share_path(target, params)
    for year in YEARS:
        fraction = (logistic(year) - logistic(b)) / (logistic(2030) - logistic(b))
        expected = min(1.0, max(0.0, 0.2 + (target - 0.2) * fraction))
        assert path[year] == pytest.approx(expected, abs=1e-12), year


def test_s_curve_is_flat_when_target_equals_baseline() -> None:
    assert set(share_path(0.2, S_CURVE).values()) == {0.2}


def test_s_curve_saturated_far_from_anchors_is_still_exact_at_anchors() -> None:
    params = PathParams(curve="s", s_midpoint=1990.0, s_steepness=1.0)
    path = share_path(0.5, params)
    assert (path[2025], path[2030]) == (0.2, 0.5)


@pytest.mark.parametrize("curve", ["linear", "s"])
@pytest.mark.parametrize("baseline_year", [2030, 2031])
def test_share_path_rejects_baseline_year_not_before_2030(curve: str, baseline_year: int) -> None:
    with pytest.raises(ValueError, match=f"baseline_year must be before 2030.*{baseline_year}"):
        share_path(0.4, PathParams(baseline_year=baseline_year, curve=curve))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (PathParams(curve="cubic"), "curve must be one of"),
        (PathParams(curve="s", s_steepness=0.0), "s_steepness must be greater than 0"),
        (PathParams(curve="s", s_midpoint=1500.0, s_steepness=5.0), "numerically flat"),
    ],
)
def test_share_path_rejects_undrawable_curves(params: PathParams, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        share_path(0.4, params)


# --- factors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "p", "ev", "ice"),
    [
        (0.5, 0.4, 1.25, 0.5 / 0.6),  # 0.5/0.4; (1-0.5)/(1-0.4) = 0.8333
        (0.3, 0.4, 0.75, 0.7 / 0.6),  # 0.3/0.4; 0.7/0.6 = 1.1667
        (0.0, 0.4, 0.0, 1.0 / 0.6),  # no EV at all; 1/0.6 = 1.6667
        (1.0, 0.5, 2.0, 0.0),  # all EV: 1/0.5; 0/0.5
        (0.4, 0.4, 1.0, 1.0),  # scenario = plan
        (0.0, 0.0, 1.0, 1.0),  # 0/0 with s == p counts as 1
        (1.0, 1.0, 1.0, 1.0),  # (1-1)/(1-1) with s == p counts as 1
    ],
)
def test_factors(s: float, p: float, ev: float, ice: float) -> None:
    f = factors(s, p)
    assert f["BEV"] == f["PHEV"] == pytest.approx(ev)
    assert f["ICE"] == f["HEV"] == pytest.approx(ice)
    assert f["AGNOSTIC"] == 1.0
    assert set(f) == set(POWERTRAINS)


@pytest.mark.parametrize(
    ("s", "p", "message"),
    [
        (0.3, 0.0, "EV factor is undefined in 2031"),
        (0.3, 1.0, "ICE/HEV factor is undefined in 2031"),
        (1.2, 0.4, "scenario EV share must be between 0 and 1 in 2031"),
        (0.4, -0.1, "plan EV share must be between 0 and 1 in 2031"),
    ],
)
def test_factors_errors_name_the_year(s: float, p: float, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        factors(s, p, year=2031)


def test_undefined_factor_surfaces_from_run_scenario_with_its_year() -> None:
    # P = 100%: p(2030) = 1 and every later year too, while s(2030) = 0.7 < 1.
    with pytest.raises(ScenarioError, match="ICE/HEV factor is undefined in 2030"):
        run_scenario(SCHEDULE, 0.7, PathParams(plan_2030=1.0))


# --- scenario revenue -------------------------------------------------------------------


def test_years_before_a_late_baseline_keep_the_schedule() -> None:
    # Baseline (2029, 20%), plan 40%: p(2030) = 0.4, s(2030) = 0.7 for T = 0.7; 2025-2028 hold 0.2
    # in both paths, so every factor there is 1 (no plan share of 0 before the baseline).
    params = PathParams(baseline_year=2029)
    result = run_scenario(SCHEDULE, 0.7, params)
    for year in (2025, 2026, 2027, 2028):
        assert result.share_path[year] == result.plan_path[year] == 0.2
        assert result.revenue[year] == normalize(SCHEDULE)[year]
    assert result.share_path[2029] == 0.2 and result.share_path[2030] == 0.7


def test_plan_reaching_100_percent_is_fine_without_ice_hev_revenue_that_year() -> None:
    # Plan 60% from (2025, 20%): step 0.08, p(2035) = 1.0. T = 0.5: s(2035) = 0.8.
    params = PathParams(plan_2030=0.6)
    ev_only_2035 = {**SCHEDULE, 2035: {"BEV": 10.0, "AGNOSTIC": 5.0}}
    result = run_scenario(ev_only_2035, 0.5, params)
    assert result.plan_path[2035] == 1.0
    assert result.revenue[2035] == pytest.approx({"BEV": 8.0, "PHEV": 0.0, "ICE": 0.0, "HEV": 0.0,
                                                  "AGNOSTIC": 5.0})  # BEV x 0.8 / 1.0
    with_ice = {**SCHEDULE, 2035: {"BEV": 10.0, "ICE": 4.0}}
    with pytest.raises(ScenarioError, match="ICE/HEV factor is undefined in 2035"):
        run_scenario(with_ice, 0.5, params)


@pytest.mark.parametrize(
    "params", [DEFAULT, S_CURVE, PathParams(baseline_share=0.05, plan_2030=0.9)]
)
def test_target_equal_to_plan_leaves_the_schedule_unchanged_exactly(params: PathParams) -> None:
    result = run_scenario(SCHEDULE, params.plan_2030, params)
    for year in YEARS:
        s, p = result.share_path[year], result.plan_path[year]
        assert factors(s, p) == dict.fromkeys(POWERTRAINS, 1.0)
        for code in POWERTRAINS:
            assert result.revenue[year][code] == SCHEDULE.get(year, {}).get(code, 0.0)
    assert set(result.at_risk.values()) == {0.0}


@settings(max_examples=60, deadline=None)
@given(
    baseline=st.floats(0.0, 1.0),
    plan=st.floats(0.0, 1.0),
    baseline_year=st.integers(2015, 2029),
    curve=st.sampled_from(["linear", "s"]),
    amount=st.floats(0.0, 1e9),
)
def test_target_equal_to_plan_is_identity_for_any_valid_params(
    baseline: float, plan: float, baseline_year: int, curve: str, amount: float
) -> None:
    params = PathParams(
        baseline_year=baseline_year, baseline_share=baseline, plan_2030=plan, curve=curve
    )
    schedule = {y: {"ICE": amount, "BEV": amount / 3, "HEV": 1.0} for y in YEARS}
    result = run_scenario(schedule, plan, params)
    assert result.revenue == normalize(schedule)


def test_scenario_revenue_hand_values_2030() -> None:
    # T = 0.7: s = 0.7, p = 0.4 -> EV factor 1.75, ICE/HEV factor 0.3/0.6 = 0.5
    # BEV 20 * 1.75 = 35, PHEV 10 * 1.75 = 17.5, ICE 50 * 0.5 = 25, HEV 10 * 0.5 = 5, AGNOSTIC 10
    result = run_scenario(SCHEDULE, 0.7, DEFAULT)
    assert result.revenue[2030] == pytest.approx(
        {"BEV": 35.0, "PHEV": 17.5, "ICE": 25.0, "HEV": 5.0, "AGNOSTIC": 10.0}
    )
    assert result.total_by_year[2030] == pytest.approx(92.5)
    assert result.at_risk[2030] == pytest.approx(7.5)  # 100 - 92.5
    assert result.ev_mix[2030] == pytest.approx(52.5 / 92.5)
    assert result.ice_hev_exposure[2030] == pytest.approx(30.0 / 92.5)


# Hand values in 2030 (p = 0.4; schedule EV 30, ICE 50, HEV 10, AGNOSTIC 10):
#   T=0.3: EV x 0.75 -> 22.5; ICE x 7/6 -> 58.333; total 102.5; at risk -2.5
#   T=0.5: EV x 1.25 -> 37.5; ICE x 5/6 -> 41.667; total 97.5; at risk 2.5
#   T=0.7: EV x 1.75 -> 52.5; ICE x 1/2 -> 25.0; total 92.5; at risk 7.5
PRESETS = [(0.3, 22.5, 50 * 7 / 6, -2.5), (0.5, 37.5, 50 * 5 / 6, 2.5), (0.7, 52.5, 25.0, 7.5)]


@pytest.mark.parametrize(("target", "ev", "ice", "at_risk"), PRESETS)
def test_presets_hand_values_2030(target: float, ev: float, ice: float, at_risk: float) -> None:
    result = run_scenario(SCHEDULE, target, DEFAULT)
    year = result.revenue[2030]
    assert year["BEV"] + year["PHEV"] == pytest.approx(ev)
    assert year["ICE"] == pytest.approx(ice)
    assert result.at_risk[2030] == pytest.approx(at_risk)


@pytest.mark.parametrize("params", [DEFAULT, S_CURVE])
def test_presets_move_revenue_from_ice_to_ev(params: PathParams) -> None:
    years = [run_scenario(SCHEDULE, t, params).revenue[2030] for t in (0.3, 0.5, 0.7)]
    ev = [y["BEV"] + y["PHEV"] for y in years]
    ice = [y["ICE"] for y in years]
    assert ev[0] < ev[1] < ev[2]
    assert ice[0] > ice[1] > ice[2]


def test_outputs_cover_every_year_and_missing_years_are_zero() -> None:
    result = run_scenario(SCHEDULE, 0.5, DEFAULT)
    for mapping in (result.share_path, result.plan_path, result.revenue, result.ev_mix,
                    result.at_risk, result.ice_hev_exposure, result.total_by_year):
        assert list(mapping) == list(YEARS)
    assert result.revenue[2029] == dict.fromkeys(POWERTRAINS, 0.0)
    assert result.total_by_year[2029] == 0.0


def test_scenario_revenue_needs_a_plan_share_for_every_year() -> None:
    with pytest.raises(ScenarioError, match="plan path has no share for 2031"):
        scenario_revenue(SCHEDULE, {2030: 0.5, 2031: 0.5}, {2030: 0.4})


def test_unknown_powertrain_code_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="unknown powertrain code.*2030: FCEV"):
        run_scenario({2030: {"FCEV": 5.0}}, 0.5, DEFAULT)


def test_revenue_at_risk_is_plan_minus_scenario() -> None:
    plan = {2030: {"ICE": 60.0, "BEV": 40.0}}
    scenario = {2030: {"ICE": 30.0, "BEV": 50.0}, 2031: {"BEV": 5.0}}
    # 2030: 100 - 80 = 20 (lost); 2031: 0 - 5 = -5 (gained); other years 0
    at_risk = revenue_at_risk(plan, scenario)
    assert (at_risk[2030], at_risk[2031], at_risk[2025]) == (20.0, -5.0, 0.0)


# --- EV mix and exposure ----------------------------------------------------------------


def test_ev_mix_and_exposure() -> None:
    mix, exposure = ev_mix(SCHEDULE), ice_hev_exposure(SCHEDULE)
    assert mix[2030] == pytest.approx(0.3)  # (20 + 10) / 100
    assert exposure[2030] == pytest.approx(0.6)  # (50 + 10) / 100
    assert mix[2033] == pytest.approx(0.4)  # 20 / 50
    assert exposure[2033] == pytest.approx(0.4)  # 20 / 50
    # 2026 has a row with zero revenue, 2027 has no row: both n/a, not 0
    assert (mix[2026], mix[2027], exposure[2026], exposure[2027]) == (None, None, None, None)


@pytest.mark.parametrize(
    ("mix", "threshold", "expected"),
    [
        ({2025: 0.1, 2026: None, 2027: 0.4, 2028: 0.5}, 0.40, 2027),  # exactly 40% counts
        ({2028: 0.5, 2025: 0.1, 2027: 0.45}, 0.40, 2027),  # order of keys does not matter
        ({2025: 0.1, 2026: 0.39}, 0.40, None),  # never reached
        ({2025: None, 2026: None}, 0.40, None),  # no revenue at all
        ({2025: 0.1, 2027: 0.4, 2028: 0.5}, 0.50, 2028),  # another threshold
        ({2025: 0.4 - 1e-12}, 0.40, 2025),  # 40% up to floating-point rounding
        ({}, 0.40, None),
    ],
)
def test_first_year_ev_mix_at_least(
    mix: dict[int, float | None], threshold: float, expected: int | None
) -> None:
    assert first_year_ev_mix_at_least(mix, threshold) == expected


def test_first_year_40_in_run_scenario() -> None:
    # T = 0.5 in 2030: mix 37.5 / 97.5 = 0.385 < 0.4. 2033: s = 0.2 + 0.06 * 8 = 0.68,
    # p = 0.52: BEV 20 * 0.68/0.52 = 26.15, ICE 20 * 0.32/0.48 = 13.33, total 49.49 -> 0.53
    assert run_scenario(SCHEDULE, 0.5, DEFAULT).first_year_40 == 2033
    # T = 0.7 reaches 52.5 / 92.5 = 0.57 in 2030 (no revenue before)
    assert run_scenario(SCHEDULE, 0.7, DEFAULT).first_year_40 == 2030


# --- sensitivity ------------------------------------------------------------------------


def test_sensitivity_shape_and_values() -> None:
    rows = sensitivity(SCHEDULE, targets=[0.3, 0.5, 0.7], plan_shares=[0.3, 0.4])
    assert len(rows) == 3 * 2 * 2
    keys = {"target", "plan_2030", "year", "revenue", "vs_plan", "vs_plan_share"}
    assert all(set(row) == keys for row in rows)
    assert [(r["target"], r["plan_2030"], r["year"]) for r in rows[:4]] == [
        (0.3, 0.3, 2030), (0.3, 0.3, 2033), (0.3, 0.4, 2030), (0.3, 0.4, 2033),
    ]
    by_key = {(r["target"], r["plan_2030"], r["year"]): r["revenue"] for r in rows}
    assert by_key[(0.5, 0.4, 2030)] == pytest.approx(97.5)  # see PRESETS
    # 2033, T = 0.5, P = 0.4: 20 * 0.68/0.52 + 20 * 0.32/0.48 + 10 = 26.154 + 13.333 + 10
    assert by_key[(0.5, 0.4, 2033)] == pytest.approx(20 * 0.68 / 0.52 + 20 * 0.32 / 0.48 + 10)
    # T = P: the schedule's own totals
    assert (by_key[(0.3, 0.3, 2030)], by_key[(0.3, 0.3, 2033)]) == (100.0, 50.0)
    row = next(r for r in rows if (r["target"], r["plan_2030"], r["year"]) == (0.5, 0.4, 2030))
    assert row["vs_plan"] == pytest.approx(-2.5)  # 97.5 - 100
    assert row["vs_plan_share"] == pytest.approx(-0.025)  # -2.5 / 100


def test_sensitivity_marks_undefined_cells_instead_of_failing() -> None:
    # Baseline 100% and plan 100%: p(y) = 1 in every year, so any T < 1 has no ICE factor.
    params = PathParams(baseline_share=1.0)
    rows = sensitivity(SCHEDULE, targets=[0.5, 1.0], plan_shares=[1.0], params=params)
    by_target = {(r["target"], r["year"]): r for r in rows}
    assert by_target[(0.5, 2030)]["revenue"] is None
    assert by_target[(0.5, 2030)]["vs_plan"] is None
    assert by_target[(1.0, 2030)]["revenue"] == 100.0  # T = P: the schedule itself
    assert by_target[(1.0, 2030)]["vs_plan"] == 0.0


def test_sensitivity_share_is_none_without_plan_revenue() -> None:
    rows = sensitivity({2033: {"BEV": 10.0}}, targets=[0.5], plan_shares=[0.4])
    r2030 = next(r for r in rows if r["year"] == 2030)
    assert (r2030["revenue"], r2030["vs_plan"], r2030["vs_plan_share"]) == (0.0, 0.0, None)


def test_sensitivity_still_raises_on_unknown_powertrain() -> None:
    with pytest.raises(ScenarioError, match="unknown powertrain"):
        sensitivity({2030: {"FCEV": 1.0}}, targets=[0.5], plan_shares=[0.4])


# --- comparison rows --------------------------------------------------------------------


def test_comparison_rows_hand_values() -> None:
    results = [run_scenario(SCHEDULE, t, DEFAULT) for t in (0.3, 0.7)]
    rows = comparison_rows(SCHEDULE, results)
    assert [r["year"] for r in rows] == list(YEARS)
    r2030 = rows[YEARS.index(2030)]
    # plan: 100, EV mix 30/100, ICE + HEV 60/100 (see SCHEDULE)
    assert (r2030["plan_revenue"], r2030["plan_ev_mix"], r2030["plan_ice_hev"]) == (100.0, 0.3, 0.6)
    # T = 0.3: total 102.5 (PRESETS), vs plan +2.5, EV mix 22.5 / 102.5
    assert r2030["s1_revenue"] == pytest.approx(102.5)
    assert r2030["s1_vs_plan"] == pytest.approx(2.5)
    assert r2030["s1_ev_mix"] == pytest.approx(22.5 / 102.5)
    # T = 0.7: 92.5, -7.5, ICE + HEV 30 / 92.5
    assert r2030["s2_vs_plan"] == pytest.approx(-7.5)
    assert r2030["s2_ice_hev"] == pytest.approx(30.0 / 92.5)
    # 2027 has no revenue: money 0, shares n/a
    r2027 = rows[YEARS.index(2027)]
    assert (r2027["s1_revenue"], r2027["s1_vs_plan"], r2027["s1_ev_mix"], r2027["plan_ev_mix"]) == (
        0.0, 0.0, None, None)
    assert "s3_revenue" not in r2030


def test_summary_rows_hand_values() -> None:
    results = [run_scenario(SCHEDULE, t, DEFAULT) for t in (0.3, 0.5, 0.7)]
    plan, low, mid, high = summary_rows(SCHEDULE, results)
    # plan: 100 (2030) + 50 (2033) = 150; EV mix 2030 0.3; first 40% in 2033 (20/50); ICE+HEV 0.6
    assert plan == {"target": None, "revenue": 150.0, "vs_plan": 0.0, "ev_mix_2030": 0.3, "first_year": 2033,
                    "ice_hev_2030": 0.6, "ev_status": "amber", "exposure_status": "green"}
    # T = 0.3, 2030: 102.5 (PRESETS). 2033: s = 0.2 + 0.02 * 8 = 0.36, p = 0.52:
    # BEV 20 * 0.36/0.52 = 13.846, ICE 20 * 0.64/0.48 = 26.667, AGNOSTIC 10 -> 50.513; mix 0.274
    assert low["revenue"] == pytest.approx(102.5 + 20 * 0.36 / 0.52 + 20 * 0.64 / 0.48 + 10)
    assert low["vs_plan"] == pytest.approx(low["revenue"] - 150.0)
    assert (low["first_year"], low["ev_status"]) == (None, "red")
    assert low["ice_hev_2030"] == pytest.approx((50 + 10) * 7 / 6 / 102.5)  # 70 / 102.5 = 0.683
    assert low["exposure_status"] == "red"  # above 60%
    # T = 0.5: 2030 mix 0.385 < 0.4 but reaches 0.53 in 2033 (see test_first_year_40_in_run_scenario)
    assert (mid["first_year"], mid["ev_status"]) == (2033, "amber")
    assert (high["target"], high["first_year"], high["ev_status"]) == (0.7, 2030, "green")
    assert high["ev_mix_2030"] == pytest.approx(52.5 / 92.5)


def test_ev_status_is_about_2030_not_the_first_year() -> None:
    # 2027: all BEV (mix 100%); 2030: 30% EV -> reached 40% once, below it in 2030: amber
    schedule = {2027: {"BEV": 10.0}, 2030: {"BEV": 3.0, "ICE": 7.0}}
    [plan] = summary_rows(schedule, [])
    assert (plan["first_year"], plan["ev_mix_2030"], plan["ev_status"]) == (2027, 0.3, "amber")


def test_summary_rows_without_2030_revenue() -> None:
    [plan] = summary_rows({2033: {"ICE": 5.0}}, [])
    assert (plan["ev_mix_2030"], plan["ice_hev_2030"], plan["exposure_status"]) == (None, None, "none")


@pytest.mark.parametrize(
    ("plan", "expected"),
    [(0.4, (0.3, 0.4, 0.5)), (0.05, (0.05, 0.15)), (0.1, (0.0, 0.1, 0.2)), (0.95, (0.85, 0.95)), (1.0, (0.9, 1.0))],
)
def test_plan_grid(plan: float, expected: tuple[float, ...]) -> None:
    assert plan_grid(plan) == expected


def test_params_from_defaults(cfg) -> None:
    params = params_from_defaults(cfg.rules.scenario, curve="s")
    d = cfg.rules.scenario
    assert params == PathParams(baseline_year=d.baseline_year, baseline_share=d.baseline_share,
                                plan_2030=d.plan_2030, curve="s", s_midpoint=float(d.s_midpoint),
                                s_steepness=d.s_steepness)


def test_sensitivity_reports_every_bad_share_at_once() -> None:
    with pytest.raises(ScenarioError) as excinfo:
        sensitivity(SCHEDULE, targets=[1.5], plan_shares=[-0.2])
    assert "target must be between 0 and 1, got 1.5" in str(excinfo.value)
    assert "plan_2030 must be between 0 and 1, got -0.2" in str(excinfo.value)


# --- validate_params --------------------------------------------------------------------

YEAR_RANGE = "baseline_year must be between 2015 and 2029"


@pytest.mark.parametrize(
    ("params", "target", "expected"),
    [
        (DEFAULT, 0.5, []),
        (S_CURVE, None, []),
        (DEFAULT, 1.2, ["target must be between 0 and 1, got 1.2"]),
        (PathParams(baseline_share=-0.1), None, ["baseline_share must be between 0 and 1, got -0.1"]),
        (PathParams(plan_2030=float("nan")), None, ["plan_2030 must be between 0 and 1, got nan"]),
        (PathParams(baseline_year=2014), None, [f"{YEAR_RANGE}, got 2014"]),
        (PathParams(baseline_year=2030), None, [f"{YEAR_RANGE}, got 2030"]),
        (PathParams(s_steepness=0.0), None, ["s_steepness must be greater than 0, got 0.0"]),
        (PathParams(curve="cubic"), None, ["curve must be one of linear, s, got 'cubic'"]),
    ],
)
def test_validate_params(params: PathParams, target: float | None, expected: list[str]) -> None:
    assert validate_params(params, target) == expected


def test_validate_params_reports_every_problem() -> None:
    params = PathParams(baseline_year=2031, baseline_share=1.5, plan_2030=-0.5, s_steepness=-1.0)
    problems = validate_params(params, target=2.0)
    assert len(problems) == 5
    for name in ("target", "baseline_share", "plan_2030", "baseline_year", "s_steepness"):
        assert any(p.startswith(name) for p in problems), name


def test_run_scenario_raises_with_every_problem() -> None:
    with pytest.raises(ScenarioError) as excinfo:
        run_scenario(SCHEDULE, 1.5, PathParams(baseline_year=2010))
    assert "target must be" in str(excinfo.value)
    assert "baseline_year must be" in str(excinfo.value)


# --- EV risk ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "mix", "score"),
    [
        (SCHEDULE, 0.3, 0.25),  # (0.40 - 0.30) / 0.40
        ({2030: {"BEV": 10.0, "ICE": 10.0}}, 0.5, 0.0),  # above target: floored at 0
        ({2030: {"BEV": 4.0, "ICE": 6.0}}, 0.4, 0.0),  # exactly on target
        ({2030: {"ICE": 8.0, "AGNOSTIC": 2.0}}, 0.0, 1.0),  # no EV at all
        ({2031: {"BEV": 10.0}}, None, None),  # no 2030 revenue
        ({2030: {"BEV": 0.0}}, None, None),
    ],
)
def test_ev_risk_score(schedule: dict, mix: float | None, score: float | None) -> None:
    assert plan_ev_mix_2030(schedule) == (None if mix is None else pytest.approx(mix))
    assert ev_risk_score(schedule) == (None if score is None else pytest.approx(score))


def test_ev_risk_score_with_another_target() -> None:
    assert ev_risk_score(SCHEDULE, target_mix=0.6) == pytest.approx(0.5)  # (0.6 - 0.3) / 0.6
