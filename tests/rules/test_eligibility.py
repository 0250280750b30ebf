"""Eligibility (资格审查): failed checks name their rule; capacity → wait list; title holders → not ranked."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.domain import Group, SkillLevel
from competition.errors import DomainError
from competition.registration.eligibility import (
    Applicant,
    Check,
    EntryCounts,
    EventRules,
    Status,
    TitleHolderPolicy,
    age_on,
    check_eligibility,
    statuses_for_group,
)

REF = date(2025, 10, 26)

RULES = EventRules(
    reference_date=REF,
    min_age=16,
    max_age=50,
    allowed_statuses=statuses_for_group(Group.STAFF),
    min_level=SkillLevel.INTERMEDIATE_WORKER,
    max_level=SkillLevel.TECHNICIAN,
    min_years_in_occupation=2,
    region_prefixes=frozenset({"3206"}),
    max_entries_per_unit=3,
    capacity=40,
    restricted_titles=frozenset({"全国技术能手", "江苏技能状元"}),
)

OK = Applicant(
    birth_date=date(1990, 5, 17),
    status=Status.EMPLOYEE,
    unit_key="unit-1",
    current_level=SkillLevel.SENIOR_WORKER,
    years_in_occupation=8,
    household_region="320602",
    social_insurance_region="320602",
)


def test_an_applicant_meeting_every_rule_is_eligible():
    result = check_eligibility(RULES, OK, EntryCounts(unit_approved=2, event_approved=39))
    assert (result.eligible, result.waitlisted, result.not_ranked_for_awards) == (True, False, False)
    assert result.failed == ()
    assert result.notes == ()
    assert result.age == 35


@pytest.mark.parametrize(
    ("changes", "counts", "check", "message"),
    [
        (
            {"birth_date": date(1974, 10, 25)},
            {},
            Check.AGE,
            "年龄：报名参考日 2025-10-26 时 51 岁，超过上限 50 岁",
        ),
        (
            {"birth_date": date(2009, 10, 27)},
            {},
            Check.AGE,
            "年龄：报名参考日 2025-10-26 时 15 岁，未满下限 16 岁",
        ),
        ({"status": Status.STUDENT}, {}, Check.STATUS, "身份：身份为“学生”，本赛项只接受职工、教师报名"),
        ({"current_level": None}, {}, Check.LEVEL, "技能等级：未持有职业技能等级，本赛项要求不低于“中级工”"),
        ({"current_level": SkillLevel.JUNIOR_WORKER}, {}, Check.LEVEL, "技能等级：现有等级“初级工”低于"),
        ({"current_level": SkillLevel.SENIOR_TECHNICIAN}, {}, Check.LEVEL, "高于本赛项允许的最高等级“技师”"),
        ({"years_in_occupation": 1}, {}, Check.EXPERIENCE, "从业年限：从事本职业 1 年，不满要求的 2 年"),
        (
            {"household_region": "320102", "social_insurance_region": "310101"},
            {},
            Check.REGION,
            "地域：户籍地 320102、社保缴纳地 310101 均不在本赛项限定的地区（代码 3206 开头）内",
        ),
        (
            {"household_region": None, "social_insurance_region": None},
            {},
            Check.REGION,
            "地域：未提供户籍地或社保缴纳地",
        ),
        (
            {},
            {"unit_approved": 3},
            Check.UNIT_QUOTA,
            "单位名额：本单位已有 3 名选手获准参加本赛项，达到每单位限报 3 名",
        ),
    ],
)
def test_each_failed_check_names_its_rule(changes, counts, check, message):
    applicant = replace(OK, **changes)
    result = check_eligibility(RULES, applicant, EntryCounts(**counts))
    assert not result.eligible
    assert not result.waitlisted
    assert [f.check for f in result.failed] == [check]
    assert message in result.failed[0].message
    assert result.failed[0].message.startswith(f"{check.label}：")
    assert str(result.failed[0]) == result.failed[0].message


@pytest.mark.parametrize("birth", [date(1975, 10, 26), date(2009, 10, 26)])
def test_age_limits_are_inclusive(birth):
    assert check_eligibility(RULES, replace(OK, birth_date=birth), EntryCounts()).eligible


def test_every_failure_is_reported_at_once():
    applicant = replace(
        OK,
        birth_date=date(1960, 1, 1),
        status=Status.STUDENT,
        current_level=SkillLevel.APPRENTICE,
        years_in_occupation=0,
        household_region="110101",
        social_insurance_region=None,
    )
    result = check_eligibility(RULES, applicant, EntryCounts(unit_approved=5, event_approved=100))
    assert [f.check for f in result.failed] == [
        Check.AGE,
        Check.STATUS,
        Check.LEVEL,
        Check.EXPERIENCE,
        Check.REGION,
        Check.UNIT_QUOTA,
    ]
    assert not result.waitlisted  # the wait list is only for eligible applicants
    assert "户籍地 110101 不在" in result.failed[4].reason


def test_social_insurance_in_the_region_is_enough():
    applicant = replace(OK, household_region="510104", social_insurance_region="320611")
    assert check_eligibility(RULES, applicant, EntryCounts()).eligible


def test_capacity_puts_an_eligible_applicant_on_the_wait_list():
    result = check_eligibility(RULES, OK, EntryCounts(event_approved=40))
    assert result.eligible
    assert result.waitlisted
    assert result.notes == ("本赛项名额已满（已通过 40 人，名额 40 人），列入候补名单",)


@pytest.mark.parametrize(
    ("policy", "eligible", "not_ranked"),
    [
        (TitleHolderPolicy.NOT_RANKED, True, True),
        (TitleHolderPolicy.ALLOWED, True, False),
        (TitleHolderPolicy.EXCLUDED, False, False),
    ],
)
def test_earlier_title_holders(policy, eligible, not_ranked):
    rules = replace(RULES, title_holder_policy=policy)
    applicant = replace(OK, titles=frozenset({"全国技术能手", "市五一劳动奖章"}))
    result = check_eligibility(rules, applicant, EntryCounts())
    assert (result.eligible, result.not_ranked_for_awards) == (eligible, not_ranked)
    if policy is TitleHolderPolicy.NOT_RANKED:
        assert result.notes == ("已获得“全国技术能手”称号：可参赛，但不参与奖项排名，其名次由后续选手递补",)
    if policy is TitleHolderPolicy.EXCLUDED:
        assert [f.message for f in result.failed] == ["已获称号：已获得“全国技术能手”称号，不得参加本赛项"]


def test_not_ranked_and_wait_listed_together():
    applicant = replace(OK, titles=frozenset({"江苏技能状元"}))
    result = check_eligibility(RULES, applicant, EntryCounts(event_approved=40))
    assert (result.eligible, result.waitlisted, result.not_ranked_for_awards) == (True, True, True)
    assert len(result.notes) == 2


def test_no_rules_admit_anyone():
    rules = EventRules(reference_date=REF)
    applicant = Applicant(birth_date=date(2000, 1, 1), status=Status.STUDENT, unit_key="u")
    assert check_eligibility(rules, applicant, EntryCounts(unit_approved=99, event_approved=999)).eligible


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2000, 2, 29), date(2018, 2, 28), 17),
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        (date(2000, 2, 29), date(2020, 2, 29), 20),
        (date(2000, 2, 29), date(2020, 2, 28), 19),
        (date(1975, 10, 26), date(2025, 10, 26), 50),
        (date(1975, 10, 27), date(2025, 10, 26), 49),
        (date(2025, 10, 26), date(2025, 10, 26), 0),
    ],
)
def test_age_in_whole_years(birth, on, age):
    assert age_on(birth, on) == age


def test_birth_after_reference_date_is_a_domain_error():
    with pytest.raises(DomainError) as err:
        age_on(date(2026, 1, 1), REF)
    assert err.value.field == "birth_date"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 120))
def test_age_matches_the_birthday_definition(birth, years):
    try:
        birthday = birth.replace(year=birth.year + years)
    except ValueError:  # 29 Feb in a common year: the birthday is 1 March
        birthday = date(birth.year + years, 3, 1)
    assert age_on(birth, birthday) == years
    if birthday.toordinal() - 1 >= birth.toordinal():
        assert age_on(birth, date.fromordinal(birthday.toordinal() - 1)) == years - 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"min_age": 30, "max_age": 20}, "max_age"),
        ({"min_level": SkillLevel.TECHNICIAN, "max_level": SkillLevel.SENIOR_WORKER}, "max_level"),
        ({"allowed_statuses": frozenset()}, "allowed_statuses"),
        ({"max_entries_per_unit": 0}, "max_entries_per_unit"),
        ({"capacity": -1}, "capacity"),
        ({"region_prefixes": frozenset({"32a6"})}, "region_prefixes"),
        ({"region_prefixes": frozenset({"3"})}, "region_prefixes"),
    ],
)
def test_contradictory_rules_are_an_organizer_error(changes, field):
    with pytest.raises(DomainError) as err:
        replace(RULES, **changes)
    assert err.value.field == field


def test_statuses_for_groups():
    assert statuses_for_group(Group.STUDENT) == {Status.STUDENT}
    assert statuses_for_group(Group.TEACHER) == {Status.TEACHER}
    assert Status.EMPLOYEE.label == "职工"
    assert Check.UNIT_QUOTA.label == "单位名额"


@given(st.integers(0, 200), st.integers(0, 200))
def test_wait_list_exactly_when_full(capacity, approved):
    rules = replace(RULES, capacity=capacity)
    result = check_eligibility(rules, OK, EntryCounts(event_approved=approved))
    assert result.eligible
    assert result.waitlisted == (approved >= capacity)
