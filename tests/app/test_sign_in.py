"""AppTest: with users configured, nobody sees a figure before signing in, and a dealer group
sees its own figures by name and every other group only as an anonymous peer."""
from __future__ import annotations

import shutil
from pathlib import Path

import bcrypt
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from revops_core.config import CONFIG_DIR
from revops_core.queries import maturity as qm
from revops_core.queries import scorecard as qs
from revops_core.queries.common import EVERYTHING
from revops_core.scorecard import peer_label

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


@pytest.fixture
def groups(sample_engine) -> list[str]:  # noqa: ANN001
    with sample_engine.connect() as conn:
        return qm.dealer_groups(conn)


@pytest.fixture
def signed_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_db_url: str, groups: list[str]) -> str:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    users = yaml.safe_load((folder / "users.yaml").read_text(encoding="utf-8"))
    users["users"] = [
        {"username": "cro", "display_name": "CRO", "role": "executive", "password_hash": _hash("board-room-2026")},
        {"username": "group", "display_name": groups[0], "role": "dealer_group", "dealer_group": groups[0],
         "password_hash": _hash("dealer-council-7")},
    ]
    (folder / "users.yaml").write_text(yaml.safe_dump(users), encoding="utf-8")
    monkeypatch.setenv("AUTOREVOPS_CONFIG_DIR", str(folder))
    monkeypatch.setenv("AUTOREVOPS_DB_URL", sample_db_url)
    return groups[0]


def _sign_in(username: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["AutoRevOps"] and not at.metric and not at.dataframe
    at.text_input(key="signin_user").input(username)
    at.text_input(key="signin_password").input(password)
    return at.button(key="signin_submit").click().run()


def test_a_wrong_password_shows_nothing(signed_config: str) -> None:
    at = _sign_in("cro", "not-the-password")
    assert not at.exception
    assert any("Wrong username or password" in e.value for e in at.error)
    assert not at.metric and not at.dataframe


def test_an_executive_sees_the_board(signed_config: str) -> None:
    at = _sign_in("cro", "board-room-2026")
    assert not at.exception
    assert at.title[0].value == "Board overview"
    assert any("Signed in as **CRO** (executive); sees everything" in c.value for c in at.sidebar.caption)


def test_a_dealer_group_sees_itself_and_anonymous_peers_only(signed_config: str, sample_engine, groups) -> None:  # noqa: ANN001
    own = signed_config
    at = _sign_in("group", "dealer-council-7")
    assert not at.exception
    assert at.title[0].value == "Ecosystem scorecard"  # its landing page
    assert at.selectbox(key="eco_level").options == ["Dealer", "Dealer group"]
    with sample_engine.connect() as conn:
        mine = {e.name for e in qs.entities(conn, "dealer", qm.Scope(frozenset({own}))).values()}
        theirs = {e.name for e in qs.entities(conn, "dealer", EVERYTHING).values()} - mine
    at.multiselect(key="eco_columns").set_value(["Dealer ID"]).run()
    table = at.dataframe[0].value
    shown = set(table["Dealer"])
    assert shown & mine and not shown & theirs
    assert any(name.startswith("Peer ") for name in shown)
    assert set(table.loc[table["Dealer"].str.startswith("Peer "), "Dealer ID"]) <= {peer_label(i) for i in range(5000)}
    at.selectbox(key="eco_level").select("dealer_group").run()
    groups_shown = set(at.dataframe[0].value["Dealer group"])
    assert own in groups_shown and not groups_shown & (set(groups) - {own})
    text = " ".join(str(x.value) for x in [*at.markdown, *at.caption, *at.info, *at.metric])
    assert not any(g in text for g in set(groups) - {own})
    # the maturity matrix: its own group only
    at.switch_page("views/maturity.py").run()
    assert not at.exception
    assert at.selectbox(key="mm_org").options == [own]


def test_a_dealer_group_gets_no_segment_filter(signed_config: str) -> None:
    at = _sign_in("group", "dealer-council-7")
    assert not at.exception
    assert [w.label for w in at.sidebar.multiselect] == []
    assert at.sidebar.date_input(key="as_of") is not None
