"""The one chart language of the product (Altair / Vega-Lite), for pages and exports alike.

Colours are given once per meaning and used the same way on every chart: a powertrain, a
buyer segment, a band status, a backlog movement or an outlook part always has the same
colour. The on-screen theme sets sizes and the palette but no text, grid or background colour,
so Streamlit's light and dark themes supply those (labels stay readable on a dark
background); exports, which have no Streamlit around them, add ``EXPORT_CONFIG`` (light
colours and the font shipped with the deck).
"""
from __future__ import annotations

from typing import Any

import altair as alt

BLUE, ORANGE, GREEN, RED, TEAL, PURPLE, BROWN, YELLOW = (
    "#1f5aa6", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#9c755f", "#edc948")
PALETTE = [BLUE, ORANGE, GREEN, RED, TEAL, PURPLE, BROWN, YELLOW]
GREY = "#9e9e9e"

STATUS_COLORS = {"green": "#2e7d32", "amber": "#ed8c00", "red": "#c62828", "none": "#757575"}
POWERTRAIN_COLORS = {"ICE": "#7f7f7f", "HEV": ORANGE, "PHEV": "#8cd17d", "BEV": "#2e7d32", "AGNOSTIC": BLUE}
SEGMENT_COLORS = {"OEM": BLUE, "TIER1": TEAL, "DEALER_AFTERMARKET": ORANGE, "FLEET": PURPLE}
MOVEMENT_COLORS = {"level": BLUE, "adds": STATUS_COLORS["green"], "takes": STATUS_COLORS["red"]}
PART_COLORS = {"booked": BLUE, "pipeline": TEAL, "recurring": PURPLE}
PLAN_COLOR = "#616161"        # the plan / reference line: mid grey reads on light and dark
TARGET_COLOR = STATUS_COLORS["red"]

MONEY_LABEL_EXPR = ("abs(datum.value) >= 1e9 ? format(datum.value / 1e9, '$.1f') + 'B' : "
                    "abs(datum.value) >= 1e6 ? format(datum.value / 1e6, '$.1f') + 'M' : "
                    "abs(datum.value) >= 1e3 ? format(datum.value / 1e3, '$.1f') + 'K' : "
                    "format(datum.value, '$,.0f')")


def money_axis(**kwargs: Any) -> alt.Axis:  # noqa: ANN401
    """A money axis labelled like the formatter ($1.2M), whatever its range."""
    return alt.Axis(labelExpr=MONEY_LABEL_EXPR, **kwargs)


MONEY_AXIS = money_axis()
PERCENT_AXIS = alt.Axis(format=".0%")


def theme() -> dict[str, Any]:
    """The on-screen theme: sizes and palette only (colours of text and grid come from Streamlit)."""
    return {"config": {
        "range": {"category": PALETTE},
        "title": {"fontSize": 15, "anchor": "start", "fontWeight": 600},
        "axis": {"labelFontSize": 12, "titleFontSize": 12},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
        "view": {"stroke": None},
    }}


EXPORT_FONT = "Source Sans 3"
EXPORT_CONFIG: dict[str, Any] = {
    "font": EXPORT_FONT, "background": "white",
    "title": {"color": "#212121"},
    "axis": {"labelColor": "#424242", "titleColor": "#424242", "gridColor": "#e6e6e6", "domainColor": "#9e9e9e",
             "tickColor": "#9e9e9e"},
    "legend": {"labelColor": "#424242", "titleColor": "#424242"},
    "text": {"color": "#212121"},
}


def for_export(spec: dict[str, Any]) -> dict[str, Any]:
    """A Vega-Lite spec with the export colours and font under its own config (its own settings win)."""
    config = {**theme()["config"], **EXPORT_CONFIG}
    for key, value in spec.get("config", {}).items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    return {**spec, "config": config}
