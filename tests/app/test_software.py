"""AppTest: the connected-vehicle & software page shows the core's figures, by month and at D."""
from __future__ import annotations

import json
from datetime import date

import pytest

from revops_core import bands, formatting
from revops_core.board import board_metrics
from revops_core.queries.common import latest_activity_date
from revops_core.software import software_summary
from tests.app.conftest import metric_values

PAGE = "views/software.py"
CHART_TITLES = [
    "Software attach rate (% of units shipped)", "Subscription ARR at month end (US$)",
    "ARR per subscribed vehicle (US$ per year)", "Subscription share of revenue (%)",
    "Hardware revenue vs software ARR by month (US$)",
]


def chart_titles(at) -> list[str]:  # noqa: ANN001 - AppTest
    return [json.loads(c.proto.spec)["title"] for c in at.get("vega_lite_chart")]


def test_tiles_equal_the_core_and_the_board(open_page, sample_engine, cfg) -> None:  # noqa: ANN001
    at = open_page(PAGE)
    with sample_engine.connect() as conn:
        d = latest_activity_date(conn)
        s = software_summary(conn, d)
        b = board_metrics(conn, d, cfg)
    tiles = metric_values(at)
    assert tiles["Software attach rate"] == formatting.percent(s.software_attach_rate) == formatting.percent(
        b.software_attach_rate)
    assert tiles["Subscription ARR"] == formatting.money(s.subscription_arr) == formatting.money(b.subscription_arr)
    assert tiles["ARR per subscribed vehicle"] == formatting.money_precise(s.arr_per_subscribed_vehicle)
    assert tiles["Subscription share of revenue"] == formatting.percent(b.subscription_revenue_share)
    assert chart_titles(at) == CHART_TITLES
    badges = " ".join(md.value for md in at.markdown if "-badge[" in md.value)
    expected = bands.evaluate(cfg, "software_attach_rate", s.software_attach_rate)
    assert expected.label in badges  # the attach-rate band in words, whichever it is


def test_months_shown_and_as_of_from_the_url(open_page, sample_engine) -> None:  # noqa: ANN001
    at = open_page(PAGE, query={"as_of": "2025-06-30"})
    at.button_group(key="sw_months").set_value(12).run()
    assert not at.exception
    with sample_engine.connect() as conn:
        s = software_summary(conn, date(2025, 6, 30), months=12)
    table = at.expander[0].dataframe[0].value
    assert len(table) == 12
    latest = table.iloc[0]  # newest month first
    assert latest["Month"] == "Jun 2025" and s.months[-1].period == "2025-06"   # months written one way
    assert latest["Attach rate (TTM)"] == formatting.percent(s.months[-1].attach_rate_ttm)
    # money in one unit per column ($K / $M / $B, named in the header), kept as numbers so it sorts
    divisor, _ = formatting.money_unit([m.subscription_arr for m in s.months])
    assert latest["Subscription ARR"] == pytest.approx(s.months[-1].subscription_arr / divisor)
    assert table.iloc[-1]["Month"] == "Jul 2024"
    assert at.button_group(key="sw_months").proto.query_param_key == "sw_months"
    assert metric_values(at)["Software attach rate"] == formatting.percent(s.software_attach_rate)


def test_empty_months_are_explained(open_page) -> None:  # noqa: ANN001
    at = open_page(PAGE, query={"as_of": "2010-01-31"})
    assert any("No shipments or revenue" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")


def test_a_link_reopens_the_months_shown(open_page) -> None:  # noqa: ANN001
    at = open_page(PAGE, query={"sw_months": "36 months"})
    assert at.button_group(key="sw_months").value == 36
    assert len(at.expander[0].dataframe[0].value) == 36
    assert not at.warning
    bad = open_page(PAGE, query={"sw_months": "99 months"})
    assert "Months shown = '99 months' is not one of 12 months, 24 months, 36 months" in bad.warning[0].value
    assert bad.button_group(key="sw_months").value == 24
