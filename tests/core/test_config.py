"""Config validation at load: every problem at once, each naming its file and key."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from revops_core.config import CONFIG_DIR, load_config
from revops_core.errors import ConfigError
from revops_core.importer import DEFAULT_MAX_AMOUNT


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    return target


def _problems(folder: Path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_config(folder)
    return err.value.problems


def test_shipped_config_loads(folder: Path) -> None:
    cfg = load_config(folder)
    assert cfg.benchmarks.metrics["software_attach_rate"].target == (0.40, 0.60)
    assert cfg.label("segments", "DEALER_AFTERMARKET") == "Dealer + Aftermarket"


def test_every_problem_is_reported_with_file_and_key(folder: Path) -> None:
    bench = folder / "benchmarks.yaml"
    bench.write_text(bench.read_text(encoding="utf-8").replace("status: green", "status: greenish", 1),
                     encoding="utf-8")
    (folder / "alerts.yaml").write_text("alerts: [unclosed\n", encoding="utf-8")
    (folder / "users.yaml").unlink()
    problems = _problems(folder)
    assert any(p.startswith(f"{bench}: metrics.") and "status" in p and "green" in p for p in problems), problems
    assert any(p.startswith(f"{folder / 'alerts.yaml'}: not valid YAML") for p in problems), problems
    assert f"{folder / 'users.yaml'}: file is missing" in problems
    assert len(problems) == 3


def test_unknown_metric_in_benchmarks_is_named(folder: Path) -> None:
    bench = folder / "benchmarks.yaml"
    bench.write_text(bench.read_text(encoding="utf-8") + "\n  not_a_metric:\n    text: x\n    bands:\n"
                     "      - {status: green, label: ok}\n", encoding="utf-8")
    [problem] = _problems(folder)
    assert problem.startswith(f"{bench}: metrics.not_a_metric: not a board metric")


def test_config_folder_from_the_environment(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "rules.yaml").write_text("- just a list\n", encoding="utf-8")
    monkeypatch.setenv("AUTOREVOPS_CONFIG_DIR", str(folder))
    with pytest.raises(ConfigError) as err:
        load_config()
    assert any(p.startswith(str(folder / "rules.yaml")) for p in err.value.problems)


def test_import_ceiling_defaults_to_the_importers(folder: Path) -> None:
    assert load_config(folder).rules.import_.max_amount == DEFAULT_MAX_AMOUNT == 1.0e12
    rules = folder / "rules.yaml"
    without = re.sub(r"\nimport:\n(  .*\n?)*", "\n", rules.read_text(encoding="utf-8"))
    assert "\nimport:" not in without
    rules.write_text(without, encoding="utf-8")
    assert load_config(folder).rules.import_.max_amount == DEFAULT_MAX_AMOUNT


@pytest.mark.parametrize(("value", "message"), [
    ("0", "greater than 0"), ("-5", "greater than 0"), (".inf", "finite"), (".nan", "finite"),
    ("lots", "valid number"),
])
def test_import_ceiling_is_positive_and_finite(folder: Path, value: str, message: str) -> None:
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("max_amount: 1.0e12", f"max_amount: {value}"),
                     encoding="utf-8")
    [problem] = _problems(folder)
    assert problem.startswith(f"{rules}: import.max_amount: ") and message in problem, problem


def test_import_ceiling_may_be_raised(folder: Path) -> None:
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("max_amount: 1.0e12", "max_amount: 5e13"),
                     encoding="utf-8")
    assert load_config(folder).rules.import_.max_amount == 5e13


def test_stages_sort_in_the_configured_funnel_order(folder: Path) -> None:
    rules = load_config(folder).rules
    assert rules.ordered_stages(["Negotiation", "Zeta", "qualify", "Closed won", "Alpha", None, "Negotiation"]) == [
        "qualify", "Negotiation", "Closed won", "Alpha", "Zeta"]   # unknown stages last, alphabetically


def test_the_board_plan_is_checked(folder: Path) -> None:
    rules = folder / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    text = text.replace("2024Q1: 2.10e8", "2024Q5: 2.10e8", 1)
    text = text.replace("    win_rate:\n", "    not_a_metric: {target: 1}\n    win_rate:\n", 1)
    text = text.replace("by_segment: {TIER1: 0.30", "by_segment: {MARS: 0.1, TIER1: 0.30", 1)
    rules.write_text(text, encoding="utf-8")
    problems = _problems(folder)
    assert any(p.startswith(f"{rules}: plan.metrics.revenue_ttm.by_quarter.2024Q5") for p in problems), problems
    assert any(p.startswith(f"{rules}: plan.metrics.win_rate") and "MARS" in p for p in problems), problems
    assert len(problems) == 2     # the unknown metric is named once the file itself is valid
    rules.write_text(rules.read_text(encoding="utf-8").replace("2024Q5", "2024Q1").replace("MARS: 0.1, ", ""),
                     encoding="utf-8")
    [problem] = _problems(folder)
    assert problem.startswith(f"{rules}: plan.metrics.not_a_metric: not a board metric")


def test_labels_of_every_code_group_and_a_dash_for_a_missing_code(folder: Path) -> None:
    cfg = load_config(folder)
    assert cfg.label("owners", "DEALER_COUNCIL") == "Dealer council"
    assert cfg.label("award_statuses", "IN_PRODUCTION") == "In production"
    assert cfg.label("parties", "MEDIA") == "Media"
    assert cfg.label("segments", None) == cfg.label("powertrains", "") == "—"
    assert cfg.label("segments", "MARS") == "MARS"        # a code the group lacks stays itself
