"""Database schema: every contract dataset as a SQLAlchemy Core table, plus the product's own.

Tables are built from ``contract.DATASETS`` so the schema, the importer and the exporter share
one declaration. ``ensure_schema`` is idempotent and records ``SCHEMA_VERSION``; ``MIGRATIONS``
holds the ordered steps that bring an older database forward.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core.contract import DATASETS, Column, Dataset

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
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
    "touchpoints": (("lead_id", "ts"),),
    "dealer_months": (("period",),),
    "maturity_assessments": (("org_unit", "assessed_on"),),
}

_SURROGATE_KEY = {"revenue"}  # key has an optional column: a surrogate row id is the primary key


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
        items.append(sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True))
    items += [_column(ds, c) for c in ds.columns]
    if ds.name in _SURROGATE_KEY:
        items.append(sa.UniqueConstraint(*ds.key, name=f"uq_{ds.name}_key"))
    items += _range_checks(ds)
    items += [sa.Index(f"ix_{ds.name}_{'_'.join(cols)}", *cols) for cols in _INDEXES.get(ds.name, ())]
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
    sa.Column("snapshot_id", sa.Integer, primary_key=True, autoincrement=True),
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
    sa.Column("submission_id", sa.Integer, primary_key=True, autoincrement=True),
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
    sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("username", sa.String(120), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("client", sa.String(64), nullable=True),   # the client address, when known
    sa.Index("ix_audit_log_at", "at"),
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


def _v1_audit_client(conn: Connection) -> None:
    """Version 1 -> 2: the audit log records the client address (sign-in rate limits)."""
    if "client" not in {c["name"] for c in sa.inspect(conn).get_columns("audit_log")}:
        conn.execute(sa.text("ALTER TABLE audit_log ADD COLUMN client VARCHAR(64)"))
    if "ix_audit_log_at" not in {i["name"] for i in sa.inspect(conn).get_indexes("audit_log")}:
        next(i for i in audit_log.indexes if i.name == "ix_audit_log_at").create(conn)  # the declared one


# Ordered migration steps: MIGRATIONS[v] brings a database at version v to v + 1.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_audit_client}


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
    """Advance the data version inside the caller's transaction."""
    new = str(int(data_version(conn)) + 1)
    updated = conn.execute(schema_meta.update().where(schema_meta.c.key == "data_version")
                           .values(value=new))
    if updated.rowcount == 0:
        conn.execute(schema_meta.insert().values(key="data_version", value=new))
    return new
