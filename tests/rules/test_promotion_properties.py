"""Hypothesis properties of the promotion engine and the YAML format (DOMAIN.md §4), without an app."""

import random
from dataclasses import fields, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competition.domain import AwardClass, Gender, Group, SkillLevel, Tier, age_on
from competition.errors import InvariantError
from competition.promotion.presets import load_presets
from competition.promotion.rules import (
    AgeBasis,
    Conditions,
    DecisionKind,
    DecisionStatus,
    Derivation,
    IfHeld,
    Outcome,
    OutcomeKind,
    PriorPromotion,
    PromotionRule,
    ResultFacts,
    Rounding,
    RuleSet,
    Settings,
    evaluate,
    percent_cutoff,
)
from competition.promotion.ruleset_yaml import dump_ruleset, parse_ruleset

PRESETS = load_presets()
TODAY = date(2025, 12, 31)
LIVE = (DecisionStatus.GRANTED, DecisionStatus.PENDING)
COMPETITION_LEVELS = [lv for lv in SkillLevel if lv <= SkillLevel.SENIOR_TECHNICIAN]


@st.composite
def result_facts(draw, person_key: str = "p1", contest_key: str = "c1", event_key: str = "e1") -> ResultFacts:
    entrants = draw(st.integers(1, 60))
    rank = draw(st.none() | st.integers(1, entrants))
    final = draw(st.none() | st.dates(date(2024, 1, 1), date(2026, 6, 30)))
    return ResultFacts(
        person_key=person_key,
        contest_key=contest_key,
        event_key=event_key,
        tier=draw(st.sampled_from(Tier)),
        group=draw(st.sampled_from(Group)),
        rank=rank,
        joint_rank=rank is not None and draw(st.booleans()),
        entrants=entrants,
        award=draw(st.none() | st.sampled_from(AwardClass)),
        all_parts_passed=draw(st.booleans()),
        total=Decimal(draw(st.integers(0, 10000))) / 100,
        team_size=draw(st.integers(1, 10)),
        birth_date=draw(st.dates(date(1960, 1, 1), date(2010, 12, 31))),
        gender=draw(st.sampled_from(Gender)),
        current_level=draw(st.none() | st.sampled_from(SkillLevel)),
        contest_date=date(2024, 5, 20),
        final_date=final,
    )


def best(decisions, kind=DecisionKind.PROMOTION) -> int:
    levels = [d.level.rank for d in decisions if d.kind is kind and d.status in LIVE and d.level]
    return max(levels, default=-1)


def titles(decisions) -> set[str]:
    return {d.title for d in decisions if d.kind is DecisionKind.TITLE and d.status in LIVE}


@given(st.sampled_from(sorted(PRESETS)), result_facts(), st.data())
def test_a_better_rank_never_earns_less(preset_id, facts, data):
    ruleset = PRESETS[preset_id]
    worse = replace(facts, rank=data.draw(st.integers(1, facts.entrants)), joint_rank=False)
    better = replace(worse, rank=data.draw(st.integers(1, worse.rank)))
    worse_decisions = evaluate(ruleset, [worse], today=TODAY)
    better_decisions = evaluate(ruleset, [better], today=TODAY)
    assert best(better_decisions) >= best(worse_decisions)
    assert titles(better_decisions) >= titles(worse_decisions)


rules_for_caps = st.lists(
    st.builds(
        lambda i, top, kind, level, held, steps: PromotionRule(
            id=f"r{i}",
            name=f"规则{i}",
            source="测试",
            when=Conditions(top_n=top),
            outcome=(
                Outcome(kind=OutcomeKind.RAISE, steps=steps, cap=level)
                if kind is OutcomeKind.RAISE
                else Outcome(kind=kind, level=level, if_held=held)
            ),
        ),
        st.integers(0, 10**6),
        st.integers(1, 30),
        st.sampled_from([OutcomeKind.PROMOTE, OutcomeKind.RAISE, OutcomeKind.ELIGIBLE]),
        st.sampled_from(COMPETITION_LEVELS),
        st.sampled_from(IfHeld),
        st.integers(1, 4),
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda r: r.id,
)


@given(rules_for_caps, st.sampled_from(list(SkillLevel)[4:]), st.lists(result_facts(), max_size=4))
def test_caps_are_never_exceeded_and_promotions_only_go_up(rules, cap, facts_list):
    facts_list = [replace(f, person_key=f"p{i}") for i, f in enumerate(facts_list)]
    rules = [r for r in rules if all(lv is None or lv <= cap for lv in (r.outcome.level, r.outcome.cap))]
    if not rules:
        return
    ruleset = RuleSet(
        id="caps", version=1, name="上限", source="测试", rules=rules, settings=Settings(max_level=cap)
    )
    current = {f.person_key: f.current_level for f in facts_list}
    for decision in evaluate(ruleset, facts_list, today=TODAY):
        if decision.level is not None and decision.status in LIVE:
            assert decision.level <= cap
            held = current[decision.person_key]
            assert held is None or decision.level > held
            rule = ruleset.rule(decision.rule_id)
            if rule.outcome.kind is OutcomeKind.RAISE and rule.outcome.cap is not None:
                assert decision.level <= rule.outcome.cap


@st.composite
def batches(draw) -> list[ResultFacts]:
    """Several people, several contests each, results final on various days, some earlier promotions."""
    out = []
    for p in range(draw(st.integers(1, 3))):
        prior = draw(
            st.lists(
                st.builds(
                    PriorPromotion,
                    contest_key=st.sampled_from(["x1", "x2", "c0"]),
                    contest_name=st.just("其他竞赛"),
                    level=st.sampled_from(COMPETITION_LEVELS),
                    final_date=st.dates(date(2024, 1, 1), date(2025, 12, 31)),
                ),
                max_size=2,
            )
        )
        for c in range(draw(st.integers(1, 4))):
            facts = draw(result_facts(person_key=f"p{p}", contest_key=f"c{c}", event_key="e"))
            out.append(replace(facts, prior_promotions=tuple(prior)))
    return out


@given(st.sampled_from(sorted(PRESETS)), batches())
def test_at_most_one_competition_promotion_per_person_per_year(preset_id, facts_list):
    decisions = evaluate(PRESETS[preset_id], facts_list, today=TODAY)
    final = {(f.person_key, f.contest_key, f.event_key): f.final_date for f in facts_list}
    per_year: dict[tuple[str, int], int] = {}
    for d in decisions:
        if d.is_promotion:
            year = final[(d.person_key, d.contest_key, d.event_key)].year
            per_year[(d.person_key, year)] = per_year.get((d.person_key, year), 0) + 1
            # a promotion from a contest outside this batch that year would have blocked it
            facts = next(
                f for f in facts_list if (f.person_key, f.contest_key) == (d.person_key, d.contest_key)
            )
            batch_contests = {f.contest_key for f in facts_list if f.person_key == d.person_key}
            assert not any(
                p.final_date.year == year and p.contest_key not in batch_contests
                for p in facts.prior_promotions
            )
    assert all(count <= 1 for count in per_year.values())


@given(st.sampled_from(sorted(PRESETS)), batches(), st.randoms(use_true_random=False))
def test_evaluating_twice_or_in_another_order_gives_the_same_decisions(
    preset_id, facts_list, rnd: random.Random
):
    ruleset = PRESETS[preset_id]
    first = evaluate(ruleset, facts_list, today=TODAY)
    assert evaluate(ruleset, facts_list, today=TODAY) == first
    shuffled = list(facts_list)
    rnd.shuffle(shuffled)
    assert evaluate(ruleset, shuffled, today=TODAY) == first


@given(batches(), st.integers(0, 400))
def test_every_result_gets_at_least_one_decision_with_a_reason(facts_list, days):
    today = date(2024, 1, 1) + timedelta(days=days)
    for ruleset in PRESETS.values():
        decisions = evaluate(ruleset, facts_list, today=today)
        keys = {(d.person_key, d.contest_key, d.event_key) for d in decisions}
        assert keys == {(f.person_key, f.contest_key, f.event_key) for f in facts_list}
        for d in decisions:
            assert d.reason and d.facts_text and d.outcome_text
            if d.status is DecisionStatus.GRANTED:
                f = next(
                    x for x in facts_list if (x.person_key, x.contest_key) == (d.person_key, d.contest_key)
                )
                assert f.final_date is not None and f.final_date <= today
            if d.status is DecisionStatus.SUPERSEDED:
                assert d.superseded_by
            if d.status is DecisionStatus.BLOCKED:
                assert d.blocked_by and "每人每年" in d.reason


def _sets(values):
    return st.frozensets(st.sampled_from(values), max_size=3)


@st.composite
def conditions(draw) -> Conditions:
    rank_min = draw(st.none() | st.integers(1, 20))
    rank_max = draw(st.none() | st.integers(rank_min or 1, 40))
    percent = draw(st.none() | st.decimals(Decimal("0.5"), Decimal(100), places=1))
    age_min = draw(st.none() | st.integers(14, 40))
    age_max = draw(st.none() | st.integers(age_min or 14, 70))
    level_min = draw(st.none() | st.sampled_from(COMPETITION_LEVELS))
    level_max = draw(
        st.none() | st.sampled_from([lv for lv in SkillLevel if level_min is None or lv >= level_min])
    )
    fixed = (age_min is not None or age_max is not None) and draw(st.booleans())
    cutoffs = tuple(draw(st.dictionaries(st.integers(1, 10), st.integers(1, 10), max_size=3)).items())
    size_min = draw(st.none() | st.integers(1, 10))
    when = Conditions(
        tiers=draw(_sets(list(Tier))),
        groups=draw(_sets(list(Group))),
        rank_min=rank_min,
        rank_max=rank_max,
        top_n=draw(st.none() | st.integers(1, 30)),
        top_percent=percent,
        rounding=draw(st.sampled_from(Rounding)) if percent is not None else Rounding.FLOOR,
        top_n_by_team_size=cutoffs,
        top_n_by_team_size_or_more=bool(cutoffs) and draw(st.booleans()),
        award_classes=draw(_sets(list(AwardClass))),
        all_parts_passed=draw(st.booleans()),
        total_min=draw(st.none() | st.decimals(Decimal(0), Decimal(100), places=2)),
        entrants_min=draw(st.none() | st.integers(1, 50)),
        team_sizes=draw(st.frozensets(st.integers(1, 10), max_size=3)),
        team_size_min=size_min,
        team_size_max=draw(st.none() | st.integers(size_min or 1, 10)),
        age_min=age_min,
        age_max=age_max,
        age_basis=AgeBasis.FIXED_DATE if fixed else AgeBasis.CONTEST_DATE,
        age_date=draw(st.dates(date(2020, 1, 1), date(2030, 12, 31))) if fixed else None,
        genders=draw(_sets(list(Gender))),
        level_min=level_min,
        level_max=level_max,
    )
    return when if not when.is_empty else Conditions(top_n=3)


outcomes = st.one_of(
    st.builds(
        Outcome,
        kind=st.sampled_from([OutcomeKind.PROMOTE, OutcomeKind.ELIGIBLE]),
        level=st.sampled_from(COMPETITION_LEVELS),
        if_held=st.sampled_from(IfHeld),
    ),
    st.builds(
        Outcome,
        kind=st.just(OutcomeKind.RAISE),
        steps=st.integers(1, 3),
        cap=st.none() | st.sampled_from(COMPETITION_LEVELS),
    ),
    st.builds(
        Outcome,
        kind=st.just(OutcomeKind.TITLE),
        title=st.sampled_from(["技术能手", "技能状元", "青年岗位能手"]),
    ),
)

names = st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=12)


@given(
    st.lists(st.tuples(conditions(), outcomes, names), min_size=1, max_size=4),
    st.booleans(),
    st.booleans(),
)
@settings(max_examples=60)
def test_yaml_round_trip(rule_parts, one_per_year, with_derivation):
    rules = tuple(
        PromotionRule(id=f"r{i}", name=name, source=f"第{i}条 {name}", when=when, outcome=outcome)
        for i, (when, outcome, name) in enumerate(rule_parts)
    )
    ruleset = RuleSet(
        id="generated",
        version=3,
        name="生成的规则集",
        source="测试",
        rules=rules,
        settings=Settings(one_promotion_per_year=one_per_year),
        derivations=(),
    )
    if with_derivation:
        ruleset = replace(
            ruleset,
            derivations=(
                Derivation(
                    id="down",
                    name="降一级",
                    source="测试",
                    tier_map=((Tier.PROVINCIAL_1, Tier.MUNICIPAL_1), (Tier.PROVINCIAL_2, Tier.MUNICIPAL_2)),
                    level_shift=-1,
                ),
            ),
        )
    assert parse_ruleset(dump_ruleset(ruleset)) == ruleset


# ------------------------------------------------------------------ the fast path agrees with the full one


def reference_matches(when: Conditions, facts: ResultFacts) -> bool:
    """:meth:`Conditions.matches` as written before it was split into event, rank and result parts: every
    condition in turn, on the facts of the one result (kept here to pin the semantics down)."""
    if when.tiers and facts.tier not in when.tiers:
        return False
    if when.groups and facts.group not in when.groups:
        return False
    if when.award_classes and facts.award not in when.award_classes:
        return False
    if when.genders and facts.gender not in when.genders:
        return False
    if when.team_sizes and facts.team_size not in when.team_sizes:
        return False
    if when.team_size_min is not None and facts.team_size < when.team_size_min:
        return False
    if when.team_size_max is not None and facts.team_size > when.team_size_max:
        return False
    if when.all_parts_passed and not facts.all_parts_passed:
        return False
    if when.total_min is not None and facts.total < when.total_min:
        return False
    if when.entrants_min is not None and facts.entrants < when.entrants_min:
        return False
    if when.uses_rank:
        rank = facts.rank
        if rank is None:
            return False
        if when.rank_min is not None and rank < when.rank_min:
            return False
        if when.rank_max is not None and rank > when.rank_max:
            return False
        if when.top_n is not None and rank > when.top_n:
            return False
        if when.top_percent is not None and rank > percent_cutoff(
            facts.entrants, when.top_percent, when.rounding
        ):
            return False
        if when.top_n_by_team_size:
            limit = when.team_size_cutoff(facts.team_size)
            if limit is None or rank > limit:
                return False
    if when.age_min is not None or when.age_max is not None:
        age = age_on(facts.birth_date, when.age_reference(facts))
        if when.age_min is not None and age < when.age_min:
            return False
        if when.age_max is not None and age > when.age_max:
            return False
    level = facts.current_level
    if when.level_min is not None and (level is None or level < when.level_min):
        return False
    return not (when.level_max is not None and level is not None and level > when.level_max)


@st.composite
def rulesets(draw) -> RuleSet:
    """Generated rule sets: one to four rules of any conditions and outcome, sometimes derived ones too."""
    parts = draw(st.lists(st.tuples(conditions(), outcomes), min_size=1, max_size=4))
    rules = tuple(
        PromotionRule(id=f"r{i}", name=f"规则{i}", source=f"第{i}条", when=when, outcome=outcome)
        for i, (when, outcome) in enumerate(parts)
    )
    derivations = ()
    if draw(st.booleans()):
        derivations = (
            Derivation(
                id="down",
                name="降一级",
                source="测试",
                tier_map=((Tier.PROVINCIAL_1, Tier.MUNICIPAL_1), (Tier.PROVINCIAL_2, Tier.MUNICIPAL_2)),
                level_shift=-1,
            ),
        )
    return RuleSet(
        id="generated",
        version=1,
        name="生成的规则集",
        source="测试",
        rules=rules,
        derivations=derivations,
        settings=Settings(one_promotion_per_year=draw(st.booleans())),
    )


any_ruleset = st.sampled_from(sorted(PRESETS)).map(PRESETS.get) | rulesets()


@st.composite
def near_conditions(draw, facts: ResultFacts) -> Conditions:
    """Conditions of a few kinds, each on a value at or next to ``facts``' own (a cut-off one rank either
    side, the tier or another one …), so that results match, or just miss, often."""

    def maybe(strategy):
        return draw(st.none() | strategy)

    rank = facts.rank or 1
    step = st.integers(-1, 1)
    # a percentage whose cut-off falls on the rank (or next to it), or any
    at_rank = min(
        max((Decimal(rank * 100) / facts.entrants).quantize(Decimal("0.1")), Decimal("0.1")), Decimal(100)
    )
    percent = maybe(
        st.sampled_from([at_rank, min(at_rank + Decimal("0.1"), Decimal(100))])
        | st.decimals(Decimal(1), Decimal(100), places=1)
    )
    sizes = maybe(st.dictionaries(st.integers(1, 10), st.integers(1, 12), min_size=1, max_size=3))
    age = age_on(facts.birth_date, facts.contest_date)
    level_min = maybe(st.sampled_from(COMPETITION_LEVELS))
    level_max = maybe(st.sampled_from([lv for lv in SkillLevel if level_min is None or lv >= level_min]))
    rank_min = maybe(st.integers(max(rank - 1, 1), rank + 1))
    rank_max = maybe(st.integers(max(rank - 1, rank_min or 1), rank + 1))
    size_min = maybe(st.integers(max(facts.team_size - 1, 1), min(facts.team_size + 1, 10)))
    size_max = maybe(st.integers(max(facts.team_size - 1, size_min or 1), 10))
    when = Conditions(
        tiers=draw(
            st.sampled_from([frozenset(), {facts.tier}, {facts.tier, Tier.DISTRICT}, {Tier.ENTERPRISE}])
        ),
        groups=draw(st.sampled_from([frozenset(), {facts.group}, {Group.STUDENT}])),
        rank_min=rank_min,
        rank_max=rank_max,
        top_n=maybe(st.builds(lambda d: max(rank + d, 1), step)),
        top_percent=percent,
        rounding=draw(st.sampled_from(Rounding)) if percent is not None else Rounding.FLOOR,
        top_n_by_team_size=tuple(sizes.items()) if sizes else (),
        top_n_by_team_size_or_more=bool(sizes) and draw(st.booleans()),
        award_classes=draw(st.sampled_from([frozenset(), {AwardClass.FIRST}, set(AwardClass)])),
        all_parts_passed=draw(st.booleans()),
        total_min=maybe(st.sampled_from([facts.total, facts.total + Decimal("0.01"), facts.total - 1])),
        entrants_min=maybe(st.integers(max(facts.entrants - 1, 1), facts.entrants + 1)),
        team_sizes=draw(st.sampled_from([frozenset(), {facts.team_size}, {1}])),
        team_size_min=size_min,
        team_size_max=size_max,
        age_min=maybe(st.integers(max(age - 1, 0), min(age + 1, 120))),
        genders=draw(st.sampled_from([frozenset(), {facts.gender}, {Gender.MALE}])),
        level_min=level_min,
        level_max=level_max,
    )
    return when if not when.is_empty else Conditions(top_n=rank)


@given(st.lists(result_facts(), min_size=1, max_size=3), st.data())
@settings(max_examples=400)
def test_the_event_screen_finds_exactly_the_rules_a_result_matches(facts_list, data):
    facts = facts_list[0]
    rules = [
        PromotionRule(
            id=f"r{i}",
            name=f"规则{i}",
            source="测试",
            when=data.draw(near_conditions(facts)),
            outcome=Outcome(kind=OutcomeKind.TITLE, title="技术能手"),
        )
        for i in range(data.draw(st.integers(1, 4)))
    ]
    ruleset = RuleSet(id="near", version=1, name="附近", source="测试", rules=rules)
    for one in facts_list:  # the first result, near every rule, and others
        expected = [(i, rule) for i, rule in enumerate(rules) if reference_matches(rule.when, one)]
        assert [(i, r) for i, r in enumerate(rules) if r.when.matches(one)] == expected
        screen = ruleset.screen(one.tier, one.group, one.team_size, one.entrants)
        if not screen.admits(one.rank):
            assert expected == []  # a rejected result matches no rule
        else:
            assert screen.matching(one) == expected


@given(any_ruleset, st.lists(result_facts(), min_size=1, max_size=5))
def test_the_screens_of_presets_and_generated_rule_sets_agree_with_the_conditions(ruleset, facts_list):
    for facts in facts_list:
        expected = [
            (i, rule) for i, rule in enumerate(ruleset.effective_rules) if reference_matches(rule.when, facts)
        ]
        screen = ruleset.screen(facts.tier, facts.group, facts.team_size, facts.entrants)
        assert (screen.matching(facts) if screen.admits(facts.rank) else []) == expected


@st.composite
def one_contest_batches(draw) -> list[ResultFacts]:
    """The results of one contest (what the services evaluate in one call): several people and events,
    some earlier promotions (from this contest too), results final on various days or not yet."""
    out = []
    events = [f"e{n}" for n in range(draw(st.integers(1, 3)))]
    for p in range(draw(st.integers(1, 4))):
        prior = draw(
            st.lists(
                st.builds(
                    PriorPromotion,
                    contest_key=st.sampled_from(["x1", "c"]),
                    contest_name=st.just("其他竞赛"),
                    level=st.sampled_from(COMPETITION_LEVELS),
                    final_date=st.dates(date(2024, 1, 1), date(2025, 12, 31)),
                ),
                max_size=2,
            )
        )
        for event in draw(st.lists(st.sampled_from(events), min_size=1, max_size=len(events), unique=True)):
            facts = draw(result_facts(person_key=f"p{p}", contest_key="c", event_key=event))
            out.append(replace(facts, prior_promotions=tuple(prior)))
    return out


@given(any_ruleset, one_contest_batches(), st.integers(0, 700))
@settings(max_examples=300)
def test_the_fast_path_keeps_exactly_the_decisions_of_the_full_path(ruleset, facts_list, days):
    """What the services do for a contest — ask for no ``no_match`` decisions and leave out the results the
    screen rejects — gives exactly the full evaluation's other decisions, in the same order."""
    today = date(2024, 1, 1) + timedelta(days=days)
    full = evaluate(ruleset, facts_list, today=today)
    kept = [d for d in full if d.status is not DecisionStatus.NO_MATCH]
    assert evaluate(ruleset, facts_list, today=today, no_match=False) == kept
    screened = [
        f for f in facts_list if ruleset.screen(f.tier, f.group, f.team_size, f.entrants).admits(f.rank)
    ]
    assert evaluate(ruleset, screened, today=today, no_match=False) == kept


@given(any_ruleset, batches(), st.integers(0, 700))
@settings(max_examples=100)
def test_without_no_match_decisions_the_others_are_unchanged_in_any_batch(ruleset, facts_list, days):
    today = date(2024, 1, 1) + timedelta(days=days)
    full = evaluate(ruleset, facts_list, today=today)
    assert evaluate(ruleset, facts_list, today=today, no_match=False) == [
        d for d in full if d.status is not DecisionStatus.NO_MATCH
    ]


@given(result_facts(), st.data())
def test_facts_built_for_many_results_of_an_event_equal_the_constructor(facts, data):
    values = {f.name: getattr(facts, f.name) for f in fields(ResultFacts)}
    shared_names = data.draw(st.sets(st.sampled_from(sorted(values))))
    shared = {name: values[name] for name in shared_names}
    rest = {name: value for name, value in values.items() if name not in shared_names}
    built = ResultFacts.of(shared, **rest)
    assert built == facts and hash(built) == hash(facts) and repr(built) == repr(facts)


def test_facts_built_for_many_results_are_checked_like_the_constructor():
    facts = ResultFacts(
        person_key="p1",
        contest_key="c1",
        event_key="e1",
        tier=Tier.MUNICIPAL_1,
        group=Group.STAFF,
        rank=3,
        entrants=30,
        all_parts_passed=True,
        total=Decimal("88.5"),
        birth_date=date(1990, 5, 1),
        gender=Gender.FEMALE,
        current_level=None,
        contest_date=date(2024, 5, 20),
        final_date=None,
    )
    values = {f.name: getattr(facts, f.name) for f in fields(ResultFacts)}
    with pytest.raises(TypeError, match="unknown"):
        ResultFacts.of(values, colour="red")
    with pytest.raises(TypeError, match="missing"):
        ResultFacts.of({k: v for k, v in values.items() if k != "gender"})
    with pytest.raises(InvariantError):
        ResultFacts.of(values, entrants=0)
