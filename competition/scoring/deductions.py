"""Aspects marked by deductions (扣分制): start from the maximum and take points off.

What Chinese 评分细则 write, and how it maps here (sources: the contest technical documents cited in
DOMAIN.md §8 — 古镇灯饰, 湖北职工大赛, 电梯维修工, 深圳黄金珠宝 2016):

* "每处扣1分" — per occurrence: :class:`DeductionRule` with ``per=None``; the finding is a count.
* "每超差0.01mm扣1分", "缺陷每长5mm扣2分" — per unit of measured deviation: ``per=Decimal('0.01')``; the
  finding is the deviation (or defect length) in the same unit; ``allowance`` is deviation that costs nothing.
  A part-unit is counted as a whole unit by default ("不足0.01mm按0.01mm计", *inferred*: ``step_rounding``).
* "扣完2分为止" — a cap on one rule (``cap``) or on a group of rules (:class:`DeductionGroup`, nestable).
* "不倒扣" — the aspect never goes below ``floor`` (default 0); ``floor=None`` lets it go negative when the
  scheme explicitly says deductions may exceed the aspect (倒扣), which then lowers its section.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from competition.errors import N_, DomainError, joined
from competition.scoring.rounding import Number, exact, fmt


class StepRounding(StrEnum):
    """How a part-step of deviation or overtime is counted."""

    UP = "up"
    DOWN = "down"
    EXACT = "exact"

    @property
    def label(self) -> str:
        """Chinese wording, e.g. ``不足一个单位按一个单位计``."""
        return {
            "up": N_("不足一个单位按一个单位计"),
            "down": N_("不足一个单位不计"),
            "exact": N_("按比例计"),
        }[self.value]

    def steps(self, amount: Fraction, unit: Fraction) -> Fraction:
        """Number of ``unit`` steps in ``amount`` (both ≥ 0, same unit), counted by this rule."""
        ratio = amount / unit
        if self is StepRounding.UP:
            return Fraction(math.ceil(ratio))
        if self is StepRounding.DOWN:
            return Fraction(math.floor(ratio))
        return ratio


@dataclass(frozen=True)
class DeductionRule:
    """One deduction line of a 评分细则.

    ``points``: points off per occurrence, or per ``per`` units of deviation when ``per`` is set (e.g.
    ``points=1, per=0.01`` for "每超差0.01mm扣1分"). ``allowance``: deviation within it is free. ``cap``:
    at most this many points off by this rule ("扣完x分为止"), ``None`` for no own cap.
    Raises :class:`DomainError` for a non-positive ``points``/``per``/``cap`` or negative ``allowance``.
    """

    code: str
    description: str
    points: Decimal
    per: Decimal | None = None
    unit: str = ""
    allowance: Decimal = Decimal(0)
    cap: Decimal | None = None
    step_rounding: StepRounding = StepRounding.UP

    def __post_init__(self) -> None:
        if not self.code:
            raise DomainError(N_("扣分规则缺少编号"))
        if exact(self.points, what="扣分分值") <= 0:
            raise DomainError(N_("扣分规则 %(code)s 的扣分分值必须大于0"), code=self.code)
        if self.per is not None and exact(self.per, what="扣分单位") <= 0:
            raise DomainError(N_("扣分规则 %(code)s 的计量单位必须大于0"), code=self.code)
        if exact(self.allowance, what="允许偏差") < 0:
            raise DomainError(N_("扣分规则 %(code)s 的允许偏差不能为负"), code=self.code)
        if self.cap is not None and exact(self.cap, what="扣分上限") <= 0:
            raise DomainError(N_("扣分规则 %(code)s 的扣分上限必须大于0"), code=self.code)

    def deduct(self, finding: Number) -> tuple[Fraction, tuple[str, ...]]:
        """Points off (≥ 0, never above ``cap``) for one finding, with explanation lines.

        ``finding``: a count of occurrences (non-negative whole number) when ``per`` is ``None``, else the
        measured deviation (≥ 0) in ``unit``. Raises :class:`DomainError` for a negative or fractional count.
        """
        amount = exact(finding, what=f"扣分项 {self.code} 的记录")
        if amount < 0:
            raise DomainError(
                N_("扣分项 %(code)s 的记录不能为负：%(amount)s"), code=self.code, amount=fmt(amount)
            )
        points = exact(self.points)
        if self.per is None:
            if amount.denominator != 1:
                raise DomainError(
                    N_("扣分项 %(code)s 按次数扣分，次数必须为整数：%(amount)s"),
                    code=self.code,
                    amount=fmt(amount),
                )
            raw = amount * points
            line = f"{self.description}：{fmt(amount)} 处 × {fmt(points)} 分 = {fmt(raw)} 分"
        else:
            excess = max(Fraction(0), amount - exact(self.allowance))
            steps = self.step_rounding.steps(excess, exact(self.per))
            raw = steps * points
            free = f"（允许 {fmt(self.allowance)}{self.unit} 不扣）" if self.allowance else ""
            line = (
                f"{self.description}：{fmt(amount)}{self.unit}{free}，每 {fmt(self.per)}{self.unit} 扣 "
                f"{fmt(points)} 分（{self.step_rounding.label}），扣 {fmt(raw)} 分"
            )
        lines = [line]
        if self.cap is not None and raw > exact(self.cap):
            raw = exact(self.cap)
            lines.append(f"{self.description}：最多扣 {fmt(raw)} 分（扣完为止），实扣 {fmt(raw)} 分")
        return raw, tuple(lines)


@dataclass(frozen=True)
class DeductionGroup:
    """Rules (or groups) sharing one cap: "以上各项合计扣完x分为止". Nestable for nested caps."""

    code: str
    description: str
    members: tuple[DeductionRule | DeductionGroup, ...]
    cap: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.members:
            raise DomainError(N_("扣分组 %(code)s 没有扣分规则"), code=self.code)
        if self.cap is not None and exact(self.cap, what="扣分上限") <= 0:
            raise DomainError(N_("扣分组 %(code)s 的扣分上限必须大于0"), code=self.code)


DeductionItem = DeductionRule | DeductionGroup


def _rules(items: tuple[DeductionItem, ...]) -> list[DeductionRule]:
    found: list[DeductionRule] = []
    for item in items:
        found.extend(_rules(item.members) if isinstance(item, DeductionGroup) else [item])
    return found


def _groups(items: tuple[DeductionItem, ...]) -> list[DeductionGroup]:
    found: list[DeductionGroup] = []
    for item in items:
        if isinstance(item, DeductionGroup):
            found.append(item)
            found.extend(_groups(item.members))
    return found


@dataclass(frozen=True)
class Deductions:
    """The 扣分制 rule of one aspect: mark = maximum − capped deductions, not below ``floor``.

    ``items``: rules and groups; ``cap``: an overall cap for the aspect (besides the floor); ``floor``:
    lowest mark (default 0 = 不倒扣; ``None`` = no floor). Rule and group codes must be unique within the
    aspect (:class:`DomainError` otherwise). The observation is
    :class:`~competition.scoring.aspects.Findings`.
    """

    items: tuple[DeductionItem, ...]
    cap: Decimal | None = None
    floor: Decimal | None = Decimal(0)

    def __post_init__(self) -> None:
        if not self.items:
            raise DomainError(N_("扣分制评分项没有扣分规则"))
        codes = [r.code for r in _rules(self.items)] + [g.code for g in _groups(self.items)]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise DomainError(N_("扣分规则编号重复：%(duplicates)s"), duplicates=joined(duplicates))
        if self.cap is not None and exact(self.cap, what="扣分上限") <= 0:
            raise DomainError(N_("扣分制评分项的扣分上限必须大于0"))

    @property
    def rule_codes(self) -> frozenset[str]:
        """Codes of every rule (not groups) a finding may be recorded against."""
        return frozenset(r.code for r in _rules(self.items))

    def _total(
        self, items: tuple[DeductionItem, ...], amounts: Mapping[str, Number]
    ) -> tuple[Fraction, list]:
        total, lines = Fraction(0), []
        for item in items:
            if isinstance(item, DeductionRule):
                if item.code not in amounts:
                    continue  # nothing recorded against this rule: no deduction
                points, item_lines = item.deduct(amounts[item.code])
                lines.extend(item_lines)
            else:
                points, item_lines = self._total(item.members, amounts)
                lines.extend(item_lines)
                if item.cap is not None and points > exact(item.cap):
                    points = exact(item.cap)
                    lines.append(f"{item.description}：合计最多扣 {fmt(points)} 分（扣完为止）")
            total += points
        return total, lines

    def mark(self, maximum: Fraction, amounts: Mapping[str, Number]) -> tuple[Fraction, tuple[str, ...]]:
        """The aspect mark for recorded findings (rule code → count or deviation), with explanation lines.

        Deductions are capped per rule, then per group (innermost first), then by ``cap``; the result is
        ``maximum − deductions`` raised to ``floor``. Raises :class:`DomainError` for a finding against an
        unknown rule code or an invalid finding.
        """
        unknown = sorted(set(amounts) - self.rule_codes)
        if unknown:
            raise DomainError(N_("未知的扣分规则：%(unknown)s"), unknown=joined(unknown))
        total, lines = self._total(self.items, amounts)
        if self.cap is not None and total > exact(self.cap):
            total = exact(self.cap)
            lines.append(f"本项合计最多扣 {fmt(total)} 分（扣完为止）")
        if not lines:
            lines.append("无扣分")
        value = maximum - total
        if self.floor is not None and value < exact(self.floor):
            value = exact(self.floor)
            lines.append(f"扣分超过配分，不倒扣，本项得 {fmt(value)} 分")
        lines.append(f"配分 {fmt(maximum)} 分，共扣 {fmt(maximum - value)} 分，得 {fmt(value)} 分")
        return value, tuple(lines)
