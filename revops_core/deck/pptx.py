"""The review as a 16:9 PowerPoint file (python-pptx), drawn from ``deck.layout``'s primitives.

Each slide keeps a real title placeholder (the outline and screen readers see it), the
comment and footer go into the speaker notes as well, and text is set in Source Sans 3 (the
viewer's PowerPoint substitutes its own sans-serif where the font is not installed).
"""
from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Inches, Pt

from revops_core.deck import layout
from revops_core.deck.images import chart_png
from revops_core.deck.layout import CELL_PAD_X, CELL_PAD_Y, FONT_FAMILY, Grid, Image, Rect, Text
from revops_core.review import Review, Slide

TITLE_ONLY = 5   # the default template's "Title Only" layout
ALIGN = {"left": PP_ALIGN.LEFT, "right": PP_ALIGN.RIGHT, "center": PP_ALIGN.CENTER}


def _rgb(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#").upper())


def render_pptx(review: Review) -> bytes:
    """The whole review as ``.pptx`` bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(layout.WIDTH), Inches(layout.HEIGHT)
    props = prs.core_properties
    props.title = f"Quarterly architecture review {review.period.name}"
    props.author = props.last_modified_by = "AutoRevOps"
    props.subject = review.footer
    total = len(review.slides)
    for number, slide in enumerate(review.slides, start=1):
        _slide(prs, slide, number, total)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _slide(prs: Presentation, slide: Slide, number: int, total: int) -> None:
    page = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    title_done = False
    for item in layout.place(slide, number, total):
        if isinstance(item, Text) and not title_done and item.paragraphs == (slide.title,):
            _text(page.shapes.title, item)
            title_done = True
        elif isinstance(item, Text):
            _text(page.shapes.add_textbox(*_emu(item.box)), item)
        elif isinstance(item, Rect):
            _rect(page, item)
        elif isinstance(item, Image):
            png = chart_png(item.spec, item.box.w, item.box.h)
            page.shapes.add_picture(io.BytesIO(png), *_emu(item.box))
        elif isinstance(item, Grid):
            _grid(page, item)
    notes = [f"Comment: {slide.comment}"] if slide.comment else []
    page.notes_slide.notes_text_frame.text = "\n".join([*notes, slide.headline, slide.footer])


def _emu(box: layout.Box) -> tuple[int, int, int, int]:
    return Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h)


def _rect(page, item: Rect) -> None:  # noqa: ANN001 - a pptx slide
    shape = page.shapes.add_shape(MSO_SHAPE.RECTANGLE, *_emu(item.box))
    shape.shadow.inherit = False
    style = shape._element.find(qn("p:style"))   # the theme's shape style adds a shadow in some viewers
    if style is not None:
        shape._element.remove(style)
    if item.fill:
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb(item.fill)
    else:
        shape.fill.background()
    if item.stroke:
        shape.line.color.rgb = _rgb(item.stroke)
        shape.line.width = Pt(0.75)
    else:
        shape.line.fill.background()


def _text(shape, item: Text) -> None:  # noqa: ANN001 - a pptx shape with a text frame
    shape.left, shape.top, shape.width, shape.height = _emu(item.box)
    frame = shape.text_frame
    # A one-line box never wraps (a wider substitute font runs on, it does not overlap the line
    # below); every box shrinks its text on overflow where the viewer supports it.
    frame.word_wrap = len(item.paragraphs) > 1 or item.box.h * 72 >= 2 * item.size * layout.LEADING
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    frame.vertical_anchor = MSO_ANCHOR.TOP
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    for i, text in enumerate(item.paragraphs):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = ALIGN[item.align]
        para.space_after = Pt(item.size * layout.LEADING * item.gap)
        run = para.add_run()
        run.text = f"•  {text}" if item.bullet else text
        _font(run.font, item.style, item.size, item.color)


def _font(font, style: str, size: float, color: str) -> None:  # noqa: ANN001 - a pptx Font
    font.name = "Courier New" if style == "mono" else FONT_FAMILY
    font.size = Pt(size)
    font.bold = style in ("bold", "semibold")
    font.italic = style == "italic"
    font.color.rgb = _rgb(color)


def _grid(page, item: Grid) -> None:  # noqa: ANN001 - a pptx slide
    rows, cols = len(item.table.rows) + 1, len(item.table.columns)
    height = Inches(sum(item.heights))
    shape = page.shapes.add_table(rows, cols, Inches(item.box.x), Inches(item.box.y), Inches(item.box.w), height)
    table = shape.table
    table.first_row, table.horz_banding = True, False
    for i, w in enumerate(item.widths):
        table.columns[i].width = Inches(w)
    for j, h in enumerate(item.heights):
        table.rows[j].height = Inches(h)
    numeric = item.table.numeric or (False,) * cols
    for j, cells in enumerate([item.table.columns, *item.table.rows]):
        for i, text in enumerate(cells):
            _cell(table.cell(j, i), text, item.size, header=j == 0, right=numeric[i])


def _cell(cell, text: str, size: float, *, header: bool, right: bool) -> None:  # noqa: ANN001 - a pptx cell
    cell.fill.solid()
    cell.fill.fore_color.rgb = _rgb(layout.HEADER_FILL if header else "#ffffff")
    cell.margin_left = cell.margin_right = Inches(CELL_PAD_X)
    cell.margin_top = cell.margin_bottom = Inches(CELL_PAD_Y)
    cell.vertical_anchor = MSO_ANCHOR.TOP
    _borders(cell, layout.RULE)
    para = cell.text_frame.paragraphs[0]
    para.alignment = PP_ALIGN.RIGHT if right else PP_ALIGN.LEFT
    run = para.add_run()
    run.text = text
    _font(run.font, "bold" if header else "regular", size, layout.INK)


def _borders(cell, color: str) -> None:  # noqa: ANN001 - a pptx cell
    """Thin lines on all four sides of a cell (python-pptx has no API for cell borders)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    for side in ("a:lnL", "a:lnR", "a:lnT", "a:lnB"):
        line = OxmlElement(side)
        line.set("w", "9525")
        fill = OxmlElement("a:solidFill")
        rgb = OxmlElement("a:srgbClr")
        rgb.set("val", color.lstrip("#").upper())
        fill.append(rgb)
        line.append(fill)
        tc_pr.insert(["a:lnL", "a:lnR", "a:lnT", "a:lnB"].index(side), line)
