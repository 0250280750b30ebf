"""Form helpers shared by every feature: Chinese messages and mapping domain errors onto fields."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from competition.errors import DomainError
from competition.i18n import error_text, lazy_label


def required() -> DataRequired:
    """A required-field validator with a Chinese message."""
    return DataRequired(message=_l("此项为必填项。"))


def present() -> InputRequired:
    """Required, judged on what was typed, so a malformed date or number keeps its own message."""
    return InputRequired(message=_l("此项为必填项。"))


def length(maximum: int, minimum: int = 0) -> Length:
    """A length validator with a Chinese message."""
    return Length(min=minimum, max=maximum, message=_l("长度应在 %(min)d 到 %(max)d 个字符之间。"))


optional = Optional


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Attach ``error`` to the form field it names, or flash it when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*list(field.errors), error_text(error)]
    else:
        flash(error_text(error), "danger")


def choice(value: Any, label: Any) -> SelectChoice:
    """One option of a select field; a label marked for translation is shown translated."""
    return SelectChoice(value, lazy_label(label))


def choices_of(enum_cls: Any) -> list[SelectChoice]:
    """The options of a select field for a ``StrEnum``: its values, labelled in the reader's language."""
    return [SelectChoice(member.value, lazy_label(member.label)) for member in enum_cls]
