"""The ladder and shared terms (DOMAIN.md §2), without an app."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.domain import AwardClass, SkillLevel, Tier
from competition.errors import DomainError


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("高级工", SkillLevel.SENIOR_WORKER),
        ("三级/高级工", SkillLevel.SENIOR_WORKER),
        ("三级／高级工", SkillLevel.SENIOR_WORKER),
        ("一级/高级技师", SkillLevel.SENIOR_TECHNICIAN),
        ("二级", SkillLevel.TECHNICIAN),
        ("5", SkillLevel.JUNIOR_WORKER),
        ("学徒工", SkillLevel.APPRENTICE),
        ("首席技师", SkillLevel.CHIEF_TECHNICIAN),
        ("technician", SkillLevel.TECHNICIAN),
    ],
)
def test_parse_accepts_every_written_form(text, level):
    assert SkillLevel.parse(text) is level


@pytest.mark.parametrize("text", ["三级/技师", "六级", "", "工程师"])
def test_parse_rejects_what_is_not_a_level(text):
    with pytest.raises(DomainError, match="无法识别"):
        SkillLevel.parse(text)


def test_certificate_labels():
    assert SkillLevel.SENIOR_TECHNICIAN.certificate_label == "一级/高级技师"
    assert SkillLevel.JUNIOR_WORKER.certificate_label == "五级/初级工"
    assert SkillLevel.PRINCIPAL_TECHNICIAN.certificate_label == "特级技师"
    assert SkillLevel.APPRENTICE.grade is None


def test_ladder_order_is_the_published_order():
    assert [lvl.label for lvl in sorted(SkillLevel, reverse=True)] == [
        "首席技师",
        "特级技师",
        "高级技师",
        "技师",
        "高级工",
        "中级工",
        "初级工",
        "学徒工",
    ]


@given(st.sampled_from(list(SkillLevel)), st.integers(min_value=0, max_value=10))
def test_above_and_below_stay_on_the_ladder(level, steps):
    assert level.above(steps) >= level
    assert level.below(steps) <= level
    assert level.above(steps).rank == min(level.rank + steps, 7)


def test_labels_exist_for_every_member():
    assert all(t.label for t in Tier)
    assert AwardClass.GOLD.order == AwardClass.FIRST.order == 1
    assert AwardClass.EXCELLENCE.label == "优胜奖"
