"""AppTest: the board overview shows every tile with the core's figures (board and playbook metrics)."""
from __future__ import annotations

from datetime import date

from revops_core import bands, formatting
from revops_core.board import board_metrics
from revops_core.playbook import playbook_metrics
from revops_core.queries.common import latest_activity_date
from revops_core.risks import ev_test_words
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
    # every board metric with one value (per-segment ones in the segment table) and four playbook tiles
    assert len(tiles) == 22
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
    assert len(at.expander) >= 5  # the four failure modes and PPAP in production
    assert any("PPAP not approved in production" in e.label for e in at.expander)


def test_segment_table_follows_the_segment_filter(open_page, sample_engine, cfg) -> None:
    at = open_page(query={"segments": "Fleet"})
    table = next(df.value for df in at.dataframe if "Segment" in df.value.columns)
    assert list(table["Segment"]) == ["Fleet"]
    with sample_engine.connect() as conn:
        m = board_metrics(conn, latest_activity_date(conn), cfg)
    assert table["Win rate"].item() == formatting.percent(m.win_rate["FLEET"])


def test_playbook_tiles(open_page, sample_engine, cfg) -> None:
    at = open_page()
    with sample_engine.connect() as conn:
        d = latest_activity_date(conn)
        p = playbook_metrics(conn, d, cfg)
        before = playbook_metrics(conn, previous_quarter_ends(d, 1)[0], cfg)
    tiles = metric_values(at)
    assert tiles["Revenue run-rate (annualized)"] == formatting.money(p.revenue_run_rate.annualized)
    assert tiles["ECO margin (TTM)"] == formatting.money(p.eco_margin_ttm)
    assert tiles["E-SA win-rate lift"] == formatting.percent(p.esa_lift.lift)
    test = p.ev_mix_sustained
    assert tiles["EV mix, four quarters in a row"] == ("Sustained" if test.sustained else "Not sustained")
    labels = [m.label for m in at.metric]
    assert labels.index("E-SA win-rate lift") == labels.index("AEs per E-SA") + 1        # beside the E-SA ratio
    assert labels.index("EV mix, four quarters in a row") == labels.index("EV revenue mix (TTM)") + 1
    deltas = {x.label: x.delta for x in at.metric}
    assert deltas["ECO margin (TTM)"] == formatting.signed_delta("money", p.eco_margin_ttm - before.eco_margin_ttm)
    badges = [md.value for md in at.markdown if "-badge[" in md.value]
    assert any(ev_test_words(test) in b for b in badges)
    band = bands.evaluate(cfg, "esa_lift", p.esa_lift.lift)
    assert "41%" in band.label or "41%" in band.benchmark                       # the reference, from config
    captions = [c.value for c in at.caption]
    assert any("reference line +41%" in c and formatting.percent(p.esa_lift.with_esa) in c for c in captions)
    assert any(formatting.money(p.revenue_run_rate.ytd) in c for c in captions)


def test_monday_move_states_the_four_quarter_ev_test(open_page, sample_engine, cfg) -> None:
    at = open_page()
    with sample_engine.connect() as conn:
        test = playbook_metrics(conn, latest_activity_date(conn), cfg).ev_mix_sustained
    table = next(df.value for df in at.dataframe if "Behind it" in df.value.columns)
    ev_row = table[table["Risk"] == "EV program mix"]
    assert ev_test_words(test) in ev_row["Behind it"].item()



def test_metrics_without_a_benchmark_compare_with_the_plan(open_page, sample_engine, cfg) -> None:
    at = open_page()
    with sample_engine.connect() as conn:
        d = latest_activity_date(conn)
        m = board_metrics(conn, d, cfg)
    badges = [md.value for md in at.markdown if "-badge[" in md.value]
    for key, value in (("revenue_ttm", m.revenue_ttm), ("backlog", m.backlog), ("win_rate", m.win_rate["ALL"])):
        band = bands.evaluate(cfg, key, value, as_of=d)
        assert band.source == "plan" and band.status != "none", key           # config rules.yaml plan
        assert any(band.label in b for b in badges), key
    tracked = [b for b in badges if "No benchmark" in b]
    without = [k for k in cfg.labels.metrics if k not in cfg.benchmarks.metrics and k not in cfg.rules.plan.metrics]
    assert 0 < len(tracked) <= len(without)           # "No benchmark" only where neither benchmark nor plan exists


def test_the_alert_and_the_page_use_one_expiring_soon_threshold(open_page, cfg) -> None:
    at = open_page()
    days = cfg.rules.expiring_soon_days
    banner = " ".join(w.value for w in at.warning)
    if "expires within" in banner:
        assert f"expires within {days} days" in banner
    assert any(f"expiring within {days} days" in c.value for c in at.caption)


def test_codes_and_dates_read_as_words(open_page, sample_engine) -> None:
    at = open_page()
    with sample_engine.connect() as conn:
        d = latest_activity_date(conn)
    certs = next(df.value for df in at.dataframe if "Expires" in df.value.columns)
    assert set(certs["Status"]) <= {"Certified", "In progress", "Expired", "Not started"}   # labels.yaml
    assert any(f"As of **{formatting.date(d)}**" in c.value for c in at.caption)           # 31 Oct 2026


def test_an_impossible_as_of_in_a_link_is_named_and_the_latest_date_used(open_page) -> None:  # noqa: ANN001
    at = open_page(query={"as_of": "9999-12-31"})
    assert not at.exception
    assert any("The link's as-of date '9999-12-31' is not a date from 2000-01-01" in w.value
               for w in at.sidebar.warning)
    assert at.metric   # the board still shows, as of the latest date
