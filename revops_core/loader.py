"""Writing typed datasets into the database, all or nothing, in one transaction.

Both the CSV importer and the sample-company seeder end here, so there is one write path.
Frames hold contract columns with Python values (``date``, ``datetime``, ``bool``, numbers,
``None`` for blanks). After a load, a snapshot of the open pipeline is taken and the data
version advances (the shell keys its caches on it).

The importer streams: it opens the transaction, calls ``start_load``, inserts each checked
chunk with ``insert_frame`` and ends with ``finish_load``. A backup restore replaces every
table it holds (``clear_tables``, ``insert_records``), takes no snapshot of its own (the
backup carries its snapshots) and moves the id sequences past the restored ids.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core.contract import load_order
from revops_core.schema import (TABLES, bump_data_version, ensure_schema, pipeline_snapshot_rows,
                                pipeline_snapshots)

log = logging.getLogger(__name__)
CHUNK_ROWS = 20_000
MODES = ("replace", "append")


def _clean(value: object) -> object:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _records(frame: pd.DataFrame) -> Iterator[list[dict[str, object]]]:
    cols = list(frame.columns)
    for start in range(0, len(frame), CHUNK_ROWS):
        part = frame.iloc[start:start + CHUNK_ROWS]
        rows = zip(*(part[c].tolist() for c in cols))
        yield [{c: _clean(v) for c, v in zip(cols, row)} for row in rows]


def insert_frame(conn: Connection, name: str, frame: pd.DataFrame) -> int:
    """Insert every row of ``frame`` into dataset table ``name``; returns the row count.

    PostgreSQL loads through COPY; SQLite through the driver's executemany, each value converted
    once by its column type; other databases through SQLAlchemy's executemany in chunks.
    """
    table = TABLES[name]
    if len(frame) == 0:
        return 0
    if conn.dialect.name == "postgresql":
        return _copy_postgres(conn, table, list(frame.columns), (r for chunk in _records(frame) for r in chunk))
    if conn.dialect.name == "sqlite":
        return _executemany_sqlite(conn, table, frame)
    for chunk in _records(frame):
        conn.execute(table.insert(), chunk)
    return len(frame)


def _bound(values: list[object], process: object) -> list[object]:
    """Column values as the driver takes them (None for blanks), through the type's bind processor."""
    clean = [_clean(v) for v in values]
    return clean if process is None else [None if v is None else process(v) for v in clean]  # type: ignore[operator]


def _executemany_sqlite(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """One positional INSERT for every row of ``frame``, by chunks, skipping SQLAlchemy's per-row work."""
    cols = list(frame.columns)
    sql = str(table.insert().compile(dialect=conn.dialect, column_keys=cols))
    processors = [table.c[c].type._cached_bind_processor(conn.dialect) for c in cols]
    for start in range(0, len(frame), CHUNK_ROWS):
        part = frame.iloc[start:start + CHUNK_ROWS]
        columns = [_bound(part[c].tolist(), p) for c, p in zip(cols, processors)]
        conn.exec_driver_sql(sql, list(zip(*columns)))
    return len(frame)


def insert_records(conn: Connection, table: sa.Table, records: Sequence[Mapping[str, object]]) -> int:
    """Insert ``records`` (column -> value, every row the same columns) into any table; returns the count."""
    if not records:
        return 0
    if conn.dialect.name == "postgresql":
        return _copy_postgres(conn, table, list(records[0]), iter(records))
    conn.execute(table.insert(), list(records))
    return len(records)


def _copy_postgres(conn: Connection, table: sa.Table, cols: list[str], rows: Iterator[Mapping[str, object]]) -> int:
    """COPY rows into ``table`` through psycopg 3 (inside the caller's transaction)."""
    raw = conn.connection.dbapi_connection
    count = 0
    with raw.cursor() as cur:  # type: ignore[union-attr]
        quoted = ", ".join(f'"{c}"' for c in cols)
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in cols])
                count += 1
    return count


class DanglingRows(Exception):  # noqa: N818 - the message is shown as it is
    """Rows that point at rows that do not exist, found when a bulk load ends; the load is rolled back."""


def _check_foreign_keys(conn: Connection) -> None:
    """SQLite: raise ``DanglingRows`` when any row points at a row that does not exist."""
    found = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if found:
        tables = sorted({f"{row[0]} -> {row[2]}" for row in found})
        raise DanglingRows(f"{len(found):,} row(s) point at rows that do not exist ({', '.join(tables)})")


@contextmanager
def bulk_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for a bulk load, committed when the block ends without an exception.

    On SQLite, foreign keys are checked once at the end (``PRAGMA foreign_key_check``, raising
    ``DanglingRows``) instead of row by row: emptying a table is then a truncate and an insert
    skips a lookup per row. The connection gets its row-by-row checks back afterwards.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")   # outside a transaction, or it is ignored
            conn.commit()
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    _check_foreign_keys(conn)
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def clear_datasets(conn: Connection) -> None:
    """Delete every contract dataset's rows (children before parents)."""
    for ds in reversed(load_order()):
        conn.execute(TABLES[ds.name].delete())


def clear_tables(conn: Connection, tables: Sequence[sa.Table]) -> None:
    """Delete every row of ``tables`` (given parents first; deleted children first)."""
    for table in reversed(tables):
        conn.execute(table.delete())


def check_mode(mode: str) -> None:
    """Raise ``ValueError`` for a mode other than ``replace`` or ``append``."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'replace' or 'append', not {mode!r}")


def start_load(conn: Connection, mode: str) -> None:
    """Begin a load inside the caller's transaction: ``replace`` empties every dataset first."""
    check_mode(mode)
    if mode == "replace":
        clear_datasets(conn)


def finish_load(conn: Connection, source: str, taken_at: datetime) -> None:
    """End a load inside the caller's transaction: snapshot the open pipeline, advance the data version."""
    take_snapshot(conn, source, taken_at)
    bump_data_version(conn)


def write_datasets(engine: Engine, frames: Mapping[str, pd.DataFrame], mode: str = "replace",
                   source: str = "import", taken_at: datetime | None = None) -> dict[str, int]:
    """Write ``frames`` in one transaction: ``replace`` empties every dataset first.

    Any failure rolls the whole transaction back, so the database is left as it was.
    """
    check_mode(mode)
    ensure_schema(engine)
    counts: dict[str, int] = {}
    with bulk_transaction(engine) as conn:
        start_load(conn, mode)
        for ds in load_order():
            if ds.name in frames:
                counts[ds.name] = insert_frame(conn, ds.name, frames[ds.name])
        finish_load(conn, source, taken_at or datetime.now())
    refresh_statistics(engine, [name for name, n in counts.items() if n])
    log.info("wrote %s", counts)
    return counts


def refresh_statistics(engine: Engine, tables: Iterable[str]) -> None:
    """Planner statistics for freshly written tables, so the first queries after a load are
    planned on real row counts: ``ANALYZE`` each table on PostgreSQL (autovacuum may not have
    run yet), ``PRAGMA optimize`` on SQLite; other databases keep their own schedule."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            quote = conn.dialect.identifier_preparer.quote
            for name in tables:
                conn.execute(sa.text(f"ANALYZE {quote(name)}"))
        elif engine.dialect.name == "sqlite":
            conn.execute(sa.text("PRAGMA optimize"))


def reset_sequences(conn: Connection, tables: Iterable[sa.Table]) -> None:
    """PostgreSQL: move each serial id's sequence past the largest id restored, so new rows get fresh ids.

    SQLite takes the next id from the table itself; other databases are left as they are.
    """
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(sa.select(sa.func.setval(
            sa.func.pg_get_serial_sequence(table.name, column.name),
            sa.select(sa.func.coalesce(sa.func.max(column), 1)).scalar_subquery(),
            sa.select(sa.func.max(column).is_not(None)).scalar_subquery())))


def take_snapshot(conn: Connection, source: str, taken_at: datetime) -> int:
    """Copy the open pipeline into a new snapshot (INSERT ... SELECT); returns its id."""
    snap_id = conn.execute(pipeline_snapshots.insert().values(taken_at=taken_at, source=source)
                           .returning(pipeline_snapshots.c.snapshot_id)).scalar_one()
    opp = TABLES["opportunities"]
    cols = ["opportunity_id", "account_id", "stage", "status", "amount", "close_date"]
    select = sa.select(sa.literal(snap_id).label("snapshot_id"), *[opp.c[c] for c in cols]
                       ).where(opp.c.status == "OPEN")
    conn.execute(pipeline_snapshot_rows.insert().from_select(["snapshot_id", *cols], select))
    return int(snap_id)
