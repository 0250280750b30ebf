"""The two kinds of error the platform raises (pure; standard library only).

* :class:`DomainError` — a user's or organizer's mistake (bad input, a forbidden
  transition). Its message is Chinese and is shown on the form or flashed.
* :class:`InvariantError` — a broken invariant: a bug, never the user's fault.

Interface strings of pure modules are marked with :func:`N_` (a no-op that pybabel extracts, see
babel.cfg) and translated where they are shown (competition/i18n.py), so pure modules never import
Flask-Babel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Msg(str):
    """A Chinese interface string marked for translation: a ``str`` in every respect.

    The display layer (competition/i18n.py) translates a ``Msg`` into the reader's language; text
    derived from it (``f"{label}…"``, ``label + "…"``) is a plain ``str`` and stays as it is.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[str]]:  # pickled (to worker processes) as a plain str
        return (str, (str(self),))


def N_(text: str) -> Msg:
    """Mark ``text`` (a literal Chinese message, ``%(name)s`` placeholders allowed) for translation.

    Returns it unchanged as a :class:`Msg`; pybabel extracts every ``N_("…")`` into the catalogue.
    """
    return Msg(text)


class Text(str):
    """A marked message with its parameters filled in: the Chinese text, plus ``template`` and
    ``params`` kept apart so the display layer can show it translated (see :func:`fmt`)."""

    __slots__ = ("params", "template")

    template: str
    params: dict[str, Any]

    def __reduce__(self) -> tuple[type, tuple[str]]:  # pickled (to worker processes) as a plain str
        return (str, (str(self),))

    def __new__(cls, template: str, params: dict[str, Any]) -> Text:
        text = super().__new__(cls, template % params if params else template)
        text.template = template
        text.params = params
        return text


def fmt(template: str, **params: Any) -> Text:
    """``template % params`` (``template`` marked with :func:`N_`), translatable where it is shown.

    ``fmt(N_("赛项“%(title)s”尚未指定裁判长。"), title=title)`` equals the f-string it replaces.
    """
    return Text(template, params)


class Joined(str):
    """Items joined by a marked separator (``、``, ``；``): the Chinese text, plus ``items`` and
    ``separator`` kept apart so the display layer can translate each item and the separator (see
    :func:`joined`)."""

    __slots__ = ("items", "separator")

    items: tuple[Any, ...]
    separator: str

    def __reduce__(self) -> tuple[type, tuple[str]]:  # pickled (to worker processes) as a plain str
        return (str, (str(self),))

    def __new__(cls, items: tuple[Any, ...], separator: str) -> Joined:
        text = super().__new__(cls, separator.join(str(item) for item in items))
        text.items = items
        text.separator = separator
        return text


def joined(items: Any, separator: str = "、") -> Joined:
    """``separator.join(items)``, translatable where it is shown: marked items (:class:`Msg`,
    :class:`Text`) are translated one by one, the separator (one of :data:`SEPARATORS`) becomes
    the reader's own (``、`` → ``, ``; ``；`` → ``; ``)."""
    if separator not in SEPARATORS:
        raise InvariantError(f"unknown separator {separator!r}")
    return Joined(tuple(items), separator)


#: Separators :func:`joined` accepts, each marked so the catalogue gives its English form.
SEPARATORS = (N_("、"), N_("；"), N_("，"), N_(", "))


def render(value: Any, gettext: Callable[[str], str]) -> Any:
    """``value`` in the language of ``gettext`` (``str`` → translated ``str``, e.g. the ``gettext``
    method of a :class:`gettext.GNUTranslations`) when it is a marked message (:class:`Msg`,
    :class:`Text`, :class:`Joined`), its parameters rendered too; anything else unchanged.

    The counterpart of :func:`competition.i18n.translate` for code that runs without Flask (the
    scoring CLI); with ``gettext`` the identity it gives the Chinese text.
    """
    kind = type(value)
    if kind is Msg:
        return gettext(value)
    if kind is Text:
        params = {name: render(item, gettext) for name, item in value.params.items()}
        return gettext(value.template) % params if params else gettext(value.template)
    if kind is Joined:
        return gettext(value.separator).join(str(render(item, gettext)) for item in value.items)
    return value


def to_data(value: Any) -> Any:
    """``value`` (a marked message: :class:`Msg`, :class:`Text`, :class:`Joined`, or plain data) as
    JSON-able data that :func:`from_data` turns back into the same marked message, so a message can
    be stored (in a JSON column) and still be shown translated. ``Decimal`` and other non-JSON
    values become their text; a plain ``str`` stays a ``str`` (shown as stored)."""
    kind = type(value)
    if kind is Msg:
        return {"m": str(value)}
    if kind is Text:
        return {"t": value.template, "p": {name: to_data(item) for name, item in value.params.items()}}
    if kind is Joined:
        return {"j": [to_data(item) for item in value.items], "s": value.separator}
    if isinstance(value, str):
        return str(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [to_data(item) for item in value]
    return str(value)


def is_marked(value: Any) -> bool:
    """``True`` when ``value`` is a marked message (:class:`Msg`, :class:`Text`, :class:`Joined`), which
    is translated where shown; ``False`` for plain text and anything else."""
    return type(value) in (Msg, Text, Joined)


def marked_data(value: Any) -> Any:
    """The stored form (:func:`to_data`) of a marked message, ``None`` for plain text (shown as stored):
    what a ``…_data`` column beside a Chinese text column holds."""
    return to_data(value) if is_marked(value) else None


def from_data(data: Any, fallback: Any = None) -> Any:
    """The marked message :func:`to_data` stored as ``data`` (unknown shapes come back as they are).

    With ``fallback`` (the stored Chinese text), data that no longer fits its template (a placeholder
    missing or of another type, after the message changed) gives ``fallback`` instead of raising.
    """
    if fallback is None:
        return _from_data(data)
    try:
        return _from_data(data)
    except (KeyError, TypeError, ValueError):
        return fallback


def stored_messages(texts: list[str] | None, details: list[Any] | None) -> list[Any]:
    """Messages stored twice — ``texts`` (Chinese, as written) and ``details`` (each one's
    :func:`to_data`, or ``None`` for rows written before it existed) — for a page: the marked messages
    (translated where shown), or the Chinese texts when the two lists do not match."""
    texts = list(texts or [])
    if not details or len(details) != len(texts):
        return texts
    return [from_data(item, text) for item, text in zip(details, texts, strict=True)]


def _from_data(data: Any) -> Any:
    if isinstance(data, dict):
        if "m" in data and isinstance(data["m"], str):
            return Msg(data["m"])
        if "t" in data and isinstance(data["t"], str):
            params = data.get("p") or {}
            if isinstance(params, dict):
                return Text(Msg(data["t"]), {name: _from_data(item) for name, item in params.items()})
        if "j" in data and isinstance(data["j"], list) and data.get("s") in SEPARATORS:
            return Joined(tuple(_from_data(item) for item in data["j"]), Msg(data["s"]))
        return data
    if isinstance(data, list):
        return [_from_data(item) for item in data]
    return data


class DomainError(Exception):
    """A mistake by a user or organizer; ``str(err)`` is a Chinese message for the page.

    ``field`` optionally names the form field or data path the message belongs to.
    A message marked with :func:`N_` may carry ``%(name)s`` placeholders filled from ``params``:
    ``message`` is then the filled Chinese text, while ``template`` and ``params`` stay apart so
    the page can show the message translated (``competition.i18n.error_text``).
    """

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        text = message % params if params else message
        super().__init__(text)
        self.message = str(text)
        self.template = message
        self.params = params
        self.field = field

    @property
    def text(self) -> str:
        """The message for a page: a :class:`Text` (shown translated) when it was marked with ``N_``,
        else :attr:`message`."""
        return Text(self.template, self.params) if type(self.template) is Msg else self.message


class InvariantError(RuntimeError):
    """A broken invariant inside the platform (a bug); never shown as the user's fault."""
