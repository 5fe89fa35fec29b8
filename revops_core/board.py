"""Board metrics of METRICS.md ("Board metrics"), computed from SQL aggregates.

``board_metrics`` returns a frozen ``BoardMetrics``; ``to_json`` gives the ``metrics --json``
object. Ratios with a zero denominator are ``None`` (shown as "n/a").
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from revops_core.config import AppConfig
from revops_core.contract import CERTIFICATIONS, SEGMENTS
from revops_core.queries import board as q
from revops_core.queries.common import EVERYTHING, Scope, ratio


@dataclass(frozen=True)
class CertificationStatus:
    certification: str
    status: str
    expiry_date: date | None
    valid_at_D: bool  # noqa: N815 - the JSON key of METRICS.md
    expiring_soon: bool
    next_audit_date: date | None = None
    recorded: bool = True


@dataclass(frozen=True)
class CoverageDetail:
    open_amount: float
    quota: float
    won: float
    coverage: float | None
    quota_met: bool


@dataclass(frozen=True)
class BoardMetrics:
    as_of: date
    revenue_ttm: float
    program_revenue_ttm: float
    awards_won_ttm: float
    backlog: float
    backlog_replenishment_rate: float | None
    win_rate: dict[str, float | None]
    oem_rfq_win_rate: float | None
    pipeline_coverage: dict[str, float | None]
    sales_cycle_days: dict[str, float | None]
    eco_count_ttm: int
    eco_approved_revenue_ttm: float
    eco_approval_rate: float | None
    software_attach_rate: float | None
    subscription_arr: float
    arr_per_subscribed_vehicle: float | None
    subscription_revenue_share: float | None
    ev_revenue_mix_ttm: float | None
    esa_ratio: float | None
    certifications: dict[str, CertificationStatus]
    pipeline_at_risk_cert: float
    open_pipeline: float = 0.0
    coverage_detail: dict[str, CoverageDetail] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``metrics --json`` object: ISO dates, plain numbers, null for n/a."""
        out = {k: v for k, v in asdict(self).items() if k not in ("coverage_detail", "open_pipeline")}
        out["as_of"] = self.as_of.isoformat()
        out["certifications"] = {
            code: {"status": c.status, "expiry_date": c.expiry_date.isoformat() if c.expiry_date else None,
                   "valid_at_D": c.valid_at_D, "expiring_soon": c.expiring_soon}
            for code, c in self.certifications.items()}
        out["pipeline_coverage_detail"] = {seg: asdict(d) for seg, d in self.coverage_detail.items()}
        out["open_pipeline"] = self.open_pipeline
        return out


def win_rates(counts: dict[str, q.WinCounts]) -> dict[str, float | None]:
    """``win_rate``: WON / (WON + LOST) per segment and ``ALL``."""
    out = {seg: ratio(c.won, c.won + c.lost) for seg, c in counts.items()}
    won, lost = sum(c.won for c in counts.values()), sum(c.lost for c in counts.values())
    out["ALL"] = ratio(won, won + lost)
    return out


def coverage(inputs: q.CoverageInputs) -> CoverageDetail:
    """``pipeline_coverage``: open / (quota - won); None with ``quota_met`` when quota - won <= 0."""
    remaining = inputs.quota - inputs.won
    if remaining <= 0:
        return CoverageDetail(inputs.open_amount, inputs.quota, inputs.won, None, True)
    return CoverageDetail(inputs.open_amount, inputs.quota, inputs.won, inputs.open_amount / remaining, False)


def esa_ratio(active: dict[tuple[str, str], int]) -> float | None:
    """``esa_ratio``: active AEs in OEM or TIER1 / active E-SAs."""
    aes = active.get(("AE", "OEM"), 0) + active.get(("AE", "TIER1"), 0)
    esas = sum(n for (role, _), n in active.items() if role == "ESA")
    return ratio(aes, esas)


def certification_status(records: dict[str, q.CertRecord], as_of: date,
                         soon_days: int) -> dict[str, CertificationStatus]:
    """Per certification: status, expiry, valid at D, expiring soon (valid and expiry within 90 days).

    A certification with no row is reported as ``NOT_STARTED`` and not valid.
    """
    out = {}
    for code in CERTIFICATIONS:
        rec = records.get(code)
        if rec is None:
            out[code] = CertificationStatus(code, "NOT_STARTED", None, False, False, None, recorded=False)
            continue
        valid = rec.valid_on(as_of)
        soon = valid and rec.expiry_date is not None and rec.expiry_date <= as_of + timedelta(days=soon_days)
        out[code] = CertificationStatus(code, rec.status, rec.expiry_date, valid, soon, rec.next_audit_date)
    return out


def board_metrics(conn: Connection, as_of: date, cfg: AppConfig, scope: Scope = EVERYTHING) -> BoardMetrics:
    """Every board metric at ``as_of`` (METRICS.md "Board metrics")."""
    rev = q.revenue_ttm(conn, as_of, scope)
    won = q.awards_won_ttm(conn, as_of, scope)
    cov_in = q.coverage_inputs(conn, as_of, scope)
    eco = q.eco_sums(conn, as_of, scope)
    ship = q.shipment_sums(conn, as_of, scope)
    records = q.certification_records(conn, scope)
    at_risk, open_total = q.pipeline_at_risk(conn, cfg.rules.certification_rules, scope, records)
    details = {seg: coverage(cov_in[seg]) for seg in SEGMENTS}
    return BoardMetrics(
        as_of=as_of, revenue_ttm=rev.total, program_revenue_ttm=rev.program, awards_won_ttm=won,
        backlog=q.backlog_total(conn, as_of, scope),
        backlog_replenishment_rate=ratio(won, rev.program),
        win_rate=win_rates(q.win_counts(conn, as_of, scope)),
        oem_rfq_win_rate=win_rates(q.win_counts(conn, as_of, scope, rfq_only=True))["OEM"],
        pipeline_coverage={seg: d.coverage for seg, d in details.items()},
        sales_cycle_days=q.sales_cycle_median(conn, as_of, scope),
        eco_count_ttm=eco.requested, eco_approved_revenue_ttm=eco.approved_revenue,
        eco_approval_rate=ratio(eco.approved, eco.approved + eco.rejected),
        software_attach_rate=ratio(ship.attached, ship.shipped), subscription_arr=ship.arr,
        arr_per_subscribed_vehicle=ratio(ship.arr, ship.active),
        subscription_revenue_share=ratio(rev.subscription, rev.total),
        ev_revenue_mix_ttm=ratio(rev.ev_program, rev.program),
        esa_ratio=esa_ratio(q.active_headcount(conn, as_of, scope)),
        certifications=certification_status(records, as_of, cfg.rules.expiring_soon_days),
        pipeline_at_risk_cert=at_risk, open_pipeline=open_total, coverage_detail=details,
    )
