"""Pipeline change: what moved the open pipeline since a snapshot, as a waterfall that adds up.

METRICS.md is silent on pipeline change, so the definition lives here.

- Previous pipeline = the open rows of a baseline snapshot (snapshots are taken by
  ``loader.take_snapshot`` at each import or seed, and by "Take snapshot now"). Current
  pipeline = the live ``opportunities`` table's OPEN rows, so a change appears as soon as the
  data changes. Because every import snapshots the data it has just written, the latest
  snapshot usually equals the live table; the *previous* snapshot is therefore the one before
  the latest (``default_baseline``), i.e. the state before the last import or refresh. Any
  snapshot can be chosen as the baseline.
- Each opportunity in either pipeline gets exactly one category, tested in this order:
  removed (in the baseline, no longer in the data), won, lost (was open, now WON / LOST),
  amount up, amount down, pulled in (close date earlier), pushed out (later), unchanged; an
  opportunity open now and absent from the baseline is new. An opportunity that changed both
  amount and date counts once, under amount up / down.
- Its amount change is ``delta`` = open amount now (0 unless OPEN) - amount in the baseline
  (0 when new). So new carries +amount; won, lost and removed carry -baseline amount; amount
  up / down carry the difference; date moves and unchanged carry 0. The bars therefore add
  up exactly: previous open + sum of deltas = current open.
- The segment is the current account's segment (the baseline's account when the opportunity
  is gone). Deals created and closed between the two points are in neither pipeline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from revops_core.contract import SEGMENTS
from revops_core.loader import take_snapshot
from revops_core.queries import pipeline_change as q
from revops_core.queries.common import EVERYTHING, Scope
from revops_core.queries.pipeline_change import SnapshotInfo

__all__ = ["CATEGORIES", "CATEGORY_LABELS", "ChangeBucket", "PipelineChange", "SnapshotInfo", "WaterfallBar",
           "change_rows", "default_baseline", "pipeline_change", "record_snapshot", "snapshots", "waterfall"]

# Waterfall order: additions, then amount changes, then date moves, then exits.
STEPS = ("NEW", "AMOUNT_UP", "AMOUNT_DOWN", "PULLED_IN", "PUSHED_OUT", "WON", "LOST", "REMOVED")
CATEGORIES = (*STEPS, "UNCHANGED")
CATEGORY_LABELS = {"NEW": "New", "AMOUNT_UP": "Amount up", "AMOUNT_DOWN": "Amount down",
                   "PULLED_IN": "Pulled in", "PUSHED_OUT": "Pushed out", "WON": "Won", "LOST": "Lost",
                   "REMOVED": "Removed", "UNCHANGED": "Unchanged"}
DRILL_LIMIT = 500


@dataclass(frozen=True)
class ChangeBucket:
    """One category: how many opportunities and their total amount change."""

    category: str
    opportunities: int
    amount: float

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self.category]


@dataclass(frozen=True)
class PipelineChange:
    """Previous and current open pipeline and the buckets between them (``CATEGORIES`` order)."""

    baseline: SnapshotInfo
    previous_open: float
    previous_count: int
    current_open: float
    current_count: int
    buckets: tuple[ChangeBucket, ...]

    def bucket(self, category: str) -> ChangeBucket:
        return next(b for b in self.buckets if b.category == category)

    @property
    def explained(self) -> float:
        """Previous open + every bucket's amount (equals ``current_open``)."""
        return self.previous_open + sum(b.amount for b in self.buckets)


@dataclass(frozen=True)
class WaterfallBar:
    """A bar from ``start`` to ``end``; ``kind`` is total, increase, decrease or none (zero)."""

    key: str
    label: str
    start: float
    end: float
    amount: float
    opportunities: int
    kind: str


def snapshots(conn: Connection) -> list[SnapshotInfo]:
    """The latest snapshots, newest first."""
    return q.snapshots(conn)


def default_baseline(snaps: list[SnapshotInfo]) -> SnapshotInfo | None:
    """The previous snapshot: the one before the latest (the latest when there is only one)."""
    if not snaps:
        return None
    return snaps[1] if len(snaps) > 1 else snaps[0]


def _segments_arg(segments: tuple[str, ...]) -> tuple[str, ...] | None:
    return None if set(SEGMENTS) <= set(segments) else tuple(segments)


def pipeline_change(conn: Connection, baseline: SnapshotInfo, segments: tuple[str, ...] = SEGMENTS,
                    scope: Scope = EVERYTHING) -> PipelineChange:
    """Pipeline change from ``baseline`` to the live table (module docstring), aggregated in SQL."""
    sums = {c.category: c for c in q.category_sums(conn, baseline.snapshot_id, _segments_arg(segments), scope)}
    buckets = tuple(ChangeBucket(cat, sums[cat].opportunities if cat in sums else 0,
                                 sums[cat].delta if cat in sums else 0.0) for cat in CATEGORIES)
    previous = sum(c.prev_amount for c in sums.values())
    current = sum(c.open_amount for c in sums.values())
    prev_count = sum(c.opportunities for cat, c in sums.items() if cat != "NEW")
    cur_count = sum(c.still_open for c in sums.values())
    return PipelineChange(baseline, previous, prev_count, current, cur_count, buckets)


def waterfall(change: PipelineChange) -> list[WaterfallBar]:
    """Bars from the previous to the current open pipeline; each step starts where the last ended."""
    bars = [WaterfallBar("PREVIOUS", "Previous", 0.0, change.previous_open, change.previous_open,
                         change.previous_count, "total")]
    level = change.previous_open
    for b in (change.bucket(cat) for cat in STEPS):
        kind = "increase" if b.amount > 0 else "decrease" if b.amount < 0 else "none"
        bars.append(WaterfallBar(b.category, b.label, level, level + b.amount, b.amount, b.opportunities, kind))
        level += b.amount
    bars.append(WaterfallBar("CURRENT", "Now", 0.0, change.current_open, change.current_open,
                             change.current_count, "total"))
    return bars


def change_rows(conn: Connection, baseline: SnapshotInfo, category: str, segments: tuple[str, ...] = SEGMENTS,
                scope: Scope = EVERYTHING, limit: int = DRILL_LIMIT) -> pd.DataFrame:
    """The opportunities behind one bar, largest change first (at most ``limit`` rows)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; choose one of {', '.join(CATEGORIES)}")
    rows = q.category_rows(conn, baseline.snapshot_id, category, _segments_arg(segments), scope, limit)
    cols = ["opportunity_id", "account", "segment", "prev_stage", "stage", "status", "prev_amount",
            "amount_now", "delta", "prev_close_date", "close_date"]
    return pd.DataFrame([tuple(r) for r in rows], columns=cols)


def record_snapshot(engine: Engine, taken_at: datetime, source: str = "refresh") -> int:
    """Take a snapshot of the open pipeline now, in its own transaction; returns its id."""
    with engine.begin() as conn:
        return take_snapshot(conn, source, taken_at)
