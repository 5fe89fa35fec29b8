"""The app on a DuckDB file (the embedded default) in headless Chromium, with a command reading and
an import writing the same file while the server runs: DuckDB locks a file against every other
process, so this only works because each process holds the file only while it uses it and waits
for it otherwise (``revops_core.db._duckdb_engine``)."""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_pages import CHROMIUM_ARGS, ROOT, _chromium, _serve, _settle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def duck_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests.conftest import seeded_duckdb

    return seeded_duckdb(tmp_path_factory.mktemp("duck"), "small")


@pytest.fixture(scope="module")
def duck_server(duck_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(duck_url, tmp_path_factory)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "revops_core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


def _scorecard_text(page, server: str) -> str:  # noqa: ANN001 - playwright Page
    page.goto(f"{server}/scorecard")
    _settle(page)
    assert not page.query_selector_all('[data-testid="stException"]')
    return page.inner_text('[data-testid="stMain"]')


def test_commands_share_the_duckdb_file_with_the_running_app(duck_server: str, duck_url: str,
                                                             tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        before = _scorecard_text(page, duck_server)
        assert "Ecosystem scorecard" in before

        metrics = _cli("metrics", "--json", "--db", duck_url)          # read while the app is up
        assert metrics.returncode == 0, metrics.stderr
        assert json.loads(metrics.stdout)["as_of"]

        exported = _cli("export", str(tmp_path / "out"), "--db", duck_url)
        assert exported.returncode == 0, exported.stderr
        (tmp_path / "out" / "manifest.json").unlink()                  # plain contract CSVs
        imported = _cli("import", str(tmp_path / "out"), "--db", duck_url)   # write while the app is up
        assert imported.returncode == 0, imported.stderr

        after = _scorecard_text(page, duck_server)                     # the app reads the file again
        assert "Ecosystem scorecard" in after and "Data refreshed" in page.inner_text('[data-testid="stSidebar"]')
        browser.close()
