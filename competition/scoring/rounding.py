"""Exact numbers and rounding for marks.

Marks are kept as exact :class:`fractions.Fraction` values from input to total, because a judgement mark
(mean score ÷ 3 × maximum) is a repeating decimal and two equal totals reached by different sums must still
compare equal when ranking. Rounding happens only where a :class:`RoundingPolicy` says so; by default only
for display, 2 places, half-up (DOMAIN.md §3: rounding is not published, *inferred* default).

Inputs accept ``Decimal``, ``int``, ``Fraction`` or a numeric ``str``; ``float`` is refused because it is
already inexact.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    InvalidOperation,
)
from fractions import Fraction

from competition.errors import N_, DomainError, InvariantError

Number = Decimal | Fraction | int | str
"""What callers may pass where a mark, weight or measurement is expected."""

ROUNDING_MODES = frozenset(
    {
        ROUND_HALF_UP,
        ROUND_HALF_EVEN,
        ROUND_HALF_DOWN,
        ROUND_UP,
        ROUND_DOWN,
        ROUND_CEILING,
        ROUND_FLOOR,
        ROUND_05UP,
    }
)
_HALF = Fraction(1, 2)
# Marks repeat a few values (judges' 0–3, maxima, weights) hundreds of thousands of times per event: their
# exact fractions and short texts are kept (bounded; equal Decimals such as 2 and 2.0 share one entry,
# which is right because they are the same number).
_CACHE_SIZE = 4096
_FROM_DECIMAL: dict[Decimal, Fraction] = {}
_FMT: dict[tuple[Fraction, int], str] = {}


def exact(value: Number, *, what: str = "数值") -> Fraction:
    """Convert ``value`` to an exact ``Fraction``.

    ``what`` names the value in the Chinese error message. Raises :class:`DomainError` for a string that is
    not a finite number (organizer input) and :class:`InvariantError` for ``float``, ``bool`` or other types
    (a programming mistake).
    """
    kind = type(value)
    if kind is Fraction:
        return value  # immutable: the same value needs no copy
    if kind is Decimal and value.is_finite():
        found = _FROM_DECIMAL.get(value)
        if found is None:
            if len(_FROM_DECIMAL) >= _CACHE_SIZE:
                _FROM_DECIMAL.clear()
            found = _FROM_DECIMAL[value] = Fraction(value)
        return found
    if isinstance(value, bool):
        raise InvariantError(f"{what}: bool is not a number")
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, str):
        try:
            value = Decimal(value.strip().replace("，", "").replace(",", ""))
        except InvalidOperation:
            raise DomainError(N_("%(what)s不是数字：“%(value)s”"), what=what, value=value) from None
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise DomainError(N_("%(what)s不是有限数：%(value)s"), what=what, value=value)
        return Fraction(value)
    raise InvariantError(
        f"{what}: {type(value).__name__} is not an exact number (use Decimal, int, Fraction)"
    )


def quantize(value: Number, places: int = 2, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``value`` exactly to ``places`` decimal places with a :mod:`decimal` rounding mode.

    Returns a ``Decimal`` with exactly ``places`` digits after the point (``Decimal('83.33')``). Rounding is
    done on the exact fraction, so ``2/3`` → ``0.67`` and ``0.125`` → ``0.13`` (half-up) with no binary or
    28-digit artefacts. Raises :class:`InvariantError` for an unknown mode or negative ``places``.
    """
    if rounding not in ROUNDING_MODES:
        raise InvariantError(f"unknown rounding mode {rounding!r}")
    if places < 0:
        raise InvariantError("places must be >= 0")
    scaled = exact(value) * 10**places
    negative = scaled < 0
    whole, rem = divmod(abs(scaled.numerator), scaled.denominator)
    rest = Fraction(rem, scaled.denominator)
    if rest == 0:
        up = False
    elif rounding == ROUND_HALF_UP:
        up = rest >= _HALF
    elif rounding == ROUND_HALF_DOWN:
        up = rest > _HALF
    elif rounding == ROUND_HALF_EVEN:
        up = rest > _HALF or (rest == _HALF and whole % 2 == 1)
    elif rounding == ROUND_UP:
        up = True
    elif rounding == ROUND_DOWN:
        up = False
    elif rounding == ROUND_CEILING:
        up = not negative
    elif rounding == ROUND_FLOOR:
        up = negative
    else:  # ROUND_05UP: away from zero only when the last kept digit is 0 or 5
        up = whole % 5 == 0
    magnitude = whole + int(up)
    sign = 1 if negative and magnitude else 0
    return Decimal((sign, tuple(int(d) for d in str(magnitude)), -places))


def fmt(value: Number, places: int = 2) -> str:
    """Short text for explanations: ``"2"``, ``"1.5"``, ``"≈0.67"`` (``≈`` when rounding changed it)."""
    value = exact(value)
    key = (value, places)
    found = _FMT.get(key)
    if found is not None:
        return found
    rounded = quantize(value, places)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text if Fraction(rounded) == value else f"≈{text}"
    if len(_FMT) >= _CACHE_SIZE:
        _FMT.clear()
    _FMT[key] = text
    return text


@dataclass(frozen=True)
class RoundingPolicy:
    """Where a scheme rounds (DOMAIN.md §3; *inferred* default: exact everywhere, 2 places for display).

    ``aspect_places`` / ``part_places`` / ``total_places``: round each aspect mark, each part score (out of
    100) or the weighted total to that many places *before* it is used further; ``None`` keeps it exact.
    Setting ``total_places`` also makes ranking use the rounded total (some contests rank on the published
    two-place total, which can create ties). ``display_places`` and ``mode`` (a :mod:`decimal` constant)
    govern :meth:`display`. Raises :class:`InvariantError` for an unknown mode or negative places.
    """

    aspect_places: int | None = None
    part_places: int | None = None
    total_places: int | None = None
    display_places: int = 2
    mode: str = ROUND_HALF_UP

    def __post_init__(self) -> None:
        if self.mode not in ROUNDING_MODES:
            raise InvariantError(f"unknown rounding mode {self.mode!r}")
        for places in (self.aspect_places, self.part_places, self.total_places, self.display_places):
            if places is not None and places < 0:
                raise InvariantError("places must be >= 0")

    def _apply(self, value: Fraction, places: int | None) -> Fraction:
        return value if places is None else Fraction(quantize(value, places, self.mode))

    def aspect(self, value: Fraction) -> Fraction:
        """An aspect mark, rounded if ``aspect_places`` is set (exact ``Fraction`` either way)."""
        return self._apply(value, self.aspect_places)

    def part(self, value: Fraction) -> Fraction:
        """A part score out of 100, rounded if ``part_places`` is set."""
        return self._apply(value, self.part_places)

    def total(self, value: Fraction) -> Fraction:
        """The weighted total, rounded if ``total_places`` is set."""
        return self._apply(value, self.total_places)

    def display(self, value: Number) -> Decimal:
        """The value as shown and printed: ``Decimal`` with ``display_places`` places (``83.33``)."""
        return quantize(value, self.display_places, self.mode)
