"""AppTest: four-buyer segmentation shows per-segment figures and drill-downs."""
from __future__ import annotations

from revops_core import formatting
from revops_core.board import board_metrics
from revops_core.queries.common import latest_activity_date


def test_segment_figures_and_drilldown(open_page, sample_engine, cfg) -> None:
    at = open_page("views/segmentation.py")
    with sample_engine.connect() as conn:
        m = board_metrics(conn, latest_activity_date(conn), cfg)
    coverage = [x.value for x in at.metric if x.label == "Pipeline coverage"]
    expected = ["quota met" if m.coverage_detail[s].quota_met else formatting.ratio(m.pipeline_coverage[s])
                for s in ("OEM", "TIER1", "DEALER_AFTERMARKET", "FLEET")]
    assert coverage == expected
    wins = [x.value for x in at.metric if x.label == "Win rate (TTM)"]
    assert wins[0] == formatting.percent(m.win_rate["OEM"])
    cycles = [x.value for x in at.metric if x.label == "Sales cycle (median)"]
    assert cycles[0] == formatting.months_of_days(m.sales_cycle_days["OEM"])  # months fit the tile
    at.selectbox(key="seg_drill_OEM").select("won_ttm").run()
    assert not at.exception
    assert len(at.dataframe) >= 1


def test_segment_filter_from_url(open_page) -> None:
    at = open_page("views/segmentation.py", query={"segments": "Fleet"})
    headers = [h.value for h in at.subheader]
    assert "Fleet" in headers and "OEM" not in headers


def test_a_link_reopens_a_segments_drilldown(open_page, sample_engine, cfg) -> None:
    from revops_core.queries.common import EVERYTHING
    from revops_core.queries.pipeline import DRILLDOWNS, drilldown

    at = open_page("views/segmentation.py", query={"seg_drill_FLEET": DRILLDOWNS["won_ttm"]})
    with sample_engine.connect() as conn:
        _, total = drilldown(conn, latest_activity_date(conn), "FLEET", "won_ttm", EVERYTHING)
    assert at.selectbox(key="seg_drill_FLEET").value == "won_ttm"
    assert at.selectbox(key="seg_drill_OEM").value == "open_horizon"          # the others keep their default
    assert at.selectbox(key="seg_drill_FLEET").proto.query_param_key == "seg_drill_FLEET"
    assert any(c.value.startswith(f"{total:,} opportunities") for c in at.caption)
    assert not at.warning
    bad = open_page("views/segmentation.py", query={"seg_drill_OEM": "everything"})
    assert "'everything' is not one of" in bad.warning[0].value


def test_stages_in_funnel_order_segments_in_four_buyer_order_missing_values_as_a_dash(open_page, cfg) -> None:
    import json

    at = open_page("views/segmentation.py")
    spec = json.loads(next(c.proto.spec for c in at.get("vega_lite_chart") if "by stage" in c.proto.spec))
    stages = spec["encoding"]["color"]["sort"]
    assert stages == sorted(stages, key=cfg.rules.stage_key) and stages[0] == "Qualify"
    assert spec["encoding"]["y"]["sort"] == ["OEM", "Tier-1 supplier", "Dealer + Aftermarket", "Fleet"]
    for df in at.dataframe:
        frame = df.value
        text = frame.select_dtypes(include=["object", "string"])
        assert not text.isin(["None", "nan", "NaN"]).any().any()
        if "status" in frame:
            assert set(frame["status"]) <= {"Open", "Won", "Lost"}                  # labels.yaml, not OPEN
