"""``seed``: write the deterministic sample company into the database (replaces all data).

Creates the database (a SQLite file and its folder, or the schema) when it does not exist yet,
and says so on stderr.
"""
from __future__ import annotations

import argparse
import sys

from revops_core.commands.common import database_state, report_created
from revops_core.db import make_engine, redact, resolve_url
from revops_core.loader import write_datasets


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    from sample_data.generator import SCALES

    parser.add_argument("--scale", choices=list(SCALES), default="default",
                        help="size of the company (default: default; large = the contract's scale)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")


def run(args: argparse.Namespace) -> int:
    from sample_data.generator import generate

    url = resolve_url(args.db)
    before = database_state(url)
    engine = make_engine(url, create=True)
    try:
        counts = write_datasets(engine, generate(args.seed, args.scale), mode="replace", source="seed")
    finally:
        engine.dispose()
        report_created(url, before)
    print(f"Seeded {sum(counts.values()):,} rows ({args.scale}, seed {args.seed}) into {redact(url)}", file=sys.stderr)
    return 0
