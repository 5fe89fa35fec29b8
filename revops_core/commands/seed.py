"""``seed``: write the deterministic sample company into the database (replaces all data)."""
from __future__ import annotations

import argparse
import sys

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
    counts = write_datasets(make_engine(url), generate(args.seed, args.scale), mode="replace", source="seed")
    total = sum(counts.values())
    print(f"Seeded {total:,} rows ({args.scale}, seed {args.seed}) into {redact(url)}", file=sys.stderr)
    return 0
