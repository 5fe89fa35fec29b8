"""The one 16:9 slide layout both renderers draw: a slide becomes a list of positioned primitives.

``place(slide, number, total)`` returns rectangles, text blocks, a chart image box and a table,
each in inches from the top-left corner, with font sizes already fitted to their boxes by
measuring the shipped font (reportlab's metrics of Source Sans 3). ``deck.pptx`` and
``deck.pdf`` only draw what they are given, so the two files show the same slide.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from revops_core.chart_theme import STATUS_COLORS
from revops_core.review import Chart, Slide, Table, Tile

WIDTH, HEIGHT = 13.333, 7.5          # inches, 16:9
MARGIN = 0.6
CONTENT_W = WIDTH - 2 * MARGIN
BODY_TOP, BODY_BOTTOM = 1.8, 6.62
FONT_DIR = Path(__file__).parent / "fonts"
FONT_FAMILY = "Source Sans 3"        # chart_theme.EXPORT_FONT
FONTS = {"regular": "SourceSans3-Regular", "semibold": "SourceSans3-Semibold", "bold": "SourceSans3-Bold",
         "italic": "SourceSans3-It"}
MONO = "Courier"                     # a standard PDF font: nothing to ship
INK, MUTED, FAINT, RULE, ACCENT = "#212121", "#4f4f4f", "#6b6b6b", "#d6d6d6", "#1f5aa6"
TILE_FILL, COMMENT_FILL, HEADER_FILL = "#ffffff", "#f3f6fb", "#eef1f5"
LEADING = 1.18
CELL_PAD_X, CELL_PAD_Y = 0.08, 0.05


@cache
def register_fonts() -> dict[str, str]:
    """Register the shipped Source Sans 3 files with reportlab (once); style -> font name."""
    for name in FONTS.values():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))
    return FONTS


def font_name(style: str) -> str:
    return MONO if style == "mono" else register_fonts()[style]


def text_width(text: str, style: str, size: float) -> float:
    """Width of ``text`` in points."""
    return pdfmetrics.stringWidth(text, font_name(style), size)


def wrap(text: str, style: str, size: float, width_in: float) -> list[str]:
    """Greedy word wrap to ``width_in`` inches (a word longer than the line stays whole)."""
    limit, lines, line = width_in * 72, [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and text_width(candidate, style, size) > limit:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines or [""]


def fit(paragraphs: list[str], style: str, width_in: float, height_in: float, size: float,
        smallest: float = 8.0, gap: float = 0.0) -> float:
    """The largest size from ``size`` down to ``smallest`` (half points) at which the wrapped
    paragraphs fit the box (``gap``: extra space after each paragraph, in lines)."""
    while size > smallest:
        if block_height(paragraphs, style, size, width_in, gap) <= height_in:
            return size
        size -= 0.5
    return smallest


def block_height(paragraphs: list[str], style: str, size: float, width_in: float, gap: float = 0.0) -> float:
    lines = sum(len(wrap(p, style, size, width_in)) for p in paragraphs)
    return (lines + gap * max(0, len(paragraphs) - 1)) * size * LEADING / 72


# --- primitives -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Rect:
    box: Box
    fill: str | None = None
    stroke: str | None = None


@dataclass(frozen=True)
class Text:
    """Paragraphs in one box at one fitted size; ``bullet`` puts a dot before each paragraph."""

    box: Box
    paragraphs: tuple[str, ...]
    style: str = "regular"
    size: float = 14.0
    color: str = INK
    bullet: bool = False
    align: str = "left"
    gap: float = 0.0   # space after each paragraph, in lines


@dataclass(frozen=True)
class Image:
    box: Box
    spec: dict = field(hash=False, compare=False)


@dataclass(frozen=True)
class Grid:
    """A table: column widths and row heights in inches, cells already wrapped to their width."""

    box: Box
    table: Table
    widths: tuple[float, ...]
    heights: tuple[float, ...]
    size: float


Primitive = Rect | Text | Image | Grid


# --- the slide ------------------------------------------------------------------------------------

def place(slide: Slide, number: int, total: int) -> list[Primitive]:
    """Every primitive of ``slide`` (slide ``number`` of ``total``), drawn in order."""
    if slide.key == "title":
        return [*_title_page(slide), *_footer(slide, number, total)]
    if slide.key == ONE_PAGE_SCORECARD:
        return [*_scorecard_page(slide), *_footer(slide, number, total)]
    out: list[Primitive] = [Rect(Box(0, 0, WIDTH, 0.12), fill=ACCENT), *_heading(slide)]
    bottom = BODY_BOTTOM
    if slide.comment:
        comment = Box(MARGIN, BODY_BOTTOM - 0.5, CONTENT_W, 0.5)
        bottom = comment.y - 0.12
        out += _comment(slide.comment, comment)
    out += _body(slide, Box(MARGIN, BODY_TOP, CONTENT_W, bottom - BODY_TOP))
    return [*out, *_footer(slide, number, total)]


# --- the one-page scorecard (``revops_core.scorecard_export.one_page``) ----------------------------

ONE_PAGE_SCORECARD = "scorecard"


def _scorecard_page(slide: Slide) -> list[Primitive]:
    """A denser page than a review slide: a smaller heading, one row of small tiles, the table in
    the room left, the notes at the bottom; ``fits`` says whether the table kept to its room."""
    title_box, head_box = Box(MARGIN, 0.3, CONTENT_W, 0.6), Box(MARGIN, 0.9, CONTENT_W, 0.4)
    out: list[Primitive] = [
        Rect(Box(0, 0, WIDTH, 0.12), fill=ACCENT),
        Text(title_box, (slide.title,), "bold", fit([slide.title], "bold", title_box.w, title_box.h, 28, 18)),
        Text(head_box, (slide.headline,), "regular", fit([slide.headline], "regular", head_box.w, head_box.h, 15, 10),
             MUTED)]
    top = 1.4
    if slide.tiles:
        out += _tiles(slide.tiles, Box(MARGIN, top, CONTENT_W, 1.0), 1)
        top += 1.15
    notes = list(slide.bullets)
    notes_h = min(1.1, block_height(notes, "regular", 10.5, CONTENT_W - 0.3, 0.2) + 0.05) if notes else 0.0
    bottom = BODY_BOTTOM - notes_h - (0.1 if notes else 0.0)
    if slide.table:
        out.append(grid(slide.table, Box(MARGIN, top, CONTENT_W, bottom - top), 11))
    if notes:
        size = fit(notes, "regular", CONTENT_W - 0.3, notes_h, 10.5, 7.5, 0.2)
        out.append(Text(Box(MARGIN, BODY_BOTTOM - notes_h, CONTENT_W, notes_h), tuple(notes), "regular", size,
                        MUTED, bullet=True, gap=0.2))
    return out


def fits(primitives: list[Primitive]) -> bool:
    """Whether every table among ``primitives`` ends inside its box (the one-page scorecard's check)."""
    return all(sum(p.heights) <= p.box.h + 1e-6 for p in primitives if isinstance(p, Grid))


def _heading(slide: Slide) -> list[Primitive]:
    title_box, head_box = Box(MARGIN, 0.38, CONTENT_W, 0.72), Box(MARGIN, 1.1, CONTENT_W, 0.62)
    title_size = fit([slide.title], "bold", title_box.w, title_box.h, 32, 22)
    head_size = fit([slide.headline], "regular", head_box.w, head_box.h, 18, 11)
    return [Text(title_box, (slide.title,), "bold", title_size),
            Text(head_box, (slide.headline,), "regular", head_size, MUTED)]


def _title_page(slide: Slide) -> list[Primitive]:
    agenda = [f"{i}. {t}" for i, t in enumerate(slide.bullets, start=2)]
    half = (len(agenda) + 1) // 2
    col_w = (CONTENT_W - 0.4) / 2
    size = min(fit(agenda[:half], "regular", col_w, 2.9, 17, 10, 0.3), fit(agenda[half:], "regular", col_w, 2.9, 17,
                                                                           10, 0.3))
    out: list[Primitive] = [
        Rect(Box(0, 0, WIDTH, 2.7), fill=ACCENT),
        Text(Box(MARGIN, 0.9, CONTENT_W, 0.9), (slide.title,), "bold", 40, "#ffffff"),
        Text(Box(MARGIN, 1.8, CONTENT_W, 0.7), (slide.headline,), "regular",
             fit([slide.headline], "regular", CONTENT_W, 0.7, 22, 12), "#ffffff"),
        Text(Box(MARGIN, 3.05, CONTENT_W, 0.4), ("Agenda",), "semibold", 18, ACCENT),
        Text(Box(MARGIN, 3.55, col_w, 2.9), tuple(agenda[:half]), "regular", size, INK, gap=0.3),
        Text(Box(MARGIN + col_w + 0.4, 3.55, col_w, 2.9), tuple(agenda[half:]), "regular", size, INK, gap=0.3),
    ]
    if slide.comment:
        out += _comment(slide.comment, Box(MARGIN, BODY_BOTTOM - 0.05, CONTENT_W, 0.55))
    return out


def _comment(text: str, box: Box) -> list[Primitive]:
    inner = Box(box.x + 0.15, box.y + 0.06, box.w - 0.3, box.h - 0.12)
    size = fit([f"Comment: {text}"], "italic", inner.w, inner.h, 14, 8)
    return [Rect(box, fill=COMMENT_FILL, stroke=None), Rect(Box(box.x, box.y, 0.06, box.h), fill=ACCENT),
            Text(inner, (f"Comment: {text}",), "italic", size, INK)]


def _footer(slide: Slide, number: int, total: int) -> list[Primitive]:
    box = Box(MARGIN, 6.85, CONTENT_W - 1.3, 0.5)
    size = fit([slide.footer], "regular", box.w, box.h, 10, 6.5)
    return [Rect(Box(MARGIN, 6.76, CONTENT_W, 0.012), fill=RULE),
            Text(box, (slide.footer,), "regular", size, FAINT),
            Text(Box(WIDTH - MARGIN - 1.2, 6.85, 1.2, 0.3), (f"{number} / {total}",), "semibold", 11, FAINT,
                 align="right")]


# --- the body -------------------------------------------------------------------------------------

def _body(slide: Slide, body: Box) -> list[Primitive]:
    out: list[Primitive] = []
    if slide.tiles:
        rows = 3 if len(slide.tiles) > 8 else 1
        alone = rows > 1 and not (slide.table or slide.chart or slide.bullets)   # the board: a grid of tiles
        tiles_h = body.h if alone else 1.45
        out += _tiles(slide.tiles, Box(body.x, body.y, body.w, tiles_h), rows)
        body = Box(body.x, body.y + tiles_h + 0.2, body.w, body.h - tiles_h - 0.2)
    if slide.code:
        code = Box(body.x, body.y, body.w, 0.7)
        out += [Rect(code, fill="#f5f5f5", stroke=RULE),
                Text(Box(code.x + 0.2, code.y + 0.12, code.w - 0.4, code.h - 0.2), (slide.code,), "mono",
                     fit([slide.code], "mono", code.w - 0.4, code.h - 0.2, 15, 8), INK)]
        body = Box(body.x, body.y + 0.95, body.w, body.h - 0.95)
    return out + _content(slide, body)


def _content(slide: Slide, box: Box) -> list[Primitive]:
    table, chart, bullets = slide.table, slide.chart, list(slide.bullets)
    if bullets and not (table or chart):
        return [_bullets(bullets, box, 24 if slide.key == "priorities" else 20)]
    note_h = min(0.9, block_height(bullets, "regular", 14, box.w) + 0.1) if bullets else 0.0
    room = Box(box.x, box.y, box.w, box.h - (note_h + 0.15 if bullets else 0.0))
    out = _table_and_chart(table, chart, room)
    if bullets:   # a note right under what is drawn
        drawn = max((p.box.y + (sum(p.heights) if isinstance(p, Grid) else p.box.h) for p in out), default=box.y)
        out.append(_bullets(bullets, Box(box.x, drawn + 0.15, box.w, note_h), 14))
    return out


def _table_and_chart(table: Table | None, chart: Chart | None, box: Box) -> list[Primitive]:
    if table and chart:
        if len(table.columns) > 4:                      # a wide table: chart above it
            table_h = min(box.h * 0.5, 0.36 * (len(table.rows) + 1))
            return [Image(Box(box.x, box.y, box.w, box.h - table_h - 0.2), chart.spec),
                    grid(table, Box(box.x, box.y + box.h - table_h, box.w, table_h), 13)]
        chart_w = box.w * (0.64 if len(table.columns) <= 2 else 0.58)
        return [Image(Box(box.x, box.y, chart_w, box.h), chart.spec),
                grid(table, Box(box.x + chart_w + 0.3, box.y, box.w - chart_w - 0.3, box.h))]
    if table:
        return [grid(table, box)]
    return [Image(box, chart.spec)] if chart else []


def _bullets(bullets: list[str], box: Box, size: float) -> Text:
    fitted = fit(bullets, "regular", box.w - 0.3, box.h, size, 9, 0.35)
    return Text(box, tuple(bullets), "regular", fitted, INK, bullet=True, gap=0.35)


def one_line(text: str, style: str, width_in: float, size: float, smallest: float = 8.0) -> tuple[str, float]:
    """``text`` on one line of ``width_in``: the largest size that fits, else shortened with "…"."""
    limit = width_in * 72
    while size > smallest and text_width(text, style, size) > limit:
        size -= 0.5
    while text_width(text, style, size) > limit and len(text) > 1:
        text = text[:-2].rstrip() + "…"
    return text, size


def band_text(t: Tile) -> str:
    """The band in colour words: "Watch: growing but below 1.2x target" ("No benchmark" alone)."""
    if not t.band or t.band.lower() == t.status_words.lower():
        return f"● {t.status_words}"
    return f"● {t.status_words}: {t.band}"


def _tiles(tiles: tuple[Tile, ...], box: Box, rows: int) -> list[Primitive]:
    cols = -(-len(tiles) // rows)
    gap = 0.15
    w, h = (box.w - gap * (cols - 1)) / cols, (box.h - gap * (rows - 1)) / rows
    big = rows == 1 and h >= 1.4          # a single row of tiles: larger type
    size = line_size(tiles, w - 0.3, 12.5 if big else 11)
    out: list[Primitive] = []
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        out += tile(t, Box(box.x + c * (w + gap), box.y + r * (h + gap), w, h), big, size)
    return out


def tile_lines(t: Tile) -> list[tuple[str, str, str]]:
    """The small lines under a tile's value: (text, style, colour)."""
    color = STATUS_COLORS.get(t.status, STATUS_COLORS["none"])
    lines = [(t.change, "regular", MUTED)] if t.change else []
    if t.status != "none" or (t.band and t.band.lower() != "no benchmark"):   # "no benchmark" goes without saying
        lines.append((band_text(t), "semibold", color))
    return lines + ([(t.note, "italic", FAINT)] if t.note else [])


def line_size(tiles: tuple[Tile, ...], width: float, largest: float, smallest: float = 9.5) -> float:
    """One size for the small lines of a row or grid of tiles: the largest at which the lines fit
    one line each (not below ``smallest``: a longer one then takes two lines)."""
    size = largest
    texts = [(text, style) for t in tiles for text, style, _ in tile_lines(t)]
    while size > smallest and any(text_width(text, style, size) > width * 72 for text, style in texts):
        size -= 0.5
    return size


def tile(t: Tile, box: Box, big: bool = False, size: float = 11) -> list[Primitive]:
    """A bordered tile: status strip, label, value, then the change, the band in colour and
    words, and a note, each on its line (a long one on two lines where the tile has room)."""
    color = STATUS_COLORS.get(t.status, STATUS_COLORS["none"])
    x, w = box.x + 0.2, box.w - 0.3
    label_h, value_h = (0.3, 0.5) if big else (0.26, 0.42)
    label, label_s = one_line(t.label, "semibold", w, 14 if big else 13, 9)
    value, value_s = one_line(t.value, "bold", w, 30 if big else 26, 14)
    top = box.y + 0.07 + label_h
    out: list[Primitive] = [Rect(box, fill=TILE_FILL, stroke=RULE), Rect(Box(box.x, box.y, 0.07, box.h), fill=color),
                            Text(Box(x, box.y + 0.07, w, label_h), (label,), "semibold", label_s, MUTED),
                            Text(Box(x, top, w, value_h), (value,), "bold", value_s, INK)]
    return out + _tile_lines(tile_lines(t), Box(x, top + value_h, w, box.h - 0.1 - label_h - value_h), size)


def _tile_lines(lines: list[tuple[str, str, str]], box: Box, size: float) -> list[Primitive]:
    """The lines at one size; one too long for its line takes two where the tile has room,
    else it is shortened with "…"."""
    line_h = size * LEADING / 72 + 0.02
    spare = box.h - line_h * len(lines)
    out: list[Primitive] = []
    top = box.y
    for text, style, ink in lines:
        if text_width(text, style, size) <= box.w * 72:
            out.append(Text(Box(box.x, top, box.w, line_h), (text,), style, size, ink))
            top += line_h
        elif spare >= line_h - 0.02:
            out.append(Text(Box(box.x, top, box.w, 2 * line_h), (text,), style, size, ink))
            top, spare = top + 2 * line_h, spare - line_h
        else:
            shown, _ = one_line(text, style, box.w, size, size)
            out.append(Text(Box(box.x, top, box.w, line_h), (shown,), style, size, ink))
            top += line_h
    return out


def grid(table: Table, box: Box, largest: float = 15) -> Grid:
    """The table fitted to ``box``: the largest size whose rows fit, columns as wide as their text
    at that size (a prose column wraps when the table is too wide)."""
    size = largest
    while True:
        widths = column_widths(table, box.w, size)
        heights = row_heights(table, widths, size)
        if sum(heights) <= box.h or size <= 8:
            return Grid(box, table, widths, tuple(heights), size)
        size -= 1


def column_widths(table: Table, width: float, size: float) -> tuple[float, ...]:
    """Each column's widest cell at ``size`` (header in bold); spare width shared out evenly,
    a shortfall taken from the columns wider than an even share (they wrap)."""
    needs = [max([text_width(table.columns[i], "bold", size),
                  *(text_width(row[i], "regular", size) for row in table.rows)]) / 72 + 2 * CELL_PAD_X + 0.02
             for i in range(len(table.columns))]
    spare = width - sum(needs)
    if spare >= 0:
        return tuple(n + spare / len(needs) for n in needs)
    fair = width / len(needs)
    narrow = sum(n for n in needs if n <= fair)
    wide = [n for n in needs if n > fair]
    room = width - narrow
    return tuple(n if n <= fair else room * n / sum(wide) for n in needs)


def cell_lines(text: str, style: str, size: float, width: float) -> list[str]:
    return wrap(text, style, size, width - 2 * CELL_PAD_X)


def row_heights(table: Table, widths: tuple[float, ...], size: float) -> list[float]:
    rows = [(table.columns, "bold"), *((r, "regular") for r in table.rows)]
    line = size * LEADING / 72
    return [max(len(cell_lines(c, style, size, w)) for c, w in zip(cells, widths)) * line + 2 * CELL_PAD_Y
            for cells, style in rows]
