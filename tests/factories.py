"""Factory functions for tests: plain rows with sensible defaults, built through the models."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from werkzeug.security import generate_password_hash

from competition.accounts.models import Role, User
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event, EventPart, JudgeAssignment, JudgePosition
from competition.domain import Gender, Group, PartKind, SkillLevel, Tier
from competition.extensions import db
from competition.organizations.models import BodyKind, OrganizingBody, Unit, UnitKind
from competition.registration.eligibility import Status
from competition.registration.idnumbers import IdType, make_resident_id
from competition.registration.models import Competitor, Registration, RegistrationChannel, RegistrationMember
from competition.registration.review import RegistrationStatus

PASSWORD = "correct-horse-7"
_PASSWORD_HASH = generate_password_hash(PASSWORD)
NOW = datetime(2026, 3, 2, 9, 30)
_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def make_body(
    name: str | None = None, *, parent: OrganizingBody | None = None, region_code: str = "330600"
) -> OrganizingBody:
    body = OrganizingBody(
        name=name or f"测试人社局{_n()}",
        kind=BodyKind.HRSS,
        region_code=region_code,
        region_name="浙江省绍兴市",
        parent=parent,
        created_at=NOW,
    )
    db.session.add(body)
    db.session.flush()
    return body


def make_unit(name: str | None = None, kind: UnitKind = UnitKind.EMPLOYER) -> Unit:
    unit = Unit(
        name=name or f"测试单位{_n()}有限公司",
        kind=kind,
        region_code="330600",
        region_name="浙江省绍兴市",
        created_at=NOW,
    )
    db.session.add(unit)
    db.session.flush()
    return unit


def make_user(
    role: Role,
    *,
    username: str | None = None,
    body: OrganizingBody | None = None,
    unit: Unit | None = None,
    must_change_password: bool = False,
) -> User:
    user = User(
        username=username or f"{role.value}{_n()}",
        display_name=f"测试{role.label}",
        role=role,
        body=body,
        unit=unit,
        password_hash=_PASSWORD_HASH,
        created_at=NOW,
        active=True,
        must_change_password=must_change_password,
        failed_sign_ins=0,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_contest(
    body: OrganizingBody,
    *,
    status: ContestStatus = ContestStatus.DRAFT,
    starts_on: date = date(2026, 10, 26),
    name: str | None = None,
    tier: Tier = Tier.MUNICIPAL_1,
) -> Contest:
    contest = Contest(
        name=name or f"2026年测试职业技能竞赛{_n()}",
        year=starts_on.year,
        tier=tier,
        body=body,
        venue="绍兴市技师学院",
        starts_on=starts_on,
        ends_on=starts_on,
        status=status,
        description="",
        registration_opens_at=datetime.combine(starts_on - timedelta(days=30), datetime.min.time()),
        registration_closes_at=datetime.combine(starts_on - timedelta(days=5), datetime.min.time()),
        created_at=NOW,
        updated_at=NOW,
    )
    db.session.add(contest)
    db.session.flush()
    return contest


def make_event(
    contest: Contest,
    occupation: str = "焊工",
    *,
    group: Group = Group.STAFF,
    weights: tuple[int, ...] = (30, 70),
) -> Event:
    event = Event(
        contest=contest,
        occupation_name=occupation,
        occupation_code="6-18-02-04",
        group=group,
        team_size=1,
        level=SkillLevel.SENIOR_WORKER,
        created_at=NOW,
    )
    kinds = (PartKind.THEORY, PartKind.PRACTICAL, PartKind.DEFENCE)
    event.parts = [
        EventPart(kind=k, weight=Decimal(w), pass_mark=Decimal(60), position=i)
        for i, (k, w) in enumerate(zip(kinds, weights, strict=False))
    ]
    db.session.add(event)
    db.session.flush()
    return event


def seat(event: Event, user: User, position: JudgePosition = JudgePosition.JUDGE) -> JudgeAssignment:
    assignment = JudgeAssignment(event=event, user=user, position=position, assigned_at=NOW)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def make_competitor(unit: Unit, *, user: User | None = None, name: str = "张三丰") -> Competitor:
    n = _n()
    competitor = Competitor(
        user=user,
        name=name,
        gender=Gender.MALE,
        id_type=IdType.RESIDENT_ID,
        id_number=make_resident_id("330602", date(1990, 5, 17), n % 500, Gender.MALE),
        birth_date=date(1990, 5, 17),
        phone="13812345678",
        unit=unit,
        status=Status.EMPLOYEE,
        current_level=SkillLevel.SENIOR_WORKER,
        created_at=NOW,
    )
    db.session.add(competitor)
    db.session.flush()
    return competitor


@dataclass
class World:
    """Two bodies, a contest of each with one event, and an account of every role."""

    body: OrganizingBody
    other_body: OrganizingBody
    unit: Unit
    contest: Contest
    event: Event
    other_contest: Contest
    other_event: Event
    admin: User
    organizer: User
    other_organizer: User
    judge: User
    chief_judge: User
    unit_contact: User
    competitor: User
    seat: JudgeAssignment
    registration: Registration
    public_contest: Contest


def make_world() -> World:
    body = make_body("绍兴市人力资源和社会保障局")
    other_body = make_body("宿迁市人力资源和社会保障局", region_code="321300")
    unit = make_unit("绍兴市水务集团有限公司")
    contest = make_contest(body)
    event = make_event(contest)
    other_contest = make_contest(other_body)
    other_event = make_event(other_contest, "电工")
    judge = make_user(Role.JUDGE, username="judge")
    chief = make_user(Role.JUDGE, username="chief")
    judge_seat = seat(event, judge)
    seat(event, chief, JudgePosition.CHIEF_JUDGE)
    competitor_user = make_user(Role.COMPETITOR, username="competitor", unit=unit)
    person = make_competitor(unit, user=competitor_user)
    registration = Registration(
        event=event,
        unit=unit,
        status=RegistrationStatus.SUBMITTED,
        channel=RegistrationChannel.SELF,
        eligible=True,
        eligibility_problems=[],
        created_at=NOW,
        updated_at=NOW,
    )
    registration.members = [RegistrationMember(event_id=event.id, competitor=person, position=0, active=True)]
    db.session.add(registration)
    db.session.flush()
    public_contest = make_contest(
        other_body, status=ContestStatus.REGISTRATION_OPEN, name="2026年公开报名测试竞赛"
    )
    make_event(public_contest, "钳工")
    return World(
        body=body,
        other_body=other_body,
        unit=unit,
        contest=contest,
        event=event,
        other_contest=other_contest,
        other_event=other_event,
        admin=make_user(Role.ADMIN, username="admin"),
        organizer=make_user(Role.ORGANIZER, username="organizer", body=body),
        other_organizer=make_user(Role.ORGANIZER, username="other-organizer", body=other_body),
        judge=judge,
        chief_judge=chief,
        unit_contact=make_user(Role.UNIT_CONTACT, username="unit-contact", unit=unit),
        competitor=competitor_user,
        seat=judge_seat,
        registration=registration,
        public_contest=make_contest(
            other_body, status=ContestStatus.REGISTRATION_OPEN, name="2026年公开报名测试竞赛"
        ),
    )


# ---- marking and results ---------------------------------------------------------------------------


def make_entry(
    event: Event,
    unit: Unit | None,
    *,
    number: str,
    station: int | None = None,
    name: str = "李四",
    not_ranked: bool = False,
) -> Registration:
    """An approved entry of one competitor with its competitor number and station from the draw."""
    person = make_competitor(unit, name=name) if unit is not None else None
    registration = Registration(
        event=event,
        unit=unit,
        status=RegistrationStatus.APPROVED,
        channel=RegistrationChannel.UNIT,
        eligible=True,
        eligibility_problems=[],
        not_ranked_for_awards=not_ranked,
        competitor_number=number,
        station=station,
        created_at=NOW,
        updated_at=NOW,
    )
    if person is not None:
        registration.members = [
            RegistrationMember(event_id=event.id, competitor=person, position=0, active=True)
        ]
    db.session.add(registration)
    db.session.flush()
    return registration


def marking_scheme_workbook() -> bytes:
    """A small practical scheme in our template (no theory part: the exam score is imported).

    P1 焊缝外观: P1.1 焊缝成形 (judgement 0–3, 30 marks), P1.2 焊缝余高 (measurement met/not met, 20);
    P2 安全文明: P2.1 安全文明生产 (judges' marks 0–50, mean). Raw maximum 100.
    """
    from competition.scoring.aspects import Aspect, Check, JudgedMark, Judgement
    from competition.scoring.scheme import Criterion, MarkingScheme, Part
    from competition.scoring.xlsx_io import AspectInfo, export_scheme_xlsx

    practical = Part(
        PartKind.PRACTICAL,
        Decimal(100),
        (
            Criterion(
                "P1",
                "焊缝外观",
                (
                    Aspect("P1.1", "焊缝成形", Decimal(30), Judgement()),
                    Aspect("P1.2", "焊缝余高", Decimal(20), Check()),
                ),
            ),
            Criterion("P2", "安全文明", (Aspect("P2.1", "安全文明生产", Decimal(50), JudgedMark()),)),
        ),
    )
    scheme = MarkingScheme("焊工（职工组）评分标准", (practical,))
    descriptors = ("未完成", "基本完成", "完成良好", "完成优秀")
    return export_scheme_xlsx(scheme, aspects={"P1.1": AspectInfo(descriptors=descriptors)})


@dataclass
class MarkingWorld:
    """A contest being marked: one event (理论 30 / 实操 70) with a scheme, three judges and a chief
    judge, and six numbered entries (A01–A06, units 0, 1, 2, 0, 1, 2); judge 1 works for unit 0, so
    A01 and A04 are kept from them (回避)."""

    body: OrganizingBody
    organizer: User
    contest: Contest
    event: Event
    judges: list[User]
    chief: User
    units: list[Unit]
    entries: list[Registration]


def make_marking_world(*, status: ContestStatus = ContestStatus.MARKING, entries: int = 6) -> MarkingWorld:
    from competition.marking import services as marking_services

    body = make_body()
    organizer = make_user(Role.ORGANIZER, body=body)
    contest = make_contest(body, status=status, starts_on=date(2026, 3, 1))
    event = make_event(contest)
    units = [make_unit() for _ in range(3)]
    judges = [make_user(Role.JUDGE, unit=units[0]), make_user(Role.JUDGE), make_user(Role.JUDGE)]
    for judge in judges:
        seat(event, judge)
    chief = make_user(Role.JUDGE)
    seat(event, chief, JudgePosition.CHIEF_JUDGE)
    made = [
        make_entry(event, units[i % 3], number=f"A{i + 1:02d}", station=i + 1, name=f"选手{i + 1}号")
        for i in range(entries)
    ]
    fitted = marking_services.import_scheme(
        event, marking_scheme_workbook(), "scheme.xlsx", actor=organizer, now=NOW
    )
    assert not fitted.problems, fitted.problems
    return MarkingWorld(body, organizer, contest, event, judges, chief, units, made)


# ---- published results (for promotion and honours) -------------------------------------------------


def publish_results(
    event: Event,
    competitors: list[Competitor],
    *,
    publisher: User,
    notice_last_day: date = date(2026, 3, 10),
    published_at: datetime = NOW,
    ranks: list[int | None] | None = None,
    sequence: int = 1,
) -> list[Registration]:
    """Publish standings for ``competitors`` in ``event`` directly as rows (1st, 2nd, … unless ``ranks``
    says otherwise), each with an approved, numbered entry; returns the entries in order. A later call
    with ``sequence`` > 1 supersedes the event's earlier publication, as a re-publication after an
    upheld appeal does."""
    from competition.domain import AwardClass
    from competition.marking.models import Publication, PublishedStanding

    for old in db.session.query(Publication).filter_by(event_id=event.id, superseded_at=None):
        old.superseded_at = published_at
        for standing in old.standings:
            standing.current = False
    ranks = ranks if ranks is not None else list(range(1, len(competitors) + 1))
    publication = Publication(
        event_id=event.id,
        sequence=sequence,
        published_at=published_at,
        published_by_id=publisher.id,
        notice_first_day=published_at.date(),
        notice_last_day=notice_last_day,
        working_days=5,
        award_policy_text="一、二、三等奖各 1 名",
        scheme_sha256="0" * 64,
    )
    db.session.add(publication)
    db.session.flush()
    entries = []
    for position, (person, rank) in enumerate(zip(competitors, ranks, strict=True)):
        registration = (
            db.session.query(Registration)
            .join(RegistrationMember)
            .filter(Registration.event_id == event.id, RegistrationMember.competitor_id == person.id)
            .first()
        )
        if registration is None:
            registration = Registration(
                event=event,
                unit=person.unit,
                status=RegistrationStatus.APPROVED,
                channel=RegistrationChannel.UNIT,
                eligible=True,
                eligibility_problems=[],
                competitor_number=f"P{position + 1:03d}",
                created_at=NOW,
                updated_at=NOW,
            )
            registration.members = [
                RegistrationMember(event_id=event.id, competitor=person, position=0, active=True)
            ]
            db.session.add(registration)
            db.session.flush()
        award = {1: AwardClass.FIRST, 2: AwardClass.SECOND, 3: AwardClass.THIRD}.get(rank or 0)
        db.session.add(
            PublishedStanding(
                publication_id=publication.id,
                event_id=event.id,
                registration_id=registration.id,
                position=position,
                entry=registration.competitor_number,
                status="ranked" if rank else "not_ranked",
                rank=rank,
                joint=False,
                entrants=sum(1 for r in ranks if r),
                total=Decimal(95 - position),
                display_total=Decimal(95 - position),
                score_theory=Decimal(80),
                score_practical=Decimal(90),
                all_passed=True,
                award=award,
                reasons=[],
                current=True,
            )
        )
        entries.append(registration)
    db.session.flush()
    return entries
