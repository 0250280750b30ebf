"""The form of the API token page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from competition.forms import choice, length, required

#: Validity choices in days; "0" means until revoked.
VALIDITY_CHOICES = [
    choice("90", _l("90 天")),
    choice("30", _l("30 天")),
    choice("365", _l("1 年")),
    choice("0", _l("长期有效（直到吊销）")),
]


class TokenForm(FlaskForm):
    """Name a new token and choose how long it stays valid."""

    name = StringField(
        _l("令牌名称"), validators=[required(), length(60)], description=_l("如：理论考试系统")
    )
    valid_days = SelectField(_l("有效期"), choices=VALIDITY_CHOICES, default="90")
