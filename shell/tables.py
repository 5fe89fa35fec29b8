"""Every table a page shows goes through ``show``: one look for money, dates and missing values,
and text cells made safe for the table's own "Download as CSV" (``revops_core.safe_csv``: a name
written like a spreadsheet formula gets a leading apostrophe, so opening the download never runs it).

Money columns keep their numbers (so they sort as numbers) in one unit per column, chosen by
``formatting.money_unit``: cells read "$1.2M" and the header names the unit ("Amount ($M)"), so
the table's CSV download says what its numbers are. Dates read "31 Oct 2026" everywhere.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from revops_core import formatting
from revops_core.safe_csv import neutralize_frame


def _label(column: str, config: Mapping[str, Any]) -> str:
    given = config.get(column)
    if isinstance(given, str):
        return given
    if isinstance(given, Mapping) and given.get("label"):
        return str(given["label"])
    return column


def money_column(label: str, values: Sequence[float]) -> tuple[float, dict[str, Any]]:
    """(divisor, column config) showing ``values`` as "$1.2M" in one unit, the unit in the header."""
    divisor, suffix = formatting.money_unit(list(values))
    unit = f"${suffix}" if suffix else "$"
    fmt = f"${'%,.1f' if suffix else '%,.0f'}{suffix}"
    return divisor, st.column_config.NumberColumn(f"{label} ({unit})", format=fmt)


def date_column(label: str) -> dict[str, Any]:
    """A date column written the one way dates are written (31 Oct 2026)."""
    return st.column_config.DateColumn(label, format=formatting.DATE_COLUMN_FORMAT)


def styled(frame: pd.DataFrame, money: Sequence[str] = (), dates: Sequence[str] = (),
           column_config: Mapping[str, Any] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``frame`` with money columns scaled to their unit and date columns as dates, and the column config."""
    config = dict(column_config or {})
    out = frame.copy()
    for column in money:
        values = pd.to_numeric(out[column], errors="coerce")
        divisor, config[column] = money_column(_label(column, config), values.dropna().tolist())
        out[column] = values / divisor
    for column in dates:
        out[column] = pd.to_datetime(out[column], errors="coerce").dt.date
        config[column] = date_column(_label(column, config))
    return out, config


def show(data: Any, *, money: Sequence[str] = (), dates: Sequence[str] = (), **kwargs: Any) -> Any:  # noqa: ANN401
    """``st.dataframe(data, **kwargs)`` with money and date columns in the product's one format and
    spreadsheet formulas neutralized in text cells."""
    if isinstance(data, pd.DataFrame) and (money or dates):
        data, kwargs["column_config"] = styled(data, money, dates, kwargs.get("column_config"))
    if isinstance(data, (pd.DataFrame, Styler)):
        data = neutralize_frame(data)
    return st.dataframe(data, **kwargs)
