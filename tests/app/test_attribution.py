"""AppTest: the attribution & martech ROI page shows the core's figures, formatted by the core; the
window is the last complete quarter by default, with quarter presets, and lives in the URL."""
from __future__ import annotations

import json
from datetime import date

import pytest

from tests.app.conftest import metric_values

from revops_core import formatting
from revops_core import martech as mt
from revops_core.attribution import MODELS
from revops_core.attribution_report import MODEL_LABELS, attribution_report, disagreement_rule

PAGE = "views/attribution.py"
BOUND = ("attr_window", "attr_start", "attr_end", "attr_segment", "attr_tools_all")


def core(engine, cfg, start: date, end: date):  # noqa: ANN001, ANN201
    with engine.connect() as conn:
        return attribution_report(conn, start, end, cfg), mt.martech_report(conn, start, end, cfg)


def window(at) -> tuple[date, date]:  # noqa: ANN001
    return at.date_input(key="attr_start").value, at.date_input(key="attr_end").value


def in_unit(values: list[float]) -> list[float]:
    """Money as a table holds it: in the column's one unit ($K, $M), still a number."""
    divisor, _ = formatting.money_unit(values)
    return [v / divisor for v in values]


def test_default_window_metrics_and_tables(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30"})
    start, end = date(2026, 4, 1), date(2026, 6, 30)  # the last complete quarter, as on the scorecard
    assert window(at) == (start, end) and at.segmented_control(key="attr_window").value == "last_quarter"
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
    for model in MODELS:
        assert list(ranges[MODEL_LABELS[model]]) == pytest.approx(
            in_unit([rep.credit(model, c) for c in rep.channels])), model
    first = rep.ranges[0]
    assert ranges.iloc[0]["Models"] == ("⚠ Disagree" if first.models_disagree else "✓ Agree")
    # every disagreement is listed in words, with "the range is the honest answer", and the rule is said
    text = "\n".join(m.value for m in at.markdown)
    assert "the range is the honest answer" in text
    assert all(f"- {line}" in text for line in rep.disagreements)
    assert any(disagreement_rule(0.3) in c.value for c in at.caption)

    journeys = at.dataframe[1].value
    ev = next(line for line in roi.by_journey if line.key == "EV_LAUNCH")
    row = journeys[journeys["Journey"] == cfg.label("journeys", "EV_LAUNCH")].iloc[0]
    assert (row["ROI"], row["Pays back?"]) == (formatting.percent(ev.roi, 0), mt.roi_verdict(ev.roi))
    assert list(journeys["Martech cost"]) == pytest.approx(in_unit([line.cost for line in roi.by_journey]))
    regions = at.dataframe[2].value
    assert list(regions["Region"]) == [line.key for line in roi.by_segment["region"]]

    tools = at.dataframe[3].value
    assert len(tools) == len(roi.tools) == 13
    legacy = tools[tools["Tool"] == "Legacy email platform"].iloc[0]
    assert (legacy["Utilization"], legacy["Status"]) == ("15%", "⚠ Retire candidate")
    crm = tools[tools["Tool"] == "Automotive CRM cloud"].iloc[0]
    assert crm["Owner"] == cfg.label("owners", "REVOPS") != "REVOPS"  # a label, not the code
    badges = [b.value for b in at.markdown if "retire candidates" in b.value]
    assert badges and formatting.money(roi.money_freed_annual) in badges[0]
    assert roi.money_freed_annual == 95_000 + 70_000 + 60_000  # legacy email, social listening, chat bot
    assert not at.exception and not at.warning


def test_the_disagreement_flag_discriminates(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30", "attr_window": "Last 4 quarters"})
    rep, _ = core(sample_engine, cfg, *window(at))
    flagged = [r.channel for r in rep.ranges if r.models_disagree]
    assert 0 < len(flagged) < len(rep.ranges)  # neither every channel nor none
    badge = next(m.value for m in at.markdown if "Models disagree on" in m.value)
    assert f"Models disagree on {len(flagged)} of {len(rep.ranges)} channels" in badge


def test_wide_tables_fit(open_page) -> None:
    at = open_page(PAGE)
    tools = at.dataframe[3].proto
    assert list(tools.column_order) == ["Tool", "Status", "Utilization", "Annual cost", "Category", "Owner"]
    assert json.loads(tools.columns)["Tool"]["pinned"] is True
    at.toggle(key="attr_tools_all").set_value(True).run()
    assert list(at.dataframe[3].proto.column_order) == []  # every column


def test_every_control_is_bound_to_the_url(open_page) -> None:
    at = open_page(PAGE)
    widgets = {w.key: w for w in at.main if getattr(w, "key", None) in BOUND}
    assert {key: w.proto.query_param_key for key, w in widgets.items()} == {key: key for key in BOUND}


def test_a_shared_link_reopens_the_window_and_segment(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE, query={"attr_window": "Custom", "attr_start": "2026-01-01", "attr_end": "2026-03-31",
                                "attr_segment": "Dealer group", "attr_tools_all": "true"})
    assert not at.exception and not at.warning
    assert window(at) == (date(2026, 1, 1), date(2026, 3, 31))
    assert at.radio(key="attr_segment").value == "dealer_group" and at.toggle(key="attr_tools_all").value
    rep, roi = core(sample_engine, cfg, date(2026, 1, 1), date(2026, 3, 31))
    assert metric_values(at)["Attributed revenue"] == formatting.money(rep.attributed_revenue)
    groups = at.dataframe[2].value
    assert list(groups["Dealer group"]) == [line.key for line in roi.by_segment["dealer_group"]]
    assert list(groups["ROI"]) == [formatting.percent(line.roi, 0) for line in roi.by_segment["dealer_group"]]


def test_presets_follow_the_as_of_date_like_the_scorecard(open_page) -> None:
    at = open_page(PAGE, query={"as_of": "2026-05-15"})
    assert window(at) == (date(2026, 1, 1), date(2026, 3, 31))
    at.segmented_control(key="attr_window").set_value("ytd").run()
    assert window(at) == (date(2026, 1, 1), date(2026, 5, 15))
    at.date_input(key="attr_end").set_value(date(2026, 4, 30)).run()
    assert at.segmented_control(key="attr_window").value == "custom"
    assert window(at) == (date(2026, 1, 1), date(2026, 4, 30))


def test_bad_link_values_fall_back_to_defaults_with_a_notice(open_page) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30", "attr_window": "Decade", "attr_segment": "Galaxy",
                                "attr_end": "not-a-date"})
    notice = at.warning[0].value
    for text in ("Window = 'Decade' is not one of Last quarter, QTD, Last 4 quarters, YTD, Custom",
                 "To = 'not-a-date' is not a date written YYYY-MM-DD; using the default",
                 "By segment = 'Galaxy' is not one of Region, Dealer group; using Region"):
        assert text in notice, text
    assert window(at) == (date(2026, 4, 1), date(2026, 6, 30)) and at.radio(key="attr_segment").value == "region"


def test_empty_and_reversed_window(open_page) -> None:
    at = open_page(PAGE)
    at.date_input(key="attr_start").set_value(date(2020, 1, 1))
    at.date_input(key="attr_end").set_value(date(2020, 3, 31)).run()
    assert not at.exception
    assert any(i.value.startswith("No sale in this window had a touchpoint before it") for i in at.info)
    assert metric_values(at)["Attributed revenue"] == "$0"
    at.date_input(key="attr_end").set_value(date(2019, 1, 1)).run()
    assert [w.value for w in at.warning] == ["Choose a window whose first day is on or before its last day."]
