"""The app on its embedded default, DuckDB (``data/autorevops.duckdb``): a first start seeds the sample
company into a new file, and every page renders on DuckDB with the figures it shows on SQLite."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import revops_core.db as db
from revops_core.db import make_engine
from revops_core.queries.common import dataset_counts
from tests.app.conftest import APP, metric_values
from tests.conftest import seeded_duckdb


@pytest.fixture(scope="module")
def duck_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A DuckDB file holding the small sample company (as the SQLite ``sample_db_url`` does)."""
    return seeded_duckdb(tmp_path_factory.mktemp("duck"), "small")


def _open(url: str, page: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("AUTOREVOPS_DB_URL", url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at.switch_page(page).run()


PAGES = sorted(f"views/{p.name}" for p in (Path(APP).parent / "views").glob("*.py") if p.name != "__init__.py")


def test_the_page_list_is_every_page() -> None:
    assert len(PAGES) == 15 and "views/scorecard.py" in PAGES


@pytest.mark.parametrize("page", PAGES, ids=[p[6:-3] for p in PAGES])
def test_every_page_renders_on_duckdb(duck_url: str, page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _open(duck_url, page, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    problems = [e.value for e in at.error if "database" in e.value.lower() or "refused" in e.value.lower()]
    assert not problems                       # content alerts ("Fix first: ...") are st.error too
    assert at.title, "the page drew nothing"


def test_the_board_shows_the_same_figures_on_duckdb_and_sqlite(duck_url: str, sample_db_url: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    duck = metric_values(_open(duck_url, "views/board_overview.py", monkeypatch))
    lite = metric_values(_open(sample_db_url, "views/board_overview.py", monkeypatch))
    assert duck == lite and len(duck) >= 8


def test_a_first_start_seeds_a_new_default_duckdb_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "DATA_DIR", tmp_path)
    monkeypatch.delenv("AUTOREVOPS_DB_URL", raising=False)
    assert db.default_url() == f"duckdb:///{tmp_path / 'autorevops.duckdb'}"
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    engine = make_engine(db.default_url(), create=False)
    with engine.connect() as conn:
        counts = dataset_counts(conn)
    engine.dispose()
    assert counts["leads"] == 20_000 and counts["opportunities"] == 2_000     # the default sample company
    assert not (tmp_path / "autorevops.db").exists()
