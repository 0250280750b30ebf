"""Demo yearly targets (DOMAIN.md §7): the seed documents' numbers for the demo's bodies in the demo year,
so the dashboard shows real targets beside the demo's figures."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from competition.dashboards.services import save_targets
from competition.dashboards.targets import Measure
from competition.domain import SkillLevel
from competition.extensions import db
from competition.organizations.models import OrganizingBody

#: body name → (targets, level the 高技能 counts start at, source)
DEMO_TARGETS: dict[str, tuple[dict[Measure, int], SkillLevel, str]] = {
    "绍兴市人力资源和社会保障局": (
        {Measure.CONTESTS: 50, Measure.TITLES: 100},
        SkillLevel.SENIOR_WORKER,
        "绍兴：每年组织开展各类市级职业技能竞赛50场以上，培育100名左右市级技术能手（第13条）",
    ),
    "绍兴市越城区人力资源和社会保障局": (
        {Measure.CONTESTS: 15},
        SkillLevel.SENIOR_WORKER,
        "参照宿迁“各县（区）每年组织15场次以上技能竞赛”（技能宿迁行动第（九）条）",
    ),
    "宿迁市人力资源和社会保障局": (
        {Measure.CONTESTS: 100, Measure.CERTIFICATES_HIGH: 1000},
        SkillLevel.TECHNICIAN,
        "宿迁：三年开展技能竞赛300场次；每年新增取得技师以上证书1000人以上（技能宿迁行动第（六）、（九）条）",
    ),
    "江苏省人力资源和社会保障厅": (
        {
            Measure.CONTESTS: 20,
            Measure.PROMOTIONS: 200,
            Measure.PROMOTIONS_HIGH: 100,
            Measure.CERTIFICATES: 1500,
        },
        SkillLevel.TECHNICIAN,
        "演示数据：省级目标为示例数字，非政策原文",
    ),
}


def load_targets_demo(*, now: datetime) -> int:
    """Set the demo bodies' targets for ``now``'s year and every year the body has a contest in, through
    the audited service; returns how many rows were written. Bodies missing from the database are
    skipped."""
    from competition.contests.models import Contest

    written = 0
    for name, (values, level, note) in DEMO_TARGETS.items():
        body = db.session.execute(sa.select(OrganizingBody).where(OrganizingBody.name == name)).scalar()
        if body is None:
            continue
        years = {now.year} | set(
            db.session.execute(sa.select(Contest.year).where(Contest.body_id == body.id)).scalars()
        )
        for year in sorted(years):
            save_targets(body, year, values=values, high_level=level, note=note, actor=None, now=now)
            written += 1
    return written
