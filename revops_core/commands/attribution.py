"""``attribution``: channel credits of the six models of METRICS.md "Attribution" as JSON,
``{"attributed_revenue": x, "models": {model: {channel: credit}}}``."""
from __future__ import annotations

import argparse

from revops_core.attribution_report import attribution_report
from revops_core.commands.common import add_as_user, as_of_arg, as_user, check_window, open_database, print_json
from revops_core.config import load_config


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--start", required=True, type=as_of_arg, metavar="YYYY-MM-DD",
                        help="first day of the window (inclusive): sales on or after it count; "
                             "1990-01-01 to 2035-12-31")
    parser.add_argument("--end", required=True, type=as_of_arg, metavar="YYYY-MM-DD",
                        help="last day of the window (inclusive: a sale at 23:59 counts)")
    parser.add_argument("--json", action="store_true", help="print JSON (the only format)")
    add_as_user(parser)


def run(args: argparse.Namespace) -> int:
    check_window(args.start, args.end)
    cfg = load_config()
    scope = as_user(cfg.users, args.as_user, "attribution", "attribution").scope
    with open_database(args.db) as (conn, _latest):
        report = attribution_report(conn, args.start, args.end, cfg, scope)
    print_json(report.to_json())
    return 0
