"""Helpers shared by commands: date arguments, opening the database, printing JSON.

Reading commands (metrics, alerts, scenario, scorecard, attribution, export) open the database
with ``open_database`` / ``open_engine``, which never create a database or a schema, and take
``--as-user NAME`` (``as_user``): exactly that user's scope, refused when its role does not
open the page the command reads. ``seed``
and ``import`` may create both; they take a ``database_state`` before and ``report_created``
after, so what they created is said on stderr.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core import audit
from revops_core.access import OPEN_INSTALL, Viewer, find_user, viewer_for
from revops_core.config import Users
from revops_core.db import DatabaseProblem, database_file, make_engine, redact, resolve_url
from revops_core.errors import RevOpsError
from revops_core.queries.common import latest_activity_date
from revops_core.schema import SCHEMA_VERSION, ensure_schema, stored_version
from revops_core.windows import supported, supported_range

MAX_NAMED = 5  # non-finite values named in the warning before "..."


class CommandError(RevOpsError):
    """Bad input a command found after parsing; ``cli.main`` prints it as one line and exits 2."""


def as_of_arg(text: str) -> date:
    """argparse type for a YYYY-MM-DD date within ``windows.EARLIEST``..``windows.LATEST``."""
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2026-09-30") from None
    if not supported(value):
        raise argparse.ArgumentTypeError(f"{text!r} is outside the dates AutoRevOps handles; "
                                         f"use a date {supported_range()}")
    return value


def resolve_as_of(given: date | None, latest: date | None) -> date:
    """The as-of date D: ``--as-of`` when given, else the latest date in the data (METRICS.md, ``D``)."""
    if given is not None:
        return given
    if latest is None:
        raise CommandError("the database holds no dated records; seed or import data first, or pass --as-of")
    if not supported(latest):
        raise CommandError(f"the latest date in the data, {latest.isoformat()}, is outside the dates AutoRevOps "
                           f"handles; pass --as-of with a date {supported_range()}")
    return latest


def check_window(start: date, end: date) -> None:
    """Refuse a window whose last day (``--end``) is before its first (``--start``)."""
    if end < start:
        raise CommandError(f"--end {end.isoformat()} is before --start {start.isoformat()}; "
                           "swap them or pick a later --end")


# --- --as-user: exactly one user's scope --------------------------------------------------

def add_as_user(parser: argparse.ArgumentParser) -> None:
    """``--as-user NAME``: run the command with that user's scope (``config/users.yaml``)."""
    parser.add_argument("--as-user", metavar="NAME",
                        help="apply exactly this user's scope and pages (config/users.yaml); default: everything")


def as_user(users: Users, name: str | None, page: str, what: str) -> Viewer:
    """The viewer ``--as-user NAME`` names (everything without it); refused (exit 2) for an unknown
    user or one whose role does not open ``page`` (what the command reads, in words)."""
    if name is None:
        return OPEN_INSTALL
    user = find_user(users, name)
    if user is None:
        known = ", ".join(u.username for u in users.users) or "none configured"
        raise CommandError(f"--as-user {name!r}: no such user in users.yaml (users: {known}); "
                           "see `python -m revops_core users list`")
    viewer = viewer_for(users, user)
    if not viewer.may_open(page):
        raise CommandError(f"--as-user {user.username}: role {viewer.role!r} (sees {viewer.describe()}) may not "
                           f"read {what}; run it as a user whose role opens it")
    return viewer


def record_export(engine: Engine, viewer: Viewer, detail: str, at: datetime) -> None:
    """Log an ``export`` of scorecard data by an audited viewer (``--as-user``) in the audit log."""
    if viewer.audited:
        audit.record(engine, at, viewer.username.lower(), audit.EXPORT, detail, "command line")


# --- opening the database -----------------------------------------------------------------

@contextmanager
def open_engine(url: str | None) -> Iterator[Engine]:
    """An engine on an existing AutoRevOps database; creates nothing (an older schema is migrated).

    Raises ``DatabaseProblem`` when the SQLite file does not exist or the database holds no
    AutoRevOps schema, or holds one newer than this program's.
    """
    engine = make_engine(url, create=False)
    try:
        with engine.connect() as conn:
            version = _checked_version(stored_version(conn), resolve_url(url))
        if version < SCHEMA_VERSION:
            ensure_schema(engine)
            print(f"Migrated the AutoRevOps schema of {redact(resolve_url(url))} from version {version} "
                  f"to {SCHEMA_VERSION}", file=sys.stderr)
        yield engine
    finally:
        engine.dispose()


def _checked_version(version: int | None, url: str) -> int:
    if version is None:
        raise DatabaseProblem(f"the database {redact(url)} holds no AutoRevOps data; fill it with "
                              "`python -m revops_core seed` or `import`, or check --db")
    if version > SCHEMA_VERSION:
        raise DatabaseProblem(f"the database {redact(url)} has schema version {version}, newer than this "
                              f"AutoRevOps understands ({SCHEMA_VERSION}); update AutoRevOps")
    return version


@contextmanager
def open_database(url: str | None) -> Iterator[tuple[Connection, date | None]]:
    """A connection to an existing AutoRevOps database (see ``open_engine``) and its latest activity date."""
    with open_engine(url) as engine, engine.connect() as conn:
        yield conn, latest_activity_date(conn)


@dataclass(frozen=True)
class DatabaseState:
    """What exists of a database before ``seed`` or ``import`` writes to it."""

    missing_file: Path | None     # a SQLite file that does not exist yet
    missing_folder: Path | None   # the outermost folder of it that does not exist yet
    has_schema: bool


def database_state(url: str) -> DatabaseState:
    """What exists of the database at ``url``; connects only to a database that already exists."""
    path = database_file(url)
    if path is not None and not path.exists():
        missing = [p for p in path.parents if not p.exists()]
        return DatabaseState(path, missing[-1] if missing else None, has_schema=False)
    engine = make_engine(url, create=False)
    try:
        with engine.connect() as conn:
            return DatabaseState(None, None, stored_version(conn) is not None)
    finally:
        engine.dispose()


def report_created(url: str, before: DatabaseState) -> None:
    """Say on stderr what a write created: the SQLite file (and folder), or the schema."""
    if before.missing_file is not None:
        if before.missing_file.exists():
            folder = f" (and the folder {before.missing_folder})" if before.missing_folder else ""
            print(f"Created the database file {before.missing_file}{folder}", file=sys.stderr)
    elif not before.has_schema and _has_schema_now(url):
        print(f"Created the AutoRevOps schema in {redact(url)}", file=sys.stderr)


def _has_schema_now(url: str) -> bool:
    try:
        return database_state(url).has_schema
    except (RevOpsError, sa.exc.DBAPIError):
        return False  # the write failed on the way; the caller reports that failure


# --- JSON output --------------------------------------------------------------------------

def finite_json(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """``value`` with every non-finite float (inf, -inf, NaN) replaced by None, and their paths."""
    if isinstance(value, float) and not math.isfinite(value):
        return None, [path or "(top level)"]
    if isinstance(value, dict):
        pairs = [(k, finite_json(v, f"{path}.{k}" if path else str(k))) for k, v in value.items()]
        return {k: v for k, (v, _) in pairs}, [p for _, (_, bad) in pairs for p in bad]
    if isinstance(value, list | tuple):
        items = [finite_json(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return [v for v, _ in items], [p for _, bad in items for p in bad]
    return value, []


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON on stdout; non-finite numbers are printed as null and named on stderr."""
    clean, bad = finite_json(value)
    if bad:
        named = ", ".join(bad[:MAX_NAMED]) + (", ..." if len(bad) > MAX_NAMED else "")
        print(f"warning: {len(bad)} value(s) are not finite numbers (too large or undefined) and are printed "
              f"as null: {named}", file=sys.stderr)
    sys.stdout.write(json.dumps(clean, indent=2, allow_nan=False) + "\n")
