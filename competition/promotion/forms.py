"""Forms of promotion and honours, and the form-based rule-set editor's translation to and from the
rule-set data of :mod:`competition.promotion.ruleset_yaml` (which validates it and names bad paths)."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange

from competition.domain import AwardClass, Gender, Group, SkillLevel, Tier
from competition.errors import DomainError
from competition.forms import choice, length, optional, present, required
from competition.promotion.models import HonourPeriod, LevelOrigin
from competition.promotion.rules import IfHeld, OutcomeKind, Rounding

LEVEL_CHOICES = [choice(level.value, level.certificate_label) for level in SkillLevel]


class ChoosePresetForm(FlaskForm):
    """Use a shipped preset, or copy it into an editable rule set, for the contest or one event."""

    preset = SelectField(_l("预置规则"), validators=[required()])
    mode = SelectField(
        _l("方式"),
        choices=[
            choice("use", _l("直接采用（只读，随预置版本）")),
            choice("clone", _l("复制为本竞赛可编辑的规则")),
        ],
        validators=[required()],
    )
    event_id = SelectField(_l("适用范围"), validators=[optional()])


class ImportForm(FlaskForm):
    """A rule set as YAML: pasted or uploaded."""

    yaml_text = TextAreaField(_l("YAML 文本"), validators=[optional()])
    file = FileField(_l("或上传 YAML 文件"))


class ReasonForm(FlaskForm):
    """An action that needs a reason (reject, restore, leave out)."""

    action = HiddenField()
    reason = TextAreaField(_l("原因"), validators=[optional(), length(500)])


class AdjustForm(FlaskForm):
    """Change the level a decision gives, with a reason."""

    level = SelectField(_l("调整为"), choices=LEVEL_CHOICES, validators=[required()])
    reason = TextAreaField(_l("调整原因"), validators=[optional(), length(500)])


class LevelRecordForm(FlaskForm):
    """A level gained by direct recognition or evaluation."""

    level = SelectField(_l("职业技能等级"), choices=LEVEL_CHOICES, validators=[required()])
    origin = SelectField(
        _l("取得方式"),
        choices=[choice(o.value, o.label) for o in (LevelOrigin.DIRECT, LevelOrigin.EVALUATION)],
        validators=[required()],
    )
    gained_on = DateField(_l("取得日期"), validators=[present()])
    source = StringField(_l("依据（文件、评价机构）"), validators=[required(), length(500)])
    certificate_number = StringField(_l("证书编号"), validators=[optional(), length(32)])


class ProgrammeForm(FlaskForm):
    """A new honour programme."""

    title = StringField(_l("称号"), validators=[required(), length(100)])
    issuing_body = StringField(_l("授予单位"), validators=[required(), length(200)])
    period = SelectField(
        _l("评选周期"), choices=[choice(p.value, p.label) for p in HonourPeriod], validators=[required()]
    )
    quota = IntegerField(
        _l("每批名额"), validators=[present(), NumberRange(min=1, max=10000, message=_l("名额至少为 1。"))]
    )
    age_max = IntegerField(_l("年龄上限（不填为不限）"), validators=[optional()])
    min_level = SelectField(
        _l("最低职业技能等级"), choices=[choice("", _l("不限")), *LEVEL_CHOICES], validators=[optional()]
    )
    required_titles = StringField(
        _l("须已获得的称号（任一即可，用顿号或逗号分隔）"), validators=[optional(), length(300)]
    )
    description = TextAreaField(_l("说明"), validators=[optional(), length(2000)])


class BatchForm(FlaskForm):
    """Open a batch of a programme."""

    year = IntegerField(_l("年度"), validators=[present()])
    age_reference_date = DateField(_l("年龄计算日期"), validators=[present()])


class ResultsNominationForm(FlaskForm):
    """Nominate from results: confirmed title decisions, and optionally the top ranks of a contest."""

    contest_id = SelectField(_l("并推荐此竞赛的前几名"), validators=[optional()])
    top_n = IntegerField(_l("名次（含）"), validators=[optional()])


class UnitNominationForm(FlaskForm):
    """A unit's nomination with supporting material."""

    id_number = StringField(_l("被推荐人证件号码"), validators=[required(), length(32)])
    unit_id = SelectField(_l("推荐单位"), validators=[optional()])
    material = TextAreaField(_l("推荐材料（主要事迹）"), validators=[required(), length(5000)])
    achievements = TextAreaField(_l("主要成绩（每行一条）"), validators=[optional(), length(3000)])
    file = FileField(_l("附件（可选，PDF 或图片，不超过 5 MB）"))


class UnitContactNominationForm(FlaskForm):
    """A unit contact nominates one of their own unit's people, with material and a supporting file."""

    competitor_id = SelectField(_l("被推荐人（本单位人员）"), validators=[required()])
    material = TextAreaField(_l("推荐材料（主要事迹）"), validators=[required(), length(5000)])
    achievements = TextAreaField(_l("主要成绩（每行一条）"), validators=[optional(), length(3000)])
    file = FileField(_l("证明材料（PDF、JPEG 或 PNG，不超过 5 MB）"))


class NominationReviewForm(FlaskForm):
    """Select a nomination or leave it out."""

    action = HiddenField()
    reason = StringField(_l("意见"), validators=[optional(), length(500)])


# ---- the form-based rule-set editor -----------------------------------------------------------------

SET_FIELDS: dict[str, list[tuple[str, str]]] = {
    "tiers": [(t.value, t.label) for t in Tier],
    "groups": [(g.value, g.label) for g in Group],
    "award_classes": [(a.value, a.label) for a in AwardClass],
    "genders": [(g.value, g.label) for g in Gender],
}
INT_FIELDS = (
    "rank_min",
    "rank_max",
    "top_n",
    "entrants_min",
    "age_min",
    "age_max",
    "team_size_min",
    "team_size_max",
)
DECIMAL_FIELDS = ("top_percent", "total_min")
LEVEL_FIELDS = ("level_min", "level_max")
#: Team-size conditions written as text: ``team_sizes`` "2, 3"; ``top_n_by_team_size`` "1:5, 2:3, 3+:2".
TEXT_FIELDS = ("team_sizes", "top_n_by_team_size")
#: Conditions the form shows; others (fixed age dates) are carried unchanged.
FORM_CONDITIONS = {
    *SET_FIELDS,
    *INT_FIELDS,
    *DECIMAL_FIELDS,
    *LEVEL_FIELDS,
    *TEXT_FIELDS,
    "rounding",
    "all_parts_passed",
}
OUTCOME_KINDS = [
    (
        k.value,
        {
            "promote": _l("晋升到"),
            "raise": _l("晋升 N 级"),
            "title": _l("授予称号"),
            "eligible": _l("取得申报资格"),
        }[k.value],
    )
    for k in OutcomeKind
]
IF_HELD = [
    (IfHeld.NOTHING.value, _l("已有该等级者不再晋升")),
    (IfHeld.NEXT_LEVEL.value, _l("已有该等级者晋升高一级")),
]
ROUNDINGS = [(r.value, r.label) for r in Rounding]
LEVELS = [(level.label, level.certificate_label) for level in SkillLevel]


def _level_name(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        return SkillLevel.parse(str(value)).label
    except DomainError:
        return str(value)


def editor_rules(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat dict per rule of ``data`` for the editor template (``extra`` = JSON of other conditions)."""
    rows = []
    for rule in data.get("rules", []):
        when = dict(rule.get("when") or {})
        outcome = dict(rule.get("outcome") or {})
        extra = {k: v for k, v in when.items() if k not in FORM_CONDITIONS}
        row: dict[str, Any] = {
            "id": rule.get("id", ""),
            "name": rule.get("name", ""),
            "source": rule.get("source", ""),
            "derived_from": rule.get("derived_from") or "",
            "extra": json.dumps(extra, ensure_ascii=False, default=str) if extra else "",
            "kind": outcome.get("kind", "promote"),
            "level": _level_name(outcome.get("level")),
            "if_held": outcome.get("if_held", IfHeld.NOTHING.value),
            "steps": outcome.get("steps", ""),
            "cap": _level_name(outcome.get("cap")),
            "title": outcome.get("title", ""),
            "rounding": when.get("rounding", Rounding.FLOOR.value),
            "all_parts_passed": bool(when.get("all_parts_passed")),
        }
        for key in SET_FIELDS:
            row[key] = [str(v) for v in when.get(key, [])]
        for key in (*INT_FIELDS, *DECIMAL_FIELDS):
            value = when.get(key)
            row[key] = "" if value is None else str(value)
        for key in LEVEL_FIELDS:
            row[key] = _level_name(when.get(key))
        sizes = when.get("team_sizes") or []
        row["team_sizes"] = ", ".join(str(v) for v in (sizes if isinstance(sizes, list) else [sizes]))
        cutoffs = when.get("top_n_by_team_size") or {}
        row["top_n_by_team_size"] = (
            ", ".join(f"{size}:{n}" for size, n in cutoffs.items()) if isinstance(cutoffs, dict) else ""
        )
        rows.append(row)
    return rows


def blank_rule(index: int) -> dict[str, Any]:
    """An empty rule for the editor's "add a rule" button."""
    return editor_rules({"rules": [{"id": f"rule-{index + 1}", "when": {}, "outcome": {"kind": "promote"}}]})[
        0
    ]


def _int_or_text(text: str) -> Any:
    text = text.strip()
    return int(text) if text.lstrip("-").isdigit() else text


def _items(text: str) -> list[str]:
    """Comma-separated items (ASCII or Chinese commas, 顿号), blanks dropped."""
    for sep in ("，", "、", ";", "；"):
        text = text.replace(sep, ",")
    return [item.strip() for item in text.split(",") if item.strip()]


def _cutoffs(items: list[str]) -> Any:
    """``["1:5", "3+:2"]`` → ``{1: 5, "3+": 2}``; a malformed item is passed on as text so the validator
    names the path (``rules[0].when.top_n_by_team_size``)."""
    out: dict[Any, Any] = {}
    for item in items:
        size, sep, n = item.replace("：", ":").partition(":")
        if not sep:
            return ", ".join(items)
        size = size.strip()
        out[int(size) if size.isdigit() else size] = _int_or_text(n)
    return out


def data_from_editor(form: MultiDict) -> dict[str, Any]:
    """Rule-set data from the editor's fields (``rules-<i>-<field>``), for
    :func:`~competition.promotion.ruleset_yaml.ruleset_from_data` to validate. Unparseable numbers are
    passed through as typed so the validator names the path of the bad field."""
    count = int(form.get("rule_count", "0") or 0)
    rules = []
    for i in range(count):
        prefix = f"rules-{i}-"
        if form.get(prefix + "delete"):
            continue
        when: dict[str, Any] = {}
        extra = form.get(prefix + "extra", "").strip()
        if extra:
            try:
                when.update(json.loads(extra))
            except ValueError:
                when["extra"] = extra
        for key in SET_FIELDS:
            values = form.getlist(prefix + key)
            if values:
                when[key] = values
        for key in INT_FIELDS:
            value = form.get(prefix + key, "").strip()
            if value:
                when[key] = _int_or_text(value)
        for key in DECIMAL_FIELDS:
            value = form.get(prefix + key, "").strip()
            if value:
                when[key] = value
        if "top_percent" in when:
            when["rounding"] = form.get(prefix + "rounding", Rounding.FLOOR.value)
        for key in LEVEL_FIELDS:
            value = form.get(prefix + key, "").strip()
            if value:
                when[key] = value
        if form.get(prefix + "all_parts_passed"):
            when["all_parts_passed"] = True
        sizes = _items(form.get(prefix + "team_sizes", ""))
        if sizes:
            when["team_sizes"] = [_int_or_text(v) for v in sizes]
        cutoffs = _items(form.get(prefix + "top_n_by_team_size", ""))
        if cutoffs:
            when["top_n_by_team_size"] = _cutoffs(cutoffs)
        kind = form.get(prefix + "kind", "promote")
        outcome: dict[str, Any] = {"kind": kind}
        if kind in ("promote", "eligible"):
            if form.get(prefix + "level", "").strip():
                outcome["level"] = form.get(prefix + "level").strip()
            outcome["if_held"] = form.get(prefix + "if_held", IfHeld.NOTHING.value)
        elif kind == "raise":
            if form.get(prefix + "steps", "").strip():
                outcome["steps"] = _int_or_text(form.get(prefix + "steps"))
            if form.get(prefix + "cap", "").strip():
                outcome["cap"] = form.get(prefix + "cap").strip()
        elif kind == "title" and form.get(prefix + "title", "").strip():
            outcome["title"] = form.get(prefix + "title").strip()
        rule: dict[str, Any] = {
            "id": form.get(prefix + "id", "").strip(),
            "name": form.get(prefix + "name", "").strip(),
            "source": form.get(prefix + "source", "").strip(),
            "when": when,
            "outcome": outcome,
        }
        if form.get(prefix + "derived_from", "").strip():
            rule["derived_from"] = form.get(prefix + "derived_from").strip()
        rules.append(rule)
    data: dict[str, Any] = {
        "id": form.get("id", "").strip(),
        "version": _int_or_text(form.get("version", "1")),
        "name": form.get("name", "").strip(),
        "source": form.get("source", "").strip(),
        "settings": {
            "max_level": form.get("max_level", "高级技师"),
            "one_promotion_per_year": bool(form.get("one_promotion_per_year")),
        },
        "rules": rules,
    }
    derivations = form.get("derivations", "").strip()
    if derivations:
        try:
            data["derivations"] = json.loads(derivations)
        except ValueError:
            data["derivations"] = derivations
    return data
