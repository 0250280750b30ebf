"""Aspects (评分项) and the rules that mark them, with the observation each rule reads.

An aspect is the smallest marked item (DOMAIN.md §1). Its ``kind`` is ``measurement`` (objective) or
``judgement`` (subjective), derived from its rule:

* :class:`Check` (measurement): :class:`Checked` met / not met → full or zero;
* :class:`ToleranceBands` (measurement): :class:`Measured` value → share of the band its deviation is in;
* :class:`OrdinalGrades` (measurement): :class:`Graded` grade → full at the required grade, half one worse …;
* :class:`AutomatedTest` (measurement): :class:`RunResult` passed/total of an automated run → that share;
* :class:`Deductions` (measurement): :class:`Findings` counts/deviations → maximum − capped deductions;
* :class:`Judgement` (judgement): :class:`Scores` 0–3 per judge → aggregated score ÷ 3 × maximum;
* :class:`JudgedMark` (judgement): :class:`Scores` 0–maximum per judge → aggregated mark.

Sources: DOMAIN.md §3 (WorldSkills judgement 0–3, mean ÷ 3 × maximum, divergence > 1 re-scored; 5 judges
trimmed mean; measurement full/zero or tolerance bands) and the contest technical documents of §8.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property

from competition.errors import N_, DomainError, joined
from competition.scoring.aggregate import Aggregation, aggregate, diverges, spread
from competition.scoring.deductions import Deductions
from competition.scoring.explain import Lines, later
from competition.scoring.rounding import exact, fmt

# --- observations: what is recorded for one competitor on one aspect -------------------------------------


@dataclass(frozen=True)
class Scores:
    """Each judge's score for one aspect: judge id → score (0–3 for :class:`Judgement`, 0–max otherwise)."""

    by_judge: Mapping[str, Decimal]


@dataclass(frozen=True)
class Measured:
    """A measured value in the aspect's unit (e.g. ``Decimal('50.03')`` mm)."""

    value: Decimal


@dataclass(frozen=True)
class Checked:
    """A yes/no measurement: the requirement is met or not."""

    met: bool


@dataclass(frozen=True)
class Graded:
    """An ordinal grade read off the work, e.g. ``Ra3.2`` or ``Ⅱ级`` (must be one of the rule's grades)."""

    grade: str


@dataclass(frozen=True)
class Findings:
    """Deduction findings: rule code → count of occurrences or measured deviation. Absent codes: none."""

    amounts: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    """An automated test run: ``passed`` of ``total`` cases (fractions allowed; 0 ≤ passed ≤ total)."""

    passed: Decimal
    total: Decimal


Observation = Scores | Measured | Checked | Graded | Findings | RunResult


@dataclass(frozen=True)
class Marked:
    """A computed aspect mark (exact), its explanation lines, and for judged aspects the scores used."""

    mark: Fraction
    lines: Sequence[str]
    scores: Mapping[str, Fraction] = field(default_factory=dict)
    divergent: bool = False


class AspectKind(StrEnum):
    """Measurement (objective) or judgement (subjective) aspect."""

    MEASUREMENT = "measurement"
    JUDGEMENT = "judgement"

    @property
    def label(self) -> str:
        """``测量`` or ``评价``."""
        return N_("测量") if self is AspectKind.MEASUREMENT else N_("评价")


# --- rules -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """Full mark when the requirement is met, zero otherwise (WorldSkills yes/no measurement)."""

    def mark(self, maximum: Fraction, obs: Checked) -> Marked:
        """Mark for a :class:`Checked` observation."""
        if obs.met:
            return Marked(maximum, Lines((later(_full_line, maximum),)))
        return Marked(Fraction(0), ("不符合要求，得 0 分",))


def _full_line(maximum: Fraction) -> str:
    return f"符合要求，得满分 {fmt(maximum)} 分"


@dataclass(frozen=True)
class Band:
    """A tolerance band: deviation from nominal within ``[-below, +above]`` earns ``share`` of the maximum."""

    below: Decimal
    above: Decimal
    share: Decimal
    label: str = ""


@dataclass(frozen=True)
class ToleranceBands:
    """Partial marks by tolerance bands, narrowest first (e.g. within tolerance full, within a small allowance
    full, next band half, beyond zero). A value outside every band earns zero.

    Bands must widen (each contains the previous) and shares must be in [0, 1] and not increase; otherwise
    :class:`DomainError`. Plain "full or zero within tolerance" is one band with share 1.
    """

    nominal: Decimal
    bands: tuple[Band, ...]
    unit: str = ""

    def __post_init__(self) -> None:
        if not self.bands:
            raise DomainError(N_("公差分档评分至少需要一个公差带"))
        previous: Band | None = None
        for band in self.bands:
            below, above, share = exact(band.below), exact(band.above), exact(band.share)
            if below < 0 or above < 0:
                raise DomainError(N_("公差带上下偏差不能为负"))
            if not 0 <= share <= 1:
                raise DomainError(N_("公差带得分比例必须在0到1之间"))
            if previous is not None and (
                below < exact(previous.below)
                or above < exact(previous.above)
                or share > exact(previous.share)
            ):
                raise DomainError(N_("公差带须由窄到宽排列，且得分比例不递增"))
            previous = band

    def mark(self, maximum: Fraction, obs: Measured) -> Marked:
        """Mark for a :class:`Measured` value: the share of the first band containing its deviation."""
        value = exact(obs.value, what="实测值")
        deviation = value - exact(self.nominal)
        for index, band in enumerate(self.bands, start=1):
            if -exact(band.below) <= deviation <= exact(band.above):
                got = exact(band.share) * maximum
                return Marked(got, Lines((later(self._line, value, deviation, index, band, got),)))
        return Marked(Fraction(0), Lines((later(self._line, value, deviation, None, None, None),)))

    def _line(
        self, value: Fraction, deviation: Fraction, index: int | None, band: Band | None, got: Fraction | None
    ) -> str:
        sign = "+" if deviation >= 0 else ""
        shown = f"实测 {fmt(value, 4)}{self.unit}，偏差 {sign}{fmt(deviation, 4)}{self.unit}"
        if band is None or got is None:
            return f"{shown}，超出全部公差带，得 0 分"
        name = band.label or f"第{index}档"
        limits = f"+{fmt(band.above, 4)}/-{fmt(band.below, 4)}{self.unit}"
        return f"{shown}，在{name}（{limits}）内，得配分的 {fmt(band.share)}：{fmt(got)} 分"


@dataclass(frozen=True)
class OrdinalGrades:
    """Marks by ordinal grade: at or better than ``required`` earns ``shares[0]``; k classes worse earns
    ``shares[k]``; worse than listed earns zero. Default "one class worse → half, two → zero".

    ``grades`` are listed best first. Raises :class:`DomainError` when ``required`` is not among them,
    grades repeat, or shares are outside [0, 1] or increase.
    """

    grades: tuple[str, ...]
    required: str
    shares: tuple[Decimal, ...] = (Decimal(1), Decimal("0.5"))

    def __post_init__(self) -> None:
        if self.required not in self.grades:
            raise DomainError(N_("要求等级“%(required)s”不在等级列表中"), required=self.required)
        if len(set(self.grades)) != len(self.grades):
            raise DomainError(N_("等级列表有重复"))
        values = [exact(s) for s in self.shares]
        if not values or any(not 0 <= v <= 1 for v in values) or values != sorted(values, reverse=True):
            raise DomainError(N_("等级得分比例须在0到1之间且不递增"))

    def mark(self, maximum: Fraction, obs: Graded) -> Marked:
        """Mark for a :class:`Graded` observation; :class:`DomainError` for an unknown grade."""
        if obs.grade not in self.grades:
            raise DomainError(
                N_("等级“%(grade)s”不在本项等级列表（%(grades)s）中"),
                grade=obs.grade,
                grades=joined(self.grades),
            )
        worse = self.grades.index(obs.grade) - self.grades.index(self.required)
        if worse <= 0:
            share, why = exact(self.shares[0]), f"达到要求等级 {self.required}"
        else:
            share = exact(self.shares[worse]) if worse < len(self.shares) else Fraction(0)
            why = f"比要求等级 {self.required} 低 {worse} 级"
        got = share * maximum
        return Marked(got, Lines((later(_grade_line, obs.grade, why, share, got),)))


@dataclass(frozen=True)
class AutomatedTest:
    """Fractional mark imported from an automated test run: passed ÷ total × maximum."""

    def mark(self, maximum: Fraction, obs: RunResult) -> Marked:
        """Mark for a :class:`RunResult`; :class:`DomainError` unless 0 ≤ passed ≤ total and total > 0."""
        passed, total = exact(obs.passed, what="通过数"), exact(obs.total, what="测试总数")
        if total <= 0 or not 0 <= passed <= total:
            raise DomainError(
                N_("自动测试结果无效：通过 %(passed)s / 共 %(total)s"), passed=fmt(passed), total=fmt(total)
            )
        got = passed / total * maximum
        return Marked(got, Lines((later(_run_line, passed, total, got),)))


def _grade_line(grade: str, why: str, share: Fraction, got: Fraction) -> str:
    return f"实测等级 {grade}，{why}，得配分的 {fmt(share)}：{fmt(got)} 分"


def _run_line(passed: Fraction, total: Fraction, got: Fraction) -> str:
    return f"自动测试通过 {fmt(passed)}/{fmt(total)}，得 {fmt(got)} 分"


def _score(judge: str, value: Decimal) -> Fraction:
    try:
        return exact(value)
    except DomainError:  # name the judge in the message
        return exact(value, what=f"裁判 {judge} 的评分")


def _collect(obs: Scores, judge: str | None, low: Fraction, high: Fraction) -> dict[str, Fraction]:
    scores = {j: _score(j, s) for j, s in obs.by_judge.items()}
    if judge is not None:
        scores = {judge: scores[judge]} if judge in scores else {}
    for j, s in scores.items():
        if not low <= s <= high:
            raise DomainError(
                N_("裁判 %(j)s 的评分 %(s)s 超出 %(low)s–%(high)s 的范围"),
                j=j,
                s=fmt(s),
                low=fmt(low),
                high=fmt(high),
            )
    return scores


def _listing(scores: Mapping[str, Fraction]) -> str:
    return "、".join(f"{j} {fmt(s)}" for j, s in sorted(scores.items()))


@dataclass(frozen=True)
class Judgement:
    """WorldSkills judgement: each judge scores 0–``scale_max`` (default 0–3, whole numbers); mark =
    aggregated score ÷ ``scale_max`` × maximum. Scores differing by more than ``divergence_limit`` (default 1;
    ``None`` disables) flag the aspect for re-scoring. ``aggregation`` ``None`` uses the scheme's default.
    """

    scale_max: Decimal = Decimal(3)
    aggregation: Aggregation | None = None
    divergence_limit: Decimal | None = Decimal(1)
    whole_scores: bool = True

    def mark(
        self, maximum: Fraction, obs: Scores, *, default: Aggregation, judge: str | None = None
    ) -> Marked:
        """Mark for :class:`Scores`; ``judge`` restricts to one judge (per-part aggregation).

        Raises :class:`DomainError` for a score out of range or not whole, or too few scores for a trimmed
        mean. An empty :class:`Scores` must be treated as missing by the caller.
        """
        scale = exact(self.scale_max)
        scores = _collect(obs, judge, Fraction(0), scale)
        if self.whole_scores and any(s.denominator != 1 for s in scores.values()):
            raise DomainError(
                N_("评价分须为 0–%(scale)s 的整数：%(scores)s"), scale=fmt(scale), scores=_listing(scores)
            )
        # one judge's own score when each judge's part total is aggregated instead (per-part aggregation)
        method = Aggregation.MEAN if judge is not None else self.aggregation or default
        values = list(scores.values())
        agg = aggregate(values, method)
        got = agg / scale * maximum
        divergent = self.divergence_limit is not None and diverges(values, exact(self.divergence_limit))
        lines = Lines((later(self._lines, scores, method, agg, scale, maximum, got, divergent),))
        return Marked(got, lines, scores, divergent)

    def _lines(
        self,
        scores: Mapping[str, Fraction],
        method: Aggregation,
        agg: Fraction,
        scale: Fraction,
        maximum: Fraction,
        got: Fraction,
        divergent: bool,
    ) -> Lines:
        lines = [
            f"评价分 {_listing(scores)}，{method.label}得 {fmt(agg, 4)}，"
            f"÷{fmt(scale)}×{fmt(maximum)} = {fmt(got)} 分"
        ]
        if divergent:
            lines.append(
                f"评分相差 {fmt(spread(list(scores.values())))} 分，"
                f"超过 {fmt(self.divergence_limit)} 分，须重新评分"
            )
        return Lines(lines)


@dataclass(frozen=True)
class JudgedMark:
    """Each judge gives a mark from 0 to the aspect maximum; the marks are aggregated (DOMAIN.md §3: 5 judges,
    trimmed mean). ``divergence_limit`` in marks, ``None`` (default) for no divergence rule.
    """

    aggregation: Aggregation | None = None
    divergence_limit: Decimal | None = None

    def mark(
        self, maximum: Fraction, obs: Scores, *, default: Aggregation, judge: str | None = None
    ) -> Marked:
        """Mark for :class:`Scores`; errors as :meth:`Judgement.mark`."""
        scores = _collect(obs, judge, Fraction(0), maximum)
        # one judge's own score when each judge's part total is aggregated instead (per-part aggregation)
        method = Aggregation.MEAN if judge is not None else self.aggregation or default
        values = list(scores.values())
        got = aggregate(values, method)
        divergent = self.divergence_limit is not None and diverges(values, exact(self.divergence_limit))
        return Marked(got, Lines((later(self._lines, scores, method, got, divergent),)), scores, divergent)

    def _lines(
        self, scores: Mapping[str, Fraction], method: Aggregation, got: Fraction, divergent: bool
    ) -> Lines:
        lines = [f"裁判评分 {_listing(scores)}，{method.label}：{fmt(got)} 分"]
        if divergent:
            lines.append(f"评分相差超过 {fmt(self.divergence_limit)} 分，须重新评分")
        return Lines(lines)


AspectRule = Check | ToleranceBands | OrdinalGrades | AutomatedTest | Deductions | Judgement | JudgedMark

_OBSERVATION_FOR: dict[type, type] = {
    Check: Checked,
    ToleranceBands: Measured,
    OrdinalGrades: Graded,
    AutomatedTest: RunResult,
    Deductions: Findings,
    Judgement: Scores,
    JudgedMark: Scores,
}


@dataclass(frozen=True)
class Aspect:
    """The smallest marked item (评分项): ``code`` unique in its scheme, ``maximum`` > 0 marks, a ``rule``.

    Raises :class:`DomainError` for an empty code or a non-positive maximum.
    """

    code: str
    name: str
    maximum: Decimal
    rule: AspectRule

    def __post_init__(self) -> None:
        if not self.code:
            raise DomainError(N_("评分项“%(name)s”缺少编号"), name=self.name)
        if exact(self.maximum, what=f"评分项 {self.code} 的配分") <= 0:
            raise DomainError(N_("评分项 %(code)s 的配分必须大于0"), code=self.code)

    @cached_property  # the aspect is frozen; asked for once per competitor
    def kind(self) -> AspectKind:
        """``judgement`` for judge-scored rules, ``measurement`` otherwise."""
        judged = isinstance(self.rule, Judgement | JudgedMark)
        return AspectKind.JUDGEMENT if judged else AspectKind.MEASUREMENT

    @cached_property
    def exact_maximum(self) -> Fraction:
        """``maximum`` as an exact ``Fraction`` (made once: hashing a ``Decimal`` is not free)."""
        return exact(self.maximum)

    @property
    def observation_type(self) -> type:
        """The observation class this aspect's rule reads."""
        return _OBSERVATION_FOR[type(self.rule)]

    def evaluate(self, obs: Observation, *, default: Aggregation, judge: str | None = None) -> Marked:
        """Mark ``obs`` by this aspect's rule (exact, unrounded) with explanation lines.

        ``default`` is the scheme's aggregation for judged rules; ``judge`` limits judged rules to one judge.
        Raises :class:`DomainError` when ``obs`` is the wrong kind of record or invalid for the rule.
        """
        if not isinstance(obs, self.observation_type):
            raise DomainError(
                N_("评分项 %(code)s 需要“%(name__)s”记录，收到“%(name__2)s”"),
                code=self.code,
                name__=self.observation_type.__name__,
                name__2=type(obs).__name__,
            )
        maximum = self.exact_maximum
        rule = self.rule
        if isinstance(rule, Judgement | JudgedMark):
            return rule.mark(maximum, obs, default=default, judge=judge)
        if isinstance(rule, Deductions):
            got, lines = rule.mark(maximum, obs.amounts)
            return Marked(got, lines)
        return rule.mark(maximum, obs)
