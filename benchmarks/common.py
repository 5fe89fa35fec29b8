"""Shared benchmark helpers: a seeded database at a scale, a timer and peak memory."""
from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from revops_core.db import make_engine, redact  # noqa: E402
from revops_core.loader import write_datasets  # noqa: E402
from revops_core.queries.common import dataset_counts  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed(label: str, results: list[tuple[str, float]]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    results.append((label, time.perf_counter() - start))
    print(f"{label:<55} {results[-1][1]:8.2f} s   peak RSS {peak_rss_mb():8.0f} MiB", flush=True)


def seeded_engine(url: str, scale: str, seed: int = 42, reseed: bool = False) -> Any:
    """An engine on ``url``, seeded at ``scale`` unless it already holds data (or ``reseed``)."""
    from sample_data.generator import generate

    engine = make_engine(url)
    with engine.connect() as conn:
        from revops_core.schema import ensure_schema
        ensure_schema(engine)
        has_data = dataset_counts(conn).get("leads", 0) > 0
    if reseed or not has_data:
        results: list[tuple[str, float]] = []
        with timed(f"generate + load sample company ({scale})", results):
            write_datasets(engine, generate(seed, scale), source="seed")
    with engine.connect() as conn:
        counts = dataset_counts(conn)
    print(f"database {redact(url)}: " + ", ".join(f"{k}={v:,}" for k, v in counts.items() if v), flush=True)
    return engine


def run_timed(label: str, fn: Callable[[], Any], results: list[tuple[str, float]], repeat: int = 1) -> Any:
    out = None
    for i in range(repeat):
        with timed(label if repeat == 1 else f"{label} (run {i + 1})", results):
            out = fn()
    return out


def default_url(scale: str) -> str:
    return os.environ.get("BENCH_DB_URL") or f"sqlite:///{ROOT / 'data' / f'bench_{scale}.db'}"
