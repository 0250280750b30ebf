"""The marking scheme (评分标准 / 评分细则): parts → criteria → sub-criteria → aspects, plus the rules that
act beyond plain sums — vetoes (否决项), gates (门槛), time rules (超时扣分) — and its validation.

Sources: DOMAIN.md §3 — each part is scored out of 100 and the total is a weighted sum (weights seen 30/70,
20/80, 40/60, 25/55/20); 60 is the usual pass mark of a part. A part whose aspects total another scale (80,
120, 150 …) is normalised to 100 before weighting. Veto, gate and time rules follow the contest technical
documents cited in DOMAIN.md §8.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property

from competition.domain import PartKind
from competition.errors import N_, DomainError
from competition.scoring.aggregate import Aggregation
from competition.scoring.aspects import Aspect
from competition.scoring.deductions import StepRounding
from competition.scoring.rounding import RoundingPolicy, exact, fmt

HUNDRED = Fraction(100)


@dataclass(frozen=True)
class Criterion:
    """A criterion (评分模块) or sub-criterion: a named group of sub-criteria and aspects.

    Its maximum is the sum of its children's maxima. Raises :class:`DomainError` when it has no children.
    """

    code: str
    name: str
    children: tuple[Criterion | Aspect, ...]

    def __post_init__(self) -> None:
        if not self.code:
            raise DomainError(N_("评分模块“%(name)s”缺少编号"), name=self.name)
        if not self.children:
            raise DomainError(N_("评分模块 %(code)s 没有评分项"), code=self.code)

    @cached_property  # the tree is frozen; asked for once per node per competitor
    def maximum(self) -> Fraction:
        """Sum of the children's maxima (exact)."""
        return sum((_maximum(c) for c in self.children), Fraction(0))


Node = Criterion | Aspect


def _maximum(node: Node) -> Fraction:
    return node.maximum if isinstance(node, Criterion) else node.exact_maximum


def walk(nodes: tuple[Node, ...]) -> Iterator[Node]:
    """Every criterion and aspect under ``nodes``, depth first, parents before children."""
    for node in nodes:
        yield node
        if isinstance(node, Criterion):
            yield from walk(node.children)


class AggregationLevel(StrEnum):
    """Whether judges' scores are combined per aspect, or each judge's part total is combined."""

    ASPECT = "aspect"
    PART = "part"


class VetoScope(StrEnum):
    """What a veto item (否决项) voids."""

    ASPECT = "aspect"
    SECTION = "section"
    PART = "part"
    RESULT = "result"

    @property
    def label(self) -> str:
        """Chinese effect, e.g. ``取消比赛成绩``."""
        return {
            "aspect": N_("该评分项记0分"),
            "section": N_("所在评分模块记0分"),
            "part": N_("该部分成绩记0分"),
            "result": N_("取消比赛成绩"),
        }[self.value]


@dataclass(frozen=True)
class TimeRule:
    """Time rules of a part (minutes, measured from the start of the part).

    * Over ``limit_minutes``: ``points_per_step`` off the part's raw marks per started ``step_minutes``
      (``step_rounding``), at most ``max_deduction`` ("超时每1分钟扣1分，最多扣10分").
    * ``hard_stop_minutes``: the competitor is stopped there (强制停止); time beyond it is not counted.
    * ``disqualify_after_minutes``: past it the part (``disqualify_scope`` PART) or the whole result
      (RESULT, default) is void.

    Raises :class:`DomainError` for non-positive limits or limits out of order.
    """

    limit_minutes: Decimal
    points_per_step: Decimal = Decimal(0)
    step_minutes: Decimal = Decimal(1)
    max_deduction: Decimal | None = None
    step_rounding: StepRounding = StepRounding.UP
    hard_stop_minutes: Decimal | None = None
    disqualify_after_minutes: Decimal | None = None
    disqualify_scope: VetoScope | None = None

    def __post_init__(self) -> None:
        limit = exact(self.limit_minutes, what="规定时间")
        if limit <= 0 or exact(self.step_minutes) <= 0 or exact(self.points_per_step) < 0:
            raise DomainError(N_("规定时间和计时单位必须大于0，扣分不能为负"))
        for later in (self.hard_stop_minutes, self.disqualify_after_minutes):
            if later is not None and exact(later) < limit:
                raise DomainError(N_("强制停止或取消资格的时间不能早于规定时间"))
        if self.disqualify_scope not in (None, VetoScope.PART, VetoScope.RESULT):
            raise DomainError(N_("超时取消资格只能作用于该部分或全部成绩"))

    def apply(self, minutes: Fraction) -> tuple[Fraction, bool, tuple[str, ...]]:
        """(points off the raw part marks, disqualified?, explanation lines) for ``minutes`` used (≥ 0)."""
        if minutes < 0:
            raise DomainError(N_("用时不能为负：%(minutes)s"), minutes=fmt(minutes))
        lines: list[str] = [f"用时 {fmt(minutes)} 分钟，规定 {fmt(self.limit_minutes)} 分钟"]
        if self.disqualify_after_minutes is not None and minutes > exact(self.disqualify_after_minutes):
            lines.append(f"超过 {fmt(self.disqualify_after_minutes)} 分钟，{self._scope.label}")
            return Fraction(0), True, tuple(lines)
        counted = minutes
        if self.hard_stop_minutes is not None and minutes > exact(self.hard_stop_minutes):
            counted = exact(self.hard_stop_minutes)
            lines.append(f"到 {fmt(counted)} 分钟强制停止，超出部分不计")
        over = max(Fraction(0), counted - exact(self.limit_minutes))
        if over == 0 or exact(self.points_per_step) == 0:
            return Fraction(0), False, tuple(lines)
        steps = self.step_rounding.steps(over, exact(self.step_minutes))
        points = steps * exact(self.points_per_step)
        lines.append(
            f"超时 {fmt(over)} 分钟，每 {fmt(self.step_minutes)} 分钟扣 {fmt(self.points_per_step)} 分"
            f"（{self.step_rounding.label}），扣 {fmt(points)} 分"
        )
        if self.max_deduction is not None and points > exact(self.max_deduction):
            points = exact(self.max_deduction)
            lines.append(f"超时最多扣 {fmt(points)} 分")
        return points, False, tuple(lines)

    @property
    def _scope(self) -> VetoScope:
        return self.disqualify_scope or VetoScope.RESULT


@dataclass(frozen=True)
class Part:
    """A part (理论知识 / 技能操作 / 答辩) with its ``weight`` in percent of the total.

    ``children`` are criteria and aspects; their maxima total the part's raw scale, normalised to 100.
    ``maximum``, when given, must equal that sum (catches typing errors in the 细则). ``pass_mark`` is out of
    100 (default 60). ``aggregation_level`` PART combines each judge's part total instead of each aspect.
    Raises :class:`DomainError` for a weight outside (0, 100], a pass mark outside [0, 100], no children, or
    a declared maximum that does not match.
    """

    kind: PartKind
    weight: Decimal
    children: tuple[Node, ...]
    pass_mark: Decimal = Decimal(60)
    maximum: Decimal | None = None
    time_rule: TimeRule | None = None
    aggregation_level: AggregationLevel = AggregationLevel.ASPECT

    def __post_init__(self) -> None:
        label = self.kind.label
        if not 0 < exact(self.weight, what=f"{label}权重") <= 100:
            raise DomainError(N_("%(label)s的权重必须在0到100之间"), label=label)
        if not 0 <= exact(self.pass_mark, what=f"{label}及格分") <= 100:
            raise DomainError(N_("%(label)s的及格分必须在0到100之间"), label=label)
        if not self.children:
            raise DomainError(N_("%(label)s没有评分项"), label=label)
        if self.maximum is not None and exact(self.maximum) != self.raw_maximum:
            raise DomainError(
                N_("%(label)s各评分项配分合计 %(raw_maximum)s 分，与规定满分 %(maximum)s 分不符"),
                label=label,
                raw_maximum=fmt(self.raw_maximum),
                maximum=fmt(self.maximum),
            )

    @cached_property  # the tree is frozen; asked for several times per competitor
    def raw_maximum(self) -> Fraction:
        """Sum of the children's maxima: the part's own scale (100, 150 …)."""
        return sum((_maximum(c) for c in self.children), Fraction(0))

    def aspects(self) -> Iterator[Aspect]:
        """Every aspect of the part, depth first."""
        return iter(self._aspects)

    @cached_property  # the tree is frozen; walked once per competitor otherwise
    def _aspects(self) -> tuple[Aspect, ...]:
        return tuple(n for n in walk(self.children) if isinstance(n, Aspect))


@dataclass(frozen=True)
class Veto:
    """A veto item (否决项): when recorded for a competitor, the ``target`` scores zero.

    ``target`` is an aspect code (ASPECT), a criterion code (SECTION), a part kind value such as
    ``"practical"`` (PART), or ``None`` (RESULT: disqualification, 取消成绩). Checked by
    :class:`MarkingScheme`.
    """

    code: str
    description: str
    scope: VetoScope
    target: str | None = None


@dataclass(frozen=True)
class Gate:
    """A gate (门槛): ``target``'s marks count only if ``depends_on`` reaches ``threshold_share`` of its own
    maximum, e.g. conduct points only when quality ≥ 60 % (``threshold_share=Decimal('0.6')``).

    Both are criterion or aspect codes of the same part. Gates apply in the order listed, after vetoes; a
    gate sees the effect of the gates before it. Checked by :class:`MarkingScheme`.
    """

    target: str
    depends_on: str
    threshold_share: Decimal
    description: str = ""


@dataclass(frozen=True)
class MarkingScheme:
    """A complete marking scheme for one event.

    ``parts``: one per :class:`PartKind`, weights summing to exactly 100. ``aggregation``: default for judged
    aspects (DOMAIN.md §3; *inferred* default ``MEAN``). ``rounding``: where marks are rounded (default exact,
    display 2 places half-up). Aspect and criterion codes must be unique across the scheme and differ from
    part kind values. Raises :class:`DomainError` naming the first problem found.
    """

    name: str
    parts: tuple[Part, ...]
    vetoes: tuple[Veto, ...] = ()
    gates: tuple[Gate, ...] = ()
    aggregation: Aggregation = Aggregation.MEAN
    rounding: RoundingPolicy = field(default_factory=RoundingPolicy)

    def __post_init__(self) -> None:
        if not self.parts:
            raise DomainError(N_("评分标准至少需要一个部分"))
        kinds = [p.kind for p in self.parts]
        if len(set(kinds)) != len(kinds):
            raise DomainError(N_("评分标准中同一部分出现多次"))
        total_weight = sum((exact(p.weight) for p in self.parts), Fraction(0))
        if total_weight != HUNDRED:
            raise DomainError(
                N_("各部分权重合计 %(total_weight)s%%，应为 100%%"), total_weight=fmt(total_weight)
            )
        codes: dict[str, PartKind] = {}
        for part in self.parts:
            for node in walk(part.children):
                if node.code in codes or node.code in {k.value for k in PartKind}:
                    raise DomainError(N_("评分项或模块编号重复：%(code)s"), code=node.code)
                codes[node.code] = part.kind
        self._check_vetoes()
        self._check_gates(codes)

    def _check_vetoes(self) -> None:
        seen: set[str] = set()
        for veto in self.vetoes:
            if veto.code in seen:
                raise DomainError(N_("否决项编号重复：%(code)s"), code=veto.code)
            seen.add(veto.code)
            node = self.node(veto.target) if veto.target else None
            ok = {
                VetoScope.ASPECT: isinstance(node, Aspect),
                VetoScope.SECTION: isinstance(node, Criterion),
                VetoScope.PART: veto.target in {p.kind.value for p in self.parts},
                VetoScope.RESULT: veto.target is None,
            }[veto.scope]
            if not ok:
                raise DomainError(
                    N_("否决项 %(code)s 的作用对象“%(target)s”与范围“%(scope)s”不符"),
                    code=veto.code,
                    target=veto.target,
                    scope=veto.scope.label,
                )

    def _check_gates(self, codes: dict[str, PartKind]) -> None:
        for gate in self.gates:
            for code in (gate.target, gate.depends_on):
                if code not in codes:
                    raise DomainError(N_("门槛规则引用了不存在的评分项或模块：%(code)s"), code=code)
            if gate.target == gate.depends_on or codes[gate.target] != codes[gate.depends_on]:
                raise DomainError(
                    N_("门槛规则 %(target)s ← %(depends_on)s 须引用同一部分中的不同项目"),
                    target=gate.target,
                    depends_on=gate.depends_on,
                )
            if not 0 < exact(gate.threshold_share, what="门槛比例") <= 1:
                raise DomainError(N_("门槛比例须大于0且不超过1"))

    def part(self, kind: PartKind) -> Part:
        """The part of that kind; :class:`DomainError` if the scheme has none."""
        for part in self.parts:
            if part.kind is kind:
                return part
        raise DomainError(N_("评分标准中没有%(kind)s部分"), kind=kind.label)

    def node(self, code: str) -> Node | None:
        """The criterion or aspect with that code, or ``None``."""
        for part in self.parts:
            for node in walk(part.children):
                if node.code == code:
                    return node
        return None

    def aspects(self) -> Iterator[tuple[Part, Aspect]]:
        """Every (part, aspect) pair, parts in scheme order."""
        return iter(self._aspect_pairs)

    @cached_property  # the scheme is frozen; walked once per competitor otherwise
    def _aspect_pairs(self) -> tuple[tuple[Part, Aspect], ...]:
        return tuple((part, aspect) for part in self.parts for aspect in part.aspects())

    @cached_property
    def aspect_codes(self) -> frozenset[str]:
        """Codes of every aspect of the scheme."""
        return frozenset(a.code for _, a in self._aspect_pairs)
