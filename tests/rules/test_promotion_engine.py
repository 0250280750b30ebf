"""The promotion engine's conditions, outcomes and policies (DOMAIN.md §4), without an app."""

from dataclasses import FrozenInstanceError, replace
from datetime import date
from decimal import Decimal

import pytest

from competition.domain import AwardClass, Gender, Group, SkillLevel, Tier
from competition.errors import DomainError, InvariantError
from competition.promotion.overlaps import overlap_warnings
from competition.promotion.presets import load_preset
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
    age_on,
    derive_ruleset,
    evaluate,
    percent_cutoff,
)

TODAY = date(2024, 12, 31)
L = SkillLevel


def make_facts(**changes) -> ResultFacts:
    values = {
        "person_key": "p1",
        "contest_key": "c1",
        "event_key": "e1",
        "tier": Tier.MUNICIPAL_1,
        "group": Group.STAFF,
        "rank": 1,
        "entrants": 47,
        "all_parts_passed": True,
        "total": Decimal("90"),
        "birth_date": date(1990, 5, 1),
        "gender": Gender.MALE,
        "current_level": None,
        "contest_date": date(2024, 5, 20),
        "final_date": date(2024, 6, 1),
    }
    values.update(changes)
    return ResultFacts(**values)


def promote(level, if_held=IfHeld.NOTHING) -> Outcome:
    return Outcome(kind=OutcomeKind.PROMOTE, level=level, if_held=if_held)


def rule(rule_id, outcome, **when) -> PromotionRule:
    return PromotionRule(
        id=rule_id,
        name=f"规则{rule_id}",
        source=f"测试文件第{rule_id}条",
        when=Conditions(**when),
        outcome=outcome,
    )


def ruleset(*rules, **settings) -> RuleSet:
    return RuleSet(
        id="test", version=1, name="测试规则集", source="测试", rules=rules, settings=Settings(**settings)
    )


TOP10 = rule("top10", promote(L.TECHNICIAN, IfHeld.NEXT_LEVEL), top_n=10)


def by_status(decisions, status):
    return [d for d in decisions if d.status is status]


# ------------------------------------------------------------------------------------------ conditions


@pytest.mark.parametrize(
    ("entrants", "percent", "rounding", "expected"),
    [
        (47, "30", Rounding.FLOOR, 14),
        (47, "30", Rounding.CEIL, 15),
        (47, "30", Rounding.HALF_UP, 14),
        (45, "30", Rounding.FLOOR, 13),
        (45, "30", Rounding.CEIL, 14),
        (45, "30", Rounding.HALF_UP, 14),
        (1, "30", Rounding.FLOOR, 0),
        (1, "30", Rounding.CEIL, 1),
        (10, "100", Rounding.FLOOR, 10),
    ],
)
def test_percent_cutoff_rounding(entrants, percent, rounding, expected):
    assert percent_cutoff(entrants, Decimal(percent), rounding) == expected


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(1990, 5, 1), date(2024, 5, 1), 34),
        (date(1990, 5, 1), date(2024, 4, 30), 33),
        (date(2000, 2, 29), date(2024, 2, 28), 23),
    ],
)
def test_age_on_counts_whole_years(birth, day, age):
    assert age_on(birth, day) == age


@pytest.mark.parametrize(
    ("when", "changes", "matches"),
    [
        ({"tiers": {Tier.MUNICIPAL_1}}, {}, True),
        ({"tiers": {Tier.MUNICIPAL_2}}, {}, False),
        ({"groups": {Group.STUDENT}}, {}, False),
        ({"rank_min": 4, "rank_max": 10}, {"rank": 4}, True),
        ({"rank_min": 4, "rank_max": 10}, {"rank": 3}, False),
        ({"rank_min": 4, "rank_max": 10}, {"rank": 11}, False),
        ({"rank_max": 10}, {"rank": None}, False),
        ({"top_n": 10}, {"rank": 10, "joint_rank": True}, True),
        ({"top_percent": Decimal(30), "rounding": Rounding.CEIL}, {"rank": 15}, True),
        ({"top_percent": Decimal(30)}, {"rank": 15}, False),
        ({"top_n_by_team_size": ((1, 5), (2, 3))}, {"rank": 3, "team_size": 2}, True),
        ({"top_n_by_team_size": ((1, 5), (2, 3))}, {"rank": 4, "team_size": 2}, False),
        ({"top_n_by_team_size": ((1, 5), (2, 3))}, {"rank": 1, "team_size": 3}, False),
        ({"award_classes": {AwardClass.FIRST, AwardClass.SECOND}}, {"award": AwardClass.SECOND}, True),
        ({"award_classes": {AwardClass.FIRST}}, {"award": None}, False),
        ({"all_parts_passed": True}, {"all_parts_passed": False}, False),
        ({"total_min": Decimal("80.5")}, {"total": Decimal("80.50")}, True),
        ({"total_min": Decimal("80.5")}, {"total": Decimal("80.49")}, False),
        ({"entrants_min": 10}, {"entrants": 9, "rank": 1}, False),
        ({"team_sizes": {2, 3}}, {"team_size": 1}, False),
        ({"team_sizes": {4, 5}}, {"team_size": 5}, True),
        # "top 2 for teams of 3 or more": a size range, or the largest cut-off open upwards (3+: 2)
        ({"team_size_min": 3, "top_n": 2}, {"rank": 2, "team_size": 3}, True),
        ({"team_size_min": 3, "top_n": 2}, {"rank": 2, "team_size": 6}, True),
        ({"team_size_min": 3, "top_n": 2}, {"rank": 3, "team_size": 6}, False),
        ({"team_size_min": 3, "top_n": 2}, {"rank": 1, "team_size": 2}, False),
        ({"team_size_max": 2}, {"team_size": 3}, False),
        (
            {"top_n_by_team_size": ((1, 5), (2, 3), (3, 2)), "top_n_by_team_size_or_more": True},
            {"rank": 2, "team_size": 5},
            True,
        ),
        (
            {"top_n_by_team_size": ((1, 5), (2, 3), (3, 2)), "top_n_by_team_size_or_more": True},
            {"rank": 3, "team_size": 5},
            False,
        ),
        ({"top_n_by_team_size": ((1, 5), (2, 3), (3, 2))}, {"rank": 1, "team_size": 4}, False),
        ({"age_max": 35}, {"birth_date": date(1989, 5, 20)}, True),  # 35 on the contest date
        ({"age_max": 35}, {"birth_date": date(1988, 5, 20)}, False),  # 36 on the contest date
        (
            {"age_max": 35, "age_basis": AgeBasis.FIXED_DATE, "age_date": date(2024, 1, 1)},
            {"birth_date": date(1988, 6, 1)},
            True,
        ),
        ({"age_min": 16}, {"birth_date": date(2008, 5, 21)}, False),
        ({"genders": {Gender.FEMALE}}, {}, False),
        ({"genders": {Gender.FEMALE}}, {"gender": Gender.FEMALE}, True),
        ({"level_min": L.SENIOR_WORKER}, {"current_level": None}, False),
        ({"level_min": L.SENIOR_WORKER}, {"current_level": L.SENIOR_WORKER}, True),
        ({"level_max": L.SENIOR_WORKER}, {"current_level": None}, True),
        ({"level_max": L.SENIOR_WORKER}, {"current_level": L.TECHNICIAN}, False),
    ],
)
def test_conditions_match(when, changes, matches):
    assert Conditions(**when).matches(make_facts(**changes)) is matches


@pytest.mark.parametrize(
    ("when", "field"),
    [
        ({"rank_min": 5, "rank_max": 3}, "rank_max"),
        ({"top_n": 0}, "top_n"),
        ({"top_percent": Decimal(0)}, "top_percent"),
        ({"top_percent": Decimal(101)}, "top_percent"),
        ({"rounding": Rounding.CEIL}, "rounding"),
        ({"top_n_by_team_size": ((11, 1),)}, "top_n_by_team_size"),
        ({"top_n_by_team_size": ((1, 5), (1, 3))}, "top_n_by_team_size"),
        ({"top_n_by_team_size_or_more": True}, "top_n_by_team_size_or_more"),
        ({"team_sizes": {11}}, "team_sizes"),
        ({"team_size_min": 0}, "team_size_min"),
        ({"team_size_min": 4, "team_size_max": 3}, "team_size_max"),
        ({"age_min": 40, "age_max": 30}, "age_max"),
        ({"age_max": 30, "age_basis": AgeBasis.FIXED_DATE}, "age_date"),
        ({"age_date": date(2024, 1, 1)}, "age_date"),
        ({"level_min": L.TECHNICIAN, "level_max": L.SENIOR_WORKER}, "level_max"),
    ],
)
def test_contradictory_conditions_are_organizer_errors(when, field):
    with pytest.raises(DomainError) as err:
        Conditions(**when)
    assert err.value.field == field


@pytest.mark.parametrize(
    "changes",
    [
        {"rank": 0},
        {"rank": 48},
        {"entrants": 0, "rank": None},
        {"team_size": 11},
        {"team_size": 0},
        {"rank": None, "joint_rank": True},
    ],
)
def test_inconsistent_facts_are_bugs(changes):
    with pytest.raises(InvariantError):
        make_facts(**changes)


def test_dataclasses_are_frozen():
    with pytest.raises(FrozenInstanceError):
        TOP10.id = "other"  # type: ignore[misc]


# ------------------------------------------------------------------------------------------ ties at a cut-off


def test_joint_rank_inside_the_cutoff_counts_as_inside():
    # standings 1…9, then two competitors joint 10th, then 12th (standard competition ranking)
    field = [make_facts(person_key=f"p{r}", rank=r) for r in range(1, 10)]
    field += [
        make_facts(person_key="p10a", rank=10, joint_rank=True),
        make_facts(person_key="p10b", rank=10, joint_rank=True),
    ]
    field.append(make_facts(person_key="p12", rank=12))
    decisions = evaluate(ruleset(TOP10), field, today=TODAY)
    granted = {d.person_key for d in decisions if d.is_promotion}
    assert {"p10a", "p10b"} <= granted
    assert "p12" not in granted
    (joint,) = [d for d in decisions if d.person_key == "p10a"]
    assert "并列第10名/47人" in joint.facts_text


# ------------------------------------------------------------------------------------------ outcomes


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (None, L.SENIOR_WORKER),
        (L.JUNIOR_WORKER, L.SENIOR_WORKER),
        (L.INTERMEDIATE_WORKER, L.TECHNICIAN),
        (L.SENIOR_WORKER, L.TECHNICIAN),  # capped by the rule at 技师
        (L.TECHNICIAN, None),
    ],
)
def test_raise_by_steps_with_a_cap(current, expected):
    raise_two = rule("r2", Outcome(kind=OutcomeKind.RAISE, steps=2, cap=L.TECHNICIAN), top_n=3)
    floor = rule("floor", promote(L.SENIOR_WORKER), top_n=3)
    rules = (raise_two,) if current is not None else (raise_two, floor)
    decisions = evaluate(ruleset(*rules), [make_facts(current_level=current)], today=TODAY)
    levels = [d.level for d in decisions if d.is_promotion]
    assert levels == ([expected] if expected else [])


def test_raise_without_a_current_level_has_no_effect():
    raise_one = rule("r1", Outcome(kind=OutcomeKind.RAISE, steps=1), top_n=3)
    (decision,) = evaluate(ruleset(raise_one), [make_facts()], today=TODAY)
    assert decision.status is DecisionStatus.NO_EFFECT and "无原等级" in decision.reason


def test_global_cap_is_a_setting():
    facts = [make_facts(current_level=L.SENIOR_TECHNICIAN)]
    (capped,) = evaluate(ruleset(TOP10), facts, today=TODAY)
    assert capped.status is DecisionStatus.NO_EFFECT
    (lifted,) = evaluate(ruleset(TOP10, max_level=L.PRINCIPAL_TECHNICIAN), facts, today=TODAY)
    assert lifted.status is DecisionStatus.GRANTED and lifted.level is L.PRINCIPAL_TECHNICIAN


def test_a_rule_above_the_cap_is_rejected_with_its_path():
    with pytest.raises(DomainError) as err:
        ruleset(TOP10, rule("too-high", promote(L.CHIEF_TECHNICIAN), top_n=1))
    assert err.value.field == "rules[1].outcome.level"


def test_eligibility_is_separate_and_superseded_by_an_equal_grant():
    apply_st = rule("apply-st", Outcome(kind=OutcomeKind.ELIGIBLE, level=L.SENIOR_TECHNICIAN), top_n=3)
    apply_t = rule("apply-t", Outcome(kind=OutcomeKind.ELIGIBLE, level=L.TECHNICIAN), top_n=3)
    decisions = evaluate(ruleset(TOP10, apply_st, apply_t), [make_facts(rank=2)], today=TODAY)
    status = {d.rule_id: d.status for d in decisions}
    assert status == {
        "top10": DecisionStatus.GRANTED,
        "apply-st": DecisionStatus.GRANTED,
        "apply-t": DecisionStatus.SUPERSEDED,
    }
    (eligible,) = [
        d for d in decisions if d.kind is DecisionKind.ELIGIBILITY and d.status is DecisionStatus.GRANTED
    ]
    assert eligible.outcome_text == "取得 一级/高级技师 申报资格"
    decisions = evaluate(ruleset(TOP10, apply_t), [make_facts(rank=2)], today=TODAY)
    (superseded,) = by_status(decisions, DecisionStatus.SUPERSEDED)
    assert (
        superseded.rule_id == "apply-t"
        and superseded.superseded_by == "top10"
        and "无需申报" in superseded.reason
    )


def test_overlapping_rules_highest_wins_and_the_rest_say_why():
    top3 = rule("top3", promote(L.SENIOR_TECHNICIAN), top_n=3)
    decisions = evaluate(ruleset(TOP10, top3), [make_facts(rank=2)], today=TODAY)
    (winner,) = by_status(decisions, DecisionStatus.GRANTED)
    (loser,) = by_status(decisions, DecisionStatus.SUPERSEDED)
    assert (winner.rule_id, winner.level) == ("top3", L.SENIOR_TECHNICIAN)
    assert loser.rule_id == "top10" and loser.superseded_by == "top3"
    assert "top3" in loser.reason and "取较高者" in loser.reason


def test_equal_outcomes_keep_the_earlier_rule():
    twin = rule("twin", promote(L.TECHNICIAN), top_n=5)
    decisions = evaluate(ruleset(TOP10, twin), [make_facts(rank=2)], today=TODAY)
    assert [d.rule_id for d in by_status(decisions, DecisionStatus.GRANTED)] == ["top10"]


def test_title_and_promotion_are_independent_and_a_title_is_given_once_per_contest():
    title = rule("title", Outcome(kind=OutcomeKind.TITLE, title="某市技术能手"), top_n=1)
    facts = [
        make_facts(event_key="e1", event_name="数控车工"),
        make_facts(event_key="e2", final_date=date(2024, 7, 1)),
    ]
    decisions = evaluate(ruleset(TOP10, title), facts, today=TODAY)
    titles = [d for d in decisions if d.kind is DecisionKind.TITLE]
    assert [d.status for d in titles] == [DecisionStatus.GRANTED, DecisionStatus.SUPERSEDED]
    assert "数控车工" in titles[1].reason
    assert sum(d.is_promotion for d in decisions) == 1


# ------------------------------------------------------------------------------------------ one per year


def two_contests(**second):
    first = make_facts(contest_key="c-spring", contest_name="2024年春季市级大赛", final_date=date(2024, 3, 1))
    values = {
        "contest_key": "c-autumn",
        "contest_name": "2024年秋季市级大赛",
        "final_date": date(2024, 10, 1),
    }
    values.update(second)
    return [first, make_facts(**values)]


def test_one_promotion_per_year_the_earliest_final_result_wins():
    decisions = evaluate(ruleset(TOP10), two_contests(), today=TODAY)
    status = {d.contest_key: d for d in decisions}
    assert status["c-spring"].status is DecisionStatus.GRANTED
    blocked = status["c-autumn"]
    assert blocked.status is DecisionStatus.BLOCKED and blocked.blocked_by == "c-spring"
    assert "2024年春季市级大赛" in blocked.reason and "每人每年至多" in blocked.reason


def test_the_earliest_wins_even_when_a_later_result_would_be_higher():
    top3 = rule("top3", promote(L.SENIOR_TECHNICIAN), top_n=3, tiers={Tier.PROVINCIAL_1})
    facts = two_contests(tier=Tier.PROVINCIAL_1)
    decisions = evaluate(ruleset(TOP10, top3), facts, today=TODAY)
    (granted,) = [d for d in decisions if d.is_promotion]
    assert (granted.contest_key, granted.level) == ("c-spring", L.TECHNICIAN)


def test_same_day_results_the_higher_level_wins():
    top3 = rule("top3", promote(L.SENIOR_TECHNICIAN), top_n=3, tiers={Tier.PROVINCIAL_1})
    facts = two_contests(tier=Tier.PROVINCIAL_1, final_date=date(2024, 3, 1))
    (granted,) = [d for d in evaluate(ruleset(TOP10, top3), facts, today=TODAY) if d.is_promotion]
    assert (granted.contest_key, granted.level) == ("c-autumn", L.SENIOR_TECHNICIAN)


def test_different_years_both_count():
    facts = two_contests(final_date=date(2025, 1, 5))
    assert sum(d.is_promotion for d in evaluate(ruleset(TOP10), facts, today=date(2025, 2, 1))) == 2


def test_the_limit_is_a_setting():
    decisions = evaluate(ruleset(TOP10, one_promotion_per_year=False), two_contests(), today=TODAY)
    assert sum(d.is_promotion for d in decisions) == 2


def test_a_promotion_from_another_contest_blocks_the_year():
    prior = PriorPromotion(
        contest_key="c-x", contest_name="2024年行业大赛", level=L.SENIOR_WORKER, final_date=date(2024, 2, 1)
    )
    (blocked,) = evaluate(ruleset(TOP10), [make_facts(prior_promotions=(prior,))], today=TODAY)
    assert blocked.status is DecisionStatus.BLOCKED and blocked.blocked_by == "c-x"
    assert "2024年行业大赛" in blocked.reason
    last_year = replace(prior, final_date=date(2023, 11, 1))
    (granted,) = evaluate(ruleset(TOP10), [make_facts(prior_promotions=(last_year,))], today=TODAY)
    assert granted.status is DecisionStatus.GRANTED


def test_titles_are_not_limited_by_the_yearly_promotion_limit():
    title = rule("title", Outcome(kind=OutcomeKind.TITLE, title="某市技术能手"), top_n=1)
    decisions = evaluate(ruleset(TOP10, title), two_contests(), today=TODAY)
    assert (
        len([d for d in decisions if d.kind is DecisionKind.TITLE and d.status is DecisionStatus.GRANTED])
        == 2
    )


def test_feeding_granted_promotions_back_changes_nothing():
    facts = two_contests()
    first = evaluate(ruleset(TOP10), facts, today=TODAY)
    priors = tuple(
        PriorPromotion(
            contest_key=d.contest_key, contest_name=d.contest_key, level=d.level, final_date=f.final_date
        )
        for d in first
        if d.is_promotion
        for f in facts
        if f.contest_key == d.contest_key
    )
    again = evaluate(ruleset(TOP10), [replace(f, prior_promotions=priors) for f in facts], today=TODAY)
    assert [(d.rule_id, d.status, d.level) for d in again] == [(d.rule_id, d.status, d.level) for d in first]


# ------------------------------------------------------------------------------------------ pending results


def test_results_not_yet_final_are_pending():
    facts = [make_facts(final_date=None), make_facts(person_key="p2", final_date=date(2025, 1, 10))]
    decisions = evaluate(ruleset(TOP10), facts, today=TODAY)
    assert [d.status for d in decisions] == [DecisionStatus.PENDING, DecisionStatus.PENDING]
    assert "尚未生效" in decisions[0].reason


def test_a_pending_result_is_already_blocked_by_a_final_one_that_year():
    facts = two_contests()
    decisions = evaluate(ruleset(TOP10), facts, today=date(2024, 6, 1))
    assert {d.contest_key: d.status for d in decisions} == {
        "c-spring": DecisionStatus.GRANTED,
        "c-autumn": DecisionStatus.BLOCKED,
    }


# ------------------------------------------------------------------------------------------ batch behaviour


def test_order_of_input_does_not_matter_and_output_is_sorted():
    facts = [make_facts(person_key=f"p{i}", rank=i) for i in range(1, 13)]
    forward = evaluate(ruleset(TOP10), facts, today=TODAY)
    assert forward == evaluate(ruleset(TOP10), list(reversed(facts)), today=TODAY)
    assert [d.person_key for d in forward] == sorted(d.person_key for d in forward)


def test_a_result_given_twice_is_a_bug():
    with pytest.raises(InvariantError):
        evaluate(ruleset(TOP10), [make_facts(), make_facts()], today=TODAY)


def test_empty_batch_gives_no_decisions():
    assert evaluate(ruleset(TOP10), [], today=TODAY) == []


def test_decisions_name_the_ruleset_version():
    (decision,) = evaluate(ruleset(TOP10), [make_facts()], today=TODAY)
    assert decision.ruleset == "test@1"


# ------------------------------------------------------------------------------------------ derivation


def test_derive_a_ruleset_one_level_below_another():
    base = load_preset("sichuan-2016-staff")
    derivation = Derivation(
        id="city",
        name="市级比照省级降一级",
        source="某市办法第5条",
        tier_map=((Tier.PROVINCIAL_1, Tier.MUNICIPAL_1),),
        level_shift=-1,
    )
    city = derive_ruleset(base, derivation, id="city-2016", version=1, name="某市规则", source="某市办法")
    assert [r.outcome.level for r in city.rules] == [L.TECHNICIAN, L.SENIOR_WORKER, L.INTERMEDIATE_WORKER]
    assert all(r.when.tiers == {Tier.MUNICIPAL_1} for r in city.rules)
    assert [r.derived_from for r in city.rules] == ["rank-1-3", "rank-4-8", "both-parts-passed"]
    (granted,) = [d for d in evaluate(city, [make_facts(rank=5)], today=TODAY) if d.is_promotion]
    assert granted.level is L.SENIOR_WORKER and "某市办法第5条" in granted.rule_source


def test_an_upward_derivation_is_held_at_the_cap():
    base = load_preset("sichuan-2016-staff")
    up = Derivation(
        id="up", name="升一级", source="测试", tier_map=((Tier.PROVINCIAL_1, Tier.NATIONAL_2),), level_shift=1
    )
    derived = derive_ruleset(base, up, id="up", version=1, name="升一级", source="测试")
    assert [r.outcome.level for r in derived.rules] == [
        L.SENIOR_TECHNICIAN,
        L.SENIOR_TECHNICIAN,
        L.TECHNICIAN,
    ]
    assert derived.rules[0].name.startswith("升一级：晋升 一级/高级技师")


@pytest.mark.parametrize(
    ("derivation", "field"),
    [
        ({"rules": ("nope",)}, "derivations[0].rules[0]"),
        ({"rules": ("title",)}, "derivations[0].rules[0]"),
    ],
)
def test_bad_derivations_name_the_path(derivation, field):
    title = rule("title", Outcome(kind=OutcomeKind.TITLE, title="能手"), top_n=1, tiers={Tier.PROVINCIAL_1})
    base = rule("p", promote(L.TECHNICIAN), top_n=1, tiers={Tier.PROVINCIAL_1})
    d = Derivation(
        id="d",
        name="派生",
        source="来源",
        tier_map=((Tier.PROVINCIAL_1, Tier.MUNICIPAL_1),),
        level_shift=-1,
        **derivation,
    )
    with pytest.raises(DomainError) as err:
        RuleSet(id="x", version=1, name="x", source="x", rules=(base, title), derivations=(d,))
    assert err.value.field == field


# ------------------------------------------------------------------------------------------ overlap warnings


def test_overlapping_rules_with_different_outcomes_warn():
    clash = rule("top6", promote(L.SENIOR_WORKER), top_n=6, groups={Group.STAFF})
    warnings = overlap_warnings(ruleset(TOP10, clash))
    assert len(warnings) == 1
    assert "top10" in warnings[0] and "top6" in warnings[0] and "职工组" in warnings[0]


@pytest.mark.parametrize(
    "other",
    [
        rule("same", promote(L.TECHNICIAN, IfHeld.NEXT_LEVEL), top_n=3),
        rule("disjoint", promote(L.SENIOR_WORKER), rank_min=11, rank_max=20),
        rule("title", Outcome(kind=OutcomeKind.TITLE, title="能手"), top_n=1),
    ],
)
def test_no_warning_without_a_real_conflict(other):
    assert overlap_warnings(ruleset(TOP10, other)) == []


def test_no_warning_for_rules_of_different_tiers():
    m1 = rule("m1", promote(L.TECHNICIAN), top_n=10, tiers={Tier.MUNICIPAL_1})
    district = rule("district", promote(L.SENIOR_WORKER), top_n=6, tiers={Tier.DISTRICT, Tier.MUNICIPAL_2})
    assert overlap_warnings(ruleset(m1, district)) == []
    both = rule("both", promote(L.SENIOR_WORKER), top_n=6, tiers={Tier.DISTRICT, Tier.MUNICIPAL_1})
    (warning,) = overlap_warnings(ruleset(m1, both))
    assert "市级一类" in warning


def test_overlap_found_through_percentages_and_team_sizes():
    pct = rule("pct", promote(L.INTERMEDIATE_WORKER), top_percent=Decimal(30), rank_min=11)
    assert len(overlap_warnings(ruleset(TOP10, pct))) == 0  # ranks 11+ never meet top 10
    team = rule("team", promote(L.SENIOR_WORKER), top_n_by_team_size=((2, 3),), rank_min=2)
    assert len(overlap_warnings(ruleset(TOP10, team))) == 1


# ------------------------------------------------------------------------------ team sizes above three

TEAMS_YAML = """
id: teams
version: 1
name: 团体赛项称号与晋升（测试）
source: 测试通知
rules:
  - id: title
    name: 个人前5名、双人前3名、三人及以上前2名授予技术能手
    source: 测试通知第一条
    when: {top_n_by_team_size: {1: 5, 2: 3, 3+: 2}}
    outcome: {kind: title, title: 技术能手}
  - id: big-teams
    name: 三人及以上团体赛项前2名晋升技师
    source: 测试通知第二条
    when: {team_size_min: 3, top_n: 2}
    outcome: {kind: promote, level: 技师, if_held: next_level}
"""


@pytest.mark.parametrize(
    ("team_size", "rank", "title", "level"),
    [
        # hand-worked from the two rules above (entrants 20)
        (1, 5, True, None),
        (1, 6, False, None),
        (2, 3, True, None),
        (2, 4, False, None),
        (3, 2, True, L.TECHNICIAN),
        (3, 3, False, None),
        (4, 1, True, L.TECHNICIAN),
        (5, 2, True, L.TECHNICIAN),
        (6, 3, False, None),
        (10, 2, True, L.TECHNICIAN),
    ],
)
def test_rules_for_teams_of_three_or_more(team_size, rank, title, level):
    from competition.promotion.ruleset_yaml import parse_ruleset

    rules = parse_ruleset(TEAMS_YAML)
    decisions = evaluate(rules, [make_facts(team_size=team_size, rank=rank, entrants=20)], today=TODAY)
    granted = by_status(decisions, DecisionStatus.GRANTED)
    assert any(d.title == "技术能手" for d in granted) is title
    promotions = [d.level for d in granted if d.kind is DecisionKind.PROMOTION]
    assert promotions == ([level] if level else [])
    if level:
        (promotion,) = [d for d in granted if d.kind is DecisionKind.PROMOTION]
        assert f"{team_size}人团体赛项" in promotion.facts_text


def test_team_size_cut_offs_round_trip_through_yaml():
    from competition.promotion.ruleset_yaml import dump_ruleset, parse_ruleset

    rules = parse_ruleset(TEAMS_YAML)
    title = rules.rules[0].when
    assert title.top_n_by_team_size == ((1, 5), (2, 3), (3, 2)) and title.top_n_by_team_size_or_more
    text = dump_ruleset(rules)
    assert "3+: 2" in text and "team_size_min: 3" in text
    assert parse_ruleset(text) == rules


@pytest.mark.parametrize(
    ("when", "path"),
    [
        ("{top_n_by_team_size: {1: 5, 2+: 3, 3: 2}}", "rules[0].when.top_n_by_team_size.2+"),
        ("{top_n_by_team_size: {1: 5, 11: 2}}", "rules[0].when.top_n_by_team_size"),
        ("{team_size_min: 12}", "rules[0].when.team_size_min"),
        ("{team_size_min: 4, team_size_max: 3}", "rules[0].when.team_size_max"),
    ],
)
def test_bad_team_size_conditions_name_their_path(when, path):
    from competition.promotion.ruleset_yaml import parse_ruleset

    text = (
        "id: t\nversion: 1\nname: t\nsource: t\nrules:\n  - id: a\n    name: a\n    source: a\n"
        f"    when: {when}\n    outcome: {{kind: promote, level: 技师}}\n"
    )
    with pytest.raises(DomainError) as err:
        parse_ruleset(text)
    assert err.value.field == path


def test_overlap_found_for_large_teams():
    big = rule("big", promote(L.SENIOR_WORKER), team_size_min=4, top_n=3)
    (warning,) = overlap_warnings(ruleset(TOP10, big))
    assert "人团体赛项" in warning
    small = rule("small", promote(L.SENIOR_WORKER), team_size_max=2, rank_min=11)
    assert overlap_warnings(ruleset(TOP10, small)) == []
