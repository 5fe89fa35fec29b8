"""Share links on SQLite and PostgreSQL: a token opens its link's one view as its dealer group; a
changed, foreign, unknown, mismatched, expired or revoked token is refused with a message; creating,
opening, refusing and revoking are in the audit log."""
from __future__ import annotations

import base64
import json
import zlib
from datetime import date, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.engine import Engine

from revops_core import audit, sharing
from revops_core.scorecard_export import ScorecardView
from revops_core.sharing import NOT_VALID, ShareError

SECRET = "share-test-secret"
AT = datetime(2026, 7, 1, 9, 30)
VIEW = ScorecardView("dealer", None, date(2026, 4, 1), date(2026, 6, 30), date(2026, 6, 30))


def _make(engine: Engine, group: str = "Northline", days: int = 14) -> tuple[sharing.ShareLink, str]:
    link = sharing.create(engine, group, VIEW, "root", AT, days, "10.0.0.1")
    return link, sharing.token_for(link, SECRET)


def _check(engine: Engine, token: str, at: datetime = AT) -> sharing.Checked:
    with engine.connect() as conn:
        return sharing.check(conn, token, SECRET, at)


def test_a_token_opens_its_link_as_its_dealer_group(engine: Engine) -> None:
    link, token = _make(engine)
    checked = _check(engine, token, AT + timedelta(days=13, hours=23))
    assert checked.link == link and checked.message == ""
    assert (link.view, link.dealer_group, link.expires_at) == (VIEW, "Northline", AT + timedelta(days=14))
    viewer = sharing.viewer_for(link)
    assert viewer.scope.dealer_groups == frozenset({"Northline"}) and viewer.scope.regions is None
    assert viewer.may_open("scorecard") and not viewer.may_open("board_overview") and not viewer.may_open("audit_log")
    assert not viewer.sees_everything and viewer.audited and not viewer.admin
    assert viewer.username == f"share:{link.link_id}"


def _payload(token: str) -> dict:
    body = token.split(".")[1] if token.startswith(".") else token.split(".")[0]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return json.loads(zlib.decompress(raw) if token.startswith(".") else raw)


def _flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1:]


@pytest.mark.parametrize("tamper", ["payload", "signature", "cut", "empty", "garbage"])
def test_a_changed_token_is_refused_with_one_message(engine: Engine, tamper: str) -> None:
    _link, token = _make(engine)
    changed = {"payload": _flip(token, 5), "signature": _flip(token, len(token) - 3), "cut": token[:-6],
               "empty": "", "garbage": "not-a-token"}[tamper]
    checked = _check(engine, changed)
    assert checked.link is None and checked.message == NOT_VALID


def test_a_token_signed_otherwise_is_refused(engine: Engine) -> None:
    link, token = _make(engine)
    payload = _payload(token)
    assert payload == {"i": link.link_id, "g": "Northline", "v": VIEW.to_params()}
    for forged in (URLSafeTimedSerializer("another-secret", salt=sharing.SALT).dumps(payload),   # another key
                   URLSafeTimedSerializer(SECRET, salt="autorevops.session.v1").dumps(payload),  # another salt
                   URLSafeSerializer(SECRET, salt=sharing.SALT).dumps(payload)):                # no timestamp
        assert _check(engine, forged).message == NOT_VALID


def test_a_signed_token_must_match_its_link(engine: Engine) -> None:
    """Signed with the real key (a leaked secret, an old link's id): the group and view must be the link's."""
    link, _token = _make(engine)
    sign = URLSafeTimedSerializer(SECRET, salt=sharing.SALT).dumps
    other_view = {**VIEW.to_params(), "level": "dealer_group"}
    for payload, reason in (({"i": "no-such-link", "g": "Northline", "v": VIEW.to_params()}, "no such link"),
                            ({"i": link.link_id, "g": "Southgate", "v": VIEW.to_params()}, "group or view differ"),
                            ({"i": link.link_id, "g": "Northline", "v": other_view}, "group or view differ"),
                            ({"i": link.link_id, "g": "Northline"}, "bad signature or content")):
        checked = _check(engine, sign(payload))
        assert checked.link is None and checked.message == NOT_VALID and checked.reason.startswith(reason)


def test_an_expired_link_is_refused_from_its_expiry_on(engine: Engine) -> None:
    link, token = _make(engine, days=3)
    assert _check(engine, token, link.expires_at - timedelta(seconds=1)).link == link
    checked = _check(engine, token, link.expires_at)
    assert checked.link is None and checked.reason == "expired"
    assert checked.message == "This share link expired on 4 Jul 2026. Ask the person who shared it for a new link."


def test_a_revoked_link_is_refused_and_revoking_twice_says_so(engine: Engine) -> None:
    link, token = _make(engine)
    assert sharing.revoke(engine, link.link_id, "root", AT + timedelta(hours=2))
    assert not sharing.revoke(engine, link.link_id, "root", AT + timedelta(hours=3))
    assert not sharing.revoke(engine, "no-such-link", "root", AT)
    checked = _check(engine, token, AT + timedelta(hours=2))
    assert checked.link is None and checked.reason == "revoked" and checked.link_id == link.link_id
    assert checked.message.startswith("This share link was revoked on 1 Jul 2026.")
    with engine.connect() as conn:
        stored = sharing.find(conn, link.link_id)
    assert stored.status(AT) == "revoked" and stored.revoked_by == "root"


def test_creating_opening_refusing_and_revoking_are_audited(engine: Engine) -> None:
    link, token = _make(engine)
    sharing.record_use(engine, _check(engine, token), AT + timedelta(minutes=1), "10.0.0.2")
    sharing.record_use(engine, _check(engine, token), AT + timedelta(minutes=2), "10.0.0.2")
    sharing.record_use(engine, _check(engine, token[:-4]), AT + timedelta(minutes=3), "10.0.0.3")
    sharing.revoke(engine, link.link_id, "root", AT + timedelta(minutes=4), "10.0.0.1")
    sharing.record_use(engine, _check(engine, token, AT + timedelta(minutes=5)), AT + timedelta(minutes=5), "x")
    with engine.connect() as conn:
        log = [(e["username"], e["action"], e["client"]) for e in reversed(audit.entries(conn))]
        used = sharing.usage(conn)
    name = f"share:{link.link_id}"
    assert log == [("root", sharing.SHARE_CREATED, "10.0.0.1"), (name, sharing.SHARE_USED, "10.0.0.2"),
                   (name, sharing.SHARE_USED, "10.0.0.2"), ("share:?", sharing.SHARE_REFUSED, "10.0.0.3"),
                   ("root", sharing.SHARE_REVOKED, "10.0.0.1"), (name, sharing.SHARE_REFUSED, "x")]
    assert used == {link.link_id: sharing.Usage(2, AT + timedelta(minutes=2))}


def test_links_are_listed_newest_first_with_their_status(engine: Engine) -> None:
    first, _ = _make(engine, "Northline", 1)
    second = sharing.create(engine, "Southgate", VIEW, "root", AT + timedelta(hours=1), 14)
    sharing.revoke(engine, second.link_id, "root", AT + timedelta(hours=2))
    with engine.connect() as conn:
        found = sharing.links(conn)
    assert [(x.dealer_group, x.status(AT + timedelta(days=2))) for x in found] == [("Southgate", "revoked"),
                                                                                  ("Northline", "expired")]
    assert found[1] == first


@pytest.mark.parametrize(("group", "view", "problem"), [
    ("Elsewhere", VIEW, "not a dealer group"),
    ("Northline", ScorecardView("region", None, VIEW.start, VIEW.end, VIEW.as_of), "compares at dealer or dealer_group"),
    ("Northline", ScorecardView("dealer", "SPACE", VIEW.start, VIEW.end, VIEW.as_of), "unknown journey"),
])
def test_a_link_beyond_what_a_group_may_see_is_not_made(group: str, view: ScorecardView, problem: str) -> None:
    with pytest.raises(ShareError, match=problem):
        sharing.validate(view, group, frozenset({"Northline", "Southgate"}), ("EV_LAUNCH",))


def test_a_link_holds_at_least_a_day(engine: Engine) -> None:
    with pytest.raises(ShareError):
        sharing.create(engine, "Northline", VIEW, "root", AT, 0)
