"""``summaries``: show the summary tables' state as JSON; ``--rebuild`` rebuilds them first.

Every import, restore and seed rebuilds them already; ``--rebuild`` is for data written to the
database some other way (an ETL job straight into PostgreSQL), or after changing the time-decay
half-life in ``config/rules.yaml`` (until then time decay is computed from the touchpoints).
"""
from __future__ import annotations

import argparse
import sys

from revops_core.commands.common import open_engine, print_json


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild every summary table from the datasets (advances the data version)")


def run(args: argparse.Namespace) -> int:
    from revops_core import summaries
    from revops_core.loader import data_loaded

    with open_engine(args.db) as engine:
        if args.rebuild:
            with engine.begin() as conn:
                version = data_loaded(conn)
            print(f"Rebuilt the summary tables at data version {version}", file=sys.stderr)
        with engine.connect() as conn:
            infos = summaries.summary_info(conn)
    print_json([{"table": i.name, "rows": i.rows, "current": i.current, "data_version": i.data_version,
                 "params": i.params, "rebuilt_at": i.refreshed_at.isoformat(timespec="seconds"),
                 "seconds": round(i.seconds, 3)} for i in infos])
    return 0
