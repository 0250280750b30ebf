"""Yearly targets and the year's figures beside them (pure: standard library and the domain only).

The seed documents measure organizers by yearly counts (DOMAIN.md §7): contests held, contest events,
titles such as 市级技术能手, and certificates, some counted only at or above a level (南通: 9,500 of the
48,000 certificates at 高级工 or above; 宿迁: 1,000 new 技师-or-above certificates). :class:`Measure` names
each count, :class:`YearFigures` holds what the database says for one body (with its sub-bodies) and
year, :class:`YearTargets` what the body set itself, and :func:`compare` puts them side by side with the
share of the year already gone, so "behind schedule" is a fact, not a feeling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from competition.domain import SkillLevel
from competition.errors import N_, DomainError, fmt

#: Largest target accepted: more than this is a typing slip (南通's 48,000 certificates fit easily).
MAX_TARGET = 10_000_000
#: The level "高技能" counts start from unless a target says otherwise (高级工, DOMAIN.md §7 南通).
DEFAULT_HIGH_LEVEL = SkillLevel.SENIOR_WORKER


class Measure(StrEnum):
    """A yearly count an organizer is measured by."""

    CONTESTS = "contests"
    EVENTS = "events"
    COMPETITORS = "competitors"
    PROMOTIONS = "promotions"
    PROMOTIONS_HIGH = "promotions_high"
    TITLES = "titles"
    CERTIFICATES = "certificates"
    CERTIFICATES_HIGH = "certificates_high"

    @property
    def label(self) -> str:
        """Chinese name; the ``_high`` measures name their level through :meth:`label_at`."""
        return _LABELS[self]

    @property
    def unit(self) -> str:
        """The counting word shown after a number (``场``, ``人`` …)."""
        return _UNITS[self]

    @property
    def levelled(self) -> bool:
        """Whether the measure counts only at or above the target's level."""
        return self in (Measure.PROMOTIONS_HIGH, Measure.CERTIFICATES_HIGH)

    def label_at(self, level: SkillLevel) -> str:
        """The label with the level filled in: ``晋升高级工及以上``."""
        return fmt(_LABELS[self], level=level.label)


_LABELS = {
    Measure.CONTESTS: N_("举办竞赛"),
    Measure.EVENTS: N_("竞赛项目（赛项）"),
    Measure.COMPETITORS: N_("参赛选手"),
    Measure.PROMOTIONS: N_("竞赛晋升等级"),
    Measure.PROMOTIONS_HIGH: N_("晋升%(level)s及以上"),
    Measure.TITLES: N_("授予荣誉称号"),
    Measure.CERTIFICATES: N_("签发证书"),
    Measure.CERTIFICATES_HIGH: N_("%(level)s及以上职业技能等级证书"),
}
_UNITS = {
    Measure.CONTESTS: N_("场"),
    Measure.EVENTS: N_("项"),
    Measure.COMPETITORS: N_("人"),
    Measure.PROMOTIONS: N_("人次"),
    Measure.PROMOTIONS_HIGH: N_("人次"),
    Measure.TITLES: N_("人次"),
    Measure.CERTIFICATES: N_("张"),
    Measure.CERTIFICATES_HIGH: N_("张"),
}


@dataclass(frozen=True)
class YearFigures:
    """What happened in one year for a body and its sub-bodies, read from the database by the caller.

    ``contests_held``: contests of the year that started (比赛进行中 or later); ``contests_planned``:
    published but not yet started; ``events``: events of the held contests; ``competitors``: distinct
    people in approved entries of the held contests; ``promotions_by_level``: confirmed competition
    promotions by the level granted; ``title_decisions``: confirmed title decisions (技术能手 by rank);
    ``honour_records``: titles conferred through honour programmes (工匠 …); ``certificates_by_kind``:
    certificates first issued in the year and not revoked, by kind value; ``level_certificates``: the
    skill-level ones among them by level.
    """

    contests_held: int = 0
    contests_planned: int = 0
    events: int = 0
    competitors: int = 0
    promotions_by_level: Mapping[SkillLevel, int] = field(default_factory=dict)
    title_decisions: int = 0
    honour_records: int = 0
    certificates_by_kind: Mapping[str, int] = field(default_factory=dict)
    level_certificates: Mapping[SkillLevel, int] = field(default_factory=dict)

    def value(self, measure: Measure, high_level: SkillLevel = DEFAULT_HIGH_LEVEL) -> int:
        """The figure for ``measure``; the levelled measures count ``high_level`` and above."""
        if measure is Measure.CONTESTS:
            return self.contests_held
        if measure is Measure.EVENTS:
            return self.events
        if measure is Measure.COMPETITORS:
            return self.competitors
        if measure is Measure.PROMOTIONS:
            return sum(self.promotions_by_level.values())
        if measure is Measure.PROMOTIONS_HIGH:
            return sum(n for level, n in self.promotions_by_level.items() if level >= high_level)
        if measure is Measure.TITLES:
            return self.title_decisions + self.honour_records
        if measure is Measure.CERTIFICATES:
            return sum(self.certificates_by_kind.values())
        return sum(n for level, n in self.level_certificates.items() if level >= high_level)


@dataclass(frozen=True)
class YearTargets:
    """A body's targets for a year: a count per measure (``None`` = no target set), the level the
    levelled measures start at, and where the numbers come from (``note``)."""

    values: Mapping[Measure, int | None]
    high_level: SkillLevel = DEFAULT_HIGH_LEVEL
    note: str = ""

    def target(self, measure: Measure) -> int | None:
        """The target for ``measure``, or ``None``."""
        return self.values.get(measure)


NO_TARGETS = YearTargets(values={})


class Pace(StrEnum):
    """How a figure stands against its target at a given day."""

    NO_TARGET = "no_target"
    MET = "met"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    MISSED = "missed"
    NOT_STARTED = "not_started"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``落后于时间进度``."""
        return {
            "no_target": N_("未设目标"),
            "met": N_("已完成"),
            "on_track": N_("进度正常"),
            "behind": N_("落后于时间进度"),
            "missed": N_("未完成"),
            "not_started": N_("年度未开始"),
        }[self.value]


@dataclass(frozen=True)
class Progress:
    """One measure of one year: the figure, the target, the share done (``percent``, Decimal with one
    decimal place, ``None`` without a target or for a target of 0), the count expected by today at an
    even pace (``expected``), and the :class:`Pace`."""

    measure: Measure
    label: str
    unit: str
    actual: int
    target: int | None
    percent: Decimal | None
    expected: int | None
    pace: Pace


def year_elapsed(year: int, today: date) -> Decimal:
    """Share of ``year`` gone by the end of ``today``: 0 before it starts, 1 after it ends."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if today < first:
        return Decimal(0)
    if today >= last:
        return Decimal(1)
    days = (last - first).days + 1
    return Decimal((today - first).days + 1) / Decimal(days)


def compare(figures: YearFigures, targets: YearTargets, *, year: int, today: date) -> list[Progress]:
    """Every :class:`Measure` of ``figures`` beside ``targets``, in the order of the enum.

    A target is met when the figure reaches it; otherwise, in the current year, the figure is on track
    when it reaches the target times the share of the year gone (rounded half up), behind when not; a
    past year's target not reached is missed; a future year's has not started.
    """
    elapsed = year_elapsed(year, today)
    rows = []
    for measure in Measure:
        actual = figures.value(measure, targets.high_level)
        target = targets.target(measure)
        label = measure.label_at(targets.high_level) if measure.levelled else measure.label
        if target is None:
            rows.append(Progress(measure, label, measure.unit, actual, None, None, None, Pace.NO_TARGET))
            continue
        percent = (
            (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if target
            else None
        )
        expected = int((Decimal(target) * elapsed).quantize(Decimal(1), ROUND_HALF_UP))
        if actual >= target:
            pace = Pace.MET
        elif elapsed == 0:
            pace = Pace.NOT_STARTED
        elif elapsed == 1:
            pace = Pace.MISSED
        else:
            pace = Pace.ON_TRACK if actual >= expected else Pace.BEHIND
        rows.append(Progress(measure, label, measure.unit, actual, target, percent, expected, pace))
    return rows


def check_targets(values: Mapping[Measure, int | None]) -> dict[Measure, int | None]:
    """Validate targets typed by an organizer; return them with every measure present.

    Raises :class:`DomainError` (``field`` = the measure's value) for a negative number, one above
    :data:`MAX_TARGET`, a levelled target larger than its total (高技能 among all), or no target at all.
    """
    checked: dict[Measure, int | None] = {}
    for measure in Measure:
        value = values.get(measure)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise DomainError(
                    N_("“%(label)s”应为整数。"),
                    field=measure.value,
                    label=measure.label_at(DEFAULT_HIGH_LEVEL),
                )
            if value < 0:
                raise DomainError(N_("目标不能为负数。"), field=measure.value)
            if value > MAX_TARGET:
                raise DomainError(N_("目标不能超过 %(max)s。"), field=measure.value, max=f"{MAX_TARGET:,}")
        checked[measure] = value
    for part, whole in (
        (Measure.PROMOTIONS_HIGH, Measure.PROMOTIONS),
        (Measure.CERTIFICATES_HIGH, Measure.CERTIFICATES),
    ):
        high, total = checked[part], checked[whole]
        if high is not None and total is not None and high > total:
            raise DomainError(
                N_("高技能部分（%(high)d）不能大于总数（%(total)d）。"),
                field=part.value,
                high=high,
                total=total,
            )
    if all(v is None for v in checked.values()):
        raise DomainError(N_("请至少填写一项目标。"))
    return checked


@dataclass(frozen=True)
class SeedExample:
    """A yearly target published in a seed document (DOMAIN.md §7), shown beside the form as an example."""

    city: str
    source: str
    values: Mapping[Measure, int]
    high_level: SkillLevel = DEFAULT_HIGH_LEVEL
    note: str = ""


#: The seed documents' yearly numbers (shared/seeds, DOMAIN.md §7).
SEED_EXAMPLES: tuple[SeedExample, ...] = (
    SeedExample(
        "绍兴市",
        "绍兴 技能人才政策 第13条",
        {Measure.CONTESTS: 50, Measure.TITLES: 100},
        note="每年组织开展各类市级职业技能竞赛50场以上，培育100名左右市级技术能手",
    ),
    SeedExample(
        "张家港市",
        "张家港 技能人才 第（十）条",
        {Measure.EVENTS: 10},
        note="每年市级竞赛项目不少于10个",
    ),
    SeedExample(
        "宿迁市",
        "技能宿迁行动 第（六）、（九）条",
        {Measure.CONTESTS: 100, Measure.CERTIFICATES_HIGH: 1000},
        high_level=SkillLevel.TECHNICIAN,
        note="三年开展各级各类技能竞赛300场次；每年新增取得技师以上证书1000人以上",
    ),
    SeedExample(
        "宿迁市各县（区）",
        "技能宿迁行动 第（九）条",
        {Measure.CONTESTS: 15},
        note="各县（区）每年组织15场次以上技能竞赛（各功能区6场次以上）",
    ),
    SeedExample(
        "南通市",
        "南通 实施方案 第（十二）条",
        {Measure.CERTIFICATES: 48000, Measure.CERTIFICATES_HIGH: 9500},
        note="每年新增取得职业技能等级证书48000人次，其中高级工及以上9500人次",
    ),
)
