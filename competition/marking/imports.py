"""Theory scores from an exam system's export (理论考试成绩导入): .xlsx or .csv, one row per competitor
number with a score out of 100. All-or-nothing with a report for every row.

Accepted headers (first row): the number column ``参赛号`` / ``准考证号`` / ``考号`` / ``选手编号`` / ``entry``
and the score column ``成绩`` / ``分数`` / ``理论成绩`` / ``得分`` / ``score``; other columns (such as a name) are
ignored. The score is written to the theory part's exam aspect as ``score/100`` (its
:class:`~competition.scoring.aspects.AutomatedTest` rule then gives score ÷ 100 × the aspect's maximum).
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from competition.accounts.models import User
from competition.audit.services import record
from competition.contests.models import Event
from competition.domain import PartKind
from competition.errors import N_, DomainError, fmt, joined
from competition.extensions import db
from competition.marking import schemes, services
from competition.marking.models import Mark, MarkSource

NUMBER_HEADERS = {"参赛号", "准考证号", "考号", "选手编号", "参赛编号", "entry", "number"}
SCORE_HEADERS = {"成绩", "分数", "理论成绩", "得分", "理论考试成绩", "score"}
MAX_BYTES = 10 * 2**20
MAX_UNCOMPRESSED = 64 * 2**20


@dataclass(frozen=True)
class RowOutcome:
    """One row of the file: its line number, competitor number, score text and problem (``""`` = fine)."""

    row: int
    number: str
    score: str
    problem: str = ""  # marked (``fmt``/``N_``): shown translated


@dataclass
class TheoryReport:
    """What an import found; ``written`` counts the marks changed (0 when any row has a problem)."""

    rows: list[RowOutcome] = field(default_factory=list)
    file_problem: str = ""  # marked (``fmt``/``N_``): shown translated
    written: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        """True when the file and every row are fine."""
        return not self.file_problem and not any(r.problem for r in self.rows)


def _cells_xlsx(data: bytes) -> list[list[object]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if sum(i.file_size for i in package.infolist()) > MAX_UNCOMPRESSED:
                raise DomainError(N_("文件解压后过大，已拒绝。"))
    except zipfile.BadZipFile:
        raise DomainError(N_("文件不是有效的 .xlsx 工作簿；也可导出为 CSV（UTF-8）后上传。")) from None
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise DomainError(N_("无法读取这个工作簿，请用 Excel 另存为 .xlsx 后重试。")) from None
        try:
            sheet = book.worksheets[0]
            return [list(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()


def _cells_csv(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(N_("无法识别 CSV 文件的编码，请另存为“CSV UTF-8”。"))
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise DomainError(N_("CSV 格式错误：%(error)s"), error=error) from None


def read_scores(data: bytes, filename: str) -> TheoryReport:
    """Parse an exam export into rows with problems; nothing is written here."""
    report = TheoryReport()
    if len(data) > MAX_BYTES:
        report.file_problem = N_("文件超过 10 MB，已拒绝。")
        return report
    try:
        cells = _cells_xlsx(data) if data[:2] == b"PK" else _cells_csv(data)
    except DomainError as error:
        report.file_problem = error.text
        return report
    header_index = next((i for i, row in enumerate(cells) if any(_text(c) for c in row)), None)
    if header_index is None:
        report.file_problem = N_("文件中没有数据。")
        return report
    header = [_text(c) for c in cells[header_index]]
    number_col = next((i for i, h in enumerate(header) if h in NUMBER_HEADERS), None)
    score_col = next((i for i, h in enumerate(header) if h in SCORE_HEADERS), None)
    if number_col is None or score_col is None:
        report.file_problem = fmt(
            N_(
                "第 %(row)d 行须有“%(number)s”（或%(numbers)s）列和“%(score)s”（或%(scores)s）列；现有：%(found)s"
            ),
            number="参赛号",  # column headings of the exam file: kept in any language
            numbers=joined(("准考证号", "考号")),
            score="成绩",
            scores="分数",
            row=header_index + 1,
            found=joined(h for h in header if h) if any(header) else N_("（空）"),
        )
        return report
    for offset, row in enumerate(cells[header_index + 1 :], start=header_index + 2):
        number = _text(row[number_col]) if number_col < len(row) else ""
        score = _text(row[score_col]) if score_col < len(row) else ""
        if not number and not score:
            continue
        report.rows.append(RowOutcome(offset, number, score))
    if not report.rows:
        report.file_problem = N_("文件中没有成绩行。")
    return report


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def import_theory(event: Event, data: bytes, filename: str, *, actor: User, now: datetime) -> TheoryReport:
    """Check every row against the event's numbered entries and write the scores only when all are fine.

    Row problems: unknown number, number repeated, score missing, not a number or outside 0–100, and
    entries of the event the file leaves out. Scores equal to the stored ones are left alone; others are
    changed with history (source 导入). Raises :class:`DomainError` when the event has no exam aspect or
    the theory part is signed off. Audited with the counts.
    """
    loaded = services.require_scheme(event)
    exam = schemes.exam_aspect(loaded.scheme)
    if exam is None:
        raise DomainError(N_("本赛项的理论知识部分不是单一的考试成绩，不能从考试系统导入。"))
    part = services.event_part(event, PartKind.THEORY)
    if services.sign_off_of(part) is not None or services.marking_of(event).signed_off_at is not None:
        raise DomainError(N_("理论知识部分已签字确认并锁定；请裁判长先解锁。"))
    report = read_scores(data, filename)
    if report.file_problem:
        return report
    entries = {r.competitor_number: r for r in services.marked_entries(event)}
    seen: dict[str, int] = {}
    checked: list[RowOutcome] = []
    values: dict[str, str] = {}
    for row in report.rows:
        problem: str = ""
        score: Decimal | None = None
        if row.number not in entries:
            problem = fmt(N_("本赛项没有参赛号 %(number)s"), number=row.number or N_("（空）"))
        elif row.number in seen:
            problem = fmt(N_("参赛号与第 %(row)d 行重复"), row=seen[row.number])
        if not problem:
            try:
                score = Decimal(row.score)
            except InvalidOperation:
                problem = fmt(N_("成绩不是数字：“%(score)s”"), score=row.score or N_("（空）"))
            else:
                if not score.is_finite() or not 0 <= score <= 100:
                    problem = fmt(N_("成绩须在 0–100 之间：%(score)s"), score=row.score)
        seen.setdefault(row.number, row.row)
        checked.append(RowOutcome(row.row, row.number, row.score, problem))
        if not problem and score is not None:
            plain = format(score, "f")
            plain = plain.rstrip("0").rstrip(".") if "." in plain else plain
            values[row.number] = services.check_value(loaded, exam.code, f"{plain}/100", None)
    report.rows = checked
    missing = sorted(set(entries) - set(seen))
    if missing:
        shown = (
            fmt(N_("%(numbers)s 等 %(n)d 人"), numbers=joined(missing[:20]), n=len(missing))
            if len(missing) > 20
            else joined(missing)
        )
        report.file_problem = fmt(N_("文件缺少这些参赛号的成绩：%(numbers)s"), numbers=shown)
    if not report.ok:
        return report
    stored = {
        registration_id: (value, version)
        for registration_id, value, version in db.session.execute(
            sa.select(Mark.registration_id, Mark.value, Mark.version).where(
                Mark.event_id == event.id, Mark.aspect_code == exam.code, Mark.judge_id.is_(None)
            )
        )
    }
    for number, value in values.items():
        registration = entries[number]
        old_value, version = stored.get(registration.id, (None, 0))
        if old_value == value:
            report.unchanged += 1
            continue
        services.write_mark(
            registration,
            exam.code,
            None,
            value,
            expected_version=version,
            actor=actor,
            now=now,
            source=MarkSource.IMPORT,
            reason=fmt(N_("考试系统导入：%(filename)s"), filename=filename[:290]),
        )
        report.written += 1
    record(
        "theory.import",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("导入 %(title)s 理论考试成绩（%(filename)s）：%(written)s 人更新，%(unchanged)s 人不变"),
            title=event.title,
            filename=filename,
            written=report.written,
            unchanged=report.unchanged,
        ),
        after={"file": filename, "written": report.written, "unchanged": report.unchanged},
    )
    return report
