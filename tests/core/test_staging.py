"""DuckDB loads stage their rows (``loader.Staging``): each checked chunk is committed into a
``_load_<dataset>`` table, and the datasets change in one transaction at the end, so a load stays
all or nothing while DuckDB's memory does not grow with the files (measured in benchmarks/)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revops_core.contract import load_order
from revops_core.db import make_engine
from revops_core.errors import ImportRejected
from revops_core.importer import import_folder
from revops_core.loader import STAGING_PREFIX, DanglingRows, Staging, staged
from revops_core.schema import TABLES, ensure_schema
from tests.core.test_importer import GOOD, edit, fingerprint, write_folder
from tests.factories import frame, write

TAKEN_AT = datetime(2025, 1, 1)


@pytest.fixture
def duck(tmp_path: Path) -> Engine:
    engine = make_engine(f"duckdb:///{tmp_path / 'staged.duckdb'}")
    ensure_schema(engine)
    return engine


def staging_tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
    return sorted(n for n in names if n.startswith(STAGING_PREFIX))


def count(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(TABLES[name])).scalar_one())


def test_an_import_lands_every_row_and_leaves_no_staging_table(duck: Engine, tmp_path: Path) -> None:
    report = import_folder(duck, write_folder(tmp_path / "in", GOOD), taken_at=TAKEN_AT)
    assert report.counts == {name: text.count("\n") - 1 for name, text in GOOD.items()}
    assert {name: count(duck, name) for name in GOOD} == report.counts
    assert staging_tables(duck) == []


def test_a_rejected_import_changes_nothing_and_leaves_no_staging_table(duck: Engine, tmp_path: Path) -> None:
    import_folder(duck, write_folder(tmp_path / "first", GOOD), taken_at=TAKEN_AT)
    before = fingerprint(duck)
    last = [ds.name for ds in load_order() if ds.name in GOOD][-1]  # the others are staged before it is read
    bad = edit(GOOD, last, 2, GOOD[last].splitlines()[0].split(",")[0], "")
    with pytest.raises(ImportRejected) as info:
        import_folder(duck, write_folder(tmp_path / "bad", bad), taken_at=TAKEN_AT)
    assert any(p.startswith(f"{last}.csv, row 2, column ") for p in info.value.problems), info.value.problems
    assert fingerprint(duck) == before
    assert staging_tables(duck) == []


def test_dangling_rows_found_at_the_end_roll_the_load_back(duck: Engine) -> None:
    write(duck, dealers=[{"dealer_id": "D1"}], leads=[{"lead_id": "L1", "dealer_id": "D1",
                                                       "created_at": datetime(2026, 1, 1)}])
    with pytest.raises(DanglingRows, match="leads"), staged(duck) as stage:
        stage.write("leads", frame("leads", [{"lead_id": "L2", "dealer_id": "NOPE",
                                              "created_at": datetime(2026, 1, 2)}]))
        stage.load("replace", "import", TAKEN_AT)
    assert (count(duck, "dealers"), count(duck, "leads")) == (1, 1)  # the earlier load, untouched
    assert staging_tables(duck) == []


def test_staging_left_by_a_dead_process_never_reaches_the_datasets(duck: Engine) -> None:
    with duck.connect() as conn:  # a load that died after staging some rows
        stage = Staging(conn)
        stage.write("dealers", frame("dealers", [{"dealer_id": "GHOST"}]))
    assert staging_tables(duck) == [f"{STAGING_PREFIX}dealers"]
    write(duck, dealers=[{"dealer_id": "D1"}])
    with duck.connect() as conn:
        ids = conn.execute(sa.select(TABLES["dealers"].c.dealer_id)).scalars().all()
    assert ids == ["D1"] and staging_tables(duck) == []


def test_staged_chunks_are_committed_as_they_come(duck: Engine, tmp_path: Path) -> None:
    """What bounds the memory: a chunk is committed before the next is read, so another connection
    sees the staged rows while the load is still running (and the datasets still as they were)."""
    seen: list[tuple[int, int]] = []
    with staged(duck) as stage:
        stage.write("dealers", frame("dealers", [{"dealer_id": f"D{i}"} for i in range(3)]))
        with duck.connect() as other:
            staged_rows = other.execute(sa.text(f"SELECT count(*) FROM {STAGING_PREFIX}dealers")).scalar_one()
            seen.append((int(staged_rows), count(duck, "dealers")))
        stage.load("replace", "import", TAKEN_AT)
    assert seen == [(3, 0)]
    assert count(duck, "dealers") == 3


def test_two_loads_at_once_in_one_process_do_not_mix(duck: Engine) -> None:
    """Two sessions importing at the same moment: the staged loads run one after the other, and the
    datasets end as one of them wrote them, never a mix of both."""
    import threading

    failures: list[BaseException] = []

    def load(prefix: str) -> None:
        try:
            write(duck, dealers=[{"dealer_id": f"{prefix}{i}"} for i in range(50)])
        except BaseException as exc:  # noqa: BLE001 - a failed load is what this test must not see
            failures.append(exc)

    threads = [threading.Thread(target=load, args=(p,)) for p in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with duck.connect() as conn:
        ids = conn.execute(sa.select(TABLES["dealers"].c.dealer_id)).scalars().all()
    assert not failures, failures   # both loads succeeded (the checkpoint after one may meet the other)
    assert len(ids) == 50 and len({i[0] for i in ids}) == 1
    assert staging_tables(duck) == []
