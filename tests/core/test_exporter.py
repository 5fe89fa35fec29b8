"""Export: the inverse of import, byte for byte, on SQLite and PostgreSQL.

The round trip: seed the small sample company, export (a complete backup: contract CSVs, the
product's tables, the manifest), import into a fresh database (a restore), export again; the two
folders must be byte-identical, and their contract CSVs identical to an export from SQLite. The
contract CSVs alone still import as plain contract files.
"""
from __future__ import annotations

import filecmp
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revops_core import exporter
from revops_core.contract import DATASETS
from revops_core.db import make_engine
from revops_core.exporter import export_folder, format_value
from revops_core.importer import import_folder
from revops_core.loader import write_datasets
from tests.core.test_importer import fingerprint
from tests.factories import write

TAKEN_AT = datetime(2026, 11, 1)


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    from sample_data.generator import generate

    return generate(seed=42, scale="small")


@pytest.fixture(scope="module")
def reference_export(sample_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sample company exported once from the session's seeded SQLite database."""
    folder = tmp_path_factory.mktemp("reference")
    export_folder(sample_engine, folder)
    return folder


@contextmanager
def fresh_like(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A second, empty database on the same backend as ``engine``."""
    if engine.dialect.name == "sqlite":
        other = make_engine(f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:6]}.db'}")
        yield other
        other.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
    other = make_engine(url.render_as_string(hide_password=False))
    try:
        yield other
    finally:
        other.dispose()
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def same_files(a: Path, b: Path, pattern: str = "*") -> list[str]:
    """Names of the files (matching ``pattern``) that differ (or are missing) between folders ``a`` and ``b``."""
    names = sorted({p.name for p in a.glob(pattern)} | {p.name for p in b.glob(pattern)})
    return [n for n in names if not (a / n).exists() or not (b / n).exists()
            or not filecmp.cmp(a / n, b / n, shallow=False)]


@pytest.mark.parametrize(("value", "text"), [
    (None, ""),
    (True, "true"),
    (False, "false"),
    (date(2025, 3, 4), "2025-03-04"),
    (datetime(2025, 3, 4, 5, 6, 7), "2025-03-04T05:06:07"),
    (datetime(2025, 3, 4, 5, 6, 7, 890), "2025-03-04T05:06:07.000890"),
    (0.1, "0.1"),
    (250.0, "250.0"),
    (1e16, "1e+16"),
    (-0.0, "-0.0"),
    (7, "7"),
    ("2025Q1", "2025Q1"),
    ("a, \"b\"", "a, \"b\""),
])
def test_format_value(value: object, text: str) -> None:
    assert format_value(value) == text


def test_round_trip_is_byte_identical(engine: Engine, tmp_path: Path, sample: dict[str, pd.DataFrame],
                                      reference_export: Path) -> None:
    write_datasets(engine, sample, source="seed", taken_at=TAKEN_AT)
    first = export_folder(engine, tmp_path / "first")
    assert {name: first[name] for name in sample} == {name: len(frame) for name, frame in sample.items()}
    assert first["pipeline_snapshots"] == 1 and (tmp_path / "first" / "manifest.json").exists()
    with fresh_like(engine, tmp_path) as other:
        report = import_folder(other, tmp_path / "first", taken_at=TAKEN_AT)
        assert report.backup and report.counts == first and report.warnings == ()
        assert fingerprint(other) == fingerprint(engine)    # every dataset row for row, the snapshot, the versions
        assert export_folder(other, tmp_path / "second") == first
    assert same_files(tmp_path / "first", tmp_path / "second") == []
    assert same_files(tmp_path / "first", reference_export, "*.csv") == []   # the same CSVs on every backend


def test_the_exported_csvs_alone_import_as_contract_files(engine: Engine, tmp_path: Path,
                                                          sample: dict[str, pd.DataFrame]) -> None:
    write_datasets(engine, sample, source="seed", taken_at=TAKEN_AT)
    export_folder(engine, tmp_path / "first")
    (tmp_path / "first" / "manifest.json").unlink()
    with fresh_like(engine, tmp_path) as other:
        report = import_folder(other, tmp_path / "first", taken_at=TAKEN_AT)
        assert not report.backup and report.counts == {ds.name: len(sample[ds.name]) for ds in DATASETS}
        assert fingerprint(other)[:-2] == fingerprint(engine)[:-2]
        export_folder(other, tmp_path / "second")
    assert same_files(tmp_path / "first", tmp_path / "second", "*.csv") == []


def test_small_chunks_give_the_same_files(engine: Engine, tmp_path: Path, sample: dict[str, pd.DataFrame],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write_datasets(engine, {k: sample[k] for k in ("accounts", "products", "opportunities")}, taken_at=TAKEN_AT)
    export_folder(engine, tmp_path / "big")
    monkeypatch.setattr(exporter, "CHUNK_ROWS", 7)
    export_folder(engine, tmp_path / "small")
    assert same_files(tmp_path / "big", tmp_path / "small") == []


def test_rows_sorted_by_key_in_byte_order_blanks_first(engine: Engine, tmp_path: Path) -> None:
    write(engine, accounts=[{"account_id": "b1"}, {"account_id": "B2"}, {"account_id": "a-3"}],
          revenue=[{"account_id": "b1", "award_id": "AW1", "period": "2025-01", "amount": 1.0},
                   {"account_id": "b1", "period": "2025-01", "amount": 2.0}],
          platform_awards=[{"award_id": "AW1", "account_id": "b1", "product_id": "P1"}],
          products=[{"product_id": "P1"}])
    export_folder(engine, tmp_path / "out")
    accounts = (tmp_path / "out" / "accounts.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in accounts] == ["account_id", "B2", "a-3", "b1"]
    revenue = (tmp_path / "out" / "revenue.csv").read_text(encoding="utf-8").splitlines()
    assert revenue[1:] == ["b1,,2025-01,HARDWARE,2.0", "b1,AW1,2025-01,HARDWARE,1.0"]


def test_awkward_text_and_numbers_round_trip(engine: Engine, tmp_path: Path) -> None:
    write(engine, accounts=[{"account_id": "A1", "name": 'Müller, "Söhne"\nGmbH', "country": "  padded  ",
                             "eu_oem": True}],
          dealers=[{"dealer_id": "D1", "name": "日本 Motors", "salespeople": 2_147_483_647}],
          leads=[{"lead_id": "L1", "dealer_id": "D1", "created_at": datetime(2025, 1, 1, 8, 0, 0, 123456),
                  "sold_at": datetime(2025, 1, 2, 9, 0), "sold_revenue": 0.1 + 0.2}])
    export_folder(engine, tmp_path / "first")
    with fresh_like(engine, tmp_path) as other:
        import_folder(other, tmp_path / "first", taken_at=TAKEN_AT)
        export_folder(other, tmp_path / "second")
        assert fingerprint(other)[:-2] == fingerprint(engine)[:-2]
    assert same_files(tmp_path / "first", tmp_path / "second") == []
    assert "0.30000000000000004" in (tmp_path / "first" / "leads.csv").read_text(encoding="utf-8")


def test_empty_database_exports_headers_that_import_back(engine: Engine, tmp_path: Path) -> None:
    counts = export_folder(engine, tmp_path / "out")
    assert set(counts.values()) == {0} and list(counts)[:len(DATASETS)] == [ds.name for ds in DATASETS]
    assert (tmp_path / "out" / "quotas.csv").read_text(encoding="utf-8") == "segment,period,amount\n"
    report = import_folder(engine, tmp_path / "out", taken_at=TAKEN_AT)
    assert set(report.counts.values()) == {0} and report.emptied == ()


@pytest.mark.parametrize(("cells", "line"), [
    (["a", None, 1.5, True], "a,,1.5,true\n"),
    (['say "hi"', "a,b"], '"say ""hi""","a,b"\n'),
    (["cr\ronly", "lf\nonly"], '"cr\ronly","lf\nonly"\n'),
    ([" padded "], " padded \n"),
])
def test_csv_line_quotes_only_what_needs_it(cells: list[object], line: str) -> None:
    assert exporter.csv_line(cells) == line
