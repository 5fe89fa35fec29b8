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
            "WHERE schemaname = current_schema() AND relname IN ('dealers', 'leads', 'touchpoints')")).all())
        tuples = conn.execute(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'leads'::regclass")).scalar_one()
    assert analyzed == {"dealers": True, "leads": True, "touchpoints": False}  # touchpoints: nothing written
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
