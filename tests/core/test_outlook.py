"""Revenue outlook (METRICS.md "Revenue outlook") on hand-made data, SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from revops_core.backlog import backlog_schedule
from revops_core.config import AppConfig, Outlook
from revops_core.outlook import build_outlook, pipeline_part, recurring_part, revenue_outlook
from revops_core.queries.common import EVERYTHING, Scope
from revops_core.queries.outlook import PipelineMonth
from revops_core.scenario import PathParams, run_scenario
from tests.factories import write

D = date(2026, 6, 30)
SETTINGS = Outlook(sop_lag_months=2, program_years=1, growth={"SERVICES": 0.10})


def _cfg(cfg: AppConfig) -> AppConfig:
    return cfg.model_copy(update={"rules": cfg.rules.model_copy(update={"outlook": SETTINGS})})


@pytest.fixture
def company(engine: Engine) -> Engine:
    write(engine,
          accounts=[{"account_id": "A", "segment": "OEM", "dealer_group": "G1"},
                    {"account_id": "B", "segment": "TIER1", "dealer_group": "G2"},
                    {"account_id": "C", "segment": "DEALER_AFTERMARKET", "dealer_group": "G1"}],
          products=[{"product_id": "P"}],
          opportunities=[
              # COMMIT 0.9 x 1200 = 1080 over Oct 2026 - Sep 2027 (close Aug + 2 months lag): 90 a month
              {"opportunity_id": "o1", "account_id": "A", "amount": 1200.0, "close_date": date(2026, 8, 15),
               "forecast_category": "COMMIT", "powertrain": "BEV"},
              # blank = PIPELINE 0.25 x 2400 = 600 over Aug 2035 - Jul 2036: 5 months (250) by 2035
              {"opportunity_id": "o2", "account_id": "B", "amount": 2400.0, "close_date": date(2035, 6, 1),
               "powertrain": "ICE"},
              {"opportunity_id": "o3", "account_id": "C", "amount": 1000.0, "close_date": date(2026, 9, 1),
               "powertrain": "BEV"},                                    # dealer segment: not pipeline
              {"opportunity_id": "o4", "account_id": "A", "amount": 1000.0, "status": "WON",
               "close_date": date(2026, 9, 1), "powertrain": "BEV"},   # not open
              {"opportunity_id": "o5", "account_id": "A", "amount": 1000.0, "close_date": D,
               "powertrain": "BEV"},                                    # closes on D, not after
              {"opportunity_id": "o6", "account_id": "A", "amount": 1000.0, "close_date": date(2027, 1, 1),
               "forecast_category": "OMITTED", "powertrain": "BEV"}],  # weight 0
          platform_awards=[{"award_id": "W1", "account_id": "A", "product_id": "P", "powertrain": "BEV",
                            "award_date": date(2025, 1, 1), "sop_date": date(2027, 1, 1),
                            "eop_date": date(2027, 12, 31), "lifetime_value": 1200.0}],
          revenue=[{"account_id": "A", "period": "2025-07", "revenue_type": "SERVICES", "amount": 1200.0},
                   {"account_id": "A", "period": "2026-06", "revenue_type": "SOFTWARE_SUBSCRIPTION",
                    "amount": 2400.0},
                   {"account_id": "B", "period": "2026-01", "revenue_type": "HARDWARE", "amount": 600.0},
                   {"account_id": "A", "period": "2025-06", "revenue_type": "SERVICES", "amount": 999.0},
                   {"account_id": "A", "award_id": "W1", "period": "2026-03", "revenue_type": "HARDWARE",
                    "amount": 0.0}])
    return engine


def test_outlook_parts_by_year(company: Engine, cfg: AppConfig) -> None:
    with company.connect() as conn:
        outlook = revenue_outlook(conn, D, _cfg(cfg))
        schedule = backlog_schedule(conn, D, last_year=2035)
    assert outlook.years == tuple(range(2026, 2036))
    parts = outlook.to_json()
    assert parts["2026"] == pytest.approx({"booked": 0.0, "pipeline": 270.0, "recurring": 6 * 350.0})
    # recurring 2027: services 100 x 12 x 1.1 + software 200 x 12 + hardware 50 x 12
    assert parts["2027"] == pytest.approx({"booked": 1200.0, "pipeline": 810.0, "recurring": 1320 + 2400 + 600})
    assert parts["2028"] == pytest.approx({"booked": 0.0, "pipeline": 0.0, "recurring": 1452 + 2400 + 600})
    assert parts["2035"] == pytest.approx({"booked": 0.0, "pipeline": 250.0,
                                           "recurring": 1200 * 1.1 ** 9 + 2400 + 600})
    assert outlook.parts["pipeline"][2027]["BEV"] == pytest.approx(810.0)
    assert outlook.parts["pipeline"][2035]["ICE"] == pytest.approx(250.0)
    assert outlook.parts["recurring"][2027]["AGNOSTIC"] == pytest.approx(4320.0)
    # booked is today's schedule, year by year and powertrain by powertrain
    for year in outlook.years:
        assert outlook.parts["booked"][year] == pytest.approx(schedule.get(year, dict.fromkeys(
            outlook.parts["booked"][year], 0.0)))


def test_scope_narrows_pipeline_and_recurring(company: Engine, cfg: AppConfig) -> None:
    with company.connect() as conn:
        outlook = revenue_outlook(conn, D, _cfg(cfg), Scope(frozenset({"G1"})))
    parts = outlook.to_json()
    assert parts["2026"] == pytest.approx({"booked": 0.0, "pipeline": 270.0, "recurring": 6 * 300.0})
    assert parts["2035"]["pipeline"] == 0.0                      # o2 belongs to G2


def test_a_scenario_reweights_booked_and_pipeline_but_not_recurring(company: Engine, cfg: AppConfig) -> None:
    with company.connect() as conn:
        total = revenue_outlook(conn, D, _cfg(cfg)).total()
    params = PathParams(baseline_year=2025, baseline_share=0.2, plan_2030=0.4)
    result = run_scenario(total, 0.5, params)
    # 2027: plan p = 0.2 + 0.2 x 2/5 = 0.28, scenario s = 0.2 + 0.3 x 2/5 = 0.32; BEV 1200 + 810
    bev = 2010.0 * 0.32 / 0.28
    assert result.revenue[2027]["BEV"] == pytest.approx(bev)
    assert result.revenue[2027]["AGNOSTIC"] == pytest.approx(4320.0)
    assert result.ev_mix[2027] == pytest.approx(bev / (bev + 4320.0))


def test_no_pipeline_and_no_recurring_leave_only_the_schedule() -> None:
    outlook = build_outlook({2027: {"ICE": 10.0}}, [], {}, D, SETTINGS)
    assert outlook.by_part()[2027] == {"booked": 10.0, "pipeline": 0.0, "recurring": 0.0}
    assert outlook.by_part()[2026] == {"booked": 0.0, "pipeline": 0.0, "recurring": 0.0}


@pytest.mark.parametrize("lag, years, expected", [
    # weighted 1000 closing in December 2026; lag 0: Dec 2026 - Nov 2027, 1000 / 12 a month
    (0, 1, {2026: 1000 / 12, 2027: 11 * 1000 / 12, 2028: 0.0}),
    # lag 36, six years: Dec 2029 - Nov 2035, 1000 / 72 a month
    (36, 6, {2028: 0.0, 2029: 1000 / 72, 2030: 12 * 1000 / 72, 2035: 11 * 1000 / 72}),
])
def test_pipeline_spread(lag: int, years: int, expected: dict[int, float]) -> None:
    row = PipelineMonth(2026, 12, "BEV", "COMMIT", 1000.0 / 0.9)
    spread = pipeline_part([row], D, Outlook(sop_lag_months=lag, program_years=years))
    assert {year: spread[year]["BEV"] for year in expected} == pytest.approx(expected)


def test_recurring_in_the_last_month_of_the_year_starts_next_january() -> None:
    spread = recurring_part({"ECO": 120.0}, date(2026, 12, 31), {"ECO": 0.5})
    assert spread[2026]["AGNOSTIC"] == 0.0
    assert spread[2027]["AGNOSTIC"] == pytest.approx(120.0 * 1.5)


def test_outlook_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="forecast_weights"):
        Outlook(forecast_weights={"COMMIT": 1.0})
    with pytest.raises(ValueError, match="unknown revenue type"):
        Outlook(growth={"LICENSES": 0.1})
    with pytest.raises(ValueError):
        Outlook(program_years=0)


def test_everything_scope_is_the_default(company: Engine, cfg: AppConfig) -> None:
    with company.connect() as conn:
        assert revenue_outlook(conn, D, _cfg(cfg), EVERYTHING) == revenue_outlook(conn, D, _cfg(cfg))


def test_scenario_parts_add_up_to_the_scenario_on_the_total(company: Engine, cfg: AppConfig) -> None:
    from revops_core.outlook import long_rows, scenario_parts
    from revops_core.scenario import share_path

    with company.connect() as conn:
        outlook = revenue_outlook(conn, D, _cfg(cfg))
    params = PathParams(baseline_year=2025, baseline_share=0.2, plan_2030=0.4)
    result = run_scenario(outlook.total(), 0.7, params)
    parts = scenario_parts(outlook, share_path(0.7, params), share_path(0.4, params))
    for year in outlook.years:
        for pt, amount in result.revenue[year].items():
            assert sum(parts[p][year][pt] for p in ("booked", "pipeline", "recurring")) == pytest.approx(amount)
    assert parts["recurring"] == outlook.parts["recurring"]
    rows = long_rows({"Plan": outlook.parts, "A": parts}, outlook.years)
    assert len(rows) == 10 * 2 * 3 * 5
    assert {"year": 2027, "series": "Plan", "part": "pipeline", "powertrain": "BEV", "amount": 810.0} in [
        {**r, "amount": round(r["amount"], 6)} for r in rows]
