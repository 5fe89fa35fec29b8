"""``alerts``: the threshold alerts of config/alerts.yaml that fire at D.

Exit code 1 when any alert fires (so a scheduler can act on it), 0 when none does, 2 when the
database holds no dated records.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from revops_core.alerts import firing_alerts, to_json
from revops_core.board import board_metrics
from revops_core.commands.common import as_of_arg, open_database
from revops_core.config import load_config


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--as-of", type=as_of_arg, metavar="YYYY-MM-DD",
                        help="as-of date D (default: the latest date in the data)")
    parser.add_argument("--json", action="store_true",
                        help='print {"as_of": ..., "firing": [{"id", "message", "value"}, ...]} '
                             '(default: one line per alert)')


def run(args: argparse.Namespace) -> int:
    cfg = load_config()
    with open_database(args.db) as (conn, latest):
        as_of: date | None = args.as_of or latest
        if as_of is None:
            print("The database holds no dated records; seed or import data first.", file=sys.stderr)
            return 2
        metrics = board_metrics(conn, as_of, cfg)
    firing = firing_alerts(metrics, cfg)
    if args.json:
        json.dump(to_json(metrics, firing), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for alert in firing:
            print(f"FIRING {alert.id}: {alert.message}" + (f" (value: {alert.value_text})" if alert.value_text else ""))
        if not firing:
            print(f"No alerts firing as of {as_of.isoformat()}.")
    return 1 if firing else 0
