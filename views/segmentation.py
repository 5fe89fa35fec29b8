"""Four-buyer segmentation: pipeline by stage, coverage, win rate, sales cycle, drill-down."""
from __future__ import annotations

import altair as alt
import streamlit as st

from revops_core import bands, chart_theme, formatting
from revops_core.contract import SEGMENTS
from revops_core.queries.pipeline import DRILLDOWNS
from shell import charts, data, filters, records
from shell.tiles import band_markdown

f = filters.get()
cfg = data.config()
m = data.board_metrics(f.url, f.version, f.as_of)
DRILL_LEAD = ("opportunity_id", "account", "product", "stage", "amount", "close_date", "forecast_category")

st.title("Four-buyer segmentation")
st.caption(f"As of **{formatting.date(f.as_of)}**. Coverage horizon: the four calendar quarters starting with the "
           "as-of date's quarter. Win rate and sales cycle: deals closed in the twelve months to the as-of date.")

if not f.segments:
    st.info("No segment selected: choose at least one segment in the sidebar.")
    st.stop()
filters.link_notice([filters.Bound(f"seg_drill_{seg}", f"Opportunities behind ({cfg.label('segments', seg)})",
                                   tuple(DRILLDOWNS.values())) for seg in f.segments])


def stage_colors(stages: list[str]) -> list[str]:
    """The funnel as one hue: early stages light, the stage nearest to closing the product's blue."""
    steps = max(len(stages) - 1, 1)
    return [_tint(chart_theme.BLUE, 0.65 * (steps - i) / steps) for i in range(len(stages))]


def _tint(color: str, share: float) -> str:
    """``color`` mixed with ``share`` of white."""
    rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in rgb)


def stage_chart(frame) -> alt.Chart:  # noqa: ANN001 - a DataFrame
    """Open pipeline per segment (four-buyer order), stacked by stage in funnel order (config)."""
    stages = cfg.rules.ordered_stages(frame.stage)
    segments = [cfg.label("segments", s) for s in SEGMENTS if s in set(frame.segment)]
    colors = stage_colors(stages)
    frame = frame.assign(Segment=frame.segment.map(lambda s: cfg.label("segments", s)),
                         order=frame.stage.map(lambda s: stages.index(s)))
    return (alt.Chart(frame, title="Open pipeline in the coverage horizon, by stage (US$)", height=280)
            .mark_bar().encode(
                x=alt.X("amount:Q", title="US$", axis=charts.MONEY_AXIS, stack="zero"),
                y=alt.Y("Segment:N", title=None, sort=segments, axis=alt.Axis(labelLimit=220)),
                color=alt.Color("stage:N", title="Stage", sort=stages, scale=alt.Scale(domain=stages, range=colors)),
                order=alt.Order("order:Q"),
                tooltip=[alt.Tooltip("Segment:N"), alt.Tooltip("stage:N", title="Stage"),
                         alt.Tooltip("amount:Q", title="Amount", format="$,.0f"),
                         alt.Tooltip("opportunities:Q", title="Opportunities")]))


stage_df = data.pipeline_by_stage(f.url, f.version, f.as_of, f.segments)
if stage_df.empty:
    st.info("No open opportunities close within the coverage horizon for the selected segments.")
else:
    st.altair_chart(stage_chart(stage_df), width="stretch")

for seg in f.segments:
    label = cfg.label("segments", seg)
    detail = m.coverage_detail[seg]
    cov_band = bands.evaluate(cfg, "pipeline_coverage", m.pipeline_coverage[seg], seg, f.as_of)
    cyc_band = bands.evaluate(cfg, "sales_cycle_days", m.sales_cycle_days[seg], seg, f.as_of)
    win_band = bands.evaluate(cfg, "win_rate", m.win_rate[seg], seg, f.as_of)
    with st.container(border=True):
        st.subheader(label)
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Open pipeline (horizon)", formatting.money(detail.open_amount))
        c2.metric("Pipeline coverage", "quota met" if detail.quota_met else formatting.ratio(m.pipeline_coverage[seg]),
                  help=f"open / (quota {formatting.money(detail.quota)} − won {formatting.money(detail.won)})")
        c2.markdown(band_markdown(cov_band))
        c3.metric("Win rate (TTM)", formatting.percent(m.win_rate[seg]), help=win_band.benchmark or None)
        c3.markdown(band_markdown(win_band))
        c4.metric("Sales cycle (median)", formatting.months_of_days(m.sales_cycle_days[seg]),
                  help=f"{formatting.days(m.sales_cycle_days[seg])}: median of close date − created date over "
                       "deals won in the twelve months to the as-of date.")
        c4.markdown(band_markdown(cyc_band))
        figure = st.selectbox("Show the opportunities behind", list(DRILLDOWNS), format_func=DRILLDOWNS.get,
                              key=f"seg_drill_{seg}", bind="query-params")
        rows, total = data.drilldown(f.url, f.version, f.as_of, seg, figure)
        if rows.empty:
            st.caption("No opportunities behind this figure.")
        else:
            st.caption(f"{total:,} opportunities" + (f" (largest {len(rows):,} shown)" if total > len(rows) else ""))
            records.show(rows, cfg, lead=DRILL_LEAD)
