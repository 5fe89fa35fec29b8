"""Altair charts of the backlog & platform awards page, in the product's one chart language
(``revops_core.chart_theme``): zero-based money axes, colours per meaning, no fixed text colours."""
from __future__ import annotations

import altair as alt
import pandas as pd

from revops_core import chart_theme, formatting
from revops_core.backlog import BrrTrend, Schedule, Waterfall
from revops_core.config import AppConfig
from revops_core.contract import POWERTRAINS
from revops_core.playbook import OemMix
from shell.charts import MONEY_AXIS
from shell.tiles import delta_args

KIND_WORDS = {"total": "Backlog level", "increase": "Adds to backlog", "decrease": "Takes from backlog",
              "none": "No change"}
KIND_COLORS = {"Backlog level": chart_theme.MOVEMENT_COLORS["level"],
               "Adds to backlog": chart_theme.MOVEMENT_COLORS["adds"],
               "Takes from backlog": chart_theme.MOVEMENT_COLORS["takes"], "No change": chart_theme.GREY}


def step_text(kind: str, amount: float) -> str:
    """The label on a waterfall bar: the level for totals, a signed change otherwise ($0 when nil)."""
    if kind == "total" or round(amount, 2) == 0:
        return formatting.money(amount)
    return formatting.signed_delta("money", amount)


def _effect(kind: str, amount: float) -> str:
    return KIND_WORDS["none" if kind != "total" and round(amount, 2) == 0 else kind]


def waterfall_chart(w: Waterfall, title: str) -> alt.LayerChart:
    """Floating bars on a zero-based axis: opening and closing as levels, each movement from the
    running level; labels in the colour of their bar (readable on a light and a dark page)."""
    df = pd.DataFrame([{"Step": s.label, "bottom": min(s.start, s.end), "top": max(s.start, s.end),
                        "Effect": _effect(s.kind, s.amount), "text": step_text(s.kind, s.amount)} for s in w.steps()])
    x = alt.X("Step:N", sort=list(df.Step), title=None, axis=alt.Axis(labelAngle=0, labelLimit=140))
    color = alt.Color("Effect:N", title=None,
                      scale=alt.Scale(domain=list(KIND_COLORS), range=list(KIND_COLORS.values())))
    base = alt.Chart(df, title=title, height=340).encode(x=x, color=color)
    bars = base.mark_bar(size=46).encode(
        y=alt.Y("bottom:Q", title="US$", axis=MONEY_AXIS, scale=alt.Scale(zero=True)), y2="top:Q",
        tooltip=[alt.Tooltip("Step:N"), alt.Tooltip("text:N", title="Amount"), alt.Tooltip("Effect:N")])
    labels = base.mark_text(dy=-8, fontSize=12, fontWeight="bold").encode(y="top:Q", text="text:N")
    return alt.layer(bars, labels)


def schedule_frame(schedule: Schedule, cfg: AppConfig) -> pd.DataFrame:
    rows = [{"Year": str(year), "Powertrain": cfg.label("powertrains", pt), "stack": i, "amount": amount}
            for year, by_pt in schedule.items() for i, pt in enumerate(POWERTRAINS)
            if (amount := by_pt.get(pt, 0.0)) > 0]
    return pd.DataFrame(rows, columns=["Year", "Powertrain", "stack", "amount"])


def schedule_chart(df: pd.DataFrame, cfg: AppConfig, title: str, years: list[str]) -> alt.Chart:
    """Remaining backlog by calendar year (every year of ``years`` on the axis, empty ones too),
    stacked by powertrain in the product's powertrain colours."""
    order = [cfg.label("powertrains", p) for p in POWERTRAINS]
    colors = [chart_theme.POWERTRAIN_COLORS[p] for p in POWERTRAINS]
    return alt.Chart(df, title=title, height=320).mark_bar().encode(
        x=alt.X("Year:O", title="Calendar year", axis=alt.Axis(labelAngle=0), scale=alt.Scale(domain=years)),
        y=alt.Y("sum(amount):Q", title="US$", axis=MONEY_AXIS),
        color=alt.Color("Powertrain:N", title="Powertrain", sort=order, scale=alt.Scale(domain=order, range=colors)),
        order=alt.Order("stack:Q"),
        tooltip=[alt.Tooltip("Year:O"), alt.Tooltip("Powertrain:N"),
                 alt.Tooltip("amount:Q", title="Remaining backlog", format="$,.0f")])


def brr_chart(trend: BrrTrend, title: str) -> alt.LayerChart:
    """TTM BRR at each quarter end against the top-quartile band, the target and the shrinking line;
    the lines are named in the legend, so no label sits on the data."""
    df = pd.DataFrame([{"Quarter end": p.quarter, "BRR": p.brr, "text": formatting.ratio(p.brr),
                        "Band": p.band.label} for p in trend.points])
    top = max([trend.target * 1.5] + [p.brr for p in trend.points if p.brr is not None])
    y = alt.Y("BRR:Q", title="Backlog replenishment rate (TTM, x)", scale=alt.Scale(domain=[0, round(top + 0.2, 1)]),
              axis=alt.Axis(format=".1f"))
    lines = {f"target {formatting.ratio(trend.target)}": chart_theme.STATUS_COLORS["green"],
             f"below {formatting.ratio(trend.shrinking_below)}: backlog shrinks": chart_theme.STATUS_COLORS["red"]}
    guide = alt.Color("line:N", title=None, scale=alt.Scale(domain=list(lines), range=list(lines.values())))
    rules = pd.DataFrame({"v": [trend.target, trend.shrinking_below], "line": list(lines)})
    layers = [_top_quartile(trend)] if trend.top_quartile else []
    layers.append(alt.Chart(rules).mark_rule(strokeDash=[6, 4], strokeWidth=2).encode(
        y="v:Q", color=guide, tooltip=[alt.Tooltip("line:N", title="Line")]))
    line = alt.Chart(df).encode(x=alt.X("Quarter end:N", sort=None, title="Quarter end", axis=alt.Axis(labelAngle=0)),
                                y=y, tooltip=["Quarter end:N", alt.Tooltip("text:N", title="BRR"), "Band:N"])
    layers += [line.mark_line(point=True, color=chart_theme.BLUE),
               line.mark_text(dy=-12, color=chart_theme.BLUE, fontWeight="bold").encode(text="text:N")]
    return alt.layer(*layers).properties(title=title, height=320)


def _top_quartile(trend: BrrTrend) -> alt.Chart:
    """The top-quartile range as a light green band, named in its tooltip and the page's caption."""
    lo, hi = trend.top_quartile or (0.0, 0.0)
    band = pd.DataFrame([{"lo": lo, "hi": hi, "label": f"top quartile {lo:.1f}–{hi:.1f}x"}])
    return alt.Chart(band).mark_rect(color=chart_theme.STATUS_COLORS["green"], opacity=0.14).encode(
        y="lo:Q", y2="hi:Q", tooltip=alt.Tooltip("label:N", title="Band"))


def eco_quarter_chart(by_quarter: tuple[tuple[str, float], ...], title: str) -> alt.LayerChart:
    df = pd.DataFrame([{"Quarter": q, "amount": v, "text": formatting.money(v)} for q, v in by_quarter])
    base = alt.Chart(df, title=title, height=280).encode(x=alt.X("Quarter:N", sort=None, title="Decision quarter",
                                                                 axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar(color=chart_theme.BLUE).encode(
        y=alt.Y("amount:Q", title="US$", axis=MONEY_AXIS),
        tooltip=[alt.Tooltip("Quarter:N"), alt.Tooltip("amount:Q", title="Approved ECO revenue", format="$,.0f")])
    return alt.layer(bars, base.mark_text(dy=-8, color=chart_theme.BLUE).encode(y="amount:Q", text="text:N"))


# --- OEM mix shift ---------------------------------------------------------------------------------

MIX_COLORS = {"A year before": chart_theme.GREY, "Now": chart_theme.BLUE}


def oem_mix_frame(mix: OemMix) -> pd.DataFrame:
    """One row per OEM (largest backlog share first): share now and a year before (n/a as 0), the change
    and the share of program revenue (TTM) in words."""
    rows = [{"OEM": a.name, "now": a.backlog_share or 0.0, "before": a.backlog_share_year_before or 0.0,
             "change": formatting.signed_delta("percent", None if a.change_pts is None else a.change_pts / 100),
             "revenue": formatting.percent(a.revenue_share)}
            for a in mix.accounts]
    return pd.DataFrame(rows, columns=["OEM", "now", "before", "change", "revenue"])


def oem_mix_chart(df: pd.DataFrame, title: str) -> alt.LayerChart:
    """Each OEM's share of backlog a year before (grey) and now (blue), joined by a line, with the change."""
    y = alt.Y("OEM:N", sort=list(df.OEM), title=None, axis=alt.Axis(labelLimit=160))
    long = df.melt(id_vars=["OEM", "change", "revenue"], value_vars=["before", "now"], var_name="key",
                   value_name="share")
    long["When"] = long.key.map({"before": "A year before", "now": "Now"})
    top = max(float(df[["now", "before"]].max().max()) * 1.15, 0.01)  # room for the change labels on the right
    x = alt.X("share:Q", title="Share of total backlog", axis=alt.Axis(format=".0%", tickMinStep=0.01),
              scale=alt.Scale(domain=[0, top]))
    line = alt.Chart(df).mark_rule(color=chart_theme.GREY, strokeWidth=3, opacity=0.6).encode(
        y=y, x=alt.X("before:Q", scale=alt.Scale(domain=[0, top])), x2="now:Q")
    dots = alt.Chart(long).mark_circle(size=120, opacity=1).encode(
        y=y, x=x, color=alt.Color("When:N", title=None, scale=alt.Scale(domain=list(MIX_COLORS),
                                                                        range=list(MIX_COLORS.values()))),
        tooltip=["OEM:N", "When:N", alt.Tooltip("share:Q", title="Share of backlog", format=".1%"),
                 alt.Tooltip("change:N", title="Change"),
                 alt.Tooltip("revenue:N", title="Share of program revenue (TTM)")])
    right = df.assign(edge=df[["now", "before"]].max(axis=1))
    labels = alt.Chart(right).mark_text(align="left", dx=10, fontSize=12, color=chart_theme.PLAN_COLOR).encode(
        y=y, x=alt.X("edge:Q", scale=alt.Scale(domain=[0, top])), text="change:N")
    return alt.layer(line, dots, labels).properties(title=title, height=alt.Step(30))


def hhi_text(hhi: float | None) -> str:
    """The Herfindahl index on the usual 0-10,000 scale (0-1 in the core)."""
    return formatting.count(None if hhi is None else hhi * 10_000)


def share_delta(now: float | None, before: float | None, neutral: bool = False) -> dict[str, object]:
    """``st.metric`` delta arguments for a share against a year before: a rise in concentration reads red
    (``neutral``: no colour at all); no change reads "no change" without arrow or colour."""
    args = delta_args("percent", None if now is None or before is None else now - before, higher_is_better=False)
    return {**args, "delta_color": "off"} if neutral and "delta_color" in args else args


def hhi_delta(mix: OemMix) -> dict[str, object]:
    """``st.metric`` delta arguments for the HHI against a year before (0-10,000 scale; a rise reads red)."""
    change = None if mix.hhi is None or mix.hhi_year_before is None else (mix.hhi - mix.hhi_year_before) * 10_000
    return delta_args("count", change, higher_is_better=False)
