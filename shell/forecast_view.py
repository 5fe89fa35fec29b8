"""Tables and Altair charts of the forecast page (presentation only: no SQL, no formulas)."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import altair as alt
import pandas as pd
import streamlit as st

from revops_core import formatting
from revops_core.config import AppConfig
from revops_core.forecast import (CATEGORY_LABELS, ForecastRollup, Submission, WeeklyCall, quota_status)
from revops_core.pipeline_change import CATEGORY_LABELS as CHANGE_LABELS
from revops_core.pipeline_change import WaterfallBar
from shell import charts

STACK = ("CLOSED_WON", "COMMIT", "BEST_CASE", "PIPELINE")
STACK_COLORS = ["#2e7d32", "#1f5aa6", "#76b7b2", "#c9d3df"]
KIND_COLORS = {"Total": "#1f5aa6", "Increase": "#2e7d32", "Decrease": "#c62828", "No amount change": "#9e9e9e"}


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
            "Called commit": ("—" if line.segment == "ALL" else
                                                  formatting.money(call.commit_amount) if call else "none yet"),
        })
    return pd.DataFrame(rows).set_index("Segment").T.rename_axis("Figure").reset_index()


_SHORT = {"green": "On track", "amber": "Watch", "red": "At risk", "none": "No quota"}
_BACKGROUND = {"On track": "#e3f1e4", "Watch": "#fdebd0", "At risk": "#f9dcdc", "No quota": "#eeeeee"}
SHEET_NOTE = ("Against quota: **On track** when the commit forecast reaches quota, **Watch** when only the "
              "best-case forecast does, **At risk** when even the best case falls short. Called commit: the "
              "latest submitted call for the quarter.")


def styled_sheet(sheet: pd.DataFrame) -> "pd.io.formats.style.Styler":
    """The forecast sheet with the "Against quota" row coloured (colour and words)."""
    row = sheet.index[sheet["Figure"] == "Against quota"]
    cols = [c for c in sheet.columns if c != "Figure"]
    return sheet.style.map(lambda v: f"background-color: {_BACKGROUND.get(v, 'transparent')}",
                           subset=pd.IndexSlice[row, cols])


def owner_table(roll: ForecastRollup, cfg: AppConfig) -> pd.DataFrame:
    """One row per (segment, owner), money formatted by ``revops_core.formatting``."""
    money = formatting.money
    return pd.DataFrame([{
        "Segment": cfg.label("segments", x.segment), "Owner": x.owner, "Closed won": money(x.closed_won),
        "Commit": money(x.commit), "Best case": money(x.best_case), "Pipeline": money(x.pipeline),
        "Omitted": money(x.omitted), "Commit forecast": money(x.commit_forecast),
        "Best-case forecast": money(x.best_case_forecast), "Deals": formatting.count(x.opportunities)}
        for x in roll.owners])


def forecast_chart(roll: ForecastRollup, cfg: AppConfig) -> alt.LayerChart:
    """Stacked bars per segment (closed won, commit, best case, pipeline) with the quota as a tick."""
    bars = pd.DataFrame([{"Segment": cfg.label("segments", x.segment), "Category": CATEGORY_LABELS[c],
                          "order": i, "amount": getattr(x, _ATTR[c])}
                         for x in roll.segments for i, c in enumerate(STACK)])
    quota = pd.DataFrame([{"Segment": cfg.label("segments", x.segment), "quota": x.quota}
                          for x in roll.segments if x.quota is not None])
    base = alt.Chart(bars, height=60 * len(roll.segments) + 60, title=alt.Title(
        f"Forecast by category against quota, {roll.quarter} (US$)", subtitle="Black tick: the segment's quota."))
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
    ticks = alt.Chart(quota).mark_tick(color="#212121", thickness=3, size=34).encode(
        x=alt.X("quota:Q"), y=alt.Y("Segment:N", sort=None),
        tooltip=[alt.Tooltip("Segment:N"), alt.Tooltip("quota:Q", title="Quota", format="$,.0f")])
    return alt.layer(stack, ticks)


_ATTR = {"CLOSED_WON": "closed_won", "COMMIT": "commit", "BEST_CASE": "best_case", "PIPELINE": "pipeline"}


def call_chart(weeks: Sequence[WeeklyCall], segment_label: str) -> alt.Chart:
    """How one segment's call moved: commit (solid) and best case (dashed), week by week."""
    data = pd.DataFrame([{"Week of": pd.Timestamp(w.week_start), "Measure": measure, "amount": amount,
                          "By": w.submitted_by, "Submitted on": w.submitted_on.isoformat()}
                         for w in weeks for measure, amount in (("Commit", w.commit_amount),
                                                                 ("Best case", w.best_case_amount))])
    return alt.Chart(data, height=230,
                     title=f"{segment_label}: the call week by week (US$)").mark_line(point=True).encode(
        x=alt.X("Week of:T", title="Week (starting Monday)", axis=alt.Axis(format="%d %b", tickCount="week")),
        y=alt.Y("amount:Q", title="US$", axis=_zoom_axis([float(data.amount.min()), float(data.amount.max())]),
                scale=alt.Scale(zero=False, padding=12)),
        color=alt.Color("Measure:N", title="Measure", sort=["Commit", "Best case"], legend=None,
                        scale=alt.Scale(domain=["Commit", "Best case"], range=["#1f5aa6", "#76b7b2"])),
        strokeDash=alt.StrokeDash("Measure:N", title="Measure", sort=["Commit", "Best case"],
                                  legend=None),
        tooltip=[alt.Tooltip("Measure:N"), alt.Tooltip("Week of:T", format="%d %b %Y"),
                 alt.Tooltip("amount:Q", title="Amount", format="$,.0f"), alt.Tooltip("By:N"),
                 alt.Tooltip("Submitted on:N")])


def history_table(subs: Sequence[Submission], statuses: dict[int, str], cfg: AppConfig) -> pd.DataFrame:
    """Every submission of the quarter, newest first."""
    rows = [{"submitted_on": s.submitted_on, "segment": cfg.label("segments", s.segment), "by": s.submitted_by,
             "commit": formatting.money(s.commit_amount), "best_case": formatting.money(s.best_case_amount),
             "status": statuses.get(s.submission_id or 0, ""),
             "note": s.note or ""} for s in subs]
    frame = pd.DataFrame(rows)
    return frame.iloc[::-1].reset_index(drop=True) if not frame.empty else frame


HISTORY_COLUMNS = {
    "submitted_on": st.column_config.DateColumn("Submitted on", format="YYYY-MM-DD"), "segment": "Segment",
    "by": "Submitted by", "commit": "Commit", "best_case": "Best case",
    "status": "Status", "note": "Note",
}


def _zoom(bars: Sequence[WaterfallBar]) -> list[float]:
    """A y domain around the steps (totals are far taller than the changes between them)."""
    levels = [v for b in bars if b.kind != "total" for v in (b.start, b.end)] or [bars[0].end]
    lo, hi = min(levels), max(levels)
    pad = max((hi - lo) * 0.25, abs(hi) * 0.002, 1.0)
    return [max(0.0, lo - pad), hi + pad]


def _zoom_axis(domain: list[float]) -> alt.Axis:
    """Money labels precise enough to tell the zoomed ticks apart ($6,212M rather than $6.2B)."""
    span, top = domain[1] - domain[0], max(abs(domain[0]), abs(domain[1]))
    if top < 1e6:
        return alt.Axis(labelExpr="'$' + format(datum.value, ',.0f')")
    digits = 0 if span >= 2e7 else 1 if span >= 2e6 else 2
    return alt.Axis(labelExpr=f"'$' + format(datum.value / 1e6, ',.{digits}f') + 'M'")


def waterfall_chart(bars: Sequence[WaterfallBar]) -> alt.LayerChart:
    """Previous open pipeline, one bar per category, the open pipeline now (US$, axis zoomed)."""
    kinds = {"total": "Total", "increase": "Increase", "decrease": "Decrease", "none": "No amount change"}
    data = pd.DataFrame([{
        "Step": b.label, "start": min(b.start, b.end), "end": max(b.start, b.end), "Kind": kinds[b.kind],
        "Change": formatting.money(b.amount) if b.kind == "total" else formatting.signed_delta("money", b.amount),
        "Deals": b.opportunities} for b in bars])
    data["text"] = data["Change"] + " · " + data["Deals"].map("{:,}".format)
    order = list(data["Step"])
    base = alt.Chart(data, height=360, title=alt.Title(
        "Open pipeline: previous snapshot to now (US$)",
        subtitle="Label: change · deals. The axis is zoomed to the changes; the totals start at $0."))
    x = alt.X("Step:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelOverlap=False, labelFontSize=12))
    domain = _zoom(bars)
    y = alt.Y("start:Q", title="US$", axis=_zoom_axis(domain), scale=alt.Scale(domain=domain, zero=False, clamp=True))
    color = alt.Color("Kind:N", title=None, scale=alt.Scale(domain=list(KIND_COLORS), range=list(KIND_COLORS.values())))
    tooltip = [alt.Tooltip("Step:N"), alt.Tooltip("Change:N"), alt.Tooltip("Deals:Q", format=",")]
    rect = base.mark_bar(size=44, clip=True).encode(x=x, y=y, y2="end:Q", color=color, tooltip=tooltip)
    flat = base.transform_filter(alt.datum.Kind == "No amount change").mark_tick(
        size=44, thickness=2, color=KIND_COLORS["No amount change"]).encode(x=x, y=alt.Y("end:Q"))
    labels = base.mark_text(dy=-9, fontSize=11, clip=True).encode(x=x, y=alt.Y("end:Q"), text="text:N")
    return alt.layer(rect, flat, labels)


def _arrow(before: object, now: object, show: Callable[[object], str]) -> str:
    b, n = ("—" if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)) else show(v)
            for v in (before, now))
    return b if b == n else f"{b} → {n}"


def change_table(rows: pd.DataFrame, cfg: AppConfig) -> pd.DataFrame:
    """The deals behind a bar, "before → now" per field; money by ``revops_core.formatting``."""
    money, day = (lambda v: formatting.money(float(v))), (lambda v: str(v)[:10])  # noqa: E731
    recs = rows.to_dict("records")
    return pd.DataFrame({
        "Opportunity": [r["opportunity_id"] for r in recs],
        "Account": [r["account"] or "unknown account" for r in recs],
        "Segment": [cfg.label("segments", r["segment"]) if r["segment"] else "unknown" for r in recs],
        "Status": [r["status"].capitalize() if r["status"] else "Not in the data" for r in recs],
        "Change": [formatting.signed_delta("money", r["delta"]) for r in recs],
        "Amount": [_arrow(r["prev_amount"] if r["prev_stage"] is not None else None, r["amount_now"], money)
                                  for r in recs],
        "Close date": [_arrow(r["prev_close_date"], r["close_date"], day) for r in recs],
        "Stage": [_arrow(r["prev_stage"], r["stage"], str) for r in recs],
    })


def change_label(category: str, count: int) -> str:
    return f"{CHANGE_LABELS[category]} ({count:,})"
