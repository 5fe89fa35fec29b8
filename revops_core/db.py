"""The one engine factory: ``--db URL``, else ``AUTOREVOPS_DB_URL``, else embedded SQLite."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "autorevops.db"
ENV_VAR = "AUTOREVOPS_DB_URL"


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
    return sa.create_engine(resolved, pool_pre_ping=True)


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)
