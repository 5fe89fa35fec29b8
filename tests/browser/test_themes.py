"""Every page at 1440x900 in Streamlit's light and dark themes: it renders without an exception,
the theme takes effect, and a screenshot of each is kept for a person to look at.

Screenshots go to ``$AUTOREVOPS_SHOTS`` when set (e.g. to review a change), else to pytest's
temporary folder. The chart colours themselves are checked for both themes in
``tests/app/test_chart_specs.py``.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_pages import CHROMIUM_ARGS, ROOT, _chromium, _serve, _settle

pytestmark = pytest.mark.browser
PAGES = sorted(set(re.findall(r'"views/(\w+)\.py"', (ROOT / "app.py").read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def themed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.conftest import seeded_sqlite

    yield from _serve(seeded_sqlite(tmp_path_factory.mktemp("themes"), "default"), tmp_path_factory)


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_in_both_themes(themed_server: str, scheme: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("AUTOREVOPS_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, color_scheme=scheme)
        for name in PAGES:
            page.goto(f"{themed_server}/{name}")
            _settle(page)
            exceptions = [e.inner_text()[:300] for e in page.query_selector_all('[data-testid="stException"]')]
            assert not exceptions, f"{name} ({scheme}): {exceptions}"
            assert page.query_selector("h1") is not None, f"{name} ({scheme}): no page title"
            background = page.eval_on_selector('[data-testid="stApp"]', "e => getComputedStyle(e).backgroundColor")
            assert (_luminance(background) < 0.3) == (scheme == "dark"), f"{name}: background {background}"
            page.screenshot(path=str(shots / f"{name}_{scheme}.png"))
        browser.close()
    assert len(list(shots.glob(f"*_{scheme}.png"))) >= len(PAGES)
