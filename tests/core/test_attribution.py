"""Tests for revops_core.attribution (METRICS.md "Attribution"), expectations worked by hand."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revops_core.attribution import (
    HEURISTIC_MODELS,
    MODELS,
    AttributionError,
    ChannelRange,
    SoldPath,
    Touch,
    aggregate_paths,
    attribute,
    attributed_revenue,
    channel_ranges,
    credit_path,
    heuristic_credits,
    markov_credits,
    markov_removal_effects,
)


def sold(revenue: float, *touches: tuple[str, float]) -> SoldPath:
    return SoldPath(revenue, tuple(Touch(channel, days) for channel, days in touches))


def assert_credits(actual: dict[str, float], expected: dict[str, float]) -> None:
    assert set(actual) == set(expected)
    for channel, credit in expected.items():
        assert actual[channel] == pytest.approx(credit, rel=1e-12, abs=1e-9), channel


# --- heuristic models, one path -----------------------------------------------------------

ONE = sold(100, ("A", 3))
TWO = sold(90, ("A", 7), ("B", 0))
THREE = sold(70, ("A", 14), ("B", 7), ("C", 0))
FOUR = sold(150, ("A", 21), ("B", 14), ("C", 7), ("D", 0))
FOUR_REPEAT = sold(150, ("A", 21), ("B", 14), ("A", 7), ("C", 0))

HEURISTIC_CASES = [
    # One touch takes everything under every model.
    *[(model, ONE, {"A": 100}) for model in HEURISTIC_MODELS],
    # Two touches, 7 and 0 days before the sale, revenue 90.
    ("first_touch", TWO, {"A": 90}),
    ("last_touch", TWO, {"B": 90}),
    ("linear", TWO, {"A": 45, "B": 45}),
    # weights 2^(-7/7) = 0.5 and 2^0 = 1 -> 1/3 and 2/3 of 90
    ("time_decay", TWO, {"A": 30, "B": 60}),
    # two touches split 50/50
    ("position_based", TWO, {"A": 45, "B": 45}),
    # Three touches, 14, 7, 0 days, revenue 70.
    ("first_touch", THREE, {"A": 70}),
    ("last_touch", THREE, {"C": 70}),
    ("linear", THREE, {"A": 70 / 3, "B": 70 / 3, "C": 70 / 3}),
    # weights 0.25, 0.5, 1 (sum 1.75) -> 70 x 1/7, 2/7, 4/7
    ("time_decay", THREE, {"A": 10, "B": 20, "C": 40}),
    # 40% / 20% / 40% of 70
    ("position_based", THREE, {"A": 28, "B": 14, "C": 28}),
    # Four touches, 21, 14, 7, 0 days, revenue 150.
    ("first_touch", FOUR, {"A": 150}),
    ("last_touch", FOUR, {"D": 150}),
    ("linear", FOUR, {"A": 37.5, "B": 37.5, "C": 37.5, "D": 37.5}),
    # weights 1/8, 1/4, 1/2, 1 (sum 15/8) -> 150 x 1/15, 2/15, 4/15, 8/15
    ("time_decay", FOUR, {"A": 10, "B": 20, "C": 40, "D": 80}),
    # 40% first, 40% last, the middle two share 20%: 60, 15, 15, 60
    ("position_based", FOUR, {"A": 60, "B": 15, "C": 15, "D": 60}),
    # Four touches with A twice (first and third): a channel's touches add up.
    ("first_touch", FOUR_REPEAT, {"A": 150}),
    ("last_touch", FOUR_REPEAT, {"C": 150}),
    # A gets 2 of 4 touches
    ("linear", FOUR_REPEAT, {"A": 75, "B": 37.5, "C": 37.5}),
    # A: 150 x (1 + 4)/15 = 50; B: 150 x 2/15 = 20; C: 150 x 8/15 = 80
    ("time_decay", FOUR_REPEAT, {"A": 50, "B": 20, "C": 80}),
    # A: 40% + 10% = 75; B: 10% = 15; C: 40% = 60
    ("position_based", FOUR_REPEAT, {"A": 75, "B": 15, "C": 60}),
]


@pytest.mark.parametrize(("model", "path", "expected"), HEURISTIC_CASES)
def test_credit_path(model: str, path: SoldPath, expected: dict[str, float]) -> None:
    assert_credits(credit_path(model, path), expected)


@pytest.mark.parametrize(("path", "half_life", "expected"), [
    # half-life 14: touches 14 and 0 days before -> weights 0.5, 1 -> 1/3, 2/3 of 90
    (sold(90, ("A", 14), ("B", 0)), 14.0, {"A": 30, "B": 60}),
    # half-life 1: 2 days and 1 day before -> weights 0.25, 0.5 -> 1/3, 2/3 of 90
    (sold(90, ("A", 2), ("B", 1)), 1.0, {"A": 30, "B": 60}),
    # same day: equal weights
    (sold(90, ("A", 0), ("B", 0)), 7.0, {"A": 45, "B": 45}),
    # 2^(-100000/7) underflows to 0; only the ratio matters: still 50/50
    (sold(90, ("A", 1e5), ("B", 1e5)), 7.0, {"A": 45, "B": 45}),
    # half a day, half-life 7: weights 2^(-1/14) and 1
    (sold(1, ("A", 0.5), ("B", 0)), 7.0,
     {"A": 2 ** (-1 / 14) / (1 + 2 ** (-1 / 14)), "B": 1 / (1 + 2 ** (-1 / 14))}),
])
def test_time_decay_half_life(path: SoldPath, half_life: float, expected: dict[str, float]) -> None:
    assert_credits(credit_path("time_decay", path, half_life_days=half_life), expected)


@pytest.mark.parametrize(("n", "first", "middle", "last"), [
    (3, 0.4, 0.2, 0.4),
    (4, 0.4, 0.1, 0.4),
    (5, 0.4, 0.2 / 3, 0.4),
    (7, 0.4, 0.04, 0.4),
])
def test_position_based_shares(n: int, first: float, middle: float, last: float) -> None:
    path = sold(1, *((f"C{i}", 0) for i in range(n)))
    credits = credit_path("position_based", path)
    assert credits["C0"] == pytest.approx(first)
    assert credits[f"C{n - 1}"] == pytest.approx(last)
    assert all(credits[f"C{i}"] == pytest.approx(middle) for i in range(1, n - 1))


def test_heuristic_credits_sum_over_paths_and_skip_empty() -> None:
    paths = [TWO, THREE, sold(500)]  # the 500 has no touchpoint: skipped everywhere
    # linear: TWO gives A 45, B 45; THREE gives 70/3 each to A, B, C
    assert_credits(heuristic_credits("linear", paths),
                   {"A": 45 + 70 / 3, "B": 45 + 70 / 3, "C": 70 / 3})
    assert attributed_revenue(paths) == 160
    assert credit_path("linear", sold(500)) == {}
    assert heuristic_credits("first_touch", []) == {}


@pytest.mark.parametrize("call", [
    lambda: credit_path("markov", ONE),
    lambda: credit_path("u_shaped", ONE),
    lambda: heuristic_credits("nope", []),
    lambda: attribute("nope", [ONE], []),
    lambda: credit_path("time_decay", TWO, half_life_days=0),
    lambda: credit_path("time_decay", TWO, half_life_days=float("nan")),
    lambda: Touch("A", -1),
    lambda: Touch("A", float("inf")),
    lambda: aggregate_paths([(("A",), True, -2)]),
])
def test_invalid_input_raises_domain_error(call) -> None:
    with pytest.raises(AttributionError):
        call()


# --- Markov model -------------------------------------------------------------------------

def test_markov_worked_example() -> None:
    # Paths: A>B conv x1, A null x1, B conv x1.
    # Transitions: start->A 2, start->B 1; A->B 1, A->null 1; B->conv 2.
    # P = P(start->A) P(A->B) P(B->conv) + P(start->B) P(B->conv) = 2/3 x 1/2 + 1/3 = 2/3.
    # Remove A (start->A goes to null): P_A = 1/3          -> effect 1 - (1/3)/(2/3) = 1/2.
    # Remove B (every way to conv passes B): P_B = 0       -> effect 1.
    # Shares: A 1/2 / (3/2) = 1/3, B 1 / (3/2) = 2/3; with 300 attributed: A 100, B 200.
    paths = [(("A", "B"), True, 1), (("A",), False, 1), (("B",), True, 1)]
    effects = markov_removal_effects(paths)
    assert effects == pytest.approx({"A": 0.5, "B": 1.0}, abs=1e-9)
    assert markov_credits(paths, 300.0) == pytest.approx({"A": 100.0, "B": 200.0}, abs=1e-9)


def test_markov_worked_example_with_a_cycle() -> None:
    # Paths: A>B>A conv x1, B null x1, A null x1 (B can lead back to A: needs the solve).
    # Transitions: start->A 2, start->B 1; A->B 1, A->conv 1, A->null 1; B->A 1, B->null 1.
    # x_A = 1/3 x_B + 1/3, x_B = 1/2 x_A -> x_A = 2/5, x_B = 1/5.
    # P = 2/3 x 2/5 + 1/3 x 1/5 = 1/3.
    # Remove A: x_A = 0 so x_B = 0, P_A = 0                 -> effect 1.
    # Remove B: x_B = 0 so x_A = 1/3, P_B = 2/3 x 1/3 = 2/9  -> effect 1 - (2/9)/(1/3) = 1/3.
    # Shares: A 1 / (4/3) = 3/4, B 1/3 / (4/3) = 1/4.
    paths = [(("A", "B", "A"), True), (("B",), False), (("A",), False)]
    assert markov_removal_effects(paths) == pytest.approx({"A": 1.0, "B": 1 / 3}, abs=1e-9)
    assert markov_credits(paths, 1000.0) == pytest.approx({"A": 750.0, "B": 250.0}, abs=1e-9)


def test_markov_counts_weigh_like_repeated_paths() -> None:
    # A>B conv x3, A null x2, B null x1: counts and repetition build the same chain.
    repeated = [(("A", "B"), True)] * 3 + [(("A",), False)] * 2 + [(("B",), False)]
    counted = [(("A", "B"), True, 3), (("A",), False, 2), (("B",), False, 1)]
    assert aggregate_paths(repeated) == [(("A", "B"), True, 3.0), (("A",), False, 2.0),
                                         (("B",), False, 1.0)]
    assert markov_removal_effects(repeated) == pytest.approx(markov_removal_effects(counted),
                                                             abs=1e-12)


def test_markov_self_loops_are_kept_but_do_not_change_effects() -> None:
    # A>A>B conv adds a self-loop A->A; A's other transitions keep their proportions,
    # so the absorption probabilities (and effects) are those of A>B conv.
    with_loop = [(("A", "A", "B"), True), (("A",), False), (("C", "B"), False)]
    collapsed = [(("A", "B"), True), (("A",), False), (("C", "B"), False)]
    assert markov_removal_effects(with_loop) == pytest.approx(
        markov_removal_effects(collapsed), abs=1e-12)


@pytest.mark.parametrize(("paths", "revenue", "effects", "credits"), [
    # no paths at all
    ([], 100.0, {}, {}),
    # only empty paths: left out of the chain
    ([((), True, 5)], 100.0, {}, {}),
    # no converting path: P = 0, every effect 0, no credits (documented choice)
    ([(("A",), False), (("A", "B"), False)], 100.0, {"A": 0.0, "B": 0.0}, {}),
    # converting paths but no attributed revenue: credits all 0
    ([(("A",), True)], 0.0, {"A": 1.0}, {"A": 0.0}),
    # C is only in non-converting paths yet leads to B, which converts:
    # start->A 1, start->C 1; A->B 1; C->B 1; B->conv 1, B->null 1.
    # P = 1/2; P_A = 1/4 (A: 1/2), P_B = 0 (B: 1), P_C = 1/4 (C: 1/2); shares 1/4, 1/2, 1/4.
    ([(("A", "B"), True), (("C", "B"), False)], 40.0,
     {"A": 0.5, "B": 1.0, "C": 0.5}, {"A": 10.0, "B": 20.0, "C": 10.0}),
])
def test_markov_edge_cases(paths, revenue, effects, credits) -> None:
    assert markov_removal_effects(paths) == pytest.approx(effects, abs=1e-9)
    assert markov_credits(paths, revenue) == pytest.approx(credits, abs=1e-9)


def test_attribute_markov_uses_all_paths_and_sold_revenue() -> None:
    sold_paths = [sold(200, ("A", 3), ("B", 0)), sold(100, ("B", 0)), sold(999)]
    all_paths = [(p.channels, True) for p in sold_paths] + [(("A",), False)]
    # Chain as in test_markov_worked_example (the empty sold path is left out):
    # shares 1/3, 2/3 of attributed revenue 300 (the 999 has no touchpoint).
    assert attribute("markov", sold_paths, all_paths) == pytest.approx({"A": 100.0, "B": 200.0})
    assert attribute("linear", sold_paths, all_paths) == pytest.approx({"A": 100.0, "B": 200.0})


def exact_conversion_probability(paths, removed: str | None = None) -> Fraction:
    """Independent oracle: the same chain solved in exact rationals by Gauss-Jordan."""
    counts: dict[str, dict[str, int]] = {}
    for channels, converted, count in paths:
        states = ["start", *channels, "conv" if converted else "null"]
        for a, b in zip(states, states[1:]):
            counts.setdefault(a, {}).setdefault(b, 0)
            counts[a][b] += count
    transient = [s for s in counts if s != removed]
    index = {s: i for i, s in enumerate(transient)}
    rows = []
    for s in transient:
        total = sum(counts[s].values())
        row = [Fraction(int(i == index[s])) for i in range(len(transient))] + [Fraction(0)]
        for target, n in counts[s].items():
            if target in index:
                row[index[target]] -= Fraction(n, total)
            elif target == "conv":
                row[-1] += Fraction(n, total)
        rows.append(row)
    for col in range(len(transient)):
        pivot = next(r for r in range(col, len(rows)) if rows[r][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        rows[col] = [v / rows[col][col] for v in rows[col]]
        for r in range(len(rows)):
            if r != col and rows[r][col] != 0:
                rows[r] = [v - rows[r][col] * p for v, p in zip(rows[r], rows[col])]
    return rows[index["start"]][-1]


channel_seq = st.lists(st.sampled_from("ABCD"), min_size=1, max_size=5).map(tuple)
markov_paths = st.lists(st.tuples(channel_seq, st.booleans(), st.integers(1, 5)),
                        min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(markov_paths)
def test_markov_effects_match_exact_rational_solution(paths) -> None:
    effects = markov_removal_effects(paths)
    base = exact_conversion_probability(paths)
    for channel, effect in effects.items():
        expected = 0 if base == 0 else 1 - exact_conversion_probability(paths, channel) / base
        assert effect == pytest.approx(float(expected), abs=1e-9)


# --- every model --------------------------------------------------------------------------

touch = st.builds(Touch, st.sampled_from("ABCDE"), st.floats(0, 400, allow_nan=False))
sold_path = st.builds(SoldPath, st.floats(0, 1e6, allow_nan=False),
                      st.lists(touch, max_size=6).map(tuple))
unsold = st.lists(st.tuples(channel_seq, st.just(False)), max_size=5)


@settings(max_examples=40, deadline=None)
@given(st.lists(sold_path, max_size=8), unsold, st.floats(0.5, 60))
def test_credits_sum_to_attributed_revenue(sold_paths, unsold_paths, half_life) -> None:
    all_paths = [(p.channels, True) for p in sold_paths] + unsold_paths
    expected = attributed_revenue(sold_paths)
    for model in MODELS:
        credits = attribute(model, sold_paths, all_paths, half_life_days=half_life)
        assert math.isclose(math.fsum(credits.values()), expected, rel_tol=1e-9, abs_tol=1e-6), model
        assert all(credit >= 0 for credit in credits.values()), model


# --- comparing models ---------------------------------------------------------------------

def test_channel_ranges() -> None:
    credits_by_model = {
        "first_touch": {"A": 100.0},
        "last_touch": {"B": 100.0},
        "linear": {"A": 50.0, "B": 50.0},
        "markov": {},  # no converting path: left out, not read as 0
    }
    # A: 100, 0 (missing from last_touch), 50 -> low 0, high 100; same for B.
    assert channel_ranges(credits_by_model) == [
        ChannelRange("A", 0.0, 100.0, 100.0, True),
        ChannelRange("B", 0.0, 100.0, 100.0, True),
    ]


@pytest.mark.parametrize(("values", "disagree"), [
    ((100.0, 100.0), False),  # no spread
    ((90.0, 100.0), False),   # spread 10 = 10% of high: not more than 10%
    ((89.0, 100.0), True),    # spread 11 > 10
    ((0.0, 0.0), False),
])
def test_channel_ranges_disagreement_threshold(values, disagree) -> None:
    credits = {f"m{i}": {"A": v} for i, v in enumerate(values)}
    (only,) = channel_ranges(credits)
    assert (only.low, only.high, only.spread) == (min(values), max(values),
                                                  max(values) - min(values))
    assert only.models_disagree is disagree


def test_channel_ranges_sorted_by_high_then_name() -> None:
    ranges = channel_ranges({"linear": {"C": 10.0, "A": 50.0, "B": 50.0}})
    assert [r.channel for r in ranges] == ["A", "B", "C"]
    assert channel_ranges({}) == []


# --- optional cross-check against ChannelAttribution (simulated, so only approximately) ---

def test_markov_close_to_channelattribution_simulation() -> None:
    ca = pytest.importorskip("ChannelAttribution")
    pd = pytest.importorskip("pandas")
    paths = [(("A", "B"), True, 30), (("A",), False, 40), (("B", "C"), True, 20),
             (("C",), False, 10), (("C", "A", "B"), True, 15)]
    data = pd.DataFrame({
        "path": [">".join(ch) for ch, _, _ in paths],
        "total_conversions": [n if conv else 0 for _, conv, n in paths],
        "total_null": [0 if conv else n for _, conv, n in paths],
    })
    result = ca.markov_model(data, "path", "total_conversions", var_null="total_null",
                             seed=0, verbose=False, flg_pro=False)
    simulated = dict(zip(result["channel_name"], result["total_conversions"]))
    total_simulated = sum(simulated.values())
    exact = markov_credits(paths, 1.0)
    for channel, share in exact.items():
        assert simulated[channel] / total_simulated == pytest.approx(share, abs=0.05)
