"""Our own marking-scheme template: export → import round-trip, and refused workbooks."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest

from competition.scoring import xlsx_io
from competition.scoring.xlsx_io import AspectInfo, export_scheme_xlsx, import_scheme_xlsx

from .helpers import edit_workbook, rezip, rich_scheme, welder_scheme


def _refused(data: bytes) -> xlsx_io.ImportReport:
    report = import_scheme_xlsx(data)
    assert report.scheme is None and report.problems and not report.ok
    return report


def _has(report, text: str, *, sheet: str | None = None, row: int | None = None) -> None:
    matching = [
        p
        for p in report.problems
        if text in p.message and (sheet is None or p.sheet == sheet) and (row is None or p.row == row)
    ]
    assert matching, [str(p) for p in report.problems]


def test_round_trip_gives_an_equal_scheme_info_and_sections():
    scheme, infos, sections = rich_scheme()
    data = export_scheme_xlsx(scheme, aspects=infos, sections=sections)
    report = import_scheme_xlsx(data)
    assert report.ok, [str(p) for p in report.problems]
    assert report.layout == "template"
    assert report.scheme == scheme
    assert report.aspects == {code: infos.get(code, AspectInfo()) for code in report.aspects}
    assert set(report.aspects) == {a.code for _, a in scheme.aspects()}
    assert report.sections == sections
    # and again: the exported file is stable
    assert (
        import_scheme_xlsx(
            export_scheme_xlsx(report.scheme, aspects=report.aspects, sections=sections)
        ).scheme
        == scheme
    )


def test_exported_workbook_reads_as_organizers_see_it():
    scheme, infos, sections = rich_scheme()
    book = openpyxl.load_workbook(io.BytesIO(export_scheme_xlsx(scheme, aspects=infos, sections=sections)))
    assert book.sheetnames == ["说明", "评分标准", "部分", "评分项", "否决项", "门槛", "标准章节"]
    rows = list(book["评分项"].iter_rows(values_only=True))
    assert rows[0][:6] == ("部分", "上级编号", "编号", "名称", "类型", "配分")
    judged = next(r for r in rows if r[2] == "P1.A.1")
    assert judged[:6] == ("技能操作", "P1.A", "P1.A.1", "焊缝成形", "J", 7.5)
    assert judged[10:14] == ("未完成", "基本完成", "完成良好", "完成优秀")
    deductions = next(r for r in rows if r[2] == "P1.A.2")
    assert json.loads(deductions[14])["cap"] == "6"
    assert [r[:2] for r in book["部分"].iter_rows(min_row=2, values_only=True)] == [
        ("理论知识", 30),
        ("技能操作", 50),
        ("答辩", 20),
    ]


def test_judgement_without_descriptors_is_reported():
    scheme, _ = welder_scheme()
    report = _refused(export_scheme_xlsx(scheme))
    _has(report, "评价评分项缺少 0–3 分的评分说明（缺 0、1、2、3 分）", sheet="评分项", row=4)


def _template(edit) -> bytes:
    scheme, infos = welder_scheme()
    return edit_workbook(export_scheme_xlsx(scheme, aspects=infos), edit)


def _cell(sheet: str, ref: str, value):
    def edit(book):
        book[sheet][ref] = value

    return edit


@pytest.mark.parametrize(
    ("sheet", "ref", "value", "row", "text"),
    [
        ("评分项", "F3", 60, 3, "模块 P1 填写的配分为 60 分，但其下各项配分之和为 50 分"),
        ("评分项", "F4", "三十", 4, "“配分”不是数字：“三十”"),
        ("评分项", "F4", -5, 4, "评分项 P1.1 的配分必须大于0"),
        ("评分项", "E4", "Q", 4, "未知的类型“Q”"),
        ("评分项", "O8", "{bad json", 8, "“参数”不是有效的 JSON"),
        ("评分项", "O8", '{"items": [], "colour": 1}', 8, "未知的键：colour"),
        ("评分项", "B7", "P9", 7, "上级编号 P9 不是前面已列出的模块"),
        ("评分项", "C7", "P1.1", 7, "编号 P1.1 与第 4 行重复"),
        ("评分项", "A7", "口试", 7, "未知的部分“口试”"),
        ("评分项", "K5", "只有一条", 5, "只有 0–3 分制的评价评分项（J）才填写 0–3 分说明"),
        ("评分项", "O2", "oops", 2, "“参数”不是有效的 JSON"),
        ("评分项", "P1", "备注", 1, "未知的列标题“备注”"),
        ("评分项", "F1", None, 1, "缺少列：配分"),
        ("部分", "B3", "七十", 3, "“权重”不是数字"),
        ("部分", "B3", 120, 3, "技能操作的权重必须在0到100之间"),
        ("部分", "A3", "实操", 3, "未知的部分“实操”"),
        ("部分", "F3", 0, 3, "规定时间和计时单位必须大于0"),
        ("评分标准", "B3", "average", 3, "“评分汇总方式”的值“average”无效"),
        ("评分标准", "A9", "颜色", 9, "未知的设置项“颜色”"),
        ("否决项", "C2", "everything", 2, "“范围”的值“everything”无效"),
    ],
)
def test_bad_template_cells_are_reported_with_their_row(sheet, ref, value, row, text):
    _has(_refused(_template(_cell(sheet, ref, value))), text, sheet=sheet, row=row)


def test_weights_that_do_not_add_up():
    _has(_refused(_template(_cell("部分", "B3", 60))), "各部分权重合计 90%，应为 100%", sheet="评分标准")


def test_section_marks_must_match_their_aspects():
    scheme, infos, sections = rich_scheme()

    def edit(book):
        book["标准章节"]["C3"] = 49

    report = _refused(edit_workbook(export_scheme_xlsx(scheme, aspects=infos, sections=sections), edit))
    _has(report, "标准章节 2 的权重为 49 分，但对应评分项配分之和为 50 分", sheet="标准章节", row=3)


def test_merged_cells_in_the_template_are_refused():
    def edit(book):
        book["评分项"].merge_cells("A4:A5")

    _has(_refused(_template(edit)), "数据区不能使用合并单元格（A4:A5）", sheet="评分项", row=4)


def test_unrecognised_workbook():
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    out = io.BytesIO()
    book.save(out)
    _has(_refused(out.getvalue()), "无法识别的工作簿")


# --- file-level refusals ---------------------------------------------------------------------------------


def test_xls_renamed_to_xlsx():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048
    report = _refused(data)
    assert report.problems[0].sheet is None and report.problems[0].row is None
    _has(report, "旧版 Excel 97-2003（.xls）文件")


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", "文件为空"),
        (b"entry,part,aspect\nW01,theory,L1\n", "不是 Excel 工作簿（.xlsx）文件"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "不是 Excel 工作簿（.xlsx）文件"),
    ],
)
def test_non_excel_files(data, text):
    _has(_refused(data), text)


def test_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    _has(_refused(out.getvalue()), "是压缩包，但不是 Excel 工作簿")


def test_damaged_workbook():
    scheme, infos = welder_scheme()
    data = rezip(
        export_scheme_xlsx(scheme, aspects=infos), drop={"xl/workbook.xml"}, add={"xl/workbook.xml": b"<oops"}
    )
    _has(_refused(data), "无法读取工作簿，文件可能已损坏")


def test_zip_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(xlsx_io, "MAX_UNCOMPRESSED_BYTES", 512 * 1024)
    scheme, infos = welder_scheme()
    data = rezip(
        export_scheme_xlsx(scheme, aspects=infos), add={"xl/media/padding.bin": b"\0" * (1024 * 1024)}
    )
    _has(_refused(data), "解压后过大")


def test_high_compression_ratio_is_refused():
    scheme, infos = welder_scheme()
    data = rezip(
        export_scheme_xlsx(scheme, aspects=infos), add={"xl/media/zeros.bin": b"\0" * (3 * 1024 * 1024)}
    )
    _has(_refused(data), "压缩比异常")


def test_absurdly_large_sheet_is_refused_before_loading():
    def edit(book):
        book["评分项"].cell(row=xlsx_io.MAX_ROWS + 1, column=1, value="x")

    _has(_refused(_template(edit)), f"上限 {xlsx_io.MAX_ROWS} 行")


def test_openpyxl_warnings_become_notes_not_errors():
    scheme, infos = welder_scheme()
    data = export_scheme_xlsx(scheme, aspects=infos)
    # an extension openpyxl does not know makes it warn; the import still succeeds and says so
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(sheet).decode()
    xml = xml.replace(
        "</worksheet>", '<extLst><ext uri="{00000000-0000-0000-0000-000000000000}"/></extLst></worksheet>'
    )
    data = rezip(data, drop={sheet}, add={sheet: xml.encode()})
    report = import_scheme_xlsx(data)
    assert report.ok, [str(p) for p in report.problems]
    assert any("读取工作簿时的提示" in n for n in report.notes)
