"""Charts of the ecosystem scorecard page: the journey x segment heat map and the lead-handling
funnel (Altair, the one chart theme; figures formatted by ``revops_core.formatting``).

Builders only: they take the core's cells and steps and return charts; no formulas. Text on the
page background is left to Streamlit's theme (axis labels), so it reads in light and dark; the
only fixed text colours are those written on a heat-map cell, whose colour is the same in both.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import altair as alt
import pandas as pd

from revops_core import chart_theme, formatting
from revops_core import scorecard as sc

HEAT_SEGMENTS = ("region", "dealer_group")
HEAT_MEASURES: dict[str, tuple[str, str]] = {  # colour-by option -> (label, format kind)
    "conversion_rate": ("Conversion rate", "percent"),
    "sourced_share": ("Marketing-sourced share of revenue", "percent"),
    "revenue_per_lead": ("Revenue per lead", "money"),
}
ON_DARK_CELL, ON_PALE_CELL = "#f5f5f5", "#303030"  # text on a heat-map cell (the cell's colour is fixed)


def _cell_text(kind: str) -> Callable[[float | None], str]:
    return (lambda v: formatting.percent(v, 0)) if kind == "percent" else formatting.money


def heatmap_frame(cells: Sequence[sc.HeatmapCell], segment: str, measure: str,
                  journey_label: Mapping[str, str]) -> pd.DataFrame:
    """One row per cell: journey and segment labels, the measure's value and its text, the tooltip figures."""
    seg_title, text = sc.LEVEL_LABELS[segment], _cell_text(HEAT_MEASURES[measure][1])
    return pd.DataFrame([{
        "Journey": journey_label.get(c.journey, c.journey), seg_title: c.segment, "value": getattr(c, measure),
        "label": text(getattr(c, measure)),
        "Leads": formatting.count(c.leads), "Sold": formatting.count(c.sold), "Revenue": formatting.money(c.revenue),
        "Conversion rate": formatting.percent(c.conversion_rate),
        "Marketing-sourced revenue": formatting.money(c.sourced_revenue),
        "Sourced share": formatting.percent(c.sourced_share),
        "Revenue per lead": formatting.money(c.revenue_per_lead)} for c in cells])


def heatmap_chart(frame: pd.DataFrame, segment: str, measure: str) -> alt.LayerChart:
    """Journeys across, segments down, cells coloured by the measure with its value written in."""
    seg_title, (title, kind) = sc.LEVEL_LABELS[segment], HEAT_MEASURES[measure]
    rows_shown = int(frame[seg_title].nunique())
    legend_labels = {"format": ".0%"} if kind == "percent" else {"labelExpr": chart_theme.MONEY_LABEL_EXPR}
    legend = alt.Legend(title=title if kind == "percent" else f"{title} (US$)", orient="right",
                        gradientLength=max(60, 34 * rows_shown - 10), **legend_labels)
    base = alt.Chart(frame, title=f"{title} by journey and {seg_title.lower()}", height=130 + 34 * rows_shown)
    heat = base.mark_rect().encode(
        x=alt.X("Journey:N", title="Journey", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y(f"{seg_title}:N", title=seg_title, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("value:Q", title=None, scale=alt.Scale(scheme="blues"), legend=legend),
        tooltip=["Journey", seg_title, "Leads", "Sold", "Conversion rate", "Revenue", "Marketing-sourced revenue",
                 "Sourced share", "Revenue per lead"])
    values = frame["value"].dropna()
    middle = float(values.min() + values.max()) / 2 if len(values) else 0.0  # the colour scale's midpoint
    text = base.mark_text(fontSize=12).encode(
        x="Journey:N", y=f"{seg_title}:N", text="label:N",
        color=alt.condition(alt.datum.value > middle, alt.value(ON_DARK_CELL), alt.value(ON_PALE_CELL)))
    return heat + text


def funnel_chart(steps: Sequence[sc.FunnelStep]) -> alt.Chart:
    """Leads reaching each step as bars; each step's count and share are written in its axis label
    (axis labels take the theme's text colour, so they read in light and dark)."""
    frame = pd.DataFrame([{
        "Step": s.label, "Leads": s.count, "order": i,
        "Reached": f"{formatting.count(s.count)} ({formatting.percent(s.share_of_leads)})",
        "axis": f"{s.label}: {formatting.count(s.count)} ({formatting.percent(s.share_of_leads)})"}
        for i, s in enumerate(steps)])
    return alt.Chart(frame, title="Leads reaching each step (share of all leads)", height=260).mark_bar(
        color=chart_theme.BLUE).encode(
        x=alt.X("Leads:Q", title="Leads (count)"),
        y=alt.Y("axis:N", title=None, sort=alt.SortField("order"), axis=alt.Axis(labelLimit=320)),
        tooltip=["Step", alt.Tooltip("Reached:N", title="Leads")])
