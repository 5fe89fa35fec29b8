"""A complete backup: every table with a manifest; a restore gives back the database exactly.

Round trips run on SQLite and PostgreSQL (and across them); the manifest's checks (newer schema,
changed or missing files, append mode) refuse a restore and write nothing; a table added to the
schema later is in the backup without any change to the backup code.
"""
from __future__ import annotations

import io
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revops_core import backup
from revops_core.contract import DATASET_BY_NAME
from revops_core.db import make_engine
from revops_core.errors import ImportRejected
from revops_core.exporter import export_folder, export_zip
from revops_core.importer import FolderRejected, check_folder, import_folder
from revops_core.loader import write_datasets
from revops_core.queries.common import latest_activity_date
from revops_core.schema import SCHEMA_VERSION, ensure_schema, forecast_submissions, metadata
from revops_core.uploads import stage
from tests.conftest import require_pg
from tests.core.test_exporter import fresh_like, same_files
from tests.core.test_importer import fingerprint
from tests.factories import write

TAKEN_AT = datetime(2026, 6, 30, 18, 0)


# ---- helpers ----------------------------------------------------------------------------------------
def _value(col: sa.Column, i: int, firsts: dict[str, dict[str, object]]) -> object:
    """A value for any column: the parent's key for a foreign key, else one of the column's type."""
    if col.foreign_keys:
        target = next(iter(col.foreign_keys)).column
        return firsts[target.table.name][target.name]
    kind = col.type
    if col.nullable and i == 1:
        return None                                   # blank
    if isinstance(kind, sa.Boolean):
        return i % 2 == 0
    if isinstance(kind, sa.Integer):
        return 100 + i
    if isinstance(kind, sa.Float):
        return 0.1 * (i + 1) + 0.2                     # no short decimal: must come back bit for bit
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 3, 1, 9, 30, 15, 123456 if i == 2 else 0)
    if isinstance(kind, sa.Date):
        return date(2026, 3, 1 + i)
    text = "" if col.nullable and i == 2 else f'{i} Zoë "{col.name}", ✓\n'   # blank text, not missing
    return text[:getattr(kind, "length", None) or 200]


def fill_product_tables(engine: Engine, rows: int = 3) -> None:
    """Three rows in every product table (whatever tables the schema has), parents first."""
    firsts: dict[str, dict[str, object]] = {}
    with engine.begin() as conn:
        for table in backup.product_tables():
            for i in range(rows):
                row = {c.name: _value(c, i, firsts) for c in table.columns}
                conn.execute(table.insert().values(**row))
                firsts.setdefault(table.name, row)


def contents(engine: Engine) -> dict[str, list[str]]:
    """Every row of every backed-up table (a dataset's surrogate row id aside), sorted."""
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in backup.backup_tables():
            keep = DATASET_BY_NAME[table.name].column_names if table.name in DATASET_BY_NAME else table.columns.keys()
            rows = conn.execute(sa.select(*[table.c[c] for c in keep])).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


@pytest.fixture(scope="module")
def sample() -> dict:
    from sample_data.generator import generate

    return generate(seed=42, scale="small")


def seeded(engine: Engine, sample: dict) -> Engine:
    write_datasets(engine, sample, source="seed", taken_at=TAKEN_AT)
    fill_product_tables(engine)
    return engine


def sqlite_backup(tmp_path: Path, sample: dict) -> Path:
    """A backup of the seeded sample (with product rows) made from a SQLite database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    ensure_schema(engine)
    export_folder(seeded(engine, sample), tmp_path / "backup")
    engine.dispose()
    return tmp_path / "backup"


def manifest(folder: Path) -> dict:
    return json.loads((folder / backup.MANIFEST).read_text(encoding="utf-8"))


def rewrite_manifest(folder: Path, body: dict) -> None:
    (folder / backup.MANIFEST).write_text(json.dumps(body), encoding="utf-8")


# ---- the round trip -----------------------------------------------------------------------------------
def test_every_table_of_the_schema_is_in_the_backup() -> None:
    assert {t.name for t in backup.backup_tables()} == set(metadata.tables) - set(backup.EXCLUDED)
    # schema_meta and the summaries, which every restore rebuilds from the restored datasets
    assert set(backup.EXCLUDED) == {"schema_meta", "summary_state", "sold_lead_facts", "markov_transition_months",
                                    "credit_months", "lead_months"}
    assert {"saved_scenarios", "forecast_submissions", "forecast_locks", "pipeline_snapshots", "users",
            "audit_log", "maturity_assessments"} <= {t.name for t in backup.backup_tables()}


def test_export_then_import_into_an_empty_database_equals_the_original(engine: Engine, tmp_path: Path,
                                                                        sample: dict) -> None:
    before = contents(seeded(engine, sample))
    counts = export_folder(engine, tmp_path / "first")
    assert counts == {name: len(rows) for name, rows in before.items()}
    with engine.connect() as conn:
        as_of = latest_activity_date(conn)
    body = manifest(tmp_path / "first")
    assert (body["format"], body["schema_version"], body["as_of"]) == ("autorevops-backup", SCHEMA_VERSION,
                                                                         as_of.isoformat())
    assert {e["table"]: e["rows"] for e in body["files"].values()} == counts
    with fresh_like(engine, tmp_path) as other:
        report = import_folder(other, tmp_path / "first")
        assert report.backup and report.warnings == () and report.counts == counts
        assert contents(other) == before
        export_folder(other, tmp_path / "second")
    assert same_files(tmp_path / "first", tmp_path / "second") == []


def test_new_rows_after_a_restore_get_fresh_ids(engine: Engine, tmp_path: Path, sample: dict) -> None:
    export_folder(seeded(engine, sample), tmp_path / "backup")
    with fresh_like(engine, tmp_path) as other:
        import_folder(other, tmp_path / "backup")
        with other.begin() as conn:
            new = conn.execute(forecast_submissions.insert().values(
                segment="OEM", quarter="2026Q3", submitted_by="ava", submitted_on=date(2026, 7, 1),
                commit_amount=1.0, best_case_amount=2.0).returning(forecast_submissions.c.submission_id)).scalar_one()
    assert new == 103          # after the restored ids 100, 101, 102


def test_a_restore_replaces_what_the_database_held(engine: Engine, tmp_path: Path, sample: dict) -> None:
    before = contents(seeded(engine, sample))
    export_folder(engine, tmp_path / "backup")
    write(engine, dealers=[{"dealer_id": "OTHER"}])
    with engine.begin() as conn:
        conn.execute(forecast_submissions.delete())
    import_folder(engine, tmp_path / "backup")
    assert contents(engine) == before


def test_a_sqlite_backup_restores_on_postgresql_to_the_same_files(tmp_path: Path, sample: dict) -> None:
    require_pg()
    from tests.conftest import _pg_engine

    folder = sqlite_backup(tmp_path, sample)
    for pg in _pg_engine():
        report = import_folder(pg, folder)
        assert report.backup
        export_folder(pg, tmp_path / "from_pg")
    assert same_files(folder, tmp_path / "from_pg") == []


def test_the_backup_zip_restores_through_the_upload_staging(tmp_path: Path, sample: dict) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    ensure_schema(engine)
    before = contents(seeded(engine, sample))
    archive = io.BytesIO()
    export_zip(engine, archive, exported_at=datetime(2026, 7, 1, 8, 0))
    (tmp_path / "staged").mkdir()
    staged = stage([("autorevops-backup.zip", archive.getvalue())], tmp_path / "staged")
    assert staged.problems == () and staged.warnings == ()
    assert len(staged.datasets) == len(DATASET_BY_NAME) and backup.MANIFEST in staged.backup_files
    target = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    import_folder(target, tmp_path / "staged")
    assert contents(target) == before
    assert manifest(tmp_path / "staged")["exported_at"] == "2026-07-01T08:00:00"


# ---- refusals: nothing is written -------------------------------------------------------------------
@pytest.fixture
def made(tmp_path: Path, sample: dict) -> tuple[Path, Engine, tuple[object, ...]]:
    """A SQLite backup, and a second database (with other data) that no refused restore may change."""
    folder = sqlite_backup(tmp_path, sample)
    target = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    write(target, dealers=[{"dealer_id": "D1"}])
    return folder, target, fingerprint(target)


def _refused(folder: Path, engine: Engine, mode: str = "replace") -> list[str]:
    with pytest.raises(FolderRejected) as planned:
        check_folder(engine, folder, mode)
    with pytest.raises(FolderRejected) as imported:
        import_folder(engine, folder, mode)
    assert planned.value.problems == imported.value.problems
    return imported.value.problems


def test_a_newer_schema_version_is_refused(made: tuple[Path, Engine, tuple[object, ...]]) -> None:
    folder, target, before = made
    rewrite_manifest(folder, {**manifest(folder), "schema_version": SCHEMA_VERSION + 1})
    assert _refused(folder, target) == [
        f"manifest.json: the backup has schema version {SCHEMA_VERSION + 1}, newer than this AutoRevOps understands "
        f"({SCHEMA_VERSION}); update AutoRevOps, then restore it"]
    assert fingerprint(target) == before


@pytest.mark.parametrize(("change", "problem"), [
    ("edit", "dealers.csv: the file changed since the backup was made (its checksum differs from manifest.json); "
             "restore the unchanged file, or remove manifest.json to import the CSV files as contract files"),
    ("delete", "audit_log.jsonl: listed in manifest.json but missing; restore the backup with every file"),
    ("garble", "manifest.json: not readable JSON"),
    ("foreign", "manifest.json: not an AutoRevOps backup manifest"),
])
def test_a_changed_backup_is_refused(made: tuple[Path, Engine, tuple[object, ...]], change: str,
                                     problem: str) -> None:
    folder, target, before = made
    if change == "edit":
        (folder / "dealers.csv").write_text((folder / "dealers.csv").read_text(encoding="utf-8") + "\n",
                                            encoding="utf-8")
    elif change == "delete":
        (folder / "audit_log.jsonl").unlink()
    elif change == "garble":
        (folder / backup.MANIFEST).write_text("{not json", encoding="utf-8")
    else:
        rewrite_manifest(folder, {"format": "something else"})
    assert _refused(folder, target)[0].startswith(problem)
    assert fingerprint(target) == before


def test_a_backup_restores_in_replace_mode_only(made: tuple[Path, Engine, tuple[object, ...]]) -> None:
    folder, target, before = made
    assert _refused(folder, target, "append") == [
        "manifest.json: a backup restores every table and is imported in replace mode only; choose replace, or "
        "remove manifest.json to append its CSV files"]
    assert fingerprint(target) == before


def test_a_bad_row_of_a_product_table_is_named(made: tuple[Path, Engine, tuple[object, ...]]) -> None:
    folder, target, before = made
    path = folder / "forecast_locks.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"locked_on": "2026-03-02"', '"locked_on": "soon"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    body = manifest(folder)
    body["files"]["forecast_locks.jsonl"]["sha256"] = backup.sha256_of(path)
    rewrite_manifest(folder, body)
    assert _refused(folder, target) == [
        "forecast_locks.jsonl, row 2, column locked_on: Invalid isoformat string: 'soon'"]
    assert fingerprint(target) == before


def test_an_older_backup_without_a_table_empties_it(made: tuple[Path, Engine, tuple[object, ...]]) -> None:
    folder, target, _ = made
    body = manifest(folder)
    del body["files"]["saved_scenarios.jsonl"]
    rewrite_manifest(folder, {**body, "schema_version": 1})
    (folder / "saved_scenarios.jsonl").unlink()
    report = import_folder(target, folder)
    assert report.warnings == ("saved_scenarios.jsonl is not in the backup (schema version 1): saved_scenarios "
                               "becomes empty",)
    assert report.counts["saved_scenarios"] == 0 and report.counts["forecast_locks"] == 3


def test_a_table_added_to_the_schema_is_backed_up_without_a_change(tmp_path: Path) -> None:
    extra = sa.Table("test_share_links", metadata, sa.Column("token", sa.String(40), primary_key=True),
                     sa.Column("scenario", sa.String(120), nullable=False), sa.Column("expires", sa.Date))
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
        ensure_schema(engine)
        with engine.begin() as conn:
            conn.execute(extra.insert(), [{"token": "t1", "scenario": "EV 50%", "expires": date(2026, 9, 1)},
                                          {"token": "t2", "scenario": "EV 70%", "expires": None}])
        counts = export_folder(engine, tmp_path / "backup")
        assert counts["test_share_links"] == 2 and (tmp_path / "backup" / "test_share_links.jsonl").exists()
        other = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
        import_folder(other, tmp_path / "backup")
        with other.connect() as conn:
            assert conn.execute(sa.select(extra).order_by(extra.c.token)).all() == [
                ("t1", "EV 50%", date(2026, 9, 1)), ("t2", "EV 70%", None)]
    finally:
        metadata.remove(extra)


def test_a_backup_folder_without_its_manifest_imports_as_contract_files(tmp_path: Path, sample: dict) -> None:
    folder = sqlite_backup(tmp_path, sample)
    (folder / backup.MANIFEST).unlink()
    engine = make_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    report = import_folder(engine, folder, taken_at=TAKEN_AT)
    assert not report.backup and report.counts["opportunities"] == len(sample["opportunities"])
    assert "audit_log.jsonl: not a contract file; ignored (a backup's file: it is restored only with the backup's " \
           "manifest.json and every file it lists)" in report.warnings


# ---- what the database holds ------------------------------------------------------------------------------
def test_inventory_counts_rows_and_names_the_latest_date(engine: Engine) -> None:
    write(engine, accounts=[{"account_id": "A1"}],
          opportunities=[{"opportunity_id": "O1", "account_id": "A1", "created_date": date(2026, 5, 4)},
                         {"opportunity_id": "O2", "account_id": "A1", "created_date": date(2026, 6, 1),
                          "close_date": date(2026, 12, 31)}],
          dealers=[{"dealer_id": "D1"}],
          leads=[{"lead_id": "L1", "dealer_id": "D1", "created_at": datetime(2026, 6, 29, 23, 59)}],
          quotas=[{"segment": "OEM", "period": "2026Q3", "amount": 1.0}])
    with engine.connect() as conn:
        found = {s.name: (s.rows, s.latest) for s in backup.inventory(conn)}
        products = backup.table_counts(conn)
    assert found["accounts"] == (1, None)                     # no date: freshness does not apply
    assert found["opportunities"] == (2, "1 Jun 2026")        # the latest created, not the expected close
    assert found["leads"] == (1, "29 Jun 2026") and found["quotas"] == (1, "2026Q3")
    assert found["touchpoints"] == (0, None)
    assert products["pipeline_snapshots"] == 1 and set(products) == {t.name for t in backup.product_tables()}


def test_copying_a_backup_keeps_it_restorable(tmp_path: Path, sample: dict) -> None:
    folder = sqlite_backup(tmp_path, sample)
    shutil.copytree(folder, tmp_path / "copy")
    assert check_folder(make_engine(f"sqlite:///{tmp_path / 'x.db'}"), tmp_path / "copy").backup


def test_a_rejected_restore_raises_import_rejected(made: tuple[Path, Engine, tuple[object, ...]]) -> None:
    folder, target, _ = made
    (folder / "leads.csv").unlink()
    with pytest.raises(ImportRejected):
        import_folder(target, folder)
