"""One competitor's (or team's) records → explained marks, part scores and total.

Order of operations for each part (each step adds Chinese explanation lines to what it touches):

1. every aspect is marked by its rule (exact; rounded only if ``RoundingPolicy.aspect_places``);
2. veto items recorded for the competitor zero their aspect, section or part (a RESULT veto disqualifies);
3. gates apply in the scheme's order;
4. criteria and the part sum their children; a PART-level aggregation combines each judge's part total;
5. the time rule deducts from the raw part marks (never below 0) or voids the part/result;
6. the raw marks are normalised to 100 (``raw ÷ raw maximum × 100``) and compared with the pass mark;
7. total = Σ weight % × part score, from unrounded parts unless the policy says otherwise.

**Missing marks** are not an error here: the result has status ``INCOMPLETE``, ``total=None`` and lists
what is missing (aspect codes, ``"<part>.用时"`` for a missing time) so the chief judge's completeness check
can show it; :func:`competition.scoring.standings.build_standings` refuses to rank incomplete results.
Judge scores that diverge beyond the rule's limit also make the result ``INCOMPLETE`` (they must be
re-scored, DOMAIN.md §3). Marks under a vetoed or gated-out node, or in a part the competitor was absent
from (缺考, scored 0), are not needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import partial
from math import lcm

from competition.domain import PartKind
from competition.errors import N_, DomainError, joined
from competition.errors import fmt as fmt_msg
from competition.scoring.aggregate import aggregate, spread
from competition.scoring.aspects import Aspect, AspectKind, Findings, Marked, Observation, Scores
from competition.scoring.explain import LazyTuple, Lines, later
from competition.scoring.rounding import exact, fmt
from competition.scoring.scheme import (
    HUNDRED,
    AggregationLevel,
    Criterion,
    MarkingScheme,
    Node,
    Part,
    VetoScope,
    walk,
)


class Status(StrEnum):
    """Whether a result can be ranked."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    DISQUALIFIED = "disqualified"

    @property
    def label(self) -> str:
        """``成绩完整`` / ``成绩不完整`` / ``取消成绩``."""
        return {"complete": N_("成绩完整"), "incomplete": N_("成绩不完整"), "disqualified": N_("取消成绩")}[
            self.value
        ]


@dataclass(frozen=True)
class Sheet:
    """Everything recorded for one entry (a competitor, or a team as one entry).

    ``observations``: aspect code → observation; ``vetoes``: codes of veto items recorded; ``minutes``:
    time used per part (minutes); ``absent``: parts the entry did not sit (缺考, scored 0); ``members``:
    the team's members (empty for an individual).
    """

    entry: str
    observations: Mapping[str, Observation] = field(default_factory=dict)
    vetoes: frozenset[str] = frozenset()
    minutes: Mapping[PartKind, Decimal] = field(default_factory=dict)
    absent: frozenset[PartKind] = frozenset()
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class AspectResult:
    """An aspect's mark (exact; ``None`` when missing) out of ``maximum``, with its explanation."""

    code: str
    name: str
    kind: AspectKind
    maximum: Fraction
    mark: Fraction | None
    lines: Sequence[str]
    divergent: bool = False


@dataclass(frozen=True)
class CriterionResult:
    """A criterion's mark (sum of its children, or 0 when vetoed/gated out; ``None`` when incomplete)."""

    code: str
    name: str
    maximum: Fraction
    mark: Fraction | None
    children: tuple[CriterionResult | AspectResult, ...]
    lines: Sequence[str]


@dataclass(frozen=True)
class PartResult:
    """A part's marks: ``raw`` on its own scale (after time deduction), ``score`` out of 100, ``weighted``
    = score × weight ÷ 100 (all exact; ``None`` when incomplete). ``judge_totals`` is filled for PART-level
    aggregation. ``passed`` compares ``score`` with ``pass_mark``.
    """

    kind: PartKind
    weight: Fraction
    pass_mark: Fraction
    raw_maximum: Fraction
    raw: Fraction | None
    score: Fraction | None
    weighted: Fraction | None
    passed: bool | None
    minutes: Fraction | None
    children: Sequence[CriterionResult | AspectResult]
    lines: Sequence[str]
    judge_totals: Mapping[str, Fraction] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """The explained result of one entry. ``total`` is exact (``None`` unless complete or disqualified with
    all marks present); ``missing`` and ``divergent`` list what blocks completeness.
    """

    entry: str
    status: Status
    parts: tuple[PartResult, ...]
    total: Fraction | None
    lines: Sequence[str]
    missing: tuple[str, ...] = ()
    divergent: tuple[str, ...] = ()
    completion_minutes: Fraction | None = None
    members: tuple[str, ...] = ()

    @property
    def all_passed(self) -> bool | None:
        """True when every part is passed; ``None`` when a part score is unknown."""
        flags = [p.passed for p in self.parts]
        return None if None in flags else all(flags)

    @property
    def part_scores(self) -> dict[PartKind, Fraction]:
        """Part kind → score out of 100, for parts with a known score."""
        return {p.kind: p.score for p in self.parts if p.score is not None}

    def part(self, kind: PartKind) -> PartResult:
        """The result of that part; :class:`DomainError` if the scheme has no such part."""
        for part in self.parts:
            if part.kind is kind:
                return part
        raise DomainError(N_("成绩中没有%(kind)s部分"), kind=kind.label)


@dataclass(frozen=True)
class Divergence:
    """Judge scores on one aspect for one entry that differ by more than ``limit`` (must be re-scored)."""

    entry: str
    aspect: str
    scores: Mapping[str, Fraction]
    spread: Fraction
    limit: Fraction


# --- evaluation ------------------------------------------------------------------------------------------


def _check_sheet(scheme: MarkingScheme, sheet: Sheet) -> None:
    unknown = sorted(set(sheet.observations) - scheme.aspect_codes)
    if unknown:
        raise DomainError(
            N_("%(entry)s：未知的评分项 %(unknown)s"), entry=sheet.entry, unknown=joined(unknown)
        )
    if sheet.vetoes:
        vetoes = {v.code for v in scheme.vetoes}
        unknown = sorted(set(sheet.vetoes) - vetoes)
        if unknown:
            raise DomainError(
                N_("%(entry)s：未知的否决项 %(unknown)s"), entry=sheet.entry, unknown=joined(unknown)
            )
    extra = (set(sheet.minutes) | set(sheet.absent)) - {p.kind for p in scheme.parts}
    if extra:
        raise DomainError(
            N_("%(entry)s：评分标准中没有 %(extra)s"),
            entry=sheet.entry,
            extra=joined(sorted(k.label for k in extra)),
        )


def _present(obs: Observation | None) -> bool:
    return obs is not None and not (isinstance(obs, Scores) and not obs.by_judge)


Memo = dict[tuple, Marked]
"""Aspect marks already computed in one batch (:func:`score_sheets`): an aspect's mark depends only on the
aspect, the observation and the judge, and judges' scores repeat (a 0–3 scale, three to five judges)."""


def _observation_key(obs: Observation) -> tuple | Observation:
    if isinstance(obs, Scores):
        return tuple(obs.by_judge.items())  # judges' order is kept: it is the order of the lines
    if isinstance(obs, Findings):
        return ("findings", tuple(obs.amounts.items()))
    return obs  # the other observations are frozen and hashable


def _evaluate(scheme: MarkingScheme, aspect: Aspect, obs: Observation, judge: str | None) -> Marked:
    got = aspect.evaluate(obs, default=scheme.aggregation, judge=judge)
    rounded = scheme.rounding.aspect(got.mark)
    if rounded != got.mark:
        got = Marked(rounded, Lines((got.lines, later(_kept_line, rounded))), got.scores, got.divergent)
    return got


def _kept_line(rounded: Fraction) -> str:
    return f"按规定保留小数，记 {fmt(rounded, 4)} 分"


def _mark_aspects(
    scheme: MarkingScheme, part: Part, sheet: Sheet, judge: str | None, memo: Memo | None = None
) -> dict[str, Marked | None]:
    marked: dict[str, Marked | None] = {}
    observations = sheet.observations
    for aspect in part.aspects():
        obs = observations.get(aspect.code)
        if not _present(obs) or (
            judge is not None and aspect.kind is AspectKind.JUDGEMENT and judge not in obs.by_judge
        ):
            marked[aspect.code] = None
            continue
        if memo is None:
            marked[aspect.code] = _evaluate(scheme, aspect, obs, judge)
            continue
        # the aspect objects of one scheme live as long as the batch, so their ids are stable keys
        key = (id(aspect), judge, _observation_key(obs))
        got = memo.get(key)
        if got is None:
            got = memo[key] = _evaluate(scheme, aspect, obs, judge)
        marked[aspect.code] = got
    return marked


class _Tree:
    """Marks of one part's tree under a set of zeroed nodes (vetoes, gates)."""

    def __init__(self, marked: Mapping[str, Marked | None], zeroed: dict[str, str]) -> None:
        self.marked = marked
        self.zeroed = zeroed
        self._marks: dict[str, Fraction | None] = {}  # valid while ``zeroed`` is unchanged

    def zero(self, code: str, reason: str) -> None:
        """Zero a node (a gate) unless it already is; forgets the sums computed so far."""
        if code not in self.zeroed:
            self.zeroed[code] = reason
            self._marks.clear()

    def mark(self, node: Node) -> Fraction | None:
        code = node.code
        if code in self._marks:
            return self._marks[code]
        if code in self.zeroed:
            value: Fraction | None = Fraction(0)
        elif isinstance(node, Aspect):
            got = self.marked[code]
            value = None if got is None else got.mark
        else:
            value = Fraction(0)
            for child in node.children:
                part = self.mark(child)
                if part is None:  # ``None in values`` would compare None with every Fraction (slow)
                    value = None
                    break
                value += part
        self._marks[code] = value
        return value

    def missing(self, nodes: Iterable[Node]) -> list[str]:
        found: list[str] = []
        for node in nodes:
            if node.code in self.zeroed:
                continue
            if isinstance(node, Aspect):
                if self.marked[node.code] is None:
                    found.append(node.code)
            else:
                found.extend(self.missing(node.children))
        return found

    def result(self, node: Node, voided_by: str | None = None) -> CriterionResult | AspectResult:
        """The node's result; under a zeroed ancestor every descendant shows 0 and the ancestor's reason,
        so that the children always add up to their parent."""
        own = self.zeroed.get(node.code)
        reason = own or voided_by
        extra = () if reason is None else (reason if own else f"（上级）{reason}",)
        mark = Fraction(0) if reason else self.mark(node)
        if isinstance(node, Aspect):
            got = self.marked[node.code]
            lines = ("未录入成绩",) if got is None else got.lines
            divergent = got is not None and got.divergent and reason is None
            return AspectResult(
                node.code,
                node.name,
                node.kind,
                node.exact_maximum,
                mark,
                lines + extra if extra else lines,
                divergent,
            )
        children = tuple(self.result(child, reason) for child in node.children)
        return CriterionResult(node.code, node.name, node.maximum, mark, children, extra)


def _children(tree: _Tree, nodes: tuple[Node, ...]) -> tuple[CriterionResult | AspectResult, ...]:
    return tuple(tree.result(node) for node in nodes)


def _leaves(nodes: tuple[CriterionResult | AspectResult, ...]) -> Iterator[AspectResult]:
    for node in nodes:
        if isinstance(node, AspectResult):
            yield node
        else:
            yield from _leaves(node.children)


def _apply_gates(scheme: MarkingScheme, part: Part, tree: _Tree) -> list:
    lines: list = []
    if not scheme.gates:
        return lines
    codes = {n.code for n in walk(part.children)}
    for gate in scheme.gates:
        if gate.target not in codes:
            continue
        dependency = scheme.node(gate.depends_on)
        target = scheme.node(gate.target)
        value = tree.mark(dependency)
        if value is None:
            continue  # the dependency's own missing marks already make the part incomplete
        needed = exact(gate.threshold_share) * (
            dependency.maximum if isinstance(dependency, Criterion) else exact(dependency.maximum)
        )
        rule = gate.description or f"{dependency.name}达到配分的 {fmt(exact(gate.threshold_share) * 100)}% 时"
        said = f"门槛（{rule}）：{dependency.name}得 {fmt(value)} 分"
        if value < needed:
            tree.zero(gate.target, f"{said}，未达到 {fmt(needed)} 分，{target.name}不计分")
        else:
            lines.append(f"{said}，达到 {fmt(needed)} 分，{target.name}计分")
    return lines


def _base_zeroed(scheme: MarkingScheme, part: Part, sheet: Sheet) -> dict[str, str]:
    zeroed: dict[str, str] = {}
    if not sheet.vetoes and part.kind not in sheet.absent:
        return zeroed
    codes = {n.code for n in walk(part.children)}
    for veto in scheme.vetoes:
        if veto.code not in sheet.vetoes:
            continue
        if veto.scope in (VetoScope.ASPECT, VetoScope.SECTION) and veto.target in codes:
            zeroed.setdefault(veto.target, f"否决项“{veto.description}”：{veto.scope.label}")
        elif veto.scope is VetoScope.PART and veto.target == part.kind.value:
            for child in part.children:
                zeroed.setdefault(child.code, f"否决项“{veto.description}”：{veto.scope.label}")
    if part.kind in sheet.absent:
        for child in part.children:
            zeroed[child.code] = "缺考，该部分记0分"
    return zeroed


def _raw(
    scheme: MarkingScheme, part: Part, sheet: Sheet, judge: str | None, memo: Memo | None = None
) -> tuple[_Tree, Fraction | None, list]:
    tree = _Tree(_mark_aspects(scheme, part, sheet, judge, memo), _base_zeroed(scheme, part, sheet))
    gate_lines = _apply_gates(scheme, part, tree)
    if tree.zeroed:
        values = [tree.mark(child) for child in part.children]
        return tree, (None if any(v is None for v in values) else sum(values, Fraction(0))), gate_lines
    # nothing zeroed: the part is the sum of its aspects
    marks = [got.mark for got in tree.marked.values() if got is not None]
    raw = _exact_sum(marks) if len(marks) == len(tree.marked) else None
    return tree, raw, gate_lines


def _exact_sum(values: Iterable[Fraction]) -> Fraction:
    """Σ values, exact: one running numerator over the least common denominator, one reduction at the end
    (adding ``Fraction`` s one by one reduces at every step; aspect marks share a few denominators)."""
    numerator, denominator = 0, 1
    for value in values:
        d = value.denominator
        if d == denominator:
            numerator += value.numerator
        else:
            common = lcm(denominator, d)
            numerator = numerator * (common // denominator) + value.numerator * (common // d)
            denominator = common
    return Fraction(numerator, denominator)


def _judges_line(judge_totals: dict[str, Fraction], label: str, raw: Fraction) -> str:
    shown = "、".join(f"{j} {fmt(v)}" for j, v in judge_totals.items())
    return f"各裁判合计：{shown}，{label}得 {fmt(raw)} 分"


def _scale_line(raw: Fraction, raw_maximum: Fraction, score: Fraction) -> str:
    return f"满分 {fmt(raw_maximum)} 分折算为百分制：{fmt(raw)} ÷ {fmt(raw_maximum)} × 100 = {fmt(score)} 分"


def _pass_line(label: str, score: Fraction, passed: bool, pass_mark: Fraction) -> str:
    return f"{label} {fmt(score)} 分，{'及格' if passed else '不及格'}（及格线 {fmt(pass_mark)} 分）"


def _weight_line(label: str, score: Fraction, weight: Fraction, weighted: Fraction) -> str:
    return f"{label} {fmt(score)} 分 × {fmt(weight)}% = {fmt(weighted)} 分"


def _total_line(weighted: tuple[Fraction, ...], total: Fraction) -> str:
    return f"总分 = {' + '.join(fmt(w) for w in weighted)} = {fmt(total)} 分"


def _score_part(
    scheme: MarkingScheme, part: Part, sheet: Sheet, memo: Memo | None = None
) -> tuple[PartResult, list[str], list[str], bool]:
    """(result, missing codes, divergent aspect codes, disqualifies the whole result?)."""
    label = part.kind.label
    tree, raw, lines = _raw(scheme, part, sheet, None, memo)
    children: Sequence[CriterionResult | AspectResult]
    if tree.zeroed:
        missing = tree.missing(part.children)
        children = tuple(tree.result(child) for child in part.children)
        divergent = [a.code for a in _leaves(children) if a.divergent]  # not under a zeroed node
    else:  # the common case, read straight off the aspects (depth-first, as the tree would list them)
        missing = [code for code, got in tree.marked.items() if got is None]
        divergent = [code for code, got in tree.marked.items() if got is not None and got.divergent]
        # the explained tree is built only when someone reads it
        children = LazyTuple(partial(_children, tree, part.children))
    judge_totals: dict[str, Fraction] = {}
    if part.aggregation_level is AggregationLevel.PART and raw is not None and part.kind not in sheet.absent:
        judges = sorted(
            {
                j
                for a in part.aspects()
                if a.kind is AspectKind.JUDGEMENT and a.code not in tree.zeroed
                for j in getattr(sheet.observations.get(a.code), "by_judge", {})
            }
        )
        for judge in judges:
            judge_tree, judge_raw, _ = _raw(scheme, part, sheet, judge, memo)
            if judge_raw is None:
                missing.extend(f"{code}（裁判 {judge}）" for code in judge_tree.missing(part.children))
            else:
                judge_totals[judge] = judge_raw
        # with no judged aspect per-aspect and per-part aggregation coincide and raw stands
        if judges and len(judge_totals) == len(judges):
            raw = aggregate(list(judge_totals.values()), scheme.aggregation)
            lines.append(later(_judges_line, judge_totals, scheme.aggregation.label, raw))
        elif judges:
            raw = None  # a judge's own total is incomplete; listed in missing
    if raw is not None and raw < 0:
        lines.append(f"{label}得分为负，按0分计")
        raw = Fraction(0)
    minutes = sheet.minutes.get(part.kind)
    minutes_exact = None if minutes is None else exact(minutes, what=f"{label}用时")
    disqualified = False
    if part.time_rule is not None and part.kind not in sheet.absent:
        if minutes_exact is None:
            missing.append(f"{part.kind.value}.用时")
        else:
            points, void, time_lines = part.time_rule.apply(minutes_exact)
            lines.extend(time_lines)
            if void and part.time_rule.disqualify_scope is VetoScope.PART:
                raw = Fraction(0) if raw is not None else None
            elif void:
                disqualified = True
            elif raw is not None and points:
                raw = max(Fraction(0), raw - points)
    score = weighted = passed = None
    if raw is not None and not missing:
        score = scheme.rounding.part(raw / part.raw_maximum * HUNDRED)
        if part.raw_maximum != HUNDRED:
            lines.append(later(_scale_line, raw, part.raw_maximum, score))
        weight, pass_mark = exact(part.weight), exact(part.pass_mark)
        weighted = score * weight / HUNDRED
        passed = score >= pass_mark
        lines.append(later(_pass_line, label, score, passed, pass_mark))
        lines.append(later(_weight_line, label, score, weight, weighted))
    result = PartResult(
        kind=part.kind,
        weight=exact(part.weight),
        pass_mark=exact(part.pass_mark),
        raw_maximum=part.raw_maximum,
        raw=raw if not missing else None,
        score=score,
        weighted=weighted,
        passed=passed,
        minutes=minutes_exact,
        children=children,
        lines=Lines(lines),
        judge_totals=judge_totals,
    )
    return result, missing, divergent, disqualified


def score_sheet(scheme: MarkingScheme, sheet: Sheet) -> Result:
    """Score one entry's :class:`Sheet` against ``scheme`` and explain every mark.

    Returns a :class:`Result`: status ``COMPLETE`` (exact ``total``), ``INCOMPLETE`` (``total=None``;
    ``missing``/``divergent`` say why) or ``DISQUALIFIED`` (a RESULT-scope veto or a time limit; ``total``
    kept for the record when computable, but never ranked). Raises :class:`DomainError` for records that
    do not fit the scheme (unknown codes, wrong observation type, out-of-range scores).
    Sources: DOMAIN.md §3 and the steps listed in this module's docstring.
    """
    return _score_sheet(scheme, sheet, None)


def score_sheets(scheme: MarkingScheme, sheets: Iterable[Sheet]) -> tuple[Result, ...]:
    """:func:`score_sheet` for each sheet of one event, in order (the same results, faster: an aspect's
    mark for the same observation is computed once per call). Raises as :func:`score_sheet`."""
    memo: Memo = {}
    return tuple(_score_sheet(scheme, sheet, memo) for sheet in sheets)


def _score_sheet(scheme: MarkingScheme, sheet: Sheet, memo: Memo | None) -> Result:
    _check_sheet(scheme, sheet)
    parts, missing, divergent, lines = [], [], [], []
    disqualified = False
    for veto in scheme.vetoes:
        if veto.code in sheet.vetoes and veto.scope is VetoScope.RESULT:
            disqualified = True
            lines.append(
                fmt_msg(
                    N_("否决项“%(description)s”：%(scope)s"),
                    description=veto.description,
                    scope=veto.scope.label,
                )
            )
    for part in scheme.parts:
        result, part_missing, part_divergent, void = _score_part(scheme, part, sheet, memo)
        parts.append(result)
        missing.extend(part_missing)
        divergent.extend(part_divergent)
        if void:
            disqualified = True
            lines.append(fmt_msg(N_("%(part)s超过时限：取消比赛成绩"), part=part.kind.label))
    total = None
    if all(p.weighted is not None for p in parts):
        exact_total = sum((p.weighted for p in parts), Fraction(0))
        total = scheme.rounding.total(exact_total)
        lines.append(later(_total_line, tuple(p.weighted for p in parts), total))
    if disqualified:
        status = Status.DISQUALIFIED
    elif missing or divergent:
        status, total = Status.INCOMPLETE, None
        if missing:
            lines.append(f"缺少成绩：{'、'.join(missing)}")
        if divergent:
            lines.append(f"须重新评分：{'、'.join(divergent)}")
    else:
        status = Status.COMPLETE
    times = [p.minutes for p in parts if p.minutes is not None]
    return Result(
        entry=sheet.entry,
        status=status,
        parts=tuple(parts),
        total=total,
        lines=Lines(lines),
        missing=tuple(missing),
        divergent=tuple(divergent),
        completion_minutes=sum(times, Fraction(0)) if times else None,
        members=sheet.members,
    )


def find_divergences(scheme: MarkingScheme, sheets: Iterable[Sheet]) -> tuple[Divergence, ...]:
    """Every (entry, judged aspect) whose judges' scores differ by more than the rule's limit.

    Returns :class:`Divergence` records in sheet then scheme order, for the chief judge to send back for
    re-scoring (DOMAIN.md §3: WorldSkills, at most 1 point apart). Aspects without a limit are skipped.
    Raises :class:`DomainError` for invalid scores.
    """
    found: list[Divergence] = []
    for sheet in sheets:
        for _, aspect in scheme.aspects():
            limit = getattr(aspect.rule, "divergence_limit", None)
            obs = sheet.observations.get(aspect.code)
            if limit is None or not _present(obs):
                continue
            got = aspect.evaluate(obs, default=scheme.aggregation)
            if got.divergent:
                values = list(got.scores.values())
                found.append(Divergence(sheet.entry, aspect.code, got.scores, spread(values), exact(limit)))
    return tuple(found)
