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


def _settle(page, limit: float = 90, title_wait: float = 15) -> None:  # noqa: ANN001 - playwright Page
    """Wait until the app has run: no status widget or skeleton, and a title drawn. On a loaded
    machine the run can start after the status check, so an untitled page gets up to
    ``title_wait`` seconds more (every page has a title; one that has none is let through)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=limit * 1000)
    start = time.time()
    time.sleep(0.5)
    while time.time() - start < limit:
        if (not page.query_selector('[data-testid="stStatusWidget"]')
                and not page.query_selector('[data-testid="stSkeleton"]')):
            time.sleep(0.5)
            if not page.query_selector('[data-testid="stStatusWidget"]'):
                if page.query_selector("h1") or title_wait <= 0:
                    return
                title_wait -= 0.75
        time.sleep(0.25)
    raise TimeoutError("page kept running")


def test_every_page_is_reachable_from_the_sidebar(server: str) -> None:
    """The sidebar of a newcomer's first view lists every page of ``app.py`` and opens on the board.

    Each page itself is rendered, checked for exceptions and a title, in both themes by
    ``tests/browser/test_themes.py``; this test does not open them a third time."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server)
        _settle(page)
        links = page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "els => els.map(e => e.href)")
        listed = set(re.findall(r'"views/(\w+)\.py"', (ROOT / "app.py").read_text(encoding="utf-8")))
        assert len(links) == len(listed), links  # every page of app.py is reachable from the sidebar
        reached = {href.rstrip("/").rsplit("/", 1)[-1] for href in links}
        assert reached - {server.rstrip("/").rsplit("/", 1)[-1]} <= listed, reached
        assert not page.query_selector_all('[data-testid="stException"]')
        assert page.query_selector("h1").inner_text() == "Board overview"
        browser.close()


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
        page.wait_for_selector("text=does not open", timeout=60_000)
        _settle(page)
        assert page.query_selector("h1").inner_text() == "Board overview"  # the board it linked to, refused:
        assert "Your role (dealer_group) does not open Board overview" in page.inner_text('[data-testid="stMain"]')
        assert not page.query_selector_all('[data-testid="stMetric"]')
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


def test_the_quarterly_review_presents_slide_by_slide(server: str) -> None:
    """Presentation mode: the first slide full width without the sidebar, then Next (button) and the
    right-arrow key move on; the slide number follows in the URL."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{server}/quarterly_review?qr_quarter=2026Q2&qr_present=true")
        _settle(page)
        assert not page.query_selector_all('[data-testid="stException"]')
        assert page.query_selector("h1").inner_text() == "Quarterly architecture review"
        assert not page.is_visible('[data-testid="stSidebar"]')
        assert "Slide 1 of 14" in page.inner_text('[data-testid="stMain"]')
        page.get_by_role("button", name="Next").click()
        _settle(page)
        assert page.query_selector("h1").inner_text() == "Board metrics against their bands"
        assert "Slide 2 of 14" in page.inner_text('[data-testid="stMain"]')
        assert "qr_slide=2" in page.url
        page.keyboard.press("ArrowRight")
        _settle(page)
        assert page.query_selector("h1").inner_text() == "Backlog waterfall of 2026Q2"
        browser.close()


def test_the_board_and_the_review_print_without_the_sidebar(server: str) -> None:
    """The browser's print layout (print CSS): several pages, none with the sidebar's navigation or filters."""
    import pypdfium2 as pdfium
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        printed = {}
        for path, title in (("/?as_of=2026-06-30", "Board overview"), ("/quarterly_review?qr_quarter=2026Q2",
                                                                       "Quarterly review")):
            page.goto(f"{server}{path}")
            _settle(page)
            assert page.query_selector("h1").inner_text() == title
            page.wait_for_function("() => [...document.querySelectorAll('style')].some("   # the run's print styles
                                   "s => s.textContent.includes('@media print'))", timeout=30_000)
            printed[title] = pdfium.PdfDocument(page.pdf(landscape=True, print_background=True))
        browser.close()
    for title, pdf in printed.items():
        text = " ".join(p.get_textpage().get_text_range() for p in pdf)
        assert len(pdf) > 1, title
        assert title in text and "As-of date" not in text and "Four-buyer segmentation" not in text, title


ROLE_PASSWORDS = {"root": "admin-password-1", "cro": "board-room-2026", "mops": "marketing-ops-77",
                  "group": "dealer-council-7"}


@pytest.fixture()
def roles_server(sample_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server on a private copy of the sample database, with one user per role (``ROLE_PASSWORDS``)."""
    import sqlite3

    import bcrypt
    import sqlalchemy as sa
    import yaml

    from revops_core.config import CONFIG_DIR

    folder = tmp_path_factory.mktemp("roles")
    src, dst = sqlite3.connect(sa.engine.make_url(sample_db_url).database), sqlite3.connect(folder / "roles.db")
    src.backup(dst)
    src.close()
    dst.close()
    with sa.create_engine(sample_db_url).connect() as conn:
        group = conn.execute(sa.text("SELECT min(dealer_group) FROM dealers")).scalar_one()
    shutil.copytree(CONFIG_DIR, folder / "config")
    users = yaml.safe_load((folder / "config" / "users.yaml").read_text(encoding="utf-8"))
    roles = {"root": "admin", "cro": "executive", "mops": "marketing_ops", "group": "dealer_group"}
    users["users"] = [{"username": name, "display_name": name.upper(), "role": role,
                       **({"dealer_group": group} if role == "dealer_group" else {}),
                       "password_hash": bcrypt.hashpw(ROLE_PASSWORDS[name].encode(), bcrypt.gensalt(rounds=4)).decode()}
                      for name, role in roles.items()]
    (folder / "config" / "users.yaml").write_text(yaml.safe_dump(users), encoding="utf-8")
    env = {"AUTOREVOPS_CONFIG_DIR": str(folder / "config"), "AUTOREVOPS_SECRET_KEY": "browser-test-secret"}
    for url in _serve(f"sqlite:///{folder / 'roles.db'}", tmp_path_factory, env):
        SERVED_DB[url] = folder / "roles.db"
        yield url, group


SERVED_DB: dict[str, Path] = {}   # the database file behind each roles server's address


def _choose(page, label: str, option: str, attempts: int = 3) -> None:  # noqa: ANN001 - playwright Page
    """Pick ``option`` in the select box ``label``. A rerun that lands while its list is open closes
    the list, so a list that shows no option is opened again (at most ``attempts`` times)."""
    for attempt in range(attempts):
        page.get_by_role("combobox", name=label).click()
        choice = page.get_by_role("listbox", name=label).get_by_text(option, exact=True)
        try:
            choice.wait_for(state="visible", timeout=10_000)
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: the list closed or never opened
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            _settle(page)
            continue
        choice.click()
        return


def _sign_in_browser(page, name: str) -> None:  # noqa: ANN001 - playwright Page
    assert [h.inner_text() for h in page.query_selector_all("h1")] == ["AutoRevOps"]  # nothing before sign-in
    page.get_by_label("Username").fill(name)
    page.get_by_role("textbox", name="Password").fill(ROLE_PASSWORDS[name])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Signed in as", timeout=60_000)
    _settle(page)


@pytest.mark.parametrize(("name", "link", "title"), [
    ("root", "/audit_log", "Audit log"),
    ("cro", "/backlog_awards?as_of=2026-06-30", "Backlog & platform awards"),
    ("mops", "/attribution", "Attribution & martech ROI"),
    ("group", "/maturity", "Martech maturity matrix"),
])
def test_each_role_follows_a_link_through_sign_in_and_a_reload_keeps_the_session(
        roles_server: tuple[str, str], name: str, link: str, title: str) -> None:
    """A deep link opens its page after sign-in; a reload (a new browser session) stays signed in on
    it through the signed session cookie; signing out clears the cookie and a reload asks again."""
    from playwright.sync_api import sync_playwright

    url, _group = roles_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{url}{link}")
        _settle(page)
        _sign_in_browser(page, name)
        assert page.query_selector("h1").inner_text() == title
        assert link.split("?")[0] in page.url
        assert "autorevops_session" in {c["name"] for c in context.cookies()}
        page.reload()
        _settle(page)
        assert page.query_selector("h1").inner_text() == title  # the session survived the reload
        assert f"Signed in as {name.upper()}" in page.inner_text('[data-testid="stSidebar"]')
        assert not page.query_selector_all('[data-testid="stException"]')
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_selector("text=Sign in with the username", timeout=60_000)
        _settle(page)
        assert "autorevops_session" not in {c["name"] for c in context.cookies()}
        page.reload()
        _settle(page)
        assert [h.inner_text() for h in page.query_selector_all("h1")] == ["AutoRevOps"]
        browser.close()


def test_a_dealer_group_is_refused_pages_and_links_beyond_its_own(roles_server: tuple[str, str]) -> None:
    """Signed in, a direct URL to a page of the book is refused with a message; a link naming
    another group's org unit is corrected with a message."""
    from playwright.sync_api import sync_playwright

    url, group = roles_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        _settle(page)
        _sign_in_browser(page, "group")
        assert page.query_selector("h1").inner_text() == "Ecosystem scorecard"
        page.goto(f"{url}/forecast")
        _settle(page)
        main = page.inner_text('[data-testid="stMain"]')
        assert "does not open Forecast & pipeline change" in main and not page.query_selector_all('[data-testid="stMetric"]')
        page.goto(f"{url}/maturity?mm_org=Somebody%20Else")
        _settle(page)
        main = page.inner_text('[data-testid="stMain"]')
        assert "This link was changed" in main and group in main
        assert not page.query_selector_all('[data-testid="stException"]')
        browser.close()


def _count(db: Path, sql: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def _upload_and_check(page, files: list[dict]) -> str:  # noqa: ANN001 - playwright Page
    """Upload ``files`` on the Data page, press "Check the files", and return the page's text."""
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', files=files)
    shown = files[-1]["name"][-10:]                     # a long name is shown shortened in the middle
    page.wait_for_selector(f'[data-testid="stFileUploader"] >> text={shown}', timeout=30_000)
    _settle(page)
    page.get_by_role("button", name="Check the files").click()
    _settle(page)
    return page.inner_text('[data-testid="stMain"]')


def test_the_backup_zip_and_a_workbook_upload_in_the_browser(writable_server: tuple[str, Path]) -> None:
    """The page's own backup ZIP restores as is; a workbook named after its dataset appends its rows."""
    import io
    import sqlite3

    import openpyxl
    from playwright.sync_api import sync_playwright

    url, folder = writable_server
    db = folder / "private.db"
    snapshots = _count(db, "SELECT count(*) FROM pipeline_snapshots")
    book = openpyxl.Workbook()
    book.active.append(["dealer_id", "name", "dealer_group", "region", "brand", "salespeople"])
    book.active.append(["D-BROWSER", "Autohaus Zoë", "Nord Gruppe", "North", None, 9])
    workbook = io.BytesIO()
    book.save(workbook)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.goto(f"{url}/data_admin")
        _settle(page)
        page.get_by_role("button", name="Prepare the backup ZIP").click()
        _settle(page)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download autorevops-backup.zip").click()
        archive = Path(download.value.path()).read_bytes()
        with sqlite3.connect(db) as conn:   # change the database: the restore must bring it back
            conn.execute("DELETE FROM pipeline_snapshot_rows")
            conn.execute("DELETE FROM pipeline_snapshots")
        text = _upload_and_check(page, [{"name": "autorevops-backup.zip", "mimeType": "application/zip",
                                         "buffer": archive}])
        assert "The files are valid: accounts" in text and "not allowed" not in text, text
        page.get_by_text("I understand that restoring the backup replaces every table").click()
        _settle(page)
        page.get_by_role("button", name=re.compile(r"^Restore the backup: [0-9,]+ rows \(replace\)$")).click()
        _settle(page)
        assert "Restored the backup: accounts" in page.inner_text('[data-testid="stMain"]')
        assert _count(db, "SELECT count(*) FROM pipeline_snapshots") == snapshots    # back as it was

        page.goto(f"{url}/data_admin")
        _settle(page)
        page.get_by_text("Append: add these files' rows to what is there").click()
        _settle(page)
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        text = _upload_and_check(page, [{"name": "dealers.xlsx", "buffer": workbook.getvalue(), "mimeType": xlsx}])
        assert "The files are valid: dealers 1." in text, text
        page.get_by_role("button", name="Import 1 rows (append)").click()
        _settle(page)
        assert "Imported: dealers 1" in page.inner_text('[data-testid="stMain"]')
        assert not page.query_selector_all('[data-testid="stException"]')
        browser.close()
    assert _count(db, "SELECT count(*) FROM pipeline_snapshots") == snapshots + 1     # the append's own snapshot
    assert _count(db, "SELECT count(*) FROM dealers WHERE dealer_id = 'D-BROWSER' AND name = 'Autohaus Zoë'") == 1


# ---- dealer-council sharing: share links and what a dealer group's browser receives -------------------

def _others(db_url: str, group: str) -> list[str]:
    """Every other dealer group's name and its dealers' names and ids (strings that must never reach
    a browser showing ``group``'s view)."""
    import sqlalchemy as sa

    with sa.create_engine(db_url).connect() as conn:
        rows = conn.execute(sa.text("SELECT dealer_id, name, dealer_group FROM dealers WHERE dealer_group <> :g"),
                            {"g": group}).all()
    return sorted({v for row in rows for v in row})


def _frame_leaks(frames: list, others: list[str]) -> list[str]:
    """The names among ``others`` found in any websocket frame the browser received (protobuf and
    Arrow carry text as UTF-8; Arrow packs a column's strings with nothing between them, so a name
    is looked for anywhere, only not as the start of a longer number: "#1" in "#11")."""
    blob = b"\n".join(f if isinstance(f, bytes) else f.encode("utf-8") for f in frames)
    return [name for name in others
            if re.search(re.escape(name.encode()) + (rb"(?!\d)" if name[-1:].isdigit() else b""), blob)]


def _pdf_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    assert len(pdf) == 1
    return " ".join(p.get_textpage().get_text_range() for p in pdf)


def test_a_share_link_opens_its_view_read_only_without_sign_in(roles_server: tuple[str, str],
                                                               sample_db_url: str) -> None:
    """An admin makes a link on the scorecard page; a fresh browser opens it without signing in: the
    view, no menu, no sign-in form, and nothing of another group on screen, on the websocket or in
    the PDF it downloads; a changed token shows one message and nothing else."""
    from playwright.sync_api import expect, sync_playwright

    url, group = roles_server
    others = _others(sample_db_url, group)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        admin = browser.new_page(viewport={"width": 1280, "height": 900})
        admin.goto(f"{url}/scorecard")
        admin.wait_for_selector("text=Sign in with the username", timeout=60_000)
        _settle(admin)
        _sign_in_browser(admin, "root")
        admin.get_by_text("Share this view with a dealer group").click()
        _settle(admin)
        _choose(admin, "Dealer group", group)
        create = admin.get_by_role("button", name="Create the share link")
        expect(create).to_be_enabled(timeout=60_000)   # the choice reached the server
        _settle(admin)
        create.click()
        admin.wait_for_selector("text=Share link for", timeout=60_000)
        link = admin.inner_text('[data-testid="stCode"]').strip()
        assert link.startswith(f"{url}/?share="), link

        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        frames: list = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
        page.goto(link)
        _settle(page)
        main = page.inner_text('[data-testid="stMain"]')
        assert page.query_selector("h1").inner_text() == "Ecosystem scorecard"
        assert f"Shared with {group}" in main
        assert not page.query_selector('[data-testid="stSidebarNav"]') and not page.is_visible(
            '[data-testid="stSidebar"]')
        assert not page.get_by_label("Username").count() and not page.query_selector_all('[data-testid="stException"]')
        assert not [n for n in others if n in main]
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the scorecard (PDF)").click()
        text = _pdf_text(Path(download.value.path()).read_bytes())
        assert f"Ecosystem scorecard: {group}" in text and not [n for n in others if n in text]
        assert _frame_leaks(frames, [group, "Peer A"]) == [group, "Peer A"]   # the table's data came this way
        assert not _frame_leaks(frames, others)

        page.goto(link[:-4])
        _settle(page)
        lines = [line for line in page.inner_text('[data-testid="stMain"]').splitlines() if line.strip()]
        assert lines == ["link_off", ("This share link is not valid: it was changed, cut short or made for another "
                                      "installation. Ask the person who shared it for a new link.")]  # icon, message
        assert not page.query_selector("h1") and not page.is_visible('[data-testid="stSidebar"]')
        browser.close()


def test_a_dealer_groups_browser_receives_nothing_of_another_group(roles_server: tuple[str, str],
                                                                    sample_db_url: str) -> None:
    """Signed in as a dealer group: every websocket frame of its pages (scorecard at both levels, the
    maturity matrix) and every file it downloads hold no other group's name, dealer name or id."""
    from playwright.sync_api import sync_playwright

    url, group = roles_server
    others = _others(sample_db_url, group)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        frames: list = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
        page.goto(url)
        page.wait_for_selector("text=Sign in with the username", timeout=60_000)
        _settle(page)
        _sign_in_browser(page, "group")
        files = {}
        for query in ("", "?eco_level=Dealer+group"):
            page.goto(f"{url}/scorecard{query}")
            _settle(page)
            assert page.query_selector("h1").inner_text() == "Ecosystem scorecard"
            for label, kind in (("PDF", "pdf"), ("CSV", "csv"), ("Excel", "xlsx")):
                with page.expect_download(timeout=90_000) as download:
                    page.get_by_role("button", name=f"Download the scorecard ({label})").click()
                files[f"{query or 'dealer'} {kind}"] = Path(download.value.path()).read_bytes()
                _settle(page)   # the file is made on the click, and the download's audit reruns the page
        page.goto(f"{url}/maturity")
        _settle(page)
        assert not page.query_selector_all('[data-testid="stException"]')
        browser.close()
    assert len(frames) > 10 and not _frame_leaks(frames, others)
    import sqlite3

    with sqlite3.connect(SERVED_DB[url]) as conn:   # each file is made on its click, by the server, which logs it
        exports = [d for (d,) in conn.execute("SELECT detail FROM audit_log WHERE username = 'group' "
                                              "AND action = 'export' ORDER BY entry_id")]
    logged = [re.fullmatch(r"scorecard by (\w+) \S+ \((\w+)\)", d) for d in exports[-6:]]
    assert [m.groups() if m else None for m in logged] == [
        (level, fmt) for level in ("dealer", "dealer_group") for fmt in ("PDF", "CSV", "XLSX")], exports
    import io

    import openpyxl

    for name, data in files.items():
        if name.endswith("pdf"):
            text = _pdf_text(data)
        elif name.endswith("xlsx"):
            text = " ".join(str(c.value) for sheet in openpyxl.load_workbook(io.BytesIO(data))
                            for row in sheet.iter_rows() for c in row)
        else:
            text = data.decode("utf-8-sig")
        assert group in text, name
        assert not [n for n in others if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)], name
