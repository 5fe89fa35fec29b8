"""Roles, the session token a browser keeps, OIDC claims and links (SQLite and PostgreSQL for the
parts that read the audit log), with the clock injected."""
from __future__ import annotations

import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from revops_core import access, audit
from revops_core.config import Role, Users
from revops_core.queries.common import EVERYTHING, Scope
from tests.core.test_access import _hash

T0 = datetime(2026, 6, 30, 9, 0, 0)
SECRET = "a-test-secret"
ROLES = {"admin": {"sees": "everything", "admin": True}, "executive": {"sees": "everything"},
         "marketing_ops": {"sees": "every_dealer"}, "dealer_group": {"sees": "own_dealer_group"},
         "region": {"sees": "own_region"}}
USERS = Users.model_validate({"roles": ROLES, "sign_in": {"session_hours": 12}, "users": [
    {"username": "root", "display_name": "Root", "role": "admin", "password_hash": _hash("admin-password-1")},
    {"username": "cro", "display_name": "CRO", "role": "executive", "password_hash": _hash("board-room-2026")},
    {"username": "mops", "display_name": "MOps", "role": "marketing_ops", "password_hash": _hash("marketing-ops-77")},
    {"username": "north", "display_name": "Northline", "role": "dealer_group", "dealer_group": "Northline",
     "password_hash": _hash("dealer-council-7")},
    {"username": "west", "display_name": "West", "role": "region", "region": "West",
     "password_hash": _hash("region-west-123")}]})


def _viewer(name: str) -> access.Viewer:
    user = access.find_user(USERS, name)
    assert user is not None
    return access.viewer_for(USERS, user)


@pytest.mark.parametrize(("name", "scope", "opens", "refused"), [
    ("root", EVERYTHING, {"board_overview", "data_admin", "audit_log", "scorecard"}, set()),
    ("cro", EVERYTHING, {"board_overview", "data_admin", "scorecard", "a_page_added_later"}, {"audit_log"}),
    ("mops", Scope(book=False), {"scorecard", "maturity", "attribution"}, {"board_overview", "data_admin"}),
    ("north", Scope(frozenset({"Northline"})), {"scorecard", "maturity"}, {"attribution", "board_overview"}),
    ("west", Scope(regions=frozenset({"West"})), {"scorecard"}, {"maturity", "attribution"}),
])
def test_each_role_has_its_scope_and_pages(name: str, scope: Scope, opens: set[str], refused: set[str]) -> None:
    viewer = _viewer(name)
    assert viewer.scope == scope
    assert all(viewer.may_open(p) for p in opens) and not any(viewer.may_open(p) for p in refused)
    assert viewer.audited == (not scope.whole_book)


@pytest.mark.parametrize(("role", "problem"), [
    ({"sees": "own_dealer_group", "pages": ["board_overview"]}, "cannot open board_overview"),
    ({"sees": "everything", "pages": ["nowhere"]}, "unknown page"),
    ({"sees": "every_dealer", "admin": True}, "only a role that sees everything can administer"),
    ({"sees": "everything", "pages": ["audit_log"]}, "audit_log is for an admin role"),
    ({"sees": "own_town"}, "sees"),
])
def test_role_problems_are_named(role: dict, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Role.model_validate(role)


@pytest.mark.parametrize(("user", "problem"), [
    ({"role": "region"}, "sees its own region; name it"),
    ({"role": "marketing_ops", "dealer_group": "G1"}, "remove dealer_group"),
    ({"role": "dealer_group", "dealer_group": "G1", "region": "West"}, "remove region"),
])
def test_user_problems_are_named(user: dict, problem: str) -> None:
    row = {"username": "u1", "display_name": "U", "password_hash": _hash("0123456789"), **user}
    with pytest.raises(ValidationError, match=problem):
        Users.model_validate({"roles": ROLES, "users": [row]})


def test_a_token_signs_in_until_it_expires(engine: Engine) -> None:
    token = access.issue_token(USERS, "North", SECRET, T0)
    with engine.connect() as conn:
        assert access.viewer_from_token(conn, USERS, token, SECRET, T0 + timedelta(hours=11)) == _viewer("north")
        assert access.viewer_from_token(conn, USERS, token, SECRET, T0 + timedelta(hours=12, seconds=1)) is None
        assert access.viewer_from_token(conn, USERS, token, "another-secret", T0) is None
        assert access.viewer_from_token(conn, USERS, token[:-2] + "xx", SECRET, T0) is None
        assert access.viewer_from_token(conn, USERS, "not a token", SECRET, T0) is None
        assert access.viewer_from_token(conn, USERS, None, SECRET, T0) is None


def test_signing_out_ends_every_earlier_session(engine: Engine) -> None:
    before = access.issue_token(USERS, "cro", SECRET, T0)
    access.sign_out(engine, _viewer("cro"), "10.0.0.1", T0 + timedelta(minutes=5))
    after = access.issue_token(USERS, "cro", SECRET, T0 + timedelta(minutes=6))
    other = access.issue_token(USERS, "north", SECRET, T0)
    with engine.connect() as conn:
        at = T0 + timedelta(minutes=7)
        assert access.viewer_from_token(conn, USERS, before, SECRET, at) is None
        assert access.viewer_from_token(conn, USERS, after, SECRET, at) == _viewer("cro")
        assert access.viewer_from_token(conn, USERS, other, SECRET, at) == _viewer("north")
        assert audit.last_sign_out(conn, "cro") == T0 + timedelta(minutes=5)


def test_a_removed_user_or_a_new_password_ends_the_session(engine: Engine) -> None:
    token = access.issue_token(USERS, "north", SECRET, T0)
    raw = USERS.model_dump()
    removed = Users.model_validate({**raw, "users": [u for u in raw["users"] if u["username"] != "north"]})
    renewed = Users.model_validate({**raw, "users": [
        {**u, "password_hash": _hash("a-new-password")} if u["username"] == "north" else u for u in raw["users"]]})
    with engine.connect() as conn:
        assert access.viewer_from_token(conn, removed, token, SECRET, T0) is None
        assert access.viewer_from_token(conn, renewed, token, SECRET, T0) is None


def test_the_secret_key_comes_from_the_environment_or_a_private_file(tmp_path: Path) -> None:
    assert access.secret_key(tmp_path, {access.SECRET_ENV_VAR: "from-env"}) == "from-env"
    made = access.secret_key(tmp_path / "data", {})
    assert len(made) >= 40 and access.secret_key(tmp_path / "data", {}) == made
    assert stat.S_IMODE((tmp_path / "data" / access.SECRET_FILE).stat().st_mode) == 0o600


def test_oidc_claims_give_a_configured_role() -> None:
    users = Users.model_validate({**USERS.model_dump(), "oidc": {"role_claim": "groups_role"}})
    north = access.viewer_from_claims(users, {"email": "ann@north.example", "groups_role": "dealer_group",
                                              "dealer_group": "Northline", "name": "Ann"})
    assert north is not None and north.scope == Scope(frozenset({"Northline"})) and north.display_name == "Ann"
    assert access.viewer_from_claims(users, {"email": "x@y", "groups_role": "owner"}) is None
    assert access.viewer_from_claims(users, {"email": "x@y", "groups_role": "dealer_group"}) is None  # no group
    assert access.viewer_from_claims(USERS, {"email": "x@y", "role": "executive"}) is None  # OIDC not configured


def test_a_link_naming_another_org_unit_is_refused() -> None:
    assert access.refused_params(_viewer("north"), {"mm_org": "Northline", "as_of": "2026-06-30"}) == {}
    assert set(access.refused_params(_viewer("north"), {"mm_org": "Southgate"})) == {"mm_org"}
    assert access.refused_params(_viewer("mops"), {"mm_org": "Southgate"}) == {}
