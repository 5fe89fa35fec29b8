"""Shared fixtures: engines on SQLite and PostgreSQL, config, and the seeded sample company.

PostgreSQL (127.0.0.1:5432, trust auth, database ``test``) is used when reachable; each test
gets its own schema, dropped afterwards. In CI (``CI`` set) an unreachable server fails the run.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revops_core.config import AppConfig, load_config
from revops_core.db import make_engine
from revops_core.loader import write_datasets
from revops_core.schema import ensure_schema

PG_URL = os.environ.get("AUTOREVOPS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, bool] = {}


def pg_reachable() -> bool:
    if "ok" not in _pg_state:
        try:
            eng = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with eng.connect() as conn:
                conn.execute(sa.text("select 1"))
            eng.dispose()
            _pg_state["ok"] = True
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            _pg_state["ok"] = False
    return _pg_state["ok"]


def require_pg() -> None:
    if not pg_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL}; CI must test on PostgreSQL")
        pytest.skip("PostgreSQL not reachable")


@pytest.fixture(scope="session")
def cfg() -> AppConfig:
    return load_config()


def _pg_engine() -> Iterator[Engine]:
    require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# Tests whose helper (tests/core/test_exporter.py ``fresh_like``) makes a second database on SQLite
# or PostgreSQL only; a ``duckdb`` branch there (a second file) would let them run on DuckDB too.
_SECOND_DATABASE = {"test_round_trip_is_byte_identical", "test_the_exported_csvs_alone_import_as_contract_files",
                    "test_awkward_text_and_numbers_round_trip",
                    "test_export_then_import_into_an_empty_database_equals_the_original",
                    "test_new_rows_after_a_restore_get_fresh_ids"}

# Expects a single insert outside a load to be refused for a dangling reference (docs/ENGINES.md).
_ROW_BY_ROW_REFERENCES = {"test_a_bulk_load_leaving_dangling_rows_is_rolled_back"}


@pytest.fixture(params=["sqlite", "postgresql", "duckdb"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database with the schema, on SQLite, PostgreSQL and DuckDB."""
    if request.param == "duckdb" and request.node.originalname in _SECOND_DATABASE:
        pytest.skip("the test's second database is made on SQLite or PostgreSQL only")
    if request.param == "duckdb" and request.node.originalname in _ROW_BY_ROW_REFERENCES:
        pytest.skip("DuckDB declares no foreign keys: references are checked at the end of each load only")
    if request.param in ("sqlite", "duckdb"):
        eng = make_engine(f"{request.param}:///{tmp_path / f'test.{request.param}'}")
        ensure_schema(eng)
        yield eng
        eng.dispose()
    else:
        for eng in _pg_engine():
            ensure_schema(eng)
            yield eng


def seeded_sqlite(folder: Path, scale: str) -> str:
    """URL of a SQLite file in ``folder`` holding the sample company at ``scale`` (seed 42)."""
    return _seeded(f"sqlite:///{folder / f'{scale}.db'}", scale)


def seeded_duckdb(folder: Path, scale: str) -> str:
    """URL of a DuckDB file in ``folder`` holding the sample company at ``scale`` (seed 42)."""
    return _seeded(f"duckdb:///{folder / f'{scale}.duckdb'}", scale)


def _seeded(url: str, scale: str) -> str:
    from sample_data.generator import generate

    engine = make_engine(url)
    write_datasets(engine, generate(seed=42, scale=scale), source="seed")
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def sample_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file seeded once per session with the small sample company."""
    return seeded_sqlite(tmp_path_factory.mktemp("sample"), "small")


@pytest.fixture(scope="session")
def sample_engine(sample_db_url: str) -> Engine:
    return make_engine(sample_db_url)
