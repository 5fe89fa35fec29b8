"""``python -m revops_core import DIR`` / ``export DIR``: exit codes and what they print."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from revops_core.cli import main
from revops_core.db import PROJECT_ROOT, make_engine
from tests.core.test_importer import GOOD, edit, fingerprint, write_folder


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
    assert f"Exported 11 rows from {db} to {tmp_path / 'out'}:" in err
    assert (tmp_path / "out" / "accounts.csv").read_text(encoding="utf-8") == GOOD["accounts"]


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
