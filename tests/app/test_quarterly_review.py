"""AppTest: the quarterly review page shows the model's slides with the core's figures, walks them in
presentation mode (previous / next, slide n of N, in the URL), and saves comments and priorities."""
from __future__ import annotations

from datetime import date

from revops_core import formatting
from revops_core.board import board_metrics
from revops_core.review import SLIDE_KEYS, build_review
from tests.app.conftest import metric_values

PAGE = "views/quarterly_review.py"


def review_of(sample_engine, cfg, quarter: str = "2026Q2"):  # noqa: ANN001, ANN201
    with sample_engine.connect() as conn:
        return build_review(conn, quarter, cfg, texts={})


def test_every_slide_in_order_with_the_core_figures(open_page, sample_engine, cfg) -> None:  # noqa: ANN001
    at = open_page(PAGE, query={"qr_quarter": "2026Q2"})
    review = review_of(sample_engine, cfg)
    assert at.title[0].value == "Quarterly review"
    assert [h.value for h in at.header] == [s.title for s in review.slides]
    with sample_engine.connect() as conn:
        m = board_metrics(conn, date(2026, 6, 30), cfg)
    tiles = metric_values(at)
    assert tiles["Backlog"] == formatting.money(m.backlog)
    assert tiles["Subscription ARR"] == formatting.money(m.subscription_arr)
    footers = [c.value for c in at.caption if c.value.startswith("As of 30 Jun 2026")]
    assert len(footers) == len(SLIDE_KEYS) and footers[-1].endswith(f"slide {len(SLIDE_KEYS)} of {len(SLIDE_KEYS)}")
    assert any(review.command in c.value for c in at.code)


def test_the_default_quarter_is_the_last_complete_one_at_the_as_of_date(open_page) -> None:  # noqa: ANN001
    at = open_page(PAGE)   # the data runs to 31 Oct 2026: 2026Q3 is the last complete quarter
    assert at.selectbox(key="qr_quarter").value == "2026Q3"
    at = open_page(PAGE, query={"as_of": "2026-06-30"})
    assert at.selectbox(key="qr_quarter").value == "2026Q2"
    at.selectbox(key="qr_quarter").set_value("2026Q4").run()
    assert "2026Q4 to date" in at.header[0].value or any("2026Q4 to date" in m.value for m in at.markdown)


def test_presentation_mode_walks_the_slides(open_page, sample_engine, cfg) -> None:  # noqa: ANN001
    at = open_page(PAGE, query={"qr_quarter": "2026Q2", "qr_present": "true"})
    titles = [s.title for s in review_of(sample_engine, cfg).slides]
    total = len(titles)
    assert any("[data-testid=\"stSidebar\"]" in h.proto.body for h in at.get("html"))   # no sidebar
    seen = [at.title[0].value]
    assert at.button(key="qr_prev").disabled
    for number in range(2, total + 1):
        at.button(key="qr_next").click().run()
        assert not at.exception
        assert at.number_input(key="qr_slide").value == number
        assert any(f"**Slide {number} of {total}**" in m.value for m in at.markdown)
        seen.append(at.title[0].value)
    assert seen == titles
    assert at.button(key="qr_next").disabled
    at.button(key="qr_prev").click().run()
    assert at.title[0].value == titles[-2]
    assert at.query_params["qr_slide"] in (str(total - 1), [str(total - 1)])   # the slide is in the URL


def test_a_link_opens_a_slide(open_page, sample_engine, cfg) -> None:  # noqa: ANN001
    at = open_page(PAGE, query={"qr_quarter": "2026Q2", "qr_present": "true", "qr_slide": "8"})
    assert at.title[0].value == review_of(sample_engine, cfg).slides[7].title


def test_comments_and_priorities_are_saved_with_the_quarter(private_db, open_page) -> None:  # noqa: ANN001
    at = open_page(PAGE, query={"qr_quarter": "2026Q2"})
    at.text_area(key="qr_text_2026Q2_board").input("Coverage is the gap to close.")
    at.button(key="qr_save_board").click().run()
    at.text_area(key="qr_text_2026Q2_priorities").input("- Renew ISO/SAE 21434\n- Close UN R156")
    at.button(key="qr_save_priorities").click().run()
    assert not at.exception
    assert any("Coverage is the gap to close." in i.value for i in at.info)
    assert any("- Renew ISO/SAE 21434\n- Close UN R156" in m.value for m in at.markdown)
    again = open_page(PAGE, query={"qr_quarter": "2026Q2"})            # a new session reads them back
    assert again.text_area(key="qr_text_2026Q2_board").value == "Coverage is the gap to close."
    other = open_page(PAGE, query={"qr_quarter": "2026Q1"})            # another quarter has its own
    assert other.text_area(key="qr_text_2026Q1_board").value == ""
