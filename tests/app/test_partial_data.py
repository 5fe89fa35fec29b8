"""AppTest: a database holding only the dealer ecosystem runs the ecosystem pages and names what
the revenue pages lack, instead of calling the whole database empty."""
from __future__ import annotations

import sqlalchemy as sa

from revops_core.readiness import GROUP_DATASETS
from revops_core.schema import TABLES
from tests.app.conftest import metric_values


def _drop_revenue_data(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("PRAGMA foreign_keys=OFF"))
        for name in GROUP_DATASETS["revenue"]:
            conn.execute(TABLES[name].delete())
    engine.dispose()


def test_ecosystem_only_database(private_db: str, open_page) -> None:  # noqa: ANN001
    _drop_revenue_data(private_db)
    board = open_page()
    assert board.title[0].value == "Board overview"
    [info] = board.info
    assert info.value.startswith("This page needs data this database does not hold: accounts, products, "
                                 "opportunities, quotas, platform_awards, revenue, ecos, certifications")
    assert not board.metric

    card = open_page("views/scorecard.py")
    assert card.title[0].value == "Ecosystem scorecard"
    assert card.dataframe and metric_values(card)
    assert not any("empty" in i.value for i in card.info)

    attribution = open_page("views/attribution.py")
    assert attribution.title[0].value.startswith("Attribution")
    assert attribution.dataframe or attribution.get("vega_lite_chart")
