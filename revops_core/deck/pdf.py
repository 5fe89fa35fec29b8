"""The review as a 16:9 PDF (reportlab), drawn from the same primitives as the PowerPoint file.

Text is set in the shipped Source Sans 3 (embedded, subset) and wrapped exactly as the layout
measured it; charts are the same vl-convert PNGs. ``invariant`` output: the same review gives
the same bytes (no creation time inside).
"""
from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.colors import HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from revops_core.deck import layout
from revops_core.deck.images import chart_png
from revops_core.deck.layout import CELL_PAD_X, CELL_PAD_Y, LEADING, Box, Grid, Image, Rect, Text, font_name, wrap
from revops_core.review import Review, Slide

PT = 72.0
ASCENT = 0.92   # first baseline below the box top, in ems


def render_pdf(review: Review) -> bytes:
    """The whole review as PDF bytes, one 13.333 x 7.5 inch page per slide."""
    return render_slides(review.slides, f"Quarterly architecture review {review.period.name}", review.footer)


def render_slides(slides: Sequence[Slide], title: str, subject: str) -> bytes:
    """Slides of the review's model as PDF bytes, one page each (the review, or a one-page scorecard)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(layout.WIDTH * PT, layout.HEIGHT * PT), invariant=1)
    canvas.setTitle(title)
    canvas.setAuthor("AutoRevOps")
    canvas.setSubject(subject)
    total = len(slides)
    for number, slide in enumerate(slides, start=1):
        for item in layout.place(slide, number, total):
            _draw(canvas, item)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, item: layout.Primitive) -> None:
    if isinstance(item, Rect):
        _rect(canvas, item.box, item.fill, item.stroke)
    elif isinstance(item, Text):
        _text(canvas, item)
    elif isinstance(item, Image):
        png = chart_png(item.spec, item.box.w, item.box.h)
        x, y = _origin(item.box)
        canvas.drawImage(ImageReader(io.BytesIO(png)), x, y, item.box.w * PT, item.box.h * PT, mask="auto")
    elif isinstance(item, Grid):
        _grid(canvas, item)


def _origin(box: Box) -> tuple[float, float]:
    """The box's bottom-left corner in PDF points (PDF measures from the bottom)."""
    return box.x * PT, (layout.HEIGHT - box.y - box.h) * PT


def _rect(canvas: Canvas, box: Box, fill: str | None, stroke: str | None) -> None:
    x, y = _origin(box)
    if fill:
        canvas.setFillColor(HexColor(fill))
    if stroke:
        canvas.setStrokeColor(HexColor(stroke))
        canvas.setLineWidth(0.75)
    canvas.rect(x, y, box.w * PT, box.h * PT, fill=1 if fill else 0, stroke=1 if stroke else 0)


def _line(canvas: Canvas, text: str, style: str, size: float, color: str, x: float, top: float, width: float,
          align: str = "left") -> None:
    """One line of text whose em box starts ``top`` inches from the page top."""
    canvas.setFont(font_name(style), size)
    canvas.setFillColor(HexColor(color))
    baseline = (layout.HEIGHT - top) * PT - size * ASCENT
    if align == "right":
        canvas.drawRightString((x + width) * PT, baseline, text)
    else:
        canvas.drawString(x * PT, baseline, text)


def _text(canvas: Canvas, item: Text) -> None:
    top, line_h = item.box.y, item.size * LEADING / PT
    for text in item.paragraphs:
        shown = f"•  {text}" if item.bullet else text
        for line in wrap(shown, item.style, item.size, item.box.w):
            _line(canvas, line, item.style, item.size, item.color, item.box.x, top, item.box.w, item.align)
            top += line_h
        top += line_h * item.gap


def _grid(canvas: Canvas, item: Grid) -> None:
    numeric = item.table.numeric or (False,) * len(item.table.columns)
    top = item.box.y
    for j, cells in enumerate([item.table.columns, *item.table.rows]):
        x, height = item.box.x, item.heights[j]
        style = "bold" if j == 0 else "regular"
        for i, text in enumerate(cells):
            width = item.widths[i]
            _rect(canvas, Box(x, top, width, height), layout.HEADER_FILL if j == 0 else "#ffffff", layout.RULE)
            line_top = top + CELL_PAD_Y
            for line in layout.cell_lines(text, style, item.size, width):
                _line(canvas, line, style, item.size, layout.INK, x + CELL_PAD_X, line_top, width - 2 * CELL_PAD_X,
                      "right" if numeric[i] else "left")
                line_top += item.size * LEADING / PT
            x += width
        top += height
