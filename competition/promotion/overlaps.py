"""Warnings for rules of one rule set that overlap with different outcomes (pure; standard library only).

Overlap is legal — the engine gives the highest outcome (DOMAIN.md §4 tables are banded, so a well-written
set has none) — but an organizer who writes "前10名 → 技师" and "前6名 → 高级工" for the same tier probably
made a mistake, so the editor shows these warnings before the set is saved.

The check is by example: for each pair of promotion (or eligibility) rules whose outcomes differ, it builds a
small grid of representative facts from the boundaries both rules name (ranks at and around each cut-off,
percentage cut-offs for several event sizes, team sizes, ages at each limit, every current level) and reports
the first case both rules match with a different result.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from competition.domain import AwardClass, Gender, Group, SkillLevel, Tier
from competition.promotion.rules import (
    TEAM_SIZES,
    AgeBasis,
    Conditions,
    DecisionKind,
    PromotionRule,
    ResultFacts,
    RuleSet,
    percent_cutoff,
    resolve,
)

_CONTEST_DATE = date(2024, 6, 30)
_ENTRANTS = (1, 2, 3, 5, 8, 10, 12, 20, 47, 100)


def overlap_warnings(ruleset: RuleSet) -> list[str]:
    """Chinese warnings, one per pair of effective rules that give one case different outcomes.

    ``ruleset``: any valid :class:`RuleSet` (derived rules included). Returns ``[]`` when no pair conflicts;
    each warning names both rules, the case (``第3名/47人, 市级一类, 职工组, 原等级 无``) and both results.
    Title rules never conflict (titles are granted independently of promotions and of each other).
    Raises nothing.
    """
    rules = [r for r in ruleset.effective_rules if r.outcome.category is not DecisionKind.TITLE]
    warnings: list[str] = []
    for a, b in itertools.combinations(rules, 2):
        if a.outcome.category is not b.outcome.category or a.outcome == b.outcome:
            continue
        found = _first_conflict(a, b, ruleset)
        if found is not None:
            facts, text_a, text_b = found
            warnings.append(
                f"规则 {a.label} 与 {b.label} 有重叠且结果不同：{_case_text(facts)} 时分别为“{text_a}”和"
                f"“{text_b}”（引擎取较高者，请确认是否有意为之）"
            )
    return warnings


def _case_text(facts: ResultFacts) -> str:
    parts = [facts.rank_text, facts.tier.label, facts.group.label]
    if facts.team_size != 1:
        parts.append(f"{facts.team_size}人团体赛项")
    if facts.award is not None:
        parts.append(facts.award.label)
    parts.append(facts.level_text)
    return ", ".join(parts)


def _first_conflict(
    a: PromotionRule, b: PromotionRule, ruleset: RuleSet
) -> tuple[ResultFacts, str, str] | None:
    for facts in _grid(a.when, b.when):
        if a.when.matches(facts) and b.when.matches(facts):
            ra = resolve(a, facts, ruleset.settings)
            rb = resolve(b, facts, ruleset.settings)
            if (ra.effective, ra.level) != (rb.effective, rb.level):
                return (
                    facts,
                    (ra.text if ra.effective else f"无（{ra.note}）"),
                    (rb.text if rb.effective else f"无（{rb.note}）"),
                )
    return None


def _pick(a: frozenset, b: frozenset, default: object, order: list) -> list:
    """One representative of a set-valued condition both rules accept, or none when they are disjoint."""
    if not (a or b):
        return [default]
    common = a & b if a and b else a or b
    return [min(common, key=order.index)] if common else []


def _grid(a: Conditions, b: Conditions) -> Iterator[ResultFacts]:
    tiers = _pick(a.tiers, b.tiers, Tier.MUNICIPAL_1, list(Tier))
    groups = _pick(a.groups, b.groups, Group.STAFF, list(Group))
    genders = _pick(a.genders, b.genders, Gender.MALE, list(Gender))
    awards: list = [None]
    if a.award_classes or b.award_classes:
        awards = _pick(a.award_classes, b.award_classes, None, list(AwardClass))
    if not (tiers and groups and genders and awards):
        return
    team_sizes = [s for s in _team_sizes(a, b) if _team_size_ok(a, s) and _team_size_ok(b, s)]
    total = max([c.total_min for c in (a, b) if c.total_min is not None] + [Decimal(100)])
    entrants_values = set(_ENTRANTS)
    for c in (a, b):
        if c.entrants_min is not None:
            entrants_values.update({c.entrants_min, max(1, c.entrants_min - 1)})
        for bound in (c.rank_min, c.rank_max, c.top_n):
            if bound is not None:
                entrants_values.add(bound)
    birth_dates = _birth_dates(a, b)
    levels = [None, *SkillLevel]
    for entrants in sorted(entrants_values):
        for rank in _ranks(a, b, entrants):
            for team_size in team_sizes:
                for birth in birth_dates:
                    for level in levels:
                        yield ResultFacts(
                            person_key="p",
                            contest_key="c",
                            event_key="e",
                            tier=tiers[0],
                            group=groups[0],
                            rank=rank,
                            entrants=entrants,
                            award=awards[0],
                            all_parts_passed=True,
                            total=total,
                            team_size=team_size,
                            birth_date=birth,
                            gender=genders[0],
                            current_level=level,
                            contest_date=_CONTEST_DATE,
                            final_date=_CONTEST_DATE,
                        )


def _team_sizes(a: Conditions, b: Conditions) -> list[int]:
    """Team sizes at every boundary either rule draws (a representative of each size range)."""
    if not (a.uses_team_size or b.uses_team_size):
        return [1]
    points: set[int] = {1, max(TEAM_SIZES)}
    for c in (a, b):
        points.update(c.team_sizes)
        points.update(size for size, _ in c.top_n_by_team_size)
        points.update(v for v in (c.team_size_min, c.team_size_max) if v is not None)
    return sorted(s for p in points for s in (p - 1, p, p + 1) if s in TEAM_SIZES)


def _team_size_ok(c: Conditions, size: int) -> bool:
    if c.team_sizes and size not in c.team_sizes:
        return False
    if c.team_size_min is not None and size < c.team_size_min:
        return False
    return c.team_size_max is None or size <= c.team_size_max


def _ranks(a: Conditions, b: Conditions, entrants: int) -> list[int | None]:
    points: set[int] = {1, entrants}
    for c in (a, b):
        for bound in (c.rank_min, c.rank_max, c.top_n):
            if bound is not None:
                points.add(bound)
        for _, n in c.top_n_by_team_size:
            points.add(n)
        if c.top_percent is not None:
            points.add(percent_cutoff(entrants, c.top_percent, c.rounding))
    ranks = {r + d for r in points for d in (-1, 0, 1)}
    return [None, *sorted(r for r in ranks if 1 <= r <= entrants)]


def _birth_dates(a: Conditions, b: Conditions) -> list[date]:
    if all(c.age_min is None and c.age_max is None for c in (a, b)):
        return [date(1990, 1, 1)]
    ages = {30}
    days = {_CONTEST_DATE}
    for c in (a, b):
        for bound in (c.age_min, c.age_max):
            if bound is not None:
                ages.update({bound - 1, bound, bound + 1})
        if c.age_basis is AgeBasis.FIXED_DATE and c.age_date is not None:
            days.add(c.age_date)
    out: set[date] = set()
    for day in days:
        for age in ages:
            if age < 0:
                continue
            try:
                out.add(day.replace(year=day.year - age))
            except ValueError:  # 29 February
                out.add(date(day.year - age, 3, 1))
    return sorted(out)
