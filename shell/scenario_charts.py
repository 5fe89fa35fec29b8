"""Charts and tables of the EV scenario planner (Altair, shared theme, labels from config).

Builders only: they take the core's figures and return charts or DataFrames; no formulas.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from revops_core import formatting
from revops_core.config import AppConfig
from revops_core.scenario import POWERTRAINS, YEARS, ScenarioResult
from shell.charts import MONEY_AXIS, PALETTE, PERCENT_AXIS

POWERTRAIN_COLORS = {"ICE": "#7f7f7f", "HEV": "#f28e2b", "PHEV": "#8cd17d", "BEV": "#2e7d32", "AGNOSTIC": "#1f5aa6"}
PLAN_COLOR = "#333333"
EV_STATUS = {"green": ("green", "On target"), "amber": ("orange", "Watch"), "red": ("red", "Off target")}
EXPOSURE_STATUS = {"green": ("green", "Within limit"), "red": ("red", "Over-exposed"), "none": ("gray", "No data")}


def revenue_area(result: ScenarioResult, plan_totals: Mapping[int, float], cfg: AppConfig, y_max: float,
                 title: str) -> alt.LayerChart:
    """Stacked area of scenario revenue by powertrain, with the plan total as a dashed line."""
    labels = [cfg.label("powertrains", code) for code in POWERTRAINS]
    df = pd.DataFrame([{"Year": str(y), "Powertrain": cfg.label("powertrains", code), "order": i,
                        "Revenue": result.revenue[y][code]}
                       for y in YEARS for i, code in enumerate(POWERTRAINS)])
    scale_y = alt.Scale(domain=[0, max(y_max, 1.0)])
    area = alt.Chart(df).mark_area(opacity=0.9).encode(
        x=alt.X("Year:O", title="Year", axis=alt.Axis(labelAngle=0, values=[str(y) for y in YEARS[::2]])),
        y=alt.Y("Revenue:Q", stack="zero", title="Revenue (US$)", axis=MONEY_AXIS, scale=scale_y),
        color=alt.Color("Powertrain:N", title="Powertrain", sort=labels,
                        scale=alt.Scale(domain=labels, range=[POWERTRAIN_COLORS[c] for c in POWERTRAINS]),
                        legend=alt.Legend(orient="bottom", columns=3)),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("Year:O"), alt.Tooltip("Powertrain:N"),
                 alt.Tooltip("Revenue:Q", title="Revenue (US$)", format="$,.0f")],
    )
    plan = pd.DataFrame([{"Year": str(y), "Plan total": plan_totals[y]} for y in YEARS])
    line = alt.Chart(plan).mark_line(color=PLAN_COLOR, strokeDash=[5, 4], strokeWidth=2).encode(
        x="Year:O", y=alt.Y("Plan total:Q", scale=scale_y),
        tooltip=[alt.Tooltip("Year:O"), alt.Tooltip("Plan total:Q", title="Plan total (US$)", format="$,.0f")])
    return alt.layer(area, line, title=title).properties(height=320)


def ev_mix_lines(series: Sequence[tuple[str, Mapping[int, float | None]]], target: float) -> alt.LayerChart:
    """EV mix per year for the plan and each scenario, against the EV-mix target."""
    names = [name for name, _ in series]
    df = pd.DataFrame([{"Year": str(y), "Series": name, "EV mix": mix[y]}
                       for name, mix in series for y in YEARS if mix[y] is not None])
    colors = [PLAN_COLOR, *PALETTE[: len(names) - 1]]
    lines = alt.Chart(df).mark_line(point=True, strokeWidth=2.5).encode(
        x=alt.X("Year:O", title="Year", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("EV mix:Q", title="EV share of revenue (BEV + PHEV)", axis=PERCENT_AXIS,
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("Series:N", title=None, sort=names, scale=alt.Scale(domain=names, range=colors)),
        strokeDash=alt.condition(alt.datum.Series == names[0], alt.value([5, 4]), alt.value([1, 0])),
        tooltip=[alt.Tooltip("Year:O"), alt.Tooltip("Series:N", title="Scenario"),
                 alt.Tooltip("EV mix:Q", format=".1%")],
    )
    rule_df = pd.DataFrame({"target": [target], "text": [f"{formatting.percent(target, 0)} EV-mix target"]})
    rule = alt.Chart(rule_df).mark_rule(color="#c62828", strokeDash=[2, 2], strokeWidth=2).encode(y="target:Q")
    text = alt.Chart(rule_df).mark_text(align="left", dx=4, dy=-8, color="#c62828", fontWeight="bold").encode(
        y="target:Q", x=alt.value(0), text="text:N")
    return alt.layer(lines, rule, text, title="EV mix by year against the target").properties(height=340)


def comparison_frames(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(display table with formatted text, CSV table with numbers) of the year-by-year comparison."""
    shown, raw = [], []
    for row in rows:
        s = {"Year": str(row["year"]), "Plan revenue": formatting.money(row["plan_revenue"]),
             "Plan EV mix": formatting.percent(row["plan_ev_mix"])}
        r = {"Year": row["year"], "Plan revenue (US$)": row["plan_revenue"], "Plan EV mix": row["plan_ev_mix"],
             "Plan ICE + HEV share": row["plan_ice_hev"]}
        for i, name in enumerate(names, start=1):
            s[f"{name} revenue"] = formatting.money(row[f"s{i}_revenue"])
            s[f"{name} vs plan"] = formatting.signed_delta("money", row[f"s{i}_vs_plan"])
            s[f"{name} EV mix"] = formatting.percent(row[f"s{i}_ev_mix"])
            s[f"{name} ICE + HEV"] = formatting.percent(row[f"s{i}_ice_hev"])
            r[f"{name} revenue (US$)"] = row[f"s{i}_revenue"]
            r[f"{name} vs plan (US$)"] = row[f"s{i}_vs_plan"]
            r[f"{name} EV mix"] = row[f"s{i}_ev_mix"]
            r[f"{name} ICE + HEV share"] = row[f"s{i}_ice_hev"]
        shown.append(s)
        raw.append(r)
    return pd.DataFrame(shown), pd.DataFrame(raw)


def summary_frame(rows: Sequence[Mapping[str, Any]], names: Sequence[str], target: float) -> pd.DataFrame:
    """Plan and scenarios: target, revenue 2025-2035, vs plan, EV mix, first year at the target, exposure."""
    first = f"First year EV mix ≥ {formatting.percent(target, 0)}"
    out = []
    for name, row in zip(names, rows):
        out.append({
            "Scenario": name,
            "Revenue 2025–2035": formatting.money(row["revenue"]),
            "Difference vs plan": formatting.signed_delta("money", row["vs_plan"]),
            "EV mix in 2030": formatting.percent(row["ev_mix_2030"]),
            first: str(row["first_year"]) if row["first_year"] is not None else "not by 2035",
            "ICE + HEV share in 2030": formatting.percent(row["ice_hev_2030"]),
        })
    return pd.DataFrame(out)


def sensitivity_heatmap(rows: Sequence[Mapping[str, Any]], year: int) -> alt.LayerChart:
    """Revenue in ``year`` across EV targets (x) and plan assumptions (y), coloured by change vs plan."""
    cells = [r for r in rows if r["year"] == year]
    targets = sorted({r["target"] for r in cells})
    plans = sorted({r["plan_2030"] for r in cells}, reverse=True)
    df = pd.DataFrame([{
        "Target": formatting.percent(r["target"], 0), "Plan": formatting.percent(r["plan_2030"], 0),
        "Revenue": r["revenue"], "Label": formatting.money(r["revenue"]), "Change": r["vs_plan_share"],
        "Change text": formatting.signed_delta("percent", r["vs_plan_share"]).replace(" pts", "%"),
    } for r in cells])
    x = alt.X("Target:O", title="Scenario EV share in 2030", sort=[formatting.percent(t, 0) for t in targets],
              axis=alt.Axis(labelAngle=0))
    y = alt.Y("Plan:O", title="Plan's own 2030 EV share", sort=[formatting.percent(p, 0) for p in plans])
    tooltip = [alt.Tooltip("Target:O", title="Scenario EV share 2030"), alt.Tooltip("Plan:O", title="Plan assumption"),
               alt.Tooltip("Label:N", title=f"Revenue {year}"), alt.Tooltip("Change text:N", title="Change vs plan")]
    base = alt.Chart(df).encode(x=x, y=y, tooltip=tooltip)
    rect = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("Change:Q", title="Change vs plan", legend=alt.Legend(format="+.0%", orient="right"),
                        scale=alt.Scale(scheme="redblue", domainMid=0)))
    text = base.mark_text(fontSize=12).encode(
        text="Label:N",
        color=alt.condition("abs(datum.Change) > 0.3", alt.value("white"), alt.value("#222222")))
    return alt.layer(rect, text, title=f"Revenue in {year}").properties(height=60 * len(plans) + 40)
