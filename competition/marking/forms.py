"""Forms of marking and results: uploads, panels, award policy, publication, appeals, chief judge's actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange

from competition.forms import choice, length, optional, required
from competition.marking.models import AwardPolicyKind, Ruling

_DATETIME = "%Y-%m-%dT%H:%M"


class UploadForm(FlaskForm):
    """One uploaded file (scheme workbook or exam export)."""

    file = FileField(_l("文件"), validators=[FileRequired(message=_l("请选择要上传的文件。"))])


class PanelForm(FlaskForm):
    """The judges of one part's panel (choices set by the view)."""

    part = HiddenField()
    judges = SelectMultipleField(_l("评分裁判"), coerce=int)


class PolicyForm(FlaskForm):
    """Award policy, appeal window and the event's end time."""

    award_policy = SelectField(
        _l("奖项设置方式"),
        choices=[choice(k.value, k.label) for k in AwardPolicyKind],
        validators=[required()],
    )
    award_sizes = StringField(
        _l("一、二、三等奖名额或百分比"),
        validators=[optional(), length(40)],
        description=_l("如 1,2,3 或 10,20,30"),
    )
    appeal_window_hours = IntegerField(
        _l("申诉时限（比赛结束后小时数）"),
        validators=[required(), NumberRange(min=0, max=720, message=_l("应在 0 到 720 之间。"))],
    )
    ends_at = DateTimeLocalField(_l("本赛项比赛结束时间"), format=_DATETIME, validators=[optional()])


class ReasonForm(FlaskForm):
    """An action that needs a reason (unlock, re-publish)."""

    reason = StringField(_l("原因"), validators=[optional(), length(300)])


class AppealForm(FlaskForm):
    """A written appeal received by the 监督仲裁组."""

    competitor_number = StringField(_l("参赛号"), validators=[required(), length(16)])
    appellant = StringField(_l("申诉人"), validators=[required(), length(60)])
    content = TextAreaField(_l("申诉内容"), validators=[required(), length(4000)])
    lodged_at = DateTimeLocalField(_l("收到申诉的时间"), format=_DATETIME, validators=[required()])


class RulingForm(FlaskForm):
    """The arbitration group's ruling on one appeal."""

    ruling = SelectField(
        _l("裁决"),
        choices=[choice(r.value, r.label) for r in (Ruling.UPHELD, Ruling.DISMISSED)],
        validators=[required()],
    )
    ruling_text = TextAreaField(_l("裁决意见"), validators=[required(), length(4000)])
    remark_part = SelectField(_l("需要重新评分的部分"), validators=[optional()])


class RescoreForm(FlaskForm):
    """The chief judge asks judges to re-score one mark."""

    registration_id = HiddenField(validators=[required()])
    aspect_code = HiddenField(validators=[required()])
    judges = SelectMultipleField(_l("重新评分的裁判"), coerce=int)
    reason = StringField(_l("原因"), validators=[required(), length(300)])


class OverrideForm(FlaskForm):
    """The chief judge lets a judge mark a competitor of their own unit."""

    registration_id = HiddenField(validators=[required()])
    judge_id = HiddenField(validators=[required()])
    reason = StringField(_l("解除回避的原因"), validators=[required(), length(300)])


class RelationForm(FlaskForm):
    """The chief judge lists a relation (关系回避) between a judge and a competitor number."""

    competitor_number = StringField(_l("参赛号"), validators=[required(), length(16)])
    judge_id = SelectField(_l("裁判"), coerce=int, validators=[required()])
    relation = StringField(_l("关系（如亲属、师徒、同事）"), validators=[required(), length(100)])
