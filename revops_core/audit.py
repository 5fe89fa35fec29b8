"""The audit log (``audit_log`` table): who signed in, failed, was refused or signed out, and
what dealer-group and marketing viewers opened (``view``) and downloaded (``export``), and when.

Sign-in rate limits are read from the same log, so they hold across sessions, browser tabs
and server restarts without any state in the app process. The clock is the caller's (``at``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revops_core.config import SignInLimits
from revops_core.schema import audit_log

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_REFUSED = "sign_in_refused"   # an attempt refused by the rate limit, password not checked
SIGN_OUT = "sign_out"
VIEW = "view"         # a scorecard or maturity page opened by a narrowed or ecosystem-only viewer
EXPORT = "export"     # scorecard data downloaded (a page's download, a command's output)
ACTIONS = (SIGN_IN, SIGN_IN_FAILED, SIGN_IN_REFUSED, SIGN_OUT, VIEW, EXPORT)
ENTRY_LIMIT = 5000
_USERNAME_LIMIT = 120
_CLIENT_LIMIT = 64


def _clip(text: str | None, limit: int) -> str | None:
    return None if text is None else text[:limit]


def record(engine: Engine, at: datetime, username: str, action: str, detail: str | None = None,
           client: str | None = None) -> None:
    """Append one entry (its own transaction); names longer than the columns are cut."""
    with engine.begin() as conn:
        conn.execute(audit_log.insert().values(at=at, username=_clip(username, _USERNAME_LIMIT) or "",
                                               action=action, detail=detail,
                                               client=_clip(client, _CLIENT_LIMIT)))


@dataclass(frozen=True)
class Lockout:
    """Why sign-in is refused right now, and until when."""

    reason: str          # "user" or "client"
    until: datetime

    def message(self, at: datetime) -> str:
        minutes = max(1, -(-int((self.until - at).total_seconds()) // 60))
        who = "this user name" if self.reason == "user" else "this computer"
        return (f"Too many failed sign-ins for {who}. Try again in {minutes} minute(s), "
                "or ask your administrator.")


def _failures(conn: Connection, since: datetime, where: sa.ColumnElement[bool]) -> list[datetime]:
    query = (sa.select(audit_log.c.at)
             .where(audit_log.c.action == SIGN_IN_FAILED, audit_log.c.at > since, where)
             .order_by(audit_log.c.at))
    return [row.at for row in conn.execute(query)]


def _last_success(conn: Connection, username: str) -> datetime | None:
    query = sa.select(sa.func.max(audit_log.c.at)).where(audit_log.c.action == SIGN_IN,
                                                         audit_log.c.username == username)
    return conn.execute(query).scalar_one_or_none()


def _lock(failures: list[datetime], limit: int, window: timedelta, reason: str) -> Lockout | None:
    """Locked while ``limit`` failures lie in the window: until the oldest of the last ``limit`` leaves it."""
    if len(failures) < limit:
        return None
    return Lockout(reason, failures[-limit] + window)


def lockout(conn: Connection, limits: SignInLimits, at: datetime, username: str,
            client: str | None) -> Lockout | None:
    """The lockout in force for a sign-in attempt of ``username`` from ``client`` at ``at``, or None."""
    window = timedelta(minutes=limits.window_minutes)
    name = _clip(username, _USERNAME_LIMIT) or ""
    since = max(at - window, _last_success(conn, name) or datetime.min)
    found = _lock(_failures(conn, since, audit_log.c.username == name), limits.max_failures, window, "user")
    if found is None and client:
        by_client = _failures(conn, at - window, audit_log.c.client == _clip(client, _CLIENT_LIMIT))
        found = _lock(by_client, limits.max_client_failures, window, "client")
    return found


def last_sign_out(conn: Connection, username: str) -> datetime | None:
    """When ``username`` last signed out (session tokens issued before then are void), or None."""
    query = sa.select(sa.func.max(audit_log.c.at)).where(audit_log.c.action == SIGN_OUT,
                                                         audit_log.c.username == _clip(username, _USERNAME_LIMIT))
    return conn.execute(query).scalar_one_or_none()


def entries(conn: Connection, since: datetime | None = None, action: str | None = None, *,
            until: datetime | None = None, actions: tuple[str, ...] | None = None, username: str | None = None,
            limit: int | None = None) -> list[dict[str, object]]:
    """Audit entries, newest first: optionally at or after ``since`` and before ``until``, of one
    ``action`` or of ``actions``, of one ``username`` (case-insensitive), at most ``limit``."""
    log = audit_log
    query = sa.select(log).order_by(log.c.at.desc(), log.c.entry_id.desc())
    conditions = [
        (since, lambda: log.c.at >= since), (until, lambda: log.c.at < until),
        (action, lambda: log.c.action == action), (actions, lambda: log.c.action.in_(actions or ())),
        (username, lambda: sa.func.lower(log.c.username) == (username or "").strip().lower())]
    query = query.where(*[make() for given, make in conditions if given is not None])
    if limit is not None:
        query = query.limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]
