"""The quarterly review's editable text, saved with the review of its quarter in ``reviews``.

One row per (quarter, slide key): a short comment on a slide, or next quarter's priorities
(key ``priorities``). Saving empty text removes the row. Functions take a connection and do not
commit (run writes inside ``with engine.begin() as conn:``); the clock is never read here:
``updated_at`` is an argument. A database created before the table existed reads as "no text"
(reading never creates a table; ``ensure_schema`` adds it).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.review import PRIORITIES, SLIDE_KEYS, ReviewError, parse_quarter
from revops_core.schema import reviews
from revops_core.windows import quarter_label

COMMENT_MAX_LENGTH = 600
PRIORITIES_MAX_LENGTH = 2000
AUTHOR_MAX_LENGTH = 120


@dataclass(frozen=True)
class SavedText:
    quarter: str
    slide_key: str
    text: str
    updated_by: str
    updated_at: datetime


def problems(quarter: str, slide_key: str, text: str, updated_by: str) -> list[str]:
    """Every problem with a text to save, or ``[]``."""
    found = []
    try:
        parse_quarter(quarter)
    except ReviewError as exc:
        found.append(str(exc))
    if slide_key not in SLIDE_KEYS:
        found.append(f"unknown slide {slide_key!r}; use one of {', '.join(SLIDE_KEYS)}")
    limit = PRIORITIES_MAX_LENGTH if slide_key == PRIORITIES else COMMENT_MAX_LENGTH
    if len(text) > limit:
        found.append(f"the text is longer than {limit} characters ({len(text)})")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        found.append("the text contains control characters")
    author = updated_by.strip()
    if not author:
        found.append("the author (updated by) is empty")
    elif len(author) > AUTHOR_MAX_LENGTH:
        found.append(f"the author is longer than {AUTHOR_MAX_LENGTH} characters")
    return found


def save_text(conn: Connection, quarter: str, slide_key: str, text: str, updated_by: str,
              updated_at: datetime) -> SavedText | None:
    """Save (replace) the text of a slide in a quarter's review; empty text removes it (None).

    Raises ``ReviewError`` listing every problem.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    found = problems(quarter, slide_key, text, updated_by or "")
    if found:
        raise ReviewError("; ".join(found))
    label = quarter_label(parse_quarter(quarter)[0])
    where = sa.and_(reviews.c.quarter == label, reviews.c.slide_key == slide_key)
    conn.execute(sa.delete(reviews).where(where))
    if not text:
        return None
    saved = SavedText(label, slide_key, text, updated_by.strip(), updated_at)
    conn.execute(sa.insert(reviews).values(quarter=label, slide_key=slide_key, text=text,
                                           updated_by=saved.updated_by, updated_at=updated_at))
    return saved


def saved_texts(conn: Connection, quarter: str) -> dict[str, SavedText]:
    """Every saved text of a quarter's review by slide key ({} before the table exists)."""
    if not sa.inspect(conn).has_table(reviews.name):
        return {}
    label = quarter_label(parse_quarter(quarter)[0])
    rows = conn.execute(sa.select(reviews).where(reviews.c.quarter == label)).all()
    return {r.slide_key: SavedText(r.quarter, r.slide_key, r.text, r.updated_by, r.updated_at) for r in rows}


def texts(conn: Connection, quarter: str) -> dict[str, str]:
    """The saved texts of a quarter's review as slide key -> text."""
    return {key: saved.text for key, saved in saved_texts(conn, quarter).items()}
