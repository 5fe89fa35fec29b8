"""The scorecard's exports: the one-page model (hand-made rows), the CSV / XLSX of raw numbers, safe
file names, and on the sample company the PDF and the files of every dealer group hold nothing of
another group (names, dealer names and ids, counts, money) in their text."""
from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pandas as pd
import pypdfium2 as pdfium
import pytest
from sqlalchemy.engine import Engine

from revops_core import formatting
from revops_core import scorecard as sc
from revops_core import scorecard_export as se
from revops_core.config import AppConfig
from revops_core.deck import layout
from revops_core.queries import maturity as qm
from revops_core.queries import scorecard as qs
from revops_core.queries.common import EVERYTHING, Scope

VIEW = se.ScorecardView("dealer", None, date(2026, 4, 1), date(2026, 6, 30), date(2026, 6, 30))


# ---- file names ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("AutoNation", "AutoNation"),
    ("Larry H. Miller", "Larry-H-Miller"),
    ("Autohaus Zoë & Söhne", "Autohaus-Zoe-Sohne"),
    ("../../etc/passwd", "etc-passwd"),
    ("/abs/path", "abs-path"),
    ("C:\\Windows\\x", "C-Windows-x"),
    ("..", "group"),
    (".hidden", "hidden"),
    ("", "group"),
    ("Ω", "group"),
    ("CON", "CON-group"),
    ("under_score-dash", "under_score-dash"),
    ("x" * 200, "x" * 80),
])
def test_a_group_name_becomes_a_safe_file_name(name: str, expected: str) -> None:
    assert se.slug(name) == expected
    assert re.fullmatch(r"[A-Za-z0-9_-]+", se.slug(name))


def test_file_names_are_distinct_also_without_case() -> None:
    names = se.file_names(["A B", "A-B", "a b", "A/B", "Z"], ".pdf")
    assert names == {"A B": "A-B.pdf", "A-B": "A-B-2.pdf", "a b": "a-b-3.pdf", "A/B": "A-B-4.pdf", "Z": "Z.pdf"}


# ---- the view ------------------------------------------------------------------------------------

def test_a_view_round_trips_its_params(cfg: AppConfig) -> None:
    view = se.ScorecardView("dealer_group", "EV_LAUNCH", date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 2))
    assert se.ScorecardView.from_params(view.to_params()) == view
    assert view.describe(cfg) == "Dealer group level · EV launch · 1 Jan 2026 – 31 Mar 2026 · as of 2 Apr 2026"
    assert view.file_stem() == "scorecard_dealer_group_2026-01-01_2026-03-31_EV_LAUNCH"


@pytest.mark.parametrize("params", [
    {}, {"level": "dealer"}, {**VIEW.to_params(), "level": "nation"}, {**VIEW.to_params(), "start": "2026-13-01"},
    {**VIEW.to_params(), "start": "2026-07-01"}, {**VIEW.to_params(), "extra": "x"}, "dealer",
])
def test_a_bad_view_is_refused(params: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        se.ScorecardView.from_params(params)  # type: ignore[arg-type]


# ---- hand-made rows --------------------------------------------------------------------------------

def _row(entity: str, score: float | None, quartile: int | None, sla: float, leads: int, revenue: float,
         trend: float | None = 1.0) -> sc.ScorecardRow:
    kpis = {k: None for k in sc.KPIS}
    kpis.update({"response_sla_rate": sla, "conversion_rate": sla / 2, "leads": float(leads), "revenue": revenue,
                 "csat": 80.0})
    return sc.ScorecardRow(entity, f"Name {entity}", kpis, score, quartile, None, trend)


def _card() -> sc.Scorecard:
    """Seven dealers ranked; D3 and D6 are the group's own."""
    rows = [_row(f"D{i}", 100.0 - 10 * i, 1 + (i - 1) // 2, 0.1 * i, 100 + i, 1000.0 * i) for i in range(1, 8)]
    return sc.Scorecard("dealer", VIEW.start, VIEW.end, None, tuple(rows))


def test_the_one_page_lists_own_rows_ranked_and_peers_only_as_median_and_top_quartile(cfg: AppConfig) -> None:
    shared = sc.share_with(_card(), {"D3", "D6"}, min_peers=5)
    slide = se.one_page(shared, VIEW, cfg, Scope(frozenset({"G"})), "G")
    rows = slide.table.rows
    assert [r[:2] for r in rows] == [("3 of 7", "Name D3"), ("6 of 7", "Name D6"),
                                     ("", "Peer median (5 peers)"), ("", "Peer top quartile")]
    # peers D1 D2 D4 D5 D7: SLA 0.1 0.2 0.4 0.5 0.7 -> median 40.0%, top quartile (75th percentile) 50.0%
    sla = slide.table.columns.index("Within SLA")
    assert (rows[2][sla], rows[3][sla]) == ("40.0%", "50.0%")
    # scores 90 80 60 50 30 -> median 60, 75th percentile 80; counts and money never shown for peers
    assert (rows[2][2], rows[3][2]) == ("60", "80")
    for column in ("Leads", "Revenue", "Quartile", "Trend"):
        assert {rows[2][slide.table.columns.index(column)], rows[3][slide.table.columns.index(column)]} == {"—"}
    assert rows[0][slide.table.columns.index("Leads")] == "103"
    text = " ".join([slide.title, slide.headline, slide.footer, *slide.bullets, *(" ".join(r) for r in rows)])
    assert "Peer A" not in text and not re.search(r"Name D[12457]", text)
    assert [t.label for t in slide.tiles] == ["Leads", "Answered within 30 min", "Conversion rate", "Revenue",
                                              "Marketing-sourced"]
    assert slide.tiles[0].value == "209"  # the group's own leads: 103 + 106


def test_too_few_peers_show_no_benchmark_and_no_score(cfg: AppConfig) -> None:
    shared = sc.share_with(_card(), {"D3", "D6"}, min_peers=6)
    slide = se.one_page(shared, VIEW, cfg, Scope(frozenset({"G"})), "G")
    assert [r[:3] for r in slide.table.rows] == [("—", "Name D3", "—"), ("—", "Name D6", "—")]
    assert any("Not enough peers" in b for b in slide.bullets)


def test_the_page_keeps_to_one_page_and_says_how_many_rows_it_left_out(cfg: AppConfig) -> None:
    rows = [_row(f"D{i:03}", 100.0 - i / 3, 1, 0.5, 100, 1.0) for i in range(1, 301)]
    card = sc.Scorecard("dealer", VIEW.start, VIEW.end, None, tuple(rows))
    slide = se.one_page(sc.SharedScorecard(card, card), VIEW, cfg, EVERYTHING, "all dealers")
    assert len(slide.table.rows) == se.PAGE_ROWS
    assert f"{se.PAGE_ROWS} of 300 rows shown; the CSV / Excel export holds every row." in slide.bullets
    assert layout.fits(layout.place(slide, 1, 1))
    long_names = tuple(sc.ScorecardRow(r.entity, "A very long dealer name " * 6, r.kpis, r.composite_score,
                                       r.quartile, None, r.trend) for r in rows)
    slide = se.one_page(sc.SharedScorecard(sc.Scorecard("dealer", VIEW.start, VIEW.end, None, long_names),
                                           card), VIEW, cfg, EVERYTHING, "all dealers")
    assert 0 < len(slide.table.rows) < se.PAGE_ROWS and layout.fits(layout.place(slide, 1, 1))


def test_the_raw_export_holds_numbers_the_view_and_blank_peer_counts(cfg: AppConfig) -> None:
    scope = Scope(frozenset({"G"}))
    frame = se.export_frame(sc.share_with(_card(), {"D3", "D6"}, min_peers=5), VIEW, cfg, scope)
    back = pd.read_csv(io.BytesIO(se.export_csv(frame)), encoding="utf-8-sig")
    assert list(back.columns[:6]) == list(se.META_COLUMNS)
    assert set(back["Window start"]) == {"2026-04-01"} and set(back["Window end"]) == {"2026-06-30"}
    assert set(back["As of"]) == {"2026-06-30"} and set(back["Level"]) == {"Dealer"}
    assert set(back["Journey"]) == {"All journeys"}
    assert set(back["Viewer scope"]) == {"dealer group G; other entities as anonymous peers"}
    assert list(back["Dealer"]) == ["Peer A", "Peer B", "Name D3", "Peer C", "Peer D", "Name D6", "Peer E"]
    assert list(back["Rank"]) == [1, 2, 3, 4, 5, 6, 7]
    own = back[back["Dealer"] == "Name D3"].iloc[0]
    assert (own["Dealer ID"], own["Leads"], own["Revenue (US$)"]) == ("D3", 103, 3000.0)
    assert own["Answered within SLA (share 0-1)"] == pytest.approx(0.3)
    peers = back[back["Dealer"].str.startswith("Peer")]
    assert peers["Leads"].isna().all() and peers["Revenue (US$)"].isna().all()
    assert set(peers["Dealer ID"]) == set(peers["Dealer"])  # no dealer id of a peer
    assert peers["Answered within SLA (share 0-1)"].notna().all() and peers["Composite score (0-100)"].notna().all()


def test_the_workbook_keeps_numbers_dates_and_neutralizes_formulas(cfg: AppConfig) -> None:
    evil = '=HYPERLINK("http://evil.example","x")'
    rows = [sc.ScorecardRow("D1", evil, {**_row("D1", 90, 1, 0.5, 10, 5.0).kpis}, 90.0, 1)]
    card = sc.Scorecard("dealer", VIEW.start, VIEW.end, None, tuple(rows))
    frame = se.export_frame(sc.SharedScorecard(card, card), VIEW, cfg, EVERYTHING)
    book = openpyxl.load_workbook(io.BytesIO(se.export_xlsx(frame, "Ecosystem scorecard: all dealers")))
    sheet = book["Scorecard"]
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, (c for c in sheet[2])))
    assert values["Dealer"].value == "'" + evil and values["Dealer"].data_type == "s"
    assert values["Window start"].value.date() == VIEW.start and values["As of"].value.date() == VIEW.as_of
    assert values["Answered within SLA (share 0-1)"].value == 0.5
    assert values["Answered within SLA (share 0-1)"].number_format == "0.0%"
    assert values["Revenue (US$)"].value == 5.0 and values["Leads"].value == 10
    about = {r[0].value: r[1].value for r in book["About"].iter_rows()}
    assert about["Export"] == "Ecosystem scorecard: all dealers" and about["Rows"] == 1
    assert not any(str(c.value).startswith("=") for row in sheet.iter_rows() for c in row if c.value is not None)


# ---- the sample company: nothing of another group ----------------------------------------------

def pdf_text(data: bytes) -> tuple[int, str]:
    pdf = pdfium.PdfDocument(data)
    return len(pdf), " ".join(page.get_textpage().get_text_range() for page in pdf)


def forbidden(engine: Engine, group: str, view: se.ScorecardView, cfg: AppConfig) -> dict[str, set[str]]:
    """What a ``group`` export must not hold: every other group's name, its dealers' names and ids,
    and their lead counts (100 and up) and money as the formatter writes them, at dealer and group
    level, unless the group's own figures read the same."""
    with engine.connect() as conn:
        every = qs.entities(conn, "dealer", EVERYTHING)
        mine = set(qs.entities(conn, "dealer", Scope(frozenset({group}))))
        groups = set(qm.dealer_groups(conn)) - {group}
        cards = [sc.scorecard(conn, view.start, view.end, level, cfg, view.journey, with_trend=False)
                 for level in ("dealer", "dealer_group")]
    figures, own = set(), set()
    for card in cards:
        for row in card.rows:
            target = own if row.entity in mine or row.entity == group else figures
            leads = int(row.kpis["leads"] or 0)
            target |= {formatting.money(row.kpis["revenue"]), *([f"{leads:,}"] if leads >= 100 else [])}
    names = {e.name for d, e in every.items() if d not in mine} | {d for d in every if d not in mine} | groups
    return {"names": names, "figures": figures - own}


def leaks(text: str, bad: dict[str, set[str]]) -> list[str]:
    found = [f"name {n!r}" for n in bad["names"] if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]
    return found + [f"figure {f!r}" for f in bad["figures"]
                    if re.search(rf"(?<![\w$.,]){re.escape(f)}(?![\w.,]|\.\d)", text)]


@pytest.fixture(scope="module")
def groups(sample_engine: Engine) -> list[str]:
    with sample_engine.connect() as conn:
        return qm.dealer_groups(conn)


@pytest.mark.parametrize("level", ["dealer", "dealer_group"])
def test_each_groups_pdf_and_files_hold_nothing_of_another_group(sample_engine: Engine, cfg: AppConfig,
                                                                 groups: list[str], level: str) -> None:
    view = se.ScorecardView(level, None, VIEW.start, VIEW.end, VIEW.as_of)
    problems = []
    for group in groups:
        scope = Scope(frozenset({group}))
        with sample_engine.connect() as conn:
            shared = sc.scorecard_for(conn, view.start, view.end, level, cfg, None, scope)
        pages, text = pdf_text(se.scorecard_pdf(se.one_page(shared, view, cfg, scope, group), "t"))
        frame = se.export_frame(shared, view, cfg, scope)
        book = openpyxl.load_workbook(io.BytesIO(se.export_xlsx(frame, f"Ecosystem scorecard: {group}")))
        cells = " | ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row)
        csv = se.export_csv(frame).decode("utf-8-sig")
        assert pages == 1 and group in text and "Peer median" in text, group
        bad = forbidden(sample_engine, group, view, cfg)
        problems += [f"{group} PDF: {leak}" for leak in leaks(text, bad)]
        problems += [f"{group} CSV: {leak}" for leak in leaks(csv, {"names": bad["names"], "figures": set()})]
        problems += [f"{group} XLSX: {leak}" for leak in leaks(cells, {"names": bad["names"], "figures": set()})]
        peers = frame[frame[sc.LEVEL_LABELS[level]].str.startswith("Peer ")]
        assert len(peers) >= cfg.users.min_peers
        assert peers[se.kpi_column("leads")].isna().all() and peers[se.kpi_column("revenue")].isna().all()
    assert not problems, problems[:20]


def test_an_everything_pdf_names_every_dealer_it_lists(sample_engine: Engine, cfg: AppConfig) -> None:
    with sample_engine.connect() as conn:
        shared = sc.scorecard_for(conn, VIEW.start, VIEW.end, "dealer", cfg, None, EVERYTHING)
    pages, text = pdf_text(se.scorecard_pdf(se.one_page(shared, VIEW, cfg, EVERYTHING, "all dealers"), "t"))
    assert pages == 1 and "Ecosystem scorecard: all dealers" in text
    assert all(r.name in text for r in shared.table.rows[:5]) and "Peer" not in text
