"""AppTest: the board overview shows every tile with the core's figures."""
from __future__ import annotations

from datetime import date

from revops_core import bands, formatting
from revops_core.board import board_metrics
from revops_core.queries.common import latest_activity_date
from revops_core.windows import previous_quarter_ends
from tests.app.conftest import metric_values


def test_tiles_show_the_core_figures(open_page, sample_engine, cfg) -> None:
    at = open_page()
    with sample_engine.connect() as conn:
        m = board_metrics(conn, latest_activity_date(conn), cfg)
    tiles = metric_values(at)
    assert tiles["Backlog"] == formatting.money(m.backlog)
    assert tiles["Backlog replenishment rate"] == formatting.ratio(m.backlog_replenishment_rate)
    assert tiles["Win rate (all segments)"] == formatting.percent(m.win_rate["ALL"])
    assert tiles["Software attach rate"] == formatting.percent(m.software_attach_rate)
    assert tiles["Pipeline at risk (certification)"] == formatting.money(m.pipeline_at_risk_cert)
    assert tiles["ECOs requested (TTM)"] == formatting.count(m.eco_count_ttm)
    assert tiles["OEM pipeline coverage"] == formatting.ratio(m.pipeline_coverage["OEM"])
    assert len(tiles) == 18  # every board metric with one value (per-segment ones in the segment table)
    # the change against the previous quarter end, as the core computes it there
    with sample_engine.connect() as conn:
        before = board_metrics(conn, previous_quarter_ends(m.as_of, 1)[0], cfg)
    deltas = {x.label: x.delta for x in at.metric}
    assert deltas["Backlog"] == formatting.signed_delta("money", m.backlog - before.backlog)
    assert deltas["Win rate (all segments)"] == formatting.signed_delta(
        "percent", m.win_rate["ALL"] - before.win_rate["ALL"])
    band = bands.evaluate(cfg, "backlog_replenishment_rate", m.backlog_replenishment_rate)
    word = {"green": "On target", "amber": "Watch", "red": "Off target"}[band.status]
    badges = [md.value for md in at.markdown if "-badge[" in md.value]
    assert any(f"-badge[{word}] {band.label}" in text for text in badges)  # colour and words


def test_as_of_from_the_url_moves_every_figure(open_page, sample_engine, cfg) -> None:
    at = open_page(query={"as_of": "2025-06-30"})
    with sample_engine.connect() as conn:
        m = board_metrics(conn, date(2025, 6, 30), cfg)
    assert at.date_input(key="as_of").value == date(2025, 6, 30)
    assert metric_values(at)["Revenue (TTM)"] == formatting.money(m.revenue_ttm)


def test_monday_move_names_the_top_risk(open_page) -> None:
    at = open_page()
    assert any("Fix first" in e.value for e in at.error) or any("No shortfall" in s.value for s in at.success)
    assert len(at.expander) >= 4  # the four failure modes


def test_segment_table_follows_the_segment_filter(open_page, sample_engine, cfg) -> None:
    at = open_page(query={"segments": "Fleet"})
    table = next(df.value for df in at.dataframe if "Segment" in df.value.columns)
    assert list(table["Segment"]) == ["Fleet"]
    with sample_engine.connect() as conn:
        m = board_metrics(conn, latest_activity_date(conn), cfg)
    assert table["Win rate"].item() == formatting.percent(m.win_rate["FLEET"])
