"""Several judges' scores for one item → one value, and the divergence rule.

Sources: DOMAIN.md §3 — subjective items are marked by 5 judges, the highest and the lowest mark are dropped
and the rest averaged (trimmed mean); WorldSkills judgement aspects are scored 0–3 by 3 judges whose scores
may differ by at most 1 point, otherwise the panel discusses and re-scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from fractions import Fraction

from competition.errors import N_, DomainError, InvariantError


class Aggregation(StrEnum):
    """How several judges' scores for one aspect (or one part) become one."""

    MEAN = "mean"
    TRIMMED_MEAN = "trimmed_mean"
    MEDIAN = "median"

    @property
    def label(self) -> str:
        """Chinese wording used in explanations, e.g. ``去掉一个最高分和一个最低分后取平均``."""
        return {
            "mean": N_("取平均"),
            "trimmed_mean": N_("去掉一个最高分和一个最低分后取平均"),
            "median": N_("取中位数"),
        }[self.value]


def aggregate(scores: Sequence[Fraction], method: Aggregation) -> Fraction:
    """Combine judges' scores (exact ``Fraction``s, any scale) into one exact value.

    * ``MEAN`` — arithmetic mean.
    * ``TRIMMED_MEAN`` — drop exactly one highest and one lowest score, average the rest (needs ≥ 3 scores;
      with 5 judges 3 remain). Raises :class:`DomainError` with fewer than 3 scores.
    * ``MEDIAN`` — middle score; the mean of the two middle ones for an even count.

    Raises :class:`InvariantError` for an empty sequence: callers report missing scores themselves.
    """
    if not scores:
        raise InvariantError("aggregate() needs at least one score")
    if method is Aggregation.MEAN:
        if all(s.denominator == 1 for s in scores):  # whole scores (0–3): one exact division
            return Fraction(sum(s.numerator for s in scores), len(scores))
        return sum(scores, Fraction(0)) / len(scores)
    ordered = sorted(scores)
    if method is Aggregation.TRIMMED_MEAN:
        if len(ordered) < 3:
            raise DomainError(
                N_("去掉最高分和最低分至少需要3名裁判的评分，现只有%(ordered_count)s名"),
                ordered_count=len(ordered),
            )
        kept = ordered[1:-1]
        return sum(kept, Fraction(0)) / len(kept)
    if method is Aggregation.MEDIAN:
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2
    raise InvariantError(f"unknown aggregation {method!r}")


def spread(scores: Sequence[Fraction]) -> Fraction:
    """Highest minus lowest score (0 for one score); raises :class:`InvariantError` when empty."""
    if not scores:
        raise InvariantError("spread() needs at least one score")
    return max(scores) - min(scores)


def diverges(scores: Sequence[Fraction], limit: Fraction) -> bool:
    """True when the scores differ by *more than* ``limit`` (WorldSkills: more than 1 → re-score)."""
    return len(scores) > 1 and spread(scores) > limit
