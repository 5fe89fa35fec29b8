"""Whether a summary table may be read: it was rebuilt at the current data version.

Every load rebuilds the summary tables inside its own transaction (``revops_core.summaries``)
and records the data version it rebuilt them at in ``summary_state``. A query reads a summary
only while that version is the database's current one, so data written any other way (or a
database whose summaries were never built) is answered from the datasets themselves.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.schema import schema_meta, summary_state


def summary_params(conn: Connection, table: sa.Table) -> str | None:
    """The parameters ``table`` was built with ("" when none), or None when it is not current."""
    s, m = summary_state, schema_meta
    current = sa.and_(m.c.key == "data_version", m.c.value == s.c.data_version)
    q = sa.select(s.c.params).select_from(s.join(m, current)).where(s.c.name == table.name)
    return conn.execute(q).scalar_one_or_none()


def summary_current(conn: Connection, table: sa.Table) -> bool:
    """``table`` holds the current data (rebuilt at the current data version)."""
    return summary_params(conn, table) is not None
