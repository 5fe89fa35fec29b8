"""Ecosystem scorecard: every KPI per dealer, dealer group or region over a window, composite
score, quartile and trend; the journey x segment heat map; the lead-handling funnel."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from revops_core import formatting
from revops_core import scorecard as sc
from revops_core.queries.scorecard import LEVELS
from shell import access, charts, data, filters, tables
from shell import scorecard_data as sd

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
    st.info(f"Shared view for dealer group **{viewer.dealer_group}**: your dealers by name and your own totals; "
            "every other dealer or group appears only as an anonymous peer (\"Peer 3\") with its scores, "
            "so you can see where you stand without seeing anyone else's name.", icon=":material/lock:")

span = sd.lead_range(f.url, f.version)
if span is None:
    st.info("No leads in the database yet: import `dealers.csv`, `leads.csv` and `touchpoints.csv` on the "
            "Data page, or load the sample company.")
    st.stop()
default_start, default_end = sc.default_window(f.as_of, span)

c1, c2, c3, c4 = st.columns([1, 1, 1, 1.4])
levels = list(LEVELS) if viewer.sees_everything else ["dealer", "dealer_group"]  # a region mixes groups
level = c1.selectbox("Compare", levels, format_func=sc.LEVEL_LABELS.get, key="eco_level")
start = c2.date_input("From", value=default_start, format="YYYY-MM-DD", key="eco_start",
                      help="First day of the window (inclusive). Default: the 90 days to the as-of date "
                           "or to the last lead, whichever is earlier.")
end = c3.date_input("To (inclusive)", value=default_end, format="YYYY-MM-DD", key="eco_end",
                    help="Last day of the window: a lead created at 23:59 on this day counts.")
journey = c4.selectbox("Journey", [None, *eco.journeys], key="eco_journey",
                       format_func=lambda j: "All journeys" if j is None else journey_label.get(j, j),
                       help="Narrows the lead figures. Dealer-month figures have no journey and stay whole.")
if start is None or end is None or start > end:
    st.warning("Choose a window whose first day is on or before its last day.")
    st.stop()

card = sd.scorecard(f.url, f.version, start, end, level, journey)  # every peer: scores are relative to them
if not viewer.sees_everything:
    shared = sc.share_with(card, sd.own_entities(f.url, f.version, level, viewer.scope))
    card, own_card = shared.table, shared.own
else:
    own_card = card
steps = own_card.funnel()  # every entity the viewer may see, from the scorecard's own SQL counts
totals = own_card.totals()
by_step = {s.step: s for s in steps}
st.caption(f"Window **{start:%d %b %Y} – {end:%d %b %Y}** ({sc.months_touched(start, end)} calendar months); "
           f"trend against **{card.previous_start:%d %b %Y} – {card.previous_end:%d %b %Y}**.")

m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("Leads", formatting.count(totals["leads"]))
m2.metric("Answered within SLA", formatting.percent(by_step["answered_in_sla"].share_of_leads),
          help=f"Answered within {eco.response_sla_minutes:g} minutes of creation; unanswered leads count as missed.")
m3.metric("Conversion rate", formatting.percent(by_step["sold"].share_of_leads))
m4.metric("Revenue", formatting.money(totals["revenue"]), help="Sold revenue of the leads created in the window.")
m5.metric("Marketing-sourced", formatting.percent(totals["sourced_share"]),
          help="Share of the revenue from leads whose first touch (up to the sale) was by "
               f"{', '.join(eco.marketing_parties)}; influenced by any such touch: "
               f"{formatting.percent(totals['influenced_share'])}.")

# --- the scorecard table -------------------------------------------------------------------------
st.subheader(f"Scorecard by {sc.LEVEL_LABELS[level].lower()}")
if not card.rows:
    st.info("No dealers in the database: import `dealers.csv` first.")
else:
    if not totals["leads"]:
        st.info("No leads were created in this window; only the dealer-month figures are filled.")
    tables.show(sd.styled(sd.table(card)), hide_index=True, width="stretch", height=min(38 + 35 * len(card.rows), 460),
                 column_config={"Rank": st.column_config.NumberColumn("Rank", width="small")})
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
segment = h1.radio("Segment", ["region", "dealer_group"], format_func=sc.LEVEL_LABELS.get, horizontal=True,
                   key="eco_heat_segment")
MEASURES = {  # colour-by option -> (label, value format, cell label, legend title)
    "conversion_rate": ("Conversion rate", ".0%", lambda c: formatting.percent(c.conversion_rate, 0),
                        "Conversion rate"),
    "sourced_share": ("Marketing-sourced share of revenue", ".0%", lambda c: formatting.percent(c.sourced_share, 0),
                      "Sourced share"),
    "revenue_per_lead": ("Revenue per lead (US$)", "$,.0f", lambda c: formatting.money(c.revenue_per_lead),
                         "US$ per lead"),
}
value = h2.radio("Colour by", list(MEASURES), horizontal=True, key="eco_heat_value",
                 format_func=lambda m: MEASURES[m][0].removesuffix(" (US$)"))
cells = sd.heatmap(f.url, f.version, start, end, segment, viewer.scope)
if not cells:
    st.info("No leads were created in this window, so there is nothing to map.")
else:
    seg_title = sc.LEVEL_LABELS[segment]
    title, value_format, cell_label, legend_title = MEASURES[value]
    frame = pd.DataFrame([{
        "Journey": journey_label.get(c.journey, c.journey), seg_title: c.segment, "value": getattr(c, value),
        "label": cell_label(c),
        "Leads": formatting.count(c.leads), "Sold": formatting.count(c.sold), "Revenue": formatting.money(c.revenue),
        "Conversion rate": formatting.percent(c.conversion_rate),
        "Marketing-sourced revenue": formatting.money(c.sourced_revenue),
        "Sourced share": formatting.percent(c.sourced_share),
        "Revenue per lead": formatting.money(c.revenue_per_lead)} for c in cells])
    rows_shown = int(frame[seg_title].nunique())
    legend = alt.Legend(format=value_format, title=legend_title,
                        orient="right", gradientLength=max(60, 34 * rows_shown - 10))
    base = alt.Chart(frame, title=f"{title} by journey and {seg_title.lower()}", height=130 + 34 * rows_shown)
    heat = base.mark_rect().encode(
        x=alt.X("Journey:N", title="Journey", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y(f"{seg_title}:N", title=seg_title, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("value:Q", title=None, scale=alt.Scale(scheme="blues"), legend=legend),
        tooltip=["Journey", seg_title, "Leads", "Sold", "Conversion rate", "Revenue", "Marketing-sourced revenue",
                 "Sourced share", "Revenue per lead"])
    text = base.mark_text(fontSize=12).encode(
        x="Journey:N", y=f"{seg_title}:N", text="label:N",
        color=alt.condition(alt.datum.value > frame["value"].max() * 0.6, alt.value("white"), alt.value("#222")))
    st.altair_chart(heat + text, width="stretch")
    st.caption("Coloured by **conversion rate** (sold / leads) by default: it compares segments within a journey "
               "on the same footing, whereas revenue per lead is dominated by the journey's ticket size (a fleet "
               "deal against a service visit) and mostly shows the journey mix. **Marketing-sourced share** is the "
               "part of the revenue whose first touch before the sale came from "
               f"{' or '.join(eco.marketing_parties)}: where "
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
    frame = pd.DataFrame([{"Step": s.label, "Leads": s.count, "order": i,
                           "label": f"{formatting.count(s.count)} ({formatting.percent(s.share_of_leads)})"}
                          for i, s in enumerate(funnel_steps)])
    base = alt.Chart(frame, title="Leads reaching each step (share of all leads)", height=260)
    bars = base.mark_bar(color=charts.PALETTE[0]).encode(
        x=alt.X("Leads:Q", title="Leads (count)"),
        y=alt.Y("Step:N", title=None, sort=alt.SortField("order"), axis=alt.Axis(labelLimit=220)),
        tooltip=["Step", alt.Tooltip("label:N", title="Leads")])
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(
        x="Leads:Q", y=alt.Y("Step:N", sort=alt.SortField("order")), text="label:N")
    st.altair_chart(bars + labels, width="stretch")
    st.caption("Each step counts the leads created in the window that reached it, so the shares equal the "
               "scorecard's rates; a lead answered after the SLA can still reach a test drive, so the steps "
               "need not shrink one by one.")
