"""Date windows of METRICS.md "Windows": TTM, months, quarters and the coverage horizon.

Pure functions of the as-of date; nothing here reads the clock.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
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


def split_months(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """``[start, end]`` (both inclusive) as its whole calendar months and the days outside them.

    Returns ``((first day of the first whole month, last day of the last one) or None, the
    remaining edge windows in order)``. The parts cover every day of the window exactly once, so
    a sum over the window is the sum over the parts (monthly summaries plus the edge days).
    """
    first = start if start.day == 1 else add_months(start.replace(day=1), 1)
    last = end if end == month_end(end) else end.replace(day=1) - timedelta(days=1)
    if first > last:
        return None, [(start, end)] if start <= end else []
    edges = [(start, first - timedelta(days=1))] if start < first else []
    edges += [(last + timedelta(days=1), end)] if last < end else []
    return (first, last), edges


def signed_months(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date, int]]]:
    """``[start, end]`` (both inclusive) as whole calendar months to read from a monthly summary and
    day ranges to add (+1) or take away (-1), reading as few days as possible.

    A month the window covers more than half of is read whole and the days of it outside the
    window are taken away; a month it covers half of or less is read by its days. So a window
    ending on the 30th reads its last month from the summary minus one day, not 30 days of rows.
    Returns ``((first day of the first month read whole, last day of the last one) or None,
    [(first day, last day, sign), ...])``; the months read whole are consecutive, and the signed
    parts add up to every day of the window exactly once.
    """
    whole: list[date] = []
    signed: list[tuple[date, date, int]] = []
    month = start.replace(day=1)
    while start <= end and month <= end:
        last = month_end(month)
        lo, hi = max(start, month), min(end, last)
        if 2 * ((hi - lo).days + 1) > (last - month).days + 1:
            whole.append(month)
            if lo > month:
                signed.append((month, lo - timedelta(days=1), -1))
            if hi < last:
                signed.append((hi + timedelta(days=1), last, -1))
        else:
            signed.append((lo, hi, 1))
        month = add_months(month, 1)
    return ((whole[0], month_end(whole[-1])) if whole else None), signed


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


# --- report windows: the default and the quarter presets beside the date pickers ------------

WINDOW_PRESETS: dict[str, str] = {
    "last_quarter": "Last quarter",
    "qtd": "QTD",
    "last_4_quarters": "Last 4 quarters",
    "ytd": "YTD",
}
"""Quarter presets of the scorecard and attribution windows, the default first."""
DEFAULT_PRESET = "last_quarter"
CUSTOM = "custom"  # the window is the dates picked, not a preset
WINDOW_CHOICES: dict[str, str] = {**WINDOW_PRESETS, CUSTOM: "Custom"}


def last_complete_quarter(as_of: date) -> tuple[date, date]:
    """The latest calendar quarter that has ended by D (D's own quarter when D is its last day)."""
    end = as_of if as_of == quarter_end(as_of) else quarter_start(as_of) - timedelta(days=1)
    return quarter_start(end), end


def preset_window(preset: str, as_of: date) -> tuple[date, date]:
    """First and last day (both inclusive) of a window preset at D.

    ``last_quarter``: the last complete quarter; ``last_4_quarters``: the four complete quarters
    ending with it; ``qtd``: D's quarter up to D; ``ytd``: D's year up to D.
    """
    first, last = last_complete_quarter(as_of)
    windows = {"last_quarter": (first, last), "last_4_quarters": (add_months(first, -9), last),
               "qtd": (quarter_start(as_of), as_of), "ytd": (date(as_of.year, 1, 1), as_of)}
    if preset not in windows:
        raise ValueError(f"unknown window preset {preset!r}; expected one of {', '.join(WINDOW_PRESETS)}")
    return windows[preset]


def default_window(as_of: date) -> tuple[date, date]:
    """The default report window at D: the last complete quarter (scorecard and attribution alike)."""
    return preset_window(DEFAULT_PRESET, as_of)


@dataclass(frozen=True)
class WindowLink:
    """What a shared link says about a window: ``custom`` when it gives dates without a preset
    (so the dates apply), and every value the page cannot use, in words."""

    custom: bool
    problems: tuple[str, ...]


def read_window_link(query: Mapping[str, str | list[str]], prefix: str) -> WindowLink:
    """Check the window keys of a link (``<prefix>_window`` a choice label of ``WINDOW_CHOICES``,
    ``<prefix>_start`` / ``<prefix>_end`` dates as YYYY-MM-DD within the supported range).

    A value the date pickers would drop is reported with the default that applies instead;
    dates beside a preset are reported as ignored (the preset wins)."""
    raw = {k: _last(query[f"{prefix}_{k}"]) for k in ("window", "start", "end") if f"{prefix}_{k}" in query}
    problems = [_date_problem(name, raw[k]) for k, name in (("start", "From"), ("end", "To")) if k in raw]
    choice = raw.get("window")
    if choice is not None and choice not in WINDOW_CHOICES.values():
        problems.append(f"Window = {choice!r} is not one of {', '.join(WINDOW_CHOICES.values())}; "
                        f"using {WINDOW_CHOICES[DEFAULT_PRESET]}")
    dated = "start" in raw or "end" in raw
    if dated and choice in WINDOW_PRESETS.values():
        problems.append(f"the dates are ignored because the link asks for the preset {choice}")
    return WindowLink(dated and choice is None, tuple(p for p in problems if p))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _last(value: str | list[str]) -> str:
    return value[-1] if isinstance(value, list) else value


def _date_problem(name: str, value: str) -> str:
    try:
        parsed = date.fromisoformat(value) if _ISO_DATE.fullmatch(value) else None
    except ValueError:
        parsed = None
    if parsed is None:
        return f"{name} = {value!r} is not a date written YYYY-MM-DD; using the default"
    if not supported(parsed):
        return f"{name} = {value!r} is not {supported_range()}; using the default"
    return ""
