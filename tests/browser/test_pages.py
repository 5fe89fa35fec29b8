"""Browser smoke test: ``streamlit run`` the app and open every page in headless Chromium.

Uses Debian's Chromium (``/usr/bin/chromium``) through Playwright with ``executable_path``;
no browser download. Locally without Chromium the test is skipped; in CI it must run.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.browser


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed; CI installs it with apt-get (see .ci/run)")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(port: int, proc: subprocess.Popen, limit: float = 90) -> None:
    start = time.time()
    while time.time() - start < limit:
        if proc.poll() is not None:
            raise RuntimeError("streamlit exited early")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("streamlit did not become healthy")


def _serve(sample_db_url: str, tmp_path_factory: pytest.TempPathFactory,
           extra_env: dict[str, str] | None = None) -> Iterator[str]:
    port = _free_port()
    log = open(tmp_path_factory.mktemp("browser") / "server.log", "w")  # noqa: SIM115
    env = {**os.environ, "AUTOREVOPS_DB_URL": sample_db_url, **(extra_env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.headless", "true", "--server.port", str(port),
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        _wait_healthy(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def default_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample company at the default size a newcomer gets on first start."""
    from tests.conftest import seeded_sqlite

    return seeded_sqlite(tmp_path_factory.mktemp("default"), "default")


@pytest.fixture(scope="module")
def server(default_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(default_db_url, tmp_path_factory)


@pytest.fixture()
def fresh_server(sample_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server nobody has opened yet (Streamlit still in its start-up page mode)."""
    yield from _serve(sample_db_url, tmp_path_factory)


def _settle(page, limit: float = 90) -> None:  # noqa: ANN001 - playwright Page
    page.wait_for_selector('[data-testid="stApp"]', timeout=limit * 1000)
    start = time.time()
    time.sleep(0.5)
    while time.time() - start < limit:
        if (not page.query_selector('[data-testid="stStatusWidget"]')
                and not page.query_selector('[data-testid="stSkeleton"]')):
            time.sleep(0.5)
            if not page.query_selector('[data-testid="stStatusWidget"]'):
                return
        time.sleep(0.25)
    raise TimeoutError("page kept running")


def test_every_page_renders_without_an_exception(server: str) -> None:
    """Every page of the navigation at the default sample size, as a newcomer first sees it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server)
        _settle(page)
        links = page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "els => els.map(e => e.href)")
        listed = len(set(re.findall(r'"views/\w+\.py"', (ROOT / "app.py").read_text(encoding="utf-8"))))
        assert len(links) == listed, links  # every page of app.py is reachable from the sidebar
        seen = {}
        for href in links:
            page.goto(href)
            _settle(page)
            exceptions = [e.inner_text()[:300] for e in page.query_selector_all('[data-testid="stException"]')]
            title = page.query_selector("h1")
            seen[href] = title.inner_text() if title else None
            assert not exceptions, f"{href}: {exceptions}"
            assert title is not None, f"{href}: no page title"
        browser.close()
    assert "Board overview" in seen.values()


def test_a_shared_link_is_the_first_request_after_start(fresh_server: str) -> None:
    """A deep link with query parameters opens its page, filters applied, on a fresh server."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{fresh_server}/scenario?as_of=2025-12-31&sc_t1=abc")
        _settle(page)
        exceptions = [e.inner_text()[:300] for e in page.query_selector_all('[data-testid="stException"]')]
        assert not exceptions, exceptions
        assert page.query_selector("h1").inner_text() == "EV scenario planner"
        assert "31 Dec 2025" in page.inner_text('[data-testid="stMain"]')
        assert page.query_selector('[data-testid="stSidebarNav"]') is not None
        browser.close()


@pytest.fixture()
def signed_server(sample_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server whose config has one dealer-group user (password ``dealer-council-7``)."""
    import bcrypt
    import sqlalchemy as sa
    import yaml

    from revops_core.config import CONFIG_DIR

    with sa.create_engine(sample_db_url).connect() as conn:
        group = conn.execute(sa.text("SELECT min(dealer_group) FROM dealers")).scalar_one()
    folder = tmp_path_factory.mktemp("config") / "config"
    shutil.copytree(CONFIG_DIR, folder)
    users = yaml.safe_load((folder / "users.yaml").read_text(encoding="utf-8"))
    users["users"] = [{"username": "group", "display_name": group, "role": "dealer_group", "dealer_group": group,
                       "password_hash": bcrypt.hashpw(b"dealer-council-7", bcrypt.gensalt(rounds=4)).decode()}]
    (folder / "users.yaml").write_text(yaml.safe_dump(users), encoding="utf-8")
    for url in _serve(sample_db_url, tmp_path_factory, {"AUTOREVOPS_CONFIG_DIR": str(folder)}):
        yield url, group


def test_a_dealer_group_link_to_the_board_shows_sign_in_then_only_its_pages(signed_server: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    url, group = signed_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/board_overview")
        _settle(page)
        assert [h.inner_text() for h in page.query_selector_all("h1")] == ["AutoRevOps"]  # nothing before sign-in
        page.get_by_label("Username").fill("group")
        page.get_by_role("textbox", name="Password").fill("dealer-council-7")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("text=Shared view for dealer group", timeout=60_000)
        _settle(page)
        assert page.query_selector("h1").inner_text() == "Ecosystem scorecard"  # not the board it linked to
        nav = [a.inner_text() for a in page.query_selector_all('[data-testid="stSidebarNav"] a')]
        assert [n.split("\n")[-1] for n in nav] == ["Ecosystem scorecard", "Martech maturity matrix"]
        assert not page.query_selector_all('[data-testid="stException"]')
        browser.close()


@pytest.fixture()
def writable_server(sample_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A server on a private copy of the sample database (the test imports into it), and a scratch folder."""
    import sqlite3

    import sqlalchemy as sa

    folder = tmp_path_factory.mktemp("writable")
    src, dst = sqlite3.connect(sa.engine.make_url(sample_db_url).database), sqlite3.connect(folder / "private.db")
    src.backup(dst)
    src.close()
    dst.close()
    for url in _serve(f"sqlite:///{folder / 'private.db'}", tmp_path_factory):
        yield url, folder


def test_an_upload_never_writes_where_the_browser_names(writable_server: tuple[str, Path]) -> None:
    """The multipart file names are rewritten to an absolute path and to ``../`` traversal on the wire:
    nothing is created there, the page names both uploads as ignored, and nothing is imported."""
    from playwright.sync_api import Route, sync_playwright

    url, folder = writable_server
    absolute, traversal = folder / "absolute.csv", folder / "traversal.csv"
    rewrites = {b'filename="accounts.csv"': f'filename="{absolute}"'.encode(),
                b'filename="leads.csv"': f'filename="{"../" * 12}{str(traversal).lstrip("/")}"'.encode()}
    seen: list[bytes] = []

    def rewrite(route: Route) -> None:
        body = route.request.post_data_buffer or b""
        for old, new in rewrites.items():
            if old in body:
                seen.append(new)
                body = body.replace(old, new)
        route.continue_(post_data=body)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/_stcore/upload_file/**", rewrite)
        page.goto(f"{url}/data_admin")
        _settle(page)
        page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', files=[
            {"name": "accounts.csv", "mimeType": "text/csv", "buffer": b"account_id,name\nEVIL,=HYPERLINK(1)\n"},
            {"name": "leads.csv", "mimeType": "text/csv", "buffer": b"lead_id\nx\n"}])
        page.wait_for_selector('[data-testid="stFileUploader"] >> text=leads.csv', timeout=30_000)
        _settle(page)
        page.get_by_role("button", name=re.compile("^(Check|Import)")).click()
        _settle(page)
        text = page.inner_text('[data-testid="stMain"]')
        browser.close()
    assert len(seen) == 2, "both uploads went through the rewriting route"
    assert not absolute.exists() and not traversal.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["private.db", *(
        sorted(p.name for p in folder.iterdir() if p.name.startswith("private.db-")))]
    assert text.count("not a contract file name") == 2, text
    assert "Imported" not in text
