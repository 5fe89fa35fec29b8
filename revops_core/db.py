"""The one engine factory: ``--db URL``, else ``AUTOREVOPS_DB_URL``, else embedded SQLite."""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "autorevops.db"
ENV_VAR = "AUTOREVOPS_DB_URL"
WORK_MEM_ENV_VAR = "AUTOREVOPS_PG_WORK_MEM"
DEFAULT_WORK_MEM = "64MB"  # sorts of the attribution window (LAG/LEAD over ~1M touches) stay in memory


def resolve_url(cli_url: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The database URL to use, in order: the command line, the environment, the default file."""
    env = os.environ if environ is None else environ
    url = cli_url or env.get(ENV_VAR) or f"sqlite:///{DEFAULT_SQLITE_PATH}"
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


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (resolved as in ``resolve_url``); SQLite gets its folder and FKs on."""
    resolved = resolve_url(url)
    if resolved.startswith("sqlite"):
        path = sa.engine.make_url(resolved).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(resolved)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = sa.create_engine(resolved, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        sa.event.listen(engine, "connect", _pg_session(work_mem()))
    return engine


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)
