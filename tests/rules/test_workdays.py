"""Working days for public notice: holidays, adjusted workdays (调休) and the weekends-only fallback."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.errors import DomainError
from competition.workdays import (
    ChineseHolidayCalendar,
    HolidayCalendar,
    TableCalendar,
    add_working_days,
    default_calendar,
    is_working_day,
    notice_period,
)

CAL = default_calendar()

# 2025 国庆节、中秋节 per the State Council's 2025 arrangement: 10-01…10-08 off, 09-28 (Sun) and
# 10-11 (Sat) worked. Written out here so the pure logic is also tested without the package.
TABLE_2025 = TableCalendar(
    holidays=frozenset(date(2025, 10, d) for d in range(1, 9)),
    workdays=frozenset({date(2025, 9, 28), date(2025, 10, 11)}),
    first_year=2025,
    last_year=2025,
)


@pytest.mark.parametrize("calendar", [CAL, TABLE_2025])
@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Sunday 09-28 is an adjusted workday
        (date(2025, 9, 27), 1, date(2025, 9, 28)),
        (date(2025, 9, 28), 1, date(2025, 9, 29)),
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # 10-01…10-08 holiday
        (date(2025, 9, 30), 3, date(2025, 10, 11)),  # Saturday 10-11 is an adjusted workday
        (date(2025, 9, 30), 4, date(2025, 10, 13)),
        (date(2025, 9, 25), 5, date(2025, 10, 9)),
        (date(2025, 10, 3), 0, date(2025, 10, 3)),
    ],
)
def test_national_day_2025(calendar, start, days, end):
    result = add_working_days(start, days, calendar)
    assert (result.start, result.days, result.end) == (start, days, end)
    assert not result.fallback_used


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (date(2025, 1, 24), 1, date(2025, 1, 26)),  # 2025 春节: Sunday 01-26 worked
        (date(2025, 1, 27), 1, date(2025, 2, 5)),  # 01-28…02-04 off
        (date(2025, 2, 7), 1, date(2025, 2, 8)),  # Saturday 02-08 worked
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # 2026 春节: Saturday 02-14 worked
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # 02-15…02-23 off
        (date(2026, 2, 27), 1, date(2026, 2, 28)),  # Saturday 02-28 worked
        (date(2024, 12, 31), 1, date(2025, 1, 2)),  # 元旦
    ],
)
def test_spring_festival_and_new_year(start, days, end):
    result = add_working_days(start, days, CAL)
    assert result.end == end
    assert not result.fallback_used


@pytest.mark.parametrize(
    ("published", "first", "last"),
    [
        (date(2025, 9, 30), date(2025, 9, 30), date(2025, 10, 13)),
        (date(2025, 10, 1), date(2025, 10, 9), date(2025, 10, 14)),
        (date(2025, 9, 27), date(2025, 9, 28), date(2025, 10, 10)),
    ],
)
def test_notice_period_of_five_working_days(published, first, last):
    period = notice_period(published, 5, CAL)
    assert (period.first_day, period.last_day, period.working_days) == (first, last, 5)
    assert not period.fallback_used


def test_beyond_the_covered_years_weekends_only_with_a_flag():
    assert isinstance(CAL, ChineseHolidayCalendar)
    assert CAL.first_year <= 2025 <= 2026 <= CAL.last_year
    after = CAL.last_year + 1
    start = date(after, 3, 1)
    result = add_working_days(start, 5, CAL)
    expected = start
    counted = 0
    while counted < 5:
        expected += timedelta(days=1)
        counted += expected.weekday() < 5
    assert result.end == expected
    assert result.fallback_used
    assert result.fallback_years == (after,)


def test_crossing_into_an_uncovered_year_sets_the_flag():
    last = CAL.last_year
    inside = add_working_days(date(last, 12, 1), 3, CAL)
    assert not inside.fallback_used
    crossing = add_working_days(date(last, 12, 30), 5, CAL)
    assert crossing.fallback_used
    assert crossing.fallback_years == (last + 1,)
    period = notice_period(date(last + 1, 1, 2), 1, CAL)
    assert period.fallback_used


def test_before_the_covered_years_is_a_fallback_too():
    result = add_working_days(date(CAL.first_year - 1, 6, 2), 1, CAL)
    assert result.fallback_used


def test_is_working_day_reports_the_source():
    assert is_working_day(date(2025, 9, 28), CAL) == (True, False)
    assert is_working_day(date(2025, 10, 1), CAL) == (False, False)
    assert is_working_day(date(2025, 10, 1), TABLE_2025) == (False, False)
    assert is_working_day(date(2030, 10, 1), TABLE_2025) == (True, True)


@pytest.mark.parametrize("days", [-1, 367])
def test_bad_day_counts_are_refused(days):
    with pytest.raises(DomainError) as err:
        add_working_days(date(2025, 1, 1), days, CAL)
    assert err.value.field == "days"


def test_a_notice_lasts_at_least_one_day():
    with pytest.raises(DomainError, match="至少为 1 个工作日"):
        notice_period(date(2025, 1, 1), 0, CAL)


def test_calendars_satisfy_the_protocol():
    assert isinstance(CAL, HolidayCalendar)
    assert isinstance(TABLE_2025, HolidayCalendar)
    assert default_calendar() is CAL


@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 40))
def test_exactly_n_working_days_in_between(start, days):
    result = add_working_days(start, days, CAL)
    span = [start + timedelta(days=i) for i in range(1, (result.end - start).days + 1)]
    assert sum(is_working_day(d, CAL)[0] for d in span) == days
    if days:
        assert is_working_day(result.end, CAL)[0]
    assert result.fallback_used == any(not CAL.covers(d) for d in span)


@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 30))
def test_more_days_never_end_earlier(start, days):
    assert add_working_days(start, days, CAL).end < add_working_days(start, days + 1, CAL).end
