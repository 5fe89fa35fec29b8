"""Forecast: category roll-ups against quota, the Friday call and the monthly board lock.

METRICS.md defines no forecast figure, so the definitions live here (DATA_CONTRACT.md
``opportunities.forecast_category``: blank means ``PIPELINE`` when open):

- Roll-up of a quarter Q (``YYYYQn``) as of D: OPEN opportunities with ``close_date`` in Q, by
  forecast category (``COMMIT``, ``BEST_CASE``, ``PIPELINE``, ``OMITTED``), plus "Closed won":
  WON opportunities with ``close_date`` in [start of Q, min(end of Q, D)]. Open deals whose
  close date in Q is already past D still count (they are overdue, not gone). Segment is the
  account's; per owner the rows are (segment, owner) and add up to the segment.
- Commit forecast = closed won + commit; best-case forecast = commit forecast + best case;
  open pipeline = commit + best case + pipeline (omitted excluded). Quota = ``quotas.amount``
  of (segment, Q); owners carry no quota (the contract holds quotas per segment only).
  Attainment = closed won / quota, None without quota.
- The call: a named person submits commit and best-case amounts per segment and quarter.
  Submissions are appended, never edited. The current call = the latest submission per
  (segment, quarter) by ``submitted_on`` (ties: the later submission). The month's call = the
  latest per (segment, quarter) with ``submitted_on`` in that month. A board lock of a month
  freezes that month's call: a submission dated in a locked month is refused
  (``ForecastLocked``); a submission dated in a later month supersedes it as the current call.

Dates are arguments; nothing here reads the clock.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from revops_core import windows
from revops_core.contract import SEGMENTS
from revops_core.errors import RevOpsError
from revops_core.queries import forecast as q
from revops_core.queries.common import EVERYTHING, Scope, ratio

CATEGORIES = (q.CLOSED_WON, "COMMIT", "BEST_CASE", "PIPELINE", "OMITTED")
CATEGORY_LABELS = {q.CLOSED_WON: "Closed won", "COMMIT": "Commit", "BEST_CASE": "Best case",
                   "PIPELINE": "Pipeline", "OMITTED": "Omitted"}
QUARTER_RE = re.compile(r"^\d{4}Q[1-4]$")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
NAME_MAX, NOTE_MAX = 120, 2000


class ForecastLocked(RevOpsError):
    """The month's forecast is locked by the board: it cannot be changed (or locked again)."""


class ForecastRejected(RevOpsError, ValueError):
    """A submission or lock request is invalid; ``problems`` lists every problem at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("Forecast not saved:\n" + "\n".join(f"- {p}" for p in self.problems))


# ---- roll-up ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ForecastLine:
    """Amounts by category for one segment (``owner`` None), one owner, or ``ALL``."""

    segment: str
    owner: str | None = None
    closed_won: float = 0.0
    commit: float = 0.0
    best_case: float = 0.0
    pipeline: float = 0.0
    omitted: float = 0.0
    opportunities: int = 0
    quota: float | None = None

    @property
    def commit_forecast(self) -> float:
        """Closed won + commit."""
        return self.closed_won + self.commit

    @property
    def best_case_forecast(self) -> float:
        """Closed won + commit + best case."""
        return self.commit_forecast + self.best_case

    @property
    def open_pipeline(self) -> float:
        """Commit + best case + pipeline (omitted deals excluded)."""
        return self.commit + self.best_case + self.pipeline

    @property
    def attainment(self) -> float | None:
        """Closed won / quota (None without a quota or with a zero quota)."""
        return ratio(self.closed_won, self.quota)

    @property
    def commit_to_quota(self) -> float | None:
        return ratio(self.commit_forecast, self.quota)

    @property
    def best_case_to_quota(self) -> float | None:
        return ratio(self.best_case_forecast, self.quota)

    @property
    def gap_to_quota(self) -> float | None:
        """Quota - commit forecast (negative when the commit exceeds quota); None without quota."""
        return None if self.quota is None else self.quota - self.commit_forecast


def quota_status(line: ForecastLine) -> tuple[str, str]:
    """(status, words) of a line against its quota.

    green when the commit forecast reaches quota, amber when only the best-case forecast does,
    red when even the best case falls short, none without a (positive) quota.
    """
    if not line.quota:
        return "none", "no quota for this quarter"
    if line.commit_forecast >= line.quota:
        return "green", "commit forecast covers quota"
    if line.best_case_forecast >= line.quota:
        return "amber", "only the best case covers quota"
    return "red", "best case falls short of quota"


_FIELD = {q.CLOSED_WON: "closed_won", "COMMIT": "commit", "BEST_CASE": "best_case",
          "PIPELINE": "pipeline", "OMITTED": "omitted"}


@dataclass(frozen=True)
class ForecastRollup:
    """One quarter's roll-up: per segment (requested order), per (segment, owner), and the total."""

    quarter: str
    start: date
    end: date
    as_of: date
    segments: tuple[ForecastLine, ...]
    owners: tuple[ForecastLine, ...]
    total: ForecastLine


def forecast_quarters(as_of: date) -> tuple[str, str]:
    """The current quarter (D's) and the next one, as ``YYYYQn``."""
    start = windows.quarter_start(as_of)
    return windows.quarter_label(start), windows.quarter_label(windows.add_months(start, 3))


def _add(line: ForecastLine, row: q.RollupRow) -> ForecastLine:
    field = _FIELD.get(row.category, "pipeline")
    return replace(line, **{field: getattr(line, field) + row.amount},
                   opportunities=line.opportunities + row.opportunities)


def lines_from_rows(rows: Iterable[q.RollupRow], quotas: dict[str, float],
                    segments: Sequence[str]) -> tuple[tuple[ForecastLine, ...], tuple[ForecastLine, ...], ForecastLine]:
    """Fold roll-up cells into segment lines, (segment, owner) lines and the total (pure)."""
    by_seg = {s: ForecastLine(s, quota=quotas.get(s)) for s in segments}
    by_owner: dict[tuple[str, str], ForecastLine] = {}
    total = ForecastLine("ALL", quota=sum(quotas.values()) if quotas else None)
    for row in rows:
        key = (row.segment, row.owner)
        by_owner[key] = _add(by_owner.get(key, ForecastLine(row.segment, row.owner)), row)
        by_seg[row.segment] = _add(by_seg[row.segment], row)
        total = _add(total, row)
    owners = tuple(sorted(by_owner.values(),
                          key=lambda x: (segments.index(x.segment), -x.best_case_forecast, x.owner or "")))
    return tuple(by_seg.values()), owners, total


def forecast_rollup(conn: Connection, as_of: date, quarter: str, segments: tuple[str, ...] = SEGMENTS,
                    scope: Scope = EVERYTHING) -> ForecastRollup:
    """The forecast roll-up of ``quarter`` as of D (module docstring), grouped in SQL."""
    if not QUARTER_RE.match(quarter):
        raise ForecastRejected([f"quarter {quarter!r} is not YYYYQn (e.g. 2026Q4)"])
    start, end = windows.period_bounds("quarter", quarter)
    rows = q.rollup_rows(conn, start, end, min(end, as_of), segments, scope)
    seg_lines, owners, total = lines_from_rows(rows, q.quotas(conn, quarter, segments, scope), segments)
    return ForecastRollup(quarter, start, end, as_of, seg_lines, owners, total)


# ---- submissions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Submission:
    """One forecast call: commit and best-case amounts for a segment and quarter."""

    segment: str
    quarter: str
    submitted_by: str
    submitted_on: date
    commit_amount: float
    best_case_amount: float
    note: str | None = None
    submission_id: int | None = None

    @property
    def month(self) -> str:
        return windows.month_str(self.submitted_on)


@dataclass(frozen=True)
class ForecastLock:
    month: str
    locked_by: str
    locked_on: date


def _amount_problems(label: str, value: object) -> list[str]:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value) or math.isinf(value):
        return [f"{label} must be a number"]
    return [f"{label} must not be negative (got {value:,.2f})"] if value < 0 else []


def submission_problems(s: Submission) -> list[str]:
    """Every problem of a submission at once (empty when valid)."""
    problems: list[str] = []
    if s.segment not in SEGMENTS:
        problems.append(f"segment {s.segment!r} is unknown; choose one of {', '.join(SEGMENTS)}")
    if not QUARTER_RE.match(str(s.quarter)):
        problems.append(f"quarter {s.quarter!r} is not YYYYQn (e.g. 2026Q4)")
    elif windows.period_bounds("quarter", s.quarter)[1] < s.submitted_on:
        problems.append(f"quarter {s.quarter} ended before the submission date {s.submitted_on:%Y-%m-%d}")
    name = (s.submitted_by or "").strip()
    if not name:
        problems.append("submitted by: enter the name of the person making the call")
    elif len(name) > NAME_MAX:
        problems.append(f"submitted by: at most {NAME_MAX} characters")
    amount_problems = _amount_problems("commit", s.commit_amount) + _amount_problems("best case", s.best_case_amount)
    problems += amount_problems
    if not amount_problems and s.best_case_amount < s.commit_amount:
        problems.append(f"best case ({s.best_case_amount:,.2f}) must be at least the commit ({s.commit_amount:,.2f})")
    if s.note and len(s.note) > NOTE_MAX:
        problems.append(f"note: at most {NOTE_MAX} characters")
    return problems


def _next_month(month: str) -> str:
    return windows.month_str(windows.add_months(windows.month_first(month), 1))


def _locked_message(lock: ForecastLock, submitted_on: date) -> str:
    return (f"The {lock.month} forecast was locked by {lock.locked_by} on {lock.locked_on:%Y-%m-%d}; "
            f"a submission dated {submitted_on:%Y-%m-%d} cannot change the locked call. "
            f"Submit a call dated in {_next_month(lock.month)} or later to supersede it.")


def submit_call(conn: Connection, s: Submission) -> Submission:
    """Validate and append a submission in the caller's transaction; returns it with its id.

    Raises ``ForecastRejected`` (all problems at once) or ``ForecastLocked`` when the month of
    ``submitted_on`` is locked.
    """
    problems = submission_problems(s)
    if problems:
        raise ForecastRejected(problems)
    row = q.lock_row(conn, s.month)
    if row is not None:
        raise ForecastLocked(_locked_message(ForecastLock(row.month, row.locked_by, row.locked_on), s.submitted_on))
    clean = replace(s, submitted_by=s.submitted_by.strip(), note=(s.note or "").strip() or None,
                    commit_amount=float(s.commit_amount), best_case_amount=float(s.best_case_amount))
    values = {k: getattr(clean, k) for k in q.SUBMISSION_COLUMNS if k != "submission_id"}
    return replace(clean, submission_id=q.insert_submission(conn, values))


def _submission(row: object) -> Submission:
    r = row._mapping  # type: ignore[attr-defined]
    return Submission(r["segment"], r["quarter"], r["submitted_by"], r["submitted_on"],
                      float(r["commit_amount"]), float(r["best_case_amount"]), r["note"], int(r["submission_id"]))


def history(conn: Connection, quarter: str, segments: tuple[str, ...] = SEGMENTS) -> list[Submission]:
    """Every submission for ``quarter``, by segment then date (oldest first, ties by id)."""
    return [_submission(r) for r in conn.execute(q.submissions_select(quarter, segments))]


def current_calls(conn: Connection) -> dict[tuple[str, str], Submission]:
    """The current call per (segment, quarter): its latest submission."""
    return {(s.segment, s.quarter): s for s in map(_submission, conn.execute(q.latest_select(None, None)))}


def month_call(conn: Connection, month: str) -> dict[tuple[str, str], Submission]:
    """The month's call per (segment, quarter): the latest submission dated in ``month``."""
    first = windows.month_first(month)
    rows = conn.execute(q.latest_select(first, windows.month_end(first)))
    return {(s.segment, s.quarter): s for s in map(_submission, rows)}


# ---- board locks -----------------------------------------------------------------------------
def lock_problems(month: str, locked_by: str, locked_on: date) -> list[str]:
    """Every problem of a lock request at once (empty when valid)."""
    problems: list[str] = []
    if not MONTH_RE.match(str(month)):
        problems.append(f"month {month!r} is not YYYY-MM (e.g. 2026-10)")
    elif locked_on < windows.month_first(month):
        problems.append(f"{month} cannot be locked on {locked_on:%Y-%m-%d}, before the month has started")
    if not (locked_by or "").strip():
        problems.append("locked by: enter the name of the person locking the forecast")
    elif len(locked_by.strip()) > NAME_MAX:
        problems.append(f"locked by: at most {NAME_MAX} characters")
    return problems


def lock_month(conn: Connection, month: str, locked_by: str, locked_on: date) -> ForecastLock:
    """Lock ``month``'s call in the caller's transaction; a second lock raises ``ForecastLocked``."""
    problems = lock_problems(month, locked_by, locked_on)
    if problems:
        raise ForecastRejected(problems)
    existing = q.lock_row(conn, month)
    if existing is not None:
        raise ForecastLocked(f"The {month} forecast is already locked (by {existing.locked_by} on "
                             f"{existing.locked_on:%Y-%m-%d}); a lock cannot be repeated or undone.")
    try:
        q.insert_lock(conn, month, locked_by.strip(), locked_on)
    except IntegrityError:  # a concurrent lock won the race; the caller's transaction rolls back
        raise ForecastLocked(f"The {month} forecast was locked by someone else just now.") from None
    return ForecastLock(month, locked_by.strip(), locked_on)


def locks(conn: Connection) -> list[ForecastLock]:
    """Every board lock, most recent month first."""
    return [ForecastLock(r.month, r.locked_by, r.locked_on) for r in q.lock_rows(conn)]


# ---- how the call moved (pure) ---------------------------------------------------------------
@dataclass(frozen=True)
class WeeklyCall:
    """The call standing at the end of a week: the latest submission dated in that week."""

    segment: str
    week_start: date  # Monday
    commit_amount: float
    best_case_amount: float
    submitted_on: date
    submitted_by: str


def week_start(d: date) -> date:
    """Monday of ``d``'s week."""
    return d - timedelta(days=d.weekday())


def weekly_calls(submissions: Iterable[Submission]) -> list[WeeklyCall]:
    """Per segment and week, the latest submission of the week; ordered by segment then week."""
    latest: dict[tuple[str, date], Submission] = {}
    for s in sorted(submissions, key=lambda x: (x.submitted_on, x.submission_id or 0)):
        latest[(s.segment, week_start(s.submitted_on))] = s
    return [WeeklyCall(seg, wk, s.commit_amount, s.best_case_amount, s.submitted_on, s.submitted_by)
            for (seg, wk), s in sorted(latest.items())]


def call_statuses(submissions: Sequence[Submission], locked_months: Iterable[str]) -> dict[int, str]:
    """Status words per submission id of one quarter: current call, locked call, superseded."""
    ordered = sorted(submissions, key=lambda x: (x.submitted_on, x.submission_id or 0))
    current = {s.segment: s.submission_id for s in ordered}
    months = set(locked_months)
    locked: dict[tuple[str, str], int | None] = {(s.segment, s.month): s.submission_id
                                                 for s in ordered if s.month in months}
    by_id = {v: m for (seg, m), v in locked.items()}
    out: dict[int, str] = {}
    for s in ordered:
        sid = s.submission_id or 0
        words = []
        if current.get(s.segment) == s.submission_id:
            words.append("Current call")
        if sid in by_id:
            words.append(f"Locked call of {by_id[sid]}")
        out[sid] = " · ".join(words) or "Superseded"
    return out
