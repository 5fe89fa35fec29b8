"""Maturity matrix (METRICS.md "Maturity matrix"): config, score, label, suggestions, steps."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from revops_core.errors import ConfigError
from revops_core.maturity import (
    PLAYBOOK_STEPS,
    Action,
    DataFacts,
    MaturityConfig,
    Suggestion,
    assessment_score,
    disagreements,
    load_maturity_config,
    next_steps,
    stage_label,
    suggest_stages,
)

CONFIG = Path(__file__).resolve().parents[2] / "config" / "maturity.yaml"
DIMENSIONS = ("SCOPE", "DATA_COVERAGE", "ATTRIBUTION", "PARTNER_ROLE", "FINANCIAL_VIEW",
              "GOVERNANCE")

# Everything the rules look for: every dimension is suggested at stage 3.
ECOSYSTEM = DataFacts(
    datasets_present=frozenset({"leads", "dealers", "touchpoints", "dealer_months", "revenue",
                                "martech_tools"}),
    touch_parties=frozenset({"OEM", "DEALER", "FINANCE", "MEDIA"}),
    multi_touch_in_use=True,
    cost_joined_to_revenue=True,
    dealer_scorecards_shared=True,
    dealer_months_present=True,
    governance_roles=frozenset({"MOPS", "REVOPS", "FINANCE", "IT"}),
)


@pytest.fixture(scope="module")
def cfg() -> MaturityConfig:
    return load_maturity_config(CONFIG)


def stages(**overrides: int) -> dict[str, int]:
    return {d: overrides.get(d, 3) for d in DIMENSIONS}


# --- config -------------------------------------------------------------------------------

def test_shipped_config_loads(cfg: MaturityConfig) -> None:
    assert tuple(cfg.dimensions) == DIMENSIONS
    assert cfg.stages == {1: "Tool-centric", 2: "Journey-centric", 3: "Ecosystem-centric"}
    assert (cfg.thresholds.tool_centric_below, cfg.thresholds.journey_centric_below) == (1.67, 2.34)
    assert cfg.dimension_label("ATTRIBUTION") == "Attribution"
    for code, dimension in cfg.dimensions.items():
        assert sorted(dimension.rubric) == [1, 2, 3], code
        assert sorted(cfg.next_steps[code]) == [1, 2], code
        for actions in cfg.next_steps[code].values():
            assert 2 <= len(actions) <= 4
            assert {a.step for a in actions} <= set(PLAYBOOK_STEPS)


def test_broken_config_reports_every_problem_at_once(tmp_path: Path) -> None:
    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    del raw["dimensions"]["ATTRIBUTION"]["rubric"][2]
    raw["next_steps"]["GOVERNANCE"][1][0]["step"] = "MEASURE"
    del raw["dimensions"]["GOVERNANCE"]
    broken = tmp_path / "maturity.yaml"
    broken.write_text(yaml.safe_dump(raw), encoding="utf-8")

    with pytest.raises(ConfigError) as err:
        load_maturity_config(broken)

    problems = err.value.problems
    assert len(problems) == 3
    assert all(p.startswith(f"{broken}: ") for p in problems)
    assert f"{broken}: dimensions.ATTRIBUTION.rubric: missing stage 2" in problems
    assert f"{broken}: dimensions: missing dimension GOVERNANCE" in problems
    assert any(p.startswith(f"{broken}: next_steps.GOVERNANCE.1.0.step: unknown playbook step "
                            "'MEASURE'") for p in problems)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("stages: [1, 2\n", "not valid YAML"),
        ("- a list\n", "top level must be a mapping"),
    ],
)
def test_unparseable_config_is_a_config_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "maturity.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=fragment):
        load_maturity_config(path)


# --- score and label ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (stages(), 3.0),
        ({d: 1 for d in DIMENSIONS}, 1.0),
        (stages(SCOPE=1, DATA_COVERAGE=2, ATTRIBUTION=1, PARTNER_ROLE=2, FINANCIAL_VIEW=1,
                GOVERNANCE=2), 1.5),
        (stages(SCOPE=1, DATA_COVERAGE=1, ATTRIBUTION=1, PARTNER_ROLE=1), 10 / 6),
    ],
)
def test_assessment_score_is_the_mean_stage(scores: dict[str, int], expected: float) -> None:
    assert assessment_score(scores) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("scores", "fragment"),
    [
        ({"SCOPE": 2, "ATTRIBUTION": 3}, "missing dimensions: DATA_COVERAGE, PARTNER_ROLE, "
                                         "FINANCIAL_VIEW, GOVERNANCE"),
        (stages(GOVERNANCE=4), "stages outside 1-3: GOVERNANCE=4"),
        (stages(SCOPE=0), "stages outside 1-3: SCOPE=0"),
        ({**stages(), "BUDGET": 2}, "unknown dimensions: BUDGET"),
    ],
)
def test_assessment_score_rejects_bad_input(scores: dict[str, int], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        assessment_score(scores)


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (1.0, "Tool-centric"),
        (1.66, "Tool-centric"),
        (10 / 6, "Tool-centric"),  # 1.666... is below 1.67: compared unrounded
        (1.67, "Journey-centric"),
        (2.33, "Journey-centric"),
        (14 / 6, "Journey-centric"),
        (2.34, "Ecosystem-centric"),
        (3.0, "Ecosystem-centric"),
    ],
)
def test_stage_label_boundaries(cfg: MaturityConfig, score: float, label: str) -> None:
    assert stage_label(score, cfg) == label


@pytest.mark.parametrize("score", [0.99, 3.01, float("nan")])
def test_stage_label_rejects_scores_outside_1_to_3(cfg: MaturityConfig, score: float) -> None:
    with pytest.raises(ValueError, match="between 1 and 3"):
        stage_label(score, cfg)


# --- suggestions ----------------------------------------------------------------------------

def without(facts: DataFacts, **changes: object) -> DataFacts:
    return replace(facts, **changes)


NO_DEALER_MONTHS = ECOSYSTEM.datasets_present - {"dealer_months"}


@pytest.mark.parametrize(
    ("dimension", "facts", "stage", "reason"),
    [
        ("ATTRIBUTION", ECOSYSTEM, 3,
         "a multi-touch model is in use and touchpoints include dealer and finance parties"),
        ("ATTRIBUTION", without(ECOSYSTEM, touch_parties=frozenset({"OEM", "FINANCE"})), 2,
         "a multi-touch model is in use, but no dealer touchpoints are recorded"),
        ("ATTRIBUTION", without(ECOSYSTEM, touch_parties=frozenset({"OEM"})), 2,
         "a multi-touch model is in use, but no dealer or finance touchpoints are recorded"),
        ("ATTRIBUTION", without(ECOSYSTEM, multi_touch_in_use=False), 1,
         "no multi-touch attribution model is in use"),
        ("DATA_COVERAGE", ECOSYSTEM, 3,
         "leads, touchpoints, dealer months and revenue are loaded and touchpoints span 4 parties"),
        ("DATA_COVERAGE", without(ECOSYSTEM, touch_parties=frozenset({"OEM", "MEDIA"})), 2,
         "leads and dealer data are loaded, but touchpoints span only 2 parties "
         "(OEM and media), fewer than 3"),
        ("DATA_COVERAGE", without(ECOSYSTEM, datasets_present=frozenset({"leads", "dealers"})), 2,
         "leads and dealer data are loaded, but the touchpoints, dealer months and revenue "
         "datasets are empty"),
        ("DATA_COVERAGE", without(ECOSYSTEM, datasets_present=frozenset({"leads"})), 1,
         "leads are loaded, but no dealer data is"),
        ("DATA_COVERAGE", without(ECOSYSTEM, datasets_present=frozenset({"dealers"})), 1,
         "no leads are loaded"),
        ("SCOPE", ECOSYSTEM, 3,
         "leads, dealers and dealer months are loaded and touchpoints include OEM, dealer and "
         "finance parties"),
        ("SCOPE", without(ECOSYSTEM, touch_parties=frozenset({"OEM", "DEALER", "MEDIA"})), 2,
         "journeys are measured through leads, but no finance touchpoints are recorded"),
        ("SCOPE", without(ECOSYSTEM, datasets_present=NO_DEALER_MONTHS), 2,
         "journeys are measured through leads, but the dealer months dataset is empty"),
        ("SCOPE", without(ECOSYSTEM, datasets_present=NO_DEALER_MONTHS - {"leads"}), 1,
         "no leads are loaded, so no customer journey is measured"),
        ("PARTNER_ROLE", ECOSYSTEM, 3,
         "dealer scorecards are shared and monthly dealer data is loaded"),
        ("PARTNER_ROLE", without(ECOSYSTEM, dealer_scorecards_shared=False), 2,
         "monthly dealer data is loaded, but no dealer scorecards are shared"),
        ("PARTNER_ROLE", without(ECOSYSTEM, dealer_months_present=False), 1,
         "no monthly dealer data is loaded"),
        ("FINANCIAL_VIEW", ECOSYSTEM, 3,
         "martech cost is set against attributed revenue and dealer cost to serve is loaded"),
        ("FINANCIAL_VIEW", without(ECOSYSTEM, dealer_months_present=False), 2,
         "martech cost is set against attributed revenue, but no dealer cost to serve is loaded"),
        ("FINANCIAL_VIEW", without(ECOSYSTEM, cost_joined_to_revenue=False), 1,
         "martech cost is not set against any attributed revenue"),
        ("GOVERNANCE", ECOSYSTEM, 3,
         "martech tools are owned jointly by MOPS, RevOps and finance"),
        ("GOVERNANCE", without(ECOSYSTEM, governance_roles=frozenset({"DEALER_COUNCIL", "FINANCE",
                                                                      "REVOPS"})), 3,
         "martech tools are owned jointly by RevOps, the dealer council and finance"),
        ("GOVERNANCE", without(ECOSYSTEM, governance_roles=frozenset({"IT", "mops", "FINANCE"})), 2,
         "martech tools are owned by MOPS and finance, but joint governance needs at least three "
         "of MOPS, RevOps, the dealer council and finance"),
        ("GOVERNANCE", without(ECOSYSTEM, governance_roles=frozenset({"IT", "VENDOR"})), 1,
         "martech tools are owned by IT and VENDOR, not by MOPS or RevOps"),
        ("GOVERNANCE", without(ECOSYSTEM, governance_roles=frozenset({"DEALER_COUNCIL",
                                                                      "FINANCE"})), 1,
         "martech tools are owned by the dealer council and finance, not by MOPS or RevOps"),
        ("GOVERNANCE", without(ECOSYSTEM, governance_roles=frozenset()), 1,
         "no martech tool owners are recorded"),
    ],
)
def test_suggestion_rules(dimension: str, facts: DataFacts, stage: int, reason: str) -> None:
    assert suggest_stages(facts)[dimension] == Suggestion(dimension, stage, reason)


def test_empty_data_suggests_stage_1_everywhere() -> None:
    suggestions = suggest_stages(DataFacts())
    assert tuple(suggestions) == DIMENSIONS
    assert {s.stage for s in suggestions.values()} == {1}


# --- disagreements and next steps ---------------------------------------------------------------

def test_disagreement_message(cfg: MaturityConfig) -> None:
    facts = without(ECOSYSTEM, touch_parties=frozenset({"OEM", "FINANCE", "MEDIA"}))
    found = disagreements(stages(), suggest_stages(facts), cfg)
    assert [(d.dimension, d.self_stage, d.suggested_stage) for d in found] == [
        ("SCOPE", 3, 2), ("ATTRIBUTION", 3, 2)]
    assert found[1].message == (
        "You scored Attribution 3; the data supports 2 because a multi-touch model is in use, "
        "but no dealer touchpoints are recorded.")


def test_disagreement_when_the_data_supports_more(cfg: MaturityConfig) -> None:
    found = disagreements({"PARTNER_ROLE": 1}, suggest_stages(ECOSYSTEM), cfg)
    assert [d.message for d in found] == [
        "You scored Dealer and partner role 1; the data supports 3 because dealer scorecards "
        "are shared and monthly dealer data is loaded."]


def test_no_disagreement_when_scores_match(cfg: MaturityConfig) -> None:
    assert disagreements(stages(), suggest_stages(ECOSYSTEM), cfg) == []


def test_next_steps_for_the_two_weakest_dimensions(cfg: MaturityConfig) -> None:
    scores = stages(SCOPE=2, DATA_COVERAGE=2, ATTRIBUTION=1, FINANCIAL_VIEW=2)
    actions = next_steps(scores, cfg)
    # ATTRIBUTION is lowest; SCOPE wins the tie at stage 2 because it comes first in config.
    assert [(a.dimension, a.stage) for a in actions] == (
        [("ATTRIBUTION", 1)] * len(cfg.next_steps["ATTRIBUTION"][1])
        + [("SCOPE", 2)] * len(cfg.next_steps["SCOPE"][2]))
    first = cfg.next_steps["ATTRIBUTION"][1][0]
    assert actions[0] == Action("ATTRIBUTION", 1, first.step, first.action)


@pytest.mark.parametrize(
    ("scores", "weakest", "dimensions"),
    [
        (stages(), 2, []),
        (stages(GOVERNANCE=2), 2, ["GOVERNANCE"]),
        (stages(GOVERNANCE=1, SCOPE=2, DATA_COVERAGE=2), 1, ["GOVERNANCE"]),
        (stages(GOVERNANCE=1, SCOPE=2, DATA_COVERAGE=2), 3, ["GOVERNANCE", "SCOPE",
                                                              "DATA_COVERAGE"]),
        ({d: 1 for d in DIMENSIONS}, 0, []),
    ],
)
def test_next_steps_skip_stage_3(cfg: MaturityConfig, scores: dict[str, int], weakest: int,
                                 dimensions: list[str]) -> None:
    chosen = list(dict.fromkeys(a.dimension for a in next_steps(scores, cfg, weakest)))
    assert chosen == dimensions


def test_compare_lines_up_current_previous_and_data(cfg: MaturityConfig) -> None:
    from revops_core.maturity import compare

    current = stages(SCOPE=2, ATTRIBUTION=1)
    previous = stages(SCOPE=1, ATTRIBUTION=2, GOVERNANCE=2)
    views = compare(current, previous, suggest_stages(replace(ECOSYSTEM, multi_touch_in_use=False)), cfg)
    by = {v.dimension: v for v in views}
    assert [v.dimension for v in views] == list(DIMENSIONS)
    assert (by["SCOPE"].stage, by["SCOPE"].previous, by["SCOPE"].change) == (2, 1, 1)
    assert (by["ATTRIBUTION"].change, by["ATTRIBUTION"].suggested) == (-1, 1)
    assert by["GOVERNANCE"].change == 1 and by["GOVERNANCE"].suggested == 3
    assert by["SCOPE"].rubric == cfg.dimensions["SCOPE"].rubric[2]
    first = compare(current, None, {}, cfg)
    assert all(v.previous is None and v.change is None and v.suggested is None for v in first)


def test_grid_marks_the_assessed_previous_and_data_cells(cfg: MaturityConfig) -> None:
    from revops_core.maturity import grid

    suggested = suggest_stages(replace(ECOSYSTEM, multi_touch_in_use=False))  # ATTRIBUTION 1, the rest 3
    rows = grid(cfg, stages(SCOPE=2, ATTRIBUTION=1), suggested, stages(SCOPE=1))
    assert [r.dimension for r in rows] == list(DIMENSIONS)
    scope, attribution = rows[0], rows[2]
    assert [c.stage for c in scope.cells] == [1, 2, 3]
    assert [c.rubric for c in scope.cells] == [cfg.dimensions["SCOPE"].rubric[s] for s in (1, 2, 3)]
    assert [(c.assessed, c.previous, c.suggested) for c in scope.cells] == [
        (False, True, False), (True, False, False), (False, False, True)]
    assert [(c.assessed, c.suggested) for c in attribution.cells] == [(True, True), (False, False), (False, False)]
    assert scope.label == "Scope of measurement" and scope.reason == suggested["SCOPE"].reason


def test_grid_of_a_new_org_unit_marks_only_the_data(cfg: MaturityConfig) -> None:
    from revops_core.maturity import grid

    rows = grid(cfg, None, suggest_stages(ECOSYSTEM))
    assert all(not c.assessed and not c.previous for r in rows for c in r.cells)
    assert [[c.suggested for c in r.cells] for r in rows] == [[False, False, True]] * 6
    assert all(r.reason is None for r in grid(cfg, None, {}))
