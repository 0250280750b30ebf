"""Shared terms of the field (DOMAIN.md §1–§2), pure: standard library only.

The skill-level ladder (新八级工), contest tiers, groups, part kinds and award
classes are ``StrEnum``s whose values are stored in the database and whose
``label`` is the Chinese term shown in the interface.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from competition.errors import N_, DomainError


class SkillLevel(StrEnum):
    """A rung of the skill-level ladder, lowest first (DOMAIN.md §2; 中办发〔2022〕58号).

    ``grade`` is the national number (5 = 初级工 … 1 = 高级技师) or ``None`` for
    学徒工, 特级技师 and 首席技师, which carry no number.
    """

    APPRENTICE = "apprentice"
    JUNIOR_WORKER = "junior_worker"
    INTERMEDIATE_WORKER = "intermediate_worker"
    SENIOR_WORKER = "senior_worker"
    TECHNICIAN = "technician"
    SENIOR_TECHNICIAN = "senior_technician"
    PRINCIPAL_TECHNICIAN = "principal_technician"
    CHIEF_TECHNICIAN = "chief_technician"

    @property
    def rank(self) -> int:
        """Position on the ladder, 0 (学徒工) … 7 (首席技师)."""
        return _RANKS[self]

    @property
    def grade(self) -> int | None:
        """National grade number 5…1, or ``None`` for rungs without a number."""
        return _GRADES.get(self)

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``高级工``."""
        return _LEVEL_LABELS[self]

    @property
    def certificate_label(self) -> str:
        """The form written on certificates, e.g. ``三级/高级工``; plain name when there is no grade."""
        return _CERTIFICATE_LABELS.get(self, self.label)

    def above(self, steps: int = 1) -> SkillLevel:
        """The level ``steps`` rungs higher, capped at the top of the ladder."""
        return _LADDER[min(self.rank + steps, len(_LADDER) - 1)]

    def below(self, steps: int = 1) -> SkillLevel:
        """The level ``steps`` rungs lower, floored at 学徒工."""
        return _LADDER[max(self.rank - steps, 0)]

    def __lt__(self, other: object) -> bool:  # ladder order, not alphabetical
        if not isinstance(other, SkillLevel):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, SkillLevel):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, SkillLevel):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, SkillLevel):
            return NotImplemented
        return self.rank >= other.rank

    @classmethod
    def parse(cls, text: str) -> SkillLevel:
        """Read a level from its code, Chinese name, grade or certificate form.

        Accepts ``technician``, ``技师``, ``二级``, ``2``, ``二级/技师``, ``二级／技师``.
        Raises :class:`DomainError` naming the text when it is not a level.
        """
        key = str(text).strip().replace("／", "/")
        if key in _PARSE:
            return _PARSE[key]
        if "/" in key:
            grade_part, name_part = (p.strip() for p in key.split("/", 1))
            level = _PARSE.get(name_part)
            if level is not None and _PARSE.get(grade_part) is level:
                return level
        raise DomainError(N_("无法识别的职业技能等级：“%(text)s”"), text=text)


_LADDER: tuple[SkillLevel, ...] = tuple(SkillLevel)
#: Ladder positions looked up, not searched: the promotion engine compares levels for every decision.
_RANKS: dict[SkillLevel, int] = {level: i for i, level in enumerate(_LADDER)}
_LEVEL_LABELS = {
    SkillLevel.APPRENTICE: N_("学徒工"),
    SkillLevel.JUNIOR_WORKER: N_("初级工"),
    SkillLevel.INTERMEDIATE_WORKER: N_("中级工"),
    SkillLevel.SENIOR_WORKER: N_("高级工"),
    SkillLevel.TECHNICIAN: N_("技师"),
    SkillLevel.SENIOR_TECHNICIAN: N_("高级技师"),
    SkillLevel.PRINCIPAL_TECHNICIAN: N_("特级技师"),
    SkillLevel.CHIEF_TECHNICIAN: N_("首席技师"),
}
_GRADES = {
    SkillLevel.JUNIOR_WORKER: 5,
    SkillLevel.INTERMEDIATE_WORKER: 4,
    SkillLevel.SENIOR_WORKER: 3,
    SkillLevel.TECHNICIAN: 2,
    SkillLevel.SENIOR_TECHNICIAN: 1,
}
_GRADE_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}
_CERTIFICATE_LABELS = {
    SkillLevel.JUNIOR_WORKER: N_("五级/初级工"),
    SkillLevel.INTERMEDIATE_WORKER: N_("四级/中级工"),
    SkillLevel.SENIOR_WORKER: N_("三级/高级工"),
    SkillLevel.TECHNICIAN: N_("二级/技师"),
    SkillLevel.SENIOR_TECHNICIAN: N_("一级/高级技师"),
}
_PARSE: dict[str, SkillLevel] = {}
for _level in _LADDER:
    _PARSE[_level.value] = _level
    _PARSE[_level.label] = _level
    if _level.grade is not None:
        _PARSE[f"{_GRADE_NUMERALS[_level.grade]}级"] = _level
        _PARSE[str(_level.grade)] = _level
        _PARSE[_level.certificate_label] = _level


class Tier(StrEnum):
    """Contest tier (竞赛级别/类别), DOMAIN.md §1."""

    WORLDSKILLS = "worldskills"
    NATIONAL_1 = "national_1"
    NATIONAL_2 = "national_2"
    PROVINCIAL_1 = "provincial_1"
    PROVINCIAL_2 = "provincial_2"
    MUNICIPAL_1 = "municipal_1"
    MUNICIPAL_2 = "municipal_2"
    DISTRICT = "district"
    INDUSTRY = "industry"
    ENTERPRISE = "enterprise"
    SCHOOL = "school"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``市级一类``."""
        return _TIER_LABELS[self]


_TIER_LABELS = {
    Tier.WORLDSKILLS: N_("世界技能大赛"),
    Tier.NATIONAL_1: N_("国家级一类"),
    Tier.NATIONAL_2: N_("国家级二类"),
    Tier.PROVINCIAL_1: N_("省级一类"),
    Tier.PROVINCIAL_2: N_("省级二类"),
    Tier.MUNICIPAL_1: N_("市级一类"),
    Tier.MUNICIPAL_2: N_("市级二类"),
    Tier.DISTRICT: N_("县（区）级"),
    Tier.INDUSTRY: N_("行业"),
    Tier.ENTERPRISE: N_("企业"),
    Tier.SCHOOL: N_("院校"),
}


class Group(StrEnum):
    """Competitor group (组别) of an event."""

    STAFF = "staff"
    STUDENT = "student"
    TEACHER = "teacher"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``职工组``."""
        return {"staff": N_("职工组"), "student": N_("学生组"), "teacher": N_("教师组")}[self.value]


class PartKind(StrEnum):
    """A part of an event's assessment, each scored out of 100 and then weighted."""

    THEORY = "theory"
    PRACTICAL = "practical"
    DEFENCE = "defence"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``技能操作``."""
        return {"theory": N_("理论知识"), "practical": N_("技能操作"), "defence": N_("答辩")}[self.value]


class AwardClass(StrEnum):
    """Award (奖项) given by standings; ``order`` is 1 for the highest."""

    FIRST = "first"
    SECOND = "second"
    THIRD = "third"
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"
    EXCELLENCE = "excellence"
    MEDALLION = "medallion"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``一等奖``."""
        return _AWARD_LABELS[self]

    @property
    def order(self) -> int:
        """1 for 一等奖/金牌, 2 for 二等/银, 3 for 三等/铜, 4 for 优胜奖 and 优秀奖."""
        return _AWARD_ORDER[self]


_AWARD_LABELS = {
    AwardClass.FIRST: N_("一等奖"),
    AwardClass.SECOND: N_("二等奖"),
    AwardClass.THIRD: N_("三等奖"),
    AwardClass.GOLD: N_("金牌"),
    AwardClass.SILVER: N_("银牌"),
    AwardClass.BRONZE: N_("铜牌"),
    AwardClass.EXCELLENCE: N_("优胜奖"),
    AwardClass.MEDALLION: N_("优秀奖"),
}
_AWARD_ORDER = {
    AwardClass.FIRST: 1,
    AwardClass.GOLD: 1,
    AwardClass.SECOND: 2,
    AwardClass.SILVER: 2,
    AwardClass.THIRD: 3,
    AwardClass.BRONZE: 3,
    AwardClass.EXCELLENCE: 4,
    AwardClass.MEDALLION: 4,
}


class Gender(StrEnum):
    """Gender as recorded on an ID document."""

    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        """``男`` or ``女``."""
        return N_("男") if self is Gender.MALE else N_("女")


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years (周岁) on ``day``: a year is added on each birthday; someone born on
    29 February turns a year older on 1 March in common years. Used by eligibility and promotion rules."""
    return day.year - birth_date.year - int((day.month, day.day) < (birth_date.month, birth_date.day))
