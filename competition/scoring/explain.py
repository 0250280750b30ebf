"""Explanation lines that are written only when someone reads them.

Every mark the core computes carries Chinese explanation lines ("评价分 j1 2、j2 3，取平均得 2.5 …"). Writing
them costs far more than the arithmetic (formatting exact fractions is ~370 ``fmt`` calls per competitor), and
most callers — publishing 2,000 standings, the completeness check — never read them. :class:`Lines` keeps
what is needed to write the lines and writes them on first use, always with the values of the moment the
line was made (arguments are bound by :func:`later`, never read later from a variable).

A :class:`Lines` is an immutable sequence of ``str`` and compares equal to the ``tuple`` of the same lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, overload

Deferred = Callable[[], "str | Sequence[str]"]
"""Lines not yet written: called with no arguments, returns a line or several."""


def later(write: Callable[..., str | Sequence[str]], *args: Any) -> Deferred:
    """A line (or lines) written as ``write(*args)`` when first read; ``args`` are bound now."""
    return partial(write, *args)


class Lines(Sequence[str]):
    """Explanation lines, written on first use (see the module docstring).

    ``items``: lines (``str``), deferred lines (:func:`later`) and other :class:`Lines` or tuples of lines
    spliced in place. The items are taken when the object is made; a list appended to later is not seen.
    """

    __slots__ = ("_items", "_text")

    def __init__(self, items: Iterable[str | Deferred | Sequence[str]] = ()) -> None:
        self._items: tuple | None = tuple(items)
        self._text: tuple[str, ...] | None = None

    def _resolve(self) -> tuple[str, ...]:
        text = self._text
        if text is None:
            out: list[str] = []
            for item in self._items or ():
                if isinstance(item, str):
                    out.append(item)
                elif isinstance(item, (Lines, tuple, list)):
                    out.extend(item)
                else:
                    written = item()
                    if isinstance(written, str):
                        out.append(written)
                    else:
                        out.extend(written)
            text = self._text = tuple(out)
            self._items = None  # let the bound values go
        return text

    def __len__(self) -> int:
        return len(self._resolve())

    def __iter__(self) -> Iterator[str]:
        return iter(self._resolve())

    def __contains__(self, value: object) -> bool:
        return value in self._resolve()

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index):
        return self._resolve()[index]

    def __add__(self, other: Sequence[str]) -> Lines:
        if isinstance(other, (Lines, tuple)):  # a tuple is faster than a union here
            return Lines((self, other))
        return NotImplemented

    def __radd__(self, other: Sequence[str]) -> Lines:
        if isinstance(other, tuple):
            return Lines((other, self))
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Lines):
            return self._resolve() == other._resolve()
        if isinstance(other, tuple):
            return self._resolve() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._resolve())

    def __repr__(self) -> str:
        return repr(self._resolve())

    def __reduce__(self):
        return (Lines, (self._resolve(),))


class LazyTuple(Sequence):
    """A tuple made by ``make()`` on first use (the explained tree of a part's marks, which publishing
    2,000 standings never reads). Compares equal to the ``tuple`` it stands for."""

    __slots__ = ("_items", "_make")

    def __init__(self, make: Callable[[], tuple]) -> None:
        self._make: Callable[[], tuple] | None = make
        self._items: tuple | None = None

    def _resolve(self) -> tuple:
        items = self._items
        if items is None:
            make, self._make = self._make, None
            items = self._items = tuple(make()) if make is not None else ()
        return items

    def __len__(self) -> int:
        return len(self._resolve())

    def __iter__(self) -> Iterator:
        return iter(self._resolve())

    def __contains__(self, value: object) -> bool:
        return value in self._resolve()

    def __getitem__(self, index):
        return self._resolve()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyTuple):
            return self._resolve() == other._resolve()
        if isinstance(other, tuple):
            return self._resolve() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._resolve())

    def __repr__(self) -> str:
        return repr(self._resolve())

    def __reduce__(self):
        return (tuple, (self._resolve(),))
