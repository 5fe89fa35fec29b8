"""Cached wrappers around ``revops_core.certifications`` and ``revops_core.alerts`` for the
certifications page and the alert banner, keyed by (url, version, ...)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from revops_core import alerts, certifications
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
