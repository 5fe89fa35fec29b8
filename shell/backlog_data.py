"""Cached wrappers for the backlog & platform awards page (keyed by URL, data version, widgets)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from revops_core import backlog
from revops_core.config import AppConfig
from revops_core.queries import awards as qa
from revops_core.queries import cadence
from revops_core.queries import risks as qr
from revops_core.queries.common import EVERYTHING, Scope
from revops_core.safe_csv import people_csv
from shell import data
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


PPAP_COLORS = {"FAILED": "#c62828", "IN_PROGRESS": "#ed8c00", "NOT_STARTED": "#9a6700"}


def sop_styled(df: pd.DataFrame, cfg: AppConfig):  # noqa: ANN201 - a pandas Styler
    """SOP-readiness rows with PPAP status in words and in colour (red failed, amber otherwise)."""
    shown = df.assign(ppap_status=df.ppap_status.map(words),
                      powertrain=df.powertrain.map(lambda p: cfg.label("powertrains", p)))
    colors = {words(k): v for k, v in PPAP_COLORS.items()}
    return shown.style.map(lambda v: f"color: {colors.get(v, 'inherit')}; font-weight: 600", subset=["ppap_status"])


def words(code: str | None) -> str:
    """An upper-case code in words: IN_PRODUCTION -> In production."""
    return "" if code is None else code.replace("_", " ").capitalize()


AWARD_HEADERS = {
    "award_id": "Award", "account": "OEM / account", "segment": "Segment", "platform": "Platform",
    "powertrain": "Powertrain", "award_date": "Award date", "sop_date": "SOP", "eop_date": "EOP",
    "lifetime_value": "Lifetime value (US$)", "remaining_backlog": "Remaining backlog (US$)",
    "status": "Status", "ppap_status": "PPAP", "apqp_phase": "APQP phase",
}


def awards_for_display(df: pd.DataFrame, cfg: AppConfig) -> pd.DataFrame:
    """Codes in words and readable headers (the table on screen and the CSV download)."""
    out = df.assign(segment=df.segment.map(lambda s: cfg.label("segments", s)),
                    powertrain=df.powertrain.map(lambda p: cfg.label("powertrains", p)),
                    status=df.status.map(words), ppap_status=df.ppap_status.map(words))
    return out.rename(columns=AWARD_HEADERS)


def awards_csv(df: pd.DataFrame, cfg: AppConfig) -> bytes:
    return people_csv(awards_for_display(df, cfg))
