"""Standings (成绩排名) of one event: results → ranks, awards, standardised scores, reasons.

This module only assembles; ranks come from :mod:`.ranking` and awards from :mod:`.awards`.

* Incomplete results (missing or divergent marks) are refused with a :class:`DomainError` listing every
  entry and what it lacks: standings are only published from complete marks (DOMAIN.md §3, the chief judge
  checks completeness before sign-off).
* Disqualified entries and entries "not ranked for awards" (earlier title holders, 不参与评奖) are listed with
  ``rank=None`` and no award; they are left out of the ranking, so the places below pass down (递补).
* Order: ranked entries by rank; then not-ranked entries by total (higher first); then disqualified ones.
* The standardised scale (if any) is computed over every complete, not disqualified entry, including those
  not ranked for awards: they competed on the same task.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from competition.domain import AwardClass, PartKind
from competition.errors import N_, DomainError, fmt, joined
from competition.scoring.awards import AwardPolicy, CountBasis, assign_awards
from competition.scoring.marks import Result, Status
from competition.scoring.ranking import Entrant, RankingPolicy, rank_entrants
from competition.scoring.rounding import RoundingPolicy
from competition.scoring.standardise import Standardiser


@dataclass(frozen=True)
class StandingsPolicy:
    """How one event's standings are made: ranking, awards (``None`` = no awards), optional standardiser,
    and the rounding used for ``display_total`` (pass the scheme's ``rounding``)."""

    ranking: RankingPolicy = field(default_factory=RankingPolicy)
    awards: AwardPolicy | None = None
    standardiser: Standardiser | None = None
    rounding: RoundingPolicy = field(default_factory=RoundingPolicy)


@dataclass(frozen=True)
class PartStanding:
    """A part's score out of 100 (exact) and whether it is passed."""

    kind: PartKind
    score: Fraction | None
    passed: bool | None


@dataclass(frozen=True)
class Standing:
    """One line of the standings.

    ``rank`` is ``None`` when not ranked; ``total`` is exact and ``display_total`` rounded for printing;
    ``standardised`` is ``None`` without a standardiser; ``reasons`` explain the rank and award (Chinese);
    ``result`` carries the full mark-by-mark explanation.
    """

    entry: str
    members: tuple[str, ...]
    status: Status
    rank: int | None
    joint: bool
    total: Fraction | None
    display_total: Decimal | None
    parts: tuple[PartStanding, ...]
    all_passed: bool | None
    award: AwardClass | None
    standardised: Fraction | None
    reasons: tuple[str, ...]
    result: Result


def _check(results: Sequence[Result], not_ranked: Mapping[str, str], lots: Mapping[str, int]) -> None:
    ids = [r.entry for r in results]
    if len(set(ids)) != len(ids):
        raise DomainError(N_("参赛编号重复：%(i)s"), i=joined(sorted({i for i in ids if ids.count(i) > 1})))
    unknown = sorted((set(not_ranked) | set(lots)) - set(ids))
    if unknown:
        raise DomainError(N_("没有这些参赛者的成绩：%(unknown)s"), unknown=joined(unknown))
    blocked = []
    for result in results:
        if result.status is Status.INCOMPLETE:
            why = [
                *(fmt(N_("缺少 %(aspect)s"), aspect=m) for m in result.missing),
                *(fmt(N_("须重新评分 %(aspect)s"), aspect=d) for d in result.divergent),
            ]
            blocked.append(fmt(N_("%(entry)s（%(why)s）"), entry=result.entry, why=joined(why)))
    if blocked:
        raise DomainError(N_("以下成绩不完整，不能排名：%(blocked)s"), blocked=joined(blocked, "；"))


def build_standings(
    results: Sequence[Result],
    policy: StandingsPolicy = StandingsPolicy(),
    *,
    not_ranked: Mapping[str, str] | None = None,
    lots: Mapping[str, int] | None = None,
) -> tuple[Standing, ...]:
    """Rank and award one event's results.

    ``results``: one :class:`Result` per entry (a team is one entry); ``not_ranked``: entry → reason it is
    listed but not ranked for awards (e.g. ``"往届技术能手"``); ``lots``: entry → drawn number, used only when
    joint ranks are forbidden (lower number first). Returns :class:`Standing` lines in display order (see
    module docstring); ``()`` for no results. Raises :class:`DomainError` for incomplete results, duplicate
    entries, unknown entries in ``not_ranked``/``lots``, or a tie needing a lot
    (:func:`~competition.scoring.ranking.rank_entrants`).
    """
    not_ranked = dict(not_ranked or {})
    lots = dict(lots or {})
    _check(results, not_ranked, lots)
    valid = [r for r in results if r.status is Status.COMPLETE]
    ranked = [r for r in valid if r.entry not in not_ranked]
    placings = rank_entrants(
        [Entrant(r.entry, r.total, r.part_scores, r.completion_minutes, lots.get(r.entry)) for r in ranked],
        policy.ranking,
    )
    totals = {r.entry: r.total for r in valid}
    scaled = policy.standardiser.scale(totals) if policy.standardiser else {}
    awards = {}
    if policy.awards is not None:
        counted = len(results) if policy.awards.basis is CountBasis.ALL else len(placings)
        decisions = assign_awards(placings, totals, policy.awards, counted=counted, scaled=scaled)
        awards = {d.entry: d for d in decisions}
    by_entry = {r.entry: r for r in results}

    def line(result: Result, rank: int | None, joint: bool, reasons: tuple[str, ...]) -> Standing:
        decision = awards.get(result.entry)
        if decision is not None:
            reasons = (
                *reasons,
                fmt(N_("%(award)s：%(reason)s"), award=decision.award.label, reason=decision.reason)
                if decision.award
                else decision.reason,
            )
        return Standing(
            entry=result.entry,
            members=result.members,
            status=result.status,
            rank=rank,
            joint=joint,
            total=result.total,
            display_total=None if result.total is None else policy.rounding.display(result.total),
            parts=tuple(PartStanding(p.kind, p.score, p.passed) for p in result.parts),
            all_passed=result.all_passed,
            award=None if decision is None else decision.award,
            standardised=scaled.get(result.entry),
            reasons=reasons,
            result=result,
        )

    lines = [line(by_entry[p.entry], p.rank, p.joint, (p.reason,)) for p in placings]
    held_back = sorted((r for r in valid if r.entry in not_ranked), key=lambda r: (-r.total, r.entry))
    for result in held_back:
        why = fmt(
            N_("%(reason)s：列出成绩，不参与排名和评奖，名次由后续选手递补"), reason=not_ranked[result.entry]
        )
        lines.append(line(result, None, False, (why,)))
    for result in sorted((r for r in results if r.status is Status.DISQUALIFIED), key=lambda r: r.entry):
        lines.append(line(result, None, False, (N_("取消比赛成绩，不参与排名和评奖"), *result.lines)))
    return tuple(lines)
