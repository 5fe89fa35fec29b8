"""Operating cadence: the weekly huddle and the monthly reconciliation (issue 3).

Built on the board metrics of METRICS.md: ``esa_ratio`` (active AEs in OEM or TIER1 / active
E-SAs), ``backlog`` (at D and at the previous month end), ``certifications``; awards won follow
``awards_won_ttm``'s rule (lifetime value, status not ``CANCELLED``) over the quarter to date;
approved ECO revenue follows ``eco_approved_revenue_ttm``'s rule (``APPROVED``, by
``decided_date``) per month. An opportunity is open at D when its status is ``OPEN`` and it was
created on or before D. Nothing here reads the clock: D is an argument.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy.engine import Connection

from revops_core import windows
from revops_core.board import CertificationStatus, certification_status, esa_ratio
from revops_core.config import AppConfig
from revops_core.contract import SEGMENTS
from revops_core.queries import board as bq
from revops_core.queries import cadence as q
from revops_core.queries.common import EVERYTHING, Scope, ratio

TOP_LIMIT = 25
ESA_SEGMENTS = ("OEM", "TIER1")          # the segments E-SAs serve (the AEs of ``esa_ratio``)
DEALER_FLEET = ("DEALER_AFTERMARKET", "FLEET")
TARGET_SEGMENTS = ("OEM", "TIER1")       # quarter's awards target: these segments' quotas
MISSING_ESA = "Missing E-SA"
TREND_MONTHS = 12


def esa_flag(esa_owner: object) -> str:
    """The E-SA owner, or "Missing E-SA" when it is blank (None, NaN or whitespace)."""
    return esa_owner.strip() if isinstance(esa_owner, str) and esa_owner.strip() else MISSING_ESA


@dataclass(frozen=True)
class WeeklyHuddle:
    """The weekly huddle at D. Frames are small: at most 25 and 200 rows."""

    as_of: date
    top_oem: pd.DataFrame            # q.TOP_OPPORTUNITY_COLUMNS + esa_status, close_date_passed
    rfq_pipeline: tuple[q.PipelineSum, ...]         # one per selected segment, zeros included
    dealer_fleet_pipeline: tuple[q.PipelineSum, ...]  # per segment and stage
    eco_queue: pd.DataFrame          # q.ECO_QUEUE_COLUMNS
    active_aes: int                  # active AEs in OEM or TIER1
    active_esas: int
    esa_ratio: float | None
    esa_open_opportunities: int      # open OEM + TIER1 opportunities
    esa_missing: int                 # of which without an E-SA owner
    opportunities_per_esa: float | None

    @property
    def top_missing_esa(self) -> int:
        return int((self.top_oem["esa_status"] == MISSING_ESA).sum()) if len(self.top_oem) else 0

    @property
    def oldest_eco_days(self) -> int | None:
        return int(self.eco_queue["age_days"].max()) if len(self.eco_queue) else None

    @property
    def dealer_fleet_totals(self) -> tuple[q.PipelineSum, ...]:
        """The dealer + fleet pipeline summed over stages, per segment."""
        out: dict[str, q.PipelineSum] = {}
        for s in self.dealer_fleet_pipeline:
            prev = out.get(s.segment, q.PipelineSum(s.segment, None, 0.0, 0))
            out[s.segment] = q.PipelineSum(s.segment, None, prev.amount + s.amount,
                                           prev.opportunities + s.opportunities)
        return tuple(out.values())


def _top_oem(conn: Connection, as_of: date, scope: Scope) -> pd.DataFrame:
    df = q.top_open_opportunities(conn, as_of, scope, "OEM", TOP_LIMIT)
    df["esa_status"] = [esa_flag(v) for v in df["esa_owner"]]
    df["close_date_passed"] = [d is not None and d <= as_of for d in df["close_date"]]
    return df


def _per_segment(sums: list[q.PipelineSum], segments: tuple[str, ...]) -> tuple[q.PipelineSum, ...]:
    found = {s.segment: s for s in sums}
    return tuple(found.get(seg, q.PipelineSum(seg, None, 0.0, 0)) for seg in segments)


def weekly_huddle(conn: Connection, as_of: date, scope: Scope = EVERYTHING,
                  segments: tuple[str, ...] = SEGMENTS) -> WeeklyHuddle:
    """Top 25 open OEM opportunities, RFQ and dealer + fleet pipeline, ECO queue, E-SA load.

    ``segments`` narrows the RFQ and dealer + fleet pipelines; the top list is always OEM.
    Opportunities per E-SA = open OEM + TIER1 opportunities / active E-SAs (None without E-SAs).
    """
    active = bq.active_headcount(conn, as_of, scope)
    aes = sum(active.get(("AE", seg), 0) for seg in ESA_SEGMENTS)
    esas = sum(n for (role, _), n in active.items() if role == "ESA")
    esa_opps = sum(s.opportunities for s in q.open_pipeline(conn, as_of, scope, ESA_SEGMENTS))
    dealer_fleet = tuple(seg for seg in DEALER_FLEET if seg in segments)
    return WeeklyHuddle(
        as_of=as_of, top_oem=_top_oem(conn, as_of, scope),
        rfq_pipeline=_per_segment(q.open_pipeline(conn, as_of, scope, segments, rfq_only=True), segments),
        dealer_fleet_pipeline=tuple(q.open_pipeline(conn, as_of, scope, dealer_fleet, by_stage=True)),
        eco_queue=q.open_eco_queue(conn, as_of, scope),
        active_aes=aes, active_esas=esas, esa_ratio=esa_ratio(active),
        esa_open_opportunities=esa_opps,
        esa_missing=q.missing_esa_count(conn, as_of, scope, ESA_SEGMENTS),
        opportunities_per_esa=ratio(esa_opps, esas))


@dataclass(frozen=True)
class AwardsVsTarget:
    """Awards won in D's quarter to date against the quarter's target."""

    quarter: str                 # YYYYQn
    start: date
    won: float
    awards: int
    target: float
    target_source: str           # how the target was set, in words
    attainment: float | None     # won / target
    elapsed: float               # share of the quarter's days elapsed by D (D included)

    @property
    def pace(self) -> str:
        """``met`` (won >= target), ``on_pace`` (attainment >= elapsed share), ``behind``, ``no_target``."""
        if self.attainment is None:
            return "no_target"
        if self.attainment >= 1:
            return "met"
        return "on_pace" if self.attainment >= self.elapsed else "behind"


@dataclass(frozen=True)
class MonthlyReconciliation:
    as_of: date
    backlog: float
    previous_month_end: date
    backlog_previous: float
    backlog_change: float
    awards: AwardsVsTarget
    eco_trend: pd.DataFrame      # period, approved_revenue, approved_ecos (12 months to D's month)
    certifications: dict[str, CertificationStatus]

    @property
    def eco_totals(self) -> tuple[float, int]:
        """Approved ECO revenue and count over the trend's months."""
        return float(self.eco_trend["approved_revenue"].sum()), int(self.eco_trend["approved_ecos"].sum())


def previous_month_end(as_of: date) -> date:
    """The last day of the month before D's month."""
    return date(as_of.year, as_of.month, 1) - timedelta(days=1)


def awards_vs_target(conn: Connection, as_of: date, scope: Scope = EVERYTHING) -> AwardsVsTarget:
    """Awards dated in [start of D's quarter, D] against the quarter's OEM + TIER1 quotas."""
    start, label = windows.quarter_start(as_of), windows.quarter_label(as_of)
    won = q.awards_won_between(conn, start, as_of, scope)
    target = q.quota_total(conn, label, TARGET_SEGMENTS, scope)
    elapsed = ((as_of - start).days + 1) / ((windows.quarter_end(as_of) - start).days + 1)
    return AwardsVsTarget(label, start, won.amount, won.awards, target,
                          "the quarter's OEM and Tier-1 quotas", ratio(won.amount, target), elapsed)


def eco_trend(conn: Connection, as_of: date, scope: Scope = EVERYTHING, months: int = TREND_MONTHS) -> pd.DataFrame:
    """Approved ECO revenue per month (by decided date) for the ``months`` months to D's month."""
    first = windows.add_months(as_of, -(months - 1))
    found = q.approved_eco_revenue_by_month(conn, first, as_of, scope)
    periods = windows.months_between(windows.month_str(first), windows.month_str(as_of))
    return pd.DataFrame([(p, *found.get(p, (0.0, 0))) for p in periods],
                        columns=["period", "approved_revenue", "approved_ecos"])


def monthly_reconciliation(conn: Connection, as_of: date, cfg: AppConfig,
                           scope: Scope = EVERYTHING) -> MonthlyReconciliation:
    """Backlog and its change since the previous month end, awards vs target, ECO trend, certifications."""
    prev = previous_month_end(as_of)
    now, before = bq.backlog_total(conn, as_of, scope), bq.backlog_total(conn, prev, scope)
    certs = certification_status(bq.certification_records(conn, scope), as_of, cfg.rules.expiring_soon_days)
    return MonthlyReconciliation(as_of=as_of, backlog=now, previous_month_end=prev, backlog_previous=before,
                                 backlog_change=now - before, awards=awards_vs_target(conn, as_of, scope),
                                 eco_trend=eco_trend(conn, as_of, scope), certifications=certs)
