"""Eligibility (资格审查) of one applicant for one event, decided by a pure function.

:func:`check_eligibility` takes the event's rules (:class:`EventRules`), the applicant
(:class:`Applicant`) and the current entry counts (:class:`EntryCounts`) and returns an
:class:`EligibilityResult`: every failed check names its rule (:class:`Check`) and gives the reason in
Chinese, e.g. ``年龄：报名参考日 2025-10-26 时 51 岁，超过上限 50 岁``. All checks run, so the page
can list every problem at once.

The rules are those seen in contest notices (DOMAIN.md §3–§4): an age range at a reference date
(national contest 16 to retirement age; 江苏状元大赛 staff ≤ 50, students ≤ 22), the groups' statuses,
a minimum or maximum current skill level, years in the occupation, a region (household registration
or social insurance), a quota per unit, a capacity with a wait list, and earlier title holders who may
compete but are not ranked for awards (their places pass down, 递补). Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from competition import domain
from competition.domain import Group, SkillLevel
from competition.errors import N_, DomainError, fmt, joined

__all__ = [
    "Applicant",
    "Check",
    "EligibilityResult",
    "EntryCounts",
    "EventRules",
    "FailedCheck",
    "Status",
    "TitleHolderPolicy",
    "age_on",
    "check_eligibility",
    "statuses_for_group",
]


class Status(StrEnum):
    """What an applicant is (身份): the group of an event admits some of these."""

    EMPLOYEE = "employee"
    STUDENT = "student"
    TEACHER = "teacher"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``职工``."""
        return {"employee": N_("职工"), "student": N_("学生"), "teacher": N_("教师")}[self.value]


def statuses_for_group(group: Group) -> frozenset[Status]:
    """The statuses a group admits by default (DOMAIN.md §1): 职工组 = employees and teachers,
    学生组 = students, 教师组 = teachers. A contest may narrow this in :attr:`EventRules.allowed_statuses`.
    """
    return {
        Group.STAFF: frozenset({Status.EMPLOYEE, Status.TEACHER}),
        Group.STUDENT: frozenset({Status.STUDENT}),
        Group.TEACHER: frozenset({Status.TEACHER}),
    }[group]


class Check(StrEnum):
    """The name of an eligibility rule; ``label`` prefixes each reason (``年龄：…``)."""

    AGE = "age"
    STATUS = "status"
    LEVEL = "level"
    EXPERIENCE = "experience"
    REGION = "region"
    UNIT_QUOTA = "unit_quota"
    TITLE = "title"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``年龄``."""
        return _CHECK_LABELS[self]


_CHECK_LABELS = {
    Check.AGE: N_("年龄"),
    Check.STATUS: N_("身份"),
    Check.LEVEL: N_("技能等级"),
    Check.EXPERIENCE: N_("从业年限"),
    Check.REGION: N_("地域"),
    Check.UNIT_QUOTA: N_("单位名额"),
    Check.TITLE: N_("已获称号"),
}


class TitleHolderPolicy(StrEnum):
    """What happens to holders of an earlier title named in :attr:`EventRules.restricted_titles`."""

    ALLOWED = "allowed"
    NOT_RANKED = "not_ranked"
    EXCLUDED = "excluded"

    @property
    def label(self) -> str:
        """Chinese description, e.g. ``可参赛但不参与奖项排名``."""
        return {
            "allowed": N_("可参赛并参与排名"),
            "not_ranked": N_("可参赛但不参与奖项排名"),
            "excluded": N_("不得参赛"),
        }[self.value]


@dataclass(frozen=True, slots=True)
class EventRules:
    """An event's eligibility rules; ``None`` or an empty set means "no such rule".

    - ``reference_date``: the date ages are computed at (报名参考日, e.g. the first contest day).
    - ``min_age``/``max_age``: whole years at ``reference_date``, both inclusive.
    - ``allowed_statuses``: non-empty; see :func:`statuses_for_group`.
    - ``min_level``/``max_level``: bounds on the applicant's current level, inclusive.
    - ``min_years_in_occupation``: whole years, inclusive.
    - ``region_prefixes``: GB/T 2260 code prefixes (2–6 digits, e.g. ``"3206"`` = 南通); the household
      registration or the social-insurance region must start with one of them.
    - ``max_entries_per_unit``: approved entries per unit, at least 1.
    - ``capacity``: approved entries in the event; beyond it eligible applicants are wait-listed.
    - ``restricted_titles``/``title_holder_policy``: holders of any of these titles are treated by the
      policy (default: may compete, not ranked for awards).

    Raises :class:`DomainError` naming the field when the rules contradict themselves (an organizer's
    mistake): min above max, negative counts, an empty status set, a malformed region prefix.
    """

    reference_date: date
    min_age: int | None = None
    max_age: int | None = None
    allowed_statuses: frozenset[Status] = frozenset(Status)
    min_level: SkillLevel | None = None
    max_level: SkillLevel | None = None
    min_years_in_occupation: int | None = None
    region_prefixes: frozenset[str] = frozenset()
    max_entries_per_unit: int | None = None
    capacity: int | None = None
    restricted_titles: frozenset[str] = frozenset()
    title_holder_policy: TitleHolderPolicy = TitleHolderPolicy.NOT_RANKED

    def __post_init__(self) -> None:
        for name in ("min_age", "max_age", "min_years_in_occupation", "capacity"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise DomainError(N_("%(name)s不能为负数"), name=_RULE_FIELD_LABELS[name], field=name)
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise DomainError(
                N_("年龄下限 %(min_age)s 岁高于上限 %(max_age)s 岁"),
                min_age=self.min_age,
                max_age=self.max_age,
                field="max_age",
            )
        if self.min_level is not None and self.max_level is not None and self.min_level > self.max_level:
            raise DomainError(
                N_("最低等级“%(min_level)s”高于最高等级“%(max_level)s”"),
                min_level=self.min_level.label,
                max_level=self.max_level.label,
                field="max_level",
            )
        if not self.allowed_statuses:
            raise DomainError(N_("至少须允许一种报名身份"), field="allowed_statuses")
        if self.max_entries_per_unit is not None and self.max_entries_per_unit < 1:
            raise DomainError(N_("每单位限报人数至少为 1"), field="max_entries_per_unit")
        for prefix in self.region_prefixes:
            if not (2 <= len(prefix) <= 6 and prefix.isascii() and prefix.isdigit()):
                raise DomainError(
                    N_("地区代码前缀“%(prefix)s”应为 2–6 位数字"), prefix=prefix, field="region_prefixes"
                )


_RULE_FIELD_LABELS = {
    "min_age": "年龄下限",
    "max_age": "年龄上限",
    "min_years_in_occupation": "从业年限要求",
    "capacity": "赛项名额",
}


@dataclass(frozen=True, slots=True)
class Applicant:
    """The facts about one applicant that eligibility depends on.

    ``current_level`` is ``None`` when no skill-level certificate is held; ``years_in_occupation`` is
    whole years (≥ 0); ``household_region``/``social_insurance_region`` are 6-digit GB/T 2260 codes
    or ``None``; ``unit_key`` identifies the employer or school; ``titles`` are honour-title names
    already held (compared exactly with :attr:`EventRules.restricted_titles`).
    """

    birth_date: date
    status: Status
    unit_key: str
    current_level: SkillLevel | None = None
    years_in_occupation: int = 0
    household_region: str | None = None
    social_insurance_region: str | None = None
    titles: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class EntryCounts:
    """Approved entries at decision time, not counting the application being decided.

    ``unit_approved``: of the applicant's unit in this event; ``event_approved``: in the whole event.
    """

    unit_approved: int = 0
    event_approved: int = 0


@dataclass(frozen=True, slots=True)
class FailedCheck:
    """One failed rule: ``check`` names it, ``reason`` explains it in Chinese (without the label)."""

    check: Check
    reason: str

    @property
    def message(self) -> str:
        """``label：reason``, e.g. ``年龄：报名参考日 2025-10-26 时 51 岁，超过上限 50 岁`` (marked: shown
        translated)."""
        return fmt(N_("%(check)s：%(reason)s"), check=self.check.label, reason=self.reason)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """The decision.

    - ``eligible``: every check passed (``failed`` is empty).
    - ``waitlisted``: eligible, but the event is at capacity — the entry goes on the wait list.
    - ``not_ranked_for_awards``: eligible, but as an earlier title holder not ranked for awards.
    - ``failed``: the failed checks, in the order of :class:`Check`.
    - ``notes``: Chinese explanations of the wait list or "not ranked" status, for the page.
    - ``age``: whole years at the reference date.
    """

    eligible: bool
    waitlisted: bool
    not_ranked_for_awards: bool
    age: int
    failed: tuple[FailedCheck, ...] = ()
    notes: tuple[str, ...] = field(default=())


def age_on(birth_date: date, reference_date: date) -> int:
    """Age in whole years (周岁) at ``reference_date``.

    A year is added on each birthday; someone born on 29 February turns a year older on 1 March in
    common years (28 February is still the day before the birthday). Raises :class:`DomainError`
    (``field="birth_date"``) when the birth date is after the reference date.
    """
    if birth_date > reference_date:
        raise DomainError(
            N_("出生日期 %(isoformat)s 晚于报名参考日 %(isoformat2)s"),
            isoformat=birth_date.isoformat(),
            isoformat2=reference_date.isoformat(),
            field="birth_date",
        )
    return domain.age_on(birth_date, reference_date)


def check_eligibility(rules: EventRules, applicant: Applicant, counts: EntryCounts) -> EligibilityResult:
    """Decide whether ``applicant`` may enter the event governed by ``rules``.

    Runs every check (age, status, level, years in occupation, region, unit quota, earlier titles)
    and reports each failure; capacity never fails an applicant but puts an eligible one on the wait
    list. Raises :class:`DomainError` only for impossible input (birth date after the reference date,
    negative years or counts).
    """
    if applicant.years_in_occupation < 0:
        raise DomainError(N_("从业年限不能为负数"), field="years_in_occupation")
    if counts.unit_approved < 0 or counts.event_approved < 0:
        raise DomainError(N_("已审核通过人数不能为负数"), field="counts")
    age = age_on(applicant.birth_date, rules.reference_date)
    failed: list[FailedCheck] = []
    notes: list[str] = []

    ref = rules.reference_date.isoformat()
    if rules.max_age is not None and age > rules.max_age:
        failed.append(
            FailedCheck(
                Check.AGE,
                fmt(
                    N_("报名参考日 %(ref)s 时 %(age)d 岁，超过上限 %(limit)d 岁"),
                    ref=ref,
                    age=age,
                    limit=rules.max_age,
                ),
            )
        )
    if rules.min_age is not None and age < rules.min_age:
        failed.append(
            FailedCheck(
                Check.AGE,
                fmt(
                    N_("报名参考日 %(ref)s 时 %(age)d 岁，未满下限 %(limit)d 岁"),
                    ref=ref,
                    age=age,
                    limit=rules.min_age,
                ),
            )
        )

    if applicant.status not in rules.allowed_statuses:
        allowed = joined(s.label for s in Status if s in rules.allowed_statuses)
        failed.append(
            FailedCheck(
                Check.STATUS,
                fmt(
                    N_("身份为“%(status)s”，本赛项只接受%(allowed)s报名"),
                    status=applicant.status.label,
                    allowed=allowed,
                ),
            )
        )

    level = applicant.current_level
    if rules.min_level is not None:
        if level is None:
            failed.append(
                FailedCheck(
                    Check.LEVEL,
                    fmt(N_("未持有职业技能等级，本赛项要求不低于“%(level)s”"), level=rules.min_level.label),
                )
            )
        elif level < rules.min_level:
            failed.append(
                FailedCheck(
                    Check.LEVEL,
                    fmt(
                        N_("现有等级“%(level)s”低于本赛项要求的“%(required)s”"),
                        level=level.label,
                        required=rules.min_level.label,
                    ),
                )
            )
    if rules.max_level is not None and level is not None and level > rules.max_level:
        failed.append(
            FailedCheck(
                Check.LEVEL,
                fmt(
                    N_("现有等级“%(level)s”高于本赛项允许的最高等级“%(allowed)s”"),
                    level=level.label,
                    allowed=rules.max_level.label,
                ),
            )
        )

    years = applicant.years_in_occupation
    if rules.min_years_in_occupation is not None and years < rules.min_years_in_occupation:
        failed.append(
            FailedCheck(
                Check.EXPERIENCE,
                fmt(
                    N_("从事本职业 %(years)d 年，不满要求的 %(required)d 年"),
                    years=years,
                    required=rules.min_years_in_occupation,
                ),
            )
        )

    if rules.region_prefixes:
        failed.extend(_region_check(rules.region_prefixes, applicant))

    quota = rules.max_entries_per_unit
    if quota is not None and counts.unit_approved >= quota:
        failed.append(
            FailedCheck(
                Check.UNIT_QUOTA,
                fmt(
                    N_("本单位已有 %(n)d 名选手获准参加本赛项，达到每单位限报 %(quota)d 名"),
                    n=counts.unit_approved,
                    quota=quota,
                ),
            )
        )

    held = sorted(applicant.titles & rules.restricted_titles)
    names = joined(f"“{t}”" for t in held)
    not_ranked = False
    if held:
        if rules.title_holder_policy is TitleHolderPolicy.EXCLUDED:
            failed.append(
                FailedCheck(Check.TITLE, fmt(N_("已获得%(names)s称号，不得参加本赛项"), names=names))
            )
        elif rules.title_holder_policy is TitleHolderPolicy.NOT_RANKED:
            not_ranked = True

    eligible = not failed
    waitlisted = eligible and rules.capacity is not None and counts.event_approved >= rules.capacity
    if eligible and not_ranked:
        notes.append(
            fmt(N_("已获得%(names)s称号：可参赛，但不参与奖项排名，其名次由后续选手递补"), names=names)
        )
    if waitlisted:
        notes.append(
            fmt(
                N_("本赛项名额已满（已通过 %(n)d 人，名额 %(capacity)d 人），列入候补名单"),
                n=counts.event_approved,
                capacity=rules.capacity,
            )
        )
    return EligibilityResult(
        eligible=eligible,
        waitlisted=waitlisted,
        not_ranked_for_awards=eligible and not_ranked,
        age=age,
        failed=tuple(failed),
        notes=tuple(notes),
    )


def _region_check(prefixes: frozenset[str], applicant: Applicant) -> list[FailedCheck]:
    places = [
        (N_("户籍地"), applicant.household_region),
        (N_("社保缴纳地"), applicant.social_insurance_region),
    ]
    if any(code and code.startswith(tuple(prefixes)) for _, code in places):
        return []
    allowed = joined(sorted(prefixes))
    known = [fmt(N_("%(place)s %(code)s"), place=name, code=code) for name, code in places if code]
    if not known:
        return [
            FailedCheck(
                Check.REGION,
                fmt(
                    N_("未提供户籍地或社保缴纳地，本赛项限地区代码 %(allowed)s 开头的人员报名"),
                    allowed=allowed,
                ),
            )
        ]
    template = (
        N_("%(places)s 均不在本赛项限定的地区（代码 %(allowed)s 开头）内")
        if len(known) > 1
        else N_("%(places)s 不在本赛项限定的地区（代码 %(allowed)s 开头）内")
    )
    return [FailedCheck(Check.REGION, fmt(template, places=joined(known), allowed=allowed))]
