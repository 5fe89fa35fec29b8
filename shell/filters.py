"""Filters shared by every page: as-of date and segments, kept in the URL's query parameters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from revops_core import formatting
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
    lowest, highest = date(2000, 1, 1), date(latest.year + 10, 12, 31)
    with st.sidebar:
        st.subheader("Filters")
        _as_of_notice(lowest, highest, latest)
        as_of = st.date_input("As-of date", value=latest, max_value=highest,
                              min_value=lowest, key="as_of", bind="query-params",
                              format="YYYY-MM-DD",
                              help="Every figure is computed as of this date. Default: the latest date in the data.")
        segments = None
        if segments_shown:
            segments = st.multiselect("Segments", options=list(SEGMENTS), default=list(SEGMENTS),
                                      format_func=lambda s: cfg.label("segments", s), key="segments",
                                      bind="query-params", help="Buyer segments shown on segment views.")
    version = data.current_version(url)
    refreshed = data.changed_at(url, version)
    if refreshed is not None:
        st.sidebar.caption(f"Data refreshed {formatting.moment(refreshed)}",
                           help="When the data last changed: the last import, restore or sample load. "
                                "Every page reads the data as of then.")
    drawn = Filters(url, version, as_of or latest, latest,
                    tuple(s for s in SEGMENTS if s in (segments or SEGMENTS)))
    st.session_state[_KEY] = drawn
    return drawn


def get() -> Filters:
    """The filters drawn by the entry script (``app.py``) for this run."""
    return st.session_state[_KEY]


# --- page controls kept in the URL --------------------------------------------------------------
# A page binds its view controls to the URL (``bind="query-params"``, the key is the parameter),
# so a shared link reopens that view. Streamlit silently drops a value from a link that its widget
# cannot take; ``link_notice`` tells the reader which ones, like the scenario page does.

@dataclass(frozen=True)
class Bound:
    """One URL-bound control: its key, its label, and the values a link may give it (the options as
    the widget writes them), or a date range for a date input; ``many`` for a multiselect."""

    key: str
    label: str
    options: tuple[str, ...] = ()
    many: bool = False
    dates: tuple[date, date] | None = None

    def problem(self, raw: str) -> str | None:
        """Why a link's value ``raw`` cannot be used (None when it can)."""
        if self.dates is not None:
            return _date_problem(raw, self.dates)
        if raw in self.options:
            return None
        shown = ", ".join(self.options[:8]) + (", …" if len(self.options) > 8 else "")
        return f"is not one of {shown}" if self.options else "is not available here"


def _date_problem(raw: str, span: tuple[date, date]) -> str | None:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return "is not a date (YYYY-MM-DD)"
    low, high = span
    return None if low <= day <= high else f"is not between {low.isoformat()} and {high.isoformat()}"


def link_problems(query: dict[str, list[str]], controls: list[Bound]) -> list[str]:
    """The values in ``query`` (parameter -> values) that ``controls`` cannot take, in words:
    ``Period = '2031Q9' is not one of 2026Q4, …; the default is shown``."""
    problems = []
    for control in controls:
        values = query.get(control.key, [])
        tail = "; left out" if control.many else "; the default is shown"
        for raw in [v for v in values if v] if control.many else values[-1:]:
            why = control.problem(raw)
            if why:
                problems.append(f"{control.label} = {raw!r} {why}{tail}")
    return problems


def _as_of_notice(lowest: date, highest: date, latest: date) -> None:
    """Say so when a link's ``as_of`` is no date or lies outside what the as-of picker takes."""
    given = st.query_params.get("as_of")
    if given is None:
        return
    try:
        ok = lowest <= date.fromisoformat(given) <= highest
    except ValueError:
        ok = False
    if not ok:
        st.warning(f"The link's as-of date {given[:20]!r} is not a date from {lowest.isoformat()} to "
                   f"{highest.isoformat()}; the latest date in the data, {latest.isoformat()}, is used.",
                   icon=":material/link_off:")


def link_notice(controls: list[Bound]) -> None:
    """Warn about the link's values the page's bound controls cannot take (call before drawing them)."""
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    problems = link_problems(query, controls)
    if problems:
        st.warning("Some settings in this link could not be used:\n\n" + "\n".join(f"- {p}" for p in problems),
                   icon=":material/link_off:")
