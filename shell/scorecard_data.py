"""Cached wrappers around ``revops_core.scorecard`` for the ecosystem scorecard page, keyed by
(url, version, widget values), and the table the page shows (every value formatted by the core)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from revops_core import scorecard as sc
from revops_core.queries import scorecard as q
from revops_core.queries.common import EVERYTHING, Scope
from shell import data


@st.cache_data(show_spinner=False)
def lead_range(url: str, version: str, scope: Scope = EVERYTHING) -> tuple[date, date] | None:
    with data.engine(url).connect() as conn:
        return q.lead_date_range(conn, scope)


@st.cache_data(show_spinner="Computing the scorecard…")
def scorecard(url: str, version: str, start: date, end: date, level: str, journey: str | None,
              scope: Scope = EVERYTHING) -> sc.Scorecard:
    with data.engine(url).connect() as conn:
        return sc.scorecard(conn, start, end, level, data.config(), journey, scope)


@st.cache_data(show_spinner=False)
def funnel(url: str, version: str, start: date, end: date, journey: str | None, level: str | None,
           entity: str | None, scope: Scope = EVERYTHING) -> list[sc.FunnelStep]:
    with data.engine(url).connect() as conn:
        return sc.funnel(conn, start, end, data.config(), journey, scope, level, entity)


@st.cache_data(show_spinner=False)
def own_entities(url: str, version: str, level: str, scope: Scope) -> frozenset[str]:
    """The entities at ``level`` inside ``scope`` (a dealer group's own dealers, or the group)."""
    with data.engine(url).connect() as conn:
        return frozenset(q.entities(conn, level, scope))


@st.cache_data(show_spinner=False)
def heatmap(url: str, version: str, start: date, end: date, segment_level: str,
            scope: Scope = EVERYTHING) -> list[sc.HeatmapCell]:
    with data.engine(url).connect() as conn:
        return sc.heatmap(conn, start, end, segment_level, scope, data.config().rules.ecosystem.marketing_parties)


TABLE_KPIS = ("composite_score", "quartile", *sc.KPIS)


def table(card: sc.Scorecard) -> pd.DataFrame:
    """One row per entity, best composite score first: name, score, quartile, trend, every KPI as text."""
    name_col = sc.LEVEL_LABELS[card.level]
    rows = []
    for rank, r in enumerate(card.rows, start=1):
        row: dict[str, object] = {"Rank": rank, name_col: r.name}
        if card.level == "dealer":
            row["Dealer ID"] = r.entity
        row[sc.KPI_LABELS["composite_score"][0]] = sc.kpi_text("composite_score", r.composite_score)
        row[sc.KPI_LABELS["quartile"][0]] = sc.kpi_text("quartile", r.quartile)
        row["Trend vs previous window"] = sc.trend_text(r.trend)
        row.update({sc.KPI_LABELS[k][0]: sc.kpi_text(k, r.kpis[k]) for k in sc.KPIS})
        rows.append(row)
    return pd.DataFrame(rows)


TREND_COLOURS = {"▲": "#2e7d32", "▼": "#c62828"}
QUARTILE_COLOURS = {"Q1": "#2e7d32", "Q4": "#c62828"}


def styled(frame: pd.DataFrame) -> pd.io.formats.style.Styler:
    """The scorecard table with trend arrows and top/bottom quartiles in colour (the words stay)."""
    def trend(text: object) -> str:
        colour = TREND_COLOURS.get(str(text)[:1])
        return f"color: {colour}; font-weight: 600" if colour else ""

    def quartile(text: object) -> str:
        colour = QUARTILE_COLOURS.get(str(text)[:2])
        return f"color: {colour}; font-weight: 600" if colour else ""

    return (frame.style.map(trend, subset=["Trend vs previous window"])
            .map(quartile, subset=[sc.KPI_LABELS["quartile"][0]]))
