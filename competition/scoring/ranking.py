"""Ranking (排名): the one place where ranks are decided.

Source: DOMAIN.md §3 — equal totals → shorter completion time → higher practical → higher theory →
joint rank (并列). The national contest ranks without ties (排名不并列), so a policy may forbid joint
ranks; then a drawn lot (抽签号, supplied as input; the lower number ranks first) decides, and if that
is missing or equal a :class:`DomainError` asks for a draw.

Joint ranks use standard competition numbering ("1, 2, 2, 4"): tied entries share the better rank and the
next rank skips. A team is one entry. Entrants not ranked for awards (earlier title holders, disqualified)
are simply not passed in, so the places below pass down (递补).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from competition.domain import PartKind
from competition.errors import N_, DomainError, joined
from competition.errors import fmt as fmt_msg
from competition.scoring.rounding import fmt


@dataclass(frozen=True)
class Entrant:
    """One entry to rank: exact ``total``; part scores out of 100 by kind; ``completion_minutes`` (time
    used, ``None`` if not recorded); ``lot`` drawn number for a final tie-break (``None`` if no draw)."""

    entry: str
    total: Fraction
    parts: Mapping[PartKind, Fraction] = field(default_factory=dict)
    completion_minutes: Fraction | None = None
    lot: int | None = None


class TieBreak(StrEnum):
    """One step of the tie-break chain applied to entries with equal totals."""

    SHORTER_TIME = "shorter_time"
    HIGHER_PRACTICAL = "higher_practical"
    HIGHER_THEORY = "higher_theory"
    HIGHER_DEFENCE = "higher_defence"

    @property
    def label(self) -> str:
        """Chinese wording, e.g. ``用时较短``."""
        return {
            "shorter_time": N_("用时较短"),
            "higher_practical": N_("技能操作成绩较高"),
            "higher_theory": N_("理论知识成绩较高"),
            "higher_defence": N_("答辩成绩较高"),
        }[self.value]

    @property
    def _part(self) -> PartKind:
        return {
            "higher_practical": PartKind.PRACTICAL,
            "higher_theory": PartKind.THEORY,
            "higher_defence": PartKind.DEFENCE,
        }[self.value]

    def key(self, entrant: Entrant) -> Fraction | None:
        """Sort key, smaller is better; ``None`` when the entrant has no such value."""
        if self is TieBreak.SHORTER_TIME:
            return entrant.completion_minutes
        value = entrant.parts.get(self._part)
        return None if value is None else -value


DEFAULT_TIE_BREAKS = (TieBreak.SHORTER_TIME, TieBreak.HIGHER_PRACTICAL, TieBreak.HIGHER_THEORY)


@dataclass(frozen=True)
class RankingPolicy:
    """The tie-break chain after the total, and whether joint ranks are allowed (default: yes).

    Raises :class:`DomainError` when a tie-break is listed twice.
    """

    tie_breaks: tuple[TieBreak, ...] = DEFAULT_TIE_BREAKS
    allow_joint: bool = True

    def __post_init__(self) -> None:
        if len(set(self.tie_breaks)) != len(self.tie_breaks):
            raise DomainError(N_("并列判定条件重复"))


@dataclass(frozen=True)
class Placing:
    """An entry's rank (1 = best), whether it is joint (并列), and why it sits there (Chinese)."""

    entry: str
    rank: int
    joint: bool
    reason: str


def _split(group: list[Entrant], key) -> list[list[Entrant]]:
    ordered = sorted(group, key=key)
    runs: list[list[Entrant]] = []
    for entrant in ordered:
        if runs and key(runs[-1][0]) == key(entrant):
            runs[-1].append(entrant)
        else:
            runs.append([entrant])
    return runs


def _refine(
    group: list[Entrant], breaks: tuple[TieBreak, ...], policy: RankingPolicy, reason: str
) -> list[tuple[list[Entrant], str]]:
    if len(group) == 1:
        return [(group, reason)]
    for index, tie_break in enumerate(breaks):
        if any(tie_break.key(e) is None for e in group):
            continue  # cannot compare on a value some of the tied entries lack; try the next step
        runs = _split(group, tie_break.key)
        if len(runs) == 1:
            continue
        why = fmt_msg(N_("总分相同，按“%(tie_break)s”排序"), tie_break=tie_break.label)
        return [piece for run in runs for piece in _refine(run, breaks[index + 1 :], policy, why)]
    if policy.allow_joint:
        return [(sorted(group, key=lambda e: e.entry), "并列")]
    lots = [e.lot for e in group]
    if None in lots or len(set(lots)) != len(lots):
        names = joined(sorted(e.entry for e in group))
        raise DomainError(
            N_("%(names)s 成绩及全部并列判定条件均相同，本赛项不允许并列排名，请抽签并录入抽签号"),
            names=names,
        )
    why = N_("成绩及并列判定条件均相同，按抽签号排序")
    return [([e], why) for e in sorted(group, key=lambda e: e.lot)]


def rank_entrants(
    entrants: Sequence[Entrant], policy: RankingPolicy = RankingPolicy()
) -> tuple[Placing, ...]:
    """Rank entrants by total (higher first), then the policy's tie-break chain, then joint rank or lot.

    Returns one :class:`Placing` per entrant, best first (joint entries ordered by entry id). A tie-break
    step that some tied entries have no value for (e.g. no recorded time) is skipped for that group.
    Raises :class:`DomainError` for duplicate entries, or for a tie that joint ranks may not settle and no
    distinct lots are supplied. Empty input gives ``()``.
    """
    ids = [e.entry for e in entrants]
    if len(set(ids)) != len(ids):
        raise DomainError(
            N_("参赛编号重复：%(i)s"), i="、".join(sorted({i for i in ids if ids.count(i) > 1}))
        )
    pieces: list[tuple[list[Entrant], str]] = []
    for run in _split(list(entrants), lambda e: -e.total):
        pieces.extend(_refine(run, policy.tie_breaks, policy, ""))
    placings: list[Placing] = []
    position = 0
    for group, why in pieces:
        rank = position + 1
        for entrant in group:
            if len(group) > 1:
                others = joined(e.entry for e in group if e is not entrant)
                text = fmt_msg(
                    N_("总分 %(total)s 分，与 %(others)s 并列第%(rank)d名"),
                    total=fmt(entrant.total),
                    others=others,
                    rank=rank,
                )
            elif why:
                text = fmt_msg(
                    N_("总分 %(total)s 分，第%(rank)d名（%(why)s）"),
                    total=fmt(entrant.total),
                    rank=rank,
                    why=why,
                )
            else:
                text = fmt_msg(N_("总分 %(total)s 分，第%(rank)d名"), total=fmt(entrant.total), rank=rank)
            placings.append(Placing(entrant.entry, rank, len(group) > 1, text))
        position += len(group)
    return tuple(placings)
