"""Attribution & martech ROI: channel credit under six models side by side, each channel's range
across them, martech ROI overall / by journey / by segment, tool utilization, overlap and
retire candidates."""
from __future__ import annotations

import streamlit as st

from revops_core import formatting
from revops_core import martech as mt
from revops_core.attribution_report import disagreement_rule
from shell import attribution_charts as acharts
from shell import attribution_data as ad
from shell import data, filters, window_picker

f = filters.get()
cfg = data.config()
eco = cfg.rules.ecosystem
journey_label = {j: cfg.label("journeys", j) for j in eco.journeys} | {mt.UNASSIGNED: "Not assigned to a journey"}

st.title("Attribution & martech ROI")
st.caption("Which channels of the ecosystem (OEM, media, dealers, finance partners) earn the revenue of the sales in "
           "the window, under six attribution models, and whether the martech stack pays for itself.")

window_picker.notice(window_picker.link_problems("attr", {  # before the widgets drop what they cannot use
    "attr_segment": ("By segment", list(mt.SEGMENT_LEVELS.values()), next(iter(mt.SEGMENT_LEVELS.values()))),
    "attr_tools_all": ("Every column", ["true", "false"], "false")}))
picked = window_picker.pick("attr", f.as_of, "a sale")
if not picked.valid:
    st.warning("Choose a window whose first day is on or before its last day.")
    st.stop()
start, end = picked.start, picked.end

rep = ad.report(f.url, f.version, start, end)
roi = ad.martech(f.url, f.version, start, end)
st.caption(f"{window_picker.caption(picked)} ({formatting.count(roi.days)} days). Heuristic models credit "
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
    st.altair_chart(acharts.credits_chart(ad.credits_frame(rep), list(rep.channels)), width="stretch")
    st.caption(f"First and last touch give a sale to one touchpoint; linear shares it equally; time decay weighs a "
               f"touch by 2^(−days before the sale / {eco.time_decay_half_life_days:g}); position-based gives 40% to "
               "the first and the last touch and shares 20% among the middle ones; Markov shares revenue by each "
               "channel's removal effect on the probability that a lead converts.")
    for note in rep.notes:
        st.info(note)

    # --- each channel's range across models ------------------------------------------------------
    st.subheader("Each channel's range across models")
    n_disagree, rule = len(rep.disagreements), disagreement_rule(rep.disagreement_share)
    if n_disagree:
        st.badge(f"Models disagree on {n_disagree} of {len(rep.ranges)} channels", color="orange",
                 icon=":material/warning:")
    else:
        st.badge(f"Models agree on all {len(rep.ranges)} channels", color="green", icon=":material/check:")
    st.altair_chart(acharts.ranges_chart(ad.ranges_frame(rep)), width="stretch")
    st.caption(f"**The rule**: {rule} (`ecosystem.disagreement_share` in config/rules.yaml). A rule relative to "
               "the channel's own size: a flag marks a channel whose credit really depends on the model chosen.")
    ad.show(ad.ranges_table(rep), ad.RANGES_MONEY, "Models",
            column_config={"Range / mean": st.column_config.TextColumn(
                "Range / mean", help="Highest minus lowest credit, as a share of the channel's mean credit")})
    if n_disagree:
        st.markdown("**Where the models disagree** — no model is the truth here: **the range is the honest "
                    "answer**, and a budget decision should hold across it.")
        st.markdown("\n".join(f"- {text}" for text in rep.disagreements))
    else:
        st.markdown("No channel's range is wide enough to flag, so any of the models tells the same story.")

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
    ad.show(ad.roi_table(roi.by_journey, "Journey", journey_label), ad.ROI_MONEY, "Pays back?")
    st.caption("A tool's cost is split evenly over the journeys it serves; a journey's revenue is the attributed "
               "revenue of its sales.")
    level = st.radio("By segment", list(mt.SEGMENT_LEVELS), format_func=mt.SEGMENT_LEVELS.get, horizontal=True,
                     key="attr_segment", bind="query-params")
    lines = roi.by_segment[level]
    if not lines:
        st.info("No leads or sales in this window to share the cost by.")
    else:
        ad.show(ad.roi_table(lines, mt.SEGMENT_LEVELS[level], with_leads=True), ad.ROI_MONEY, "Pays back?",
                height=min(38 + 35 * len(lines), 420))
    st.caption("The stack's cost is shared by each segment's share of the leads created in the window.")

    # --- the tool stack ------------------------------------------------------------------------
    st.subheader("Tool utilization, overlap and retire candidates")
    util = ad.utilization_frame(roi)
    if not util.empty:
        st.altair_chart(acharts.utilization_chart(util), width="stretch")
    every = st.toggle("Every column", key="attr_tools_all", bind="query-params",
                      help="Add the active and licensed users, the cost in this window and the journeys served.")
    ad.show(ad.tools_table(roi, cfg), ad.TOOLS_MONEY, "Status", height=38 + 35 * len(roi.tools),
            column_order=None if every else ad.TOOLS_FIRST)

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
        st.markdown("\n".join(ad.candidate_lines(roi, cfg)))
    else:
        st.badge("No retire candidates", color="green")
    st.caption(f"A tool is a retire candidate when fewer than {formatting.percent(mt.RETIRE_UTILIZATION_BELOW, 0)} "
               f"of its licensed users are active, or when it shares a category with a better-used tool while "
               f"under {formatting.percent(mt.REDUNDANT_UTILIZATION_BELOW, 0)} used itself. The money freed is their "
               "annual cost.")
