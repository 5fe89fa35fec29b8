"""Connected vehicle & software: attach rate, subscription ARR, ARR per vehicle, subscription share."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from revops_core import formatting
from revops_core.software import target_range
from shell import charts, data, filters, software_data, tables
from shell.tiles import tile

f = filters.get()
cfg = data.config()

st.title("Connected vehicle & software")
MONTHS = {12: "12 months", 24: "24 months", 36: "36 months"}
filters.link_notice([filters.Bound("sw_months", "Months shown", tuple(MONTHS.values()))])
months = st.segmented_control("Months shown", options=list(MONTHS), default=24, key="sw_months",
                              format_func=MONTHS.get, bind="query-params",
                              help="How many months, ending with the as-of date's month, the charts show.") or 24
s = software_data.summary(f.url, f.version, f.as_of, months)
st.caption(f"As of **{formatting.date(f.as_of)}**. Monthly figures for the {months} months to "
           f"{formatting.month(f.as_of)}; TTM figures sum the twelve months ending with each month. "
           "Shipments cover every product; segment filters do not apply on this page.")

if not s.has_data:
    st.info("No shipments or revenue in the months up to the as-of date: nothing to show yet. "
            "Import shipments and revenue on the Data page, or pick a later as-of date.")
    st.stop()

frame = s.frame()
frame["month"] = pd.to_datetime(frame["period"] + "-01")
MONTH_X = alt.X("month:T", title="Month", axis=alt.Axis(format="%b %Y", labelAngle=0, labelOverlap=True))
HEIGHT = 320
MONTH_TIP = alt.Tooltip("month:T", title="Month", format="%b %Y")

# --- tiles: the board metrics at D ----------------------------------------------------------
TILES = [("software_attach_rate", s.software_attach_rate, "attach_rate_ttm"),
         ("subscription_arr", s.subscription_arr, "subscription_arr"),
         ("arr_per_subscribed_vehicle", s.arr_per_subscribed_vehicle, "arr_per_subscribed_vehicle"),
         ("subscription_revenue_share", s.subscription_revenue_share, "subscription_share_ttm")]
for col, (key, value, series) in zip(st.columns(4), TILES):
    with col:
        tile(cfg, key, value, None, [None if pd.isna(v) else float(v) for v in frame[series].tail(12)], as_of=f.as_of)
arr_month = formatting.month(pd.Timestamp(s.arr_month + "-01")) if s.arr_month else "no month (no shipments yet)"
st.caption(f"Subscription ARR and ARR per vehicle are read in {arr_month}, "
           "the latest month with shipments on or before the as-of date. Tile sparklines: the last 12 months.")


def band_layer(key: str) -> alt.LayerChart | None:
    """The green benchmark range of ``key`` (config): shaded, with a dashed line at each edge.

    An open-ended range (e.g. "40% and up") is shaded from its floor to the top of the chart.
    """
    low, high = target_range(cfg, key)
    if low is None:
        return None
    text = cfg.benchmarks.metrics[key].text
    band = pd.DataFrame([{"low": low, "high": high if high is not None else low, "band": text}])
    base = alt.Chart(band)
    y2 = alt.Y2("high:Q") if high is not None else alt.value(0)
    rect = base.mark_rect(color=charts.STATUS_COLORS["green"], opacity=0.12).encode(
        y="low:Q", y2=y2, tooltip=alt.Tooltip("band:N", title="Benchmark"))
    edges = pd.DataFrame({"edge": [v for v in (low, high) if v is not None], "band": text})
    rules = alt.Chart(edges).mark_rule(color=charts.STATUS_COLORS["green"], strokeDash=[4, 3]).encode(
        y="edge:Q", tooltip=alt.Tooltip("band:N", title="Benchmark"))
    return alt.layer(rect, rules)


def with_band(chart: alt.Chart, key: str, title: str) -> alt.LayerChart | alt.Chart:
    """``chart`` over the shaded benchmark band of ``key``, titled (title and height on the layer)."""
    band = band_layer(key)
    layered = chart if band is None else alt.layer(band, chart)
    return layered.properties(title=title, height=HEIGHT)


def lines(value_cols: dict[str, str], title: str, y_title: str, axis: alt.Axis, fmt: str,
          key: str) -> alt.LayerChart | alt.Chart:
    """One line per measure (column -> legend name) by month, over the config band of ``key``."""
    long = frame.melt(id_vars=["month"], value_vars=list(value_cols), var_name="measure", value_name="value")
    long["Measure"] = long["measure"].map(value_cols)
    chart = (alt.Chart(long).mark_line(point=True).encode(
        x=MONTH_X, y=alt.Y("value:Q", title=y_title, axis=axis),
        color=alt.Color("Measure:N", title=None, sort=list(value_cols.values())),
        tooltip=[MONTH_TIP, alt.Tooltip("Measure:N"), alt.Tooltip("value:Q", title=y_title, format=fmt)]))
    return with_band(chart, key, title)


left, right = st.columns(2)
with left:
    st.altair_chart(lines({"attach_rate": "This month", "attach_rate_ttm": "TTM at month end"},
                          "Software attach rate (% of units shipped)", "Attach rate (%)", charts.PERCENT_AXIS,
                          ".1%", "software_attach_rate"), width="stretch")
    st.caption(f"Green shading and dashed line: the benchmark ({cfg.benchmarks.metrics['software_attach_rate'].text}).")
with right:
    arr = (alt.Chart(frame, title="Subscription ARR at month end (US$)", height=HEIGHT).mark_bar().encode(
        x=MONTH_X, y=alt.Y("subscription_arr:Q", title="ARR (US$)", axis=charts.MONEY_AXIS),
        tooltip=[MONTH_TIP, alt.Tooltip("subscription_arr:Q", title="ARR", format="$,.0f"),
                 alt.Tooltip("active_subscriptions:Q", title="Active subscriptions", format=",")]))
    st.altair_chart(arr, width="stretch")

left, right = st.columns(2)
with left:
    st.altair_chart(lines({"arr_per_subscribed_vehicle": "ARR per subscribed vehicle"},
                          "ARR per subscribed vehicle (US$ per year)", "US$ per vehicle per year",
                          alt.Axis(format="$,.0f"), "$,.2f", "arr_per_subscribed_vehicle"), width="stretch")
    st.caption("Green shading and dashed lines: the benchmark "
               f"({cfg.benchmarks.metrics['arr_per_subscribed_vehicle'].text}).")
with right:
    st.altair_chart(lines({"subscription_share": "This month", "subscription_share_ttm": "TTM at month end"},
                          "Subscription share of revenue (%)", "Share of revenue (%)", charts.PERCENT_AXIS,
                          ".1%", "subscription_revenue_share"), width="stretch")
    st.caption(f"Software-subscription revenue / all revenue. Green dashed line: the benchmark, "
               f"{cfg.benchmarks.metrics['subscription_revenue_share'].text}.")

side = frame.melt(id_vars=["month"], value_vars=["hardware_revenue", "subscription_arr"], var_name="measure")
side["Measure"] = side["measure"].map({"hardware_revenue": "Hardware revenue (month)",
                                       "subscription_arr": "Software ARR (month end)"})
side["Month"] = side["month"].map(formatting.month)
pair = (alt.Chart(side, title="Hardware revenue vs software ARR by month (US$)", height=HEIGHT).mark_bar().encode(
    x=alt.X("Month:N", title="Month", sort=None, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
    xOffset=alt.XOffset("Measure:N"), y=alt.Y("value:Q", title="US$", axis=charts.MONEY_AXIS),
    color=alt.Color("Measure:N", title=None),
    tooltip=[MONTH_TIP, alt.Tooltip("Measure:N"), alt.Tooltip("value:Q", title="US$", format="$,.0f")]))
st.altair_chart(pair, width="stretch")
st.caption("Hardware revenue is recognized in the month; software ARR is the annualized subscription run-rate "
           "at the month's end, so the two bars compare a month's hardware with a year of software.")

MONEY_COLUMNS = ["Subscription ARR", "Hardware revenue", "Subscription revenue"]
with st.expander("Monthly figures"):
    table = pd.DataFrame({
        "Month": frame["month"].map(formatting.month),
        "Units shipped": frame["units_shipped"].map(formatting.count),
        "Units attached": frame["units_attached"].map(formatting.count),
        "Attach rate": frame["attach_rate"].map(formatting.percent),
        "Attach rate (TTM)": frame["attach_rate_ttm"].map(formatting.percent),
        "Subscription ARR": frame["subscription_arr"],
        "Active subscriptions": frame["active_subscriptions"].map(formatting.count),
        "ARR per subscribed vehicle": frame["arr_per_subscribed_vehicle"].map(formatting.money_precise),
        "Hardware revenue": frame["hardware_revenue"],
        "Subscription revenue": frame["subscription_revenue"],
        "Subscription share": frame["subscription_share"].map(formatting.percent),
        "Subscription share (TTM)": frame["subscription_share_ttm"].map(formatting.percent),
    }).iloc[::-1]
    tables.show(table, money=MONEY_COLUMNS, hide_index=True, width="stretch", placeholder=formatting.DASH,
                column_config={"Month": st.column_config.Column("Month", pinned=True)})
