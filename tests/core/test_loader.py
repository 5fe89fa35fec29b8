"""The loader refreshes planner statistics after a load (PostgreSQL: ANALYZE per written table)."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.factories import write


def test_written_tables_are_analyzed_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("ANALYZE statistics are a PostgreSQL catalogue")
    write(engine, dealers=[{"dealer_id": "D1"}],
          leads=[{"lead_id": f"L{i}", "dealer_id": "D1", "created_at": datetime(2026, 1, 1)} for i in range(3)])
    with engine.connect() as conn:
        analyzed = dict(conn.execute(sa.text(
            "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() AND relname IN ('dealers', 'leads', 'touchpoints', "
            "'lead_months')")).all())
        tuples = conn.execute(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'leads'::regclass")).scalar_one()
    # touchpoints: nothing written; the summaries: rebuilt by every load
    assert analyzed == {"dealers": True, "leads": True, "touchpoints": False, "lead_months": True}
    assert tuples == 3


def test_a_bulk_load_leaving_dangling_rows_is_rolled_back(engine: Engine) -> None:
    """SQLite checks foreign keys once at the end of a bulk load, PostgreSQL row by row: either way nothing stays."""
    from revops_core.loader import DanglingRows, bulk_transaction, insert_frame
    from revops_core.schema import TABLES
    from tests.factories import frame

    dangling = frame("leads", [{"lead_id": "L1", "dealer_id": "NOPE", "created_at": datetime(2026, 1, 1)}])
    refused = (DanglingRows, sa.exc.IntegrityError, engine.dialect.loaded_dbapi.Error)
    with pytest.raises(refused) as info, bulk_transaction(engine) as conn:
        insert_frame(conn, "leads", dangling)
    if engine.dialect.name == "sqlite":
        assert str(info.value) == "1 row(s) point at rows that do not exist (leads -> dealers)"
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(TABLES["leads"])).scalar_one() == 0
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:   # row-by-row checks are back
        conn.execute(TABLES["leads"].insert().values(lead_id="L2", dealer_id="NOPE", journey="FLEET",
                                                     source_channel="Web", created_at=datetime(2026, 1, 1)))


def test_a_replace_load_refused_by_the_database_keeps_the_rows_it_would_replace(engine: Engine) -> None:
    """Replace empties the datasets inside the load's transaction (PostgreSQL: one TRUNCATE; DuckDB:
    drop and create); a refusal rolls that back too, so the old rows are all still there."""
    from revops_core.loader import DanglingRows, bulk_transaction, insert_frame, start_load, write_datasets
    from revops_core.schema import TABLES
    from tests.factories import frame

    write_datasets(engine, {"dealers": frame("dealers", [{"dealer_id": "D1"}, {"dealer_id": "D2"}]),
                            "leads": frame("leads", [{"lead_id": "L1", "dealer_id": "D1",
                                                      "created_at": datetime(2026, 1, 1)}])})
    dangling = frame("leads", [{"lead_id": "L9", "dealer_id": "NOPE", "created_at": datetime(2026, 2, 1)}])
    with pytest.raises((DanglingRows, sa.exc.IntegrityError, engine.dialect.loaded_dbapi.Error)), \
            bulk_transaction(engine) as conn:
        start_load(conn, "replace")
        insert_frame(conn, "leads", dangling)
    with engine.connect() as conn:
        kept = {name: sorted(conn.execute(sa.select(TABLES[name].c[key])).scalars())
                for name, key in (("dealers", "dealer_id"), ("leads", "lead_id"))}
    assert kept == {"dealers": ["D1", "D2"], "leads": ["L1"]}


CATALOGUE = sa.text("""
SELECT t.relname || ': ' || pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
WHERE t.relnamespace = current_schema()::regnamespace
UNION ALL
SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relnamespace = current_schema()::regnamespace""")


def test_a_postgresql_replace_load_makes_every_key_index_and_reference_again(engine: Engine,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A replace load on PostgreSQL drops the emptied tables' keys, indexes and foreign keys while it
    copies (``loader._defer_indexes``) and makes them again before it commits: the catalogue is
    the same after a load, a summaries rebuild and a refused load."""
    if engine.dialect.name != "postgresql":
        pytest.skip("keys and indexes are dropped during a load on PostgreSQL only")
    from revops_core import loader, summaries

    monkeypatch.setattr(loader, "DEFER_INDEXES_ROWS", 1)   # these tiny loads count as large
    from revops_core.loader import bulk_transaction, insert_frame, start_load, write_datasets
    from tests.factories import frame

    def catalogue() -> list[str]:
        with engine.connect() as conn:
            return sorted(conn.execute(CATALOGUE).scalars())

    before = catalogue()
    assert sum("FOREIGN KEY" in d for d in before) >= 12 and sum("CREATE INDEX" in d for d in before) >= 5
    write_datasets(engine, {"dealers": frame("dealers", [{"dealer_id": "D1"}]),
                            "leads": frame("leads", [{"lead_id": "L1", "dealer_id": "D1",
                                                      "created_at": datetime(2026, 1, 1)}])})
    assert catalogue() == before
    with engine.begin() as conn:
        summaries.refresh(conn, "v-test")
    assert catalogue() == before
    with pytest.raises(sa.exc.IntegrityError), bulk_transaction(engine) as conn:
        start_load(conn, "replace", rows=1)     # deferred: the foreign key refuses when it is made again
        insert_frame(conn, "leads", frame("leads", [{"lead_id": "L2", "dealer_id": "NOPE",
                                                      "created_at": datetime(2026, 1, 1)}]))
    assert catalogue() == before
    with engine.connect() as conn:   # the refused load's drops were rolled back, not carried over
        assert conn.execute(sa.text("SELECT count(*) FROM leads")).scalar_one() == 1
