"""The "Monday-morning move": three risk scores and the failure-mode flags (METRICS.md "Risks"),
with the PPAP-in-production flag and the four-quarter EV-mix test of METRICS.md "Playbook metrics
beyond the board table"."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy.engine import Connection

from revops_core import scenario
from revops_core.formatting import money
from revops_core.playbook import EvMixSustained, ev_mix_at
from revops_core.backlog import Schedule, backlog_schedule, powertrain_share
from revops_core.board import BoardMetrics
from revops_core.config import AppConfig
from revops_core.contract import POWERTRAINS
from revops_core.queries import board as qb
from revops_core.queries import risks as qr
from revops_core.queries.common import EVERYTHING, Scope, ratio


@dataclass(frozen=True)
class RiskScore:
    key: str
    label: str
    score: float | None  # shortfall in [0, 1]; None when it cannot be computed
    figure: str          # the number behind it, in words
    look_at: str         # what to look at first


def brr_risk(brr: float | None, target: float = 1.2) -> float | None:
    """BRR shortfall: max(0, (1.2 - BRR) / 1.2)."""
    return None if brr is None else max(0.0, (target - brr) / target)


def cert_risk(at_risk: float, open_pipeline: float) -> float | None:
    """Certification shortfall: pipeline_at_risk_cert / open pipeline."""
    return ratio(at_risk, open_pipeline)


def ev_risk(plan_mix_2030: float | None, target: float = 0.40) -> float | None:
    """EV shortfall: max(0, (0.40 - plan EV mix in 2030) / 0.40)."""
    return None if plan_mix_2030 is None else max(0.0, (target - plan_mix_2030) / target)


def ev_test_words(test: EvMixSustained) -> str:
    """The four-quarter EV-mix test in words (``ev_mix_sustained``)."""
    verdict = "sustained" if test.sustained else "not sustained"
    return (f"EV revenue mix (TTM) at or above {test.target:.0%} at {test.met} of the last "
            f"{len(test.quarters)} quarter ends ({verdict})")


def risk_scores(m: BoardMetrics, schedule: Schedule, cfg: AppConfig,
                ev_test: EvMixSustained | None = None) -> list[RiskScore]:
    """The three risk scores, highest first (None last); ``ev_test`` adds the four-quarter EV-mix
    test to the EV risk's figure."""
    r = cfg.rules.risks
    plan_mix = scenario.plan_ev_mix_2030(schedule)
    brr_txt = "n/a" if m.backlog_replenishment_rate is None else f"{m.backlog_replenishment_rate:.2f}x"
    mix_txt = "n/a" if plan_mix is None else f"{plan_mix:.0%}"
    ev_txt = "" if ev_test is None else f"; {ev_test_words(ev_test)}"
    scores = [
        RiskScore("brr", "Backlog replenishment", brr_risk(m.backlog_replenishment_rate, r.brr_target),
                  f"BRR {brr_txt} against a {r.brr_target:.1f}x target",
                  "Awards pipeline for the next two quarters and the RFQs closest to nomination."),
        RiskScore("certification", "Certification status", cert_risk(m.pipeline_at_risk_cert, m.open_pipeline),
                  f"{money(m.pipeline_at_risk_cert)} of {money(m.open_pipeline)} open pipeline needs a certification "
                  "that is not valid at close",
                  "The certification matrix: renew or complete the certificates blocking the most pipeline."),
        RiskScore("ev", "EV program mix", ev_risk(plan_mix, r.ev_mix_target),
                  f"planned EV mix in 2030 {mix_txt} against a {r.ev_mix_target:.0%} target{ev_txt}",
                  "The EV scenario planner and the ICE/HEV awards that dominate 2030 revenue."),
    ]
    return sorted(scores, key=lambda s: -1.0 if s.score is None else s.score, reverse=True)


@dataclass(frozen=True)
class FailureMode:
    key: str
    label: str
    triggered: bool
    severity: str  # red, amber or green
    figure: str
    records: pd.DataFrame


def failure_modes(conn: Connection, as_of: date, cfg: AppConfig, scope: Scope = EVERYTHING,
                  schedule_totals: dict[str, float] | None = None,
                  ev_test: EvMixSustained | None = None) -> list[FailureMode]:
    """The failure modes of the playbook, each with the figure and records behind it: the four of
    METRICS.md "Risks" and, beside the upcoming-SOP flag, awards in production without PPAP approval.

    The EV-transition mode also states the four-quarter EV-mix test (``ev_test``, else computed).
    """
    r = cfg.rules.risks
    totals = schedule_totals if schedule_totals is not None else qb.backlog_by_powertrain(conn, as_of, scope)
    test = ev_test if ev_test is not None else ev_mix_at(conn, as_of, r.ev_mix_target, scope)
    return [
        _cyber_mode(conn, cfg, scope),
        _sop_mode(qr.sop_ppap_awards(conn, as_of, r.sop_window_days, scope), r.sop_window_days),
        _ppap_live_mode(qr.ppap_in_production_awards(conn, as_of, scope)),
        _conflict_mode(qr.channel_conflict_products(conn, scope)),
        _ev_mode(totals, r.ice_hev_backlog_limit, test),
    ]


def _lifetime_value(rows: pd.DataFrame) -> float:
    return float(rows["lifetime_value"].sum()) if len(rows) else 0.0


def _cyber_mode(conn: Connection, cfg: AppConfig, scope: Scope) -> FailureMode:
    certs = qb.certification_records(conn, scope)
    cyber = qr.cyber_gap_opportunities(conn, cfg.rules.certification_rules, certs, scope)
    n_cyber, amt_cyber = qr.cyber_gap_totals(conn, certs, scope)
    return FailureMode("cybersecurity", "Cybersecurity conformance", n_cyber > 0, "red" if n_cyber else "green",
                       f"{n_cyber} open connected-product opportunities ({money(amt_cyber)}) lack a valid "
                       "ISO/SAE 21434 or UN R155 at close", cyber)


def _sop_mode(sop: pd.DataFrame, window_days: int) -> FailureMode:
    """Awards with SOP within the window whose PPAP is not approved: amber, red when one FAILED."""
    has_failed = bool((sop["ppap_status"] == "FAILED").any()) if len(sop) else False
    return FailureMode("sop_ppap", "SOP / PPAP under-build", len(sop) > 0,
                       "red" if has_failed else ("amber" if len(sop) else "green"),
                       f"{len(sop)} awards start production within {window_days} days without PPAP approval "
                       f"({money(_lifetime_value(sop))} lifetime value)", sop)


def _ppap_live_mode(live: pd.DataFrame) -> FailureMode:
    """Awards already in production (SOP <= D) whose PPAP is not approved: always red."""
    return FailureMode("ppap_in_production", "PPAP not approved in production", len(live) > 0,
                       "red" if len(live) else "green",
                       f"{len(live)} awards in production (SOP on or before the as-of date) without PPAP approval "
                       f"({money(_lifetime_value(live))} lifetime value)", live)


def _conflict_mode(conflict: pd.DataFrame) -> FailureMode:
    return FailureMode("channel_conflict", "Dealer channel conflict", len(conflict) > 0,
                       "amber" if len(conflict) else "green",
                       f"{len(conflict)} products sold both to OEMs and through dealers / aftermarket", conflict)


def _ev_mode(totals: dict[str, float], limit: float, test: EvMixSustained) -> FailureMode:
    """ICE + HEV share of backlog above the limit is red; the figure adds the four-quarter EV-mix test."""
    ice_share = powertrain_share({k: totals.get(k, 0.0) for k in POWERTRAINS}, ("ICE", "HEV"))
    above = ice_share is not None and ice_share > limit
    rows = pd.DataFrame([{"powertrain": k, "backlog": totals.get(k, 0.0)} for k in POWERTRAINS])
    return FailureMode("ev_transition", "EV-transition exposure", above, "red" if above else "green",
                       f"ICE + HEV share of backlog {'n/a' if ice_share is None else f'{ice_share:.0%}'} "
                       f"(limit {limit:.0%}); {ev_test_words(test)}", rows)


def monday_move(conn: Connection, m: BoardMetrics, cfg: AppConfig, scope: Scope = EVERYTHING) -> list[RiskScore]:
    """Risk scores at the metrics' as-of date (computes the backlog schedule)."""
    return risk_scores(m, backlog_schedule(conn, m.as_of, scope), cfg)
