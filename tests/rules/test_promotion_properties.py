"""Hypothesis properties of the promotion engine and the YAML format (DOMAIN.md §4), without an app."""

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from competition.domain import AwardClass, Gender, Group, SkillLevel, Tier
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
