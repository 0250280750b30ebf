"""Checks on a contest's schedule and an event's parts (pure: standard library only).

Each check raises :class:`DomainError` with the form field it belongs to, so the
service and the form report the same Chinese message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from competition.domain import PartKind
from competition.errors import N_, DomainError

OCCUPATION_CODE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")


def check_schedule(
    *,
    year: int,
    starts_on: date,
    ends_on: date,
    registration_opens_at: datetime | None,
    registration_closes_at: datetime | None,
) -> None:
    """Check that a contest's dates are in order.

    The contest ends on or after it starts, within its year (or the next, for a
    contest spanning New Year); registration opens before it closes and closes
    before the contest starts. Raises :class:`DomainError` naming the field.
    """
    if ends_on < starts_on:
        raise DomainError(N_("结束日期不能早于开始日期。"), field="ends_on")
    if starts_on.year not in (year, year + 1) and starts_on.year != year - 1:
        raise DomainError(
            N_("开始日期 %(isoformat)s 与竞赛年度 %(year)s 不符。"),
            isoformat=starts_on.isoformat(),
            year=year,
            field="starts_on",
        )
    if (registration_opens_at is None) != (registration_closes_at is None):
        raise DomainError(N_("报名开始和截止时间须同时填写或同时留空。"), field="registration_closes_at")
    if registration_opens_at is not None and registration_closes_at is not None:
        if registration_closes_at <= registration_opens_at:
            raise DomainError(N_("报名截止时间必须晚于报名开始时间。"), field="registration_closes_at")
        if registration_closes_at.date() >= starts_on:
            raise DomainError(N_("报名须在比赛开始日期之前截止。"), field="registration_closes_at")


@dataclass(frozen=True)
class PartSpec:
    """One part of an event as entered: kind, weight (percent) and pass mark (out of 100)."""

    kind: PartKind
    weight: Decimal
    pass_mark: Decimal = Decimal(60)


def check_parts(parts: Sequence[PartSpec]) -> None:
    """Check an event's parts: at least one, each kind once, weights in (0, 100] summing to 100,
    pass marks in [0, 100]. Raises :class:`DomainError` (field ``parts``).
    """
    if not parts:
        raise DomainError(N_("至少需要一个考核部分（如技能操作）。"), field="parts")
    kinds = [p.kind for p in parts]
    if len(set(kinds)) != len(kinds):
        raise DomainError(N_("同一考核部分只能出现一次。"), field="parts")
    for part in parts:
        if not Decimal(0) < part.weight <= Decimal(100):
            raise DomainError(
                N_("%(kind)s的权重应大于 0 且不超过 100。"), kind=part.kind.label, field="parts"
            )
        if not Decimal(0) <= part.pass_mark <= Decimal(100):
            raise DomainError(N_("%(kind)s的合格分应在 0 到 100 之间。"), kind=part.kind.label, field="parts")
    total = sum((p.weight for p in parts), Decimal(0))
    if total != Decimal(100):
        raise DomainError(
            N_("各部分权重之和为 %(total)s，应为 100。"), total=format(total, "g"), field="parts"
        )


def check_occupation_code(code: str | None) -> None:
    """An occupation code, when given, has the national form ``6-18-02-04``."""
    if code and not OCCUPATION_CODE.match(code):
        raise DomainError(N_("职业编码格式应如 6-18-02-04。"), field="occupation_code")
