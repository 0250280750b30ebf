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

from competition.errors import N_, DomainError, fmt


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
    ContestStatus.DRAFT: N_("草稿"),
    ContestStatus.REGISTRATION_OPEN: N_("报名中"),
    ContestStatus.REGISTRATION_CLOSED: N_("报名已截止"),
    ContestStatus.IN_PROGRESS: N_("比赛进行中"),
    ContestStatus.MARKING: N_("评分中"),
    ContestStatus.PUBLIC_NOTICE: N_("成绩公示中"),
    ContestStatus.FINAL: N_("成绩已确认"),
    ContestStatus.ARCHIVED: N_("已归档"),
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
    ContestStatus.REGISTRATION_OPEN: N_("开放报名"),
    ContestStatus.REGISTRATION_CLOSED: N_("截止报名"),
    ContestStatus.IN_PROGRESS: N_("开始比赛"),
    ContestStatus.MARKING: N_("进入评分"),
    ContestStatus.PUBLIC_NOTICE: N_("发布成绩公示"),
    ContestStatus.FINAL: N_("确认最终成绩"),
    ContestStatus.ARCHIVED: N_("归档"),
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
        return [
            fmt(
                N_("不能从“%(current)s”直接变为“%(target)s”。"),
                current=facts.status.label,
                target=target.label,
            )
        ]
    reasons: list[str] = []
    today = now.date()
    if target is ContestStatus.REGISTRATION_OPEN:
        reasons += _setup_blockers(facts)
        if facts.registration_closes_at is None or facts.registration_opens_at is None:
            reasons.append(N_("尚未设置报名起止时间。"))
        elif facts.registration_closes_at <= now:
            reasons.append(N_("报名截止时间已过，请先修改报名截止时间。"))
        if facts.starts_on <= today:
            reasons.append(N_("比赛已开始或已结束，不能再开放报名。"))
    elif target is ContestStatus.IN_PROGRESS:
        reasons += _setup_blockers(facts)
        for event in facts.events:
            if not event.has_chief_judge:
                reasons.append(fmt(N_("赛项“%(title)s”尚未指定裁判长。"), title=event.title))
            if event.judges < 2:
                reasons.append(fmt(N_("赛项“%(title)s”的裁判员少于 2 名（含裁判长）。"), title=event.title))
    elif target is ContestStatus.PUBLIC_NOTICE:
        for event in facts.events:
            if not event.results_signed_off:
                reasons.append(fmt(N_("赛项“%(title)s”的成绩尚未经裁判长签字确认。"), title=event.title))
            elif not event.results_published:
                reasons.append(fmt(N_("赛项“%(title)s”的成绩尚未发布公示。"), title=event.title))
    elif target is ContestStatus.FINAL:
        if facts.public_notice_ends_on is None:
            reasons.append(N_("尚未设定公示截止日期。"))
        elif today <= facts.public_notice_ends_on:
            reasons.append(
                fmt(
                    N_("公示期至 %(isoformat)s 结束，之后才能确认最终成绩。"),
                    isoformat=facts.public_notice_ends_on.isoformat(),
                )
            )
        for event in facts.events:
            if event.appeals_close_at is not None and now <= event.appeals_close_at:
                reasons.append(
                    fmt(
                        N_("赛项“%(title)s”的申诉期至 %(appeals_close_at)s 结束。"),
                        title=event.title,
                        appeals_close_at=format(event.appeals_close_at, "%Y-%m-%d %H:%M"),
                    )
                )
            if event.pending_appeals:
                reasons.append(
                    fmt(
                        N_("赛项“%(title)s”有 %(pending_appeals)s 件申诉尚未裁决。"),
                        title=event.title,
                        pending_appeals=event.pending_appeals,
                    )
                )
            if event.awaiting_republication:
                reasons.append(fmt(N_("赛项“%(title)s”申诉成立后尚未重新发布成绩公示。"), title=event.title))
    return reasons


def _setup_blockers(facts: ContestFacts) -> list[str]:
    reasons: list[str] = []
    if not facts.events:
        reasons.append(N_("竞赛还没有赛项。"))
    for event in facts.events:
        if not event.part_weights:
            reasons.append(
                fmt(N_("赛项“%(title)s”尚未设置考核部分（理论知识、技能操作等）。"), title=event.title)
            )
        elif sum(event.part_weights, Decimal(0)) != Decimal(100):
            total = sum(event.part_weights, Decimal(0))
            reasons.append(
                fmt(
                    N_("赛项“%(title)s”各部分权重之和为 %(total)s，应为 100。"),
                    title=event.title,
                    total=format(total, "g"),
                )
            )
    return reasons


def check_transition(facts: ContestFacts, target: ContestStatus, now: datetime) -> None:
    """Raise :class:`DomainError` listing every blocker when the move is not allowed."""
    reasons = blockers(facts, target, now)
    if reasons:
        raise DomainError("；".join(r.rstrip("。") for r in reasons) + "。")
