"""Metric tiles: value, benchmark band in colour and words, change and four-quarter trend."""
from __future__ import annotations

from datetime import date

import streamlit as st

from revops_core import bands, formatting
from revops_core.config import AppConfig
from revops_core.queries.common import change

BADGE_COLORS = {"green": "green", "amber": "orange", "red": "red", "none": "gray"}
BADGE = {status: (color, bands.status_word(status)) for status, color in BADGE_COLORS.items()}
# a value held to the board's plan (rules.yaml ``plan``) rather than a playbook benchmark
PLAN_BADGE = {status: (color, bands.status_word(status, "plan")) for status, color in BADGE_COLORS.items()}


def tile(cfg: AppConfig, key: str, value: float | None, previous: float | None,
         trend: list[float | None], segment: str | None = None, label: str | None = None,
         higher_is_better: bool = True, note: str | None = None, as_of: date | None = None) -> None:
    """One bordered tile for a board metric (``trend`` oldest first, ending with ``value``);
    ``note`` is a caption under the band (the figures behind the value). Without a benchmark band
    the value is held to the board's plan at ``as_of`` (``bands.evaluate``)."""
    kind = cfg.labels.metrics[key].format if key in cfg.labels.metrics else "count"
    band = bands.evaluate(cfg, key, value, segment, as_of)
    delta = change(value, previous)
    with st.container(border=True):
        st.metric(label or cfg.metric_label(key), formatting.fmt(kind, value),
                  **delta_args(kind, delta, higher_is_better),
                  delta_description="vs last quarter" if delta is not None else None,
                  chart_data=[float(v) for v in trend if v is not None] or None,  # n/a points left out, not drawn as 0
                  chart_type="line", help=band.benchmark or None)
        st.markdown(band_markdown(band))
        if note:
            st.caption(note)


def verdict_tile(label: str, verdict: str, status: str, words: str, trend: list[float | None],
                 help_text: str | None = None) -> None:
    """A bordered tile for a pass / fail test such as "four quarters in a row": the verdict, the
    values tested as a trend (oldest first), and a coloured badge with the test in words."""
    color, word = BADGE[status]
    with st.container(border=True):
        st.metric(label, verdict, chart_data=[float(v) for v in trend if v is not None] or None,
                  chart_type="line", help=help_text)
        st.markdown(f":{color}-badge[{word}] {words}")


def band_markdown(band: bands.BandResult) -> str:
    """The band as a coloured word badge followed by its label in plain (wrapping) text."""
    color, word = band_badge(band)
    if band.status == "none" and not band.benchmark:
        return ":gray-badge[No benchmark] tracked without a target or plan"
    return f":{color}-badge[{word}] {band.label}"


def band_badge(band: bands.BandResult) -> tuple[str, str]:
    """(badge colour, word) of a band: "On target" against a benchmark, "On plan" against the plan."""
    return (PLAN_BADGE if band.source == "plan" else BADGE)[band.status]


def band_words(band: bands.BandResult) -> str:
    """The band in words for a table cell: "Watch: between 4.0x and 6.0x"."""
    return f"{band_badge(band)[1]}: {band.label}"


def delta_args(kind: str, delta: float | None, higher_is_better: bool = True) -> dict[str, object]:
    """``st.metric`` delta arguments: a signed change in colour, or "no change" without arrow or colour."""
    if delta is None:
        return {"delta": None}
    if formatting.is_no_change(kind, delta):
        return {"delta": formatting.NO_CHANGE, "delta_color": "off", "delta_arrow": "off"}
    return {"delta": formatting.signed_delta(kind, delta), "delta_color": "normal" if higher_is_better else "inverse"}
