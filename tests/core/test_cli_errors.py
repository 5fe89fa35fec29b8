"""Bad input on the command line gets one line on stderr and a non-zero exit, never a traceback.

Issue 9: dates outside 1990-01-01..2035-12-31, a ``--db`` that is no database (malformed URL,
missing driver, refused PostgreSQL, a file that is not SQLite, a missing file), ``export`` onto
a file, a closed output pipe, non-finite numbers in JSON. Reading commands create nothing;
``seed`` and ``import`` say what they created. A few cases run end to end through
``python -m revops_core``; the rest call ``cli.main`` in-process.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import PG_URL, require_pg
from tests.factories import write

from revops_core import cli
from revops_core.commands.common import finite_json, print_json
from revops_core.db import make_engine
from revops_core.scenario import YEARS
from revops_core.schema import SCHEMA_VERSION, ensure_schema, schema_meta
from revops_core.windows import EARLIEST, LATEST

ROOT = Path(__file__).resolve().parents[2]
RANGE = "from 1990-01-01 to 2035-12-31"
D = date(2025, 6, 15)
Snapshot = dict[str, tuple[int, int, str]]


# --- helpers shared with test_cli_properties -----------------------------------------------

def make_tiny_db(path: Path, close: date = D) -> str:
    """A SQLite file holding one won OEM deal closing on ``close`` and one certification; its URL."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    write(engine, accounts=[{"account_id": "oem", "segment": "OEM"}],
          opportunities=[{"opportunity_id": "o1", "account_id": "oem", "status": "WON", "close_date": close,
                          "amount": 10.0}],
          certifications=[{"certification": "TISAX", "status": "CERTIFIED", "expiry_date": date(2025, 9, 1)}])
    engine.dispose()
    return url


def snapshot(folder: Path) -> Snapshot:
    """Every file under ``folder`` with its size, modification time and content hash; every folder.

    A folder's own modification time is left out: reading a SQLite database in WAL mode adds
    and removes its ``-wal`` and ``-shm`` files, which touches the folder.
    """
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns,
                                         hashlib.sha256(p.read_bytes()).hexdigest()) if p.is_file() else (0, 0, "dir")
            for p in sorted(folder.rglob("*"))}


def assert_one_line_error(code: int, out: str, err: str, expected_code: int = 2) -> None:
    """Exit ``expected_code``, nothing on stdout, exactly one line on stderr and no traceback."""
    assert code == expected_code, err
    assert out == ""
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """``cli.main(argv)`` with stdout and stderr captured; argparse's SystemExit becomes the code."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def run_module(*argv: str, stdout: int = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "revops_core", *argv], cwd=ROOT, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120, check=False)


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, str]:
    """A folder holding only the tiny database, and the database's URL."""
    folder = tmp_path / "db"
    folder.mkdir()
    return folder, make_tiny_db(folder / "tiny.db")


# --- end to end: python -m revops_core ----------------------------------------------------

def test_date_out_of_range_end_to_end(tiny: tuple[Path, str]) -> None:
    folder, url = tiny
    before = snapshot(folder)
    for argv in (["metrics", "--as-of", "9999-12-31"], ["metrics", "--as-of", "0001-01-01"],
                 ["attribution", "--start", "0001-01-01", "--end", "9999-12-31"]):
        done = run_module(*argv, "--db", url, "--json")
        assert_one_line_error(done.returncode, done.stdout, done.stderr)
        assert RANGE in done.stderr
    assert snapshot(folder) == before


@pytest.mark.parametrize(("db", "expected"), [
    ("mysql://u:s3cret@h/db", "no database driver for mysql:// is installed"),
    ("postgresql://u:s3cret@127.0.0.1:1/x", "cannot reach PostgreSQL at postgresql+psycopg://u:***@127.0.0.1:1/x "
                                            "(connection refused); start the server or check --db"),
])
def test_bad_database_end_to_end(db: str, expected: str) -> None:
    done = run_module("metrics", "--db", db, "--json")
    assert_one_line_error(done.returncode, done.stdout, done.stderr)
    assert expected in done.stderr and "s3cret" not in done.stderr


def test_closed_output_pipe_exits_0_quietly(tiny: tuple[Path, str]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already exited: every write fails with EPIPE
    try:
        done = run_module("scenario", "--db", tiny[1], "--json", stdout=write_end)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")


# --- dates ----------------------------------------------------------------------------------

def test_the_range_ends_with_the_outlook() -> None:
    assert (EARLIEST, LATEST) == (date(1990, 1, 1), date(2035, 12, 31))
    assert LATEST.year == YEARS[-1]


@pytest.mark.parametrize("argv", [
    ["metrics", "--as-of", "1989-12-31"],
    ["alerts", "--as-of", "2036-01-01"],
    ["scenario", "--as-of", "0001-01-01", "--json"],
    ["scorecard", "--level", "dealer", "--start", "1989-12-31", "--end", "2025-01-01"],
    ["attribution", "--start", "2025-01-01", "--end", "9999-12-31"],
])
def test_dates_outside_the_range_are_refused(tiny: tuple[Path, str], argv: list[str]) -> None:
    code, out, err = run_main([*argv, "--db", tiny[1]])
    assert_one_line_error(code, out, err)
    assert f"is outside the dates AutoRevOps handles; use a date {RANGE}" in err


@pytest.mark.parametrize("argv", [["metrics", "--as-of", "1990-01-01"], ["metrics", "--as-of", "2035-12-31"],
                                  ["attribution", "--start", "1990-01-01", "--end", "2035-12-31"]])
def test_the_range_ends_are_accepted(tiny: tuple[Path, str], argv: list[str]) -> None:
    code, out, err = run_main([*argv, "--db", tiny[1]])
    assert code == 0, err
    json.loads(out)


def test_latest_data_date_outside_the_range_asks_for_as_of(tmp_path: Path) -> None:
    url = make_tiny_db(tmp_path / "future.db", close=date(2040, 3, 31))
    code, out, err = run_main(["metrics", "--db", url, "--json"])
    assert_one_line_error(code, out, err)
    assert f"the latest date in the data, 2040-03-31, is outside the dates AutoRevOps handles; pass --as-of " \
           f"with a date {RANGE}" in err
    assert run_main(["metrics", "--db", url, "--as-of", "2035-12-31", "--json"])[0] == 0


# --- --db that is not a usable database ----------------------------------------------------

@pytest.mark.parametrize(("db", "expected"), [
    ("not a url", "'not a url' is not a database URL"),
    ("foo://x", "no database driver for foo:// is installed"),
    ("postgresql://u:s3cret@127.0.0.1:notaport/x", "is not a database URL"),
    ("postgresql://u:s3cret@127.0.0.1:1/x", "cannot reach PostgreSQL"),
    ("postgresql://u:s3cret@./x", "'.' in 'postgresql+psycopg://u:***@./x' is not a host name"),   # found by hypothesis
])
def test_unusable_url(db: str, expected: str) -> None:
    code, out, err = run_main(["alerts", "--db", db])
    assert_one_line_error(code, out, err)
    assert expected in err and "s3cret" not in err


def test_missing_sqlite_file_creates_nothing(tmp_path: Path) -> None:
    for command in (["metrics"], ["alerts"], ["scenario"], ["export", str(tmp_path / "out")],
                    ["scorecard", "--level", "region", "--start", "2025-01-01", "--end", "2025-12-31"],
                    ["attribution", "--start", "2025-01-01", "--end", "2025-12-31"]):
        code, out, err = run_main([*command, "--db", f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}"])
        assert_one_line_error(code, out, err)
        assert f"no database at {tmp_path / 'no' / 'such' / 'x.db'}; create one with" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("content", "expected"), [
    (b"not a database at all, just some text", "is not a SQLite database (file is not a database)"),
    (b"", "holds no AutoRevOps data; fill it with `python -m revops_core seed` or `import`"),
])
def test_file_that_is_not_an_autorevops_database(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "other.db"
    path.write_bytes(content)
    before = snapshot(tmp_path)
    code, out, err = run_main(["metrics", "--db", f"sqlite:///{path}", "--json"])
    assert_one_line_error(code, out, err)
    assert expected in err
    assert snapshot(tmp_path) == before


def test_folder_as_database(tmp_path: Path) -> None:
    code, out, err = run_main(["metrics", "--db", f"sqlite:///{tmp_path}"])
    assert_one_line_error(code, out, err)
    assert f"{tmp_path} is a folder, not a database file; check --db" in err


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    url = make_tiny_db(tmp_path / "newer.db")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(schema_meta.update().where(schema_meta.c.key == "schema_version")
                     .values(value=str(SCHEMA_VERSION + 1)))
    engine.dispose()
    code, out, err = run_main(["metrics", "--db", url])
    assert_one_line_error(code, out, err)
    assert f"has schema version {SCHEMA_VERSION + 1}, newer than this AutoRevOps understands" in err


def test_postgresql_without_schema_is_refused_and_left_empty() -> None:
    require_pg()
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text('DROP SCHEMA IF EXISTS "t_cli_errors_empty" CASCADE'))
        conn.execute(sa.text('CREATE SCHEMA "t_cli_errors_empty"'))
    try:
        code, out, err = run_main(["metrics", "--db", f"{PG_URL}?options=-csearch_path%3Dt_cli_errors_empty"])
        assert_one_line_error(code, out, err)
        assert "holds no AutoRevOps data" in err
        with admin.connect() as conn:
            assert sa.inspect(conn).get_table_names(schema="t_cli_errors_empty") == []
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text('DROP SCHEMA "t_cli_errors_empty" CASCADE'))
        admin.dispose()


# --- export ---------------------------------------------------------------------------------

def test_export_onto_a_file_is_refused(tiny: tuple[Path, str], tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("keep me")
    code, out, err = run_main(["export", "--db", tiny[1], str(target)])
    assert_one_line_error(code, out, err)
    assert f"{target} is a file; export writes one <dataset>.csv per dataset into a folder" in err
    assert target.read_text() == "keep me"


def test_export_below_a_file_is_refused(tiny: tuple[Path, str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    code, out, err = run_main(["export", "--db", tiny[1], str(tmp_path / "file" / "sub")])
    assert_one_line_error(code, out, err)
    assert "a file is in the way of a folder" in err


def test_export_into_a_folder_overwrites_only_dataset_files(tiny: tuple[Path, str], tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "accounts.csv").write_text("old")
    (out_dir / "notes.txt").write_text("mine")
    assert run_main(["export", "--db", tiny[1], str(out_dir)])[0] == 0
    assert (out_dir / "accounts.csv").read_text().startswith("account_id,")
    assert (out_dir / "notes.txt").read_text() == "mine"


# --- seed and import say what they create ---------------------------------------------------

def test_seed_says_it_created_the_file_and_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "x.db"
    code, _, err = run_main(["seed", "--db", f"sqlite:///{target}", "--scale", "small"])
    assert code == 0
    assert f"Created the database file {target} (and the folder {tmp_path / 'new'})\n" in err
    assert run_main(["seed", "--db", f"sqlite:///{target}", "--scale", "small"])[2].count("Created") == 0


def test_import_into_an_empty_file_says_it_created_the_schema(tmp_path: Path) -> None:
    from tests.core.test_importer import GOOD, write_folder

    path = tmp_path / "empty.db"
    path.touch()
    code, _, err = run_main(["import", "--db", f"sqlite:///{path}", str(write_folder(tmp_path / "in", GOOD))])
    assert code == 0, err
    assert f"Created the AutoRevOps schema in sqlite:///{path}\n" in err


def test_rejected_import_into_a_mistyped_path_creates_nothing(tmp_path: Path) -> None:
    code, _, err = run_main(["import", "--db", f"sqlite:///{tmp_path / 'typo' / 'x.db'}", str(tmp_path / "none")])
    assert code == 1 and "Nothing was written." in err and "Created" not in err
    assert list(tmp_path.iterdir()) == []


# --- JSON never carries a non-finite number --------------------------------------------------

def strict_loads(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_metrics_with_overflowing_money_prints_null(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'huge.db'}"
    engine = make_engine(url)
    write(engine, accounts=[{"account_id": "a"}],
          revenue=[{"account_id": "a", "period": "2026-05", "amount": 1e308},
                   {"account_id": "a", "period": "2026-06", "amount": 1e308}])
    engine.dispose()
    code, out, err = run_main(["metrics", "--db", url, "--json"])
    assert code == 0
    assert strict_loads(out)["revenue_ttm"] is None  # type: ignore[index]
    assert err.startswith("warning: ") and "are printed as null: revenue_ttm" in err and "Traceback" not in err


def test_finite_json_names_every_replaced_value() -> None:
    value = {"a": 1.0, "b": [float("nan"), 2], "c": {"d": float("-inf"), "e": None}, "f": (float("inf"),)}
    clean, bad = finite_json(value)
    assert clean == {"a": 1.0, "b": [None, 2], "c": {"d": None, "e": None}, "f": [None]}
    assert bad == ["b[0]", "c.d", "f[0]"]


def test_print_json_never_lets_nan_out(capsys: pytest.CaptureFixture[str]) -> None:
    print_json([float("nan"), {"x": float("inf")}])
    out = capsys.readouterr()
    assert strict_loads(out.out) == [None, {"x": None}]
    assert "2 value(s) are not finite numbers" in out.err


# --- the one place that turns failures into messages -----------------------------------------

def failing_run(exc: BaseException) -> Callable[[object], int]:
    def run(_args: object) -> int:
        raise exc
    return run


@pytest.mark.parametrize(("exc", "code", "expected"), [
    (KeyError("x"), 1, "unexpected error (KeyError): 'x'; run with -v for details"),
    (OverflowError("date value out of range"), 2, f"a date or number is out of range (date value out of range); "
                                                  f"use dates {RANGE}"),
    (PermissionError(13, "Permission denied", "/root/x"), 2, "/root/x: permission denied"),
    (OSError(28, "No space left on device"), 2, "No space left on device; check the paths given"),
    (BrokenPipeError(32, "Broken pipe"), 0, ""),
])
def test_failures_become_one_line(monkeypatch: pytest.MonkeyPatch, tiny: tuple[Path, str],
                                  exc: BaseException, code: int, expected: str) -> None:
    import revops_core.commands.metrics as metrics

    monkeypatch.setattr(metrics, "run", failing_run(exc))
    got, out, err = run_main(["metrics", "--db", tiny[1]])
    if code == 0:
        assert (got, out, err) == (0, "", "")
    else:
        assert_one_line_error(got, out, err, code)
        assert err.startswith("python -m revops_core metrics: ") and expected in err


def test_verbose_logs_the_traceback(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                    tiny: tuple[Path, str]) -> None:
    import revops_core.commands.metrics as metrics

    monkeypatch.setattr(metrics, "run", failing_run(KeyError("x")))
    code, _, err = run_main(["metrics", "-v", "--db", tiny[1]])
    assert code == 1 and "unexpected error (KeyError)" in err
    assert any(record.exc_info and record.exc_info[0] is KeyError for record in caplog.records)


def test_usage_errors_are_one_line() -> None:
    for argv in ([], ["metrics", "--bogus"], ["scorecard", "--level", "country"], ["metrics", "--as-of", "x\ny"]):
        code, out, err = run_main(argv)
        assert_one_line_error(code, out, err)
        assert "; see `python -m revops_core" in err


def test_empty_database_file_left_as_it_was_by_every_reading_command(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE mine (x INTEGER)"))
    engine.dispose()
    before = snapshot(tmp_path)
    for command in (["metrics"], ["alerts"], ["scenario"], ["export", str(tmp_path / "out")],
                    ["attribution", "--start", "2025-01-01", "--end", "2025-12-31"]):
        code, out, err = run_main([*command, "--db", f"sqlite:///{path}"])
        assert_one_line_error(code, out, err)
    assert snapshot(tmp_path) == before


def test_schema_check_does_not_need_the_data(tmp_path: Path) -> None:
    # a database with the schema but no rows is an AutoRevOps database: windows work, D needs data
    url = f"sqlite:///{tmp_path / 'schema_only.db'}"
    ensure_schema(make_engine(url))
    assert run_main(["attribution", "--db", url, "--start", "2025-01-01", "--end", "2025-01-31"])[0] == 0
    code, out, err = run_main(["scenario", "--db", url])
    assert_one_line_error(code, out, err)
    assert "the database holds no dated records; seed or import data first, or pass --as-of" in err
