"""AppTest: the ecosystem scorecard page shows the core's figures, formatted by the core."""
from __future__ import annotations

from datetime import date

import pytest

from tests.app.conftest import metric_values

from revops_core import formatting
from revops_core import scorecard as sc
from revops_core.queries.common import EVERYTHING
from revops_core.queries.scorecard import lead_date_range

PAGE = "views/scorecard.py"


def core_card(engine, cfg, start: date, end: date, level: str, journey: str | None = None):  # noqa: ANN001, ANN201
    with engine.connect() as conn:
        return sc.scorecard(conn, start, end, level, cfg, journey), sc.funnel(conn, start, end, cfg, journey)


def default_window(engine, as_of: date) -> tuple[date, date]:  # noqa: ANN001
    with engine.connect() as conn:
        return sc.default_window(as_of, lead_date_range(conn, EVERYTHING))


def test_default_dealer_scorecard(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30"})
    start, end = default_window(sample_engine, date(2026, 6, 30))
    assert (at.date_input(key="eco_start").value, at.date_input(key="eco_end").value) == (start, end)
    assert (start, end) == (date(2026, 4, 2), date(2026, 6, 30))  # the 90 days to the as-of date
    card, steps = core_card(sample_engine, cfg, start, end, "dealer")
    shown = at.dataframe[0].value
    assert len(shown) == len(card.rows) == 40
    top, row = shown.iloc[0], card.rows[0]
    assert (top["Dealer ID"], top["Dealer"]) == (row.entity, row.name)
    assert top["Composite score (0-100)"] == sc.kpi_text("composite_score", row.composite_score)
    assert top["Quartile"] == "Q1 (top)" and top["Trend vs previous window"] == sc.trend_text(row.trend)
    for key in sc.KPIS:
        assert top[sc.KPI_LABELS[key][0]] == sc.kpi_text(key, row.kpis[key]), key
    assert list(shown["Quartile"]) == [sc.kpi_text("quartile", r.quartile) for r in card.rows]
    totals = card.totals()
    assert metric_values(at) == {
        "Leads": formatting.count(totals["leads"]),
        "Answered within SLA": formatting.percent(steps[1].share_of_leads),
        "Conversion rate": formatting.percent(steps[4].share_of_leads),
        "Revenue": formatting.money(totals["revenue"]),
        "Marketing-sourced": formatting.percent(totals["sourced_share"]),
    }
    assert len(at.get("vega_lite_chart")) == 2  # heat map and funnel


def test_region_level_journey_and_window(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE)
    at.selectbox(key="eco_level").select("region")
    at.selectbox(key="eco_journey").select("EV_LAUNCH")
    at.date_input(key="eco_start").set_value(date(2026, 1, 1))
    at.date_input(key="eco_end").set_value(date(2026, 3, 31)).run()
    assert not at.exception
    card, _ = core_card(sample_engine, cfg, date(2026, 1, 1), date(2026, 3, 31), "region", "EV_LAUNCH")
    shown = at.dataframe[0].value
    assert list(shown["Region"]) == [r.entity for r in card.rows]
    assert list(shown["Conversion rate"]) == [sc.kpi_text("conversion_rate", r.kpis["conversion_rate"])
                                              for r in card.rows]
    assert list(shown["Median response"]) == [sc.kpi_text("median_response_minutes", r.kpis["median_response_minutes"])
                                              for r in card.rows]
    assert "Dealer ID" not in shown.columns
    assert "Scorecard by region" in [h.value for h in at.subheader]


def test_heatmap_switches_and_funnel_for_one_entity(open_page) -> None:
    at = open_page(PAGE)
    at.radio(key="eco_heat_segment").set_value("dealer_group")
    at.radio(key="eco_heat_value").set_value("revenue_per_lead").run()
    assert not at.exception
    entity = at.selectbox(key="eco_funnel_entity").options[1]
    at.selectbox(key="eco_funnel_entity").select_index(1).run()
    assert not at.exception and entity
    assert len(at.get("vega_lite_chart")) == 2


def test_empty_window_and_reversed_window(open_page) -> None:
    at = open_page(PAGE)
    at.date_input(key="eco_start").set_value(date(2020, 1, 1))
    at.date_input(key="eco_end").set_value(date(2020, 3, 31)).run()
    assert not at.exception
    infos = [i.value for i in at.info]
    assert "No leads were created in this window; only the dealer-month figures are filled." in infos
    assert "No leads were created in this window, so there is nothing to map." in infos
    assert metric_values(at)["Conversion rate"] == "n/a"
    at.date_input(key="eco_end").set_value(date(2019, 1, 1)).run()
    assert [w.value for w in at.warning] == ["Choose a window whose first day is on or before its last day."]


def test_heatmap_by_marketing_sourced_share(open_page, sample_engine, cfg) -> None:
    import json

    at = open_page(PAGE)
    at.radio(key="eco_heat_value").set_value("sourced_share").run()
    assert not at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["layer"][0]["title"] == "Marketing-sourced share of revenue by journey and region"
    start, end = at.date_input(key="eco_start").value, at.date_input(key="eco_end").value
    with sample_engine.connect() as conn:
        cells = sc.heatmap(conn, start, end, "region", parties=cfg.rules.ecosystem.marketing_parties)
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    proto = at.get("vega_lite_chart")[0].proto
    data = proto.data.data if proto.data.data else proto.datasets[0].data.data
    shown = convert_arrow_bytes_to_pandas_df(data)
    assert list(shown["label"]) == [formatting.percent(c.sourced_share, 0) for c in cells]
    expected = [float("nan") if c.sourced_share is None else c.sourced_share for c in cells]  # no revenue: blank
    assert list(shown["value"]) == pytest.approx(expected, nan_ok=True)
    assert 0 < sum(c.sourced_revenue for c in cells) < sum(c.revenue for c in cells)
