"""Every table a page shows goes through ``show``: the same ``st.dataframe`` with its text cells
made safe for the table's own "Download as CSV" (``revops_core.safe_csv``: a name written like a
spreadsheet formula gets a leading apostrophe, so opening the download never runs it)."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from revops_core.safe_csv import neutralize_frame


def show(data: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - what st.dataframe takes and returns
    """``st.dataframe(data, **kwargs)`` with spreadsheet formulas neutralized in text cells."""
    if isinstance(data, (pd.DataFrame, Styler)):
        data = neutralize_frame(data)
    return st.dataframe(data, **kwargs)
