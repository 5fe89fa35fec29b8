"""Ecosystem scorecard at scale: the scorecard at each level (with its trend window), the
journey filter, the heat map and the funnel, plus the peak memory of the Python side.

usage: python benchmarks/bench_scorecard.py [--scale medium|large] [--db URL] [--reseed] [--days 90] [--analyze]
The database is seeded like ``python -m revops_core seed --scale SCALE --db URL`` unless it
already holds leads. Prints each step's wall time, the rows it returned, the peak of Python
allocations during the step (tracemalloc) and the process's peak RSS.
"""
from __future__ import annotations

import argparse
import platform
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from common import default_url, peak_rss_mb, seeded_engine

from revops_core import scorecard as sc
from revops_core.config import load_config
from revops_core.queries import scorecard as q
from revops_core.queries.common import EVERYTHING


def measure(label: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` once; print wall time, result size and peak traced Python memory."""
    tracemalloc.start()
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = len(out.rows) if isinstance(out, sc.Scorecard) else len(out) if hasattr(out, "__len__") else 1
    print(f"{label:<58} {elapsed:7.2f} s  {size:6,} rows  py-peak {peak / 2**20:7.1f} MiB  "
          f"RSS {peak_rss_mb():6.0f} MiB", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="medium", help="medium or large (the data contract's scale)")
    ap.add_argument("--db", help="database URL (default: data/bench_<scale>.db or $BENCH_DB_URL)")
    ap.add_argument("--reseed", action="store_true")
    ap.add_argument("--days", type=int, default=90, help="window length ending at the last lead (default 90)")
    ap.add_argument("--analyze", action="store_true",
                    help="run ANALYZE first (the loader does not; PostgreSQL without autovacuum then plans blind)")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    engine = seeded_engine(args.db or default_url(args.scale), args.scale, reseed=args.reseed)
    cfg = load_config()
    if args.analyze:
        with engine.begin() as conn:
            measure("ANALYZE", lambda: conn.execute(sa.text("ANALYZE")) and ())
    with engine.connect() as conn:
        span = q.lead_date_range(conn, EVERYTHING)
        assert span is not None, "the database holds no leads"
        start, end = sc.default_window(span[1], span, args.days)
        print(f"window {start} .. {end} ({args.days} days; trend window {sc.previous_window(start, end)})")
        total = time.perf_counter()
        for level in ("region", "dealer_group", "dealer"):
            measure(f"scorecard by {level} (+ previous window)",
                    lambda lv=level: sc.scorecard(conn, start, end, lv, cfg))
        measure("scorecard by dealer, journey EV_LAUNCH",
                lambda: sc.scorecard(conn, start, end, "dealer", cfg, "EV_LAUNCH"))
        measure("scorecard by dealer, no trend",
                lambda: sc.scorecard(conn, start, end, "dealer", cfg, with_trend=False))
        measure("  lead aggregates by dealer", lambda: q.lead_counts(conn, start, end, "dealer", 30, None, EVERYTHING))
        measure("  median response by dealer", lambda: q.median_response(conn, start, end, "dealer", None, EVERYTHING))
        measure("  sourced / influenced revenue by dealer", lambda: q.marketing_revenue(
            conn, start, end, "dealer", cfg.rules.ecosystem.marketing_parties, None, EVERYTHING))
        measure("heat map journey x dealer group", lambda: sc.heatmap(conn, start, end, "dealer_group"))
        measure("funnel (everything)", lambda: sc.funnel(conn, start, end, cfg))
        year = sc.default_window(span[1], span, 365)
        measure("scorecard by dealer over 365 days (+ previous)", lambda: sc.scorecard(conn, *year, "dealer", cfg))
        print(f"total {time.perf_counter() - total:.2f} s, peak RSS {peak_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
