"""Attribution & martech ROI: channel credit under six models side by side, each channel's range
across them, martech ROI overall / by journey / by segment, tool utilization, overlap and
retire candidates."""
from __future__ import annotations

import altair as alt
import streamlit as st

from revops_core import formatting
from revops_core import martech as mt
from revops_core.attribution import DISAGREEMENT_THRESHOLD
from revops_core.attribution_report import default_window
from shell import attribution_data as ad, tables
from shell import charts, data, filters

f = filters.get()
cfg = data.config()
eco = cfg.rules.ecosystem
journey_label = {j: cfg.label("journeys", j) for j in eco.journeys} | {mt.UNASSIGNED: "Not assigned to a journey"}

st.title("Attribution & martech ROI")
st.caption("Which channels of the ecosystem (OEM, media, dealers, finance partners) earn the revenue of the sales in "
           "the window, under six attribution models, and whether the martech stack pays for itself.")

default_start, default_end = default_window(f.as_of)
c1, c2, _ = st.columns([1, 1, 2])
start = c1.date_input("From", value=default_start, format="YYYY-MM-DD", key="attr_start",
                      help="First day of the window (inclusive). Default: the 90 days to the as-of date.")
end = c2.date_input("To (inclusive)", value=default_end, format="YYYY-MM-DD", key="attr_end",
                    help="Last day of the window: a sale at 23:59 on this day counts.")
if start is None or end is None or start > end:
    st.warning("Choose a window whose first day is on or before its last day.")
    st.stop()

rep = ad.report(f.url, f.version, start, end)
roi = ad.martech(f.url, f.version, start, end)
st.caption(f"Window **{start:%d %b %Y} – {end:%d %b %Y}** ({formatting.count(roi.days)} days). Heuristic models credit "
           "the sales whose sale date falls in the window, by their touchpoints up to the sale; Markov learns from "
           "the journeys of every lead created in the window, sold or not.")

m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("Attributed revenue", formatting.money(rep.attributed_revenue),
          help="Sold revenue of the window's sales with at least one touchpoint before the sale. Every model's "
               "channel credits add up to this figure.")
m2.metric("Attributed sales", formatting.count(rep.attributed_sales))
m3.metric("Unattributed sales", formatting.count(rep.unattributed_sales),
          help=f"{formatting.money(rep.unattributed_revenue)} of revenue that no channel touched before the sale "
               "(touches after the sale never count); not attributed.")
m4.metric("Martech cost", formatting.money(roi.overall.cost),
          help="Martech cost in the window: each tool's annual cost × days in the window / 365.")
m5.metric("Martech ROI", ad.roi_text(roi.overall.roi),
          help=f"(attributed revenue × gross margin {formatting.percent(eco.gross_margin, 0)} − martech cost) / "
               "martech cost.")

# --- channel credit by model ------------------------------------------------------------------
st.subheader("Channel credit by model")
if not rep.ranges:
    st.info("No sale in this window had a touchpoint before it, so there is no revenue to attribute. "
            "Widen the window or load touchpoints on the Data page.")
else:
    frame = ad.credits_frame(rep)
    order = list(rep.channels)
    models = list(dict.fromkeys(frame.sort_values("model_order")["Model"]))
    bars = alt.Chart(frame, title="Revenue credited to each channel, six models side by side", height=440)
    bars = bars.mark_bar().encode(
        x=alt.X("Channel:N", title="Channel", sort=order,
                axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, ' ')", labelOverlap=False)),
        xOffset=alt.XOffset("Model:N", sort=models),
        y=alt.Y("Credit:Q", title="Credited revenue (US$)", axis=charts.MONEY_AXIS),
        color=alt.Color("Model:N", title="Model", sort=models),
        tooltip=["Channel", "Model", alt.Tooltip("Credit (US$):N", title="Credit"),
                 alt.Tooltip("Share:N", title="Share of attributed revenue")])
    st.altair_chart(bars, width="stretch")
    st.caption(f"First and last touch give a sale to one touchpoint; linear shares it equally; time decay weighs a "
               f"touch by 2^(−days before the sale / {eco.time_decay_half_life_days:g}); position-based gives 40% to "
               "the first and the last touch and shares 20% among the middle ones; Markov shares revenue by each "
               "channel's removal effect on the probability that a lead converts.")
    for note in rep.notes:
        st.info(note)

    # --- each channel's range across models ------------------------------------------------------
    st.subheader("Each channel's range across models")
    ranges = ad.ranges_frame(rep)
    n_disagree = len(rep.disagreements)
    if n_disagree:
        st.badge(f"Models disagree on {n_disagree} of {len(rep.ranges)} channels", color="orange",
                 icon=":material/warning:")
    else:
        st.badge(f"Models agree on all {len(rep.ranges)} channels", color="green", icon=":material/check:")
    base = alt.Chart(ranges, height=150 + 34 * len(ranges),
                     title="Lowest to highest credit per channel across the models")
    y = alt.Y("Channel:N", title=None, sort=alt.SortField("order"))
    colour = alt.Color("Models:N", title="Models", scale=alt.Scale(domain=["Disagree", "Agree"],
                                                                   range=[charts.STATUS_COLORS["amber"],
                                                                          charts.STATUS_COLORS["green"]]))
    rule = base.mark_rule(strokeWidth=6, opacity=0.7).encode(
        x=alt.X("Low:Q", title="Credited revenue (US$)", axis=charts.MONEY_AXIS,
                scale=alt.Scale(domain=[0, 1.25 * float(ranges["High"].max())])), x2="High:Q", y=y, color=colour,
        tooltip=["Channel", "Range", "Models"])
    ends = base.transform_fold(["Low", "High"], as_=["end", "value"]).mark_point(filled=True, size=70).encode(
        x="value:Q", y=y, color=colour, tooltip=["Channel", "Range", "Models"])
    labels = base.mark_text(align="left", dx=8, fontSize=12).encode(x="High:Q", y=y, text="Range:N")
    st.altair_chart(rule + ends + labels, width="stretch")
    tables.show(ad.styled(ad.ranges_table(rep), "Models"), hide_index=True, width="stretch")
    if n_disagree:
        st.markdown(f"**Where the models disagree** (spread above {formatting.percent(DISAGREEMENT_THRESHOLD, 0)} "
                    "of the channel's highest credit) — no model is the truth here: **the range is the honest "
                    "answer**, and a budget decision should hold across it.")
        st.markdown("\n".join(f"- {text}" for text in rep.disagreements))
    else:
        st.markdown(f"The models agree within {formatting.percent(DISAGREEMENT_THRESHOLD, 0)} on every channel, "
                    "so any of them tells the same story.")

# --- martech ROI -----------------------------------------------------------------------------
st.subheader("Martech ROI")
colour, words = ad.roi_status(roi.overall.roi)
st.badge(f"{words}: ROI {ad.roi_text(roi.overall.roi)}", color=colour)
st.markdown(f"Attributed revenue {formatting.money(roi.overall.attributed_revenue)} × gross margin "
            f"{formatting.percent(roi.gross_margin, 0)} = **{formatting.money(roi.overall.margin)}** of margin against "
            f"**{formatting.money(roi.overall.cost)}** of martech cost in the window.")
if not roi.tools:
    st.info("No martech tools are recorded: import `martech_tools.csv` on the Data page to cost the stack.")
else:
    st.markdown("**By journey**")
    tables.show(ad.styled(ad.roi_table(roi.by_journey, "Journey", journey_label), "Pays back?"), hide_index=True,
                 width="stretch")
    st.caption("A tool's cost is split evenly over the journeys it serves; a journey's revenue is the attributed "
               "revenue of its sales.")
    level = st.radio("By segment", list(mt.SEGMENT_LEVELS), format_func=mt.SEGMENT_LEVELS.get, horizontal=True,
                     key="attr_segment")
    lines = roi.by_segment[level]
    if not lines:
        st.info("No leads or sales in this window to share the cost by.")
    else:
        tables.show(ad.styled(ad.roi_table(lines, mt.SEGMENT_LEVELS[level], with_leads=True), "Pays back?"),
                     hide_index=True,
                     width="stretch", height=min(38 + 35 * len(lines), 420))
    st.caption("The stack's cost is shared by each segment's share of the leads created in the window.")

    # --- the tool stack ------------------------------------------------------------------------
    st.subheader("Tool utilization, overlap and retire candidates")
    util = ad.utilization_frame(roi)
    if not util.empty:
        tool_order = list(util.sort_values(["Utilization", "Tool"], ascending=[False, True])["Tool"])
        ubase = alt.Chart(util, height=150 + 28 * len(util),
                          title="Active users as a share of licensed users")
        ubars = ubase.mark_bar().encode(
            x=alt.X("Utilization:Q", title="Utilization (% of licensed users active)", axis=charts.PERCENT_AXIS,
                    scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("Tool:N", title=None, sort=tool_order, axis=alt.Axis(labelLimit=260)),
            color=alt.Color("Status:N", title="Status", scale=alt.Scale(
                domain=["Keep", "Retire candidate"], range=[charts.PALETTE[0], charts.STATUS_COLORS["red"]])),
            tooltip=["Tool", alt.Tooltip("label:N", title="Utilization"), "Active of licensed", "Status"])
        utext = ubase.mark_text(align="left", dx=4, fontSize=12).encode(
            x="Utilization:Q", y=alt.Y("Tool:N", sort=tool_order), text="label:N")
        floor = alt.Chart().mark_rule(strokeDash=[4, 4], color=charts.STATUS_COLORS["red"]).encode(
            x=alt.datum(mt.RETIRE_UTILIZATION_BELOW))
        floor_text = alt.Chart().mark_text(align="left", dx=4, dy=-6, fontSize=11,
                                           color=charts.STATUS_COLORS["red"]).encode(
            x=alt.datum(mt.RETIRE_UTILIZATION_BELOW), y=alt.value(0),
            text=alt.datum(f"Retire below {formatting.percent(mt.RETIRE_UTILIZATION_BELOW, 0)}"))
        st.altair_chart(alt.layer(ubars, utext, floor, floor_text), width="stretch")
    tables.show(ad.styled(ad.tools_table(roi, cfg), "Status"), hide_index=True, width="stretch",
                 height=38 + 35 * len(roi.tools))

    if roi.overlaps:
        st.markdown("**Overlap by category** (more than one tool doing the same job):")
        st.markdown("\n".join(
            f"- **{o.category}**: " + ", ".join(f"{t.name} ({formatting.percent(t.utilization, 0)} used)"
                                                for t in o.tools)
            + f" — {formatting.money(o.annual_cost)} a year together" for o in roi.overlaps))
    else:
        st.markdown("No category has more than one tool.")

    if roi.retire_candidates:
        st.badge(f"{len(roi.retire_candidates)} retire candidates: {formatting.money(roi.money_freed_annual)} a year "
                 f"freed ({formatting.money(roi.money_freed_window)} in this window)", color="orange",
                 icon=":material/savings:")
        st.markdown("\n".join(ad.candidate_lines(roi)))
    else:
        st.badge("No retire candidates", color="green")
    st.caption(f"A tool is a retire candidate when fewer than {formatting.percent(mt.RETIRE_UTILIZATION_BELOW, 0)} "
               f"of its licensed users are active, or when it shares a category with a better-used tool while "
               f"under {formatting.percent(mt.REDUNDANT_UTILIZATION_BELOW, 0)} used itself. The money freed is their "
               "annual cost.")
