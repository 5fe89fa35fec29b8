"""Cached wrapper around ``revops_core.software`` for the connected-vehicle & software page."""
from __future__ import annotations

from datetime import date

import streamlit as st

from revops_core import software
from revops_core.queries.common import EVERYTHING, Scope
from shell import data


@st.cache_data(show_spinner="Summing shipments and revenue by month…")
def summary(url: str, version: str, as_of: date, months: int = software.DEFAULT_MONTHS,
            scope: Scope = EVERYTHING) -> software.SoftwareSummary:
    with data.engine(url).connect() as conn:
        return software.software_summary(conn, as_of, scope, months=months)
