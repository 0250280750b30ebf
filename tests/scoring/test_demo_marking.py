"""The demo's results (competition/demo/marking.py) belong to contest C, 江苏技能状元大赛总决赛: its
finalists are staff of Jiangsu employers (REAL-CONTESTS.md C), not the 绍兴 welders of contest A."""

from __future__ import annotations

import sqlalchemy as sa

from competition.contests.models import Contest, Event
from competition.demo.load import load_demo
from competition.extensions import db
from competition.organizations.models import Unit, UnitKind
from competition.registration.eligibility import Status
from competition.registration.models import Competitor, Registration, RegistrationMember
from tests import factories


def test_contest_c_results_are_for_jiangsu_staff_from_jiangsu_employers(session):
    load_demo(now=factories.NOW)
    contest = db.session.execute(
        sa.select(Contest).where(Contest.name.like("%江苏技能状元大赛总决赛"))
    ).scalar_one()
    rows = db.session.execute(
        sa.select(
            Event.occupation_name, Registration.competitor_number, Unit.region_code, Unit.kind, Competitor
        )
        .join(Registration, Registration.event_id == Event.id)
        .join(RegistrationMember, RegistrationMember.registration_id == Registration.id)
        .join(Competitor, Competitor.id == RegistrationMember.competitor_id)
        .join(Unit, Unit.id == Competitor.unit_id)
        .where(Event.contest_id == contest.id, Registration.competitor_number.is_not(None))
    ).all()
    assert {r.occupation_name for r in rows} == {"网络安全", "电工", "焊工"}
    assert len(rows) == 12 + 14 + 12
    assert all(r.region_code.startswith("32") and r.kind is UnitKind.EMPLOYER for r in rows)
    assert all(r.Competitor.status is Status.EMPLOYEE for r in rows)
    assert len({r.Competitor.id for r in rows}) == len(rows)  # nobody entered twice
    # registered under the competitor's own unit
    units = dict(
        db.session.execute(
            sa.select(Registration.id, Registration.unit_id).where(
                Registration.event_id.in_([e.id for e in contest.events])
            )
        ).all()
    )
    assert all(unit is not None for unit in units.values())
