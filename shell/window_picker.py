"""The report window of the ecosystem pages (scorecard, attribution) and their links.

Quarter presets sit beside two date pickers; all three are widgets bound to the URL's query
parameters (``<prefix>_window``, ``<prefix>_start``, ``<prefix>_end``), so the address bar
reopens the same window. A preset follows the as-of date (QTD moves with it); editing a date
makes the window custom. Values a link gets wrong are reported before any widget drops them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import streamlit as st

from revops_core import formatting, windows


@dataclass(frozen=True)
class Picked:
    """The window the controls describe (``start``/``end`` None while a picker is cleared)."""

    preset: str
    start: date | None
    end: date | None

    @property
    def valid(self) -> bool:
        """Both days chosen and the first on or before the last."""
        return self.start is not None and self.end is not None and self.start <= self.end


def link_problems(prefix: str, choices: Mapping[str, tuple[str, Sequence[str], str]] | None = None) -> list[str]:
    """Problems with the window and the other bound ``choices`` of the link the page was opened
    with (``key -> (label, allowed labels, default label)``); empty once the widgets have run."""
    query = st.query_params.to_dict()
    link = windows.read_window_link(query, prefix)
    if link.custom and f"{prefix}_window" not in st.session_state:
        st.session_state[f"{prefix}_window"] = windows.CUSTOM  # dates without a preset: they apply
    found = [choice_problem(label, query[key], allowed, default)
             for key, (label, allowed, default) in (choices or {}).items() if key in query]
    return [p for p in (*link.problems, *found) if p]


def choice_problem(label: str, value: str, allowed: Sequence[str], default: str) -> str:
    """``label = 'x' is not one of A, B; using A`` when a link's value is not an allowed label."""
    return "" if value in allowed else f"{label} = {value!r} is not one of {', '.join(allowed)}; using {default}"


def notice(problems: Sequence[str]) -> None:
    """The link's unusable values in one warning (nothing when there are none)."""
    if problems:
        st.warning("Some settings in this link could not be used, so their defaults apply:\n\n"
                   + "\n".join(f"- {p}" for p in problems), icon=":material/link_off:")


def pick(prefix: str, as_of: date, what: str) -> Picked:
    """Draw the presets and the two date pickers in one row; ``what`` names what falls in the
    window ("a lead created", "a sale"), for the pickers' help."""
    presets, first, last = st.columns([2.4, 1, 1], vertical_alignment="bottom")
    preset = presets.segmented_control(
        "Window", list(windows.WINDOW_CHOICES), format_func=windows.WINDOW_CHOICES.get, required=True,
        default=windows.DEFAULT_PRESET, key=f"{prefix}_window", bind="query-params",
        on_change=_preset_chosen, args=(prefix, as_of),
        help="A preset follows the as-of date; Last quarter (the default) is the last complete calendar quarter. "
             "Choosing a date makes the window custom.") or windows.DEFAULT_PRESET
    default = windows.default_window(as_of)
    if preset != windows.CUSTOM:
        default = windows.preset_window(preset, as_of)
        st.session_state[f"{prefix}_start"], st.session_state[f"{prefix}_end"] = default
    start = _picker(first, f"{prefix}_start", "From", default[0], "First day of the window (inclusive).")
    end = _picker(last, f"{prefix}_end", "To (inclusive)", default[1],
                  f"Last day of the window: {what} at 23:59 on this day counts.")
    if preset != windows.CUSTOM:
        start, end = default  # a link's stray dates never override its preset
    return Picked(preset, start, end)


def _picker(column: st.delta_generator.DeltaGenerator, key: str, label: str, value: date, tip: str) -> date | None:
    prefix = key.rsplit("_", 1)[0]
    return column.date_input(label, value=value, min_value=windows.EARLIEST, max_value=windows.LATEST,
                             format="YYYY-MM-DD", key=key, bind="query-params", help=tip,
                             on_change=_date_chosen, args=(prefix,))


def _preset_chosen(prefix: str, as_of: date) -> None:
    preset = st.session_state.get(f"{prefix}_window") or windows.DEFAULT_PRESET
    if preset != windows.CUSTOM:
        st.session_state[f"{prefix}_start"], st.session_state[f"{prefix}_end"] = windows.preset_window(preset, as_of)
    _restate(prefix)


def _date_chosen(prefix: str) -> None:
    st.session_state[f"{prefix}_window"] = windows.CUSTOM
    _restate(prefix)


def _restate(prefix: str) -> None:
    """Set the three window keys from the session, so the URL Streamlit writes back after a callback
    holds all three (it rewrites the address from the server's copy, which lacks the change the
    browser has just made to the widget that called back)."""
    for key in (f"{prefix}_window", f"{prefix}_start", f"{prefix}_end"):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def caption(picked: Picked) -> str:
    """The window in words: ``Last quarter: 1 Jul 2026 – 30 Sep 2026`` (dates by ``formatting.date``)."""
    name = windows.WINDOW_CHOICES[picked.preset]
    return f"{name}: **{formatting.date(picked.start)} – {formatting.date(picked.end)}**"
