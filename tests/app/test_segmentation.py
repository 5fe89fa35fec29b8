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
