"""The maturity matrix as a grid on the page: six dimensions as rows, the three stages as columns,
each cell's rubric text, with the assessed cell, the previous one and the data's cell marked.

Assessing is choosing a cell per row: each cell's button stores the choice in the session
(``mm_pick_<form>_<dimension>``), seeded once per org unit and assessment from the latest
assessment, so a reader changes only the rows that moved. The grid only draws; the rows come
from ``revops_core.maturity.grid``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st

from revops_core import maturity

MARKS = {"assessed": ":blue-badge[:material/check: Assessed]", "previous": ":gray-badge[:material/history: Previous]",
         "suggested": ":orange-badge[:material/database: Data supports]"}


def pick_key(form_key: str, dimension: str) -> str:
    """The session key holding the cell chosen for ``dimension``."""
    return f"mm_pick_{form_key}_{dimension}"


def seed(form_key: str, dimensions: Iterable[str], stages: Mapping[str, int] | None) -> None:
    """Start the choices from ``stages`` (the latest assessment), once per form key."""
    for dimension in dimensions:
        st.session_state.setdefault(pick_key(form_key, dimension), None if stages is None else stages.get(dimension))


def chosen(form_key: str, dimensions: Iterable[str]) -> dict[str, int | None]:
    """The cell chosen per dimension (None: not chosen yet)."""
    return {d: st.session_state.get(pick_key(form_key, d)) for d in dimensions}


def draw(rows: list[maturity.GridRow], cfg: maturity.MaturityConfig, form_key: str,
         evidence: Mapping[str, str]) -> None:
    """The header row and one row per dimension, each cell with its rubric, marks and choose button."""
    widths = [1.1, 2, 2, 2]
    for column, title in zip(st.columns(widths), ["Dimension", *(f"{s} {cfg.stages[s]}" for s in maturity.STAGES)],
                             strict=True):
        column.markdown(f"**{title}**")
    for row in rows:
        columns = st.columns(widths)
        columns[0].markdown(f"**{row.label}**")
        if evidence.get(row.dimension):
            columns[0].caption(f"Evidence: {evidence[row.dimension]}")
        for column, cell in zip(columns[1:], row.cells, strict=True):
            _cell(column, row, cell, form_key)


def _cell(column: st.delta_generator.DeltaGenerator, row: maturity.GridRow, cell: maturity.GridCell,
          form_key: str) -> None:
    key = pick_key(form_key, row.dimension)
    picked = st.session_state.get(key) == cell.stage
    with column.container(border=True, height="stretch"):
        st.markdown(f":small[{cell.rubric}]")
        marks = [MARKS[m] for m in MARKS if getattr(cell, m)]
        if marks:  # why the data supports this stage: in the marks' help, so the cells stay short
            why = f"The data: {row.reason}." if cell.suggested and row.reason else None
            # a space beside a lone badge keeps the help icon (a badge alone renders without it)
            st.markdown(" ".join(marks) + ("&nbsp;" if why else ""), help=why)
        st.button("Chosen" if picked else "Choose", key=f"mm_cell_{form_key}_{row.dimension}_{cell.stage}",
                  type="primary" if picked else "secondary", icon=":material/check:" if picked else None,
                  on_click=_choose, args=(key, cell.stage), width="stretch",
                  help=f"{row.label}: stage {cell.stage}")


def _choose(key: str, stage: int) -> None:
    st.session_state[key] = stage
