"""Operating cadence: the weekly huddle and the printable monthly reconciliation."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from revops_core import chart_theme, formatting
from revops_core.cadence import MISSING_ESA, MonthlyReconciliation, WeeklyHuddle
from revops_core.contract import CERTIFICATIONS, SEGMENTS
from shell import cadence_data, charts, data, filters, records, tables
from shell.tiles import delta_args, tile

f = filters.get()
cfg = data.config()

PRINT_CSS = """<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stBaseButton-headerNoPadding"], [role="tablist"], [data-testid="stHeaderActionElements"] {
    display: none !important; }
  [data-testid="stMain"], [data-testid="stMainBlockContainer"] { padding: 0 !important; margin: 0 !important;
    max-width: 100% !important; }
  [data-testid="stTable"], [data-testid="stDataFrame"], [data-testid="stVegaLiteChart"],
  [data-testid="stMetric"], [data-testid="stVerticalBlockBorderWrapper"], table, figure {
    break-inside: avoid !important; page-break-inside: avoid !important; }
  h2, h3 { break-after: avoid !important; page-break-after: avoid !important; }
}
</style>"""
st.html(PRINT_CSS)

st.title("Operating cadence")
st.caption(f"As of **{formatting.date(f.as_of)}**. An opportunity is open when its status is open and it was created "
           "on or before the as-of date.")


def segment_label(code: str) -> str:
    return cfg.label("segments", code)


def pipeline_table(rows: tuple, with_stage: bool = False) -> pd.DataFrame:  # noqa: ANN001 - PipelineSum rows
    return pd.DataFrame([{"Segment": segment_label(r.segment), **({"Stage": r.stage} if with_stage else {}),
                          "Open pipeline": formatting.money(r.amount),
                          "Opportunities": formatting.count(r.opportunities)} for r in rows])


def huddle_tiles(h: WeeklyHuddle) -> None:
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        tile(cfg, "esa_ratio", h.esa_ratio, None, [], as_of=h.as_of)
    with c2, st.container(border=True):
        st.metric("Deals per E-SA", formatting.ratio_plain(h.opportunities_per_esa),
                  help="Open opportunities per active E-SA: open OEM and Tier-1 opportunities / active E-SAs.")
        st.caption(f"{h.esa_open_opportunities:,} open OEM + Tier-1 opportunities, {h.active_esas} active E-SAs, "
                   f"{h.active_aes} OEM + Tier-1 AEs.")
    with c3, st.container(border=True):
        st.metric("Deals without an E-SA", formatting.count(h.esa_missing),
                  help="Open OEM and Tier-1 opportunities with no E-SA owner.")
        st.badge("All have an E-SA" if not h.esa_missing else MISSING_ESA,
                 color="green" if not h.esa_missing else "red")
    with c4, st.container(border=True):
        st.metric("Open ECOs", formatting.count(len(h.eco_queue)))
        oldest = h.oldest_eco_days
        st.caption(f"Oldest waiting {oldest:,} days." if oldest is not None else "No ECO waiting for a decision.")


def top_oem(h: WeeklyHuddle) -> None:
    st.subheader("Top 25 open OEM opportunities")
    if h.top_oem.empty:
        st.info("No open OEM opportunities at the as-of date.")
        return
    top = h.top_oem
    if h.top_missing_esa:
        st.badge(f"{MISSING_ESA}: {h.top_missing_esa} of these {len(top)} deals have no E-SA owner", color="red",
                 icon=":material/person_off:")
    else:
        st.badge(f"E-SA assigned: all {len(top)} deals have an E-SA owner", color="green")
    table = pd.DataFrame({
        "Opportunity": top["name"].where(top["name"].notna(), top["opportunity_id"]),
        "Account": top["account"].map(formatting.text), "Stage": top["stage"].map(formatting.text),
        "Close date": [formatting.date(d) + (" (passed)" if late else "") for d, late in
                       zip(top["close_date"], top["close_date_passed"])],
        "Amount": top["amount"],
        "Owner": top["owner"].map(formatting.text),
        "E-SA": [f"⚠ {v}" if v == MISSING_ESA else formatting.text(v) for v in top["esa_status"]],
    })
    tables.show(table, money=["Amount"], hide_index=True, width="stretch", height=38 + 35 * len(table),
                column_config={"Opportunity": st.column_config.Column("Opportunity", pinned=True)})


def pipelines(h: WeeklyHuddle) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader("RFQ pipeline")
        if not h.rfq_pipeline:
            st.info("No segment selected.")
        else:
            st.table(pipeline_table(h.rfq_pipeline).set_index("Segment"))
            st.caption("Open opportunities flagged as RFQs, per segment (sum of lifetime contract value).")
    with right:
        st.subheader("Dealer + fleet pipeline")
        if not h.dealer_fleet_pipeline:
            st.info("No open dealer + aftermarket or fleet opportunities for the selected segments.")
            return
        st.altair_chart(dealer_fleet_chart(h), width="stretch")
        st.caption(" · ".join(f"{segment_label(t.segment)}: {formatting.money(t.amount)} in "
                              f"{t.opportunities:,} opportunities" for t in h.dealer_fleet_totals))


def dealer_fleet_chart(h: WeeklyHuddle) -> alt.Chart:
    """Open dealer + fleet pipeline, stages in funnel order (config), segments in their colours."""
    df = pd.DataFrame([{"Segment": segment_label(r.segment), "Stage": r.stage, "amount": r.amount,
                        "opportunities": r.opportunities} for r in h.dealer_fleet_pipeline])
    shown = [s for s in SEGMENTS if any(r.segment == s for r in h.dealer_fleet_pipeline)]
    names = [segment_label(s) for s in shown]
    colors = alt.Scale(domain=names, range=[chart_theme.SEGMENT_COLORS[s] for s in shown])
    return alt.Chart(df, title="Open dealer + fleet pipeline by stage (US$)", height=300).mark_bar().encode(
        x=alt.X("amount:Q", title="Open pipeline (US$)", axis=charts.MONEY_AXIS),
        y=alt.Y("Stage:N", title=None, sort=cfg.rules.ordered_stages(df.Stage), axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("Segment:N", sort=names),
        color=alt.Color("Segment:N", title=None, sort=names, scale=colors),
        tooltip=["Segment:N", "Stage:N", alt.Tooltip("amount:Q", title="Open pipeline", format="$,.0f"),
                 alt.Tooltip("opportunities:Q", title="Opportunities")])


def eco_queue(h: WeeklyHuddle) -> None:
    st.subheader("Open ECO queue")
    q = h.eco_queue
    if q.empty:
        st.info("No engineering change order is waiting for a decision at the as-of date.")
        return
    records.show(q, cfg, statuses="eco_statuses")
    st.caption(f"{len(q)} open ECOs, oldest first (requested, not decided by the as-of date; at most 200 shown).")


def backlog_and_awards(r: MonthlyReconciliation) -> None:
    a = r.awards
    c1, c2, c3 = st.columns(3)
    with c1, st.container(border=True):
        st.metric("Backlog", formatting.money(r.backlog), **delta_args("money", r.backlog_change),
                  delta_description=f"vs {formatting.date(r.previous_month_end)}")
        st.caption(f"Backlog at the previous month end ({formatting.date(r.previous_month_end)}): "
                   f"{formatting.money(r.backlog_previous)}.")
    with c2, st.container(border=True):
        st.metric(f"Awards won in {a.quarter} to date", formatting.money(a.won))
        st.caption(f"{a.awards} award{'s' if a.awards != 1 else ''} dated {formatting.date(a.start)} – "
                   f"{formatting.date(r.as_of)}, "
                   "lifetime value, cancelled awards excluded.")
    with c3, st.container(border=True):
        st.metric(f"Awards target {a.quarter}", formatting.money(a.target) if a.target else formatting.NA)
        words = {"met": ("green", "Target met"), "on_pace": ("green", "On pace"),
                 "behind": ("red", "Behind pace"), "no_target": ("gray", "No target")}[a.pace]
        st.badge(f"{words[1]}: {formatting.percent(a.attainment)} of target" if a.attainment is not None
                 else f"{words[1]}: no quota for this quarter", color=words[0])
        st.caption(f"{formatting.percent(a.elapsed, 0)} of the quarter gone by the as-of date.")
    st.caption(f"Target = {a.target_source} (config holds no separate awards target).")


def eco_revenue(r: MonthlyReconciliation) -> None:
    st.subheader("Approved ECO revenue, last 12 months")
    t = r.eco_trend.assign(month=pd.to_datetime(r.eco_trend["period"] + "-01"))
    revenue, count = r.eco_totals
    if not count:
        st.info("No ECO was approved in the twelve months to the as-of date.")
        return
    t["Month"] = t["month"].map(formatting.month)
    chart = (alt.Chart(t, title="Approved ECO revenue by month of decision (US$)", height=280)
             .mark_bar(color=chart_theme.BLUE).encode(
        x=alt.X("Month:N", title="Month", sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("approved_revenue:Q", title="US$", axis=charts.MONEY_AXIS),
        tooltip=[alt.Tooltip("month:T", title="Month", format="%b %Y"),
                 alt.Tooltip("approved_revenue:Q", title="Approved revenue", format="$,.0f"),
                 alt.Tooltip("approved_ecos:Q", title="Approved ECOs")]))
    st.altair_chart(chart, width="stretch")
    st.caption(f"{count} ECOs approved, {formatting.money(revenue)} of revenue added in the twelve months.")


CERT_STATE = {"valid": ("green", "Valid"), "soon": ("orange", "Expiring soon"), "invalid": ("red", "Not valid")}


def certifications(r: MonthlyReconciliation) -> None:
    st.subheader("Certification status")
    rows, badges = [], []
    for code in CERTIFICATIONS:
        c = r.certifications[code]
        color, word = CERT_STATE["soon" if c.expiring_soon else "valid" if c.valid_at_D else "invalid"]
        badges.append(f":{color}-badge[{cfg.label('certifications', code)}: {word}]")
        rows.append({"Certification": cfg.label("certifications", code),
                     "Status": cfg.label("certification_statuses", c.status), "At the as-of date": word,
                     "Expires": formatting.date(c.expiry_date), "Next audit": formatting.date(c.next_audit_date)})
    st.markdown(" ".join(badges))
    st.table(pd.DataFrame(rows).set_index("Certification"))
    st.caption(f"Expiring soon: valid at the as-of date and expiring within {cfg.rules.expiring_soon_days} days.")


weekly, monthly = st.tabs(["Weekly huddle", "Monthly reconciliation"])
with weekly:
    h = cadence_data.huddle(f.url, f.version, f.as_of, f.segments)
    huddle_tiles(h)
    top_oem(h)
    pipelines(h)
    eco_queue(h)
with monthly:
    st.caption("Use your browser's Print (Ctrl/Cmd+P) for a clean page: the sidebar and toolbar are left out.")
    r = cadence_data.reconciliation(f.url, f.version, f.as_of)
    st.subheader(f"Monthly reconciliation — {formatting.month(f.as_of)}")
    st.markdown("**Backlog and awards**")
    backlog_and_awards(r)
    eco_revenue(r)
    certifications(r)
