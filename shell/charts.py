"""The one chart theme and the chart builders pages use (Altair)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from revops_core import chart_theme

# The one chart language lives in the core (exports use it too); re-exported for the pages.
PALETTE, STATUS_COLORS, MONEY_AXIS, PERCENT_AXIS = (chart_theme.PALETTE, chart_theme.STATUS_COLORS,
                                                     chart_theme.MONEY_AXIS, chart_theme.PERCENT_AXIS)
theme = chart_theme.theme


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
