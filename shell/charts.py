"""The one chart theme and the chart builders pages use (Altair)."""
from __future__ import annotations

import altair as alt
import pandas as pd

PALETTE = ["#1f5aa6", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#9c755f", "#edc948"]
STATUS_COLORS = {"green": "#2e7d32", "amber": "#ed8c00", "red": "#c62828", "none": "#757575"}
MONEY_AXIS = alt.Axis(labelExpr="datum.value >= 1e9 ? '$' + format(datum.value / 1e9, '.1f') + 'B' : "
                                "datum.value >= 1e6 ? '$' + format(datum.value / 1e6, '.1f') + 'M' : "
                                "datum.value >= 1e3 ? '$' + format(datum.value / 1e3, '.0f') + 'K' : "
                                "'$' + format(datum.value, ',.0f')")
PERCENT_AXIS = alt.Axis(format=".0%")


def theme() -> dict:
    return {"config": {
        "font": "sans-serif",
        "range": {"category": PALETTE},
        "title": {"fontSize": 15, "anchor": "start", "fontWeight": 600},
        "axis": {"labelFontSize": 12, "titleFontSize": 12, "gridColor": "#e6e6e6"},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
        "view": {"stroke": None},
    }}


def register() -> None:
    """Register and enable the AutoRevOps theme (idempotent)."""
    alt.theme.register("autorevops", enable=True)(theme)


def money_bars(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, color: str | None = None,
               horizontal: bool = False, height: int = 300) -> alt.Chart:
    """A bar chart with a money axis; ``color`` stacks by that column."""
    money = (alt.X(f"{y}:Q", title="US$", axis=MONEY_AXIS) if horizontal
             else alt.Y(f"{y}:Q", title="US$", axis=MONEY_AXIS))
    cat = alt.Y(f"{x}:N", title=x_title, sort="-x") if horizontal else alt.X(f"{x}:N", title=x_title, sort=None)
    enc = {"x": money, "y": cat} if horizontal else {"x": cat, "y": money}
    tooltip = [alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{y}:Q", title="US$", format="$,.0f")]
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color.replace("_", " ").capitalize())
        tooltip.append(alt.Tooltip(f"{color}:N"))
    return alt.Chart(df, title=title, height=height).mark_bar().encode(**enc, tooltip=tooltip)
