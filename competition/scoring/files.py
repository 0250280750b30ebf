"""Plain files for independent re-derivation of results (复核): MARKS.csv in, STANDINGS.csv out.

Both files are UTF-8 (a UTF-8 BOM, as Excel writes it, is accepted), comma-separated, with a header row;
line 1 is the header, so the first data row is line 2. Bad rows raise :class:`DomainError` naming the line and
column (``MARKS.csv 第 7 行“value”列：…``); nothing is returned from a file with an error.

**MARKS.csv** — long format, one row per recorded fact. Columns (any order; ``entry`` and ``value`` are
required, the others may be left out when never used)::

    event,entry,part,aspect,judge,value,kind,rule

* ``event``: the event (赛项) name; optional, one value per file; STANDINGS.csv uses it (else the scheme name).
* ``entry``: competitor or team number (参赛号/工位号) — never a name (double blind, DOMAIN.md §3).
* ``kind`` (empty = ``mark``) says what the row records:

  - ``mark`` — an aspect's record: ``aspect`` = aspect code; ``part`` optional (checked against the scheme);
    ``value`` by the aspect's rule: J (0–3) and JM (0–max) one row per ``judge`` with that judge's score;
    M ``1``/``0`` (also 是/否) met or not; T the measured value; G the grade text; A ``passed/total``
    (e.g. ``17/20``); D one row per finding with ``rule`` = deduction rule code and ``value`` = count or
    deviation, or a single row with empty ``rule`` and ``value`` meaning "recorded, no deductions".
  - ``time`` — ``part`` and ``value`` = minutes used (用时) in that part.
  - ``absent`` — ``part`` the entry did not sit (缺考, scored 0); ``value`` empty.
  - ``veto`` — ``rule`` = the veto item's (否决项) code recorded against the entry.
  - ``member`` — ``value`` = a team member's number or name, one row each (teams only).
  - ``not_ranked`` — ``value`` = why the entry is listed but not ranked for awards (e.g. 往届技术能手).
  - ``lot`` — ``value`` = drawn lot number (抽签号), used only when joint ranks are not allowed.

* ``part``: ``theory``/``practical``/``defence`` or 理论知识/技能操作/答辩.

**STANDINGS.csv** — exactly these columns in this order (the promotion team reads it)::

    event,entry,status,rank,joint,entrants,total,total_display,part:theory,part:practical,part:defence,
    all_parts_passed,award,standardised

``status`` ``ranked``/``not_ranked``/``disqualified``; ``rank`` integer or empty; ``joint`` 1/0 (并列);
``entrants`` the number of ranked entries of the event; ``total`` the exact total as a decimal string —
exact whenever it terminates within 10 decimal places, otherwise rounded half-up at the 10th place (the
usual case for judgement marks, e.g. ``83.3333333333``; no marker is written so that every reader can parse
the number; ranks and awards were decided on the exact value, so read them, never re-rank from this
column; :func:`total_is_exact` tells); ``total_display`` the total to exactly 2 places, half-up;
``part:*`` the part score out of 100 in the same rendering, empty when the event has no such part or the
score is unknown; ``all_parts_passed`` 1 only when every part score is known and passed, else 0; ``award``
an :class:`AwardClass` value or empty; ``standardised`` same rendering, empty without a standardiser.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from competition.domain import AwardClass, PartKind
from competition.errors import N_, DomainError, Text, fmt, joined
from competition.scoring.aspects import (
    AutomatedTest,
    Check,
    Checked,
    Findings,
    Graded,
    JudgedMark,
    Judgement,
    Measured,
    Observation,
    OrdinalGrades,
    RunResult,
    Scores,
    ToleranceBands,
)
from competition.scoring.deductions import Deductions
from competition.scoring.marks import Sheet, Status, score_sheet
from competition.scoring.rounding import exact, quantize
from competition.scoring.scheme import MarkingScheme
from competition.scoring.standings import Standing, StandingsPolicy, build_standings

MARKS_COLUMNS = ("event", "entry", "part", "aspect", "judge", "value", "kind", "rule")
STANDINGS_COLUMNS = (
    "event",
    "entry",
    "status",
    "rank",
    "joint",
    "entrants",
    "total",
    "total_display",
    "part:theory",
    "part:practical",
    "part:defence",
    "all_parts_passed",
    "award",
    "standardised",
)
KINDS = ("mark", "time", "absent", "veto", "member", "not_ranked", "lot")
STATUSES = ("ranked", "not_ranked", "disqualified")
PLACES = 10
"""Most decimal places written for exact values in STANDINGS.csv."""
MAX_LINES = 1_000_000

_PARTS = {**{k.value: k for k in PartKind}, **{k.label: k for k in PartKind}}
_YES = {"1", "是", "yes", "y", "true", "met", "符合"}
_NO = {"0", "否", "no", "n", "false", "not met", "不符合"}


def _where(file: str, line: int, column: str | None = None) -> Text:
    if column:
        return fmt(N_("%(file)s 第 %(line)s 行“%(column)s”列"), file=file, line=line, column=column)
    return fmt(N_("%(file)s 第 %(line)s 行"), file=file, line=line)


def _error(file: str, line: int, column: str | None, problem: str) -> DomainError:
    """The error for ``problem`` (marked with ``N_``/``fmt``) at ``file``'s ``line`` (and ``column``).

    Its ``params`` keep ``where`` and ``problem`` apart, so a caller that names the place its own way
    (the marking grid) can show ``problem`` alone, translated.
    """
    return DomainError(
        N_("%(where)s：%(problem)s"), field=column, where=_where(file, line, column), problem=problem
    )


def _decode(data: bytes | str, file: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(
            N_(
                "%(file)s 不是 UTF-8 编码（可能是 GBK）：请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后再导入"
            ),
            file=file,
        ) from None


def _rows(data: bytes | str, file: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]) with blank rows skipped; DomainError for an empty file."""
    reader = csv.reader(io.StringIO(_decode(data, file), newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if header is None:
                header = [c.strip() for c in cells]
                continue
            if not any(c.strip() for c in cells):
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_LINES:
                raise DomainError(
                    N_("%(file)s 超过 %(max_lines)s 行，已拒绝"), file=file, max_lines=MAX_LINES
                )
    except csv.Error as err:
        raise DomainError(
            N_("%(line_num)s：CSV 格式错误（%(err)s）"), line_num=_where(file, reader.line_num), err=err
        ) from None
    if not header or not any(header):
        raise DomainError(N_("%(file)s 是空文件，缺少标题行"), file=file)
    return header, rows


def _decimal(text: str, file: str, line: int, column: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise _error(file, line, column, fmt(N_("不是数字：“%(text)s”"), text=text)) from None
    if not value.is_finite():
        raise _error(file, line, column, fmt(N_("不是有限数：“%(text)s”"), text=text))
    return value


def _render(value: Decimal | Fraction | None) -> str:
    """Decimal text of ``value``: exact when it terminates within :data:`PLACES` places, else rounded
    half-up at the last place; no exponent, no trailing zeros."""
    if value is None:
        return ""
    text = f"{quantize(exact(value), PLACES):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def total_is_exact(value: Fraction) -> bool:
    """True when ``value`` is written exactly in STANDINGS.csv (it terminates within 10 places)."""
    return Fraction(quantize(value, PLACES)) == value


# --- MARKS.csv -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkRow:
    """One MARKS.csv row, syntax-checked (``line`` 0 for rows made in memory). ``kind`` is one of
    :data:`KINDS`; ``part`` is parsed; the other cells are stripped text."""

    entry: str
    kind: str = "mark"
    part: PartKind | None = None
    aspect: str = ""
    judge: str = ""
    value: str = ""
    rule: str = ""
    event: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class MarksBundle:
    """What MARKS.csv holds for one event: ``sheets`` in first-seen entry order, ``not_ranked`` entry →
    reason, ``lots`` entry → lot, ``event`` name (``""`` when the file has none)."""

    sheets: tuple[Sheet, ...]
    not_ranked: Mapping[str, str] = field(default_factory=dict)
    lots: Mapping[str, int] = field(default_factory=dict)
    event: str = ""


def read_marks_csv(data: bytes | str, *, file: str = "MARKS.csv") -> tuple[MarkRow, ...]:
    """Parse MARKS.csv (bytes or text; format in the module docstring) into :class:`MarkRow` s.

    Checks the header (``entry`` and ``value`` required, no unknown or repeated columns) and each row's
    syntax: entry present, known ``kind`` and ``part``, the cells each kind needs, numbers where numbers are
    needed, one event per file. Raises :class:`DomainError` naming the line and column of the first problem.
    """
    header, rows = _rows(data, file)
    unknown = [h for h in header if h not in MARKS_COLUMNS]
    if unknown:
        raise _error(
            file,
            1,
            None,
            fmt(
                N_("未知的列：%(unknown)s（可用：%(columns)s）"),
                unknown=joined(unknown),
                columns=",".join(MARKS_COLUMNS),
            ),
        )
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise _error(file, 1, None, fmt(N_("列重复：%(columns)s"), columns=joined(repeated)))
    missing = [c for c in ("entry", "value") if c not in header]
    if missing:
        raise _error(file, 1, None, fmt(N_("缺少列：%(columns)s"), columns=joined(missing)))
    found: list[MarkRow] = []
    events: set[str] = set()
    for line, cells in rows:
        if len(cells) > len(header):
            raise _error(
                file,
                line,
                None,
                fmt(
                    N_("有 %(cells)s 个单元格，多于标题行的 %(columns)s 列"),
                    cells=len(cells),
                    columns=len(header),
                ),
            )
        cell = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        row = _mark_row(cell, file, line)
        if row.event:
            events.add(row.event)
            if len(events) > 1:
                raise _error(
                    file,
                    line,
                    "event",
                    fmt(N_("一个文件只能有一个赛项，已有“%(event)s”"), event=sorted(events - {row.event})[0]),
                )
        found.append(row)
    return tuple(found)


def _mark_row(cell: Mapping[str, str], file: str, line: int) -> MarkRow:
    entry = cell.get("entry", "")
    if not entry:
        raise _error(file, line, "entry", N_("缺少参赛号"))
    kind = cell.get("kind", "") or "mark"
    if kind not in KINDS:
        raise _error(
            file,
            line,
            "kind",
            fmt(N_("未知的记录类型“%(kind)s”，可选：%(kinds)s"), kind=kind, kinds=joined(KINDS)),
        )
    part = None
    if text := cell.get("part", ""):
        part = _PARTS.get(text.lower() if text.isascii() else text)
        if part is None:
            raise _error(
                file,
                line,
                "part",
                fmt(
                    N_("未知的部分“%(part)s”，可选：%(parts)s"),
                    part=text,
                    parts=joined(("theory", "practical", "defence")),
                ),
            )
    value, aspect, rule, judge = (
        cell.get("value", ""),
        cell.get("aspect", ""),
        cell.get("rule", ""),
        cell.get("judge", ""),
    )
    needs = {
        "mark": ("aspect",),
        "time": ("part", "value"),
        "absent": ("part",),
        "veto": ("rule",),
        "member": ("value",),
        "not_ranked": ("value",),
        "lot": ("value",),
    }[kind]
    for column in needs:
        if not cell.get(column, ""):
            raise _error(
                file, line, column, fmt(N_("“%(kind)s”记录须填写 %(column)s"), kind=kind, column=column)
            )
    if kind != "mark":
        for column, text in (("aspect", aspect), ("judge", judge)):
            if text:
                raise _error(
                    file, line, column, fmt(N_("“%(kind)s”记录不填写 %(column)s"), kind=kind, column=column)
                )
    if kind == "time" and _decimal(value, file, line, "value") < 0:
        raise _error(file, line, "value", fmt(N_("用时不能为负：%(value)s"), value=value))
    if kind == "lot" and not value.isdigit():
        raise _error(file, line, "value", fmt(N_("抽签号须为正整数：“%(value)s”"), value=value))
    return MarkRow(
        entry=entry,
        kind=kind,
        part=part,
        aspect=aspect,
        judge=judge,
        value=value,
        rule=rule,
        event=cell.get("event", ""),
        line=line,
    )


def build_sheets(rows: Iterable[MarkRow], scheme: MarkingScheme, *, file: str = "MARKS.csv") -> MarksBundle:
    """Turn parsed MARKS.csv rows into the core's :class:`Sheet` s for ``scheme``.

    Each row is checked against the scheme: the aspect exists and belongs to the given part, the value fits
    the aspect's rule (score within 0–3 or 0–max, 0/1, number, known grade, ``passed/total``, known deduction
    rule), judges present exactly for judged aspects, no fact recorded twice, veto codes known. Raises
    :class:`DomainError` naming the line and column. Marking itself is left to
    :func:`~competition.scoring.marks.score_sheet`.
    """
    aspects = {aspect.code: (part.kind, aspect) for part, aspect in scheme.aspects()}
    kinds = {p.kind for p in scheme.parts}
    vetoes = {v.code for v in scheme.vetoes}
    order: dict[str, None] = {}  # first-seen entry order (a dict: a list's ``in`` is linear)
    scores: dict[str, dict[str, dict[str, Decimal]]] = {}
    findings: dict[str, dict[str, dict[str, Decimal]]] = {}
    simple: dict[str, dict[str, Observation]] = {}
    seen: dict[tuple, int] = {}
    entry_vetoes: dict[str, set[str]] = {}
    minutes: dict[str, dict[PartKind, Decimal]] = {}
    absent: dict[str, set[PartKind]] = {}
    members: dict[str, list[str]] = {}
    not_ranked: dict[str, str] = {}
    lots: dict[str, int] = {}
    event = ""
    for row in rows:
        line = row.line
        event = event or row.event
        if row.entry not in order:
            order[row.entry] = None
        if row.part is not None and row.part not in kinds:
            raise _error(file, line, "part", fmt(N_("评分标准中没有%(part)s部分"), part=row.part.label))
        where = row.part if row.kind in {"time", "absent"} else None
        key = (row.entry, row.kind, where, row.aspect, row.judge, row.rule)
        if row.kind != "member" and key in seen:
            raise _error(file, line, None, fmt(N_("与第 %(line)s 行重复记录"), line=seen[key]))
        seen[key] = line
        if row.kind == "time":
            minutes.setdefault(row.entry, {})[row.part] = Decimal(row.value)
        elif row.kind == "absent":
            absent.setdefault(row.entry, set()).add(row.part)
        elif row.kind == "veto":
            if row.rule not in vetoes:
                raise _error(file, line, "rule", fmt(N_("评分标准中没有否决项 %(code)s"), code=row.rule))
            entry_vetoes.setdefault(row.entry, set()).add(row.rule)
        elif row.kind == "member":
            members.setdefault(row.entry, []).append(row.value)
        elif row.kind == "not_ranked":
            not_ranked[row.entry] = row.value
        elif row.kind == "lot":
            lots[row.entry] = int(row.value)
        else:
            _mark(row, aspects, file, scores, findings, simple)
    sheets = []
    for entry in order:
        observations: dict[str, Observation] = dict(simple.get(entry, {}))
        for code, by_judge in scores.get(entry, {}).items():
            observations[code] = Scores(by_judge)
        for code, amounts in findings.get(entry, {}).items():
            observations[code] = Findings(amounts)
        ordered = {a.code: observations[a.code] for _, a in scheme.aspects() if a.code in observations}
        sheets.append(
            Sheet(
                entry=entry,
                observations=ordered,
                vetoes=frozenset(entry_vetoes.get(entry, set())),
                minutes=minutes.get(entry, {}),
                absent=frozenset(absent.get(entry, set())),
                members=tuple(members.get(entry, [])),
            )
        )
    return MarksBundle(tuple(sheets), not_ranked, lots, event)


MarkFact = tuple[str, str, str, str, str]
"""A ``mark`` row of MARKS.csv as plain text: (entry, aspect code, judge code or ``""``, value, deduction rule
code or ``""``)."""


def sheets_from_marks(
    entries: Sequence[str], facts: Iterable[MarkFact], scheme: MarkingScheme, *, file: str = "MARKS.csv"
) -> tuple[Sheet, ...]:
    """One :class:`Sheet` per entry of ``entries`` (in that order, also without marks) from ``mark`` facts.

    Each fact is checked exactly as :func:`build_sheets` checks the same ``mark`` row (line 0) — by the same
    function, run once per distinct (aspect, judge given, value, rule) because the check depends on nothing
    else — and a fact recorded twice is refused. Facts for entries not in ``entries`` are ignored. Built for
    stored marks (hundreds of thousands per event) where :func:`build_sheets` would make a row object per
    mark. Raises :class:`DomainError` as :func:`build_sheets` does.
    """
    aspects = {aspect.code: (part.kind, aspect) for part, aspect in scheme.aspects()}
    wanted = dict.fromkeys(entries)
    checked: dict[tuple[str, bool, str, str], tuple[str, object]] = {}
    scores: dict[str, dict[str, dict[str, Decimal]]] = {}
    findings: dict[str, dict[str, dict[str, Decimal]]] = {}
    simple: dict[str, dict[str, Observation]] = {}
    empty: set[tuple[str, str]] = set()
    for entry, code, judge, value, rule in facts:
        if entry not in wanted:
            continue
        key = (code, bool(judge), value, rule)
        found = checked.get(key)
        if found is None:
            found = checked[key] = _check_fact(code, judge, value, rule, aspects, file)
        what, parsed = found
        if what == "score":
            by_judge = scores.setdefault(entry, {}).setdefault(code, {})
            duplicate = judge in by_judge
            by_judge[judge] = parsed
        elif what == "finding":
            amounts = findings.setdefault(entry, {}).setdefault(code, {})
            duplicate = rule in amounts
            amounts[rule] = parsed
        elif what == "none":
            findings.setdefault(entry, {}).setdefault(code, {})
            duplicate = (entry, code) in empty
            empty.add((entry, code))
        else:
            observed = simple.setdefault(entry, {})
            duplicate = code in observed
            observed[code] = parsed
        if duplicate:
            raise _error(file, 0, None, fmt(N_("与第 %(line)s 行重复记录"), line=0))
    order = [a.code for _, a in scheme.aspects()]
    sheets = []
    for entry in wanted:
        observations: dict[str, Observation] = dict(simple.get(entry, {}))
        for code, by_judge in scores.get(entry, {}).items():
            observations[code] = Scores(by_judge)
        for code, amounts in findings.get(entry, {}).items():
            observations[code] = Findings(amounts)
        ordered = {code: observations[code] for code in order if code in observations}
        sheets.append(Sheet(entry=entry, observations=ordered))
    return tuple(sheets)


def _check_fact(
    code: str, judge: str, value: str, rule: str, aspects: Mapping[str, tuple[PartKind, object]], file: str
) -> tuple[str, object]:
    scores: dict = {}
    findings: dict = {}
    simple: dict = {}
    _mark(
        MarkRow("-", aspect=code, judge=judge, value=value, rule=rule),
        aspects,
        file,
        scores,
        findings,
        simple,
    )
    if scores:
        return "score", scores["-"][code][judge]
    if findings:
        amounts = findings["-"][code]
        return ("finding", amounts[rule]) if amounts else ("none", None)
    return "simple", simple["-"][code]


def _mark(
    row: MarkRow,
    aspects: Mapping[str, tuple[PartKind, object]],
    file: str,
    scores: dict[str, dict[str, dict[str, Decimal]]],
    findings: dict[str, dict[str, dict[str, Decimal]]],
    simple: dict[str, dict[str, Observation]],
) -> None:
    line = row.line
    if row.aspect not in aspects:
        raise _error(file, line, "aspect", fmt(N_("评分标准中没有评分项 %(code)s"), code=row.aspect))
    kind, aspect = aspects[row.aspect]
    if row.part is not None and row.part is not kind:
        raise _error(
            file,
            line,
            "part",
            fmt(
                N_("评分项 %(code)s 属于%(part)s，不属于%(given)s"),
                code=row.aspect,
                part=kind.label,
                given=row.part.label,
            ),
        )
    rule = aspect.rule
    judged = isinstance(rule, Judgement | JudgedMark)
    if judged != bool(row.judge):
        message = N_("评价类评分项须填写裁判") if judged else N_("只有评价类评分项（J、JM）填写裁判")
        raise _error(file, line, "judge", message)
    if row.rule and not isinstance(rule, Deductions):
        raise _error(file, line, "rule", N_("只有扣分制评分项填写扣分规则编号"))
    if isinstance(rule, Deductions):
        amounts = findings.setdefault(row.entry, {}).setdefault(row.aspect, {})
        if not row.rule:
            if row.value:
                raise _error(
                    file, line, "rule", N_("扣分记录须填写扣分规则编号（无扣分时 rule 和 value 都留空）")
                )
            return
        if row.rule not in rule.rule_codes:
            raise _error(
                file,
                line,
                "rule",
                fmt(N_("评分项 %(code)s 没有扣分规则 %(rule)s"), code=row.aspect, rule=row.rule),
            )
        amount = _decimal(row.value, file, line, "value")
        if amount < 0:
            raise _error(file, line, "value", fmt(N_("扣分记录不能为负：%(value)s"), value=row.value))
        amounts[row.rule] = amount
        return
    if not row.value:
        raise _error(file, line, "value", N_("缺少成绩"))
    if judged:
        score = _decimal(row.value, file, line, "value")
        top = exact(rule.scale_max) if isinstance(rule, Judgement) else exact(aspect.maximum)
        if not 0 <= score <= top:
            raise _error(
                file,
                line,
                "value",
                fmt(N_("裁判评分须在 0–%(max)s 之间：%(value)s"), max=top, value=row.value),
            )
        scores.setdefault(row.entry, {}).setdefault(row.aspect, {})[row.judge] = score
        return
    observation: Observation
    if isinstance(rule, Check):
        text = row.value.lower()
        if text not in _YES | _NO:
            raise _error(
                file,
                line,
                "value",
                fmt(N_("测量评分项填 1（符合）或 0（不符合）：“%(value)s”"), value=row.value),
            )
        observation = Checked(text in _YES)
    elif isinstance(rule, ToleranceBands):
        observation = Measured(_decimal(row.value, file, line, "value"))
    elif isinstance(rule, OrdinalGrades):
        if row.value not in rule.grades:
            raise _error(
                file,
                line,
                "value",
                fmt(
                    N_("等级“%(grade)s”不在本项等级（%(grades)s）中"),
                    grade=row.value,
                    grades=joined(rule.grades),
                ),
            )
        observation = Graded(row.value)
    elif isinstance(rule, AutomatedTest):
        passed, slash, total = row.value.partition("/")
        if not slash:
            raise _error(
                file,
                line,
                "value",
                fmt(N_("自动测试结果写作“通过数/总数”，如 17/20：“%(value)s”"), value=row.value),
            )
        observation = RunResult(_decimal(passed, file, line, "value"), _decimal(total, file, line, "value"))
    else:
        raise _error(
            file, line, "aspect", fmt(N_("评分项 %(code)s 的评分方式不支持从文件导入"), code=row.aspect)
        )
    simple.setdefault(row.entry, {})[row.aspect] = observation


def marks_rows(
    scheme: MarkingScheme,
    sheets: Sequence[Sheet],
    *,
    event: str = "",
    not_ranked: Mapping[str, str] | None = None,
    lots: Mapping[str, int] | None = None,
) -> tuple[MarkRow, ...]:
    """The MARKS.csv rows that record ``sheets`` (the inverse of :func:`build_sheets`): sheet order, then
    scheme order of aspects, judges sorted. Raises :class:`DomainError` for an unknown aspect code."""
    parts = {aspect.code: part.kind for part, aspect in scheme.aspects()}
    found: list[MarkRow] = []
    for sheet in sheets:
        entry = sheet.entry
        for member in sheet.members:
            found.append(MarkRow(entry, "member", value=member, event=event))
        for code, obs in sheet.observations.items():
            if code not in parts:
                raise DomainError(N_("%(entry)s：评分标准中没有评分项 %(code)s"), entry=entry, code=code)
            base = {"entry": entry, "part": parts[code], "aspect": code, "event": event}
            if isinstance(obs, Scores):
                found.extend(MarkRow(**base, judge=j, value=_num(s)) for j, s in sorted(obs.by_judge.items()))
            elif isinstance(obs, Findings):
                if not obs.amounts:
                    found.append(MarkRow(**base))
                found.extend(MarkRow(**base, rule=r, value=_num(a)) for r, a in obs.amounts.items())
            elif isinstance(obs, Checked):
                found.append(MarkRow(**base, value="1" if obs.met else "0"))
            elif isinstance(obs, Measured):
                found.append(MarkRow(**base, value=_num(obs.value)))
            elif isinstance(obs, Graded):
                found.append(MarkRow(**base, value=obs.grade))
            else:
                found.append(MarkRow(**base, value=f"{_num(obs.passed)}/{_num(obs.total)}"))
        for kind, minutes in sheet.minutes.items():
            found.append(MarkRow(entry, "time", part=kind, value=_num(minutes), event=event))
        for kind in sorted(sheet.absent):
            found.append(MarkRow(entry, "absent", part=kind, event=event))
        for code in sorted(sheet.vetoes):
            found.append(MarkRow(entry, "veto", rule=code, event=event))
        if not_ranked and entry in not_ranked:
            found.append(MarkRow(entry, "not_ranked", value=not_ranked[entry], event=event))
        if lots and entry in lots:
            found.append(MarkRow(entry, "lot", value=str(lots[entry]), event=event))
    return tuple(found)


def _num(value: Decimal | Fraction | int) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}"
    return _render(exact(value))


def write_marks_csv(rows: Iterable[MarkRow]) -> str:
    """MARKS.csv text (header + one line per row, ``\\n`` line ends, no BOM) for ``rows``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MARKS_COLUMNS)
    for row in rows:
        kind = "" if row.kind == "mark" else row.kind
        part = "" if row.part is None else row.part.value
        writer.writerow([row.event, row.entry, part, row.aspect, row.judge, row.value, kind, row.rule])
    return out.getvalue()


# --- standings -------------------------------------------------------------------------------------------


def standings_from_marks(
    scheme: MarkingScheme, bundle: MarksBundle, policy: StandingsPolicy
) -> tuple[Standing, ...]:
    """Score every sheet of ``bundle`` and build the event's standings with the core
    (:func:`~competition.scoring.marks.score_sheet`, :func:`~competition.scoring.standings.build_standings`).
    Raises :class:`DomainError` for records that do not fit or incomplete results."""
    results = [score_sheet(scheme, sheet) for sheet in bundle.sheets]
    return build_standings(results, policy, not_ranked=bundle.not_ranked, lots=bundle.lots)


@dataclass(frozen=True)
class StandingsRow:
    """One STANDINGS.csv line (typed). ``parts`` has all three part kinds; ``None`` = empty cell."""

    event: str
    entry: str
    status: str
    rank: int | None
    joint: bool
    entrants: int
    total: Decimal | None
    total_display: Decimal | None
    parts: Mapping[PartKind, Decimal | None]
    all_parts_passed: bool
    award: AwardClass | None
    standardised: Decimal | None


def _status(standing: Standing) -> str:
    if standing.status is Status.DISQUALIFIED:
        return "disqualified"
    return "ranked" if standing.rank is not None else "not_ranked"


def standings_rows(standings: Sequence[Standing], *, event: str) -> tuple[StandingsRow, ...]:
    """STANDINGS.csv lines for one event's standings (in their order), values rendered as written."""
    entrants = sum(1 for s in standings if s.rank is not None)
    rows = []
    for standing in standings:
        scores = {p.kind: p.score for p in standing.parts}
        rows.append(
            StandingsRow(
                event=event,
                entry=standing.entry,
                status=_status(standing),
                rank=standing.rank,
                joint=standing.joint,
                entrants=entrants,
                total=None if standing.total is None else Decimal(_render(standing.total)),
                total_display=None if standing.total is None else quantize(standing.total, 2),
                parts={k: None if scores.get(k) is None else Decimal(_render(scores[k])) for k in PartKind},
                all_parts_passed=standing.all_passed is True,
                award=standing.award,
                standardised=None
                if standing.standardised is None
                else Decimal(_render(standing.standardised)),
            )
        )
    return tuple(rows)


def _cell(value: Decimal | None) -> str:
    return "" if value is None else _render(value)


def write_standings_csv(rows: Iterable[StandingsRow]) -> str:
    """STANDINGS.csv text (header + one line per row, ``\\n`` line ends, no BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STANDINGS_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.event,
                row.entry,
                row.status,
                "" if row.rank is None else str(row.rank),
                "1" if row.joint else "0",
                str(row.entrants),
                _cell(row.total),
                "" if row.total_display is None else f"{row.total_display:f}",
                *(_cell(row.parts.get(k)) for k in PartKind),
                "1" if row.all_parts_passed else "0",
                "" if row.award is None else row.award.value,
                _cell(row.standardised),
            ]
        )
    return out.getvalue()


def read_standings_csv(data: bytes | str, *, file: str = "STANDINGS.csv") -> tuple[StandingsRow, ...]:
    """Parse STANDINGS.csv (format in the module docstring) into :class:`StandingsRow` s.

    The header must be exactly :data:`STANDINGS_COLUMNS`. Raises :class:`DomainError` naming the line and
    column for a bad value, a rank given for an entry not ranked (or missing for a ranked one), a joint flag
    without a rank, or an ``entrants`` count that differs between lines.
    """
    header, rows = _rows(data, file)
    if tuple(header) != STANDINGS_COLUMNS:
        raise _error(file, 1, None, fmt(N_("标题行须为：%(columns)s"), columns=",".join(STANDINGS_COLUMNS)))
    found = []
    entrants_seen: int | None = None
    for line, cells in rows:
        if len(cells) != len(header):
            raise _error(
                file,
                line,
                None,
                fmt(N_("有 %(cells)s 个单元格，应为 %(columns)s 个"), cells=len(cells), columns=len(header)),
            )
        cell = dict(zip(header, (c.strip() for c in cells), strict=True))

        def number(column: str, *, line: int = line, cell: Mapping[str, str] = cell) -> Decimal | None:
            return _decimal(cell[column], file, line, column) if cell[column] else None

        def flag(column: str, *, line: int = line, cell: Mapping[str, str] = cell) -> bool:
            if cell[column] not in {"0", "1"}:
                raise _error(file, line, column, fmt(N_("须为 1 或 0：“%(value)s”"), value=cell[column]))
            return cell[column] == "1"

        if not cell["entry"]:
            raise _error(file, line, "entry", N_("缺少参赛号"))
        status = cell["status"]
        if status not in STATUSES:
            raise _error(
                file,
                line,
                "status",
                fmt(N_("须为 %(choices)s 之一：“%(value)s”"), choices=joined(STATUSES), value=status),
            )
        rank = None
        if cell["rank"]:
            if not cell["rank"].isdigit() or int(cell["rank"]) < 1:
                raise _error(file, line, "rank", fmt(N_("名次须为正整数：“%(value)s”"), value=cell["rank"]))
            rank = int(cell["rank"])
        if (rank is None) == (status == "ranked"):
            raise _error(file, line, "rank", N_("参与排名（ranked）的须有名次，其他状态不填名次"))
        joint = flag("joint")
        if joint and rank is None:
            raise _error(file, line, "joint", N_("没有名次的不能并列"))
        if not cell["entrants"].isdigit():
            raise _error(
                file, line, "entrants", fmt(N_("参赛人数须为非负整数：“%(value)s”"), value=cell["entrants"])
            )
        entrants = int(cell["entrants"])
        if entrants_seen is not None and entrants != entrants_seen:
            raise _error(
                file,
                line,
                "entrants",
                fmt(N_("与前面各行的参赛人数 %(entrants)s 不一致"), entrants=entrants_seen),
            )
        entrants_seen = entrants
        display = number("total_display")
        if display is not None and display.as_tuple().exponent != -2:
            raise _error(
                file,
                line,
                "total_display",
                fmt(N_("显示总分须保留 2 位小数：“%(value)s”"), value=cell["total_display"]),
            )
        award = None
        if cell["award"]:
            try:
                award = AwardClass(cell["award"])
            except ValueError:
                choices = joined(a.value for a in AwardClass)
                raise _error(
                    file,
                    line,
                    "award",
                    fmt(N_("未知的奖项“%(value)s”，可选：%(choices)s"), value=cell["award"], choices=choices),
                ) from None
        found.append(
            StandingsRow(
                event=cell["event"],
                entry=cell["entry"],
                status=status,
                rank=rank,
                joint=joint,
                entrants=entrants,
                total=number("total"),
                total_display=display,
                parts={k: number(f"part:{k.value}") for k in PartKind},
                all_parts_passed=flag("all_parts_passed"),
                award=award,
                standardised=number("standardised"),
            )
        )
    return tuple(found)
