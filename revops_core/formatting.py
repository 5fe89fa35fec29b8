"""The one formatter for money, percents, ratios, days, counts, dates and missing values.

Pages, tables, CSV meant for people and the exported deck all format through here, so a figure
reads the same everywhere: money as $1.2K / $3.4M / $5.6B with one decimal (full precision only
in machine exports), dates as "31 Oct 2026", a ratio with a zero denominator as "n/a", a value
that is missing (a blank product, no owner) as "—", and a change of zero as "no change".
"""
from __future__ import annotations

import math
from datetime import date as _date
from datetime import datetime

NA = "n/a"          # a ratio whose denominator is zero (METRICS.md "Windows")
DASH = "—"          # a value that is missing: a blank optional column, no record
NO_CHANGE = "no change"
MONTH_FORMAT = "%b %Y"              # Oct 2026
DATE_COLUMN_FORMAT = "D MMM YYYY"   # the same, in st.column_config.DateColumn's (moment.js) notation
MONEY_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "K"))


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None, currency: str = "$") -> str:
    """Compact money with one decimal: $1.2B, $3.4M, $56.0K, $980 (negatives keep their sign)."""
    if _missing(value):
        return NA
    v = float(value)  # type: ignore[arg-type]
    sign, v = ("-" if v < 0 else ""), abs(v)
    if round(v) < 1000:
        return f"{sign}{currency}{v:,.0f}"
    for limit, suffix in reversed(MONEY_UNITS[1:]):   # $K, then $M: the first that shows it under 1,000
        if round(v / limit, 1) < 1000:
            return f"{sign}{currency}{v / limit:,.1f}{suffix}"
    return f"{sign}{currency}{v / 1e9:,.1f}B"


def money_unit(values: list[float]) -> tuple[float, str]:
    """(divisor, suffix) that shows a column of amounts in one unit: the unit of the median
    non-zero amount ($K, $M or $B; none below $1K), so a table column compares at a glance."""
    sizes = sorted(abs(float(v)) for v in values if not _missing(v) and float(v) != 0.0)
    if not sizes:
        return 1.0, ""
    median = sizes[len(sizes) // 2]
    return next(((limit, suffix) for limit, suffix in MONEY_UNITS if median >= limit), (1.0, ""))


def date(value: _date | datetime | None) -> str:
    """A date the one way the product writes dates: 31 Oct 2026 ("—" when missing)."""
    return DASH if value is None else f"{value.day} {value:%b %Y}"


def moment(value: datetime | None) -> str:
    """A date and time to the minute: 31 Oct 2026, 17:05 ("—" when missing)."""
    return DASH if value is None else f"{date(value)}, {value:%H:%M}"


def month(value: _date | datetime | None) -> str:
    """A month: Oct 2026 ("—" when missing)."""
    return DASH if value is None else value.strftime(MONTH_FORMAT)


def text(value: object) -> str:
    """A text cell: the value, or "—" when it is missing or blank (never "None" or "nan")."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return DASH
    return str(value)


def money_precise(value: float | None, currency: str = "$") -> str:
    """Money with cents, for small unit figures such as ARR per vehicle."""
    return NA if _missing(value) else f"{currency}{float(value):,.2f}"  # type: ignore[arg-type]


def percent(value: float | None, digits: int = 1) -> str:
    """A share in [0, 1] as a percent: 0.382 -> 38.2%."""
    return NA if _missing(value) else f"{float(value) * 100:.{digits}f}%"  # type: ignore[arg-type]


def ratio(value: float | None) -> str:
    """A multiple: 1.25 -> 1.25x."""
    return NA if _missing(value) else f"{float(value):.2f}x"  # type: ignore[arg-type]


def ratio_plain(value: float | None) -> str:
    return NA if _missing(value) else f"{float(value):.1f}"  # type: ignore[arg-type]


def days(value: float | None) -> str:
    """Days with months beside them: 848 days (27.9 mo)."""
    if _missing(value):
        return NA
    return f"{float(value):,.0f} days ({float(value) / 30.44:.1f} mo)"  # type: ignore[arg-type]


def months_of_days(value: float | None) -> str:
    """A day count in months, for a narrow tile: 848 days -> 27.9 months."""
    if _missing(value):
        return NA
    return f"{float(value) / 30.44:.1f} months"  # type: ignore[arg-type]


def count(value: float | None) -> str:
    return NA if _missing(value) else f"{float(value):,.0f}"  # type: ignore[arg-type]


FORMATS = {"money": money, "money_precise": money_precise, "percent": percent, "ratio": ratio,
           "ratio_plain": ratio_plain, "days": days, "count": count}


def fmt(kind: str, value: float | None) -> str:
    """Format ``value`` by kind name (the ``format`` of a metric in config/labels.yaml)."""
    return FORMATS[kind](value)


def is_no_change(kind: str, value: float | None) -> bool:
    """A change that rounds to zero where it is shown (so it reads "no change", neutral)."""
    if _missing(value):
        return False
    v = abs(float(value))  # type: ignore[arg-type]
    if kind == "percent":
        return round(v * 100, 1) == 0.0
    if kind in ("money", "count"):
        return round(v) == 0
    return round(v, 2) == 0.0


def signed_delta(kind: str, value: float | None) -> str:
    """A change with an explicit sign, e.g. +$1.2M, -3.0 pts, +0.12x; "no change" when it is zero."""
    if _missing(value):
        return NA
    if is_no_change(kind, value):
        return NO_CHANGE
    v = float(value)  # type: ignore[arg-type]
    sign = "+" if v > 0 else "-"
    if kind == "percent":
        return f"{sign}{abs(v) * 100:.1f} pts"
    return sign + fmt(kind, abs(v))
