"""Every chart on every page speaks the one chart language and reads in the dark theme too.

Streamlit's light and dark themes supply text, grid and background colours to Altair charts;
a chart that fixes its own (a black label, a light grid) is unreadable in one of them. This
opens every page with AppTest and walks each Vega-Lite spec it draws.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


THEME_KEYS = {"labelColor", "titleColor", "gridColor", "domainColor", "tickColor", "background"}
_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")


def _luminance(colour: str) -> float | None:
    """Relative luminance of a #rrggbb or named black/white colour (None for anything else)."""
    named = {"black": 0.0, "white": 1.0}
    if colour.lower() in named:
        return named[colour.lower()]
    found = _HEX.match(colour)
    if not found:
        return None
    r, g, b = (int(found.group(1)[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def problems(node: object, path: str = "") -> list[str]:
    """Theme colours fixed in a spec, and colours that vanish on a dark (or a light) page background.

    A colour picked by a condition (white text on a strongly coloured heat-map cell) is chosen
    against the cell, not the page, and is allowed."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if key == "value" and "condition" in node:
                continue   # the other branch of a condition: also chosen against the cell's fill
            if key in THEME_KEYS:
                found.append(f"{where} = {value!r} fixes a theme colour")
            found += problems(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += problems(value, f"{path}[{i}]")
    elif isinstance(node, str) and ".condition" not in path:   # a colour chosen against a cell's fill is fine
        lum = _luminance(node)
        if lum is not None and (lum < 0.21 or lum > 0.95):
            found.append(f"{path} = {node!r} disappears on a dark or a light background")
    return found


def test_the_walker_finds_what_it_should() -> None:
    spec = {"config": {"axis": {"gridColor": "#e6e6e6"}}, "mark": {"type": "text", "color": "#222222"},
            "encoding": {"color": {"value": "#1f5aa6"}}}
    assert problems(spec) == [".config.axis.gridColor = '#e6e6e6' fixes a theme colour",
                              ".mark.color = '#222222' disappears on a dark or a light background"]


APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = sorted(set(re.findall(r'"(views/\w+\.py)"', APP.read_text(encoding="utf-8"))) - {"views/data_admin.py"})


@pytest.mark.parametrize("page", PAGES)
def test_charts_of_every_page_read_in_both_themes(open_page, page: str) -> None:  # noqa: ANN001
    at = open_page(page)
    specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
    found = [f"chart {i}: {p}" for i, spec in enumerate(specs) for p in problems(spec)]
    assert not found, "\n".join(found)
