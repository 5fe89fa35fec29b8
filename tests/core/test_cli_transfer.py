"""``python -m revops_core import DIR`` / ``export DIR``: exit codes and what they print."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from revops_core import backup
from revops_core.cli import main
from revops_core.db import PROJECT_ROOT, make_engine
from tests.core.test_importer import GOOD, _workbook, edit, fingerprint, write_folder

CRM = Path(__file__).resolve().parents[1] / "fixtures" / "crm"


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_import_then_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = url(tmp_path / "app.db")
    assert main(["import", "--db", db, str(write_folder(tmp_path / "in", GOOD))]) == 0
    err = capsys.readouterr().err
    assert f"Imported (replace) 11 rows into {db}:" in err
    assert "  opportunities: 2 rows" in err
    assert "warning: no revenue.csv in the folder: revenue becomes empty (replace mode)" in err

    assert main(["export", "--db", db, str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    tables = len(backup.product_tables())
    assert f"Exported 11 rows of 16 datasets and 2 rows of {tables} product tables from {db} to {tmp_path / 'out'} " \
           "(manifest.json lists every file):" in err
    assert "  pipeline_snapshots: 1 rows" in err
    assert (tmp_path / "out" / "accounts.csv").read_text(encoding="utf-8") == GOOD["accounts"]
    assert json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["exported_at"]


def test_rejected_import_lists_every_problem_and_writes_nothing(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    db = url(tmp_path / "app.db")
    main(["import", "--db", db, str(write_folder(tmp_path / "good", GOOD))])
    before = fingerprint(make_engine(db))
    bad = edit(edit(GOOD, "opportunities", 2, "close_date", "2025-13-01"), "leads", 2, "journey", "MOON")
    folder = write_folder(tmp_path / "bad", bad)
    (folder / "notes.txt").write_text("ignored")
    capsys.readouterr()

    assert main(["import", "--db", db, str(folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "warning: notes.txt: not a contract file; ignored",
        "opportunities.csv, row 2, column close_date: '2025-13-01' is not a date; use YYYY-MM-DD",
        "leads.csv, row 2, column journey: 'MOON' is not an allowed value; use one of EV_LAUNCH, "
        "SERVICE_RETENTION, FLEET, CONQUEST, ACCESSORIES",
        "2 problem(s). Nothing was written.",
    ]
    assert fingerprint(make_engine(db)) == before


def test_missing_folder_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--db", url(tmp_path / "app.db"), str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().err.splitlines() == [f"{tmp_path / 'nowhere'}: no such folder",
                                                    "1 problem(s). Nothing was written."]


def test_append_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = url(tmp_path / "app.db")
    main(["import", "--db", db, str(write_folder(tmp_path / "good", GOOD))])
    more = {"dealers": GOOD["dealers"].replace("D1,North Motors", "D2,South Motors")}
    capsys.readouterr()
    assert main(["import", "--db", db, "--mode", "append", str(write_folder(tmp_path / "more", more))]) == 0
    err = capsys.readouterr().err
    assert "Imported (append) 1 rows" in err and "  dealers: 1 rows" in err and "warning" not in err


def test_unknown_mode_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["import", "--mode", "merge", str(tmp_path)])
    assert info.value.code == 2
    assert "invalid choice: 'merge'" in capsys.readouterr().err


def test_module_entry_point(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", GOOD)
    db = url(tmp_path / "app.db")
    done = subprocess.run([sys.executable, "-m", "revops_core", "import", "--db", db, str(folder)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "revops_core", "import", "--db", db, str(tmp_path / "none")],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.endswith("Nothing was written.\n") and done.stdout == ""


def test_a_backup_zip_restores_exactly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, other = url(tmp_path / "app.db"), url(tmp_path / "other.db")
    main(["import", "--db", db, str(write_folder(tmp_path / "in", GOOD))])
    assert main(["export", "--db", db, str(tmp_path / "backup.zip")]) == 0
    capsys.readouterr()
    assert main(["import", "--db", other, str(tmp_path / "backup.zip")]) == 0
    err = capsys.readouterr().err
    assert "Restored the backup: 13 rows into" in err and "  pipeline_snapshot_rows: 1 rows" in err
    assert fingerprint(make_engine(other)) == fingerprint(make_engine(db))


def test_a_backup_zip_in_append_mode_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = url(tmp_path / "app.db")
    main(["import", "--db", db, str(write_folder(tmp_path / "in", GOOD))])
    main(["export", "--db", db, str(tmp_path / "backup.zip")])
    capsys.readouterr()
    assert main(["import", "--db", db, "--mode", "append", str(tmp_path / "backup.zip")]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "manifest.json: a backup restores every table and is imported in replace mode only; choose replace, or "
        "remove manifest.json to append its CSV files", "1 problem(s). Nothing was written."]


def test_one_workbook_appends(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = url(tmp_path / "app.db")
    main(["import", "--db", db, str(write_folder(tmp_path / "in", GOOD))])
    (tmp_path / "dealers.xlsx").write_bytes(_workbook([["dealer_id", "name", "dealer_group", "region", "brand",
                                                        "salespeople"], ["D2", "South", "G1", "South", None, 3],
                                                       ["D3", "West", "G1", "West", None, "many"]]))
    capsys.readouterr()
    assert main(["import", "--db", db, "--mode", "append", str(tmp_path / "dealers.xlsx")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "dealers.xlsx, row 3, column salespeople: 'many' is not a whole number; use digits only, e.g. 12",
        "1 problem(s). Nothing was written."]


def test_crm_exports_with_mapping_presets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = url(tmp_path / "app.db")
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("salesforce_accounts.csv", "salesforce_opportunities.csv"):
        shutil.copy(CRM / name, folder / name)
    assert main(["import", "--db", db, str(folder), "--mapping", "salesforce_accounts",
                 "--mapping", "salesforce_opportunities"]) == 0
    err = capsys.readouterr().err
    assert "Imported (replace) 11 rows into" in err and "  accounts: 6 rows" in err and "  opportunities: 5 rows" in err
    assert "warning: salesforce_opportunities.csv: 2 row(s) blank in Opportunity ID skipped (report footers and " \
           "subtotals)" in err
    before = fingerprint(make_engine(db))
    assert main(["import", "--db", db, "--mode", "append", str(CRM / "salesforce_opportunities_broken.csv"),
                 "--mapping", str(PROJECT_ROOT / "config" / "mappings" / "salesforce_opportunities.yaml")]) == 1
    err = capsys.readouterr().err.splitlines()
    shown = "salesforce_opportunities_broken.csv (as opportunities.csv)"
    assert err[-1] == "7 problem(s). Nothing was written."      # 4 bad cells, and 3 keys appended twice
    assert f"{shown}, row 2, column opportunity_id: key '0065g00000AbCdEAA1' is already in the database; append adds " \
           "new rows only (use replace to reload)" in err
    assert f"{shown}, row 4, column account_id: '0015g00000NoSuchAA1' matches no account_id in accounts.csv or in " \
           "the database" in err
    assert fingerprint(make_engine(db)) == before


def test_an_unknown_preset_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--db", url(tmp_path / "app.db"), str(CRM / "dealers.csv"), "--mapping", "hubspot"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m revops_core import: error: mapping preset 'hubspot' not found; give a name in ")
    assert len(err.splitlines()) == 1 and not (tmp_path / "app.db").exists()


def test_a_crm_export_without_a_preset_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = CRM / "salesforce_accounts.csv"
    assert main(["import", "--db", url(tmp_path / "app.db"), str(report)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "warning: 'salesforce_accounts.csv': not a contract file name (<dataset>.csv or <dataset>.xlsx, e.g. "
        "accounts.csv) and no mapping preset was chosen for it; ignored",
        f"{report}: the folder holds no contract file ({', '.join(f'{n}.csv' for n in backup.DATASET_BY_NAME)}); "
        "nothing to import",
        "1 problem(s). Nothing was written."]


def test_export_into_a_zip_that_is_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = url(tmp_path / "app.db")
    main(["import", "--db", db, str(write_folder(tmp_path / "in", GOOD))])
    (tmp_path / "x.zip").mkdir()
    capsys.readouterr()
    assert main(["export", "--db", db, str(tmp_path / "x.zip")]) == 2
    assert "is a folder; give a new file name ending in .zip" in capsys.readouterr().err
