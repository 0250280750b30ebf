"""The two kinds of error the platform raises (pure; standard library only).

* :class:`DomainError` — a user's or organizer's mistake (bad input, a forbidden
  transition). Its message is Chinese and is shown on the form or flashed.
* :class:`InvariantError` — a broken invariant: a bug, never the user's fault.
"""

from __future__ import annotations


class DomainError(Exception):
    """A mistake by a user or organizer; ``str(err)`` is a Chinese message for the page.

    ``field`` optionally names the form field or data path the message belongs to.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvariantError(RuntimeError):
    """A broken invariant inside the platform (a bug); never shown as the user's fault."""
