"""AutoRevOps functional core: pure metric functions and one data-access layer.

Nothing in this package imports Streamlit; the shell (``app.py`` and ``views/``) does.
"""
from __future__ import annotations

__version__ = "0.1.0"
