"""Charts and tables of the EV scenario planner (Altair, shared theme, labels from config).

Builders only: they take the core's figures and return charts or DataFrames; no formulas.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from revops_core import chart_theme, formatting
from revops_core.config import AppConfig
from revops_core.outlook import PARTS
from revops_core.scenario import POWERTRAINS, YEARS, ScenarioResult
from shell.charts import MONEY_AXIS, PALETTE, PERCENT_AXIS

POWERTRAIN_COLORS, PLAN_COLOR, PART_COLORS = (chart_theme.POWERTRAIN_COLORS, chart_theme.PLAN_COLOR,
                                             chart_theme.PART_COLORS)
PART_LABELS = {"booked": "Booked (backlog schedule)", "pipeline": "Weighted pipeline", "recurring": "Recurring"}
# Width follows the container; the height given is the plot's own, so titles and legends are never squeezed.
FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")
EV_STATUS = {"green": ("green", "On target"), "amber": ("orange", "Watch"), "red": ("red", "Off target")}
EXPOSURE_STATUS = {"green": ("green", "Within limit"), "red": ("red", "Over-exposed"), "none": ("gray", "No data")}


def shared_max(results: Sequence[ScenarioResult], plan_totals: Mapping[int, float]) -> float:
    """Top of the revenue axis shared by the side-by-side charts (5% headroom)."""
    highest = max([*plan_totals.values(), *(v for r in results for v in r.total_by_year.values())], default=0.0)
    return highest * 1.05


def powertrain_legend(cfg: AppConfig) -> str:
    """One HTML legend row shared by the side-by-side area charts (same colours in each)."""
    items = "".join(
        f'<span style="margin-right:18px;white-space:nowrap"><span style="display:inline-block;width:12px;'
        f'height:12px;border-radius:2px;background:{POWERTRAIN_COLORS[code]};margin-right:6px;'
        f'vertical-align:-1px"></span>{cfg.label("powertrains", code)}</span>'
        for code in POWERTRAINS)
    plan = ('<span style="white-space:nowrap"><span style="display:inline-block;width:22px;border-top:2px dashed '
            f'{PLAN_COLOR};margin-right:6px;vertical-align:3px"></span>Plan total (the outlook)</span>')
    return f'<div style="font-size:0.9rem;line-height:1.8">{items}{plan}</div>'


def revenue_area(result: ScenarioResult, plan_totals: Mapping[int, float], cfg: AppConfig, y_max: float,
                 title: str) -> alt.LayerChart:
    """Stacked area of scenario revenue by powertrain, with the plan total as a dashed line.

    No legend of its own: ``powertrain_legend`` draws one for all the charts side by side.
    """
    labels = [cfg.label("powertrains", code) for code in POWERTRAINS]
    df = pd.DataFrame([{"Year": y, "Powertrain": cfg.label("powertrains", code), "order": i,
                        "Revenue": result.revenue[y][code]}
                       for y in YEARS for i, code in enumerate(POWERTRAINS)])
    scale_y = alt.Scale(domain=[0, max(y_max, 1.0)])
    x = alt.X("Year:Q", title="Year", scale=alt.Scale(domain=[YEARS[0], YEARS[-1]], nice=False),
              axis=alt.Axis(format="d", values=list(YEARS[::2]), labelFlush=True))
    area = alt.Chart(df).mark_area(opacity=0.9).encode(
        x=x,
        y=alt.Y("Revenue:Q", stack="zero", title="Revenue (US$)", axis=MONEY_AXIS, scale=scale_y),
        color=alt.Color("Powertrain:N", sort=labels, legend=None,
                        scale=alt.Scale(domain=labels, range=[POWERTRAIN_COLORS[c] for c in POWERTRAINS])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("Year:Q", format="d"), alt.Tooltip("Powertrain:N"),
                 alt.Tooltip("Revenue:Q", title="Revenue (US$)", format="$,.0f")],
    )
    plan = pd.DataFrame([{"Year": y, "Plan total": plan_totals[y]} for y in YEARS])
    line = alt.Chart(plan).mark_line(color=PLAN_COLOR, strokeDash=[5, 4], strokeWidth=2).encode(
        x=x, y=alt.Y("Plan total:Q", scale=scale_y),
        tooltip=[alt.Tooltip("Year:Q", format="d"),
                 alt.Tooltip("Plan total:Q", title="Plan total (US$)", format="$,.0f")])
    return alt.layer(area, line, title=title).properties(height=230, autosize=FIT_X)


def ev_mix_lines(series: Sequence[tuple[str, Mapping[int, float | None]]], target: float) -> alt.LayerChart:
    """EV mix per year for the plan (first series, dashed) and each scenario, with the target as a dotted line."""
    target_name = f"{formatting.percent(target, 0)} EV-mix target"
    names = [name for name, _ in series]
    domain = [*names, target_name]
    colors = [PLAN_COLOR, *PALETTE[: len(names) - 1], chart_theme.TARGET_COLOR]
    dashes = [[5, 4], *([[1, 0]] * (len(names) - 1)), [2, 3]]
    df = pd.DataFrame([{"Year": str(y), "Series": name, "EV mix": mix[y]}
                       for name, mix in series for y in YEARS if mix[y] is not None])
    x = alt.X("Year:O", title="Year", axis=alt.Axis(labelAngle=0))
    color = alt.Color("Series:N", title=None, sort=domain, scale=alt.Scale(domain=domain, range=colors))
    dash = alt.StrokeDash("Series:N", title=None, sort=domain, scale=alt.Scale(domain=domain, range=dashes),
                          legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=400, columns=3,
                                            labelLimit=260))
    lines = alt.Chart(df).mark_line(point=True, strokeWidth=2.5).encode(
        x=x, y=alt.Y("EV mix:Q", title="EV share of revenue (BEV + PHEV)", axis=PERCENT_AXIS,
                     scale=alt.Scale(domain=[0, 1])),
        color=color, strokeDash=dash,
        tooltip=[alt.Tooltip("Year:O"), alt.Tooltip("Series:N", title="Scenario"),
                 alt.Tooltip("EV mix:Q", format=".1%")],
    )
    goal = pd.DataFrame([{"Year": str(y), "Series": target_name, "EV mix": target} for y in YEARS])
    rule = alt.Chart(goal).mark_line(strokeWidth=2).encode(x=x, y="EV mix:Q", color=color, strokeDash=dash)
    return alt.layer(lines, rule, title="EV mix by year against the target").properties(height=260,
                                                                                       autosize=FIT_X)


def comparison_frames(rows: Sequence[Mapping[str, Any]], names: Sequence[str], letters: Sequence[str]
                      ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(revenue table, EV-mix table, CSV table with numbers) of the year-by-year comparison.

    The two display tables hold formatted text (the EV-mix table names scenarios by ``letters``
    to stay narrow); the CSV holds every figure as a number under the full ``names``.
    """
    revenue, mix, raw = [], [], []
    for row in rows:
        money = {"Year": str(row["year"]), "Plan": formatting.money(row["plan_revenue"])}
        shares = {"Year": str(row["year"]), "Plan EV": formatting.percent(row["plan_ev_mix"]),
                  "Plan ICE+HEV": formatting.percent(row["plan_ice_hev"])}
        r = {"Year": row["year"], "Plan revenue (US$)": row["plan_revenue"], "Plan EV mix": row["plan_ev_mix"],
             "Plan ICE + HEV share": row["plan_ice_hev"]}
        for i, (name, letter) in enumerate(zip(names, letters), start=1):
            money[name] = formatting.money(row[f"s{i}_revenue"])
            money[f"{name} vs plan"] = formatting.signed_delta("money", row[f"s{i}_vs_plan"])
            shares[f"{letter} EV"] = formatting.percent(row[f"s{i}_ev_mix"])
            shares[f"{letter} ICE+HEV"] = formatting.percent(row[f"s{i}_ice_hev"])
            r[f"{name} revenue (US$)"] = row[f"s{i}_revenue"]
            r[f"{name} vs plan (US$)"] = row[f"s{i}_vs_plan"]
            r[f"{name} EV mix"] = row[f"s{i}_ev_mix"]
            r[f"{name} ICE + HEV share"] = row[f"s{i}_ice_hev"]
        revenue.append(money)
        mix.append(shares)
        raw.append(r)
    return pd.DataFrame(revenue), pd.DataFrame(mix), pd.DataFrame(raw)


def summary_frame(rows: Sequence[Mapping[str, Any]], names: Sequence[str], target: float) -> pd.DataFrame:
    """Plan and scenarios: target, revenue 2025-2035, vs plan, EV mix, first year at the target, exposure."""
    first = f"First year ≥ {formatting.percent(target, 0)} EV"
    out = []
    for name, row in zip(names, rows):
        out.append({
            "Scenario": name,
            "Revenue 2025–2035": formatting.money(row["revenue"]),
            "vs plan": formatting.signed_delta("money", row["vs_plan"]),
            "EV mix 2030": formatting.percent(row["ev_mix_2030"]),
            first: str(row["first_year"]) if row["first_year"] is not None else "not by 2035",
            "ICE + HEV 2030": formatting.percent(row["ice_hev_2030"]),
        })
    return pd.DataFrame(out)


def sensitivity_heatmap(rows: Sequence[Mapping[str, Any]], year: int) -> alt.LayerChart:
    """Revenue in ``year`` across EV targets (columns) and plan assumptions (rows), coloured by change vs plan.

    The colour scale is symmetric around 0 so equal changes up or down look equally strong.
    """
    cells = [r for r in rows if r["year"] == year]
    targets = sorted({r["target"] for r in cells})
    plans = sorted({r["plan_2030"] for r in cells}, reverse=True)
    widest = max([abs(r["vs_plan_share"]) for r in cells if r["vs_plan_share"] is not None], default=0.0) or 0.01
    df = pd.DataFrame([{
        "Target": formatting.percent(r["target"], 0), "Plan": formatting.percent(r["plan_2030"], 0),
        "Label": formatting.money(r["revenue"]), "Change": r["vs_plan_share"],
        "Change text": formatting.signed_delta("percent", r["vs_plan_share"]).replace(" pts", "%"),
    } for r in cells])
    gaps = alt.Scale(paddingInner=0.06)   # cells apart by the page's own background, light or dark
    x = alt.X("Target:O", title="Scenario market EV penetration in 2030",
              sort=[formatting.percent(t, 0) for t in targets], axis=alt.Axis(labelAngle=0, orient="top"), scale=gaps)
    y = alt.Y("Plan:O", title="Plan's 2030 penetration", sort=[formatting.percent(p, 0) for p in plans], scale=gaps)
    tooltip = [alt.Tooltip("Target:O", title="Scenario EV share 2030"), alt.Tooltip("Plan:O", title="Plan assumption"),
               alt.Tooltip("Label:N", title=f"Revenue {year}"), alt.Tooltip("Change text:N", title="Change vs plan")]
    base = alt.Chart(df).encode(x=x, y=y, tooltip=tooltip)
    rect = base.mark_rect(cornerRadius=2).encode(
        color=alt.Color("Change:Q", title=["Change vs", "the plan"],
                        legend=alt.Legend(format="+.0%", orient="right", gradientLength=90),
                        scale=alt.Scale(scheme="redblue", domain=[-widest, widest])))
    text = base.mark_text(fontSize=13).encode(
        text="Label:N",
        color=alt.condition(f"abs(datum.Change) > {widest * 0.55}", alt.value("white"), alt.value("#222222")))
    return alt.layer(rect, text, title=f"Revenue in {year}").properties(height=alt.Step(42), autosize=FIT_X)


Parts = Mapping[str, Mapping[int, Mapping[str, float]]]   # part -> year -> powertrain -> amount


def parts_max(series: Mapping[str, Parts], years: Sequence[int]) -> float:
    """Top of the shared axis of the outlook-by-part charts (5% headroom)."""
    totals = [sum(v for part in parts.values() for v in part[y].values()) for parts in series.values() for y in years]
    return max(totals, default=0.0) * 1.05


def parts_legend() -> str:
    """One HTML legend row for the side-by-side outlook-by-part charts."""
    items = "".join(
        f'<span style="margin-right:18px;white-space:nowrap"><span style="display:inline-block;width:12px;'
        f'height:12px;border-radius:2px;background:{PART_COLORS[part]};margin-right:6px;'
        f'vertical-align:-1px"></span>{PART_LABELS[part]}</span>' for part in PARTS)
    return f'<div style="font-size:0.9rem;line-height:1.8">{items}</div>'


def parts_bars(parts: Parts, years: Sequence[int], y_max: float, title: str) -> alt.Chart:
    """Stacked bars of one series' outlook by part per year (zero-based, shared scale, no own legend)."""
    labels = [PART_LABELS[p] for p in PARTS]
    df = pd.DataFrame([{"Year": str(y), "Part": PART_LABELS[part], "order": i,
                        "Revenue": sum(parts[part][y].values())}
                       for y in years for i, part in enumerate(PARTS)])
    return alt.Chart(df, title=title).mark_bar().encode(
        x=alt.X("Year:O", title=None, axis=alt.Axis(labelAngle=0, values=[str(y) for y in years if y % 2 == 0])),
        y=alt.Y("Revenue:Q", stack="zero", title="Revenue (US$)", axis=MONEY_AXIS,
                scale=alt.Scale(domain=[0, max(y_max, 1.0)])),
        color=alt.Color("Part:N", sort=labels, legend=None,
                        scale=alt.Scale(domain=labels, range=[PART_COLORS[p] for p in PARTS])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("Year:O"), alt.Tooltip("Part:N"),
                 alt.Tooltip("Revenue:Q", title="Revenue (US$)", format="$,.0f")],
    ).properties(height=220, autosize=FIT_X)


def parts_frame(rows: Sequence[Mapping[str, Any]], cfg: AppConfig) -> pd.DataFrame:
    """The outlook by year, series and part, one column per powertrain and a total (numbers, US$)."""
    df = pd.DataFrame(rows)
    wide = df.pivot_table(index=["year", "series", "part"], columns="powertrain", values="amount",
                          aggfunc="sum", sort=False).reset_index()
    wide["part"] = wide["part"].map(PART_LABELS)
    wide["Total"] = wide[list(POWERTRAINS)].sum(axis=1)
    wide = wide.rename(columns={"year": "Year", "series": "Series", "part": "Part",
                                **{code: cfg.label("powertrains", code) for code in POWERTRAINS}})
    wide.columns.name = None
    return wide


def money_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """Column config showing every numeric column but the year as compact US$ (the numbers stay exact)."""
    return {c: st.column_config.NumberColumn(format="compact") for c in frame.columns
            if c != "Year" and pd.api.types.is_numeric_dtype(frame[c])} | {
        "Year": st.column_config.NumberColumn(format="%d")}
