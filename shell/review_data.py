"""Cached wrappers for the quarterly review page: the slide model, its exports, the saved text.

The review is cached per (url, data version, quarter, saved texts): editing a comment changes
the texts and so the key, a new import changes the version. The exports are built on demand
(the download button calls them) from the same cached review.
"""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from revops_core import review_store
from revops_core.db import redact
from revops_core.deck import render
from revops_core.review import Review, build_review, command_line
from shell import data

Texts = tuple[tuple[str, str], ...]


def saved(url: str, quarter: str) -> dict[str, review_store.SavedText]:
    """The saved comments and priorities of a quarter's review (read uncached: written here)."""
    with data.engine(url).connect() as conn:
        return review_store.saved_texts(conn, quarter)


def texts_key(saved_texts: dict[str, review_store.SavedText]) -> Texts:
    return tuple(sorted((key, s.text) for key, s in saved_texts.items()))


def command(url: str, quarter: str, fmt: str = "pptx") -> str:
    """The CLI line that reproduces the deck (with ``--db`` when this is not the default database)."""
    return command_line(quarter, fmt, None if data.is_default_database(url) else redact(url))


@st.cache_data(show_spinner="Building the review from the data…")
def review(url: str, version: str, quarter: str, texts: Texts) -> Review:
    """The review of ``quarter`` (raises ``ReviewError`` for a quarter the data cannot review)."""
    with data.engine(url).connect() as conn:
        return build_review(conn, quarter, data.config(), latest=data.latest_date(url, version), texts=dict(texts),
                            command=command(url, quarter))


@st.cache_data(show_spinner="Rendering the slides…")
def export(url: str, version: str, quarter: str, texts: Texts, fmt: str) -> bytes:
    """The review as a ``pptx`` or ``pdf`` file."""
    return render(review(url, version, quarter, texts), fmt)


def save(url: str, quarter: str, slide_key: str, text: str, author: str) -> review_store.SavedText | None:
    """Save a comment or the priorities (raises ``ReviewError``); empty text removes it."""
    with data.engine(url).begin() as conn:
        return review_store.save_text(conn, quarter, slide_key, text, author, datetime.now().replace(microsecond=0))
