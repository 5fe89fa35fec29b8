"""``import DIR`` and ``export DIR``: contract CSV files in and out (DATA_CONTRACT.md).

``import`` validates every file before writing anything: on any problem it lists them all on
stderr, says "Nothing was written." and exits 1. It may create the database (and says so).
``export`` writes every dataset of an existing AutoRevOps database (it creates nothing in the
database) into a folder, overwriting the ``<dataset>.csv`` files already there; a DIR that is
a file is refused (exit 2).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from revops_core.commands.common import CommandError, database_state, open_engine, report_created
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
        parser.add_argument("dir", metavar="DIR",
                            help="folder to write <dataset>.csv files into (created if missing; "
                                 "<dataset>.csv files already in it are overwritten, other files are kept)")


def _print_counts(counts: Mapping[str, int]) -> None:
    for name, rows in counts.items():
        print(f"  {name}: {rows:,} rows", file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    """Import ``args.dir``; exit 1 with every problem listed when it is rejected."""
    url = resolve_url(args.db)
    before = database_state(url)
    engine = make_engine(url, create=True)
    rules = load_config().rules
    try:
        report = import_folder(engine, args.dir, mode=args.mode, journeys=rules.ecosystem.journeys,
                               max_amount=rules.import_.max_amount)
    except ImportRejected as exc:
        report = exc
    finally:
        engine.dispose()
        report_created(url, before)
    if isinstance(report, ImportRejected):
        return _print_rejection(report)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Imported ({report.mode}) {sum(report.counts.values()):,} rows into {redact(url)}:", file=sys.stderr)
    _print_counts(report.counts)
    return 0


def _print_rejection(exc: ImportRejected) -> int:
    for warning in getattr(exc, "warnings", ()):
        print(f"warning: {warning}", file=sys.stderr)
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    print(f"{len(exc.problems)} problem(s). Nothing was written.", file=sys.stderr)
    return 1


def run_export(args: argparse.Namespace) -> int:
    """Export every dataset into ``args.dir``; exit 2 when DIR is a file."""
    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"{folder} is a file; export writes one <dataset>.csv per dataset into a folder: "
                           "give a new or existing folder")
    url = resolve_url(args.db)
    with open_engine(url) as engine:
        counts = export_folder(engine, folder)
    print(f"Exported {sum(counts.values()):,} rows from {redact(url)} to {args.dir}:", file=sys.stderr)
    _print_counts(counts)
    return 0


def run(args: argparse.Namespace) -> int:
    return run_import(args) if args.command == "import" else run_export(args)
