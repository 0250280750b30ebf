"""``flask scoring standings`` end to end on a small 焊工 event (理论 30 % / 实操 70 %, 8 entrants, 1/2/3 awards).

The expected STANDINGS.csv was worked out by hand (practical raw maximum 100, so its score is its raw sum):

====  ======  ====================================================  ============  ===============  =====
entry theory  practical (P1.1 J ÷3×30, P1.2, P2.1, P2.2 20−2/pore,    practical     total            award
              P3.1 mean of 3)                                                      0.3 T + 0.7 P
====  ======  ====================================================  ============  ===============  =====
W01   90      30 + 20 + 20 + 18 + 9                                 97            94.9             first
W02   80      70/3 (3,2,2) + 20 + 20 + 20 + 8                       274/3         1319/15=87.93…   second
W03   85      20 + 20 + 20 + 16 + 10, 55 min                        86            85.7             second
W04   85      same, 58 min → after W03 (shorter time first)         86            85.7             third
W05   70      50/3 (2,2,1) + 20 + 0 + 20 + 7, 60 min                191/3         1967/30=65.56…   third (joint 5)
W06   70      same as W05, 60 min → joint 5th; ranks 5–6 ≤ 6 → 三等  191/3         1967/30          third (joint 5)
W07   60      10 + 0 + 20 + 14 + 6                                  50 (failed)   53               —
W08   95      100, veto V1 (取消成绩)                                100           98.5             disqualified
====  ======  ====================================================  ============  ===============  =====
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from competition.scoring.cli import scoring_cli
from competition.scoring.xlsx_io import export_scheme_xlsx

from .helpers import cis_bytes, welder_scheme

EVENT = "2026年南通市职业技能大赛 焊工（职工组）"

# entry: theory, P1.1 judges' 0–3 scores, P1.2 met, P2.1 met, P2.2 pores, P3.1 marks, minutes
ENTRIES = {
    "W01": (90, (3, 3, 3), 1, 1, 1, (9, 9, 9), 50),
    "W02": (80, (3, 2, 2), 1, 1, 0, (8, 8, 8), 52),
    "W03": (85, (2, 2, 2), 1, 1, 2, (10, 10, 10), 55),
    "W04": (85, (2, 2, 2), 1, 1, 2, (10, 10, 10), 58),
    "W05": (70, (2, 2, 1), 1, 0, 0, (7, 7, 7), 60),
    "W06": (70, (2, 1, 2), 1, 0, 0, (7, 7, 7), 60),
    "W07": (60, (1, 1, 1), 0, 1, 3, (6, 6, 6), 60),
    "W08": (95, (3, 3, 3), 1, 1, 0, (10, 10, 10), 45),
}

EXPECTED = f"""\
event,entry,status,rank,joint,entrants,total,total_display,part:theory,part:practical,part:defence,all_parts_passed,award,standardised
{EVENT},W01,ranked,1,0,7,94.9,94.90,90,97,,1,first,
{EVENT},W02,ranked,2,0,7,87.9333333333,87.93,80,91.3333333333,,1,second,
{EVENT},W03,ranked,3,0,7,85.7,85.70,85,86,,1,second,
{EVENT},W04,ranked,4,0,7,85.7,85.70,85,86,,1,third,
{EVENT},W05,ranked,5,1,7,65.5666666667,65.57,70,63.6666666667,,1,third,
{EVENT},W06,ranked,5,1,7,65.5666666667,65.57,70,63.6666666667,,1,third,
{EVENT},W07,ranked,7,0,7,53,53.00,60,50,,0,,
{EVENT},W08,disqualified,,0,7,98.5,98.50,95,100,,1,,
"""


def welder_marks_text() -> str:
    """MARKS.csv of the event above (one row per judge score, pore finding, time and veto)."""
    lines = ["event,entry,part,aspect,judge,value,kind,rule"]
    for entry, (theory, judged, height, root, pores, safety, minutes) in ENTRIES.items():
        lines.append(f"{EVENT},{entry},theory,L1,阅卷,{theory},,")
        lines += [f"{EVENT},{entry},practical,P1.1,J{i},{s},," for i, s in enumerate(judged, 1)]
        lines.append(f"{EVENT},{entry},practical,P1.2,,{height},,")
        lines.append(f"{EVENT},{entry},practical,P2.1,,{root},,")
        lines.append(f"{EVENT},{entry},practical,P2.2,,{pores or ''},,{'Q1' if pores else ''}")
        lines += [f"{EVENT},{entry},practical,P3.1,J{i},{s},," for i, s in enumerate(safety, 1)]
        lines.append(f"{EVENT},{entry},practical,,,{minutes},time,")
    lines.append(f"{EVENT},W08,,,,,veto,V1")
    return "\n".join(lines) + "\n"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    scheme, infos = welder_scheme()
    (tmp_path / "SCHEME.xlsx").write_bytes(export_scheme_xlsx(scheme, aspects=infos))
    (tmp_path / "MARKS.csv").write_text(welder_marks_text(), encoding="utf-8-sig")
    return tmp_path


def _run(files: Path, *extra: str):
    app = Flask(__name__)
    app.cli.add_command(scoring_cli)
    args = [
        "scoring",
        "standings",
        "--scheme",
        str(files / "SCHEME.xlsx"),
        "--marks",
        str(files / "MARKS.csv"),
    ]
    return app.test_cli_runner().invoke(args=[*args, "--out", str(files / "STANDINGS.csv"), *extra])


def test_standings_end_to_end(files):
    result = _run(files)
    assert result.exit_code == 0, result.output
    assert (files / "STANDINGS.csv").read_text(encoding="utf-8") == EXPECTED
    out = result.output
    assert f"{EVENT}（本平台模板；理论知识 30%、技能操作 70%）" in out
    assert "奖项：一等奖 1 名、二等奖 2 名、三等奖 3 名；参与排名 7 人，共 8 人" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("名次"))
    assert header.split() == ["名次", "参赛号", "总分", "理论知识", "技能操作", "全部及格", "奖项", "说明"]
    assert next(line for line in lines if " W05 " in line).split() == [
        "5（并列）",
        "W05",
        "65.57",
        "70.00",
        "63.67",
        "是",
        "三等奖",
    ]
    assert next(line for line in lines if " W08 " in line).split() == [
        "W08",
        "98.50",
        "95.00",
        "100.00",
        "是",
        "取消成绩",
    ]
    assert "注：W02、W05、W06 的总分为无限小数" in out


def test_awards_default_to_1_2_3(files):
    assert _run(files).exit_code == 0
    default = (files / "STANDINGS.csv").read_text(encoding="utf-8")
    assert _run(files, "--awards", "1,2,3").exit_code == 0
    assert (files / "STANDINGS.csv").read_text(encoding="utf-8") == default


def test_percent_awards(files):
    # 7 ranked: 30 % → 2 (down), 30 % → 2, 40 % → 2: ranks 1–2 first, 3–4 second, 5–6 third
    result = _run(files, "--award-percent", "30,30,40")
    assert result.exit_code == 0, result.output
    awards = [
        line.split(",")[12] for line in (files / "STANDINGS.csv").read_text(encoding="utf-8").splitlines()[1:]
    ]
    assert awards == ["first", "first", "second", "second", "third", "third", "", ""]


def test_national_policy_refuses_an_unbroken_tie_without_lots(files):
    result = _run(files, "--national")
    assert result.exit_code == 1
    assert (
        "错误：W05、W06 成绩及全部并列判定条件均相同，本赛项不允许并列排名，请抽签并录入抽签号"
        in result.output
    )
    assert not (files / "STANDINGS.csv").exists()


def test_national_policy_with_lots(files):
    with (files / "MARKS.csv").open("a", encoding="utf-8") as marks:
        marks.write(f"{EVENT},W05,,,,2,lot,\n{EVENT},W06,,,,1,lot,\n")
    result = _run(files, "--national", "--standardise")
    assert result.exit_code == 0, result.output
    rows = [
        line.split(",") for line in (files / "STANDINGS.csv").read_text(encoding="utf-8").splitlines()[1:]
    ]
    assert [(r[1], r[3], r[4], r[12]) for r in rows] == [
        ("W01", "1", "0", "gold"),
        ("W02", "2", "0", "silver"),
        ("W03", "3", "0", "bronze"),
        ("W04", "4", "0", ""),  # top half of 7 entrants is 3 (rounded down): no 优胜奖 left
        ("W06", "5", "0", ""),
        ("W05", "6", "0", ""),
        ("W07", "7", "0", ""),
        ("W08", "", "0", ""),
    ]
    assert all(r[13] for r in rows[:7]) and rows[7][13] == ""


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        (("--awards", "1,2"), "--awards 须为三个用逗号分隔的非负数"),
        (("--awards", "1,2,x"), "--awards 须为三个用逗号分隔的数"),
        (("--awards", "1,2,3", "--national"), "--awards、--national 只能选用一个"),
        (("--award-percent", "50,40,30"), "--award-percent 合计不能超过 100"),
    ],
)
def test_bad_options(files, extra, text):
    result = _run(files, *extra)
    assert result.exit_code == 1 and f"错误：{text}" in result.output


def test_bad_marks_line_exits_non_zero_with_the_line(files):
    with (files / "MARKS.csv").open("a", encoding="utf-8") as marks:
        marks.write(f"{EVENT},W01,practical,P9.9,,1,,\n")
    result = _run(files)
    assert result.exit_code == 1
    assert "错误：MARKS.csv 第 91 行“aspect”列：评分标准中没有评分项 P9.9" in result.output
    assert not (files / "STANDINGS.csv").exists()


def test_incomplete_marks_are_refused(files):
    text = (files / "MARKS.csv").read_text(encoding="utf-8-sig")
    (files / "MARKS.csv").write_text(text.replace(f"{EVENT},W03,practical,P2.1,,1,,\n", ""), encoding="utf-8")
    result = _run(files)
    assert result.exit_code == 1 and "以下成绩不完整，不能排名：W03（缺少 P2.1）" in result.output


def test_missing_files_and_bad_scheme(files):
    (files / "MARKS.csv").unlink()
    result = _run(files)
    assert result.exit_code == 1 and "错误：无法读取成绩文件" in result.output
    (files / "SCHEME.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    result = _run(files)
    assert result.exit_code == 1 and "有 1 处问题，未计算排名" in result.output and ".xls" in result.output


def test_cis_scheme_is_detected(tmp_path):
    (tmp_path / "SCHEME.xlsx").write_bytes(cis_bytes())
    (tmp_path / "MARKS.csv").write_text("entry,aspect,value\nC01,A1.3,1\n", encoding="utf-8")
    result = CliRunner().invoke(
        scoring_cli,
        [
            "standings",
            "--scheme",
            str(tmp_path / "SCHEME.xlsx"),
            "--marks",
            str(tmp_path / "MARKS.csv"),
            "--out",
            str(tmp_path / "S.csv"),
        ],
    )
    assert result.exit_code == 1
    assert "以下成绩不完整，不能排名：C01（缺少 A1.1、缺少 A1.2、缺少 A2.1" in result.output


def test_lang_en_prints_the_table_summary_and_notes_in_english(files):
    result = _run(files, "--lang", "en")
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"{EVENT} (This platform's template; Theory exam 30%, Practical task 70%)" in out
    assert "Awards: 1 first, 2 second and 3 third prizes; 7 ranked of 8" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("Rank"))
    words = "Rank Competitor number Total Theory exam Practical task All parts passed Award Notes"
    assert header.split() == words.split()
    assert next(line for line in lines if " W05 " in line).split()[:2] == ["5", "(joint)"]
    assert "Third prize" in next(line for line in lines if " W05 " in line)
    assert "Note: the totals of W02, W05, W06 do not terminate" in out and "Wrote " in out
    leftover = out.replace(EVENT, "")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in leftover), leftover
    # the file itself is the same whatever the language
    assert (files / "STANDINGS.csv").read_text(encoding="utf-8") == EXPECTED


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        (("--awards", "1,2", "--lang", "en"), "Error: --awards must be three non-negative numbers"),
        (("--awards", "1,2,3", "--national", "--lang", "en"), "Error: Use only one of --awards, --national"),
        (("--national", "--lang", "en"), "Error: W05, W06 have equal marks and equal tie-break criteria"),
    ],
)
def test_lang_en_prints_option_errors_in_english(files, extra, text):
    result = _run(files, *extra)
    assert result.exit_code == 1 and text in result.output


def test_lang_en_prints_a_bad_marks_line_in_english(files):
    with (files / "MARKS.csv").open("a", encoding="utf-8") as marks:
        marks.write(f"{EVENT},W01,practical,P9.9,,1,,\n")
    result = _run(files, "--lang", "en")
    assert result.exit_code == 1
    assert 'Error: MARKS.csv line 91, column "aspect": The marking scheme has no aspect P9.9' in result.output
    missing = _run(files, "--lang", "en", "--marks", str(files / "NONE.csv"))
    assert missing.exit_code == 1 and "Error: Cannot read the marks file" in missing.output
