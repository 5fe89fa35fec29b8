"""AppTest: the backlog & platform awards page shows the core's waterfall, BRR flag, awards and ECOs."""
from __future__ import annotations

from datetime import date

from revops_core import formatting
from revops_core.backlog import Waterfall, backlog_waterfall, brr_by_quarter, eco_dynamics
from revops_core.queries import awards as qa
from revops_core.queries.common import EVERYTHING, latest_activity_date
from revops_core.windows import quarter_label

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
    table = next(df.value for df in at.dataframe if "Powertrain" in df.value.columns)
    assert set(table["Powertrain"]) == {"BEV"} and len(table) == total
