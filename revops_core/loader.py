"""Writing typed datasets into the database, all or nothing, in one transaction.

Both the CSV importer and the sample-company seeder end here, so there is one write path.
Frames hold contract columns with Python values (``date``, ``datetime``, ``bool``, numbers,
``None`` for blanks). After a load, a snapshot of the open pipeline is taken and the data
version advances (the shell keys its caches on it).

The importer streams: it opens the transaction, calls ``start_load``, inserts each checked
chunk with ``insert_frame`` and ends with ``finish_load``. On DuckDB the chunks are committed into
staging tables first and moved in that one transaction (``Staging``), so memory stays bounded.
A backup restore replaces every table it holds (``clear_tables``, ``insert_records``), takes no
snapshot of its own (the backup carries its snapshots) and moves the id sequences past the
restored ids.
"""
from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core.contract import load_order
from revops_core.schema import (TABLES, bump_data_version, ensure_schema, id_sequence, pipeline_snapshot_rows,
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
    once by its column type; DuckDB by an INSERT ... SELECT over the frame (columnar, no row-by-row
    binding); other databases through SQLAlchemy's executemany in chunks.
    """
    table = TABLES[name]
    if len(frame) == 0:
        return 0
    if conn.dialect.name == "postgresql":
        return _copy_frame_postgres(conn, table, frame)
    if conn.dialect.name == "sqlite":
        return _executemany_sqlite(conn, table, frame)
    if conn.dialect.name == "duckdb":
        return _insert_duckdb(conn, table, frame)
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


def _insert_duckdb(conn: Connection, table: sa.Table, frame: pd.DataFrame, into: str | None = None) -> int:
    """``INSERT INTO table (cols) SELECT cols FROM frame`` through DuckDB's scan of a registered
    Arrow table, by chunks; an id column the frame lacks takes its sequence. With ``into``, the
    rows go as they are into that table instead (a ``Staging`` table).

    Arrow, not the DataFrame: rows scanned from Arrow's columns take a quarter of the memory of
    rows from Python objects, and half the time."""
    import pyarrow as pa

    raw = conn.connection.dbapi_connection
    cols = list(frame.columns)
    if into is None:
        sql = _insert_select(conn, table, cols, "_autorevops_chunk")
    else:
        quote = conn.dialect.identifier_preparer.quote
        listed = ", ".join(quote(c) for c in cols)
        sql = f"INSERT INTO {quote(into)} ({listed}) SELECT {listed} FROM _autorevops_chunk"
    for start in range(0, len(frame), CHUNK_ROWS * 25):
        part = frame.iloc[start:start + CHUNK_ROWS * 25]
        raw.register("_autorevops_chunk", pa.Table.from_pandas(part, preserve_index=False))  # type: ignore[union-attr]
        try:
            raw.execute(sql)  # type: ignore[union-attr]
        finally:
            raw.unregister("_autorevops_chunk")  # type: ignore[union-attr]
    return len(frame)


def _insert_select(conn: Connection, table: sa.Table, cols: Sequence[str], source: str) -> str:
    """``INSERT INTO table (cols) SELECT cols FROM source``, the id from its sequence when ``cols`` lack it."""
    quote = conn.dialect.identifier_preparer.quote
    seq = id_sequence(table)
    target, picked = [quote(c) for c in cols], [quote(c) for c in cols]
    if seq is not None and table.autoincrement_column.name not in cols:  # type: ignore[union-attr]
        target.insert(0, quote(table.autoincrement_column.name))  # type: ignore[union-attr]
        picked.insert(0, f"nextval('{seq.name}')")
    return f"INSERT INTO {quote(table.name)} ({', '.join(target)}) SELECT {', '.join(picked)} FROM {quote(source)}"


STAGING_PREFIX = "_load_"


class Staging:
    """DuckDB: a load's rows committed chunk by chunk into ``_load_<dataset>`` tables, then moved
    into the datasets by ``load`` in one transaction, so the load stays all or nothing.

    DuckDB keeps what a transaction scanned from Python (each chunk handed over) until the
    transaction ends: a 12M-row import in one transaction grew the process past 5 GiB. Each chunk
    is committed on its own here, into a table nobody reads, and the one transaction that changes
    the datasets copies table to table (``INSERT ... SELECT``: 9.6M touchpoints in 3 s at ~330 MiB).
    The staging tables are dropped when the load ends, succeeded or not (``staged``), and any left
    by a process that died are dropped when the next load starts."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.columns: dict[str, list[str]] = {}
        self.drop()

    def name(self, dataset: str) -> str:
        return f"{STAGING_PREFIX}{dataset}"

    def write(self, dataset: str, frame: pd.DataFrame) -> int:
        """Append ``frame`` (typed, checked) to the dataset's staging table and commit it."""
        if len(frame) == 0:
            return 0
        quote = self.conn.dialect.identifier_preparer.quote
        if dataset not in self.columns:
            self.conn.exec_driver_sql(f"CREATE TABLE {quote(self.name(dataset))} AS "
                                      f"SELECT * FROM {quote(TABLES[dataset].name)} LIMIT 0")
            self.columns[dataset] = list(frame.columns)
        _insert_duckdb(self.conn, TABLES[dataset], frame[self.columns[dataset]], into=self.name(dataset))
        self.conn.commit()
        return len(frame)

    def load(self, mode: str, source: str, taken_at: datetime) -> None:
        """In one transaction: ``start_load``, every staged dataset into its table (load order),
        the reference check and ``finish_load``. Raises ``DanglingRows`` (nothing changed) for rows
        pointing at rows that do not exist."""
        self.conn.commit()
        with self.conn.begin():
            start_load(self.conn, mode)
            for ds in load_order():
                if ds.name in self.columns:
                    self.conn.exec_driver_sql(_insert_select(self.conn, TABLES[ds.name], self.columns[ds.name],
                                                             self.name(ds.name)))
            _check_references(self.conn)
            finish_load(self.conn, source, taken_at)

    def drop(self) -> None:
        """Drop every staging table (committed)."""
        quote = self.conn.dialect.identifier_preparer.quote
        self.conn.rollback()
        for ds in load_order():
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(self.name(ds.name))}")
        self.conn.commit()


_STAGING = threading.Lock()
"""One staged load at a time in a process: the staging tables have fixed names, and a DuckDB file
is held by one process only, so no other load can be using them while this one runs."""


@contextmanager
def staged(engine: Engine) -> Iterator[Staging]:
    """A ``Staging`` on its own connection, its tables dropped when the block ends (DuckDB only).
    A second load in the same process (another session's import) waits for the first to end."""
    with _STAGING, engine.connect() as conn:
        stage = Staging(conn)
        try:
            yield stage
        finally:
            stage.drop()


def insert_records(conn: Connection, table: sa.Table, records: Sequence[Mapping[str, object]]) -> int:
    """Insert ``records`` (column -> value, every row the same columns) into any table; returns the count."""
    if not records:
        return 0
    if conn.dialect.name == "postgresql":
        return _copy_postgres(conn, table, list(records[0]), iter(records))
    conn.execute(table.insert(), list(records))
    return len(records)


def _copy_frame_postgres(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """``COPY table (cols) FROM STDIN (FORMAT csv)`` fed with CSV text that Arrow writes from the
    frame in C++, by chunks (inside the caller's transaction).

    Row by row through psycopg's ``write_row`` this took ~45% of a large import's time. In Arrow's
    CSV a blank is an unquoted empty field (NULL to COPY) and every text value is quoted (an empty
    text stays ''); timestamps carry microseconds, as the column keeps them."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    raw = conn.connection.dbapi_connection
    options = pa_csv.WriteOptions(include_header=False)
    quoted = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in frame.columns)
    with raw.cursor() as cur:  # type: ignore[union-attr]
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN (FORMAT csv)') as copy:
            for start in range(0, len(frame), CHUNK_ROWS * 5):
                sink = pa.BufferOutputStream()
                pa_csv.write_csv(pa.Table.from_pandas(frame.iloc[start:start + CHUNK_ROWS * 5], preserve_index=False),
                                 sink, write_options=options)
                copy.write(memoryview(sink.getvalue()))
    return len(frame)


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


def dangling_references(conn: Connection) -> list[str]:
    """``child -> parent`` for every declared reference with a row pointing at no row, by anti-join
    (DuckDB, which declares none; see ``schema._foreign_keys_checked_at_load_end``)."""
    from revops_core.schema import metadata

    found = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            child, parent = list(fk.columns), [e.column for e in fk.elements]
            match = sa.and_(*(p == c for c, p in zip(child, parent)))
            orphan = (sa.select(sa.literal(1)).select_from(table)
                      .where(*(c.is_not(None) for c in child), ~sa.exists().where(match)).limit(1))
            if conn.execute(orphan).first() is not None:
                found.append(f"{table.name} -> {fk.referred_table.name}")
    return found


def _check_references(conn: Connection) -> None:
    """DuckDB: raise ``DanglingRows`` when any row points at a row that does not exist."""
    found = dangling_references(conn)
    if found:
        raise DanglingRows(f"rows point at rows that do not exist ({', '.join(found)})")


@contextmanager
def bulk_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for a bulk load, committed when the block ends without an exception.

    On SQLite, foreign keys are checked once at the end (``PRAGMA foreign_key_check``, raising
    ``DanglingRows``) instead of row by row: emptying a table is then a truncate and an insert
    skips a lookup per row. The connection gets its row-by-row checks back afterwards. DuckDB,
    which declares no foreign keys, is checked at the end by anti-joins (``dangling_references``).
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")   # outside a transaction, or it is ignored
            conn.commit()
        try:
            with conn.begin():
                yield conn
                restore_indexes(conn)
                if sqlite:
                    _check_foreign_keys(conn)
                elif conn.dialect.name == "duckdb":
                    _check_references(conn)
        finally:
            conn.info.pop(_DEFERRED, None)
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def clear_datasets(conn: Connection, rows: int = 0) -> None:
    """Delete every contract dataset's rows (children before parents), ahead of ``rows`` new rows."""
    clear_tables(conn, [TABLES[ds.name] for ds in load_order()], rows)


DEFER_INDEXES_ROWS = 100_000
"""A PostgreSQL load of at least this many rows builds the emptied tables' keys and indexes after
its COPY (``_defer_indexes``); a smaller one keeps them: dropping and making ~70 keys, indexes and
foreign keys costs ~0.6 s, more than maintaining them for a few thousand rows."""


def clear_tables(conn: Connection, tables: Sequence[sa.Table], rows: int = 0) -> None:
    """Empty ``tables`` (given parents first; emptied children first) inside the caller's transaction,
    ahead of about ``rows`` new rows.

    DuckDB: each table is dropped and created again (with its id sequence). Deleting the rows and
    inserting rows with the same keys in one transaction makes DuckDB reconcile every key at commit:
    38 s against 3 s for 480k touchpoints, and more than 10 minutes at the contract's large scale.

    PostgreSQL: one ``TRUNCATE`` of them all when no other table references them (every replace
    import). A DELETE checked each deleted lead's references through 10M dead touchpoints (38 s
    at the large scale), and the COPY that followed inserted into indexes still holding every
    deleted key: more than 7 minutes for the touchpoints. TRUNCATE is transactional (a rollback
    keeps the old rows), but it holds an exclusive lock until the load commits, so on PostgreSQL a
    page that reads a dataset during a replace import waits for the import to end
    (docs/ENGINES.md)."""
    if conn.dialect.name == "duckdb":
        for table in reversed(tables):
            table.drop(conn)
        for table in tables:
            table.create(conn)
        return
    if conn.dialect.name == "postgresql" and tables and _closed_under_references(tables):
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql(f"TRUNCATE {', '.join(quote(t.name) for t in tables)}")
        if rows >= DEFER_INDEXES_ROWS:
            _defer_indexes(conn, [t.name for t in tables])
        return
    for table in reversed(tables):
        conn.execute(table.delete())


_DEFERRED = "autorevops_deferred_ddl"
"""``conn.info`` key: the statements that put back what ``_defer_indexes`` dropped, in order."""

_DEFERRABLE = """
SELECT 0 AS step, c.conname, format('ALTER TABLE %1$I.%2$I DROP CONSTRAINT %3$I', n.nspname, t.relname, c.conname),
       format('ALTER TABLE %1$I.%2$I ADD CONSTRAINT %3$I %4$s', n.nspname, t.relname, c.conname,
              pg_get_constraintdef(c.oid))
FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relname = ANY(:names) AND c.contype = 'f'
UNION ALL
SELECT 1, c.conname, format('ALTER TABLE %1$I.%2$I DROP CONSTRAINT %3$I', n.nspname, t.relname, c.conname),
       format('ALTER TABLE %1$I.%2$I ADD CONSTRAINT %3$I %4$s', n.nspname, t.relname, c.conname,
              pg_get_constraintdef(c.oid))
FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relname = ANY(:names) AND c.contype IN ('p', 'u')
UNION ALL
SELECT 2, x.relname, format('DROP INDEX %I.%I', n.nspname, x.relname), pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relname = ANY(:names)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1, 2
"""


def _defer_indexes(conn: Connection, names: Sequence[str]) -> None:
    """PostgreSQL, after ``TRUNCATE`` in a load: drop the emptied tables' foreign keys, keys and
    indexes, keeping the statements that make each again (``restore_indexes``, before the load
    reads or commits).

    Maintaining five indexes of the leads row by row during COPY took 65 s for 2M leads (shared
    buffers cannot hold them); COPY into the bare table and building the indexes after took
    17 s. Each foreign key then checks every row in one join, not one locking look-up per row.
    The statements come from the catalogue (``pg_get_constraintdef``, ``pg_get_indexdef``), so
    what is made again is exactly what was there. ``TRUNCATE`` already holds the tables
    exclusively until the commit, so dropping adds no lock."""
    rows = conn.execute(sa.text(_DEFERRABLE), {"names": list(names)}).all()
    if not rows:
        return
    transaction = _transaction_id(conn)
    held, pending = conn.info.get(_DEFERRED, (None, []))
    if held != transaction:   # left by a transaction that rolled back: the drops were undone with it
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        pending = []
    for _, _, drop, _ in rows:
        conn.exec_driver_sql(drop)
    conn.info[_DEFERRED] = (transaction, pending + [(step, make) for step, _, _, make in rows])


def _transaction_id(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT txid_current()").scalar_one())


def restore_indexes(conn: Connection) -> None:
    """Make again what ``_defer_indexes`` dropped in this transaction: indexes, then keys, then
    the foreign keys that need them. A foreign key that a row breaks raises here, and the load's
    transaction rolls back. Statements kept by a transaction that rolled back are discarded."""
    if _DEFERRED not in conn.info:
        return
    transaction, pending = conn.info.pop(_DEFERRED)
    if transaction != _transaction_id(conn):
        return
    for _, make in sorted(pending, key=lambda p: -p[0]):
        conn.exec_driver_sql(make)


def _closed_under_references(tables: Sequence[sa.Table]) -> bool:
    """Whether every table that references one of ``tables`` is among them (so one TRUNCATE may empty them)."""
    from revops_core.schema import metadata

    chosen = set(tables)
    return all(table in chosen for table in metadata.sorted_tables
               for fk in table.foreign_keys if fk.column.table in chosen)


def check_mode(mode: str) -> None:
    """Raise ``ValueError`` for a mode other than ``replace`` or ``append``."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'replace' or 'append', not {mode!r}")


def start_load(conn: Connection, mode: str, rows: int = 0) -> None:
    """Begin a load of about ``rows`` rows inside the caller's transaction: ``replace`` empties every
    dataset first."""
    check_mode(mode)
    if mode == "replace":
        clear_datasets(conn, rows)


def finish_load(conn: Connection, source: str, taken_at: datetime) -> None:
    """End a load inside the caller's transaction: snapshot the open pipeline, then ``data_loaded``."""
    take_snapshot(conn, source, taken_at)
    data_loaded(conn)


def data_loaded(conn: Connection) -> str:
    """After the datasets changed, inside the same transaction: advance the data version and
    rebuild the summary tables at it (``revops_core.summaries``). Returns the new version."""
    from revops_core import summaries

    restore_indexes(conn)
    version = bump_data_version(conn)
    summaries.refresh(conn, version)
    return version


def write_datasets(engine: Engine, frames: Mapping[str, pd.DataFrame], mode: str = "replace",
                   source: str = "import", taken_at: datetime | None = None) -> dict[str, int]:
    """Write ``frames`` in one transaction: ``replace`` empties every dataset first (on DuckDB the
    rows are staged first, ``Staging``).

    Any failure rolls the whole transaction back, so the database is left as it was.
    """
    check_mode(mode)
    ensure_schema(engine)
    counts: dict[str, int] = {}
    if engine.dialect.name == "duckdb":  # staged: DuckDB holds a transaction's scanned chunks to its end
        with staged(engine) as stage:
            counts = {ds.name: stage.write(ds.name, frames[ds.name]) for ds in load_order() if ds.name in frames}
            stage.load(mode, source, taken_at or datetime.now())
    else:
        with bulk_transaction(engine) as conn:
            start_load(conn, mode, sum(len(f) for f in frames.values()))
            counts = {ds.name: insert_frame(conn, ds.name, frames[ds.name]) for ds in load_order() if ds.name in frames}
            finish_load(conn, source, taken_at or datetime.now())
    refresh_statistics(engine, [name for name, n in counts.items() if n])
    log.info("wrote %s", counts)
    return counts


def refresh_statistics(engine: Engine, tables: Iterable[str]) -> None:
    """After a committed load, so the first queries are planned and run on the data as it is:

    - PostgreSQL: ``VACUUM (ANALYZE)`` each written table, on an autocommit connection (VACUUM
      cannot run inside a transaction). ANALYZE gives the planner real row counts; VACUUM sets
      the visibility map, without which an index-only scan fetches every heap row (9.6M heap
      fetches in the Markov query at the contract's scale after an ANALYZE-only load);
    - SQLite: ``PRAGMA optimize``; DuckDB: ``CHECKPOINT`` (the load leaves the write-ahead log,
      which the next start would replay); other databases keep their own schedule.
    """
    names = list(tables)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            from revops_core.schema import SUMMARY_TABLES   # rebuilt by the load: their row counts changed too

            names += [t.name for t in SUMMARY_TABLES if t.name not in names]
            auto = conn.execution_options(isolation_level="AUTOCOMMIT")
            quote = conn.dialect.identifier_preparer.quote
            for name in names:
                auto.execute(sa.text(f"VACUUM (ANALYZE) {quote(name)}"))
        elif engine.dialect.name == "sqlite":
            conn.execute(sa.text("PRAGMA optimize"))
            conn.commit()
        elif engine.dialect.name == "duckdb":
            try:
                conn.execute(sa.text("CHECKPOINT"))
                conn.commit()
            except sa.exc.DBAPIError as exc:   # another session is writing: DuckDB checkpoints later itself
                conn.rollback()
                log.info("checkpoint after the load skipped: %s", exc.orig)


def reset_sequences(conn: Connection, tables: Iterable[sa.Table]) -> None:
    """Move each id's sequence past the largest id restored, so new rows get fresh ids.

    PostgreSQL: ``setval`` on the sequence (named as the SERIAL sequence of older databases);
    DuckDB (no ``setval``): the sequence is recreated to start after the largest id. SQLite
    takes the next id from the table itself; other databases are left as they are.
    """
    if conn.dialect.name not in ("postgresql", "duckdb"):
        return
    for table in tables:
        seq, column = id_sequence(table), table.autoincrement_column
        if seq is None or column is None:
            continue
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.setval(
                seq.name, sa.select(sa.func.coalesce(sa.func.max(column), 1)).scalar_subquery(),
                sa.select(sa.func.max(column).is_not(None)).scalar_subquery())))
        else:
            largest = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(column), 0))).scalar_one())
            conn.execute(sa.text(f"CREATE OR REPLACE SEQUENCE {seq.name} START WITH {largest + 1}"))


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
