"""The exported deck: the PowerPoint file (opened with python-pptx) and the PDF (its text, and
every page rasterised with pdfium) hold the review's slides, titles, figures and footers; the
layout fits its boxes; charts render offline with their text.
"""
from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageStat
from pptx import Presentation

from revops_core.deck import layout, render
from revops_core.deck.images import chart_png, css_family, export_spec
from revops_core.review import SLIDE_KEYS, Review, Table, build_review


@pytest.fixture(scope="module")
def review(sample_engine, cfg) -> Review:  # noqa: ANN001
    with sample_engine.connect() as conn:
        return build_review(conn, "2026Q2", cfg, texts={"board": "Coverage first.", "priorities": "- Renew 21434"})


@pytest.fixture(scope="module")
def pptx_file(review: Review) -> Presentation:
    return Presentation(io.BytesIO(render(review, "pptx")))


@pytest.fixture(scope="module")
def pdf_file(review: Review) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(render(review, "pdf"))


def slide_text(slide) -> str:  # noqa: ANN001 - a pptx slide
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


def test_pptx_slides_titles_and_size(pptx_file: Presentation, review: Review) -> None:
    assert len(pptx_file.slides) == len(SLIDE_KEYS)
    assert [s.shapes.title.text for s in pptx_file.slides] == [s.title for s in review.slides]
    assert round(pptx_file.slide_width / pptx_file.slide_height, 3) == round(16 / 9, 3)
    assert pptx_file.core_properties.title == "Quarterly architecture review 2026Q2"


def test_pptx_every_slide_tells_what_it_was_computed_on(pptx_file: Presentation, review: Review) -> None:
    for number, (page, slide) in enumerate(zip(pptx_file.slides, review.slides), start=1):
        text = slide_text(page)
        assert review.footer in text and f"{number} / {len(review.slides)}" in text
        assert review.footer in page.notes_slide.notes_text_frame.text
        assert slide.headline in text


def test_pptx_holds_every_figure_of_the_model(pptx_file: Presentation, review: Review) -> None:
    for page, slide in zip(pptx_file.slides, review.slides):
        text = slide_text(page)
        for t in slide.tiles:
            assert t.label in text and t.value in text
        for row in (slide.table.rows if slide.table else ()):
            assert all(cell in text for cell in row)
        assert all(b in text for b in slide.bullets)
        assert slide.code in text
        charts = [s for s in page.shapes if s.shape_type == 13]   # pictures
        assert len(charts) == (1 if slide.chart else 0), slide.key
    assert "Comment: Coverage first." in slide_text(pptx_file.slides[1])
    assert "Renew 21434" in slide_text(pptx_file.slides[SLIDE_KEYS.index("priorities")])
    assert review.command in slide_text(pptx_file.slides[-1])


def test_pdf_pages_text_and_font(pdf_file: pdfium.PdfDocument, review: Review) -> None:
    assert len(pdf_file) == len(review.slides)
    for page, slide in zip(pdf_file, review.slides):
        text = " ".join(page.get_textpage().get_text_range().split())
        assert slide.title in text
        for t in slide.tiles:
            assert t.value in text
        assert "As of 30 Jun 2026" in text and "Data through 31 Oct 2026" in text
        width, height = page.get_size()
        assert round(width / height, 3) == round(16 / 9, 3)


def test_pdf_pages_render_non_blank(pdf_file: pdfium.PdfDocument, review: Review) -> None:
    for i, (page, slide) in enumerate(zip(pdf_file, review.slides)):
        image = page.render(scale=0.5).to_pil().convert("L")
        dark = sum(image.histogram()[:200]) / (image.width * image.height)
        assert dark > 0.01, f"page {i + 1} ({slide.key}) is almost blank"
        if slide.chart:   # the chart's part of the page has marks on it
            box = next(p.box for p in layout.place(slide, i + 1, len(review.slides)) if isinstance(p, layout.Image))
            crop = image.crop(tuple(round(v * 36) for v in (box.x, box.y, box.x + box.w, box.y + box.h)))
            assert ImageStat.Stat(crop).stddev[0] > 20, f"page {i + 1}: the chart is blank"


def test_the_same_review_gives_the_same_pdf(review: Review) -> None:
    assert render(review, "pdf") == render(review, "pdf")


def test_unknown_format(review: Review) -> None:
    with pytest.raises(ValueError, match="pptx, pdf"):
        render(review, "docx")


# --- layout -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "width", "lines"), [
    ("", 2.0, 1), ("short", 2.0, 1), ("a much longer sentence that cannot stay on one short line", 1.5, 4),
])
def test_wrap(text: str, width: float, lines: int) -> None:
    wrapped = layout.wrap(text, "regular", 14, width)
    assert len(wrapped) == lines
    assert " ".join(w for w in wrapped if w) == text
    assert all(layout.text_width(w, "regular", 14) <= width * 72 or " " not in w for w in wrapped)


def test_fit_shrinks_to_the_box() -> None:
    long = ["word " * 60]
    assert layout.fit(["Short"], "regular", 5, 1, 18) == 18
    size = layout.fit(long, "regular", 5, 0.6, 18, 8)
    assert size < 18 and layout.block_height(long, "regular", size, 5) <= 0.6


@pytest.mark.parametrize("rows", [0, 1, 5, 9])
def test_a_table_fits_its_box(rows: int) -> None:
    table = Table(("Name", "Amount", "Behind it"),
                  tuple((f"Row {i}", "$1.2M", "a long explanation of the figure " * 3) for i in range(rows)))
    box = layout.Box(0.6, 2, 8, 3.5)
    grid = layout.grid(table, box)
    assert sum(grid.heights) <= box.h + 1e-9
    assert abs(sum(grid.widths) - box.w) < 1e-9


# --- charts -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "css"), [
    ("Source Sans 3", "'Source Sans 3', sans-serif"), ("DejaVu Sans", "DejaVu Sans, sans-serif"),
    ("'Already quoted'", "'Already quoted'"),
])
def test_css_family(name: str, css: str) -> None:
    assert css_family(name) == css


def test_charts_render_their_text_in_the_shipped_font(review: Review) -> None:
    title_only = {"title": "Backlog waterfall WWWW", "data": {"values": [{"x": 1}]}, "mark": "point",
                  "encoding": {"x": {"field": "x", "type": "quantitative", "axis": None}}}
    spec = export_spec(title_only, 4, 1)
    assert spec["config"]["font"] == "'Source Sans 3', sans-serif" and spec["width"] == 288
    image = Image.open(io.BytesIO(chart_png(title_only, 4, 1))).convert("L")
    assert image.size == (864, 216)
    top = image.crop((0, 0, image.width, image.height // 3))
    assert top.getextrema()[0] < 100, "the chart title was not drawn (font not found)"
