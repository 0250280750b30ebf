"""A contest's lifecycle: every allowed move, and what blocks each (pure, no app)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from competition.contests.lifecycle import (
    TRANSITIONS,
    ContestFacts,
    ContestStatus,
    EventFacts,
    blockers,
    check_transition,
)
from competition.errors import DomainError

NOW = datetime(2026, 9, 1, 10, 0)
GOOD_EVENT = EventFacts("焊工 职工组", (Decimal(30), Decimal(70)), judges=3, has_chief_judge=True)


def facts(status=ContestStatus.DRAFT, events=(GOOD_EVENT,), **changes) -> ContestFacts:
    values = {
        "status": status,
        "starts_on": date(2026, 10, 26),
        "ends_on": date(2026, 10, 26),
        "registration_opens_at": datetime(2026, 8, 20, 9),
        "registration_closes_at": datetime(2026, 10, 10, 17),
        "events": tuple(events),
    }
    values.update(changes)
    return ContestFacts(**values)


def test_a_complete_draft_may_open_registration():
    assert blockers(facts(), ContestStatus.REGISTRATION_OPEN, NOW) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"events": ()}, "竞赛还没有赛项"),
        ({"events": (EventFacts("焊工 职工组", (), 0, False),)}, "尚未设置考核部分"),
        (
            {"events": (EventFacts("焊工 职工组", (Decimal(30), Decimal(60)), 0, False),)},
            "权重之和为 90，应为 100",
        ),
        ({"registration_opens_at": None, "registration_closes_at": None}, "尚未设置报名起止时间"),
        ({"registration_closes_at": datetime(2026, 8, 31, 17)}, "报名截止时间已过"),
        ({"starts_on": date(2026, 9, 1), "ends_on": date(2026, 9, 1)}, "比赛已开始"),
    ],
)
def test_what_blocks_opening_registration(changes, expected):
    reasons = blockers(facts(**changes), ContestStatus.REGISTRATION_OPEN, NOW)
    assert any(expected in reason for reason in reasons), reasons


def test_every_blocker_is_listed_at_once():
    bad = EventFacts("电工 学生组", (Decimal(50),), 0, False)
    reasons = blockers(
        facts(events=(bad,), registration_opens_at=None, registration_closes_at=None),
        ContestStatus.REGISTRATION_OPEN,
        NOW,
    )
    assert len(reasons) == 2


def test_starting_needs_a_chief_judge_and_two_judges_per_event():
    lonely = EventFacts("电工 职工组", (Decimal(100),), judges=1, has_chief_judge=False)
    reasons = blockers(
        facts(ContestStatus.REGISTRATION_CLOSED, events=(GOOD_EVENT, lonely)), ContestStatus.IN_PROGRESS, NOW
    )
    assert reasons == [
        "赛项“电工 职工组”尚未指定裁判长。",
        "赛项“电工 职工组”的裁判员少于 2 名（含裁判长）。",
    ]


def test_final_only_after_the_public_notice_ends():
    notice = facts(ContestStatus.PUBLIC_NOTICE, public_notice_ends_on=date(2026, 9, 1))
    assert "之后才能确认最终成绩" in blockers(notice, ContestStatus.FINAL, NOW)[0]
    assert blockers(notice, ContestStatus.FINAL, datetime(2026, 9, 2, 0, 0)) == []
    assert "尚未设定公示截止日期" in blockers(facts(ContestStatus.PUBLIC_NOTICE), ContestStatus.FINAL, NOW)[0]


@pytest.mark.parametrize("status", list(ContestStatus))
@pytest.mark.parametrize("target", list(ContestStatus))
def test_only_listed_moves_are_possible(status, target):
    reasons = blockers(facts(status), target, NOW)
    if target not in TRANSITIONS[status]:
        assert reasons == [f"不能从“{status.label}”直接变为“{target.label}”。"]


def test_check_transition_raises_with_every_reason():
    with pytest.raises(DomainError, match="竞赛还没有赛项；尚未设置报名起止时间"):
        check_transition(
            facts(events=(), registration_opens_at=None, registration_closes_at=None),
            ContestStatus.REGISTRATION_OPEN,
            NOW,
        )


def test_the_lifecycle_is_a_single_forward_path_with_one_way_back():
    forward = [ContestStatus.DRAFT]
    while TRANSITIONS[forward[-1]]:
        forward.append(TRANSITIONS[forward[-1]][0])
    assert forward == list(ContestStatus)
    assert TRANSITIONS[ContestStatus.REGISTRATION_CLOSED][1] is ContestStatus.REGISTRATION_OPEN
