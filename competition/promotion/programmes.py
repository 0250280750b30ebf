"""Eligibility for an honour programme's title (评选资格), pure: standard library only.

DOMAIN.md §4–§5: youth titles limit age (青年岗位能手, 绍兴青年工匠: ≤ 35), some programmes require a
minimum skill level or an earlier title.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from competition.domain import SkillLevel, age_on
from competition.errors import N_, fmt, joined


def honour_eligibility_problems(
    *,
    birth_date: date,
    reference_date: date,
    current_level: SkillLevel | None,
    titles: Collection[str],
    age_max: int | None = None,
    min_level: SkillLevel | None = None,
    required_titles: Collection[str] = (),
) -> list[str]:
    """Every reason, in Chinese, why a person may not hold the title (empty list = eligible): age above
    ``age_max`` at ``reference_date``, ``current_level`` below ``min_level``, none of ``required_titles``
    among ``titles``. Each reason is a marked message (:func:`competition.errors.fmt`, a ``str``), shown
    in the reader's language; store it with :func:`competition.errors.to_data` to keep that."""
    problems: list[str] = []
    if age_max is not None:
        age = age_on(birth_date, reference_date)
        if age > age_max:
            problems.append(
                fmt(
                    N_("年龄：%(date)s 时 %(age)s 岁，超过上限 %(age_max)s 岁"),
                    date=reference_date.isoformat(),
                    age=age,
                    age_max=age_max,
                )
            )
    if min_level is not None and (current_level is None or current_level < min_level):
        held = current_level.certificate_label if current_level else N_("无")
        problems.append(
            fmt(N_("等级：现为 %(held)s，须 %(level)s 及以上"), held=held, level=min_level.certificate_label)
        )
    if required_titles and not set(required_titles) & set(titles):
        problems.append(fmt(N_("须已获得以下称号之一：%(titles)s"), titles=joined(required_titles)))
    return problems
