"""AppTest: the ecosystem scorecard page shows the core's figures, formatted by the core, and every
control lives in the URL (a shared link reopens exactly that view; bad values get a notice)."""
from __future__ import annotations

import json
from datetime import date

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from tests.app.conftest import metric_values

from revops_core import formatting
from revops_core import scorecard as sc
from shell.scorecard_data import FIRST_COLUMNS, more_columns

PAGE = "views/scorecard.py"
BOUND = ("eco_level", "eco_journey", "eco_window", "eco_start", "eco_end", "eco_heat_segment", "eco_heat_value",
         "eco_columns")


def core_card(engine, cfg, start: date, end: date, level: str, journey: str | None = None):  # noqa: ANN001, ANN201
    with engine.connect() as conn:
        return sc.scorecard(conn, start, end, level, cfg, journey), sc.funnel(conn, start, end, cfg, journey)


def window(at) -> tuple[date, date]:  # noqa: ANN001
    return at.date_input(key="eco_start").value, at.date_input(key="eco_end").value


def in_unit(values: list[float | None]) -> list[float | None]:
    """Money as the table holds it: in the column's one unit ($K, $M), so it still sorts as a number."""
    divisor, _ = formatting.money_unit([v for v in values if v is not None])
    return [None if v is None else v / divisor for v in values]


def test_default_dealer_scorecard_is_the_last_complete_quarter(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30"})
    assert at.segmented_control(key="eco_window").value == "last_quarter"
    start, end = window(at)
    assert (start, end) == (date(2026, 4, 1), date(2026, 6, 30))  # the last complete quarter at the as-of date
    card, steps = core_card(sample_engine, cfg, start, end, "dealer")
    shown = at.dataframe[0].value
    assert list(shown.columns) == ["Rank", "Dealer", *FIRST_COLUMNS]  # only what is shown is sent
    at.multiselect(key="eco_columns").set_value(more_columns("dealer")).run()
    shown = at.dataframe[0].value
    assert len(shown) == len(card.rows) == 40
    top, row = shown.iloc[0], card.rows[0]
    assert (top["Dealer ID"], top["Dealer"]) == (row.entity, row.name)
    assert top["Composite score (0-100)"] == sc.kpi_text("composite_score", row.composite_score)
    assert top["Quartile"] == "Q1 (top)" and top["Trend vs previous window"] == sc.trend_text(row.trend)
    for key in sc.KPIS:
        if sc.KPI_LABELS[key][1] != "money":
            assert top[sc.KPI_LABELS[key][0]] == sc.kpi_text(key, row.kpis[key]), key
    assert list(shown["Revenue"]) == pytest.approx(in_unit([r.kpis["revenue"] for r in card.rows]))
    assert list(shown["Quartile"]) == [sc.kpi_text("quartile", r.quartile) for r in card.rows]
    totals = card.totals()
    assert metric_values(at) == {
        "Leads": formatting.count(totals["leads"]),
        "Answered within SLA": formatting.percent(steps[1].share_of_leads),
        "Conversion rate": formatting.percent(steps[4].share_of_leads),
        "Revenue": formatting.money(totals["revenue"]),
        "Marketing-sourced": formatting.percent(totals["sourced_share"]),
    }
    assert f"Last quarter: **{formatting.date(start)} – {formatting.date(end)}**" in at.caption[1].value
    assert len(at.get("vega_lite_chart")) == 2  # heat map and funnel
    assert not at.warning


def test_the_table_opens_with_the_columns_a_reader_needs_first(open_page) -> None:
    at = open_page(PAGE)
    proto = at.dataframe[0].proto
    assert list(proto.column_order) == ["Rank", "Dealer", *FIRST_COLUMNS]
    config = json.loads(proto.columns)
    assert config["Dealer"]["pinned"] is True and config["Rank"]["pinned"] is True  # the name stays in view
    assert config["Revenue"]["label"] == "Revenue ($K)"  # one unit per money column, named in the header
    at.multiselect(key="eco_columns").select("CSAT (0-100)").select("Cost to serve per sale").run()
    assert list(at.dataframe[0].proto.column_order)[-2:] == ["CSAT (0-100)", "Cost to serve per sale"]


def test_every_control_is_bound_to_the_url(open_page) -> None:
    at = open_page(PAGE)
    widgets = {w.key: w for w in at.main if getattr(w, "key", None) in BOUND}
    assert {key: w.proto.query_param_key for key, w in widgets.items()} == {key: key for key in BOUND}


def test_a_shared_link_reopens_exactly_that_view(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30", "eco_level": "Region", "eco_journey": "EV launch",
                                "eco_window": "Custom", "eco_start": "2026-01-01", "eco_end": "2026-03-31",
                                "eco_heat_segment": "Dealer group", "eco_heat_value": "Revenue per lead",
                                "eco_columns": "Median response"})
    assert not at.warning
    assert at.selectbox(key="eco_level").value == "region"
    assert at.selectbox(key="eco_journey").value == "EV_LAUNCH"
    assert at.segmented_control(key="eco_window").value == "custom"
    assert window(at) == (date(2026, 1, 1), date(2026, 3, 31))
    assert (at.radio(key="eco_heat_segment").value, at.radio(key="eco_heat_value").value) == (
        "dealer_group", "revenue_per_lead")
    assert at.multiselect(key="eco_columns").value == ["Median response"]
    card, _ = core_card(sample_engine, cfg, date(2026, 1, 1), date(2026, 3, 31), "region", "EV_LAUNCH")
    shown = at.dataframe[0].value
    assert list(shown["Region"]) == [r.entity for r in card.rows]
    assert list(shown["Conversion rate"]) == [sc.kpi_text("conversion_rate", r.kpis["conversion_rate"])
                                              for r in card.rows]
    assert list(shown["Median response"]) == [sc.kpi_text("median_response_minutes", r.kpis["median_response_minutes"])
                                              for r in card.rows]
    assert "Dealer ID" not in shown.columns
    assert "Scorecard by region" in [h.value for h in at.subheader]
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["layer"][0]["title"] == "Revenue per lead by journey and dealer group"


@pytest.mark.parametrize(("preset", "expected"), [
    ("QTD", (date(2026, 4, 1), date(2026, 6, 30))),           # the as-of date ends its quarter
    ("Last 4 quarters", (date(2025, 7, 1), date(2026, 6, 30))),
    ("YTD", (date(2026, 1, 1), date(2026, 6, 30))),
])
def test_a_preset_in_a_link_follows_the_as_of_date(open_page, preset: str, expected: tuple[date, date]) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30", "eco_window": preset})
    assert window(at) == expected and not at.warning


def test_presets_set_the_dates_and_a_picked_date_makes_the_window_custom(open_page) -> None:
    at = open_page(PAGE, query={"as_of": "2026-05-15"})
    assert window(at) == (date(2026, 1, 1), date(2026, 3, 31))
    at.segmented_control(key="eco_window").set_value("qtd").run()
    assert window(at) == (date(2026, 4, 1), date(2026, 5, 15))
    at.date_input(key="eco_start").set_value(date(2026, 2, 1)).run()
    assert not at.exception
    assert at.segmented_control(key="eco_window").value == "custom"
    assert window(at) == (date(2026, 2, 1), date(2026, 5, 15))
    # the address written back holds the whole window (the browser's own change included)
    assert {k: at.query_params[k] for k in ("eco_window", "eco_start", "eco_end")} == {
        "eco_window": "Custom", "eco_start": "2026-02-01", "eco_end": "2026-05-15"}
    at.segmented_control(key="eco_window").set_value("last_4_quarters").run()
    assert window(at) == (date(2025, 4, 1), date(2026, 3, 31))


def test_dates_in_a_link_without_a_preset_apply(open_page) -> None:
    at = open_page(PAGE, query={"eco_start": "2026-02-01", "eco_end": "2026-02-28"})
    assert at.segmented_control(key="eco_window").value == "custom"
    assert window(at) == (date(2026, 2, 1), date(2026, 2, 28)) and not at.warning


def test_bad_link_values_fall_back_to_defaults_with_a_notice(open_page) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30", "eco_level": "Planet", "eco_journey": "Moon landing",
                                "eco_window": "Fortnight", "eco_heat_value": "Colour"})
    notice = at.warning[0].value
    assert "could not be used" in notice
    for text in ("Compare = 'Planet' is not one of Dealer, Dealer group, Region; using Dealer",
                 "Journey = 'Moon landing' is not one of All journeys, EV launch",
                 "Window = 'Fortnight' is not one of Last quarter, QTD, Last 4 quarters, YTD, Custom; "
                 "using Last quarter",
                 "Colour by = 'Colour' is not one of Conversion rate"):
        assert text in notice, text
    assert at.selectbox(key="eco_level").value == "dealer" and at.selectbox(key="eco_journey").value is None
    assert window(at) == (date(2026, 4, 1), date(2026, 6, 30))
    at = open_page(PAGE, query={"eco_start": "2026-13-01"})
    assert "From = '2026-13-01' is not a date written YYYY-MM-DD; using the default" in at.warning[0].value


def test_heatmap_switches_and_funnel_for_one_entity(open_page) -> None:
    at = open_page(PAGE)
    at.radio(key="eco_heat_segment").set_value("dealer_group")
    at.radio(key="eco_heat_value").set_value("revenue_per_lead").run()
    assert not at.exception
    entity = at.selectbox(key="eco_funnel_entity").options[1]
    at.selectbox(key="eco_funnel_entity").select_index(1).run()
    assert not at.exception and entity
    assert len(at.get("vega_lite_chart")) == 2


def test_funnel_figures_sit_in_the_axis_labels(open_page) -> None:
    at = open_page(PAGE)
    proto = at.get("vega_lite_chart")[1].proto
    shown = convert_arrow_bytes_to_pandas_df(proto.data.data if proto.data.data else proto.datasets[0].data.data)
    assert shown["axis"].iloc[0].startswith("Leads: ") and shown["axis"].iloc[0].endswith("(100.0%)")
    assert "mark_text" not in proto.spec and '"text"' not in proto.spec  # no label drawn on the page background


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
    at = open_page(PAGE)
    at.radio(key="eco_heat_value").set_value("sourced_share").run()
    assert not at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["layer"][0]["title"] == "Marketing-sourced share of revenue by journey and region"
    start, end = window(at)
    with sample_engine.connect() as conn:
        cells = sc.heatmap(conn, start, end, "region", parties=cfg.rules.ecosystem.marketing_parties)
    proto = at.get("vega_lite_chart")[0].proto
    data = proto.data.data if proto.data.data else proto.datasets[0].data.data
    shown = convert_arrow_bytes_to_pandas_df(data)
    assert list(shown["label"]) == [formatting.percent(c.sourced_share, 0) for c in cells]
    expected = [float("nan") if c.sourced_share is None else c.sourced_share for c in cells]  # no revenue: blank
    assert list(shown["value"]) == pytest.approx(expected, nan_ok=True)
    assert 0 < sum(c.sourced_revenue for c in cells) < sum(c.revenue for c in cells)
    assert "came from OEM or Media" in " ".join(c.value for c in at.caption)  # labels, not codes
