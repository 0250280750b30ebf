"""A contest's lifecycle and what blocks each step (pure: standard library only).

draft → registration open → registration closed → in progress → marking →
under public notice → final → archived. Registration may be reopened while it is
closed and the contest has not started. :func:`blockers` returns every reason,
in Chinese, that stops a transition, so the page can list them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from competition.errors import DomainError


class ContestStatus(StrEnum):
    """Where a contest stands."""

    DRAFT = "draft"
    REGISTRATION_OPEN = "registration_open"
    REGISTRATION_CLOSED = "registration_closed"
    IN_PROGRESS = "in_progress"
    MARKING = "marking"
    PUBLIC_NOTICE = "public_notice"
    FINAL = "final"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        """Chinese name of the stage."""
        return _LABELS[self]

    @property
    def is_public(self) -> bool:
        """Whether the public portal lists the contest (everything but drafts)."""
        return self is not ContestStatus.DRAFT


_LABELS = {
    ContestStatus.DRAFT: "草稿",
    ContestStatus.REGISTRATION_OPEN: "报名中",
    ContestStatus.REGISTRATION_CLOSED: "报名已截止",
    ContestStatus.IN_PROGRESS: "比赛进行中",
    ContestStatus.MARKING: "评分中",
    ContestStatus.PUBLIC_NOTICE: "成绩公示中",
    ContestStatus.FINAL: "成绩已确认",
    ContestStatus.ARCHIVED: "已归档",
}

#: Allowed moves: forward one stage, or back to registration while it is closed.
TRANSITIONS: dict[ContestStatus, tuple[ContestStatus, ...]] = {
    ContestStatus.DRAFT: (ContestStatus.REGISTRATION_OPEN,),
    ContestStatus.REGISTRATION_OPEN: (ContestStatus.REGISTRATION_CLOSED,),
    ContestStatus.REGISTRATION_CLOSED: (ContestStatus.IN_PROGRESS, ContestStatus.REGISTRATION_OPEN),
    ContestStatus.IN_PROGRESS: (ContestStatus.MARKING,),
    ContestStatus.MARKING: (ContestStatus.PUBLIC_NOTICE,),
    ContestStatus.PUBLIC_NOTICE: (ContestStatus.FINAL,),
    ContestStatus.FINAL: (ContestStatus.ARCHIVED,),
    ContestStatus.ARCHIVED: (),
}

#: The verb shown on the button that makes each move.
ACTION_LABELS: dict[ContestStatus, str] = {
    ContestStatus.REGISTRATION_OPEN: "开放报名",
    ContestStatus.REGISTRATION_CLOSED: "截止报名",
    ContestStatus.IN_PROGRESS: "开始比赛",
    ContestStatus.MARKING: "进入评分",
    ContestStatus.PUBLIC_NOTICE: "发布成绩公示",
    ContestStatus.FINAL: "确认最终成绩",
    ContestStatus.ARCHIVED: "归档",
}


@dataclass(frozen=True)
class EventFacts:
    """What the lifecycle needs to know of one event.

    ``part_weights`` are percentages (Decimal); ``judges`` counts assigned judges
    including the chief judge; ``has_chief_judge`` whether a 裁判长 is assigned.
    Results (read by the marking feature): ``results_signed_off`` by the chief judge,
    ``results_published`` for public notice, ``appeals_close_at`` when the appeal window
    ends, ``pending_appeals`` not yet ruled, ``awaiting_republication`` after an upheld
    appeal reopened marks. The defaults describe an event with nothing outstanding.
    """

    title: str
    part_weights: tuple[Decimal, ...]
    judges: int
    has_chief_judge: bool
    results_signed_off: bool = True
    results_published: bool = True
    appeals_close_at: datetime | None = None
    pending_appeals: int = 0
    awaiting_republication: bool = False


@dataclass(frozen=True)
class ContestFacts:
    """What the lifecycle needs to know of a contest, read by the caller from storage.

    Dates are local (China Standard Time); ``public_notice_ends_on`` is the last
    day of the public notice, set when results are published.
    """

    status: ContestStatus
    starts_on: date
    ends_on: date
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    events: tuple[EventFacts, ...]
    public_notice_ends_on: date | None = None


def blockers(facts: ContestFacts, target: ContestStatus, now: datetime) -> list[str]:
    """Every reason, in Chinese, why ``facts`` may not move to ``target`` at ``now``.

    An empty list means the move is allowed. A move that is not in
    :data:`TRANSITIONS` yields a single reason saying so.
    """
    if target not in TRANSITIONS[facts.status]:
        return [f"不能从“{facts.status.label}”直接变为“{target.label}”。"]
    reasons: list[str] = []
    today = now.date()
    if target is ContestStatus.REGISTRATION_OPEN:
        reasons += _setup_blockers(facts)
        if facts.registration_closes_at is None or facts.registration_opens_at is None:
            reasons.append("尚未设置报名起止时间。")
        elif facts.registration_closes_at <= now:
            reasons.append("报名截止时间已过，请先修改报名截止时间。")
        if facts.starts_on <= today:
            reasons.append("比赛已开始或已结束，不能再开放报名。")
    elif target is ContestStatus.IN_PROGRESS:
        reasons += _setup_blockers(facts)
        for event in facts.events:
            if not event.has_chief_judge:
                reasons.append(f"赛项“{event.title}”尚未指定裁判长。")
            if event.judges < 2:
                reasons.append(f"赛项“{event.title}”的裁判员少于 2 名（含裁判长）。")
    elif target is ContestStatus.PUBLIC_NOTICE:
        for event in facts.events:
            if not event.results_signed_off:
                reasons.append(f"赛项“{event.title}”的成绩尚未经裁判长签字确认。")
            elif not event.results_published:
                reasons.append(f"赛项“{event.title}”的成绩尚未发布公示。")
    elif target is ContestStatus.FINAL:
        if facts.public_notice_ends_on is None:
            reasons.append("尚未设定公示截止日期。")
        elif today <= facts.public_notice_ends_on:
            reasons.append(f"公示期至 {facts.public_notice_ends_on.isoformat()} 结束，之后才能确认最终成绩。")
        for event in facts.events:
            if event.appeals_close_at is not None and now <= event.appeals_close_at:
                reasons.append(
                    f"赛项“{event.title}”的申诉期至 {event.appeals_close_at:%Y-%m-%d %H:%M} 结束。"
                )
            if event.pending_appeals:
                reasons.append(f"赛项“{event.title}”有 {event.pending_appeals} 件申诉尚未裁决。")
            if event.awaiting_republication:
                reasons.append(f"赛项“{event.title}”申诉成立后尚未重新发布成绩公示。")
    return reasons


def _setup_blockers(facts: ContestFacts) -> list[str]:
    reasons: list[str] = []
    if not facts.events:
        reasons.append("竞赛还没有赛项。")
    for event in facts.events:
        if not event.part_weights:
            reasons.append(f"赛项“{event.title}”尚未设置考核部分（理论知识、技能操作等）。")
        elif sum(event.part_weights, Decimal(0)) != Decimal(100):
            total = sum(event.part_weights, Decimal(0))
            reasons.append(f"赛项“{event.title}”各部分权重之和为 {total:g}，应为 100。")
    return reasons


def check_transition(facts: ContestFacts, target: ContestStatus, now: datetime) -> None:
    """Raise :class:`DomainError` listing every blocker when the move is not allowed."""
    reasons = blockers(facts, target, now)
    if reasons:
        raise DomainError("；".join(r.rstrip("。") for r in reasons) + "。")
