"""Schema migrations and id sequences on databases made by earlier versions.

- 2 -> 3 drops ``ix_touchpoints_lead_id_ts`` (the prefix of the touchpoints' primary key), and is
  idempotent: a database without the index migrates too, and a second run changes nothing.
- Id columns take a named sequence (``<table>_<column>_seq``, for DuckDB); a PostgreSQL database
  made before, whose ids are SERIAL with sequences of those names, keeps inserting fresh ids, and
  a restore moves the sequence past the largest restored id on both kinds of database.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revops_core.loader import reset_sequences
from revops_core.schema import SCHEMA_VERSION, audit_log, ensure_schema, schema_meta, stored_version
from tests.conftest import _pg_engine

DUPLICATE = "ix_touchpoints_lead_id_ts"


def _set_version(engine: Engine, version: int) -> None:
    with engine.begin() as conn:
        conn.execute(schema_meta.update().where(schema_meta.c.key == "schema_version").values(value=str(version)))


def _touchpoint_indexes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {str(i["name"]) for i in sa.inspect(conn).get_indexes("touchpoints")}


@pytest.mark.parametrize("had_index", [True, False], ids=["with the index", "without it"])
def test_a_version_2_database_loses_the_duplicate_touchpoint_index(engine: Engine, had_index: bool) -> None:
    if engine.dialect.name == "duckdb":
        pytest.skip("DuckDB databases start at version 3")
    if had_index:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE INDEX {DUPLICATE} ON touchpoints (lead_id, ts)"))
        assert DUPLICATE in _touchpoint_indexes(engine)
    _set_version(engine, 2)
    assert ensure_schema(engine) == SCHEMA_VERSION == 5
    assert DUPLICATE not in _touchpoint_indexes(engine)
    _set_version(engine, 2)                      # the step runs again on a database without it
    ensure_schema(engine)
    with engine.connect() as conn:
        assert stored_version(conn) == 5


def test_a_new_schema_has_no_duplicate_touchpoint_index(engine: Engine) -> None:
    if engine.dialect.name == "duckdb":
        pytest.skip("no reflection of indexes on DuckDB")
    assert DUPLICATE not in _touchpoint_indexes(engine)


@pytest.fixture
def pg_before_sequences() -> Iterator[Engine]:
    """A PostgreSQL schema at version 2 made before named sequences: SERIAL ids, one audit entry."""
    for eng in _pg_engine():
        with eng.begin() as conn:
            conn.execute(sa.text("CREATE TABLE audit_log (entry_id SERIAL PRIMARY KEY, at TIMESTAMP NOT NULL, "
                                 "username VARCHAR(120) NOT NULL, action VARCHAR(60) NOT NULL, detail TEXT, "
                                 "client VARCHAR(64))"))
            conn.execute(sa.text("INSERT INTO audit_log (at, username, action) VALUES ('2026-01-01', 'a', 'x')"))
            schema_meta.create(conn)
            conn.execute(schema_meta.insert().values(key="schema_version", value="2"))
        yield eng


def test_a_postgresql_database_with_serial_ids_keeps_inserting(pg_before_sequences: Engine) -> None:
    eng = pg_before_sequences
    assert ensure_schema(eng) == SCHEMA_VERSION == 5
    with eng.begin() as conn:
        new = conn.execute(audit_log.insert().values(at=datetime(2026, 1, 2), username="b", action="y")
                           .returning(audit_log.c.entry_id)).scalar_one()
        raw = conn.execute(sa.text("INSERT INTO audit_log (at, username, action) VALUES ('2026-01-03', 'c', 'z') "
                                   "RETURNING entry_id")).scalar_one()
    assert (new, raw) == (2, 3)


def test_a_restore_moves_the_sequence_past_the_restored_ids(engine: Engine) -> None:
    rows = [{"entry_id": i, "at": datetime(2026, 1, i), "username": "u", "action": "x"} for i in (1, 2, 7)]
    with engine.begin() as conn:
        conn.execute(audit_log.insert(), rows)
        reset_sequences(conn, [audit_log])
    with engine.begin() as conn:
        new = conn.execute(audit_log.insert().values(at=datetime(2026, 2, 1), username="v", action="y")
                           .returning(audit_log.c.entry_id)).scalar_one()
    assert new == 8


def test_a_version_4_database_gets_lead_months_and_a_covering_lead_index(engine: Engine) -> None:
    """Version 4 -> 5 fills ``lead_months`` from the leads held (current, so the scorecard reads it)
    and, on PostgreSQL, makes ``ix_leads_dealer_id_created_at`` cover the response time and journey."""
    from revops_core.queries.summary_state import summary_current
    from revops_core.schema import lead_months
    from tests.factories import write

    write(engine, dealers=[{"dealer_id": "D1"}],
          leads=[{"lead_id": f"L{i}", "dealer_id": "D1", "created_at": datetime(2026, 3, i + 1)} for i in range(3)])
    with engine.begin() as conn:
        conn.execute(lead_months.delete())
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("DROP INDEX ix_leads_dealer_id_created_at"))
            conn.execute(sa.text("CREATE INDEX ix_leads_dealer_id_created_at ON leads (dealer_id, created_at)"))
    _set_version(engine, 4)
    assert ensure_schema(engine) == 5
    with engine.connect() as conn:
        assert summary_current(conn, lead_months)
        assert conn.execute(sa.select(lead_months.c.dealer_id, lead_months.c.leads)).all() == [("D1", 3)]
        if engine.dialect.name == "postgresql":
            definition = conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                                              "AND indexname = "
                                              "'ix_leads_dealer_id_created_at'")).scalar_one()
            assert definition.endswith("(dealer_id, created_at) INCLUDE (first_response_at, journey)")
