"""Export: a complete backup, every contract dataset as CSV (DATA_CONTRACT.md), the exact inverse of ``importer``.

``export_folder`` writes the backup of ``backup.py``: the contract CSVs described here, every
other table as JSON Lines, and ``manifest.json``; ``export_zip`` the same files in one ZIP.

Each dataset becomes ``<dataset>.csv`` (UTF-8, ``\\n`` line ends, header row) with the contract
columns in contract order and rows sorted by the dataset key (byte order for text, blanks
first), so an export is deterministic and the same on SQLite and PostgreSQL. Cells are written
as the importer reads them: booleans ``true``/``false``, dates ``YYYY-MM-DD``, months and
quarters as stored, timestamps ``YYYY-MM-DDTHH:MM:SS`` (``.ffffff`` only when non-zero), floats
with ``repr`` (the shortest text that reads back to the same float), blanks empty. Hence
export, import into an empty database, export again gives byte-identical files.

Rows are streamed from the database in chunks; no table is loaded whole. Each file is written
under a temporary name and renamed when complete.
"""
from __future__ import annotations

import logging
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core import backup
from revops_core.contract import DATASET_BY_NAME, DATASETS, Dataset
from revops_core.queries.common import latest_activity_date
from revops_core.schema import SCHEMA_VERSION, TABLES, ensure_schema, metadata

log = logging.getLogger(__name__)
CHUNK_ROWS = 10_000
_TEXT_KINDS = {"str", "enum", "journey", "month", "quarter"}
_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def format_value(value: object) -> str:
    """One cell as contract CSV text (see the module docstring); None is the empty string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _order_by(ds: Dataset, dialect: str) -> list[sa.ColumnElement]:
    """Key columns in byte order (C collation on PostgreSQL) with blanks first."""
    table, terms = TABLES[ds.name], []
    for name in ds.key:
        col: sa.ColumnElement = table.c[name]
        if dialect == "postgresql" and ds.column(name).kind in _TEXT_KINDS:
            col = sa.collate(col, "C")
        terms.append(col.asc() if ds.column(name).required else col.asc().nulls_first())
    return terms


def dataset_query(ds: Dataset, dialect: str) -> sa.Select:
    """SELECT of the contract columns of ``ds`` in contract order, sorted by its key."""
    table = TABLES[ds.name]
    return sa.select(*[table.c[c] for c in ds.column_names]).order_by(*_order_by(ds, dialect))


def stream_rows(conn: Connection, ds: Dataset) -> Iterator[Sequence[object]]:
    """The rows of ``ds`` in export order, fetched ``CHUNK_ROWS`` at a time."""
    result = conn.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(
        dataset_query(ds, conn.dialect.name))
    for chunk in result.partitions(CHUNK_ROWS):
        yield from chunk


def _field(text: str) -> str:
    """A CSV field: in double quotes (inner quotes doubled) when it holds ``,`` ``"`` CR or LF.

    Written by hand because ``csv.writer`` with ``\n`` line ends leaves a lone CR unquoted.
    """
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def csv_line(cells: Sequence[object]) -> str:
    """One CSV record (with its ``\n``) of Python values formatted by ``format_value``."""
    return ",".join(_field(format_value(v)) for v in cells) + "\n"


def write_csv(path: Path, columns: Sequence[str], rows: Iterator[Sequence[object]]) -> int:
    """Write a header and ``rows`` as contract CSV to ``path`` (atomically); returns the row count."""
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(csv_line(columns))
        for row in rows:
            fh.write(csv_line(row))
            count += 1
    tmp.replace(path)
    return count


def _snapshot(conn: Connection) -> Connection:
    """On PostgreSQL, one REPEATABLE READ snapshot for every table, so a concurrent import cannot leave
    the files inconsistent with each other (SQLite's read transaction is a snapshot already)."""
    return conn.execution_options(isolation_level="REPEATABLE READ") if conn.dialect.name == "postgresql" else conn


def _write_table(conn: Connection, table_name: str, folder: Path) -> int:
    """One table of the backup into ``folder``: a contract dataset as CSV, any other table as JSON Lines."""
    if table_name in DATASET_BY_NAME:
        ds = DATASET_BY_NAME[table_name]
        return write_csv(folder / f"{ds.name}.csv", ds.column_names, stream_rows(conn, ds))
    table = metadata.tables[table_name]
    return backup.write_jsonl(conn, table, folder / backup.file_name(table))


def export_folder(engine: Engine, path: str | Path, exported_at: datetime | None = None) -> dict[str, int]:
    """Write a complete backup into folder ``path``; returns rows per table (contract datasets first).

    Every contract dataset becomes ``<dataset>.csv`` (the contract format above), every other
    table of the schema ``<table>.jsonl``, and ``manifest.json`` (written last) lists them with
    the schema version, the as-of date (the latest date in the data), row counts and SHA-256
    checksums; ``exported_at`` is recorded when given (leave it out for byte-identical exports).
    The folder is created if needed; files of the same names are overwritten, others kept.
    All tables are read from one snapshot.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    ensure_schema(engine)
    names = [ds.name for ds in DATASETS] + [t.name for t in backup.product_tables()]
    with engine.connect() as conn, _snapshot(conn).begin():
        counts = {name: _write_table(conn, name, folder) for name in names}
        as_of = latest_activity_date(conn)
    files = {backup.file_name(metadata.tables[name]): name for name in names}
    entries = {file: backup.FileEntry(name, counts[name], backup.sha256_of(folder / file))
               for file, name in files.items()}
    backup.write_manifest(folder, backup.Manifest(SCHEMA_VERSION, as_of, entries, exported_at))
    log.info("exported %s", counts)
    return counts


def export_zip(engine: Engine, target: BinaryIO, exported_at: datetime | None = None) -> dict[str, int]:
    """The backup of ``export_folder`` as one ZIP archive (files at its top) written to ``target``."""
    with tempfile.TemporaryDirectory(prefix="autorevops-export-") as tmp:
        counts = export_folder(engine, tmp, exported_at)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(Path(tmp).iterdir()):
                archive.write(file, file.name)
    return counts
