"""Batch registration workbook: the template round-trips, every row check speaks Chinese, hostile files
are refused with one clear message and no rows."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from datetime import date, datetime
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from competition.domain import Gender, SkillLevel
from competition.errors import DomainError, InvariantError
from competition.registration.eligibility import Status
from competition.registration.idnumbers import IdType, make_resident_id
from competition.registration.workbook import (
    COLUMNS,
    DATA_SHEET,
    GUIDE_SHEET,
    RowProblem,
    WorkbookReport,
    build_template,
    parse_workbook,
)

TODAY = date(2025, 10, 26)
LATHE, ELECTRIC, ROBOT = "数控车工 职工组", "电工 学生组", "机器人系统集成 职工组"
EVENTS = [LATHE, ELECTRIC, ROBOT]
TEAM_SIZES = {ROBOT: 2}
HEADERS = [column.header for column in COLUMNS]
INDEX = {column.key: number for number, column in enumerate(COLUMNS, start=1)}
HEADER = {column.key: column.header for column in COLUMNS}


def person_id(sequence: int, *, birth: date = date(1990, 5, 17), gender: Gender = Gender.MALE) -> str:
    return make_resident_id("320602", birth, sequence, gender)


def entry(sequence: int = 1, **changes: object) -> dict[str, object]:
    """A valid row by column key; ``changes`` override cells (``None`` leaves a cell empty)."""
    row: dict[str, object] = {
        "event_title": LATHE,
        "name": "张三",
        "gender": "男",
        "id_type": "居民身份证",
        "id_number": person_id(sequence),
        "birth_date": "1990-05-17",
        "phone": "13812345678",
        "status": "职工",
    }
    row.update(changes)
    return row


@cache
def template() -> bytes:
    return build_template(event_titles=EVENTS, unit_name="南通某机床厂")


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filled(rows: list[dict[str, object] | None], *, start: int = 2) -> bytes:
    """The downloaded template filled in with openpyxl, as a unit contact would in Excel; ``None``
    leaves a blank row."""
    workbook = load_workbook(io.BytesIO(template()))
    sheet = workbook[DATA_SHEET]
    for number, row in enumerate(rows, start=start):
        for key, value in (row or {}).items():
            sheet.cell(row=number, column=INDEX[key]).value = value
    return save(workbook)


def parse(data: bytes, **options: object) -> WorkbookReport:
    return parse_workbook(data, today=TODAY, event_titles=EVENTS, **options)


def only_problem(report: WorkbookReport) -> RowProblem:
    assert report.file_error is None
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


def plain_workbook(rows: list[list[object]], *, title: str = DATA_SHEET) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    return save(workbook)


def replace_part(data: bytes, name: str, edit) -> bytes:
    """The same zip with one member's bytes passed through ``edit``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, edit(content) if info.filename == name else content)
    return out.getvalue()


# --- the template -----------------------------------------------------------------------------------


def test_template_has_the_columns_in_order_and_an_instructions_sheet():
    workbook = load_workbook(io.BytesIO(template()))
    assert workbook.sheetnames == [DATA_SHEET, GUIDE_SHEET]
    sheet = workbook[DATA_SHEET]
    assert [cell.value for cell in sheet[1]] == [
        "赛项",
        "姓名",
        "性别",
        "证件类型",
        "证件号码",
        "出生日期",
        "手机号码",
        "电子邮箱",
        "身份（职工/学生/教师）",
        "学历",
        "现有职业技能等级",
        "等级证书编号",
        "发证日期",
        "本职业（工种）工作年限",
        "户籍地区代码",
        "社保缴纳地区代码",
        "已获荣誉称号",
        "团队名称（团体赛填写）",
    ]
    guide_text = "\n".join(
        str(value) for row in workbook[GUIDE_SHEET].iter_rows(values_only=True) for value in row if value
    )
    assert "南通某机床厂" in guide_text
    assert "请勿修改、删除表头" in guide_text
    for title in EVENTS:
        assert title in guide_text


def test_template_has_drop_downs_text_id_column_widths_and_a_frozen_header():
    sheet = load_workbook(io.BytesIO(template()))[DATA_SHEET]
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["E"].number_format == "@"  # 证件号码 stays text, never 1.1E+17
    assert sheet.column_dimensions["G"].number_format == "@"  # 手机号码
    assert sheet.column_dimensions["F"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["E"].width >= 20
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["C2"] == '"男,女"'
    assert lists["D2"] == '"居民身份证,港澳台居民居住证,港澳居民来往内地通行证,台湾居民来往大陆通行证,护照"'
    assert lists["I2"] == '"职工,学生,教师"'
    assert "三级/高级工" in lists["K2"] and "一级/高级技师" in lists["K2"]
    assert lists["A2"].startswith(f"'{GUIDE_SHEET}'!$A$")
    first, last = (int(n) for n in re.findall(r"\$(\d+)", lists["A2"]))
    guide = load_workbook(io.BytesIO(template()))[GUIDE_SHEET]
    assert [guide.cell(row=n, column=1).value for n in range(first, last + 1)] == EVENTS


@pytest.mark.parametrize(
    ("titles", "unit", "message"),
    [
        ([], "某厂", "没有可报名的赛项"),
        ([LATHE, "  "], "某厂", "赛项名称不能为空"),
        ([LATHE], " ", "请填写单位名称"),
    ],
)
def test_template_needs_events_and_a_unit(titles, unit, message):
    with pytest.raises(DomainError, match=message):
        build_template(event_titles=titles, unit_name=unit)


# --- valid uploads ----------------------------------------------------------------------------------


def test_filled_template_uploads_with_every_row_ok():
    hk = make_resident_id("810000", date(1995, 3, 8), 7, Gender.FEMALE)
    rows = [
        entry(
            1,
            email="zhang@example.cn",
            education="大专",
            current_level="三级/高级工",
            certificate_number="Y000132000001195000001",
            certified_on=datetime(2020, 6, 30),
            years_in_occupation=8,
            household_region="320602",
            social_insurance_region="320611",
            titles="南通市技术能手、江海工匠",
        ),
        entry(
            2,
            event_title=ELECTRIC,
            name="李 娜",
            gender=None,
            id_type=None,
            birth_date=None,
            status="学生",
            id_number=person_id(2, birth=date(2006, 1, 2), gender=Gender.FEMALE),
            phone="139 1234 5678",
        ),
        entry(
            3,
            event_title=ROBOT,
            name="王五",
            team_name="南机一队",
            id_type="港澳台居民居住证",
            id_number=hk,
            gender="女",
            birth_date=date(1995, 3, 8),
            phone="+852 9123 4567",
        ),
        entry(4, event_title=ROBOT, name="赵六", team_name="南机一队", current_level="技师"),
        entry(
            5,
            name="John Smith",
            id_type="护照",
            id_number="E12345678",
            gender="男",
            birth_date="1988/02/03",
            phone="+886 912 345 678",
            status="教师",
        ),
    ]
    report = parse(filled(rows), team_sizes=TEAM_SIZES)
    assert report.file_error is None
    assert report.problems == ()
    assert report.ok
    assert [row.row for row in report.ok_rows] == [2, 3, 4, 5, 6]
    first, second, hk_row, _, passport = report.rows
    assert (first.name, first.event_title, first.id_type, first.status) == (
        "张三",
        LATHE,
        IdType.RESIDENT_ID,
        Status.EMPLOYEE,
    )
    assert (first.current_level, first.certified_on, first.years_in_occupation) == (
        SkillLevel.SENIOR_WORKER,
        date(2020, 6, 30),
        8,
    )
    assert first.titles == ("南通市技术能手", "江海工匠")
    assert (first.household_region, first.social_insurance_region) == ("320602", "320611")
    # Blank 性别/出生日期/证件类型 are taken from the ID number.
    assert (second.gender, second.birth_date, second.phone, second.name) == (
        Gender.FEMALE,
        date(2006, 1, 2),
        "13912345678",
        "李 娜",
    )
    assert (hk_row.id_type, hk_row.phone, hk_row.team_name) == (
        IdType.HK_MO_TW_RESIDENCE,
        "+85291234567",
        "南机一队",
    )
    assert (passport.id_type, passport.birth_date, passport.phone) == (
        IdType.PASSPORT,
        date(1988, 2, 3),
        "+886912345678",
    )
    applicant = first.applicant("unit-7")
    assert (applicant.unit_key, applicant.current_level, applicant.titles) == (
        "unit-7",
        SkillLevel.SENIOR_WORKER,
        frozenset(first.titles),
    )


@pytest.mark.parametrize(
    "typed",
    [
        "1990-05-17",
        "1990/5/17",
        "1990.05.17",
        "19900517",
        "1990年5月17日",
        "１９９０－０５－１７",
        " 1990-05-17 00:00:00 ",
        datetime(1990, 5, 17),
        date(1990, 5, 17),
        19900517,
        33010,
    ],
)
def test_dates_are_read_from_text_numbers_and_excel_dates(typed):
    report = parse(filled([entry(1, birth_date=typed)]))
    assert report.problems == ()
    assert report.rows[0].birth_date == date(1990, 5, 17)


def test_full_width_digits_and_numbers_typed_as_text_are_accepted():
    number = person_id(9)
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    row = entry(
        9,
        id_number=f" {full_width} ",
        phone="１３８１２３４５６７８",
        years_in_occupation="５年",
        household_region=320602,
        social_insurance_region="３２０６０２",
        gender="男性",
    )
    report = parse(filled([row]))
    assert report.problems == ()
    parsed = report.rows[0]
    assert (parsed.id_number, parsed.phone, parsed.years_in_occupation) == (number, "13812345678", 5)
    assert (parsed.household_region, parsed.social_insurance_region) == ("320602", "320602")


def test_an_id_number_stored_as_a_number_is_accepted_only_when_all_digits_survived():
    number = person_id(4, birth=date(1991, 1, 1))
    rounded = filled([entry(4, id_number=int(number), birth_date="1991-01-01")])
    assert "被 Excel 存成了数字" in only_problem(parse(rounded)).message  # written as 3.2060219910101e+17
    exact = replace_part(
        rounded,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb"<v>3\.20602[0-9.e+]+</v>", f"<v>{number}</v>".encode(), xml),
    )
    report = parse(exact)
    assert report.problems == ()
    assert report.rows[0].id_number == number


def test_reordered_and_extra_columns_are_matched_by_header_text():
    order = ["备注", "身份", "手机号", "证件号码", "姓名", "赛项", "序号"]
    values = ["借调", "职工", "13812345678", person_id(5), "钱七", f" {LATHE} ", 1]
    report = parse(plain_workbook([order, values]))
    assert report.problems == ()
    assert (report.rows[0].name, report.rows[0].event_title, report.rows[0].gender) == (
        "钱七",
        LATHE,
        Gender.MALE,
    )


def test_a_title_row_above_the_header_and_merged_title_cells_are_allowed():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append(["南通某机床厂 报名表"])
    sheet.merge_cells("A1:R1")
    sheet.append(HEADERS)
    sheet.append([entry(6).get(c.key) for c in COLUMNS])
    report = parse(save(workbook))
    assert report.problems == ()
    assert report.rows[0].row == 3


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers():
    report = parse(filled([entry(1), None, {"name": "   "}, entry(2), None]))
    assert report.problems == ()
    assert [row.row for row in report.rows] == [2, 5]


def test_the_sheet_called_registration_form_is_read_even_when_not_first():
    workbook = Workbook()
    workbook.active.title = "封面"
    workbook.active["A1"] = "说明"
    sheet = workbook.create_sheet(DATA_SHEET)
    sheet.append(HEADERS)
    sheet.append([entry(3).get(c.key) for c in COLUMNS])
    assert [row.row for row in parse(save(workbook)).ok_rows] == [2]


# --- row problems -----------------------------------------------------------------------------------

legacy = "320602900517007"  # 15 digits: born 1990-05-17


@pytest.mark.parametrize(
    ("changes", "column", "fragment"),
    [
        (
            {"id_number": person_id(1)[:17] + ("0" if person_id(1)[17] != "0" else "1")},
            "证件号码",
            "校验码不正确",
        ),
        ({"id_number": legacy}, "证件号码", "15 位旧版身份证号码"),
        ({"id_number": legacy, "id_type": None}, "证件号码", "15 位旧版身份证号码"),
        ({"id_number": 3.20602199005170e17}, "证件号码", "被 Excel 存成了数字"),
        ({"id_number": None}, "证件号码", "请填写证件号码"),
        ({"gender": "女"}, "性别", "性别与证件号码不符：填写为“女”，证件号码为“男”"),
        (
            {"birth_date": "1990-05-18"},
            "出生日期",
            "出生日期与证件号码不符：填写为 1990-05-18，证件号码为 1990-05-17",
        ),
        ({"birth_date": "1990-13-01"}, "出生日期", "不是有效的日期"),
        ({"birth_date": "去年"}, "出生日期", "无法识别的日期"),
        ({"event_title": "焊工 职工组"}, "赛项", "赛项“焊工 职工组”不是本次竞赛的赛项"),
        ({"event_title": None}, "赛项", "请选择赛项"),
        ({"name": None}, "姓名", "请填写姓名"),
        ({"name": "张3"}, "姓名", "含有数字"),
        ({"phone": "1381234567"}, "手机号码", "格式不正确"),
        ({"phone": "+852 1234 5678"}, "手机号码", "格式不正确"),
        ({"phone": None}, "手机号码", "请填写手机号码"),
        ({"status": "干部"}, "身份（职工/学生/教师）", "无法识别的身份“干部”"),
        ({"id_type": "军官证"}, "证件类型", "无法识别的证件类型"),
        ({"id_type": None, "id_number": "E1234567"}, "证件类型", "请选择证件类型"),
        ({"id_type": "护照", "id_number": "E1234567", "gender": None}, "性别", "持护照的选手请填写性别"),
        ({"current_level": "九级"}, "现有职业技能等级", "无法识别的职业技能等级"),
        ({"certificate_number": "Y000132000001195000001"}, "现有职业技能等级", "请同时填写现有职业技能等级"),
        ({"current_level": "技师", "certified_on": "2026-01-01"}, "发证日期", "晚于今天"),
        ({"years_in_occupation": "三年"}, "本职业（工种）工作年限", "整数年"),
        ({"years_in_occupation": 2.5}, "本职业（工种）工作年限", "整数年"),
        ({"household_region": "3206"}, "户籍地区代码", "6 位数字"),
        ({"social_insurance_region": "990000"}, "社保缴纳地区代码", "不是有效的省级行政区划代码"),
        ({"email": "zhang@"}, "电子邮箱", "格式不正确"),
        ({"phone": "#REF!"}, "手机号码", "错误值 #REF!"),
    ],
)
def test_each_bad_cell_is_named_by_row_and_column(changes, column, fragment):
    report = parse(filled([entry(1), entry(2, **changes)]))
    problem = only_problem(report)
    assert (problem.row, problem.column) == (3, column)
    assert fragment in problem.message
    assert problem.text.startswith(f"第 3 行「{column}」：")
    assert report.bad_rows == (3,)
    assert [row.row for row in report.ok_rows] == [2]


def test_gender_and_birth_date_both_wrong_give_two_problems():
    report = parse(filled([entry(1, gender="女", birth_date="1990-01-01")]))
    assert [p.column for p in report.problems] == ["性别", "出生日期"]


def test_a_date_serial_out_of_range_becomes_a_message_not_a_warning():
    workbook = load_workbook(io.BytesIO(filled([entry(1)])))
    cell = workbook[DATA_SHEET].cell(row=2, column=INDEX["certified_on"], value=10**10)
    cell.number_format = "yyyy-mm-dd"
    problem = only_problem(parse(save(workbook)))
    assert problem.column == "发证日期"
    assert "超出了日期范围" in problem.message and "M2" in problem.message


def test_duplicate_id_numbers_name_the_row_of_the_first_occurrence():
    report = parse(filled([entry(1), entry(2), entry(1, name="张三"), entry(3), entry(1)]))
    assert [(p.row, p.column) for p in report.problems] == [(4, "证件号码"), (6, "证件号码")]
    assert all("与第 2 行重复" in p.message for p in report.problems)
    assert [row.row for row in report.ok_rows] == [2, 3, 5]


def test_team_members_must_be_in_one_event_and_teams_must_have_the_right_size():
    rows = [
        entry(1, event_title=ROBOT, team_name="一队"),
        entry(2, event_title=ROBOT, team_name="一队"),
        entry(3, event_title=ROBOT, team_name="二队"),  # alone: needs 2
        entry(4, event_title=ROBOT, team_name="三队"),
        entry(5, event_title=LATHE, team_name="三队"),  # other event
        entry(6, event_title=ROBOT),  # team event, no team name
        entry(7, event_title=LATHE, team_name="四队"),  # individual event
    ]
    report = parse(filled(rows), team_sizes=TEAM_SIZES)
    messages = {p.row: p.message for p in report.problems}
    assert set(messages) == {4, 6, 7, 8}
    assert all(p.column == HEADER["team_name"] for p in report.problems)
    assert "团队“二队”有 1 人（第 4 行），“机器人系统集成 职工组”每队应为 2 人" in messages[4]
    assert "第 5 行为“机器人系统集成 职工组”，本行为“数控车工 职工组”" in messages[6]
    assert "是团体赛项，请填写团队名称" in messages[7]
    assert "是个人赛项" in messages[8]
    assert [row.row for row in report.ok_rows] == [2, 3, 5]


def test_without_team_sizes_only_the_one_event_per_team_rule_applies():
    rows = [entry(1, event_title=ROBOT, team_name="一队"), entry(2, event_title=LATHE, team_name="一队")]
    problem = only_problem(parse(filled(rows)))
    assert problem.row == 3 and "应报同一赛项" in problem.message


# --- hostile files ------------------------------------------------------------------------------------


def assert_refused(report: WorkbookReport, fragment: str) -> None:
    assert report.file_error is not None and fragment in report.file_error, report.file_error
    assert (report.rows, report.problems, report.ok_rows) == ((), (), ())


def test_missing_headers_are_named():
    workbook = load_workbook(io.BytesIO(filled([entry(1)])))
    sheet = workbook[DATA_SHEET]
    sheet.cell(row=1, column=INDEX["id_number"], value="号码")
    sheet.cell(row=1, column=INDEX["phone"]).value = None
    assert_refused(parse(save(workbook)), "表头（第 1 行）缺少以下列：证件号码、手机号码")


def test_a_sheet_without_a_header_is_refused():
    assert_refused(parse(plain_workbook([["a", "b"], [1, 2]])), "没有找到表头")


def test_a_column_given_twice_is_refused():
    assert_refused(parse(plain_workbook([[*HEADERS, "姓名"]])), "“姓名”出现了 2 次（B1、S1）")


def test_merged_cells_in_the_data_area_are_refused():
    workbook = load_workbook(io.BytesIO(filled([entry(1), entry(2)])))
    workbook[DATA_SHEET].merge_cells("H2:H3")
    assert_refused(parse(save(workbook)), "合并单元格（H2:H3）")


def test_formulas_without_a_cached_value_are_refused_naming_the_cells():
    workbook = load_workbook(io.BytesIO(filled([entry(1), entry(2)])))
    workbook[DATA_SHEET]["B3"] = '=CONCATENATE("张","三")'
    workbook[DATA_SHEET]["G2"] = "=13812345678"
    assert_refused(parse(save(workbook)), "单元格 G2、B3 含有公式但没有计算结果")


def test_formulas_with_a_cached_value_are_read_as_their_value():
    workbook = load_workbook(io.BytesIO(filled([entry(1)])))
    workbook[DATA_SHEET]["B2"] = '=CONCATENATE("张","三")'
    data = replace_part(
        save(workbook),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b'<c r="B2"><f>', b'<c r="B2" t="str"><f>').replace(
            b"</f><v />", "</f><v>张三</v>".encode()
        ),
    )
    report = parse(data)
    assert report.problems == () and report.rows[0].name == "张三"


def test_more_rows_than_the_limit_are_refused():
    rows = [entry(n) for n in range(1, 5)]
    assert [r.row for r in parse(filled(rows), max_rows=4).ok_rows] == [2, 3, 4, 5]
    assert_refused(parse(filled(rows), max_rows=3), "报名表超过 3 行（第 5 行仍有数据）")
    with pytest.raises(InvariantError):
        parse(filled(rows), max_rows=0)


def hundred_thousand_rows() -> bytes:
    """100,000 data rows: openpyxl write-only writes the header and one row, which is then repeated in
    the sheet XML (writing 500,000 cells through openpyxl would take the test ~8 s). Like every
    write-only file it has no ``<dimension>``."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    sheet.append(["赛项", "姓名", "证件号码", "手机号码", "身份"])
    sheet.append([LATHE, "张三", person_id(1), "13812345678", "职工"])

    def repeat(xml: bytes) -> bytes:
        text = xml.decode()
        row = re.search(r'<row r="2">.*?</row>', text)
        pattern = re.sub(r'(r="[A-E]?)2"', r"\g<1>#N#", row.group(0)).replace("#N#", '%d"')
        copies = "".join(pattern % ((n,) * pattern.count("%d")) for n in range(2, 100_002))
        return (text[: row.start()] + copies + text[row.end() :]).encode()

    return replace_part(save(workbook), "xl/worksheets/sheet1.xml", repeat)


def test_a_hundred_thousand_row_file_is_refused_without_reading_it_all(monkeypatch):
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    data = hundred_thousand_rows()
    read = 0
    iter_rows = ReadOnlyWorksheet.iter_rows

    def counting(self, *args, **kwargs):
        nonlocal read
        for row in iter_rows(self, *args, **kwargs):
            read += 1
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", counting)
    report = parse(data)
    assert_refused(report, "报名表超过 5000 行（第 5002 行仍有数据）")
    # Reading stops just past the limit, not at row 100,000 (counted, not timed).
    assert 5000 < read <= 5010, read


def zip_with(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_zip_claiming_a_huge_uncompressed_size_is_refused():
    data = bytearray(
        zip_with({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"<worksheet/>"})
    )
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", 0x7FFF_FFFF)  # uncompressed size: 2 GB
    assert_refused(parse(bytes(data)), "超过 50 MB 的上限")


def test_a_large_uncompressed_workbook_is_refused():
    data = zip_with({"xl/workbook.xml": b"<workbook/>", "xl/sharedStrings.xml": b" " * (51 * 1024 * 1024)})
    assert len(data) < 1024 * 1024
    assert_refused(parse(data), "超过 50 MB 的上限")


def test_a_highly_compressed_member_is_refused():
    data = zip_with(
        {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (4 * 1024 * 1024)}
    )
    assert_refused(parse(data), "压缩比异常")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024, "旧版 Excel（.xls）文件"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le"),
            "设置了打开密码",
        ),
        ("赛项,姓名,证件号码\n数控车工,张三,320602199005170078\n".encode(), "CSV/文本文件"),
        ("赛项,姓名\n数控车工,张三\n".encode("gbk"), "CSV/文本文件"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF 文件"),
        (b"<html><table><tr><td>1</td></tr></table></html>", "网页或 XML"),
        (b"", "文件是空的"),
        (bytes(range(256)) * 4, "不是 Excel 工作簿"),
        (zip_with({"word/document.xml": b"<w/>"}), "Word 文档"),
        (zip_with({"hello.txt": b"hi"}), "不是 Excel 工作簿"),
        (zip_with({"xl/workbook.bin": b"\0"}), ".xlsb"),
        (b"PK\x03\x04" + b"\0" * 100, "文件已损坏"),
    ],
)
def test_files_that_are_not_xlsx_are_refused_with_what_they_are(data, fragment):
    assert_refused(parse(data), fragment)


def test_an_encrypted_zip_member_is_refused():
    data = bytearray(zip_with({"xl/workbook.xml": b"<workbook/>"}))
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x01  # general purpose flag: encrypted
    assert_refused(parse(bytes(data)), "工作簿已加密")


def test_an_empty_workbook_is_refused():
    assert_refused(parse(save(Workbook())), "是空的")


def test_a_header_without_rows_is_refused():
    assert_refused(parse(template()), "没有填写任何报名信息")


def test_a_truncated_workbook_is_refused():
    data = filled([entry(1)])
    assert_refused(parse(data[: len(data) * 2 // 3]), "文件已损坏")


def test_a_damaged_sheet_part_is_refused():
    data = replace_part(filled([entry(1)]), "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2])
    assert_refused(parse(data), "文件已损坏")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096) | st.binary(max_size=2048).map(lambda b: b"PK\x03\x04" + b))
def test_arbitrary_bytes_give_a_file_error_and_never_raise(data):
    report = parse(data)
    assert report.file_error
    assert report.rows == () and report.problems == ()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=8
    )
)
def test_a_damaged_real_workbook_never_raises(flips):
    data = bytearray(small_workbook())
    for position, value in flips:
        data[position % len(data)] = value
    report = parse(bytes(data))
    assert (report.file_error is None) or (report.rows == () and report.problems == ())


@cache
def small_workbook() -> bytes:
    return plain_workbook(
        [
            ["赛项", "姓名", "证件号码", "手机号码", "身份"],
            [LATHE, "张三", person_id(1), "13812345678", "职工"],
        ]
    )
