"""Tables and Altair charts of the forecast page (presentation only: no SQL, no formulas)."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import altair as alt
import pandas as pd
import streamlit as st

from revops_core import chart_theme, formatting
from revops_core.config import AppConfig
from revops_core.forecast import (CATEGORY_LABELS, ForecastRollup, Submission, WeeklyCall, quota_status)
from revops_core.pipeline_change import CATEGORY_LABELS as CHANGE_LABELS
from revops_core.pipeline_change import SnapshotInfo, WaterfallBar
from shell import charts

STACK = ("CLOSED_WON", "COMMIT", "BEST_CASE", "PIPELINE")
# won is the status green, the call's commit the product's blue, best case teal, the rest of the pipeline grey
STACK_COLORS = [chart_theme.STATUS_COLORS["green"], chart_theme.BLUE, chart_theme.TEAL, chart_theme.GREY]
KIND_COLORS = {"Increase": chart_theme.MOVEMENT_COLORS["adds"], "Decrease": chart_theme.MOVEMENT_COLORS["takes"],
               "No amount change": chart_theme.GREY}


def segment_table(roll: ForecastRollup, cfg: AppConfig, calls: dict[tuple[str, str], Submission]) -> pd.DataFrame:
    """A forecast sheet: one row per figure, one column per segment and the total (formatted)."""
    rows = []
    for line in (*roll.segments, roll.total):
        call = calls.get((line.segment, roll.quarter))
        status, _ = quota_status(line)
        rows.append({
            "Segment": "All selected segments" if line.segment == "ALL" else cfg.label("segments", line.segment),
            "Quota": formatting.money(line.quota), "Closed won": formatting.money(line.closed_won),
            "Commit": formatting.money(line.commit), "Best case": formatting.money(line.best_case),
            "Pipeline": formatting.money(line.pipeline), "Omitted": formatting.money(line.omitted),
            "Commit forecast": formatting.money(line.commit_forecast),
            "Best-case forecast": formatting.money(line.best_case_forecast),
            "Attainment": formatting.percent(line.attainment),
            "Against quota": _SHORT[status],
            "Called commit": (formatting.DASH if line.segment == "ALL" else
                                                  formatting.money(call.commit_amount) if call else "none yet"),
        })
    return pd.DataFrame(rows).set_index("Segment").T.rename_axis("Figure").reset_index()


_SHORT = {"green": "On track", "amber": "Watch", "red": "At risk", "none": "No quota"}
# the word in its status colour (text, not a pale background: that would hide light text in the dark theme)
_COLOR = {"On track": chart_theme.STATUS_COLORS["green"], "Watch": chart_theme.STATUS_COLORS["amber"],
          "At risk": chart_theme.STATUS_COLORS["red"], "No quota": chart_theme.STATUS_COLORS["none"]}
SHEET_NOTE = ("Against quota: **On track** when the commit forecast reaches quota, **Watch** when only the "
              "best-case forecast does, **At risk** when even the best case falls short. Called commit: the "
              "latest submitted call for the quarter.")


def styled_sheet(sheet: pd.DataFrame) -> "pd.io.formats.style.Styler":
    """The forecast sheet with the "Against quota" row coloured (colour and words)."""
    row = sheet.index[sheet["Figure"] == "Against quota"]
    cols = [c for c in sheet.columns if c != "Figure"]
    return sheet.style.map(lambda v: f"color: {_COLOR[v]}; font-weight: 600" if v in _COLOR else "",
                           subset=pd.IndexSlice[row, cols])


OWNER_MONEY = ["Closed won", "Commit", "Best case", "Pipeline", "Omitted", "Commit forecast", "Best-case forecast"]


def owner_table(roll: ForecastRollup, cfg: AppConfig) -> pd.DataFrame:
    """One row per (segment, owner); money as numbers for ``tables.show(money=OWNER_MONEY)``."""
    return pd.DataFrame([{
        "Owner": formatting.text(x.owner), "Segment": cfg.label("segments", x.segment), "Closed won": x.closed_won,
        "Commit": x.commit, "Best case": x.best_case, "Pipeline": x.pipeline, "Omitted": x.omitted,
        "Commit forecast": x.commit_forecast, "Best-case forecast": x.best_case_forecast,
        "Deals": formatting.count(x.opportunities)} for x in roll.owners])


def forecast_chart(roll: ForecastRollup, cfg: AppConfig) -> alt.LayerChart:
    """Stacked bars per segment (closed won, commit, best case, pipeline) with the quota as a tick."""
    bars = pd.DataFrame([{"Segment": cfg.label("segments", x.segment), "Category": CATEGORY_LABELS[c],
                          "order": i, "amount": getattr(x, _ATTR[c])}
                         for x in roll.segments for i, c in enumerate(STACK)])
    quota = pd.DataFrame([{"Segment": cfg.label("segments", x.segment), "quota": x.quota}
                          for x in roll.segments if x.quota is not None])
    base = alt.Chart(bars, height=60 * len(roll.segments) + 60,
                     title=f"Forecast by category against quota, {roll.quarter} (US$)")
    stack = base.mark_bar().encode(
        x=alt.X("sum(amount):Q", title="US$", axis=charts.MONEY_AXIS, stack="zero"),
        y=alt.Y("Segment:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("Category:N", title="Category", sort=[CATEGORY_LABELS[c] for c in STACK],
                        scale=alt.Scale(domain=[CATEGORY_LABELS[c] for c in STACK], range=STACK_COLORS)),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("Segment:N"), alt.Tooltip("Category:N"),
                 alt.Tooltip("sum(amount):Q", title="Amount", format="$,.0f")])
    if quota.empty:
        return alt.layer(stack)
    ticks = alt.Chart(quota).mark_tick(color=chart_theme.TARGET_COLOR, thickness=3, size=34).encode(
        x=alt.X("quota:Q"), y=alt.Y("Segment:N", sort=None),
        tooltip=[alt.Tooltip("Segment:N"), alt.Tooltip("quota:Q", title="Quota", format="$,.0f")])
    return alt.layer(stack, ticks)


_ATTR = {"CLOSED_WON": "closed_won", "COMMIT": "commit", "BEST_CASE": "best_case", "PIPELINE": "pipeline"}


def call_chart(weeks: Sequence[WeeklyCall], segment_label: str) -> alt.Chart:
    """How one segment's call moved: commit (solid) and best case (dashed), week by week."""
    data = pd.DataFrame([{"Week of": pd.Timestamp(w.week_start), "Measure": measure, "amount": amount,
                          "By": w.submitted_by, "Submitted on": formatting.date(w.submitted_on)}
                         for w in weeks for measure, amount in (("Commit", w.commit_amount),
                                                                 ("Best case", w.best_case_amount))])
    return alt.Chart(data, height=230,
                     title=f"{segment_label}: the call week by week (US$)").mark_line(point=True).encode(
        x=alt.X("Week of:T", title="Week (starting Monday)", axis=alt.Axis(format="%-d %b", tickCount="week")),
        y=alt.Y("amount:Q", title="US$", axis=_zoom_axis([float(data.amount.min()), float(data.amount.max())]),
                scale=alt.Scale(zero=False, padding=12)),
        color=alt.Color("Measure:N", title="Measure", sort=["Commit", "Best case"], legend=None,
                        scale=alt.Scale(domain=["Commit", "Best case"], range=[chart_theme.BLUE, chart_theme.TEAL])),
        strokeDash=alt.StrokeDash("Measure:N", title="Measure", sort=["Commit", "Best case"],
                                  legend=None),
        tooltip=[alt.Tooltip("Measure:N"), alt.Tooltip("Week of:T", format="%-d %b %Y"),
                 alt.Tooltip("amount:Q", title="Amount", format="$,.0f"), alt.Tooltip("By:N"),
                 alt.Tooltip("Submitted on:N")])


def history_table(subs: Sequence[Submission], statuses: dict[int, str], cfg: AppConfig) -> pd.DataFrame:
    """Every submission of the quarter, newest first."""
    rows = [{"submitted_on": s.submitted_on, "segment": cfg.label("segments", s.segment), "by": s.submitted_by,
             "commit": s.commit_amount, "best_case": s.best_case_amount,
             "status": statuses.get(s.submission_id or 0, ""), "note": formatting.text(s.note)} for s in subs]
    frame = pd.DataFrame(rows)
    return frame.iloc[::-1].reset_index(drop=True) if not frame.empty else frame


HISTORY_COLUMNS = {
    "submitted_on": "Submitted on", "segment": "Segment", "by": st.column_config.Column("Submitted by", pinned=True),
    "commit": "Commit", "best_case": "Best case", "status": "Status", "note": "Note",
}
HISTORY_MONEY, HISTORY_DATES = ["commit", "best_case"], ["submitted_on"]


def _zoom_axis(domain: list[float]) -> alt.Axis:
    """Money labels precise enough to tell a line chart's zoomed ticks apart ($6,212M rather than $6.2B)."""
    span, top = domain[1] - domain[0], max(abs(domain[0]), abs(domain[1]))
    if top < 1e6:
        return alt.Axis(labelExpr="'$' + format(datum.value, ',.0f')")
    digits = 0 if span >= 2e7 else 1 if span >= 2e6 else 2
    return alt.Axis(labelExpr=f"'$' + format(datum.value / 1e6, ',.{digits}f') + 'M'")


def waterfall_chart(bars: Sequence[WaterfallBar]) -> alt.LayerChart:
    """What moved the open pipeline: each category's change in amount as a bar from $0 (up adds, down
    takes away); the totals before and after are the page's tiles, so the changes are not dwarfed."""
    kinds = {"increase": "Increase", "decrease": "Decrease", "none": "No amount change"}
    data = pd.DataFrame([{
        "Step": b.label, "amount": b.amount, "Kind": kinds[b.kind], "Deals": b.opportunities,
        "Change": formatting.signed_delta("money", b.amount)} for b in bars if b.kind != "total"])
    data["text"] = data["Change"] + " · " + data["Deals"].map("{:,}".format)
    base = alt.Chart(data, height=320, title="Open pipeline: previous snapshot to now, change by category (US$)")
    x = alt.X("Step:N", sort=list(data["Step"]), title=None, axis=alt.Axis(labelAngle=0, labelOverlap=False))
    color = alt.Color("Kind:N", title=None, scale=alt.Scale(domain=list(KIND_COLORS), range=list(KIND_COLORS.values())))
    tooltip = [alt.Tooltip("Step:N"), alt.Tooltip("Change:N"), alt.Tooltip("Deals:Q", format=",")]
    rect = base.mark_bar(size=44).encode(x=x, y=alt.Y("amount:Q", title="Change (US$)", axis=charts.MONEY_AXIS,
                                                      scale=alt.Scale(zero=True)), color=color, tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=chart_theme.GREY).encode(y="y:Q")
    up = base.transform_filter(alt.datum.amount >= 0).mark_text(dy=-9, fontSize=11).encode(
        x=x, y="amount:Q", text="text:N", color=color)
    down = base.transform_filter(alt.datum.amount < 0).mark_text(dy=9, fontSize=11).encode(
        x=x, y="amount:Q", text="text:N", color=color)
    return alt.layer(rect, zero, up, down)


def _arrow(before: object, now: object, show: Callable[[object], str]) -> str:
    b, n = (formatting.DASH if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)) else show(v)
            for v in (before, now))
    return b if b == n else f"{b} → {n}"


def change_table(rows: pd.DataFrame, cfg: AppConfig) -> pd.DataFrame:
    """The deals behind a bar, "before → now" per field; money by ``revops_core.formatting``."""
    money, day = (lambda v: formatting.money(float(v))), (lambda v: formatting.date(pd.Timestamp(v)))  # noqa: E731
    recs = rows.to_dict("records")
    return pd.DataFrame({
        "Opportunity": [r["opportunity_id"] for r in recs],
        "Account": [formatting.text(r["account"]) for r in recs],
        "Segment": [cfg.label("segments", r["segment"]) for r in recs],
        "Status": [cfg.label("opportunity_statuses", r["status"]) if r["status"] else "Not in the data" for r in recs],
        "Change": [formatting.signed_delta("money", r["delta"]) for r in recs],
        "Amount": [_arrow(r["prev_amount"] if r["prev_stage"] is not None else None, r["amount_now"], money)
                                  for r in recs],
        "Close date": [_arrow(r["prev_close_date"], r["close_date"], day) for r in recs],
        "Stage": [_arrow(r["prev_stage"], r["stage"], str) for r in recs],
    })


def change_label(category: str) -> str:
    """A change category in words (without its count, so a link naming it stays valid)."""
    return CHANGE_LABELS[category]


def snapshot_label(snap: SnapshotInfo) -> str:
    """A snapshot as the selectbox (and a link) names it: "#3 · 1 Dec 2026 15:00 · import"."""
    return f"#{snap.snapshot_id} · {formatting.date(snap.taken_at)} {snap.taken_at:%H:%M} · {snap.source}"
