"""A complete backup of the database, its manifest, and what the database holds.

A backup is a folder (or the same files at the top of a ZIP archive):

* ``<dataset>.csv`` for every contract dataset, byte for byte the contract export
  (``exporter.py``, DATA_CONTRACT.md), so the CSVs stay a plain contract import too;
* ``<table>.jsonl`` for every other table of ``schema.metadata``: the product's own tables
  (pipeline snapshots, forecast calls and locks, saved scenarios, users, the audit log, and any
  table added later, with no change here), one JSON object per row keyed by column name, so
  a blank text and a missing one stay apart and every value reads back exactly;
* ``manifest.json``: ``format``, ``schema_version``, ``as_of`` (the latest date in the data),
  ``exported_at`` (when the caller gives it) and per file its ``table``, ``rows`` and ``sha256``.

Every table of ``schema.metadata`` is in the backup except those in ``EXCLUDED``, each with its
reason. Restoring (``importer.import_folder`` on a folder holding a manifest) checks the
manifest, the checksums and every row before it writes, then replaces every table in one
transaction. A manifest of a newer schema version is refused; an older one restores, its
missing tables and columns becoming empty (or their defaults).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core import formatting
from revops_core.contract import DATASET_BY_NAME, DATASETS
from revops_core.schema import SCHEMA_VERSION, TABLES, metadata

MANIFEST = "manifest.json"
FORMAT = "autorevops-backup"
CHUNK_ROWS = 5_000
EXCLUDED: dict[str, str] = {
    "schema_meta": "its schema version is the manifest's schema_version, and its data version advances on "
                   "every load (a restore too), so cached pages see the restored data",
    **{name: "a summary derived from the datasets; the restore rebuilds it (revops_core.summaries)"
       for name in ("summary_state", "sold_lead_facts", "markov_transition_months", "credit_months", "lead_months")},
}
_HEX64 = set("0123456789abcdef")
_MISSING = object()


# ---- which tables, which files ------------------------------------------------------------------
def backup_tables() -> list[sa.Table]:
    """Every table a backup holds, parents before children (``schema.metadata`` minus ``EXCLUDED``)."""
    return [t for t in metadata.sorted_tables if t.name not in EXCLUDED]


def product_tables() -> list[sa.Table]:
    """The tables of a backup that are not contract datasets, parents first."""
    return [t for t in backup_tables() if t.name not in DATASET_BY_NAME]


def file_name(table: sa.Table) -> str:
    """The file a table is kept in: ``<dataset>.csv`` for a contract dataset, else ``<table>.jsonl``."""
    return f"{table.name}.csv" if table.name in DATASET_BY_NAME else f"{table.name}.jsonl"


def product_file_names() -> dict[str, str]:
    """``<table>.jsonl`` -> table name for every product table."""
    return {file_name(t): t.name for t in product_tables()}


# ---- the manifest -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileEntry:
    """One file of a backup: the table it holds, its row count and its SHA-256."""

    table: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a backup holds (``manifest.json``)."""

    schema_version: int
    as_of: date | None
    files: Mapping[str, FileEntry]
    exported_at: datetime | None = None


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_text(manifest: Manifest) -> str:
    """``manifest.json`` as text (keys in a fixed order, so equal backups give equal files)."""
    body: dict[str, object] = {"format": FORMAT, "schema_version": manifest.schema_version,
                               "as_of": manifest.as_of.isoformat() if manifest.as_of else None}
    if manifest.exported_at is not None:
        body["exported_at"] = manifest.exported_at.isoformat(timespec="seconds")
    body["files"] = {name: {"table": e.table, "rows": e.rows, "sha256": e.sha256} for name, e in manifest.files.items()}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write ``manifest.json`` into ``folder`` (atomically)."""
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(manifest_text(manifest), encoding="utf-8", newline="\n")
    tmp.replace(folder / MANIFEST)


def _manifest_problems(body: object) -> list[str]:
    """What is wrong with the structure of a parsed ``manifest.json`` (each with the fix)."""
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        return [f"{MANIFEST}: not an AutoRevOps backup manifest (\"format\" is not {FORMAT!r}); remove it to import "
                "the folder's CSV files as contract files"]
    problems = []
    if not isinstance(body.get("schema_version"), int) or isinstance(body.get("schema_version"), bool):
        problems.append(f"{MANIFEST}: schema_version is missing or not a whole number; export the backup again")
    files = body.get("files")
    if not isinstance(files, dict):
        return problems + [f"{MANIFEST}: \"files\" is missing; export the backup again"]
    for name, entry in files.items():
        if not _entry_ok(entry):
            problems.append(f"{MANIFEST}: files.{name}: needs table, rows (a whole number) and sha256; "
                            "export the backup again")
    return problems


def _entry_ok(entry: object) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("table"), str)
            and isinstance(entry.get("rows"), int) and not isinstance(entry.get("rows"), bool)
            and entry.get("rows", -1) >= 0 and isinstance(entry.get("sha256"), str)
            and len(entry["sha256"]) == 64 and set(entry["sha256"]) <= _HEX64)


def _as_manifest(body: dict) -> Manifest:
    files = {name: FileEntry(e["table"], e["rows"], e["sha256"]) for name, e in body["files"].items()}
    as_of = _iso(date.fromisoformat, body.get("as_of"))
    return Manifest(body["schema_version"], as_of, files, _iso(datetime.fromisoformat, body.get("exported_at")))


def _iso(parse: object, text: object) -> object:
    try:
        return parse(text) if isinstance(text, str) else None  # type: ignore[operator]
    except ValueError:
        return None


def read_manifest(folder: Path) -> tuple[Manifest | None, list[str]]:
    """The folder's manifest and the problems that stop a restore (newer schema, bad structure)."""
    try:
        body = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, [f"{MANIFEST}: not readable JSON ({str(exc)[:120]}); export the backup again, or remove "
                      "manifest.json to import the CSV files as contract files"]
    problems = _manifest_problems(body)
    if problems:
        return None, problems
    manifest = _as_manifest(body)
    if manifest.schema_version > SCHEMA_VERSION:
        return None, [f"{MANIFEST}: the backup has schema version {manifest.schema_version}, newer than this "
                      f"AutoRevOps understands ({SCHEMA_VERSION}); update AutoRevOps, then restore it"]
    return manifest, []


def check_files(folder: Path, manifest: Manifest) -> tuple[dict[str, Path], list[str], list[str]]:
    """(table -> file to restore, problems, warnings): files present, unchanged, and known to this version."""
    known = {file_name(t): t.name for t in backup_tables()}
    found: dict[str, Path] = {}
    problems: list[str] = []
    warnings: list[str] = []
    for name, entry in manifest.files.items():
        path = folder / name
        if known.get(name) != entry.table:
            warnings.append(f"{name}: table {entry.table!r} is not one this AutoRevOps keeps; ignored")
        elif not path.is_file():
            problems.append(f"{name}: listed in {MANIFEST} but missing; restore the backup with every file")
        elif sha256_of(path) != entry.sha256:
            problems.append(f"{name}: the file changed since the backup was made (its checksum differs from "
                            f"{MANIFEST}); restore the unchanged file, or remove {MANIFEST} to import the CSV files "
                            "as contract files")
        else:
            found[entry.table] = path
    listed = {e.table for e in manifest.files.values()}
    warnings += [f"{file_name(t)} is not in the backup (schema version {manifest.schema_version}): {t.name} becomes "
                 "empty" for t in backup_tables() if t.name not in listed]
    return found, problems, warnings


# ---- product tables as JSON Lines -----------------------------------------------------------------
def _order(table: sa.Table, dialect: str) -> list[sa.ColumnElement]:
    """Primary key (else every column) in byte order for text, so exports are the same on every backend."""
    cols = list(table.primary_key.columns) or list(table.columns)
    out: list[sa.ColumnElement] = []
    for col in cols:
        text = isinstance(col.type, sa.String)
        out.append(sa.collate(col, "C") if text and dialect == "postgresql" else col)
    return out


def json_value(value: object) -> object:
    """A column value as JSON: dates and timestamps in ISO 8601, decimals as text, the rest as is."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def write_jsonl(conn: Connection, table: sa.Table, path: Path) -> int:
    """Write every row of ``table`` as one JSON object per line (atomically, streamed); returns the count."""
    query = sa.select(*table.columns).order_by(*_order(table, conn.dialect.name))
    names = [c.name for c in table.columns]
    tmp, count = path.with_name(path.name + ".tmp"), 0
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(query)
        for chunk in result.partitions(CHUNK_ROWS):
            for row in chunk:
                fh.write(json.dumps(dict(zip(names, map(json_value, row))), ensure_ascii=False) + "\n")
                count += 1
    tmp.replace(path)
    return count


class RowProblem(NamedTuple):
    """A problem of one line of a ``.jsonl`` file: line, column, message, problem without value, fix."""

    row: int
    column: str
    text: str
    issue: str
    fix: str


def _typed(col: sa.Column, value: object) -> object:
    """``value`` read back for ``col`` (ValueError when it cannot be)."""
    kind = col.type
    if value is None:
        return None
    if isinstance(kind, sa.Boolean):
        return _check(value, isinstance(value, bool))
    if isinstance(kind, sa.Integer):
        return _check(value, isinstance(value, int) and not isinstance(value, bool))
    if isinstance(kind, sa.Float):
        return float(_check(value, isinstance(value, int | float) and not isinstance(value, bool)))
    if isinstance(kind, sa.Numeric):
        return Decimal(str(_check(value, isinstance(value, int | float | str) and not isinstance(value, bool))))
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat(_check(value, isinstance(value, str)))
    if isinstance(kind, sa.Date):
        return date.fromisoformat(_check(value, isinstance(value, str)))
    if isinstance(kind, sa.String):
        return _sized(col, _check(value, isinstance(value, str)))
    return value


def _check(value: object, ok: bool) -> object:
    if not ok:
        raise ValueError(f"{value!r} is not of this column's type")
    return value


def _sized(col: sa.Column, text: str) -> str:
    limit = getattr(col.type, "length", None)
    if limit and len(text) > limit:
        raise ValueError(f"the value is {len(text)} characters long; the limit is {limit}")
    return text


def _cell(col: sa.Column, body: Mapping[str, object]) -> object:
    """One column of a parsed line: a missing key takes the column's default (or blank)."""
    raw = body.get(col.name, _MISSING)
    if raw is _MISSING:
        default = col.default.arg if col.default is not None and not callable(col.default.arg) else None
        raw = json_value(default)
    value = _typed(col, raw)
    if value is None and not col.nullable:
        raise ValueError(f"blank, but {col.name} is required")
    return value


def parse_line(table: sa.Table, line: str, row: int) -> tuple[dict[str, object] | None, list[RowProblem], set[str]]:
    """One line of a ``.jsonl`` file as column -> value, its problems, and the keys no column has."""
    try:
        body = json.loads(line)
    except ValueError as exc:
        return None, [RowProblem(row, "", f"not valid JSON ({exc.msg})", "not valid JSON",
                                 "restore the file exactly as exported")], set()
    if not isinstance(body, dict):
        return None, [RowProblem(row, "", "not a JSON object", "not a JSON object", "one object per line")], set()
    values: dict[str, object] = {}
    problems = []
    for col in table.columns:
        try:
            values[col.name] = _cell(col, body)
        except ValueError as exc:
            problems.append(RowProblem(row, col.name, str(exc), "does not fit the column", "restore the file exactly "
                                       "as exported"))
    return (None if problems else values), problems, set(body) - set(table.columns.keys())


def read_jsonl(path: Path, table: sa.Table) -> Iterator[tuple[dict[str, object] | None, list[RowProblem], set[str]]]:
    """Every non-blank line of ``path`` parsed for ``table`` (lines numbered from 1)."""
    with path.open(encoding="utf-8", errors="strict") as fh:
        for row, line in enumerate(fh, start=1):
            if line.strip():
                yield parse_line(table, line, row)


# ---- what the database holds ----------------------------------------------------------------------
# The column whose latest value says how fresh a dataset is (None: the dataset has no date).
FRESHNESS: dict[str, str | None] = {
    "accounts": None, "products": None, "opportunities": "created_date", "quotas": "period",
    "platform_awards": "award_date", "revenue": "period", "ecos": "requested_date",
    "certifications": "issued_date", "shipments": "period", "headcount": "start_date", "dealers": None,
    "leads": "created_at", "touchpoints": "ts", "dealer_months": "period", "martech_tools": None,
    "maturity_assessments": "assessed_on",
}


@dataclass(frozen=True)
class DatasetStatus:
    """One contract dataset: its group, row count and latest date (``None`` when empty or undated)."""

    name: str
    group: str
    rows: int
    latest: str | None
    freshness_column: str | None


def _latest_text(value: object) -> str | None:
    """A dataset's latest date as every page writes dates (1 Oct 2026; a month as Oct 2026)."""
    if isinstance(value, (date, datetime)):
        return formatting.date(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):
        return formatting.month(date(int(value[:4]), int(value[5:]), 1))
    return None if value is None else str(value)


def inventory(conn: Connection) -> list[DatasetStatus]:
    """Row count and freshness (the latest value of ``FRESHNESS``'s column) of every contract dataset."""
    out = []
    for ds in DATASETS:
        table, column = TABLES[ds.name], FRESHNESS.get(ds.name)
        rows = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        latest = conn.execute(sa.select(sa.func.max(table.c[column]))).scalar() if column and rows else None
        out.append(DatasetStatus(ds.name, ds.group, rows, _latest_text(latest), column))
    return out


def table_counts(conn: Connection) -> dict[str, int]:
    """Row count of every product table a backup holds."""
    return {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in product_tables()}
