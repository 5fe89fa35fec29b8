"""Sign-in and the viewer of this session (``revops_core.access``); only the shell keeps state."""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from revops_core import access
from revops_core.access import Viewer
from shell import data

_KEY = "_viewer"


def current() -> Viewer | None:
    """The signed-in viewer; with no users configured, everyone (``OPEN_INSTALL``)."""
    if not access.sign_in_required(data.config().users):
        return access.OPEN_INSTALL
    return st.session_state.get(_KEY)


def sign_in_form() -> None:
    """The sign-in form; a correct username and password reruns the app signed in."""
    st.title("AutoRevOps")
    st.caption("Sign in with the username and password your administrator set in `config/users.yaml`.")
    with st.form("sign_in"):
        username = st.text_input("Username", key="signin_user", autocomplete="username")
        password = st.text_input("Password", type="password", key="signin_password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", key="signin_submit")
    if submitted:
        result = access.sign_in(data.engine(data.db_url()), data.config().users, username, password,
                                client(), datetime.now())
        if result.viewer is None:
            st.error(result.message)
            return
        st.session_state[_KEY] = result.viewer
        st.rerun()


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
        sees = "everything" if viewer.sees_everything else f"dealer group **{viewer.dealer_group}** and anonymous peers"
        st.caption(f"Signed in as **{viewer.display_name}** ({viewer.role}); sees {sees}.")
        if st.button("Sign out", key="signout", icon=":material/logout:"):
            access.sign_out(data.engine(data.db_url()), viewer, client(), datetime.now())
            st.session_state.pop(_KEY, None)
            st.rerun()


def viewer() -> Viewer:
    """The viewer of this run (set before any page runs)."""
    found = current()
    if found is None:  # a page can only run after app.py signed the viewer in
        st.stop()
    return found
