"""AppTest: the attribution & martech ROI page shows the core's figures, formatted by the core."""
from __future__ import annotations

from datetime import date

from tests.app.conftest import metric_values

from revops_core import formatting
from revops_core import martech as mt
from revops_core.attribution import MODELS
from revops_core.attribution_report import MODEL_LABELS, attribution_report

PAGE = "views/attribution.py"


def core(engine, cfg, start: date, end: date):  # noqa: ANN001, ANN201
    with engine.connect() as conn:
        return attribution_report(conn, start, end, cfg), mt.martech_report(conn, start, end, cfg)


def test_default_window_metrics_and_tables(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30"})
    start, end = date(2026, 4, 2), date(2026, 6, 30)  # the 90 days to the as-of date
    assert (at.date_input(key="attr_start").value, at.date_input(key="attr_end").value) == (start, end)
    rep, roi = core(sample_engine, cfg, start, end)
    assert rep.attributed_revenue > 0 and len(rep.ranges) >= 5
    assert metric_values(at) == {
        "Attributed revenue": formatting.money(rep.attributed_revenue),
        "Attributed sales": formatting.count(rep.attributed_sales),
        "Unattributed sales": formatting.count(rep.unattributed_sales),
        "Martech cost": formatting.money(roi.overall.cost),
        "Martech ROI": formatting.percent(roi.overall.roi, 0),
    }
    assert len(at.get("vega_lite_chart")) == 3  # credits by model, ranges, utilization

    ranges = at.dataframe[0].value
    assert list(ranges["Channel"]) == list(rep.channels)
    top = ranges.iloc[0]
    channel = rep.channels[0]
    for model in MODELS:
        assert top[MODEL_LABELS[model]] == formatting.money(rep.credit(model, channel)), model
    first = rep.ranges[0]
    assert top["Range (low – high)"] == f"{formatting.money(first.low)} – {formatting.money(first.high)}"
    assert top["Models"] == ("⚠ Disagree" if first.models_disagree else "✓ Agree")
    # every disagreement is listed in words, with "the range is the honest answer"
    text = "\n".join(m.value for m in at.markdown)
    assert "the range is the honest answer" in text
    assert all(f"- {line}" in text for line in rep.disagreements)

    journeys = at.dataframe[1].value
    ev = next(line for line in roi.by_journey if line.key == "EV_LAUNCH")
    row = journeys[journeys["Journey"] == cfg.label("journeys", "EV_LAUNCH")].iloc[0]
    assert (row["Attributed revenue"], row["Martech cost"], row["ROI"], row["Pays back?"]) == (
        formatting.money(ev.attributed_revenue), formatting.money(ev.cost), formatting.percent(ev.roi, 0),
        mt.roi_verdict(ev.roi))
    regions = at.dataframe[2].value
    assert list(regions["Region"]) == [line.key for line in roi.by_segment["region"]]

    tools = at.dataframe[3].value
    assert len(tools) == len(roi.tools) == 13
    legacy = tools[tools["Tool"] == "Legacy email platform"].iloc[0]
    assert (legacy["Utilization"], legacy["Status"], legacy["Annual cost"]) == ("15%", "⚠ Retire candidate", "$95.0K")
    badges = [b.value for b in at.markdown if "retire candidates" in b.value]
    assert badges and formatting.money(roi.money_freed_annual) in badges[0]
    assert roi.money_freed_annual == 95_000 + 70_000 + 60_000  # legacy email, social listening, chat bot
    assert not at.exception


def test_segment_switch_and_window(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE)
    at.date_input(key="attr_start").set_value(date(2026, 1, 1))
    at.date_input(key="attr_end").set_value(date(2026, 3, 31)).run()
    at.radio(key="attr_segment").set_value("dealer_group").run()
    assert not at.exception
    rep, roi = core(sample_engine, cfg, date(2026, 1, 1), date(2026, 3, 31))
    assert metric_values(at)["Attributed revenue"] == formatting.money(rep.attributed_revenue)
    groups = at.dataframe[2].value
    assert list(groups["Dealer group"]) == [line.key for line in roi.by_segment["dealer_group"]]
    assert list(groups["ROI"]) == [formatting.percent(line.roi, 0) for line in roi.by_segment["dealer_group"]]


def test_empty_and_reversed_window(open_page) -> None:
    at = open_page(PAGE)
    at.date_input(key="attr_start").set_value(date(2020, 1, 1))
    at.date_input(key="attr_end").set_value(date(2020, 3, 31)).run()
    assert not at.exception
    assert any(i.value.startswith("No sale in this window had a touchpoint before it") for i in at.info)
    assert metric_values(at)["Attributed revenue"] == "$0"
    at.date_input(key="attr_end").set_value(date(2019, 1, 1)).run()
    assert [w.value for w in at.warning] == ["Choose a window whose first day is on or before its last day."]
