"""The one formatter for money, percents, ratios, days and changes."""
from __future__ import annotations

import pytest

from revops_core import formatting


@pytest.mark.parametrize(("value", "text"), [
    (2_700_000_000, "$2.7B"), (471_367_000, "$471.4M"), (324_400, "$324.4K"), (950, "$950"), (None, "n/a")])
def test_money(value: float | None, text: str) -> None:
    assert formatting.money(value) == text


def test_percent_ratio_and_count() -> None:
    assert formatting.percent(0.3835) == "38.4%"
    assert formatting.percent(0.07, 0) == "7%"
    assert formatting.ratio(5.200002) == "5.20x"
    assert formatting.count(99264.0) == "99,264"
    assert formatting.percent(None) == formatting.ratio(None) == "n/a"


def test_days_and_months() -> None:
    assert formatting.days(844) == "844 days (27.7 mo)"
    assert formatting.months_of_days(844) == "27.7 months"  # 844 / 30.44
    assert formatting.months_of_days(None) == "n/a"


def test_signed_changes() -> None:
    assert formatting.signed_delta("money", 120_700_000) == "+$120.7M"
    assert formatting.signed_delta("percent", -0.015) == "-1.5 pts"
    assert formatting.signed_delta("ratio", 0.3) == "+0.30x"


def test_change_is_na_when_either_side_is() -> None:
    from revops_core.queries.common import change

    assert change(0.384, 0.380) == pytest.approx(0.004)
    assert change(None, 1.0) is None and change(1.0, None) is None
