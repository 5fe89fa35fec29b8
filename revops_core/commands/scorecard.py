"""``scorecard``: the ecosystem scorecard of METRICS.md as JSON, ``{"rows": {entity: {kpi: value}}}``."""
from __future__ import annotations

import argparse

from revops_core.commands.common import CommandError, as_of_arg, check_window, open_database, print_json
from revops_core.config import load_config
from revops_core.queries.scorecard import LEVELS
from revops_core.scorecard import scorecard


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--level", required=True, choices=list(LEVELS),
                        help="entity: dealer id, dealer group name or region")
    parser.add_argument("--start", required=True, type=as_of_arg, metavar="YYYY-MM-DD",
                        help="first day of the window (inclusive), 1990-01-01 to 2035-12-31")
    parser.add_argument("--end", required=True, type=as_of_arg, metavar="YYYY-MM-DD",
                        help="last day of the window (inclusive: leads created at 23:59 count)")
    parser.add_argument("--journey", metavar="JOURNEY", help="only leads of this journey, e.g. EV_LAUNCH")
    parser.add_argument("--json", action="store_true", help="print JSON (the only format)")


def run(args: argparse.Namespace) -> int:
    cfg = load_config()
    check_window(args.start, args.end)
    if args.journey is not None and args.journey not in cfg.rules.ecosystem.journeys:
        raise CommandError(f"Unknown journey {args.journey!r}; use one of {', '.join(cfg.rules.ecosystem.journeys)}")
    with open_database(args.db) as (conn, _latest):
        card = scorecard(conn, args.start, args.end, args.level, cfg, args.journey, with_trend=False)
    print_json(card.to_json())
    return 0
