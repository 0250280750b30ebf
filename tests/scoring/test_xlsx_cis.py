"""WorldSkills CIS "Marking Scheme Import" sheets → the core's MarkingScheme, and every way one is refused."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal as D
from fractions import Fraction as F

import pytest

from competition.domain import PartKind
from competition.errors import DomainError
from competition.scoring import xlsx_io
from competition.scoring.aspects import AspectKind, Check, Judgement
from competition.scoring.scheme import Criterion
from competition.scoring.xlsx_io import import_scheme_xlsx

from .helpers import cis_bytes, edit_workbook, mini_cis

SHEET = "CIS Marking Scheme Import"


@pytest.fixture(scope="module")
def sample() -> xlsx_io.ImportReport:
    return import_scheme_xlsx(cis_bytes())


def test_sample_imports_with_exact_counts(sample):
    assert sample.ok, [str(p) for p in sample.problems]
    assert sample.layout == "cis" and sample.notes == ()
    scheme = sample.scheme
    assert scheme.name == "17 Web Development"
    (part,) = scheme.parts
    assert part.kind is PartKind.PRACTICAL and part.weight == 100 and part.raw_maximum == 100
    kinds = Counter(a.kind for _, a in scheme.aspects())
    assert sum(kinds.values()) == 149
    assert kinds[AspectKind.MEASUREMENT] == 123 and kinds[AspectKind.JUDGEMENT] == 26
    assert {type(a.rule) for _, a in scheme.aspects()} == {Check, Judgement}
    assert [(c.code, c.maximum) for c in part.children] == [
        ("A", 17),
        ("B", 23),
        ("C", 17),
        ("D", 22),
        ("E", 16),
        ("F", 5),
    ]
    assert [(s.number, s.marks) for s in sample.sections] == [
        ("1", 5),
        ("2", 5),
        ("3", 25),
        ("4", 25),
        ("5", 40),
    ]
    judged = [a.code for _, a in scheme.aspects() if a.kind is AspectKind.JUDGEMENT]
    assert all(len(sample.aspects[c].descriptors) == 4 and all(sample.aspects[c].descriptors) for c in judged)
    measured = [a.code for _, a in scheme.aspects() if a.kind is AspectKind.MEASUREMENT]
    assert all(sample.aspects[c].descriptors == () for c in measured)


def test_sample_tree_codes_days_and_sections(sample):
    scheme = sample.scheme
    a = scheme.node("A")
    assert isinstance(a, Criterion) and a.name == "Static Website Design"
    assert [c.code for c in a.children] == ["A1", "A2", "A3", "A4"]
    a1 = scheme.node("A1")
    assert a1.name == "Website Layout" and [c.code for c in a1.children] == ["A1.1", "A1.2", "A1.3"]
    first = scheme.node("A1.1")
    assert first.name.startswith("Common website elements") and first.maximum == D("0.5")
    assert sample.aspects["A1.1"].descriptors[0] == "All common elements are not responsive at all"
    assert sample.aspects["A1.1"].section == "3" and sample.aspects["A1.1"].day == "1"
    assert sample.aspects["A1.3"].detail.startswith("Header, Navigation, and Footer elements")
    assert sample.aspects["C1.1"].day == "2" and sample.aspects["F1.1"].day == "3"
    by_section = Counter()
    for _, aspect in scheme.aspects():
        by_section[sample.aspects[aspect.code].section] += F(aspect.maximum)
    assert by_section == {"1": 5, "2": 5, "3": 25, "4": 25, "5": 40}


def test_resaved_sample_imports_and_notes_the_totals_it_could_not_check():
    # openpyxl drops Excel's cached results: the "Total Mark" formulas can then not be checked
    report = import_scheme_xlsx(edit_workbook(cis_bytes(), lambda book: None))
    assert report.ok
    assert any("没有保存计算结果，未核对" in n for n in report.notes)


def test_too_many_aspects_are_refused(monkeypatch):
    monkeypatch.setattr(xlsx_io, "MAX_ASPECTS", 100)
    _has(_refused(cis_bytes()), "评分项超过 100 个")


# --- a small generated sheet in the same layout, then one defect at a time --------------------------------


def _refused(data: bytes) -> xlsx_io.ImportReport:
    report = import_scheme_xlsx(data)
    assert report.scheme is None and not report.ok and report.problems
    assert report.aspects == {} and report.sections == ()
    with pytest.raises(DomainError):
        report.require()
    return report


def _has(report, text: str, *, row: int | None = None, sheet: str | None = SHEET) -> None:
    matching = [p for p in report.problems if text in p.message and (row is None or p.row == row)]
    assert matching, [str(p) for p in report.problems]
    assert all(p.sheet == sheet for p in matching)


def test_mini_sheet_imports():
    report = import_scheme_xlsx(mini_cis())
    assert report.ok, [str(p) for p in report.problems]
    scheme = report.scheme
    assert [a.code for _, a in scheme.aspects()] == ["A1.1", "A1.2", "B1.1", "B1.2"]
    assert report.aspects["A1.1"].day == "C1" and report.aspects["B1.1"].requirement == "visual"
    assert report.aspects["A1.2"].descriptors == tuple(f"Tack weld quality {s}" for s in range(4))


@pytest.mark.parametrize(
    ("cells", "row", "text"),
    [
        ({"K10": 5}, 10, "Criteria 表中评分模块 A 为 5 分，但各评分项配分之和为 4 分"),
        ({"I5": 3}, 5, "权重为 3 分，但对应评分项配分之和为 2 分"),
        ({"N13": 5}, 13, "评分模块 A 的合计（Total Mark）为 5 分，但各评分项配分之和为 4 分"),
        ({"N27": 11}, 27, "总分合计（Total Mark）为 11 分"),
        ({"K15": "两分"}, 15, "“Max Mark”不是数字：“两分”"),
        ({"K15": "#REF!"}, 15, "Excel 错误值 #REF!"),
        ({"K15": 0}, 15, "必须大于0"),
        ({"K15": None}, 15, "缺少“Max Mark”"),
        ({"K15": "=1+1"}, 15, "是公式 =1+1，但文件中没有保存计算结果"),
        ({"F18": None, "G18": None}, 16, "评价评分项缺少 0–3 分的评分说明（缺 1 分）"),
        ({"G18": None}, 18, "评价分 1 缺少说明"),
        ({"F18": 7}, 18, "评价分必须是 0、1、2、3 之一"),
        ({"F26": 1, "G26": "orphan"}, 26, "评价分说明行（Judg Score）不在评价评分项（J）之后"),
        ({"D15": "X"}, 15, "未知的评分项类型“X”"),
        ({"I15": 9}, 15, "WSOS Section “9” 不在职业标准章节表中"),
        ({"E15": None}, 15, "评分项缺少描述"),
        ({"D13": "Kind"}, 13, "未知的列标题“Kind”"),
        ({"D13": None}, 13, "缺少列：Aspect Type"),
        ({"E21": "stray text"}, 21, "既不是子模块行"),
        ({"A23": "C1"}, 23, "子模块编号 C1 不属于评分模块 B"),
        ({"A23": "A1"}, 23, "子模块编号 A1 与第 14 行重复"),
        ({"A11": None, "B11": None, "K11": None}, 22, "评分模块 B 不在 Criteria 表中"),
    ],
)
def test_bad_cells_are_reported_with_their_row(cells, row, text):
    _has(_refused(mini_cis(**cells)), text, row=row)


def test_missing_wsos_table_and_criteria_table():
    data = mini_cis(A3=None, A4="Nothing", A8=None, A9="Nothing")
    report = _refused(data)
    _has(report, "缺少“WorldSkills Occupational Standards”表")
    _has(report, "缺少“Criteria”表")


def test_merged_cells_in_the_aspect_area_are_refused():
    def merge(book):
        book[SHEET].merge_cells("K24:K25")

    report = _refused(edit_workbook(mini_cis(), merge))
    _has(report, "数据区不能使用合并单元格（K24:K25）", row=24)
    _has(report, "“Max Mark”位于合并单元格 K24:K25 中", row=25)


def test_merged_mark_cell_in_criteria_table():
    def merge(book):
        book[SHEET].merge_cells("B10:K10")

    _has(_refused(edit_workbook(mini_cis(), merge)), "“Mark”位于合并单元格 B10:K10 中", row=10)


def test_all_or_nothing_lists_every_problem():
    report = _refused(mini_cis(K15="x", K10=1, I6=6))
    assert {p.row for p in report.problems} >= {15, 10, 6}
    with pytest.raises(DomainError) as raised:
        report.require()
    message = str(raised.value)
    assert "工作表“CIS Marking Scheme Import”第 15 行：“Max Mark”不是数字" in message
