"""AppTest: share links and the scorecard's exports. An admin shares the view on screen with a dealer
group; the link opens that view read-only as the group, without sign-in and without anything else
(stray query parameters change nothing); a changed, expired or revoked token shows one message and
nothing else; an admin lists and revokes links; every file a dealer group can take (PDF, CSV, Excel),
from its page or its link, holds nothing of another group."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from revops_core import audit, sharing
from revops_core import scorecard as sc
from revops_core.config import load_config
from revops_core.db import make_engine
from revops_core.scorecard_export import ScorecardView
from shell import scorecard_data
from tests.app import test_roles
from tests.app.test_roles import APP, PASSWORDS, _audit, _hash, _leaks, sign_in
from tests.core.test_scorecard_export import forbidden, leaks, pdf_text

# the roles fixtures (one user per role on a private copy of the sample company) and the leak probe
app_db, own_group, roles, others = test_roles.app_db, test_roles.own_group, test_roles.roles, test_roles.others

SECRET = "test-secret-key"   # the roles fixture's AUTOREVOPS_SECRET_KEY
VIEW = ScorecardView("dealer", None, date(2026, 4, 1), date(2026, 6, 30), date(2026, 6, 30))


def open_link(token: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["share"] = token
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _link(db: str, group: str, at: datetime | None = None, days: int = 14) -> tuple[sharing.ShareLink, str]:
    link = sharing.create(make_engine(db), group, VIEW, "root", at or datetime.now(), days)
    return link, sharing.token_for(link, SECRET)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What each render of the page offers behind its three download buttons: per format, the
    callable a click runs (it makes the file and logs the export; AppTest cannot click through a
    file made on click)."""
    seen: list[dict[str, Any]] = []
    original = scorecard_data.file_makers

    def record(*args: Any) -> dict[str, Any]:  # noqa: ANN401
        makers = original(*args)
        seen.append(makers)
        return makers

    monkeypatch.setattr(scorecard_data, "file_makers", record)
    return seen


def clicked(makers: dict[str, Any]) -> dict[str, bytes]:
    """The three files, as three clicks get them (each logs its export)."""
    return {fmt: make() for fmt, make in makers.items()}


def _file_leaks(files: dict[str, bytes], group: str, view: ScorecardView, db: str) -> list[str]:
    """What of another group the PDF's text, the CSV and the workbook's cells hold."""
    bad = forbidden(make_engine(db), group, view, load_config())
    pages, text = pdf_text(files["pdf"])
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    cells = " | ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row)
    names = {"names": bad["names"], "figures": set()}
    assert pages == 1 and group in text
    return ([f"PDF {x}" for x in leaks(text, bad)] + [f"CSV {x}" for x in leaks(files["csv"].decode("utf-8-sig"), names)]
            + [f"XLSX {x}" for x in leaks(cells, names)])


# ---- making a link -----------------------------------------------------------------------------------

def test_an_admin_shares_the_view_on_screen_and_the_link_opens_it(roles: str, app_db: str,
                                                                    others: dict[str, set]) -> None:
    at = sign_in("root", "views/scorecard.py", {"eco_level": "Dealer group"})
    at.selectbox(key="eco_share_group").select(roles).run()
    at.button(key="eco_share_create").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"Share link for **{roles}**" in s.value for s in at.success)
    link_text = at.code[0].value
    assert link_text.startswith("/?share=")
    token = link_text.split("share=", 1)[1]
    created = _audit(app_db, sharing.SHARE_CREATED)
    assert [e["username"] for e in created] == ["root"] and f"for {roles}: scorecard by dealer_group" in created[0][
        "detail"]

    shared = open_link(token)
    assert [t.value for t in shared.title] == ["Ecosystem scorecard"]
    table = shared.dataframe[0].value
    assert roles in set(table["Dealer group"]) and {n for n in table["Dealer group"] if n != roles} == {
        f"Peer {c}" for c in "ABCDE"}
    assert "Dealer group level" in shared.caption[0].value
    assert not _leaks(shared, others)
    assert [e["username"] for e in _audit(app_db, sharing.SHARE_USED)] == [f"share:{created[0]['detail'].split()[1]}"]


def test_the_link_is_read_only_without_sign_in_and_ignores_other_parameters(roles: str, app_db: str) -> None:
    _link_row, token = _link(app_db, roles)
    at = open_link(token, eco_level="region", eco_start="2020-01-01", as_of="2020-01-01", mm_org="Somebody")
    assert [t.value for t in at.title] == ["Ecosystem scorecard"]
    assert "Dealer level · All journeys · 1 Apr 2026 – 30 Jun 2026 · as of 30 Jun 2026" in at.caption[0].value
    assert "Dealer" in at.dataframe[0].value.columns                # the bound level, not the link's region
    assert not at.text_input and not at.selectbox and not at.multiselect and not at.date_input and not at.radio
    assert not at.button and not at.sidebar.children and not at.get("segmented_control")
    assert [b.label for b in at.get("download_button")] == ["Download the scorecard (PDF)",
                                                             "Download the scorecard (CSV)",
                                                             "Download the scorecard (Excel)"]
    assert not at.get("vega_lite_chart")


# ---- refusing a token --------------------------------------------------------------------------------

def _only_the_message(at: AppTest, message: str) -> None:
    assert [e.value for e in at.error] == [message]
    assert len(at.main.children) == 1 and not at.sidebar.children
    assert not at.title and not at.dataframe and not at.metric and not at.get("download_button")


@pytest.mark.parametrize("case", ["changed", "cut", "another key", "expired", "revoked"])
def test_a_refused_token_shows_one_message_and_nothing_else(roles: str, app_db: str, case: str) -> None:
    now = datetime.now()
    link, token = _link(app_db, roles, now - timedelta(days=15) if case == "expired" else now)
    if case == "revoked":
        sharing.revoke(make_engine(app_db), link.link_id, "root", now)
    forged = sharing.token_for(link, "not-the-key")
    shown = {"changed": token[:8] + ("x" if token[8] != "x" else "y") + token[9:], "cut": token[:-5],
             "another key": forged, "expired": token, "revoked": token}[case]
    at = open_link(shown)
    message = {"expired": f"This share link expired on {link.expires_at.day} ",
               "revoked": "This share link was revoked on "}.get(case, sharing.NOT_VALID)
    assert len(at.error) == 1 and at.error[0].value.startswith(message)
    _only_the_message(at, at.error[0].value)
    refused = _audit(app_db, sharing.SHARE_REFUSED)
    assert len(refused) == 1 and refused[0]["detail"] == {"expired": "expired", "revoked": "revoked"}.get(
        case, "bad signature or content")


def test_a_link_without_sign_in_never_reaches_another_page(roles: str, app_db: str) -> None:
    _link_row, token = _link(app_db, roles)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["share"] = token
    at.switch_page("views/board_overview.py").run()   # a share link pointing at the board
    assert [t.value for t in at.title] == ["Ecosystem scorecard"] and not at.exception
    at.query_params.pop("share")
    at.run()
    assert [t.value for t in at.title] == ["AutoRevOps"] and not at.dataframe   # without it: sign in first


# ---- the admin page ----------------------------------------------------------------------------------

def test_an_admin_lists_and_revokes_links(roles: str, app_db: str) -> None:
    link, token = _link(app_db, roles)
    at = sign_in("root", "views/share_links.py")
    assert [t.value for t in at.title] == ["Share links"]
    table = at.dataframe[0].value
    assert list(table["Link"]) == [link.link_id] and list(table["Status"]) == ["Active"]
    assert list(table["Dealer group"]) == [roles] and list(table["Opened"]) == [0]
    open_link(token)
    at = sign_in("root", "views/share_links.py")
    assert list(at.dataframe[0].value["Opened"]) == [1]
    at.selectbox(key="share_revoke_link").select(link.link_id).run()
    at.button(key="share_revoke").click().run()
    assert not at.exception
    assert any(f"Revoked link {link.link_id}" in s.value for s in at.success)
    assert any("No active share links" in i.value for i in at.info)
    at.toggle(key="share_show_all").set_value(True).run()
    assert list(at.dataframe[0].value["Status"]) == ["Revoked by root"]
    assert open_link(token).error[0].value.startswith("This share link was revoked on")
    assert [e["username"] for e in _audit(app_db, sharing.SHARE_REVOKED)] == ["root"]
    log = sign_in("root", "views/audit_log.py").dataframe[0].value
    assert {"Share link created", "Share link opened", "Share link revoked", "Share link refused"} <= set(log["Action"])


@pytest.mark.parametrize("name", ["cro", "mops", "group", "board"])
def test_only_an_admin_opens_share_links_or_makes_one(roles: str, name: str, tmp_path: Path) -> None:
    import os

    folder = Path(os.environ["AUTOREVOPS_CONFIG_DIR"])
    users = yaml.safe_load((folder / "users.yaml").read_text(encoding="utf-8"))
    users["roles"]["boardroom"] = {"sees": "everything"}      # every page, but not an admin
    users["users"].append({"username": "board", "display_name": "BOARD", "role": "boardroom",
                           "password_hash": _hash("boardroom-pass-1")})
    (folder / "users.yaml").write_text(yaml.safe_dump(users), encoding="utf-8")
    PASSWORDS.setdefault("board", "boardroom-pass-1")
    at = sign_in(name, "views/share_links.py")
    assert at.title[0].value == "Share links"
    assert any("does not open" in e.value for e in at.error) and not at.dataframe
    at = sign_in(name, "views/scorecard.py")
    assert not at.exception and not [s for s in at.selectbox if s.key == "eco_share_group"]


# ---- files a dealer group takes ----------------------------------------------------------------------

@pytest.mark.parametrize("level", ["dealer", "dealer_group"])
def test_a_dealer_groups_downloads_hold_nothing_of_another_group(roles: str, app_db: str, level: str,
                                                                 captured: list[dict[str, bytes]]) -> None:
    at = sign_in("group", "views/scorecard.py", {"eco_level": sc.LEVEL_LABELS[level]})
    assert captured, "the page offered its exports"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download the scorecard (PDF)", "Download the scorecard (CSV)",
                      "Download the scorecard (Excel)"]
    assert not _audit(app_db, audit.EXPORT)   # offered, not made: nothing is logged before a click
    files = clicked(captured[-1])
    problems = _file_leaks(files, roles, ScorecardView(level, None, VIEW.start, VIEW.end, VIEW.as_of), app_db)
    assert not problems, problems[:20]
    exports = [e["detail"] for e in reversed(_audit(app_db, audit.EXPORT))]
    assert exports == [f"scorecard by {level} 2026-04-01..2026-06-30 ({fmt})" for fmt in ("PDF", "CSV", "XLSX")]


def test_the_links_downloads_hold_nothing_of_another_group(roles: str, app_db: str,
                                                           captured: list[dict[str, bytes]]) -> None:
    link, token = _link(app_db, roles)
    at = open_link(token)
    assert [b.label for b in at.get("download_button")][0] == "Download the scorecard (PDF)"
    pdf = captured[-1]["pdf"]()
    exports = _audit(app_db, audit.EXPORT)
    assert [(e["username"], e["detail"]) for e in exports] == [
        (f"share:{link.link_id}".lower(), "scorecard by dealer 2026-04-01..2026-06-30 (PDF)")]
    problems = _file_leaks({**clicked(captured[-1]), "pdf": pdf}, roles, VIEW, app_db)
    assert not problems, problems[:20]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", scorecard_data.se.slug(roles))
