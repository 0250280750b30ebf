"""Forms of the portal and the competitor's own pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from competition.forms import length, required


class MyAppealForm(FlaskForm):
    """A competitor's own written appeal (申诉) to the 监督仲裁组."""

    content = TextAreaField(_l("申诉事项和理由"), validators=[required(), length(2000)])
