"""Ecosystem scorecard: every KPI per dealer, dealer group or region over a window, composite
score, quartile and trend; the journey x segment heat map; the lead-handling funnel."""
from __future__ import annotations

import streamlit as st

from revops_core import formatting
from revops_core import scorecard as sc
from revops_core import scorecard_export as se
from shell import access, data, filters, window_picker
from shell import scorecard_charts as scharts
from shell import scorecard_data as sd
from shell.scorecard_charts import HEAT_MEASURES, HEAT_SEGMENTS

f = filters.get()
viewer = access.viewer()
cfg = data.config()
eco = cfg.rules.ecosystem
journey_label = {j: cfg.label("journeys", j) for j in eco.journeys}

st.title("Ecosystem scorecard")
st.caption("How each dealer, dealer group or region handles the leads the ecosystem (OEM, media, dealers, "
           "finance partners) creates, and what they turn into. Leads count when they were created in the "
           "window; dealer-month figures (retention, CSAT, campaigns, cost to serve) when their month starts in it.")
if not viewer.sees_everything:
    st.info(f"Shared view for {viewer.describe().removesuffix(' and anonymous peers')}: your dealers by name and "
            "your own totals; every other dealer, group or region appears only as an anonymous peer (\"Peer A\") "
            "with its scores, quartile and rates, never its counts or money, and only when at least "
            f"{cfg.users.min_peers} others are there to compare with.", icon=":material/lock:")

span = sd.lead_range(f.url, f.version)
if span is None:
    st.info("No leads in the database yet: import `dealers.csv`, `leads.csv` and `touchpoints.csv` on the "
            "Data page, or load the sample company.")
    st.stop()
levels = list(sc.levels_for(viewer.scope))  # a dealer group (region) compares its dealers and its own level
journeys: list[str | None] = [None, *eco.journeys]


def journey_text(j: str | None) -> str:
    return "All journeys" if j is None else journey_label.get(j, j)


window_picker.notice(window_picker.link_problems("eco", {  # before the widgets drop what they cannot use
    "eco_level": ("Compare", [sc.LEVEL_LABELS[lv] for lv in levels], sc.LEVEL_LABELS[levels[0]]),
    "eco_journey": ("Journey", [journey_text(j) for j in journeys], journey_text(None)),
    "eco_heat_segment": ("Segment", [sc.LEVEL_LABELS[s] for s in HEAT_SEGMENTS], sc.LEVEL_LABELS[HEAT_SEGMENTS[0]]),
    "eco_heat_value": ("Colour by", [m[0] for m in HEAT_MEASURES.values()], HEAT_MEASURES["conversion_rate"][0])}))
c1, c2 = st.columns([1, 1.4])
level = c1.selectbox("Compare", levels, format_func=sc.LEVEL_LABELS.get, key="eco_level", bind="query-params")
journey = c2.selectbox("Journey", journeys, key="eco_journey", format_func=journey_text, bind="query-params",
                       help="Narrows the lead figures. Dealer-month figures have no journey and stay whole.")
picked = window_picker.pick("eco", f.as_of, "a lead created")
if not picked.valid:
    st.warning("Choose a window whose first day is on or before its last day.")
    st.stop()
start, end = picked.start, picked.end

shared = sd.shared_scorecard(f.url, f.version, start, end, level, journey, viewer.scope)  # peers anonymous
card, own_card = shared.table, shared.own
steps = own_card.funnel()  # every entity the viewer may see, from the scorecard's own SQL counts
totals = own_card.totals()
by_step = {s.step: s for s in steps}
st.caption(f"{window_picker.caption(picked)} ({sc.months_touched(start, end)} calendar months); trend against "
           f"**{formatting.date(card.previous_start)} – {formatting.date(card.previous_end)}**.")

m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("Leads", formatting.count(totals["leads"]))
m2.metric("Answered within SLA", formatting.percent(by_step["answered_in_sla"].share_of_leads),
          help=f"Answered within {eco.response_sla_minutes:g} minutes of creation; unanswered leads count as missed.")
m3.metric("Conversion rate", formatting.percent(by_step["sold"].share_of_leads))
m4.metric("Revenue", formatting.money(totals["revenue"]), help="Sold revenue of the leads created in the window.")
m5.metric("Marketing-sourced", formatting.percent(totals["sourced_share"]),
          help="Share of the revenue from leads whose first touch (up to the sale) was by "
               f"{sd.parties_text(cfg)}; influenced by any such touch: "
               f"{formatting.percent(totals['influenced_share'])}.")

# --- the scorecard table -------------------------------------------------------------------------
st.subheader(f"Scorecard by {sc.LEVEL_LABELS[level].lower()}")
if not card.rows:
    st.info("No dealers in the database: import `dealers.csv` first.")
else:
    if not totals["leads"]:
        st.info("No leads were created in this window; only the dealer-month figures are filled.")
    more = st.multiselect("More columns", sd.more_columns(level), key="eco_columns", bind="query-params",
                          placeholder="Add KPIs to the table…",
                          help="Rank and name stay pinned on the left; the table opens with the score, the "
                               "quartile, the trend and the lead figures a reader needs first.")
    sd.show_table(card, more)
    if not shared.peers_shown:
        st.info(f"Not enough peers to compare: fewer than {cfg.users.min_peers} other "
                f"{sc.LEVEL_LABELS[level].lower()}s, so no peer is shown and your rows carry no score against them.")
    view = se.ScorecardView(level, journey, start, end, f.as_of)
    sd.downloads(f.url, f.version, view, viewer)  # one-page PDF, CSV and Excel of what this viewer sees
    if viewer.admin:
        sd.share_form(f.url, f.version, view, viewer)
    weights = ", ".join(f"{sc.KPI_LABELS[k][0]} {w:.0%}" for k, w in eco.weights.items() if w > 0)
    lower = ", ".join(sc.KPI_LABELS[k][0] for k in eco.lower_is_better if k in sc.KPI_LABELS)
    st.caption(
        f"**Composite score (0–100)**: for each weighted KPI, the share of peers at the same level with a worse "
        f"value (ties count half; lower is better for {lower}), averaged with the weights {weights}. A KPI that "
        "is n/a for an entity, or has no peer to compare with, is left out and the other weights rescaled. "
        "**Quartile** 1 is the top quarter of scores. **Trend**: change of the composite score against the "
        "previous window of the same length. n/a = the denominator is zero.")

# --- journey x segment heat map ------------------------------------------------------------------
st.subheader("Where the ecosystem converts: journey × segment")
h1, h2 = st.columns(2)
segment = h1.radio("Segment", HEAT_SEGMENTS, format_func=sc.LEVEL_LABELS.get, horizontal=True,
                   key="eco_heat_segment", bind="query-params")
value = h2.radio("Colour by", list(HEAT_MEASURES), horizontal=True, key="eco_heat_value", bind="query-params",
                 format_func=lambda m: HEAT_MEASURES[m][0])
cells = sd.heatmap(f.url, f.version, start, end, segment, viewer.scope)
if not cells:
    st.info("No leads were created in this window, so there is nothing to map.")
else:
    frame = scharts.heatmap_frame(cells, segment, value, journey_label)
    st.altair_chart(scharts.heatmap_chart(frame, segment, value), width="stretch")
    st.caption("Coloured by **conversion rate** (sold / leads) by default: it compares segments within a journey "
               "on the same footing, whereas revenue per lead is dominated by the journey's ticket size (a fleet "
               "deal against a service visit) and mostly shows the journey mix. **Marketing-sourced share** is the "
               f"part of the revenue whose first touch before the sale came from {sd.parties_text(cfg)}: where "
               "martech creates the value, and where dealers sell without it. Pale cells in a row are the gaps "
               "to close; blank cells had no leads. All journeys are shown here whatever the journey filter.")

# --- lead-handling funnel -----------------------------------------------------------------------
st.subheader("Lead-handling funnel")
names = {r.entity: r.name for r in own_card.rows}
who = st.selectbox("For", [None, *names], key="eco_funnel_entity",
                   format_func=lambda e: f"Every {sc.LEVEL_LABELS[level].lower()} shown" if e is None else names[e])
funnel_steps = steps if who is None else sd.funnel(f.url, f.version, start, end, journey, level, who,
                                                  viewer.scope)
if funnel_steps[0].count == 0:
    st.info("No leads were created in this window for this selection.")
else:
    st.altair_chart(scharts.funnel_chart(funnel_steps), width="stretch")
    st.caption("Each step counts the leads created in the window that reached it, so the shares equal the "
               "scorecard's rates; a lead answered after the SLA can still reach a test drive, so the steps "
               "need not shrink one by one.")
