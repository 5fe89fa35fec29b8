"""Who is looking: sign-in against ``config/users.yaml``, the session a browser keeps, and the
scope every query then takes.

With no users configured the product is a single-team install: nobody signs in and everyone
sees everything. Once users exist, each signs in with a password (bcrypt hashes in the config,
made by ``python -m revops_core users add`` or ``hash-password``), or through an OpenID Connect
provider when one is configured (the role from a claim). A role's ``sees`` decides its scope
(``queries.common.Scope``) and the pages it opens (``config.Role``):

- ``everything`` (admin, executive): the whole book and every dealer;
- ``every_dealer`` (marketing_ops): every dealer by name, none of the supplier's own book;
- ``own_dealer_group`` / ``own_region``: its own dealers by name, every other one only as an
  anonymous peer ("Peer A"), never another group's name, id, count or money.

A signed-in browser keeps a session token (``issue_token``) in a cookie: signed with a secret
key (``secret_key``), it names the user and when it was issued, and holds for
``sign_in.session_hours``. It is checked on every run against the current config (a removed user
or a changed password ends it) and the audit log (signing out ends every earlier session of
the user). The clock is the caller's (``at``).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import bcrypt
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.engine import Connection, Engine

from revops_core import audit
from revops_core.config import Role, User, Users
from revops_core.queries.common import Scope

# A hash of a random password nobody knows: checking an unknown username costs the same time
# as checking a known one, so timing does not tell which usernames exist.
_DUMMY_HASH = b"$2b$12$OENQS0uyKNMmqBCiEcVDT.TyzCmxXZSP8LQJB80srIY5AiNf2qN7a"
MIN_PASSWORD_LENGTH = 10
SECRET_ENV_VAR = "AUTOREVOPS_SECRET_KEY"
SECRET_FILE = "secret_key"
SESSION_COOKIE = "autorevops_session"
_SESSION_SALT = "autorevops.session.v1"
_CLOCK_SKEW = timedelta(minutes=5)
AUDITED_PAGES = ("scorecard", "maturity")  # a narrowed or ecosystem-only viewer's visits are logged


@dataclass(frozen=True)
class Viewer:
    """The person using the app and what they may see.

    ``pages`` None = every page; ``book`` False = none of the supplier's own book (a role that
    sees every dealer only); ``dealer_group`` / ``region`` narrow dealers and the book to its own
    (the accounts of its group or region, never one without a group).
    """

    username: str
    display_name: str
    role: str
    dealer_group: str | None = None
    region: str | None = None
    pages: frozenset[str] | None = None
    book: bool = True
    admin: bool = False

    @property
    def scope(self) -> Scope:
        """The scope every data-access call takes for this viewer."""
        return Scope(None if self.dealer_group is None else frozenset({self.dealer_group}),
                     None if self.region is None else frozenset({self.region}), self.book)

    @property
    def sees_everything(self) -> bool:
        """Every dealer, group and region by name (no anonymous peers)."""
        return self.scope.every_dealer

    @property
    def own_units(self) -> tuple[str, ...]:
        """The org units (dealer group or region names) a narrowed viewer assesses and sees."""
        return tuple(u for u in (self.dealer_group, self.region) if u)

    @property
    def audited(self) -> bool:
        """Whether this viewer's scorecard views and downloads go to the audit log."""
        return not self.scope.whole_book

    def may_open(self, page: str) -> bool:
        """Whether this viewer opens ``page`` (a page key: the page file's name); the audit log
        only with ``admin``."""
        if page == "audit_log":
            return self.admin
        return self.pages is None or page in self.pages

    def describe(self) -> str:
        """What this viewer sees, in words."""
        if self.dealer_group:
            return f"dealer group {self.dealer_group} and anonymous peers"
        if self.region:
            return f"region {self.region} and anonymous peers"
        return "everything" if self.book else "every dealer (not the supplier's own book)"


OPEN_INSTALL = Viewer("", "Everyone", "admin", admin=True)  # no users configured: no sign-in, everything visible


def viewer_for(users: Users, user: User) -> Viewer:
    """The viewer of a configured ``user``: its role's pages and scope."""
    role = users.roles[user.role]
    return Viewer(user.username, user.display_name, user.role,
                  user.dealer_group if role.needs == "dealer_group" else None,
                  user.region if role.needs == "region" else None,
                  _pages(role), role.sees != "every_dealer", role.admin)


def _pages(role: Role) -> frozenset[str] | None:
    """The pages of a role: None (every page, also one added later) for a role that sees everything
    without a ``pages`` list; else its page keys."""
    return None if role.pages is None and role.sees == "everything" else frozenset(role.page_keys)


def find_user(users: Users, username: str) -> User | None:
    """The configured user named ``username`` (case-insensitive, trimmed), else None."""
    wanted = (username or "").strip().lower()
    return next((u for u in users.users if hmac.compare_digest(u.username.lower(), wanted)), None)


def sign_in_required(users: Users) -> bool:
    return bool(users.users)


def scorecards_shared(users: Users) -> bool:
    """Some user sees only its own dealer group or region: dealer scorecards are shared (maturity
    PARTNER_ROLE)."""
    return any(users.roles[u.role].needs is not None for u in users.users)


def hash_password(password: str) -> str:
    """A bcrypt hash for ``users.yaml``; raises ``ValueError`` for a password under 10 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"use a password of at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode("utf-8")) > 72:
        raise ValueError("bcrypt uses at most 72 bytes of a password; use a shorter one")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def authenticate(users: Users, username: str, password: str) -> Viewer | None:
    """The viewer for a correct username (case-insensitive) and password, else None."""
    match = find_user(users, username)
    secret = (password or "").encode("utf-8")[:72]
    stored = match.password_hash.encode("ascii") if match else _DUMMY_HASH
    try:
        ok = bcrypt.checkpw(secret, stored)
    except ValueError:
        ok = False
    if match is None or not ok:
        return None
    return viewer_for(users, match)


@dataclass(frozen=True)
class SignInResult:
    """The viewer on success; otherwise None and the message to show."""

    viewer: Viewer | None
    message: str = ""


def sign_in(engine: Engine, users: Users, username: str, password: str, client: str | None,
            at: datetime) -> SignInResult:
    """Check a sign-in attempt against the rate limits, then the password; record it in the audit log.

    A locked-out attempt is refused without checking the password (so guessing gains nothing
    while locked) and recorded as refused; failures and successes are recorded too.
    """
    name = (username or "").strip().lower()
    with engine.connect() as conn:
        locked = audit.lockout(conn, users.sign_in, at, name, client)
    if locked is not None:
        audit.record(engine, at, name, audit.SIGN_IN_REFUSED, locked.reason, client)
        return SignInResult(None, locked.message(at))
    viewer = authenticate(users, name, password)
    if viewer is None:
        audit.record(engine, at, name, audit.SIGN_IN_FAILED, None, client)
        return SignInResult(None, "Wrong username or password.")
    audit.record(engine, at, name, audit.SIGN_IN, viewer.role, client)
    return SignInResult(viewer)


def sign_out(engine: Engine, viewer: Viewer, client: str | None, at: datetime) -> None:
    """Record that ``viewer`` signed out: every session token issued before ``at`` ends."""
    audit.record(engine, at, viewer.username.lower(), audit.SIGN_OUT, None, client)


# ---- the session a browser keeps -------------------------------------------------------------

def secret_key(folder: Path, environ: Mapping[str, str] | None = None) -> str:
    """The key session tokens are signed with: ``AUTOREVOPS_SECRET_KEY``, else the file
    ``folder/secret_key``, made on first use (random, readable by its owner only, mode 0600)."""
    given = (os.environ if environ is None else environ).get(SECRET_ENV_VAR, "").strip()
    if given:
        return given
    path = folder / SECRET_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip()


def _fingerprint(user: User, secret: str) -> str:
    """Ties a token to the user's current password: a new password ends the old sessions."""
    return hmac.new(secret.encode(), user.password_hash.encode(), hashlib.sha256).hexdigest()[:16]


def issue_token(users: Users, username: str, secret: str, at: datetime) -> str:
    """A signed session token for ``username`` (known to ``users``), issued at ``at``."""
    user = find_user(users, username)
    if user is None:
        raise ValueError(f"no user {username!r}")
    payload = {"u": user.username.lower(), "t": at.timestamp(), "p": _fingerprint(user, secret)}
    return URLSafeSerializer(secret, salt=_SESSION_SALT).dumps(payload)


def _token_user(users: Users, token: str, secret: str) -> tuple[User, datetime] | None:
    """The user and issue time a token names, when its signature and password fingerprint hold."""
    try:
        data = URLSafeSerializer(secret, salt=_SESSION_SALT).loads(token)
        user, issued = find_user(users, str(data["u"])), datetime.fromtimestamp(float(data["t"]))
    except (BadData, KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    if user is None or not hmac.compare_digest(str(data.get("p", "")), _fingerprint(user, secret)):
        return None
    return user, issued


def viewer_from_token(conn: Connection, users: Users, token: str | None, secret: str, at: datetime) -> Viewer | None:
    """The viewer a session token signs in, or None: a bad or foreign signature, an unknown user, a
    changed password, an expired token (``sign_in.session_hours``) or a sign-out since it was issued."""
    found = _token_user(users, token, secret) if token else None
    if found is None:
        return None
    user, issued = found
    if issued > at + _CLOCK_SKEW or at - issued > timedelta(hours=users.sign_in.session_hours):
        return None
    signed_out = audit.last_sign_out(conn, user.username.lower())
    if signed_out is not None and issued <= signed_out:
        return None
    return viewer_for(users, user)


# ---- OpenID Connect --------------------------------------------------------------------------

def viewer_from_claims(users: Users, claims: Mapping[str, object]) -> Viewer | None:
    """The viewer an OpenID Connect identity signs in (``users.yaml`` ``oidc``): the role from its
    claim, which must name a configured role, with the dealer group or region it needs; else None."""
    oidc = users.oidc
    if oidc is None:
        return None
    name, role_name = str(claims.get(oidc.username_claim) or ""), str(claims.get(oidc.role_claim) or "")
    role: Role | None = users.roles.get(role_name)
    if not name or role is None:
        return None
    group = str(claims.get(oidc.dealer_group_claim) or "") or None
    region = str(claims.get(oidc.region_claim) or "") or None
    if (role.needs == "dealer_group" and not group) or (role.needs == "region" and not region):
        return None
    return Viewer(name, str(claims.get("name") or name), role_name,
                  group if role.needs == "dealer_group" else None, region if role.needs == "region" else None,
                  _pages(role), role.sees != "every_dealer", role.admin)


# ---- links -----------------------------------------------------------------------------------

# query parameters that name what a page shows for an org unit: a narrowed viewer's link may
# name only its own (the maturity matrix's org unit)
SCOPED_PARAMS: dict[str, str] = {"mm_org": "org unit"}


def refused_params(viewer: Viewer, params: Mapping[str, str]) -> dict[str, str]:
    """The query parameters of a link that ask ``viewer`` for something outside its scope, each
    with the reason in words (empty for a viewer who sees every dealer)."""
    if viewer.sees_everything:
        return {}
    return {key: f"the {what} “{params[key]}” is not yours to open"
            for key, what in SCOPED_PARAMS.items() if key in params and params[key] not in viewer.own_units}
