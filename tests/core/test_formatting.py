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


@pytest.mark.parametrize("kind, value, expected", [
    ("money", 0.0, "no change"), ("money", 0.4, "no change"), ("money", -0.4, "no change"),
    ("percent", 0.0004, "no change"), ("percent", -0.0006, "-0.1 pts"), ("ratio", 0.001, "no change"),
    ("count", 0.0, "no change"), ("money", 1.0, "+$1"), ("money", -2_500.0, "-$2.5K"),
])
def test_a_change_that_rounds_to_zero_reads_no_change(kind: str, value: float, expected: str) -> None:
    assert formatting.signed_delta(kind, value) == expected
    assert formatting.is_no_change(kind, value) == (expected == "no change")


@pytest.mark.parametrize("value, expected", [
    (59_130_000, "$59.1M"), (60_073_000.0, "$60.1M"), (301_000, "$301.0K"), (999_960, "$1.0M"),
    (999.6, "$1.0K"), (999.4, "$999"), (2_550_000_000, "$2.5B"), (-35_300_000, "-$35.3M"), (0, "$0"),
])
def test_money_is_one_way_everywhere(value: float, expected: str) -> None:
    assert formatting.money(value) == expected


@pytest.mark.parametrize("values, expected", [
    ([138e6, 94e6, 5e3], (1e6, "M")), ([2.5e9, 3e9], (1e9, "B")), ([12_000, 800], (1e3, "K")),
    ([500, 20], (1.0, "")), ([0.0, None], (1.0, "")), ([], (1.0, "")),
])
def test_money_unit_of_a_column_follows_its_median(values: list, expected: tuple) -> None:
    assert formatting.money_unit(values) == expected


def test_dates_months_and_missing_text() -> None:
    from datetime import date, datetime

    assert formatting.date(date(2026, 10, 31)) == "31 Oct 2026"
    assert formatting.date(datetime(2026, 1, 5, 9, 30)) == "5 Jan 2026"   # as the table date columns show it
    assert formatting.month(date(2026, 10, 31)) == "Oct 2026"
    assert formatting.date(None) == formatting.month(None) == "—"
    assert [formatting.text(v) for v in (None, "", "  ", float("nan"), "Ford", 3)] == ["—"] * 4 + ["Ford", "3"]
