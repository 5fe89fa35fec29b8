"""``alerts``: the threshold alerts of config/alerts.yaml that fire at D.

Exit code 1 when any alert fires (so a scheduler can act on it), 0 when none does, 2 on bad
input (no database at --db, no dated records, a date out of range).
"""
from __future__ import annotations

import argparse

from revops_core.alerts import firing_alerts, to_json
from revops_core.board import board_metrics
from revops_core.commands.common import add_as_user, as_of_arg, as_user, open_database, print_json, resolve_as_of
from revops_core.config import load_config


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--as-of", type=as_of_arg, metavar="YYYY-MM-DD",
                        help="as-of date D, 1990-01-01 to 2035-12-31 (default: the latest date in the data)")
    parser.add_argument("--json", action="store_true",
                        help='print {"as_of": ..., "firing": [{"id", "message", "value"}, ...]} '
                             '(default: one line per alert)')
    add_as_user(parser)


def run(args: argparse.Namespace) -> int:
    cfg = load_config()
    scope = as_user(cfg.users, args.as_user, "board_overview", "the board metrics behind the alerts").scope
    with open_database(args.db) as (conn, latest):
        as_of = resolve_as_of(args.as_of, latest)
        metrics = board_metrics(conn, as_of, cfg, scope)
    firing = firing_alerts(metrics, cfg)
    if args.json:
        print_json(to_json(metrics, firing))
    else:
        for alert in firing:
            print(f"FIRING {alert.id}: {alert.message}" + (f" (value: {alert.value_text})" if alert.value_text else ""))
        if not firing:
            print(f"No alerts firing as of {as_of.isoformat()}.")
    return 1 if firing else 0
