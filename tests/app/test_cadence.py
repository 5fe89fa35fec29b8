"""AppTest: the operating-cadence page (weekly huddle and monthly reconciliation tabs)."""
from __future__ import annotations

from datetime import date

import pytest

from revops_core import formatting
from revops_core.cadence import MISSING_ESA, monthly_reconciliation, weekly_huddle
from revops_core.queries.common import latest_activity_date
from tests.app.conftest import metric_values

PAGE = "views/cadence.py"


def test_weekly_huddle_shows_the_core_figures(open_page, sample_engine) -> None:  # noqa: ANN001
    at = open_page(PAGE)
    with sample_engine.connect() as conn:
        h = weekly_huddle(conn, latest_activity_date(conn))
    assert [t.label for t in at.tabs] == ["Weekly huddle", "Monthly reconciliation"]
    weekly = at.tabs[0]
    tiles = metric_values(weekly)
    assert tiles["AEs per E-SA"] == formatting.ratio_plain(h.esa_ratio)
    assert tiles["Deals per E-SA"] == formatting.ratio_plain(h.opportunities_per_esa)
    assert tiles["Deals without an E-SA"] == formatting.count(h.esa_missing)
    assert tiles["Open ECOs"] == formatting.count(len(h.eco_queue))

    top = weekly.dataframe[0].value
    assert len(top) == len(h.top_oem) == 25
    divisor, _ = formatting.money_unit(list(h.top_oem["amount"]))   # one unit per column, numbers kept
    assert list(top["Amount"]) == pytest.approx([v / divisor for v in h.top_oem["amount"]])
    assert list(top["Account"]) == list(h.top_oem["account"])
    # missing E-SA flagged in words, on exactly the rows the core flags
    assert h.top_missing_esa > 0
    flagged = [v == f"⚠ {MISSING_ESA}" for v in top["E-SA"]]
    assert flagged == [v == MISSING_ESA for v in h.top_oem["esa_status"]]
    badges = " ".join(md.value for md in weekly.markdown if "-badge[" in md.value)
    assert f"{MISSING_ESA}: {h.top_missing_esa} of these 25 deals have no E-SA owner" in badges

    rfq = weekly.table[0].value
    assert list(rfq["Open pipeline"]) == [formatting.money(p.amount) for p in h.rfq_pipeline]
    assert list(rfq["Opportunities"]) == [formatting.count(p.opportunities) for p in h.rfq_pipeline]
    assert len(weekly.dataframe[1].value) == len(h.eco_queue)  # the open ECO queue


def test_monthly_reconciliation_is_printable_and_equals_the_core(open_page, sample_engine, cfg) -> None:  # noqa: ANN001
    at = open_page(PAGE)
    with sample_engine.connect() as conn:
        r = monthly_reconciliation(conn, latest_activity_date(conn), cfg)
    monthly = at.tabs[1]
    tiles = metric_values(monthly)
    assert tiles["Backlog"] == formatting.money(r.backlog)
    backlog = next(m for m in monthly.metric if m.label == "Backlog")
    assert backlog.delta == formatting.signed_delta("money", r.backlog_change)
    assert tiles[f"Awards won in {r.awards.quarter} to date"] == formatting.money(r.awards.won)
    assert tiles[f"Awards target {r.awards.quarter}"] == formatting.money(r.awards.target)
    certs = monthly.table[0].value
    assert len(certs) == 7
    words = {"valid": "Valid", "soon": "Expiring soon", "invalid": "Not valid"}
    assert list(certs["At the as-of date"]) == [
        words["soon" if c.expiring_soon else "valid" if c.valid_at_D else "invalid"] for c in r.certifications.values()]
    assert any("Ctrl/Cmd+P" in c.value for c in monthly.caption)
    assert any("@media print" in e.proto.body for e in at.get("html"))


def test_segment_filter_narrows_the_pipelines(open_page, sample_engine) -> None:  # noqa: ANN001
    at = open_page(PAGE, query={"segments": "OEM", "as_of": "2025-06-30"})
    with sample_engine.connect() as conn:
        h = weekly_huddle(conn, date(2025, 6, 30), segments=("OEM",))
    weekly = at.tabs[0]
    rfq = weekly.table[0].value
    assert list(rfq.index) == ["OEM"] and list(rfq["Open pipeline"]) == [formatting.money(h.rfq_pipeline[0].amount)]
    assert any("No open dealer + aftermarket or fleet" in i.value for i in weekly.info)
    assert len(weekly.dataframe[0].value) == len(h.top_oem) > 0  # the top list stays OEM


def test_dealer_fleet_chart_in_funnel_order_and_segment_colours(open_page, cfg) -> None:  # noqa: ANN001
    import json

    from revops_core.chart_theme import SEGMENT_COLORS

    at = open_page(PAGE)
    spec = json.loads(next(c.proto.spec for c in at.get("vega_lite_chart") if "dealer + fleet" in c.proto.spec))
    stages = spec["encoding"]["y"]["sort"]
    assert stages == sorted(stages, key=cfg.rules.stage_key)
    colours = spec["encoding"]["color"]["scale"]["range"]
    assert colours == [SEGMENT_COLORS["DEALER_AFTERMARKET"], SEGMENT_COLORS["FLEET"]]
