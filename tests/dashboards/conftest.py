"""A year of a city body and its district, built from factories, with every kind of row the dashboard
counts — and rows it must not count (other years, other bodies, drafts, unconfirmed or revoked ones)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from competition.accounts.models import Role, User
from competition.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateRequest,
    CertificateStatus,
    RequestState,
)
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event
from competition.domain import SkillLevel
from competition.extensions import db
from competition.organizations.models import OrganizingBody
from competition.promotion.models import (
    BatchState,
    HonourBatch,
    HonourNomination,
    HonourPeriod,
    HonourProgramme,
    HonourRecord,
    NominationChannel,
    NominationState,
    PromotionDecision,
    ReviewState,
)
from competition.promotion.rules import DecisionKind, DecisionStatus
from competition.registration.models import Competitor, Registration, RegistrationChannel, RegistrationMember
from competition.registration.review import RegistrationStatus
from tests import factories
from tests.factories import NOW

_serial = itertools.count(1)


def enter(event: Event, person: Competitor, status: RegistrationStatus = RegistrationStatus.APPROVED):
    """An entry of ``person`` in ``event`` with the given review status."""
    registration = Registration(
        event=event,
        unit=person.unit,
        status=status,
        channel=RegistrationChannel.UNIT,
        eligible=True,
        eligibility_problems=[],
        created_at=NOW,
        updated_at=NOW,
    )
    registration.members = [
        RegistrationMember(
            event_id=event.id,
            competitor=person,
            position=0,
            active=status is not RegistrationStatus.WITHDRAWN,
        )
    ]
    db.session.add(registration)
    db.session.flush()
    return registration


def decide(
    event: Event,
    person: Competitor,
    *,
    kind: DecisionKind = DecisionKind.PROMOTION,
    level: SkillLevel | None = SkillLevel.TECHNICIAN,
    state: ReviewState = ReviewState.CONFIRMED,
    adjusted: SkillLevel | None = None,
    title: str | None = None,
    notice_id: int | None = None,
) -> PromotionDecision:
    """A promotion or title decision of ``person`` in ``event`` in the given review state."""
    n = next(_serial)
    decision = PromotionDecision(
        contest_id=event.contest_id,
        event_id=event.id,
        competitor_id=person.id,
        rule_key=f"rule-{n}",
        ruleset_key="tianjin-2024@1",
        kind=kind,
        outcome=DecisionStatus.GRANTED,
        rule_name="市级一类竞赛职工组前10名晋升技师",
        rule_source="天津市人社局 2024-10-25",
        level=level if kind is DecisionKind.PROMOTION else None,
        title=title,
        facts_text="名次 1/6",
        outcome_text=f"晋升 {level.certificate_label}"
        if level and kind is DecisionKind.PROMOTION
        else f"授予“{title}”称号",
        reason="按规则授予",
        evaluated_at=NOW,
        state=state,
        adjusted_level=adjusted,
        review_reason="组织方复核" if adjusted else None,
        notice_id=notice_id,
        confirmed_at=NOW if state is ReviewState.CONFIRMED else None,
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def honour(body: OrganizingBody, person: Competitor, conferred_on: date) -> HonourRecord:
    """An honour record of a programme of ``body``, conferred on ``conferred_on``."""
    n = next(_serial)
    programme = HonourProgramme(
        body_id=body.id,
        title=f"测试工匠{n}",
        issuing_body=body.name,
        period=HonourPeriod.YEARLY,
        quota=20,
        created_at=NOW,
    )
    batch = HonourBatch(
        programme=programme,
        year=conferred_on.year,
        label=f"{conferred_on.year}年度",
        age_reference_date=conferred_on,
        state=BatchState.CONFIRMED,
        created_at=NOW,
    )
    nomination = HonourNomination(
        batch=batch,
        competitor_id=person.id,
        channel=NominationChannel.UNIT,
        state=NominationState.SELECTED,
        nominated_at=NOW,
    )
    db.session.add_all([programme, batch, nomination])
    db.session.flush()
    record = HonourRecord(
        nomination_id=nomination.id,
        programme_id=programme.id,
        competitor_id=person.id,
        title=programme.title,
        batch_label=batch.label,
        citation="技艺精湛",
        record_number=f"DA-{n:06d}",
        conferred_on=conferred_on,
        created_at=NOW,
    )
    db.session.add(record)
    db.session.flush()
    return record


def certificate(
    body: OrganizingBody,
    person: Competitor,
    *,
    kind: CertificateKind = CertificateKind.AWARD,
    level: SkillLevel | None = None,
    issued_at: datetime = NOW,
    status: CertificateStatus = CertificateStatus.VALID,
    replaces: Certificate | None = None,
) -> Certificate:
    """An issued certificate row (no PDF: the dashboard counts rows)."""
    n = next(_serial)
    # as the certificates feature stores them: the request keeps the level's value, the certificate the
    # printed document (level in its certificate form)
    snapshot = {"occupation": "焊工", "level": level.value} if level is not None else {"award": "first"}
    printed = {"document": {"name": person.name, "level": level.certificate_label if level else ""}}
    request = replaces.request if replaces is not None else None
    if request is None:
        request = CertificateRequest(
            kind=kind,
            source=f"test:{n}",
            competitor_id=person.id,
            body_id=body.id,
            snapshot=snapshot,
            state=RequestState.ISSUED,
            requested_at=issued_at,
        )
        db.session.add(request)
        db.session.flush()
    row = Certificate(
        request_id=request.id,
        kind=kind,
        number=f"TEST{n:010d}",
        sequence="TEST",
        serial=n,
        verify_code=f"code-{n}",
        competitor_id=person.id,
        body_id=body.id,
        holder_name=person.name,
        snapshot=printed,
        template_version="test/1",
        storage_key=f"test/{n}.pdf",
        sha256="0" * 64,
        size=1,
        issued_at=issued_at,
        replaces_id=replaces.id if replaces is not None else None,
        status=status,
        status_reason=None if status is CertificateStatus.VALID else "测试",
        status_changed_at=None if status is CertificateStatus.VALID else issued_at,
    )
    db.session.add(row)
    db.session.flush()
    return row


@dataclass
class YearWorld:
    """绍兴 (city) with 越城 (district) below it, and 宿迁 (unrelated); organizers of each and an admin.

    Expected 2026 figures for the city with its district: 2 contests held (city final, district in
    progress), 1 planned, 2 events, 4 competitors (5 approved places, one person in both), promotions
    {技师: 2, 高级工: 1}, titles 1 decision + 1 honour record, certificates award 1 + skill-level 2 (技师 1
    after a reissue counted once, 高级工 1); the district alone: 1 contest, 2 competitors, 1 promotion.
    """

    city: OrganizingBody
    district: OrganizingBody
    other: OrganizingBody
    city_organizer: User
    district_organizer: User
    other_organizer: User
    admin: User
    final_contest: Contest
    final_event: Event
    district_event: Event
    people: list[Competitor]


def make_year_world() -> YearWorld:
    city = factories.make_body("绍兴市人社局（测试）")
    district = factories.make_body("越城区人社局（测试）", parent=city, region_code="330602")
    other = factories.make_body("宿迁市人社局（测试）", region_code="321300")
    unit = factories.make_unit()
    people = [factories.make_competitor(unit, name=f"选手{i}") for i in range(8)]

    final = factories.make_contest(city, status=ContestStatus.FINAL, starts_on=date(2026, 5, 10))
    final_event = factories.make_event(final)
    for person in people[:3]:
        enter(final_event, person)
    enter(final_event, people[5], RegistrationStatus.SUBMITTED)  # not approved: not counted
    enter(final_event, people[6], RegistrationStatus.WITHDRAWN)  # withdrawn: not counted

    in_progress = factories.make_contest(
        district, status=ContestStatus.IN_PROGRESS, starts_on=date(2026, 9, 1)
    )
    district_event = factories.make_event(in_progress, "电工")
    enter(district_event, people[0])  # also in the city's contest: one person
    enter(district_event, people[3])

    factories.make_contest(city, status=ContestStatus.REGISTRATION_OPEN, starts_on=date(2026, 12, 1))
    draft = factories.make_contest(city, status=ContestStatus.DRAFT, starts_on=date(2026, 12, 20))
    enter(factories.make_event(draft, "钳工"), people[7])
    last_year = factories.make_contest(city, status=ContestStatus.ARCHIVED, starts_on=date(2025, 6, 1))
    last_year_event = factories.make_event(last_year)
    enter(last_year_event, people[4])
    others = factories.make_contest(other, status=ContestStatus.FINAL, starts_on=date(2026, 4, 1))
    others_event = factories.make_event(others)
    enter(others_event, people[4])

    decide(final_event, people[0], level=SkillLevel.TECHNICIAN)
    decide(final_event, people[1], level=SkillLevel.SENIOR_WORKER, adjusted=SkillLevel.TECHNICIAN)
    decide(final_event, people[2], level=SkillLevel.SENIOR_TECHNICIAN, state=ReviewState.PROPOSED)
    decide(final_event, people[2], level=SkillLevel.SENIOR_WORKER, state=ReviewState.REJECTED)
    decide(final_event, people[0], kind=DecisionKind.TITLE, title="绍兴市技术能手")
    decide(district_event, people[3], level=SkillLevel.SENIOR_WORKER)
    decide(last_year_event, people[4], level=SkillLevel.TECHNICIAN)
    decide(others_event, people[4], level=SkillLevel.TECHNICIAN)

    honour(city, people[0], date(2026, 6, 1))
    honour(city, people[1], date(2025, 12, 31))

    certificate(city, people[0])
    original = certificate(
        city,
        people[0],
        kind=CertificateKind.SKILL_LEVEL,
        level=SkillLevel.TECHNICIAN,
        status=CertificateStatus.SUPERSEDED,
    )
    certificate(
        city,
        people[0],
        kind=CertificateKind.SKILL_LEVEL,
        level=SkillLevel.TECHNICIAN,
        replaces=original,
        issued_at=datetime(2026, 4, 1, 10, 0),
    )
    certificate(district, people[3], kind=CertificateKind.SKILL_LEVEL, level=SkillLevel.SENIOR_WORKER)
    certificate(
        city,
        people[1],
        kind=CertificateKind.SKILL_LEVEL,
        level=SkillLevel.SENIOR_WORKER,
        status=CertificateStatus.REVOKED,
    )
    certificate(city, people[1], issued_at=datetime(2025, 12, 31, 23, 0))
    certificate(other, people[4])

    return YearWorld(
        city=city,
        district=district,
        other=other,
        city_organizer=factories.make_user(Role.ORGANIZER, username="city-organizer", body=city),
        district_organizer=factories.make_user(Role.ORGANIZER, username="district-organizer", body=district),
        other_organizer=factories.make_user(Role.ORGANIZER, username="other-organizer", body=other),
        admin=factories.make_user(Role.ADMIN, username="admin"),
        final_contest=final,
        final_event=final_event,
        district_event=district_event,
        people=people,
    )


@pytest.fixture
def year_world(session) -> YearWorld:
    return make_year_world()
