"""The ecosystem scorecard as files for the dealer council: a one-page PDF and a CSV / XLSX of raw numbers.

Everything here starts from the scorecard a viewer may see (``scorecard.SharedScorecard``, made
by ``scorecard.scorecard_for`` / ``share_for`` under the viewer's scope), so an export can hold
no more than the page: a dealer group's own entities by name, every other one as an anonymous
peer with its scores, quartile, trend and rates only (METRICS.md "Ecosystem scorecard": peers
shown to a dealer group are anonymous).

- ``one_page`` is a slide of the review deck's model (``review.Slide``): the own totals as
  tiles, the own rows ranked among every entity, and for a narrowed viewer the peers as their
  median and top quartile only (no peer row at all); ``scorecard_pdf`` draws it with the deck's
  PDF renderer on one page.
- ``export_frame`` is one row per entity of the table as shown (peers anonymous, their counts
  and money blank), in raw numbers, each row carrying the window, level, journey, as-of date
  and the viewer's scope (extra columns, so a sorted or filtered sheet still says what it is);
  ``export_csv`` (formula-safe, ``safe_csv.people_csv``) and ``export_xlsx`` write it.
- ``slug`` / ``file_names`` turn dealer-group names into file names that are never a path.
"""
from __future__ import annotations

import io
import math
import re
import statistics
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from revops_core import formatting
from revops_core import scorecard as sc
from revops_core.config import AppConfig
from revops_core.queries.common import Scope
from revops_core.review import Slide, Table, Tile
from revops_core.safe_csv import neutralize, people_csv

PAGE_ROWS = 12          # rows listed on the one page at most; the CSV / XLSX holds every row
PDF_KPIS = ("response_sla_rate", "median_response_minutes", "test_drive_rate", "conversion_rate", "leads",
            "revenue", "csat")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the view ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScorecardView:
    """What a scorecard export or share link shows: level, journey (None = all), window, as-of date."""

    level: str
    journey: str | None
    start: date
    end: date
    as_of: date

    def to_params(self) -> dict[str, str]:
        """The view as plain strings (a share link's bound view, JSON in the database)."""
        return {"level": self.level, "journey": self.journey or "", "start": self.start.isoformat(),
                "end": self.end.isoformat(), "as_of": self.as_of.isoformat()}

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> ScorecardView:
        """The view of ``to_params``; ``ValueError`` for anything else."""
        if not isinstance(params, Mapping) or set(params) != {"level", "journey", "start", "end", "as_of"}:
            raise ValueError("a scorecard view needs exactly level, journey, start, end and as_of")
        level, journey = str(params["level"]), str(params["journey"] or "") or None
        if level not in sc.LEVEL_LABELS:
            raise ValueError(f"unknown level {level!r}")
        start, end, as_of = (date.fromisoformat(str(params[k])) for k in ("start", "end", "as_of"))
        if start > end:
            raise ValueError("the window's first day is after its last")
        return cls(level, journey, start, end, as_of)

    def journey_text(self, cfg: AppConfig) -> str:
        return "All journeys" if self.journey is None else cfg.label("journeys", self.journey)

    def window_text(self) -> str:
        return f"{formatting.date(self.start)} – {formatting.date(self.end)}"

    def describe(self, cfg: AppConfig) -> str:
        """``Dealer level · All journeys · 1 Apr 2026 – 30 Jun 2026 · as of 30 Jun 2026``."""
        return (f"{sc.LEVEL_LABELS[self.level]} level · {self.journey_text(cfg)} · {self.window_text()} · "
                f"as of {formatting.date(self.as_of)}")

    def file_stem(self) -> str:
        """``scorecard_dealer_2026-04-01_2026-06-30`` (``_EV_LAUNCH`` for one journey)."""
        journey = f"_{slug(self.journey)}" if self.journey else ""
        return f"scorecard_{self.level}_{self.start.isoformat()}_{self.end.isoformat()}{journey}"


def scope_text(scope: Scope) -> str:
    """Whose view an export is, in words: ``dealer group X; other entities as anonymous peers``."""
    if scope.every_dealer:
        return "every dealer by name"
    units = [*(f"dealer group {g}" for g in sorted(scope.dealer_groups or ())),
             *(f"region {r}" for r in sorted(scope.regions or ()))]
    return f"{', '.join(units)}; other entities as anonymous peers"


# --- raw numbers: CSV and XLSX --------------------------------------------------------------------

UNITS = {"percent": "share 0-1", "money": "US$", "minutes": "minutes", "score": "0-100"}
META_COLUMNS = ("Window start", "Window end", "Level", "Journey", "As of", "Viewer scope")


def kpi_column(key: str) -> str:
    """The raw column of a KPI with its unit: ``Conversion rate (share 0-1)``, ``Revenue (US$)``."""
    label, kind = sc.KPI_LABELS[key]
    unit = UNITS.get(kind)
    return label if unit is None or unit in label else f"{label} ({unit})"


SCORE_COLUMN, QUARTILE_COLUMN, TREND_COLUMN = ("Composite score (0-100)", "Quartile (1 = top)",
                                               "Trend (score points vs previous window)")


def export_frame(shared: sc.SharedScorecard, view: ScorecardView, cfg: AppConfig, scope: Scope) -> pd.DataFrame:
    """The table the viewer sees in raw numbers (METRICS.md "Ecosystem scorecard"), rank order,
    every row with the window, level, journey, as-of date and scope; a peer's counts and money blank."""
    card, name_col = shared.table, sc.LEVEL_LABELS[view.level]
    meta = dict(zip(META_COLUMNS, (view.start, view.end, sc.LEVEL_LABELS[view.level], view.journey_text(cfg),
                                   view.as_of, scope_text(scope))))
    rows = []
    for rank, r in enumerate(card.rows, start=1):
        row: dict[str, object] = {**meta, "Rank": None if card.peer_note else rank, name_col: r.name}
        if view.level == "dealer":
            row["Dealer ID"] = r.entity
        row.update({SCORE_COLUMN: r.composite_score, QUARTILE_COLUMN: r.quartile, TREND_COLUMN: r.trend})
        row.update({kpi_column(k): _raw(k, r.kpis.get(k)) for k in sc.KPIS})
        if card.peer_note:
            row["Note"] = card.peer_note
        rows.append(row)
    columns = [*META_COLUMNS, "Rank", name_col, *(["Dealer ID"] if view.level == "dealer" else []), SCORE_COLUMN,
               QUARTILE_COLUMN, TREND_COLUMN, *(kpi_column(k) for k in sc.KPIS), *(["Note"] if card.peer_note else [])]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("Rank", QUARTILE_COLUMN, kpi_column("leads")):   # whole numbers, blank where missing
        frame[column] = frame[column].astype("Int64")
    return frame


def _raw(key: str, value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if key == "leads" else float(value)


def export_csv(frame: pd.DataFrame) -> bytes:
    """The export as CSV for people (UTF-8 with BOM, formulas neutralized, dates ISO 8601)."""
    out = frame.copy()
    for column in ("Window start", "Window end", "As of"):
        out[column] = out[column].map(lambda d: d.isoformat() if isinstance(d, date) else d)
    return people_csv(out)


_XLSX_FORMATS = {"percent": "0.0%", "money": "$#,##0", "minutes": "0", "score": "0.0", "decimal": "0.00"}


def export_xlsx(frame: pd.DataFrame, title: str) -> bytes:
    """The export as an Excel workbook: the table (numbers as numbers, shown as percents and
    dollars, dates as dates) on "Scorecard", what it is on "About"; text that a spreadsheet would
    run as a formula is neutralized."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Scorecard"
    sheet.append([neutralize(str(c)) for c in frame.columns])
    for values in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in values])
    formats = {kpi_column(k): _XLSX_FORMATS.get(sc.KPI_LABELS[k][1]) for k in sc.KPIS}
    formats.update({SCORE_COLUMN: "0.0", TREND_COLUMN: "+0.0;-0.0;0.0", "Window start": "yyyy-mm-dd",
                    "Window end": "yyyy-mm-dd", "As of": "yyyy-mm-dd"})
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(max(12, len(str(column)) + 2), 40)
        if formats.get(column):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = formats[column]
    sheet.freeze_panes = "A2"
    about = book.create_sheet("About")
    for key, value in _about(frame, title):
        about.append([key, _cell(value)])
        if isinstance(value, date):
            about.cell(about.max_row, 2).number_format = "yyyy-mm-dd"
    book.properties.creator = "AutoRevOps"
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 16, 90
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _about(frame: pd.DataFrame, title: str) -> list[tuple[str, object]]:
    first = frame.iloc[0] if len(frame) else None
    facts = [(c, first[c] if first is not None else "") for c in META_COLUMNS]
    return [("Export", title), *facts, ("Rows", len(frame)),
            ("Peers", "Anonymous: scores, quartiles, trends and rates only; their counts and money are blank")]


def _cell(value: object) -> object:
    """A value for a worksheet cell: text neutralized (openpyxl writes "=..." as a formula), NaN blank."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return neutralize(value) if isinstance(value, str) else value


# --- the one-page PDF -----------------------------------------------------------------------------

def own_totals(shared: sc.SharedScorecard, cfg: AppConfig) -> tuple[Tile, ...]:
    """The viewer's own totals as the page's tiles: leads, answered within SLA, conversion,
    revenue, marketing-sourced share (METRICS.md "Ecosystem scorecard")."""
    totals, steps = shared.own.totals(), {s.step: s for s in shared.own.funnel()}
    minutes = cfg.rules.ecosystem.response_sla_minutes
    return (Tile("Leads", formatting.count(totals["leads"])),
            Tile(f"Answered within {minutes:g} min", formatting.percent(steps["answered_in_sla"].share_of_leads)),
            Tile("Conversion rate", formatting.percent(steps["sold"].share_of_leads)),
            Tile("Revenue", formatting.money(totals["revenue"])),
            Tile("Marketing-sourced", formatting.percent(totals["sourced_share"]), note="share of revenue"))


def _columns(level: str) -> tuple[str, ...]:
    return ("Rank", sc.LEVEL_LABELS[level], "Score", "Quartile", "Trend", *(_short(k) for k in PDF_KPIS))


_SHORT = {"response_sla_rate": "Within SLA", "median_response_minutes": "Median response",
          "test_drive_rate": "Test drive", "conversion_rate": "Conversion", "csat": "CSAT"}


def _short(key: str) -> str:
    return _SHORT.get(key, sc.KPI_LABELS[key][0])


def _row(rank: str, r: sc.ScorecardRow, card: sc.Scorecard) -> tuple[str, ...]:
    hidden = card.peer_note is not None
    return (rank, r.name, formatting.DASH if hidden else sc.kpi_text("composite_score", r.composite_score),
            formatting.DASH if hidden else sc.kpi_text("quartile", r.quartile).replace(" (top)", ""),
            formatting.DASH if hidden else sc.trend_text(r.trend),
            *(sc.kpi_text(k, r.kpis[k]) if k in r.kpis else formatting.DASH for k in PDF_KPIS))


def peer_benchmarks(shared: sc.SharedScorecard, own: Iterable[str], lower_is_better: Iterable[str]) -> list[
        tuple[str, ...]]:
    """The peers as two rows: their median and their top quartile (the 75th percentile, the 25th
    for a KPI where lower is better) of the composite score and each rate; never a count or money."""
    mine, lower = set(own), set(lower_is_better)
    peers = [r for r in shared.table.rows if r.entity not in mine]
    if not shared.peers_shown or not peers:
        return []
    out = []
    for label, top in ((f"Peer median ({len(peers)} peers)", False), ("Peer top quartile", True)):
        score = _quantile([r.composite_score for r in peers], top, lower=False)
        cells = [sc.kpi_text(k, _quantile([r.kpis.get(k) for r in peers], top, k in lower))
                 if k in sc.PEER_KPIS else formatting.DASH for k in PDF_KPIS]
        out.append(("", label, sc.kpi_text("composite_score", score), formatting.DASH, formatting.DASH, *cells))
    return out


def _quantile(values: Sequence[float | None], top: bool, lower: bool) -> float | None:
    present = sorted(float(v) for v in values if v is not None)
    if not present:
        return None
    if not top:
        return statistics.median(present)
    if len(present) == 1:
        return present[0]
    low, _mid, high = statistics.quantiles(present, n=4, method="inclusive")
    return low if lower else high


def one_page(shared: sc.SharedScorecard, view: ScorecardView, cfg: AppConfig, scope: Scope, audience: str,
             rows: int = PAGE_ROWS) -> Slide:
    """The scorecard ``scope`` may see on one slide: its totals, its rows ranked among every
    entity (at most ``rows``, fewer when long names would push the table off the page), and for a
    narrowed scope the peers' median and top quartile (never a peer's row)."""
    from revops_core.deck import layout

    ranked = _ranked(shared, scope)
    for n in range(min(rows, len(ranked)), 0, -1):
        slide = _slide(shared, view, cfg, scope, audience, ranked, n)
        if layout.fits(layout.place(slide, 1, 1)):
            return slide
    return _slide(shared, view, cfg, scope, audience, ranked, 0)


def _ranked(shared: sc.SharedScorecard, scope: Scope) -> list[tuple[int, sc.ScorecardRow]]:
    """The rows the page may list with their rank among every entity: all for every dealer, else the own."""
    own = {r.entity for r in shared.own.rows}
    return [(i, r) for i, r in enumerate(shared.table.rows, start=1) if scope.every_dealer or r.entity in own]


def _slide(shared: sc.SharedScorecard, view: ScorecardView, cfg: AppConfig, scope: Scope, audience: str,
           ranked: list[tuple[int, sc.ScorecardRow]], rows: int) -> Slide:
    card, total = shared.table, len(shared.table.rows)
    body = [_row(formatting.DASH if card.peer_note else f"{i} of {total}", r, card) for i, r in ranked[:rows]]
    if not scope.every_dealer:
        body += peer_benchmarks(shared, [r.entity for r in shared.own.rows], cfg.rules.ecosystem.lower_is_better)
    level = sc.LEVEL_LABELS[view.level].lower()
    numeric = (False, False, True, False, False, *(True,) * len(PDF_KPIS))
    table = Table(_columns(view.level), tuple(body), numeric) if body else None
    return Slide("scorecard", f"Ecosystem scorecard: {audience}", view.describe(cfg), tiles=own_totals(shared, cfg),
                 table=table, bullets=tuple(_notes(card, scope, level, len(ranked), min(rows, len(ranked)), cfg)),
                 footer=f"Ecosystem scorecard · {view.describe(cfg)} · Scope: {scope_text(scope)} · AutoRevOps")


def _notes(card: sc.Scorecard, scope: Scope, level: str, own_rows: int, shown: int, cfg: AppConfig) -> list[str]:
    notes = []
    if card.peer_note:
        notes.append(f"Not enough peers to compare: fewer than {cfg.users.min_peers} other {level}s, so no peer "
                     "is shown and the rows carry no score against them.")
    else:
        notes.append(f"Score: weighted percentile rank among every {level} (0–100); quartile 1 is the top; trend "
                     "against the previous window of the same length.")
    if not scope.every_dealer and not card.peer_note:
        notes.append("Peers are anonymous: shown only as their median and top quartile of scores and rates, never "
                     "a name, a count or money.")
    if shown < own_rows:
        notes.append(f"{shown} of {own_rows} rows shown; the CSV / Excel export holds every row.")
    if not card.rows:
        notes.append(f"No {level}s in this scope.")
    return notes


def scorecard_pdf(slide: Slide, title: str) -> bytes:
    """The one-page slide as PDF, drawn by the review deck's renderer (``deck.pdf``)."""
    from revops_core.deck.pdf import render_slides

    return render_slides((slide,), title, slide.footer)


# --- file names -----------------------------------------------------------------------------------

def slug(name: str) -> str:
    """``name`` as a file name part of ``[A-Za-z0-9_-]`` only (accents dropped, anything else a
    hyphen, at most 80 characters): never a path, never hidden, never empty, never a device name."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_name).strip("-_")[:80].strip("-_")
    if cleaned.upper() in _RESERVED:   # a device name on Windows, whatever the suffix
        cleaned += "-group"
    return cleaned or "group"


_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                       *(f"LPT{i}" for i in range(1, 10))})


def file_names(names: Iterable[str], suffix: str) -> dict[str, str]:
    """Each name -> a distinct file name ``<slug><suffix>`` (``-2``, ``-3`` … where slugs meet,
    compared without case, as a case-insensitive file system would)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base, n = slug(name), 1
        candidate = base
        while candidate.lower() in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate.lower())
        out[name] = f"{candidate}{suffix}"
    return out
