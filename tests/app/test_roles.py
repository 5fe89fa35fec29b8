"""AppTest: roles on the sample database. Each role opens its own pages (a link to another one is
refused with a message, a tampered link is corrected with a message), a link opens after
sign-in, a dealer group sees nothing of another group anywhere (rendered text, widgets, tables,
chart data, the download), and what narrowed viewers open and download lands in the audit log,
which only an admin reads."""
from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from revops_core import audit
from revops_core import scorecard as sc
from revops_core.config import CONFIG_DIR, load_config
from revops_core.db import make_engine
from revops_core.queries import maturity as qm
from revops_core.queries import scorecard as qs
from revops_core.queries.common import EVERYTHING, Scope
from revops_core.safe_csv import people_csv

APP = str(Path(__file__).resolve().parents[2] / "app.py")
AS_OF = "2026-06-30"
PASSWORDS = {"root": "admin-password-1", "cro": "board-room-2026", "mops": "marketing-ops-77",
             "group": "dealer-council-7"}


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


@pytest.fixture
def app_db(sample_db_url: str, tmp_path: Path) -> str:
    """A private copy of the sample database (the audit log is written to)."""
    target = tmp_path / "roles.db"
    src, dst = sqlite3.connect(sa.engine.make_url(sample_db_url).database), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{target}"


@pytest.fixture
def own_group(sample_engine: Engine) -> str:
    with sample_engine.connect() as conn:
        return qm.dealer_groups(conn)[0]


@pytest.fixture
def roles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_db: str, own_group: str) -> str:
    """Config with one user per role; returns the dealer group of the ``group`` user."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    users = yaml.safe_load((folder / "users.yaml").read_text(encoding="utf-8"))
    roles = {"root": ("admin", {}), "cro": ("executive", {}), "mops": ("marketing_ops", {}),
             "group": ("dealer_group", {"dealer_group": own_group})}
    users["users"] = [{"username": name, "display_name": name.upper(), "role": role, **extra,
                       "password_hash": _hash(PASSWORDS[name])} for name, (role, extra) in roles.items()]
    (folder / "users.yaml").write_text(yaml.safe_dump(users), encoding="utf-8")
    monkeypatch.setenv("AUTOREVOPS_CONFIG_DIR", str(folder))
    monkeypatch.setenv("AUTOREVOPS_DB_URL", app_db)
    monkeypatch.setenv("AUTOREVOPS_SECRET_KEY", "test-secret-key")
    return own_group


def sign_in(name: str, page: str | None = None, query: dict[str, str] | None = None) -> AppTest:
    """Open the app (on ``page``, as a link would), sign in as ``name``; the app after sign-in."""
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in {"as_of": AS_OF, **(query or {})}.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    at.run()
    assert [t.value for t in at.title] == ["AutoRevOps"] and not at.dataframe and not at.metric
    at.text_input(key="signin_user").input(name)
    at.text_input(key="signin_password").input(PASSWORDS[name])
    at.button(key="signin_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _audit(url: str, action: str) -> list[dict[str, Any]]:
    with make_engine(url).connect() as conn:
        return audit.entries(conn, action=action)


# ---- what is rendered --------------------------------------------------------------------------

def _nodes(node: Any) -> Iterator[Any]:  # noqa: ANN401 - an AppTest element or block
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def rendered(at: AppTest) -> tuple[str, list[pd.DataFrame]]:
    """Every string the page sends (element protos: text, labels, options, help, chart specs) and
    every table (dataframes and chart datasets)."""
    texts, frames = [], []
    for node in [*_nodes(at.main), *_nodes(at.sidebar)]:
        proto = getattr(node, "proto", None)
        if type(node).__name__ == "Dataframe":
            frames.append(node.value)
        elif proto is not None and hasattr(proto, "spec") and hasattr(proto, "datasets"):  # a Vega-Lite chart
            texts.append(proto.spec)
            frames += [convert_arrow_bytes_to_pandas_df(d.data.data) for d in proto.datasets]
        elif proto is not None:
            texts.append(str(proto))
    return "\n".join(texts), frames


@pytest.fixture
def others(sample_engine: Engine, own_group: str) -> dict[str, set]:
    """Every other group's name, its dealers' names and ids, and its raw lead counts (>= 100) and
    revenue in the default window, at group and dealer level, that differ from the own group's."""
    cfg = load_config()
    with sample_engine.connect() as conn:
        every = qs.entities(conn, "dealer", EVERYTHING)
        mine = set(qs.entities(conn, "dealer", Scope(frozenset({own_group}))))
        start, end = sc.default_window(pd.Timestamp(AS_OF).date(), qs.lead_date_range(conn, EVERYTHING))
        cards = [sc.scorecard(conn, start, end, level, cfg, with_trend=False) for level in ("dealer", "dealer_group")]
    figures, own_figures = set(), set()
    for card in cards:
        for row in card.rows:
            target = own_figures if row.entity in mine or row.entity == own_group else figures
            target |= {int(row.kpis["leads"] or 0), round(row.kpis["revenue"] or 0.0, 2)}
    names = {e.name for d, e in every.items() if d not in mine} | {d for d in every if d not in mine}
    with sample_engine.connect() as conn:
        groups = set(qm.dealer_groups(conn)) - {own_group}
    return {"names": names | groups, "groups": groups, "figures": {f for f in figures - own_figures if f >= 100}}


def _key(value: float) -> float:
    return float(f"{value:.6g}")


def _numbers(cells: set[Any]) -> set[float]:
    """The numbers among table cells: numbers as they are, and text cells that read as a number."""
    out = set()
    for cell in cells:
        if isinstance(cell, bool):
            continue
        if isinstance(cell, str):
            cell = cell.replace(",", "").strip()
            if not re.fullmatch(r"-?\d+(\.\d+)?", cell):
                continue
        if isinstance(cell, int | float | str):
            out.add(_key(float(cell)))
    return out


def _leaks(at: AppTest, others: dict[str, set]) -> list[str]:
    """Other groups' names anywhere; their raw counts and money in table cells (also scaled to a
    money unit, $K or $M) and their counts written in the text."""
    text, frames = rendered(at)
    found = [f"name {n!r}" for n in others["names"] if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]
    figures = {_key(f / unit) for f in others["figures"] for unit in (1, 1e3, 1e6, 1e9)}
    for frame in frames:
        cells = {v for v in frame.astype(object).to_numpy().ravel().tolist() if v is not None}
        found += [f"cell {c!r}" for c in cells if isinstance(c, str) and c in others["names"]]
        found += [f"figure {n!r}" for n in _numbers(cells) & figures]
    counts = {f for f in others["figures"] if float(f).is_integer()}
    found += [f"count {n:,} in text" for n in counts if re.search(rf"(?<![\d,.]){int(n):,}(?![\d,]|\.\d)", text)]
    return found


# ---- the tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "landing"), [
    ("root", "Board overview"), ("cro", "Board overview"), ("mops", "Ecosystem scorecard"),
    ("group", "Ecosystem scorecard")])
def test_each_role_lands_on_its_first_page(roles: str, name: str, landing: str) -> None:
    at = sign_in(name)
    assert at.title[0].value == landing
    assert any(f"Signed in as **{name.upper()}**" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize(("name", "page", "title"), [
    ("mops", "views/attribution.py", "Attribution & martech ROI"),
    ("group", "views/maturity.py", "Martech maturity matrix"),
    ("root", "views/audit_log.py", "Audit log"),
])
def test_a_link_opens_its_page_after_sign_in(roles: str, name: str, page: str, title: str) -> None:
    at = sign_in(name, page)
    assert at.title[0].value == title
    assert not any("does not open" in e.value for e in at.error)


@pytest.mark.parametrize(("name", "page", "title"), [
    ("group", "views/board_overview.py", "Board overview"),
    ("group", "views/attribution.py", "Attribution & martech ROI"),
    ("group", "views/data_admin.py", "Data: import, export, sample"),
    ("mops", "views/backlog_awards.py", "Backlog & platform awards"),
    ("mops", "views/audit_log.py", "Audit log"),
    ("cro", "views/audit_log.py", "Audit log"),
])
def test_a_page_the_role_may_not_open_is_refused(roles: str, name: str, page: str, title: str) -> None:
    at = sign_in(name, page)
    assert at.title[0].value == title
    assert any("does not open" in e.value and title in e.value for e in at.error)
    assert not at.dataframe and not at.metric and not at.get("vega_lite_chart")


def test_a_tampered_link_is_refused_with_a_message(roles: str, own_group: str, others: dict[str, set]) -> None:
    other = min(others["groups"])
    at = sign_in("group", "views/maturity.py", {"mm_org": other})
    assert any("This link was changed" in e.value for e in at.error)
    assert at.selectbox(key="mm_org").value == own_group
    assert other not in rendered(at)[0].replace(f"“{other}”", "")  # named only in the refusal itself


def test_a_dealer_group_sees_nothing_of_another_group(roles: str, others: dict[str, set]) -> None:
    at = sign_in("group")
    problems = [f"scorecard dealer: {leak}" for leak in _leaks(at, others)]
    for level, segment in (("dealer_group", "dealer_group"), ("dealer", "region")):
        at.selectbox(key="eco_level").select(level).run()
        at.radio(key="eco_heat_segment").set_value(segment).run()
        assert not at.exception
        problems += [f"scorecard {level}/{segment}: {leak}" for leak in _leaks(at, others)]
    at.switch_page("views/maturity.py").run()
    assert not at.exception
    problems += [f"maturity: {leak}" for leak in _leaks(at, others)]
    assert not problems, problems[:20]


def test_peers_show_rates_and_scores_never_counts_or_money(roles: str, own_group: str) -> None:
    at = sign_in("group")
    at.multiselect(key="eco_columns").set_value(
        [c for c in at.multiselect(key="eco_columns").options]).run()  # every KPI column
    table = at.dataframe[0].value
    peers = table[table["Dealer"].str.startswith("Peer ")]
    assert len(peers) >= 5 and set(peers["Dealer"]) == set(peers["Dealer ID"])
    assert set(peers["Dealer"]) == {sc.peer_label(i) for i in range(len(peers))}
    hidden = [sc.KPI_LABELS[k][0] for k in sc.KPIS if k not in sc.PEER_KPIS]
    shown = [sc.KPI_LABELS[k][0] for k in sc.PEER_KPIS]
    for column in table.columns:
        label = re.sub(r" \(\$\w*\)$", "", column)  # money columns name their unit
        if label in hidden:
            assert peers[column].isna().all() or set(peers[column]) == {"—"}, column
    assert all(peers[c].notna().all() for c in table.columns if c in shown)


def test_the_download_is_the_table_as_shown(roles: str, own_group: str, others: dict[str, set], app_db: str) -> None:
    cfg = load_config()
    with make_engine(app_db).connect() as conn:
        start, end = sc.default_window(pd.Timestamp(AS_OF).date(), qs.lead_date_range(conn, EVERYTHING))
        shared = sc.scorecard_for(conn, start, end, "dealer", cfg, None, Scope(frozenset({own_group})))
    from shell import scorecard_data as sd

    csv = people_csv(sd.table(shared.table)).decode("utf-8")
    assert not [n for n in others["names"] if n in csv]
    assert "Peer A" in csv and own_group not in {r.name for r in shared.table.rows if r.name.startswith("Peer")}


def test_too_few_peers_are_not_shown(roles: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    folder = Path(os.environ["AUTOREVOPS_CONFIG_DIR"])
    users = yaml.safe_load((folder / "users.yaml").read_text(encoding="utf-8"))
    users["min_peers"] = 10  # the sample has 6 dealer groups: 5 others
    (folder / "users.yaml").write_text(yaml.safe_dump(users), encoding="utf-8")
    at = sign_in("group")
    at.selectbox(key="eco_level").select("dealer_group").run()
    table = at.dataframe[0].value
    assert list(table["Dealer group"]) == [roles]
    assert set(table["Composite score (0-100)"]) == {sc.NOT_ENOUGH_PEERS}
    assert any("Not enough peers to compare" in i.value for i in at.info)


def test_views_and_downloads_of_narrowed_viewers_are_audited(roles: str, app_db: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from shell import scorecard_data

    offered: list[dict] = []
    original = scorecard_data.file_makers
    monkeypatch.setattr(scorecard_data, "file_makers", lambda *a: offered.append(original(*a)) or offered[-1])
    at = sign_in("group")
    at.switch_page("views/maturity.py").run()
    at.switch_page("views/scorecard.py").run()
    assert not at.exception and at.get("download_button")[0].label == "Download the scorecard (PDF)"
    offered[-1]["pdf"]()   # what a click on the first button runs
    views = [(e["username"], e["detail"]) for e in reversed(_audit(app_db, audit.VIEW))]
    assert views == [("group", "Ecosystem scorecard"), ("group", "Martech maturity matrix"),
                     ("group", "Ecosystem scorecard")]
    exports = _audit(app_db, audit.EXPORT)
    assert [e["username"] for e in exports] == ["group"] and exports[0]["detail"].startswith("scorecard by dealer")
    sign_in("cro").switch_page("views/scorecard.py").run()  # the whole book is not audited per view
    assert [e["username"] for e in _audit(app_db, audit.VIEW)] == ["group"] * 3


def test_only_an_admin_reads_the_audit_log(roles: str) -> None:
    sign_in("group")
    at = sign_in("root", "views/audit_log.py")
    table = at.dataframe[0].value
    assert {"Signed in", "Viewed"} <= set(table["Action"]) and {"group", "root"} <= set(table["User"])
    at.multiselect(key="audit_actions").set_value([audit.VIEW]).run()
    assert set(at.dataframe[0].value["Action"]) == {"Viewed"}
    at.text_input(key="audit_user").input("root").run()
    assert any("No entries match" in i.value for i in at.info)


def test_marketing_ops_sees_every_dealer_by_name(roles: str, own_group: str) -> None:
    at = sign_in("mops")
    at.selectbox(key="eco_level").select("dealer_group").run()
    names = set(at.dataframe[0].value["Dealer group"])
    assert own_group in names and not any(n.startswith("Peer ") for n in names) and len(names) >= 6
    assert [w.label for w in at.sidebar.multiselect] == []  # no buyer segments: none of the book


def test_signing_out_ends_the_session(roles: str, app_db: str) -> None:
    at = sign_in("cro")
    at.sidebar.button(key="signout").click().run()
    assert [t.value for t in at.title] == ["AutoRevOps"] and not at.metric
    at.run()
    assert [t.value for t in at.title] == ["AutoRevOps"]
    assert [e["username"] for e in _audit(app_db, audit.SIGN_OUT)] == ["cro"]


def test_a_link_asking_a_dealer_group_for_another_level_is_refused(roles: str) -> None:
    at = sign_in("group", "views/scorecard.py", {"eco_level": "region"})
    assert any("Compare = 'region' is not one of Dealer, Dealer group" in w.value for w in at.warning)
    assert at.selectbox(key="eco_level").value == "dealer"
