"""The shipped promotion presets (DOMAIN.md §4) against hand-worked cases, without an app."""

from datetime import date
from decimal import Decimal

import pytest

from competition.domain import AwardClass, Gender, Group, SkillLevel, Tier
from competition.errors import DomainError
from competition.promotion.overlaps import overlap_warnings
from competition.promotion.presets import load_preset, load_presets, preset_ids, preset_versions
from competition.promotion.rules import DecisionKind, DecisionStatus, ResultFacts, evaluate
from competition.promotion.ruleset_yaml import dump_ruleset, parse_ruleset

TODAY = date(2024, 12, 31)
L = SkillLevel
M1, M2, P1, P2 = Tier.MUNICIPAL_1, Tier.MUNICIPAL_2, Tier.PROVINCIAL_1, Tier.PROVINCIAL_2
STAFF, STUDENT = Group.STAFF, Group.STUDENT


def make_facts(**changes) -> ResultFacts:
    values = {
        "person_key": "p1",
        "contest_key": "c1",
        "event_key": "e1",
        "tier": M1,
        "group": STAFF,
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


def outcome(preset_id: str, **changes) -> tuple[SkillLevel | None, set[str]]:
    """(granted promotion level or None, granted titles) for one result under a preset."""
    decisions = evaluate(load_preset(preset_id), [make_facts(**changes)], today=TODAY)
    levels = [d.level for d in decisions if d.is_promotion]
    assert len(levels) <= 1
    titles = {
        d.title for d in decisions if d.kind is DecisionKind.TITLE and d.status is DecisionStatus.GRANTED
    }
    return (levels[0] if levels else None), titles


def test_every_preset_loads_with_identity_and_sources():
    presets = load_presets()
    assert set(presets) == {
        "national-skills-contest",
        "tianjin-2024",
        "heilongjiang-contest-measures",
        "sichuan-2016-staff",
    }
    for preset_id, ruleset in presets.items():
        assert (ruleset.id, ruleset.version) == (preset_id, 1)
        assert ruleset.name and ruleset.source
        assert all(rule.source for rule in ruleset.effective_rules)
        assert ruleset.settings.max_level is L.SENIOR_TECHNICIAN


@pytest.mark.parametrize("preset_id", preset_ids())
def test_presets_round_trip_and_have_no_overlaps(preset_id):
    ruleset = load_preset(preset_id)
    assert parse_ruleset(dump_ruleset(ruleset)) == ruleset
    assert overlap_warnings(ruleset) == []
    assert load_preset(f"{preset_id}@1") == ruleset
    assert preset_versions(preset_id) == (1,)


def test_unknown_preset_or_version_is_an_organizer_error():
    with pytest.raises(DomainError, match="没有名为"):
        load_preset("atlantis-2099")
    with pytest.raises(DomainError, match="第 7 版"):
        load_preset("tianjin-2024", 7)


# 天津市人社局 2024-10-25
@pytest.mark.parametrize(
    ("changes", "level"),
    [
        ({"rank": 10}, L.TECHNICIAN),
        ({"rank": 11}, None),
        ({"rank": 10, "joint_rank": True}, L.TECHNICIAN),
        ({"rank": 3, "current_level": L.SENIOR_WORKER}, L.TECHNICIAN),
        ({"rank": 3, "current_level": L.TECHNICIAN}, L.SENIOR_TECHNICIAN),
        ({"rank": 3, "current_level": L.SENIOR_TECHNICIAN}, None),
        ({"rank": 1, "group": Group.TEACHER}, L.TECHNICIAN),
        ({"rank": 3, "group": STUDENT}, L.SENIOR_WORKER),
        ({"rank": 3, "group": STUDENT, "current_level": L.SENIOR_WORKER}, None),
        ({"rank": 11, "group": STUDENT}, None),
        ({"tier": M2, "rank": 6}, L.SENIOR_WORKER),
        ({"tier": M2, "rank": 7}, None),
        ({"tier": M2, "rank": 2, "current_level": L.SENIOR_WORKER}, L.TECHNICIAN),
        ({"tier": Tier.DISTRICT, "rank": 6}, L.SENIOR_WORKER),
        ({"tier": M2, "rank": 6, "group": STUDENT}, L.INTERMEDIATE_WORKER),
        ({"tier": Tier.DISTRICT, "rank": 1, "group": STUDENT, "current_level": L.INTERMEDIATE_WORKER}, None),
        # 30 % of 47 = 14.1 → 14 (floor, the preset's inferred rounding)
        ({"tier": Tier.ENTERPRISE, "rank": 14}, L.INTERMEDIATE_WORKER),
        ({"tier": Tier.ENTERPRISE, "rank": 15}, None),
        ({"tier": Tier.ENTERPRISE, "rank": 14, "joint_rank": True}, L.INTERMEDIATE_WORKER),
        ({"tier": Tier.ENTERPRISE, "rank": 1, "current_level": L.INTERMEDIATE_WORKER}, L.SENIOR_WORKER),
        ({"tier": Tier.SCHOOL, "rank": 14, "group": STUDENT}, L.INTERMEDIATE_WORKER),
        ({"tier": Tier.SCHOOL, "rank": 1, "group": STUDENT, "current_level": L.INTERMEDIATE_WORKER}, None),
        # 30 % of 3 = 0.9 → 0: nobody in a three-entrant enterprise event
        ({"tier": Tier.ENTERPRISE, "rank": 1, "entrants": 3}, None),
        ({"tier": Tier.ENTERPRISE, "rank": 3, "entrants": 10}, L.INTERMEDIATE_WORKER),
        ({"tier": Tier.ENTERPRISE, "rank": 4, "entrants": 10}, None),
        ({"tier": P1, "rank": 1}, None),
    ],
)
def test_tianjin_promotions(changes, level):
    assert outcome("tianjin-2024", **changes)[0] is level


@pytest.mark.parametrize(
    ("changes", "titles"),
    [
        ({"rank": 1}, {"天津市技术能手"}),
        ({"rank": 1, "joint_rank": True}, {"天津市技术能手"}),
        ({"rank": 2}, set()),
        ({"rank": 1, "group": STUDENT}, set()),
        ({"rank": 1, "tier": M2}, set()),
    ],
)
def test_tianjin_title(changes, titles):
    assert outcome("tianjin-2024", **changes)[1] == titles


def test_tianjin_first_place_gets_both_promotion_and_title():
    assert outcome("tianjin-2024", rank=1) == (L.TECHNICIAN, {"天津市技术能手"})


def test_tianjin_reason_names_rule_source_facts_and_outcome():
    decisions = evaluate(
        load_preset("tianjin-2024"), [make_facts(rank=3, current_level=L.SENIOR_WORKER)], today=TODAY
    )
    (granted,) = [d for d in decisions if d.is_promotion]
    assert granted.rule_id == "m1-staff"
    assert "2024-10-25" in granted.rule_source
    assert granted.facts_text == "第3名/47人, 市级一类, 职工组, 原等级 三级/高级工"
    assert granted.outcome_text == "晋升 二级/技师"
    assert granted.rule_name in granted.reason and granted.facts_text in granted.reason


def test_tianjin_no_match_says_so():
    (decision,) = evaluate(load_preset("tianjin-2024"), [make_facts(rank=11)], today=TODAY)
    assert decision.status is DecisionStatus.NO_MATCH
    assert "第11名/47人" in decision.reason and "不符合" in decision.reason


# 全国技能大赛 2020/2023
NAT = Tier.NATIONAL_1


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"rank": 1, "award": AwardClass.GOLD}, (L.TECHNICIAN, {"全国技术能手"})),
        ({"rank": 3, "award": AwardClass.BRONZE}, (L.TECHNICIAN, {"全国技术能手"})),
        ({"rank": 5, "award": AwardClass.EXCELLENCE}, (L.TECHNICIAN, {"全国技术能手"})),
        ({"rank": 6, "award": AwardClass.EXCELLENCE}, (L.TECHNICIAN, set())),
        ({"rank": 23, "award": AwardClass.EXCELLENCE}, (L.TECHNICIAN, set())),
        ({"rank": 30, "award": None}, (None, set())),
        (
            {"rank": 2, "award": AwardClass.SILVER, "current_level": L.TECHNICIAN},
            (L.SENIOR_TECHNICIAN, {"全国技术能手"}),
        ),
        (
            {"rank": 2, "award": AwardClass.SILVER, "current_level": L.SENIOR_WORKER},
            (L.TECHNICIAN, {"全国技术能手"}),
        ),
        (
            {"rank": 2, "award": AwardClass.SILVER, "current_level": L.SENIOR_TECHNICIAN},
            (None, {"全国技术能手"}),
        ),
        ({"rank": 3, "award": AwardClass.BRONZE, "team_size": 2}, (L.TECHNICIAN, {"全国技术能手"})),
        ({"rank": 4, "award": AwardClass.EXCELLENCE, "team_size": 2}, (L.TECHNICIAN, set())),
        ({"rank": 2, "award": AwardClass.SILVER, "team_size": 3}, (L.TECHNICIAN, {"全国技术能手"})),
        ({"rank": 3, "award": AwardClass.BRONZE, "team_size": 3}, (L.TECHNICIAN, set())),
        ({"rank": 1, "award": AwardClass.GOLD, "tier": P1}, (None, set())),
    ],
)
def test_national_contest(changes, expected):
    assert outcome("national-skills-contest", **{"tier": NAT, **changes}) == expected


def test_national_capped_competitor_is_told_why():
    decisions = evaluate(
        load_preset("national-skills-contest"),
        [make_facts(tier=NAT, rank=2, award=AwardClass.SILVER, current_level=L.SENIOR_TECHNICIAN)],
        today=TODAY,
    )
    (promo,) = [d for d in decisions if d.kind is DecisionKind.PROMOTION]
    assert promo.status is DecisionStatus.NO_EFFECT
    assert "晋升上限" in promo.reason and "一级/高级技师" in promo.reason
    assert "银牌" in promo.facts_text


# 黑龙江 竞赛管理办法 arts. 21–24, 市级 derived one level below
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"tier": P1, "rank": 1}, (L.SENIOR_TECHNICIAN, {"龙江技术能手"})),
        ({"tier": P1, "rank": 3}, (L.SENIOR_TECHNICIAN, {"龙江技术能手"})),
        ({"tier": P1, "rank": 4}, (L.TECHNICIAN, set())),
        ({"tier": P1, "rank": 10}, (L.TECHNICIAN, set())),
        ({"tier": P1, "rank": 11}, (L.SENIOR_WORKER, set())),
        ({"tier": P1, "rank": 40, "all_parts_passed": False}, (None, set())),
        ({"tier": P1, "rank": None}, (None, set())),
        ({"tier": P1, "rank": 5, "current_level": L.TECHNICIAN}, (None, set())),
        ({"tier": P1, "rank": 5, "current_level": L.SENIOR_WORKER}, (L.TECHNICIAN, set())),
        ({"tier": P2, "rank": 1}, (L.SENIOR_TECHNICIAN, set())),
        ({"tier": P2, "rank": 2}, (L.TECHNICIAN, set())),
        ({"tier": P2, "rank": 5}, (L.TECHNICIAN, set())),
        ({"tier": P2, "rank": 6}, (None, set())),
        ({"tier": M1, "rank": 3}, (L.TECHNICIAN, set())),
        ({"tier": M1, "rank": 4}, (L.SENIOR_WORKER, set())),
        ({"tier": M1, "rank": 10}, (L.SENIOR_WORKER, set())),
        ({"tier": M1, "rank": 11}, (L.INTERMEDIATE_WORKER, set())),
        ({"tier": M2, "rank": 1}, (L.TECHNICIAN, set())),
        ({"tier": M2, "rank": 5}, (L.SENIOR_WORKER, set())),
        ({"tier": M2, "rank": 6}, (None, set())),
        ({"tier": Tier.DISTRICT, "rank": 1}, (None, set())),
    ],
)
def test_heilongjiang(changes, expected):
    assert outcome("heilongjiang-contest-measures", **changes) == expected


def test_heilongjiang_municipal_rules_are_computed_from_provincial_ones():
    ruleset = load_preset("heilongjiang-contest-measures")
    assert {r.id for r in ruleset.rules}.isdisjoint({"municipal/p1-rank-1-3"})
    derived = {r.id: r for r in ruleset.effective_rules if r.derived_from}
    assert set(derived) == {
        "municipal/p1-rank-1-3",
        "municipal/p1-rank-4-10",
        "municipal/p1-passed",
        "municipal/p2-rank-1",
        "municipal/p2-rank-2-5",
    }
    for rule in derived.values():
        base = ruleset.rule(rule.derived_from)
        assert rule.outcome.level == base.outcome.level.below()
        assert rule.when.rank_min == base.when.rank_min and rule.when.rank_max == base.when.rank_max
        assert "降一级" in rule.source and base.source in rule.source


# 四川 2016 省一类 职工大赛
@pytest.mark.parametrize(
    ("changes", "level"),
    [
        ({"rank": 1}, L.SENIOR_TECHNICIAN),
        ({"rank": 3, "joint_rank": True}, L.SENIOR_TECHNICIAN),
        ({"rank": 4}, L.TECHNICIAN),
        ({"rank": 8}, L.TECHNICIAN),
        ({"rank": 9}, L.SENIOR_WORKER),
        ({"rank": 47}, L.SENIOR_WORKER),
        ({"rank": 9, "all_parts_passed": False}, None),
        ({"rank": 1, "group": STUDENT}, None),
        ({"rank": 1, "tier": P2}, None),
        ({"rank": 2, "current_level": L.SENIOR_TECHNICIAN}, None),
    ],
)
def test_sichuan(changes, level):
    assert outcome("sichuan-2016-staff", **{"tier": P1, **changes})[0] is level


def test_sichuan_passing_rule_says_which_facts_it_used():
    decisions = evaluate(load_preset("sichuan-2016-staff"), [make_facts(tier=P1, rank=20)], today=TODAY)
    (granted,) = [d for d in decisions if d.is_promotion]
    assert "各部分均合格" in granted.facts_text
    assert granted.outcome_text == "晋升 三级/高级工"
