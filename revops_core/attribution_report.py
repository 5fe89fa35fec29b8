"""The attribution report of METRICS.md "Attribution": every model's channel credits over a window.

``attribution_report(conn, start, end, cfg, scope)`` runs the queries of
``revops_core.queries.attribution`` and the pure models of ``revops_core.attribution``:

- first touch, last touch, linear, position-based (and time decay where the database has
  ``power()``) are summed per channel in SQL, one row per channel back;
- time decay without ``power()`` (older SQLite builds) streams the sold leads' touches in
  chunks through ``attribution.heuristic_credits``;
- Markov gets the first-order transition counts of the leads created in the window, paired
  and summed in SQL (``LAG``/``LEAD``), and solves the absorbing chain exactly in
  ``attribution.markov_removal_effects_from_transitions`` (the same chain as from the
  distinct paths of ``queries.attribution.markov_paths``, which the tests cross-check).

The invariant: every model's credits sum to the attributed revenue (sold revenue of the
window's sold leads with at least one touchpoint up to ``sold_at``), which is queried on its
own. Markov is the one exception the contract allows: with no converting path it has nothing
to share revenue by and gives no credit (``{}``), said in ``notes``.

"Models disagree" on a channel when its range across the models compared (highest credit minus
lowest) exceeds a share of its mean credit (``rules.yaml`` ``ecosystem.disagreement_share``,
default 30%): a rule relative to the channel's own size, so a flag marks the channels whose
credit really depends on the model rather than every channel of a noisy window. Each
disagreement is put in words, because the range, not any one model, is the honest answer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from revops_core import formatting
from revops_core.attribution import (
    MODELS,
    AttributionError,
    ChannelRange,
    channel_ranges,
    credits_by_effect,
    heuristic_credits,
    markov_removal_effects_from_transitions,
)
from revops_core.config import AppConfig
from revops_core.queries import attribution as q
from revops_core.queries.common import EVERYTHING, Scope, ratio

MODEL_LABELS: dict[str, str] = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "time_decay": "Time decay",
    "position_based": "Position-based",
    "markov": "Markov",
}


@dataclass(frozen=True)
class AttributionReport:
    """Channel credits of the six models over ``[start, end]`` and how far they agree.

    ``credits[model][channel]`` for every model of ``MODELS`` (a channel a model gives
    nothing is absent: read 0). ``ranges`` holds each channel's low and high across the
    models that gave credit, highest first; ``disagreements`` the channels whose range is
    wide (above ``disagreement_share`` of the channel's mean credit, ``models_disagree``), in words.
    """

    start: date
    end: date
    attributed_revenue: float
    attributed_sales: int
    unattributed_revenue: float
    unattributed_sales: int
    credits: dict[str, dict[str, float]]
    ranges: tuple[ChannelRange, ...]
    disagreements: tuple[str, ...]
    markov_leads: int
    markov_conversions: int
    half_life_days: float
    time_decay_in_sql: bool
    notes: tuple[str, ...] = field(default=())
    disagreement_share: float = 0.3

    @property
    def channels(self) -> tuple[str, ...]:
        """Every credited channel, highest credit (across models) first."""
        return tuple(r.channel for r in self.ranges)

    def credit(self, model: str, channel: str) -> float:
        """The credit ``model`` gives ``channel`` (0 when it gives it none)."""
        return self.credits.get(model, {}).get(channel, 0.0)

    def share(self, model: str, channel: str) -> float | None:
        """The credit ``model`` gives ``channel`` as a share of the attributed revenue (None when it is 0)."""
        return ratio(self.credit(model, channel), self.attributed_revenue)

    def to_json(self) -> dict[str, Any]:
        """``attribution --json``: ``{"attributed_revenue": x, "models": {model: {channel: credit}}}``."""
        return {"attributed_revenue": self.attributed_revenue,
                "models": {m: dict(sorted(self.credits.get(m, {}).items())) for m in MODELS}}


def attribution_report(conn: Connection, start: date, end: date, cfg: AppConfig, scope: Scope = EVERYTHING,
                       time_decay_in_sql: bool | None = None) -> AttributionReport:
    """Credits of the six models of METRICS.md "Attribution" over ``[start, end]`` (dates inclusive).

    ``time_decay_in_sql`` None = in SQL when the database has ``power()``, else streamed;
    False forces the streamed Python path (same answer, used by tests).
    """
    if end < start:
        raise AttributionError(f"The window ends ({end}) before it starts ({start}).")
    half_life = float(cfg.rules.ecosystem.time_decay_half_life_days)
    revenue, sales, revenue_without, sales_without = q.attributed_revenue_sql(conn, start, end, scope)
    heuristic = q.heuristic_credits_sql(conn, start, end, half_life, scope, time_decay_in_sql)
    credits = dict(heuristic.credits)
    if "time_decay" not in credits:
        credits["time_decay"] = heuristic_credits("time_decay", q.iter_sold_paths(conn, start, end, scope),
                                                  half_life)
    transitions = q.markov_transitions(conn, start, end, scope)
    credits["markov"] = credits_by_effect(markov_removal_effects_from_transitions(transitions), revenue)
    ends = [t for t in transitions if t.target is None]
    credits = {model: credits[model] for model in MODELS}
    share = cfg.rules.ecosystem.disagreement_share
    ranges = tuple(judged(r, credits, share) for r in channel_ranges(credits))
    notes = _notes(credits, revenue, sales_without, revenue_without)
    return AttributionReport(
        start, end, revenue, sales, revenue_without, sales_without, credits, ranges,
        tuple(disagreement_text(r, credits) for r in ranges if r.models_disagree),
        sum(t.count for t in ends), sum(t.count for t in ends if t.converted),
        half_life, heuristic.time_decay_in_sql, notes, share)


def mean_credit(channel: str, credits: dict[str, dict[str, float]]) -> float:
    """A channel's mean credit over the models compared (those giving any credit; 0 where a model gives it none)."""
    values = [c.get(channel, 0.0) for c in credits.values() if c]
    return math.fsum(values) / len(values) if values else 0.0


def models_disagree(spread: float, mean: float, share: float) -> bool:
    """The disagreement rule: the range across models exceeds ``share`` of the channel's mean credit."""
    return spread > share * abs(mean)


def judged(rng: ChannelRange, credits: dict[str, dict[str, float]], share: float) -> ChannelRange:
    """``rng`` with ``models_disagree`` set by the disagreement rule (``models_disagree``)."""
    return replace(rng, models_disagree=models_disagree(rng.spread, mean_credit(rng.channel, credits), share))


def disagreement_rule(share: float) -> str:
    """The disagreement rule in words, for the page and its tests."""
    return (f"the models disagree on a channel when the range of its credit across them (highest − lowest) is "
            f"more than {formatting.percent(share, 0)} of its mean credit")


def disagreement_text(rng: ChannelRange, credits: dict[str, dict[str, float]]) -> str:
    """One channel's disagreement in words: its low and high, the models that give them, and the
    range as a share of the channel's mean credit."""
    compared = {m: c.get(rng.channel, 0.0) for m, c in credits.items() if c}
    low = [MODEL_LABELS.get(m, m) for m, v in compared.items() if _same(v, rng.low)]
    high = [MODEL_LABELS.get(m, m) for m, v in compared.items() if _same(v, rng.high)]
    mean = mean_credit(rng.channel, credits)
    return (f"{rng.channel}: {formatting.money(rng.low)} ({_join(low)}) to {formatting.money(rng.high)} "
            f"({_join(high)}), a range of {formatting.money(rng.spread)} or "
            f"{formatting.percent(rng.spread / mean if mean else None, 0)} of its mean credit "
            f"({formatting.money(mean)}).")


def model_sum_gaps(report: AttributionReport) -> dict[str, float]:
    """Each model's credit total minus the attributed revenue (0 up to rounding; Markov with no credit left out)."""
    return {m: math.fsum(c.values()) - report.attributed_revenue for m, c in report.credits.items()
            if c or m != "markov"}


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _join(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _notes(credits: dict[str, dict[str, float]], revenue: float, sales_without: int,
           revenue_without: float) -> tuple[str, ...]:
    notes = []
    if revenue > 0 and not credits["markov"]:
        notes.append("Markov gives no credit: none of the leads created in this window converted, so the "
                     "chain has no conversion to remove channels from.")
    if sales_without:
        notes.append(f"{formatting.count(sales_without)} sales in the window ({formatting.money(revenue_without)}) "
                     "had no touchpoint before the sale and are not attributed to any channel.")
    return tuple(notes)
