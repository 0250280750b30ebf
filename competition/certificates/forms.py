"""Forms of the certificate pages: public look-up, revocation and reissue, batch printing, settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FloatField, SelectField, StringField, SubmitField
from wtforms.validators import NumberRange

from competition.forms import choice, length, optional, present, required


class VerifyForm(FlaskForm):
    """Look a certificate up by its number and the holder's name (both must match)."""

    number = StringField(_l("证书编号"), validators=[required(), length(40)])
    name = StringField(_l("持证人姓名"), validators=[required(), length(60)])
    submit = SubmitField(_l("查验"))


class ReasonForm(FlaskForm):
    """A reason for revoking or reissuing a certificate."""

    reason = StringField(_l("原因"), validators=[required(), length(300, 2)])


class PrintForm(FlaskForm):
    """Which certificates to print and how."""

    event_id = SelectField(_l("范围"), coerce=int, validate_choice=True)
    fmt = SelectField(
        _l("格式"),
        choices=[choice("pdf", _l("合并为一个 PDF（直接打印）")), choice("zip", _l("ZIP：每人一个 PDF"))],
        validate_choice=True,
    )
    overprint = BooleanField(_l("套打：按本单位的套打设置排版（仅合并 PDF）"))
    submit = SubmitField(_l("签发并生成打印文件"))


class PrefixForm(FlaskForm):
    """The prefix of the body's award and honour certificate numbers."""

    number_prefix = StringField(_l("证书编号前缀"), validators=[required(), length(12, 2)])
    submit = SubmitField(_l("保存前缀"))


class MarkForm(FlaskForm):
    """Upload an emblem, seal or signature image."""

    image = FileField(
        _l("图片（PNG 或 JPEG，不超过 1 MB）"), validators=[FileRequired(_l("请选择图片文件。"))]
    )
    submit = SubmitField(_l("上传"))


class OverprintForm(FlaskForm):
    """套打 offsets of one layout."""

    x_mm = FloatField(
        _l("水平偏移（毫米，向右为正）"),
        validators=[present(), NumberRange(-50, 50, _l("偏移应在 −50 到 50 毫米之间。"))],
    )
    y_mm = FloatField(
        _l("垂直偏移（毫米，向下为正）"),
        validators=[present(), NumberRange(-50, 50, _l("偏移应在 −50 到 50 毫米之间。"))],
    )
    fields_only = BooleanField(_l("只打印变量内容（用于预印证书纸）"), validators=[optional()])
    submit = SubmitField(_l("保存套打设置"))
