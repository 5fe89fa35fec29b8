"""The one engine factory: ``--db URL``, else ``AUTOREVOPS_DB_URL``, else embedded SQLite."""
from __future__ import annotations

import atexit
import os
import threading
import time
import re
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revops_core.errors import RevOpsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DUCKDB_NAME = "autorevops.duckdb"   # the embedded default (docs/ENGINES.md "The embedded default")
LEGACY_SQLITE_NAME = "autorevops.db"        # the embedded default before DuckDB; still used where it exists
DEFAULT_SQLITE_PATH = DATA_DIR / LEGACY_SQLITE_NAME
ENV_VAR = "AUTOREVOPS_DB_URL"
WORK_MEM_ENV_VAR = "AUTOREVOPS_PG_WORK_MEM"
LOCK_WAIT_ENV_VAR = "AUTOREVOPS_DUCKDB_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 60.0
MEMORY_ENV_VAR = "AUTOREVOPS_DUCKDB_MEMORY"
DEFAULT_DUCKDB_MEMORY = "1GB"
LOCK_CONFLICT = "Could not set lock on file"  # DuckDB's message when another process holds the file
DEFAULT_WORK_MEM = "64MB"  # sorts of the attribution window (LAG/LEAD over ~1M touches) stay in memory


def default_url(folder: Path | None = None) -> str:
    """The embedded database: DuckDB in ``data/autorevops.duckdb``. An install that already keeps its
    data in ``data/autorevops.db`` (SQLite, the default before) and has no DuckDB file keeps using it."""
    folder = DATA_DIR if folder is None else folder
    sqlite_file, duckdb_file = folder / LEGACY_SQLITE_NAME, folder / DEFAULT_DUCKDB_NAME
    if sqlite_file.exists() and not duckdb_file.exists():
        return f"sqlite:///{sqlite_file}"
    return f"duckdb:///{duckdb_file}"


def is_default(url: str) -> bool:
    """Whether ``url`` is the embedded default database (which the app seeds on its first start)."""
    return url == default_url()


def resolve_url(cli_url: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The database URL to use, in order: the command line, the environment, the default file
    (``default_url``)."""
    env = os.environ if environ is None else environ
    url = cli_url or env.get(ENV_VAR) or default_url()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def work_mem(environ: Mapping[str, str] | None = None) -> str:
    """PostgreSQL ``work_mem`` for each session: ``AUTOREVOPS_PG_WORK_MEM`` (e.g. ``128MB``) or 64MB."""
    value = (os.environ if environ is None else environ).get(WORK_MEM_ENV_VAR) or DEFAULT_WORK_MEM
    if not re.fullmatch(r"\d{1,7}(kB|MB|GB)", value):
        raise ValueError(f"{WORK_MEM_ENV_VAR} must look like 64MB (a number and kB, MB or GB), got {value!r}")
    return value


def _pg_session(setting: str) -> Callable[[object, object], None]:
    def on_connect(dbapi_conn: object, _record: object) -> None:
        with dbapi_conn.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute(f"SET work_mem = '{setting}'")
        dbapi_conn.commit()  # type: ignore[attr-defined] - a SET inside a rolled-back transaction is undone
    return on_connect


class DatabaseProblem(RevOpsError):
    """The database named by ``--db`` / ``AUTOREVOPS_DB_URL`` cannot be used; the message says why and what to do."""


def make_engine(url: str | None = None, *, create: bool = True) -> Engine:
    """An engine for ``url`` (resolved as in ``resolve_url``); SQLite gets foreign keys on.

    ``create=True`` (the app, ``seed``, ``import``): a SQLite file and its folder are created on
    first connect, in WAL mode. ``create=False`` (reading commands): nothing is ever created;
    a SQLite file that does not exist raises ``DatabaseProblem``, and the journal mode is left
    as it is. A malformed URL, an unknown dialect or a missing driver raise ``DatabaseProblem``.
    """
    resolved = resolve_url(url)
    parsed = _parse(resolved)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, create)
    if parsed.get_backend_name() == "duckdb":
        return _duckdb_engine(parsed, create)
    _check_host(parsed)
    engine = _create_engine(parsed, pool_pre_ping=True, connect_args=_connect_args(parsed))
    if engine.dialect.name == "postgresql":
        sa.event.listen(engine, "connect", _pg_session(_checked_work_mem()))
    return engine


def _parse(url: str) -> sa.engine.URL:
    try:
        return sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise DatabaseProblem(f"{redact(url)!r} is not a database URL ({exc}); use e.g. "
                              "duckdb:///data/autorevops.duckdb or postgresql://user@host:5432/db") from None


def _check_host(url: sa.engine.URL) -> None:
    """A host name that cannot be a DNS name (``postgresql://./db``: an empty label) is bad input,
    not an unexpected error when the driver resolves it."""
    for host in (url.host or "").split(","):
        try:
            host.encode("idna")
        except UnicodeError:
            raise DatabaseProblem(f"{host!r} in {redact(str(url))!r} is not a host name; check --db") from None


def _create_engine(url: sa.engine.URL, **kwargs: object) -> Engine:
    """``sa.create_engine`` with a missing driver or unknown dialect turned into ``DatabaseProblem``."""
    try:
        return sa.create_engine(url, **kwargs)
    except (ModuleNotFoundError, sa.exc.NoSuchModuleError) as exc:
        raise DatabaseProblem(f"no database driver for {url.drivername}:// is installed ({exc}); "
                              "AutoRevOps runs on sqlite:///, postgresql:// and duckdb:/// URLs") from None
    except (sa.exc.ArgumentError, TypeError, ValueError) as exc:
        raise DatabaseProblem(f"{redact(str(url))!r} is not a usable database URL ({exc}); check --db") from None


def _connect_args(url: sa.engine.URL) -> dict[str, object]:
    """A 10 s connect timeout on PostgreSQL unless the URL sets one, so an unreachable host fails fast."""
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        return {"connect_timeout": 10}
    return {}


def _checked_work_mem() -> str:
    try:
        return work_mem()
    except ValueError as exc:
        raise DatabaseProblem(str(exc)) from None


def sqlite_path(url: str | None) -> Path | None:
    """The file of a file-backed SQLite URL (resolved as in ``resolve_url``), else None."""
    return _sqlite_file(_parse(resolve_url(url)))


def database_file(url: str | None) -> Path | None:
    """The file of a file-backed SQLite or DuckDB URL (resolved as in ``resolve_url``), else None."""
    parsed = _parse(resolve_url(url))
    if parsed.get_backend_name() == "duckdb":
        return None if parsed.database in (None, "", ":memory:") else Path(parsed.database)  # type: ignore[arg-type]
    return _sqlite_file(parsed)


def _sqlite_file(url: sa.engine.URL) -> Path | None:
    path = url.database
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return None  # in memory, a URI filename or another database
    return Path(path)


def _sqlite_engine(url: sa.engine.URL, create: bool) -> Engine:
    path = _sqlite_file(url)
    if not create and path is not None:
        _require_file(path)
    engine = _create_engine(url)
    if create and path is not None:
        sa.event.listen(engine, "do_connect", _make_folder(path))
    sa.event.listen(engine, "connect", _sqlite_pragmas if create else _sqlite_foreign_keys)
    return engine


def _duckdb_engine(url: sa.engine.URL, create: bool) -> Engine:
    """DuckDB (``duckdb:///path.duckdb``): like SQLite, a missing file is created only with ``create``.

    A DuckDB file is locked by the process that opens it, even for reading. So that the app and a
    command (an import, ``deck``, a scheduled ``burst-scorecards``) can share the file, a process
    holds it only while it uses it: its pooled connections are closed once none has been used for
    ``LINGER_SECONDS`` (``_Linger``; a page's dozen queries share one open file instead of opening
    it each time, ~25 ms), and a connect that finds the file locked waits for it, up to
    ``AUTOREVOPS_DUCKDB_LOCK_WAIT`` seconds (default 60), before it fails with one line. DuckDB's
    memory is bounded (``duckdb_memory``)."""
    path = None if url.database in (None, "", ":memory:") else Path(url.database)  # type: ignore[arg-type]
    if path is None:
        return _create_engine(url)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        _require_file(path)
    engine = _create_engine(url, poolclass=sa.pool.QueuePool, pool_size=4, max_overflow=16,
                            connect_args={"config": {"memory_limit": duckdb_memory()}})
    sa.event.listen(engine, "do_connect", _waiting_for_lock(lock_wait()))
    _Linger(engine, LINGER_SECONDS)
    return engine


LINGER_SECONDS = 1.0
"""How long a process keeps a DuckDB file open after its last connection was returned."""


class _Linger:
    """Closes an engine's idle pooled connections once none has been checked out for ``seconds``, so
    the file's lock is released soon after a burst of work (``_duckdb_engine``). At exit every
    lingering connection is closed first: DuckDB aborts the process (``terminate called``) when a
    connection is left to the interpreter's final clean-up."""

    def __init__(self, engine: Engine, seconds: float) -> None:
        self.engine, self.seconds = engine, seconds
        self.lock = threading.Lock()
        self.out = 0
        self.timer: threading.Timer | None = None
        sa.event.listen(engine, "checkout", self.checkout)
        sa.event.listen(engine, "checkin", self.checkin)
        _LINGERING.add(self)

    def checkout(self, *_args: object) -> None:
        with self.lock:
            self.out += 1
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None

    def checkin(self, *_args: object) -> None:
        with self.lock:
            self.out = max(self.out - 1, 0)
            if self.out == 0 and self.timer is None:
                self.timer = threading.Timer(self.seconds, self.release)
                self.timer.daemon = True
                self.timer.start()

    def release(self) -> None:
        with self.lock:
            if self.out or self.timer is None:
                return
            self.timer = None
            self.engine.pool.dispose()   # closes the idle connections only; the pool stays usable

    def close(self) -> None:
        """Cancel the timer and close the idle connections now (at exit)."""
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
        self.engine.pool.dispose()


_LINGERING: weakref.WeakSet[_Linger] = weakref.WeakSet()


@atexit.register
def _close_lingering() -> None:
    for linger in list(_LINGERING):
        linger.close()


def duckdb_memory(environ: Mapping[str, str] | None = None) -> str:
    """DuckDB's ``memory_limit`` (``AUTOREVOPS_DUCKDB_MEMORY``, default 1GB): beyond it, sorts and joins
    spill to ``<file>.tmp`` instead of growing the process (DuckDB's own default is 80% of the RAM)."""
    value = (os.environ if environ is None else environ).get(MEMORY_ENV_VAR) or DEFAULT_DUCKDB_MEMORY
    if not re.fullmatch(r"\d{1,6}(\.\d+)?\s?(MB|GB|MiB|GiB)", value.strip()):
        raise DatabaseProblem(f"{MEMORY_ENV_VAR} must look like 1GB or 512MB, not {value!r}")
    return value.strip()


def lock_wait(environ: Mapping[str, str] | None = None) -> float:
    """Seconds a connect waits for a DuckDB file another process holds (``AUTOREVOPS_DUCKDB_LOCK_WAIT``)."""
    value = (os.environ if environ is None else environ).get(LOCK_WAIT_ENV_VAR) or str(DEFAULT_LOCK_WAIT)
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise DatabaseProblem(f"{LOCK_WAIT_ENV_VAR} must be a number of seconds from 0 to 3600, not {value!r}")
    return seconds


def _waiting_for_lock(limit: float) -> Callable[..., object]:
    def do_connect(dialect: sa.engine.Dialect, _record: object, cargs: list[object],
                   cparams: dict[str, object]) -> object:
        deadline, pause = time.monotonic() + limit, 0.05
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except Exception as exc:  # noqa: BLE001 - only a lock conflict is retried
                if LOCK_CONFLICT not in str(exc) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
    return do_connect


def _require_file(path: Path) -> None:
    if path.is_dir():
        raise DatabaseProblem(f"{path} is a folder, not a database file; check --db")
    if not path.exists():
        raise DatabaseProblem(f"no database at {path}; create one with `python -m revops_core seed` or `import`")


def _make_folder(path: Path) -> Callable[..., None]:
    def do_connect(*_args: object) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return do_connect


def _sqlite_foreign_keys(dbapi_conn: object, _record: object) -> None:
    dbapi_conn.execute("PRAGMA foreign_keys=ON")  # type: ignore[attr-defined]


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs (also for a URL that does not parse)."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return re.sub(r"([^\s:/@]+:)[^\s@/]*@", r"\1***@", url)  # user:password@


def describe_failure(exc: sa.exc.DBAPIError, url: str) -> str:
    """One line saying what the database refused and what to do (passwords redacted)."""
    reason, shown = _reason(exc), redact(url)
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if path is None and _is_connect_failure(exc):
        server = "PostgreSQL" if url.startswith("postgres") else "the database server"
        hint = "start the server or check --db" if _is_unreachable(reason) else "check --db"
        return f"cannot reach {server} at {shown} ({reason}); {hint}"
    if LOCK_CONFLICT in str(exc.orig):
        holder = re.search(r"\(PID (\d+)\)", str(exc.orig))
        who = f"process {holder.group(1)}" if holder else "another process"
        waited = os.environ.get(LOCK_WAIT_ENV_VAR) or f"{DEFAULT_LOCK_WAIT:g}"
        return (f"the DuckDB file {shown} stayed in use by {who} (the app during a long import, or another "
                f"command) for {waited} s; try again when it is done, raise {LOCK_WAIT_ENV_VAR}, or "
                "use PostgreSQL for several processes (docs/ENGINES.md)")
    if "file is not a database" in reason:
        return f"{path or shown} is not a SQLite database ({reason}); check --db"
    if path is not None and isinstance(exc, sa.exc.OperationalError):
        return f"cannot use the SQLite database {path} ({reason}); check --db and the file's permissions"
    return f"the database at {shown} refused the request ({reason}); check the data and --db"


def _is_connect_failure(exc: sa.exc.DBAPIError) -> bool:
    raw = str(exc.orig).lower()
    return exc.connection_invalidated or (isinstance(exc, sa.exc.OperationalError) and (
        raw.startswith("connection") or "failed to resolve host" in raw or "timeout expired" in raw))


def _is_unreachable(reason: str) -> bool:
    return any(word in reason.lower() for word in ("refused", "resolve", "timeout", "timed out", "unreachable",
                                                   "no route", "no such file"))


def _reason(exc: sa.exc.DBAPIError) -> str:
    """The driver's message, short: 'connection refused', 'database "x" does not exist', ..."""
    text = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    text = re.sub(r"^connection failed: ", "", text)
    text = re.sub(r"^connection to server (at|on) .*?failed: ", "", text)
    text = re.sub(r"^(FATAL|ERROR):\s+", "", text).strip()
    return text[:1].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() else text
