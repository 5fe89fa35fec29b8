"""The one formatter for money, percents, ratios, days and counts (UI and exports)."""
from __future__ import annotations

import math

NA = "n/a"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None, currency: str = "$") -> str:
    """Compact money: $1.2B, $3.4M, $56K, $980 (negatives keep their sign)."""
    if _missing(value):
        return NA
    v = float(value)  # type: ignore[arg-type]
    sign, v = ("-" if v < 0 else ""), abs(v)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= limit:
            return f"{sign}{currency}{v / limit:,.1f}{suffix}"
    return f"{sign}{currency}{v:,.0f}"


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


def signed_delta(kind: str, value: float | None) -> str:
    """A change with an explicit sign, e.g. +$1.2M, -3.0 pts, +0.12x."""
    if _missing(value):
        return NA
    v = float(value)  # type: ignore[arg-type]
    sign = "+" if v > 0 else ("-" if v < 0 else "±")
    if kind == "percent":
        return f"{sign}{abs(v) * 100:.1f} pts"
    return sign + fmt(kind, abs(v))
