"""The quarterly review model: quarters and as-of dates, the slides and their figures, the saved text.

The figures on the slides are checked against the core functions at the review's as-of date
(the same ones ``metrics --json`` prints), formatted by ``revops_core.formatting``.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from revops_core import formatting
from revops_core.board import board_metrics
from revops_core.certifications import CertificationRow
from revops_core.playbook import playbook_metrics
from revops_core.review import (SLIDE_KEYS, ReviewError, build_review, command_line, parse_quarter, priority_lines,
                                quarter_options, review_period, roadmap_events)
from revops_core.review_store import save_text, saved_texts, texts
from revops_core.schema import reviews

LATEST = date(2026, 10, 31)


@pytest.mark.parametrize(("quarter", "latest", "as_of", "to_date"), [
    ("2026Q2", LATEST, date(2026, 6, 30), False),
    ("2026q1", LATEST, date(2026, 3, 31), False),          # lower case is read
    ("2026Q4", LATEST, LATEST, True),                      # the quarter holding the latest date: to date
    ("2026Q4", date(2026, 12, 31), date(2026, 12, 31), False),
    ("2026Q3", date(2026, 7, 1), date(2026, 7, 1), True),  # one day into the quarter
])
def test_review_period(quarter: str, latest: date, as_of: date, to_date: bool) -> None:
    period = review_period(quarter, latest)
    assert (period.as_of, period.to_date) == (as_of, to_date)
    assert period.name == (f"{period.quarter} to date" if to_date else period.quarter)


@pytest.mark.parametrize(("quarter", "message"), [
    ("2026Q5", "not a quarter"), ("26Q1", "not a quarter"), ("2026-Q1", "not a quarter"), ("", "not a quarter"),
    ("2027Q1", "has not started"), ("1989Q4", "outside the dates"),
])
def test_quarters_refused(quarter: str, message: str) -> None:
    with pytest.raises(ReviewError, match=message):
        review_period(quarter, LATEST)


def test_previous_and_next_quarter() -> None:
    period = review_period("2026Q1", LATEST)
    assert (period.previous_end, period.next_quarter) == (date(2025, 12, 31), "2026Q2")
    assert parse_quarter("2025Q4") == (date(2025, 10, 1), date(2025, 12, 31))


def test_quarter_options_newest_first() -> None:
    assert quarter_options(LATEST, 5) == ["2026Q4", "2026Q3", "2026Q2", "2026Q1", "2025Q4"]


@pytest.mark.parametrize(("text", "lines"), [
    ("", ()), ("One", ("One",)), ("- One\n* Two\n• Three\n\n1. Four\n2) Five", ("One", "Two", "Three", "Four", "Five")),
    ("  spaced  \n\n", ("spaced",)),
])
def test_priority_lines(text: str, lines: tuple[str, ...]) -> None:
    assert priority_lines(text) == lines


def test_roadmap_keeps_the_next_twelve_months_soonest_first() -> None:
    def row(code: str, expiry: date | None, audit: date | None) -> CertificationRow:
        return CertificationRow(code, "CERTIFIED", None, expiry, audit, None, None, True, "valid")

    matrix = [row("A", date(2027, 7, 1), date(2026, 7, 1)), row("B", date(2026, 12, 1), None),
              row("C", None, date(2026, 6, 30))]
    assert roadmap_events(matrix, date(2026, 6, 30)) == [
        (date(2026, 7, 1), "A", "Audit"), (date(2026, 12, 1), "B", "Certificate expires")]


@pytest.mark.parametrize(("args", "line"), [
    (("2026Q2",), "python -m revops_core deck --quarter 2026Q2 --out review-2026Q2.pptx"),
    (("2026Q2", "pdf"), "python -m revops_core deck --quarter 2026Q2 --out review-2026Q2.pdf --format pdf"),
    (("2026Q2", "pptx", "sqlite:///x y.db", "out/deck.pptx"),
     "python -m revops_core deck --quarter 2026Q2 --out out/deck.pptx --db 'sqlite:///x y.db'"),
])
def test_command_line(args: tuple[str, ...], line: str) -> None:
    assert command_line(*args) == line


# --- the slides on the sample company ------------------------------------------------------------

@pytest.fixture(scope="module")
def review(sample_engine, cfg):  # noqa: ANN001, ANN201
    with sample_engine.connect() as conn:
        return build_review(conn, "2026Q2", cfg,
                            texts={"board": "Coverage first.", "priorities": "- Renew 21434\n- Close R156"})


def test_slides_in_order_with_footers(review) -> None:  # noqa: ANN001
    assert [s.key for s in review.slides] == list(SLIDE_KEYS)
    assert review.period.as_of == date(2026, 6, 30)
    for slide in review.slides:
        assert slide.footer == review.footer
    assert "As of 30 Jun 2026 (2026Q2;" in review.footer
    assert "changes vs 31 Mar 2026" in review.footer
    assert "EV scenarios 30/50/70% market EV in 2030" in review.footer
    assert "Data through 31 Oct 2026" in review.footer
    assert review.slides[0].bullets == tuple(s.title for s in review.slides[1:])   # the agenda
    assert review.slides[-1].code == "python -m revops_core deck --quarter 2026Q2 --out review-2026Q2.pptx"


def test_board_tiles_are_the_core_figures(review, sample_engine, cfg) -> None:  # noqa: ANN001
    with sample_engine.connect() as conn:
        m = board_metrics(conn, date(2026, 6, 30), cfg)
        before = board_metrics(conn, date(2026, 3, 31), cfg)
        p = playbook_metrics(conn, date(2026, 6, 30), cfg)
    tiles = {t.label: t for t in review.slide("board").tiles}
    assert len(tiles) == 12
    assert tiles["Backlog"].value == formatting.money(m.backlog)
    assert tiles["Backlog"].change == f"{formatting.signed_delta('money', m.backlog - before.backlog)} vs last quarter"
    assert tiles["Backlog replenishment rate"].value == formatting.ratio(m.backlog_replenishment_rate)
    assert tiles["Revenue run-rate (annualized)"].value == formatting.money(p.revenue_run_rate.annualized)
    assert tiles["OEM pipeline coverage"].value == formatting.ratio(m.pipeline_coverage["OEM"])
    assert tiles["Pipeline at risk (certification)"].value == formatting.money(m.pipeline_at_risk_cert)
    assert {t.status for t in tiles.values()} <= {"green", "amber", "red", "none"}


def test_the_other_slides_carry_their_figures(review, sample_engine, cfg) -> None:  # noqa: ANN001
    with sample_engine.connect() as conn:
        m = board_metrics(conn, date(2026, 6, 30), cfg)
        p = playbook_metrics(conn, date(2026, 6, 30), cfg)
    waterfall = dict(review.slide("backlog_waterfall").table.rows)
    assert waterfall["Closing backlog"] == formatting.money(m.backlog)
    assert review.slide("replenishment").table.rows[-1][3] == formatting.ratio(m.backlog_replenishment_rate)
    oem = review.slide("oem_mix")
    assert oem.table.rows[0][0] == p.oem_mix.accounts[0].name
    assert oem.tiles[2].value == formatting.ratio_plain(p.award_to_sop_months)
    assert formatting.money(m.pipeline_at_risk_cert) in review.slide("certifications").headline
    software = {t.label: t.value for t in review.slide("software").tiles}
    assert software["Subscription ARR"] == formatting.money(m.subscription_arr)
    assert software["ARR per subscribed vehicle"] == formatting.money_precise(m.arr_per_subscribed_vehicle)
    ev = review.slide("ev_outlook")
    assert ev.table.columns[1:] == ("Plan (40%)", "30% market EV", "50% market EV", "70% market EV")
    assert ev.chart is not None and ev.chart.spec["layer"]
    assert len(review.slide("failure_modes").table.rows) == 5
    assert review.slide("monday_move").table.rows[0][0] == "1"


def test_saved_text_goes_onto_its_slide(review) -> None:  # noqa: ANN001
    assert review.slide("board").comment == "Coverage first."
    assert review.slide("priorities").bullets == ("Renew 21434", "Close R156")
    assert review.slide("priorities").comment == ""   # the priorities are the slide, not a comment on it
    assert review.slide("priorities").title == "Priorities for 2026Q3"


def test_the_current_quarter_says_to_date(sample_engine, cfg) -> None:  # noqa: ANN001
    with sample_engine.connect() as conn:
        current = build_review(conn, "2026Q4", cfg, texts={})
    assert current.period.to_date and current.period.as_of == LATEST
    headline = current.slides[0].headline
    assert "2026Q4 to date" in headline and "the quarter ends 31 Dec 2026" in headline
    assert "(2026Q4 to date;" in current.footer


# --- saved text (SQLite and PostgreSQL) ---------------------------------------------------------

def test_save_replace_and_remove(engine) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        save_text(conn, "2026Q2", "board", "  First  ", "Ana", datetime(2026, 7, 2, 9, 0))
        save_text(conn, "2026q2", "board", "Second", "Ben", datetime(2026, 7, 3, 9, 0))
        save_text(conn, "2026Q2", "priorities", "- A\r\n- B", "Ana", datetime(2026, 7, 3, 10, 0))
        save_text(conn, "2026Q3", "board", "Other quarter", "Ana", datetime(2026, 10, 1, 9, 0))
    with engine.connect() as conn:
        saved = saved_texts(conn, "2026Q2")
        assert texts(conn, "2026Q2") == {"board": "Second", "priorities": "- A\n- B"}
        assert (saved["board"].updated_by, saved["board"].updated_at) == ("Ben", datetime(2026, 7, 3, 9, 0))
    with engine.begin() as conn:
        assert save_text(conn, "2026Q2", "board", "   ", "Ben", datetime(2026, 7, 4)) is None
    with engine.connect() as conn:
        assert texts(conn, "2026Q2") == {"priorities": "- A\n- B"}
        assert conn.execute(sa.select(sa.func.count()).select_from(reviews)).scalar_one() == 2


def test_every_problem_is_named(engine) -> None:  # noqa: ANN001
    with engine.begin() as conn, pytest.raises(ReviewError) as err:
        save_text(conn, "2026Q9", "nope", "x" * 601 + "\x07", " ", datetime(2026, 7, 1))
    message = str(err.value)
    for part in ("not a quarter", "unknown slide", "longer than 600", "control characters", "author"):
        assert part in message


def test_a_database_without_the_table_reads_no_text(tmp_path) -> None:  # noqa: ANN001
    plain = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with plain.connect() as conn:
        assert saved_texts(conn, "2026Q2") == {}
