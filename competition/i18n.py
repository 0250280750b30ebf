"""Interface languages: Chinese (the default) and English (translations/en), switchable per user.

The locale of a request is, in order: the signed-in user's saved choice (``User.locale``), else the
visitor's choice kept in the session (the 中文/English switch in the page header), else Chinese.
``Accept-Language`` is deliberately not consulted for pages: the platform speaks Chinese unless asked
not to. JSON API answers follow :func:`api_language` (``Accept-Language``, then the token owner's
saved choice, then Chinese).

Strings of pure modules are marked with :func:`competition.errors.N_` and arrive here as
:class:`competition.errors.Msg`; they are translated where they are shown: every ``{{ … }}`` of a
template (the Jinja ``finalize`` hook), the parameters of ``_()`` in templates, select options
(:func:`competition.forms.choices_of`) and domain errors (:func:`error_text`).
"""

from __future__ import annotations

from typing import Any

import flask_babel
from babel import Locale
from flask import Flask, g, has_request_context, request, session
from flask_babel import LazyString, get_locale, refresh
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from competition.errors import DomainError, Joined, Msg, Text, is_marked

#: Language code (stored on the user, in the session and in forms) → Babel locale.
LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
#: Language code → its own name, for the switch (never translated: each reader finds their own).
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
SESSION_KEY = "language"


def language_code(value: str | None) -> str | None:
    """``"zh"`` or ``"en"`` when ``value`` is one of the supported codes, else ``None``."""
    return value if value in LOCALES else None


#: Language code → parsed Babel locale, made once: Flask-Babel passes what the selector returns to
#: ``Locale.parse``, which returns a ``Locale`` as it is but looks a string up on disk (a ``stat`` per
#: request, 5 % of a cached verification page's time under gunicorn).
_PARSED = {code: Locale.parse(name) for code, name in LOCALES.items()}


def select_locale() -> Locale:
    """The Babel locale of the current request (Flask-Babel's ``locale_selector``).

    Outside a request (CLI, background jobs) always Chinese, the language of stored text.
    """
    if not has_request_context():
        return _PARSED[DEFAULT_LANGUAGE]
    if is_api_call():
        return _PARSED[api_language()]
    from flask_login import current_user

    chosen = None
    try:
        if current_user and current_user.is_authenticated:
            chosen = language_code(getattr(current_user, "locale", None))
    except SQLAlchemyError:  # the database went away mid-request: the error page still needs a language
        chosen = None
    if chosen is None:
        chosen = language_code(session.get(SESSION_KEY))
    return _PARSED[chosen or DEFAULT_LANGUAGE]


def is_api_call() -> bool:
    """True for a request to the JSON API (``/api/v1``, not its reference page for people)."""
    return request.blueprint == "api" or request.endpoint == "api_docs.unknown"


def api_language() -> str:
    """The language of a JSON API answer: the first language of ``Accept-Language`` (by quality) that
    the platform speaks, else the token owner's saved choice, else Chinese.

    The header comes first because it is the caller's explicit choice for this request (HTTP clients
    such as curl and requests send none unless told to), while ``User.locale`` is a person's choice
    for the pages and a token may serve a system its owner does not read. The session and its cookie
    are never used by the API, so the page switch does not apply.
    """
    for tag, quality in request.accept_languages:
        code = language_code(tag.split("-")[0].split("_")[0].lower())
        if code is not None and quality > 0:
            return code
    user = g.get("api_user")
    try:
        chosen = language_code(getattr(user, "locale", None)) if user is not None else None
    except SQLAlchemyError:
        chosen = None
    return chosen or DEFAULT_LANGUAGE


def current_language() -> str:
    """``"zh"`` or ``"en"``: the language the current page is written in."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def html_lang() -> str:
    """The value of ``<html lang>`` for the current page: ``zh-CN`` or ``en``."""
    return "en" if current_language() == "en" else "zh-CN"


def translate(value: Any) -> Any:
    """``value`` translated when it is a marked string (:class:`Msg`, :class:`Text` made by
    ``fmt``, :class:`Joined` made by ``joined``), otherwise unchanged."""
    kind = type(value)
    if kind is Msg:
        return flask_babel.gettext(value)
    if kind is Text:
        return _fill(value.template, value.params)
    if kind is Joined:
        return flask_babel.gettext(value.separator).join(str(translate(item)) for item in value.items)
    return value


def lazy_label(label: Any) -> Any:
    """``label`` translated when shown (for select options built at import time), when marked."""
    if is_marked(label):
        return LazyString(translate, label)
    return label


def _fill(template: str, params: dict[str, Any]) -> str:
    translated = {name: translate(item) for name, item in params.items()}
    return flask_babel.gettext(template, **translated) if translated else flask_babel.gettext(template)


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's ``gettext`` with marked parameters (e.g. a level's name) translated too."""
    return _fill(string, variables)


def error_text(error: DomainError) -> str:
    """The message of ``error`` in the reader's language.

    Messages marked with ``N_`` are translated, their ``%(name)s`` parameters filled after
    translation (marked parameters, e.g. a level's name, translated too); unmarked messages (built
    with f-strings) are shown as raised, in Chinese.
    """
    template = getattr(error, "template", None)
    if type(template) is not Msg:
        return error.message
    return _fill(template, error.params)


@pass_context
def _template_gettext(context: Any, string: str, **variables: Any) -> str:
    # Jinja's "newstyle" gettext (every string is a format string, %% for a percent sign), with
    # marked parameters (e.g. a part's name) translated as well.
    text = flask_babel.gettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % {name: translate(value) for name, value in variables.items()}


@pass_context
def _template_ngettext(context: Any, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    text = flask_babel.ngettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % {name: translate(value) for name, value in variables.items()}


def _finalize(value: Any) -> Any:
    kind = type(value)
    if kind is Msg or kind is Text or kind is Joined:
        return translate(value)
    return value


def init_app(app: Flask) -> None:
    """Install the translation of marked strings in templates and ``html_lang``/``language`` globals.

    Call after ``babel.init_app`` (which installs the plain gettext callables this replaces).
    """
    # Flask-Babel caches the locale on ``g``, which lives as long as the app context: a request
    # must decide its own locale, never inherit one from an earlier request in the same context.
    app.before_request(refresh)
    env = app.jinja_env
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    env.finalize = _finalize
    env.filters["translate"] = translate
    env.globals.update(
        html_lang=html_lang,
        current_language=current_language,
        language_names=LANGUAGE_NAMES,
    )
