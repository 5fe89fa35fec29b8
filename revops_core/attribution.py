"""Channel attribution: heuristic models and an exact first-order Markov model.

Implements METRICS.md "Attribution". Pure functions only: the shell loads the sold leads of
the window (touchpoints up to ``sold_at``, ordered by ``ts``) and the paths of the leads
created in the window, and passes them in as plain values.

Choices made here (each also stated where it applies):

* Repeated consecutive touches on the same channel are kept as given. In the heuristic
  models every touch is a touch; in the Markov chain they are self-loops, which never
  change an absorption probability, so keeping or collapsing them gives the same credits.
* A path with no touchpoint is skipped by every model and adds nothing to the attributed
  revenue; a lead with no touchpoint is left out of the Markov chain.
* A model that gives a channel nothing leaves the channel out of its result (read it as 0).
* If no Markov path converts, every removal effect is 0 and ``markov_credits`` returns ``{}``
  (logged): the model has nothing to share revenue by, and a silent fallback to another
  model would be mislabelled.
"""
from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from revops_core.errors import RevOpsError

logger = logging.getLogger(__name__)

HEURISTIC_MODELS: tuple[str, ...] = (
    "first_touch", "last_touch", "linear", "time_decay", "position_based",
)
MODELS: tuple[str, ...] = (*HEURISTIC_MODELS, "markov")
DEFAULT_HALF_LIFE_DAYS = 7.0
DISAGREEMENT_THRESHOLD = 0.10
"""Models disagree on a channel when its credit spread exceeds this share of its highest credit."""

MarkovPath = tuple[Sequence[str], bool] | tuple[Sequence[str], bool, float]
"""One lead's channel sequence and whether it converted, optionally with a count of leads."""
DistinctPath = tuple[tuple[str, ...], bool, float]


class AttributionError(RevOpsError, ValueError):
    """Attribution inputs are invalid (unknown model, negative days, bad half-life or count)."""


@dataclass(frozen=True)
class Touch:
    """One touchpoint of a sold lead, ``days_before_sale`` = (sold_at - ts) in days, >= 0."""

    channel: str
    days_before_sale: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.days_before_sale) and self.days_before_sale >= 0):
            raise AttributionError(
                f"Touch on {self.channel!r}: days_before_sale must be a finite number >= 0, "
                f"got {self.days_before_sale!r}")


@dataclass(frozen=True)
class SoldPath:
    """A sold lead's revenue and its touches up to ``sold_at``, oldest first (may be empty)."""

    revenue: float
    touches: tuple[Touch, ...]

    @property
    def channels(self) -> tuple[str, ...]:
        """The channel sequence, as the Markov model takes it."""
        return tuple(touch.channel for touch in self.touches)


@dataclass(frozen=True)
class ChannelRange:
    """A channel's lowest and highest credit over the models compared (METRICS.md "Attribution")."""

    channel: str
    low: float
    high: float
    spread: float
    models_disagree: bool


# --- heuristic models ---------------------------------------------------------------------

def credit_path(model: str, path: SoldPath,
                half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> dict[str, float]:
    """Credit one sold path under a heuristic model (METRICS.md "Attribution").

    Returns channel -> credit, summing to ``path.revenue``; ``{}`` for a path with no touch.
    Touches on the same channel add up; channels given no weight are left out.
    """
    _check_heuristic(model, half_life_days)
    if not path.touches:
        return {}
    weights = _touch_weights(model, path.touches, half_life_days)
    total = math.fsum(weights)
    credits: dict[str, float] = {}
    for touch, weight in zip(path.touches, weights):
        if weight > 0.0:
            credits[touch.channel] = credits.get(touch.channel, 0.0) + path.revenue * weight / total
    return credits


def heuristic_credits(model: str, paths: Iterable[SoldPath],
                      half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> dict[str, float]:
    """Sum ``credit_path`` over sold paths (METRICS.md "Attribution"); empty paths are skipped."""
    _check_heuristic(model, half_life_days)
    totals: dict[str, float] = {}
    for path in paths:
        for channel, credit in credit_path(model, path, half_life_days).items():
            totals[channel] = totals.get(channel, 0.0) + credit
    return totals


def _check_heuristic(model: str, half_life_days: float) -> None:
    if model not in HEURISTIC_MODELS:
        raise AttributionError(
            f"{model!r} is not a per-path model; expected one of {', '.join(HEURISTIC_MODELS)}")
    if model == "time_decay" and not (math.isfinite(half_life_days) and half_life_days > 0):
        raise AttributionError(f"half_life_days must be a finite number > 0, got {half_life_days!r}")


def _touch_weights(model: str, touches: Sequence[Touch], half_life_days: float) -> list[float]:
    """Unnormalised weight of each touch; ``credit_path`` divides by their sum."""
    n = len(touches)
    if model == "first_touch":
        return [1.0] + [0.0] * (n - 1)
    if model == "last_touch":
        return [0.0] * (n - 1) + [1.0]
    if model == "linear":
        return [1.0] * n
    if model == "time_decay":
        return _time_decay_weights(touches, half_life_days)
    return _position_weights(n)


def _time_decay_weights(touches: Sequence[Touch], half_life_days: float) -> list[float]:
    """2^(-days / half-life), scaled so the most recent touch weighs 1.

    The scaling cancels in the normalisation and keeps old paths from underflowing to 0.
    """
    newest = min(touch.days_before_sale for touch in touches)
    return [2.0 ** (-(touch.days_before_sale - newest) / half_life_days) for touch in touches]


def _position_weights(n: int) -> list[float]:
    """40% first, 40% last, 20% shared by the middle; one touch takes all; two split 50/50."""
    if n == 1:
        return [1.0]
    if n == 2:
        return [0.5, 0.5]
    return [0.4] + [0.2 / (n - 2)] * (n - 2) + [0.4]


# --- Markov model -------------------------------------------------------------------------

def aggregate_paths(paths: Iterable[MarkovPath]) -> list[DistinctPath]:
    """Count identical (channels, converted) paths, in first-seen order.

    Items are ``(channels, converted)`` (count 1) or ``(channels, converted, count)``;
    counts of equal paths add up and paths with count 0 are dropped. At scale the chain
    is built from these distinct paths and their counts, not from every lead.
    """
    counts: Counter[tuple[tuple[str, ...], bool]] = Counter()
    for item in paths:
        count = float(item[2]) if len(item) > 2 else 1.0
        if not (math.isfinite(count) and count >= 0):
            raise AttributionError(f"Path count must be a finite number >= 0, got {count!r}")
        counts[(tuple(item[0]), bool(item[1]))] += count
    return [(channels, converted, n) for (channels, converted), n in counts.items() if n > 0]


def markov_removal_effects(paths: Iterable[MarkovPath]) -> dict[str, float]:
    """Removal effect of every channel in a first-order chain (METRICS.md "Attribution").

    States: start, each channel, conv, null. Transition counts come from each consecutive
    pair of every path (start -> first touch, ..., last touch -> conv or null), weighted by
    the path counts; repeated consecutive channels are self-loops, kept as given (they do
    not change absorption probabilities). P(conv) is the absorption probability in conv
    from start, solved exactly from (I - Q) x = r_conv. Removing channel c sends its inbound
    transitions to null; its effect is 1 - P_c / P, or 0 for all channels when P is 0.
    Paths with no channel are left out. Returns ``{}`` when no path has a channel.
    """
    channels, counts = _transition_counts(aggregate_paths(paths))
    if not channels:
        return {}
    return _effects(channels, counts)


@dataclass(frozen=True)
class Transition:
    """Lead count of one first-order step: ``origin`` None is the start state; ``target`` None
    is the end of the path, in conv when ``converted`` else in null."""

    origin: str | None
    target: str | None
    converted: bool
    count: int


def markov_removal_effects_from_transitions(transitions: Iterable[Transition]) -> dict[str, float]:
    """``markov_removal_effects`` from transition counts already summed (in SQL at scale).

    The same chain as building it from paths: every path contributes start -> first touch,
    each consecutive pair, and last touch -> conv or null, weighted by its lead count.
    """
    steps = [t for t in transitions if t.count]
    channels = sorted({c for t in steps for c in (t.origin, t.target) if c is not None})
    if not channels:
        return {}
    state = {channel: i for i, channel in enumerate(channels, start=1)}
    conv, null = len(channels) + 1, len(channels) + 2
    counts = np.zeros((len(channels) + 1, len(channels) + 3))
    for t in steps:
        origin = 0 if t.origin is None else state[t.origin]
        target = state[t.target] if t.target is not None else (conv if t.converted else null)
        counts[origin, target] += t.count
    return _effects(channels, counts)


def _effects(channels: Sequence[str], counts: np.ndarray) -> dict[str, float]:
    base = _conversion_probability(counts)
    if base <= 0.0:
        return {channel: 0.0 for channel in channels}
    return {channel: _clip_unit(1.0 - _conversion_probability(counts, removed=state) / base)
            for state, channel in enumerate(channels, start=1)}


def credits_by_effect(effects: Mapping[str, float], attributed_revenue: float) -> dict[str, float]:
    """Share ``attributed_revenue`` by removal-effect shares; ``{}`` when the effects sum to 0."""
    total = math.fsum(effects.values())
    if total <= 0.0:
        logger.warning("Markov attribution: no converting path in the window; no credits")
        return {}
    return {channel: attributed_revenue * effect / total for channel, effect in effects.items()}


def markov_credits(paths: Iterable[MarkovPath], attributed_revenue: float) -> dict[str, float]:
    """Share ``attributed_revenue`` by removal-effect shares (METRICS.md "Attribution").

    Credits sum to ``attributed_revenue``. If the removal effects sum to 0, which happens
    exactly when no path converts (or there are no paths), there is nothing to share by:
    the result is ``{}``, logged, and nothing is raised.
    """
    return credits_by_effect(markov_removal_effects(paths), attributed_revenue)


def _transition_counts(distinct: Sequence[DistinctPath]) -> tuple[list[str], np.ndarray]:
    """Channel names and transition counts, rows [start, *channels], columns [..., conv, null]."""
    channels = list(dict.fromkeys(ch for sequence, _, _ in distinct for ch in sequence))
    state = {channel: i for i, channel in enumerate(channels, start=1)}
    conv, null = len(channels) + 1, len(channels) + 2
    pairs: Counter[tuple[int, int]] = Counter()
    for sequence, converted, count in distinct:
        if sequence:
            states = [0, *(state[ch] for ch in sequence), conv if converted else null]
            for pair in zip(states, states[1:]):
                pairs[pair] += count
    counts = np.zeros((len(channels) + 1, len(channels) + 3))
    for (origin, target), count in pairs.items():
        counts[origin, target] = count
    return channels, counts


def _conversion_probability(counts: np.ndarray, removed: int | None = None) -> float:
    """Absorption probability in conv from start; ``removed`` makes that state absorb in null."""
    transient = counts.shape[0]
    probabilities = counts / counts.sum(axis=1, keepdims=True)
    q = probabilities[:, :transient].copy()
    r_conv = probabilities[:, transient].copy()
    if removed is not None:
        q[removed, :] = 0.0
        r_conv[removed] = 0.0
    absorbed = np.linalg.solve(np.eye(transient) - q, r_conv)
    return float(absorbed[0])


def _clip_unit(value: float) -> float:
    """Clamp rounding noise: a removal effect lies in [0, 1] by construction."""
    return min(1.0, max(0.0, value))


# --- all models ---------------------------------------------------------------------------

def attributed_revenue(sold_paths: Iterable[SoldPath]) -> float:
    """Sold revenue of sold leads with at least one touchpoint (METRICS.md "Attribution")."""
    return math.fsum(path.revenue for path in sold_paths if path.touches)


def attribute(model: str, sold_paths: Iterable[SoldPath], all_paths: Iterable[MarkovPath],
              half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> dict[str, float]:
    """Channel credits under ``model`` (METRICS.md "Attribution").

    Heuristic models credit ``sold_paths``; ``markov`` builds its chain from ``all_paths``
    (every lead created in the window, converting or not) and shares the attributed revenue
    of ``sold_paths``. Credits sum to ``attributed_revenue(sold_paths)`` (for ``markov``,
    ``{}`` when no path converts; see ``markov_credits``).
    """
    if model == "markov":
        return markov_credits(all_paths, attributed_revenue(sold_paths))
    if model not in MODELS:
        raise AttributionError(f"Unknown attribution model {model!r}; expected one of {', '.join(MODELS)}")
    return heuristic_credits(model, sold_paths, half_life_days)


def channel_ranges(credits_by_model: dict[str, dict[str, float]],
                   threshold: float = DISAGREEMENT_THRESHOLD) -> list[ChannelRange]:
    """Each channel's low, high and spread of credit across models (METRICS.md "Attribution").

    A channel missing from a model's credits got 0 from it; a model with no credits at all
    (``{}``, e.g. Markov without a converting path) is left out of the comparison. Models
    disagree on a channel when spread > ``threshold`` x high (default 10%). Sorted by high
    credit, largest first, then channel name.
    """
    compared = [credits for credits in credits_by_model.values() if credits]
    channels = sorted({channel for credits in compared for channel in credits})
    ranges = [_channel_range(channel, [c.get(channel, 0.0) for c in compared], threshold)
              for channel in channels]
    return sorted(ranges, key=lambda r: (-r.high, r.channel))


def _channel_range(channel: str, values: list[float], threshold: float) -> ChannelRange:
    low, high = min(values), max(values)
    spread = high - low
    return ChannelRange(channel, low, high, spread, spread > threshold * abs(high))
