"""Cached wrappers around ``revops_core.attribution_report`` and ``revops_core.martech`` for the
attribution & martech ROI page, keyed by (url, version, window), and the tables it shows
(money kept as numbers and shown in one unit per column by ``show``; every other value
formatted by ``revops_core.formatting``; no formula here)."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from revops_core import formatting
from revops_core import martech as mt
from revops_core.attribution import MODELS, ChannelRange
from revops_core.attribution_report import MODEL_LABELS, AttributionReport, attribution_report, mean_credit
from revops_core.chart_theme import STATUS_COLORS
from revops_core.config import AppConfig
from revops_core.queries.common import EVERYTHING, Scope
from shell import data, tables


@st.cache_data(show_spinner="Attributing revenue to channels…")
def report(url: str, version: str, start: date, end: date, scope: Scope = EVERYTHING) -> AttributionReport:
    with data.engine(url).connect() as conn:
        return attribution_report(conn, start, end, data.config(), scope)


@st.cache_data(show_spinner="Costing the martech stack…")
def martech(url: str, version: str, start: date, end: date, scope: Scope = EVERYTHING) -> mt.MartechReport:
    with data.engine(url).connect() as conn:
        return mt.martech_report(conn, start, end, data.config(), scope)


def credits_frame(rep: AttributionReport) -> pd.DataFrame:
    """Long frame for the grouped bar chart: one row per channel and model (0 where a model gives none)."""
    rows = []
    for order, channel in enumerate(rep.channels):
        for model in MODELS:
            if not rep.credits[model]:
                continue  # Markov without a converting path: left out, not drawn as 0
            value = rep.credit(model, channel)
            rows.append({"Channel": channel, "Model": MODEL_LABELS[model], "model_order": MODELS.index(model),
                         "Credit": value, "Credit (US$)": formatting.money(value),
                         "Share": formatting.percent(rep.share(model, channel)),
                         "channel_order": order})
    return pd.DataFrame(rows)


def ranges_table(rep: AttributionReport) -> pd.DataFrame:
    """Each channel's credit under every model (money as numbers; the lowest and highest are the
    range chart's ends), the range as a share of the channel's mean credit and whether the models agree."""
    rows = []
    for r in rep.ranges:
        row: dict[str, object] = {"Channel": r.channel}
        row.update({MODEL_LABELS[m]: rep.credit(m, r.channel) if rep.credits[m] else None for m in MODELS})
        row.update({"Range / mean": _range_share(rep, r),
                    "Models": "⚠ Disagree" if r.models_disagree else "✓ Agree"})
        rows.append(row)
    return pd.DataFrame(rows)


RANGES_MONEY = list(MODEL_LABELS.values())


def _range_share(rep: AttributionReport, rng: ChannelRange) -> str:
    mean = mean_credit(rng.channel, rep.credits)
    return formatting.percent(rng.spread / mean if mean else None, 0)


def ranges_frame(rep: AttributionReport) -> pd.DataFrame:
    """One row per channel: low, high, the range in words and the agreement (for the range chart)."""
    return pd.DataFrame([{"Channel": r.channel, "Low": r.low, "High": r.high, "order": i,
                          "Models": "Disagree" if r.models_disagree else "Agree",
                          "Range": f"{formatting.money(r.low)} – {formatting.money(r.high)}",
                          "Range / mean": _range_share(rep, r)}
                         for i, r in enumerate(rep.ranges)])


def roi_text(value: float | None) -> str:
    return formatting.percent(value, 0)


def roi_table(lines: tuple[mt.RoiLine, ...], key_title: str, labels: dict[str, str] | None = None,
              with_leads: bool = False) -> pd.DataFrame:
    """Attributed revenue, margin and cost (numbers, shown as money by ``show``), ROI and verdict per line."""
    rows = []
    for line in lines:
        row: dict[str, object] = {key_title: (labels or {}).get(line.key, line.key)}
        if with_leads:
            row["Leads created"] = line.leads
        row.update({"Attributed revenue": line.attributed_revenue, "Gross margin": line.margin,
                    "Martech cost": line.cost, "ROI": roi_text(line.roi), "Pays back?": roi_status(line.roi)[1]})
        rows.append(row)
    return pd.DataFrame(rows)


ROI_MONEY = ["Attributed revenue", "Gross margin", "Martech cost"]
VERDICT_COLOURS = {"Pays back": "green", "Does not pay back": "red", "No cost allocated": "gray"}


def roi_status(value: float | None) -> tuple[str, str]:
    """(badge colour, words) of an ROI."""
    words = mt.roi_verdict(value)
    return VERDICT_COLOURS[words], words


def tools_table(rep: mt.MartechReport, cfg: AppConfig) -> pd.DataFrame:
    """Every tool with its cost, users, utilization and whether it is a retire candidate."""
    flagged = {c.tool.tool_id for c in rep.retire_candidates}
    return pd.DataFrame([{
        "Tool": t.name, "Status": "⚠ Retire candidate" if t.tool_id in flagged else "✓ Keep",
        "Utilization": formatting.percent(t.utilization, 0),
        "Active / licensed users": f"{formatting.count(t.active_users)} / {formatting.count(t.licensed_users)}",
        "Annual cost": t.annual_cost, "Cost in window": mt.window_cost(t.annual_cost, rep.days),
        "Category": formatting.text(t.category), "Owner": cfg.label("owners", t.owner),
        "Journeys": ", ".join(cfg.label("journeys", j) for j in t.journeys) or formatting.DASH,
    } for t in sorted(rep.tools, key=lambda t: (-t.annual_cost, t.tool_id))])


TOOLS_MONEY = ["Annual cost", "Cost in window"]
TOOLS_FIRST = ["Tool", "Status", "Utilization", "Annual cost", "Category", "Owner"]
"""The tool table's columns a reader needs first; the others (users, cost in the window, journeys) on request."""
WORD_COLOURS = {"⚠": STATUS_COLORS["amber"], "✓": STATUS_COLORS["green"], "Pays back": STATUS_COLORS["green"],
                "Does not pay back": STATUS_COLORS["red"]}


def styled(frame: pd.DataFrame, *columns: str) -> pd.io.formats.style.Styler:
    """``frame`` with the status words of ``columns`` in colour (the words stay)."""
    def colour(text: object) -> str:
        text = str(text)
        hit = WORD_COLOURS.get(text) or WORD_COLOURS.get(text[:1])
        return f"color: {hit}; font-weight: 600" if hit else ""

    return frame.style.map(colour, subset=list(columns))


def show(frame: pd.DataFrame, money: list[str], status: str, **kwargs: Any) -> None:  # noqa: ANN401
    """A table of the page: ``money`` columns in one unit each (numbers, so they sort), the
    ``status`` words in colour, the first column pinned."""
    pinned = {frame.columns[0]: st.column_config.TextColumn(frame.columns[0], pinned=True),
              **kwargs.pop("column_config", {})}
    data, config = tables.styled(frame, money=money, column_config=pinned)
    tables.show(styled(data, status), hide_index=True, width="stretch", column_config=config, **kwargs)


def utilization_frame(rep: mt.MartechReport) -> pd.DataFrame:
    flagged = {c.tool.tool_id for c in rep.retire_candidates}
    return pd.DataFrame([{"Tool": t.name, "Utilization": t.utilization, "label": formatting.percent(t.utilization, 0),
                          "Status": "Retire candidate" if t.tool_id in flagged else "Keep",
                          "Active of licensed":
                              f"{formatting.count(t.active_users)} of {formatting.count(t.licensed_users)}"}
                         for t in rep.tools if t.utilization is not None])


def candidate_lines(rep: mt.MartechReport, cfg: AppConfig) -> list[str]:
    """One markdown bullet per retire candidate: name, category, owner, annual cost and the reasons."""
    return [f"- **{c.tool.name}** ({formatting.text(c.tool.category)}, owner {cfg.label('owners', c.tool.owner)}): "
            f"{formatting.money(c.tool.annual_cost)} "
            f"a year. {' '.join(c.reasons)}" for c in rep.retire_candidates]
