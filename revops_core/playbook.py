"""Playbook metrics of METRICS.md ("Playbook metrics beyond the board table").

``playbook_metrics`` returns a frozen ``PlaybookMetrics``; ``to_json`` gives the keys that
``metrics --json`` prints beside the board metrics. Sums come from SQL
(``queries.playbook``); the formulas here are plain arithmetic on them. A ratio with a zero
denominator is ``None`` (shown as "n/a"), as everywhere.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from revops_core.backlog import quarter_ends_through
from revops_core.config import AppConfig
from revops_core.queries import playbook as q
from revops_core.queries.common import EVERYTHING, Scope, change, ratio

MONTH_DAYS = 365.25 / 12  # an average calendar month, for day counts shown in months
SUSTAINED_QUARTERS = 4    # "four quarters in a row"


@dataclass(frozen=True)
class RunRate:
    """``revenue_run_rate``: revenue in D's year to D's month, and that x 12 / months elapsed."""

    ytd: float
    annualized: float
    months: int


@dataclass(frozen=True)
class EsaLift:
    """``esa_lift``: win rates with and without an E-SA, lift = with / without - 1."""

    with_esa: float | None
    without_esa: float | None
    lift: float | None


@dataclass(frozen=True)
class OemShare:
    """One OEM account in ``oem_mix``; shares are fractions, ``change_pts`` percentage points."""

    account_id: str
    name: str
    backlog_share: float | None
    revenue_share: float | None
    backlog_share_year_before: float | None
    change_pts: float | None


@dataclass(frozen=True)
class OemMix:
    """``oem_mix``: per OEM account (largest backlog first), top-3 backlog share and HHI, now and
    (for the page, not the JSON) a year before."""

    accounts: tuple[OemShare, ...]
    top3_share: float | None
    hhi: float | None
    top3_share_year_before: float | None = None
    hhi_year_before: float | None = None


@dataclass(frozen=True)
class EvMixSustained:
    """``ev_mix_sustained``: ``ev_revenue_mix_ttm`` at the last four quarter ends <= D (oldest first)."""

    quarters: tuple[tuple[date, float | None], ...]
    target: float
    sustained: bool

    @property
    def met(self) -> int:
        """How many of the quarter ends reach the target."""
        return sum(1 for _, v in self.quarters if v is not None and v >= self.target)


@dataclass(frozen=True)
class PlaybookMetrics:
    as_of: date
    revenue_run_rate: RunRate
    esa_lift: EsaLift
    award_to_sop_months: float | None
    eco_margin_ttm: float
    oem_mix: OemMix
    ev_mix_sustained: EvMixSustained

    def to_json(self) -> dict[str, Any]:
        """The playbook keys of ``metrics --json`` (ISO dates, plain numbers, null for n/a)."""
        rr, esa, mix, ev = self.revenue_run_rate, self.esa_lift, self.oem_mix, self.ev_mix_sustained
        return {
            "revenue_run_rate": {"ytd": rr.ytd, "annualized": rr.annualized},
            "esa_lift": {"with_esa": esa.with_esa, "without_esa": esa.without_esa, "lift": esa.lift},
            "award_to_sop_months": self.award_to_sop_months,
            "eco_margin_ttm": self.eco_margin_ttm,
            "oem_mix": {"accounts": {a.account_id: _share_json(a) for a in mix.accounts},
                        "top3_share": mix.top3_share, "hhi": mix.hhi},
            "ev_mix_sustained": {"quarters": {d.isoformat(): v for d, v in ev.quarters}, "sustained": ev.sustained},
        }


def _share_json(a: OemShare) -> dict[str, Any]:
    return {"name": a.name, "backlog_share": a.backlog_share, "revenue_share": a.revenue_share,
            "backlog_share_year_before": a.backlog_share_year_before, "change_pts": a.change_pts}


def run_rate(ytd: float, as_of: date) -> RunRate:
    """``revenue_run_rate``: YTD revenue to D's month and YTD x 12 / months elapsed (D's month number)."""
    return RunRate(ytd, ytd * 12 / as_of.month, as_of.month)


def esa_lift(c: q.EsaCounts) -> EsaLift:
    """``esa_lift``: win rate with an E-SA, without, and with / without - 1 (None on a zero denominator)."""
    with_esa = ratio(c.won_with, c.won_with + c.lost_with)
    without = ratio(c.won_without, c.won_without + c.lost_without)
    relative = ratio(with_esa, without)
    return EsaLift(with_esa, without, None if relative is None else relative - 1)


def months(days: float | None) -> float | None:
    """A day count in average calendar months (365.25 / 12 days)."""
    return None if days is None else days / MONTH_DAYS


def points(now: float | None, before: float | None) -> float | None:
    """The change between two shares in percentage points (0.25 -> 0.30 is +5.0); None when either is n/a."""
    diff = change(now, before)
    return None if diff is None else diff * 100


def oem_share(row: q.OemRow, totals: q.MixTotals) -> OemShare:
    """One OEM's share of ``backlog`` and ``program_revenue_ttm``, a year before, and the change."""
    now = ratio(row.backlog, totals.backlog)
    before = ratio(row.backlog_year_before, totals.backlog_year_before)
    return OemShare(row.account_id, row.name, now, ratio(row.program_revenue_ttm, totals.program_revenue_ttm),
                    before, points(now, before))


def concentration(shares: Sequence[float | None], total: float) -> tuple[float | None, float | None]:
    """(top-3 share, Herfindahl index = sum of squared shares, 0-1) of the OEM backlog shares;
    both None when there is no backlog to share (``total`` 0)."""
    if not total:
        return None, None
    values = sorted((v or 0.0 for v in shares), reverse=True)
    return float(sum(values[:3])), float(sum(v * v for v in values))


def oem_mix(rows: Sequence[q.OemRow], totals: q.MixTotals) -> OemMix:
    """``oem_mix``: every OEM's shares of ``backlog`` and ``program_revenue_ttm`` (of the totals over
    all accounts, so Tier-1 awards hold the rest); top-3 share and HHI of the OEM backlog shares,
    now and a year before."""
    shares = tuple(oem_share(r, totals) for r in rows)
    now = concentration([s.backlog_share for s in shares], totals.backlog)
    before = concentration([s.backlog_share_year_before for s in shares], totals.backlog_year_before)
    return OemMix(shares, *now, *before)


def ev_mix_sustained(ends: Sequence[date], sums: Sequence[tuple[float, float]], target: float) -> EvMixSustained:
    """``ev_mix_sustained``: EV mix (EV program / program revenue, TTM) at each quarter end, and
    whether all four reach the target (an n/a quarter does not)."""
    quarters = tuple((end, ratio(ev, program)) for end, (ev, program) in zip(ends, sums))
    met = [v is not None and v >= target for _, v in quarters]
    return EvMixSustained(quarters, target, len(met) == SUSTAINED_QUARTERS and all(met))


def ev_mix_at(conn: Connection, as_of: date, target: float, scope: Scope = EVERYTHING) -> EvMixSustained:
    """The four-quarter EV-mix test at D (the last four quarter ends on or before D)."""
    ends = quarter_ends_through(as_of, SUSTAINED_QUARTERS)
    return ev_mix_sustained(ends, q.ev_program_revenue(conn, ends, scope), target)


@dataclass(frozen=True)
class PlaybookTiles:
    """The playbook metrics the board shows as tiles with a trend, at one date: what each earlier
    quarter end of the trend needs (the OEM mix and the four-quarter EV test are shown at D only)."""

    as_of: date
    revenue_run_rate: RunRate
    esa_lift: EsaLift
    eco_margin_ttm: float


def playbook_tiles(conn: Connection, as_of: date, scope: Scope = EVERYTHING) -> PlaybookTiles:
    """The run rate, E-SA lift and ECO margin at ``as_of`` (METRICS.md, as in ``playbook_metrics``)."""
    return PlaybookTiles(as_of, run_rate(q.revenue_ytd(conn, as_of, scope), as_of),
                         esa_lift(q.esa_counts(conn, as_of, scope)), q.eco_margin_ttm(conn, as_of, scope))


def playbook_metrics(conn: Connection, as_of: date, cfg: AppConfig, scope: Scope = EVERYTHING) -> PlaybookMetrics:
    """Every playbook metric at ``as_of`` (METRICS.md "Playbook metrics beyond the board table")."""
    tiles = playbook_tiles(conn, as_of, scope)
    return PlaybookMetrics(
        as_of=as_of,
        revenue_run_rate=tiles.revenue_run_rate,
        esa_lift=tiles.esa_lift,
        award_to_sop_months=months(q.award_to_sop_days(conn, as_of, scope)),
        eco_margin_ttm=tiles.eco_margin_ttm,
        oem_mix=oem_mix(q.oem_rows(conn, as_of, scope), q.mix_totals(conn, as_of, scope)),
        ev_mix_sustained=ev_mix_at(conn, as_of, cfg.rules.risks.ev_mix_target, scope),
    )
