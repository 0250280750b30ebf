"""Award bands (DOMAIN.md §3): every mode, ties at every cut-off, minimum score, monotonicity."""

from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.domain import AwardClass
from competition.errors import DomainError
from competition.scoring.awards import (
    AwardBand,
    AwardPolicy,
    Count,
    FractionRounding,
    JointAtCutoff,
    Percent,
    ScoreAtLeast,
    ThroughRank,
    TopShare,
    assign_awards,
    counts_policy,
    national_policy,
    percent_policy,
)
from competition.scoring.ranking import Entrant, RankingPolicy, rank_entrants

FIRST, SECOND, THIRD = AwardClass.FIRST, AwardClass.SECOND, AwardClass.THIRD
GOLD, SILVER, BRONZE, EXC = AwardClass.GOLD, AwardClass.SILVER, AwardClass.BRONZE, AwardClass.EXCELLENCE
SHORT = {FIRST: "1", SECOND: "2", THIRD: "3", GOLD: "G", SILVER: "S", BRONZE: "B", EXC: "E", None: "-"}
SHORT[AwardClass.MEDALLION] = "M"


JOINT_ALLOWED = RankingPolicy()


def award_string(totals, policy, ranking=JOINT_ALLOWED, **kw):
    """Totals (best first or not) → one character per entrant in rank order, e.g. ``"1223-"``."""
    entrants = [Entrant(f"E{i:02d}", F(t), lot=i) for i, t in enumerate(totals)]
    placings = rank_entrants(entrants, ranking)
    decisions = assign_awards(placings, {e.entry: e.total for e in entrants}, policy, **kw)
    assert [d.entry for d in decisions] == [p.entry for p in placings]
    return "".join(SHORT[d.award] for d in decisions)


def test_no_entrants_and_one_entrant():
    assert award_string([], counts_policy()) == ""
    assert award_string([40], counts_policy()) == "1"


@pytest.mark.parametrize(
    ("totals", "higher", "lower"),
    [
        ([90, 80, 70, 60, 50, 40, 30, 20], "122333--", "122333--"),
        ([90, 90, 70, 60, 50, 40, 30], "112333-", "222333-"),  # joint at the 一等 cut-off
        ([90, 80, 80, 80, 50, 40, 30], "122233-", "133333-"),
        ([90, 80, 70, 60, 60, 60, 60, 20], "1223333-", "122-----"),  # joint at the 三等 cut-off
        ([90, 80, 70, 60, 50, 40, 40, 20], "1223333-", "12233---"),  # straddles the last cut-off
        ([50] * 5, "11111", "33333"),  # all equal
        ([50] * 7, "1111111", "-------"),  # all equal, more than every award
    ],
)
def test_counts_1_2_3_with_ties_at_every_cut_off(totals, higher, lower):
    assert award_string(totals, counts_policy()) == higher
    assert award_string(totals, counts_policy(joint=JointAtCutoff.LOWER)) == lower


@pytest.mark.parametrize(
    ("entrants", "rounding", "expected"),
    [
        (10, FractionRounding.DOWN, "122333----"),
        (15, FractionRounding.DOWN, "1" + "222" + "3333" + "-" * 7),
        (15, FractionRounding.UP, "11" + "222" + "33333" + "-" * 5),
        (15, FractionRounding.HALF_UP, "11" + "222" + "33333" + "-" * 5),
        (4, FractionRounding.DOWN, "3---"),  # 0.4 → 0, 0.8 → 0, 1.2 → 1
        (4, FractionRounding.UP, "1233"),
    ],
)
def test_percentages_of_entrants_10_20_30(entrants, rounding, expected):
    policy = percent_policy(D(10), D(20), D(30), rounding=rounding)
    assert award_string(list(range(100, 100 - entrants, -1)), policy) == expected


def test_percentage_basis_can_count_every_listed_entrant():
    policy = percent_policy(D(10), D(20), D(30))
    assert award_string(list(range(100, 91, -1)), policy) == "233------"  # 0 / 1 / 2 places
    assert award_string(list(range(100, 91, -1)), policy, counted=10) == "122333---"


def test_explicit_rank_bands():
    policy = AwardPolicy(
        (
            AwardBand(FIRST, ThroughRank(1)),
            AwardBand(SECOND, ThroughRank(3)),
            AwardBand(THIRD, ThroughRank(6)),
        )
    )
    assert award_string([9, 8, 7, 6, 5, 4, 3], policy) == "122333-"
    assert award_string([9, 8, 8, 8, 5, 4, 3], policy) == "122233-"


@pytest.mark.parametrize(
    ("entrants", "rounding", "expected"),
    [
        (10, FractionRounding.DOWN, "GSBEE-----"),
        (7, FractionRounding.DOWN, "GSB----"),
        (7, FractionRounding.HALF_UP, "GSBE---"),
        (2, FractionRounding.DOWN, "GS"),
        (1, FractionRounding.DOWN, "G"),
        (1, FractionRounding.UP, "G"),
    ],
)
def test_national_gold_silver_bronze_then_the_rest_of_the_top_half(entrants, rounding, expected):
    # 金银铜 are one place each, not a share of entrants: they are given even in a tiny field.
    totals = list(range(100, 100 - entrants, -1))
    assert (
        award_string(totals, national_policy(rounding=rounding), RankingPolicy(allow_joint=False)) == expected
    )


def test_rest_of_top_two_thirds_as_excellence():
    policy = AwardPolicy(
        (
            AwardBand(FIRST, Count(3)),
            AwardBand(SECOND, Count(5)),
            AwardBand(THIRD, Count(10)),
            AwardBand(EXC, TopShare(F(2, 3))),
        )
    )
    assert award_string(list(range(30, 0, -1)), policy) == "111" + "2" * 5 + "3" * 10 + "EE" + "-" * 10


def test_minimum_score_for_any_award():
    policy = counts_policy(min_total=D(60))
    assert award_string([90, 80, 70, 59, 58, 57], policy) == "122---"
    entrants = [Entrant("A", F(59))]
    (decision,) = assign_awards(rank_entrants(entrants), {"A": F(59)}, policy)
    assert "低于获奖最低分 60" in decision.reason


def test_score_threshold_band_for_medallions():
    policy = AwardPolicy(
        (AwardBand(GOLD, Count(1)), AwardBand(AwardClass.MEDALLION, ScoreAtLeast(D(700), standardised=True)))
    )
    scaled = {"E00": F(760), "E01": F(720), "E02": F(700), "E03": F(650)}
    assert award_string([90, 80, 70, 60], policy, scaled=scaled) == "GMM-"
    with pytest.raises(DomainError, match="标准分"):
        award_string([90, 80], policy)


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ((), "为空"),
        ((AwardBand(FIRST, Count(1)), AwardBand(FIRST, Count(2))), "重复"),
        ((AwardBand(SECOND, Count(1)), AwardBand(FIRST, Count(2))), "由高到低"),
        ((AwardBand(FIRST, Percent(D(120))),), "无效"),
        ((AwardBand(FIRST, Count(-1)),), "无效"),
        ((AwardBand(FIRST, ScoreAtLeast(D(1))), AwardBand(SECOND, Count(1))), "最后"),
    ],
)
def test_policy_validation(bands, message):
    with pytest.raises(DomainError, match=message):
        AwardPolicy(bands)


def test_reasons_explain_the_cut_off():
    placings = rank_entrants([Entrant("A", F(90)), Entrant("B", F(80)), Entrant("C", F(80))])
    decisions = assign_awards(placings, {"A": F(90), "B": F(80), "C": F(80)}, counts_policy(1, 1, 0))
    assert "一等奖名额线（前1名）" in decisions[0].reason
    assert "按规定均授予较高奖项" in decisions[1].reason


policies = st.sampled_from(
    [
        counts_policy(),
        counts_policy(3, 5, 10),
        percent_policy(D(10), D(20), D(30)),
        percent_policy(D(10), D(15), D(25), rounding=FractionRounding.HALF_UP),
        national_policy(),
        counts_policy(min_total=D(10)),
        AwardPolicy((AwardBand(FIRST, ThroughRank(2)), AwardBand(SECOND, TopShare(F(2, 3))))),
    ]
)


@given(
    st.lists(st.integers(0, 20), max_size=25),
    policies,
    st.sampled_from(list(JointAtCutoff)),
    st.booleans(),
)
def test_a_higher_total_never_gets_a_worse_rank_or_a_lower_award(totals, policy, joint, allow_joint):
    policy = AwardPolicy(policy.bands, policy.rounding, policy.basis, joint, policy.min_total)
    entrants = [Entrant(f"E{i:02d}", F(t), lot=i) for i, t in enumerate(totals)]
    placings = rank_entrants(entrants, RankingPolicy(allow_joint=allow_joint))
    decisions = {
        d.entry: d.award for d in assign_awards(placings, {e.entry: e.total for e in entrants}, policy)
    }
    rank = {p.entry: p.rank for p in placings}

    def order(entry):
        return 99 if decisions[entry] is None else decisions[entry].order

    for a in entrants:
        for b in entrants:
            if a.total > b.total:
                assert rank[a.entry] < rank[b.entry]
                assert order(a.entry) <= order(b.entry)
            if a.total == b.total and allow_joint:
                assert decisions[a.entry] == decisions[b.entry]  # joint entries share one award


@given(st.lists(st.integers(0, 1000), unique=True, max_size=20), st.integers(0, 4), st.integers(0, 4))
def test_without_ties_each_band_gets_exactly_its_count(totals, first, second):
    got = award_string(totals, counts_policy(first, second, 3))
    n = len(totals)
    assert got.count("1") == min(first, n)
    assert got.count("2") == min(second, max(0, n - first))
    assert got.count("3") == min(3, max(0, n - first - second))


@given(
    st.lists(st.integers(0, 30), max_size=25),
    st.integers(0, 6),
    st.integers(0, 30),
    st.sampled_from(list(JointAtCutoff)),
)
def test_explicit_rank_bands_give_each_band_the_ranks_through_its_last(totals, through, second, joint):
    # 一等 through rank `through`, 二等 the rest through rank `through + second`; joint rule at the cut
    last = through + second
    policy = AwardPolicy(
        (AwardBand(FIRST, ThroughRank(through)), AwardBand(SECOND, ThroughRank(last))), joint=joint
    )
    entrants = [Entrant(f"E{i:02d}", F(t), lot=i) for i, t in enumerate(totals)]
    placings = rank_entrants(entrants)
    decisions = {
        d.entry: d.award for d in assign_awards(placings, {e.entry: e.total for e in entrants}, policy)
    }
    size = {}
    for p in placings:
        size[p.rank] = size.get(p.rank, 0) + 1
    for p in placings:
        # a joint group counts from its rank to its last place; HIGHER gives the group the better band
        reach = p.rank if joint is JointAtCutoff.HIGHER else p.rank + size[p.rank] - 1
        expected = FIRST if reach <= through else SECOND if reach <= last else None
        assert decisions[p.entry] == expected, (p, through, last)


@given(
    st.lists(st.integers(0, 1000), max_size=20),
    st.integers(0, 3),
    st.integers(0, 1000),
    st.one_of(st.none(), st.integers(0, 1000)),
)
def test_a_score_threshold_band_takes_everyone_left_at_or_above_it(totals, golds, threshold, floor):
    policy = AwardPolicy(
        (AwardBand(GOLD, Count(golds)), AwardBand(AwardClass.MEDALLION, ScoreAtLeast(D(threshold)))),
        min_total=None if floor is None else D(floor),
    )
    entrants = [Entrant(f"E{i:02d}", F(t), lot=i) for i, t in enumerate(totals)]
    placings = rank_entrants(entrants)
    decisions = {
        d.entry: d.award for d in assign_awards(placings, {e.entry: e.total for e in entrants}, policy)
    }
    for e in entrants:
        award = decisions[e.entry]
        if floor is not None and e.total < floor:
            assert award is None  # the minimum score for any award
        elif award is not GOLD:
            assert (award is AwardClass.MEDALLION) == (e.total >= threshold)
    if floor is None and len(set(totals)) == len(totals):  # no ties: the count band is exact
        assert sum(1 for a in decisions.values() if a is GOLD) == min(golds, len(totals))
