"""Forecast & pipeline change: category roll-ups against quota, the Friday call and board lock,
and what moved the open pipeline since the previous snapshot."""
from __future__ import annotations

import streamlit as st

from revops_core import formatting, windows
from revops_core.forecast import (ForecastLocked, ForecastRejected, Submission, call_statuses,
                                  forecast_quarters, quota_status, weekly_calls)
from revops_core.pipeline_change import CATEGORIES, default_baseline, waterfall
from shell import data, filters, tables
from shell import forecast_data as fd
from shell import forecast_view as view
from shell.tiles import delta_args

f = filters.get()
cfg = data.config()
seg_label = lambda s: cfg.label("segments", s)  # noqa: E731

st.title("Forecast & pipeline change")
st.caption(f"As of **{formatting.date(f.as_of)}**. Forecast: open deals by forecast category (blank counts as "
           "Pipeline) with a close date in the quarter, plus deals won in the quarter up to the as-of date, against "
           "the segment's quota.")
if not f.segments:
    st.info("No segment selected: choose at least one segment in the sidebar.")
    st.stop()

# ---- controls kept in the URL (a shared link reopens this view) ------------------------------
current, following = forecast_quarters(f.as_of)
snaps = fd.snapshots(f.url, fd.latest_snapshot(f.url))
filters.link_notice([
    filters.Bound("fc_quarter", "Quarter", (current, following)),
    filters.Bound("fc_baseline", "Snapshot compared", tuple(view.snapshot_label(s) for s in snaps)),
    filters.Bound("fc_change_bucket", "Opportunities behind", tuple(view.change_label(c) for c in CATEGORIES))])

# ---- forecast by category --------------------------------------------------------------------
quarter = st.radio("Quarter", [current, following], horizontal=True, key="fc_quarter", bind="query-params",
                   help=f"{current} is the as-of date's quarter, {following} the next one.")
roll = fd.rollup(f.url, f.version, f.as_of, quarter, f.segments)

st.subheader(f"Forecast by category, {quarter}")
t = roll.total
c1, c2, c3, c4 = st.columns(4)
c1.metric("Closed won", formatting.money(t.closed_won), help="Won deals closed in the quarter up to the as-of date")
c2.metric("Commit forecast", formatting.money(t.commit_forecast), help="Closed won + Commit")
c3.metric("Best-case forecast", formatting.money(t.best_case_forecast), help="Commit forecast + Best case")
c4.metric("Quota", formatting.money(t.quota), help="Sum of the selected segments' quotas for the quarter")
status, words = quota_status(t)
st.badge(f"{dict(green='On track', amber='Watch', red='At risk', none='No quota')[status]}: {words} "
         f"(attainment {formatting.percent(t.attainment)})",
         color={"green": "green", "amber": "orange", "red": "red", "none": "gray"}[status])

if t.opportunities == 0:
    st.info(f"No open deal closes in {quarter} and none was won in it yet, for the selected segments.")
else:
    st.altair_chart(view.forecast_chart(roll, cfg), width="stretch")
    st.caption("Red tick: the segment's quota for the quarter.")
segment_slot = st.empty()  # filled below, after a submission in this run has been saved
with st.expander(f"By owner ({len(roll.owners)} owners; quotas are set per segment, not per owner)"):
    if roll.owners:
        tables.show(view.owner_table(roll, cfg), money=view.OWNER_MONEY, hide_index=True, width="stretch",
                    column_config={"Owner": st.column_config.Column("Owner", pinned=True)})
    else:
        st.caption("No deals in this quarter.")

# ---- the Friday call and the board lock ------------------------------------------------------
st.subheader("The Friday forecast call")
today = fd.today()
st.caption(f"Calls are dated **today, {formatting.date(today)}**, whatever the as-of date, and kept; the latest one "
           "is the current call. The monthly board lock freezes the month's call (its latest submission): after it, "
           "no submission dated in that month is accepted; a call dated in a later month supersedes it.")
if f.as_of != today:
    st.info(f"This view is as of {formatting.date(f.as_of)}, but a call submitted here is dated today, "
            f"{formatting.date(today)}, and the lock applies to this month or the last.", icon=":material/today:")
left, right = st.columns([3, 2])
with left, st.form("fc_submit_form"):
    a, b = st.columns(2)
    sub_segment = a.selectbox("Segment", f.segments, format_func=seg_label, key="fc_sub_segment")
    sub_quarter = b.selectbox("Quarter", [current, following], key="fc_sub_quarter")
    sub_by = st.text_input("Submitted by", key="fc_sub_by", placeholder="Full name of the person making the call")
    sub_commit = a.number_input("Commit (US$)", min_value=0.0, value=0.0, step=100_000.0, format="%.0f",
                                key="fc_sub_commit")
    sub_best = b.number_input("Best case (US$)", min_value=0.0, value=0.0, step=100_000.0, format="%.0f",
                              key="fc_sub_best")
    sub_note = st.text_area("Note", key="fc_sub_note", max_chars=2000, height=80,
                            placeholder="What moved since last week, and why")
    submitted = st.form_submit_button("Submit the call", key="fc_sub_submit", type="primary")
if submitted:
    try:
        saved = fd.submit(f.url, Submission(sub_segment, sub_quarter, sub_by, today, sub_commit, sub_best, sub_note))
    except ForecastRejected as exc:
        left.error("The call was not saved:\n\n" + "\n".join(f"- {p}" for p in exc.problems))
    except ForecastLocked as exc:
        left.error(f"The call was not saved. {exc}")
    else:
        left.success(f"Call saved: {seg_label(saved.segment)} {saved.quarter}, commit "
                     f"{formatting.money(saved.commit_amount)}, best case {formatting.money(saved.best_case_amount)}.")

with right, st.form("fc_lock_form"):
    this_month = windows.month_str(today)
    last_month = windows.month_str(windows.add_months(windows.month_first(this_month), -1))
    lock_month = st.selectbox("Month to lock", [this_month, last_month], key="fc_lock_month")
    lock_by = st.text_input("Locked by", key="fc_lock_by", placeholder="Full name")
    lock_ok = st.checkbox("I understand a lock cannot be undone", key="fc_lock_confirm")
    lock_clicked = st.form_submit_button("Lock the month's call", key="fc_lock_submit")
if lock_clicked:
    if not lock_ok:
        right.warning("Tick the confirmation first: a lock cannot be undone.")
    else:
        try:
            done = fd.lock(f.url, lock_month, lock_by, today)
        except (ForecastRejected, ForecastLocked) as exc:
            problems = getattr(exc, "problems", [str(exc)])
            right.error("Not locked:\n\n" + "\n".join(f"- {p}" for p in problems))
        else:
            right.success(f"{done.month} locked by {done.locked_by}.")
locks = fd.locks(f.url)
with right:
    for lk in locks[:6]:
        st.badge(f"Locked: {lk.month} (by {lk.locked_by}, {formatting.date(lk.locked_on)})", color="violet",
                 icon=":material/lock:")
    if not locks:
        st.caption("No month is locked yet.")

subs = fd.history(f.url, quarter, f.segments)
calls = {(s.segment, s.quarter): s for s in subs}  # oldest first, so the latest submission wins
sheet = view.segment_table(roll, cfg, calls)
with segment_slot.container():
    tables.show(view.styled_sheet(sheet), hide_index=True, width="stretch", height=35 * (len(sheet) + 1) + 3)
    st.caption(view.SHEET_NOTE)
if not subs:
    st.info(f"No call has been submitted for {quarter} yet: use the form above.")
else:
    st.markdown(f"**How the call for {quarter} moved**: latest submission of each week; "
                ":blue[solid line: commit], dashed line: best case.")
    weeks = weekly_calls(subs)
    panels = st.columns(2)
    for i, seg in enumerate(s for s in f.segments if any(w.segment == s for w in weeks)):
        panels[i % 2].altair_chart(view.call_chart([w for w in weeks if w.segment == seg], seg_label(seg)),
                                   width="stretch")
    tables.show(view.history_table(subs, call_statuses(subs, [lk.month for lk in locks]), cfg),
                money=view.HISTORY_MONEY, dates=view.HISTORY_DATES, hide_index=True, width="stretch",
                column_config=view.HISTORY_COLUMNS)

# ---- pipeline change -------------------------------------------------------------------------
st.subheader("Pipeline change since the previous snapshot")
st.caption("Compares a snapshot of the open pipeline (taken at each import, seed or refresh) with the "
           "opportunities as they are now; it does not depend on the as-of date. Each deal counts once: a "
           "deal whose amount and close date both moved counts under amount up or down; date moves carry no "
           "amount, so the changes add up exactly to the difference between the two totals.")
if st.button("Take snapshot now", key="fc_snapshot_now", icon=":material/photo_camera:",
             help="Copy the open pipeline as it is now; later changes are measured from it."):
    new_id = fd.take_snapshot_now(f.url)
    st.session_state.pop("fc_baseline", None)
    st.success(f"Snapshot #{new_id} taken.")
    snaps = fd.snapshots(f.url, fd.latest_snapshot(f.url))
if not snaps:
    st.info("No snapshot yet: one is taken at each import; use **Take snapshot now** to start measuring change.")
    st.stop()
by_id = {s.snapshot_id: s for s in snaps}
default = default_baseline(snaps)
baseline_id = st.selectbox(
    "Compare the pipeline now with the snapshot", list(by_id), index=list(by_id).index(default.snapshot_id),
    key="fc_baseline", bind="query-params", format_func=lambda i: view.snapshot_label(by_id[i]))
st.caption(f"Snapshot #{baseline_id}: {by_id[baseline_id].opportunities:,} open deals, "
           f"{formatting.money(by_id[baseline_id].amount)}.")
if len(snaps) == 1:
    st.info("Only one snapshot so far, so the comparison is with it: changes show as soon as the opportunities "
            "change (a new import takes the next snapshot).")
change = fd.change(f.url, f.version, by_id[baseline_id], f.segments)
m1, m2, m3 = st.columns(3)
m1.metric("Previous open pipeline", formatting.money(change.previous_open), help=f"{change.previous_count:,} deals")
m2.metric("Current open pipeline", formatting.money(change.current_open), help=f"{change.current_count:,} deals",
          **delta_args("money", change.current_open - change.previous_open))
m3.metric("Deals changed", formatting.count(sum(b.opportunities for b in change.buckets if b.category != "UNCHANGED")),
          help=f"{change.bucket('UNCHANGED').opportunities:,} unchanged")
if change.previous_count == 0 and change.current_count == 0:
    st.info("There is no open pipeline in the snapshot or now for the selected segments.")
elif not any(b.opportunities for b in change.buckets if b.category != "UNCHANGED"):
    st.info("Nothing moved since the snapshot: no deal is new, changed or gone.")
else:
    st.altair_chart(view.waterfall_chart(waterfall(change)), width="stretch")
counts = {b.category: b.opportunities for b in change.buckets}
bucket = st.selectbox("Show the opportunities behind", CATEGORIES, key="fc_change_bucket", bind="query-params",
                      format_func=view.change_label)
rows = fd.change_rows(f.url, f.version, by_id[baseline_id], bucket, f.segments)
if rows.empty:
    st.caption("No opportunities behind this bar.")
else:
    shown = f" (largest {len(rows):,} changes shown)" if counts[bucket] > len(rows) else ""
    noun = "opportunity" if counts[bucket] == 1 else "opportunities"
    st.caption(f"{counts[bucket]:,} {noun}{shown}. Change: effect on the open pipeline; amount, close "
               "date and stage read before → now.")
    tables.show(view.change_table(rows, cfg), hide_index=True, width="stretch")
