"""Date windows of METRICS.md "Windows": TTM, months, quarters and the coverage horizon.

Pure functions of the as-of date; nothing here reads the clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# The dates AutoRevOps handles: a decade of history before the sample data starts, and the
# outlook's last year (``scenario.YEARS`` ends in 2035). Commands refuse dates outside them.
EARLIEST = date(1990, 1, 1)
LATEST = date(2035, 12, 31)


@dataclass(frozen=True)
class Window:
    """A date range; ``start_exclusive`` says whether ``start`` itself is outside it."""

    start: date
    end: date
    start_exclusive: bool = False


def supported(d: date) -> bool:
    """Whether ``d`` lies within ``EARLIEST``..``LATEST`` (inclusive)."""
    return EARLIEST <= d <= LATEST


def supported_range() -> str:
    """The supported dates in words, for messages: ``from 1990-01-01 to 2035-12-31``."""
    return f"from {EARLIEST.isoformat()} to {LATEST.isoformat()}"


def minus_years(d: date, years: int = 1) -> date:
    """``d`` moved back ``years`` calendar years (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def ttm(as_of: date) -> Window:
    """TTM: (D minus one year, D] (METRICS.md Windows)."""
    return Window(minus_years(as_of), as_of, start_exclusive=True)


def month_str(d: date) -> str:
    """``YYYY-MM`` of a date."""
    return f"{d.year:04d}-{d.month:02d}"


def month_first(period: str) -> date:
    """First day of a ``YYYY-MM`` month."""
    return date(int(period[:4]), int(period[5:7]), 1)


def add_months(d: date, months: int) -> date:
    """First day of the month ``months`` after ``d``'s month."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(d: date) -> date:
    """Last day of ``d``'s month."""
    return add_months(d, 1) - timedelta(days=1)


def ttm_months(as_of: date) -> tuple[str, str]:
    """First and last ``YYYY-MM`` whose first day lies in TTM (inclusive bounds, 12 months)."""
    start = minus_years(as_of)
    return month_str(add_months(start, 1)), month_str(as_of)


def months_between(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last`` inclusive."""
    out, d, stop = [], month_first(first), month_first(last)
    while d <= stop:
        out.append(month_str(d))
        d = add_months(d, 1)
    return out


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def quarter_end(d: date) -> date:
    return add_months(quarter_start(d), 3) - timedelta(days=1)


def quarter_label(d: date) -> str:
    """``YYYYQn`` of a date (the format of ``quotas.period``)."""
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def quarter_from_label(label: str) -> date:
    """First day of a ``YYYYQn`` quarter."""
    return date(int(label[:4]), 3 * (int(label[5]) - 1) + 1, 1)


def horizon(as_of: date) -> tuple[date, date, tuple[str, ...]]:
    """Coverage horizon H: the 4 calendar quarters starting with D's quarter (start, end, labels)."""
    start = quarter_start(as_of)
    labels = tuple(quarter_label(add_months(start, 3 * i)) for i in range(4))
    return start, add_months(start, 12) - timedelta(days=1), labels


def previous_quarter_ends(as_of: date, count: int) -> list[date]:
    """The last days of the ``count`` quarters before D's quarter, most recent first."""
    out, d = [], quarter_start(as_of) - timedelta(days=1)
    for _ in range(count):
        out.append(d)
        d = quarter_start(d) - timedelta(days=1)
    return out


def period_bounds(kind: str, label: str) -> tuple[date, date]:
    """First and last day of a period given as ``YYYYQn`` (quarter) or ``YYYY`` (year)."""
    if kind == "quarter":
        start = quarter_from_label(label)
        return start, add_months(start, 3) - timedelta(days=1)
    year = int(label)
    return date(year, 1, 1), date(year, 12, 31)
