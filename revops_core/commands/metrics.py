"""``metrics``: the board metrics (and the playbook metrics) of METRICS.md as one JSON object."""
from __future__ import annotations

import argparse

from revops_core.board import board_metrics
from revops_core.commands.common import add_as_user, as_of_arg, as_user, open_database, print_json, resolve_as_of
from revops_core.config import load_config
from revops_core.playbook import playbook_metrics


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--as-of", type=as_of_arg, metavar="YYYY-MM-DD",
                        help="as-of date D, 1990-01-01 to 2035-12-31 (default: the latest date in the data)")
    parser.add_argument("--json", action="store_true", help="print JSON (the only format)")
    add_as_user(parser)


def run(args: argparse.Namespace) -> int:
    cfg = load_config()
    scope = as_user(cfg.users, args.as_user, "board_overview", "the board metrics").scope
    with open_database(args.db) as (conn, latest):
        as_of = resolve_as_of(args.as_of, latest)
        metrics = board_metrics(conn, as_of, cfg, scope)
        playbook = playbook_metrics(conn, as_of, cfg, scope)
    print_json({**metrics.to_json(), **playbook.to_json()})
    return 0
