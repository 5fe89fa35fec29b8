"""Benchmark bands from config/benchmarks.yaml (METRICS.md benchmark column), in colour and words."""
from __future__ import annotations

import pytest

from revops_core import bands
from revops_core.config import AppConfig


@pytest.mark.parametrize(("value", "status", "words"), [
    (0.99, "red", "shrinking"), (1.0, "amber", ""), (1.2, "green", ""), (1.5, "green", "top quartile")])
def test_brr_bands(cfg: AppConfig, value: float, status: str, words: str) -> None:
    band = bands.evaluate(cfg, "backlog_replenishment_rate", value)
    assert band.status == status
    assert words in band.label


def test_win_rate_benchmark_holds_only_for_oem(cfg: AppConfig) -> None:
    # METRICS.md: "OEM RFQ 22-38%" -- no benchmark for ALL or the other segments
    assert bands.evaluate(cfg, "win_rate", 0.30, "OEM").status == "green"
    assert bands.evaluate(cfg, "win_rate", 0.18, "OEM").status == "amber"
    assert bands.evaluate(cfg, "win_rate", 0.10, "OEM").status == "red"
    for segment in (None, "TIER1", "DEALER_AFTERMARKET", "FLEET"):
        band = bands.evaluate(cfg, "win_rate", 0.10, segment)
        assert (band.status, band.label) == ("none", "tracked without a target here"), segment
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
    assert bands.evaluate(cfg, "revenue_ttm", 1.0).status == "none"
