"""STANDINGS.csv → ResultFacts → engine → DECISIONS.csv, without an app (DOMAIN.md §4, 天津 2024)."""

import csv
import io
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

from competition.domain import AwardClass, Gender, Group, SkillLevel, Tier
from competition.errors import DomainError
from competition.promotion.files import (
    DECISION_COLUMNS,
    StandingsFileError,
    evaluate_standings,
    read_standings_csv,
    write_decisions_csv,
)
from competition.promotion.presets import load_preset
from competition.promotion.rules import DecisionKind, DecisionStatus, PriorPromotion
from tests.promotion.standings_data import (
    CONTEST,
    EVENT,
    HEADER,
    OTHER_CONTEST,
    row,
    tianjin_csv,
    tianjin_rows,
    to_csv,
)

TODAY = date(2024, 12, 31)
TIANJIN = load_preset("tianjin-2024")
PROMO, TITLE, NONE = DecisionKind.PROMOTION, DecisionKind.TITLE, DecisionKind.NONE
GRANTED, BLOCKED, NO_MATCH = DecisionStatus.GRANTED, DecisionStatus.BLOCKED, DecisionStatus.NO_MATCH
TECH, SENIOR_TECH = SkillLevel.TECHNICIAN, SkillLevel.SENIOR_TECHNICIAN


def decide(text: str | bytes, today: date = TODAY):
    return evaluate_standings(TIANJIN, read_standings_csv(text), today=today)


def problems_of(text: str | bytes) -> tuple[str, ...]:
    with pytest.raises(StandingsFileError) as caught:
        read_standings_csv(text)
    assert isinstance(caught.value, DomainError)
    return caught.value.problems


# ------------------------------------------------------------------------------------ the 天津 event


def test_tianjin_municipal_1_staff_event_gives_exactly_these_decisions():
    decisions = decide(tianjin_csv())
    got = [(d.person_key, d.kind, d.status, d.rule_id, d.level, d.title) for d in decisions]
    promoted = [(f"p{n:02d}", PROMO, GRANTED, "m1-staff", TECH, None) for n in (2, 4, 6, 7, 8, 9, 10, 11)]
    expected = sorted(
        [
            ("p01", PROMO, GRANTED, "m1-staff", TECH, None),
            ("p01", TITLE, GRANTED, "tianjin-technical-expert", None, "天津市技术能手"),
            ("p03", PROMO, GRANTED, "m1-staff", SENIOR_TECH, None),  # already 技师 → 高级技师
            ("p05", PROMO, BLOCKED, "m1-staff", TECH, None),  # promoted by another contest in 2024
            ("p12", NONE, NO_MATCH, None, None, None),  # 12th of 47
            ("p13", NONE, NO_MATCH, None, None, None),  # 11th of 30
            *promoted,
        ],
        key=lambda t: t[0],
    )
    assert got == expected


def test_joint_tenth_places_are_both_inside_the_top_ten():
    by_person = {d.person_key: d for d in decide(tianjin_csv()) if d.kind is PROMO}
    for person in ("p10", "p11"):
        assert by_person[person].status is GRANTED
        assert by_person[person].facts_text.startswith("并列第10名/47人, 市级一类, 职工组")


def test_already_technician_reason_says_one_level_higher():
    (d,) = [d for d in decide(tianjin_csv()) if d.person_key == "p03"]
    assert d.outcome_text == "晋升 一级/高级技师（已具有 二级/技师，晋升高一级）"


def test_prior_promotion_blocks_and_the_reason_names_the_other_contest():
    (d,) = [d for d in decide(tianjin_csv()) if d.person_key == "p05"]
    assert d.blocked_by == OTHER_CONTEST
    assert f"2024年已因“{OTHER_CONTEST}”（2024-03-15 生效）晋升 三级/高级工" in d.reason


def test_rank_eleven_and_twelve_get_nothing():
    reasons = {d.person_key: d.reason for d in decide(tianjin_csv()) if d.status is NO_MATCH}
    assert reasons["p13"].startswith("第11名/30人, 市级一类, 职工组, 原等级 三级/高级工：不符合规则集")
    assert reasons["p12"].startswith("第12名/47人, 市级一类, 职工组, 原等级 无：不符合规则集")


def test_first_place_gets_technician_and_the_tianjin_title():
    p01 = [d for d in decide(tianjin_csv()) if d.person_key == "p01"]
    assert [(d.kind, d.status) for d in p01] == [(PROMO, GRANTED), (TITLE, GRANTED)]
    assert p01[1].outcome_text == "授予“天津市技术能手”称号"


def test_result_not_final_on_the_evaluation_date_is_pending():
    decisions = decide(tianjin_csv(), today=date(2024, 7, 14))
    p02 = next(d for d in decisions if d.person_key == "p02")
    assert p02.status is DecisionStatus.PENDING


def test_empty_final_date_means_not_final_yet():
    text = to_csv([row(person="a", final_date="")])
    (d, _title) = decide(text)
    assert d.status is DecisionStatus.PENDING


# --------------------------------------------------------------------------------- facts from cells


def test_cells_map_to_result_facts():
    text = to_csv(
        [
            row(
                person="110101199001011234",
                rank="3",
                joint="1",
                total="88.125",
                award="一等奖",
                all_parts_passed="",
                tier="municipal_1",
                group="职工组",
                gender="female",
                birth_date="1991-02-03",
                current_level="二级/技师",
                final_date="",
                prior_promotions=f"2024-03-15|高级工|{OTHER_CONTEST}；2023-05-01|四级|旧竞赛;",
            )
        ]
    )
    (standing,) = read_standings_csv(text).rows
    f = standing.facts
    assert standing.line == 2 and standing.entry == "E00" and standing.name == "测试"
    assert (f.person_key, f.contest_key, f.event_key) == ("110101199001011234", CONTEST, EVENT)
    assert (f.contest_name, f.event_name) == (CONTEST, EVENT)
    assert (f.tier, f.group, f.gender) == (Tier.MUNICIPAL_1, Group.STAFF, Gender.FEMALE)
    assert (f.rank, f.joint_rank, f.entrants, f.team_size) == (3, True, 47, 1)
    assert f.total == Decimal("88.125") and isinstance(f.total, Decimal)
    assert f.award is AwardClass.FIRST and f.all_parts_passed is False
    assert f.current_level is SkillLevel.TECHNICIAN
    assert (f.birth_date, f.contest_date, f.final_date) == (date(1991, 2, 3), date(2024, 6, 20), None)
    assert f.prior_promotions == (
        PriorPromotion(
            contest_key=OTHER_CONTEST,
            contest_name=OTHER_CONTEST,
            level=SkillLevel.SENIOR_WORKER,
            final_date=date(2024, 3, 15),
        ),
        PriorPromotion(
            contest_key="旧竞赛",
            contest_name="旧竞赛",
            level=SkillLevel.INTERMEDIATE_WORKER,
            final_date=date(2023, 5, 1),
        ),
    )


def test_not_ranked_row_is_evaluated_without_a_rank_and_empty_total_counts_as_zero():
    (standing,) = read_standings_csv(
        to_csv([row(status="not_ranked", rank="", total="", all_parts_passed="0")])
    ).rows
    assert standing.facts.rank is None and standing.facts.total == Decimal(0)
    (d,) = evaluate_standings(
        TIANJIN, read_standings_csv(to_csv([row(status="not_ranked", rank="")])), today=TODAY
    )
    assert (d.status, d.facts_text) == (NO_MATCH, "未排名/47人, 市级一类, 职工组, 原等级 三级/高级工")


def test_disqualified_row_is_not_evaluated_and_says_why():
    (standing,) = read_standings_csv(to_csv([row(status="disqualified", rank="", total="0")])).rows
    assert standing.facts is None
    (d,) = evaluate_standings(
        TIANJIN, read_standings_csv(to_csv([row(status="disqualified", rank="")])), today=TODAY
    )
    assert (d.kind, d.status) == (NONE, NO_MATCH)
    assert "取消资格" in d.reason and d.ruleset == "tianjin-2024@1"


def test_two_person_team_members_both_get_the_decisions():
    team = dict(event="数控铣 双人赛项", entry="T01", team_size="2", entrants="20", rank="1")
    text = to_csv(
        [
            row(**team, person="m1", name="甲"),
            row(**team, person="m2", name="乙", current_level="技师"),
            row(event="数控铣 双人赛项", entry="T02", team_size="2", entrants="20", rank="11", person="m3"),
        ]
    )
    got = [(d.person_key, d.kind, d.status, d.level, d.title) for d in decide(text)]
    assert got == [
        ("m1", PROMO, GRANTED, TECH, None),
        ("m1", TITLE, GRANTED, None, "天津市技术能手"),
        ("m2", PROMO, GRANTED, SENIOR_TECH, None),
        ("m2", TITLE, GRANTED, None, "天津市技术能手"),
        ("m3", NONE, NO_MATCH, None, None),
    ]
    facts = read_standings_csv(text).facts
    assert [f.team_size for f in facts] == [2, 2, 2]


# ------------------------------------------------------------------------------------ BOM and header


def test_utf8_bom_is_accepted_as_bytes_and_as_text():
    text = tianjin_csv()
    plain = decide(text)
    assert decide(("\ufeff" + text).encode("utf-8")) == plain
    assert decide("\ufeff" + text) == plain
    assert decide(text.encode("utf-8")) == plain


def test_columns_in_any_order_with_optional_columns_left_out_and_crlf_lines():
    header = [
        c for c in reversed(HEADER) if c not in ("name", "part:defence", "standardised", "total_display")
    ]
    text = to_csv(tianjin_rows(), header=header).replace("\n", "\r\n")
    standings = read_standings_csv(text)
    assert len(standings.rows) == 13 and standings.rows[0].name == ""
    assert evaluate_standings(TIANJIN, standings, today=TODAY) == decide(tianjin_csv())


def test_blank_lines_are_skipped_and_line_numbers_stay_physical():
    good = to_csv([row(person="a")])
    bad = to_csv([row(person="b", current_level="技工")]).split("\n", 1)[1]
    assert problems_of(good + "\n,,,\n" + bad) == ("第 5 行 current_level：无法识别的职业技能等级“技工”",)


def test_not_utf8_is_reported():
    assert problems_of(tianjin_csv().encode("gbk")) == (
        "文件不是 UTF-8 编码（用 Excel 保存时请选择“CSV UTF-8（逗号分隔）”）",
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            [c for c in HEADER if c not in ("person", "tier")],
            "表头缺少必需的列：person、tier",
        ),
        (
            [c for c in HEADER if c != "prior_promotions"],
            "表头缺少必需的列：prior_promotions",
        ),
        ([*HEADER, "foo", "part:essay"], "表头有未知的列：foo、part:essay（可用的列："),
        ([*HEADER, "rank"], "表头中的列重复：rank"),
        ([*HEADER, ""], "表头第 27 列没有列名"),
    ],
)
def test_header_problems_are_named(header, expected):
    (problem,) = problems_of(to_csv([row()], header=header))
    assert problem.startswith(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "文件为空：第 1 行应为表头"),
        (",".join(HEADER) + "\n", "成绩文件只有表头，没有数据行"),
        (",".join(HEADER) + "\n数控车工,E1\n", "第 2 行：有 2 个字段，而表头有 26 列"),
        (",".join(HEADER) + '\n"数控车工\n', "第 2 行：CSV 格式错误"),
    ],
)
def test_file_shape_problems(text, expected):
    (problem,) = problems_of(text)
    assert problem.startswith(expected)


# ------------------------------------------------------------------------------------------ bad cells


BAD_CELLS = [
    ("current_level", "技工", "无法识别的职业技能等级“技工”"),
    ("rank", "abc", "应为不小于 1 的整数，而不是“abc”"),
    ("rank", "0", "应为不小于 1 的整数，而不是“0”"),
    ("rank", "３", "应为不小于 1 的整数，而不是“３”"),
    ("joint", "2", "应为 1 或 0，而不是“2”"),
    ("entrants", "-1", "应为非负整数，而不是“-1”"),
    ("entrants", "", "不能为空"),
    ("status", "winner", "应为 ranked、not_ranked 或 disqualified，而不是“winner”"),
    ("total", "九十", "应为数值，而不是“九十”"),
    ("total", "NaN", "应为数值，而不是“NaN”"),
    ("total_display", "x", "应为数值，而不是“x”"),
    ("standardised", "x", "应为数值，而不是“x”"),
    ("part:theory", "101", "应在 0 到 100 之间，而不是“101”"),
    ("part:practical", "-0.5", "应在 0 到 100 之间，而不是“-0.5”"),
    ("part:defence", "abc", "应为数值，而不是“abc”"),
    ("all_parts_passed", "yes", "应为 1 或 0，而不是“yes”"),
    ("award", "特等奖", "无法识别的奖项“特等奖”，可选：first（一等奖）、second（二等奖）"),
    ("contest_date", "2024/06/20", "应为日期（YYYY-MM-DD），而不是“2024/06/20”"),
    ("final_date", "2024-13-01", "应为日期（YYYY-MM-DD），而不是“2024-13-01”"),
    ("birth_date", "", "不能为空"),
    ("birth_date", "19900501", "应为日期（YYYY-MM-DD），而不是“19900501”"),
    ("tier", "省级", "无法识别的竞赛级别“省级”，可选：worldskills（世界技能大赛）"),
    (
        "group",
        "成人组",
        "无法识别的组别“成人组”，可选：staff（职工组）、student（学生组）、teacher（教师组）",
    ),
    ("team_size", "11", "应为 1 到 10 的整数，而不是“11”"),
    ("gender", "M", "无法识别的性别“M”，可选：male（男）、female（女）"),
    ("person", "", "不能为空"),
    ("contest", "", "不能为空"),
    ("event", "", "不能为空"),
    ("entry", "", "不能为空"),
    ("prior_promotions", "2024-03-15|高级工", "第 1 项“2024-03-15|高级工”应写作“YYYY-MM-DD|等级|竞赛名称”"),
    ("prior_promotions", "2024-03-15|技工|某竞赛", "第 1 项：无法识别的职业技能等级“技工”"),
    (
        "prior_promotions",
        "2024-03-15|高级工|甲竞赛;2024-3-1|技师|乙竞赛",
        "第 2 项：应为日期（YYYY-MM-DD），而不是“2024-3-1”",
    ),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_CELLS, ids=[f"{c}={v}" for c, v, _ in BAD_CELLS])
def test_every_bad_cell_names_its_line_and_column(column, value, message):
    changes = {"person": "b", "entry": "E01", "rank": "2", column.replace(":", "_"): value}
    text = to_csv([row(person="a"), row(**changes)])
    (problem,) = problems_of(text)
    assert problem.startswith(f"第 3 行 {column}：{message}")


def test_example_message_from_the_brief():
    rows = [row(person=f"q{i}", entry=f"E{i}", rank=str(i)) for i in range(1, 7)]
    rows[5]["current_level"] = "技工"
    assert problems_of(to_csv(rows)) == ("第 7 行 current_level：无法识别的职业技能等级“技工”",)


BAD_COMBINATIONS = [
    ({"rank": ""}, "rank：状态为 ranked 时名次不能为空"),
    ({"status": "not_ranked"}, "rank：状态为 not_ranked 时名次应为空，而不是“2”"),
    ({"rank": "48"}, "rank：名次 48 大于赛项排名人数 entrants（47）"),
    ({"status": "not_ranked", "rank": "", "joint": "1"}, "joint：没有名次时不能标记并列（joint 应为 0）"),
    ({"total": ""}, "total：状态为 ranked 时总分不能为空"),
    ({"final_date": "2024-06-19"}, "final_date：生效日期 2024-06-19 早于竞赛日期 2024-06-20"),
    ({"birth_date": "2024-06-20"}, "birth_date：出生日期 2024-06-20 不早于竞赛日期 2024-06-20"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_COMBINATIONS)
def test_contradictory_cells_of_one_row(changes, message):
    text = to_csv([row(person="a"), row(**{"person": "b", "entry": "E01", "rank": "2", **changes})])
    assert problems_of(text) == (f"第 3 行 {message}",)


BAD_ROW_SETS = [
    (
        [row(person="a"), row(person="a", entry="E01", rank="2")],
        f"第 3 行 person：选手“a”在“{CONTEST} / {EVENT}”中重复出现（第 2 行已有）",
    ),
    (
        [row(person="a", team_size="2"), row(person="b", team_size="2", rank="2")],
        "第 3 行 rank：与同一参赛单位（entry“E00”）第 2 行不一致（“2”≠“1”）",
    ),
    (
        [row(person="a"), row(person="b", entry="E01", rank="2", tier="市级二类")],
        f"第 3 行 tier：与同一赛项（“{EVENT}”）第 2 行不一致（“市级二类”≠“市级一类”）",
    ),
    (
        [row(person="a"), row(person="b", entry="E01", rank="2", entrants="46")],
        f"第 3 行 entrants：与同一赛项（“{EVENT}”）第 2 行不一致（“46”≠“47”）",
    ),
    (
        [row(person="a"), row(person="a", event="电工", name="别名")],
        "第 3 行 name：与同一选手（person“a”）第 2 行不一致（“别名”≠“测试”）",
    ),
    (
        [row(person="a"), row(person="b")],
        "第 3 行 entry：参赛单位“E00”的行数多于团队人数 team_size（1）",
    ),
    (
        [
            row(person=p, entry=e, rank=r, entrants="2")
            for p, e, r in (("a", "E1", "1"), ("b", "E2", "2"), ("c", "E3", "2"))
        ],
        f"第 2 行 entrants：赛项“{CONTEST} / {EVENT}”有 3 个排名的参赛单位，多于 entrants（2）",
    ),
]


@pytest.mark.parametrize(("rows", "message"), BAD_ROW_SETS)
def test_rows_that_disagree(rows, message):
    assert problems_of(to_csv(rows)) == (message,)


def test_all_problems_are_collected_in_line_order_and_nothing_is_returned():
    rows = tianjin_rows()
    rows[1]["current_level"] = "技工"
    rows[1]["gender"] = "X"
    rows[6]["tier"] = "省级"
    rows[9]["rank"] = "x"
    problems = problems_of(to_csv(rows))
    assert [p.split("：", 1)[0] for p in problems] == [
        "第 3 行 gender",
        "第 3 行 current_level",
        "第 8 行 tier",
        "第 11 行 rank",
    ]


def test_the_message_lists_at_most_fifty_problems():
    rows = [row(person=f"x{i}", entry=f"E{i}", rank=str(i), entrants="60", gender="?") for i in range(1, 61)]
    with pytest.raises(StandingsFileError) as caught:
        read_standings_csv(to_csv(rows))
    err = caught.value
    assert len(err.problems) == 60
    lines = err.message.split("\n")
    assert lines[0] == "成绩文件有 60 处错误，未读入任何数据："
    assert lines[1].startswith("第 2 行 gender：") and lines[50].startswith("第 51 行 gender：")
    assert lines[-1] == "……另有 10 处错误未列出" and len(lines) == 52
    assert err.field == "standings"


# ------------------------------------------------------------------------------------- DECISIONS.csv


def test_decisions_csv_has_the_documented_columns_and_values():
    standings = read_standings_csv(tianjin_csv())
    decisions = evaluate_standings(TIANJIN, standings, today=TODAY)
    text = write_decisions_csv(decisions, names=standings.names)
    assert text.startswith(
        "ruleset,person,name,contest,event,kind,status,status_label,rule,rule_name,source,level,title,"
        "facts,outcome,reason,superseded_by,blocked_by\r\n"
    )
    assert tuple(text.split("\r\n", 1)[0].split(",")) == DECISION_COLUMNS
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(decisions) == 14
    p03 = next(r for r in rows if r["person"] == "p03")
    assert p03 | {"source": "", "reason": "", "rule_name": "", "facts": ""} == {
        "ruleset": "tianjin-2024@1",
        "person": "p03",
        "name": "李三",
        "contest": CONTEST,
        "event": EVENT,
        "kind": "promotion",
        "status": "granted",
        "status_label": "已授予",
        "rule": "m1-staff",
        "rule_name": "",
        "source": "",
        "level": "一级/高级技师",
        "title": "",
        "facts": "",
        "outcome": "晋升 一级/高级技师（已具有 二级/技师，晋升高一级）",
        "reason": "",
        "superseded_by": "",
        "blocked_by": "",
    }
    p05 = next(r for r in rows if r["person"] == "p05")
    assert (p05["status"], p05["blocked_by"]) == ("blocked", OTHER_CONTEST)
    assert SkillLevel.parse(p03["level"]) is SENIOR_TECH


def test_decisions_csv_without_names_leaves_the_name_empty():
    text = write_decisions_csv(decide(to_csv([row(person="a", rank="20")])))
    (only,) = csv.DictReader(io.StringIO(text, newline=""))
    assert (only["person"], only["name"], only["kind"], only["status"]) == ("a", "", "none", "no_match")


def test_files_module_is_pure():
    code = "import sys, competition.promotion.files; assert 'flask' not in sys.modules, 'flask imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
