"""Share links of the ecosystem scorecard: one dealer group, one view, read-only, expiring, revocable.

An admin creates a link (``create``) for a dealer group and the scorecard view on screen
(``scorecard_export.ScorecardView``: level, journey, window, as-of date). It is a row of the
``share_links`` table and a token: ``itsdangerous.URLSafeTimedSerializer`` (the session cookie's
secret, its own salt) over ``{"i": link id, "g": dealer group, "v": view}``. Whoever opens
``?share=TOKEN`` sees that view only, as that dealer group sees it (``viewer_for``: its own dealers
by name, every other one as an anonymous peer), without signing in.

``check`` refuses, each with one message: a token whose signature does not hold (changed, cut
short, signed with another key), one naming no link, one whose group or view differ from its
link's, a revoked link, an expired one (``expires_at``, ``sharing.yaml`` ``link_days`` by
default). The clock is the caller's (``at``). Creating, using, refusing and revoking are written to
the audit log.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.engine import Connection, Engine

from revops_core import audit, formatting
from revops_core.access import Viewer
from revops_core.errors import RevOpsError
from revops_core.queries.common import Scope
from revops_core.schema import audit_log, share_links
from revops_core.scorecard import levels_for
from revops_core.scorecard_export import ScorecardView

SHARE_PARAM = "share"                     # the query parameter that carries a token
SALT = "autorevops.share-link.v1"         # not the session's: a session token is no share token
SHARE_PAGE = "scorecard"                  # the one page a link opens
LEVELS = levels_for(Scope(frozenset()))   # the levels a dealer group compares at: its dealers, the groups
# audit-log actions (``audit_log.action``)
SHARE_CREATED, SHARE_USED, SHARE_REFUSED, SHARE_REVOKED = "share_created", "share_used", "share_refused", \
    "share_revoked"
SCORECARD_SENT = "scorecard_sent"         # ``burst-scorecards --send`` mailed a group its PDF
ACTIONS = (SHARE_CREATED, SHARE_USED, SHARE_REFUSED, SHARE_REVOKED, SCORECARD_SENT)
NOT_VALID = ("This share link is not valid: it was changed, cut short or made for another installation. "
             "Ask the person who shared it for a new link.")


class ShareError(RevOpsError, ValueError):
    """A share link that cannot be created (unknown group, a level the group may not compare at, …)."""


@dataclass(frozen=True)
class ShareLink:
    """A row of ``share_links``."""

    link_id: str
    dealer_group: str
    view: ScorecardView
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def status(self, at: datetime) -> str:
        """``active``, ``expired`` or ``revoked`` at ``at``."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if at >= self.expires_at else "active"

    @property
    def audit_name(self) -> str:
        """Who a link's visitor is in the audit log: ``share:<link id>``."""
        return f"share:{self.link_id}"


@dataclass(frozen=True)
class Checked:
    """The link a token opens, or None and the one message to show instead."""

    link: ShareLink | None
    message: str = ""
    reason: str = ""      # for the audit log: bad signature, unknown link, mismatch, revoked, expired
    link_id: str = "?"    # the refused link, when the token names a real one


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def token_for(link: ShareLink, secret: str) -> str:
    """The signed token of ``link`` (its id, dealer group and view); the URL carries it as ``?share=``."""
    return _serializer(secret).dumps({"i": link.link_id, "g": link.dealer_group, "v": link.view.to_params()})


def viewer_for(link: ShareLink) -> Viewer:
    """The read-only viewer a link opens the scorecard as: its dealer group's scope, the scorecard alone."""
    return Viewer(link.audit_name, f"Shared link for {link.dealer_group}", "share_link",
                  dealer_group=link.dealer_group, pages=frozenset({SHARE_PAGE}))


# --- creating and revoking ----------------------------------------------------------------------

def validate(view: ScorecardView, group: str, groups: set[str] | frozenset[str], journeys: tuple[str, ...]) -> None:
    """Refuse (``ShareError``) a link to an unknown dealer group or a view it may not see."""
    if group not in groups:
        raise ShareError(f"{group!r} is not a dealer group in the data")
    if view.level not in LEVELS:
        raise ShareError(f"a dealer group compares at {' or '.join(LEVELS)}, not {view.level}")
    if view.journey is not None and view.journey not in journeys:
        raise ShareError(f"unknown journey {view.journey!r}")


def create(engine: Engine, group: str, view: ScorecardView, created_by: str, at: datetime, days: int,
           client: str | None = None) -> ShareLink:
    """Store a new link for ``group`` and ``view``, valid for ``days`` days from ``at``; logged as
    ``share_created``. The caller validates the group and view (``validate``)."""
    if days < 1:
        raise ShareError("a link holds at least one day")
    link = ShareLink(secrets.token_urlsafe(12), group, view, created_by, at, at + timedelta(days=days))
    with engine.begin() as conn:
        conn.execute(share_links.insert().values(
            link_id=link.link_id, dealer_group=group, view_params=json.dumps(view.to_params(), sort_keys=True),
            created_by=created_by, created_at=at, expires_at=link.expires_at))
    audit.record(engine, at, created_by, SHARE_CREATED, _detail(link), client)
    return link


def revoke(engine: Engine, link_id: str, revoked_by: str, at: datetime, client: str | None = None) -> bool:
    """Revoke a link from ``at`` on (its token is refused from then); False when there is no
    such link or it was revoked already. Logged as ``share_revoked``."""
    with engine.begin() as conn:
        link = find(conn, link_id)
        if link is None or link.revoked_at is not None:
            return False
        conn.execute(share_links.update()
                     .where(share_links.c.link_id == link_id, share_links.c.revoked_at.is_(None))
                     .values(revoked_at=at, revoked_by=revoked_by))  # rowcount is not portable (DuckDB)
    audit.record(engine, at, revoked_by, SHARE_REVOKED, _detail(link), client)
    return True


def _detail(link: ShareLink) -> str:
    v = link.view
    journey = f", {v.journey}" if v.journey else ""
    return (f"link {link.link_id} for {link.dealer_group}: scorecard by {v.level} {v.start}..{v.end}{journey}, "
            f"as of {v.as_of}, expires {link.expires_at:%Y-%m-%d %H:%M}")


# --- reading ------------------------------------------------------------------------------------

def _from_row(row: sa.Row) -> ShareLink:
    return ShareLink(row.link_id, row.dealer_group, ScorecardView.from_params(json.loads(row.view_params)),
                     row.created_by, row.created_at, row.expires_at, row.revoked_at, row.revoked_by)


def find(conn: Connection, link_id: str) -> ShareLink | None:
    row = conn.execute(sa.select(share_links).where(share_links.c.link_id == link_id)).first()
    return None if row is None else _from_row(row)


def links(conn: Connection) -> list[ShareLink]:
    """Every link, newest first."""
    rows = conn.execute(sa.select(share_links).order_by(share_links.c.created_at.desc(), share_links.c.link_id))
    return [_from_row(r) for r in rows]


@dataclass(frozen=True)
class Usage:
    opened: int
    last_opened: datetime | None


def usage(conn: Connection) -> dict[str, Usage]:
    """How often each link was opened and when last (``share_used`` entries of the audit log)."""
    log = audit_log
    query = (sa.select(log.c.username, sa.func.count().label("n"), sa.func.max(log.c.at).label("last"))
             .where(log.c.action == SHARE_USED, log.c.username.like("share:%")).group_by(log.c.username))
    return {row.username.removeprefix("share:"): Usage(int(row.n), row.last) for row in conn.execute(query)}


def check(conn: Connection, token: str | None, secret: str, at: datetime) -> Checked:
    """The link ``token`` opens at ``at``, or why not (signature, link, binding, revocation, expiry)."""
    try:
        data = _serializer(secret).loads(token or "")
        link_id, group, view = str(data["i"]), str(data["g"]), ScorecardView.from_params(data["v"])
    except (BadData, KeyError, TypeError, ValueError):
        return Checked(None, NOT_VALID, "bad signature or content")
    link = find(conn, link_id)
    if link is None or link.dealer_group != group or link.view != view:
        return Checked(None, NOT_VALID, "no such link" if link is None else "group or view differ from the link")
    if link.revoked_at is not None:
        return Checked(None, f"This share link was revoked on {formatting.date(link.revoked_at)}. Ask the person "
                             "who shared it for a new link.", "revoked", link.link_id)
    if at >= link.expires_at:
        return Checked(None, f"This share link expired on {formatting.date(link.expires_at)}. Ask the person who "
                             "shared it for a new link.", "expired", link.link_id)
    return Checked(link)


def record_use(engine: Engine, checked: Checked, at: datetime, client: str | None) -> None:
    """Log the opening of a link (``share_used``) or its refusal (``share_refused`` with the reason)."""
    if checked.link is not None:
        audit.record(engine, at, checked.link.audit_name, SHARE_USED, _detail(checked.link), client)
    else:
        audit.record(engine, at, f"share:{checked.link_id}", SHARE_REFUSED, checked.reason, client)
