"""The quarterly architecture review: a slide model built from the core's figures for one quarter.

``build_review(conn, quarter, cfg, scope)`` returns a frozen ``Review``: the slides in order,
each with its title, a one-line headline, and the tiles, table, bullets and chart (a Vega-Lite
dict) that carry its one idea, the comment saved for it, and a footer that says what it was
computed on (as-of date, scope, scenario assumptions, data freshness), so a slide forwarded
alone still tells the truth. The page (``views/quarterly_review.py``) and both exports
(``revops_core.deck``) draw this same model; every figure is the core's figure at the as-of
date (METRICS.md definitions, cited on each builder) formatted by ``revops_core.formatting``.

The as-of date of a quarter is its last day; the quarter that holds the latest date in the data
is allowed "to date", with that latest date as D. The clock is never read here.
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from revops_core import bands, formatting, windows
from revops_core.backlog import backlog_schedule, backlog_waterfall, brr_by_quarter
from revops_core.board import BoardMetrics, board_metrics
from revops_core.certifications import CertificationRow, certification_matrix, gates
from revops_core.config import AppConfig, config_dir
from revops_core.deck import specs
from revops_core.errors import RevOpsError, ScenarioError
from revops_core.maturity import MaturityConfig, load_maturity_config, stage_label
from revops_core.outlook import LAST_YEAR, revenue_outlook
from revops_core.playbook import PlaybookMetrics, playbook_metrics
from revops_core.queries import maturity as qm
from revops_core.queries.common import EVERYTHING, Scope, change, latest_activity_date, ratio
from revops_core.risks import failure_modes, risk_scores
from revops_core.scenario import ev_mix, params_from_defaults, run_scenario, summary_rows
from revops_core.scorecard import scorecard
from revops_core.software import software_summary

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
SEVERITY_WORDS = {"red": "Triggered", "amber": "Watch", "green": "Clear"}
ROADMAP_DAYS = 365
TABLE_ROWS = 8  # a slide's table stays readable in the room


class ReviewError(RevOpsError, ValueError):
    """A quarter that is not ``YYYYQn`` or that the data cannot review (not started yet)."""


# --- the period ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewPeriod:
    """A reviewed quarter: its bounds, the as-of date D and whether it is reviewed to date."""

    quarter: str
    start: date
    end: date
    as_of: date
    to_date: bool

    @property
    def name(self) -> str:
        """``2026Q2`` or ``2026Q4 to date``."""
        return f"{self.quarter} to date" if self.to_date else self.quarter

    @property
    def previous_end(self) -> date:
        """The previous quarter end, which every "vs last quarter" change compares with."""
        return self.start - timedelta(days=1)

    @property
    def next_quarter(self) -> str:
        return windows.quarter_label(windows.add_months(self.start, 3))


def parse_quarter(text: str) -> tuple[date, date]:
    """First and last day of a ``YYYYQn`` quarter; ``ReviewError`` for anything else."""
    match = QUARTER.match(str(text).strip().upper())
    if not match:
        raise ReviewError(f"{text!r} is not a quarter; use YYYYQn with n from 1 to 4, e.g. 2026Q2")
    start = windows.quarter_from_label(match.group(0))
    if not windows.supported(start):
        raise ReviewError(f"{text!r} is outside the dates AutoRevOps handles ({windows.supported_range()})")
    return start, windows.quarter_end(start)


def review_period(quarter: str, latest: date) -> ReviewPeriod:
    """The quarter's as-of date: its last day, or ``latest`` (the latest date in the data) for the
    quarter that holds it ("to date"); a quarter that starts after ``latest`` is refused."""
    start, end = parse_quarter(quarter)
    label = windows.quarter_label(start)
    if start > latest:
        raise ReviewError(f"{label} has not started in the data, which runs to {latest.isoformat()}; "
                          f"review {windows.quarter_label(latest)} (to date) or an earlier quarter")
    to_date = latest < end
    return ReviewPeriod(label, start, end, latest if to_date else end, to_date)


def quarter_options(latest: date, count: int = 8) -> list[str]:
    """The ``count`` quarters up to the one holding ``latest`` (reviewed to date), newest first."""
    start = windows.quarter_start(latest)
    return [windows.quarter_label(windows.add_months(start, -3 * i)) for i in range(count)]


# --- the model ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tile:
    """A figure against its band: value, band status (green / amber / red / none) in words, change."""

    label: str
    value: str
    status: str = "none"
    band: str = ""
    change: str = ""
    note: str = ""
    source: str = "benchmark"   # what the value is held to: a playbook benchmark or the board's plan

    @property
    def status_words(self) -> str:
        return bands.status_word(self.status, self.source)


@dataclass(frozen=True)
class Table:
    """Formatted cells; ``numeric`` marks the columns aligned right."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite spec (a plain dict, no size: each renderer sizes it) and its text alternative."""

    spec: dict[str, Any] = field(hash=False, compare=False)
    alt: str = ""


@dataclass(frozen=True)
class Slide:
    """One idea: title, headline, and the parts that carry it; ``comment`` is the saved note."""

    key: str
    title: str
    headline: str = ""
    tiles: tuple[Tile, ...] = ()
    table: Table | None = None
    bullets: tuple[str, ...] = ()
    chart: Chart | None = None
    comment: str = ""
    footer: str = ""
    code: str = ""   # a command line shown in fixed type (the last slide)


@dataclass(frozen=True)
class Review:
    period: ReviewPeriod
    latest: date
    slides: tuple[Slide, ...]
    footer: str
    command: str

    def slide(self, key: str) -> Slide:
        return next(s for s in self.slides if s.key == key)


SLIDE_KEYS = ("title", "board", "backlog_waterfall", "replenishment", "oem_mix", "certifications", "conformance",
              "ev_outlook", "software", "ecosystem", "failure_modes", "monday_move", "priorities", "reproduce")
PRIORITIES = "priorities"   # the text key of next quarter's priorities (the slide's content, not a comment)


def command_line(quarter: str, fmt: str = "pptx", db: str | None = None, out: str | None = None) -> str:
    """The CLI line that reproduces the deck (``db``: the database as it may be shown, or None;
    ``out``: the file name, ``review-<quarter>.<fmt>`` by default)."""
    target = shlex.quote(out or f"review-{quarter}.{fmt}")
    fmt_part = f" --format {fmt}" if not target.lower().endswith(f".{fmt}") or fmt == "pdf" else ""
    db_part = f" --db {shlex.quote(db)}" if db else ""
    return f"python -m revops_core deck --quarter {quarter} --out {target}{fmt_part}{db_part}"


# --- what every slide is computed on --------------------------------------------------------------

@dataclass(frozen=True)
class Facts:
    """The figures the slides share, computed once."""

    period: ReviewPeriod
    cfg: AppConfig
    scope: Scope
    board: BoardMetrics
    before: BoardMetrics
    playbook: PlaybookMetrics
    before_playbook: PlaybookMetrics


def scope_words(scope: Scope) -> str:
    if scope.dealer_groups is None and getattr(scope, "regions", None) is None:
        return "all buyer segments, dealers and regions"
    groups = ", ".join(sorted(scope.dealer_groups or ()))
    return f"dealer groups {groups}" if groups else "a narrowed scope"


def scenario_words(cfg: AppConfig) -> str:
    """The EV scenario assumptions in words (config ``rules.scenario``; linear path)."""
    s = cfg.rules.scenario
    presets = "/".join(f"{round(p * 100)}" for p in s.presets)
    return (f"EV scenarios {presets}% market EV in 2030, linear from {formatting.percent(s.baseline_share, 0)} "
            f"in {s.baseline_year}, plan {formatting.percent(s.plan_2030, 0)}")


def footer_text(period: ReviewPeriod, cfg: AppConfig, scope: Scope, latest: date) -> str:
    """What the deck was computed on, for every slide's footer."""
    quarter = f"{period.quarter} to date" if period.to_date else period.quarter
    return (f"As of {formatting.date(period.as_of)} ({quarter}; TTM to that date, changes vs "
            f"{formatting.date(period.previous_end)}) · {scope_words(scope).capitalize()} · {scenario_words(cfg)} · "
            f"Data through {formatting.date(latest)}")


# --- slides ---------------------------------------------------------------------------------------

def _kind(cfg: AppConfig, key: str) -> str:
    return cfg.labels.metrics[key].format if key in cfg.labels.metrics else "count"


def metric_tile(cfg: AppConfig, key: str, value: float | None, before: float | None, *, label: str | None = None,
                segment: str | None = None, note: str = "", as_of: date | None = None) -> Tile:
    """A board metric against its band, or the board's plan at ``as_of`` (``bands.evaluate``), with its
    change vs the previous quarter end."""
    kind = _kind(cfg, key)
    band = bands.evaluate(cfg, key, value, segment, as_of)
    delta = change(value, before)
    words = "" if delta is None else f"{formatting.signed_delta(kind, delta)} vs last quarter"
    return Tile(label or cfg.metric_label(key), formatting.fmt(kind, value), band.status, band.label, words, note,
                band.source)


BOARD_TILES: tuple[tuple[str, str | None, str | None], ...] = (
    # (key, label, segment)
    ("backlog", None, None), ("backlog_replenishment_rate", None, None), ("awards_won_ttm", None, None),
    ("revenue_ttm", None, None), ("revenue_run_rate", None, None), ("win_rate", "Win rate (all segments)", None),
    ("oem_rfq_win_rate", None, None), ("pipeline_coverage", "OEM pipeline coverage", "OEM"),
    ("software_attach_rate", None, None), ("subscription_arr", None, None), ("ev_revenue_mix_ttm", None, None),
    ("pipeline_at_risk_cert", None, None),
)


def board_value(key: str, m: BoardMetrics, p: PlaybookMetrics) -> float | None:
    """The figure of a board tile: the board metric, the playbook's run-rate, or a segment's value."""
    if key == "revenue_run_rate":
        return p.revenue_run_rate.annualized
    if key == "win_rate":
        return m.win_rate.get("ALL")
    if key == "pipeline_coverage":
        return m.pipeline_coverage.get("OEM")
    return getattr(m, key)


def board_slide(f: Facts) -> Slide:
    """Board metrics (METRICS.md "Board metrics") against their bands, with the change vs the
    previous quarter end and the revenue run-rate (``revenue_run_rate``)."""
    rr = f.playbook.revenue_run_rate
    notes = {"revenue_run_rate": f"{formatting.money(rr.ytd)} in {f.period.as_of.year} to date × 12 / {rr.months}"}
    tiles = tuple(metric_tile(f.cfg, key, board_value(key, f.board, f.playbook),
                              board_value(key, f.before, f.before_playbook), label=label, segment=segment,
                              note=notes.get(key, ""), as_of=f.period.as_of) for key, label, segment in BOARD_TILES)
    counts = {s: sum(1 for t in tiles if t.status == s) for s in ("green", "amber", "red")}
    headline = (f"{counts['green']} on target or plan, {counts['amber']} to watch, {counts['red']} off target or "
                "behind plan · "
                f"revenue run-rate {formatting.money(rr.annualized)} a year")
    return Slide("board", "Board metrics against their bands", headline, tiles=tiles)


def waterfall_slide(conn: Connection, f: Facts) -> Slide:
    """The quarter's backlog waterfall (METRICS.md "Backlog waterfall"); the bars add up exactly."""
    w = backlog_waterfall(conn, f.period.quarter, f.period.as_of, f.scope)
    rows = tuple((s.label, specs.step_text(s.kind, s.amount)) for s in w.steps())
    moved = change(w.closing, w.opening)
    headline = (f"Closing backlog {formatting.money(w.closing)}, {formatting.signed_delta('money', moved)} "
                f"since {formatting.date(w.start - timedelta(days=1))}")
    spec = specs.waterfall(w, f"Backlog {formatting.date(w.start)} – {formatting.date(w.through)}")
    return Slide("backlog_waterfall", f"Backlog waterfall of {f.period.name}", headline,
                 table=Table(("Step", "Amount"), rows, (False, True)),
                 chart=Chart(spec, "Waterfall: " + "; ".join(f"{a} {b}" for a, b in rows)))


def replenishment_slide(conn: Connection, f: Facts) -> Slide:
    """``backlog_replenishment_rate`` (TTM) at the last eight quarter ends, against 1.0x and the target."""
    trend = brr_by_quarter(conn, f.period.as_of, f.cfg, 8, f.scope)
    rows = tuple((p.quarter, formatting.money(p.awards_won_ttm), formatting.money(p.program_revenue_ttm),
                  formatting.ratio(p.brr)) for p in trend.points)
    verdict = "sustained" if trend.sustained else "not sustained"
    headline = (f"At or above the {formatting.ratio(trend.target)} target for {trend.streak} quarter end"
                f"{'' if trend.streak == 1 else 's'} in a row ({trend.required} needed: {verdict})")
    return Slide("replenishment", "Backlog replenishment trend", headline,
                 table=Table(("Quarter", "Awards won (TTM)", "Program revenue (TTM)", "BRR"), rows,
                             (False, True, True, True)),
                 chart=Chart(specs.brr_trend(trend, "Backlog replenishment rate (TTM) at each quarter end"),
                             "BRR by quarter: " + ", ".join(f"{r[0]} {r[3]}" for r in rows)))


def _vs_year_before(kind: str, now: float | None, before: float | None) -> str:
    delta = change(now, before)
    return "" if delta is None else f"{formatting.signed_delta(kind, delta)} vs a year before"


def _points(change_pts: float | None) -> str:
    """A change in percentage points (``OemShare.change_pts``) as the formatter writes it: +2.3 pts."""
    return formatting.signed_delta("percent", None if change_pts is None else change_pts / 100)


def oem_slide(f: Facts) -> Slide:
    """``oem_mix`` (each OEM's backlog share now and a year before) and ``award_to_sop_months``."""
    mix, p = f.playbook.oem_mix, f.playbook
    lead_band = bands.evaluate(f.cfg, "award_to_sop_months", p.award_to_sop_months)
    hhi, hhi_before = (None if v is None else v * 10_000 for v in (mix.hhi, mix.hhi_year_before))
    tiles = (
        Tile("Top-3 OEM share of backlog", formatting.percent(mix.top3_share),
             change=_vs_year_before("percent", mix.top3_share, mix.top3_share_year_before)),
        Tile("Concentration (HHI, 0–10,000)", formatting.count(hhi), change=_vs_year_before("count", hhi, hhi_before)),
        Tile(f.cfg.metric_label("award_to_sop_months"), formatting.ratio_plain(p.award_to_sop_months),
             lead_band.status, lead_band.label, note="awards dated in the last twelve months"),
    )
    rows = tuple((a.name, formatting.percent(a.backlog_share_year_before), formatting.percent(a.backlog_share),
                  _points(a.change_pts)) for a in mix.accounts[:TABLE_ROWS])
    mover = max((a for a in mix.accounts if a.change_pts is not None), key=lambda a: abs(a.change_pts or 0.0),
                default=None)
    lead = f"award to SOP {formatting.ratio_plain(p.award_to_sop_months)} months (median)"
    headline = (f"No OEM backlog a year before to compare with; {lead}" if mover is None else
                f"Largest shift: {mover.name} {_points(mover.change_pts)} of backlog in a year; {lead}")
    chart = Chart(specs.oem_mix(mix, "Share of backlog, a year before and now"), "OEM backlog shares") \
        if mix.accounts else None
    return Slide("oem_mix", "OEM mix shift and award-to-SOP lead time", headline, tiles=tiles,
                 table=Table(("OEM", "A year before", "Now", "Change"), rows, (False, True, True, True)), chart=chart)


def certification_slide(conn: Connection, f: Facts, matrix: list[CertificationRow]) -> Slide:
    """Certifications as gates: state at D and the open pipeline each blocks (``pipeline_at_risk_cert``)."""
    summary = gates(conn, f.cfg, f.scope)
    blocked = {g.certification: g for g in summary.gates}
    rows = tuple((f.cfg.label("certifications", r.certification), r.words, formatting.date(r.expiry_date),
                  formatting.money(blocked[r.certification].amount), formatting.count(blocked[r.certification].count))
                 for r in matrix)
    m = f.board
    share = ratio(m.pipeline_at_risk_cert, m.open_pipeline)
    headline = (f"{formatting.money(m.pipeline_at_risk_cert)} of {formatting.money(m.open_pipeline)} open pipeline "
                f"({formatting.percent(share)}) needs a certification that is not valid at its close date")
    valid = sum(1 for r in matrix if r.valid_at_D)
    return Slide("certifications", "Certification gates and blocked pipeline", headline,
                 tiles=(metric_tile(f.cfg, "pipeline_at_risk_cert", m.pipeline_at_risk_cert,
                                    f.before.pipeline_at_risk_cert, as_of=f.period.as_of),
                        Tile("Certifications valid at the as-of date", f"{valid} of {len(matrix)}")),
                 table=Table(("Certification", "State", "Expires", "Pipeline blocked", "Opportunities"), rows,
                             (False, False, False, True, True)))


Event = tuple[date, str, str]


def roadmap_events(matrix: list[CertificationRow], as_of: date, days: int = ROADMAP_DAYS) -> list[Event]:
    """Audits and expiries dated in (D, D + ``days``], soonest first: (date, certification, event)."""
    end = as_of + timedelta(days=days)
    events = [(r.next_audit_date, r.certification, "Audit") for r in matrix if r.next_audit_date] + \
             [(r.expiry_date, r.certification, "Certificate expires") for r in matrix if r.expiry_date]
    return sorted((d, c, e) for d, c, e in events if as_of < d <= end)


def conformance_slide(f: Facts, matrix: list[CertificationRow]) -> Slide:
    """The conformance roadmap: next audits and expiries in the twelve months after D."""
    events = roadmap_events(matrix, f.period.as_of)
    rows = tuple((formatting.date(d), f.cfg.label("certifications", c), e, f"{(d - f.period.as_of).days:,} days")
                 for d, c, e in events)
    pending = [f.cfg.label("certifications", r.certification) for r in matrix if r.state in ("in_progress",
                                                                                             "not_started")]
    audits, expiries = (sum(1 for _, _, e in events if (e == "Audit") == want) for want in (True, False))
    horizon = formatting.date(f.period.as_of + timedelta(days=ROADMAP_DAYS))
    headline = (f"{audits} audit{'s' if audits != 1 else ''} and {expiries} expir{'ies' if expiries != 1 else 'y'} "
                f"by {horizon}")
    bullets = tuple(f"{name}: not yet certified" for name in pending)
    return Slide("conformance", "Conformance roadmap: the next 12 months", headline,
                 table=Table(("Date", "Certification", "Event", "From the as-of date"), rows[:10],
                             (False, False, False, True)) if rows else None,
                 bullets=bullets or (() if rows else ("No audit or expiry is recorded in the next 12 months.",)))


def ev_slide(conn: Connection, f: Facts, schedule: dict[int, dict[str, float]]) -> Slide:
    """The revenue outlook re-weighted for 30 / 50 / 70% market EV in 2030 (METRICS.md "Revenue
    outlook" and "Backlog schedule and the EV scenario"), side by side with the plan."""
    rules = f.cfg.rules
    params = params_from_defaults(rules.scenario)
    total = revenue_outlook(conn, f.period.as_of, f.cfg, f.scope, schedule=schedule).total()
    target = rules.risks.ev_mix_target
    try:
        results = [run_scenario(total, t, params, ev_mix_target=target) for t in rules.scenario.presets]
    except ScenarioError as exc:
        return Slide("ev_outlook", "EV outlook", f"The scenarios cannot be computed: {exc}")
    summary = summary_rows(total, results, target, rules.risks.ice_hev_backlog_limit)
    names = [f"Plan ({formatting.percent(params.plan_2030, 0)})",
             *(f"{formatting.percent(r.target, 0)} market EV" for r in results)]
    table = Table(("", *names), (
        ("Outlook revenue 2025–2035", *(formatting.money(s["revenue"]) for s in summary)),
        ("Against the plan", "—", *(formatting.signed_delta("money", s["vs_plan"]) for s in summary[1:])),
        ("EV share of our revenue, 2030", *(formatting.percent(s["ev_mix_2030"]) for s in summary)),
        (f"First year at {formatting.percent(target, 0)}+", *(str(s["first_year"] or "not by 2035") for s in summary)),
        ("ICE + HEV share, 2030", *(formatting.percent(s["ice_hev_2030"]) for s in summary)),
    ), (False, *([True] * len(names))))
    series = [(names[0], ev_mix(total)), *((n, r.ev_mix) for n, r in zip(names[1:], results))]
    low, high = summary[1], summary[-1]
    vs_plan = " / ".join(formatting.signed_delta("money", s["vs_plan"]) for s in (low, high))
    headline = (f"Our EV revenue share in 2030: {formatting.percent(low['ev_mix_2030'])} at "
                f"{formatting.percent(results[0].target, 0)} market EV, {formatting.percent(high['ev_mix_2030'])} at "
                f"{formatting.percent(results[-1].target, 0)}; outlook revenue {vs_plan} against the plan")
    return Slide("ev_outlook", "EV outlook at " + " / ".join(formatting.percent(r.target, 0) for r in results),
                 headline, table=table,
                 chart=Chart(specs.ev_mix_lines(series, target, "EV share of our revenue by year"),
                             "EV share of revenue by year for the plan and each scenario"))


def software_slide(conn: Connection, f: Facts) -> Slide:
    """Connected-vehicle software: ``software_attach_rate``, ``subscription_arr``,
    ``arr_per_subscribed_vehicle`` and ``subscription_revenue_share`` against their bands."""
    m, b = f.board, f.before
    tiles = tuple(metric_tile(f.cfg, key, getattr(m, key), getattr(b, key), as_of=f.period.as_of) for key in (
        "software_attach_rate", "subscription_arr", "arr_per_subscribed_vehicle", "subscription_revenue_share"))
    summary = software_summary(conn, f.period.as_of, f.scope, months=12)
    headline = (f"Attach {tiles[0].value} of vehicles shipped (TTM); ARR {tiles[1].value}, "
                f"{tiles[2].value} per subscribed vehicle")
    chart = Chart(specs.arr_by_month(summary.months, "Subscription ARR at each month end"),
                  "Subscription ARR by month") if summary.has_data else None
    return Slide("software", "Connected-vehicle software", headline, tiles=tiles, chart=chart)


def _latest_assessments(conn: Connection, as_of: date, scope: Scope) -> list[qm.Assessment]:
    latest: dict[str, qm.Assessment] = {}
    for a in qm.assessments(conn, scope=scope):
        if a.assessed_on <= as_of and (a.org_unit not in latest or a.assessed_on > latest[a.org_unit].assessed_on):
            latest[a.org_unit] = a
    return sorted(latest.values(), key=lambda a: a.org_unit)


def ecosystem_slide(conn: Connection, f: Facts, maturity_cfg: MaturityConfig) -> Slide:
    """The martech maturity stage (METRICS.md "Maturity matrix", the latest assessment per org unit
    on or before D) and the dealer-group scorecard over the quarter (METRICS.md "Ecosystem
    scorecard"): top and bottom quartile groups, response within SLA, marketing-sourced share."""
    card = scorecard(conn, f.period.start, f.period.as_of, "dealer_group", f.cfg, scope=f.scope, with_trend=False)
    funnel = {s.step: s for s in card.funnel()}
    sla = funnel["answered_in_sla"].share_of_leads
    sourced = card.totals()["sourced_share"]
    assessed = _latest_assessments(conn, f.period.as_of, f.scope)
    tiles = [Tile(f"Maturity: {a.org_unit}", stage_label(a.score, maturity_cfg),
                  note=f"score {a.score:.2f} of 3, assessed {formatting.date(a.assessed_on)}") for a in assessed[:2]]
    if not tiles:
        tiles.append(Tile("Martech maturity", formatting.DASH, note="no assessment on or before the as-of date"))
    minutes = f.cfg.rules.ecosystem.response_sla_minutes
    tiles += [Tile(f"Leads answered within {minutes:g} min", formatting.percent(sla),
                   note=f"{formatting.count(funnel['leads'].count)} leads in the quarter"),
              Tile("Marketing-sourced share of revenue", formatting.percent(sourced))]
    rows = tuple((f"Q{r.quartile}" + (" (top)" if r.quartile == 1 else " (bottom)"), r.name,
                  f"{r.composite_score:.0f}", formatting.percent(r.kpis.get("response_sla_rate")),
                  formatting.percent(ratio(r.kpis.get("sourced_revenue"), r.kpis.get("revenue"))))
                 for r in card.rows if r.quartile in (1, 4) and r.composite_score is not None)
    window = f"{formatting.date(f.period.start)} – {formatting.date(f.period.as_of)}"
    top = [r.name for r in card.rows if r.quartile == 1]
    if not funnel["leads"].count:
        rows, headline = (), f"No dealer leads recorded over {window}"
    else:
        headline = (f"Dealer groups over {window}: top quartile {', '.join(top) or formatting.DASH}; "
                    f"{formatting.percent(sla)} of leads answered within SLA")
    table = Table(("Quartile", "Dealer group", "Score", "Within SLA", "Marketing-sourced"), rows[:TABLE_ROWS],
                  (False, False, True, True, True)) if rows else None
    return Slide("ecosystem", "Ecosystem: maturity and scorecard", headline, tiles=tuple(tiles), table=table)


def failure_slide(conn: Connection, f: Facts) -> Slide:
    """The playbook's failure modes (METRICS.md "Risks"), PPAP in production beside the SOP flag."""
    modes = failure_modes(conn, f.period.as_of, f.cfg, f.scope, ev_test=f.playbook.ev_mix_sustained)
    rows = tuple((m.label, SEVERITY_WORDS[m.severity], m.figure) for m in modes)
    fired = [m.label for m in modes if m.triggered]
    headline = (f"{len(fired)} of {len(modes)} triggered: {', '.join(fired)}" if fired else
                f"None of the {len(modes)} triggered")
    return Slide("failure_modes", "The four failure modes", headline,
                 table=Table(("Failure mode", "Status", "Behind it"), rows))


def monday_slide(f: Facts, schedule: dict[int, dict[str, float]]) -> Slide:
    """The Monday-morning move: three risk scores, highest first (METRICS.md "Risks")."""
    scores = risk_scores(f.board, schedule, f.cfg, ev_test=f.playbook.ev_mix_sustained)
    top = scores[0]
    headline = (f"Fix first: {top.label} (shortfall {formatting.percent(top.score)})" if top.score else
                "No shortfall on backlog replenishment, certifications or EV mix")
    rows = tuple((str(i + 1), s.label, formatting.percent(s.score), s.figure) for i, s in enumerate(scores))
    bullets = (f"Look at: {top.look_at}",) if top.score else ()
    return Slide("monday_move", "The Monday-morning move", headline, bullets=bullets,
                 table=Table(("Rank", "Risk", "Shortfall", "Behind it"), rows, (True, False, True, False)))


def priority_lines(text: str) -> tuple[str, ...]:
    """The priorities as bullets: one per non-empty line, list markers removed."""
    lines = (re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in (text or "").splitlines())
    return tuple(line for line in lines if line)


def priorities_slide(f: Facts, text: str) -> Slide:
    bullets = priority_lines(text)
    headline = (f"{len(bullets)} priorit{'y' if len(bullets) == 1 else 'ies'} for the quarter ahead, saved with the "
                f"review of {f.period.quarter}" if bullets else
                f"No priorities recorded yet for {f.period.next_quarter}: add them on the Quarterly review page")
    return Slide(PRIORITIES, f"Priorities for {f.period.next_quarter}", headline, bullets=bullets)


def reproduce_slide(f: Facts, command: str, latest: date) -> Slide:
    as_of = f.period.as_of.isoformat()
    return Slide("reproduce", "How this deck was made",
                 "Every figure is the core's figure at the as-of date; this line rebuilds the deck",
                 bullets=(f"The same figures as JSON: python -m revops_core metrics --as-of {as_of} --json",
                          "Definitions: METRICS.md; bands: config/benchmarks.yaml; scenario settings: "
                          "config/rules.yaml",
                          f"Data through {formatting.date(latest)}; comments and priorities are saved with the "
                          f"review of {f.period.quarter}",
                          "PDF: the same line with --format pdf"),
                 code=command)


def title_slide(f: Facts, agenda: list[str]) -> Slide:
    p = f.period
    if p.to_date:
        headline = (f"{p.quarter} to date · as of {formatting.date(p.as_of)}, the latest date in the data "
                    f"(the quarter ends {formatting.date(p.end)})")
    else:
        headline = f"{p.quarter} · as of {formatting.date(p.as_of)}"
    return Slide("title", "Quarterly architecture review", headline, bullets=tuple(agenda))


# --- assembly -------------------------------------------------------------------------------------

def default_maturity_config() -> MaturityConfig:
    return load_maturity_config(config_dir() / "maturity.yaml")


def build_review(conn: Connection, quarter: str, cfg: AppConfig, scope: Scope = EVERYTHING, *,
                 latest: date | None = None, texts: Mapping[str, str] | None = None,
                 maturity_cfg: MaturityConfig | None = None, command: str | None = None) -> Review:
    """The review of ``quarter`` (``YYYYQn``) at its as-of date, slide by slide.

    ``latest``: the latest date in the data (read when None); ``texts``: the saved comments and
    priorities by slide key (read from ``review_store`` when None); ``command``: the CLI line
    printed on the last slide (``command_line(quarter)`` when None).
    """
    from revops_core import review_store

    latest = latest if latest is not None else latest_activity_date(conn)
    if latest is None:
        raise ReviewError("the database holds no dated records; seed or import data first")
    period = review_period(quarter, latest)
    texts = dict(texts) if texts is not None else review_store.texts(conn, period.quarter)
    facts = _facts(conn, period, cfg, scope)
    body = _body(conn, facts, maturity_cfg or default_maturity_config(), texts)
    command = command or command_line(period.quarter)
    footer = footer_text(period, cfg, scope, latest)
    last = reproduce_slide(facts, command, latest)
    slides = [title_slide(facts, [s.title for s in (*body, last)]), *body, last]
    finished = tuple(_finish(s, footer, "" if s.key == PRIORITIES else texts.get(s.key, "")) for s in slides)
    return Review(period, latest, finished, footer, command)


def _facts(conn: Connection, period: ReviewPeriod, cfg: AppConfig, scope: Scope) -> Facts:
    before = period.previous_end
    return Facts(period, cfg, scope, board_metrics(conn, period.as_of, cfg, scope),
                 board_metrics(conn, before, cfg, scope), playbook_metrics(conn, period.as_of, cfg, scope),
                 playbook_metrics(conn, before, cfg, scope))


def _body(conn: Connection, f: Facts, maturity_cfg: MaturityConfig, texts: Mapping[str, str]) -> list[Slide]:
    schedule = backlog_schedule(conn, f.period.as_of, f.scope)
    outlook_schedule = {y: v for y, v in schedule.items() if y <= LAST_YEAR}
    matrix = certification_matrix(conn, f.period.as_of, f.cfg, f.scope)
    return [board_slide(f), waterfall_slide(conn, f), replenishment_slide(conn, f), oem_slide(f),
            certification_slide(conn, f, matrix), conformance_slide(f, matrix),
            ev_slide(conn, f, outlook_schedule), software_slide(conn, f), ecosystem_slide(conn, f, maturity_cfg),
            failure_slide(conn, f), monday_slide(f, schedule),
            priorities_slide(f, texts.get(PRIORITIES, ""))]


def _finish(slide: Slide, footer: str, comment: str) -> Slide:
    return replace(slide, footer=footer, comment=comment.strip())
