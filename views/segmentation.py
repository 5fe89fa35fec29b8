"""Four-buyer segmentation: pipeline by stage, coverage, win rate, sales cycle, drill-down."""
from __future__ import annotations

import altair as alt
import streamlit as st

from revops_core import bands, formatting
from revops_core.queries.pipeline import DRILLDOWNS
from shell import charts, data, filters, tables
from shell.tiles import band_markdown

f = filters.get()
cfg = data.config()
m = data.board_metrics(f.url, f.version, f.as_of)

st.title("Four-buyer segmentation")
st.caption(f"As of **{f.as_of:%d %B %Y}**. Coverage horizon: the four calendar quarters starting with the "
           "as-of date's quarter. Win rate and sales cycle: deals closed in the twelve months to the as-of date.")

if not f.segments:
    st.info("No segment selected: choose at least one segment in the sidebar.")
    st.stop()

stage_df = data.pipeline_by_stage(f.url, f.version, f.as_of, f.segments)
if stage_df.empty:
    st.info("No open opportunities close within the coverage horizon for the selected segments.")
else:
    stage_df = stage_df.assign(Segment=stage_df.segment.map(lambda s: cfg.label("segments", s)))
    chart = (alt.Chart(stage_df, title="Open pipeline in the coverage horizon, by stage (US$)", height=280)
             .mark_bar().encode(
                 x=alt.X("amount:Q", title="US$", axis=charts.MONEY_AXIS, stack="zero"),
                 y=alt.Y("Segment:N", title=None, axis=alt.Axis(labelLimit=220)),
                 color=alt.Color("stage:N", title="Stage"),
                 tooltip=[alt.Tooltip("Segment:N"), alt.Tooltip("stage:N", title="Stage"),
                          alt.Tooltip("amount:Q", title="Amount", format="$,.0f"),
                          alt.Tooltip("opportunities:Q", title="Opportunities")]))
    st.altair_chart(chart, width="stretch")

for seg in f.segments:
    label = cfg.label("segments", seg)
    detail = m.coverage_detail[seg]
    cov_band = bands.evaluate(cfg, "pipeline_coverage", m.pipeline_coverage[seg], seg)
    cyc_band = bands.evaluate(cfg, "sales_cycle_days", m.sales_cycle_days[seg], seg)
    win_band = bands.evaluate(cfg, "win_rate", m.win_rate[seg], seg)
    with st.container(border=True):
        st.subheader(label)
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Open pipeline (horizon)", formatting.money(detail.open_amount))
        c2.metric("Pipeline coverage", "quota met" if detail.quota_met else formatting.ratio(m.pipeline_coverage[seg]),
                  help=f"open / (quota {formatting.money(detail.quota)} − won {formatting.money(detail.won)})")
        c2.markdown(band_markdown(cov_band))
        c3.metric("Win rate (TTM)", formatting.percent(m.win_rate[seg]))
        c3.markdown(band_markdown(win_band))
        c4.metric("Sales cycle (median)", formatting.months_of_days(m.sales_cycle_days[seg]),
                  help=f"{formatting.days(m.sales_cycle_days[seg])}: median of close date − created date over "
                       "deals won in the twelve months to the as-of date.")
        c4.markdown(band_markdown(cyc_band))
        figure = st.selectbox("Show the opportunities behind", list(DRILLDOWNS), format_func=DRILLDOWNS.get,
                              key=f"seg_drill_{seg}")
        rows, total = data.drilldown(f.url, f.version, f.as_of, seg, figure)
        if rows.empty:
            st.caption("No opportunities behind this figure.")
        else:
            st.caption(f"{total:,} opportunities" + (f" (largest {len(rows):,} shown)" if total > len(rows) else ""))
            tables.show(rows, hide_index=True, width="stretch", column_config={
                "amount": st.column_config.NumberColumn("Amount", format="dollar"),
                "opportunity_id": "Opportunity", "account": "Account", "product": "Product", "stage": "Stage",
                "status": "Status", "created_date": "Created", "close_date": "Close date",
                "cycle_days": st.column_config.NumberColumn("Cycle (days)"), "is_rfq": "RFQ",
                "powertrain": "Powertrain", "owner": "Owner", "esa_owner": "E-SA", "forecast_category": "Forecast"})
