"""Filters shared by every page: as-of date and segments, kept in the URL's query parameters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from revops_core.contract import SEGMENTS
from shell import data


_KEY = "_filters"


@dataclass(frozen=True)
class Filters:
    url: str
    version: str
    as_of: date
    latest: date
    segments: tuple[str, ...]


def sidebar_filters(url: str, latest: date, segments_shown: bool = True) -> Filters:
    """Draw the global filters in the sidebar (entry script, so they persist across pages).

    ``segments_shown`` False (a dealer-group viewer, whose pages have no buyer segments) leaves
    the segment filter out; every segment then counts."""
    cfg = data.config()
    with st.sidebar:
        st.subheader("Filters")
        as_of = st.date_input("As-of date", value=latest, max_value=date(latest.year + 10, 12, 31),
                              min_value=date(2000, 1, 1), key="as_of", bind="query-params",
                              format="YYYY-MM-DD",
                              help="Every figure is computed as of this date. Default: the latest date in the data.")
        segments = None
        if segments_shown:
            segments = st.multiselect("Segments", options=list(SEGMENTS), default=list(SEGMENTS),
                                      format_func=lambda s: cfg.label("segments", s), key="segments",
                                      bind="query-params", help="Buyer segments shown on segment views.")
    drawn = Filters(url, data.current_version(url), as_of or latest, latest,
                    tuple(s for s in SEGMENTS if s in (segments or SEGMENTS)))
    st.session_state[_KEY] = drawn
    return drawn


def get() -> Filters:
    """The filters drawn by the entry script (``app.py``) for this run."""
    return st.session_state[_KEY]
