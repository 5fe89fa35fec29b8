"""``import FILE_OR_DIR`` and ``export DIR``: data in and out (DATA_CONTRACT.md), and complete backups.

``import`` takes a folder of ``<dataset>.csv`` files, a backup (a folder with ``manifest.json``,
or its ZIP), or one file: ``<dataset>.csv``, ``<dataset>.xlsx``, a ZIP of such files, or a CRM
export with ``--mapping PRESET`` (a name in ``config/mappings/`` or a path). It validates
every file before anything is committed: on any problem it lists them all on stderr, says
"Nothing was written." and exits 1. It may create the database (and says so).
``export`` writes a complete backup of an existing AutoRevOps database (it creates nothing in
the database): every contract dataset as ``<dataset>.csv``, every other table as
``<table>.jsonl`` and ``manifest.json``, into a folder (files of those names are overwritten,
others kept) or, for a name ending in ``.zip``, into one ZIP archive; a DIR that is a file is
refused (exit 2).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from revops_core.commands.common import (CommandError, add_as_user, as_user, database_state, open_engine,
                                         report_created)
from revops_core.config import Rules, load_config
from revops_core.contract import DATASET_BY_NAME
from revops_core.db import make_engine, redact, resolve_url
from revops_core.errors import ImportRejected
from revops_core.exporter import export_folder, export_zip
from revops_core.importer import MODES, FolderRejected, ImportReport, import_folder
from revops_core.mapping import Preset, detect, load_preset, map_sources, mappings_dir
from revops_core.uploads import Limits, Source, stage

_STAGED_SUFFIXES = (".xlsx", ".zip")
_NO_LIMIT = 1 << 62   # local files are read in chunks: the size limits are the Data page's


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "import":
        parser.add_argument("path", metavar="FILE_OR_DIR",
                            help="a folder of <dataset>.csv files, or a backup folder (manifest.json); or one file: "
                                 "<dataset>.csv, <dataset>.xlsx, a ZIP of them (the export's ZIP too), or a CRM "
                                 "export with --mapping")
        parser.add_argument("--mapping", metavar="PRESET", action="append", default=[],
                            help="mapping preset for the files that are no contract files: a name in config/mappings/ "
                                 "or the path of a .yaml file; repeat it for several (each file takes the one its "
                                 "header fits)")
        parser.add_argument("--mode", choices=MODES, default="replace",
                            help="replace: every dataset becomes the files' content, datasets without a "
                                 "file become empty (default); append: add the files' rows")
    else:
        parser.add_argument("dir", metavar="DIR",
                            help="folder to write the backup into (created if missing; files of the same names are "
                                 "overwritten, other files are kept), or a file name ending in .zip")
        add_as_user(parser)


def _print_counts(counts: Mapping[str, int]) -> None:
    for name, rows in counts.items():
        print(f"  {name}: {rows:,} rows", file=sys.stderr)


def _warn(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    """Import ``args.path``; exit 1 with every problem listed when it is rejected."""
    url = resolve_url(args.db)
    rules = load_config().rules
    presets = [load_preset(ref, mappings_dir()) for ref in args.mapping]
    before = database_state(url)
    engine = make_engine(url, create=True)
    try:
        report: ImportReport | ImportRejected = _import(engine, Path(args.path), args.mode, presets, rules)
    except ImportRejected as exc:
        report = exc
    finally:
        engine.dispose()
        report_created(url, before)
    if isinstance(report, ImportRejected):
        return _print_rejection(report)
    _warn(report.warnings)
    what = "Restored the backup:" if report.backup else f"Imported ({report.mode})"
    print(f"{what} {sum(report.counts.values()):,} rows into {redact(url)}:", file=sys.stderr)
    _print_counts(report.counts)
    return 0


def _import(engine: Engine, path: Path, mode: str, presets: list[tuple[str, Preset]], rules: Rules) -> ImportReport:
    """Import a folder as it is, or stage the file(s) first (workbooks, ZIPs, CRM exports)."""
    options = {"mode": mode, "journeys": rules.ecosystem.journeys, "max_amount": rules.import_.max_amount}
    if not path.exists() or (path.is_dir() and not presets and not _needs_staging(path)):
        return import_folder(engine, path, **options)  # type: ignore[arg-type] - options are typed above
    with tempfile.TemporaryDirectory(prefix="autorevops-import-") as tmp:
        folder, labels = _staged(path, Path(tmp), presets)
        return import_folder(engine, folder, labels=labels, **options)  # type: ignore[arg-type]


def _needs_staging(folder: Path) -> bool:
    return any(p.suffix.lower() in _STAGED_SUFFIXES for p in folder.iterdir() if p.is_file())


def _preset_for(source: Source, presets: list[tuple[str, Preset]]) -> tuple[str, Preset] | None:
    """The preset of a CRM export: the only one given, else the one its header fits."""
    if len(presets) <= 1:
        return presets[0] if presets else None
    name = detect(source.header, dict(presets))
    return next((p for p in presets if p[0] == name), None)


def _staged(path: Path, tmp: Path, presets: list[tuple[str, Preset]]) -> tuple[Path, dict[str, str]]:
    """Stage ``path`` (a file, or every file of a folder) into ``tmp``; map CRM exports with ``presets``."""
    folder, sources = tmp / "files", tmp / "sources"
    folder.mkdir()
    sources.mkdir()
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")) if path.is_dir() \
        else [path]
    with ExitStack() as stack:
        staged = stage([(f.name, stack.enter_context(f.open("rb"))) for f in files], folder,
                       Limits(_NO_LIMIT, _NO_LIMIT), sources)
    mapped = map_sources([(s, _preset_for(s, presets)) for s in staged.sources], folder, staged.datasets)
    if staged.problems or mapped.problems:
        raise FolderRejected([*staged.problems, *mapped.problems], [*staged.warnings, *mapped.warnings])
    _warn([*staged.warnings, *mapped.warnings])
    return folder, {str(folder): str(path), **staged.labels, **mapped.labels}


def _print_rejection(exc: ImportRejected) -> int:
    _warn(getattr(exc, "warnings", ()))
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    print(f"{len(exc.problems)} problem(s). Nothing was written.", file=sys.stderr)
    return 1


def run_export(args: argparse.Namespace) -> int:
    """Write a complete backup into ``args.dir`` (a folder, or a ``.zip`` file); exit 2 when DIR is a file."""
    _whole_book_only(args.as_user)
    target = Path(args.dir)
    as_zip = target.suffix.lower() == ".zip"
    if target.exists() and not target.is_dir() and not as_zip:
        raise CommandError(f"{target} is a file; export writes one <dataset>.csv per dataset into a folder (with the "
                           "product's tables and manifest.json), or one ZIP for a name ending in .zip: give a new or "
                           "existing folder")
    url = resolve_url(args.db)
    with open_engine(url) as engine:
        counts = _export_zip(engine, target) if as_zip else export_folder(engine, target, datetime.now())
    rows = sum(n for name, n in counts.items() if name in DATASET_BY_NAME)
    print(f"Exported {rows:,} rows of {len(DATASET_BY_NAME)} datasets and {sum(counts.values()) - rows:,} rows of "
          f"{len(counts) - len(DATASET_BY_NAME)} product tables from {redact(url)} to {args.dir} "
          "(manifest.json lists every file):", file=sys.stderr)
    _print_counts(counts)
    return 0


def _export_zip(engine: Engine, target: Path) -> dict[str, int]:
    """The backup as one ZIP file, written under a temporary name and renamed when complete."""
    if target.is_dir():
        raise CommandError(f"{target} is a folder; give a new file name ending in .zip, or the folder without .zip")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with tmp.open("wb") as out:
        counts = export_zip(engine, out, datetime.now())
    tmp.replace(target)
    return counts


def _whole_book_only(name: str | None) -> None:
    """The contract export holds every dataset whole: only a user who sees everything and opens the
    Data page may run it (``--as-user``); any narrower scope is refused (exit 2)."""
    viewer = as_user(load_config().users, name, "data_admin", "the contract export")
    if not viewer.scope.whole_book:
        raise CommandError(f"--as-user {viewer.username}: the export writes every dataset whole, and role "
                           f"{viewer.role!r} sees {viewer.describe()}; run it as a user who sees everything")


def run(args: argparse.Namespace) -> int:
    return run_import(args) if args.command == "import" else run_export(args)
