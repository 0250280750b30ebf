"""Marking schemes (评分标准) to and from Excel workbooks (.xlsx), with row-exact validation.

Two layouts are read; the layout is detected from the workbook, never from the file name:

* **Our template** (本平台评分标准模板), written by :func:`export_scheme_xlsx` for organizers to fill in.
  Sheets (headers in row 1, data from row 2; ``说明`` is free text and ignored on import):

  - ``评分标准``: ``项目 | 值`` — 名称; 评分汇总方式 (``mean`` / ``trimmed_mean`` / ``median``); 评分项保留小数位,
    部分成绩保留小数位, 总分保留小数位 (empty = exact); 显示小数位; 舍入方式 (a :mod:`decimal` mode).
  - ``部分``: ``部分 | 权重 | 及格分 | 满分 | 汇总层级 | 规定时间 | 超时扣分 | 计时单位 | 超时最多扣分 | 计时取整 |
    强制停止 | 超时取消资格 | 取消范围`` — 部分 is ``theory``/``practical``/``defence`` or 理论知识/技能操作/答辩;
    weights in % (sum 100); times in minutes; only 部分 and 权重 are required columns.
  - ``评分项``: ``部分 | 上级编号 | 编号 | 名称 | 类型 | 配分 | 评分日 | 标准章节 | 补充说明 | 要求 | 0分说明 | 1分说明 |
    2分说明 | 3分说明 | 参数`` — one row per criterion (类型 ``模块``) or aspect, parents before children; 上级编号
    empty = directly under the part. Aspect types: ``M`` measurement met/not met (:class:`Check`), ``J``
    judgement 0–3 (:class:`Judgement`), ``JM`` judges' marks 0–max (:class:`JudgedMark`), ``T`` tolerance
    bands, ``G`` ordinal grades, ``A`` automated test, ``D`` deductions (扣分制). 参数 is JSON for the rule's
    settings (required for T, G, D; optional for J, JM; numbers may be strings for exactness). A ``模块`` row's
    配分 is optional; when typed it must equal the sum of its children.
  - ``否决项`` (编号 | 描述 | 范围 | 对象), ``门槛`` (对象 | 依据 | 比例 | 说明), ``标准章节`` (章节 | 名称 | 分值): optional.

* **WorldSkills CIS "Marking Scheme Import"** (sheet ``CIS Marking Scheme Import``): the title in A1, the
  ``WorldSkills Occupational Standards`` table (Section | name | WSOS Marks), the ``Criteria`` table
  (ID | Name | Mark), then one block per criterion headed ``Sub Criterion ID | Sub Criterion Name | Day of
  Marking | Aspect Type | Aspect - Description | Judg Score | Extra Aspect Description | Requirement | WSOS
  Section | Calculation Row | Max Mark`` with ``Criterion X`` / ``Total Mark`` in the same row. Mapped to one
  practical part, weight 100 (its raw total normalised to 100 by the core): criteria → :class:`Criterion`
  (code ``A``), sub-criteria → :class:`Criterion` (code ``A1``), aspects → :class:`Aspect` coded ``A1.1``,
  ``A1.2`` … in sheet order, ``M`` → :class:`Check`, ``J`` → :class:`Judgement` (0–3, mean, divergence 1);
  the descriptors, day of marking, extra description, requirement and WSOS section go to :class:`AspectInfo`,
  the WSOS table to :class:`StandardSection`. Source: WorldSkills CIS marking-scheme import template
  (es2023 Web Development sample, /work/shared/data) and DOMAIN.md §3.

Validation is all-or-nothing: any problem gives an :class:`ImportReport` with ``scheme=None`` and every
problem found, each with its sheet, row and a Chinese message. Checked: file type (.xls renamed, non-Excel,
zip bombs, absurd sizes), missing/unknown headers, merged cells and formulas without a cached value where a
value is expected, non-numeric or non-positive maxima, typed subtotals that disagree with their aspects, WSOS
sections whose marks differ from the standard's weighting, judgement aspects without 0–3 descriptors, and
everything the core's own constructors refuse. openpyxl warnings become ``notes``.
"""

from __future__ import annotations

import io
import json
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Any

from competition.domain import PartKind
from competition.errors import N_, DomainError, joined
from competition.errors import fmt as fmt_msg
from competition.scoring.aggregate import Aggregation
from competition.scoring.aspects import (
    Aspect,
    AutomatedTest,
    Band,
    Check,
    JudgedMark,
    Judgement,
    OrdinalGrades,
    ToleranceBands,
)
from competition.scoring.deductions import DeductionGroup, DeductionRule, Deductions, StepRounding
from competition.scoring.rounding import ROUNDING_MODES, RoundingPolicy, exact, fmt
from competition.scoring.scheme import (
    AggregationLevel,
    Criterion,
    Gate,
    MarkingScheme,
    Part,
    TimeRule,
    Veto,
    VetoScope,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest accepted workbook file (bytes)."""
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
"""Largest total uncompressed size of the workbook's zip members (bytes): guards against zip bombs."""
MAX_RATIO = 200
"""Largest compression ratio of a zip member above 1 MB (a bomb compresses far better than real XML)."""
MAX_ROWS = 200_000
"""Largest sheet (rows) read."""
MAX_ASPECTS = 20_000
"""Most aspects in one scheme."""

TEMPLATE = "template"
CIS = "cis"
CIS_SHEET = "CIS Marking Scheme Import"

_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}


# --- results ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem found in a workbook: ``sheet`` name, 1-based ``row`` (``None`` for the whole file or
    sheet), and a Chinese ``message``. ``str()`` gives ``工作表“评分项”第 12 行：…``."""

    sheet: str | None
    row: int | None
    message: str

    def __str__(self) -> str:
        return str(self.text)

    @property
    def text(self) -> str:
        """The problem with where it is, marked (``fmt``) so a page shows it translated."""
        if not self.sheet:
            return self.message
        if self.row is None:
            return fmt_msg(N_("工作表“%(sheet)s”：%(message)s"), sheet=self.sheet, message=self.message)
        return fmt_msg(
            N_("工作表“%(sheet)s”第 %(row)s 行：%(message)s"),
            sheet=self.sheet,
            row=self.row,
            message=self.message,
        )


@dataclass(frozen=True)
class AspectInfo:
    """What a workbook says about an aspect beyond the core :class:`Aspect`.

    ``descriptors``: the 0–3 judgement descriptions (score 0 first), ``()`` for measurement aspects;
    ``section``: occupational-standard section (WSOS) number as text; ``day``: marking day (``1``, ``C1``);
    ``detail``: extra description; ``requirement``: the measurement requirement.
    """

    descriptors: tuple[str, ...] = ()
    section: str = ""
    day: str = ""
    detail: str = ""
    requirement: str = ""


@dataclass(frozen=True)
class StandardSection:
    """A section of the occupational standard (WSOS) and its weighting in marks."""

    number: str
    name: str
    marks: Decimal


@dataclass(frozen=True)
class ImportReport:
    """Result of :func:`import_scheme_xlsx`.

    ``scheme`` is the parsed :class:`MarkingScheme` or ``None`` when ``problems`` is non-empty (never both).
    ``layout`` is ``"template"`` or ``"cis"`` (``""`` when not recognised); ``aspects`` maps aspect codes to
    :class:`AspectInfo`; ``sections`` the occupational-standard weighting; ``notes`` are non-fatal remarks
    (openpyxl warnings, summary formulas that could not be checked).
    """

    scheme: MarkingScheme | None
    problems: tuple[Problem, ...] = ()
    layout: str = ""
    aspects: Mapping[str, AspectInfo] = field(default_factory=dict)
    sections: tuple[StandardSection, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when a scheme was read without problems."""
        return self.scheme is not None and not self.problems

    def require(self) -> MarkingScheme:
        """The scheme, or :class:`DomainError` listing every problem (one per line)."""
        if self.scheme is None or self.problems:
            listing = "\n".join(str(p) for p in self.problems) or "未能读取评分标准"
            raise DomainError(
                N_("评分标准文件有 %(problems_count)s 处问题：\n%(listing)s"),
                problems_count=len(self.problems),
                listing=listing,
            )
        return self.scheme


class _Abort(Exception):
    """Stop reading: the problems collected so far are final."""


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.notes: list[str] = []

    def add(self, sheet: str | None, row: int | None, message: str) -> None:
        problem = Problem(sheet, row, message)
        if problem not in self.items:
            self.items.append(problem)

    def fatal(self, sheet: str | None, row: int | None, message: str) -> _Abort:
        self.add(sheet, row, message)
        return _Abort()


# --- file-level checks -----------------------------------------------------------------------------------


def _check_container(data: bytes, problems: _Problems) -> None:
    """Refuse files that are not a safe, reasonably sized .xlsx package (raises :class:`_Abort`)."""
    if not data:
        raise problems.fatal(None, None, N_("文件为空"))
    if len(data) > MAX_FILE_BYTES:
        raise problems.fatal(
            None,
            None,
            fmt_msg(
                N_("文件过大（%(size)s MB），评分标准文件不能超过 %(limit)s MB"),
                size=len(data) // 1024 // 1024,
                limit=MAX_FILE_BYTES // 1024 // 1024,
            ),
        )
    if data.startswith(_XLS_MAGIC):
        raise problems.fatal(
            None,
            None,
            N_(
                "这是旧版 Excel 97-2003（.xls）文件（可能只是改了扩展名），请在 Excel 中“另存为” .xlsx 格式后再导入"
            ),
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise problems.fatal(
            None, None, N_("不是 Excel 工作簿（.xlsx）文件，请上传用 Excel 保存的 .xlsx 文件")
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
                raise problems.fatal(None, None, N_("是压缩包，但不是 Excel 工作簿（.xlsx）文件"))
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise problems.fatal(
                    None,
                    None,
                    fmt_msg(
                        N_(
                            "工作簿解压后过大（%(size)s MB，上限 %(limit)s MB），可能是恶意构造的压缩文件，已拒绝"
                        ),
                        size=total // 1024 // 1024,
                        limit=MAX_UNCOMPRESSED_BYTES // 1024 // 1024,
                    ),
                )
            for info in infos:
                if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise problems.fatal(None, None, N_("工作簿压缩比异常（疑似压缩炸弹），已拒绝"))
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with archive.open(info) as member:
                        head = member.read(4096).decode("utf-8", "replace")
                    found = re.search(r'<(?:\w+:)?dimension ref="([^"]+)"', head)
                    last = (
                        max((int(d) for d in re.findall(r"\d+", found.group(1))), default=0) if found else 0
                    )
                    if last > MAX_ROWS:
                        raise problems.fatal(
                            None,
                            None,
                            fmt_msg(
                                N_("工作表行数过多（%(rows)s 行，上限 %(limit)s 行），已拒绝"),
                                rows=last,
                                limit=MAX_ROWS,
                            ),
                        )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        # A damaged archive fails in several ways: bad central directory, bad deflate stream, short member.
        raise problems.fatal(None, None, N_("文件已损坏，无法作为 Excel 工作簿打开")) from None


def _open(
    data: bytes, problems: _Problems, read: Callable[[Any], Any] = lambda book: book, **options: Any
) -> Any:
    """``read(workbook)`` for openpyxl's workbook of ``data``. openpyxl's warnings (also those raised while
    ``read`` iterates a read-only sheet) become notes; its failures a fatal problem."""
    import openpyxl  # a parser, not a framework: imported here so the pure scoring package stays light

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = read(openpyxl.load_workbook(io.BytesIO(data), **options))
        except Exception as exc:  # openpyxl raises many kinds for a damaged package
            raise problems.fatal(
                None,
                None,
                fmt_msg(N_("无法读取工作簿，文件可能已损坏（%(error)s）"), error=type(exc).__name__),
            ) from None
    for warning in caught:
        note = fmt_msg(N_("读取工作簿时的提示：%(warning)s"), warning=str(warning.message))
        if note not in problems.notes:
            problems.notes.append(note)
    return result


def _all_rows(book: Any) -> dict[str, list[list[Any]]]:
    """Every worksheet's rows of a read-only workbook, then closed."""
    try:
        sheets = {}
        for ws in book.worksheets:
            ws.reset_dimensions()  # a stale <dimension> must not cut rows off
            sheets[ws.title] = [list(r) for r in ws.iter_rows(values_only=True)]
        return sheets
    finally:
        book.close()


class _Formulas:
    """The workbook's formulas, loaded (read-only) only when a cell needs them: most files never do."""

    def __init__(self, data: bytes, problems: _Problems) -> None:
        self.data = data
        self.problems = problems
        self.sheets: dict[str, list[list[Any]]] | None = None

    def rows(self, title: str) -> list[list[Any]]:
        if self.sheets is None:
            self.sheets = _open(self.data, self.problems, _all_rows, data_only=False, read_only=True)
        return self.sheets.get(title, [])


def _load(data: bytes, problems: _Problems) -> tuple[Any, _Formulas]:
    """(values workbook with cached formula results, lazily loaded formulas)."""
    values = _open(data, problems, data_only=True)
    for ws in values.worksheets:
        if ws.max_row > MAX_ROWS:
            raise problems.fatal(
                ws.title,
                None,
                fmt_msg(
                    N_("工作表行数过多（%(rows)s 行，上限 %(limit)s 行），已拒绝"),
                    rows=ws.max_row,
                    limit=MAX_ROWS,
                ),
            )
    return values, _Formulas(data, problems)


class _Grid:
    """One sheet's values (cached results) and formulas, with merged-cell and formula checks."""

    def __init__(self, values_ws: Any, formulas: _Formulas, problems: _Problems) -> None:
        self.name: str = values_ws.title
        self.problems = problems
        self.values = [list(r) for r in values_ws.iter_rows(values_only=True)]
        self._formulas = formulas
        self.width = max((len(r) for r in self.values), default=0)
        self.ranges = [
            (r.coord, r.min_row, r.max_row, r.min_col, r.max_col) for r in values_ws.merged_cells.ranges
        ]
        self.merged: dict[tuple[int, int], str] = {}
        for coord, r0, r1, c0, c1 in self.ranges:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self.merged[(r, c)] = coord

    @property
    def rows(self) -> int:
        return len(self.values)

    def raw(self, row: int, col: int) -> Any:
        if col < 1 or row < 1 or row > len(self.values) or col > len(self.values[row - 1]):
            return None
        return self.values[row - 1][col - 1]

    def formula(self, row: int, col: int) -> str | None:
        formulas = self._formulas.rows(self.name)
        if row > len(formulas) or col > len(formulas[row - 1]):
            return None
        value = formulas[row - 1][col - 1]
        if isinstance(value, str) and value.startswith("="):
            return value
        if value is not None and type(value).__name__ in {"ArrayFormula", "DataTableFormula"}:
            return str(getattr(value, "text", "") or "=…")
        return None

    def get(self, row: int, col: int | None, label: str) -> Any:
        """The value the row needs from (row, col): ``None`` when empty; a problem (and ``None``) for a
        merged cell's hidden part or a formula without a cached result."""
        if col is None:
            return None
        value = self.raw(row, col)
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None:
            if (row, col) in self.merged:
                self.problems.add(
                    self.name,
                    row,
                    fmt_msg(
                        N_("“%(label)s”位于合并单元格 %(merged)s 中，请取消合并并逐行填写"),
                        label=label,
                        merged=self.merged[(row, col)],
                    ),
                )
            elif (formula := self.formula(row, col)) is not None:
                self.problems.add(
                    self.name,
                    row,
                    fmt_msg(
                        N_(
                            "“%(label)s”是公式 %(formula)s，但文件中没有保存计算结果（文件可能由程序生成、未在 Excel 中打开保存），请在 Excel 中打开并保存，或改填数值"
                        ),
                        label=label,
                        formula=formula,
                    ),
                )
        return value

    def text(self, row: int, col: int | None, label: str) -> str:
        value = self.get(row, col, label)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def number(self, row: int, col: int | None, label: str, *, required: bool = True) -> Decimal | None:
        value = self.get(row, col, label)
        if value is None:
            if required and (row, col) not in self.merged and (col is None or self.formula(row, col) is None):
                self.problems.add(self.name, row, fmt_msg(N_("缺少“%(label)s”"), label=label))
            return None
        number = _to_decimal(value)
        if number is None:
            if isinstance(value, str) and value.strip() in _EXCEL_ERRORS:
                self.problems.add(
                    self.name,
                    row,
                    fmt_msg(
                        N_("“%(label)s”是 Excel 错误值 %(value)s，请改为数值"),
                        label=label,
                        value=value.strip(),
                    ),
                )
            else:
                self.problems.add(
                    self.name, row, fmt_msg(N_("“%(label)s”不是数字：“%(value)s”"), label=label, value=value)
                )
        return number

    def merged_in(self, first_row: int, columns: Iterable[int]) -> None:
        """Report merged ranges that touch the data area (rows ≥ ``first_row`` in ``columns``)."""
        cols = set(columns)
        for coord, r0, r1, c0, c1 in self.ranges:
            if r1 >= first_row and any(c0 <= c <= c1 for c in cols) and (r1 > r0 or c1 > c0):
                self.problems.add(
                    self.name,
                    max(r0, first_row),
                    fmt_msg(N_("数据区不能使用合并单元格（%(coord)s），请取消合并并逐行填写"), coord=coord),
                )


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        text = value.strip().replace("，", "").replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _norm(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip().lower()


def _dedupe_headers(
    grid: _Grid, row: int, known: Mapping[str, str], required: Iterable[str]
) -> dict[str, int] | None:
    """Map header texts in ``row`` to columns (``known``: header text → key). Problems for unknown,
    repeated and missing headers; ``None`` when a required one is missing."""
    columns: dict[str, int] = {}
    for col in range(1, grid.width + 1):
        text = _norm(grid.raw(row, col))
        if not text:
            continue
        key = known.get(text)
        if key is None:
            grid.problems.add(grid.name, row, fmt_msg(N_("未知的列标题“%(raw)s”"), raw=grid.raw(row, col)))
        elif key in columns:
            grid.problems.add(grid.name, row, fmt_msg(N_("列标题“%(raw)s”重复"), raw=grid.raw(row, col)))
        else:
            columns[key] = col
    missing = [k for k in required if k not in columns]
    if missing:
        names = {v: k for k, v in known.items()}
        grid.problems.add(
            grid.name, row, fmt_msg(N_("缺少列：%(missing)s"), missing=joined(names[m] for m in missing))
        )
        return None
    return columns


# --- import ----------------------------------------------------------------------------------------------


def import_scheme_xlsx(data: bytes, *, name: str | None = None) -> ImportReport:
    """Read a marking scheme from ``data`` (the bytes of an .xlsx file), our template or CIS (detected).

    ``name`` overrides the scheme name found in the workbook. Returns an :class:`ImportReport`; it never
    raises for a bad file — every problem is in ``report.problems`` with sheet and row, and then
    ``report.scheme`` is ``None`` (all-or-nothing). Use :meth:`ImportReport.require` to get the scheme or a
    :class:`DomainError`.
    """
    problems = _Problems()
    layout = ""
    try:
        _check_container(data, problems)
        values, formulas = _load(data, problems)
        names = values.sheetnames
        if CIS_SHEET in names or any(_looks_cis(ws) for ws in values.worksheets[:1]):
            layout = CIS
            title = CIS_SHEET if CIS_SHEET in names else names[0]
            grid = _Grid(values[title], formulas, problems)
            scheme, infos, sections = _read_cis(grid, problems, name)
        elif _TEMPLATE_SHEETS["aspects"] in names and _TEMPLATE_SHEETS["parts"] in names:
            layout = TEMPLATE
            grids = {
                key: _Grid(values[title], formulas, problems)
                for key, title in _TEMPLATE_SHEETS.items()
                if title in names
            }
            scheme, infos, sections = _read_template(grids, problems, name)
        else:
            raise problems.fatal(
                None,
                None,
                fmt_msg(
                    N_(
                        "无法识别的工作簿：既不是本平台评分标准模板（须有“%(parts)s”和“%(aspects)s”工作表），也不是 WorldSkills CIS 评分标准导入表（“%(cis)s”）"
                    ),
                    parts=_TEMPLATE_SHEETS["parts"],
                    aspects=_TEMPLATE_SHEETS["aspects"],
                    cis=CIS_SHEET,
                ),
            )
    except _Abort:
        return ImportReport(None, tuple(problems.items), layout, notes=tuple(problems.notes))
    if problems.items or scheme is None:
        return ImportReport(None, tuple(problems.items), layout, notes=tuple(problems.notes))
    return ImportReport(scheme, (), layout, infos, sections, tuple(problems.notes))


def _looks_cis(ws: Any) -> bool:
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 60), max_col=1, values_only=True):
        if _norm(row[0]).startswith("sub criterion id"):
            return True
    return False


def _count_aspects(count: int, problems: _Problems, sheet: str, row: int) -> None:
    if count > MAX_ASPECTS:
        raise problems.fatal(
            sheet,
            row,
            fmt_msg(N_("评分项超过 %(limit)s 个，已拒绝（请检查文件是否正确）"), limit=MAX_ASPECTS),
        )


def _build(problems: _Problems, sheet: str | None, row: int | None, make: Callable[[], Any]) -> Any:
    """Run a core constructor; its :class:`DomainError` becomes a problem at (sheet, row)."""
    try:
        return make()
    except DomainError as err:
        problems.add(sheet, row, err.text)
        return None


# --- CIS layout ------------------------------------------------------------------------------------------

_CIS_HEADERS = {
    "sub criterion id": "sub",
    "sub criterion name or description": "sub_name",
    "day of marking": "day",
    "aspect type m = meas j = judg": "type",
    "aspect type": "type",
    "aspect - description": "description",
    "judg score": "score",
    "extra aspect description (meas or judg) or judgement score description (judg only)": "extra",
    "extra aspect description (meas or judg)": "extra",
    "extra aspect description": "extra",
    "requirement (measurement only)": "requirement",
    "requirement": "requirement",
    "wsos section": "section",
    "calculation row (export only)": "calculation",
    "max mark": "max",
}
_CIS_REQUIRED = ("sub", "sub_name", "day", "type", "description", "score", "extra", "section", "max")


def _cis_header_columns(grid: _Grid, row: int) -> tuple[dict[str, int] | None, int | None, str | None]:
    """(column map, total-mark column, criterion code) of a block header row."""
    columns: dict[str, int] = {}
    criterion = None
    total_col = None
    for col in range(1, grid.width + 1):
        raw = grid.raw(row, col)
        text = _norm(raw)
        if not text:
            continue
        if key := _CIS_HEADERS.get(text):
            if key in columns:
                grid.problems.add(grid.name, row, fmt_msg(N_("列标题“%(raw)s”重复"), raw=raw))
            columns[key] = col
        elif re.fullmatch(r"criterion\s+\S+", text):
            criterion = str(raw).split()[-1].strip()
        elif text == "total mark":
            total_col = col + 1
        elif _to_decimal(raw) is not None or grid.formula(row, col) is not None:
            continue  # the criterion's typed total, beside "Total Mark"
        else:
            grid.problems.add(grid.name, row, fmt_msg(N_("未知的列标题“%(raw)s”"), raw=raw))
    missing = [k for k in _CIS_REQUIRED if k not in columns]
    if missing:
        labels = {
            "sub": "Sub Criterion ID",
            "sub_name": "Sub Criterion Name or Description",
            "day": "Day of Marking",
            "type": "Aspect Type",
            "description": "Aspect - Description",
            "score": "Judg Score",
            "extra": "Extra Aspect Description",
            "section": "WSOS Section",
            "max": "Max Mark",
        }
        grid.problems.add(
            grid.name, row, fmt_msg(N_("缺少列：%(missing)s"), missing=joined(labels[m] for m in missing))
        )
        return None, total_col, criterion
    return columns, total_col, criterion


def _find_row(grid: _Grid, start: int, test: Callable[[str], bool]) -> int | None:
    for row in range(start, grid.rows + 1):
        if test(_norm(grid.raw(row, 1))):
            return row
    return None


def _read_cis_sections(grid: _Grid, problems: _Problems) -> tuple[list[tuple[StandardSection, int]], int]:
    title = _find_row(grid, 1, lambda t: t == "worldskills occupational standards")
    header = _find_row(grid, title or 1, lambda t: t == "section")
    if header is None:
        problems.add(
            grid.name, None, N_("缺少“WorldSkills Occupational Standards”表（Section | WSOS Marks）")
        )
        return [], 1
    marks_col = None
    for col in range(2, grid.width + 1):
        if _norm(grid.raw(header, col)) == "wsos marks":
            marks_col = col  # the last one: column B holds the section names under the same title
    if marks_col is None or marks_col == 2:
        problems.add(grid.name, header, N_("WSOS 表缺少“WSOS Marks”分值列"))
        return [], header
    sections: list[tuple[StandardSection, int]] = []
    row = header + 1
    while row <= grid.rows and grid.raw(row, 1) not in (None, ""):
        number = grid.text(row, 1, "Section")
        name = grid.text(row, 2, "Section name")
        marks = grid.number(row, marks_col, "WSOS Marks")
        if marks is not None:
            sections.append((StandardSection(number, name, marks), row))
        row += 1
    if not sections:
        problems.add(grid.name, header, N_("WSOS 表没有任何章节"))
    return sections, row


def _read_cis_criteria(
    grid: _Grid, problems: _Problems, start: int
) -> dict[str, tuple[str, Decimal | None, int]]:
    title = _find_row(grid, start, lambda t: t == "criteria")
    header = _find_row(grid, title or start, lambda t: t == "id")
    found: dict[str, tuple[str, Decimal | None, int]] = {}
    if header is None:
        problems.add(grid.name, None, N_("缺少“Criteria”表（ID | Name | Mark）"))
        return found
    mark_col = next((c for c in range(2, grid.width + 1) if _norm(grid.raw(header, c)) == "mark"), None)
    if mark_col is None or _norm(grid.raw(header, 2)) != "name":
        problems.add(grid.name, header, N_("Criteria 表缺少列：Name 或 Mark"))
        return found
    row = header + 1
    while row <= grid.rows and grid.raw(row, 1) not in (None, ""):
        code = grid.text(row, 1, "ID")
        if code in found:
            problems.add(grid.name, row, fmt_msg(N_("评分模块编号重复：%(code)s"), code=code))
        found[code] = (grid.text(row, 2, "Name"), grid.number(row, mark_col, "Mark"), row)
        row += 1
    if not found:
        problems.add(grid.name, header, N_("Criteria 表没有任何评分模块"))
    return found


@dataclass
class _CisAspect:
    row: int
    kind: str
    description: str
    maximum: Decimal | None
    section: str
    day: str
    detail: str
    requirement: str
    descriptors: dict[int, str] = field(default_factory=dict)


@dataclass
class _CisSub:
    code: str
    name: str
    day: str
    row: int
    aspects: list[_CisAspect] = field(default_factory=list)


def _read_cis(
    grid: _Grid, problems: _Problems, name: str | None
) -> tuple[MarkingScheme | None, dict[str, AspectInfo], tuple[StandardSection, ...]]:
    sections, after = _read_cis_sections(grid, problems)
    table = _read_cis_criteria(grid, problems, after)
    headers = [r for r in range(1, grid.rows + 1) if _norm(grid.raw(r, 1)).startswith("sub criterion id")]
    if not headers:
        raise problems.fatal(grid.name, None, N_("找不到评分项表头（Sub Criterion ID | … | Max Mark）"))
    first_columns = None
    blocks: list[tuple[str, int, list[_CisSub], Decimal | None, int | None]] = []
    sub_rows: dict[str, int] = {}
    aspect_count = 0
    for index, header in enumerate(headers):
        columns, total_col, code = _cis_header_columns(grid, header)
        if columns is None:
            continue
        if first_columns is None:
            first_columns = columns
            grid.merged_in(header + 1, range(1, max(columns.values()) + 1))
        elif columns != first_columns:
            problems.add(grid.name, header, N_("本表头的列位置与第一个表头不一致"))
            continue
        end = headers[index + 1] if index + 1 < len(headers) else grid.rows + 1
        subs: list[_CisSub] = []
        typed_total = None
        if total_col is not None:
            cached = grid.raw(header, total_col)
            if cached is None and grid.formula(header, total_col) is not None:
                problems.notes.append(
                    fmt_msg(N_("第 %(header)s 行的模块合计是公式且没有保存计算结果，未核对"), header=header)
                )
            else:
                typed_total = _to_decimal(cached)
        last: _CisAspect | None = None
        for row in range(header + 1, end):
            sub_id = grid.text(row, columns["sub"], "Sub Criterion ID")
            kind = grid.text(row, columns["type"], "Aspect Type").upper()
            score = grid.get(row, columns["score"], "Judg Score")
            if _norm(grid.raw(row, 1)) in {"competition"} or _norm(
                grid.raw(row, columns.get("max", 0) + 1)
            ) in {"competition"}:
                break
            if sub_id and not kind:
                if code is None:
                    letters = re.match(r"[A-Za-z]+", sub_id)
                    code = letters.group(0) if letters else sub_id
                if not sub_id.startswith(code) or sub_id == code:
                    problems.add(
                        grid.name,
                        row,
                        fmt_msg(
                            N_("子模块编号 %(sub_id)s 不属于评分模块 %(code)s"), sub_id=sub_id, code=code
                        ),
                    )
                if sub_id in sub_rows:
                    problems.add(
                        grid.name,
                        row,
                        fmt_msg(
                            N_("子模块编号 %(sub_id)s 与第 %(row)s 行重复"),
                            sub_id=sub_id,
                            row=sub_rows[sub_id],
                        ),
                    )
                sub_rows.setdefault(sub_id, row)
                subs.append(
                    _CisSub(
                        sub_id,
                        grid.text(row, columns["sub_name"], "Sub Criterion Name"),
                        grid.text(row, columns["day"], "Day of Marking"),
                        row,
                    )
                )
                last = None
                continue
            if kind:
                if kind not in {"M", "J"}:
                    problems.add(
                        grid.name,
                        row,
                        fmt_msg(N_("未知的评分项类型“%(kind)s”（应为 M 测量 或 J 评价）"), kind=kind),
                    )
                    last = None
                    continue
                if not subs:
                    problems.add(grid.name, row, N_("评分项前面没有子模块行（Sub Criterion ID）"))
                    last = None
                    continue
                aspect_count += 1
                _count_aspects(aspect_count, problems, grid.name, row)
                description = grid.text(row, columns["description"], "Aspect - Description")
                if not description:
                    problems.add(grid.name, row, N_("评分项缺少描述（Aspect - Description）"))
                maximum = grid.number(row, columns["max"], "Max Mark")
                if maximum is not None and maximum <= 0:
                    problems.add(
                        grid.name, row, fmt_msg(N_("配分（Max Mark）必须大于0：%(maximum)s"), maximum=maximum)
                    )
                    maximum = None
                last = _CisAspect(
                    row=row,
                    kind=kind,
                    description=description,
                    maximum=maximum,
                    section=grid.text(row, columns["section"], "WSOS Section"),
                    day=subs[-1].day,
                    detail=grid.text(row, columns["extra"], "Extra Aspect Description"),
                    requirement=grid.text(row, columns.get("requirement"), "Requirement"),
                )
                subs[-1].aspects.append(last)
                continue
            if score is not None:
                value = _to_decimal(score)
                text = grid.text(row, columns["extra"], "Judgement Score Description")
                if last is None or last.kind != "J":
                    problems.add(grid.name, row, N_("评价分说明行（Judg Score）不在评价评分项（J）之后"))
                elif value is None or value not in (0, 1, 2, 3):
                    problems.add(
                        grid.name, row, fmt_msg(N_("评价分必须是 0、1、2、3 之一：“%(score)s”"), score=score)
                    )
                elif int(value) in last.descriptors:
                    problems.add(grid.name, row, fmt_msg(N_("评价分 %(score)s 的说明重复"), score=int(value)))
                elif not text:
                    problems.add(grid.name, row, fmt_msg(N_("评价分 %(score)s 缺少说明"), score=int(value)))
                else:
                    last.descriptors[int(value)] = text
                continue
            used = range(1, max(columns.values()) + 1)
            if any(c != columns.get("calculation") and not _blank(grid.raw(row, c)) for c in used):
                problems.add(
                    grid.name,
                    row,
                    N_("该行有内容，但既不是子模块行、评分项行（Aspect Type 为 M/J），也不是评价分说明行"),
                )
        if code is None:
            problems.add(grid.name, header, N_("无法确定本表头所属的评分模块（缺少“Criterion X”）"))
            continue
        blocks.append((code, header, subs, typed_total, total_col))
    overall = _cis_competition_total(grid, problems)
    return _assemble_cis(grid, problems, name, sections, table, blocks, overall)


def _cis_competition_total(grid: _Grid, problems: _Problems) -> tuple[int, Decimal] | None:
    """(row, typed value) of the "Competition | Total Mark | …" line, if present with a cached value."""
    for row in range(grid.rows, 0, -1):
        for col in range(1, grid.width - 1):
            if _norm(grid.raw(row, col)) == "competition" and _norm(grid.raw(row, col + 1)) == "total mark":
                value = grid.raw(row, col + 2)
                if value is None and grid.formula(row, col + 2) is not None:
                    problems.notes.append(
                        fmt_msg(N_("第 %(row)s 行的总分合计是公式且没有保存计算结果，未核对"), row=row)
                    )
                    return None
                number = _to_decimal(value)
                return None if number is None else (row, number)
    return None


def _assemble_cis(
    grid: _Grid,
    problems: _Problems,
    name: str | None,
    sections: list[tuple[StandardSection, int]],
    table: dict[str, tuple[str, Decimal | None, int]],
    blocks: list[tuple[str, int, list[_CisSub], Decimal | None, int | None]],
    overall: tuple[int, Decimal] | None,
) -> tuple[MarkingScheme | None, dict[str, AspectInfo], tuple[StandardSection, ...]]:
    infos: dict[str, AspectInfo] = {}
    criteria: list[Criterion] = []
    section_numbers = {s.number for s, _ in sections}
    section_sums: dict[str, Fraction] = {}
    seen_blocks: set[str] = set()
    for code, header, subs, typed_total, _ in blocks:
        if code in seen_blocks:
            problems.add(grid.name, header, fmt_msg(N_("评分模块 %(code)s 出现了两次"), code=code))
            continue
        seen_blocks.add(code)
        if code not in table:
            problems.add(grid.name, header, fmt_msg(N_("评分模块 %(code)s 不在 Criteria 表中"), code=code))
        block_sum = Fraction(0)
        sub_nodes: list[Criterion] = []
        for sub in subs:
            aspects: list[Aspect] = []
            for number, item in enumerate(sub.aspects, start=1):
                aspect_code = f"{sub.code}.{number}"
                if item.kind == "J":
                    absent = [str(s) for s in range(4) if s not in item.descriptors]
                    if absent:
                        problems.add(
                            grid.name,
                            item.row,
                            fmt_msg(
                                N_("评价评分项缺少 0–3 分的评分说明（缺 %(absent)s 分）"),
                                absent=joined(absent),
                            ),
                        )
                if sections and item.section not in section_numbers:
                    shown = item.section or N_("（空）")
                    problems.add(
                        grid.name,
                        item.row,
                        fmt_msg(N_("WSOS Section “%(shown)s” 不在职业标准章节表中"), shown=shown),
                    )
                if item.maximum is None:
                    continue
                block_sum += exact(item.maximum)
                section_sums[item.section] = section_sums.get(item.section, Fraction(0)) + exact(item.maximum)
                rule = Judgement() if item.kind == "J" else Check()
                aspect = _build(
                    problems,
                    grid.name,
                    item.row,
                    lambda c=aspect_code, i=item, r=rule: Aspect(c, i.description, i.maximum, r),
                )
                if aspect is not None:
                    aspects.append(aspect)
                    infos[aspect_code] = AspectInfo(
                        descriptors=tuple(item.descriptors.get(s, "") for s in range(4))
                        if item.kind == "J"
                        else (),
                        section=item.section,
                        day=item.day,
                        detail=item.detail,
                        requirement=item.requirement,
                    )
            node = _build(
                problems, grid.name, sub.row, lambda s=sub, a=aspects: Criterion(s.code, s.name, tuple(a))
            )
            if node is not None:
                sub_nodes.append(node)
        if typed_total is not None and exact(typed_total) != block_sum:
            problems.add(
                grid.name,
                header,
                fmt_msg(
                    N_(
                        "评分模块 %(code)s 的合计（Total Mark）为 %(typed_total)s 分，但各评分项配分之和为 %(block_sum)s 分"
                    ),
                    code=code,
                    typed_total=fmt(typed_total),
                    block_sum=fmt(block_sum),
                ),
            )
        if code in table:
            label, typed, row = table[code]
            if typed is not None and exact(typed) != block_sum:
                problems.add(
                    grid.name,
                    row,
                    fmt_msg(
                        N_(
                            "Criteria 表中评分模块 %(code)s 为 %(typed)s 分，但各评分项配分之和为 %(block_sum)s 分"
                        ),
                        code=code,
                        typed=fmt(typed),
                        block_sum=fmt(block_sum),
                    ),
                )
            node = _build(
                problems, grid.name, header, lambda c=code, n=label, s=sub_nodes: Criterion(c, n, tuple(s))
            )
            if node is not None:
                criteria.append(node)
    if overall is not None:
        everything = sum(section_sums.values(), Fraction(0))
        if exact(overall[1]) != everything:
            problems.add(
                grid.name,
                overall[0],
                fmt_msg(
                    N_("总分合计（Total Mark）为 %(overall)s 分，但全部评分项配分之和为 %(everything)s 分"),
                    overall=fmt(overall[1]),
                    everything=fmt(everything),
                ),
            )
    for code, (_, _, row) in table.items():
        if code not in seen_blocks:
            problems.add(grid.name, row, fmt_msg(N_("评分模块 %(code)s 没有评分项表"), code=code))
    for section, row in sections:
        got = section_sums.get(section.number, Fraction(0))
        if got != exact(section.marks):
            problems.add(
                grid.name,
                row,
                fmt_msg(
                    N_(
                        "职业标准第 %(number)s 章节（%(name)s）权重为 %(marks)s 分，但对应评分项配分之和为 %(got)s 分"
                    ),
                    number=section.number,
                    name=section.name,
                    marks=fmt(section.marks),
                    got=fmt(got),
                ),
            )
    if problems.items or not criteria:
        return None, {}, ()
    title = name or grid.text(1, 1, "title") or "WorldSkills 评分标准"
    part = _build(problems, grid.name, None, lambda: Part(PartKind.PRACTICAL, Decimal(100), tuple(criteria)))
    if part is None:
        return None, {}, ()
    scheme = _build(problems, grid.name, None, lambda: MarkingScheme(title, (part,)))
    return scheme, infos, tuple(s for s, _ in sections)


# --- our template ----------------------------------------------------------------------------------------

_TEMPLATE_SHEETS = {
    "readme": "说明",
    "scheme": "评分标准",
    "parts": "部分",
    "aspects": "评分项",
    "vetoes": "否决项",
    "gates": "门槛",
    "sections": "标准章节",
}
_SCHEME_KEYS = {
    "名称": "name",
    "评分汇总方式": "aggregation",
    "评分项保留小数位": "aspect_places",
    "部分成绩保留小数位": "part_places",
    "总分保留小数位": "total_places",
    "显示小数位": "display_places",
    "舍入方式": "mode",
}
_PART_HEADERS = {
    "部分": "kind",
    "权重": "weight",
    "及格分": "pass_mark",
    "满分": "maximum",
    "汇总层级": "aggregation_level",
    "规定时间": "limit",
    "超时扣分": "points",
    "计时单位": "step",
    "超时最多扣分": "max_deduction",
    "计时取整": "step_rounding",
    "强制停止": "hard_stop",
    "超时取消资格": "disqualify_after",
    "取消范围": "disqualify_scope",
}
_ASPECT_HEADERS = {
    "部分": "part",
    "上级编号": "parent",
    "编号": "code",
    "名称": "name",
    "类型": "type",
    "配分": "max",
    "评分日": "day",
    "标准章节": "section",
    "补充说明": "detail",
    "要求": "requirement",
    "0分说明": "d0",
    "1分说明": "d1",
    "2分说明": "d2",
    "3分说明": "d3",
    "参数": "params",
}
_VETO_HEADERS = {"编号": "code", "描述": "description", "范围": "scope", "对象": "target"}
_GATE_HEADERS = {"对象": "target", "依据": "depends_on", "比例": "share", "说明": "description"}
_SECTION_HEADERS = {"章节": "number", "名称": "name", "分值": "marks"}
_TYPES = {
    "模块": "criterion",
    "M": "M",
    "测量": "M",
    "J": "J",
    "评价": "J",
    "JM": "JM",
    "T": "T",
    "G": "G",
    "A": "A",
    "D": "D",
}
_TYPE_OF_RULE = {
    Check: "M",
    Judgement: "J",
    JudgedMark: "JM",
    ToleranceBands: "T",
    OrdinalGrades: "G",
    AutomatedTest: "A",
    Deductions: "D",
}
_PART_NAMES = {**{k.value: k for k in PartKind}, **{k.label: k for k in PartKind}}


def _part_kind(text: str) -> PartKind | None:
    return _PART_NAMES.get(text.strip().lower() if text.isascii() else text.strip())


def _header_map(grid: _Grid, known: Mapping[str, str], required: Iterable[str]) -> dict[str, int] | None:
    return _dedupe_headers(grid, 1, {_norm(k): v for k, v in known.items()}, required)


def _data_rows(grid: _Grid) -> Iterable[int]:
    for row in range(2, grid.rows + 1):
        if not all(_blank(v) for v in grid.values[row - 1]):
            yield row


def _enum(grid: _Grid, row: int, col: int | None, label: str, enum: Any, default: Any) -> Any:
    text = grid.text(row, col, label)
    if not text:
        return default
    try:
        return enum(text.lower())
    except ValueError:
        grid.problems.add(
            grid.name,
            row,
            fmt_msg(
                N_("“%(label)s”的值“%(text)s”无效，可选：%(enum)s"),
                label=label,
                text=text,
                enum=joined(e.value for e in enum),
            ),
        )
        return default


def _places(grid: _Grid, row: int, col: int, label: str) -> int | None:
    number = grid.number(row, col, label, required=False)
    if number is None:
        return None
    if number != number.to_integral_value() or number < 0 or number > 10:
        grid.problems.add(grid.name, row, fmt_msg(N_("“%(label)s”须为 0–10 的整数"), label=label))
        return None
    return int(number)


def _read_template(
    grids: dict[str, _Grid], problems: _Problems, name: str | None
) -> tuple[MarkingScheme | None, dict[str, AspectInfo], tuple[StandardSection, ...]]:
    settings = _read_settings(grids.get("scheme"), problems)
    parts_spec = _read_parts(grids["parts"], problems)
    aspects, infos, order, rows = _read_nodes(grids["aspects"], problems)
    vetoes = _read_vetoes(grids.get("vetoes"), problems)
    gates = _read_gates(grids.get("gates"), problems)
    sections = _read_sections(grids.get("sections"), problems)
    if sections:
        _check_sections(grids["aspects"], problems, sections, aspects, infos, rows)
    parts: list[Part] = []
    for kind, (row, options) in parts_spec.items():
        children = order.get(kind, [])
        if not children:
            problems.add(grids["parts"].name, row, fmt_msg(N_("%(kind)s没有评分项"), kind=kind.label))
            continue
        part = _build(
            problems,
            grids["parts"].name,
            row,
            lambda k=kind, o=options, c=children: Part(k, children=tuple(c), **o),
        )
        if part is not None:
            parts.append(part)
    for kind in order:
        if kind not in parts_spec:
            problems.add(
                grids["aspects"].name,
                None,
                fmt_msg(
                    N_("评分项属于%(kind)s，但“%(sheet)s”表中没有该部分"),
                    kind=kind.label,
                    sheet=_TEMPLATE_SHEETS["parts"],
                ),
            )
    if problems.items:
        return None, {}, ()
    scheme_sheet = grids["scheme"].name if "scheme" in grids else None
    rounding = _build(problems, scheme_sheet, None, lambda: RoundingPolicy(**settings["rounding"]))
    if rounding is None:
        return None, {}, ()
    scheme = _build(
        problems,
        scheme_sheet,
        None,
        lambda: MarkingScheme(
            name or settings["name"] or "评分标准",
            tuple(parts),
            vetoes=tuple(vetoes),
            gates=tuple(gates),
            aggregation=settings["aggregation"],
            rounding=rounding,
        ),
    )
    return scheme, infos, tuple(s for s, _ in sections)


def _read_settings(grid: _Grid | None, problems: _Problems) -> dict[str, Any]:
    settings: dict[str, Any] = {"name": "", "aggregation": Aggregation.MEAN, "rounding": {}}
    if grid is None:
        return settings
    if _header_map(grid, {"项目": "key", "值": "value"}, ("key", "value")) is None:
        return settings
    for row in _data_rows(grid):
        key = _SCHEME_KEYS.get(grid.text(row, 1, "项目"))
        if key is None:
            problems.add(grid.name, row, fmt_msg(N_("未知的设置项“%(key)s”"), key=grid.text(row, 1, "项目")))
        elif key == "name":
            settings["name"] = grid.text(row, 2, "名称")
        elif key == "aggregation":
            settings["aggregation"] = _enum(grid, row, 2, "评分汇总方式", Aggregation, Aggregation.MEAN)
        elif key == "mode":
            mode = grid.text(row, 2, "舍入方式").upper() or "ROUND_HALF_UP"
            if mode not in ROUNDING_MODES:
                problems.add(grid.name, row, fmt_msg(N_("未知的舍入方式“%(mode)s”"), mode=mode))
            else:
                settings["rounding"]["mode"] = mode
        else:
            places = _places(grid, row, 2, grid.text(row, 1, "项目"))
            if key == "display_places":
                if places is not None:
                    settings["rounding"][key] = places
            else:
                settings["rounding"][key] = places
    return settings


def _read_parts(grid: _Grid, problems: _Problems) -> dict[PartKind, tuple[int, dict[str, Any]]]:
    columns = _header_map(grid, _PART_HEADERS, ("kind", "weight"))
    found: dict[PartKind, tuple[int, dict[str, Any]]] = {}
    if columns is None:
        return found
    grid.merged_in(2, columns.values())
    for row in _data_rows(grid):
        text = grid.text(row, columns["kind"], "部分")
        kind = _part_kind(text)
        if kind is None:
            problems.add(
                grid.name,
                row,
                fmt_msg(
                    N_("未知的部分“%(text)s”，可选：%(choices)s"),
                    text=text,
                    choices=joined(("理论知识", "技能操作", "答辩")),
                ),
            )
            continue
        if kind in found:
            problems.add(grid.name, row, fmt_msg(N_("%(kind)s重复"), kind=kind.label))
            continue
        options: dict[str, Any] = {"weight": grid.number(row, columns["weight"], "权重")}
        pass_mark = grid.number(row, columns.get("pass_mark"), "及格分", required=False)
        if pass_mark is not None:
            options["pass_mark"] = pass_mark
        options["maximum"] = grid.number(row, columns.get("maximum"), "满分", required=False)
        options["aggregation_level"] = _enum(
            grid, row, columns.get("aggregation_level"), "汇总层级", AggregationLevel, AggregationLevel.ASPECT
        )
        limit = grid.number(row, columns.get("limit"), "规定时间", required=False)
        timed = (
            "points",
            "step",
            "max_deduction",
            "step_rounding",
            "hard_stop",
            "disqualify_after",
            "disqualify_scope",
        )
        if limit is None:
            if any(grid.text(row, columns.get(k), k) for k in timed):
                problems.add(
                    grid.name, row, fmt_msg(N_("填写了超时规则，但没有“%(column)s”"), column="规定时间")
                )
        else:
            time: dict[str, Any] = {"limit_minutes": limit}
            for key, label, arg in (
                ("points", "超时扣分", "points_per_step"),
                ("step", "计时单位", "step_minutes"),
                ("max_deduction", "超时最多扣分", "max_deduction"),
                ("hard_stop", "强制停止", "hard_stop_minutes"),
                ("disqualify_after", "超时取消资格", "disqualify_after_minutes"),
            ):
                value = grid.number(row, columns.get(key), label, required=False)
                if value is not None:
                    time[arg] = value
            time["step_rounding"] = _enum(
                grid, row, columns.get("step_rounding"), "计时取整", StepRounding, StepRounding.UP
            )
            time["disqualify_scope"] = _enum(
                grid, row, columns.get("disqualify_scope"), "取消范围", VetoScope, None
            )
            options["time_rule"] = _build(problems, grid.name, row, lambda t=time: TimeRule(**t))
        if options["weight"] is None:
            continue
        found[kind] = (row, options)
    if not found and not problems.items:
        problems.add(
            grid.name,
            None,
            fmt_msg(N_("没有任何部分（%(choices)s）"), choices=joined(("理论知识", "技能操作", "答辩"))),
        )
    return found


@dataclass
class _Node:
    row: int
    code: str
    name: str
    kind: PartKind
    typed_max: Decimal | None
    children: list[Any] = field(default_factory=list)


def _read_nodes(
    grid: _Grid, problems: _Problems
) -> tuple[dict[str, Aspect], dict[str, AspectInfo], dict[PartKind, list[Any]], dict[str, int]]:
    """(aspects by code, their info, each part's top-level nodes in order, row of each code)."""
    columns = _header_map(grid, _ASPECT_HEADERS, ("part", "parent", "code", "name", "type", "max"))
    infos: dict[str, AspectInfo] = {}
    if columns is None:
        return {}, infos, {}, {}
    grid.merged_in(2, columns.values())
    raw: dict[str, _Node | Aspect] = {}
    rows: dict[str, int] = {}
    parent_of: dict[str, str] = {}
    top: dict[PartKind, list[str]] = {}
    count = 0
    for row in _data_rows(grid):
        code = grid.text(row, columns["code"], "编号")
        name = grid.text(row, columns["name"], "名称")
        kind = _part_kind(grid.text(row, columns["part"], "部分"))
        type_text = grid.text(row, columns["type"], "类型")
        node_type = _TYPES.get(type_text.upper() if type_text.isascii() else type_text)
        parent = grid.text(row, columns["parent"], "上级编号")
        if not code:
            problems.add(grid.name, row, N_("缺少编号"))
            continue
        if code in rows:
            problems.add(
                grid.name, row, fmt_msg(N_("编号 %(code)s 与第 %(row)s 行重复"), code=code, row=rows[code])
            )
            continue
        if kind is None:
            problems.add(
                grid.name,
                row,
                fmt_msg(N_("未知的部分“%(text)s”"), text=grid.text(row, columns["part"], "部分")),
            )
            continue
        if node_type is None:
            problems.add(
                grid.name,
                row,
                fmt_msg(
                    N_("未知的类型“%(type_text)s”，可选：%(choices)s"),
                    type_text=type_text,
                    choices=joined(("模块", "M", "J", "JM", "T", "G", "A", "D")),
                ),
            )
            continue
        if parent:
            owner = raw.get(parent)
            if not isinstance(owner, _Node):
                problems.add(
                    grid.name, row, fmt_msg(N_("上级编号 %(parent)s 不是前面已列出的模块"), parent=parent)
                )
                continue
            if owner.kind is not kind:
                problems.add(
                    grid.name,
                    row,
                    fmt_msg(
                        N_("上级模块 %(parent)s 属于%(kind)s，与本行的部分不一致"),
                        parent=parent,
                        kind=owner.kind.label,
                    ),
                )
                continue
        rows[code] = row
        if node_type == "criterion":
            raw[code] = _Node(row, code, name, kind, grid.number(row, columns["max"], "配分", required=False))
        else:
            count += 1
            _count_aspects(count, problems, grid.name, row)
            aspect = _read_aspect(grid, problems, columns, row, code, name, node_type)
            if aspect is None:
                continue
            raw[code] = aspect
            infos[code] = AspectInfo(
                descriptors=tuple(grid.text(row, columns.get(f"d{s}"), f"{s}分说明") for s in range(4))
                if isinstance(aspect.rule, Judgement) and exact(aspect.rule.scale_max) == 3
                else (),
                section=grid.text(row, columns.get("section"), "标准章节"),
                day=grid.text(row, columns.get("day"), "评分日"),
                detail=grid.text(row, columns.get("detail"), "补充说明"),
                requirement=grid.text(row, columns.get("requirement"), "要求"),
            )
            if infos[code].descriptors and not all(infos[code].descriptors):
                absent = [str(s) for s, d in enumerate(infos[code].descriptors) if not d]
                problems.add(
                    grid.name,
                    row,
                    fmt_msg(N_("评价评分项缺少 0–3 分的评分说明（缺 %(absent)s 分）"), absent=joined(absent)),
                )
            if not infos[code].descriptors and any(
                grid.text(row, columns.get(f"d{s}"), "") for s in range(4)
            ):
                problems.add(grid.name, row, N_("只有 0–3 分制的评价评分项（J）才填写 0–3 分说明"))
        if parent:
            raw[parent].children.append(code)
            parent_of[code] = parent
        else:
            top.setdefault(kind, []).append(code)

    def build(code: str) -> Any:
        item = raw[code]
        if isinstance(item, Aspect):
            return item
        children = [c for c in (build(child) for child in item.children) if c is not None]
        if len(children) != len(item.children):
            return None
        total = sum((exact(c.maximum) for c in children), Fraction(0))
        if item.typed_max is not None and exact(item.typed_max) != total:
            problems.add(
                grid.name,
                item.row,
                fmt_msg(
                    N_("模块 %(code)s 填写的配分为 %(typed_max)s 分，但其下各项配分之和为 %(total)s 分"),
                    code=code,
                    typed_max=fmt(item.typed_max),
                    total=fmt(total),
                ),
            )
        return _build(problems, grid.name, item.row, lambda: Criterion(code, item.name, tuple(children)))

    order: dict[PartKind, list[Any]] = {}
    for kind, codes in top.items():
        order[kind] = [n for n in (build(c) for c in codes) if n is not None]
    aspects = {code: item for code, item in raw.items() if isinstance(item, Aspect)}
    return aspects, infos, order, rows


def _params(grid: _Grid, row: int, col: int | None) -> dict[str, Any] | None:
    text = grid.text(row, col, "参数")
    if not text:
        return {}
    try:
        value = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as err:
        grid.problems.add(
            grid.name,
            row,
            fmt_msg(
                N_("“%(column)s”不是有效的 JSON：%(error)s（第 %(position)s 个字符）"),
                column="参数",
                error=err.msg,
                position=err.pos + 1,
            ),
        )
        return None
    if not isinstance(value, dict):
        grid.problems.add(grid.name, row, fmt_msg(N_("“%(column)s”须为 JSON 对象（{…}）"), column="参数"))
        return None
    return value


def _dec(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise DomainError(N_("%(what)s不是数字：%(value)s"), what=what, value=value)
    number = _to_decimal(value)
    if number is None:
        raise DomainError(N_("%(what)s不是数字：“%(value)s”"), what=what, value=value)
    return number


def _opt_dec(params: Mapping[str, Any], key: str, what: str) -> Decimal | None:
    return None if params.get(key) is None else _dec(params[key], what)


def _allowed(params: Mapping[str, Any], keys: set[str], kind: str) -> None:
    unknown = sorted(set(params) - keys)
    if unknown:
        raise DomainError(
            N_("%(kind)s的参数中有未知的键：%(unknown)s（可用：%(keys)s）"),
            kind=kind,
            unknown=joined(unknown),
            keys=joined(sorted(keys)),
        )


def _deduction_item(value: Any) -> DeductionRule | DeductionGroup:
    if not isinstance(value, dict):
        raise DomainError(N_("扣分规则须为 JSON 对象"))
    if "members" in value:
        _allowed(value, {"code", "description", "members", "cap"}, N_("扣分组"))
        return DeductionGroup(
            str(value.get("code", "")),
            str(value.get("description", "")),
            tuple(_deduction_item(m) for m in value["members"]),
            _opt_dec(value, "cap", N_("扣分上限")),
        )
    _allowed(
        value,
        {"code", "description", "points", "per", "unit", "allowance", "cap", "step_rounding"},
        N_("扣分规则"),
    )
    return DeductionRule(
        code=str(value.get("code", "")),
        description=str(value.get("description", "")),
        points=_dec(value.get("points"), N_("扣分分值")),
        per=_opt_dec(value, "per", N_("扣分单位")),
        unit=str(value.get("unit", "")),
        allowance=_opt_dec(value, "allowance", N_("允许偏差")) or Decimal(0),
        cap=_opt_dec(value, "cap", N_("扣分上限")),
        step_rounding=StepRounding(value.get("step_rounding", "up")),
    )


def _rule(node_type: str, params: Mapping[str, Any]) -> Any:
    """Build the core rule for an aspect type from its JSON parameters (raises DomainError/ValueError)."""
    if node_type in {"M", "A"}:
        _allowed(params, set(), N_("该类型"))
        return Check() if node_type == "M" else AutomatedTest()
    if node_type == "J":
        _allowed(params, {"scale_max", "aggregation", "divergence_limit", "whole_scores"}, N_("评价评分项"))
        return Judgement(
            scale_max=_opt_dec(params, "scale_max", N_("评价满分档")) or Decimal(3),
            aggregation=Aggregation(params["aggregation"]) if params.get("aggregation") else None,
            divergence_limit=_opt_dec(params, "divergence_limit", N_("分歧上限"))
            if "divergence_limit" in params
            else Decimal(1),
            whole_scores=bool(params.get("whole_scores", True)),
        )
    if node_type == "JM":
        _allowed(params, {"aggregation", "divergence_limit"}, N_("裁判打分评分项"))
        return JudgedMark(
            aggregation=Aggregation(params["aggregation"]) if params.get("aggregation") else None,
            divergence_limit=_opt_dec(params, "divergence_limit", N_("分歧上限")),
        )
    if node_type == "T":
        _allowed(params, {"nominal", "unit", "bands"}, N_("公差分档评分项"))
        bands = params.get("bands") or []
        if not isinstance(bands, list):
            raise DomainError(N_("公差带（bands）须为列表"))
        return ToleranceBands(
            nominal=_dec(params.get("nominal"), N_("名义尺寸")),
            bands=tuple(
                Band(
                    _dec(b.get("below"), N_("下偏差")),
                    _dec(b.get("above"), N_("上偏差")),
                    _dec(b.get("share"), N_("得分比例")),
                    str(b.get("label", "")),
                )
                for b in bands
            ),
            unit=str(params.get("unit", "")),
        )
    if node_type == "G":
        _allowed(params, {"grades", "required", "shares"}, N_("等级评分项"))
        options: dict[str, Any] = {}
        if "shares" in params:
            options["shares"] = tuple(_dec(s, N_("等级得分比例")) for s in params["shares"])
        return OrdinalGrades(
            tuple(str(g) for g in params.get("grades") or ()), str(params.get("required", "")), **options
        )
    _allowed(params, {"items", "cap", "floor"}, N_("扣分制评分项"))
    return Deductions(
        items=tuple(_deduction_item(i) for i in params.get("items") or ()),
        cap=_opt_dec(params, "cap", N_("扣分上限")),
        floor=_opt_dec(params, "floor", N_("最低分")) if "floor" in params else Decimal(0),
    )


def _read_aspect(
    grid: _Grid,
    problems: _Problems,
    columns: Mapping[str, int],
    row: int,
    code: str,
    name: str,
    node_type: str,
) -> Aspect | None:
    maximum = grid.number(row, columns["max"], "配分")
    params = _params(grid, row, columns.get("params"))
    if maximum is None or params is None:
        return None
    if node_type in {"T", "G", "D"} and not params:
        problems.add(
            grid.name,
            row,
            fmt_msg(
                N_("类型 %(node_type)s 的评分项须在“%(column)s”中写明评分规则（JSON）"),
                node_type=node_type,
                column="参数",
            ),
        )
        return None
    try:
        rule = _rule(node_type, params)
    except DomainError as err:
        problems.add(grid.name, row, err.text)
        return None
    except (ValueError, TypeError, AttributeError, KeyError) as err:
        problems.add(
            grid.name,
            row,
            fmt_msg(
                N_("“%(column)s”无效：%(error)s"),
                column="参数",
                error=err.text if isinstance(err, DomainError) else str(err),
            ),
        )
        return None
    return _build(problems, grid.name, row, lambda: Aspect(code, name, maximum, rule))


def _read_vetoes(grid: _Grid | None, problems: _Problems) -> list[Veto]:
    found: list[Veto] = []
    if (
        grid is None
        or (columns := _header_map(grid, _VETO_HEADERS, ("code", "description", "scope"))) is None
    ):
        return found
    for row in _data_rows(grid):
        scope = _enum(grid, row, columns["scope"], "范围", VetoScope, None)
        if scope is None:
            problems.add(
                grid.name,
                row,
                fmt_msg(N_("缺少“%(column)s”（aspect / section / part / result）"), column="范围"),
            )
            continue
        found.append(
            Veto(
                grid.text(row, columns["code"], "编号"),
                grid.text(row, columns["description"], "描述"),
                scope,
                grid.text(row, columns.get("target"), "对象") or None,
            )
        )
    return found


def _read_gates(grid: _Grid | None, problems: _Problems) -> list[Gate]:
    found: list[Gate] = []
    if (
        grid is None
        or (columns := _header_map(grid, _GATE_HEADERS, ("target", "depends_on", "share"))) is None
    ):
        return found
    for row in _data_rows(grid):
        share = grid.number(row, columns["share"], "比例")
        if share is None:
            continue
        found.append(
            Gate(
                grid.text(row, columns["target"], "对象"),
                grid.text(row, columns["depends_on"], "依据"),
                share,
                grid.text(row, columns.get("description"), "说明"),
            )
        )
    return found


def _read_sections(grid: _Grid | None, problems: _Problems) -> list[tuple[StandardSection, int]]:
    found: list[tuple[StandardSection, int]] = []
    if grid is None or (columns := _header_map(grid, _SECTION_HEADERS, ("number", "marks"))) is None:
        return found
    seen: dict[str, int] = {}
    for row in _data_rows(grid):
        number = grid.text(row, columns["number"], "章节")
        marks = grid.number(row, columns["marks"], "分值")
        if number in seen:
            problems.add(
                grid.name,
                row,
                fmt_msg(N_("章节 %(number)s 与第 %(row)s 行重复"), number=number, row=seen[number]),
            )
            continue
        seen[number] = row
        if marks is not None:
            found.append((StandardSection(number, grid.text(row, columns.get("name"), "名称"), marks), row))
    return found


def _check_sections(
    grid: _Grid,
    problems: _Problems,
    sections: list[tuple[StandardSection, int]],
    aspects: Mapping[str, Aspect],
    infos: Mapping[str, AspectInfo],
    rows: Mapping[str, int],
) -> None:
    numbers = {s.number for s, _ in sections}
    sums: dict[str, Fraction] = {}
    for code, info in infos.items():
        if info.section not in numbers:
            shown = info.section or N_("（空）")
            problems.add(
                grid.name,
                rows[code],
                fmt_msg(
                    N_("评分项 %(code)s 的标准章节“%(shown)s”不在“%(sheet)s”表中"),
                    code=code,
                    shown=shown,
                    sheet=_TEMPLATE_SHEETS["sections"],
                ),
            )
        sums[info.section] = sums.get(info.section, Fraction(0)) + exact(aspects[code].maximum)
    for section, row in sections:
        got = sums.get(section.number, Fraction(0))
        if got != exact(section.marks):
            problems.add(
                _TEMPLATE_SHEETS["sections"],
                row,
                fmt_msg(
                    N_("标准章节 %(number)s 的权重为 %(marks)s 分，但对应评分项配分之和为 %(got)s 分"),
                    number=section.number,
                    marks=fmt(section.marks),
                    got=fmt(got),
                ),
            )


# --- export ----------------------------------------------------------------------------------------------

_README = (
    "本工作簿是技能竞赛与评价平台的评分标准模板（评分标准 / 评分细则）。",
    "“部分”：理论知识 / 技能操作 / 答辩，每部分按百分制计，权重（%）合计 100；及格分默认 60。",
    "“评分项”：每行一个模块（类型填“模块”）或评分项；上级编号为空表示直接属于该部分；上级须写在下级之前。",
    "类型：M 测量（符合得满分，否则0分）；J 评价（裁判 0–3 分，须填 0–3 分说明）；JM 裁判直接打分；",
    "T 公差分档；G 等级；A 自动测试；D 扣分制。T、G、D 须在“参数”中以 JSON 写明规则。",
    "模块行的配分可不填；若填写，须等于其下各项配分之和。",
    "“否决项”“门槛”“标准章节”可选；标准章节的分值须等于对应评分项配分之和。",
    "请勿合并单元格；公式须在 Excel 中保存计算结果。",
)


def _cell_number(value: Any) -> Any:
    """A number for a cell: int when whole, float when that round-trips exactly, else text."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        with localcontext() as ctx:
            ctx.prec = 60  # sums of decimal maxima terminate well within 60 digits
            value = Decimal(value.numerator) / Decimal(value.denominator)
    number = Decimal(value)
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    return as_float if Decimal(repr(as_float)) == number else format(number, "f")


def _json_number(value: Any) -> str:
    return format(Decimal(value), "f")


def _rule_params(rule: Any) -> dict[str, Any]:
    if isinstance(rule, Judgement):
        params: dict[str, Any] = {}
        if exact(rule.scale_max) != 3:
            params["scale_max"] = _json_number(rule.scale_max)
        if rule.aggregation is not None:
            params["aggregation"] = rule.aggregation.value
        if rule.divergence_limit is None or exact(rule.divergence_limit) != 1:
            params["divergence_limit"] = (
                None if rule.divergence_limit is None else _json_number(rule.divergence_limit)
            )
        if not rule.whole_scores:
            params["whole_scores"] = False
        return params
    if isinstance(rule, JudgedMark):
        params = {}
        if rule.aggregation is not None:
            params["aggregation"] = rule.aggregation.value
        if rule.divergence_limit is not None:
            params["divergence_limit"] = _json_number(rule.divergence_limit)
        return params
    if isinstance(rule, ToleranceBands):
        return {
            "nominal": _json_number(rule.nominal),
            "unit": rule.unit,
            "bands": [
                {
                    "below": _json_number(b.below),
                    "above": _json_number(b.above),
                    "share": _json_number(b.share),
                    "label": b.label,
                }
                for b in rule.bands
            ],
        }
    if isinstance(rule, OrdinalGrades):
        return {
            "grades": list(rule.grades),
            "required": rule.required,
            "shares": [_json_number(s) for s in rule.shares],
        }
    if isinstance(rule, Deductions):
        params = {"items": [_deduction_params(i) for i in rule.items]}
        if rule.cap is not None:
            params["cap"] = _json_number(rule.cap)
        if rule.floor is None or exact(rule.floor) != 0:
            params["floor"] = None if rule.floor is None else _json_number(rule.floor)
        return params
    return {}


def _deduction_params(item: DeductionRule | DeductionGroup) -> dict[str, Any]:
    if isinstance(item, DeductionGroup):
        out: dict[str, Any] = {
            "code": item.code,
            "description": item.description,
            "members": [_deduction_params(m) for m in item.members],
        }
        if item.cap is not None:
            out["cap"] = _json_number(item.cap)
        return out
    out = {"code": item.code, "description": item.description, "points": _json_number(item.points)}
    if item.per is not None:
        out["per"] = _json_number(item.per)
    if item.unit:
        out["unit"] = item.unit
    if exact(item.allowance) != 0:
        out["allowance"] = _json_number(item.allowance)
    if item.cap is not None:
        out["cap"] = _json_number(item.cap)
    if item.step_rounding is not StepRounding.UP:
        out["step_rounding"] = item.step_rounding.value
    return out


def export_scheme_xlsx(
    scheme: MarkingScheme,
    *,
    aspects: Mapping[str, AspectInfo] | None = None,
    sections: Iterable[StandardSection] = (),
) -> bytes:
    """Write ``scheme`` in our template layout (see the module docstring) and return the .xlsx bytes.

    ``aspects`` adds descriptors, marking days, WSOS sections and notes per aspect code; ``sections`` the
    occupational-standard weighting. :func:`import_scheme_xlsx` of the result gives an equal scheme, info
    and sections. Judgement (0–3) aspects without descriptors are written with empty description cells for
    the organizer to fill in — importing them as they are reports the missing descriptors.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font

    aspects = aspects or {}
    book = openpyxl.Workbook()
    bold = Font(bold=True)

    def sheet(title: str, headers: Iterable[str], index: int | None = None) -> Any:
        ws = book.active if index == 0 else book.create_sheet(title)
        ws.title = title
        ws.append(list(headers))
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        return ws

    readme = sheet(_TEMPLATE_SHEETS["readme"], ["说明"], 0)
    for line in _README:
        readme.append([line])
    readme.column_dimensions["A"].width = 110

    settings = sheet(_TEMPLATE_SHEETS["scheme"], ["项目", "值"])
    rounding = scheme.rounding
    for label, value in (
        ("名称", scheme.name),
        ("评分汇总方式", scheme.aggregation.value),
        ("评分项保留小数位", rounding.aspect_places),
        ("部分成绩保留小数位", rounding.part_places),
        ("总分保留小数位", rounding.total_places),
        ("显示小数位", rounding.display_places),
        ("舍入方式", rounding.mode),
    ):
        settings.append([label, value])
    settings.column_dimensions["A"].width = 20
    settings.column_dimensions["B"].width = 40

    parts = sheet(_TEMPLATE_SHEETS["parts"], _PART_HEADERS)
    for part in scheme.parts:
        time = part.time_rule
        parts.append(
            [
                part.kind.label,
                _cell_number(part.weight),
                _cell_number(part.pass_mark),
                _cell_number(part.maximum),
                part.aggregation_level.value,
                *(
                    [
                        _cell_number(time.limit_minutes),
                        _cell_number(time.points_per_step),
                        _cell_number(time.step_minutes),
                        _cell_number(time.max_deduction),
                        time.step_rounding.value,
                        _cell_number(time.hard_stop_minutes),
                        _cell_number(time.disqualify_after_minutes),
                        None if time.disqualify_scope is None else time.disqualify_scope.value,
                    ]
                    if time is not None
                    else []
                ),
            ]
        )

    rows = sheet(_TEMPLATE_SHEETS["aspects"], _ASPECT_HEADERS)
    wrap = Alignment(wrap_text=True, vertical="top")

    def emit(node: Criterion | Aspect, part: Part, parent: str) -> None:
        if isinstance(node, Criterion):
            rows.append(
                [part.kind.label, parent or None, node.code, node.name, "模块", _cell_number(node.maximum)]
            )
            for child in node.children:
                emit(child, part, node.code)
            return
        info = aspects.get(node.code, AspectInfo())
        params = _rule_params(node.rule)
        descriptors = list(info.descriptors) + [""] * (4 - len(info.descriptors))
        rows.append(
            [
                part.kind.label,
                parent or None,
                node.code,
                node.name,
                _TYPE_OF_RULE[type(node.rule)],
                _cell_number(node.maximum),
                info.day or None,
                info.section or None,
                info.detail or None,
                info.requirement or None,
                *(d or None for d in descriptors[:4]),
                json.dumps(params, ensure_ascii=False) if params else None,
            ]
        )
        for cell in rows[rows.max_row]:
            cell.alignment = wrap

    for part in scheme.parts:
        for child in part.children:
            emit(child, part, "")
    for column, width in zip(
        "ABCDEFGHIJKLMNO", (10, 10, 10, 40, 8, 8, 8, 8, 30, 30, 30, 30, 30, 30, 40), strict=True
    ):
        rows.column_dimensions[column].width = width

    vetoes = sheet(_TEMPLATE_SHEETS["vetoes"], _VETO_HEADERS)
    for veto in scheme.vetoes:
        vetoes.append([veto.code, veto.description, veto.scope.value, veto.target])
    gates = sheet(_TEMPLATE_SHEETS["gates"], _GATE_HEADERS)
    for gate in scheme.gates:
        gates.append(
            [gate.target, gate.depends_on, _cell_number(gate.threshold_share), gate.description or None]
        )
    standard = sheet(_TEMPLATE_SHEETS["sections"], _SECTION_HEADERS)
    for section in sections:
        standard.append([section.number, section.name or None, _cell_number(section.marks)])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
