"""Charts of the attribution & martech ROI page (Altair, the one chart theme).

Builders only: they take the frames of ``shell.attribution_data`` and return charts; no
formulas. No text is drawn in a fixed dark or light colour: a figure beside a mark takes the
mark's status colour (amber or green, readable on both backgrounds) or sits in an axis label,
which Streamlit's light and dark themes colour.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from revops_core import formatting
from revops_core import martech as mt
from revops_core.chart_theme import BLUE, MONEY_AXIS, PERCENT_AXIS, STATUS_COLORS

AGREEMENT = alt.Scale(domain=["Disagree", "Agree"], range=[STATUS_COLORS["amber"], STATUS_COLORS["green"]])
TOOL_STATUS = alt.Scale(domain=["Keep", "Retire candidate"], range=[BLUE, STATUS_COLORS["red"]])


def credits_chart(frame: pd.DataFrame, channels: list[str]) -> alt.Chart:
    """Revenue credited to each channel by each model, the models side by side per channel."""
    models = list(dict.fromkeys(frame.sort_values("model_order")["Model"]))
    return alt.Chart(frame, title="Revenue credited to each channel, six models side by side", height=440).mark_bar(
    ).encode(
        x=alt.X("Channel:N", title="Channel", sort=channels,
                axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, ' ')", labelOverlap=False)),
        xOffset=alt.XOffset("Model:N", sort=models),
        y=alt.Y("Credit:Q", title="Credited revenue (US$)", axis=MONEY_AXIS),
        color=alt.Color("Model:N", title="Model", sort=models),
        tooltip=["Channel", "Model", alt.Tooltip("Credit (US$):N", title="Credit"),
                 alt.Tooltip("Share:N", title="Share of attributed revenue")])


def ranges_chart(ranges: pd.DataFrame) -> alt.LayerChart:
    """Each channel's lowest to highest credit across the models, in amber where they disagree."""
    base = alt.Chart(ranges, height=150 + 34 * len(ranges),
                     title="Lowest to highest credit per channel across the models")
    y = alt.Y("Channel:N", title=None, sort=alt.SortField("order"), axis=alt.Axis(labelLimit=220))
    colour = alt.Color("Models:N", title="Models", scale=AGREEMENT)
    tooltip = ["Channel", "Range", alt.Tooltip("Range / mean:N", title="Range as a share of the mean"), "Models"]
    rule = base.mark_rule(strokeWidth=6, opacity=0.7).encode(
        x=alt.X("Low:Q", title="Credited revenue (US$)", axis=MONEY_AXIS,
                scale=alt.Scale(domain=[0, 1.3 * float(ranges["High"].max())])), x2="High:Q", y=y, color=colour,
        tooltip=tooltip)
    ends = base.transform_fold(["Low", "High"], as_=["end", "value"]).mark_point(filled=True, size=70).encode(
        x="value:Q", y=y, color=colour, tooltip=tooltip)
    labels = base.mark_text(align="left", dx=8, fontSize=12, fontWeight=600).encode(
        x="High:Q", y=y, text="Range:N", color=colour)
    return rule + ends + labels


def utilization_chart(util: pd.DataFrame) -> alt.LayerChart:
    """Active users as a share of licensed users per tool, the retire line dashed; each tool's
    share is written in its axis label ("Legacy email platform · 15%")."""
    frame = util.assign(axis=util["Tool"] + " · " + util["label"])
    order = list(frame.sort_values(["Utilization", "Tool"], ascending=[False, True])["axis"])
    floor = formatting.percent(mt.RETIRE_UTILIZATION_BELOW, 0)
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("Utilization:Q", title="Utilization (% of licensed users active)", axis=PERCENT_AXIS,
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("axis:N", title=None, sort=order, axis=alt.Axis(labelLimit=300)),
        color=alt.Color("Status:N", title="Status", scale=TOOL_STATUS),
        tooltip=["Tool", alt.Tooltip("label:N", title="Utilization"), "Active of licensed", "Status"])
    line = alt.Chart().mark_rule(strokeDash=[4, 4], color=STATUS_COLORS["red"]).encode(
        x=alt.datum(mt.RETIRE_UTILIZATION_BELOW))
    line_text = alt.Chart().mark_text(align="left", dx=4, dy=-6, fontSize=11, color=STATUS_COLORS["red"]).encode(
        x=alt.datum(mt.RETIRE_UTILIZATION_BELOW), y=alt.value(0), text=alt.datum(f"Retire below {floor}"))
    return alt.layer(bars, line, line_text, height=150 + 28 * len(frame),
                     title="Active users as a share of licensed users")
