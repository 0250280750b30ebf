"""Rule sets as YAML: parsing, validation with paths, round trips (DOMAIN.md §4), without an app."""

import copy
from decimal import Decimal
from importlib import resources

import pytest
import yaml

from competition.domain import Group, SkillLevel, Tier
from competition.errors import DomainError
from competition.promotion.presets import preset_ids
from competition.promotion.rules import AgeBasis, IfHeld, OutcomeKind, Rounding
from competition.promotion.ruleset_yaml import (
    dump_ruleset,
    load_ruleset,
    parse_ruleset,
    ruleset_from_data,
    ruleset_to_data,
)

BASE = {
    "id": "demo",
    "version": 2,
    "name": "示例规则集",
    "source": "示例文件",
    "settings": {"max_level": "高级技师", "one_promotion_per_year": True},
    "rules": [
        {
            "id": "top10",
            "name": "前10名",
            "source": "示例文件第一条",
            "when": {"tiers": ["provincial_1"], "groups": ["staff"], "top_n": 10},
            "outcome": {"kind": "promote", "level": "技师", "if_held": "next_level"},
        },
        {
            "id": "pct",
            "name": "企业前30%",
            "source": "示例文件第二条",
            "when": {"tiers": ["enterprise"], "top_percent": 30, "rounding": "half_up", "total_min": 60.5},
            "outcome": {"kind": "promote", "level": "中级工"},
        },
        {
            "id": "title",
            "name": "能手",
            "source": "示例文件第三条",
            "when": {"tiers": ["provincial_1"], "top_n_by_team_size": {1: 5, 2: 3, 3: 2}},
            "outcome": {"kind": "title", "title": "示例技术能手"},
        },
    ],
    "derivations": [
        {
            "id": "city",
            "name": "市级降一级",
            "source": "示例文件第四条",
            "tier_map": {"provincial_1": "municipal_1"},
            "level_shift": -1,
        }
    ],
}


def mutated(change) -> str:
    data = copy.deepcopy(BASE)
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_base_parses_with_derived_rules_and_exact_decimals():
    ruleset = parse_ruleset(mutated(lambda d: None))
    assert ruleset.key == "demo@2"
    assert [r.id for r in ruleset.effective_rules] == ["top10", "pct", "title", "city/top10"]
    pct = ruleset.rule("pct").when
    assert (
        pct.top_percent == Decimal(30)
        and pct.total_min == Decimal("60.5")
        and pct.rounding is Rounding.HALF_UP
    )
    assert ruleset.rule("title").when.top_n_by_team_size == ((1, 5), (2, 3), (3, 2))
    assert ruleset.rule("city/top10").outcome.level is SkillLevel.SENIOR_WORKER
    assert ruleset.rule("pct").outcome.if_held is IfHeld.NOTHING


def test_chinese_labels_are_accepted():
    def change(d):
        d["rules"][0]["when"] = {"tiers": ["省级一类"], "groups": ["职工组", "教师组"], "top_n": 3}
        d["rules"][0]["outcome"]["level"] = "二级/技师"

    ruleset = parse_ruleset(mutated(change))
    assert ruleset.rule("top10").when.tiers == {Tier.PROVINCIAL_1}
    assert ruleset.rule("top10").when.groups == {Group.STAFF, Group.TEACHER}
    assert ruleset.rule("top10").outcome.level is SkillLevel.TECHNICIAN


def set_in(path, value):
    def change(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def drop(path):
    def change(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (
            set_in(["rules", 0, "outcome", "level"], "技工"),
            "rules[0].outcome.level",
            "无法识别的职业技能等级",
        ),
        (
            set_in(["rules", 1, "outcome", "level"], "六级"),
            "rules[1].outcome.level",
            "无法识别的职业技能等级",
        ),
        (set_in(["rules", 0, "when", "top"], 5), "rules[0].when.top", "未知字段"),
        (set_in(["rules", 2, "outcome", "colour"], "red"), "rules[2].outcome.colour", "未知字段"),
        (set_in(["colour"], "red"), "colour", "未知字段"),
        (set_in(["settings", "cap"], "技师"), "settings.cap", "未知字段"),
        (
            set_in(["rules", 0, "when", "tiers"], ["provincial_1", "municipal_9"]),
            "rules[0].when.tiers[1]",
            "无法识别的取值",
        ),
        (
            set_in(["rules", 0, "when", "tiers"], ["provincial_1", "provincial_1"]),
            "rules[0].when.tiers[1]",
            "重复",
        ),
        (set_in(["rules", 0, "when", "tiers"], []), "rules[0].when.tiers", "不能为空"),
        (set_in(["rules", 0, "when", "top_n"], "ten"), "rules[0].when.top_n", "应为整数"),
        (set_in(["rules", 0, "when", "top_n"], True), "rules[0].when.top_n", "应为整数"),
        (set_in(["rules", 0, "when", "top_n"], 0), "rules[0].when.top_n", "不小于 1"),
        (set_in(["rules", 0, "when"], {"rank_min": 5, "rank_max": 3}), "rules[0].when.rank_max", "名次下限"),
        (set_in(["rules", 0, "when"], {}), "rules[0].when", "至少需要一个条件"),
        (set_in(["rules", 0, "when"], ["top_n"]), "rules[0].when", "应为键值映射"),
        (set_in(["rules", 1, "when", "top_percent"], 150), "rules[1].when.top_percent", "百分比"),
        (set_in(["rules", 1, "when", "top_percent"], "很多"), "rules[1].when.top_percent", "应为数值"),
        (set_in(["rules", 1, "when", "rounding"], "banker"), "rules[1].when.rounding", "无法识别的取值"),
        (
            set_in(["rules", 2, "when", "top_n_by_team_size"], {1: 5, 11: 1}),
            "rules[2].when.top_n_by_team_size",
            "1 到 10",
        ),
        (set_in(["rules", 0, "when", "age_basis"], "fixed_date"), "rules[0].when.age_date", "age_date"),
        (set_in(["rules", 0, "when", "age_date"], "明年"), "rules[0].when.age_date", "应为日期"),
        (
            set_in(["rules", 0, "when", "all_parts_passed"], "yes please"),
            "rules[0].when.all_parts_passed",
            "true 或 false",
        ),
        (
            set_in(["rules", 0, "when", "level_min"], "技工"),
            "rules[0].when.level_min",
            "无法识别的职业技能等级",
        ),
        (set_in(["rules", 2, "outcome", "level"], "技师"), "rules[2].outcome.level", "不使用此字段"),
        (drop(["rules", 2, "outcome", "title"]), "rules[2].outcome.title", "缺少荣誉称号"),
        (set_in(["rules", 0, "outcome", "kind"], "demote"), "rules[0].outcome.kind", "无法识别的取值"),
        (drop(["rules", 0, "outcome", "kind"]), "rules[0].outcome.kind", "缺少必填字段"),
        (
            set_in(["rules", 0, "outcome"], {"kind": "raise", "steps": 0}),
            "rules[0].outcome.steps",
            "不小于 1",
        ),
        (set_in(["rules", 0, "outcome", "level"], "特级技师"), "rules[0].outcome.level", "晋升上限"),
        (drop(["rules", 1, "source"]), "rules[1].source", "缺少必填字段"),
        (set_in(["rules", 1, "name"], "  "), "rules[1].name", "非空文本"),
        (set_in(["rules", 1, "id"], "top10"), "rules[1].id", "重复"),
        (set_in(["rules", 1, "id"], "坏 id"), "rules[1].id", "标识"),
        (set_in(["rules"], []), "rules", "非空的规则列表"),
        (drop(["rules"]), "rules", "缺少必填字段"),
        (set_in(["version"], "one"), "version", "应为整数"),
        (set_in(["version"], 0), "version", "版本号"),
        (set_in(["settings", "max_level"], "总工程师"), "settings.max_level", "无法识别的职业技能等级"),
        (set_in(["derivations", 0, "rules"], ["nope"]), "derivations[0].rules[0]", "没有标识"),
        (set_in(["derivations", 0, "rules"], ["title"]), "derivations[0].rules[0]", "称号规则"),
        (set_in(["derivations", 0, "level_shift"], 0), "derivations[0].level_shift", "非零"),
        (
            set_in(["derivations", 0, "tier_map"], {"provincial_1": "moon"}),
            "derivations[0].tier_map.provincial_1",
            "无法识别",
        ),
        (set_in(["derivations"], {"id": "x"}), "derivations", "应为列表"),
    ],
)
def test_errors_name_the_path_of_the_bad_field(change, path, words):
    with pytest.raises(DomainError) as err:
        parse_ruleset(mutated(change))
    message = str(err.value)
    assert message.startswith(f"{path}: "), message
    assert err.value.field == path
    assert words in message


def test_the_example_message_reads_as_documented():
    fourth = copy.deepcopy(BASE["rules"][0]) | {"id": "r4", "outcome": {"kind": "promote", "level": "技工"}}
    with pytest.raises(DomainError) as err:
        parse_ruleset(mutated(lambda d: d["rules"].append(fourth)))
    assert str(err.value) == "rules[3].outcome.level: 无法识别的职业技能等级：“技工”"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "规则文件为空"),
        ("id: [unclosed", "YAML 格式错误（第"),
        ("- just\n- a list\n", "应为键值映射"),
        ("id: a\n\tversion: 1", "YAML 格式错误"),
    ],
)
def test_broken_documents(text, words):
    with pytest.raises(DomainError) as err:
        parse_ruleset(text)
    assert str(err.value).startswith(words)


def test_a_broken_file_never_half_loads(tmp_path):
    good = mutated(lambda d: None)
    broken = mutated(set_in(["derivations", 0, "level_shift"], "down"))
    path = tmp_path / "rules.yaml"
    path.write_text(broken, encoding="utf-8")
    result = None
    with pytest.raises(DomainError, match=r"derivations\[0\]\.level_shift"):
        result = load_ruleset(path)
    assert result is None  # nothing was returned: every rule before the bad field was discarded too
    path.write_text(good, encoding="utf-8")
    assert load_ruleset(path) == parse_ruleset(good)


def test_round_trip_keeps_everything():
    def change(d):
        d["rules"].append(
            {
                "id": "young",
                "name": "青年",
                "source": "示例文件第五条",
                "when": {
                    "age_max": 35,
                    "age_basis": "fixed_date",
                    "age_date": "2024-12-31",
                    "genders": ["female"],
                    "team_sizes": [2, 3],
                    "level_min": "初级工",
                    "level_max": "高级工",
                    "entrants_min": 10,
                    "award_classes": ["一等奖", "second"],
                    "all_parts_passed": True,
                    "rank_min": 2,
                    "rank_max": 9,
                },
                "outcome": {"kind": "raise", "steps": 2, "cap": "技师"},
            }
        )
        d["rules"].append(
            {
                "id": "apply",
                "name": "申报",
                "source": "示例文件第六条",
                "when": {"top_n": 1},
                "outcome": {"kind": "eligible", "level": "高级技师", "if_held": "nothing"},
                "derived_from": "elsewhere",
            }
        )
        d["derivations"][0]["rules"] = ["top10"]

    ruleset = parse_ruleset(mutated(change))
    young = ruleset.rule("young")
    assert young.when.age_basis is AgeBasis.FIXED_DATE and young.outcome.kind is OutcomeKind.RAISE
    dumped = dump_ruleset(ruleset)
    assert parse_ruleset(dumped) == ruleset
    assert ruleset_from_data(ruleset_to_data(ruleset)) == ruleset
    assert dump_ruleset(parse_ruleset(dumped)) == dumped
    assert "技师" in dumped and "\\u" not in dumped


@pytest.mark.parametrize("preset_id", preset_ids())
def test_preset_files_are_documented_and_mark_inferred_defaults(preset_id):
    text = (resources.files("competition.promotion") / "presets" / f"{preset_id}.v1.yaml").read_text(
        encoding="utf-8"
    )
    data = yaml.safe_load(text)
    assert {"id", "version", "name", "source", "rules"} <= set(data)
    assert all(rule["source"] for rule in data["rules"])
    assert "(inferred)" in text
