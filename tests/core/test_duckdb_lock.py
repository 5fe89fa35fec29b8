"""A DuckDB file is locked by the process holding it, even for reading: AutoRevOps holds it only while
it uses it and waits for a file another process holds (``db._duckdb_engine``), up to
``AUTOREVOPS_DUCKDB_LOCK_WAIT`` seconds, then fails with one line naming the holder."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from revops_core.db import LINGER_SECONDS, DatabaseProblem, describe_failure, lock_wait, make_engine

HOLD = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); c.execute('select 1'); print('held', flush=True); " \
       "time.sleep(float(sys.argv[2]))"


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture
def duck_file(tmp_path: Path) -> Path:
    path = tmp_path / "shared.duckdb"
    engine = make_engine(f"duckdb:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO t VALUES (7)"))
    engine.dispose()
    return path


def test_the_engine_releases_the_file_between_uses(duck_file: Path) -> None:
    engine = make_engine(f"duckdb:///{duck_file}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT x FROM t")).scalar_one() == 7
    time.sleep(LINGER_SECONDS + 0.5)
    holder = _hold(duck_file, 0.1)      # another process opens the file while the engine lives
    assert holder.wait(timeout=30) == 0
    engine.dispose()


def test_a_burst_of_connects_shares_one_open_file_then_lets_it_go(duck_file: Path) -> None:
    """A page's queries reuse the open file (opening it costs ~25 ms each time); once idle for
    ``LINGER_SECONDS`` the engine closes it, and the next connect opens it again."""
    engine = make_engine(f"duckdb:///{duck_file}")
    opened: list[object] = []
    sa.event.listen(engine, "connect", lambda dbapi_conn, _record: opened.append(dbapi_conn))
    for _ in range(5):
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT x FROM t")).scalar_one() == 7
    assert len(opened) == 1
    time.sleep(LINGER_SECONDS + 0.5)
    assert engine.pool.checkedin() == 0   # closed: the file is free for another process
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT x FROM t")).scalar_one() == 7
    assert len(opened) == 2
    engine.dispose()


def test_a_connect_waits_for_a_file_another_process_holds(duck_file: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOREVOPS_DUCKDB_LOCK_WAIT", "20")
    holder = _hold(duck_file, 1.5)
    started = time.monotonic()
    engine = make_engine(f"duckdb:///{duck_file}", create=False)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT x FROM t")).scalar_one() == 7
    waited = time.monotonic() - started
    engine.dispose()
    holder.wait(timeout=30)
    assert 0.5 < waited < 15       # it waited for the holder, then got the file


def test_a_file_held_longer_than_the_wait_fails_with_one_line_naming_the_holder(
        duck_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOREVOPS_DUCKDB_LOCK_WAIT", "0.3")
    holder = _hold(duck_file, 5)
    url = f"duckdb:///{duck_file}"
    try:
        with pytest.raises(sa.exc.DBAPIError) as caught:
            make_engine(url, create=False).connect()
        message = describe_failure(caught.value, url)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert message.startswith(f"the DuckDB file {url} stayed in use by process {holder.pid} ")
    assert "for 0.3 s" in message and "AUTOREVOPS_DUCKDB_LOCK_WAIT" in message and "\n" not in message


@pytest.mark.parametrize(("value", "seconds"), [(None, 60.0), ("0", 0.0), ("2.5", 2.5)])
def test_lock_wait_setting(value: str | None, seconds: float) -> None:
    assert lock_wait({} if value is None else {"AUTOREVOPS_DUCKDB_LOCK_WAIT": value}) == seconds


@pytest.mark.parametrize("value", ["-1", "soon", "7200", "nan"])
def test_a_bad_lock_wait_setting_is_refused(value: str) -> None:
    with pytest.raises(DatabaseProblem, match="AUTOREVOPS_DUCKDB_LOCK_WAIT must be a number of seconds"):
        lock_wait({"AUTOREVOPS_DUCKDB_LOCK_WAIT": value})


def test_duckdb_memory_is_bounded(duck_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from revops_core.db import duckdb_memory

    assert duckdb_memory({}) == "1GB" and duckdb_memory({"AUTOREVOPS_DUCKDB_MEMORY": "512MB"}) == "512MB"
    with pytest.raises(DatabaseProblem, match="AUTOREVOPS_DUCKDB_MEMORY must look like 1GB"):
        duckdb_memory({"AUTOREVOPS_DUCKDB_MEMORY": "1GB'; DROP TABLE t; --"})
    monkeypatch.setenv("AUTOREVOPS_DUCKDB_MEMORY", "700MB")
    engine = make_engine(f"duckdb:///{duck_file}")
    with engine.connect() as conn:
        limit = conn.execute(sa.text("SELECT current_setting('memory_limit')")).scalar_one()
    engine.dispose()
    assert limit in ("667.5 MiB", "700.0 MB", "667.5MiB", "700.0MB"), limit


def test_a_process_exiting_with_lingering_connections_exits_cleanly() -> None:
    """Connections still lingering when the interpreter ends are closed at exit: left to the final
    clean-up, DuckDB aborts the process ("terminate called", exit status 134). Three staging tests
    in one process left such connections behind and reproduced it every time."""
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "tests/core/test_staging.py", "-k", "dangling or dead_process or committed"],
                          capture_output=True, text=True, timeout=120, cwd=root)
    assert proc.returncode == 0 and "3 passed" in proc.stdout, (proc.returncode, proc.stdout[-500:], proc.stderr[-500:])
    assert "terminate" not in proc.stderr
