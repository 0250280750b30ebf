"""Rule sets as YAML: parse and validate into :mod:`competition.promotion.rules` dataclasses, and dump back.

Pure: standard library plus PyYAML (its safe loader, in C when available, and ``safe_dump`` only).
Format (keys are the dataclass field names; every key not listed here is an error)::

    id: tianjin-2024                # stored key, letters/digits/_ . - /
    version: 1                      # integer ≥ 1
    name: 天津市竞赛获奖选手晋升职业技能等级
    source: 天津市人社局 …（2024-10-25）
    settings: {max_level: 高级技师, one_promotion_per_year: true}     # optional, these are the defaults
    rules:
      - id: m1-staff
        name: 市级一类职工组前10名
        source: 同上，第一条
        when: {tiers: [municipal_1], groups: [staff], top_n: 10}
        outcome: {kind: promote, level: 技师, if_held: next_level}
    derivations:                    # optional: rules computed from the rules above
      - {id: municipal, name: 市级, source: …, tier_map: {provincial_1: municipal_1}, level_shift: -1}

``when`` keys: tiers, groups, rank_min, rank_max, top_n, top_percent, rounding (floor|ceil|half_up),
top_n_by_team_size ({1: 5, 2: 3, 3: 2}; the largest size may be written ``3+`` for "3 or more"),
award_classes, all_parts_passed, total_min, entrants_min, team_sizes, team_size_min, team_size_max
(1–10; ``team_size_min: 3`` = teams of 3 or more), age_min, age_max, age_basis (contest_date|fixed_date), age_date, genders, level_min, level_max.
``outcome`` keys: kind (promote|raise|title|eligible), level, if_held (next_level|nothing), steps, cap, title.
Enumerations accept their code or Chinese label (``municipal_1`` or ``市级一类``); levels accept every form
:meth:`SkillLevel.parse` does; decimals may be written as numbers or strings.

Every error is a :class:`DomainError` whose message starts with the path of the bad field
(``rules[3].outcome.level: 无法识别的职业技能等级：“技工”``) and whose ``field`` is that path. Parsing builds
the whole rule set or raises: a broken file never half-loads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from competition.domain import AwardClass, Gender, Group, SkillLevel, Tier
from competition.errors import N_, DomainError, Msg, Text
from competition.promotion.rules import (
    AgeBasis,
    Conditions,
    Derivation,
    IfHeld,
    Outcome,
    OutcomeKind,
    PromotionRule,
    Rounding,
    RuleSet,
    Settings,
)

E = TypeVar("E", bound=StrEnum)

_TOP_KEYS = {"id", "version", "name", "source", "settings", "rules", "derivations"}
_SETTINGS_KEYS = {"max_level", "one_promotion_per_year"}
_RULE_KEYS = {"id", "name", "source", "when", "outcome", "derived_from"}
_OUTCOME_KEYS = {"kind", "level", "if_held", "steps", "cap", "title"}
_DERIVATION_KEYS = {"id", "name", "source", "tier_map", "level_shift", "rules"}
_SET_CONDITIONS: dict[str, type[StrEnum]] = {
    "tiers": Tier,
    "groups": Group,
    "award_classes": AwardClass,
    "genders": Gender,
}
_INT_CONDITIONS = (
    "rank_min",
    "rank_max",
    "top_n",
    "entrants_min",
    "age_min",
    "age_max",
    "team_size_min",
    "team_size_max",
)
_CONDITION_KEYS = {
    *_SET_CONDITIONS,
    *_INT_CONDITIONS,
    "top_percent",
    "rounding",
    "top_n_by_team_size",
    "all_parts_passed",
    "total_min",
    "team_sizes",
    "age_basis",
    "age_date",
    "level_min",
    "level_max",
}


def _fail(path: str, message: str) -> DomainError:
    return DomainError(f"{path}: {message}" if path else message, field=path or None)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _mapping(value: Any, path: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, "应为键值映射")
    for key in value:
        if not isinstance(key, str) or key not in allowed:
            raise _fail(_join(path, str(key)), f"未知字段“{key}”")
    for key in sorted(required):
        if key not in value or value[key] is None:
            raise _fail(_join(path, key), "缺少必填字段")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, "应为非空文本")
    return value.strip()


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"应为整数，而不是“{value}”")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, f"应为 true 或 false，而不是“{value}”")
    return value


def _decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail(path, f"应为数值，而不是“{value}”")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _fail(path, f"应为数值，而不是“{value}”") from None
    if not number.is_finite():
        raise _fail(path, f"应为有限数值，而不是“{value}”")
    return number


def _date(value: Any, path: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(path, f"应为日期（YYYY-MM-DD），而不是“{value}”")


def _level(value: Any, path: str) -> SkillLevel:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _fail(path, f"无法识别的职业技能等级：“{value}”")
    try:
        return SkillLevel.parse(str(value))
    except DomainError as err:
        raise _fail(path, err.message) from None


def _enum(value: Any, path: str, enum: type[E]) -> E:
    if isinstance(value, str):
        text = value.strip()
        for member in enum:
            if text == member.value or text == getattr(member, "label", None):
                return member
    choices = "、".join(m.value for m in enum)
    raise _fail(path, f"无法识别的取值“{value}”，可选：{choices}")


def _list(value: Any, path: str) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return items


def _enum_set(value: Any, path: str, enum: type[E]) -> frozenset[E]:
    out: list[E] = []
    for i, item in enumerate(_list(value, path)):
        member = _enum(item, _join(path, i), enum)
        if member in out:
            raise _fail(_join(path, i), f"重复的取值“{item}”")
        out.append(member)
    if not out:
        raise _fail(path, "不能为空列表（不限制时请省略此字段）")
    return frozenset(out)


def _rebuild(path: str, build: Callable[[], Any]) -> Any:
    """Call a dataclass constructor, prefixing its validation error with ``path``."""
    try:
        return build()
    except DomainError as err:
        sub = err.field
        raise _fail(_join(path, sub) if sub else path, err.message) from None


def _conditions(value: Any, path: str) -> Conditions:
    data = _mapping(value, path, _CONDITION_KEYS, set())
    kwargs: dict[str, Any] = {}
    for key, raw in data.items():
        here = _join(path, key)
        if raw is None:
            raise _fail(here, "不能为空（不限制时请省略此字段）")
        if key in _SET_CONDITIONS:
            kwargs[key] = _enum_set(raw, here, _SET_CONDITIONS[key])
        elif key in _INT_CONDITIONS:
            kwargs[key] = _int(raw, here)
        elif key in ("top_percent", "total_min"):
            kwargs[key] = _decimal(raw, here)
        elif key == "rounding":
            kwargs[key] = _enum(raw, here, Rounding)
        elif key == "age_basis":
            kwargs[key] = _enum(raw, here, AgeBasis)
        elif key == "age_date":
            kwargs[key] = _date(raw, here)
        elif key in ("level_min", "level_max"):
            kwargs[key] = _level(raw, here)
        elif key == "all_parts_passed":
            kwargs[key] = _bool(raw, here)
        elif key == "team_sizes":
            sizes = [_int(item, _join(here, i)) for i, item in enumerate(_list(raw, here))]
            if not sizes:
                raise _fail(here, "不能为空列表（不限制时请省略此字段）")
            kwargs[key] = frozenset(sizes)
        elif key == "top_n_by_team_size":
            if not isinstance(raw, dict) or not raw:
                raise _fail(here, "应为“团队人数: 名次数”的映射，例如 {1: 5, 2: 3, 3+: 2}")
            pairs = []
            or_more: int | None = None
            for size, n in raw.items():
                size_path = _join(here, str(size))
                size_int = size
                if isinstance(size, str):
                    text = size.strip()
                    if text.endswith("+") and text[:-1].strip().isdigit():
                        size_int = or_more = int(text[:-1])
                    elif text.isdigit():
                        size_int = int(text)
                pairs.append((_int(size_int, size_path), _int(n, size_path)))
            if or_more is not None:
                if or_more != max(size for size, _ in pairs) or sum(s == or_more for s, _ in pairs) > 1:
                    raise _fail(
                        _join(here, f"{or_more}+"), "“N+”（及以上）只能用于最大的团队人数，且只写一次"
                    )
                kwargs["top_n_by_team_size_or_more"] = True
            kwargs[key] = tuple(pairs)
    when = _rebuild(path, lambda: Conditions(**kwargs))
    if when.is_empty:
        raise _fail(path, "规则至少需要一个条件")
    return when


def _outcome(value: Any, path: str) -> Outcome:
    data = _mapping(value, path, _OUTCOME_KEYS, {"kind"})
    kwargs: dict[str, Any] = {"kind": _enum(data["kind"], _join(path, "kind"), OutcomeKind)}
    for key, raw in data.items():
        here = _join(path, key)
        if key == "kind":
            continue
        if raw is None:
            raise _fail(here, "不能为空")
        if key in ("level", "cap"):
            kwargs[key] = _level(raw, here)
        elif key == "if_held":
            kwargs[key] = _enum(raw, here, IfHeld)
        elif key == "steps":
            kwargs[key] = _int(raw, here)
        elif key == "title":
            kwargs[key] = _str(raw, here)
    return _rebuild(path, lambda: Outcome(**kwargs))


def _rule(value: Any, path: str) -> PromotionRule:
    data = _mapping(value, path, _RULE_KEYS, {"id", "name", "source", "when", "outcome"})
    fields = {key: _str(data[key], _join(path, key)) for key in ("id", "name", "source")}
    when = _conditions(data["when"], _join(path, "when"))
    outcome = _outcome(data["outcome"], _join(path, "outcome"))
    raw_from = data.get("derived_from")
    derived_from = None if raw_from is None else _str(raw_from, _join(path, "derived_from"))
    return _rebuild(
        path,
        lambda: PromotionRule(**fields, when=when, outcome=outcome, derived_from=derived_from),
    )


def _derivation(value: Any, path: str) -> Derivation:
    data = _mapping(value, path, _DERIVATION_KEYS, {"id", "name", "source", "tier_map", "level_shift"})
    fields = {key: _str(data[key], _join(path, key)) for key in ("id", "name", "source")}
    raw_map = data["tier_map"]
    map_path = _join(path, "tier_map")
    if not isinstance(raw_map, dict) or not raw_map:
        raise _fail(map_path, "应为“原级别: 派生级别”的映射，例如 {provincial_1: municipal_1}")
    tier_map = tuple(
        (_enum(src, _join(map_path, str(src)), Tier), _enum(dst, _join(map_path, str(src)), Tier))
        for src, dst in raw_map.items()
    )
    rules_path = _join(path, "rules")
    rule_ids = tuple(
        _str(item, _join(rules_path, i)) for i, item in enumerate(_list(data.get("rules", []), rules_path))
    )
    shift = _int(data["level_shift"], _join(path, "level_shift"))
    return _rebuild(
        path,
        lambda: Derivation(**fields, tier_map=tier_map, level_shift=shift, rules=rule_ids),
    )


def _settings(value: Any, path: str) -> Settings:
    data = _mapping(value, path, _SETTINGS_KEYS, set())
    kwargs: dict[str, Any] = {}
    if "max_level" in data:
        kwargs["max_level"] = _level(data["max_level"], _join(path, "max_level"))
    if "one_promotion_per_year" in data:
        kwargs["one_promotion_per_year"] = _bool(
            data["one_promotion_per_year"], _join(path, "one_promotion_per_year")
        )
    return Settings(**kwargs)


def ruleset_from_data(data: Any) -> RuleSet:
    """Build and validate a :class:`RuleSet` from plain data (the result of ``yaml.safe_load``).

    ``data``: a mapping as in this module's docstring. Returns the rule set with derived rules computed.
    Raises :class:`DomainError` whose message and ``field`` name the path of the first bad field.
    """
    if data is None:
        raise _fail("", "规则文件为空")
    top = _mapping(data, "", _TOP_KEYS, {"id", "version", "name", "source", "rules"})
    fields = {key: _str(top[key], key) for key in ("id", "name", "source")}
    version = _int(top["version"], "version")
    settings = _settings(top["settings"], "settings") if "settings" in top else Settings()
    raw_rules = top["rules"]
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail("rules", "应为非空的规则列表")
    rules = tuple(_rule(item, f"rules[{i}]") for i, item in enumerate(raw_rules))
    raw_derivations = top.get("derivations", [])
    if not isinstance(raw_derivations, list):
        raise _fail("derivations", "应为列表")
    derivations = tuple(_derivation(item, f"derivations[{i}]") for i, item in enumerate(raw_derivations))
    return _rebuild(
        "",
        lambda: RuleSet(**fields, version=version, rules=rules, derivations=derivations, settings=settings),
    )


#: ``yaml.safe_load``'s loader, in C (libyaml) when PyYAML has it: a rule set parses about four times
#: faster, and the evaluation of a year parses each stored rule set once (benchmarks/promotion.py).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_ruleset(text: str) -> RuleSet:
    """Parse YAML ``text`` (with the safe loader of ``yaml.safe_load``) into a validated :class:`RuleSet`.

    Raises :class:`DomainError` for YAML syntax errors (with line and column) and for every invalid field
    (the message starts with the field's path). Never returns a partly built rule set.
    """
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark is not None else "未知位置"
        problem = getattr(err, "problem", None) or str(err)
        raise DomainError(
            N_("YAML 格式错误（%(where)s）：%(problem)s"), where=where, problem=problem
        ) from None
    return ruleset_from_data(data)


def load_ruleset(path: str | Path) -> RuleSet:
    """Read and parse the UTF-8 YAML file at ``path``.

    Raises :class:`DomainError` as :func:`parse_ruleset` does, ``OSError`` when the file cannot be read.
    """
    return parse_ruleset(Path(path).read_text(encoding="utf-8"))


def _level_out(level: SkillLevel) -> str:
    return level.label


def _conditions_out(when: Conditions) -> dict[str, Any]:
    out: dict[str, Any] = {}
    order = list(Tier), list(Group), list(AwardClass), list(Gender)
    for (key, _enum_cls), members in zip(_SET_CONDITIONS.items(), order, strict=True):
        values = getattr(when, key)
        if values:
            out[key] = [m.value for m in members if m in values]
    for key in ("rank_min", "rank_max", "top_n"):
        if getattr(when, key) is not None:
            out[key] = getattr(when, key)
    if when.top_percent is not None:
        out["top_percent"] = str(when.top_percent)
        out["rounding"] = when.rounding.value
    if when.top_n_by_team_size:
        cutoffs: dict[Any, int] = dict(when.top_n_by_team_size)
        if when.top_n_by_team_size_or_more:
            largest, n = when.top_n_by_team_size[-1]
            del cutoffs[largest]
            cutoffs[f"{largest}+"] = n
        out["top_n_by_team_size"] = cutoffs
    if when.all_parts_passed:
        out["all_parts_passed"] = True
    if when.total_min is not None:
        out["total_min"] = str(when.total_min)
    if when.entrants_min is not None:
        out["entrants_min"] = when.entrants_min
    if when.team_sizes:
        out["team_sizes"] = sorted(when.team_sizes)
    for key in ("team_size_min", "team_size_max"):
        if getattr(when, key) is not None:
            out[key] = getattr(when, key)
    for key in ("age_min", "age_max"):
        if getattr(when, key) is not None:
            out[key] = getattr(when, key)
    if when.age_basis is not AgeBasis.CONTEST_DATE:
        out["age_basis"] = when.age_basis.value
        out["age_date"] = when.age_date
    for key in ("level_min", "level_max"):
        level = getattr(when, key)
        if level is not None:
            out[key] = _level_out(level)
    return out


def _outcome_out(outcome: Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": outcome.kind.value}
    if outcome.level is not None:
        out["level"] = _level_out(outcome.level)
    if outcome.if_held is not IfHeld.NOTHING or outcome.kind in (OutcomeKind.PROMOTE, OutcomeKind.ELIGIBLE):
        out["if_held"] = outcome.if_held.value
    if outcome.steps is not None:
        out["steps"] = outcome.steps
    if outcome.cap is not None:
        out["cap"] = _level_out(outcome.cap)
    if outcome.title is not None:
        out["title"] = outcome.title
    return out


def ruleset_to_data(ruleset: RuleSet) -> dict[str, Any]:
    """Plain data for ``ruleset`` (hand-written rules and derivations; derived rules are recomputed on load).

    Levels are written by their Chinese name, enumerations by code, decimals as strings (exact).
    ``ruleset_from_data(ruleset_to_data(r)) == r``. Raises nothing.
    """
    rules = []
    for rule in ruleset.rules:
        item: dict[str, Any] = {
            "id": rule.id,
            "name": rule.name,
            "source": rule.source,
            "when": _conditions_out(rule.when),
            "outcome": _outcome_out(rule.outcome),
        }
        if rule.derived_from is not None:
            item["derived_from"] = rule.derived_from
        rules.append(item)
    data: dict[str, Any] = {
        "id": ruleset.id,
        "version": ruleset.version,
        "name": ruleset.name,
        "source": ruleset.source,
        "settings": {
            "max_level": _level_out(ruleset.settings.max_level),
            "one_promotion_per_year": ruleset.settings.one_promotion_per_year,
        },
        "rules": rules,
    }
    if ruleset.derivations:
        data["derivations"] = [
            {
                "id": d.id,
                "name": d.name,
                "source": d.source,
                "tier_map": {src.value: dst.value for src, dst in d.tier_map},
                "level_shift": d.level_shift,
                **({"rules": list(d.rules)} if d.rules else {}),
            }
            for d in ruleset.derivations
        ]
    return data


def dump_ruleset(ruleset: RuleSet) -> str:
    """``ruleset`` as YAML text (UTF-8 Chinese kept readable); ``parse_ruleset(dump_ruleset(r)) == r``."""
    return yaml.dump(ruleset_to_data(ruleset), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


class _Dumper(yaml.SafeDumper):
    """The safe dumper, writing labels marked for translation (``str`` subclasses) as plain strings."""


_Dumper.add_representer(Msg, yaml.SafeDumper.represent_str)
_Dumper.add_representer(Text, yaml.SafeDumper.represent_str)
