"""AppTest: the backlog & platform awards page shows the core's waterfall, BRR flag, OEM mix shift,
award-to-SOP lead time, PPAP flags, awards and ECOs."""
from __future__ import annotations

import json
from datetime import date

from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from revops_core import bands, formatting
from revops_core.backlog import Waterfall, backlog_waterfall, brr_by_quarter, eco_dynamics
from revops_core.playbook import playbook_metrics
from revops_core.queries import awards as qa
from revops_core.queries import risks as qr
from revops_core.queries.common import EVERYTHING, latest_activity_date
from revops_core.windows import quarter_label
from tests.app.conftest import metric_values

PAGE = "views/backlog_awards.py"
STEP_LABELS = ("Opening backlog", "Awards won", "Approved ECO revenue", "Revenue recognised", "Cancellations",
               "Adjustments", "Closing backlog")


def expected_tiles(w: Waterfall) -> dict[str, str]:
    """The core's bars formatted by revops_core.formatting: levels as money, movements signed."""
    moves = [w.awards_won, w.eco_revenue, -w.revenue_recognised, -w.cancellations, w.adjustments]
    texts = [formatting.money(w.opening)]
    texts += [formatting.signed_delta("money", v) if round(v, 2) else formatting.money(0.0) for v in moves]
    texts.append(formatting.money(w.closing))
    return dict(zip(STEP_LABELS, texts))


def shown(at) -> dict[str, str]:  # noqa: ANN001 - AppTest
    return {m.label: m.value for m in at.metric if m.label in STEP_LABELS}


def test_waterfall_matches_the_core_and_follows_the_period(open_page, sample_engine) -> None:
    at = open_page(PAGE)
    with sample_engine.connect() as conn:
        d = latest_activity_date(conn)
        default = backlog_waterfall(conn, quarter_label(d), d)
        year = backlog_waterfall(conn, str(d.year - 1), d)
    assert at.selectbox(key="bk_period").value == quarter_label(d)
    assert shown(at) == expected_tiles(default)
    at.selectbox(key="bk_period").select(str(d.year - 1)).run()
    assert not at.exception
    assert shown(at) == expected_tiles(year)
    note = next(c.value for c in at.caption if "**Adjustments**" in c.value)  # the bar explained in words
    assert ("none" in note) == (round(year.adjustments, 2) == 0)
    if round(year.detail.cancelled, 2):
        assert formatting.signed_delta("money", year.detail.cancelled) + " from awards now cancelled" in note


def test_brr_flag_sop_and_eco_figures(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30"})
    d = date(2026, 6, 30)
    with sample_engine.connect() as conn:
        trend = brr_by_quarter(conn, d, cfg)
        sop = qa.sop_readiness(conn, d, EVERYTHING, cfg.rules.risks.sop_window_days)
        eco = eco_dynamics(conn, d)
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    flag = "Sustained:" if trend.sustained else "Not sustained:"
    assert any(flag in b and f"{trend.streak}" in b for b in badges)
    if len(sop):
        assert any(f"{len(sop)} awards start production" in b for b in badges)
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["ECO approval rate (TTM)"] == formatting.percent(eco.approval_rate)
    assert tiles["Approved ECO revenue (TTM)"] == formatting.money(eco.approved_revenue_ttm)
    assert tiles["Open ECOs"] == formatting.count(eco.open_count)


def test_awards_filters_and_csv_download(open_page, sample_engine) -> None:
    at = open_page(PAGE)
    downloads = at.get("download_button")
    assert len(downloads) == 1 and "CSV" in downloads[0].label
    at.multiselect(key="bk_powertrain").select("BEV").run()
    assert not at.exception
    with sample_engine.connect() as conn:
        d = latest_activity_date(conn)
        _, total = qa.awards_table(conn, d, EVERYTHING, powertrains=["BEV"])
    assert any(c.value.startswith(f"{total:,} awards") for c in at.caption)
    table = next(df.value for df in at.dataframe if "powertrain" in df.value.columns)
    assert set(table["powertrain"]) == {"BEV"} and len(table) == total


def test_oem_mix_shift_chart_and_concentration(open_page, sample_engine, cfg) -> None:
    at = open_page(PAGE, query={"as_of": "2026-06-30"})
    with sample_engine.connect() as conn:
        mix = playbook_metrics(conn, date(2026, 6, 30), cfg).oem_mix
    assert mix.accounts and any(s.value == "OEM mix shift" for s in at.subheader)
    tiles = {m.label: m for m in at.metric}
    assert tiles["Top-3 OEM share of backlog"].value == formatting.percent(mix.top3_share)
    assert tiles["Top-3 OEM share of backlog"].delta == formatting.signed_delta(
        "percent", mix.top3_share - mix.top3_share_year_before)
    assert tiles["Concentration (HHI)"].value == formatting.count(mix.hhi * 10_000)
    largest = mix.accounts[0]
    assert tiles[f"Largest OEM: {largest.name}"].value == formatting.percent(largest.backlog_share)
    (chart,) = [c for c in at.get("vega_lite_chart") if "share of backlog" in c.proto.spec]
    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
    wide = next(f for f in frames if {"now", "before"} <= set(f.columns))   # the chart's own data
    assert list(wide["OEM"]) == [a.name for a in mix.accounts]               # largest backlog first
    assert list(wide["now"]) == [a.backlog_share for a in mix.accounts]
    assert list(wide["before"]) == [a.backlog_share_year_before for a in mix.accounts]


def test_award_to_sop_and_ppap_in_production(open_page, sample_engine, cfg) -> None:
    d = date(2026, 6, 30)
    at = open_page(PAGE, query={"as_of": d.isoformat()})
    with sample_engine.connect() as conn:
        months = playbook_metrics(conn, d, cfg).award_to_sop_months
        live = qr.ppap_in_production_awards(conn, d, EVERYTHING)
    tiles = metric_values(at)
    assert tiles["Award to SOP (median months)"] == formatting.ratio_plain(months)
    assert tiles["In production without PPAP approval"] == formatting.count(len(live))
    band = bands.evaluate(cfg, "award_to_sop_months", months)
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert any(band.label in b for b in badges)
    flag = "Triggered:" if len(live) else "Clear: every award in production has PPAP approval"
    assert any(flag in b for b in badges)



# --- the view's controls live in the URL: a shared link reopens the same view ----------------------

def test_a_link_reopens_the_period_and_the_award_filters(open_page, sample_engine) -> None:
    with sample_engine.connect() as conn:
        d = latest_activity_date(conn)
        year = backlog_waterfall(conn, str(d.year - 1), d)
        _, total = qa.awards_table(conn, d, EVERYTHING, statuses=["AWARDED"], powertrains=["BEV", "PHEV"])
    at = open_page(PAGE, query={"bk_period": str(d.year - 1), "bk_status": "Awarded",
                                "bk_powertrain": ["BEV", "PHEV"]})
    assert at.selectbox(key="bk_period").value == str(d.year - 1)
    assert shown(at) == expected_tiles(year)
    assert at.multiselect(key="bk_status").value == ["AWARDED"]
    assert at.multiselect(key="bk_powertrain").value == ["BEV", "PHEV"]
    assert any(c.value.startswith(f"{total:,} awards") for c in at.caption)
    assert not at.warning
    for key in ("bk_period", "bk_status", "bk_powertrain", "bk_account"):   # each one writes the URL back
        widget = at.selectbox(key=key) if key == "bk_period" else at.multiselect(key=key)
        assert widget.proto.query_param_key == key


def test_bad_link_values_are_named_and_the_defaults_shown(open_page, sample_engine) -> None:
    at = open_page(PAGE, query={"bk_period": "2031Q9", "bk_powertrain": ["BEV", "Diesel"]})
    with sample_engine.connect() as conn:
        d = latest_activity_date(conn)
    notice = at.warning[0].value
    assert "could not be used" in notice
    assert "Period = '2031Q9' is not one of" in notice and "the default is shown" in notice
    assert "Powertrain = 'Diesel' is not one of ICE, BEV, PHEV, Hybrid (HEV), Powertrain-agnostic; left out" in notice
    assert at.selectbox(key="bk_period").value == quarter_label(d)
    assert at.multiselect(key="bk_powertrain").value == ["BEV"]


def test_the_waterfall_axis_starts_at_zero_and_the_schedule_reaches_2035(open_page) -> None:
    at = open_page(PAGE)
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    waterfall = json.loads(next(s for s in specs if "Backlog movement" in s))
    scales = [layer["encoding"]["y"].get("scale", {}) for layer in waterfall["layer"] if "y" in layer["encoding"]
              and isinstance(layer["encoding"]["y"], dict) and "scale" in layer["encoding"]["y"]]
    assert scales and all(sc.get("zero") is True and "domain" not in sc for sc in scales)   # bars from $0
    schedule = json.loads(next(s for s in specs if "to 2035" in s))
    assert schedule["encoding"]["x"]["scale"]["domain"][-1] == "2035"    # the title's last year is drawn
