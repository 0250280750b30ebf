"""Promotion rules and the engine that applies them to competition results (DOMAIN.md §4).

Pure: standard library only. Frozen dataclasses and ``StrEnum``s in, dataclasses out; the evaluation date is
an argument, never read from a clock.

Model (after TabbycatDebate's ``breakqual``: a pure engine, variants chosen by stored strings, explicit ties):

* :class:`ResultFacts` — what the standings say about one competitor in one event of one contest;
* :class:`Conditions` — what a :class:`PromotionRule` matches on; every condition given must hold (AND);
  an empty set or ``None`` means "any". To express OR, write two rules;
* :class:`Outcome` — promote to a level, raise by N levels, grant an honour title, or make eligible to apply;
* :class:`RuleSet` — an identified, versioned list of rules with :class:`Settings` (the global level cap,
  one promotion per person per year) and :class:`Derivation`\\ s that compute rules from other rules
  (黑龙江: 市级 = one level below the provincial rule);
* :func:`evaluate` — decisions for a batch of results: granted, pending, superseded, blocked, no effect.

Ties at a cut-off follow the standings' joint ranks (standard competition ranking, 1, 2, 2, 4): a joint rank
is compared by its rank number, so a competitor tied at a rank inside the cut-off is inside (DOMAIN.md §3;
天津 2024 "前10名" read as ranks 1–10 including joint ranks).
"""

from __future__ import annotations

import operator
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from competition.domain import AwardClass, Gender, Group, SkillLevel, Tier, age_on
from competition.errors import N_, DomainError, InvariantError, Text, fmt, joined

#: The largest team a rule can name (events allow teams of 1 to 10: ``contests.models.Event``).
MAX_TEAM_SIZE = 10
TEAM_SIZES = frozenset(range(1, MAX_TEAM_SIZE + 1))
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")
_SEP = ", "


class Rounding(StrEnum):
    """How a top-percentage cut-off is rounded to a whole number of competitors.

    Not published by any source in DOMAIN.md §4, so each rule names it (天津 企业/院校 "前30%").
    """

    FLOOR = "floor"
    CEIL = "ceil"
    HALF_UP = "half_up"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``向下取整``."""
        return {"floor": N_("向下取整"), "ceil": N_("向上取整"), "half_up": N_("四舍五入")}[self.value]

    def apply(self, value: Decimal) -> int:
        """``value`` rounded to an ``int`` by this mode (``Decimal`` in, exact)."""
        mode = {"floor": ROUND_FLOOR, "ceil": ROUND_CEILING, "half_up": ROUND_HALF_UP}[self.value]
        return int(value.to_integral_value(rounding=mode))


class AgeBasis(StrEnum):
    """The date at which an age limit is measured: the contest date or a fixed date named by the rule."""

    CONTEST_DATE = "contest_date"
    FIXED_DATE = "fixed_date"


class IfHeld(StrEnum):
    """What a promote/eligible rule gives a competitor who already holds the target level or higher.

    The "已有 →" column of DOMAIN.md §4: ``next_level`` = one level above the current one
    (天津 市级一类 staff: already 技师 → 高级技师); ``nothing`` = no promotion (天津 students: "—").
    """

    NEXT_LEVEL = "next_level"
    NOTHING = "nothing"


class OutcomeKind(StrEnum):
    """Kind of a rule's outcome."""

    PROMOTE = "promote"
    RAISE = "raise"
    TITLE = "title"
    ELIGIBLE = "eligible"


class DecisionKind(StrEnum):
    """What a decision is about. Promotions and titles are separate: one result may earn both."""

    PROMOTION = "promotion"
    ELIGIBILITY = "eligibility"
    TITLE = "title"
    NONE = "none"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``晋升``."""
        return {
            "promotion": N_("晋升"),
            "eligibility": N_("申报资格"),
            "title": N_("荣誉称号"),
            "none": N_("无"),
        }[self.value]


class DecisionStatus(StrEnum):
    """The state of a decision.

    ``granted`` — applies; ``pending`` — would apply but the result is not final yet (公示 not over);
    ``superseded`` — another rule for the same result gives a higher outcome; ``blocked`` — the person already
    has a competition promotion that calendar year; ``no_effect`` — the rule matched but gives nothing
    (already holds the level, or the cap); ``no_match`` — no rule of the set matches the result.
    """

    GRANTED = "granted"
    PENDING = "pending"
    SUPERSEDED = "superseded"
    BLOCKED = "blocked"
    NO_EFFECT = "no_effect"
    NO_MATCH = "no_match"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``已授予``."""
        return {
            "granted": N_("已授予"),
            "pending": N_("待生效"),
            "superseded": N_("已被更高结果取代"),
            "blocked": N_("受每年一次限制"),
            "no_effect": N_("不产生晋升"),
            "no_match": N_("不符合条件"),
        }[self.value]


#: Members the engine tests for every decision, looked up once (class attribute access to an enumeration
#: member goes through a descriptor on Python 3.11).
_GRANTED = DecisionStatus.GRANTED
_NO_EFFECT = DecisionStatus.NO_EFFECT
_LIVE = frozenset((DecisionStatus.GRANTED, DecisionStatus.PENDING))
_PROMOTION = DecisionKind.PROMOTION
_ELIGIBILITY = DecisionKind.ELIGIBILITY
_TITLE = DecisionKind.TITLE
_STATUS_LABELS: dict[DecisionStatus, str] = {status: status.label for status in DecisionStatus}

#: Labels computed once (the enums build them on each call): the engine writes them for every result.
_LEVEL_TEXTS: dict[SkillLevel | None, str] = {
    None: N_("原等级 无"),
    **{level: fmt(N_("原等级 %(level)s"), level=level.certificate_label) for level in SkillLevel},
}
_LABELS: dict[StrEnum, str] = {member: member.label for enum in (Tier, Group) for member in enum}


def _check_id(value: str, name: str) -> None:
    if not isinstance(value, str) or not _ID_PATTERN.match(value):
        raise DomainError(
            N_("标识“%(value)s”无效：只能使用字母、数字和 _ . - /，且以字母或数字开头"),
            value=value,
            field=name,
        )


def _frozen(value: Iterable[object]) -> frozenset:
    return value if isinstance(value, frozenset) else frozenset(value)


def percent_cutoff(entrants: int, percent: Decimal, rounding: Rounding) -> int:
    """Number of competitors inside "top ``percent`` %" of ``entrants``.

    ``entrants`` ≥ 0 (a count), ``percent`` in (0, 100] as a ``Decimal``; the product is rounded by
    ``rounding``. Example: 30 % of 47 = 14.1 → 14 (floor), 15 (ceil), 14 (half-up). May be 0 for tiny events.
    """
    return rounding.apply(Decimal(entrants) * percent / Decimal(100))


# --------------------------------------------------------------------------------------------------- facts


@dataclass(frozen=True, kw_only=True)
class PriorPromotion:
    """A competition promotion already granted to the person by another contest.

    ``final_date`` is the date that result became final; its calendar year is the year the promotion counts
    against (天津 2024: at most one competition promotion per person per year).
    """

    contest_key: str
    contest_name: str
    level: SkillLevel
    final_date: date


@dataclass(frozen=True, kw_only=True)
class ResultFacts:
    """The facts about one competitor (or team member) in one event of one contest, from the standings.

    Shapes: ``rank`` ≥ 1 or ``None`` when not ranked (e.g. 递补 title holders); ``joint_rank`` marks a shared
    rank (并列); ``entrants`` ≥ 1 is the number of ranked entries in the event (teams for team events);
    ``total`` is the exact weighted total (``Decimal``, out of 100); ``team_size`` is 1 (individual) to
    :data:`MAX_TEAM_SIZE`;
    ``final_date`` is when the result became final (after 公示) or ``None`` if it is not final yet;
    ``prior_promotions`` are competition promotions from other contests (any year; only the year of this
    result counts). ``contest_name``/``event_name`` are for messages; the keys are opaque identifiers.

    Raises :class:`InvariantError` for inconsistent facts (they come from our own standings: a bug).
    """

    person_key: str
    contest_key: str
    event_key: str
    tier: Tier
    group: Group
    rank: int | None
    joint_rank: bool = False
    entrants: int
    award: AwardClass | None = None
    all_parts_passed: bool
    total: Decimal
    team_size: int = 1
    birth_date: date
    gender: Gender
    current_level: SkillLevel | None
    contest_date: date
    final_date: date | None
    prior_promotions: tuple[PriorPromotion, ...] = ()
    contest_name: str = ""
    event_name: str = ""

    def __post_init__(self) -> None:
        if not self.person_key or not self.contest_key or not self.event_key:
            raise InvariantError("ResultFacts needs person_key, contest_key and event_key")
        if self.entrants < 1:
            raise InvariantError(f"entrants must be ≥ 1, got {self.entrants}")
        if self.rank is not None and not 1 <= self.rank <= self.entrants:
            raise InvariantError(f"rank {self.rank} outside 1..{self.entrants}")
        if self.rank is None and self.joint_rank:
            raise InvariantError("joint_rank without a rank")
        if self.team_size not in TEAM_SIZES:
            raise InvariantError(f"team_size must be 1..{MAX_TEAM_SIZE}, got {self.team_size}")
        if not isinstance(self.total, Decimal):
            raise InvariantError("total must be a Decimal")
        if type(self.prior_promotions) is not tuple:
            object.__setattr__(self, "prior_promotions", tuple(self.prior_promotions))

    @classmethod
    def of(cls, shared: Mapping[str, Any], **values: Any) -> ResultFacts:
        """``ResultFacts(**shared, **values)``, checks included (see :meth:`maker`)."""
        return cls.maker(shared)(**values)

    @classmethod
    def maker(cls, shared: Mapping[str, Any]) -> Callable[..., ResultFacts]:
        """A function building ``ResultFacts(**shared, **values)`` from ``values``, checks included, for a
        caller building the facts of many results of one event: ``shared`` holds the fields common to
        them (contest, event, tier …). Skips the generated ``__init__``, which sets each of the twenty
        fields through ``object.__setattr__`` (measured: most of the cost of building a year's facts).
        Raises :class:`TypeError` for an unknown or missing field (here for ``shared``, at the call for
        ``values``), :class:`InvariantError` as the constructor."""
        unknown = set(shared) - _FACT_FIELDS
        if unknown:
            raise TypeError(f"ResultFacts: unknown fields {sorted(unknown)}")
        base = {**_FACT_DEFAULTS, **shared}
        needed = frozenset(name for name in _FACT_REQUIRED if name not in shared)
        count = len(_FACT_FIELDS)
        new = object.__new__
        set_dict = object.__setattr__

        def make(**values: Any) -> ResultFacts:
            attrs = base.copy()
            attrs.update(values)
            if len(attrs) != count or not needed <= values.keys():
                wrong = sorted(set(values) - _FACT_FIELDS)
                raise TypeError(
                    f"ResultFacts: unknown fields {wrong}"
                    if wrong
                    else f"ResultFacts: missing fields {sorted(needed - values.keys())}"
                )
            obj = new(cls)
            set_dict(obj, "__dict__", attrs)
            obj.__post_init__()
            return obj

        return make

    @property
    def contest_label(self) -> str:
        """The contest's name for messages, or its key when no name was given."""
        return self.contest_name or self.contest_key

    @property
    def rank_text(self) -> str:
        """``第3名/47人``, ``并列第3名/47人`` or ``未排名/47人``."""
        if self.rank is None:
            return fmt(N_("未排名/%(entrants)s人"), entrants=self.entrants)
        if self.joint_rank:
            return fmt(N_("并列第%(rank)s名/%(entrants)s人"), rank=self.rank, entrants=self.entrants)
        return fmt(N_("第%(rank)s名/%(entrants)s人"), rank=self.rank, entrants=self.entrants)

    @property
    def level_text(self) -> str:
        """``原等级 三级/高级工`` or ``原等级 无``."""
        return _LEVEL_TEXTS[self.current_level]


_MISSING: Any = object()
_FACT_FIELDS = frozenset(f.name for f in fields(ResultFacts))
_FACT_REQUIRED = tuple(
    f.name for f in fields(ResultFacts) if f.default is MISSING and f.default_factory is MISSING
)
#: Every field, at its default (required fields at a marker :meth:`ResultFacts.of` rejects).
_FACT_DEFAULTS: dict[str, Any] = {
    f.name: _MISSING if f.name in _FACT_REQUIRED else f.default for f in fields(ResultFacts)
}


# ------------------------------------------------------------------------------------------ rule pieces


@dataclass(frozen=True, kw_only=True)
class Conditions:
    """What a rule matches on (DOMAIN.md §4). Every condition given must hold; empty/``None`` = any.

    * ``tiers``, ``groups``, ``award_classes``, ``genders``, ``team_sizes``: sets of allowed values;
    * ``rank_min``/``rank_max``: rank range (inclusive, 1 = best); ``top_n``: rank ≤ N;
    * ``top_percent`` (``Decimal`` in (0, 100]) with ``rounding``: rank ≤ rounded(entrants × p / 100);
    * ``top_n_by_team_size``: pairs (team size, N), e.g. ((1, 5), (2, 3), (3, 2)) for 全国技术能手;
      a team size not listed does not match, unless ``top_n_by_team_size_or_more`` is set: then the
      largest size listed also covers every larger team ("top 2 for teams of 3 or more", YAML ``3+: 2``);
    * ``team_size_min``/``team_size_max``: team size range (1 = individual, up to :data:`MAX_TEAM_SIZE`),
      e.g. ``team_size_min=3`` with ``top_n=2`` for "top 2 of events with teams of 3 or more";
    * any rank condition fails for an unranked result; joint ranks compare by their rank number;
    * ``all_parts_passed``: ``True`` requires every part passed (四川 2016 "理论和实操均合格");
    * ``total_min``: total ≥ threshold (``Decimal``); ``entrants_min``: event has at least that many entries;
    * ``age_min``/``age_max`` in whole years at the contest date or at the fixed ``age_date``;
    * ``level_min``/``level_max``: the competitor's current level; no level fails ``level_min`` and
      passes ``level_max``.

    Raises :class:`DomainError` (``field`` = the condition's name) for contradictory or out-of-range values.
    """

    tiers: frozenset[Tier] = frozenset()
    groups: frozenset[Group] = frozenset()
    rank_min: int | None = None
    rank_max: int | None = None
    top_n: int | None = None
    top_percent: Decimal | None = None
    rounding: Rounding = Rounding.FLOOR
    top_n_by_team_size: tuple[tuple[int, int], ...] = ()
    top_n_by_team_size_or_more: bool = False
    award_classes: frozenset[AwardClass] = frozenset()
    all_parts_passed: bool = False
    total_min: Decimal | None = None
    entrants_min: int | None = None
    team_sizes: frozenset[int] = frozenset()
    team_size_min: int | None = None
    team_size_max: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    age_basis: AgeBasis = AgeBasis.CONTEST_DATE
    age_date: date | None = None
    genders: frozenset[Gender] = frozenset()
    level_min: SkillLevel | None = None
    level_max: SkillLevel | None = None

    def __post_init__(self) -> None:
        for name in ("tiers", "groups", "award_classes", "team_sizes", "genders"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        for name in ("rank_min", "rank_max", "top_n", "entrants_min"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise DomainError(N_("必须是不小于 1 的整数"), field=name)
        if self.rank_min is not None and self.rank_max is not None and self.rank_min > self.rank_max:
            raise DomainError(
                N_("名次下限 %(rank_min)s 大于上限 %(rank_max)s"),
                rank_min=self.rank_min,
                rank_max=self.rank_max,
                field="rank_max",
            )
        if self.top_percent is not None and not Decimal(0) < self.top_percent <= Decimal(100):
            raise DomainError(N_("百分比必须大于 0 且不超过 100"), field="top_percent")
        if self.top_percent is None and self.rounding is not Rounding.FLOOR:
            raise DomainError(N_("取整方式只能与 top_percent 一起使用"), field="rounding")
        pairs = tuple(sorted((int(size), int(n)) for size, n in self.top_n_by_team_size))
        sizes = [size for size, _ in pairs]
        if len(set(sizes)) != len(sizes):
            raise DomainError(N_("同一团队人数重复出现"), field="top_n_by_team_size")
        for size, n in pairs:
            if size not in TEAM_SIZES:
                raise DomainError(
                    N_("团队人数只能是 1 到 %(max)s，而不是 %(size)s"),
                    max=MAX_TEAM_SIZE,
                    size=size,
                    field="top_n_by_team_size",
                )
            if n < 1:
                raise DomainError(N_("名次数必须不小于 1"), field="top_n_by_team_size")
        object.__setattr__(self, "top_n_by_team_size", pairs)
        if self.top_n_by_team_size_or_more and not pairs:
            raise DomainError(
                N_("“及以上”只能与按团队人数的名次一起使用"), field="top_n_by_team_size_or_more"
            )
        if not self.team_sizes <= TEAM_SIZES:
            raise DomainError(N_("团队人数只能是 1 到 %(max)s"), max=MAX_TEAM_SIZE, field="team_sizes")
        for name in ("team_size_min", "team_size_max"):
            value = getattr(self, name)
            if value is not None and value not in TEAM_SIZES:
                raise DomainError(N_("团队人数只能是 1 到 %(max)s"), max=MAX_TEAM_SIZE, field=name)
        if (
            self.team_size_min is not None
            and self.team_size_max is not None
            and self.team_size_min > self.team_size_max
        ):
            raise DomainError(
                N_("团队人数下限 %(low)s 大于上限 %(high)s"),
                low=self.team_size_min,
                high=self.team_size_max,
                field="team_size_max",
            )
        for name in ("age_min", "age_max"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 120:
                raise DomainError(N_("年龄必须在 0 到 120 岁之间"), field=name)
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise DomainError(
                N_("年龄下限 %(age_min)s 大于上限 %(age_max)s"),
                age_min=self.age_min,
                age_max=self.age_max,
                field="age_max",
            )
        if self.age_basis is AgeBasis.FIXED_DATE:
            if self.age_date is None:
                raise DomainError(N_("按固定日期计算年龄时必须给出 age_date"), field="age_date")
            if self.age_min is None and self.age_max is None:
                raise DomainError(N_("未设置年龄限制，不能指定年龄计算日期"), field="age_basis")
        elif self.age_date is not None:
            raise DomainError(N_("只有 age_basis 为 fixed_date 时才能给出 age_date"), field="age_date")
        if self.level_min is not None and self.level_max is not None and self.level_min > self.level_max:
            raise DomainError(
                N_("原等级下限 %(level_min)s 高于上限 %(level_max)s"),
                level_min=self.level_min.label,
                level_max=self.level_max.label,
                field="level_max",
            )

    @property
    def is_empty(self) -> bool:
        """``True`` when no condition is set (the rule would match every result)."""
        return self == Conditions()

    @cached_property
    def uses_rank(self) -> bool:
        """``True`` when any rank condition is set."""
        return (
            self.rank_min is not None
            or self.rank_max is not None
            or self.top_n is not None
            or self.top_percent is not None
            or bool(self.top_n_by_team_size)
        )

    def age_reference(self, facts: ResultFacts) -> date:
        """The date at which the age limits are measured for ``facts``."""
        if self.age_basis is AgeBasis.FIXED_DATE and self.age_date is not None:
            return self.age_date
        return facts.contest_date

    def matches(self, facts: ResultFacts) -> bool:
        """``True`` when every condition holds for ``facts``. Pure; never raises for valid facts.

        The conditions in three groups, each also used on its own by :meth:`RuleSet.screen`: those on the
        event (:meth:`admits_event`), the rank range (:meth:`rank_bounds`), those on the person and
        their result (:meth:`admits_result`)."""
        if not self.admits_event(facts.tier, facts.group, facts.team_size, facts.entrants):
            return False
        bounds = self.rank_bounds(facts.entrants, facts.team_size)
        if bounds is not None:
            rank = facts.rank
            if rank is None or not bounds[0] <= rank <= bounds[1]:
                return False
        return self.admits_result(facts)

    def admits_event(self, tier: Tier, group: Group, team_size: int, entrants: int) -> bool:
        """``True`` when the conditions on the event hold: tier, group, team size (``team_sizes``,
        ``team_size_min``/``max``, and a size ``top_n_by_team_size`` covers) and ``entrants_min``."""
        if self.tiers and tier not in self.tiers:
            return False
        if self.groups and group not in self.groups:
            return False
        if self.team_sizes and team_size not in self.team_sizes:
            return False
        if self.team_size_min is not None and team_size < self.team_size_min:
            return False
        if self.team_size_max is not None and team_size > self.team_size_max:
            return False
        if self.top_n_by_team_size and self.team_size_cutoff(team_size) is None:
            return False
        return self.entrants_min is None or entrants >= self.entrants_min

    def rank_bounds(self, entrants: int, team_size: int) -> tuple[int, int] | None:
        """The ranks the rank conditions admit in an event of ``entrants`` entries and teams of
        ``team_size``: ``(low, high)`` inclusive (empty when ``low > high``, e.g. 30 % of 2 rounded down),
        or ``None`` when the rule has no rank condition. An unranked result fails any rank condition;
        a joint rank compares by its number. ``high`` is at most ``entrants`` (no rank is above it)."""
        if not self.uses_rank:
            return None
        high = entrants
        if self.rank_max is not None and self.rank_max < high:
            high = self.rank_max
        if self.top_n is not None and self.top_n < high:
            high = self.top_n
        if self.top_percent is not None:
            high = min(high, percent_cutoff(entrants, self.top_percent, self.rounding))
        if self.top_n_by_team_size:
            limit = self.team_size_cutoff(team_size)
            high = min(high, limit if limit is not None else 0)
        return (self.rank_min or 1, high)

    def admits_result(self, facts: ResultFacts) -> bool:
        """``True`` when the conditions on the person and their result hold: award, gender, parts passed,
        total, age (at :meth:`age_reference`) and current level (none fails ``level_min``, passes
        ``level_max``)."""
        if self.award_classes and facts.award not in self.award_classes:
            return False
        if self.genders and facts.gender not in self.genders:
            return False
        if self.all_parts_passed and not facts.all_parts_passed:
            return False
        if self.total_min is not None and facts.total < self.total_min:
            return False
        if self.age_min is not None or self.age_max is not None:
            age = age_on(facts.birth_date, self.age_reference(facts))
            if self.age_min is not None and age < self.age_min:
                return False
            if self.age_max is not None and age > self.age_max:
                return False
        level = facts.current_level
        if self.level_min is not None and (level is None or level < self.level_min):
            return False
        return not (self.level_max is not None and level is not None and level > self.level_max)

    def team_size_cutoff(self, team_size: int) -> int | None:
        """The N of ``top_n_by_team_size`` for a team of ``team_size`` (the largest size listed also
        covers larger teams when ``top_n_by_team_size_or_more``), or ``None`` when the size is not covered."""
        limit = dict(self.top_n_by_team_size).get(team_size)
        if limit is None and self.top_n_by_team_size_or_more:
            largest, n = self.top_n_by_team_size[-1]
            if team_size > largest:
                limit = n
        return limit

    @cached_property
    def _plain_facts(self) -> bool:
        """``True`` when :meth:`facts_text` lists the four facts every rule shows and nothing else."""
        return not (
            self.top_percent is not None
            or self.uses_team_size
            or self.award_classes
            or self.all_parts_passed
            or self.total_min is not None
            or self.entrants_min is not None
            or self.age_min is not None
            or self.age_max is not None
            or self.genders
        )

    @property
    def uses_team_size(self) -> bool:
        """``True`` when any team-size condition is set."""
        return bool(
            self.top_n_by_team_size
            or self.team_sizes
            or self.team_size_min is not None
            or self.team_size_max is not None
        )

    def facts_text(self, facts: ResultFacts) -> str:
        """The facts this rule looks at, in Chinese.

        E.g. ``第3名/47人, 市级一类, 职工组, 原等级 三级/高级工``; rank, tier, group and current level always,
        plus whatever else the rule's conditions use (percentage cut-off, award, parts passed, age …).
        """
        if self._plain_facts:
            return joined(
                (facts.rank_text, _LABELS[facts.tier], _LABELS[facts.group], facts.level_text), _SEP
            )
        parts = [facts.rank_text, _LABELS[facts.tier], _LABELS[facts.group]]
        if self.top_percent is not None:
            cutoff = percent_cutoff(facts.entrants, self.top_percent, self.rounding)
            parts.append(
                fmt(
                    N_("前%(percent)s%%（%(rounding)s）为前%(cutoff)s名"),
                    percent=self.top_percent,
                    rounding=self.rounding.label,
                    cutoff=cutoff,
                )
            )
        if self.uses_team_size:
            parts.append(
                N_("单人赛项")
                if facts.team_size == 1
                else fmt(N_("%(size)s人团体赛项"), size=facts.team_size)
            )
        if self.award_classes:
            parts.append(facts.award.label if facts.award else N_("未获奖"))
        if self.all_parts_passed:
            parts.append(N_("各部分均合格") if facts.all_parts_passed else N_("未全部合格"))
        if self.total_min is not None:
            parts.append(
                fmt(N_("总分 %(total)s（要求 ≥ %(minimum)s）"), total=facts.total, minimum=self.total_min)
            )
        if self.entrants_min is not None:
            parts.append(
                fmt(
                    N_("参赛 %(entrants)s 人（要求 ≥ %(minimum)s）"),
                    entrants=facts.entrants,
                    minimum=self.entrants_min,
                )
            )
        if self.age_min is not None or self.age_max is not None:
            day = self.age_reference(facts)
            parts.append(
                fmt(N_("%(age)s岁（%(day)s）"), age=age_on(facts.birth_date, day), day=day.isoformat())
            )
        if self.genders:
            parts.append(facts.gender.label)
        parts.append(facts.level_text)
        return joined(parts, _SEP)


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What a rule gives (DOMAIN.md §4).

    * ``promote``: to ``level``; a competitor already at ``level`` or higher gets what ``if_held`` says;
    * ``raise``: ``steps`` levels above the current level, capped at ``cap`` (and the rule set's cap);
      a competitor with no level gets nothing;
    * ``title``: the honour title ``title`` (e.g. ``天津市技术能手``), independent of promotions;
    * ``eligible``: eligibility to apply (申报) for ``level``, with ``if_held`` as for ``promote``.

    Raises :class:`DomainError` (``field`` = the outcome key) when a field is missing or does not belong.
    """

    kind: OutcomeKind
    level: SkillLevel | None = None
    if_held: IfHeld = IfHeld.NOTHING
    steps: int | None = None
    cap: SkillLevel | None = None
    title: str | None = None

    def __post_init__(self) -> None:
        kind = self.kind
        allowed = {
            OutcomeKind.PROMOTE: {"level", "if_held"},
            OutcomeKind.ELIGIBLE: {"level", "if_held"},
            OutcomeKind.RAISE: {"steps", "cap"},
            OutcomeKind.TITLE: {"title"},
        }[kind]
        present = {
            "level": self.level is not None,
            "if_held": self.if_held is not IfHeld.NOTHING,
            "steps": self.steps is not None,
            "cap": self.cap is not None,
            "title": self.title is not None,
        }
        for name, is_set in present.items():
            if is_set and name not in allowed:
                raise DomainError(N_("结果类型 %(kind)s 不使用此字段"), kind=kind, field=name)
        if kind in (OutcomeKind.PROMOTE, OutcomeKind.ELIGIBLE) and self.level is None:
            raise DomainError(N_("缺少目标等级"), field="level")
        if kind is OutcomeKind.RAISE and (self.steps is None or self.steps < 1):
            raise DomainError(N_("晋升级数必须是不小于 1 的整数"), field="steps")
        if kind is OutcomeKind.TITLE and not (self.title and self.title.strip()):
            raise DomainError(N_("缺少荣誉称号名称"), field="title")

    @cached_property
    def category(self) -> DecisionKind:
        """Promotions (promote, raise), eligibility and titles are decided separately."""
        return {
            OutcomeKind.PROMOTE: DecisionKind.PROMOTION,
            OutcomeKind.RAISE: DecisionKind.PROMOTION,
            OutcomeKind.ELIGIBLE: DecisionKind.ELIGIBILITY,
            OutcomeKind.TITLE: DecisionKind.TITLE,
        }[self.kind]

    @cached_property
    def text(self) -> str:
        """The outcome as written in a notice, e.g. ``晋升 二级/技师（已有该等级或更高者晋升高一级）``."""
        if self.kind is OutcomeKind.TITLE:
            return fmt(N_("授予“%(title)s”称号"), title=self.title)
        if self.kind is OutcomeKind.RAISE:
            if self.cap:
                return fmt(
                    N_("在原等级基础上晋升%(steps)s级，最高至 %(cap)s"),
                    steps=self.steps,
                    cap=self.cap.certificate_label,
                )
            return fmt(N_("在原等级基础上晋升%(steps)s级"), steps=self.steps)
        assert self.level is not None
        verb = _verb(self.category, self.level)
        if self.if_held is IfHeld.NEXT_LEVEL:
            return fmt(N_("%(outcome)s（已有该等级或更高者晋升高一级）"), outcome=verb)
        return verb

    def shifted(self, steps: int) -> Outcome:
        """The same outcome with every named level moved ``steps`` rungs (negative = lower).

        Levels are clamped to the ladder; titles are unchanged.
        """

        def move(level: SkillLevel | None) -> SkillLevel | None:
            if level is None:
                return None
            return level.above(steps) if steps >= 0 else level.below(-steps)

        return replace(self, level=move(self.level), cap=move(self.cap))


@dataclass(frozen=True, kw_only=True)
class PromotionRule:
    """One row of a published promotion table: conditions, outcome and where it comes from.

    ``id`` is stable and stored with decisions (letters, digits, ``_ . - /``); ``source`` names the document
    and article; ``derived_from`` is the base rule's id when a :class:`Derivation` computed this rule.
    Raises :class:`DomainError` for a bad id, an empty name/source or empty conditions.
    """

    id: str
    name: str
    source: str
    when: Conditions
    outcome: Outcome
    derived_from: str | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "id")
        if not self.name.strip():
            raise DomainError(N_("规则名称不能为空"), field="name")
        if not self.source.strip():
            raise DomainError(N_("必须注明规则出处（文件与条款）"), field="source")
        if self.when.is_empty:
            raise DomainError(N_("规则至少需要一个条件"), field="when")

    @cached_property
    def label(self) -> str:
        """``rule-id“规则名称”`` for messages."""
        return f"{self.id}“{self.name}”"


@dataclass(frozen=True, kw_only=True)
class Derivation:
    """Rules computed from other rules by moving them to other tiers and shifting their levels.

    黑龙江 竞赛管理办法 arts. 21–24: 市级 contests get one level below the provincial rule, i.e.
    ``tier_map=((PROVINCIAL_1, MUNICIPAL_1), (PROVINCIAL_2, MUNICIPAL_2)), level_shift=-1``.
    ``rules`` limits the base rules by id (empty = every promote/raise/eligible rule naming a mapped tier);
    title rules are never derived. A derived rule's id is ``<derivation id>/<base rule id>``.
    Raises :class:`DomainError` for an empty tier map, a repeated source tier or a zero shift.
    """

    id: str
    name: str
    source: str
    tier_map: tuple[tuple[Tier, Tier], ...]
    level_shift: int
    rules: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_id(self.id, "id")
        if not self.name.strip():
            raise DomainError(N_("名称不能为空"), field="name")
        if not self.source.strip():
            raise DomainError(N_("必须注明出处（文件与条款）"), field="source")
        pairs = tuple(
            sorted(((Tier(a), Tier(b)) for a, b in self.tier_map), key=lambda p: list(Tier).index(p[0]))
        )
        if not pairs:
            raise DomainError(N_("级别对应关系不能为空"), field="tier_map")
        if len({a for a, _ in pairs}) != len(pairs):
            raise DomainError(N_("同一原级别出现多次"), field="tier_map")
        object.__setattr__(self, "tier_map", pairs)
        object.__setattr__(self, "rules", tuple(self.rules))
        if self.level_shift == 0 or abs(self.level_shift) > 7:
            raise DomainError(N_("等级调整必须是 -7…7 之间的非零整数"), field="level_shift")


def derive_rules(
    rules: Sequence[PromotionRule], derivation: Derivation, *, max_level: SkillLevel | None = None
) -> tuple[PromotionRule, ...]:
    """The rules ``derivation`` computes from ``rules`` (in their order); nothing is copied by hand.

    Each base rule naming at least one mapped tier gets a twin whose tiers are the mapped ones and whose
    outcome levels are shifted by ``derivation.level_shift`` (floored at 学徒工, and held at ``max_level``
    when given — :class:`RuleSet` passes its cap). Title rules and rules without a tier condition are
    skipped. The twin's id is ``<derivation id>/<base id>``, its name states the derived outcome and its
    source cites both documents.
    Implements 黑龙江省职业技能竞赛管理办法 arts. 21–24 ("市级 … 比照省级降一级").
    """
    mapping = dict(derivation.tier_map)
    wanted = set(derivation.rules)
    out: list[PromotionRule] = []
    for rule in rules:
        if wanted and rule.id not in wanted:
            continue
        if rule.outcome.kind is OutcomeKind.TITLE or not rule.when.tiers:
            continue
        tiers = frozenset(mapping[t] for t in rule.when.tiers if t in mapping)
        if not tiers:
            continue
        outcome = rule.outcome.shifted(derivation.level_shift)
        if max_level is not None:
            outcome = replace(
                outcome,
                level=None if outcome.level is None else min(outcome.level, max_level),
                cap=None if outcome.cap is None else min(outcome.cap, max_level),
            )
        out.append(
            PromotionRule(
                id=f"{derivation.id}/{rule.id}",
                name=f"{derivation.name}：{outcome.text}（比照“{rule.name}”）",
                source=f"{derivation.source}；比照 {rule.source}",
                when=replace(rule.when, tiers=tiers),
                outcome=outcome,
                derived_from=rule.id,
            )
        )
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Rule-set-wide policies.

    ``max_level``: no competition promotion or eligibility above this level (default 高级技师: 特级/首席技师
    are appointed by employers — DOMAIN.md §2, *inferred*). ``one_promotion_per_year``: at most one
    competition promotion per person per calendar year, the earliest final result wins (天津市人社局
    2024-10-25; default ``True``, *inferred* for sources that say nothing).
    """

    max_level: SkillLevel = SkillLevel.SENIOR_TECHNICIAN
    one_promotion_per_year: bool = True


@dataclass(frozen=True, kw_only=True)
class RuleSet:
    """An identified, versioned rule set: hand-written ``rules`` plus rules computed by ``derivations``.

    ``id`` is the stored key (e.g. ``tianjin-2024``), ``version`` ≥ 1; ``source`` names the document.
    :attr:`effective_rules` = ``rules`` followed by each derivation's rules, in order.
    Raises :class:`DomainError` with ``field`` as a data path (``rules[3].outcome.level``) for repeated ids,
    unknown rule references, title rules in a derivation, or a rule level above ``settings.max_level``.
    """

    id: str
    version: int
    name: str
    source: str
    rules: tuple[PromotionRule, ...]
    derivations: tuple[Derivation, ...] = ()
    settings: Settings = field(default_factory=Settings)

    def __post_init__(self) -> None:
        _check_id(self.id, "id")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise DomainError(N_("版本号必须是不小于 1 的整数"), field="version")
        if not self.name.strip():
            raise DomainError(N_("名称不能为空"), field="name")
        if not self.source.strip():
            raise DomainError(N_("必须注明出处（文件与条款）"), field="source")
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "derivations", tuple(self.derivations))
        cap = self.settings.max_level
        seen: dict[str, str] = {}
        by_id: dict[str, PromotionRule] = {}
        for i, rule in enumerate(self.rules):
            path = f"rules[{i}]"
            if rule.id in seen:
                raise DomainError(
                    N_("规则标识“%(id)s”与 %(id2)s 重复"), id=rule.id, id2=seen[rule.id], field=f"{path}.id"
                )
            seen[rule.id] = path
            by_id[rule.id] = rule
            for name in ("level", "cap"):
                level = getattr(rule.outcome, name)
                if level is not None and level > cap:
                    raise DomainError(
                        N_("%(certificate_label)s 高于本规则集的晋升上限 %(certificate_label2)s"),
                        certificate_label=level.certificate_label,
                        certificate_label2=cap.certificate_label,
                        field=f"{path}.outcome.{name}",
                    )
        effective = list(self.rules)
        derivation_ids: set[str] = set()
        for i, derivation in enumerate(self.derivations):
            path = f"derivations[{i}]"
            if derivation.id in derivation_ids:
                raise DomainError(N_("派生标识“%(id)s”重复"), id=derivation.id, field=f"{path}.id")
            derivation_ids.add(derivation.id)
            for j, rule_id in enumerate(derivation.rules):
                if rule_id not in by_id:
                    raise DomainError(
                        N_("没有标识为“%(rule_id)s”的规则"), rule_id=rule_id, field=f"{path}.rules[{j}]"
                    )
                if by_id[rule_id].outcome.kind is OutcomeKind.TITLE:
                    raise DomainError(N_("荣誉称号规则不能按等级派生"), field=f"{path}.rules[{j}]")
            for rule in derive_rules(self.rules, derivation, max_level=cap):
                if rule.id in seen:
                    raise DomainError(
                        N_("派生规则标识“%(id)s”与 %(id2)s 重复"),
                        id=rule.id,
                        id2=seen[rule.id],
                        field=f"{path}.id",
                    )
                seen[rule.id] = path
                effective.append(rule)
        object.__setattr__(self, "_effective", tuple(effective))
        object.__setattr__(self, "_screens", {})
        object.__setattr__(self, "_resolved", {})
        object.__setattr__(self, "_facts_texts", {})
        object.__setattr__(self, "_reasons", {})
        object.__setattr__(self, "_categories", frozenset(r.outcome.category for r in effective))

    @property
    def categories(self) -> frozenset[DecisionKind]:
        """The kinds of decision the effective rules give (promotion, eligibility, title)."""
        return self._categories  # type: ignore[attr-defined]

    @property
    def effective_rules(self) -> tuple[PromotionRule, ...]:
        """Hand-written rules then derived rules, in a fixed order (it breaks ties between equal outcomes)."""
        return self._effective  # type: ignore[attr-defined]

    @cached_property
    def key(self) -> str:
        """``id@version``, the string stored with decisions."""
        return f"{self.id}@{self.version}"

    def screen(self, tier: Tier, group: Group, team_size: int, entrants: int) -> EventScreen:
        """The :class:`EventScreen` of this rule set for an event of ``tier`` and ``group`` with teams of
        ``team_size`` (1 = individual) and ``entrants`` ranked entries (≥ 1): the rules whose conditions on
        the event hold, each with its rank range. Computed once per combination and kept (the rule set is
        immutable). Pure; raises nothing."""
        key = (tier, group, team_size, entrants)
        found = self._screens.get(key)  # type: ignore[attr-defined]
        if found is None:
            found = self._screens[key] = EventScreen.of(self.effective_rules, *key)  # type: ignore[attr-defined]
        return found

    def resolution(self, index: int, facts: ResultFacts) -> Resolution:
        """:func:`resolve` of the effective rule at ``index`` for ``facts`` under this set's settings,
        kept per rule and level held (all it depends on). Pure; raises nothing."""
        key = (index, facts.current_level)
        found = self._resolved.get(key)  # type: ignore[attr-defined]
        if found is None:
            found = self._resolved[key] = resolve(self.effective_rules[index], facts, self.settings)  # type: ignore[attr-defined]
        return found

    def rule(self, rule_id: str) -> PromotionRule:
        """The effective rule with ``rule_id``; raises :class:`DomainError` when there is none."""
        for rule in self.effective_rules:
            if rule.id == rule_id:
                return rule
        raise DomainError(N_("规则集 %(key)s 中没有规则“%(rule_id)s”"), key=self.key, rule_id=rule_id)


def derive_ruleset(
    base: RuleSet,
    derivation: Derivation,
    *,
    id: str,
    version: int,
    name: str,
    source: str,
    settings: Settings | None = None,
) -> RuleSet:
    """A new rule set whose rules are computed from ``base.effective_rules`` by ``derivation``.

    E.g. a city adopting "one level below the provincial rules" (黑龙江 arts. 21–24). The result's rules
    carry ``derived_from``; ``settings`` default to the base's; a level shifted above ``settings.max_level``
    is lowered to it (so an upward derivation never produces a rule set that fails validation).
    Raises :class:`DomainError` as :class:`RuleSet` does.
    """
    settings = settings or base.settings
    return RuleSet(
        id=id,
        version=version,
        name=name,
        source=source,
        rules=derive_rules(base.effective_rules, derivation, max_level=settings.max_level),
        settings=settings,
    )


# ------------------------------------------------------------------------------------------------ engine


@dataclass(frozen=True, slots=True)
class EventScreen:
    """The rules of a rule set that can apply to the results of one event, found once per event.

    ``rules``: ``(index in the rule set, rule, rank range)`` for each rule whose conditions on the event
    (:meth:`Conditions.admits_event`) hold, in rule-set order; the range is
    :meth:`Conditions.rank_bounds` (``None`` = no rank condition). ``low``/``high`` span every rule's
    range and ``any_rank`` is ``True`` when a rule has no rank condition. Built by
    :meth:`RuleSet.screen`; a result of the event matches a rule of the set only if :meth:`admits` its
    rank, and the rules it matches are :meth:`matching` (the same as :meth:`Conditions.matches`).
    """

    rules: tuple[tuple[int, PromotionRule, tuple[int, int] | None], ...]
    low: int
    high: int
    any_rank: bool

    @classmethod
    def of(
        cls, rules: Sequence[PromotionRule], tier: Tier, group: Group, team_size: int, entrants: int
    ) -> EventScreen:
        """The screen of ``rules`` for an event of ``tier``, ``group``, ``team_size`` and ``entrants``."""
        kept = []
        for i, rule in enumerate(rules):
            when = rule.when
            if not when.admits_event(tier, group, team_size, entrants):
                continue
            bounds = when.rank_bounds(entrants, team_size)
            if bounds is not None and bounds[0] > bounds[1]:
                continue  # no rank is inside an empty range
            kept.append((i, rule, bounds))
        ranges = [b for _i, _r, b in kept if b is not None]
        return cls(
            rules=tuple(kept),
            low=min((b[0] for b in ranges), default=1),
            high=max((b[1] for b in ranges), default=0),
            any_rank=any(b is None for _i, _r, b in kept),
        )

    def admits(self, rank: int | None) -> bool:
        """``False`` when no rule of the set can match a result of this event at ``rank`` (``None`` =
        unranked): such a result gets only a ``no_match`` decision. ``True`` does not mean a rule matches."""
        if self.any_rank:
            return True
        return rank is not None and self.low <= rank <= self.high

    def matching(self, facts: ResultFacts) -> list[tuple[int, PromotionRule]]:
        """``(index, rule)`` of the rules that match ``facts`` (a result of this event), in rule-set
        order: the rank inside the rule's range and :meth:`Conditions.admits_result`."""
        rank = facts.rank
        return [
            (i, rule)
            for i, rule, bounds in self.rules
            if (bounds is None or (rank is not None and bounds[0] <= rank <= bounds[1]))
            and rule.when.admits_result(facts)
        ]


@dataclass(frozen=True, kw_only=True)
class Resolution:
    """What one matched rule gives one result, before the policies between rules and results are applied.

    ``effective`` is ``False`` when the rule matched but gives nothing (``note`` says why); ``level`` is the
    resulting level for promotions/eligibility, ``title`` the title for title rules.
    """

    category: DecisionKind
    effective: bool
    level: SkillLevel | None
    title: str | None
    text: str
    note: str = ""


def resolve(rule: PromotionRule, facts: ResultFacts, settings: Settings) -> Resolution:
    """What ``rule`` gives ``facts`` on its own (the caller has checked that it matches).

    Applies "已有 →" (:class:`IfHeld`), ``raise`` with its cap, and the rule set's ``max_level`` cap
    (DOMAIN.md §2). Pure; raises nothing for valid inputs.
    """
    outcome = rule.outcome
    category = outcome.category
    if outcome.kind is OutcomeKind.TITLE:
        return Resolution(
            category=category, effective=True, level=None, title=outcome.title, text=outcome.text
        )
    current = facts.current_level
    cap = settings.max_level
    held_note = ""
    if outcome.kind is OutcomeKind.RAISE:
        if current is None:
            return _no_effect(category, N_("无原等级，不能在原等级基础上晋升"))
        assert outcome.steps is not None
        if outcome.cap is not None and outcome.cap < cap:
            cap = outcome.cap
        target = current.above(outcome.steps)
    else:
        assert outcome.level is not None
        target = outcome.level
        if current is not None and current >= target:
            if outcome.if_held is IfHeld.NOTHING:
                return _no_effect(
                    category,
                    fmt(
                        N_("已具有 %(level)s，本规则对已有该等级或更高者不再晋升"),
                        level=current.certificate_label,
                    ),
                )
            target = current.above(1)
            held_note = fmt(N_("已具有 %(level)s，晋升高一级"), level=current.certificate_label)
    capped = target > cap
    if capped:
        target = cap
    if current is not None and target <= current:
        return _no_effect(
            category,
            fmt(
                N_("已具有 %(level)s，已达到晋升上限 %(cap)s"),
                level=current.certificate_label,
                cap=cap.certificate_label,
            ),
        )
    text = _verb(category, target)
    notes = [
        n
        for n in (held_note, fmt(N_("受上限 %(cap)s 限制"), cap=cap.certificate_label) if capped else "")
        if n
    ]
    if notes:
        text = fmt(N_("%(outcome)s（%(notes)s）"), outcome=text, notes=joined(notes, "，"))
    return Resolution(category=category, effective=True, level=target, title=None, text=text)


def _verb(category: DecisionKind, level: SkillLevel) -> str:
    if category is DecisionKind.PROMOTION:
        return fmt(N_("晋升 %(level)s"), level=level.certificate_label)
    return fmt(N_("取得 %(level)s 申报资格"), level=level.certificate_label)


def _no_effect(category: DecisionKind, note: str) -> Resolution:
    return Resolution(category=category, effective=False, level=None, title=None, text=_NONE, note=note)


@dataclass(frozen=True, kw_only=True)
class Decision:
    """One decision about one result and one rule (or ``no_match`` with no rule), with reasons in Chinese.

    ``level`` is the level granted (promotion) or applied for (eligibility); ``title`` the honour title.
    ``facts_text`` lists the facts the rule used (``第3名/47人, 市级一类, 职工组, 原等级 三级/高级工``),
    ``outcome_text`` the outcome (``晋升 二级/技师``), ``reason`` the whole sentence including why a decision
    was superseded or blocked. ``superseded_by`` is the winning rule id; ``blocked_by`` the key of the
    contest whose promotion used up the year.
    """

    ruleset: str
    person_key: str
    contest_key: str
    event_key: str
    kind: DecisionKind
    status: DecisionStatus
    rule_id: str | None
    rule_name: str | None
    rule_source: str | None
    level: SkillLevel | None
    title: str | None
    facts_text: str
    outcome_text: str
    reason: str
    superseded_by: str | None = None
    blocked_by: str | None = None

    @property
    def is_promotion(self) -> bool:
        """``True`` for a granted competition promotion (what the one-per-year limit counts)."""
        return self.kind is DecisionKind.PROMOTION and self.status is DecisionStatus.GRANTED


@dataclass(slots=True)
class _Candidate:
    facts: ResultFacts
    rule: PromotionRule
    index: int
    res: Resolution
    status: DecisionStatus
    reason: str = ""
    superseded_by: str | None = None
    blocked_by: str | None = None


def evaluate(
    ruleset: RuleSet, facts_list: Iterable[ResultFacts], *, today: date, no_match: bool = True
) -> list[Decision]:
    """Decide promotions, titles and eligibility for a batch of results under ``ruleset`` (DOMAIN.md §4).

    ``facts_list``: results, at most one per (person, contest, event); ``today``: the evaluation date — a
    result whose ``final_date`` is ``None`` or after ``today`` gives ``pending`` decisions (公示 not over).

    Per result, every matching rule gives a decision; a result no rule matches gives one ``no_match``
    (left out when ``no_match`` is ``False``: the other decisions are the same either way, so a caller
    that does not keep ``no_match`` decisions need not pay for their texts).
    Policies, in order:

    1. "已有 →" and the caps (:func:`resolve`); a matching rule that gives nothing is ``no_effect``;
    2. overlapping rules: the highest promotion wins (equal levels: the earlier rule), the others are
       ``superseded`` naming the winner; likewise for eligibility, which a granted promotion of the same or a
       higher level also supersedes; each title is granted once per person and contest. Titles are
       independent of promotions (a result can earn both);
    3. ``settings.one_promotion_per_year`` (天津市人社局 2024-10-25): per person and calendar year of the
       final date, a promotion recorded in ``prior_promotions`` from another contest blocks all; otherwise the
       earliest final result wins (same day: higher level, then contest key, then event key) and the others
       are ``blocked`` naming the winning contest. Prior promotions from a contest in this batch are this
       batch's own earlier grants and are ignored, so feeding granted decisions back changes nothing.

    Which rules match a result depends on that result's facts alone (:meth:`RuleSet.screen` finds the
    rules an event admits once per event); a result no rule matches takes no part in the policies, except
    that its contest counts as "in this batch" in 3.

    Returns decisions sorted by person, contest, event, then rule order. Deterministic and idempotent: the
    same inputs in any order give the same list. Raises :class:`InvariantError` for a repeated result key.
    """
    settings = ruleset.settings
    screen_of = ruleset.screen
    resolution = ruleset.resolution
    everything = facts_list if isinstance(facts_list, list | tuple) else list(facts_list)
    seen: set[tuple[str, str, str]] = set()
    keyed: list[tuple[tuple[str, str, str], ResultFacts, list[_Candidate]]] = []
    unmatched: list[tuple[tuple[str, str, str], ResultFacts, list[_Candidate]]] = []
    priors_of: dict[str, set[PriorPromotion]] = defaultdict(set)
    for facts in everything:
        key = (facts.person_key, facts.contest_key, facts.event_key)
        if key in seen:
            raise InvariantError("evaluate: the same (person, contest, event) appears twice")
        seen.add(key)
        if facts.prior_promotions:
            priors_of[facts.person_key].update(facts.prior_promotions)
        screen = screen_of(facts.tier, facts.group, facts.team_size, facts.entrants)
        if screen.admits(facts.rank):
            matching = screen.matching(facts)
            if matching:
                candidates = []
                for i, rule in matching:
                    res = resolution(i, facts)
                    candidates.append(
                        _Candidate(
                            facts=facts,
                            rule=rule,
                            index=i,
                            res=res,
                            status=_GRANTED if res.effective else _NO_EFFECT,
                            reason=res.note,
                        )
                    )
                if len(candidates) > 1:
                    _supersede(candidates, _PROMOTION)
                keyed.append((key, facts, candidates))
                continue
        if no_match:
            unmatched.append((key, facts, []))
    keyed.sort(key=_first)  # keys are unique
    per_facts = [(facts, candidates) for _key, facts, candidates in keyed]
    categories = ruleset.categories

    # Titles: once per person, contest and title (the first event in key order keeps it).
    titled: dict[tuple[str, str, str | None], _Candidate] = {}
    for _facts, candidates in per_facts if _TITLE in categories else ():
        for cand in candidates:
            if cand.res.category is _TITLE and cand.status is _GRANTED:
                key = (cand.facts.person_key, cand.facts.contest_key, cand.res.title)
                winner = titled.get(key)
                if winner is None:
                    titled[key] = cand
                else:
                    cand.status = DecisionStatus.SUPERSEDED
                    cand.superseded_by = winner.rule.id
                    same_event = winner.facts.event_key == cand.facts.event_key
                    where = (
                        N_("本赛项")
                        if same_event
                        else fmt(
                            N_("赛项“%(event)s”"), event=winner.facts.event_name or winner.facts.event_key
                        )
                    )
                    cand.reason = fmt(
                        N_("同一竞赛已因%(where)s（规则 %(rule)s）授予“%(title)s”称号"),
                        where=where,
                        rule=winner.rule.label,
                        title=cand.res.title,
                    )

    for facts, candidates in per_facts:
        if facts.final_date is None or facts.final_date > today:  # not final (公示 not over)
            for cand in candidates:
                if cand.status is _GRANTED:
                    cand.status = DecisionStatus.PENDING
                    cand.reason = _NOT_FINAL

    if settings.one_promotion_per_year:
        contests_of: dict[str, set[str]] = defaultdict(set)
        if priors_of:  # only the people with prior promotions need their contests in this batch
            for facts in everything:
                if facts.person_key in priors_of:
                    contests_of[facts.person_key].add(facts.contest_key)
        _one_per_year(per_facts, contests_of, priors_of)

    for _facts, candidates in per_facts if _ELIGIBILITY in categories else ():
        _supersede(candidates, _ELIGIBILITY)

    heads: dict[int, tuple[str, str, str]] = {}
    reasons = ruleset._reasons  # type: ignore[attr-defined]
    texts = ruleset._facts_texts  # type: ignore[attr-defined]
    if not no_match:
        return [
            _decision(ruleset, cand, heads, texts, reasons)
            for _facts, candidates in per_facts
            for cand in candidates
        ]
    rows = keyed + unmatched
    rows.sort(key=_first)
    decisions: list[Decision] = []
    for _key, facts, candidates in rows:
        if not candidates:
            decisions.append(_no_match_decision(ruleset, facts))
        decisions.extend(_decision(ruleset, cand, heads, texts, reasons) for cand in candidates)
    return decisions


_first = operator.itemgetter(0)
_NONE = N_("无")
_NOT_FINAL = N_("成绩尚未生效（公示期未满或未公布），生效后方可授予")
_REASON_GRANTED = N_("依据 %(source)s（规则 %(rule)s）：%(facts)s → %(outcome)s；结果：%(result)s")
_REASON_OTHER = N_("依据 %(source)s（规则 %(rule)s）：%(facts)s → %(outcome)s；%(status)s：%(reason)s")
#: At most this many facts texts are kept per rule set (:func:`_decision`); beyond, they are rebuilt.
_TEXTS_KEPT = 20_000


def _no_match_decision(ruleset: RuleSet, facts: ResultFacts) -> Decision:
    facts_text = _basic_facts_text(facts)
    return no_match_decision(
        ruleset,
        person_key=facts.person_key,
        contest_key=facts.contest_key,
        event_key=facts.event_key,
        facts_text=facts_text,
        reason=fmt(
            N_("%(facts)s：不符合规则集“%(ruleset)s”中任何规则的条件"), facts=facts_text, ruleset=ruleset.name
        ),
    )


def no_match_decision(
    ruleset: RuleSet, *, person_key: str, contest_key: str, event_key: str, facts_text: str, reason: str
) -> Decision:
    """The decision for a result that earns nothing under ``ruleset`` (status ``NO_MATCH``, outcome 无):
    a result no rule matches, or one that cannot be evaluated at all (disqualified, not ranked)."""
    return Decision(
        ruleset=ruleset.key,
        person_key=person_key,
        contest_key=contest_key,
        event_key=event_key,
        kind=DecisionKind.NONE,
        status=DecisionStatus.NO_MATCH,
        rule_id=None,
        rule_name=None,
        rule_source=None,
        level=None,
        title=None,
        facts_text=facts_text,
        outcome_text=_NONE,
        reason=reason,
    )


def _basic_facts_text(facts: ResultFacts) -> str:
    return joined((facts.rank_text, _LABELS[facts.tier], _LABELS[facts.group], facts.level_text), _SEP)


def _supersede(candidates: list[_Candidate], category: DecisionKind) -> None:
    """Highest level wins within ``category``; for eligibility a granted/pending promotion also counts."""
    if len(candidates) < 2:
        return  # one decision supersedes nothing and is superseded by nothing
    live = _LIVE
    pool = [c for c in candidates if c.res.category is category and c.status in live]
    if not pool:
        return
    best = max(pool, key=lambda c: (c.res.level.rank if c.res.level else -1, -c.index))
    for cand in pool:
        if cand is not best:
            cand.status = DecisionStatus.SUPERSEDED
            cand.superseded_by = best.rule.id
            cand.reason = fmt(
                N_("同时符合规则 %(rule)s（%(outcome)s），取较高者，本规则不再适用"),
                rule=best.rule.label,
                outcome=best.res.text,
            )
    if category is _ELIGIBILITY:
        promos = [c for c in candidates if c.res.category is _PROMOTION and c.status in live]
        for promo in promos:
            if (
                best.res.level is not None
                and promo.res.level is not None
                and promo.res.level >= best.res.level
            ):
                best.status = DecisionStatus.SUPERSEDED
                best.superseded_by = promo.rule.id
                best.reason = fmt(
                    N_("已按规则 %(rule)s 直接%(outcome)s，无需申报"),
                    rule=promo.rule.label,
                    outcome=promo.res.text,
                )


def _one_per_year(
    per_facts: list[tuple[ResultFacts, list[_Candidate]]],
    contests_of: dict[str, set[str]],
    priors_of: dict[str, set[PriorPromotion]],
) -> None:
    """At most one competition promotion per person per calendar year (天津市人社局 2024-10-25).

    ``contests_of``/``priors_of``: per person with prior promotions, the contests of their results in
    the batch and the union of those results' prior promotions."""
    results_of = Counter(facts.person_key for facts, _candidates in per_facts)
    winners: dict[tuple[str, int], list[_Candidate]] = defaultdict(list)
    for facts, candidates in per_facts:
        if facts.final_date is None:
            continue  # the year is not known until the result is final; decided then
        if results_of[facts.person_key] == 1 and facts.person_key not in priors_of and len(candidates) == 1:
            continue  # the person's one promotion in this batch, and none elsewhere: nothing to block
        for cand in candidates:
            if cand.res.category is _PROMOTION and cand.status in _LIVE:
                winners[(facts.person_key, facts.final_date.year)].append(cand)
    for (person, year), cands in winners.items():
        person_priors = priors_of.get(person)
        priors = person_priors and sorted(
            (
                p
                for p in person_priors
                if p.final_date.year == year and p.contest_key not in contests_of.get(person, ())
            ),
            key=lambda p: (p.final_date, p.contest_key),
        )
        if not priors and len(cands) == 1:
            continue  # a person's only promotion that year blocks nothing
        if priors:
            prior = priors[0]
            for cand in cands:
                _block(
                    cand,
                    year,
                    prior.contest_key,
                    prior.contest_name or prior.contest_key,
                    prior.final_date,
                    prior.level,
                )
            continue
        granted = [c for c in cands if c.status is DecisionStatus.GRANTED]
        if not granted:
            continue  # only pending results this year: the earliest to become final will win
        granted.sort(key=_year_order)
        winner = granted[0]
        assert winner.facts.final_date is not None and winner.res.level is not None
        for cand in cands:
            if cand is not winner:
                _block(
                    cand,
                    year,
                    winner.facts.contest_key,
                    winner.facts.contest_label,
                    winner.facts.final_date,
                    winner.res.level,
                )


def _year_order(cand: _Candidate) -> tuple:
    assert cand.facts.final_date is not None and cand.res.level is not None
    return (
        cand.facts.final_date,
        -cand.res.level.rank,
        cand.facts.contest_key,
        cand.facts.event_key,
        cand.index,
    )


def _block(
    cand: _Candidate, year: int, contest_key: str, contest_name: str, day: date, level: SkillLevel
) -> None:
    cand.status = DecisionStatus.BLOCKED
    cand.blocked_by = contest_key
    cand.reason = fmt(
        N_(
            "每人每年至多因竞赛晋升一次：%(year)s年已因“%(contest)s”（%(day)s 生效）"
            "晋升 %(level)s，以最早生效的成绩为准"
        ),
        year=year,
        contest=contest_name,
        day=day.isoformat(),
        level=level.certificate_label,
    )


def _decision(
    ruleset: RuleSet,
    cand: _Candidate,
    heads: dict[int, tuple[str, str, str]],
    texts: dict[tuple, str],
    reasons: dict[tuple, Text],
) -> Decision:
    """The :class:`Decision` of ``cand``; ``heads`` keeps each rule's fixed parts of the reason (by
    index), ``texts`` the facts texts of rules that show only rank, tier, group and level, ``reasons``
    the reasons built (kept per rule set, at most :data:`_TEXTS_KEPT`: decisions with the same rule, facts
    text and outcome share one object, so a caller can store each distinct reason's data once)."""
    rule = cand.rule
    facts = cand.facts
    res = cand.res
    fixed = heads.get(cand.index)
    if fixed is None:
        fixed = heads[cand.index] = (rule.source, rule.label, rule.outcome.text)
    when = rule.when
    if when._plain_facts:  # the text depends on these facts alone: kept per rule set
        text_key = (
            facts.rank,
            facts.joint_rank,
            facts.entrants,
            facts.tier,
            facts.group,
            facts.current_level,
        )
        facts_text = texts.get(text_key)
        if facts_text is None:
            facts_text = when.facts_text(facts)
            if len(texts) < _TEXTS_KEPT:
                texts[text_key] = facts_text
    else:
        facts_text = when.facts_text(facts)
    status = cand.status
    if status is _GRANTED:
        reason_key: tuple = (cand.index, facts_text, res.text)
        reason = reasons.get(reason_key)
        if reason is None:
            reason = Text(
                _REASON_GRANTED,
                {
                    "source": fixed[0],
                    "rule": fixed[1],
                    "facts": facts_text,
                    "outcome": fixed[2],
                    "result": res.text,
                },
            )
            if len(reasons) < _TEXTS_KEPT:
                reasons[reason_key] = reason
    else:
        reason_key = (cand.index, facts_text, status, cand.reason)
        reason = reasons.get(reason_key)
        if reason is None:
            reason = Text(
                _REASON_OTHER,
                {
                    "source": fixed[0],
                    "rule": fixed[1],
                    "facts": facts_text,
                    "outcome": fixed[2],
                    "status": _STATUS_LABELS[status],
                    "reason": cand.reason,
                },
            )
            if len(reasons) < _TEXTS_KEPT:
                reasons[reason_key] = reason
    return _built(
        Decision,
        {
            "ruleset": ruleset.key,
            "person_key": facts.person_key,
            "contest_key": facts.contest_key,
            "event_key": facts.event_key,
            "kind": res.category,
            "status": status,
            "rule_id": rule.id,
            "rule_name": rule.name,
            "rule_source": rule.source,
            "level": res.level,
            "title": res.title,
            "facts_text": facts_text,
            "outcome_text": res.text,
            "reason": reason,
            "superseded_by": cand.superseded_by,
            "blocked_by": cand.blocked_by,
        },
    )


def _built(cls: type, values: dict[str, object]) -> Any:
    """An instance of the frozen dataclass ``cls`` (without ``__slots__``) holding ``values``, one per
    field, built without the generated ``__init__`` (which sets each field through
    ``object.__setattr__``: measured, most of the cost of the engine's many small objects). The caller
    passes every field, already valid; equality, hashing and ``repr`` read the fields as usual."""
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj
