"""Unit tests for revops_core.windows (METRICS.md "Windows").

Pure functions of the as-of date, so every test is a table of hand-worked cases.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from revops_core import windows

from revops_core.windows import (
    WINDOW_CHOICES,
    Window,
    add_months,
    default_window,
    horizon,
    last_complete_quarter,
    minus_years,
    month_end,
    month_first,
    month_str,
    months_between,
    period_bounds,
    preset_window,
    previous_quarter_ends,
    quarter_end,
    quarter_from_label,
    quarter_label,
    quarter_start,
    read_window_link,
    ttm,
    ttm_months,
)

# --- TTM: (D minus one year, D] ---------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "start"),
    [
        (date(2025, 6, 15), date(2024, 6, 15)),
        (date(2025, 1, 1), date(2024, 1, 1)),
        (date(2025, 12, 31), date(2024, 12, 31)),
        # 29 February has no twin a year earlier: it becomes 28 February
        (date(2024, 2, 29), date(2023, 2, 28)),
        # a year back from 28 February 2025 is 28 February 2024 (29 Feb 2024 is inside TTM)
        (date(2025, 2, 28), date(2024, 2, 28)),
        (date(2025, 3, 1), date(2024, 3, 1)),
    ],
)
def test_ttm_is_one_year_back_start_exclusive(as_of: date, start: date) -> None:
    assert ttm(as_of) == Window(start, as_of, start_exclusive=True)


@pytest.mark.parametrize(
    ("d", "years", "expected"),
    [
        (date(2025, 6, 15), 1, date(2024, 6, 15)),
        (date(2025, 6, 15), 3, date(2022, 6, 15)),
        (date(2024, 2, 29), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 4, date(2020, 2, 29)),  # 2020 is a leap year: the day exists
        (date(2024, 2, 29), 2, date(2022, 2, 28)),
    ],
)
def test_minus_years(d: date, years: int, expected: date) -> None:
    assert minus_years(d, years) == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # D-1y = 2024-06-15; 2024-06-01 is before it, so the first month is 2024-07
        (date(2025, 6, 15), ("2024-07", "2025-06")),
        # D-1y = 2024-06-01 equals the first day of 2024-06: excluded (start is exclusive)
        (date(2025, 6, 1), ("2024-07", "2025-06")),
        # D's own month counts even on its last day
        (date(2025, 6, 30), ("2024-07", "2025-06")),
        # D-1y = 2023-12-31; 2024-01-01 is inside
        (date(2024, 12, 31), ("2024-01", "2024-12")),
        (date(2025, 1, 1), ("2024-02", "2025-01")),
        # D-1y = 2023-02-28: 2023-03-01 is the first month start inside
        (date(2024, 2, 29), ("2023-03", "2024-02")),
    ],
)
def test_ttm_months_are_the_twelve_months_starting_in_ttm(as_of: date, expected: tuple[str, str]) -> None:
    first, last = ttm_months(as_of)
    assert (first, last) == expected
    assert len(months_between(first, last)) == 12
    window = ttm(as_of)
    assert window.start < month_first(first) <= window.end
    assert month_first(last) <= as_of


# --- month arithmetic -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 1)),  # always the first day of the month
        (date(2024, 12, 15), 1, date(2025, 1, 1)),
        (date(2024, 1, 15), -1, date(2023, 12, 1)),
        (date(2024, 3, 10), 0, date(2024, 3, 1)),
        (date(2024, 3, 10), 12, date(2025, 3, 1)),
        (date(2024, 3, 10), -15, date(2022, 12, 1)),
        (date(2024, 11, 30), 14, date(2026, 1, 1)),
    ],
)
def test_add_months(d: date, months: int, expected: date) -> None:
    assert add_months(d, months) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2024, 2, 10), date(2024, 2, 29)),
        (date(2023, 2, 1), date(2023, 2, 28)),
        (date(2100, 2, 1), date(2100, 2, 28)),  # not a leap year (divisible by 100)
        (date(2000, 2, 1), date(2000, 2, 29)),  # a leap year (divisible by 400)
        (date(2024, 4, 30), date(2024, 4, 30)),
        (date(2024, 12, 1), date(2024, 12, 31)),
    ],
)
def test_month_end(d: date, expected: date) -> None:
    assert month_end(d) == expected


@pytest.mark.parametrize(
    ("d", "period"),
    [(date(2024, 1, 31), "2024-01"), (date(2025, 12, 1), "2025-12"), (date(987, 3, 4), "0987-03")],
)
def test_month_str_and_month_first(d: date, period: str) -> None:
    assert month_str(d) == period
    assert month_first(period) == date(d.year, d.month, 1)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2024-11", "2025-02", ["2024-11", "2024-12", "2025-01", "2025-02"]),
        ("2024-05", "2024-05", ["2024-05"]),
        ("2024-05", "2024-04", []),
    ],
)
def test_months_between(first: str, last: str, expected: list[str]) -> None:
    assert months_between(first, last) == expected


# --- quarters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "start", "end", "label"),
    [
        (date(2025, 1, 1), date(2025, 1, 1), date(2025, 3, 31), "2025Q1"),
        (date(2025, 3, 31), date(2025, 1, 1), date(2025, 3, 31), "2025Q1"),
        (date(2025, 4, 1), date(2025, 4, 1), date(2025, 6, 30), "2025Q2"),
        (date(2025, 8, 15), date(2025, 7, 1), date(2025, 9, 30), "2025Q3"),
        (date(2025, 12, 31), date(2025, 10, 1), date(2025, 12, 31), "2025Q4"),
    ],
)
def test_quarter_start_end_and_label(d: date, start: date, end: date, label: str) -> None:
    assert quarter_start(d) == start
    assert quarter_end(d) == end
    assert quarter_label(d) == label
    assert quarter_from_label(label) == start


@pytest.mark.parametrize(
    ("as_of", "start", "end", "labels"),
    [
        # D in Q2: Q2, Q3, Q4 of 2025 and Q1 2026
        (date(2025, 5, 10), date(2025, 4, 1), date(2026, 3, 31), ("2025Q2", "2025Q3", "2025Q4", "2026Q1")),
        # D on a quarter's first day: that quarter is the first of H
        (date(2025, 1, 1), date(2025, 1, 1), date(2025, 12, 31), ("2025Q1", "2025Q2", "2025Q3", "2025Q4")),
        # D on a quarter's last day: still that quarter
        (date(2025, 12, 31), date(2025, 10, 1), date(2026, 9, 30), ("2025Q4", "2026Q1", "2026Q2", "2026Q3")),
        (date(2024, 2, 29), date(2024, 1, 1), date(2024, 12, 31), ("2024Q1", "2024Q2", "2024Q3", "2024Q4")),
    ],
)
def test_horizon_is_four_quarters_from_d_quarter(as_of: date, start: date, end: date,
                                                 labels: tuple[str, ...]) -> None:
    assert horizon(as_of) == (start, end, labels)


@pytest.mark.parametrize(
    ("as_of", "count", "expected"),
    [
        (date(2025, 5, 10), 3, [date(2025, 3, 31), date(2024, 12, 31), date(2024, 9, 30)]),
        # D on a quarter's first day: its own quarter is not included
        (date(2025, 4, 1), 2, [date(2025, 3, 31), date(2024, 12, 31)]),
        # D on a quarter's last day: its own quarter is still not included
        (date(2025, 3, 31), 1, [date(2024, 12, 31)]),
        (date(2024, 8, 1), 4, [date(2024, 6, 30), date(2024, 3, 31), date(2023, 12, 31), date(2023, 9, 30)]),
        (date(2025, 5, 10), 0, []),
    ],
)
def test_previous_quarter_ends(as_of: date, count: int, expected: list[date]) -> None:
    assert previous_quarter_ends(as_of, count) == expected


@pytest.mark.parametrize(
    ("kind", "label", "expected"),
    [
        ("quarter", "2024Q1", (date(2024, 1, 1), date(2024, 3, 31))),
        ("quarter", "2024Q2", (date(2024, 4, 1), date(2024, 6, 30))),
        ("quarter", "2024Q3", (date(2024, 7, 1), date(2024, 9, 30))),
        ("quarter", "2024Q4", (date(2024, 10, 1), date(2024, 12, 31))),
        ("year", "2024", (date(2024, 1, 1), date(2024, 12, 31))),
        ("year", "2030", (date(2030, 1, 1), date(2030, 12, 31))),
    ],
)
def test_period_bounds(kind: str, label: str, expected: tuple[date, date]) -> None:
    assert period_bounds(kind, label) == expected


# --- report windows: the default (last complete quarter) and the quarter presets ---------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2026, 10, 31), (date(2026, 7, 1), date(2026, 9, 30))),
        (date(2026, 9, 30), (date(2026, 7, 1), date(2026, 9, 30))),   # D ends its quarter: that one is complete
        (date(2026, 9, 29), (date(2026, 4, 1), date(2026, 6, 30))),
        (date(2026, 1, 1), (date(2025, 10, 1), date(2025, 12, 31))),   # across a year end
        (date(2024, 3, 31), (date(2024, 1, 1), date(2024, 3, 31))),
    ],
)
def test_last_complete_quarter(as_of: date, expected: tuple[date, date]) -> None:
    assert last_complete_quarter(as_of) == expected
    assert default_window(as_of) == expected  # the default of scorecard and attribution alike


@pytest.mark.parametrize(
    ("preset", "as_of", "expected"),
    [
        ("qtd", date(2026, 10, 31), (date(2026, 10, 1), date(2026, 10, 31))),
        ("qtd", date(2026, 9, 30), (date(2026, 7, 1), date(2026, 9, 30))),
        ("last_quarter", date(2026, 10, 31), (date(2026, 7, 1), date(2026, 9, 30))),
        ("last_4_quarters", date(2026, 10, 31), (date(2025, 10, 1), date(2026, 9, 30))),
        ("last_4_quarters", date(2026, 3, 31), (date(2025, 4, 1), date(2026, 3, 31))),
        ("ytd", date(2026, 10, 31), (date(2026, 1, 1), date(2026, 10, 31))),
        ("ytd", date(2026, 1, 1), (date(2026, 1, 1), date(2026, 1, 1))),
    ],
)
def test_preset_window(preset: str, as_of: date, expected: tuple[date, date]) -> None:
    assert preset_window(preset, as_of) == expected


def test_unknown_preset_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown window preset 'q5'"):
        preset_window("q5", date(2026, 10, 31))


@pytest.mark.parametrize(
    ("query", "custom", "problems"),
    [
        ({}, False, []),
        ({"eco_window": "QTD"}, False, []),
        ({"eco_window": "Custom", "eco_start": "2026-01-01", "eco_end": "2026-03-31"}, False, []),
        ({"eco_start": "2026-01-01", "eco_end": "2026-03-31"}, True, []),   # dates without a preset apply
        ({"eco_start": ["2025-01-01", "2026-01-01"]}, True, []),             # a repeated key: the last wins
        ({"eco_window": "Q5"}, False,
         ["Window = 'Q5' is not one of Last quarter, QTD, Last 4 quarters, YTD, Custom; using Last quarter"]),
        ({"eco_start": "2026-02-30"}, True,
         ["From = '2026-02-30' is not a date written YYYY-MM-DD; using the default"]),
        ({"eco_end": "31/03/2026"}, True, ["To = '31/03/2026' is not a date written YYYY-MM-DD; using the default"]),
        ({"eco_end": "1980-01-01"}, True,
         ["To = '1980-01-01' is not from 1990-01-01 to 2035-12-31; using the default"]),
        ({"eco_window": "YTD", "eco_start": "2026-01-01"}, False,
         ["the dates are ignored because the link asks for the preset YTD"]),
        ({"attr_start": "2026-01-01"}, False, []),                           # another page's keys
    ],
)
def test_read_window_link(query: dict, custom: bool, problems: list[str]) -> None:
    link = read_window_link(query, "eco")
    assert (link.custom, list(link.problems)) == (custom, problems)


def test_window_choices_are_the_presets_then_custom() -> None:
    assert list(WINDOW_CHOICES.values()) == ["Last quarter", "QTD", "Last 4 quarters", "YTD", "Custom"]


@pytest.mark.parametrize(("start", "end", "months", "signed"), [
    # a year ending on the 30th: every month whole, Oct 31 2025 added, Oct 31 2026 taken away
    (date(2025, 10, 31), date(2026, 10, 30), (date(2025, 11, 1), date(2026, 10, 31)),
     [(date(2025, 10, 31), date(2025, 10, 31), 1), (date(2026, 10, 31), date(2026, 10, 31), -1)]),
    # 90 days: August whole less its 1st, October whole less its 31st
    (date(2026, 8, 2), date(2026, 10, 30), (date(2026, 8, 1), date(2026, 10, 31)),
     [(date(2026, 8, 1), date(2026, 8, 1), -1), (date(2026, 10, 31), date(2026, 10, 31), -1)]),
    # 12 of February's 28 days and 9 of April's 30 are read as days
    (date(2026, 2, 17), date(2026, 4, 9), (date(2026, 3, 1), date(2026, 3, 31)),
     [(date(2026, 2, 17), date(2026, 2, 28), 1), (date(2026, 4, 1), date(2026, 4, 9), 1)]),
    # 16 of March's 31 days: more than half, so March less its first 9 and last 6 days
    (date(2026, 3, 10), date(2026, 3, 25), (date(2026, 3, 1), date(2026, 3, 31)),
     [(date(2026, 3, 1), date(2026, 3, 9), -1), (date(2026, 3, 26), date(2026, 3, 31), -1)]),
    (date(2026, 3, 20), date(2026, 3, 20), None, [(date(2026, 3, 20), date(2026, 3, 20), 1)]),
    (date(2026, 3, 1), date(2026, 3, 31), (date(2026, 3, 1), date(2026, 3, 31)), []),
    (date(2026, 3, 2), date(2026, 3, 1), None, []),
])
def test_signed_months_read_the_fewest_days(start: date, end: date, months: tuple[date, date] | None,
                                            signed: list[tuple[date, date, int]]) -> None:
    assert windows.signed_months(start, end) == (months, signed)
    got_months, got_signed = windows.signed_months(start, end)
    days = {}   # every day of the window counted exactly once, none outside it
    if got_months:
        day = got_months[0]
        while day <= got_months[1]:
            days[day] = 1
            day += timedelta(days=1)
    for lo, hi, sign in got_signed:
        day = lo
        while day <= hi:
            days[day] = days.get(day, 0) + sign
            day += timedelta(days=1)
    assert {d for d, n in days.items() if n} == {start + timedelta(days=i) for i in range((end - start).days + 1)}
    assert set(days.values()) <= {0, 1}
