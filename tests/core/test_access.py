"""Sign-in against users.yaml and the scope a viewer's queries take."""
from __future__ import annotations

import bcrypt
import pytest
from pydantic import ValidationError

from revops_core.access import OPEN_INSTALL, authenticate, hash_password, sign_in_required
from revops_core.config import Users
from revops_core.queries.common import EVERYTHING, Scope

FAST = bcrypt.gensalt(rounds=4)  # tests only: the app's own hashes use the default cost
ROLES = {"admin": {"sees": "everything"}, "dealer_group": {"sees": "own_dealer_group"}}


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), FAST).decode()


def _users(*users: dict) -> Users:
    return Users.model_validate({"roles": ROLES, "users": list(users)})


USERS = _users(
    {"username": "cro", "display_name": "Chief Revenue Officer", "role": "admin",
     "password_hash": _hash("board-room-2026")},
    {"username": "northline", "display_name": "Northline Auto Group", "role": "dealer_group",
     "dealer_group": "Northline Auto Group", "password_hash": _hash("dealer-council-7")},
)


def test_a_correct_password_signs_in_with_the_role_scope() -> None:
    cro = authenticate(USERS, "CRO ", "board-room-2026")  # usernames are case-insensitive, trimmed
    assert cro is not None and cro.sees_everything and cro.scope == EVERYTHING
    group = authenticate(USERS, "northline", "dealer-council-7")
    assert group is not None and not group.sees_everything
    assert group.scope == Scope(frozenset({"Northline Auto Group"}))
    assert group.display_name == "Northline Auto Group"


@pytest.mark.parametrize(("username", "password"), [
    ("cro", "board-room-2027"), ("cro", ""), ("nobody", "board-room-2026"), ("", ""), ("northline", "BOARD-ROOM-2026")])
def test_a_wrong_username_or_password_is_refused(username: str, password: str) -> None:
    assert authenticate(USERS, username, password) is None


def test_hash_password_round_trips_and_refuses_short_ones() -> None:
    hashed = hash_password("a long enough secret")
    assert bcrypt.checkpw(b"a long enough secret", hashed.encode())
    assert authenticate(_users({"username": "x", "display_name": "X", "role": "admin", "password_hash": hashed}),
                        "x", "a long enough secret") is not None
    with pytest.raises(ValueError, match="at least 10 characters"):
        hash_password("short")


def test_no_users_means_no_sign_in_and_everything_visible() -> None:
    assert not sign_in_required(_users())
    assert sign_in_required(USERS)
    assert OPEN_INSTALL.sees_everything and OPEN_INSTALL.scope == EVERYTHING


@pytest.mark.parametrize(("user", "problem"), [
    ({"role": "dealer_group"}, "sees its own dealer group; name it"),
    ({"role": "admin", "dealer_group": "G1"}, "sees everything; remove dealer_group"),
    ({"role": "owner"}, "unknown role 'owner'"),
    ({"role": "admin", "password_hash": "plain-text"}, "password_hash"),
])
def test_users_yaml_problems_are_named(user: dict, problem: str) -> None:
    row = {"username": "u1", "display_name": "U", "password_hash": _hash("0123456789"), **user}
    with pytest.raises(ValidationError, match=problem):
        _users(row)


def test_a_username_used_twice_is_refused() -> None:
    row = {"username": "Ana", "display_name": "A", "role": "admin", "password_hash": _hash("0123456789")}
    with pytest.raises(ValidationError, match="'ana' is used twice|'Ana' is used twice"):
        _users(row, {**row, "username": "ana"})
