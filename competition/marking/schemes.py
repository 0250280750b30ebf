"""A stored scheme workbook ↔ the core's :class:`~competition.scoring.scheme.MarkingScheme`.

Pure apart from the cache: no Flask, no database. An uploaded workbook (our template or a WorldSkills CIS
sheet) is read by :func:`competition.scoring.xlsx_io.import_scheme_xlsx`, its parts are fitted to the
event's parts (the event's weights and pass marks win; a theory part the workbook lacks becomes one exam
aspect whose score is imported from the exam system), and the result is written back in our template.
Those bytes are stored and are the only source of the scheme from then on.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from threading import Lock

from competition.domain import PartKind
from competition.errors import N_, DomainError, InvariantError, fmt, joined
from competition.scoring.aspects import (
    Aspect,
    AutomatedTest,
    Check,
    JudgedMark,
    Judgement,
    OrdinalGrades,
    ToleranceBands,
)
from competition.scoring.deductions import Deductions
from competition.scoring.scheme import Criterion, MarkingScheme, Part, walk
from competition.scoring.xlsx_io import (
    AspectInfo,
    ImportReport,
    Problem,
    StandardSection,
    export_scheme_xlsx,
    import_scheme_xlsx,
)

EXAM_CODE = "TH"
"""Code of the aspect added for a theory part the workbook does not describe (the exam system's score)."""
EXAM_NAME = N_("理论考试成绩（百分制，由考试系统导入）")
"""Name of that aspect: the platform's own text, stored in the scheme's workbook in Chinese and shown
translated (:func:`load` marks it again when the stored name is still this one)."""


@dataclass(frozen=True)
class PartSpec:
    """An event part as the fitting needs it: kind, weight and pass mark in percent/points."""

    kind: PartKind
    weight: Decimal
    pass_mark: Decimal


@dataclass(frozen=True)
class Loaded:
    """A scheme rebuilt from stored bytes, with the workbook's aspect notes and standard sections."""

    scheme: MarkingScheme
    infos: dict[str, AspectInfo] = field(default_factory=dict)
    sections: tuple[StandardSection, ...] = ()
    layout: str = "template"

    @property
    def aspects(self) -> dict[str, tuple[PartKind, Aspect]]:
        """Aspect code → (part kind, aspect), scheme order."""
        return {a.code: (p.kind, a) for p, a in self.scheme.aspects()}


@dataclass(frozen=True)
class Fitted:
    """An upload fitted to its event: the scheme and its workbook bytes, or the problems found."""

    loaded: Loaded | None
    workbook: bytes | None
    problems: tuple[Problem, ...]
    layout: str = ""
    notes: tuple[str, ...] = ()


def _exam_part(spec: PartSpec, taken: set[str]) -> Part:
    code = EXAM_CODE
    while code in taken:
        code += "0"
    return Part(
        spec.kind,
        spec.weight,
        (Aspect(code, EXAM_NAME, Decimal(100), AutomatedTest()),),
        pass_mark=spec.pass_mark,
    )


def fit_upload(data: bytes, parts: Sequence[PartSpec], *, name: str) -> Fitted:
    """Read an uploaded workbook and fit it to the event's ``parts`` (all-or-nothing).

    Every problem of the workbook is returned with its sheet and row; then the fitting adds its own:
    a part the event does not have, or a practical/defence part the workbook lacks. Weights and pass
    marks are the event's. Returns :class:`Fitted` with the template workbook to store.
    """
    report: ImportReport = import_scheme_xlsx(data, name=name)
    if not report.ok:
        return Fitted(None, None, report.problems, report.layout, report.notes)
    scheme = report.require()
    problems: list[Problem] = []
    wanted = {p.kind: p for p in parts}
    own = {p.kind: p for p in scheme.parts}
    for kind in own:
        if kind not in wanted:
            problems.append(
                Problem(
                    None, None, fmt(N_("评分标准有“%(kind)s”部分，但本赛项没有这一部分"), kind=kind.label)
                )
            )
    taken = {n.code for p in scheme.parts for n in walk(p.children)}
    infos, sections = dict(report.aspects), tuple(report.sections)
    fitted_parts: list[Part] = []
    for spec in parts:
        if spec.kind in own:
            fitted_parts.append(replace(own[spec.kind], weight=spec.weight, pass_mark=spec.pass_mark))
        elif spec.kind is PartKind.THEORY:
            exam = _exam_part(spec, taken)
            fitted_parts.append(exam)
            if sections:  # every aspect then needs a standard section; the exam is a section of its own
                number = exam.children[0].code
                sections = (*sections, StandardSection(number, PartKind.THEORY.label, Decimal(100)))
                infos[number] = AspectInfo(section=number)
        else:
            problems.append(
                Problem(
                    None,
                    None,
                    fmt(N_("本赛项设有“%(kind)s”部分，评分标准中缺少这一部分"), kind=spec.kind.label),
                )
            )
    if problems:
        return Fitted(None, None, tuple(problems), report.layout, report.notes)
    try:
        fitted = replace(scheme, parts=tuple(fitted_parts))
    except DomainError as error:
        return Fitted(None, None, (Problem(None, None, error.text),), report.layout, report.notes)
    workbook = export_scheme_xlsx(fitted, aspects=infos, sections=sections)
    loaded = Loaded(fitted, infos, sections, report.layout)
    return Fitted(loaded, workbook, (), report.layout, report.notes)


_CACHE: OrderedDict[str, Loaded] = OrderedDict()
_CACHE_LOCK = Lock()
_CACHE_SIZE = 64


def cached(sha256: str) -> Loaded | None:
    """The scheme with that SHA-256 if this process has already parsed it."""
    with _CACHE_LOCK:
        found = _CACHE.get(sha256)
        if found is not None:
            _CACHE.move_to_end(sha256)
        return found


def load(workbook: bytes, sha256: str) -> Loaded:
    """The scheme stored as ``workbook`` (whose SHA-256 is ``sha256``), parsed once per process.

    Raises :class:`InvariantError` when stored bytes no longer read as a scheme (they were checked on
    the way in, so this is a bug or tampering).
    """
    with _CACHE_LOCK:
        found = _CACHE.get(sha256)
        if found is not None:
            _CACHE.move_to_end(sha256)
            return found
    report = import_scheme_xlsx(workbook)
    if not report.ok:
        raise InvariantError(f"stored scheme {sha256[:12]} does not read back: {report.problems[:3]}")
    loaded = Loaded(
        _marked_exam_name(report.require()), dict(report.aspects), tuple(report.sections), report.layout
    )
    with _CACHE_LOCK:
        _CACHE[sha256] = loaded
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return loaded


def _marked_exam_name(scheme: MarkingScheme) -> MarkingScheme:
    """``scheme`` with the exam aspect's name marked for translation (:data:`EXAM_NAME`) when it is
    still the platform's default text; a name the organizer wrote in the workbook stays as written."""
    exam = exam_aspect(scheme)
    if exam is None or exam.name != EXAM_NAME:
        return scheme
    marked = replace(exam, name=EXAM_NAME)
    parts = tuple(
        replace(part, children=tuple(marked if child is exam else child for child in part.children))
        if any(child is exam for child in part.children)
        else part
        for part in scheme.parts
    )
    return replace(scheme, parts=parts)


def exam_aspect(scheme: MarkingScheme) -> Aspect | None:
    """The theory part's single automated-test aspect, whose score the exam system supplies, if any."""
    for part in scheme.parts:
        if part.kind is PartKind.THEORY:
            aspects = list(part.aspects())
            if len(aspects) == 1 and isinstance(aspects[0].rule, AutomatedTest):
                return aspects[0]
    return None


def judged_parts(scheme: MarkingScheme) -> list[Part]:
    """Parts marked by a judges' panel: all but a theory part made of the exam aspect alone."""
    exam = exam_aspect(scheme)
    return [p for p in scheme.parts if not (exam is not None and p.kind is PartKind.THEORY)]


@dataclass(frozen=True)
class InputSpec:
    """How the grid asks for an aspect's value: ``kind`` is ``number``, ``choice`` or ``text``; for numbers
    ``low``/``high``/``step``; for choices ``options`` as (value, label); ``hint`` in Chinese."""

    kind: str
    low: str = ""
    high: str = ""
    step: str = ""
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    pattern: str = ""


def input_spec(aspect: Aspect) -> InputSpec:
    """The input the marking grid shows for ``aspect`` (mirrors what :mod:`competition.scoring.files`
    accepts; the server checks again with the core on every save)."""
    rule = aspect.rule
    if isinstance(rule, Judgement):
        step = "1" if rule.whole_scores else "0.01"
        return InputSpec(
            "number",
            "0",
            _plain(rule.scale_max),
            step,
            hint=fmt(N_("0–%(max)s 分"), max=_plain(rule.scale_max)),
        )
    if isinstance(rule, JudgedMark):
        return InputSpec(
            "number",
            "0",
            _plain(aspect.maximum),
            "0.01",
            hint=fmt(N_("0–%(max)s 分"), max=_plain(aspect.maximum)),
        )
    if isinstance(rule, Check):
        return InputSpec("choice", options=(("1", N_("符合")), ("0", N_("不符合"))), hint=N_("符合 / 不符合"))
    if isinstance(rule, OrdinalGrades):
        return InputSpec("choice", options=tuple((g, g) for g in rule.grades), hint=N_("等级"))
    if isinstance(rule, ToleranceBands):
        hint = fmt(N_("实测值（%(unit)s）"), unit=rule.unit) if rule.unit else N_("实测值")
        return InputSpec("number", step="any", hint=hint)
    if isinstance(rule, AutomatedTest):
        return InputSpec("text", hint=N_("通过数/总数，如 17/20"), pattern=r"\d+(\.\d+)?/\d+(\.\d+)?")
    if isinstance(rule, Deductions):
        codes = sorted(rule.rule_codes)
        return InputSpec(
            "text",
            hint=fmt(
                N_("扣分记录，如 %(example)s；无扣分填 0（规则：%(codes)s）"),
                example=f"{codes[0]}=2",
                codes=joined(codes),
            ),
        )
    raise InvariantError(f"no input for rule {type(rule).__name__}")


def _plain(value: Decimal) -> str:
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _dec(value: Fraction | Decimal) -> Decimal:
    value = Fraction(value)
    return Decimal(value.numerator) / Decimal(value.denominator)


def tree(scheme: MarkingScheme) -> list[dict]:
    """The scheme as nested dicts for the read-only tree view: parts → criteria → aspects with maxima."""

    def node(n: Criterion | Aspect) -> dict:
        if isinstance(n, Criterion):
            children = [node(c) for c in n.children]
            return {"code": n.code, "name": n.name, "maximum": _dec(n.maximum), "children": children}
        return {"code": n.code, "name": n.name, "maximum": _dec(n.maximum), "kind": n.kind, "children": []}

    return [
        {
            "kind": p.kind,
            "weight": p.weight,
            "pass_mark": p.pass_mark,
            "raw_maximum": _dec(p.raw_maximum),
            "children": [node(c) for c in p.children],
        }
        for p in scheme.parts
    ]
