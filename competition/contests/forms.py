"""Contest and event set-up forms."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import NumberRange

from competition.domain import Group, PartKind, SkillLevel, Tier
from competition.forms import choice, choices_of, length, optional, present, required


class ContestForm(FlaskForm):
    """A contest's name, tier, bodies, venue and schedule."""

    name = StringField(_l("竞赛名称"), validators=[required(), length(120)])
    year = IntegerField(
        _l("年度"),
        validators=[present(), NumberRange(2000, 2100, message=_l("年度应在 2000 到 2100 之间。"))],
    )
    tier = SelectField(_l("竞赛级别"), choices=choices_of(Tier), validators=[required()])
    co_organizer_ids = SelectMultipleField(_l("协办单位（可多选）"), coerce=int, validate_choice=True)
    venue = StringField(_l("比赛地点"), validators=[required(), length(200)])
    starts_on = DateField(_l("比赛开始日期"), validators=[present()], render_kw={"placeholder": "2026-10-26"})
    ends_on = DateField(_l("比赛结束日期"), validators=[present()])
    registration_opens_at = DateTimeLocalField(
        _l("报名开始时间"), validators=[optional()], format="%Y-%m-%dT%H:%M"
    )
    registration_closes_at = DateTimeLocalField(
        _l("报名截止时间"), validators=[optional()], format="%Y-%m-%dT%H:%M"
    )
    description = TextAreaField(_l("竞赛通知与说明"), validators=[optional(), length(5000)])
    version = HiddenField()
    submit = SubmitField(_l("保存"))


class EventForm(FlaskForm):
    """An event: occupation, group, team size, level, and the weights of its parts."""

    occupation_name = StringField(_l("职业（工种）名称"), validators=[required(), length(60)])
    occupation_code = StringField(
        _l("职业编码（可选）"), validators=[optional(), length(16)], render_kw={"placeholder": "6-18-02-04"}
    )
    work_type = StringField(_l("工种/职业方向（可选）"), validators=[optional(), length(60)])
    group = SelectField(_l("组别"), choices=choices_of(Group), validators=[required()])
    team_size = IntegerField(
        _l("每队人数（个人赛填 1）"),
        default=1,
        validators=[present(), NumberRange(1, 10, message=_l("每队人数应在 1 到 10 之间。"))],
    )
    level = SelectField(
        _l("试题难度对应等级"),
        default=SkillLevel.SENIOR_WORKER.value,
        choices=[choice(lvl.value, lvl.certificate_label) for lvl in SkillLevel if lvl.grade is not None],
    )
    capacity = IntegerField(
        _l("名额上限（可选）"),
        validators=[optional(), NumberRange(1, 100000, message=_l("名额应为正整数。"))],
    )
    theory_weight = DecimalField(
        _l("理论知识 权重（%）"), places=2, validators=[optional()], default=Decimal(30)
    )
    theory_pass = DecimalField(_l("理论知识 合格分"), places=2, validators=[optional()], default=Decimal(60))
    practical_weight = DecimalField(
        _l("技能操作 权重（%）"), places=2, validators=[optional()], default=Decimal(70)
    )
    practical_pass = DecimalField(
        _l("技能操作 合格分"), places=2, validators=[optional()], default=Decimal(60)
    )
    defence_weight = DecimalField(_l("答辩 权重（%）"), places=2, validators=[optional()])
    defence_pass = DecimalField(_l("答辩 合格分"), places=2, validators=[optional()], default=Decimal(60))
    version = HiddenField()
    submit = SubmitField(_l("保存赛项"))

    PART_FIELDS = (
        (PartKind.THEORY, "theory_weight", "theory_pass"),
        (PartKind.PRACTICAL, "practical_weight", "practical_pass"),
        (PartKind.DEFENCE, "defence_weight", "defence_pass"),
    )


class JudgeSeatForm(FlaskForm):
    """Seat an existing judge account on an event's panel."""

    username = StringField(_l("裁判员用户名"), validators=[required(), length(64)])
    position = SelectField(
        _l("职务"), choices=[choice("judge", _l("裁判员")), choice("chief_judge", _l("裁判长"))]
    )
    submit = SubmitField(_l("加入裁判组"))
