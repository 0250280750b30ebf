"""The draw (抽签): reproducible from the seed, a permutation, teams as one, units kept apart."""

import hashlib
import itertools
import random
from collections import Counter
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competition.errors import DomainError
from competition.registration import draw as draw_module
from competition.registration.draw import (
    DrawEntry,
    DrawOptions,
    adjacent_same_unit,
    draw,
    draw_rng,
    seed_commitment,
    separation_feasible,
)

SEED = "7f3c0e5d9a1b2c4d8e6f0a1b2c3d4e5f"


def entries_for(unit_counts, team_size=1):
    """Entries e000, e001 … with units u0, u1 … of the given sizes."""
    out = []
    for unit, count in enumerate(unit_counts):
        out.extend(DrawEntry(f"e{len(out):03d}", f"u{unit}", team_size) for _ in range(count))
    return out


@st.composite
def draws(draw_, max_entries=30):
    unit_counts = draw_(st.lists(st.integers(1, 6), min_size=0, max_size=10))
    entries = entries_for(unit_counts)[:max_entries]
    extra = draw_(st.integers(0, 10))
    seed = draw_(st.binary(min_size=1, max_size=32))
    return seed, entries, len(entries) + extra


def test_commitment_is_sha256_of_the_seed():
    assert seed_commitment("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert seed_commitment(b"abc") == seed_commitment("abc")
    assert seed_commitment("抽签") == hashlib.sha256("抽签".encode()).hexdigest()


@pytest.mark.parametrize("seed", ["", b""])
def test_empty_seed_is_refused(seed):
    with pytest.raises(DomainError, match="种子不能为空"):
        seed_commitment(seed)
    with pytest.raises(DomainError):
        draw(seed, entries_for([1]))


def test_the_documented_snippet_reproduces_the_draw():
    entries = entries_for([2, 3, 1, 4, 2, 1, 1])
    options = DrawOptions(number_prefix="A", stations=20)
    result = draw(SEED, entries, options)
    assert not result.constructive

    # The snippet of the module docstring, verbatim in substance.
    seed = SEED.encode("utf-8")
    assert hashlib.sha256(seed).hexdigest() == result.commitment
    rng = random.Random(int.from_bytes(hashlib.sha256(b"competition-draw-v1:" + seed).digest(), "big"))
    order = sorted(e.key for e in entries)
    rng.shuffle(order)
    unit = {e.key: e.unit_key for e in entries}
    stations = list(range(1, 21))
    for _ in range(2000):
        rng.shuffle(stations)
        at = {stations[i]: unit[k] for i, k in enumerate(order)}
        if all(at.get(s + 1) != u for s, u in at.items()):
            break
    expected = [(f"A{i + 1:03d}", key, stations[i]) for i, key in enumerate(order)]
    assert [(a.number, a.entry_key, a.station) for a in result.assignments] == expected


def test_draw_rng_is_seeded_from_the_prefixed_digest():
    expected = random.Random(int.from_bytes(hashlib.sha256(b"competition-draw-v1:x").digest(), "big"))
    assert draw_rng("x").random() == expected.random()


def test_input_order_does_not_matter_and_the_seed_does():
    entries = entries_for([3, 3, 2, 2, 1, 1, 1])
    a = draw(SEED, entries)
    b = draw(SEED, list(reversed(entries)))
    c = draw(SEED + "0", entries)
    assert a == b
    assert [x.entry_key for x in a.assignments] != [x.entry_key for x in c.assignments]


def test_numbers_use_prefix_width_and_first_number():
    result = draw(
        SEED, entries_for([1, 1, 1]), DrawOptions(number_prefix="JC-", number_width=4, first_number=101)
    )
    assert [a.number for a in result.assignments] == ["JC-0101", "JC-0102", "JC-0103"]
    assert [a.sequence for a in result.assignments] == [101, 102, 103]


def test_a_team_draws_as_one_entry():
    entries = [DrawEntry("team-a", "u1", 3), DrawEntry("team-b", "u2", 3), DrawEntry("solo", "u3")]
    result = draw(SEED, entries)
    assert len(result.assignments) == 3
    by_key = {a.entry_key: a for a in result.assignments}
    team = by_key["team-a"]
    assert team.member_numbers == tuple(f"{team.number}-{i}" for i in (1, 2, 3))
    assert by_key["solo"].member_numbers == (by_key["solo"].number,)
    assert sorted(a.station for a in result.assignments) == [1, 2, 3]


def test_no_entries_is_an_empty_draw():
    result = draw(SEED, [], DrawOptions(stations=5))
    assert result.assignments == ()
    assert result.commitment == seed_commitment(SEED)


@pytest.mark.parametrize(
    ("entries", "options", "message"),
    [
        ([DrawEntry("a", "u"), DrawEntry("a", "v")], DrawOptions(), "“a”重复"),
        ([DrawEntry("", "u")], DrawOptions(), "缺少编号"),
        ([DrawEntry("a", "u", 0)], DrawOptions(), "队伍人数"),
        (entries_for([1, 1, 1]), DrawOptions(stations=2), "多于工位"),
        (entries_for([1] * 10), DrawOptions(number_width=1), "超过 1 位"),
        (entries_for([3, 1]), DrawOptions(), r"单位“u0”有 3 个参赛条目.*最多只能安排 2 个"),
        (entries_for([4]), DrawOptions(stations=6), "单位“u0”有 4 个"),
    ],
)
def test_impossible_draws_are_refused(entries, options, message):
    with pytest.raises(DomainError, match=message):
        draw(SEED, entries, options)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number_width": 0}, "number_width"),
        ({"first_number": -1}, "first_number"),
        ({"stations": 0}, "stations"),
    ],
)
def test_bad_options_name_their_field(changes, field):
    with pytest.raises(DomainError) as err:
        DrawOptions(**changes)
    assert err.value.field == field


def test_separation_can_be_switched_off():
    result = draw(SEED, entries_for([5]), DrawOptions(separate_units=False))
    assert sorted(a.station for a in result.assignments) == [1, 2, 3, 4, 5]
    assert result.shuffles == 1


@pytest.mark.parametrize("unit_counts", [[10, 9], [20, 20], [10, 1, 1, 1, 1, 1, 1, 1, 1, 1], [4, 4, 4]])
def test_tight_draws_use_the_constructive_pass_and_keep_units_apart(unit_counts):
    entries = entries_for(unit_counts)
    result = draw(SEED, entries)
    assert adjacent_same_unit(result.assignments) == []
    assert sorted(a.station for a in result.assignments) == list(range(1, len(entries) + 1))
    assert result == draw(SEED, entries)


def test_constructive_pass_is_used_when_shuffles_fail():
    result = draw(SEED, entries_for([20, 19]))
    assert result.constructive
    assert result.shuffles == 2000


@given(draws())
@settings(max_examples=150, deadline=None)
def test_draw_is_a_reproducible_permutation(case):
    seed, entries, stations = case
    options = DrawOptions(stations=max(stations, 1), separate_units=False)
    result = draw(seed, entries, options)
    assert result == draw(seed, entries, options)
    assert sorted(a.entry_key for a in result.assignments) == sorted(e.key for e in entries)
    numbers = [a.number for a in result.assignments]
    assert numbers == [f"{i:03d}" for i in range(1, len(entries) + 1)]
    station_list = [a.station for a in result.assignments]
    assert len(set(station_list)) == len(station_list)
    assert all(1 <= s <= options.stations for s in station_list)


@given(draws())
@settings(max_examples=200, deadline=None)
def test_unit_separation_holds_whenever_feasible(case):
    seed, entries, stations = case
    stations = max(stations, 1)
    counts = Counter(e.unit_key for e in entries)
    feasible = all(c <= (stations + 1) // 2 for c in counts.values())
    if not feasible:
        with pytest.raises(DomainError, match="无法使同一单位的选手不相邻"):
            draw(seed, entries, DrawOptions(stations=stations))
        return
    result = draw(seed, entries, DrawOptions(stations=stations))
    assert adjacent_same_unit(result.assignments) == []
    assert len({a.station for a in result.assignments}) == len(entries)


@given(draws())
@settings(max_examples=200, deadline=None)
def test_constructive_pass_keeps_units_apart_whenever_feasible(case):
    seed, entries, stations = case
    stations = max(stations, 1)
    counts = Counter(e.unit_key for e in entries)
    if not entries or any(c > (stations + 1) // 2 for c in counts.values()):
        return
    with mock.patch.object(draw_module, "MAX_SHUFFLES", 0):
        result = draw(seed, entries, DrawOptions(stations=stations))
    assert result.constructive
    assert adjacent_same_unit(result.assignments) == []
    placed = [a.station for a in result.assignments]
    assert len(set(placed)) == len(entries)
    assert all(1 <= s <= stations for s in placed)


def _brute_force_feasible(counts, stations, blocked):
    units = [u for u, c in enumerate(counts) for _ in range(c)] + ["B"] * blocked
    if len(units) > stations:
        return False
    cells = units + [None] * (stations - len(units))
    for arrangement in set(itertools.permutations(cells)):
        if arrangement[0] == "B" and blocked:
            continue
        if all(x is None or x != y for x, y in itertools.pairwise(arrangement)):
            return True
    return False


@pytest.mark.parametrize("stations", range(1, 7))
def test_feasibility_rule_matches_brute_force(stations):
    for counts in itertools.product(range(4), repeat=2):
        for blocked in range(4):
            if sum(counts) + blocked > 7:
                continue
            assert separation_feasible(counts, stations, blocked) == _brute_force_feasible(
                counts, stations, blocked
            ), (counts, stations, blocked)
