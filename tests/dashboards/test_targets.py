"""The pure core of yearly targets: figures per measure, validation, pace against the calendar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from competition.dashboards.targets import (
    MAX_TARGET,
    SEED_EXAMPLES,
    Measure,
    Pace,
    YearFigures,
    YearTargets,
    check_targets,
    compare,
    year_elapsed,
)
from competition.domain import SkillLevel
from competition.errors import DomainError

FIGURES = YearFigures(
    contests_held=30,
    contests_planned=4,
    events=12,
    competitors=640,
    promotions_by_level={
        SkillLevel.INTERMEDIATE_WORKER: 5,
        SkillLevel.SENIOR_WORKER: 7,
        SkillLevel.TECHNICIAN: 3,
    },
    title_decisions=40,
    honour_records=2,
    certificates_by_kind={"award": 20, "skill_level": 15},
    level_certificates={SkillLevel.SENIOR_WORKER: 10, SkillLevel.TECHNICIAN: 5},
)


def test_levelled_measures_count_from_the_chosen_level():
    assert FIGURES.value(Measure.PROMOTIONS) == 15
    assert FIGURES.value(Measure.PROMOTIONS_HIGH, SkillLevel.SENIOR_WORKER) == 10
    assert FIGURES.value(Measure.PROMOTIONS_HIGH, SkillLevel.TECHNICIAN) == 3
    assert FIGURES.value(Measure.CERTIFICATES) == 35
    assert FIGURES.value(Measure.CERTIFICATES_HIGH, SkillLevel.TECHNICIAN) == 5
    assert FIGURES.value(Measure.TITLES) == 42
    assert Measure.CERTIFICATES_HIGH.label_at(SkillLevel.TECHNICIAN) == "技师及以上职业技能等级证书"


@pytest.mark.parametrize(
    ("today", "share"),
    [
        (date(2025, 12, 31), Decimal(0)),
        (date(2026, 1, 1), Decimal(1) / 365),
        (date(2026, 7, 2), Decimal(183) / 365),
        (date(2026, 12, 31), Decimal(1)),
        (date(2027, 3, 1), Decimal(1)),
    ],
)
def test_share_of_the_year_gone(today, share):
    assert year_elapsed(2026, today) == share


def _pace(rows, measure):
    return next(r for r in rows if r.measure is measure)


def test_pace_mid_year():
    # 绍兴: ≥ 50 contests and ~100 技术能手 a year (DOMAIN.md §7); on 2 July half the year is gone.
    targets = YearTargets(
        {Measure.CONTESTS: 50, Measure.TITLES: 100, Measure.EVENTS: 12, Measure.COMPETITORS: 0}
    )
    rows = compare(FIGURES, targets, year=2026, today=date(2026, 7, 2))
    contests = _pace(rows, Measure.CONTESTS)
    assert (contests.actual, contests.target, contests.expected) == (30, 50, 25)
    assert contests.percent == Decimal("60.0")
    assert contests.pace is Pace.ON_TRACK
    titles = _pace(rows, Measure.TITLES)
    assert (titles.expected, titles.pace, titles.percent) == (50, Pace.BEHIND, Decimal("42.0"))
    assert _pace(rows, Measure.EVENTS).pace is Pace.MET
    zero = _pace(rows, Measure.COMPETITORS)
    assert (zero.pace, zero.percent) == (Pace.MET, None)
    assert _pace(rows, Measure.CERTIFICATES).pace is Pace.NO_TARGET
    assert [r.measure for r in rows] == list(Measure)


def test_pace_of_past_and_future_years():
    targets = YearTargets({Measure.CONTESTS: 50})
    assert (
        _pace(compare(FIGURES, targets, year=2025, today=date(2026, 1, 5)), Measure.CONTESTS).pace
        is Pace.MISSED
    )
    assert (
        _pace(compare(FIGURES, targets, year=2027, today=date(2026, 1, 5)), Measure.CONTESTS).pace
        is Pace.NOT_STARTED
    )
    assert (
        _pace(
            compare(YearFigures(contests_held=50), targets, year=2025, today=date(2026, 1, 5)),
            Measure.CONTESTS,
        ).pace
        is Pace.MET
    )


def test_levelled_label_follows_the_target_level():
    targets = YearTargets({Measure.CERTIFICATES_HIGH: 1000}, high_level=SkillLevel.TECHNICIAN)
    row = _pace(compare(FIGURES, targets, year=2026, today=date(2026, 7, 2)), Measure.CERTIFICATES_HIGH)
    assert row.label == "技师及以上职业技能等级证书"
    assert row.actual == 5


def test_check_targets_accepts_the_seed_examples():
    for example in SEED_EXAMPLES:
        checked = check_targets(example.values)
        assert set(checked) == set(Measure)
        for measure, value in example.values.items():
            assert checked[measure] == value


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({Measure.CONTESTS: -1}, "contests", "负数"),
        ({Measure.CERTIFICATES: MAX_TARGET + 1}, "certificates", "不能超过"),
        (
            {Measure.CERTIFICATES: 48000, Measure.CERTIFICATES_HIGH: 48001},
            "certificates_high",
            "不能大于总数",
        ),
        ({Measure.PROMOTIONS: 10, Measure.PROMOTIONS_HIGH: 11}, "promotions_high", "不能大于总数"),
        ({Measure.TITLES: "100"}, "titles", "整数"),
        ({}, None, "至少填写一项"),
    ],
)
def test_check_targets_refuses_bad_numbers(values, field, words):
    with pytest.raises(DomainError) as caught:
        check_targets(values)
    assert caught.value.field == field
    assert words in caught.value.message
