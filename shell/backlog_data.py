"""Cached wrappers for the backlog & platform awards page (keyed by URL, data version, widgets)."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from revops_core import backlog, formatting
from revops_core.chart_theme import STATUS_COLORS
from revops_core.config import AppConfig
from revops_core.queries import awards as qa
from revops_core.queries import cadence
from revops_core.queries import risks as qr
from revops_core.queries.common import EVERYTHING, Scope
from revops_core.safe_csv import people_csv
from shell import data, tables
from shell.data import config, engine

SCHEDULE_LAST_YEAR = 2035
AWARDS_LIMIT = 5000


@st.cache_data(show_spinner="Computing the backlog waterfall…")
def waterfall(url: str, version: str, period: str, as_of: date, scope: Scope = EVERYTHING) -> backlog.Waterfall:
    with engine(url).connect() as conn:
        return backlog.backlog_waterfall(conn, period, as_of, scope)


def schedule(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> backlog.Schedule:
    """The backlog schedule to the chart's last year, cut from the one cached full schedule."""
    return backlog.through_year(data.schedule(url, version, as_of, scope), SCHEDULE_LAST_YEAR)


def scheduled_after_last_year(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> float:
    """Backlog scheduled after the last year the schedule chart shows (same cached schedule)."""
    return backlog.scheduled_after(data.schedule(url, version, as_of, scope), SCHEDULE_LAST_YEAR)


@st.cache_data(show_spinner=False)
def brr_trend(url: str, version: str, as_of: date, quarters: int = 8, scope: Scope = EVERYTHING) -> backlog.BrrTrend:
    with engine(url).connect() as conn:
        return backlog.brr_by_quarter(conn, as_of, config(), quarters, scope)


@st.cache_data(show_spinner=False)
def award_accounts(url: str, version: str, scope: Scope = EVERYTHING) -> dict[str, str]:
    with engine(url).connect() as conn:
        return qa.award_accounts(conn, scope)


@st.cache_data(show_spinner=False)
def awards(url: str, version: str, as_of: date, statuses: tuple[str, ...], powertrains: tuple[str, ...],
           accounts: tuple[str, ...], scope: Scope = EVERYTHING) -> tuple[pd.DataFrame, int]:
    with engine(url).connect() as conn:
        return qa.awards_table(conn, as_of, scope, statuses, powertrains, accounts, limit=AWARDS_LIMIT)


@st.cache_data(show_spinner=False)
def sop_readiness(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> pd.DataFrame:
    with engine(url).connect() as conn:
        return qa.sop_readiness(conn, as_of, scope, config().rules.risks.sop_window_days)


@st.cache_data(show_spinner=False)
def eco_dynamics(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> backlog.EcoDynamics:
    with engine(url).connect() as conn:
        return backlog.eco_dynamics(conn, as_of, scope)


@st.cache_data(show_spinner=False)
def open_eco_queue(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> pd.DataFrame:
    with engine(url).connect() as conn:
        return cadence.open_eco_queue(conn, as_of, scope)


@st.cache_data(show_spinner=False)
def ppap_in_production(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Awards in production (SOP <= D) without PPAP approval (the red PPAP flag)."""
    with engine(url).connect() as conn:
        return qr.ppap_in_production_awards(conn, as_of, scope)


def lifetime_total(df: pd.DataFrame) -> float:
    """Sum of the rows' lifetime value (0 when there are none)."""
    return float(df.lifetime_value.sum()) if len(df) else 0.0


def sop_summary(df: pd.DataFrame) -> tuple[int, int, float]:
    """(awards, of which PPAP failed, value at risk) of the SOP-readiness rows."""
    if df.empty:
        return 0, 0, 0.0
    return len(df), int((df.ppap_status == "FAILED").sum()), float(df.value_at_risk.sum())


# PPAP status in colour and words: failed red, not yet approved amber (chart_theme's status colours)
PPAP_COLORS = {"FAILED": STATUS_COLORS["red"], "IN_PROGRESS": STATUS_COLORS["amber"],
               "NOT_STARTED": STATUS_COLORS["amber"]}
SOP_HEADERS = {
    "award_id": "Award", "account": "OEM / account", "platform": "Platform", "powertrain": "Powertrain",
    "sop_date": "SOP", "days_to_sop": "Days to SOP", "ppap_status": "PPAP", "apqp_phase": "APQP phase",
    "lifetime_value": "Lifetime value", "value_at_risk": "Value at risk"}


def sop_styled(df: pd.DataFrame, cfg: AppConfig) -> tuple[Styler, dict[str, Any]]:
    """SOP-readiness rows with codes as labels, money in one unit per column, dates one way and the
    PPAP status in colour as well as words; and the column config for ``tables.show``."""
    shown = df.assign(ppap_status=df.ppap_status.map(lambda s: cfg.label("ppap_statuses", s)),
                      powertrain=df.powertrain.map(lambda p: cfg.label("powertrains", p)))
    config = {k: st.column_config.Column(v, pinned=k == "award_id") for k, v in SOP_HEADERS.items()}
    scaled, config = tables.styled(shown, money=["lifetime_value", "value_at_risk"], dates=["sop_date"],
                                   column_config=config)
    colors = {cfg.label("ppap_statuses", k): v for k, v in PPAP_COLORS.items()}
    styler = scaled.style.map(lambda v: f"color: {colors.get(v, 'inherit')}; font-weight: 600",
                              subset=["ppap_status"])
    return styler, config


AWARD_HEADERS = {
    "award_id": "Award", "account": "OEM / account", "segment": "Segment", "platform": "Platform",
    "powertrain": "Powertrain", "award_date": "Award date", "sop_date": "SOP", "eop_date": "EOP",
    "lifetime_value": "Lifetime value", "remaining_backlog": "Remaining backlog",
    "status": "Status", "ppap_status": "PPAP", "apqp_phase": "APQP phase",
}
AWARD_MONEY = ("lifetime_value", "remaining_backlog")
AWARD_DATES = ("award_date", "sop_date", "eop_date")
# the columns a reader needs first; the rest sit behind the page's "all columns" expander
AWARD_LEAD = ("award_id", "account", "platform", "powertrain", "sop_date", "remaining_backlog", "status")


def awards_labelled(df: pd.DataFrame, cfg: AppConfig) -> pd.DataFrame:
    """Awards with codes as their labels (config/labels.yaml)."""
    return df.assign(segment=df.segment.map(lambda s: cfg.label("segments", s)),
                     powertrain=df.powertrain.map(lambda p: cfg.label("powertrains", p)),
                     status=df.status.map(lambda s: cfg.label("award_statuses", s)),
                     ppap_status=df.ppap_status.map(lambda s: cfg.label("ppap_statuses", s)))


def awards_csv(df: pd.DataFrame, cfg: AppConfig) -> bytes:
    """The awards as a CSV for people, the way the table reads: labels, money in one unit per column
    (named in the header, one decimal) and dates as 31 Oct 2026."""
    out = awards_labelled(df, cfg)
    for column in AWARD_MONEY:
        divisor, suffix = formatting.money_unit(out[column].dropna().tolist())
        out[column] = (out[column] / divisor).round(1 if suffix else 0)
        out = out.rename(columns={column: f"{AWARD_HEADERS[column]} (${suffix})"})
    for column in AWARD_DATES:
        out[column] = out[column].map(lambda d: formatting.date(pd.Timestamp(d)) if pd.notna(d) else formatting.DASH)
    return people_csv(out.rename(columns=AWARD_HEADERS))
