"""Cached wrappers around ``revops_core.scorecard`` for the ecosystem scorecard page, keyed by
(url, version, widget values), the scorecard as the viewer may see it (anonymous peers), and the
table the page shows (every value formatted by the core) with its audited download."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from revops_core import scorecard as sc
from revops_core.access import Viewer
from revops_core.chart_theme import STATUS_COLORS
from revops_core.config import AppConfig
from revops_core.queries import scorecard as q
from revops_core.queries.common import EVERYTHING, Scope
from revops_core.safe_csv import people_csv
from shell import access, data, tables


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
        return sc.own_entities(conn, level, scope)


def shared_scorecard(url: str, version: str, start: date, end: date, level: str, journey: str | None,
                     scope: Scope) -> sc.SharedScorecard:
    """The scorecard as ``scope`` may see it (``sc.share_for``): ranked among every entity (the
    cached ``scorecard``), other groups' entities as anonymous peers, or none when too few."""
    card = scorecard(url, version, start, end, level, journey)  # every peer: scores are relative to them
    own = own_entities(url, version, level, scope) if not scope.every_dealer else frozenset()
    return sc.share_for(card, scope, own, data.config().users.min_peers)


@st.cache_data(show_spinner=False)
def heatmap(url: str, version: str, start: date, end: date, segment_level: str,
            scope: Scope = EVERYTHING) -> list[sc.HeatmapCell]:
    with data.engine(url).connect() as conn:
        return sc.heatmap(conn, start, end, segment_level, scope, data.config().rules.ecosystem.marketing_parties)


TABLE_KPIS = ("composite_score", "quartile", *sc.KPIS)
MONEY_KPIS = tuple(k for k in sc.KPIS if sc.KPI_LABELS[k][1] == "money")
TREND = "Trend vs previous window"
FIRST_COLUMNS = (sc.KPI_LABELS["composite_score"][0], sc.KPI_LABELS["quartile"][0], TREND,
                 *(sc.KPI_LABELS[k][0] for k in ("leads", "response_sla_rate", "conversion_rate", "revenue")))
"""What a reader needs first, after rank and name; the other columns are picked on the page."""


def table(card: sc.Scorecard) -> pd.DataFrame:
    """One row per entity, best composite score first: name, score, quartile, trend, every KPI
    as text but money (numbers, shown in one unit per column by ``show_table``)."""
    name_col = sc.LEVEL_LABELS[card.level]
    rows = []
    for rank, r in enumerate(card.rows, start=1):
        row: dict[str, object] = {"Rank": rank, name_col: r.name}
        if card.level == "dealer":
            row["Dealer ID"] = r.entity
        row[sc.KPI_LABELS["composite_score"][0]] = card.peer_note or sc.kpi_text("composite_score", r.composite_score)
        row[sc.KPI_LABELS["quartile"][0]] = HIDDEN if card.peer_note else sc.kpi_text("quartile", r.quartile)
        row[TREND] = HIDDEN if card.peer_note else sc.trend_text(r.trend)
        row.update({sc.KPI_LABELS[k][0]: _cell(k, r.kpis) for k in sc.KPIS})
        rows.append(row)
    return pd.DataFrame(rows)


HIDDEN = "—"  # a peer's count or money, never shown (and a score relative to too few peers)


def _cell(key: str, kpis: dict[str, float | None]) -> object:
    """A KPI cell: money stays a number (one unit per column, sortable), the rest is text; a KPI a
    peer's row does not carry (counts, money) is blank money or "—"."""
    if key not in kpis:
        return None if key in MONEY_KPIS else HIDDEN
    return kpis[key] if key in MONEY_KPIS else sc.kpi_text(key, kpis[key])


def download(card: sc.Scorecard, viewer: Viewer, start: date, end: date) -> None:
    """The table as a CSV download (as shown: peers anonymous), logged as an ``export`` in the
    audit log for a dealer-group, region or marketing viewer."""
    detail = f"scorecard by {card.level} {start}..{end}" + (f" ({card.journey})" if card.journey else "")
    st.download_button("Download the scorecard (CSV)", people_csv(table(card)), mime="text/csv",
                       file_name=f"scorecard_{card.level}_{start}_{end}.csv", key="eco_download",
                       icon=":material/download:", on_click=access.export_recorder(viewer, detail))


TREND_COLOURS = {"▲": STATUS_COLORS["green"], "▼": STATUS_COLORS["red"]}
QUARTILE_COLOURS = {"Q1": STATUS_COLORS["green"], "Q4": STATUS_COLORS["red"]}


def styled(frame: pd.DataFrame) -> pd.io.formats.style.Styler:
    """The scorecard table with trend arrows and top/bottom quartiles in colour (the words stay)."""
    def trend(text: object) -> str:
        colour = TREND_COLOURS.get(str(text)[:1])
        return f"color: {colour}; font-weight: 600" if colour else ""

    def quartile(text: object) -> str:
        colour = QUARTILE_COLOURS.get(str(text)[:2])
        return f"color: {colour}; font-weight: 600" if colour else ""

    return (frame.style.map(trend, subset=[TREND])
            .map(quartile, subset=[sc.KPI_LABELS["quartile"][0]]))


def more_columns(level: str) -> list[str]:
    """The table's columns a reader adds with the column picker (beyond rank, name and ``FIRST_COLUMNS``)."""
    every = [*(["Dealer ID"] if level == "dealer" else []), *(sc.KPI_LABELS[k][0] for k in sc.KPIS)]
    return [c for c in every if c not in FIRST_COLUMNS]


def show_table(card: sc.Scorecard, extra: list[str]) -> None:
    """The scorecard table: rank and name pinned, ``FIRST_COLUMNS`` then the ``extra`` ones picked,
    money in one unit per column, trend and top/bottom quartile in colour."""
    name_col = sc.LEVEL_LABELS[card.level]
    pinned = {"Rank": st.column_config.NumberColumn("Rank", width="small", pinned=True),
              name_col: st.column_config.TextColumn(name_col, pinned=True),
              FIRST_COLUMNS[0]: st.column_config.TextColumn("Score (0–100)", help="Composite score (0–100)"),
              TREND: st.column_config.TextColumn("Trend", help="Composite-score change against the previous "
                                                               "window of the same length")}
    money = [sc.KPI_LABELS[k][0] for k in MONEY_KPIS]
    frame, config = tables.styled(table(card), money=money, column_config=pinned)
    order = ["Rank", name_col, *FIRST_COLUMNS, *(c for c in more_columns(card.level) if c in extra)]
    tables.show(styled(frame), hide_index=True, width="stretch", column_order=order, column_config=config,
                height=min(38 + 35 * len(card.rows), 460), placeholder=HIDDEN)  # a peer's money: "—"


def parties_text(cfg: AppConfig) -> str:
    """The configured marketing parties by their labels (``labels.yaml`` ``parties``): "OEM or Media"."""
    words = [cfg.label("parties", p) for p in cfg.rules.ecosystem.marketing_parties]
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)
