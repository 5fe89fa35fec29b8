"""``metrics``: the board metrics of METRICS.md as one JSON object."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from revops_core.board import board_metrics
from revops_core.commands.common import as_of_arg, open_database
from revops_core.config import load_config


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--as-of", type=as_of_arg, metavar="YYYY-MM-DD",
                        help="as-of date D (default: the latest date in the data)")
    parser.add_argument("--json", action="store_true", help="print JSON (the only format)")


def run(args: argparse.Namespace) -> int:
    cfg = load_config()
    with open_database(args.db) as (conn, latest):
        as_of: date | None = args.as_of or latest
        if as_of is None:
            print("The database holds no dated records; seed or import data first.", file=sys.stderr)
            return 2
        metrics = board_metrics(conn, as_of, cfg)
    json.dump(metrics.to_json(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
