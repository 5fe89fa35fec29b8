"""Database schema: every contract dataset as a SQLAlchemy Core table, plus the product's own.

Tables are built from ``contract.DATASETS`` so the schema, the importer and the exporter share
one declaration. ``ensure_schema`` is idempotent and records ``SCHEMA_VERSION``; ``MIGRATIONS``
holds the ordered steps that bring an older database forward.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles

from revops_core.contract import DATASETS, PARTIES, Column, Dataset

log = logging.getLogger(__name__)

SCHEMA_VERSION = 5
metadata = sa.MetaData()

_TYPES: dict[str, Callable[[], sa.types.TypeEngine]] = {
    "str": lambda: sa.String(200),
    "journey": lambda: sa.String(40),
    "int": sa.Integer,
    "float": sa.Float,
    "bool": sa.Boolean,
    "date": sa.Date,
    "month": lambda: sa.String(7),
    "quarter": lambda: sa.String(6),
    "timestamp": sa.DateTime,
}

# Columns the metrics filter and group by (DATA_CONTRACT.md scale section).
_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "accounts": (("segment",), ("dealer_group",)),
    "opportunities": (("status", "close_date"), ("account_id",), ("product_id",), ("close_date",)),
    "platform_awards": (("award_date",), ("status",), ("account_id",), ("sop_date",)),
    "revenue": (("period",), ("award_id", "period"), ("account_id",)),
    "ecos": (("award_id",), ("decided_date",), ("requested_date",)),
    "shipments": (("period",),),
    "headcount": (("role", "segment"),),
    "dealers": (("dealer_group",), ("region",)),
    "leads": (("dealer_id", "created_at"), ("created_at",), ("sold_at",), ("journey",)),
    # touchpoints: its primary key (lead_id, ts, channel) serves every look-up by lead and time
    "dealer_months": (("period",),),
    "maturity_assessments": (("org_unit", "assessed_on"),),
}
_COVERING: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {
    # PostgreSQL: the median response time per dealer reads the window's leads dealer by dealer from
    # this index alone (an index-only scan), instead of 1.1M heap rows in a year (6 s -> 1.2 s, large)
    ("leads", ("dealer_id", "created_at")): ("first_response_at", "journey"),
}

_SURROGATE_KEY = {"revenue"}  # key has an optional column: a surrogate row id is the primary key


@compiles(sa.Float, "duckdb")
def _double_on_duckdb(_type: sa.Float, _compiler: object, **_kw: object) -> str:
    """DuckDB's FLOAT is single precision; money and ratios need DOUBLE (FLOAT on PostgreSQL is double)."""
    return "DOUBLE"


def _not_on_duckdb(_ddl: object, _target: object, _bind: object, **kw: object) -> bool:
    """DuckDB scans columnar data with zone maps and uses ART indexes only for point look-ups: a
    secondary index would only slow its loads down, so they are created on the other databases."""
    dialect = kw.get("dialect")
    return getattr(dialect, "name", None) != "duckdb"


def id_column(table: str, column: str) -> sa.Column:
    """An autoincrement integer primary key that works on every engine: a named sequence
    (``<table>_<column>_seq``, the name PostgreSQL gave the SERIAL sequence of databases made
    before it, so those keep working) on PostgreSQL and DuckDB, SQLite's rowid on SQLite.
    On PostgreSQL the column also defaults to the sequence (``_sequence_defaults``), so a COPY
    without the id fills it."""
    return sa.Column(column, sa.Integer, sa.Sequence(f"{table}_{column}_seq"), primary_key=True, autoincrement=True)


def id_sequence(table: sa.Table) -> sa.Sequence | None:
    """The sequence behind ``table``'s autoincrement id, if it has one."""
    column = table.autoincrement_column
    return column.default if column is not None and isinstance(column.default, sa.Sequence) else None


def _sequence_defaults(tables: list[sa.Table]) -> None:
    """PostgreSQL: each new table's id column defaults to its sequence (after CREATE TABLE)."""
    for table in tables:
        seq = id_sequence(table)
        if seq is not None:
            column = table.autoincrement_column.name  # type: ignore[union-attr]
            ddl = sa.DDL(f"ALTER TABLE {table.name} ALTER COLUMN {column} SET DEFAULT nextval('{seq.name}')")
            sa.event.listen(table, "after_create", ddl.execute_if(dialect="postgresql"))


def _column(ds: Dataset, col: Column) -> sa.Column:
    if col.kind == "enum":
        typ: sa.types.TypeEngine = sa.Enum(*col.values, name=f"{ds.name}_{col.name}",
                                           native_enum=False, create_constraint=True, length=40)
    else:
        typ = _TYPES[col.kind]()
    args: list[object] = [typ]
    if col.references:
        args.append(sa.ForeignKey(col.references))
    primary = col.name in ds.key and ds.name not in _SURROGATE_KEY
    return sa.Column(col.name, *args, nullable=not col.required, primary_key=primary)


def _range_checks(ds: Dataset) -> list[sa.CheckConstraint]:
    checks = []
    for col in ds.columns:
        if col.min_value is not None:
            checks.append(sa.CheckConstraint(f"{col.name} >= {col.min_value}",
                                             name=f"ck_{ds.name}_{col.name}_min"))
        if col.max_value is not None:
            checks.append(sa.CheckConstraint(f"{col.name} <= {col.max_value}",
                                             name=f"ck_{ds.name}_{col.name}_max"))
    return checks


def _table(ds: Dataset) -> sa.Table:
    items: list[sa.SchemaItem] = []
    if ds.name in _SURROGATE_KEY:
        items.append(id_column(ds.name, "row_id"))
    items += [_column(ds, c) for c in ds.columns]
    if ds.name in _SURROGATE_KEY:
        items.append(sa.UniqueConstraint(*ds.key, name=f"uq_{ds.name}_key"))
    items += _range_checks(ds)
    items += [sa.Index(f"ix_{ds.name}_{'_'.join(cols)}", *cols,
                       postgresql_include=list(_COVERING.get((ds.name, cols), ()))).ddl_if(callable_=_not_on_duckdb)
              for cols in _INDEXES.get(ds.name, ())]
    return sa.Table(ds.name, metadata, *items)


TABLES: dict[str, sa.Table] = {ds.name: _table(ds) for ds in DATASETS}

# ---- the product's own tables (not imported) -------------------------------------------------
schema_meta = sa.Table(
    "schema_meta", metadata,
    sa.Column("key", sa.String(60), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)
pipeline_snapshots = sa.Table(
    "pipeline_snapshots", metadata,
    id_column("pipeline_snapshots", "snapshot_id"),
    sa.Column("taken_at", sa.DateTime, nullable=False),
    sa.Column("source", sa.String(60), nullable=False),
)
pipeline_snapshot_rows = sa.Table(
    "pipeline_snapshot_rows", metadata,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("pipeline_snapshots.snapshot_id"),
              primary_key=True),
    sa.Column("opportunity_id", sa.String(200), primary_key=True),
    sa.Column("account_id", sa.String(200), nullable=False),
    sa.Column("stage", sa.String(200), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("amount", sa.Float, nullable=False),
    sa.Column("close_date", sa.Date, nullable=False),
)
forecast_submissions = sa.Table(
    "forecast_submissions", metadata,
    id_column("forecast_submissions", "submission_id"),
    sa.Column("segment", sa.String(40), nullable=False),
    sa.Column("quarter", sa.String(6), nullable=False),
    sa.Column("submitted_by", sa.String(120), nullable=False),
    sa.Column("submitted_on", sa.Date, nullable=False),
    sa.Column("commit_amount", sa.Float, nullable=False),
    sa.Column("best_case_amount", sa.Float, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Index("ix_forecast_submissions_segment_quarter", "segment", "quarter"),
)
forecast_locks = sa.Table(
    "forecast_locks", metadata,
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("locked_by", sa.String(120), nullable=False),
    sa.Column("locked_on", sa.Date, nullable=False),
)
saved_scenarios = sa.Table(
    "saved_scenarios", metadata,
    sa.Column("name", sa.String(120), primary_key=True),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
users = sa.Table(
    "users", metadata,
    sa.Column("username", sa.String(120), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("dealer_group", sa.String(200), nullable=True),
)
audit_log = sa.Table(
    "audit_log", metadata,
    id_column("audit_log", "entry_id"),
    sa.Column("at", sa.DateTime, nullable=False, quote=True),  # a reserved word in DuckDB
    sa.Column("username", sa.String(120), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("client", sa.String(64), nullable=True),   # the client address, when known
    sa.Index("ix_audit_log_at", "at"),
    sa.Index("ix_audit_log_username_action", "username", "action"),   # the session check's look-up
)
# The quarterly review's editable text (a comment per slide, next quarter's priorities), per quarter.
# A new table, not a migration: ensure_schema's create_all adds it to an existing database.
reviews = sa.Table(
    "reviews", metadata,
    sa.Column("quarter", sa.String(6), primary_key=True),
    sa.Column("slide_key", sa.String(40), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_by", sa.String(120), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Share links of the ecosystem scorecard (``revops_core.sharing``): one dealer group, one view (JSON),
# an expiry, revocable. A new table, not a migration: ensure_schema's create_all adds it.
share_links = sa.Table(
    "share_links", metadata,
    sa.Column("link_id", sa.String(40), primary_key=True),
    sa.Column("dealer_group", sa.String(200), nullable=False),
    sa.Column("view_params", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
    sa.Column("revoked_by", sa.String(120), nullable=True),
)


# ---- summary tables (revops_core.summaries): derived from the datasets, rebuilt in SQL by every
# load inside the load's transaction, and read only while ``summary_state`` records the current
# data version (otherwise the queries read the datasets themselves). New tables, created by
# ``create_all``; migration 3 -> 4 fills them on an existing database.
summary_state = sa.Table(
    "summary_state", metadata,
    sa.Column("name", sa.String(60), primary_key=True),
    sa.Column("data_version", sa.String(40), nullable=False),
    sa.Column("params", sa.String(200), nullable=False),      # e.g. "half_life_days=7.0"; "" when none
    sa.Column("refreshed_at", sa.DateTime, nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),            # how long the rebuild took
)
# One row per sold lead: what its touches up to the sale say (first party, parties seen, count).
sold_lead_facts = sa.Table(
    "sold_lead_facts", metadata,
    sa.Column("lead_id", sa.String(200), primary_key=True),
    sa.Column("first_party", sa.String(20), nullable=True),    # None: no touch up to the sale
    sa.Column("touches", sa.Integer, nullable=False),
    *(sa.Column(f"touched_{party.lower()}", sa.Integer, nullable=False) for party in PARTIES),
)
# First-order Markov transition counts of the leads created in a month (its first day), per dealer
# group x region.
markov_transition_months = sa.Table(
    "markov_transition_months", metadata,
    sa.Column("month", sa.Date, nullable=False),
    sa.Column("dealer_group", sa.String(200), nullable=False),
    sa.Column("region", sa.String(200), nullable=False),
    sa.Column("prev", sa.String(200), nullable=True),           # None: the path's first touch
    sa.Column("channel", sa.String(200), nullable=False),
    sa.Column("is_last", sa.Integer, nullable=False),
    sa.Column("converted", sa.Integer, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("ix_markov_transition_months_month", "month").ddl_if(callable_=_not_on_duckdb),
)
# Heuristic-model credits of the leads sold in a month (its first day), per dealer group x region x channel.
credit_months = sa.Table(
    "credit_months", metadata,
    sa.Column("month", sa.Date, nullable=False),
    sa.Column("dealer_group", sa.String(200), nullable=False),
    sa.Column("region", sa.String(200), nullable=False),
    sa.Column("channel", sa.String(200), nullable=False),
    sa.Column("first_touch", sa.Float, nullable=True),
    sa.Column("last_touch", sa.Float, nullable=True),
    sa.Column("linear", sa.Float, nullable=True),
    sa.Column("position_based", sa.Float, nullable=True),
    sa.Column("time_decay", sa.Float, nullable=True),           # None where the database lacks power()
    sa.Index("ix_credit_months_month", "month").ddl_if(callable_=_not_on_duckdb),
)
# The scorecard's lead counts and sums of the leads created in a month (its first day), per dealer x
# journey: answered within the SLA and sourced / influenced revenue as configured when built
# (``summary_state.params``).
lead_months = sa.Table(
    "lead_months", metadata,
    sa.Column("month", sa.Date, nullable=False),
    sa.Column("dealer_id", sa.String(200), nullable=False),
    sa.Column("journey", sa.String(200), nullable=False),
    *(sa.Column(name, sa.Integer, nullable=False) for name in ("leads", "answered_in_sla", "test_drives", "quotes",
                                                                "sold")),
    *(sa.Column(name, sa.Float, nullable=False) for name in ("revenue", "sourced", "influenced")),
    sa.Index("ix_lead_months_month", "month").ddl_if(callable_=_not_on_duckdb),
)
SUMMARY_TABLES = (sold_lead_facts, markov_transition_months, credit_months, lead_months)

_sequence_defaults(list(metadata.tables.values()))


def _foreign_keys_checked_at_load_end() -> None:
    """DuckDB: no declared foreign keys. It refuses to delete a parent row whose children were
    deleted earlier in the same transaction, which every replace-mode load does; the loader checks
    the references once at the end of the load instead (``loader.dangling_references``)."""
    for table in metadata.tables.values():
        for fk in table.foreign_key_constraints:
            fk.ddl_if(callable_=_not_on_duckdb)


_foreign_keys_checked_at_load_end()


def _dataset_keys_checked_by_the_importer() -> None:
    """DuckDB: the contract datasets declare no primary or unique key. DuckDB enforces one with an
    in-memory ART index that it cannot spill: the touchpoints' key alone made a large-scale load
    take 6.6 GB and inserts 3.5x slower (1.9M rows: 479 MiB and 12.4 s with the key, 154 MiB and
    3.6 s without). Every write of a dataset goes through the importer, which refuses a key twice
    in a file or, appending, already in the database; the product's own tables keep their keys."""
    for table in TABLES.values():
        table.primary_key.ddl_if(callable_=_not_on_duckdb)
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                constraint.ddl_if(callable_=_not_on_duckdb)


_dataset_keys_checked_by_the_importer()



def _v1_audit_client(conn: Connection) -> None:
    """Version 1 -> 2: the audit log records the client address (sign-in rate limits)."""
    if "client" not in {c["name"] for c in sa.inspect(conn).get_columns("audit_log")}:
        conn.execute(sa.text("ALTER TABLE audit_log ADD COLUMN client VARCHAR(64)"))
    if "ix_audit_log_at" not in {i["name"] for i in sa.inspect(conn).get_indexes("audit_log")}:
        next(i for i in audit_log.indexes if i.name == "ix_audit_log_at").create(conn)  # the declared one


def _v2_no_duplicate_touch_index(conn: Connection) -> None:
    """Version 2 -> 3: drop ``ix_touchpoints_lead_id_ts``, the prefix of the touchpoints' primary key
    (lead_id, ts, channel), which served no query the key does not (372 MB at the contract's scale)."""
    conn.execute(sa.text("DROP INDEX IF EXISTS ix_touchpoints_lead_id_ts"))


def _v3_summaries(conn: Connection) -> None:
    """Version 3 -> 4: index the audit log by (username, action), which the signed-session check reads
    on every rerun, and fill the summary tables (``create_all`` made them empty) from the data held."""
    conn.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_audit_log_username_action ON audit_log (username, action)"))
    from revops_core import summaries  # imports the queries, which import this module

    summaries.refresh(conn, data_version(conn))


def _v4_lead_months(conn: Connection) -> None:
    """Version 4 -> 5: fill ``lead_months`` (``create_all`` made it empty) and, on PostgreSQL, make
    the leads' (dealer_id, created_at) index cover the response time and the journey."""
    if conn.dialect.name == "postgresql":
        index = next(i for i in TABLES["leads"].indexes if i.name == "ix_leads_dealer_id_created_at")
        conn.execute(sa.text(f"DROP INDEX IF EXISTS {index.name}"))
        index.create(conn)
    from revops_core import summaries

    summaries.refresh(conn, data_version(conn))


# Ordered migration steps: MIGRATIONS[v] brings a database at version v to v + 1.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_audit_client, 2: _v2_no_duplicate_touch_index,
                                                       3: _v3_summaries, 4: _v4_lead_months}


def stored_version(conn: Connection) -> int | None:
    """The schema version recorded in the database, or None for an empty database."""
    if not sa.inspect(conn).has_table("schema_meta"):
        return None
    row = conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == "schema_version"))
    value = row.scalar_one_or_none()
    return int(value) if value is not None else None


def ensure_schema(engine: Engine) -> int:
    """Create missing tables, run pending migrations and record the version (idempotent)."""
    with engine.begin() as conn:
        version = stored_version(conn)
        metadata.create_all(conn, checkfirst=True)
        if version is not None:
            for step in range(version, SCHEMA_VERSION):
                log.info("migrating schema from version %s", step)
                MIGRATIONS[step](conn)
            conn.execute(schema_meta.update().where(schema_meta.c.key == "schema_version")
                         .values(value=str(SCHEMA_VERSION)))
        else:
            conn.execute(schema_meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
    return SCHEMA_VERSION


def data_version(conn: Connection) -> str:
    """A token that changes whenever data is loaded; the shell keys its caches on it."""
    row = conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == "data_version"))
    return row.scalar_one_or_none() or "0"


def bump_data_version(conn: Connection) -> str:
    """Advance the data version inside the caller's transaction, and record when (``data_changed_at``)."""
    new = str(int(_meta(conn, "data_version") or "0") + 1)
    _set_meta(conn, "data_version", new)
    _set_meta(conn, "data_changed_at", datetime.now().isoformat(timespec="seconds"))
    return new


def data_changed_at(conn: Connection) -> datetime | None:
    """When the data last changed (a load, a restore, a saved assessment), or None if never recorded."""
    value = _meta(conn, "data_changed_at")
    return datetime.fromisoformat(value) if value else None


def _meta(conn: Connection, key: str) -> str | None:
    return conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == key)).scalar()


def _set_meta(conn: Connection, key: str, value: str) -> None:
    if _meta(conn, key) is None:  # not by an UPDATE's rowcount, which DuckDB's driver does not report
        conn.execute(schema_meta.insert().values(key=key, value=value))
    else:
        conn.execute(schema_meta.update().where(schema_meta.c.key == key).values(value=value))
