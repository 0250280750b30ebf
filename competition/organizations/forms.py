"""Forms for organizing bodies and units."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Regexp

from competition.forms import choices_of, length, optional, required
from competition.organizations.models import BodyKind, UnitKind

_REGION = Regexp(r"^\d{6}$", message=_l("行政区划代码应为 6 位数字，如 330600。"))


class BodyForm(FlaskForm):
    """An organizing body with its region and parent."""

    name = StringField(_l("名称"), validators=[required(), length(120)])
    kind = SelectField(_l("类型"), choices=choices_of(BodyKind), validators=[required()])
    region_code = StringField(_l("行政区划代码"), validators=[required(), _REGION])
    region_name = StringField(_l("所在地区"), validators=[required(), length(60)])
    parent_id = SelectField(_l("上级单位"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("保存"))


class UnitForm(FlaskForm):
    """An employer or school."""

    name = StringField(_l("单位名称"), validators=[required(), length(120)])
    kind = SelectField(_l("类型"), choices=choices_of(UnitKind), validators=[required()])
    credit_code = StringField(_l("统一社会信用代码（可选）"), validators=[optional(), length(30)])
    region_code = StringField(_l("行政区划代码"), validators=[required(), _REGION])
    region_name = StringField(_l("所在地区"), validators=[required(), length(60)])
    submit = SubmitField(_l("保存"))
