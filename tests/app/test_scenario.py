"""AppTest: the EV scenario planner shows the core's figures, follows presets, sliders and the URL."""
from __future__ import annotations

from uuid import uuid4

import pandas as pd
import pytest

from revops_core import formatting
from revops_core.outlook import revenue_outlook
from revops_core.queries.common import latest_activity_date
from revops_core.scenario import PathParams, comparison_rows, params_from_defaults, run_scenario, summary_rows
from shell.scenario_charts import comparison_frames

PAGE = "views/scenario.py"
FIRST_YEAR = "First year ≥ 40% EV"


@pytest.fixture(scope="module")
def core(sample_engine, cfg):  # noqa: ANN201 - a small helper object
    """Expected figures straight from the core, for any targets and path settings."""
    with sample_engine.connect() as conn:
        schedule = revenue_outlook(conn, latest_activity_date(conn), cfg).total()   # what the planner re-weights

    def expected(targets: list[float], params: PathParams | None = None) -> pd.DataFrame:
        params = params or params_from_defaults(cfg.rules.scenario)
        target = cfg.rules.risks.ev_mix_target
        results = [run_scenario(schedule, t, params, ev_mix_target=target) for t in targets]
        rows = summary_rows(schedule, results, target, cfg.rules.risks.ice_hev_backlog_limit)
        return pd.DataFrame([{
            "Revenue 2025–2035": formatting.money(r["revenue"]),
            "vs plan": formatting.signed_delta("money", r["vs_plan"]),
            "EV mix 2030": formatting.percent(r["ev_mix_2030"]),
            FIRST_YEAR: str(r["first_year"]) if r["first_year"] else "not by 2035",
            "ICE + HEV 2030": formatting.percent(r["ice_hev_2030"]),
        } for r in rows])

    expected.schedule = schedule  # type: ignore[attr-defined]
    return expected


def summary(at) -> pd.DataFrame:  # noqa: ANN001
    frame = next(df.value for df in at.dataframe if "Scenario" in df.value.columns)
    return frame.drop(columns="Scenario").reset_index(drop=True)


def by_year(at) -> pd.DataFrame:  # noqa: ANN001
    return next(df.value for df in at.dataframe if "Plan" in df.value.columns).set_index("Year")


def mix_by_year(at) -> pd.DataFrame:  # noqa: ANN001
    return next(df.value for df in at.dataframe if "Plan EV" in df.value.columns).set_index("Year")


def test_default_page_shows_the_core_figures(open_page, core, cfg) -> None:
    at = open_page(PAGE)
    assert [at.slider(key=f"sc_t{i}").value for i in (1, 2, 3)] == [30, 50, 70]
    assert at.radio(key="sc_n").value == "3"
    pd.testing.assert_frame_equal(summary(at), core([0.3, 0.5, 0.7]))
    names = list(next(df.value for df in at.dataframe if "Scenario" in df.value.columns)["Scenario"])
    assert names == ["Plan (40% market EV in 2030)", "A · 30% market EV in 2030", "B · 50% market EV in 2030",
                     "C · 70% market EV in 2030"]
    table, mix = by_year(at), mix_by_year(at)
    params = params_from_defaults(cfg.rules.scenario)
    high = run_scenario(core.schedule, 0.7, params)
    assert list(table.index) == [str(y) for y in range(2025, 2036)]
    assert table.loc["2030", "C (70%)"] == formatting.money(high.total_by_year[2030])
    assert table.loc["2030", "C (70%) vs plan"] == formatting.signed_delta("money", -high.at_risk[2030])
    assert mix.loc["2030", "C EV"] == formatting.percent(high.ev_mix[2030])
    assert mix.loc["2030", "C ICE+HEV"] == formatting.percent(high.ice_hev_exposure[2030])
    assert mix.loc["2025", "A EV"] == "n/a"  # no revenue in 2025 at this as-of date
    assert len(at.get("vega_lite_chart")) == 4 + 3 + 1 + 2  # parts of plan + 3, three areas, EV-mix lines, heat maps
    badges = [md.value for md in at.markdown if "-badge[" in md.value]
    assert len(badges) == 6 and all(":" in b for b in badges)  # colour and words per scenario
    assert at.download_button(key="sc_csv").label == "Download the comparison (CSV)"
    assert not at.warning and not at.error


def test_slider_then_presets_move_the_figures(open_page, core) -> None:
    at = open_page(PAGE)
    at.slider(key="sc_t2").set_value(65).run()
    assert not at.exception
    pd.testing.assert_frame_equal(summary(at), core([0.3, 0.65, 0.7]))
    assert "B (65%)" in by_year(at).columns
    at.radio(key="sc_n").set_value("1").run()
    pd.testing.assert_frame_equal(summary(at), core([0.3]))
    at.button(key="sc_presets").click().run()
    assert [at.slider(key=f"sc_t{i}").value for i in (1, 2, 3)] == [30, 50, 70]
    assert at.radio(key="sc_n").value == "3"
    pd.testing.assert_frame_equal(summary(at), core([0.3, 0.5, 0.7]))


def test_plan_and_curve_settings_reach_the_core(open_page, core) -> None:
    at = open_page(PAGE)
    at.number_input(key="sc_plan").set_value(45.0)
    at.radio(key="sc_curve").set_value("S-curve").run()
    assert not at.number_input(key="sc_mid").disabled
    params = PathParams(baseline_year=2025, baseline_share=0.18, plan_2030=0.45, curve="s")
    pd.testing.assert_frame_equal(summary(at), core([0.3, 0.5, 0.7], params))


def test_a_shared_link_reopens_the_comparison(open_page, core) -> None:
    at = open_page(PAGE, query={"sc_n": "2", "sc_t1": "35", "sc_t2": "60", "sc_base_year": "2024",
                                "sc_base_share": "15", "sc_curve": "S-curve", "sc_steep": "0.9"})
    assert (at.slider(key="sc_t1").value, at.slider(key="sc_t2").value) == (35, 60)
    assert at.selectbox(key="sc_base_year").value == "2024"
    params = PathParams(baseline_year=2024, baseline_share=0.15, plan_2030=0.4, curve="s", s_steepness=0.9)
    pd.testing.assert_frame_equal(summary(at), core([0.35, 0.6], params))
    assert not at.warning


def test_bad_link_values_fall_back_to_defaults_with_a_notice(open_page, core) -> None:
    at = open_page(PAGE, query={"sc_t1": "abc", "sc_t2": "150", "sc_plan": "x", "sc_base_year": "2050",
                                "sc_curve": "cubic", "sc_n": "9", "sc_base_share": "inf", "sc_t3": "45"})
    notice = at.warning[0].value
    assert "could not be used" in notice
    for text in ("'abc' is not a number between 0 and 100; using the default 30",
                 "'150' is not a number between 0 and 100; using the default 50",
                 "Plan's 2030 penetration (%) = 'x'", "'2050' is not a year from 2015 to 2029",
                 "'cubic' is not one of Linear, S-curve", "'9' is not one of 1, 2, 3", "'inf' is not a number"):
        assert text in notice, text
    assert [at.slider(key=f"sc_t{i}").value for i in (1, 2, 3)] == [30, 50, 45]  # the good value is kept
    pd.testing.assert_frame_equal(summary(at), core([0.3, 0.5, 0.45]))


def test_settings_that_cannot_be_computed_are_explained(open_page) -> None:
    at = open_page(PAGE, query={"sc_base_share": "100", "sc_plan": "100"})
    assert any("cannot be computed" in e.value and "undefined" in e.value for e in at.error)


def test_empty_schedule_is_explained(open_page) -> None:
    at = open_page(PAGE, query={"as_of": "2036-06-30"})
    assert any("The outlook holds no revenue for 2025–2035" in i.value for i in at.info)


def test_save_and_reopen_a_named_scenario(open_page) -> None:
    name = f"Accelerated {uuid4().hex[:6]}"
    at = open_page(PAGE)
    at.button(key="sc_save").click().run()  # no name, no author: refused with the reasons
    assert any("Not saved" in e.value and "name is empty" in e.value for e in at.error)
    at.slider(key="sc_t1").set_value(42)
    at.radio(key="sc_n").set_value("2")
    at.text_input(key="sc_save_name").input(name)
    at.text_input(key="sc_save_author").input("Ava")
    at.button(key="sc_save").click().run()
    assert any(f"Saved “{name}”" in s.value for s in at.success)
    # someone else opens the app and the saved comparison
    other = open_page(PAGE)
    pick = other.selectbox(key="sc_saved_pick")
    assert any(o.startswith(f"{name} — Ava, ") for o in pick.options)
    pick.set_value(name)
    other.button(key="sc_open").click().run()
    assert not other.exception
    assert (other.slider(key="sc_t1").value, other.radio(key="sc_n").value) == (42, "2")
    assert any(f"Opened “{name}”" in s.value for s in other.success)


def test_csv_holds_numbers_with_readable_headers(core, cfg) -> None:
    params = params_from_defaults(cfg.rules.scenario)
    result = run_scenario(core.schedule, 0.5, params)
    _, _, raw = comparison_frames(comparison_rows(core.schedule, [result]), ["B (50%)"], ["B"])
    assert list(raw.columns) == ["Year", "Plan revenue (US$)", "Plan EV mix", "Plan ICE + HEV share",
                                 "B (50%) revenue (US$)", "B (50%) vs plan (US$)", "B (50%) EV mix",
                                 "B (50%) ICE + HEV share"]
    row = raw.set_index("Year").loc[2030]
    assert row["B (50%) revenue (US$)"] == pytest.approx(result.total_by_year[2030])
    assert row["B (50%) EV mix"] == pytest.approx(result.ev_mix[2030])
    assert raw["Year"].tolist() == list(range(2025, 2036))


def test_the_outlook_by_part_is_shown_and_downloadable(open_page, sample_engine, cfg) -> None:  # noqa: ANN001
    at = open_page(PAGE)
    with sample_engine.connect() as conn:
        outlook = revenue_outlook(conn, latest_activity_date(conn), cfg)
    table = next(df.value for df in at.dataframe if "Part" in df.value.columns)
    plan = table[(table["Series"] == "Plan (40% market EV in 2030)") & (table["Year"] == 2030)].set_index("Part")
    by_part = outlook.by_part()[2030]
    assert plan.loc["Booked (backlog schedule)", "Total"] == pytest.approx(by_part["booked"])
    assert plan.loc["Weighted pipeline", "Total"] == pytest.approx(by_part["pipeline"])
    assert plan.loc["Recurring", "Total"] == pytest.approx(by_part["recurring"])
    assert by_part["pipeline"] > 0 and by_part["recurring"] > 0
    # the scenarios re-weight booked and pipeline, never recurring
    recurring = table[(table["Part"] == "Recurring") & (table["Year"] == 2030)]["Total"]
    assert recurring.nunique() == 1 and len(recurring) == 4
    assert at.download_button(key="sc_outlook_csv").label == "Download the outlook by part and powertrain (CSV)"
    assert "market EV penetration" in at.markdown[0].value or any(
        "Market EV penetration in 2030" in m.value for m in at.markdown)
