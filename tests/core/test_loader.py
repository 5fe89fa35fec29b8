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
