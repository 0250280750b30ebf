"""``flask promotion …`` end to end on a bare Flask app: no database, no create_app."""

import csv
import io
from pathlib import Path

import pytest
from flask import Flask

from competition.promotion.cli import promotion_cli
from competition.promotion.presets import load_preset
from competition.promotion.ruleset_yaml import parse_ruleset
from tests.promotion.standings_data import OTHER_CONTEST, row, tianjin_csv, to_csv

DECISION_HEADER = [
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
]


@pytest.fixture
def runner():
    app = Flask(__name__)
    app.cli.add_command(promotion_cli)
    return app.test_cli_runner()


@pytest.fixture
def standings(tmp_path: Path) -> Path:
    path = tmp_path / "STANDINGS.csv"
    path.write_text(tianjin_csv(), encoding="utf-8-sig")
    return path


def read_decisions(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads the Chinese
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    assert reader.fieldnames == DECISION_HEADER
    return list(reader)


def test_evaluate_prints_by_person_and_writes_decisions_csv(runner, standings):
    result = runner.invoke(
        args=[
            "promotion",
            "evaluate",
            "--ruleset",
            "tianjin-2024",
            "--standings",
            str(standings),
            "--today",
            "2024-12-31",
        ]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "规则集：tianjin-2024@1 天津市纳入计划竞赛获奖选手晋升职业技能等级" in out
    assert "评定日期：2024-12-31" in out
    assert (
        "\n张一（p01）\n  2024年天津市职业技能大赛 / 数控车工 职工组：第1名/47人，原等级 三级/高级工\n" in out
    )
    assert "    【已授予】晋升 二级/技师（规则 m1-staff）\n        依据：天津市人社局 2024-10-25 规定" in out
    assert "    【已授予】授予“天津市技术能手”称号（规则 tianjin-technical-expert）" in out
    assert "【已授予】晋升 一级/高级技师（已具有 二级/技师，晋升高一级）（规则 m1-staff）" in out
    assert "冯十（p10）\n  2024年天津市职业技能大赛 / 数控车工 职工组：并列第10名/47人" in out
    assert (
        "【受每年一次限制】晋升 二级/技师（规则 m1-staff）\n        理由：每人每年至多因竞赛晋升一次："
        f"2024年已因“{OTHER_CONTEST}”（2024-03-15 生效）晋升 三级/高级工，以最早生效的成绩为准\n"
    ) in out
    assert "未获晋升或荣誉称号（2 人）：\n  褚十二 第12名/47人\n  卫十三 第11名/30人\n" in out
    assert "合计：已授予 11 项（晋升 10，荣誉称号 1）；受每年一次限制 1 项；不符合条件 2 项" in out
    decisions_path = standings.with_name("DECISIONS.csv")
    assert f"已写入 {decisions_path}（14 条决定）。" in out
    rows = read_decisions(decisions_path)
    assert [(r["person"], r["kind"], r["status"], r["level"], r["title"]) for r in rows] == [
        ("p01", "promotion", "granted", "二级/技师", ""),
        ("p01", "title", "granted", "", "天津市技术能手"),
        ("p02", "promotion", "granted", "二级/技师", ""),
        ("p03", "promotion", "granted", "一级/高级技师", ""),
        ("p04", "promotion", "granted", "二级/技师", ""),
        ("p05", "promotion", "blocked", "二级/技师", ""),
        *[(f"p{n:02d}", "promotion", "granted", "二级/技师", "") for n in range(6, 12)],
        ("p12", "none", "no_match", "", ""),
        ("p13", "none", "no_match", "", ""),
    ]
    assert rows[5]["blocked_by"] == OTHER_CONTEST and OTHER_CONTEST in rows[5]["reason"]
    assert rows[0]["name"] == "张一" and rows[0]["ruleset"] == "tianjin-2024@1"


def test_evaluate_with_out_and_a_date_before_the_results_are_final(runner, standings, tmp_path):
    out_path = tmp_path / "what-if" / "决定.csv"
    out_path.parent.mkdir()
    result = runner.invoke(
        args=[
            "promotion",
            "evaluate",
            "--ruleset",
            "tianjin-2024@1",
            "--standings",
            str(standings),
            "--out",
            str(out_path),
            "--today",
            "2024-07-01",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "【待生效】晋升 二级/技师（规则 m1-staff）" in result.output
    assert not standings.with_name("DECISIONS.csv").exists()
    statuses = {r["status"] for r in read_decisions(out_path)}
    assert statuses == {"pending", "blocked", "no_match"}


def test_evaluate_with_a_ruleset_file_gives_the_same_decisions_as_the_preset(runner, standings, tmp_path):
    rules = tmp_path / "tianjin.yaml"
    assert (
        runner.invoke(args=["promotion", "export-preset", "tianjin-2024", "--out", str(rules)]).exit_code == 0
    )
    by_file, by_preset = tmp_path / "a.csv", tmp_path / "b.csv"
    for ref, out_path in ((str(rules), by_file), ("tianjin-2024", by_preset)):
        args = [
            "promotion",
            "evaluate",
            "--ruleset",
            ref,
            "--standings",
            str(standings),
            "--today",
            "2024-12-31",
        ]
        result = runner.invoke(args=[*args, "--out", str(out_path)])
        assert result.exit_code == 0, result.output
    assert by_file.read_bytes() == by_preset.read_bytes()


def test_overlap_warnings_are_printed(runner, tmp_path):
    rules = tmp_path / "overlap.yaml"
    rules.write_text(
        "id: overlap\nversion: 1\nname: 重叠\nsource: 测试\nrules:\n"
        "  - {id: a, name: 前10名技师, source: 测试, when: {tiers: [municipal_1], top_n: 10},"
        " outcome: {kind: promote, level: 技师}}\n"
        "  - {id: b, name: 前6名高级工, source: 测试, when: {tiers: [municipal_1], top_n: 6},"
        " outcome: {kind: promote, level: 高级工}}\n",
        encoding="utf-8",
    )
    standings = tmp_path / "STANDINGS.csv"
    standings.write_text(to_csv([row(person="a", current_level="")]), encoding="utf-8")
    result = runner.invoke(
        args=[
            "promotion",
            "evaluate",
            "--ruleset",
            str(rules),
            "--standings",
            str(standings),
            "--today",
            "2024-12-31",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "警告：规则 a“前10名技师” 与 b“前6名高级工” 有重叠且结果不同" in result.stderr
    assert (
        "【已被更高结果取代】晋升 三级/高级工（规则 b）\n"
        "        理由：同时符合规则 a“前10名技师”（晋升 二级/技师），取较高者，本规则不再适用\n"
    ) in result.stdout


@pytest.mark.parametrize(
    ("ruleset", "expected"),
    [
        ("nope", "错误：没有名为“nope”的预置规则集（也没有这个名字的规则文件）；可用的预置规则集："),
        ("tianjin-2024@9", "错误：预置规则集“tianjin-2024”没有第 9 版"),
        ("missing.yaml", "错误：找不到规则文件“missing.yaml”"),
    ],
)
def test_unknown_ruleset_exits_with_the_chinese_message(runner, standings, ruleset, expected):
    result = runner.invoke(
        args=["promotion", "evaluate", "--ruleset", ruleset, "--standings", str(standings)]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(expected)
    assert not standings.with_name("DECISIONS.csv").exists()


def test_invalid_ruleset_file_exits_with_the_field_path(runner, standings, tmp_path):
    rules = tmp_path / "bad.yaml"
    rules.write_text("id: x\nversion: 0\nname: 坏\nsource: 测试\nrules: []\n", encoding="utf-8")
    result = runner.invoke(
        args=["promotion", "evaluate", "--ruleset", str(rules), "--standings", str(standings)]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"错误：规则文件“{rules}”有误：")


def test_bad_standings_exit_with_every_problem_and_write_nothing(runner, tmp_path):
    standings = tmp_path / "STANDINGS.csv"
    standings.write_text(
        to_csv([row(person="a"), row(person="b", entry="E1", rank="2", current_level="技工", gender="X")]),
        encoding="utf-8",
    )
    result = runner.invoke(
        args=["promotion", "evaluate", "--ruleset", "tianjin-2024", "--standings", str(standings)]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：成绩文件有 2 处错误，未读入任何数据：\n第 3 行 gender：")
    assert "第 3 行 current_level：无法识别的职业技能等级“技工”" in result.stderr
    assert not (tmp_path / "DECISIONS.csv").exists()


def test_missing_standings_file_and_bad_today(runner, tmp_path, standings):
    missing = runner.invoke(
        args=["promotion", "evaluate", "--ruleset", "tianjin-2024", "--standings", str(tmp_path / "no.csv")]
    )
    assert missing.exit_code == 1
    assert missing.stderr.startswith(f"错误：无法读取成绩文件“{tmp_path / 'no.csv'}”")
    bad_day = runner.invoke(
        args=[
            "promotion",
            "evaluate",
            "--ruleset",
            "tianjin-2024",
            "--standings",
            str(standings),
            "--today",
            "2024/12/31",
        ]
    )
    assert bad_day.exit_code != 0
    assert "--today 应为日期（YYYY-MM-DD），而不是“2024/12/31”" in bad_day.stderr


def test_out_may_not_overwrite_the_standings(runner, standings):
    result = runner.invoke(
        args=[
            "promotion",
            "evaluate",
            "--ruleset",
            "tianjin-2024",
            "--standings",
            str(standings),
            "--out",
            str(standings),
        ]
    )
    assert result.exit_code == 1
    assert "决定文件不能覆盖成绩文件" in result.stderr
    assert standings.read_text(encoding="utf-8-sig") == tianjin_csv()


def test_presets_lists_the_four_presets(runner):
    result = runner.invoke(args=["promotion", "presets"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "heilongjiang-contest-measures  v1  黑龙江省职业技能竞赛获奖选手晋升职业技能等级",
        "national-skills-contest        v1  全国技能大赛获奖选手晋升职业技能等级及全国技术能手",
        "sichuan-2016-staff             v1  四川省职工职业技能大赛（2016，省一类）获奖选手晋升职业技能等级",
        "tianjin-2024                   v1  天津市纳入计划竞赛获奖选手晋升职业技能等级",
    ]


def test_export_preset_prints_yaml_that_parses_back(runner, tmp_path):
    result = runner.invoke(args=["promotion", "export-preset", "sichuan-2016-staff"])
    assert result.exit_code == 0, result.output
    assert parse_ruleset(result.output) == load_preset("sichuan-2016-staff")
    out_path = tmp_path / "s.yaml"
    saved = runner.invoke(args=["promotion", "export-preset", "sichuan-2016-staff@1", "--out", str(out_path)])
    assert saved.output == f"已导出 sichuan-2016-staff@1 到 {out_path}。\n"
    assert parse_ruleset(out_path.read_text(encoding="utf-8")) == load_preset("sichuan-2016-staff")


def test_export_unknown_preset_fails(runner):
    result = runner.invoke(args=["promotion", "export-preset", "beijing"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "错误：没有名为“beijing”的预置规则集；可用的预置规则集：heilongjiang-contest-measures"
    )
