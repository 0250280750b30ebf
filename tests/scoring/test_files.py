"""MARKS.csv and STANDINGS.csv: formats, round-trips, and bad lines named by line and column."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction as F

import pytest

from competition.domain import AwardClass, PartKind
from competition.errors import DomainError
from competition.scoring.aspects import Checked, Findings, Graded, Measured, RunResult, Scores
from competition.scoring.files import (
    STANDINGS_COLUMNS,
    StandingsRow,
    build_sheets,
    marks_rows,
    read_marks_csv,
    read_standings_csv,
    standings_from_marks,
    standings_rows,
    total_is_exact,
    write_marks_csv,
    write_standings_csv,
)
from competition.scoring.marks import Sheet
from competition.scoring.standings import StandingsPolicy

from .helpers import rich_scheme, welder_scheme


def rich_sheets() -> tuple[Sheet, ...]:
    full = {
        "L1": RunResult(D(70), D(80)),
        "L2.1": Checked(True),
        "P1.A.1": Scores({"J1": D(3), "J2": D(2), "J3": D(2)}),
        "P1.A.2": Findings({"D1": D("1.2"), "D2": D(1)}),
        "P1.2": Measured(D("20.30")),
        "P1.3": Graded("Ⅱ级"),
        "P2.1": Scores({"J1": D(25), "J2": D("27.5"), "J3": D(26), "J4": D(28), "J5": D(20)}),
        "P2.2": Scores({"J1": D("4.5"), "J2": D(4), "J3": D(5)}),
        "R1": Scores({"J1": D(80), "J2": D(85)}),
    }
    return (
        Sheet(
            "W01",
            full,
            minutes={PartKind.PRACTICAL: D("62.5")},
            members=("张三", "李四"),
        ),
        Sheet(
            "W02",
            {**full, "P1.A.2": Findings({}), "L2.1": Checked(False)},
            vetoes=frozenset({"V2"}),
            minutes={PartKind.PRACTICAL: D(58)},
        ),
        Sheet(
            "W03", {"L1": RunResult(D(80), D(80))}, absent=frozenset({PartKind.PRACTICAL, PartKind.DEFENCE})
        ),
    )


def test_marks_round_trip_through_csv():
    scheme, _, _ = rich_scheme()
    sheets = rich_sheets()
    rows = marks_rows(scheme, sheets, event="焊工", not_ranked={"W02": "往届技术能手"}, lots={"W01": 2})
    text = write_marks_csv(rows)
    assert text.splitlines()[0] == "event,entry,part,aspect,judge,value,kind,rule"
    assert "焊工,W01,practical,P1.A.2,,1.2,,D1" in text.splitlines()
    assert "焊工,W02,practical,P1.A.2,,,," in text.splitlines()
    assert "焊工,W01,theory,L1,,70/80,," in text.splitlines()
    assert "焊工,W03,practical,,,,absent," in text.splitlines()
    again = read_marks_csv(text.encode("utf-8"))
    assert again == rows
    assert [r.line for r in again] == list(range(2, len(rows) + 2))
    bundle = build_sheets(again, scheme)
    assert bundle.sheets == sheets
    assert (
        bundle.not_ranked == {"W02": "往届技术能手"} and bundle.lots == {"W01": 2} and bundle.event == "焊工"
    )
    assert (
        write_marks_csv(
            marks_rows(scheme, bundle.sheets, event="焊工", not_ranked=bundle.not_ranked, lots=bundle.lots)
        )
        == text
    )


def test_marks_accept_bom_crlf_any_column_order_chinese_parts_and_blank_lines():
    scheme, _ = welder_scheme()
    text = (
        "\ufeffvalue,entry,aspect,judge,part\r\n"
        "95,W01,L1,阅卷,理论知识\r\n"
        "\r\n"
        "3,W01,P1.1,J1,技能操作\r\n"
        "是,W01,P1.2,,\r\n"
    )
    rows = read_marks_csv(text.encode("utf-8"))
    assert [r.line for r in rows] == [2, 4, 5]
    sheet = build_sheets(rows, scheme).sheets[0]
    assert sheet.observations == {
        "L1": Scores({"阅卷": D(95)}),
        "P1.1": Scores({"J1": D(3)}),
        "P1.2": Checked(True),
    }


def _marks_error(text: str, scheme=None) -> str:
    scheme = scheme or welder_scheme()[0]
    with pytest.raises(DomainError) as raised:
        build_sheets(read_marks_csv(text), scheme)
    return raised.value.message


HEAD = "entry,part,aspect,judge,value,kind,rule\n"


@pytest.mark.parametrize(
    ("body", "where", "text"),
    [
        ("W01,theory,L9,阅卷,90,,\n", "第 2 行“aspect”列", "评分标准中没有评分项 L9"),
        (
            "W01,practical,L1,阅卷,90,,\n",
            "第 2 行“part”列",
            "属于理论知识，不属于技能操作",
        ),
        ("W01,theory,L1,,90,,\n", "第 2 行“judge”列", "评价类评分项须填写裁判"),
        ("W01,,P1.2,J1,1,,\n", "第 2 行“judge”列", "只有评价类评分项"),
        ("W01,,P1.1,J1,4,,\n", "第 2 行“value”列", "裁判评分须在 0–3 之间"),
        ("W01,,P1.1,J1,很好,,\n", "第 2 行“value”列", "不是数字：“很好”"),
        ("W01,,P1.2,,2,,\n", "第 2 行“value”列", "测量评分项填 1（符合）或 0（不符合）"),
        ("W01,,P1.2,,,,\n", "第 2 行“value”列", "缺少成绩"),
        ("W01,,P2.2,,1,,Q9\n", "第 2 行“rule”列", "没有扣分规则 Q9"),
        ("W01,,P2.2,,3,,\n", "第 2 行“rule”列", "扣分记录须填写扣分规则编号"),
        ("W01,,P1.1,J1,3,,\n\nW01,,P1.1,J1,2,,\n", "第 4 行", "与第 2 行重复记录"),
        ("W01,practical,,,九十,time,\n", "第 2 行“value”列", "不是数字"),
        ("W01,practical,,,-1,time,\n", "第 2 行“value”列", "用时不能为负"),
        ("W01,,,,,time,\n", "第 2 行“part”列", "“time”记录须填写 part"),
        ("W01,defence,,,,absent,\n", "第 2 行“part”列", "评分标准中没有答辩部分"),
        ("W01,,,,,veto,V9\n", "第 2 行“rule”列", "评分标准中没有否决项 V9"),
        ("W01,,,,abc,lot,\n", "第 2 行“value”列", "抽签号须为正整数"),
        ("W01,,,,,medal,\n", "第 2 行“kind”列", "未知的记录类型“medal”"),
        ("W01,oral,L1,阅卷,90,,\n", "第 2 行“part”列", "未知的部分“oral”"),
        (",theory,L1,阅卷,90,,\n", "第 2 行“entry”列", "缺少参赛号"),
        ("W01,theory,L1,阅卷,90,,,extra\n", "第 2 行", "多于标题行的 7 列"),
    ],
)
def test_bad_marks_lines_name_line_and_column(body, where, text):
    message = _marks_error(HEAD + body)
    assert f"MARKS.csv {where}" in message and text in message, message


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("", "是空文件"),
        ("entry,aspect,score\nW01,L1,3\n", "第 1 行：未知的列：score"),
        ("entry,aspect\nW01,L1\n", "第 1 行：缺少列：value"),
        ("entry,value,value\n", "第 1 行：列重复：value"),
        (
            "event,entry,aspect,judge,value\nA,W01,L1,阅卷,1\nB,W02,L1,阅卷,1\n",
            "第 3 行“event”列：一个文件只能有一个赛项",
        ),
        ('entry,value\n"W01,3\n', "CSV 格式错误"),
    ],
)
def test_bad_marks_files(data, text):
    with pytest.raises(DomainError) as raised:
        read_marks_csv(data)
    assert text in raised.value.message


def test_gbk_file_gets_a_clear_message():
    with pytest.raises(DomainError, match="不是 UTF-8 编码"):
        read_marks_csv("entry,value\n王五,1\n".encode("gbk"))


# --- STANDINGS.csv ---------------------------------------------------------------------------------------


def _welder_standings():
    from .test_cli import welder_marks_text

    scheme, _ = welder_scheme()
    from competition.scoring.awards import counts_policy

    bundle = build_sheets(read_marks_csv(welder_marks_text()), scheme)
    return standings_from_marks(scheme, bundle, StandingsPolicy(awards=counts_policy(1, 2, 3)))


def test_standings_round_trip():
    rows = standings_rows(_welder_standings(), event="焊工（职工组）")
    text = write_standings_csv(rows)
    assert tuple(text.splitlines()[0].split(",")) == STANDINGS_COLUMNS
    again = read_standings_csv(("\ufeff" + text).encode("utf-8"))
    assert again == rows
    assert write_standings_csv(again) == text


def test_totals_are_exact_decimals_or_ten_places():
    from competition.scoring.files import _render

    assert _render(F(1427, 15)) == "95.1333333333"
    assert _render(F(191, 2)) == "95.5"
    assert _render(F(84)) == "84"
    assert _render(F(1, 1024)) == "0.0009765625"
    assert _render(F(2, 3)) == "0.6666666667"
    assert total_is_exact(F(191, 2)) and total_is_exact(F(1, 1024))
    assert not total_is_exact(F(2, 3)) and not total_is_exact(F(1, 2048))


def _row(**changes) -> str:
    cells = {
        "event": "焊工",
        "entry": "W01",
        "status": "ranked",
        "rank": "1",
        "joint": "0",
        "entrants": "7",
        "total": "94.9",
        "total_display": "94.90",
        "part:theory": "90",
        "part:practical": "97",
        "part:defence": "",
        "all_parts_passed": "1",
        "award": "first",
        "standardised": "",
    }
    cells.update(changes)
    return ",".join(cells[c] for c in STANDINGS_COLUMNS)


def test_a_good_standings_line_reads_typed():
    (row,) = read_standings_csv(",".join(STANDINGS_COLUMNS) + "\n" + _row() + "\n")
    assert row == StandingsRow(
        event="焊工",
        entry="W01",
        status="ranked",
        rank=1,
        joint=False,
        entrants=7,
        total=D("94.9"),
        total_display=D("94.90"),
        parts={PartKind.THEORY: D(90), PartKind.PRACTICAL: D(97), PartKind.DEFENCE: None},
        all_parts_passed=True,
        award=AwardClass.FIRST,
        standardised=None,
    )


@pytest.mark.parametrize(
    ("changes", "column", "text"),
    [
        ({"status": "winner"}, "status", "须为 ranked、not_ranked、disqualified 之一"),
        ({"rank": ""}, "rank", "参与排名（ranked）的须有名次"),
        ({"status": "disqualified"}, "rank", "其他状态不填名次"),
        ({"rank": "first"}, "rank", "名次须为正整数"),
        ({"joint": "yes"}, "joint", "须为 1 或 0"),
        ({"entrants": "-1"}, "entrants", "参赛人数须为非负整数"),
        ({"total": "九十"}, "total", "不是数字"),
        ({"total_display": "94.9"}, "total_display", "须保留 2 位小数"),
        ({"part:theory": "x"}, "part:theory", "不是数字"),
        ({"all_parts_passed": ""}, "all_parts_passed", "须为 1 或 0"),
        ({"award": "platinum"}, "award", "未知的奖项“platinum”"),
        ({"entry": ""}, "entry", "缺少参赛号"),
    ],
)
def test_bad_standings_lines_name_line_and_column(changes, column, text):
    data = ",".join(STANDINGS_COLUMNS) + "\n" + _row(entry="W00") + "\n" + _row(**changes) + "\n"
    with pytest.raises(DomainError) as raised:
        read_standings_csv(data)
    assert f"STANDINGS.csv 第 3 行“{column}”列" in raised.value.message and text in raised.value.message
    assert raised.value.field == column


def test_standings_header_must_be_exact_and_entrants_consistent():
    reordered = ",".join(reversed(STANDINGS_COLUMNS)) + "\n"
    with pytest.raises(DomainError, match="第 1 行：标题行须为"):
        read_standings_csv(reordered)
    data = ",".join(STANDINGS_COLUMNS) + "\n" + _row() + "\n" + _row(entry="W02", entrants="8") + "\n"
    with pytest.raises(DomainError, match="第 3 行“entrants”列：与前面各行的参赛人数 7 不一致"):
        read_standings_csv(data)
