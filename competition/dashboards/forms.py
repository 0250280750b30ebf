"""Forms of the dashboards: a body's yearly targets, and the contact printed on the public notice."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange

from competition.dashboards.targets import MAX_TARGET, Measure
from competition.domain import SkillLevel
from competition.forms import choice, length, optional, required


def _target_field(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            optional(),
            NumberRange(min=0, max=MAX_TARGET, message=_l("应为 0 到 %(max)d 之间的整数。", max=MAX_TARGET)),
        ],
    )


class TargetForm(FlaskForm):
    """One number per :class:`Measure` (empty = no target), the level the 高技能 counts start at,
    the source of the numbers, and the stored row's version (stale edits are refused)."""

    contests = _target_field(_l("举办竞赛（场）"))
    events = _target_field(_l("竞赛项目（赛项，项）"))
    competitors = _target_field(_l("参赛选手（人）"))
    promotions = _target_field(_l("竞赛晋升等级（人次）"))
    promotions_high = _target_field(_l("其中晋升到下列等级及以上（人次）"))
    titles = _target_field(_l("授予荣誉称号（人次）"))
    certificates = _target_field(_l("签发证书（张）"))
    certificates_high = _target_field(_l("其中下列等级及以上职业技能等级证书（张）"))
    high_level = SelectField(_l("高技能起点等级"), validators=[required()])
    note = TextAreaField(_l("目标依据（文件名称、条款）"), validators=[optional(), length(500)])
    version = HiddenField()

    MEASURE_FIELDS = tuple(m.value for m in Measure)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.high_level.choices = [
            choice(level.value, level.label)
            for level in (
                SkillLevel.INTERMEDIATE_WORKER,
                SkillLevel.SENIOR_WORKER,
                SkillLevel.TECHNICIAN,
                SkillLevel.SENIOR_TECHNICIAN,
            )
        ]


class NoticeForm(FlaskForm):
    """Who receives objections during the notice period, and the date the notice is signed."""

    class Meta:
        csrf = False  # a GET form that only renders a PDF

    department = StringField(_l("异议受理部门"), validators=[required(), length(100)])
    phone = StringField(_l("联系电话"), validators=[required(), length(40)])
    address = StringField(_l("地址或电子邮箱"), validators=[optional(), length(120)])
    signed_on = DateField(_l("落款日期"), validators=[required()])
