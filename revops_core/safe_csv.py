"""CSV meant for people, safe to open in a spreadsheet (OWASP "CSV injection").

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as
a formula by Excel, LibreOffice or Google Sheets; such a cell gets a leading apostrophe, which
spreadsheets show as plain text. Numbers are left as numbers. The contract export
(``exporter.py``) is a machine format and stays exact: it never passes through here.
"""
from __future__ import annotations

import re

import pandas as pd
from pandas.io.formats.style import Styler

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# A signed figure as the formatter writes it ("-$1.2M", "+4.5 pts", "-12%"): no formula can hide in it.
_SIGNED_FIGURE = re.compile(r"[+-][$]?[0-9][0-9.,]*[KMBx%]?( pts)?")


def neutralize(value: object) -> object:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula.

    A signed figure written by the formatter ("-$1.2M", "+3.0 pts") is left as it is.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _SIGNED_FIGURE.fullmatch(value):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are neutralized; numbers untouched.

    Also a ``pandas`` Styler: its data is neutralized and its styles kept.
    """
    if isinstance(frame, Styler):
        return _neutralized_styler(frame)
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(neutralize)
    out.columns = [neutralize(c) if isinstance(c, str) else c for c in out.columns]
    return out


def people_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV (with a byte-order mark, so Excel reads accents) for a person to open."""
    return neutralize_frame(frame).to_csv(index=False).encode("utf-8-sig")


def _neutralized_styler(styler: Styler) -> Styler:
    """The styler over a neutralized copy of its data, with the same style functions."""
    out = neutralize_frame(styler.data).style
    out.use(styler.export())
    return out
