"""Award bands (奖项): the one place where awards are decided from ranks.

Sources: DOMAIN.md §3 — sizes seen: 1/2/3 per event; 10 %/20 %/30 % of entrants; 10/15/25 %; 3/5/10 per event
with 优胜奖 down to ⅔ of finalists; national contest 金银铜 = top 3 and 优胜奖 = the rest of the top half;
WorldSkills Medallion for Excellence ≥ 700 for non-medallists.

Each band has a *cut-off position*: incremental sizes (:class:`Count`, :class:`Percent`) add to the previous
cut-off, cumulative ones (:class:`ThroughRank`, :class:`TopShare`) set it ("the rest of the top ½"). An entry
gets the first band whose cut-off its rank reaches. Cut-offs are nominal positions, so when joint ranks push
extra entries into a band the following band has correspondingly fewer places and the total number of
awards is unchanged except at the last cut-off.

**Joint ranks at a cut-off** (policy ``joint``, default :attr:`JointAtCutoff.HIGHER`, *inferred*): a joint
rank that straddles a cut-off gets the higher award for all its members; ``LOWER`` gives them all the lower
one. A fraction of places (percentages, shares) is rounded by ``rounding`` (default down: published shares
are maxima, *inferred*). ``min_total``: no award below it, whatever the rank.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from competition.domain import AwardClass
from competition.errors import N_, DomainError
from competition.errors import fmt as fmt_msg
from competition.scoring.ranking import Placing
from competition.scoring.rounding import exact, fmt


class FractionRounding(StrEnum):
    """How a fractional number of award places is rounded."""

    DOWN = "down"
    UP = "up"
    HALF_UP = "half_up"

    @property
    def label(self) -> str:
        """``向下取整`` / ``向上取整`` / ``四舍五入``."""
        return {"down": N_("向下取整"), "up": N_("向上取整"), "half_up": N_("四舍五入")}[self.value]

    def places(self, value: Fraction) -> int:
        """Whole number of places for ``value`` ≥ 0."""
        if self is FractionRounding.DOWN:
            return math.floor(value)
        if self is FractionRounding.UP:
            return math.ceil(value)
        return math.floor(value + Fraction(1, 2))


class CountBasis(StrEnum):
    """Which entrants a percentage or share counts: those ranked, or every listed entrant."""

    RANKED = "ranked"
    ALL = "all"


class JointAtCutoff(StrEnum):
    """Which award a joint rank straddling a cut-off gets."""

    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Count:
    """``n`` places (incremental)."""

    n: int


@dataclass(frozen=True)
class Percent:
    """``percent`` % of the counted entrants (incremental), rounded by the policy."""

    percent: Decimal


@dataclass(frozen=True)
class ThroughRank:
    """Every entrant down to rank ``rank`` not already awarded (cumulative: an explicit rank band)."""

    rank: int


@dataclass(frozen=True)
class TopShare:
    """The rest of the top ``share`` of counted entrants (cumulative), e.g. ``Fraction(1, 2)``."""

    share: Fraction


@dataclass(frozen=True)
class ScoreAtLeast:
    """Every remaining entrant with total (or standardised score) ≥ ``threshold``; must be a last band."""

    threshold: Decimal
    standardised: bool = False


BandSize = Count | Percent | ThroughRank | TopShare | ScoreAtLeast


@dataclass(frozen=True)
class AwardBand:
    """One award class and how many get it."""

    award: AwardClass
    size: BandSize


@dataclass(frozen=True)
class AwardPolicy:
    """Award bands best first, with the rules for fractions, joint ranks and a minimum score.

    Raises :class:`DomainError` for no bands, a repeated award, bands out of award order, negative or
    over-100 % sizes, or a :class:`ScoreAtLeast` band followed by a position band.
    """

    bands: tuple[AwardBand, ...]
    rounding: FractionRounding = FractionRounding.DOWN
    basis: CountBasis = CountBasis.RANKED
    joint: JointAtCutoff = JointAtCutoff.HIGHER
    min_total: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.bands:
            raise DomainError(N_("奖项设置为空"))
        awards = [b.award for b in self.bands]
        if len(set(awards)) != len(awards):
            raise DomainError(N_("奖项重复"))
        if [a.order for a in awards] != sorted(a.order for a in awards):
            raise DomainError(N_("奖项须由高到低排列"))
        seen_score = False
        for band in self.bands:
            size = band.size
            if isinstance(size, ScoreAtLeast):
                seen_score = True
                continue
            if seen_score:
                raise DomainError(N_("按分数线授予的奖项须排在最后"))
            bad = (
                (isinstance(size, Count) and size.n < 0)
                or (isinstance(size, Percent) and not 0 <= exact(size.percent) <= 100)
                or (isinstance(size, ThroughRank) and size.rank < 0)
                or (isinstance(size, TopShare) and not 0 <= exact(size.share) <= 1)
            )
            if bad:
                raise DomainError(N_("%(award)s的名额设置无效"), award=band.award.label)


def counts_policy(first: int = 1, second: int = 2, third: int = 3, **options) -> AwardPolicy:
    """一等奖/二等奖/三等奖 by fixed counts (DOMAIN.md §3: 1/2/3 per event); ``options`` go to the policy."""
    return AwardPolicy(
        (
            AwardBand(AwardClass.FIRST, Count(first)),
            AwardBand(AwardClass.SECOND, Count(second)),
            AwardBand(AwardClass.THIRD, Count(third)),
        ),
        **options,
    )


def percent_policy(first: Decimal, second: Decimal, third: Decimal, **options) -> AwardPolicy:
    """一等奖/二等奖/三等奖 by percentages of entrants (e.g. 10/20/30 %)."""
    return AwardPolicy(
        (
            AwardBand(AwardClass.FIRST, Percent(first)),
            AwardBand(AwardClass.SECOND, Percent(second)),
            AwardBand(AwardClass.THIRD, Percent(third)),
        ),
        **options,
    )


def national_policy(**options) -> AwardPolicy:
    """全国技能大赛: 金/银/铜 one each (top 3) and 优胜奖 for the rest of the top half of entrants.

    Rank with ``RankingPolicy(allow_joint=False)`` (排名不并列). Rounding of half an entrant defaults to
    down (*inferred*; pass ``rounding=``).
    """
    return AwardPolicy(
        (
            AwardBand(AwardClass.GOLD, Count(1)),
            AwardBand(AwardClass.SILVER, Count(1)),
            AwardBand(AwardClass.BRONZE, Count(1)),
            AwardBand(AwardClass.EXCELLENCE, TopShare(Fraction(1, 2))),
        ),
        **options,
    )


@dataclass(frozen=True)
class AwardDecision:
    """The award for one ranked entry (``None`` for no award) and why, in Chinese."""

    entry: str
    award: AwardClass | None
    reason: str


def _cutoff(size: BandSize, previous: int, counted: int, rounding: FractionRounding) -> int:
    if isinstance(size, Count):
        return previous + size.n
    if isinstance(size, Percent):
        return previous + rounding.places(exact(size.percent) * counted / 100)
    if isinstance(size, ThroughRank):
        return max(previous, size.rank)
    if isinstance(size, TopShare):
        return max(previous, rounding.places(exact(size.share) * counted))
    return previous


def assign_awards(
    placings: Sequence[Placing],
    totals: Mapping[str, Fraction],
    policy: AwardPolicy,
    *,
    counted: int | None = None,
    scaled: Mapping[str, Fraction] | None = None,
) -> tuple[AwardDecision, ...]:
    """Award classes for ranked entries.

    ``placings``: from :func:`~competition.scoring.ranking.rank_entrants` (only entries ranked for awards);
    ``totals``: entry → exact total (for ``min_total`` and :class:`ScoreAtLeast`); ``counted``: the number
    of entrants that percentages and shares count (default ``len(placings)``; pass the listed count for
    ``CountBasis.ALL``); ``scaled``: entry → standardised score for ``ScoreAtLeast(standardised=True)``.
    Returns one :class:`AwardDecision` per placing, in the same order. Monotone: a better rank never gets a
    lower award. Raises :class:`DomainError` when a needed total or scaled score is missing.
    """
    counted = len(placings) if counted is None else counted
    group_size = Counter(p.rank for p in placings)
    awarded: dict[str, tuple[AwardClass, str]] = {}
    floor = None if policy.min_total is None else exact(policy.min_total)
    cut = 0
    for band in policy.bands:
        size = band.size
        cut = _cutoff(size, cut, counted, policy.rounding)
        for placing in placings:
            if placing.entry in awarded:
                continue
            if placing.entry not in totals:
                raise DomainError(N_("%(entry)s 没有总分，无法评奖"), entry=placing.entry)
            total = totals[placing.entry]
            if floor is not None and total < floor:
                continue
            if isinstance(size, ScoreAtLeast):
                source = scaled if size.standardised else totals
                if source is None or placing.entry not in source:
                    raise DomainError(N_("%(entry)s 没有标准分，无法按标准分评奖"), entry=placing.entry)
                if source[placing.entry] >= exact(size.threshold):
                    why = fmt_msg(
                        N_("%(kind)s %(score)s 分，达到%(award)s分数线 %(threshold)s 分"),
                        kind=N_("标准分") if size.standardised else N_("总分"),
                        score=fmt(source[placing.entry]),
                        award=band.award.label,
                        threshold=fmt(size.threshold),
                    )
                    awarded[placing.entry] = (band.award, why)
                continue
            last = placing.rank + group_size[placing.rank] - 1
            reaches = placing.rank <= cut if policy.joint is JointAtCutoff.HIGHER else last <= cut
            if not reaches:
                continue
            why = fmt_msg(
                N_("第%(rank)d名，在%(award)s名额线（前%(cut)d名）内"),
                rank=placing.rank,
                award=band.award.label,
                cut=cut,
            )
            if last > cut:
                why = fmt_msg(
                    N_("并列第%(rank)d名跨越%(award)s名额线（前%(cut)d名），按规定均授予较高奖项"),
                    rank=placing.rank,
                    award=band.award.label,
                    cut=cut,
                )
            awarded[placing.entry] = (band.award, why)
    decisions = []
    for placing in placings:
        if placing.entry in awarded:
            award, why = awarded[placing.entry]
            decisions.append(AwardDecision(placing.entry, award, why))
        elif floor is not None and totals[placing.entry] < floor:
            why = fmt_msg(
                N_("总分 %(total)s 分，低于获奖最低分 %(floor)s 分"),
                total=fmt(totals[placing.entry]),
                floor=fmt(floor),
            )
            decisions.append(AwardDecision(placing.entry, None, why))
        else:
            decisions.append(
                AwardDecision(
                    placing.entry, None, fmt_msg(N_("第%(rank)d名，未进入获奖名额"), rank=placing.rank)
                )
            )
    return tuple(decisions)
