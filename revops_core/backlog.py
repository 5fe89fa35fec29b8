"""Backlog schedule (METRICS.md "Backlog schedule and the EV scenario").

Each counted award's remaining backlog at D is spread evenly over the months from the later
of its SOP month and the month after D, to its EOP month; an empty range puts it all in the
month after D. The per-award remaining amounts come from SQL (``queries.board``); spreading
over months is plain arithmetic on those few thousand rows.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.engine import Connection

from revops_core import windows
from revops_core.contract import POWERTRAINS
from revops_core.queries import board as q
from revops_core.queries.common import EVERYTHING, Scope

Schedule = dict[int, dict[str, float]]


def spread_by_year(remaining: float, sop: date, eop: date, as_of: date) -> dict[int, float]:
    """One award's remaining backlog spread evenly over its months, summed by calendar year."""
    start = max(windows.add_months(sop, 0), windows.add_months(as_of, 1))
    end = windows.add_months(eop, 0)
    if end < start:
        return {start.year: remaining}
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    per_month = remaining / months
    out: dict[int, float] = {}
    for year in range(start.year, end.year + 1):
        first = start.month if year == start.year else 1
        last = end.month if year == end.year else 12
        out[year] = per_month * (last - first + 1)
    return out


def backlog_schedule(conn: Connection, as_of: date, scope: Scope = EVERYTHING,
                     last_year: int | None = None) -> Schedule:
    """Remaining backlog at D by calendar year and powertrain (every powertrain key present)."""
    rows = conn.execute(backlog_select(as_of)).all()
    out: defaultdict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(POWERTRAINS, 0.0))
    for r in rows:
        for year, amount in spread_by_year(float(r.remaining), r.sop_date, r.eop_date, as_of).items():
            if last_year is None or year <= last_year:
                out[year][r.powertrain] += amount
    return dict(sorted(out.items()))


def backlog_select(as_of: date):  # noqa: ANN201 - a SQLAlchemy Select
    """Per counted award: remaining backlog at D (re-exported for callers of this module)."""
    return q.backlog_by_award(as_of)


def powertrain_share(schedule_or_totals: dict[str, float], codes: tuple[str, ...]) -> float | None:
    """Share of the given powertrains in a powertrain -> amount mapping (None when empty)."""
    total = sum(schedule_or_totals.values())
    return sum(schedule_or_totals.get(c, 0.0) for c in codes) / total if total else None
