"""AppTest helpers: run the real entry script on the seeded sample database and open a page."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def open_page(sample_db_url: str, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """``open_page("views/x.py", query={"as_of": "2026-06-30"})`` -> an AppTest that has run that page."""
    monkeypatch.setenv("AUTOREVOPS_DB_URL", sample_db_url)

    def _open(page: str | None = None, query: dict[str, str] | None = None, timeout: float = 120) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=timeout)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.run()
        if page:
            at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open


def metric_values(at: AppTest) -> dict[str, str]:
    """Label -> displayed value of every st.metric on the page (first occurrence wins)."""
    out: dict[str, str] = {}
    for m in at.metric:
        out.setdefault(m.label, m.value)
    return out


@pytest.fixture
def private_db(open_page, sample_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the seeded sample database for pages that write; ``open_page`` uses it."""
    import sqlite3

    import sqlalchemy as sa

    target = tmp_path / "private.db"
    src, dst = sqlite3.connect(sa.engine.make_url(sample_db_url).database), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    url = f"sqlite:///{target}"
    monkeypatch.setenv("AUTOREVOPS_DB_URL", url)
    return url
