"""``schema.ensure_schema`` (idempotent, records SCHEMA_VERSION) and ``db`` URL resolution.

Schema tests run on SQLite and PostgreSQL (``engine`` fixture, already through ``ensure_schema``
once). URL resolution order: the ``--db`` argument, else ``AUTOREVOPS_DB_URL``, else the default
DuckDB file ``data/autorevops.duckdb`` under the project root (``data/autorevops.db`` where an
older install made that SQLite file).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tests.factories import write

from revops_core.cli import main
from revops_core.contract import DATASETS
from revops_core.db import DEFAULT_SQLITE_PATH, ENV_VAR, PROJECT_ROOT, default_url, make_engine, resolve_url
from revops_core.schema import SCHEMA_VERSION, ensure_schema, metadata, schema_meta, stored_version

PRODUCT_TABLES = {"schema_meta", "pipeline_snapshots", "pipeline_snapshot_rows", "forecast_submissions",
                  "forecast_locks", "saved_scenarios", "users", "audit_log"}


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def version_rows(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == "schema_version"))
                    .scalars())


# --- ensure_schema ---------------------------------------------------------------------------

def test_schema_creates_every_table_and_records_version(engine: Engine) -> None:
    names = table_names(engine)
    assert {d.name for d in DATASETS} <= names           # every contract dataset
    assert PRODUCT_TABLES <= names                          # and the product tables
    assert set(metadata.tables) <= names
    assert version_rows(engine) == [str(SCHEMA_VERSION)]
    with engine.connect() as conn:
        assert stored_version(conn) == SCHEMA_VERSION


def test_ensure_schema_twice_is_idempotent(engine: Engine) -> None:
    before = table_names(engine)
    write(engine, accounts=[{"account_id": "a1", "name": "Kept"}])
    assert ensure_schema(engine) == SCHEMA_VERSION          # second run (fixture did the first)
    assert ensure_schema(engine) == SCHEMA_VERSION          # and a third
    assert table_names(engine) == before
    assert version_rows(engine) == [str(SCHEMA_VERSION)]    # one version row, not one per run
    with engine.connect() as conn:
        accounts = metadata.tables["accounts"]
        assert conn.execute(sa.select(accounts.c.account_id, accounts.c.name)).all() == [("a1", "Kept")]


def test_ensure_schema_on_fresh_database(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with eng.connect() as conn:
            assert stored_version(conn) is None              # empty database: no version yet
        assert table_names(eng) == set()
        assert ensure_schema(eng) == SCHEMA_VERSION
        first = table_names(eng)
        assert ensure_schema(eng) == SCHEMA_VERSION
        assert table_names(eng) == first == set(metadata.tables)
        assert version_rows(eng) == [str(SCHEMA_VERSION)]
    finally:
        eng.dispose()


# --- URL resolution ----------------------------------------------------------------------------

DEFAULT_URL = default_url()


def test_default_file_is_under_project_root() -> None:
    assert DEFAULT_SQLITE_PATH == PROJECT_ROOT / "data" / "autorevops.db"
    assert DEFAULT_URL in (f"duckdb:///{PROJECT_ROOT / 'data' / 'autorevops.duckdb'}",
                           f"sqlite:///{PROJECT_ROOT / 'data' / 'autorevops.db'}")
    assert PROJECT_ROOT == Path(__file__).resolve().parents[2]
    assert ENV_VAR == "AUTOREVOPS_DB_URL"


def test_a_new_install_gets_duckdb_and_an_older_sqlite_install_keeps_its_file(tmp_path: Path) -> None:
    duck, lite = f"duckdb:///{tmp_path / 'autorevops.duckdb'}", f"sqlite:///{tmp_path / 'autorevops.db'}"
    assert default_url(tmp_path) == duck                      # nothing yet: DuckDB
    (tmp_path / "autorevops.db").touch()
    assert default_url(tmp_path) == lite                      # an install made before keeps its SQLite data
    (tmp_path / "autorevops.duckdb").touch()
    assert default_url(tmp_path) == duck                      # both: the DuckDB file (made since) wins


def test_cli_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOREVOPS_DB_URL", "sqlite:////tmp/from_env.db")
    assert resolve_url("sqlite:////tmp/from_cli.db") == "sqlite:////tmp/from_cli.db"


def test_environment_used_without_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOREVOPS_DB_URL", "sqlite:////tmp/from_env.db")
    assert resolve_url(None) == "sqlite:////tmp/from_env.db"
    assert resolve_url("") == "sqlite:////tmp/from_env.db"       # an empty --db is no argument


def test_default_file_without_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTOREVOPS_DB_URL", raising=False)
    assert resolve_url(None) == DEFAULT_URL
    monkeypatch.setenv("AUTOREVOPS_DB_URL", "")                   # set but empty: still the default
    assert resolve_url(None) == DEFAULT_URL


def test_explicit_environ_mapping_replaces_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOREVOPS_DB_URL", "sqlite:////tmp/os_env.db")
    assert resolve_url(None, {"AUTOREVOPS_DB_URL": "sqlite:////tmp/given.db"}) == "sqlite:////tmp/given.db"
    assert resolve_url(None, {}) == DEFAULT_URL


@pytest.mark.parametrize(("given", "resolved"), [
    ("postgres://u:pw@h:5432/d", "postgresql+psycopg://u:pw@h:5432/d"),       # Heroku-style scheme
    ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),                     # driver added
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),             # already explicit
    ("sqlite:///rel.db", "sqlite:///rel.db"),                                 # untouched
])
def test_postgres_urls_get_the_psycopg_driver(given: str, resolved: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOREVOPS_DB_URL", given)
    assert resolve_url(None) == resolved     # from the environment
    assert resolve_url(given) == resolved    # and from --db


def test_make_engine_follows_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "nested" / "env.db"
    monkeypatch.setenv("AUTOREVOPS_DB_URL", f"sqlite:///{target}")
    eng = make_engine()
    try:
        assert eng.url.database == str(target)
        assert not target.parent.exists()            # nothing is created before the first connection
        with eng.connect() as conn:
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar_one() == 1
        assert target.parent.is_dir()                # make_engine creates the SQLite folder on connect
    finally:
        eng.dispose()


def test_cli_uses_env_then_db_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # metrics never creates a database: its message names the file it resolved, and none appears.
    env_db, arg_db = tmp_path / "env.db", tmp_path / "arg.db"
    monkeypatch.setenv("AUTOREVOPS_DB_URL", f"sqlite:///{env_db}")
    assert main(["metrics", "--as-of", "2026-06-30", "--json"]) == 2
    assert f"no database at {env_db};" in capsys.readouterr().err
    assert main(["metrics", "--db", f"sqlite:///{arg_db}", "--json"]) == 2
    assert f"no database at {arg_db};" in capsys.readouterr().err
    assert not env_db.exists() and not arg_db.exists()


def test_postgresql_sessions_get_the_configured_work_mem(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import PG_URL, require_pg

    from revops_core.db import make_engine, work_mem

    require_pg()
    assert work_mem({}) == "64MB"
    monkeypatch.setenv("AUTOREVOPS_PG_WORK_MEM", "96MB")
    engine = make_engine(PG_URL)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW work_mem").scalar_one() == "96MB"
            conn.rollback()  # the setting outlives a rolled-back transaction
            assert conn.exec_driver_sql("SHOW work_mem").scalar_one() == "96MB"
    finally:
        engine.dispose()
    with pytest.raises(ValueError, match="AUTOREVOPS_PG_WORK_MEM must look like 64MB"):
        work_mem({"AUTOREVOPS_PG_WORK_MEM": "64MB'; DROP TABLE leads; --"})


def test_a_version_1_database_gets_the_audit_client_column(tmp_path: Path) -> None:
    """Migration 1 -> 2 adds ``audit_log.client`` and its index to a database made before them."""
    eng = make_engine(f"sqlite:///{tmp_path / 'v1.db'}")
    try:
        with eng.begin() as conn:
            conn.execute(sa.text("CREATE TABLE audit_log (entry_id INTEGER PRIMARY KEY, at DATETIME NOT NULL, "
                                 "username VARCHAR(120) NOT NULL, action VARCHAR(60) NOT NULL, detail TEXT)"))
            conn.execute(sa.text("INSERT INTO audit_log (at, username, action) VALUES ('2026-01-01', 'a', 'x')"))
            schema_meta.create(conn)
            conn.execute(schema_meta.insert().values(key="schema_version", value="1"))
        assert ensure_schema(eng) == SCHEMA_VERSION == 5
        with eng.connect() as conn:
            assert "client" in {c["name"] for c in sa.inspect(conn).get_columns("audit_log")}
            assert conn.execute(sa.text("SELECT username, client FROM audit_log")).all() == [("a", None)]
        assert version_rows(eng) == ["5"]
        with eng.connect() as conn:   # both indexes, each declared once: 1 -> 2 made the first, 3 -> 4 the second
            assert {i["name"] for i in sa.inspect(conn).get_indexes("audit_log")} == {
                "ix_audit_log_at", "ix_audit_log_username_action"}
        assert sorted(i.name for i in metadata.tables["audit_log"].indexes) == [
            "ix_audit_log_at", "ix_audit_log_username_action"]
    finally:
        eng.dispose()
