"""STANDINGS.csv in, DECISIONS.csv out: the file side of the promotion what-if (``flask promotion evaluate``).

Pure: standard library only (``csv``); the rule logic stays in :mod:`competition.promotion.rules`.

**STANDINGS.csv** (UTF-8, with or without a BOM; one header line; columns in any order) is what
``flask scoring standings`` writes —

``event,entry,status,rank,joint,entrants,total,total_display,part:theory,part:practical,part:defence,
all_parts_passed,award,standardised``

— plus the competitor attribute columns an organizer (or the platform's export) adds:
``person,name,contest,contest_date,final_date,tier,group,team_size,birth_date,gender,current_level,
prior_promotions``. A team entry is one row per member with the same ``entry``, rank and result.

Every column is required except ``name``, ``total_display``, ``standardised`` and the ``part:*`` columns:
a forgotten column that changes outcomes (``current_level``, ``prior_promotions`` …) is an error, never a
silent default. Cells (surrounding spaces ignored):

* ``event``, ``entry``, ``person``, ``contest``: non-empty text; ``contest`` and ``event`` are also the
  keys of the result (a person appears at most once per contest and event);
* ``status``: ``ranked`` (``rank`` required), ``not_ranked`` (evaluated without a rank) or ``disqualified``
  (not evaluated: one ``no_match`` decision saying so); ``rank``: integer 1…``entrants`` or empty;
  ``joint``: ``1``/``0`` (并列); ``entrants``: ranked entries of the event (teams count once), ≥ 1 when
  anything is ranked;
* ``total``: exact decimal (empty only when not ranked: counts as 0); ``total_display``, ``standardised``:
  decimal or empty; ``part:theory|practical|defence``: 0–100 or empty; ``all_parts_passed``: ``1``/``0``
  (empty = not known = ``0``); ``award``: :class:`AwardClass` value or label (``first``/``一等奖``) or empty;
* ``contest_date``, ``birth_date``: ``YYYY-MM-DD``; ``final_date``: ``YYYY-MM-DD`` or empty (not final yet:
  decisions are ``pending``);
* ``tier``, ``group``: value or Chinese label (``municipal_1``/``市级一类``, ``staff``/``职工组``);
  ``team_size``: 1 (individual) to 10; ``gender``: ``male``/``female``/``男``/``女``;
* ``current_level``: anything :meth:`SkillLevel.parse` accepts (``技师``, ``二级``, ``二级/技师``) or empty;
* ``prior_promotions``: competition promotions already granted from other contests, ``;``-separated items
  ``YYYY-MM-DD|level|contest name`` (the date the promotion became final), or empty.

Reading is all-or-nothing: every problem (header, cell, and consistency between rows of one entry, one
event or one person) is collected and raised together in one :class:`StandingsFileError`, each as
``第 7 行 current_level：无法识别的职业技能等级“技工”``.

**DECISIONS.csv** (:data:`DECISION_COLUMNS`, one row per engine :class:`Decision`, sorted by person, contest,
event, rule order): ``ruleset`` (``id@version``), ``person``, ``name``, ``contest``, ``event``, ``kind``
(``promotion``/``eligibility``/``title``/``none``), ``status`` (``granted``/``pending``/``superseded``/
``blocked``/``no_effect``/``no_match``), ``status_label`` (Chinese), ``rule`` (rule id), ``rule_name``,
``source`` (document and article), ``level`` (certificate form ``二级/技师``), ``title``, ``facts``,
``outcome``, ``reason`` (the whole Chinese sentence), ``superseded_by`` (winning rule id), ``blocked_by``
(the contest whose promotion used up the year).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from competition.domain import AwardClass, Gender, Group, SkillLevel, Tier
from competition.errors import DomainError
from competition.promotion.rules import (
    MAX_TEAM_SIZE,
    TEAM_SIZES,
    Decision,
    PriorPromotion,
    ResultFacts,
    RuleSet,
    evaluate,
    no_match_decision,
)

E = TypeVar("E", bound=StrEnum)

STANDINGS_COLUMNS: tuple[str, ...] = (
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
"""The columns ``flask scoring standings`` writes, in its order."""

ATTRIBUTE_COLUMNS: tuple[str, ...] = (
    "person",
    "name",
    "contest",
    "contest_date",
    "final_date",
    "tier",
    "group",
    "team_size",
    "birth_date",
    "gender",
    "current_level",
    "prior_promotions",
)
"""The competitor attribute columns an organizer or the platform's export adds."""

OPTIONAL_COLUMNS = frozenset(
    {"name", "total_display", "standardised", "part:theory", "part:practical", "part:defence"}
)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(
    c for c in (*STANDINGS_COLUMNS, *ATTRIBUTE_COLUMNS) if c not in OPTIONAL_COLUMNS
)

DECISION_COLUMNS: tuple[str, ...] = (
    "ruleset",
    "person",
    "name",
    "contest",
    "event",
    "kind",
    "status",
    "status_label",
    "rule",
    "rule_name",
    "source",
    "level",
    "title",
    "facts",
    "outcome",
    "reason",
    "superseded_by",
    "blocked_by",
)
"""The columns of DECISIONS.csv, in order (see the module docstring)."""

MAX_REPORTED = 50
"""At most this many problems are listed in a :class:`StandingsFileError` message (all are counted)."""


class StandingStatus(StrEnum):
    """A standings line's status as ``flask scoring standings`` writes it."""

    RANKED = "ranked"
    NOT_RANKED = "not_ranked"
    DISQUALIFIED = "disqualified"


class StandingsFileError(DomainError):
    """A STANDINGS.csv that cannot be read; ``problems`` lists every problem found, in file order.

    ``message`` gives the count and the first :data:`MAX_REPORTED` problems, one per line.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        shown = list(self.problems[:MAX_REPORTED])
        hidden = len(self.problems) - len(shown)
        if hidden:
            shown.append(f"……另有 {hidden} 处错误未列出")
        head = f"成绩文件有 {len(self.problems)} 处错误，未读入任何数据："
        super().__init__("\n".join([head, *shown]), field="standings")


@dataclass(frozen=True, kw_only=True)
class StandingsRow:
    """One data row of STANDINGS.csv: where it is, who it is about, and the engine's facts.

    ``line`` is the 1-based physical line the row starts on; ``facts`` is ``None`` when the row is not
    evaluated (``disqualified``, or an event where nothing is ranked) and ``skip_reason`` then says why.
    """

    line: int
    person: str
    name: str
    contest: str
    event: str
    entry: str
    status: StandingStatus
    facts: ResultFacts | None
    skip_reason: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """``(person, contest, event)``, the key of a result and of its decisions."""
        return (self.person, self.contest, self.event)


@dataclass(frozen=True)
class Standings:
    """A whole STANDINGS.csv, read and checked: its rows in file order."""

    rows: tuple[StandingsRow, ...]

    @property
    def facts(self) -> tuple[ResultFacts, ...]:
        """The results the engine evaluates (rows with facts), in file order."""
        return tuple(r.facts for r in self.rows if r.facts is not None)

    @property
    def names(self) -> dict[str, str]:
        """Person key → name (empty when the file has no ``name`` column)."""
        return {r.person: r.name for r in self.rows}


# ------------------------------------------------------------------------------------------- cell parsers


class _Bad(Exception):
    """A bad cell; the message is the Chinese problem without line and column."""


def _text(raw: str) -> str:
    if not raw:
        raise _Bad("不能为空")
    return raw


def _int(raw: str, minimum: int = 0) -> int:
    if not raw.isascii() or not raw.isdigit() or int(raw) < minimum:
        which = "不小于 1 的整数" if minimum == 1 else "非负整数"
        raise _Bad(f"应为{which}，而不是“{raw}”")
    return int(raw)


def _flag(raw: str) -> bool:
    if raw not in ("0", "1"):
        raise _Bad(f"应为 1 或 0，而不是“{raw}”")
    return raw == "1"


def _decimal(raw: str, *, low: Decimal | None = None, high: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise _Bad(f"应为数值，而不是“{raw}”")
    if (low is not None and value < low) or (high is not None and value > high):
        raise _Bad(f"应在 {low} 到 {high} 之间，而不是“{raw}”")
    return value


def _date(raw: str) -> date:
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise _Bad(f"应为日期（YYYY-MM-DD），而不是“{raw}”")


def _enum(raw: str, enum: type[E], what: str) -> E:
    for member in enum:
        if raw == member.value or raw == getattr(member, "label", None):
            return member
    choices = "、".join(f"{m.value}（{m.label}）" if hasattr(m, "label") else m.value for m in enum)
    raise _Bad(f"无法识别的{what}“{raw}”，可选：{choices}")


def _gender(raw: str) -> Gender:
    return _enum(raw, Gender, "性别")


def _level(raw: str) -> SkillLevel:
    try:
        return SkillLevel.parse(raw)
    except DomainError:
        raise _Bad(f"无法识别的职业技能等级“{raw}”") from None


def _team_size(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or int(raw) not in TEAM_SIZES:
        raise _Bad(f"应为 1 到 {MAX_TEAM_SIZE} 的整数，而不是“{raw}”")
    return int(raw)


def _status(raw: str) -> StandingStatus:
    try:
        return StandingStatus(raw)
    except ValueError:
        raise _Bad(f"应为 ranked、not_ranked 或 disqualified，而不是“{raw}”") from None


def _priors(raw: str) -> tuple[PriorPromotion, ...]:
    out: list[PriorPromotion] = []
    items = [item.strip() for item in raw.replace("；", ";").split(";")]
    for i, item in enumerate(items, start=1):
        if not item and i == len(items) and i > 1:
            continue  # a trailing separator
        parts = [p.strip() for p in item.replace("｜", "|").split("|")]
        if len(parts) != 3 or not all(parts):
            raise _Bad(f"第 {i} 项“{item}”应写作“YYYY-MM-DD|等级|竞赛名称”")
        day, level, contest = parts
        try:
            final = _date(day)
            held = _level(level)
        except _Bad as bad:
            raise _Bad(f"第 {i} 项：{bad}") from None
        out.append(PriorPromotion(contest_key=contest, contest_name=contest, level=held, final_date=final))
    return tuple(out)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "event": _text,
    "entry": _text,
    "person": _text,
    "contest": _text,
    "status": _status,
    "rank": lambda raw: _int(raw, 1),
    "joint": _flag,
    "entrants": _int,
    "total": _decimal,
    "total_display": _decimal,
    "standardised": _decimal,
    "part:theory": lambda raw: _decimal(raw, low=Decimal(0), high=Decimal(100)),
    "part:practical": lambda raw: _decimal(raw, low=Decimal(0), high=Decimal(100)),
    "part:defence": lambda raw: _decimal(raw, low=Decimal(0), high=Decimal(100)),
    "all_parts_passed": _flag,
    "award": lambda raw: _enum(raw, AwardClass, "奖项"),
    "contest_date": _date,
    "final_date": _date,
    "birth_date": _date,
    "tier": lambda raw: _enum(raw, Tier, "竞赛级别"),
    "group": lambda raw: _enum(raw, Group, "组别"),
    "team_size": _team_size,
    "gender": _gender,
    "current_level": _level,
    "prior_promotions": _priors,
}
# Columns whose empty cell is a value (None / no priors / not known) rather than a problem.
_MAY_BE_EMPTY = frozenset(
    {
        "rank",
        "total",
        "total_display",
        "standardised",
        "part:theory",
        "part:practical",
        "part:defence",
        "all_parts_passed",
        "award",
        "final_date",
        "current_level",
        "prior_promotions",
    }
)


# ------------------------------------------------------------------------------------------------ reading


def read_standings_csv(source: str | bytes) -> Standings:
    """Read and check a whole STANDINGS.csv (format in the module docstring).

    ``source``: the file's bytes (UTF-8, a BOM is skipped) or its decoded text. Returns :class:`Standings`
    with one :class:`StandingsRow` per data row (blank lines skipped). Raises :class:`StandingsFileError`
    (a :class:`DomainError`) listing every problem, each naming its line and column, when anything is wrong
    — then nothing is returned.
    """
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StandingsFileError(
                ["文件不是 UTF-8 编码（用 Excel 保存时请选择“CSV UTF-8（逗号分隔）”）"]
            ) from None
    else:
        text = source.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as err:
        raise StandingsFileError([f"第 1 行：CSV 格式错误（{err}）"]) from None
    if header is None or not any(cell.strip() for cell in header):
        raise StandingsFileError(["文件为空：第 1 行应为表头"])
    columns = [cell.strip() for cell in header]
    _check_header(columns)

    problems: list[str] = []
    cells_by_line: list[tuple[int, dict[str, str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            raw_row = next(reader, None)
        except csv.Error as err:
            problems.append(f"第 {start} 行：CSV 格式错误（{err}）")
            break
        if raw_row is None:
            break
        row = [cell.strip() for cell in raw_row]
        if not any(row):
            continue
        if len(row) != len(columns):
            problems.append(f"第 {start} 行：有 {len(row)} 个字段，而表头有 {len(columns)} 列")
            continue
        cells_by_line.append((start, dict(zip(columns, row, strict=True))))
    if not cells_by_line and not problems:
        raise StandingsFileError(["成绩文件只有表头，没有数据行"])

    parsed: list[tuple[int, dict[str, Any]]] = []
    for line, cells in cells_by_line:
        values = _parse_row(line, cells, problems)
        if values is not None:
            parsed.append((line, values))
    problems.extend(_check_rows(parsed))
    if problems:
        raise StandingsFileError(sorted(problems, key=_line_of))
    return Standings(rows=tuple(_row(line, values) for line, values in parsed))


def load_standings_csv(path: str | Path) -> Standings:
    """Read the STANDINGS.csv at ``path`` with :func:`read_standings_csv`.

    Raises :class:`StandingsFileError` as that does, and ``OSError`` when the file cannot be read.
    """
    return read_standings_csv(Path(path).read_bytes())


def _line_of(problem: str) -> int:
    # Problems start with "第 N 行"; sorting keeps file order when cross-row checks add later lines.
    head = problem.removeprefix("第 ").split(" ", 1)[0]
    return int(head) if head.isdigit() else 0


def _check_header(columns: list[str]) -> None:
    problems: list[str] = []
    known = {*STANDINGS_COLUMNS, *ATTRIBUTE_COLUMNS}
    blank = [str(i) for i, c in enumerate(columns, start=1) if not c]
    if blank:
        problems.append(f"表头第 {'、'.join(blank)} 列没有列名")
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        problems.append(f"表头中的列重复：{'、'.join(repeated)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        problems.append(f"表头缺少必需的列：{'、'.join(missing)}")
    unknown = [c for c in columns if c and c not in known]
    if unknown:
        problems.append(f"表头有未知的列：{'、'.join(unknown)}（可用的列：{'、'.join(sorted(known))}）")
    if problems:
        raise StandingsFileError(problems)


def _parse_row(line: int, cells: Mapping[str, str], problems: list[str]) -> dict[str, Any] | None:
    """Parse every cell of one row; append each bad cell to ``problems``; ``None`` if any was bad."""
    values: dict[str, Any] = {"name": cells.get("name", "")}
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(f"第 {line} 行 {column}：{message}")

    for column, raw in cells.items():
        parser = _PARSERS.get(column)
        if parser is None:
            continue
        if not raw:
            if column in _MAY_BE_EMPTY:
                values[column] = None
            else:
                bad(column, "不能为空")
            continue
        try:
            values[column] = parser(raw)
        except _Bad as err:
            bad(column, str(err))
    if len(problems) > before:
        return None

    status: StandingStatus = values["status"]
    rank: int | None = values["rank"]
    if status is StandingStatus.RANKED and rank is None:
        bad("rank", "状态为 ranked 时名次不能为空")
    if status is not StandingStatus.RANKED and rank is not None:
        bad("rank", f"状态为 {status} 时名次应为空，而不是“{rank}”")
    if values["joint"] and rank is None:
        bad("joint", "没有名次时不能标记并列（joint 应为 0）")
    if rank is not None and rank > values["entrants"]:
        bad("rank", f"名次 {rank} 大于赛项排名人数 entrants（{values['entrants']}）")
    if status is StandingStatus.RANKED and values["total"] is None:
        bad("total", "状态为 ranked 时总分不能为空")
    if values["birth_date"] >= values["contest_date"]:
        bad("birth_date", f"出生日期 {values['birth_date']} 不早于竞赛日期 {values['contest_date']}")
    final = values["final_date"]
    if final is not None and final < values["contest_date"]:
        bad("final_date", f"生效日期 {final} 早于竞赛日期 {values['contest_date']}")
    return None if len(problems) > before else values


def _check_rows(parsed: list[tuple[int, dict[str, Any]]]) -> list[str]:
    """Consistency between rows: one result per person and event; one entry, event, person agree."""
    problems: list[str] = []
    first_of: dict[tuple, tuple[int, dict[str, Any]]] = {}
    entry_rows: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    ranked_entries: dict[tuple[str, str], set[str]] = defaultdict(set)
    checks = (
        ("result", ("person", "contest", "event"), ()),
        ("entry", ("contest", "event", "entry"), ("status", "rank", "joint", "total", "award", "team_size")),
        ("event", ("contest", "event"), ("entrants", "tier", "group", "contest_date")),
        ("person", ("person",), ("name", "birth_date", "gender")),
    )
    for line, values in parsed:
        for scope, key_columns, same in checks:
            key = (scope, *(values[c] for c in key_columns))
            if key not in first_of:
                first_of[key] = (line, values)
                continue
            other_line, other = first_of[key]
            if scope == "result":
                problems.append(
                    f"第 {line} 行 person：选手“{values['person']}”在“{values['contest']} / "
                    f"{values['event']}”中重复出现（第 {other_line} 行已有）"
                )
            for column in same:
                if values[column] != other[column]:
                    where = {
                        "entry": f"同一参赛单位（entry“{values['entry']}”）",
                        "event": f"同一赛项（“{values['event']}”）",
                        "person": f"同一选手（person“{values['person']}”）",
                    }[scope]
                    problems.append(
                        f"第 {line} 行 {column}：与{where}第 {other_line} 行不一致"
                        f"（“{_show(values[column])}”≠“{_show(other[column])}”）"
                    )
        entry_key = (values["contest"], values["event"], values["entry"])
        entry_rows[entry_key].append(line)
        if len(entry_rows[entry_key]) == values["team_size"] + 1:
            problems.append(
                f"第 {line} 行 entry：参赛单位“{values['entry']}”的行数多于团队人数 team_size"
                f"（{values['team_size']}）"
            )
        if values["rank"] is not None:
            ranked_entries[(values["contest"], values["event"])].add(values["entry"])
    for (contest, event), entries in ranked_entries.items():
        line, values = first_of[("event", contest, event)]
        if len(entries) > values["entrants"]:
            problems.append(
                f"第 {line} 行 entrants：赛项“{contest} / {event}”有 {len(entries)} 个排名的参赛单位，"
                f"多于 entrants（{values['entrants']}）"
            )
    return problems


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return ""
    return str(getattr(value, "label", value))


def _row(line: int, v: dict[str, Any]) -> StandingsRow:
    base = {
        "line": line,
        "person": v["person"],
        "name": v["name"] or "",
        "contest": v["contest"],
        "event": v["event"],
        "entry": v["entry"],
        "status": v["status"],
    }
    if v["status"] is StandingStatus.DISQUALIFIED:
        return StandingsRow(
            **base, facts=None, skip_reason="成绩状态为取消资格（disqualified），不参与晋升和荣誉评定"
        )
    if v["entrants"] == 0:
        return StandingsRow(**base, facts=None, skip_reason="赛项没有排名的参赛者（entrants 为 0），无法评定")
    facts = ResultFacts(
        person_key=v["person"],
        contest_key=v["contest"],
        event_key=v["event"],
        tier=v["tier"],
        group=v["group"],
        rank=v["rank"],
        joint_rank=v["joint"],
        entrants=v["entrants"],
        award=v["award"],
        all_parts_passed=bool(v["all_parts_passed"]),
        total=v["total"] if v["total"] is not None else Decimal(0),
        team_size=v["team_size"],
        birth_date=v["birth_date"],
        gender=v["gender"],
        current_level=v["current_level"],
        contest_date=v["contest_date"],
        final_date=v["final_date"],
        prior_promotions=v["prior_promotions"] or (),
        contest_name=v["contest"],
        event_name=v["event"],
    )
    return StandingsRow(**base, facts=facts)


# ------------------------------------------------------------------------------------------- evaluating


def evaluate_standings(ruleset: RuleSet, standings: Standings, *, today: date) -> list[Decision]:
    """The engine's decisions for every row of ``standings`` under ``ruleset`` on the date ``today``.

    Rows with facts go to :func:`competition.promotion.rules.evaluate` together (so the one-per-year
    policy sees all of a person's results); a row without facts (disqualified, nothing ranked) gets one
    ``no_match`` decision whose reason says why it was not evaluated. Returns decisions sorted by person,
    contest, event, then rule order. Raises nothing for a :class:`Standings` from :func:`read_standings_csv`.
    """
    decisions = evaluate(ruleset, standings.facts, today=today)
    for row in standings.rows:
        if row.facts is None:
            decisions.append(
                no_match_decision(
                    ruleset,
                    person_key=row.person,
                    contest_key=row.contest,
                    event_key=row.event,
                    facts_text="取消资格" if row.status is StandingStatus.DISQUALIFIED else "未排名",
                    reason=row.skip_reason,
                )
            )
    decisions.sort(key=lambda d: (d.person_key, d.contest_key, d.event_key))  # stable: keeps rule order
    return decisions


# ------------------------------------------------------------------------------------------------ writing


def write_decisions_csv(decisions: Iterable[Decision], *, names: Mapping[str, str] | None = None) -> str:
    """DECISIONS.csv text for ``decisions`` (columns :data:`DECISION_COLUMNS`, in the given order).

    ``names``: person key → name for the ``name`` column (e.g. :attr:`Standings.names`). Returns text with
    ``\\r\\n`` line ends and no BOM (the command writes the file with a BOM so Excel reads the Chinese).
    Raises nothing.
    """
    names = names or {}
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(DECISION_COLUMNS)
    for d in decisions:
        writer.writerow(
            [
                d.ruleset,
                d.person_key,
                names.get(d.person_key, ""),
                d.contest_key,
                d.event_key,
                d.kind.value,
                d.status.value,
                d.status.label,
                d.rule_id or "",
                d.rule_name or "",
                d.rule_source or "",
                d.level.certificate_label if d.level else "",
                d.title or "",
                d.facts_text,
                d.outcome_text,
                d.reason,
                d.superseded_by or "",
                d.blocked_by or "",
            ]
        )
    return out.getvalue()
