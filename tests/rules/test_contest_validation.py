"""Schedule and part checks behind the contest forms (pure)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.accounts.passwords import check_password_rules
from competition.contests.validation import PartSpec, check_occupation_code, check_parts, check_schedule
from competition.domain import PartKind
from competition.errors import DomainError

T, P, D = PartKind.THEORY, PartKind.PRACTICAL, PartKind.DEFENCE


def schedule(**changes):
    values = {
        "year": 2026,
        "starts_on": date(2026, 10, 26),
        "ends_on": date(2026, 10, 27),
        "registration_opens_at": datetime(2026, 9, 1, 9),
        "registration_closes_at": datetime(2026, 10, 10, 17),
    }
    values.update(changes)
    check_schedule(**values)


def test_a_sound_schedule_passes():
    schedule()
    schedule(registration_opens_at=None, registration_closes_at=None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_on": date(2026, 10, 25)}, "ends_on", "结束日期不能早于开始日期"),
        ({"registration_closes_at": datetime(2026, 8, 1)}, "registration_closes_at", "必须晚于报名开始时间"),
        (
            {"registration_closes_at": datetime(2026, 10, 26, 8)},
            "registration_closes_at",
            "比赛开始日期之前截止",
        ),
        ({"registration_opens_at": None}, "registration_closes_at", "同时填写"),
        ({"year": 2020}, "starts_on", "与竞赛年度 2020 不符"),
    ],
)
def test_schedule_errors_name_their_field(changes, field, message):
    with pytest.raises(DomainError, match=message) as caught:
        schedule(**changes)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "parts",
    [
        [PartSpec(T, Decimal(30)), PartSpec(P, Decimal(70))],
        [PartSpec(T, Decimal(25)), PartSpec(P, Decimal(55)), PartSpec(D, Decimal(20))],
        [PartSpec(P, Decimal(100))],
        [PartSpec(T, Decimal("33.33")), PartSpec(P, Decimal("66.67"))],
    ],
)
def test_published_weightings_pass(parts):
    check_parts(parts)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([], "至少需要一个考核部分"),
        ([PartSpec(T, Decimal(30)), PartSpec(P, Decimal(60))], "权重之和为 90，应为 100"),
        ([PartSpec(T, Decimal(50)), PartSpec(T, Decimal(50))], "只能出现一次"),
        ([PartSpec(T, Decimal(0)), PartSpec(P, Decimal(100))], "应大于 0"),
        ([PartSpec(P, Decimal(100), pass_mark=Decimal(101))], "合格分应在 0 到 100"),
    ],
)
def test_bad_parts_are_refused(parts, message):
    with pytest.raises(DomainError, match=message):
        check_parts(parts)


@given(st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=3))
def test_parts_pass_exactly_when_weights_sum_to_100(weights):
    parts = [PartSpec(kind, Decimal(w)) for kind, w in zip((T, P, D), weights, strict=False)]
    if sum(weights) == 100:
        check_parts(parts)
    else:
        with pytest.raises(DomainError):
            check_parts(parts)


@pytest.mark.parametrize(
    ("code", "ok"), [("6-18-02-04", True), ("", True), (None, True), ("6180204", False), ("6-18-2-04", False)]
)
def test_occupation_codes(code, ok):
    if ok:
        check_occupation_code(code)
    else:
        with pytest.raises(DomainError, match="6-18-02-04"):
            check_occupation_code(code)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "至少需要 10 个字符"),
        ("onlyletters", "同时包含字母和数字"),
        ("1234567890", "同时包含字母和数字"),
        ("zhangsan01", "不能与用户名相同"),
        ("woaini1314", "过于常见"),
    ],
)
def test_password_rules(password, message):
    with pytest.raises(DomainError, match=message):
        check_password_rules(password, username="zhangsan01")


def test_a_good_password_passes():
    check_password_rules("welding-2026-sx", username="zhangsan01")
