"""Altair charts of the backlog & platform awards page (theme and money axis from shell.charts)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from revops_core import formatting
from revops_core.backlog import BrrTrend, Schedule, Waterfall
from revops_core.config import AppConfig
from revops_core.contract import POWERTRAINS
from revops_core.playbook import OemMix
from shell.charts import MONEY_AXIS, STATUS_COLORS

# MONEY_AXIS with two decimals on billions: a waterfall axis that starts above 0 spans a narrow range.
FINE_MONEY_AXIS = alt.Axis(tickCount=6, labelExpr="datum.value >= 1e9 ? '$' + format(datum.value / 1e9, '.2f') + 'B' : "
                                                  "datum.value >= 1e6 ? '$' + format(datum.value / 1e6, '.1f') + 'M' : "
                                                  "datum.value >= 1e3 ? '$' + format(datum.value / 1e3, '.0f') + 'K' : "
                                                  "'$' + format(datum.value, ',.0f')")
KIND_WORDS = {"total": "Backlog level", "increase": "Adds to backlog", "decrease": "Takes from backlog"}
KIND_COLORS = {"Backlog level": "#1f5aa6", "Adds to backlog": STATUS_COLORS["green"],
               "Takes from backlog": STATUS_COLORS["red"]}


def step_text(kind: str, amount: float) -> str:
    """The label on a waterfall bar: the level for totals, a signed change otherwise ($0 when nil)."""
    if kind == "total" or round(amount, 2) == 0:
        return formatting.money(amount)
    return formatting.signed_delta("money", amount)


def waterfall_domain(w: Waterfall) -> tuple[float, float]:
    """A money axis around the levels the bars reach, so movements stay visible next to the totals."""
    levels = [v for s in w.steps() for v in (s.start, s.end) if s.kind != "total"] + [w.opening, w.closing]
    lo, hi = min(levels), max(levels)
    pad = max((hi - lo) * 0.35, abs(hi) * 0.02, 1.0)
    return max(0.0, lo - pad), hi + pad


def waterfall_chart(w: Waterfall, title: str) -> alt.LayerChart:
    """Floating bars: opening and closing as levels, each movement from the running level."""
    df = pd.DataFrame([{"Step": s.label, "bottom": min(s.start, s.end), "top": max(s.start, s.end),
                        "Effect": KIND_WORDS[s.kind], "text": step_text(s.kind, s.amount)} for s in w.steps()])
    order = list(df.Step)
    lo, hi = waterfall_domain(w)
    x = alt.X("Step:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelLimit=140))
    color = alt.Color("Effect:N", title=None,
                      scale=alt.Scale(domain=list(KIND_COLORS), range=list(KIND_COLORS.values())))
    y_title = "US$" if lo == 0 else "US$ (axis starts above 0)"
    base = alt.Chart(df, title=title, height=340).encode(x=x)
    bars = base.mark_bar(size=46, clip=True).encode(
        y=alt.Y("bottom:Q", title=y_title, axis=MONEY_AXIS if lo == 0 else FINE_MONEY_AXIS,
                scale=alt.Scale(domain=[lo, hi], zero=False, nice=False)),
        y2="top:Q", color=color,
        tooltip=[alt.Tooltip("Step:N"), alt.Tooltip("text:N", title="Amount"), alt.Tooltip("Effect:N")])
    labels = base.mark_text(dy=-8, fontSize=12, fontWeight="bold").encode(y="top:Q", text="text:N")
    return alt.layer(bars, labels)


def schedule_frame(schedule: Schedule, cfg: AppConfig) -> pd.DataFrame:
    rows = [{"Year": str(year), "Powertrain": cfg.label("powertrains", pt), "amount": amount}
            for year, by_pt in schedule.items() for pt in POWERTRAINS if (amount := by_pt.get(pt, 0.0)) > 0]
    return pd.DataFrame(rows, columns=["Year", "Powertrain", "amount"])


def schedule_chart(df: pd.DataFrame, cfg: AppConfig, title: str) -> alt.Chart:
    """Remaining backlog by calendar year, stacked by powertrain."""
    order = [cfg.label("powertrains", p) for p in POWERTRAINS]
    return alt.Chart(df, title=title, height=320).mark_bar().encode(
        x=alt.X("Year:O", title="Calendar year", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("sum(amount):Q", title="US$", axis=MONEY_AXIS),
        color=alt.Color("Powertrain:N", title="Powertrain", sort=order, scale=alt.Scale(domain=order)),
        order=alt.Order("Powertrain:N"),
        tooltip=[alt.Tooltip("Year:O"), alt.Tooltip("Powertrain:N"),
                 alt.Tooltip("amount:Q", title="Remaining backlog", format="$,.0f")])


def brr_chart(trend: BrrTrend, title: str) -> alt.LayerChart:
    """TTM BRR at each quarter end with the shrinking line, the target line and the top-quartile band."""
    df = pd.DataFrame([{"Quarter end": p.quarter, "BRR": p.brr, "text": formatting.ratio(p.brr),
                        "Band": p.band.label} for p in trend.points])
    top = max([trend.target * 1.5] + [p.brr for p in trend.points if p.brr is not None])
    y = alt.Y("BRR:Q", title="Backlog replenishment rate (TTM, x)", scale=alt.Scale(domain=[0, round(top + 0.2, 1)]),
              axis=alt.Axis(format=".1f"))
    layers = []
    if trend.top_quartile:
        lo, hi = trend.top_quartile
        band = pd.DataFrame([{"lo": lo, "hi": hi, "label": f"top quartile {lo:.1f}–{hi:.1f}x"}])
        layers.append(alt.Chart(band).mark_rect(color=STATUS_COLORS["green"], opacity=0.12).encode(y="lo:Q", y2="hi:Q"))
        layers.append(alt.Chart(band).mark_text(align="right", baseline="top", x="width", dx=-4, dy=2,
                                                color=STATUS_COLORS["green"])
                      .encode(y="hi:Q", text="label:N"))
    rules = pd.DataFrame([{"v": trend.target, "label": f"target {trend.target:.1f}x", "c": STATUS_COLORS["green"]},
                          {"v": trend.shrinking_below, "label": f"below {trend.shrinking_below:.1f}x: backlog shrinks",
                           "c": STATUS_COLORS["red"]}])
    layers.append(alt.Chart(rules).mark_rule(strokeDash=[6, 4]).encode(y="v:Q", color=alt.Color("c:N", scale=None)))
    layers.append(alt.Chart(rules).mark_text(align="right", baseline="bottom", x="width", dx=-4, dy=-2)
                  .encode(y="v:Q", text="label:N", color=alt.Color("c:N", scale=None)))
    line = alt.Chart(df).encode(x=alt.X("Quarter end:N", sort=None, title="Quarter end", axis=alt.Axis(labelAngle=0)),
                                y=y, tooltip=["Quarter end:N", alt.Tooltip("text:N", title="BRR"), "Band:N"])
    layers += [line.mark_line(point=True, color="#1f5aa6"), line.mark_text(dy=-10).encode(text="text:N")]
    return alt.layer(*layers).properties(title=title, height=320)


def eco_quarter_chart(by_quarter: tuple[tuple[str, float], ...], title: str) -> alt.LayerChart:
    df = pd.DataFrame([{"Quarter": q, "amount": v, "text": formatting.money(v)} for q, v in by_quarter])
    base = alt.Chart(df, title=title, height=280).encode(x=alt.X("Quarter:N", sort=None, title="Decision quarter",
                                                                 axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar(color="#1f5aa6").encode(
        y=alt.Y("amount:Q", title="US$", axis=MONEY_AXIS),
        tooltip=[alt.Tooltip("Quarter:N"), alt.Tooltip("amount:Q", title="Approved ECO revenue", format="$,.0f")])
    return alt.layer(bars, base.mark_text(dy=-8).encode(y="amount:Q", text="text:N"))


# --- OEM mix shift ---------------------------------------------------------------------------------

MIX_COLORS = {"A year before": "#9e9e9e", "Now": "#1f5aa6"}


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
    line = alt.Chart(df).mark_rule(color="#bdbdbd", strokeWidth=3).encode(
        y=y, x=alt.X("before:Q", scale=alt.Scale(domain=[0, top])), x2="now:Q")
    dots = alt.Chart(long).mark_circle(size=120, opacity=1).encode(
        y=y, x=x, color=alt.Color("When:N", title=None, scale=alt.Scale(domain=list(MIX_COLORS),
                                                                        range=list(MIX_COLORS.values()))),
        tooltip=["OEM:N", "When:N", alt.Tooltip("share:Q", title="Share of backlog", format=".1%"),
                 alt.Tooltip("change:N", title="Change"),
                 alt.Tooltip("revenue:N", title="Share of program revenue (TTM)")])
    right = df.assign(edge=df[["now", "before"]].max(axis=1))
    labels = alt.Chart(right).mark_text(align="left", dx=10, fontSize=12, color="#424242").encode(
        y=y, x=alt.X("edge:Q", scale=alt.Scale(domain=[0, top])), text="change:N")
    return alt.layer(line, dots, labels).properties(title=title, height=alt.Step(30))


def hhi_text(hhi: float | None) -> str:
    """The Herfindahl index on the usual 0-10,000 scale (0-1 in the core)."""
    return formatting.count(None if hhi is None else hhi * 10_000)


def hhi_change_text(mix: OemMix) -> str | None:
    """The change of the HHI against a year before, signed, on the 0-10,000 scale (None when n/a)."""
    if mix.hhi is None or mix.hhi_year_before is None:
        return None
    return formatting.signed_delta("count", (mix.hhi - mix.hhi_year_before) * 10_000)


def share_change_text(now: float | None, before: float | None) -> str | None:
    """The change of a share against a year before in points (+1.2 pts), None when either is n/a."""
    if now is None or before is None:
        return None
    return formatting.signed_delta("percent", now - before)

