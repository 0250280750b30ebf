"""Exact numbers, rounding and judge aggregation (DOMAIN.md §3), without an app."""

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.errors import DomainError, InvariantError
from competition.scoring.aggregate import Aggregation, aggregate, diverges, spread
from competition.scoring.rounding import RoundingPolicy, exact, fmt, quantize

F = Fraction


@pytest.mark.parametrize(
    ("value", "places", "mode", "expected"),
    [
        (F(2, 3), 2, ROUND_HALF_UP, "0.67"),
        (Decimal("0.125"), 2, ROUND_HALF_UP, "0.13"),
        (Decimal("0.125"), 2, ROUND_HALF_EVEN, "0.12"),
        (Decimal("0.135"), 2, ROUND_HALF_EVEN, "0.14"),
        (Decimal("-0.125"), 2, ROUND_HALF_UP, "-0.13"),
        (Decimal("-0.001"), 2, ROUND_HALF_UP, "0.00"),
        (F(1, 3), 2, ROUND_DOWN, "0.33"),
        (100, 2, ROUND_HALF_UP, "100.00"),
        (F(587, 10), 0, ROUND_HALF_UP, "59"),
        ("83.335", 2, ROUND_HALF_UP, "83.34"),
    ],
)
def test_quantize_rounds_the_exact_value(value, places, mode, expected):
    assert str(quantize(value, places, mode)) == expected


@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=10**6))
def test_quantize_half_up_matches_decimal_on_terminating_values(value):
    as_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    rounded = quantize(value, 2)
    assert abs(Fraction(rounded) - value) <= Fraction(1, 200)
    if Fraction(as_decimal) == value:  # terminating within 28 digits: Decimal's own rounding is exact
        assert rounded == as_decimal.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("value", "text"), [(F(2), "2"), (F(3, 2), "1.5"), (F(2, 3), "≈0.67"), (F(0), "0"), (F(100), "100")]
)
def test_fmt_marks_rounded_numbers(value, text):
    assert fmt(value) == text


def test_exact_accepts_exact_inputs_and_refuses_floats():
    assert exact(Decimal("0.1")) == F(1, 10)
    assert exact("1,000.5") == F(2001, 2)
    assert exact(7) == 7
    with pytest.raises(InvariantError):
        exact(0.1)
    with pytest.raises(InvariantError):
        exact(True)
    with pytest.raises(DomainError, match="不是数字"):
        exact("八十")
    with pytest.raises(DomainError, match="有限"):
        exact(Decimal("NaN"))


def test_rounding_policy_default_keeps_everything_exact_and_displays_two_places():
    policy = RoundingPolicy()
    assert policy.aspect(F(2, 3)) == F(2, 3)
    assert policy.total(F(2, 3)) == F(2, 3)
    assert policy.display(F(2, 3)) == Decimal("0.67")
    configured = RoundingPolicy(aspect_places=1, total_places=2)
    assert configured.aspect(F(2, 3)) == F(7, 10)
    assert configured.total(F(1, 3)) == F(33, 100)
    with pytest.raises(InvariantError):
        RoundingPolicy(mode="nearest")


@pytest.mark.parametrize(
    ("scores", "method", "expected"),
    [
        ([8, 9, 7, 10, 6], Aggregation.TRIMMED_MEAN, F(8)),
        ([90, 85, 80, 95, 60], Aggregation.TRIMMED_MEAN, F(85)),
        ([3, 2, 2], Aggregation.MEAN, F(7, 3)),
        ([3, 2, 2], Aggregation.MEDIAN, F(2)),
        ([1, 2, 3, 3], Aggregation.MEDIAN, F(5, 2)),
        ([5], Aggregation.MEDIAN, F(5)),
        ([5, 5, 5], Aggregation.TRIMMED_MEAN, F(5)),
    ],
)
def test_aggregate(scores, method, expected):
    assert aggregate([F(s) for s in scores], method) == expected


def test_trimmed_mean_needs_three_judges_and_empty_is_a_bug():
    with pytest.raises(DomainError, match="至少需要3名裁判"):
        aggregate([F(1), F(2)], Aggregation.TRIMMED_MEAN)
    with pytest.raises(InvariantError):
        aggregate([], Aggregation.MEAN)


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=5, max_size=5))
def test_trimmed_mean_of_five_drops_exactly_one_high_and_one_low(scores):
    ordered = sorted(scores)
    expected = F(sum(ordered) - ordered[0] - ordered[-1], 3)
    assert aggregate([F(s) for s in scores], Aggregation.TRIMMED_MEAN) == expected


@given(
    st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=7),
    st.sampled_from(list(Aggregation)),
)
def test_aggregate_stays_between_lowest_and_highest(scores, method):
    values = [F(s) for s in scores]
    if method is Aggregation.TRIMMED_MEAN and len(values) < 3:
        return
    assert min(values) <= aggregate(values, method) <= max(values)


@pytest.mark.parametrize(
    ("scores", "limit", "expected"),
    [([3, 2, 2], 1, False), ([3, 1, 2], 1, True), ([0, 3], 1, True), ([2], 1, False), ([1, 2, 3], 2, False)],
)
def test_divergence_is_more_than_the_limit(scores, limit, expected):
    values = [F(s) for s in scores]
    assert diverges(values, F(limit)) is expected
    assert spread(values) == max(values) - min(values)
