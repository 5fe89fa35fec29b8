"""Who is looking: sign-in against ``config/users.yaml`` and the scope every query then takes.

With no users configured the product is a single-team install: nobody signs in and everyone
sees everything. Once users exist, each signs in with a password (bcrypt hashes in the config,
made by ``python -m revops_core hash-password``). A role that ``sees: everything`` (admin,
executive) gets every page; a role that sees its ``own_dealer_group`` gets the ecosystem pages
narrowed to its dealer group: its own figures by name, every other group only as an anonymous
peer ("Peer 3"), never another group's name or data.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import bcrypt
from sqlalchemy.engine import Engine

from revops_core import audit
from revops_core.config import Users
from revops_core.queries.common import EVERYTHING, Scope

# A hash of a random password nobody knows: checking an unknown username costs the same time
# as checking a known one, so timing does not tell which usernames exist.
_DUMMY_HASH = b"$2b$12$OENQS0uyKNMmqBCiEcVDT.TyzCmxXZSP8LQJB80srIY5AiNf2qN7a"
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class Viewer:
    """The person using the app and what they may see."""

    username: str
    display_name: str
    role: str
    dealer_group: str | None = None

    @property
    def sees_everything(self) -> bool:
        return self.dealer_group is None

    @property
    def scope(self) -> Scope:
        """The scope every data-access call takes for this viewer."""
        return EVERYTHING if self.dealer_group is None else Scope(frozenset({self.dealer_group}))


OPEN_INSTALL = Viewer("", "Everyone", "admin")  # no users configured: no sign-in, everything visible


def sign_in_required(users: Users) -> bool:
    return bool(users.users)


def scorecards_shared(users: Users) -> bool:
    """Some user sees its own dealer group: dealer scorecards are shared (maturity PARTNER_ROLE)."""
    return any(users.roles[u.role].sees == "own_dealer_group" for u in users.users)


def hash_password(password: str) -> str:
    """A bcrypt hash for ``users.yaml``; raises ``ValueError`` for a password under 10 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"use a password of at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode("utf-8")) > 72:
        raise ValueError("bcrypt uses at most 72 bytes of a password; use a shorter one")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def authenticate(users: Users, username: str, password: str) -> Viewer | None:
    """The viewer for a correct username (case-insensitive) and password, else None."""
    wanted = (username or "").strip().lower()
    match = next((u for u in users.users if hmac.compare_digest(u.username.lower(), wanted)), None)
    secret = (password or "").encode("utf-8")[:72]
    stored = match.password_hash.encode("ascii") if match else _DUMMY_HASH
    try:
        ok = bcrypt.checkpw(secret, stored)
    except ValueError:
        ok = False
    if match is None or not ok:
        return None
    sees = users.roles[match.role].sees
    return Viewer(match.username, match.display_name, match.role,
                  match.dealer_group if sees == "own_dealer_group" else None)


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
    """Record that ``viewer`` signed out."""
    audit.record(engine, at, viewer.username.lower(), audit.SIGN_OUT, None, client)
