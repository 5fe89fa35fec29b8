"""CSV export of every contract dataset (DATA_CONTRACT.md), the exact inverse of ``importer``.

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
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core.contract import DATASETS, Dataset
from revops_core.schema import TABLES, ensure_schema

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


def export_folder(engine: Engine, path: str | Path) -> dict[str, int]:
    """Write every dataset as ``<dataset>.csv`` into folder ``path``; returns rows per dataset.

    The folder is created if needed and existing contract files in it are overwritten. On
    PostgreSQL all tables are read from one REPEATABLE READ snapshot, so a concurrent import
    cannot leave the files inconsistent with each other.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    ensure_schema(engine)
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            for ds in DATASETS:
                counts[ds.name] = write_csv(folder / f"{ds.name}.csv", ds.column_names, stream_rows(conn, ds))
    log.info("exported %s", counts)
    return counts
