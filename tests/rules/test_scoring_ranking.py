"""Ranking: tie-break chain, joint ranks, lots (DOMAIN.md §3), without an app."""

from fractions import Fraction as F
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.domain import PartKind
from competition.errors import DomainError
from competition.scoring.ranking import Entrant, RankingPolicy, TieBreak, rank_entrants

P, T = PartKind.PRACTICAL, PartKind.THEORY


def entrant(entry, total, minutes=None, practical=None, theory=None, lot=None):
    parts = {k: F(v) for k, v in ((P, practical), (T, theory)) if v is not None}
    return Entrant(entry, F(total), parts, None if minutes is None else F(minutes), lot)


def ranks(placings):
    return [(p.entry, p.rank, p.joint) for p in placings]


def test_empty_event_and_one_entrant():
    assert rank_entrants([]) == ()
    (only,) = rank_entrants([entrant("A", 50)])
    assert (only.rank, only.joint) == (1, False)


@pytest.mark.parametrize(
    ("entrants", "expected"),
    [
        # higher total first
        ([entrant("A", 80), entrant("B", 90)], [("B", 1, False), ("A", 2, False)]),
        # equal totals → shorter time
        ([entrant("A", 90, 100), entrant("B", 90, 95)], [("B", 1, False), ("A", 2, False)]),
        # equal time → higher practical
        ([entrant("A", 90, 95, 88), entrant("B", 90, 95, 92)], [("B", 1, False), ("A", 2, False)]),
        # equal practical → higher theory
        ([entrant("A", 90, 95, 92, 85), entrant("B", 90, 95, 92, 80)], [("A", 1, False), ("B", 2, False)]),
        # everything equal → joint rank, next rank skips (1, 1, 3)
        (
            [entrant("B", 90, 95, 92, 80), entrant("A", 90, 95, 92, 80), entrant("C", 70)],
            [("A", 1, True), ("B", 1, True), ("C", 3, False)],
        ),
        # a missing time skips that step for the tied group only
        ([entrant("A", 90, None, 80), entrant("B", 90, 50, 85)], [("B", 1, False), ("A", 2, False)]),
    ],
)
def test_tie_break_chain(entrants, expected):
    assert ranks(rank_entrants(entrants)) == expected


def test_all_equal_are_joint_first():
    placings = rank_entrants([entrant(x, 75) for x in "DCBA"])
    assert ranks(placings) == [(x, 1, True) for x in "ABCD"]
    assert "并列第1名" in placings[0].reason


def test_reasons_name_the_deciding_step():
    placings = rank_entrants([entrant("A", 90, 100, 80), entrant("B", 90, 100, 85)])
    assert "技能操作成绩较高" in placings[0].reason


def test_custom_chain_and_order():
    policy = RankingPolicy(tie_breaks=(TieBreak.HIGHER_THEORY, TieBreak.SHORTER_TIME))
    placings = rank_entrants([entrant("A", 90, 50, None, 70), entrant("B", 90, 40, None, 60)], policy)
    assert [p.entry for p in placings] == ["A", "B"]
    with pytest.raises(DomainError, match="重复"):
        RankingPolicy(tie_breaks=(TieBreak.SHORTER_TIME, TieBreak.SHORTER_TIME))


def test_no_joint_ranks_uses_lots_and_asks_for_one_when_missing():
    no_joint = RankingPolicy(allow_joint=False)
    tied = [entrant("A", 90, lot=7), entrant("B", 90, lot=3), entrant("C", 80)]
    assert ranks(rank_entrants(tied, no_joint)) == [("B", 1, False), ("A", 2, False), ("C", 3, False)]
    assert "抽签" in rank_entrants(tied, no_joint)[0].reason
    with pytest.raises(DomainError, match="请抽签"):
        rank_entrants([entrant("A", 90), entrant("B", 90, lot=1)], no_joint)
    with pytest.raises(DomainError, match="请抽签"):
        rank_entrants([entrant("A", 90, lot=1), entrant("B", 90, lot=1)], no_joint)
    # a tie the chain settles needs no lot
    assert ranks(rank_entrants([entrant("A", 90, 10), entrant("B", 90, 9)], no_joint))[0] == ("B", 1, False)


def test_team_is_one_entry_and_duplicates_are_refused():
    (team,) = rank_entrants([entrant("第3队", 88)])
    assert team.entry == "第3队" and team.rank == 1
    with pytest.raises(DomainError, match="重复"):
        rank_entrants([entrant("A", 1), entrant("A", 2)])


scores = st.integers(0, 20)  # few values: many ties
field_ = st.lists(
    st.tuples(scores, st.one_of(st.none(), st.integers(0, 3)), st.integers(0, 3)), min_size=0, max_size=12
)


@given(field_)
def test_ranks_are_monotone_and_use_competition_numbering(rows):
    entrants = [entrant(f"E{i:02d}", t, m, p) for i, (t, m, p) in enumerate(rows)]
    placings = rank_entrants(entrants)
    by_entry = {e.entry: e for e in entrants}
    assert sorted(p.entry for p in placings) == sorted(by_entry)
    for better, worse in pairwise(placings):
        assert by_entry[better.entry].total >= by_entry[worse.entry].total
        assert better.rank <= worse.rank
    for placing in placings:
        earlier = sum(1 for p in placings if p.rank < placing.rank)
        assert placing.rank == earlier + 1
        assert placing.joint is (sum(1 for p in placings if p.rank == placing.rank) > 1)
    for a in entrants:
        for b in entrants:
            if a.total > b.total:
                rank = {p.entry: p.rank for p in placings}
                assert rank[a.entry] < rank[b.entry]


@given(st.lists(st.integers(0, 5), min_size=1, max_size=10), st.randoms())
def test_no_joint_ranks_with_distinct_lots_gives_distinct_ranks(totals, rnd):
    lots = list(range(len(totals)))
    rnd.shuffle(lots)
    entrants = [entrant(f"E{i}", t, lot=lot) for i, (t, lot) in enumerate(zip(totals, lots, strict=True))]
    placings = rank_entrants(entrants, RankingPolicy(allow_joint=False))
    assert [p.rank for p in placings] == list(range(1, len(totals) + 1))
    assert not any(p.joint for p in placings)
