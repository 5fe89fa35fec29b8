"""Backlog & platform awards: waterfall, schedule to 2035, BRR by quarter, OEM mix shift, awards, SOP readiness
(award-to-SOP lead time, PPAP), ECOs."""
from __future__ import annotations

import streamlit as st

from revops_core import bands, formatting
from revops_core.backlog import period_options
from revops_core.contract import AWARD_STATUSES, POWERTRAINS
from revops_core.windows import minus_years
from shell import backlog_charts as charts
from shell import backlog_data as bk
from shell import data, filters, records, tables
from shell.tiles import band_badge, band_words

f = filters.get()
cfg = data.config()

st.title("Backlog & platform awards")
st.caption(f"As of **{formatting.date(f.as_of)}**. Backlog = lifetime value of live awards plus approved ECO revenue, "
           "minus the revenue already recognised on them, each award floored at 0. Awards are programmes with "
           "OEM and Tier-1 customers of every segment: the sidebar's segment filter does not apply on this page.")

# --- controls kept in the URL (a shared link reopens this view) ------------------------------------
options = period_options(f.as_of, "quarter", 12) + period_options(f.as_of, "year", 5)
accounts = bk.award_accounts(f.url, f.version)
filters.link_notice([
    filters.Bound("bk_period", "Period", tuple(options)),
    filters.Bound("bk_status", "Status", tuple(cfg.label("award_statuses", s) for s in AWARD_STATUSES), many=True),
    filters.Bound("bk_powertrain", "Powertrain", tuple(cfg.label("powertrains", p) for p in POWERTRAINS), many=True),
    filters.Bound("bk_account", "OEM / account", tuple(accounts.values()), many=True)])

# --- waterfall -----------------------------------------------------------------------------------
st.subheader("Backlog waterfall")
if st.session_state.get("bk_period") not in options:
    st.session_state.pop("bk_period", None)
period = st.selectbox("Period", options, index=0, key="bk_period", bind="query-params",
                      help="A calendar quarter (2026Q4) or year (2026); the default is the as-of date's quarter.")
w = bk.waterfall(f.url, f.version, period, f.as_of)
if w.partial:
    st.caption(f"The period is not over at the as-of date: figures run from {formatting.date(w.start)} "
               f"to {formatting.date(w.through)}.")
if not any((w.opening, w.closing, *w.signed().values())):
    st.info("No backlog, awards, approved ECOs or program revenue in this period.")
else:
    st.altair_chart(charts.waterfall_chart(w, f"Backlog movement, {period} (US$)"), width="stretch")
    steps = w.steps()
    for row in (steps[:4], steps[4:]):
        for col, step in zip(st.columns(4), row):
            col.metric(step.label, charts.step_text(step.kind, step.amount))
    parts = [("awards now cancelled", w.detail.cancelled), ("awards now completed", w.detail.completed),
             ("awards whose revenue exceeded their value (floored at 0)", w.detail.floors),
             ("ECOs or revenue dated outside the award's own dates", w.detail.timing)]
    shown = [f"{formatting.signed_delta('money', v)} from {words}" for words, v in parts if round(v, 2)]
    st.caption("**Cancellations**: undelivered value (lifetime value + approved ECOs − revenue) of awards now "
               "cancelled, dated at their last revenue month, or their award date if they never produced. "
               "**Adjustments**: the data holds each award's current status only, so opening and closing backlog "
               "already leave out awards now completed or cancelled; this bar reverses their part of the other bars. "
               + ("Here: " + "; ".join(shown) + "." if shown else "Here: none — the bars add up on their own."))

# --- schedule ------------------------------------------------------------------------------------
st.subheader("Backlog schedule")
sched = charts.schedule_frame(bk.schedule(f.url, f.version, f.as_of), cfg)
if sched.empty:
    st.info("No remaining backlog at the as-of date, so nothing is scheduled.")
else:
    years = [str(y) for y in range(f.as_of.year, bk.SCHEDULE_LAST_YEAR + 1)]
    st.altair_chart(charts.schedule_chart(sched, cfg, f"Remaining backlog by calendar year to {bk.SCHEDULE_LAST_YEAR}, "
                                          "by powertrain (US$)", years), width="stretch")
    later = bk.scheduled_after_last_year(f.url, f.version, f.as_of)
    st.caption("Each award's remaining backlog is spread evenly over its months from the later of SOP and the month "
               "after the as-of date to EOP."
               + (f" A further {formatting.money(later)} falls after {bk.SCHEDULE_LAST_YEAR} and is not drawn."
                  if later > 0 else ""))

# --- BRR by quarter ------------------------------------------------------------------------------
st.subheader("Backlog replenishment rate by quarter")
trend = bk.brr_trend(f.url, f.version, f.as_of)
if not trend.points or all(p.brr is None for p in trend.points):
    st.info("No program revenue in the trailing twelve months of these quarter ends, so the rate is not defined.")
else:
    st.altair_chart(charts.brr_chart(trend, "Awards won ÷ program revenue, trailing twelve months at each quarter end"),
                    width="stretch")
    if trend.top_quartile:
        st.caption(f"Green shading: the top quartile, {formatting.ratio(trend.top_quartile[0])}–"
                   f"{formatting.ratio(trend.top_quartile[1])} (config benchmarks.yaml).")
    target = formatting.ratio(trend.target)
    if trend.sustained:
        st.badge(f"Sustained: {trend.streak} consecutive quarters at or above {target}", color="green")
    else:
        st.badge(f"Not sustained: {trend.streak} of the required {trend.required} consecutive quarters at or above "
                 f"{target}", color="orange" if trend.streak else "red")
    last = trend.points[-1]
    color, word = band_badge(last.band)
    st.badge(f"{word}: latest quarter end ({last.quarter}) {formatting.ratio(last.brr)}, {last.band.label}",
             color=color)

# --- OEM mix shift -------------------------------------------------------------------------------
st.subheader("OEM mix shift")
pb = data.playbook_metrics(f.url, f.version, f.as_of)
mix = pb.oem_mix
if not mix.accounts:
    st.info("No OEM account holds backlog now or a year before, or program revenue in the last twelve months.")
else:
    m1, m2, m3 = st.columns(3)
    m1.metric("Top-3 OEM share of backlog", formatting.percent(mix.top3_share),
              **charts.share_delta(mix.top3_share, mix.top3_share_year_before), delta_description="vs a year before",
              help="The three OEMs with the most backlog, as a share of the whole backlog")
    m2.metric("Concentration (HHI)", charts.hhi_text(mix.hhi), **charts.hhi_delta(mix),
              delta_description="vs a year before",
              help="Herfindahl index: the sum of the OEMs' squared backlog shares, on a 0–10,000 scale "
                   "(10,000 = one OEM holds the whole backlog)")
    largest = mix.accounts[0]
    m3.metric(f"Largest OEM: {largest.name}", formatting.percent(largest.backlog_share),
              **charts.share_delta(largest.backlog_share, largest.backlog_share_year_before, neutral=True),
              delta_description="vs a year before", help="Its share of the whole backlog")
    st.altair_chart(charts.oem_mix_chart(charts.oem_mix_frame(mix), "Each OEM's share of backlog, "
                                         f"a year before ({formatting.date(minus_years(f.as_of))}) and now"),
                    width="stretch")
    st.caption("Shares of the whole backlog (Tier-1 awards hold the rest); the figure beside each OEM is the change "
               "in percentage points. Hover a dot for the OEM's share of program revenue in the last twelve months.")

# --- awards table --------------------------------------------------------------------------------
st.subheader("Platform awards")
c1, c2, c3 = st.columns(3)
statuses = c1.multiselect("Status", AWARD_STATUSES, format_func=lambda s: cfg.label("award_statuses", s),
                          key="bk_status", placeholder="All statuses", bind="query-params")
powertrains = c2.multiselect("Powertrain", POWERTRAINS, format_func=lambda p: cfg.label("powertrains", p),
                             key="bk_powertrain", placeholder="All powertrains", bind="query-params")
chosen = c3.multiselect("OEM / account", list(accounts), format_func=accounts.get, key="bk_account",
                        placeholder="All accounts", bind="query-params")
table, total = bk.awards(f.url, f.version, f.as_of, tuple(statuses), tuple(powertrains), tuple(chosen))
if table.empty:
    st.info("No awards dated on or before the as-of date match these filters.")
else:
    st.caption(f"{total:,} awards" + (f" (the {len(table):,} with the largest remaining backlog shown)"
                                      if total > len(table) else "") + "; remaining backlog at the as-of date.")
    records.show(table, cfg, lead=bk.AWARD_LEAD, headers=bk.AWARD_HEADERS,
                 statuses="award_statuses")
    st.download_button("Download these awards (CSV)", bk.awards_csv(table, cfg), file_name=f"awards_{f.as_of}.csv",
                       mime="text/csv", key="bk_download", icon=":material/download:")

# --- SOP readiness -------------------------------------------------------------------------------
st.subheader("SOP readiness")
lead, live_col = st.columns(2)
lead.metric(cfg.metric_label("award_to_sop_months"), formatting.ratio_plain(pb.award_to_sop_months),
            help="Median months from award date to SOP of the awards dated in the last twelve months")
lead_band = bands.evaluate(cfg, "award_to_sop_months", pb.award_to_sop_months, as_of=f.as_of)
lead.badge(band_words(lead_band), color=band_badge(lead_band)[0])
live = bk.ppap_in_production(f.url, f.version, f.as_of)
live_col.metric("In production without PPAP approval", formatting.count(len(live)),
                help="Awards whose SOP is on or before the as-of date and whose PPAP is not approved")
if live.empty:
    live_col.badge("Clear: every award in production has PPAP approval", color="green")
else:
    live_col.badge(f"Triggered: {len(live)} awards in production without PPAP approval, "
                   f"{formatting.money(bk.lifetime_total(live))} lifetime value", color="red")
    live_table, live_config = bk.sop_styled(live, cfg)
    tables.show(live_table, hide_index=True, width="stretch", column_config=live_config)
window = cfg.rules.risks.sop_window_days
sop = bk.sop_readiness(f.url, f.version, f.as_of)
if sop.empty:
    st.success(f"Every award starting production within {window} days has PPAP approval.")
else:
    n, failed, at_risk = bk.sop_summary(sop)
    st.badge(f"{'Triggered' if failed else 'Watch'}: {n} awards start production within {window} days "
             f"without PPAP approval, {formatting.money(at_risk)} of backlog at risk"
             + (f"; {failed} failed PPAP" if failed else ""), color="red" if failed else "orange")
    sop_table, sop_config = bk.sop_styled(sop, cfg)
    tables.show(sop_table, hide_index=True, width="stretch", column_config=sop_config)
    st.caption("Value at risk: the award's remaining backlog at the as-of date.")

# --- ECO dynamics --------------------------------------------------------------------------------
st.subheader("Engineering change orders")
eco = bk.eco_dynamics(f.url, f.version, f.as_of)
t1, t2, t3, t4 = st.columns(4)
t1.metric("ECOs per active award (TTM)", formatting.ratio_plain(eco.ecos_per_active_award),
          help=f"{eco.ecos_on_active_ttm:,} ECOs requested in the last twelve months on the "
               f"{eco.active_awards:,} awards carrying backlog at the as-of date")
t2.metric(cfg.metric_label("eco_approval_rate") + " (TTM)", formatting.percent(eco.approval_rate))
band = bands.evaluate(cfg, "eco_approval_rate", eco.approval_rate, as_of=f.as_of)
t2.badge(band_words(band), color=band_badge(band)[0])
t3.metric(cfg.metric_label("eco_approved_revenue_ttm"), formatting.money(eco.approved_revenue_ttm))
t4.metric("Open ECOs", formatting.count(eco.open_count), help="Requested or negotiating, not decided at the as-of date")
if not any(v for _, v in eco.by_quarter):
    st.info("No ECO revenue approved in these quarters.")
else:
    st.altair_chart(charts.eco_quarter_chart(eco.by_quarter, "Approved ECO revenue by decision quarter (US$)"),
                    width="stretch")
queue = bk.open_eco_queue(f.url, f.version, f.as_of)
if queue.empty:
    st.info("No open ECOs at the as-of date.")
else:
    st.caption(f"Open ECO queue, oldest first ({len(queue):,} shown of {eco.open_count:,}).")
    records.show(queue, cfg, statuses="eco_statuses", headers={"account": "OEM / account"})
