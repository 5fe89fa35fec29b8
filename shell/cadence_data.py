"""Cached wrappers around ``revops_core.cadence`` for the operating-cadence page."""
from __future__ import annotations

from datetime import date

import streamlit as st

from revops_core import cadence
from revops_core.queries.common import EVERYTHING, Scope
from shell import data


@st.cache_data(show_spinner="Preparing the weekly huddle…")
def huddle(url: str, version: str, as_of: date, segments: tuple[str, ...],
           scope: Scope = EVERYTHING) -> cadence.WeeklyHuddle:
    with data.engine(url).connect() as conn:
        return cadence.weekly_huddle(conn, as_of, scope, segments)


@st.cache_data(show_spinner="Preparing the monthly reconciliation…")
def reconciliation(url: str, version: str, as_of: date, scope: Scope = EVERYTHING) -> cadence.MonthlyReconciliation:
    with data.engine(url).connect() as conn:
        return cadence.monthly_reconciliation(conn, as_of, data.config(), scope)
