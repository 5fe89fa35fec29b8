"""``import DIR`` and ``export DIR``: contract CSV files in and out (DATA_CONTRACT.md).

``import`` validates every file before writing anything: on any problem it lists them all on
stderr, says "Nothing was written." and exits 1. ``export`` writes every dataset.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from revops_core.config import load_config
from revops_core.db import make_engine, redact, resolve_url
from revops_core.errors import ImportRejected
from revops_core.exporter import export_folder
from revops_core.importer import MODES, import_folder


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "import":
        parser.add_argument("dir", metavar="DIR", help="folder holding <dataset>.csv files")
        parser.add_argument("--mode", choices=MODES, default="replace",
                            help="replace: every dataset becomes the folder's content, datasets without a "
                                 "file become empty (default); append: add the folder's rows")
    else:
        parser.add_argument("dir", metavar="DIR", help="folder to write <dataset>.csv files into (created)")


def _print_counts(counts: Mapping[str, int]) -> None:
    for name, rows in counts.items():
        print(f"  {name}: {rows:,} rows", file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    """Import ``args.dir``; exit 1 with every problem listed when it is rejected."""
    url = resolve_url(args.db)
    engine = make_engine(url)
    try:
        report = import_folder(engine, args.dir, mode=args.mode,
                               journeys=load_config().rules.ecosystem.journeys)
    except ImportRejected as exc:
        for warning in getattr(exc, "warnings", ()):
            print(f"warning: {warning}", file=sys.stderr)
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s). Nothing was written.", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Imported ({report.mode}) {sum(report.counts.values()):,} rows into {redact(url)}:", file=sys.stderr)
    _print_counts(report.counts)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Export every dataset into ``args.dir``."""
    url = resolve_url(args.db)
    engine = make_engine(url)
    try:
        counts = export_folder(engine, args.dir)
    finally:
        engine.dispose()
    print(f"Exported {sum(counts.values()):,} rows from {redact(url)} to {args.dir}:", file=sys.stderr)
    _print_counts(counts)
    return 0


def run(args: argparse.Namespace) -> int:
    return run_import(args) if args.command == "import" else run_export(args)
