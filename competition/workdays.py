"""Working days for public notice periods (公示), counting Chinese public holidays and 调休.

DOMAIN.md §3: results, promotions and titles become final after a public notice of some working days
(default 5, a setting). Chinese working days skip the public holidays set each year by the State
Council's notice (国务院办公厅关于某年部分节假日安排的通知) and include the weekend days it turns into
working days (调休).

The counting functions are pure and take a :class:`HolidayCalendar`. :class:`ChineseHolidayCalendar`
adapts the ``chinesecalendar`` package (import name ``chinese_calendar``), which transcribes those
notices; :class:`TableCalendar` takes explicit dates (tests, local overrides). For any day a calendar
does not cover, the count falls back to "Monday–Friday are working days" and the result says so
(``fallback_used``, ``fallback_years``) so the page can warn that the end date may move once the
year's holiday notice is out (usually published in November for the next year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Protocol, runtime_checkable

import chinese_calendar

from competition.errors import N_, DomainError

__all__ = [
    "ChineseHolidayCalendar",
    "HolidayCalendar",
    "NoticePeriod",
    "TableCalendar",
    "WorkdayResult",
    "add_working_days",
    "default_calendar",
    "is_working_day",
    "notice_period",
]

_ONE_DAY = timedelta(days=1)
_MAX_DAYS = 366  # a notice longer than a year of working days is a settings mistake


@runtime_checkable
class HolidayCalendar(Protocol):
    """A source of official working days.

    ``covers(day)``: whether the calendar knows the official arrangement for ``day``.
    ``is_workday(day)``: whether ``day`` is an official working day; only asked when covered.
    """

    def covers(self, day: date) -> bool:
        """Whether the official arrangement for ``day`` is known."""
        ...

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is an official working day (only asked when :meth:`covers` is true)."""
        ...


class ChineseHolidayCalendar:
    """:class:`HolidayCalendar` over ``chinesecalendar`` (MIT, github.com/LKI/chinese-calendar).

    Covers whole years from the first to the last year in its holiday table (1.11.0: 2004–2026,
    including the 2020 Spring Festival extension); ``first_year``/``last_year`` say which.
    """

    def __init__(self) -> None:
        years = [d.year for d in chinese_calendar.holidays]
        self.first_year: int = min(years)
        self.last_year: int = max(years)

    def covers(self, day: date) -> bool:
        """True when ``day.year`` is within the package's table."""
        return self.first_year <= day.year <= self.last_year

    def is_workday(self, day: date) -> bool:
        """Official working day per the package (a weekday not on holiday, or an adjusted workday)."""
        return bool(chinese_calendar.is_workday(day))


@dataclass(frozen=True, slots=True)
class TableCalendar:
    """:class:`HolidayCalendar` from explicit dates, covering ``first_year``–``last_year`` inclusive.

    A day is a working day when it is in ``workdays`` (调休), or a Monday–Friday not in ``holidays``.
    """

    holidays: frozenset[date]
    workdays: frozenset[date]
    first_year: int
    last_year: int

    def covers(self, day: date) -> bool:
        """True when ``day.year`` is within ``first_year``–``last_year``."""
        return self.first_year <= day.year <= self.last_year

    def is_workday(self, day: date) -> bool:
        """Adjusted workday, or a weekday that is not a holiday."""
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


@cache
def default_calendar() -> ChineseHolidayCalendar:
    """The shared :class:`ChineseHolidayCalendar` (built once; it holds no mutable state)."""
    return ChineseHolidayCalendar()


def is_working_day(day: date, calendar: HolidayCalendar) -> tuple[bool, bool]:
    """``(working, fallback)``: whether ``day`` is a working day, and whether that came from the
    weekends-only fallback because ``calendar`` does not cover it."""
    if calendar.covers(day):
        return calendar.is_workday(day), False
    return day.weekday() < 5, True


@dataclass(frozen=True, slots=True)
class WorkdayResult:
    """``end`` is ``days`` working days after ``start``. ``fallback_used`` is True when a day examined
    was outside the calendar and counted by the weekends-only rule; ``fallback_years`` lists those
    years, ascending."""

    start: date
    days: int
    end: date
    fallback_used: bool
    fallback_years: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class NoticePeriod:
    """A public notice: from ``first_day`` to ``last_day`` inclusive, ``working_days`` working days
    (``first_day`` is a working day). Fallback flags as in :class:`WorkdayResult`."""

    published_on: date
    first_day: date
    last_day: date
    working_days: int
    fallback_used: bool
    fallback_years: tuple[int, ...] = ()


def _check_days(days: int) -> None:
    if not 0 <= days <= _MAX_DAYS:
        raise DomainError(
            N_("工作日数应在 0–%(max_days)s 之间，现为 %(days)s"), max_days=_MAX_DAYS, days=days, field="days"
        )


def add_working_days(start: date, days: int, calendar: HolidayCalendar) -> WorkdayResult:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted; 0 → ``start``).

    ``days``: 0–366. E.g. with the 2025 arrangement, 2025-09-26 + 1 = 2025-09-28 (an adjusted Sunday
    workday) and 2025-09-30 + 1 = 2025-10-09 (10-01…10-08 are holidays). Raises :class:`DomainError`
    (``field="days"``) for a count outside 0–366.
    """
    _check_days(days)
    fallback_years: set[int] = set()
    day = start
    counted = 0
    while counted < days:
        day += _ONE_DAY
        working, fallback = is_working_day(day, calendar)
        if fallback:
            fallback_years.add(day.year)
        if working:
            counted += 1
    return WorkdayResult(start, days, day, bool(fallback_years), tuple(sorted(fallback_years)))


def notice_period(published_on: date, working_days: int, calendar: HolidayCalendar) -> NoticePeriod:
    """The notice period for a notice published on ``published_on`` lasting ``working_days`` (1–366).

    The first day is ``published_on`` if it is a working day, else the next working day; the last day
    is the ``working_days``-th working day counting the first as 1. E.g. published 2025-09-30 for 5
    working days → 2025-09-30 to 2025-10-13 (09-30, 10-09, 10-10, 10-11 adjusted Saturday, 10-13).
    Raises :class:`DomainError` (``field="days"``) for a count outside 1–366.
    """
    if working_days < 1:
        raise DomainError(
            N_("公示期至少为 1 个工作日，现为 %(working_days)s"), working_days=working_days, field="days"
        )
    _check_days(working_days)
    fallback_years: set[int] = set()
    first = published_on
    while True:
        working, fallback = is_working_day(first, calendar)
        if fallback:
            fallback_years.add(first.year)
        if working:
            break
        first += _ONE_DAY
    rest = add_working_days(first, working_days - 1, calendar)
    fallback_years.update(rest.fallback_years)
    return NoticePeriod(
        published_on, first, rest.end, working_days, bool(fallback_years), tuple(sorted(fallback_years))
    )
