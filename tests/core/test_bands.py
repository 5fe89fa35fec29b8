"""Benchmark bands from config/benchmarks.yaml (METRICS.md benchmark column), else the board's plan
from config/rules.yaml, in colour and words."""
from __future__ import annotations

from datetime import date

import pytest

from revops_core import bands
from revops_core.config import AppConfig, MetricPlan, Plan


@pytest.mark.parametrize(("value", "status", "words"), [
    (0.99, "red", "shrinking"), (1.0, "amber", ""), (1.2, "green", ""), (1.5, "green", "top quartile")])
def test_brr_bands(cfg: AppConfig, value: float, status: str, words: str) -> None:
    band = bands.evaluate(cfg, "backlog_replenishment_rate", value)
    assert band.status == status
    assert words in band.label


def test_win_rate_benchmark_holds_only_for_oem_the_plan_for_the_rest(cfg: AppConfig) -> None:
    # METRICS.md: "OEM RFQ 22-38%" -- no benchmark for ALL or the other segments: they meet the plan
    assert bands.evaluate(cfg, "win_rate", 0.30, "OEM").status == "green"
    assert bands.evaluate(cfg, "win_rate", 0.18, "OEM").status == "amber"
    assert bands.evaluate(cfg, "win_rate", 0.10, "OEM").source == "benchmark"
    for segment in (None, "TIER1", "DEALER_AFTERMARKET", "FLEET"):
        band = bands.evaluate(cfg, "win_rate", 0.10, segment)
        assert (band.status, band.source) == ("red", "plan"), segment
        assert "plan" in band.label and "rules.yaml plan" in band.benchmark
    assert bands.evaluate(cfg, "oem_rfq_win_rate", 0.22).status == "green"  # 22% is inside


@pytest.mark.parametrize(("segment", "days", "status", "words"), [
    ("OEM", 90, "green", "faster than the 18-month"),  # 3 months: quicker than the range, not "within" it
    ("OEM", 900, "green", "within 18–48 months"),
    ("OEM", 1500, "amber", "longer than 48 months"),
    ("TIER1", 100, "green", "faster than the 6-month"),
    ("TIER1", 400, "green", "within 6–18 months"),
    ("FLEET", 60, "green", "faster than the 3-month"),
    ("FLEET", 200, "green", "within 3–9 months"),
    ("FLEET", 400, "red", "far longer than 9 months"),
])
def test_sales_cycle_bands_say_where_the_cycle_is(cfg: AppConfig, segment: str, days: int, status: str,
                                                  words: str) -> None:
    band = bands.evaluate(cfg, "sales_cycle_days", days, segment)
    assert (band.status, band.label.startswith(words)) == (status, True), band


def test_attach_rate_above_the_range_is_said_so(cfg: AppConfig) -> None:
    assert bands.evaluate(cfg, "software_attach_rate", 0.50).label == "top quartile (40–60%)"
    assert bands.evaluate(cfg, "software_attach_rate", 0.65).label == "above the 40–60% top-quartile range"
    assert bands.evaluate(cfg, "software_attach_rate", 0.30).status == "amber"


def test_no_value_and_no_benchmark(cfg: AppConfig) -> None:
    assert bands.evaluate(cfg, "backlog_replenishment_rate", None).label == "no data (n/a)"
    assert bands.evaluate(cfg, "revenue_ttm", 1.0).status == "none"          # a plan by quarter needs a date
    assert bands.evaluate(cfg, "eco_count_ttm", 1.0, as_of=date(2026, 6, 30)) == bands.BandResult(
        "none", "no benchmark", "", "")                                       # neither benchmark nor plan


def planned(cfg: AppConfig, **plans: MetricPlan) -> AppConfig:
    """``cfg`` with only ``plans`` as the board's plan (watch within 5%)."""
    rules = cfg.rules.model_copy(update={"plan": Plan(watch_within=0.05, metrics=plans)})
    return cfg.model_copy(update={"rules": rules})


REVENUE = MetricPlan(by_quarter={"2026Q2": 400.0, "2026Q3": 492.0})


@pytest.mark.parametrize(("as_of", "plan"), [
    (date(2026, 9, 30), 492.0),              # a quarter end: the quarter's plan
    (date(2026, 7, 1), 401.0),               # day 1 of 92: 400 + 92 x 1/92
    (date(2026, 8, 15), 446.0),              # day 46 of 92: 400 + 92 x 46/92
    (date(2026, 5, 15), 400.0),              # no 2026Q1 plan to start from: the quarter's own
])
def test_a_plan_by_quarter_is_pro_rated_by_day(cfg: AppConfig, as_of: date, plan: float) -> None:
    got = bands.plan_at(planned(cfg, revenue_ttm=REVENUE), "revenue_ttm", as_of=as_of)
    assert got is not None and got.value == pytest.approx(plan)


def test_no_plan_outside_the_planned_quarters(cfg: AppConfig) -> None:
    assert bands.plan_at(planned(cfg, revenue_ttm=REVENUE), "revenue_ttm", as_of=date(2026, 10, 1)) is None


@pytest.mark.parametrize(("value", "status", "words"), [
    (492.0, "green", "100.0% of the $492 plan"),
    (467.4, "amber", "95.0% of the $492 plan: within 5% of it"),      # 5% short is still "watch"
    (467.0, "red", "94.9% of the $492 plan: more than 5% short"),
    (None, "none", "no data (n/a)"),
])
def test_a_value_against_its_plan(cfg: AppConfig, value: float | None, status: str, words: str) -> None:
    band = bands.evaluate(planned(cfg, revenue_ttm=REVENUE), "revenue_ttm", value, as_of=date(2026, 9, 30))
    assert (band.status, band.label, band.source) == (status, words, "plan")
    assert band.benchmark == "Plan: $492 for the end of 2026Q3 (rules.yaml plan)"


def test_a_segment_target_wins_over_the_overall_one(cfg: AppConfig) -> None:
    c = planned(cfg, win_rate=MetricPlan(target=0.35, by_segment={"FLEET": 0.40}))
    assert bands.evaluate(c, "win_rate", 0.38).label == "3.0 pts above the 35.0% plan"
    assert bands.evaluate(c, "win_rate", 0.37, "FLEET").label == "3.0 pts below the 40.0% plan: more than 5% short"
    assert bands.evaluate(c, "win_rate", 0.38, "TIER1").label == "3.0 pts above the 35.0% plan"


def test_a_benchmark_band_wins_over_a_plan(cfg: AppConfig) -> None:
    c = planned(cfg, backlog_replenishment_rate=MetricPlan(target=5.0))
    assert bands.evaluate(c, "backlog_replenishment_rate", 1.5).source == "benchmark"
