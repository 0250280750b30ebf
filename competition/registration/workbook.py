"""Batch registration workbook (批量报名表) for unit contacts: build the template, read it back (pure).

A unit contact (单位联系人) downloads :func:`build_template`, fills one row per competitor and uploads
it; :func:`parse_workbook` checks every row and returns a :class:`WorkbookReport`: the rows that can be
registered, the problems of the others (each naming its row and column, in Chinese), or one
``file_error`` when the file as a whole cannot be used (then there are no rows at all, so nothing is
half-imported).

Uploaded files are untrusted. Before openpyxl sees them the container is checked with :mod:`zipfile`
(magic bytes; at most :data:`MAX_UNCOMPRESSED_BYTES` uncompressed, no member compressed more than
:data:`MAX_COMPRESSION_RATIO` : 1, no encrypted members), the sheet is read in openpyxl's read-only
mode and reading stops as soon as there are more than ``max_rows`` data rows. Merged cells and
formulas without a cached result are found by scanning the sheet's XML, because read-only mode does
not report them. XML entity expansion ("billion laughs") is refused by the expat the standard library
parser uses (≥ 2.4); external entities are never fetched.

openpyxl warnings are caught with :func:`warnings.catch_warnings` around the read: that context manager
changes process-wide state, so do not call :func:`parse_workbook` from several threads of one process
at once (imports run in background jobs, one file per worker process; ARCHITECTURE.md "Jobs").

Standard library and openpyxl only; no Flask, no database.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from competition.domain import Gender, SkillLevel
from competition.errors import N_, DomainError, InvariantError, fmt, joined
from competition.registration.eligibility import Applicant, Status
from competition.registration.idnumbers import (
    PROVINCE_NAMES,
    IdDocument,
    IdType,
    check_id_number,
    cross_check,
    infer_id_type,
    normalize_id_text,
)

__all__ = [
    "COLUMNS",
    "DATA_SHEET",
    "GUIDE_SHEET",
    "MAX_COMPRESSION_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "Column",
    "RegistrationRow",
    "RowProblem",
    "WorkbookReport",
    "build_template",
    "parse_workbook",
]

DATA_SHEET = "报名表"
GUIDE_SHEET = "填表说明"

#: Refuse a workbook whose members add up to more than this uncompressed (a zip bomb guard).
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
#: Refuse a member larger than 1 MB that is compressed more than this. Real sheets compress 5–30 : 1;
#: a run of identical bytes (the usual bomb filler) compresses about 1,000 : 1.
MAX_COMPRESSION_RATIO = 200
_RATIO_FLOOR_BYTES = 1024 * 1024
_MAX_ZIP_MEMBERS = 5000
#: How many rows of the template carry drop-down lists and formats (the default ``max_rows``).
TEMPLATE_ROWS = 5000
# Header search: the header is the first of these rows naming at least three template columns.
_HEADER_SEARCH_ROWS = 10
# (inferred) a sheet with this many blank rows in a row is padded, not filled in: refuse it instead of
# walking up to a million empty rows.
_MAX_BLANK_RUN = 50_000
_MAX_LISTED = 5  # cells or values named in one message before "等 N 处"

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the sheet.

    ``key``: the :class:`RegistrationRow` field it fills; ``header``: the Chinese title in the template;
    ``required``: the header must be present (the cell may still be derivable, see :func:`parse_workbook`);
    ``width``: template column width in Excel character units; ``text``: formatted as text (``@``) so
    Excel keeps digits as typed; ``date``: formatted ``yyyy-mm-dd``; ``aliases``: other header texts
    accepted on upload; ``hint``: the 填表说明 line.
    """

    key: str
    header: str
    required: bool
    width: float
    hint: str
    text: bool = False
    date: bool = False
    aliases: tuple[str, ...] = ()


#: The template's columns, in order.
COLUMNS: tuple[Column, ...] = (
    Column(
        "event_title",
        "赛项",
        True,
        28,
        "必填。从下拉列表选择本次竞赛的赛项",
        aliases=("赛项名称", "竞赛项目"),
    ),
    Column("name", "姓名", True, 12, "必填。与证件上的姓名一致"),
    Column("gender", "性别", False, 8, "男 或 女。持身份证、居住证者可不填，按证件号码确定"),
    Column(
        "id_type",
        "证件类型",
        False,
        22,
        "居民身份证、港澳台居民居住证、港澳居民来往内地通行证、台湾居民来往大陆通行证、护照。"
        "不填时按号码识别身份证或居住证",
    ),
    Column(
        "id_number",
        "证件号码",
        True,
        22,
        "必填。身份证为 18 位（末位可为 X），15 位旧号码请先换算为 18 位。本列已设为文本格式，"
        "请勿改为数字格式，否则 Excel 会把号码显示成 1.1E+17 并丢失末几位",
        text=True,
        aliases=("身份证号码", "身份证号", "证件号"),
    ),
    Column(
        "birth_date",
        "出生日期",
        False,
        13,
        "如 1990-05-17。持身份证、居住证者可不填；填写时须与证件号码一致",
        date=True,
    ),
    Column(
        "phone",
        "手机号码",
        True,
        16,
        "必填。内地手机号 11 位；港澳台号码请带国际区号，如 +852 9123 4567、+853 6123 4567、+886 912 345 678",
        text=True,
        aliases=("手机号", "手机", "联系电话"),
    ),
    Column("email", "电子邮箱", False, 24, "选填", aliases=("邮箱", "电子邮件", "email")),
    Column(
        "status",
        "身份（职工/学生/教师）",
        True,
        12,
        "必填。职工、学生 或 教师；职工组限职工和教师，学生组限在校学生",
        aliases=("身份",),
    ),
    Column("education", "学历", False, 10, "选填，如 大专、本科"),
    Column(
        "current_level",
        "现有职业技能等级",
        False,
        16,
        "没有等级证书的不填。从下拉列表选择，如 三级/高级工",
        aliases=("职业技能等级", "技能等级"),
    ),
    Column(
        "certificate_number",
        "等级证书编号",
        False,
        26,
        "有等级证书的填写证书编号",
        text=True,
        aliases=("证书编号",),
    ),
    Column("certified_on", "发证日期", False, 13, "有等级证书的填写发证日期，如 2021-06-30", date=True),
    Column(
        "years_in_occupation",
        "本职业（工种）工作年限",
        False,
        12,
        "整年数，如 5",
        aliases=("本职业工作年限", "工作年限"),
    ),
    Column(
        "household_region",
        "户籍地区代码",
        False,
        14,
        "6 位行政区划代码，如 320602（赛项有户籍要求时填写）",
        text=True,
    ),
    Column(
        "social_insurance_region",
        "社保缴纳地区代码",
        False,
        16,
        "6 位行政区划代码（赛项有社保缴纳地要求时填写）",
        text=True,
    ),
    Column(
        "titles",
        "已获荣誉称号",
        False,
        24,
        "已获得的荣誉称号，多个用顿号“、”分隔，如 南通市技术能手",
        aliases=("荣誉称号",),
    ),
    Column(
        "team_name",
        "团队名称（团体赛填写）",
        False,
        18,
        "团体赛填写；同一团队的成员填写完全相同的团队名称，并报同一赛项",
        aliases=("团队名称",),
    ),
)

_BY_KEY = {column.key: column for column in COLUMNS}


# ---------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class RegistrationRow:
    """One checked row: a competitor to register for one event.

    ``row``: the Excel row number (1-based, as shown in Excel). ``id_number``: normalised (ASCII, upper
    case, no spaces). ``gender``/``birth_date``: as filled in, or taken from the ID number when left
    blank. ``phone``: 11 digits for mainland mobiles, ``+852…``/``+853…``/``+886…`` (no spaces)
    otherwise. ``years_in_occupation``: whole years, ``None`` when blank. Region codes: 6 digits or
    ``None``. ``titles``: honour titles already held, in the order written. ``team_name``: ``None`` for
    individual events.
    """

    row: int
    event_title: str
    name: str
    gender: Gender
    id_type: IdType
    id_number: str
    birth_date: date
    phone: str
    email: str | None
    status: Status
    education: str | None
    current_level: SkillLevel | None
    certificate_number: str | None
    certified_on: date | None
    years_in_occupation: int | None
    household_region: str | None
    social_insurance_region: str | None
    titles: tuple[str, ...]
    team_name: str | None

    def applicant(self, unit_key: str) -> Applicant:
        """The eligibility view of this row (:class:`~competition.registration.eligibility.Applicant`)."""
        return Applicant(
            birth_date=self.birth_date,
            status=self.status,
            unit_key=unit_key,
            current_level=self.current_level,
            years_in_occupation=self.years_in_occupation or 0,
            household_region=self.household_region,
            social_insurance_region=self.social_insurance_region,
            titles=frozenset(self.titles),
        )


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem of one row: ``row`` is the Excel row number, ``column`` the template header text
    (e.g. ``证件号码``), ``message`` Chinese text for the unit contact, marked (``N_``/``fmt``) so the
    page shows it in the reader's language."""

    row: int
    column: str
    message: str

    @property
    def text(self) -> str:
        """``第 5 行「证件号码」：…`` for a list on the page."""
        return fmt(
            N_("第 %(row)d 行「%(column)s」：%(message)s"),
            row=self.row,
            column=self.column,
            message=self.message,
        )


@dataclass(frozen=True, slots=True)
class WorkbookReport:
    """The outcome of :func:`parse_workbook`.

    ``rows``: every row whose own cells are valid, in sheet order (a row may still have a problem that
    involves other rows: a duplicate ID number or a team that does not add up). ``problems``: by row,
    then column order. ``file_error``: set when the file as a whole is unusable; ``rows`` and
    ``problems`` are then empty.
    """

    rows: tuple[RegistrationRow, ...] = ()
    problems: tuple[RowProblem, ...] = ()
    file_error: str | None = None
    #: The 姓名 cell of every data row as typed (row number → text), so a report can name rejected rows.
    names: Mapping[int, str] = field(default_factory=dict)

    @property
    def bad_rows(self) -> tuple[int, ...]:
        """Excel row numbers that have at least one problem, ascending."""
        return tuple(sorted({problem.row for problem in self.problems}))

    @property
    def ok_rows(self) -> tuple[RegistrationRow, ...]:
        """The rows without any problem: what may be registered."""
        bad = {problem.row for problem in self.problems}
        return tuple(row for row in self.rows if row.row not in bad)

    @property
    def ok(self) -> bool:
        """True when the file is usable and no row has a problem."""
        return self.file_error is None and not self.problems

    def problems_for(self, row: int) -> tuple[RowProblem, ...]:
        """The problems of one Excel row."""
        return tuple(problem for problem in self.problems if problem.row == row)


# ---------------------------------------------------------------------------------------------------
# Template

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_GUIDE_WIDTHS = {"A": 26, "B": 10, "C": 90}


def build_template(*, event_titles: list[str], unit_name: str) -> bytes:
    """The batch registration template as ``.xlsx`` bytes.

    ``event_titles``: the titles of the events open for registration (order kept, duplicates dropped),
    offered as a drop-down list in column 赛项; ``unit_name``: the unit the template is for, written on
    the 填表说明 sheet and in the document properties.

    Sheet 报名表: one header row (:data:`COLUMNS`, frozen with the 赛项 and 姓名 columns), drop-down
    lists for 赛项, 性别, 证件类型, 身份 and 现有职业技能等级 (certificate labels such as
    ``三级/高级工``) and whole-number years, on the first :data:`TEMPLATE_ROWS` data rows; ID number,
    phone, certificate number and region codes formatted as text. Sheet 填表说明: instructions, one line
    per column, and the list of events the 赛项 drop-down reads from.

    Raises :class:`DomainError` when there is no event title or no unit name, or a title is blank.
    """
    titles = _clean_titles(event_titles)
    unit = " ".join(str(unit_name or "").split())
    if not unit:
        raise DomainError(N_("请填写单位名称"), field="unit_name")

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    guide = workbook.create_sheet(GUIDE_SHEET)
    workbook.properties.title = f"{unit} 批量报名表"
    workbook.properties.subject = unit
    workbook.properties.creator = "技能竞赛与评价平台"

    event_range = _write_guide(guide, unit=unit, titles=titles)
    _write_data_sheet(sheet, event_range=event_range)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _clean_titles(event_titles: Iterable[str]) -> list[str]:
    titles: list[str] = []
    for raw in event_titles:
        title = " ".join(str(raw or "").split())
        if not title:
            raise DomainError(N_("赛项名称不能为空"), field="event_titles")
        if title not in titles:
            titles.append(title)
    if not titles:
        raise DomainError(N_("没有可报名的赛项，无法生成报名表"), field="event_titles")
    return titles


def _write_guide(guide, *, unit: str, titles: list[str]) -> str:
    """Fill the 填表说明 sheet; return the absolute range of the event list for the drop-down."""
    for letter, width in _GUIDE_WIDTHS.items():
        guide.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    lines: list[tuple[str, ...]] = [
        (f"{unit} 批量报名表 填表说明",),
        (),
        ("1. 在“报名表”工作表中每行填写一名选手报名一个赛项；同一人只能出现一次。",),
        ("2. 请勿修改、删除表头（第 1 行）；可以调整列的顺序，多出的列会被忽略。",),
        ("3. 请直接填写数值，不要使用公式，不要合并单元格；空行会被跳过。",),
        ("4. 日期可写作 2025-10-26、2025/10/26、2025.10.26、20251026 或 2025年10月26日。",),
        (
            "5. 证件号码、手机号码、证书编号、地区代码列已设为文本格式：从其他表格粘贴时请用“选择性粘贴 → 数值”。",
        ),
        (
            f"6. 每个文件最多 {TEMPLATE_ROWS} 行；请保存为 .xlsx 格式（不要另存为 .xls、.csv），不要设置打开密码。",
        ),
        (),
        ("列名", "是否必填", "填写要求"),
    ]
    lines += [(column.header, "必填" if column.required else "", column.hint) for column in COLUMNS]
    lines += [(), ("本次可报赛项（“赛项”列的下拉列表取自此处，请勿修改）",)]
    for number, line in enumerate(lines, start=1):
        for col, value in enumerate(line, start=1):
            cell = guide.cell(row=number, column=col, value=value)
            cell.alignment = wrap
    guide["A1"].font = Font(bold=True, size=14)
    header_row = lines.index(("列名", "是否必填", "填写要求")) + 1
    for col in range(1, 4):
        guide.cell(row=header_row, column=col).font = bold
    guide.cell(row=len(lines), column=1).font = bold
    first = len(lines) + 1
    for offset, title in enumerate(titles):
        guide.cell(row=first + offset, column=1, value=title)
    last = first + len(titles) - 1
    return f"'{GUIDE_SHEET}'!$A${first}:$A${last}"


def _write_data_sheet(sheet, *, event_range: str) -> None:
    red = Font(bold=True, color="C00000")
    bold = Font(bold=True)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    last_row = TEMPLATE_ROWS + 1
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = red if column.required else bold
        cell.fill = _HEADER_FILL
        cell.alignment = centred
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        # A column style is what Excel applies to cells typed later: "@" keeps 18 digits as text.
        if column.text:
            dimension.number_format = "@"
        elif column.date:
            dimension.number_format = "yyyy-mm-dd"
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "C2"

    letters = {column.key: get_column_letter(index) for index, column in enumerate(COLUMNS, start=1)}
    lists = {
        "event_title": event_range,
        "gender": _inline_list(g.label for g in Gender),
        "id_type": _inline_list(t.label for t in IdType),
        "status": _inline_list(s.label for s in Status),
        "current_level": _inline_list(level.certificate_label for level in SkillLevel),
    }
    for key, formula in lists.items():
        validation = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="请从下拉列表选择",
            error=f"“{_BY_KEY[key].header}”请从下拉列表中选择",
        )
        validation.add(f"{letters[key]}2:{letters[key]}{last_row}")
        sheet.add_data_validation(validation)
    years = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2="70",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="请填写整数",
        error="工作年限请填写 0–70 的整数",
    )
    years.add(f"{letters['years_in_occupation']}2:{letters['years_in_occupation']}{last_row}")
    sheet.add_data_validation(years)


def _inline_list(values: Iterable[str]) -> str:
    text = ",".join(values)
    if len(text) > 250 or '"' in text:  # Excel's limit for a literal list is 255 characters
        raise InvariantError(f"drop-down list too long for a literal: {text!r}")
    return f'"{text}"'


# ---------------------------------------------------------------------------------------------------
# Reading: container checks


def _container_error(data: bytes) -> str | None:
    """Why the bytes cannot be an .xlsx we should open, or ``None``. Never raises."""
    if not data:
        return N_("上传的文件是空的（0 字节），请重新选择报名表文件")
    if data.startswith(_OLE2_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            return N_("工作簿设置了打开密码（已加密），无法读取：请在 Excel 中取消密码后另存为 .xlsx 再上传")
        return N_(
            "这是旧版 Excel（.xls）文件（可能只是改了扩展名）：请在 Excel 中打开，另存为 .xlsx 格式后再上传"
        )
    if not data.startswith(b"PK"):
        return _not_excel_message(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception:  # BadZipFile, NotImplementedError (zip version), struct.error, …: all mean damaged
        return N_("文件已损坏，无法作为 .xlsx 工作簿打开：请在 Excel 中重新保存后上传")
    if len(members) > _MAX_ZIP_MEMBERS:
        return fmt(N_("文件包含 %(n)d 个内部部件，不像正常的报名表，已拒绝读取"), n=len(members))
    names = {member.filename for member in members}
    if any(member.flag_bits & 0x1 for member in members):
        return N_("工作簿已加密，无法读取：请在 Excel 中取消密码后另存为 .xlsx 再上传")
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        return fmt(
            N_(
                "文件解压后达 %(size)s MB，超过 %(limit)s MB 的上限（可能是异常文件）：请只保留报名数据后重新保存上传"
            ),
            size=_megabytes(total),
            limit=_megabytes(MAX_UNCOMPRESSED_BYTES),
        )
    for member in members:
        if member.file_size > _RATIO_FLOOR_BYTES:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO:
                return fmt(
                    N_("文件的压缩比异常（部件 %(part)s 压缩了 %(ratio)s 倍），疑似压缩炸弹，已拒绝读取"),
                    part=member.filename,
                    ratio=f"{ratio:.0f}",
                )
    if "xl/workbook.xml" in names:
        return None
    if "xl/workbook.bin" in names:
        return N_("这是 .xlsb（二进制工作簿）文件：请在 Excel 中另存为 .xlsx 格式后再上传")
    if "word/document.xml" in names:
        return N_("这是 Word 文档，不是报名表：请上传从平台下载并填写好的 .xlsx 报名表")
    if "content.xml" in names:
        return N_("这是 WPS/OpenOffice 的 .ods 等格式文件：请另存为 Excel 工作簿（.xlsx）后再上传")
    return N_("文件不是 Excel 工作簿（.xlsx）：请上传从平台下载并填写好的报名表")


def _not_excel_message(data: bytes) -> str:
    head = data[:4096]
    if head.startswith(b"%PDF"):
        return N_("这是 PDF 文件，不是报名表：请上传 .xlsx 格式的报名表")
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<meta")):
        return N_(
            "这是网页或 XML 格式的“表格”，并不是真正的 Excel 文件：请在 Excel 中打开后另存为 .xlsx 再上传"
        )
    text = _decode_text(head)
    if text is not None and ("," in text or "\t" in text or "，" in text):
        return N_(
            "这是 CSV/文本文件，不是 Excel 工作簿：请使用平台下载的 .xlsx 模板填写后上传（或在 Excel 中另存为 .xlsx）"
        )
    if text is not None:
        return N_("这是文本文件，不是 Excel 工作簿：请上传 .xlsx 格式的报名表")
    return N_("文件不是 Excel 工作簿（.xlsx）：请上传从平台下载并填写好的报名表")


def _decode_text(head: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            # A multi-byte character cut at the 4 KB boundary is still text.
            try:
                text = head[:-3].decode(encoding)
            except UnicodeDecodeError:
                continue
        if text and all(ch.isprintable() or ch in "\r\n\t" for ch in text):
            return text
    return None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


# ---------------------------------------------------------------------------------------------------
# Reading: the sheet


class _FileError(Exception):
    """The file as a whole is unusable; the message is Chinese, for ``WorkbookReport.file_error``."""


@dataclass(frozen=True, slots=True)
class _Sheet:
    """What was read from the sheet: header row, column map, the non-blank data rows."""

    path: str
    header_row: int
    positions: dict[str, int]  # column key → 0-based column index
    rows: list[tuple[int, tuple]]  # (Excel row number, values in COLUMNS order)
    epoch: datetime
    date_warnings: dict[str, str]  # cell coordinate → message


def _header_key(text: object) -> str:
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(folded.split()).strip("*")


_HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _text in (_column.header, *_column.aliases):
        _HEADER_LOOKUP[_header_key(_text)] = _column.key


def _match_header(values: tuple) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        key = _HEADER_LOOKUP.get(_header_key(value))
        if key is not None:
            found.setdefault(key, []).append(index)
    return found


def _header_positions(found: dict[str, list[int]], row: int) -> dict[str, int]:
    for key, indexes in found.items():
        if len(indexes) > 1:
            cells = joined(f"{get_column_letter(i + 1)}{row}" for i in indexes)
            raise _FileError(
                fmt(
                    N_("表头中“%(header)s”出现了 %(n)d 次（%(cells)s），请只保留一列"),
                    header=_BY_KEY[key].header,
                    n=len(indexes),
                    cells=cells,
                )
            )
    missing = [column.header for column in COLUMNS if column.required and column.key not in found]
    if missing:
        raise _FileError(
            fmt(
                N_(
                    "表头（第 %(row)d 行）缺少以下列：%(missing)s。请使用平台下载的模板，不要删除或改写列标题"
                ),
                row=row,
                missing=joined(missing),
            )
        )
    return {key: indexes[0] for key, indexes in found.items()}


_SPACES = " \t\r\n\u3000\xa0\u200b\ufeff"  # str.strip() alone keeps zero-width spaces and BOMs


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(_SPACES))


_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_SHEET_DATA_RE = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData[\s/>]")
_DIMENSION_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension[\s/>]")
_PEEK = 64 * 1024


def _with_dimensions(data: bytes) -> bytes:
    """The same workbook, with a ``<dimension>`` added to each worksheet part that lacks one.

    openpyxl's read-only mode looks for ``<dimension>`` when it opens a sheet and, when there is none
    (openpyxl's own write-only mode writes none), parses the whole sheet to find out: a 100,000-row
    upload would be read to the end before the row limit could stop it. The added placeholder is
    never trusted (:func:`_read_rows` resets dimensions). Files from Excel, WPS and LibreOffice have
    one, so they are returned unchanged without being copied.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        patch: dict[str, bytes] = {}
        for member in archive.infolist():
            if not _SHEET_PART.match(member.filename):
                continue
            with archive.open(member) as part:
                head = part.read(_PEEK)
            match = _SHEET_DATA_RE.search(head)
            if match and not _DIMENSION_RE.search(head, 0, match.start()):
                patch[member.filename] = match.group(1) or b""
        if not patch:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as copy:
            for member in archive.infolist():
                prefix = patch.get(member.filename)
                with (
                    archive.open(member) as source,
                    copy.open(member.filename, "w") as target,
                ):
                    first = True
                    while chunk := source.read(_CHUNK):
                        if first and prefix is not None:
                            at = _SHEET_DATA_RE.search(chunk).start()
                            chunk = chunk[:at] + b"<" + prefix + b'dimension ref="A1"/>' + chunk[at:]
                        first = False
                        target.write(chunk)
        return out.getvalue()


def _read_sheet(data: bytes, *, max_rows: int) -> _Sheet:
    """Open with openpyxl (read-only, cached values), collect at most ``max_rows`` data rows, then scan
    the sheet's XML. Raises :class:`_FileError` for anything that makes the file unusable."""
    with warnings.catch_warnings(record=True) as caught:
        # Local only (never a global filter): openpyxl and zipfile warn about hostile or unusual
        # parts; we turn the warnings that matter into messages below.
        warnings.simplefilter("always")
        try:
            data = _with_dimensions(data)
            sheet = _read_rows(data, max_rows=max_rows)
            _scan_sheet_xml(data, sheet)
        except (_FileError, InvariantError):
            raise
        except Exception as error:
            # openpyxl, zipfile and expat raise a wide, undocumented range of exceptions on malformed
            # parts (KeyError, ValueError, TypeError, ParseError, BadZipFile, zlib.error, …): for an
            # upload they all mean "corrupt".
            raise _FileError(
                N_("文件已损坏或不是有效的 .xlsx 工作簿，无法读取：请在 Excel 中打开并另存为 .xlsx 后再上传")
            ) from error
    for warning in caught:
        match = re.search(r"Cell (\$?[A-Z]{1,3}\$?[0-9]+) is marked as a date", str(warning.message))
        if match:
            sheet.date_warnings[match.group(1).replace("$", "")] = N_(
                "设置为日期格式，但其中的数值超出了日期范围"
            )
        # Other warnings (unsupported extensions, no default style, duplicate part names) concern
        # parts we do not read.
    return sheet


def _read_rows(data: bytes, *, max_rows: int) -> _Sheet:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        worksheets = workbook.worksheets
        if not worksheets:
            raise _FileError(N_("工作簿中没有工作表：请使用平台下载的报名表模板"))
        named = [ws for ws in worksheets if ws.title.strip() == DATA_SHEET]
        worksheet = named[0] if named else worksheets[0]
        # The <dimension> a file declares may be wrong or absent; never let it cut columns off.
        worksheet.reset_dimensions()
        path = worksheet._worksheet_path  # openpyxl keeps the part name here; needed for the XML scan
        rows = _collect(worksheet.iter_rows(values_only=True), title=worksheet.title, max_rows=max_rows)
        header_row, positions, data_rows = rows
        return _Sheet(path, header_row, positions, data_rows, workbook.epoch, {})
    finally:
        workbook.close()


def _collect(rows: Iterator[tuple], *, title: str, max_rows: int) -> tuple[int, dict[str, int], list]:
    header_row = 0
    positions: dict[str, int] = {}
    seen_anything = False
    for number, values in enumerate(rows, start=1):
        if any(not _is_blank(v) for v in values):
            seen_anything = True
            found = _match_header(values)
            if len(found) >= 3:
                header_row, positions = number, _header_positions(found, number)
                break
        if number >= _HEADER_SEARCH_ROWS:
            break
    if not header_row:
        if not seen_anything:
            raise _FileError(
                fmt(N_("工作表“%(title)s”是空的：请在平台下载的模板中填写报名信息后上传"), title=title)
            )
        expected = joined(column.header for column in COLUMNS if column.required)
        raise _FileError(
            fmt(
                N_(
                    "没有找到表头：工作表“%(title)s”的第一行应为模板的列标题（至少包括 %(expected)s）。"
                    "请使用平台下载的报名表模板"
                ),
                title=title,
                expected=expected,
            )
        )

    order = [positions.get(column.key) for column in COLUMNS]
    data_rows: list[tuple[int, tuple]] = []
    blank_run = 0
    for number, values in enumerate(rows, start=header_row + 1):
        width = len(values)
        picked = tuple(values[i] if i is not None and i < width else None for i in order)
        if all(_is_blank(v) for v in picked):
            blank_run += 1
            if blank_run > _MAX_BLANK_RUN:
                raise _FileError(
                    fmt(
                        N_("报名表从第 %(row)d 行起有超过 %(n)d 行空行：请删除多余的空行后再上传"),
                        row=number - blank_run + 1,
                        n=_MAX_BLANK_RUN,
                    )
                )
            continue
        blank_run = 0
        if len(data_rows) >= max_rows:
            raise _FileError(
                fmt(
                    N_(
                        "报名表超过 %(n)d 行（第 %(row)d 行仍有数据），超出单个文件的上限：请分成多个文件上传"
                    ),
                    n=max_rows,
                    row=number,
                )
            )
        data_rows.append((number, picked))
    if not data_rows:
        raise _FileError(N_("报名表中没有填写任何报名信息（表头以下都是空行）"))
    return header_row, positions, data_rows


_MERGE_RE = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*["\']([A-Za-z]{1,3}[0-9]{1,7}(?::[A-Za-z]{1,3}[0-9]{1,7})?)'
)
_FORMULA_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_CHUNK = 1 << 20


def _scan_sheet_xml(data: bytes, sheet: _Sheet) -> None:
    """Refuse merged cells in the data area and formulas without a cached result (read-only mode
    reports neither). Raises :class:`_FileError`."""
    merges: set[str] = set()
    has_formula = False
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(sheet.path) as part:
        tail = b""
        while chunk := part.read(_CHUNK):
            buffer = tail + chunk
            has_formula = has_formula or _FORMULA_RE.search(buffer) is not None
            merges.update(match.group(1).decode("ascii").upper() for match in _MERGE_RE.finditer(buffer))
            tail = buffer[-512:]
    in_data = []
    for ref in sorted(merges):
        max_row = range_boundaries(ref)[3]
        if max_row is not None and max_row > sheet.header_row:
            in_data.append(ref)
    if in_data:
        raise _FileError(
            fmt(
                N_("报名表中有合并单元格（%(cells)s）：请取消合并，每个单元格单独填写后再上传"),
                cells=_listing(in_data),
            )
        )
    if has_formula:
        cells = _formulas_without_value(data, sheet)
        if cells:
            raise _FileError(
                fmt(
                    N_(
                        "单元格 %(cells)s 含有公式但没有计算结果（文件可能由程序生成、未在 Excel 中保存过）："
                        "请在 Excel 中打开，把公式复制后“选择性粘贴 → 数值”，保存后再上传"
                    ),
                    cells=_listing(cells),
                )
            )


def _formulas_without_value(data: bytes, sheet: _Sheet) -> list[str]:
    wanted = set(sheet.positions.values())
    found: list[str] = []
    row_number = 0
    col_number = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(sheet.path) as part:
        for event, element in ET.iterparse(part, events=("start", "end")):
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "row":
                    reference = element.get("r")
                    row_number = int(reference) if reference and reference.isdigit() else row_number + 1
                    col_number = 0
                continue
            if tag == "c":
                reference = element.get("r")
                if reference:
                    col_number = range_boundaries(reference)[0]
                else:
                    col_number += 1
                if (
                    _lacks_cached_value(element)
                    and row_number > sheet.header_row
                    and col_number - 1 in wanted
                ):
                    found.append(f"{get_column_letter(col_number)}{row_number}")
                element.clear()
            elif tag == "row":
                element.clear()
    return found


def _lacks_cached_value(cell: ET.Element) -> bool:
    """A formula cell without a result: no ``<v>``, or an empty one that is not a cached empty string
    (Excel writes ``t="str"`` with an empty ``<v>`` for ``=""``; openpyxl writes ``<v/>`` for none)."""
    formula = value = None
    for child in cell:
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "f":
            formula = child
        elif tag == "v":
            value = child
    if formula is None:
        return False
    if value is None:
        return True
    return not value.text and cell.get("t") != "str"


def _listing(items: list[str]) -> str:
    shown = joined(items[:_MAX_LISTED])
    return shown if len(items) <= _MAX_LISTED else fmt(N_("%(cells)s 等 %(n)d 处"), cells=shown, n=len(items))


# ---------------------------------------------------------------------------------------------------
# Reading: cells

_EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
_NOT_APPLICABLE = frozenset({"无", "暂无", "没有", "/", "-", "—", "——", "n/a", "na", "none"})
_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ t]0{1,2}:00(?::00(?:\.0+)?)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MAINLAND_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_HK_MOBILE = re.compile(r"^\+?852([4-9]\d{7})$")
_MO_MOBILE = re.compile(r"^\+?853(6\d{7})$")
_TW_MOBILE = re.compile(r"^\+?8860?(9\d{8})$")
_PHONE_JUNK = re.compile(r"[\s\-()（）]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_CERTIFICATE = re.compile(r"^[A-Z0-9][A-Z0-9-]{4,29}$")
_TITLE_SPLIT = re.compile(r"[、,，;；\n]+")
_REGION_PREFIXES = frozenset(PROVINCE_NAMES) | {"71", "81", "82"}
# Excel serials from 1927 to 2099: smaller numbers in a date column are more likely a typed year.
_SERIAL_RANGE = (10_000, 73_050)
_FLOAT_EXACT = 2**53

_GENDERS = {"男": Gender.MALE, "男性": Gender.MALE, "女": Gender.FEMALE, "女性": Gender.FEMALE}
_GENDERS.update({g.value: g for g in Gender})
_GENDERS.update({"m": Gender.MALE, "f": Gender.FEMALE})
_ID_TYPES = {t.label: t for t in IdType} | {t.value: t for t in IdType}
_ID_TYPES.update(
    {"身份证": IdType.RESIDENT_ID, "二代身份证": IdType.RESIDENT_ID, "居住证": IdType.HK_MO_TW_RESIDENCE}
)
_ID_TYPE_CHOICES = tuple(t.label for t in IdType)
_STATUS_CHOICES = tuple(s.label for s in Status)
_STATUSES = {s.label: s for s in Status} | {s.value: s for s in Status}
_STATUSES.update({"员工": Status.EMPLOYEE, "在职职工": Status.EMPLOYEE, "在校学生": Status.STUDENT})


class _CellError(Exception):
    """One cell is wrong; the message is Chinese."""


def _raw_text(value: object) -> str:
    """A cell as text, as typed: numbers without a trailing ``.0``; surrounding spaces removed."""
    if isinstance(value, str):
        return value.strip(_SPACES)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _FLOAT_EXACT:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    return str(value)


def _text(value: object) -> str:
    """NFKC-folded text: full-width digits and letters become ASCII."""
    return unicodedata.normalize("NFKC", _raw_text(value)).strip(_SPACES)


def _optional(value: object) -> str | None:
    if _is_blank(value):
        return None
    text = _text(value)
    return None if text.lower() in _NOT_APPLICABLE else text


def _parse_date(value: object, *, epoch: datetime) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time | timedelta):
        raise _CellError(N_("这是时间，不是日期：请填写如 2025-10-26 的日期"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 19000101 <= number <= 21001231:
            return _compact_date(str(int(number)))
        if _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
            converted = from_excel(number, epoch)
            return converted.date() if isinstance(converted, datetime) else converted
        raise _CellError(
            fmt(N_("无法识别的日期“%(text)s”：请填写如 2025-10-26 的日期"), text=_raw_text(value))
        )
    text = _text(value)
    match = _DATE_RE.match(text.lower())
    if match:
        return _make_date(*match.groups(), text=text)
    if _COMPACT_DATE_RE.match(text):
        return _compact_date(text)
    raise _CellError(
        fmt(
            N_("无法识别的日期“%(text)s”：请填写如 2025-10-26、2025/10/26 或 %(written)s"),
            text=text,
            written="2025年10月26日",  # a way of writing the date the file accepts: kept in any language
        )
    )


def _compact_date(text: str) -> date:
    return _make_date(text[:4], text[4:6], text[6:8], text=text)


def _make_date(year: str, month: str, day: str, *, text: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise _CellError(fmt(N_("“%(text)s”不是有效的日期"), text=text)) from None


def _parse_phone(value: object) -> str:
    text = _PHONE_JUNK.sub("", _text(value))
    if text.startswith("00"):
        text = "+" + text[2:]
    for pattern, prefix in (
        (_MAINLAND_MOBILE, ""),
        (_HK_MOBILE, "+852"),
        (_MO_MOBILE, "+853"),
        (_TW_MOBILE, "+886"),
    ):
        match = pattern.match(text)
        if match:
            return prefix + match.group(1)
    raise _CellError(
        fmt(
            N_(
                "手机号码“%(text)s”格式不正确：内地手机号为 1 开头的 11 位数字；"
                "港澳台号码请带国际区号，如 +852 9123 4567、+853 6123 4567、+886 912 345 678"
            ),
            text=_text(value),
        )
    )


def _parse_id_text(value: object) -> str:
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
        raise _CellError(
            fmt(
                N_(
                    "证件号码被 Excel 存成了数字（显示为 1.1E+17 之类），末几位已经丢失：请把“%(header)s”列设置为"
                    "“文本”格式后重新输入号码"
                ),
                header=_BY_KEY["id_number"].header,
            )
        )
    return normalize_id_text(_raw_text(value))


def _parse_region(value: object) -> str | None:
    text = _optional(value)
    if text is None:
        return None
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        raise _CellError(
            fmt(N_("地区代码应为 6 位数字（GB/T 2260 行政区划代码，如 320602），现为“%(text)s”"), text=text)
        )
    if text[:2] not in _REGION_PREFIXES:
        raise _CellError(fmt(N_("地区代码“%(text)s”的前两位不是有效的省级行政区划代码"), text=text))
    return text


def _parse_years(value: object) -> int | None:
    text = _optional(value)
    if text is None:
        return None
    text = text.removesuffix("年").strip()
    try:
        number = float(text)
    except ValueError:
        raise _CellError(fmt(N_("工作年限应为整数年，如 5，现为“%(text)s”"), text=text)) from None
    if not number.is_integer():
        raise _CellError(fmt(N_("工作年限请填写整数年，现为 %(text)s"), text=text))
    if not 0 <= number <= 70:
        raise _CellError(fmt(N_("工作年限应在 0–70 年之间，现为 %(text)s"), text=text))
    return int(number)


def _lookup(mapping: dict, value: object, *, what: str, choices: Iterable[str]):
    text = _text(value)
    found = mapping.get(text) or mapping.get(text.lower())
    if found is None:
        raise _CellError(
            fmt(
                N_("无法识别的%(what)s“%(text)s”，可选：%(choices)s"),
                what=what,
                text=text,
                choices=joined(str(c) for c in choices),
            )  # typed in the file: kept
        )
    return found


def _event_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(slots=True)
class _Context:
    today: date
    events: dict[str, str]  # _event_key → title as given
    event_titles: list[str]
    epoch: datetime
    positions: dict[str, int]
    date_warnings: dict[str, str]


@dataclass(slots=True)
class _Parsed:
    """The result of one row: its fields (when every cell was valid) and what cross-row checks need."""

    number: int
    row: RegistrationRow | None
    problems: list[RowProblem]
    id_number: str | None
    event_title: str | None
    team_name: str | None


def _parse_row(number: int, values: tuple, context: _Context) -> _Parsed:
    problems: list[RowProblem] = []
    cells = dict(zip((column.key for column in COLUMNS), values, strict=True))
    fields: dict[str, object] = {}

    def problem(key: str, message: str) -> None:
        problems.append(RowProblem(number, _BY_KEY[key].header, message))

    def field(key: str, parse, *, required: str | None = None) -> None:
        value = cells[key]
        if key not in context.positions:
            fields[key] = None
            return
        if isinstance(value, str) and value.strip() in _EXCEL_ERRORS:
            coordinate = f"{get_column_letter(context.positions[key] + 1)}{number}"
            note = context.date_warnings.get(coordinate) or fmt(N_("是错误值 %(value)s"), value=value.strip())
            problem(key, fmt(N_("单元格 %(cell)s %(note)s：请填写实际内容"), cell=coordinate, note=note))
            return
        if _is_blank(value):
            if required:
                problem(key, required)
            else:
                fields[key] = None
            return
        try:
            fields[key] = parse(value)
        except _CellError as error:
            problem(key, error.args[0])
        except DomainError as error:
            problem(key, error.text)

    field("event_title", lambda v: _event(v, context), required=N_("请选择赛项"))
    field("name", _name, required=N_("请填写姓名"))
    field("gender", lambda v: _lookup(_GENDERS, v, what=N_("性别"), choices=("男", "女")))
    field(
        "id_type",
        lambda v: _lookup(_ID_TYPES, v, what=N_("证件类型"), choices=_ID_TYPE_CHOICES),
    )
    field("id_number", _parse_id_text, required=N_("请填写证件号码"))
    field("birth_date", lambda v: _parse_date(v, epoch=context.epoch))
    field("phone", _parse_phone, required=N_("请填写手机号码"))
    field("email", _email)
    field(
        "status",
        lambda v: _lookup(_STATUSES, v, what=N_("身份"), choices=_STATUS_CHOICES),
        required=fmt(N_("请填写身份：%(choices)s"), choices=joined(str(c) for c in _STATUS_CHOICES)),
    )
    field("education", lambda v: _short(v, N_("学历"), 20))
    field("current_level", _level)
    field("certificate_number", _certificate)
    field("certified_on", lambda v: _parse_date(v, epoch=context.epoch))
    field("years_in_occupation", _parse_years)
    field("household_region", _parse_region)
    field("social_insurance_region", _parse_region)
    field("titles", _titles)
    field("team_name", _team)

    document = _check_document(number, cells, fields, problem, context)
    id_number = document.number if document else None
    if document is not None:
        for key, source in (("gender", document.gender), ("birth_date", document.birth_date)):
            if key in fields and fields[key] is None:
                if source is None:
                    problem(
                        key,
                        fmt(
                            N_("持%(id_type)s的选手请填写%(header)s"),
                            id_type=document.id_type.label,
                            header=_BY_KEY[key].header,
                        ),
                    )
                else:
                    fields[key] = source
    birth = fields.get("birth_date")
    if isinstance(birth, date) and birth > context.today:
        problem("birth_date", fmt(N_("出生日期 %(date)s 晚于今天"), date=birth.isoformat()))
    certified = fields.get("certified_on")
    if isinstance(certified, date):
        if certified > context.today:
            problem("certified_on", fmt(N_("发证日期 %(date)s 晚于今天"), date=certified.isoformat()))
        elif isinstance(birth, date) and certified <= birth:
            problem(
                "certified_on",
                fmt(N_("发证日期 %(date)s 不晚于出生日期，请核对"), date=certified.isoformat()),
            )
    if fields.get("current_level") is None and (fields.get("certificate_number") or certified):
        problem("current_level", N_("填写了等级证书编号或发证日期，请同时填写现有职业技能等级"))

    row = None
    if not problems and document is not None:
        row = RegistrationRow(
            row=number,
            event_title=fields["event_title"],
            name=fields["name"],
            gender=fields["gender"],
            id_type=document.id_type,
            id_number=document.number,
            birth_date=fields["birth_date"],
            phone=fields["phone"],
            email=fields["email"],
            status=fields["status"],
            education=fields["education"],
            current_level=fields["current_level"],
            certificate_number=fields["certificate_number"],
            certified_on=fields["certified_on"],
            years_in_occupation=fields["years_in_occupation"],
            household_region=fields["household_region"],
            social_insurance_region=fields["social_insurance_region"],
            titles=fields["titles"] or (),
            team_name=fields["team_name"],
        )
    return _Parsed(number, row, problems, id_number, fields.get("event_title"), fields.get("team_name"))


def _check_document(number, cells, fields, problem, context: _Context) -> IdDocument | None:
    """Check the ID number by its type (given or inferred) and cross-check gender and birth date."""
    if "id_number" not in fields or "id_type" not in fields:
        return None
    text = fields["id_number"]
    id_type = fields["id_type"]
    if id_type is None:
        id_type = infer_id_type(text)
        if id_type is None:
            if len(text) == 15 and text.isdigit():
                id_type = IdType.RESIDENT_ID  # let check_id_number explain the legacy form
            else:
                problem("id_type", N_("请选择证件类型（号码不是 18 位身份证号码，无法自动识别）"))
                return None
    try:
        document = check_id_number(text, id_type, today=context.today)
    except DomainError as error:
        problem("id_number", error.text)
        return None
    declared_gender = fields.get("gender")
    declared_birth = fields.get("birth_date")
    try:
        cross_check(
            document,
            gender=declared_gender if isinstance(declared_gender, Gender) else None,
            birth_date=declared_birth if isinstance(declared_birth, date) else None,
        )
    except DomainError as error:
        for part in error.params["mismatches"].items:
            problem("gender" if part.startswith("性别") else "birth_date", part)
    return document


def _event(value: object, context: _Context) -> str:
    text = _text(value)
    title = context.events.get(_event_key(text))
    if title is None:
        names = [str(title) for title in context.event_titles]  # as typed in the file: kept
        listed = (
            fmt(N_("%(names)s 等 %(n)d 个"), names=joined(names[:10]), n=len(names))
            if len(names) > 10
            else joined(names)
            if names
            else N_("（无）")
        )
        raise _CellError(
            fmt(N_("赛项“%(text)s”不是本次竞赛的赛项，可选：%(listed)s"), text=text, listed=listed)
        )
    return title


def _name(value: object) -> str:
    # No NFKC here: it would replace CJK compatibility ideographs that some names are written with.
    name = " ".join(_raw_text(value).replace("\u3000", " ").split())
    if any(ch.isdigit() for ch in name):
        raise _CellError(fmt(N_("姓名“%(name)s”中含有数字，请核对"), name=name))
    if len(name) > 50:
        raise _CellError(N_("姓名过长（超过 50 个字）"))
    return name


def _email(value: object) -> str | None:
    text = _optional(value)
    if text is None:
        return None
    if len(text) > 254 or not _EMAIL.match(text):
        raise _CellError(fmt(N_("电子邮箱“%(text)s”格式不正确"), text=text))
    return text


def _short(value: object, what: str, limit: int) -> str | None:
    text = _optional(value)
    if text is not None and len(text) > limit:
        raise _CellError(fmt(N_("%(what)s过长（超过 %(limit)d 个字）"), what=what, limit=limit))
    return text


def _level(value: object) -> SkillLevel | None:
    text = _optional(value)
    return None if text is None else SkillLevel.parse(text)


def _certificate(value: object) -> str | None:
    text = _optional(value)
    if text is None:
        return None
    number = normalize_id_text(text)
    if not _CERTIFICATE.match(number):
        raise _CellError(fmt(N_("等级证书编号“%(text)s”格式不正确：应为 5–30 位字母或数字"), text=text))
    return number


def _titles(value: object) -> tuple[str, ...]:
    text = _optional(value)
    if text is None:
        return ()
    titles: list[str] = []
    for part in _TITLE_SPLIT.split(text):
        title = part.strip(_SPACES)
        if title and title.lower() not in _NOT_APPLICABLE and title not in titles:
            titles.append(title)
    return tuple(titles)


def _team(value: object) -> str | None:
    text = _optional(value)
    return None if text is None else " ".join(text.split())


# ---------------------------------------------------------------------------------------------------
# Reading: across rows


def _cross_row_problems(parsed: list[_Parsed], team_sizes: dict[str, int] | None) -> list[RowProblem]:
    problems: list[RowProblem] = []
    id_header = _BY_KEY["id_number"].header
    team_header = _BY_KEY["team_name"].header
    first_seen: dict[str, int] = {}
    for item in parsed:
        if item.id_number is None:
            continue
        first = first_seen.setdefault(item.id_number, item.number)
        if first != item.number:
            problems.append(
                RowProblem(
                    item.number,
                    id_header,
                    fmt(N_("证件号码与第 %(row)d 行重复：同一人在一个文件中只能填写一次"), row=first),
                )
            )

    teams: dict[str, list[_Parsed]] = {}
    for item in parsed:
        if item.team_name is not None:
            teams.setdefault(_event_key(item.team_name), []).append(item)
        elif team_sizes is not None and item.event_title in team_sizes:
            problems.append(
                RowProblem(
                    item.number,
                    team_header,
                    fmt(N_("“%(event)s”是团体赛项，请填写团队名称"), event=item.event_title),
                )
            )
    for members in teams.values():
        name = members[0].team_name
        first_event = next((m.event_title for m in members if m.event_title is not None), None)
        if first_event is None:
            continue
        first_row = next(m.number for m in members if m.event_title == first_event)
        mixed = False
        for member in members:
            if member.event_title is not None and member.event_title != first_event:
                mixed = True
                problems.append(
                    RowProblem(
                        member.number,
                        team_header,
                        fmt(
                            N_(
                                "团队“%(team)s”的成员应报同一赛项：第 %(row)d 行为“%(first)s”，本行为“%(this)s”"
                            ),
                            team=name,
                            row=first_row,
                            first=first_event,
                            this=member.event_title,
                        ),
                    )
                )
        if mixed or team_sizes is None:
            continue
        needed = team_sizes.get(first_event)
        if needed is None:
            for member in members:
                problems.append(
                    RowProblem(
                        member.number,
                        team_header,
                        fmt(N_("“%(event)s”是个人赛项，不需要填写团队名称"), event=first_event),
                    )
                )
        elif len(members) != needed:
            rows = joined(str(m.number) for m in members)
            for member in members:
                problems.append(
                    RowProblem(
                        member.number,
                        team_header,
                        fmt(
                            N_(
                                "团队“%(team)s”有 %(n)d 人（第 %(rows)s 行），“%(event)s”每队应为 %(needed)d 人"
                            ),
                            team=name,
                            n=len(members),
                            rows=rows,
                            event=first_event,
                            needed=needed,
                        ),
                    )
                )
    return problems


# ---------------------------------------------------------------------------------------------------
# Entry point


def parse_workbook(
    data: bytes,
    *,
    today: date,
    event_titles: list[str],
    max_rows: int = TEMPLATE_ROWS,
    team_sizes: dict[str, int] | None = None,
) -> WorkbookReport:
    """Read and check an uploaded batch registration workbook.

    ``data``: the uploaded file's bytes (untrusted). ``today``: the current date (birth and certificate
    dates may not be later). ``event_titles``: the events a row may name (matched ignoring spaces and
    full-width forms). ``max_rows``: most non-blank data rows accepted; reading stops at the first row
    beyond it. ``team_sizes``: for team events, event title → members per team; events not listed are
    individual events. ``None`` skips the team-size and individual/team checks (members of one team
    must still be in one event).

    The sheet read is the one called 报名表, else the first. The header is the first of the first ten
    rows that names at least three template columns; columns are matched by header text (order free,
    extra columns ignored; :attr:`Column.aliases` accepted). Blank rows are skipped; row numbers in
    the report are Excel's.

    Per row: required cells (赛项, 姓名, 证件号码, 手机号码, 身份); the ID number by its type
    (:func:`~competition.registration.idnumbers.check_id_number`: check digit, legacy 15-digit numbers
    refused, full-width digits accepted); 证件类型 inferred from an 18-character number when blank;
    性别 and 出生日期 cross-checked against the number, or taken from it when blank; dates as Excel
    dates or text (``2025-10-26``, ``2025/10/26``, ``2025.10.26``, ``20251026``, ``2025年10月26日``);
    numbers typed as text; mobiles (mainland 11 digits, ``+852``/``+853``/``+886``). Across rows:
    duplicate ID numbers (each names the row of the first occurrence); one event per team; team sizes.

    Returns a :class:`WorkbookReport`; never raises for anything in ``data``. ``file_error`` (with no
    rows) for: not an .xlsx (empty, .xls or encrypted OLE2 file, CSV/text, PDF, HTML, other zip),
    encrypted or oversized or over-compressed zip, no worksheet, empty sheet, no or incomplete header
    (the missing columns named), no data rows, more than ``max_rows`` rows, merged cells in the data
    area, formulas without a cached value (cells named), a corrupt part. Raises
    :class:`InvariantError` for ``max_rows < 1`` (a caller bug).
    """
    if max_rows < 1:
        raise InvariantError(f"max_rows must be at least 1, got {max_rows}")
    error = _container_error(data)
    if error is not None:
        return WorkbookReport(file_error=error)
    try:
        sheet = _read_sheet(data, max_rows=max_rows)
    except _FileError as failure:
        return WorkbookReport(file_error=failure.args[0])

    context = _Context(
        today=today,
        events={_event_key(title): title for title in event_titles},
        event_titles=list(event_titles),
        epoch=sheet.epoch,
        positions=sheet.positions,
        date_warnings=sheet.date_warnings,
    )
    parsed = []
    names: dict[int, str] = {}
    name_index = [column.key for column in COLUMNS].index("name")
    for number, values in sheet.rows:
        parsed.append(_parse_row(number, values, context))
        raw = values[name_index]
        names[number] = "" if raw is None else str(raw).strip()[:60]
    problems = [problem for item in parsed for problem in item.problems]
    problems += _cross_row_problems(parsed, team_sizes)
    order = {column.header: index for index, column in enumerate(COLUMNS)}
    problems.sort(key=lambda p: (p.row, order.get(p.column, len(order))))
    rows = tuple(item.row for item in parsed if item.row is not None)
    return WorkbookReport(rows=rows, problems=tuple(problems), names=names)
