"""Operating cadence (issue 3), on tiny hand-made datasets, SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from tests.factories import write

from revops_core.queries.cadence import ECO_QUEUE_COLUMNS, open_eco_queue
from revops_core.queries.common import EVERYTHING, Scope

D = date(2025, 6, 15)

ACCOUNTS = [
    {"account_id": "oem", "name": "Volta Motors", "segment": "OEM"},
    {"account_id": "t1", "name": "Tier Parts", "segment": "TIER1", "dealer_group": "G2"},
]
PRODUCTS = [{"product_id": "p1"}]
AWARDS = [
    {"award_id": "a1", "account_id": "oem", "product_id": "p1", "platform": "EVX"},
    {"award_id": "a2", "account_id": "t1", "product_id": "p1", "platform": "MQB"},
]


def eco(eco_id: str, award_id: str, requested: date, status: str = "REQUESTED",
        decided: date | None = None, delta: float = 0.0) -> dict[str, Any]:
    return {"eco_id": eco_id, "award_id": award_id, "requested_date": requested, "status": status,
            "decided_date": decided, "revenue_delta": delta}


ECOS = [
    eco("e1", "a1", date(2025, 6, 1), delta=10.0),                    # open, age 14
    eco("e2", "a2", date(2025, 1, 15), "NEGOTIATING", delta=20.0),    # open, age 151 (16+28+31+30+31+15)
    eco("e3", "a1", date(2025, 6, 15)),                               # requested on D: open, age 0
    eco("e4", "a1", date(2025, 6, 16)),                               # requested after D: out
    eco("e5", "a1", date(2025, 3, 1), "APPROVED", date(2025, 4, 1)),  # decided: out
    eco("e6", "a1", date(2025, 3, 1), "REJECTED", date(2025, 4, 1)),  # decided: out
    eco("e7", "a2", date(2025, 5, 1), "NEGOTIATING", date(2025, 6, 10)),  # decided by D: out
    eco("e8", "a2", date(2025, 5, 1), "NEGOTIATING", date(2025, 6, 20)),  # decided after D: open, age 45
]


def _write_ecos(engine: Engine) -> None:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, platform_awards=AWARDS, ecos=ECOS)


def test_open_eco_queue_ages_and_order(engine: Engine) -> None:
    _write_ecos(engine)
    with engine.connect() as conn:
        q = open_eco_queue(conn, D, EVERYTHING)
    assert tuple(q.columns) == ECO_QUEUE_COLUMNS
    # oldest first: e2 (2025-01-15), e8 (2025-05-01), e1 (2025-06-01), e3 (2025-06-15)
    assert list(q["eco_id"]) == ["e2", "e8", "e1", "e3"]
    assert list(q["age_days"]) == [151, 45, 14, 0]
    assert list(q["account"]) == ["Tier Parts", "Tier Parts", "Volta Motors", "Volta Motors"]
    assert list(q["platform"]) == ["MQB", "MQB", "EVX", "EVX"]
    assert list(q["status"]) == ["NEGOTIATING", "NEGOTIATING", "REQUESTED", "REQUESTED"]
    assert list(q["revenue_delta"]) == [20.0, 0.0, 10.0, 0.0]
    assert q["requested_date"].iloc[0] == date(2025, 1, 15)


def test_open_eco_queue_limit_and_scope(engine: Engine) -> None:
    _write_ecos(engine)
    with engine.connect() as conn:
        assert list(open_eco_queue(conn, D, EVERYTHING, limit=2)["eco_id"]) == ["e2", "e8"]
        # scope G2 sees only the Tier Parts award (a2)
        assert list(open_eco_queue(conn, D, Scope(frozenset({"G2"})))["eco_id"]) == ["e2", "e8"]
        # before anything was requested the queue is empty, with the same columns
        empty = open_eco_queue(conn, date(2024, 1, 1), EVERYTHING)
    assert empty.empty and tuple(empty.columns) == ECO_QUEUE_COLUMNS
