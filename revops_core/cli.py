"""Command line: ``python -m revops_core COMMAND ...``.

Each command lives in ``revops_core/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int`` (the exit code). This file only routes.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# command name -> (module under revops_core.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "seed": ("seed", "fill the database with the deterministic sample company"),
    "metrics": ("metrics", "print the board metrics as JSON"),
    "scenario": ("scenario", "print the backlog schedule and EV-transition scenarios as JSON"),
    "scorecard": ("scorecard", "print the ecosystem scorecard per dealer, dealer group or region as JSON"),
    "attribution": ("attribution", "print every attribution model's channel credits over a window as JSON"),
    "alerts": ("alerts", "list the threshold alerts firing at the as-of date; exit 1 when any fires"),
    "import": ("transfer", "import contract CSV files from a folder, all or nothing"),
    "export": ("transfer", "export every dataset as contract CSV files"),
    "hash-password": ("hash_password", "print a bcrypt hash of a password for config/users.yaml"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m revops_core", description="AutoRevOps command line")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(f"revops_core.commands.{module}")
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", metavar="URL",
                       help="database URL (default: $AUTOREVOPS_DB_URL, else data/autorevops.db)")
        mod.add_arguments(p, name)
        p.set_defaults(run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
