"""``python -m revops_core scenario``: JSON shape and values on a tiny hand-made database.

The database (SQLite and PostgreSQL) holds two awards, no revenue, as of 2026-06-30:
  ICE 120 over 2030-01..2030-12           -> schedule 2030: ICE 120
  BEV  60 over 2031-01..2032-12 (24 mo)   -> schedule 2031: BEV 30, 2032: BEV 30
With --baseline-year 2025 --baseline-share 0.2 --plan-2030 0.4 the plan path is
p(y) = 0.2 + 0.04 (y - 2025): 0.40 in 2030, 0.44 in 2031, 0.48 in 2032.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from revops_core.cli import main
from revops_core.scenario import YEARS, PathParams, normalize, run_scenario
from tests.factories import write

POWERTRAINS = {"ICE", "HEV", "PHEV", "BEV", "AGNOSTIC"}
FLAGS = ["--as-of", "2026-06-30", "--baseline-year", "2025", "--baseline-share", "0.2", "--plan-2030", "0.4"]
SCHEDULE = {2030: {"ICE": 120.0}, 2031: {"BEV": 30.0}, 2032: {"BEV": 30.0}}


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def tiny(engine: Engine) -> str:
    write(engine, accounts=[{"account_id": "oem"}], products=[{"product_id": "p1"}],
          platform_awards=[
              {"award_id": "ice", "account_id": "oem", "product_id": "p1", "powertrain": "ICE",
               "lifetime_value": 120.0, "award_date": date(2024, 5, 1), "sop_date": date(2030, 1, 1),
               "eop_date": date(2030, 12, 31)},
              {"award_id": "bev", "account_id": "oem", "product_id": "p1", "powertrain": "BEV",
               "lifetime_value": 60.0, "award_date": date(2025, 5, 1), "sop_date": date(2031, 1, 1),
               "eop_date": date(2032, 12, 31)},
          ])
    return _url(engine)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any] | None, str]:
    code = main(["scenario", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def test_json_shape(tiny: str, capsys) -> None:
    code, doc, _ = run_cli(capsys, "--db", tiny, *FLAGS, "--target", "30", "--target", "70", "--json")
    assert code == 0
    assert list(doc) == ["schedule", "outlook", "scenarios"]
    years = [str(y) for y in range(2025, 2036)]
    assert list(doc["schedule"]) == years
    assert all(set(doc["schedule"][y]) == POWERTRAINS for y in years)
    assert list(doc["scenarios"]) == ["30", "70"]
    for scenario in doc["scenarios"].values():
        assert list(scenario) == ["share_path", "revenue", "ev_mix", "outlook_revenue", "outlook_ev_mix"]
        assert list(scenario["share_path"]) == list(scenario["revenue"]) == list(scenario["ev_mix"]) == years
        assert all(set(scenario["revenue"][y]) == POWERTRAINS for y in years)


def test_values_by_hand_and_against_the_core(tiny: str, capsys) -> None:
    _, doc, _ = run_cli(capsys, "--db", tiny, *FLAGS, "--target", "30", "--target", "70", "--json")
    assert doc["schedule"]["2030"]["ICE"] == pytest.approx(120.0)
    assert doc["schedule"]["2031"]["BEV"] == pytest.approx(30.0)
    assert doc["schedule"]["2029"] == dict.fromkeys(POWERTRAINS, 0.0)
    hi = doc["scenarios"]["70"]
    # s(y) = 0.2 + 0.1 (y - 2025): 0.7 in 2030, 0.8 in 2031, 1.1 -> 1.0 from 2033
    assert hi["share_path"]["2030"] == pytest.approx(0.7)
    assert hi["share_path"]["2034"] == 1.0
    assert hi["revenue"]["2030"]["ICE"] == pytest.approx(60.0)  # 120 x (1 - 0.7) / (1 - 0.4)
    assert hi["revenue"]["2031"]["BEV"] == pytest.approx(30 * 0.8 / 0.44)  # 54.55
    assert hi["ev_mix"]["2030"] == 0.0  # only ICE revenue that year
    assert hi["ev_mix"]["2031"] == 1.0
    assert hi["ev_mix"]["2025"] is None and hi["ev_mix"]["2035"] is None  # no revenue: null
    lo = doc["scenarios"]["30"]
    assert lo["revenue"]["2030"]["ICE"] == pytest.approx(140.0)  # 120 x 0.7 / 0.6
    params = PathParams(baseline_year=2025, baseline_share=0.2, plan_2030=0.4)
    for key, target in (("30", 0.3), ("70", 0.7)):
        core = run_scenario(SCHEDULE, target, params)
        for y in YEARS:
            assert doc["scenarios"][key]["share_path"][str(y)] == pytest.approx(core.share_path[y])
            assert doc["scenarios"][key]["revenue"][str(y)] == pytest.approx(core.revenue[y])
            assert doc["scenarios"][key]["ev_mix"][str(y)] == (None if core.ev_mix[y] is None
                                                               else pytest.approx(core.ev_mix[y]))


@pytest.mark.parametrize("curve", ["linear", "s"])
def test_target_equal_to_plan_returns_the_schedule_exactly(tiny: str, capsys, curve: str) -> None:
    _, doc, _ = run_cli(capsys, "--db", tiny, *FLAGS, "--target", "40", "--curve", curve, "--json")
    assert doc["scenarios"]["40"]["revenue"] == doc["schedule"]
    assert doc["scenarios"]["40"]["share_path"]["2030"] == 0.4


def test_left_out_flags_take_the_config_defaults(tiny: str, capsys, cfg) -> None:
    _, doc, _ = run_cli(capsys, "--db", tiny, "--as-of", "2026-06-30", "--json")
    d = cfg.rules.scenario
    assert list(doc["scenarios"]) == [f"{round(p * 100):d}" for p in d.presets]  # "30", "50", "70"
    first = doc["scenarios"][f"{round(d.presets[0] * 100):d}"]
    assert first["share_path"][str(d.baseline_year)] == pytest.approx(d.baseline_share)
    assert first["share_path"]["2030"] == pytest.approx(d.presets[0])
    params = PathParams(baseline_year=d.baseline_year, baseline_share=d.baseline_share, plan_2030=d.plan_2030)
    core = run_scenario(SCHEDULE, d.presets[0], params)
    assert first["revenue"]["2030"] == pytest.approx(core.revenue[2030])


def test_fractional_and_repeated_targets(tiny: str, capsys) -> None:
    _, doc, _ = run_cli(capsys, "--db", tiny, *FLAGS, "--target", "32.5", "--target", "32.5", "--json")
    assert list(doc["scenarios"]) == ["32.5"]
    assert doc["scenarios"]["32.5"]["share_path"]["2030"] == pytest.approx(0.325)


def test_default_as_of_is_the_latest_date_and_empty_db_is_refused(engine: Engine, capsys) -> None:
    code, _, err = run_cli(capsys, "--db", _url(engine), "--json")
    assert code == 2
    assert "no dated records" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--target", "abc"], "'abc' is not a percent between 0 and 100"),
        (["--target", "150"], "'150' is not a percent between 0 and 100"),
        (["--target", "nan"], "'nan' is not a percent between 0 and 100"),
        (["--baseline-share", "20"], "'20' is not a share between 0 and 1"),
        (["--plan-2030", "-0.1"], "'-0.1' is not a share between 0 and 1"),
        (["--baseline-year", "2031"], "'2031' is not a baseline year between 2015 and 2029"),
        (["--baseline-year", "twenty"], "'twenty' is not a baseline year"),
        (["--curve", "cubic"], "invalid choice: 'cubic'"),
        (["--as-of", "2026-13-01"], "is not a date"),
    ],
)
def test_bad_flags_exit_2_with_a_message(argv: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["scenario", *argv, "--json"])
    assert excinfo.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--curve", "s", "--s-steepness", "0"], "s_steepness must be greater than 0"),
        (["--baseline-share", "1", "--plan-2030", "1", "--target", "50"], "ICE/HEV factor is undefined"),
    ],
)
def test_undrawable_settings_exit_2(tiny: str, capsys, argv: list[str], message: str) -> None:
    code, _, err = run_cli(capsys, "--db", tiny, "--as-of", "2026-06-30", *argv, "--json")
    assert code == 2
    assert message in err


def test_schedule_is_normalized_over_the_years(tiny: str, capsys) -> None:
    _, doc, _ = run_cli(capsys, "--db", tiny, *FLAGS, "--target", "50", "--json")
    for year, amounts in normalize(SCHEDULE).items():
        assert doc["schedule"][str(year)] == pytest.approx(amounts)


def test_outlook_keys_from_the_as_of_year_to_2035(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    """No open pipeline and no revenue: the outlook is the schedule, booked year by year."""
    code, out, _ = run_cli(capsys, "--db", tiny, *FLAGS, "--target", "50", "--json")
    assert code == 0 and out is not None
    assert list(out["outlook"]) == [str(y) for y in range(2026, 2036)]
    assert out["outlook"]["2030"] == {"booked": 120.0, "pipeline": 0.0, "recurring": 0.0}
    assert out["outlook"]["2031"]["booked"] == pytest.approx(30.0)
    scenario = out["scenarios"]["50"]
    assert {"share_path", "revenue", "ev_mix", "outlook_revenue", "outlook_ev_mix"} == set(scenario)
    assert list(scenario["outlook_revenue"]) == [str(y) for y in range(2026, 2036)]
    # 2031: p = 0.44, s = 0.2 + 0.06 x 6 = 0.56: BEV 30 x 0.56 / 0.44; the mix is all EV
    assert scenario["outlook_revenue"]["2031"]["BEV"] == pytest.approx(30 * 0.56 / 0.44)
    assert scenario["outlook_ev_mix"]["2031"] == pytest.approx(1.0)
    assert scenario["outlook_ev_mix"]["2027"] is None               # no revenue that year
    assert scenario["outlook_revenue"]["2030"] == scenario["revenue"]["2030"]
