"""Cached wrappers around ``revops_core.certifications`` and ``revops_core.alerts`` for the
certifications page and the alert banner, keyed by (url, version, ...)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from revops_core import alerts, certifications, formatting
from revops_core.chart_theme import STATUS_COLORS
from revops_core.config import AppConfig
from revops_core.contract import SEGMENTS
from shell import data


def segment_arg(segments: tuple[str, ...]) -> tuple[str, ...] | None:
    """None (the whole open pipeline, as in ``pipeline_at_risk_cert``) when every segment is selected."""
    return None if set(segments) >= set(SEGMENTS) else segments


@st.cache_data(show_spinner=False)
def matrix(url: str, version: str, as_of: date) -> list[certifications.CertificationRow]:
    with data.engine(url).connect() as conn:
        return certifications.certification_matrix(conn, as_of, data.config())


@st.cache_data(show_spinner=False)
def requirements(url: str, version: str) -> pd.DataFrame:
    with data.engine(url).connect() as conn:
        return certifications.product_requirements(conn, data.config())


@st.cache_data(show_spinner="Summing blocked pipeline…")
def gates(url: str, version: str, segments: tuple[str, ...] | None) -> certifications.GateSummary:
    with data.engine(url).connect() as conn:
        return certifications.gates(conn, data.config(), segments=segments)


@st.cache_data(show_spinner=False)
def drilldown(url: str, version: str, only: str | None,
              segments: tuple[str, ...] | None) -> tuple[pd.DataFrame, int]:
    with data.engine(url).connect() as conn:
        return certifications.blocked_drilldown(conn, data.config(), only, segments=segments)


@st.cache_data(show_spinner=False)
def what_if(url: str, version: str, code: str, renewal: date, expiry: date,
            segments: tuple[str, ...] | None) -> certifications.RenewalWhatIf:
    with data.engine(url).connect() as conn:
        return certifications.renewal_what_if(conn, data.config(), code, renewal, expiry, segments=segments)


def firing_alerts(url: str, version: str, as_of: date) -> list[alerts.FiringAlert]:
    """Alerts firing at ``as_of`` (the board metrics are cached; evaluating them is cheap)."""
    return alerts.firing_alerts(data.board_metrics(url, version, as_of), data.config())


# Why a certification blocks pipeline, for the chart of what is blocked: a valid certificate blocks
# only the deals closing after its expiry (amber), one not valid now blocks every deal needing it (red).
BLOCK_KINDS = {"expires": "Valid now, expires before the deals close",
               "invalid": "Not valid now: blocks every deal that needs it"}
BLOCK_COLORS = {BLOCK_KINDS["expires"]: STATUS_COLORS["amber"], BLOCK_KINDS["invalid"]: STATUS_COLORS["red"]}


def gate_frame(summary: certifications.GateSummary, rows: list[certifications.CertificationRow],
               cfg: AppConfig) -> pd.DataFrame:
    """One row per certification: its state, the pipeline it blocks (amount and words), why, and
    the kind of block the chart colours by."""
    state = {r.certification: r for r in rows}
    return pd.DataFrame([{
        "Certification": cfg.label("certifications", g.certification), "Status": state[g.certification].words,
        "amount": g.amount, "Blocked pipeline": formatting.money(g.amount), "Opportunities": formatting.count(g.count),
        "Why": _why(state[g.certification], g.reason),
        "Block": BLOCK_KINDS["expires" if state[g.certification].valid_at_D else "invalid"]}
        for g in summary.gates])


def _why(row: certifications.CertificationRow, reason: str) -> str:
    """The core's reason, its date written the one way dates are written."""
    if row.status == "CERTIFIED" and row.expiry_date is not None:
        return f"expires {formatting.date(row.expiry_date)}: opportunities closing later are blocked"
    return reason
