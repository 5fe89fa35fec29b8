"""Charts of the deck rendered offline: Vega-Lite -> PNG with vl-convert (no browser, no network).

The spec gets the export theme (``chart_theme.for_export``: light colours, Source Sans 3) and
the box's size; the shipped font folder is registered with vl-convert once per process. A
family name such as "Source Sans 3" is quoted for the SVG renderer, which otherwise drops a
name with a word that starts with a digit (and every text with it).
"""
from __future__ import annotations

import re
from functools import cache
from typing import Any

import vl_convert as vlc

from revops_core.chart_theme import for_export
from revops_core.deck.layout import FONT_DIR

PX_PER_INCH = 72      # chart font sizes (px) then read as points on the slide
SCALE = 3             # 216 dots per inch
# Type read across a room: larger than the on-screen theme's 12 px.
SLIDE_TYPE = {"axis": {"labelFontSize": 14, "titleFontSize": 14}, "legend": {"labelFontSize": 14},
              "title": {"fontSize": 17, "subtitleFontSize": 14}}


@cache
def _fonts_registered() -> bool:
    vlc.register_font_directory(str(FONT_DIR))
    return True


def css_family(name: str) -> str:
    """A font family as CSS needs it: quoted when a word starts with a digit, a generic fallback after."""
    if name.startswith(("'", '"')):
        return name
    quoted = f"'{name}'" if re.search(r"(^|\s)\d", name) else name
    return f"{quoted}, sans-serif"


def export_spec(spec: dict[str, Any], width_in: float, height_in: float) -> dict[str, Any]:
    """``spec`` themed for export and sized to a box (the whole chart, axes and legend included)."""
    themed = for_export(spec)
    config = {**themed["config"], "font": css_family(str(themed["config"].get("font", "sans-serif")))}
    for key, value in SLIDE_TYPE.items():
        config[key] = {**config.get(key, {}), **value}
    size = {"width": round(width_in * PX_PER_INCH), "height": round(height_in * PX_PER_INCH)}
    return {**themed, "config": config, **size, "autosize": {"type": "fit", "contains": "padding"}}


def chart_png(spec: dict[str, Any], width_in: float, height_in: float) -> bytes:
    """The chart as a PNG for a box of ``width_in`` x ``height_in`` inches."""
    _fonts_registered()
    return vlc.vegalite_to_png(export_spec(spec, width_in, height_in), scale=SCALE)
