"""Sign-in, the session a browser keeps, and the viewer of this run (``revops_core.access``);
only the shell keeps state.

The session survives a reload through a signed cookie (``access.SESSION_COOKIE``): signing in
issues a token (``access.issue_token``) that this run keeps in ``st.session_state`` and writes into
the browser with a few lines of JavaScript (``st.html``); a new browser session (a reload, a new
tab) reads it back from ``st.context.cookies``. Every run checks the token again
(``access.viewer_from_token``: signature, expiry, user still configured, no sign-out since), so
signing out, removing a user or changing a password takes effect at once.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import streamlit as st

from revops_core import access, audit, sharing
from revops_core.access import Viewer
from revops_core.db import DATA_DIR
from shell import data

_TOKEN = "_session_token"      # the signed session token of this browser session
_VIEWER = "_viewer"            # the viewer checked by this run (app.py), read by the pages
_VIEWED = "_audited_page"      # the last page whose view went to the audit log
_OIDC_SEEN = "_oidc_signed_in"
_SHARE_SEEN = "_share_token_logged"   # the share token whose opening (or refusal) went to the audit log
SIGN_IN_TITLE = "AutoRevOps"


def current() -> Viewer | None:
    """The signed-in viewer of this run (session token or cookie, checked now); with no users
    configured, everyone (``OPEN_INSTALL``). Called once per run by ``app.py``."""
    users = data.config().users
    found: Viewer | None = access.OPEN_INSTALL
    if access.sign_in_required(users):
        found = _oidc_viewer() or _token_viewer()
    st.session_state[_VIEWER] = found
    return found


def _token_viewer() -> Viewer | None:
    token = st.session_state.get(_TOKEN) or _cookie()
    if not token:
        return None
    with data.engine(data.db_url()).connect() as conn:
        found = access.viewer_from_token(conn, data.config().users, token, secret(), datetime.now())
    if found is None:
        st.session_state.pop(_TOKEN, None)
    else:
        st.session_state[_TOKEN] = token
    return found


def _cookie() -> str | None:
    """The session cookie the browser sent when this session connected (None in tests)."""
    try:
        return st.context.cookies.get(access.SESSION_COOKIE)
    except Exception:  # noqa: BLE001 - no browser context (AppTest)
        return None


def secret() -> str:
    """The session-signing key: ``AUTOREVOPS_SECRET_KEY``, else ``data/secret_key`` (made once)."""
    return _secret(str(DATA_DIR))


@st.cache_resource(show_spinner=False)
def _secret(folder: str) -> str:
    from pathlib import Path

    return access.secret_key(Path(folder))


def viewer() -> Viewer:
    """The viewer of this run (set by ``app.py`` before any page runs)."""
    found = st.session_state.get(_VIEWER)
    if found is None:  # a page can only run after app.py signed the viewer in
        st.stop()
    return found


def open_share(token: str) -> sharing.Checked:
    """The share link ``token`` opens now (``sharing.check``), or why not; its viewer (that dealer
    group, the scorecard only) becomes this run's. The opening or refusal goes to the audit log
    once per browser session and token."""
    engine, now = data.engine(data.db_url()), datetime.now()
    with engine.connect() as conn:
        checked = sharing.check(conn, token, secret(), now)
    if st.session_state.get(_SHARE_SEEN) != token:
        sharing.record_use(engine, checked, now, client())
        st.session_state[_SHARE_SEEN] = token
    if checked.link is None:
        st.session_state.pop(_VIEWER, None)
    else:
        st.session_state[_VIEWER] = sharing.viewer_for(checked.link)
    return checked


def revoke_share(viewer: Viewer, link_id: str) -> bool:
    """An admin revokes a share link (logged as ``share_revoked``); False when it was revoked already."""
    return sharing.revoke(data.engine(data.db_url()), link_id, viewer.username or "admin", datetime.now(), client())


def share_links() -> list[sharing.ShareLink]:
    """Every share link, newest first (the admin's Share links page)."""
    with data.engine(data.db_url()).connect() as conn:
        return sharing.links(conn)


def share_usage() -> dict[str, sharing.Usage]:
    """How often each share link was opened, and when last."""
    with data.engine(data.db_url()).connect() as conn:
        return sharing.usage(conn)

# ---- signing in and out ----------------------------------------------------------------------

def sign_in_form() -> None:
    """The sign-in form; a correct username and password reruns the app signed in, on the page
    the link named (``app.py`` keeps it)."""
    st.title(SIGN_IN_TITLE)
    st.caption("Sign in with the username and password your administrator set in `config/users.yaml`.")
    _oidc_button()
    with st.form("sign_in"):
        username = st.text_input("Username", key="signin_user", autocomplete="username")
        password = st.text_input("Password", type="password", key="signin_password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", key="signin_submit")
    if _cookie():  # the browser holds a session that no longer holds (expired, signed out): forget it
        _write_cookie("", 0)
    if submitted:
        _sign_in(username, password)


def _sign_in(username: str, password: str) -> None:
    users, now = data.config().users, datetime.now()
    result = access.sign_in(data.engine(data.db_url()), users, username, password, client(), now)
    if result.viewer is None:
        st.error(result.message)
        return
    st.session_state[_TOKEN] = access.issue_token(users, result.viewer.username, secret(), now)
    st.rerun()


def keep_session_cookie() -> None:
    """Write this session's token into the browser (so a reload stays signed in) until the browser
    sends it back; the cookie expires with the token (``sign_in.session_hours``)."""
    token = st.session_state.get(_TOKEN)
    if token and _cookie() != token:
        with st.sidebar:
            _write_cookie(token, int(data.config().users.sign_in.session_hours * 3600))


def _write_cookie(value: str, max_age: int) -> None:
    """Set (or, with ``max_age`` 0, delete) the session cookie in the browser."""
    cookie = json.dumps(f"{access.SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; SameSite=Strict")
    st.html(f"<script>document.cookie = {cookie} + (location.protocol === 'https:' ? '; Secure' : '');</script>",
            unsafe_allow_javascript=True, width=1)


def client() -> str:
    """The client's address as the server sees the connection ("local" on this machine)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context: one local client
        address = None
    return address if isinstance(address, str) and address else "local"


def sidebar_badge(viewer: Viewer) -> None:
    """Who is signed in, what they see, and a sign-out button (only when sign-in is on)."""
    if not access.sign_in_required(data.config().users):
        return
    with st.sidebar:
        st.caption(f"Signed in as **{viewer.display_name}** ({viewer.role}); sees {_sees(viewer)}.")
        if st.button("Sign out", key="signout", icon=":material/logout:"):
            _sign_out(viewer)


def _sees(viewer: Viewer) -> str:
    if viewer.dealer_group:
        return f"dealer group **{viewer.dealer_group}** and anonymous peers"
    if viewer.region:
        return f"region **{viewer.region}** and anonymous peers"
    return viewer.describe()


def _sign_out(viewer: Viewer) -> None:
    """End every session of ``viewer`` (its tokens are void from now), forget it here, and rerun."""
    access.sign_out(data.engine(data.db_url()), viewer, client(), datetime.now())
    st.session_state.pop(_TOKEN, None)
    st.session_state.pop(_VIEWER, None)
    if st.session_state.pop(_OIDC_SEEN, None):
        st.logout()
    st.rerun()


# ---- OpenID Connect (st.login), when configured ------------------------------------------------

def _oidc_ready() -> bool:
    """``users.yaml`` names OIDC claims and ``.streamlit/secrets.toml`` configures ``[auth]``."""
    if data.config().users.oidc is None:
        return False
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file
        return False


def _oidc_button() -> None:
    if _oidc_ready():
        provider = data.config().users.oidc.provider  # type: ignore[union-attr]
        if st.button(f"Sign in with {provider or 'your company account'}", key="signin_oidc", type="primary"):
            st.login(provider) if provider else st.login()


def _oidc_viewer() -> Viewer | None:
    """The viewer of an OIDC sign-in (role from its claim), recorded once per session."""
    if not _oidc_ready() or not getattr(st.user, "is_logged_in", False):
        return None
    found = access.viewer_from_claims(data.config().users, st.user.to_dict())
    if found is not None and not st.session_state.get(_OIDC_SEEN):
        audit.record(data.engine(data.db_url()), datetime.now(), found.username.lower(), audit.SIGN_IN,
                     f"{found.role} (OIDC)", client())
        st.session_state[_OIDC_SEEN] = True
    return found


# ---- the audit log of what narrowed viewers look at and take away -----------------------------

def record_view(viewer: Viewer, page: str, detail: str) -> None:
    """Log a ``view`` when an audited viewer opens one of ``access.AUDITED_PAGES`` (once per visit)."""
    if not viewer.audited or page not in access.AUDITED_PAGES:
        st.session_state.pop(_VIEWED, None)
        return
    if st.session_state.get(_VIEWED) != page:
        audit.record(data.engine(data.db_url()), datetime.now(), viewer.username.lower(), audit.VIEW, detail,
                     client())
        st.session_state[_VIEWED] = page


def export_recorder(viewer: Viewer, detail: str) -> Callable[[], None]:
    """Logs an ``export`` of ``detail`` for an audited viewer when called: from the callable that
    makes a download's file, which runs outside the page's run (so the client's address is taken now)."""
    address = client()

    def record() -> None:
        if viewer.audited:
            audit.record(data.engine(data.db_url()), datetime.now(), viewer.username.lower(), audit.EXPORT, detail,
                         address)
    return record


def audit_entries(since: datetime, until: datetime, actions: tuple[str, ...], username: str | None) -> list[dict]:
    """Audit entries for the admin's Audit log page, newest first, at most ``audit.ENTRY_LIMIT``."""
    with data.engine(data.db_url()).connect() as conn:
        return audit.entries(conn, since, until=until, actions=actions or None, username=username or None,
                             limit=audit.ENTRY_LIMIT)
