"""The quarterly review as files: ``.pptx`` (python-pptx) and PDF (reportlab), from one slide model.

Both renderers draw ``revops_core.review.Review`` on the same 16:9 layout (``layout``), with the
charts rendered offline to PNG by vl-convert (``images``) in the font shipped in ``fonts/``
(Source Sans 3, SIL Open Font License). Nothing here needs the internet or a browser.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from revops_core.review import Review

FORMATS = ("pptx", "pdf")
MIME = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pdf": "application/pdf"}


def render(review: Review, fmt: str) -> bytes:
    """The review as a ``pptx`` or ``pdf`` file."""
    if fmt == "pptx":
        from revops_core.deck.pptx import render_pptx

        return render_pptx(review)
    if fmt == "pdf":
        from revops_core.deck.pdf import render_pdf

        return render_pdf(review)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
