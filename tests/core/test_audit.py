"""Sign-in rate limits and the audit log (SQLite and PostgreSQL), with the clock injected."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from revops_core import audit
from revops_core.access import sign_in, sign_out
from revops_core.config import SignInLimits, Users
from tests.core.test_access import ROLES, _hash

T0 = datetime(2026, 6, 30, 9, 0, 0)
LIMITS = {"max_failures": 3, "max_client_failures": 5, "window_minutes": 10}
USERS = Users.model_validate({
    "roles": ROLES, "sign_in": LIMITS,
    "users": [{"username": "cro", "display_name": "CRO", "role": "admin", "password_hash": _hash("board-room-2026")}],
})


def _attempt(engine: Engine, password: str, minutes: float, username: str = "cro",  # noqa: ANN202
             client: str = "10.0.0.1"):
    return sign_in(engine, USERS, username, password, client, T0 + timedelta(minutes=minutes))


def _actions(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        return [(e["action"], e["username"], e["client"]) for e in reversed(audit.entries(conn))]


def test_three_failures_lock_the_user_name_even_for_the_right_password(engine: Engine) -> None:
    for minute in (0, 1, 2):
        assert _attempt(engine, "wrong-password", minute).message == "Wrong username or password."
    refused = _attempt(engine, "board-room-2026", 3)
    assert refused.viewer is None
    # the oldest of the three failures (minute 0) leaves the 10-minute window at minute 10
    assert refused.message == ("Too many failed sign-ins for this user name. Try again in 7 minute(s), "
                               "or ask your administrator.")
    assert _attempt(engine, "board-room-2026", 10.5).viewer is not None
    assert _actions(engine) == [("sign_in_failed", "cro", "10.0.0.1")] * 3 + [
        ("sign_in_refused", "cro", "10.0.0.1"), ("sign_in", "cro", "10.0.0.1")]


def test_a_success_resets_the_user_count(engine: Engine) -> None:
    _attempt(engine, "wrong-password", 0)
    _attempt(engine, "wrong-password", 1)
    assert _attempt(engine, "board-room-2026", 2).viewer is not None
    _attempt(engine, "wrong-password", 3)
    _attempt(engine, "wrong-password", 4)
    assert _attempt(engine, "board-room-2026", 5).viewer is not None   # 2 failures since the success


def test_the_user_name_is_matched_case_insensitively(engine: Engine) -> None:
    for minute, name in enumerate(("CRO", " cro", "Cro")):
        _attempt(engine, "wrong-password", minute, username=name)
    assert "this user name" in _attempt(engine, "board-room-2026", 3, username="cro").message


def test_one_client_trying_many_names_is_locked(engine: Engine) -> None:
    for minute, name in enumerate(("a", "b", "c", "d", "e")):
        _attempt(engine, "x", minute, username=name)
    refused = _attempt(engine, "board-room-2026", 5)
    assert refused.viewer is None and "this computer" in refused.message
    assert _attempt(engine, "board-room-2026", 5, client="10.0.0.2").viewer is not None   # another client


def test_sign_out_is_recorded(engine: Engine) -> None:
    viewer = _attempt(engine, "board-room-2026", 0).viewer
    assert viewer is not None
    sign_out(engine, viewer, "local", T0 + timedelta(hours=1))
    assert [a for a, _u, _c in _actions(engine)] == ["sign_in", "sign_out"]


def test_a_huge_user_name_is_cut_to_the_column(engine: Engine) -> None:
    _attempt(engine, "x", 0, username="u" * 5000, client="c" * 500)
    [(action, username, client)] = _actions(engine)
    assert (action, len(username), len(client)) == ("sign_in_failed", 120, 64)


@pytest.mark.parametrize("limits, problem", [({"max_failures": 0}, "max_failures"),
                                             ({"window_minutes": -1}, "window_minutes")])
def test_limits_are_validated(limits: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        SignInLimits.model_validate(limits)
