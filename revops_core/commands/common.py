"""Helpers shared by commands: date arguments and opening the database."""
from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy.engine import Connection

from revops_core.db import make_engine
from revops_core.queries.common import latest_activity_date
from revops_core.schema import ensure_schema


def as_of_arg(text: str) -> date:
    """argparse type for YYYY-MM-DD dates with a clear message."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2026-09-30") from None


@contextmanager
def open_database(url: str | None) -> Iterator[tuple[Connection, date | None]]:
    """A connection to the database (schema ensured) and its latest activity date."""
    engine = make_engine(url)
    ensure_schema(engine)
    try:
        with engine.connect() as conn:
            yield conn, latest_activity_date(conn)
    finally:
        engine.dispose()
