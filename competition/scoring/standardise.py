"""Optional standardised scale shown beside raw marks (WorldSkills style).

Source: DOMAIN.md §3 — WorldSkills converts raw marks so each skill's median competitor scores 700 and gives
the Medallion for Excellence at ≥ 700 to non-medallists; the spread formula is unpublished, so the
standardiser is a :class:`Standardiser` protocol and raw marks are always kept and shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Protocol, runtime_checkable

from competition.errors import N_, DomainError
from competition.scoring.rounding import exact


@runtime_checkable
class Standardiser(Protocol):
    """Converts one event's raw totals to a standardised scale.

    ``scale`` takes entry → exact raw total and returns entry → standardised score for the same entries;
    it must be order-preserving (a higher raw total never scales lower). ``label`` names the scale.
    """

    label: str

    def scale(self, totals: Mapping[str, Fraction]) -> dict[str, Fraction]:
        """Standardised scores for ``totals``; ``{}`` for no entries."""
        ...


@dataclass(frozen=True)
class MedianSpread:
    """A documented simple choice, not WorldSkills' formula: ``centre + points_per_sd × (x − median) ÷ σ``.

    ``σ`` is the population standard deviation of the event's totals; with ``σ = 0`` (one entrant, all
    equal) everyone gets ``centre``. The median maps exactly to ``centre`` (default 700, 20 points per
    standard deviation). ``σ`` is irrational in general, so it is computed to 40 significant digits; the
    scaled score is therefore not exact, unlike raw marks. Raises :class:`DomainError` for a non-positive
    ``points_per_sd``.
    """

    centre: Decimal = Decimal(700)
    points_per_sd: Decimal = Decimal(20)
    label: str = "标准分（中位数=700）"

    def __post_init__(self) -> None:
        if exact(self.points_per_sd, what="每个标准差对应分值") <= 0:
            raise DomainError(N_("每个标准差对应的分值必须大于0"))

    def scale(self, totals: Mapping[str, Fraction]) -> dict[str, Fraction]:
        """Entry → standardised score (see the class docstring for the formula)."""
        if not totals:
            return {}
        values = sorted(totals.values())
        n = len(values)
        median = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
        mean = sum(values, Fraction(0)) / n
        variance = sum(((v - mean) ** 2 for v in values), Fraction(0)) / n
        centre = exact(self.centre)
        if variance == 0:
            return {entry: centre for entry in totals}
        with localcontext() as ctx:
            ctx.prec = 40
            sigma = Fraction((Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt())
        step = exact(self.points_per_sd) / sigma
        return {entry: centre + step * (total - median) for entry, total in totals.items()}
