"""The two kinds of error the platform raises (pure; standard library only).

* :class:`DomainError` — a user's or organizer's mistake (bad input, a forbidden
  transition). Its message is Chinese and is shown on the form or flashed.
* :class:`InvariantError` — a broken invariant: a bug, never the user's fault.

Interface strings of pure modules are marked with :func:`N_` (a no-op that pybabel extracts, see
babel.cfg) and translated where they are shown (competition/i18n.py), so pure modules never import
Flask-Babel.
"""

from __future__ import annotations

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
