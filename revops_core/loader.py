"""Writing typed datasets into the database, all or nothing, in one transaction.

Both the CSV importer and the sample-company seeder end here, so there is one write path.
Frames hold contract columns with Python values (``date``, ``datetime``, ``bool``, numbers,
``None`` for blanks). After a load, a snapshot of the open pipeline is taken and the data
version advances (the shell keys its caches on it).
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core.contract import load_order
from revops_core.schema import (TABLES, bump_data_version, ensure_schema, pipeline_snapshot_rows,
                                pipeline_snapshots)

log = logging.getLogger(__name__)
CHUNK_ROWS = 20_000


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

    PostgreSQL loads through COPY; other databases through executemany in chunks.
    """
    table = TABLES[name]
    if conn.dialect.name == "postgresql" and len(frame) > 0:
        return _copy_postgres(conn, table, frame)
    for chunk in _records(frame):
        conn.execute(table.insert(), chunk)
    return len(frame)


def _copy_postgres(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """COPY rows into ``table`` through psycopg 3 (inside the caller's transaction)."""
    cols = list(frame.columns)
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:  # type: ignore[union-attr]
        quoted = ", ".join(f'"{c}"' for c in cols)
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for chunk in _records(frame):
                for row in chunk:
                    copy.write_row([row[c] for c in cols])
    return len(frame)


def clear_datasets(conn: Connection) -> None:
    """Delete every contract dataset's rows (children before parents)."""
    for ds in reversed(load_order()):
        conn.execute(TABLES[ds.name].delete())


def write_datasets(engine: Engine, frames: Mapping[str, pd.DataFrame], mode: str = "replace",
                   source: str = "import", taken_at: datetime | None = None) -> dict[str, int]:
    """Write ``frames`` in one transaction: ``replace`` empties every dataset first.

    Any failure rolls the whole transaction back, so the database is left as it was.
    """
    if mode not in ("replace", "append"):
        raise ValueError(f"mode must be 'replace' or 'append', not {mode!r}")
    ensure_schema(engine)
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        if mode == "replace":
            clear_datasets(conn)
        for ds in load_order():
            if ds.name in frames:
                counts[ds.name] = insert_frame(conn, ds.name, frames[ds.name])
        take_snapshot(conn, source, taken_at or datetime.now())
        bump_data_version(conn)
    refresh_statistics(engine, [name for name, n in counts.items() if n])
    log.info("wrote %s", counts)
    return counts


def refresh_statistics(engine: Engine, datasets: list[str]) -> None:
    """Planner statistics for freshly written tables, so the first queries after a load are
    planned on real row counts: ``ANALYZE`` each table on PostgreSQL (autovacuum may not have
    run yet), ``PRAGMA optimize`` on SQLite; other databases keep their own schedule."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for name in datasets:
                conn.execute(sa.text(f'ANALYZE "{TABLES[name].name}"'))
        elif engine.dialect.name == "sqlite":
            conn.execute(sa.text("PRAGMA optimize"))


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
