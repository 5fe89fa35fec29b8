"""Benchmark bands from config/benchmarks.yaml: green, amber or red, always with words."""
from __future__ import annotations

from dataclasses import dataclass

from revops_core.config import AppConfig


@dataclass(frozen=True)
class BandResult:
    status: str  # green, amber, red or none
    label: str   # the band in words, e.g. "below 1.0x: backlog shrinking"
    benchmark: str  # the benchmark itself, e.g. "target >= 1.2x"


def evaluate(cfg: AppConfig, key: str, value: float | None, segment: str | None = None) -> BandResult:
    """The band ``value`` of metric ``key`` falls in (segment bands override the default)."""
    bench = cfg.benchmarks.metrics.get(key)
    if bench is None:
        return BandResult("none", "no benchmark", "")
    if value is None:
        return BandResult("none", "no data (n/a)", bench.text)
    bands = bench.by_segment.get(segment or "", bench.bands) if segment else bench.bands
    if not bands:
        return BandResult("none", "tracked without a target here", bench.text)
    for band in bands:
        if band.contains(value):
            return BandResult(band.status, band.label, bench.text)
    return BandResult("none", "outside every band", bench.text)
