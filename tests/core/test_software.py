"""Connected vehicle & software (METRICS.md board metrics, by month), SQLite and PostgreSQL.

D = 2025-06-15 and three months shown (2025-04, 2025-05, 2025-06). The TTM figure at a month
end sums the twelve months ending with that month: at 2025-04 that is 2024-05..2025-04, at
2025-05 2024-06..2025-05, at 2025-06 2024-07..2025-06.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from tests.factories import write

from revops_core.board import board_metrics
from revops_core.config import AppConfig
from revops_core.queries.common import Scope
from revops_core.software import SoftwareSummary, software_summary

D = date(2025, 6, 15)


def ship(product: str, period: str, shipped: int, attached: int, active: int = 0, arr: float = 0.0) -> dict[str, Any]:
    return {"product_id": product, "period": period, "units_shipped": shipped, "units_attached": attached,
            "active_subscriptions": active, "subscription_arr": arr}


def rev(account: str, period: str, kind: str, amount: float) -> dict[str, Any]:
    return {"account_id": account, "period": period, "revenue_type": kind, "amount": amount}


ACCOUNTS = [{"account_id": "oem", "segment": "OEM"},
            {"account_id": "dl", "segment": "DEALER_AFTERMARKET", "dealer_group": "G2"}]
PRODUCTS = [{"product_id": "p1"}, {"product_id": "p2"}]
SHIPMENTS = [
    ship("p1", "2024-04", 1000, 1000),                # before every TTM window shown
    ship("p1", "2024-05", 100, 10),                   # TTM at 2025-04 only
    ship("p1", "2024-06", 200, 20),                   # TTM at 2025-04 and 2025-05
    ship("p1", "2025-04", 100, 50, 1000, 10000.0),
    ship("p2", "2025-04", 100, 30, 1000, 6000.0),     # 2025-04: 80 / 200 attached, ARR 16,000 on 2,000
    # 2025-05: no rows at all
    ship("p1", "2025-06", 400, 200, 2000, 30000.0),   # 2025-06: 200 / 400, ARR 30,000 on 2,000
    ship("p1", "2025-07", 999, 999, 100, 5000.0),     # after D's month
]
REVENUE = [
    rev("oem", "2024-06", "SOFTWARE_SUBSCRIPTION", 10000),  # TTM at 2025-04 and 2025-05
    rev("oem", "2025-04", "HARDWARE", 1000),
    rev("oem", "2025-04", "SOFTWARE_SUBSCRIPTION", 100),
    rev("oem", "2025-04", "SERVICES", 900),                  # 2025-04: total 2,000
    rev("oem", "2025-06", "HARDWARE", 3000),
    rev("oem", "2025-06", "SOFTWARE_SUBSCRIPTION", 1000),
    rev("dl", "2025-06", "HARDWARE", 2000),                  # 2025-06: total 6,000, hardware 5,000
    rev("oem", "2025-07", "SOFTWARE_SUBSCRIPTION", 99999),   # after D's month
]


def summary(engine: Engine, as_of: date = D, months: int = 3, scope: Scope | None = None) -> SoftwareSummary:
    write(engine, accounts=ACCOUNTS, products=PRODUCTS, shipments=SHIPMENTS, revenue=REVENUE)
    with engine.connect() as conn:
        return software_summary(conn, as_of, scope or Scope(), months=months)


def test_monthly_and_ttm_attach(engine: Engine) -> None:
    s = summary(engine)
    assert [m.period for m in s.months] == ["2025-04", "2025-05", "2025-06"]
    assert [m.units_shipped for m in s.months] == [200, 0, 400]
    # by month: 80/200, n/a (nothing shipped), 200/400
    assert [m.attach_rate for m in s.months] == [pytest.approx(0.40), None, pytest.approx(0.50)]
    # TTM: (10+20+80)/(100+200+200) = 0.22; (20+80)/(200+200) = 0.25; (80+200)/(200+400) = 0.4667
    assert [m.attach_rate_ttm for m in s.months] == [pytest.approx(0.22), pytest.approx(0.25), pytest.approx(280 / 600)]
    assert s.software_attach_rate == pytest.approx(280 / 600)


def test_arr_and_arr_per_vehicle(engine: Engine) -> None:
    s = summary(engine)
    assert [m.subscription_arr for m in s.months] == [16000.0, 0.0, 30000.0]
    # 16,000 / 2,000 = 8; n/a; 30,000 / 2,000 = 15
    assert [m.arr_per_subscribed_vehicle for m in s.months] == [pytest.approx(8.0), None, pytest.approx(15.0)]
    assert (s.subscription_arr, s.arr_month, s.arr_per_subscribed_vehicle) == (30000.0, "2025-06", pytest.approx(15.0))


def test_arr_read_in_the_latest_month_with_data(engine: Engine) -> None:
    # D in May: no shipments in 2025-05, so ARR is read in 2025-04 (16,000 on 2,000 vehicles)
    s = summary(engine, date(2025, 5, 20))
    assert (s.subscription_arr, s.arr_month, s.arr_per_subscribed_vehicle) == (16000.0, "2025-04", pytest.approx(8.0))
    # D = 2026-08-15, one month shown: the latest month (2025-07) lies before the queried range
    s = summary(engine, date(2026, 8, 15), months=1)
    assert (s.subscription_arr, s.arr_month, s.arr_per_subscribed_vehicle) == (5000.0, "2025-07", pytest.approx(50.0))
    assert [m.period for m in s.months] == ["2026-08"] and s.months[0].attach_rate_ttm is None


def test_revenue_split_and_subscription_share(engine: Engine) -> None:
    s = summary(engine)
    assert [m.hardware_revenue for m in s.months] == [1000.0, 0.0, 5000.0]
    assert [m.revenue for m in s.months] == [2000.0, 0.0, 6000.0]
    # by month: 100/2,000; n/a; 1,000/6,000
    assert [m.subscription_share for m in s.months] == [pytest.approx(0.05), None, pytest.approx(1 / 6)]
    # TTM: (10,000+100)/(10,000+2,000) at 04 and 05; (100+1,000)/(2,000+6,000) = 0.1375 at 06
    assert [m.subscription_share_ttm for m in s.months] == [
        pytest.approx(10100 / 12000), pytest.approx(10100 / 12000), pytest.approx(0.1375)]
    assert s.subscription_revenue_share == pytest.approx(0.1375)


def test_headline_equals_board_metrics(engine: Engine, cfg: AppConfig) -> None:
    for as_of in (D, date(2025, 5, 20), date(2026, 8, 15)):
        s = summary(engine, as_of)
        with engine.connect() as conn:
            b = board_metrics(conn, as_of, cfg)
        assert s.software_attach_rate == (None if b.software_attach_rate is None
                                          else pytest.approx(b.software_attach_rate))
        assert s.subscription_arr == pytest.approx(b.subscription_arr)
        assert s.arr_per_subscribed_vehicle == pytest.approx(b.arr_per_subscribed_vehicle)
        assert s.subscription_revenue_share == (
            None if b.subscription_revenue_share is None else pytest.approx(b.subscription_revenue_share))


def test_scope_narrows_revenue(engine: Engine) -> None:
    # dealer group G2 sees only the dealer account's revenue: 2,000 hardware in 2025-06
    s = summary(engine, scope=Scope(frozenset({"G2"})))
    assert [m.revenue for m in s.months] == [0.0, 0.0, 2000.0]
    assert s.months[-1].subscription_share == 0.0
    frame = s.frame()
    assert list(frame["period"]) == ["2025-04", "2025-05", "2025-06"] and "attach_rate_ttm" in frame.columns


def test_target_ranges_come_from_config(cfg: AppConfig) -> None:
    from revops_core.software import target_range

    assert target_range(cfg, "software_attach_rate") == (0.40, 0.60)   # config target: the playbook's 40-60%
    low, high = target_range(cfg, "arr_per_subscribed_vehicle")
    assert low == 5 and high == pytest.approx(20, abs=0.001)
    assert target_range(cfg, "revenue_ttm") == (None, None)            # no benchmark
