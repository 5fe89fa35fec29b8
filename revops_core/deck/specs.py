"""Vega-Lite specs (plain dicts) of the quarterly review's charts.

The same dict is drawn on the page (``st.vega_lite_chart``, Streamlit's theme) and rendered to
PNG for the deck (``revops_core.deck.images``, with ``chart_theme.for_export``). Every label
printed on a bar comes from ``revops_core.formatting``, so a chart reads like the tables
beside it. Colours are the product's per meaning (``revops_core.chart_theme``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from revops_core import formatting, windows
from revops_core.backlog import BrrTrend, Waterfall
from revops_core.chart_theme import (MONEY_LABEL_EXPR, MOVEMENT_COLORS, PALETTE, PLAN_COLOR, STATUS_COLORS,
                                     TARGET_COLOR)
from revops_core.playbook import OemMix
from revops_core.software import SoftwareMonth

Spec = dict[str, Any]
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
KIND_WORDS = {"total": "Backlog", "increase": "Adds", "decrease": "Takes away"}
KIND_COLORS = {"Backlog": MOVEMENT_COLORS["level"], "Adds": MOVEMENT_COLORS["adds"],
               "Takes away": MOVEMENT_COLORS["takes"]}
FINE_MONEY_EXPR = ("abs(datum.value) >= 1e9 ? '$' + format(datum.value / 1e9, '.2f') + 'B' : "
                   "abs(datum.value) >= 1e6 ? '$' + format(datum.value / 1e6, '.1f') + 'M' : "
                   "abs(datum.value) >= 1e3 ? '$' + format(datum.value / 1e3, '.0f') + 'K' : "
                   "'$' + format(datum.value, ',.0f')")


def _base(title: str, values: list[dict[str, Any]]) -> Spec:
    return {"$schema": SCHEMA, "title": title, "data": {"values": values}}


def _scale(colors: Mapping[str, str]) -> dict[str, Any]:
    return {"domain": list(colors), "range": list(colors.values())}


def step_text(kind: str, amount: float) -> str:
    """A waterfall bar's label: the level for totals, a signed change otherwise."""
    if kind == "total" or round(amount, 2) == 0:
        return formatting.money(amount)
    return formatting.signed_delta("money", amount)


def waterfall_domain(w: Waterfall) -> tuple[float, float]:
    """A zero-based money axis up to the highest level the bars reach (bars never start above 0, as
    on the page: a cut axis exaggerates the movements)."""
    levels = [v for s in w.steps() for v in (s.start, s.end) if s.kind != "total"] + [w.opening, w.closing]
    return 0.0, max(max(levels) * 1.08, 1.0)


def waterfall(w: Waterfall, title: str) -> Spec:
    """Backlog waterfall (METRICS.md "Backlog waterfall"): opening and closing as levels, each
    movement floating from the running level, on a zero-based axis like the page's."""
    lo, hi = waterfall_domain(w)
    values = [{"step": s.label, "order": i, "bottom": max(lo, min(s.start, s.end)), "top": max(s.start, s.end),
               "effect": KIND_WORDS[s.kind], "text": step_text(s.kind, s.amount)} for i, s in enumerate(w.steps())]
    y_title = "US$"
    x = {"field": "step", "type": "nominal", "sort": [v["step"] for v in values], "title": None,
         "axis": {"labelAngle": 0, "labelLimit": 150, "labelFontSize": 11, "labelExpr": "split(datum.label, ' ')"}}
    return {**_base(title, values), "encoding": {"x": x}, "layer": [
        {"mark": {"type": "bar", "clip": True},
         "encoding": {"y": {"field": "bottom", "type": "quantitative", "title": y_title,
                            "scale": {"domain": [lo, hi], "zero": False, "nice": False},
                            "axis": {"labelExpr": MONEY_LABEL_EXPR if lo == 0 else FINE_MONEY_EXPR, "tickCount": 6}},
                      "y2": {"field": "top"},
                      "color": {"field": "effect", "type": "nominal", "title": None, "scale": _scale(KIND_COLORS),
                                "legend": {"orient": "bottom"}},
                      "tooltip": [{"field": "step", "title": "Step"}, {"field": "text", "title": "Amount"}]}},
        {"mark": {"type": "text", "dy": -9, "fontSize": 13, "fontWeight": "bold"},
         "encoding": {"y": {"field": "top", "type": "quantitative"}, "text": {"field": "text"}}},
    ]}


def brr_trend(trend: BrrTrend, title: str) -> Spec:
    """``backlog_replenishment_rate`` (TTM) at each quarter end with the 1.0x and target lines."""
    values = [{"quarter": p.quarter, "brr": p.brr, "text": formatting.ratio(p.brr), "status": p.band.status}
              for p in trend.points]
    rules = [{"y": trend.shrinking_below}, {"y": trend.target}]
    subtitle = (f"Dashed lines: {formatting.ratio(trend.shrinking_below)} (below it the backlog shrinks) and the "
                f"{formatting.ratio(trend.target)} target")
    colors = {k: v for k, v in STATUS_COLORS.items()}
    x = {"field": "quarter", "type": "ordinal", "title": "Quarter end", "axis": {"labelAngle": 0}}
    return {**_base(title, values), "title": {"text": title, "subtitle": subtitle}, "layer": [
        {"mark": {"type": "bar", "size": 34},
         "encoding": {"x": x, "y": {"field": "brr", "type": "quantitative", "title": "BRR (TTM)",
                                    "axis": {"format": ".1f"}},
                      "color": {"field": "status", "type": "nominal", "scale": _scale(colors), "legend": None},
                      "tooltip": [{"field": "quarter"}, {"field": "text", "title": "BRR"}]}},
        {"mark": {"type": "text", "dy": -9, "fontSize": 13, "fontWeight": "bold"},
         "encoding": {"x": x, "y": {"field": "brr", "type": "quantitative"}, "text": {"field": "text"}}},
        {"data": {"values": rules}, "mark": {"type": "rule", "strokeDash": [6, 4], "strokeWidth": 2},
         "encoding": {"y": {"field": "y", "type": "quantitative"},
                      "color": {"value": TARGET_COLOR}}},
    ]}


def oem_mix(mix: OemMix, title: str, count: int = 8) -> Spec:
    """Each of the largest OEMs' share of backlog a year before and now (``oem_mix``)."""
    values = []
    for a in mix.accounts[:count]:
        values.append({"oem": a.name, "when": "A year before", "share": a.backlog_share_year_before})
        values.append({"oem": a.name, "when": "Now", "share": a.backlog_share})
    colors = {"A year before": PLAN_COLOR, "Now": PALETTE[0]}
    y = {"field": "oem", "type": "nominal", "title": None, "sort": [a.name for a in mix.accounts[:count]]}
    return {**_base(title, values), "layer": [
        {"mark": {"type": "line", "color": "#bdbdbd", "strokeWidth": 3},
         "encoding": {"y": y, "x": {"field": "share", "type": "quantitative"}, "detail": {"field": "oem"}}},
        {"mark": {"type": "circle", "size": 150, "opacity": 1},
         "encoding": {"y": y, "x": {"field": "share", "type": "quantitative", "title": "Share of backlog",
                                    "axis": {"format": ".0%"}},
                      "color": {"field": "when", "type": "nominal", "title": None, "scale": _scale(colors),
                                "legend": {"orient": "bottom"}},
                      "tooltip": [{"field": "oem"}, {"field": "when"}, {"field": "share", "format": ".1%"}]}},
    ]}


def ev_mix_lines(series: Sequence[tuple[str, Mapping[int, float | None]]], target: float, title: str) -> Spec:
    """The EV share of our revenue by year for the plan and each scenario, with the target line."""
    values = [{"year": str(y), "series": name, "mix": v} for name, mix in series for y, v in mix.items()
              if v is not None]
    names = [name for name, _ in series]
    colors = dict(zip(names, [PLAN_COLOR, PALETTE[1], PALETTE[4], PALETTE[5], PALETTE[6]]))
    return {**_base(title, values), "layer": [
        {"mark": {"type": "line", "point": True, "strokeWidth": 3},
         "encoding": {"x": {"field": "year", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}},
                      "y": {"field": "mix", "type": "quantitative", "title": "EV share of our revenue",
                            "axis": {"format": ".0%"}},
                      "color": {"field": "series", "type": "nominal", "title": None, "scale": _scale(colors),
                                "sort": names, "legend": {"orient": "right"}},
                      "tooltip": [{"field": "series"}, {"field": "year"}, {"field": "mix", "format": ".1%"}]}},
        {"data": {"values": [{"y": target}]}, "mark": {"type": "rule", "strokeDash": [6, 4], "strokeWidth": 2},
         "encoding": {"y": {"field": "y", "type": "quantitative"}, "color": {"value": TARGET_COLOR}}},
    ]}


def arr_by_month(months: Sequence[SoftwareMonth], title: str) -> Spec:
    """Subscription ARR at each month end, the latest one labelled (``subscription_arr``)."""
    values = [{"month": formatting.month(windows.month_first(m.period)), "arr": m.subscription_arr,
               "attach": m.attach_rate_ttm, "text": formatting.money(m.subscription_arr) if i == len(months) - 1 else ""}
              for i, m in enumerate(months)]
    x = {"field": "month", "type": "ordinal", "title": None, "sort": [v["month"] for v in values],
         "axis": {"labelAngle": 0, "labelExpr": "split(datum.label, ' ')"}}
    return {**_base(title, values), "layer": [
        {"mark": {"type": "bar", "color": PALETTE[0]},
         "encoding": {"x": x, "y": {"field": "arr", "type": "quantitative", "title": "Subscription ARR",
                                    "axis": {"labelExpr": MONEY_LABEL_EXPR}},
                      "tooltip": [{"field": "month"}, {"field": "arr", "format": "$,.0f"},
                                  {"field": "attach", "title": "Attach rate (TTM)", "format": ".1%"}]}},
        {"mark": {"type": "text", "dy": -9, "fontSize": 13, "fontWeight": "bold"},
         "encoding": {"x": x, "y": {"field": "arr", "type": "quantitative"}, "text": {"field": "text"}}},
    ]}
