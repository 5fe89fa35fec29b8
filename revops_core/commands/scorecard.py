"""``scorecard``: the ecosystem scorecard of METRICS.md as JSON, ``{"rows": {entity: {kpi: value}}}``.

With ``--as-user`` the scorecard is the one that user sees on the page (``scorecard_for``): a
dealer group's own entities by name, every other one as an anonymous "Peer A" with its rates and
scores only (counts and money null), or ``"peers": "not enough peers to compare"``; the download
is written to the audit log for such a user.
"""
from __future__ import annotations

import argparse
from datetime import datetime

from revops_core.commands.common import (CommandError, add_as_user, as_of_arg, as_user, check_window, open_engine,
                                         print_json, record_export)
from revops_core.config import load_config
from revops_core.queries.scorecard import LEVELS
from revops_core.scorecard import levels_for, scorecard_for


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--level", required=True, choices=list(LEVELS),
                        help="entity: dealer id, dealer group name or region")
    parser.add_argument("--start", required=True, type=as_of_arg, metavar="YYYY-MM-DD",
                        help="first day of the window (inclusive), 1990-01-01 to 2035-12-31")
    parser.add_argument("--end", required=True, type=as_of_arg, metavar="YYYY-MM-DD",
                        help="last day of the window (inclusive: leads created at 23:59 count)")
    parser.add_argument("--journey", metavar="JOURNEY", help="only leads of this journey, e.g. EV_LAUNCH")
    parser.add_argument("--json", action="store_true", help="print JSON (the only format)")
    add_as_user(parser)


def run(args: argparse.Namespace) -> int:
    cfg = load_config()
    check_window(args.start, args.end)
    if args.journey is not None and args.journey not in cfg.rules.ecosystem.journeys:
        raise CommandError(f"Unknown journey {args.journey!r}; use one of {', '.join(cfg.rules.ecosystem.journeys)}")
    viewer = as_user(cfg.users, args.as_user, "scorecard", "the ecosystem scorecard")
    if args.level not in levels_for(viewer.scope):
        raise CommandError(f"--as-user {viewer.username}: compares at --level {' or '.join(levels_for(viewer.scope))}")
    with open_engine(args.db) as engine:
        with engine.connect() as conn:
            shared = scorecard_for(conn, args.start, args.end, args.level, cfg, args.journey, viewer.scope,
                                   with_trend=False)
        record_export(engine, viewer, f"scorecard {args.level} {args.start}..{args.end}", datetime.now())
    print_json(shared.table.to_json())
    return 0
