"""Board overview at scale: board metrics, four-quarter trend, backlog schedule, failure modes.

usage: python benchmarks/bench_board.py [--scale medium|large] [--db URL] [--reseed]
Prints each step's wall time and the process's peak memory.
"""
from __future__ import annotations

import argparse
import platform

from common import default_url, peak_rss_mb, run_timed, seeded_engine

from revops_core.backlog import backlog_schedule
from revops_core.board import board_metrics
from revops_core.config import load_config
from revops_core.queries.common import latest_activity_date
from revops_core.risks import failure_modes
from revops_core.windows import previous_quarter_ends


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="medium")
    ap.add_argument("--db")
    ap.add_argument("--reseed", action="store_true")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    engine = seeded_engine(args.db or default_url(args.scale), args.scale, reseed=args.reseed)
    cfg = load_config()
    results: list[tuple[str, float]] = []
    with engine.connect() as conn:
        d = latest_activity_date(conn)
        run_timed("board metrics at D", lambda: board_metrics(conn, d, cfg), results, repeat=2)
        run_timed("four previous quarter ends (trend)",
                  lambda: [board_metrics(conn, q, cfg) for q in previous_quarter_ends(d, 4)], results)
        run_timed("backlog schedule", lambda: backlog_schedule(conn, d), results)
        run_timed("failure modes", lambda: failure_modes(conn, d, cfg), results)
    print(f"total {sum(t for _, t in results):.2f} s, peak RSS {peak_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
