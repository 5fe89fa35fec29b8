"""Attribution and martech ROI at scale: the attribution report (six models) over a 90-day and a
365-day window, each of its queries on its own, the streamed time-decay fallback, the Markov
solve, and the martech report, with the peak of Python allocations per step.

usage: python benchmarks/bench_attribution.py [--scale medium|large] [--db URL] [--reseed] [--days 90]
The database is seeded like ``python -m revops_core seed --scale SCALE --db URL`` unless it
already holds leads. The window ends at the last sale in the data.
"""
from __future__ import annotations

import argparse
import platform
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from common import default_url, peak_rss_mb, seeded_engine

from revops_core.attribution import (credits_by_effect, heuristic_credits, markov_credits,
                                     markov_removal_effects_from_transitions)
from revops_core.attribution_report import AttributionReport, attribution_report
from revops_core.config import load_config
from revops_core.martech import MartechReport, martech_report
from revops_core.queries import attribution as q
from revops_core.queries.common import EVERYTHING


def size(out: Any) -> str:
    if isinstance(out, AttributionReport):
        return f"{out.attributed_sales:,} sales, {out.markov_leads:,} paths ({out.markov_conversions:,} converting)"
    if isinstance(out, MartechReport):
        return f"{len(out.tools)} tools"
    if hasattr(out, "__len__"):
        return f"{len(out):,} rows"
    return str(out)


def measure(label: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` once; print wall time, result size, peak traced Python memory and peak RSS."""
    tracemalloc.start()
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<52} {elapsed:7.2f} s  py-peak {peak / 2**20:7.1f} MiB  RSS {peak_rss_mb():6.0f} MiB  "
          f"{size(out)}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="medium", help="medium or large (the data contract's scale)")
    ap.add_argument("--db", help="database URL (default: data/bench_<scale>.db or $BENCH_DB_URL)")
    ap.add_argument("--reseed", action="store_true")
    ap.add_argument("--days", type=int, default=90, help="window length ending at the last sale (default 90)")
    ap.add_argument("--paths", action="store_true", help="also time the path-based Markov the report used before")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    engine = seeded_engine(args.db or default_url(args.scale), args.scale, reseed=args.reseed)
    cfg = load_config()
    half_life = cfg.rules.ecosystem.time_decay_half_life_days
    with engine.connect() as conn:
        span = q.sale_date_range(conn, EVERYTHING)
        assert span is not None, "the database holds no sales"
        end = span[1]
        start = end - timedelta(days=args.days - 1)
        print(f"window {start} .. {end} ({args.days} days); SQL power(): {q.has_power(conn)}")
        total = time.perf_counter()
        measure("attribution report (six models)", lambda: attribution_report(conn, start, end, cfg))
        measure("attribution report, time decay streamed", lambda: attribution_report(
            conn, start, end, cfg, time_decay_in_sql=False))
        measure("  attributed revenue (EXISTS)", lambda: q.attributed_revenue_sql(conn, start, end, EVERYTHING))
        measure("  heuristic models in SQL (5 models)", lambda: q.heuristic_credits_sql(
            conn, start, end, half_life, EVERYTHING).credits)
        measure("  heuristic models in SQL without time decay", lambda: q.heuristic_credits_sql(
            conn, start, end, half_life, EVERYTHING, time_decay_in_sql=False).credits)
        measure("  time decay streamed (yield_per chunks)", lambda: heuristic_credits(
            "time_decay", q.iter_sold_paths(conn, start, end, EVERYTHING), half_life))
        steps = measure("  Markov transitions summed in SQL (LAG/LEAD)",
                        lambda: q.markov_transitions(conn, start, end, EVERYTHING))
        measure("  Markov exact solve from transitions (Python)", lambda: credits_by_effect(
            markov_removal_effects_from_transitions(steps), 1.0))
        if args.paths:
            paths = measure("  Markov distinct paths grouped in SQL (cross-check)",
                            lambda: q.markov_paths(conn, start, end, EVERYTHING))
            measure("  Markov exact solve from paths (Python)", lambda: markov_credits(
                [(p.channels, p.converted, p.count) for p in paths], 1.0))
        measure("martech report (ROI, tools)", lambda: martech_report(conn, start, end, cfg))
        year = end - timedelta(days=364)
        measure("attribution report over 365 days", lambda: attribution_report(conn, year, end, cfg))
        measure("martech report over 365 days", lambda: martech_report(conn, year, end, cfg))
        print(f"total {time.perf_counter() - total:.2f} s, peak RSS {peak_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
