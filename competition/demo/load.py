"""Build the demo year: contests A–C of REAL-CONTESTS.md at different stages, with accounts for every role.

Dates are placed relative to ``today`` so each contest sits at a believable stage whenever the demo
is loaded: A (绍兴 焊工) open for registration, B (川渝 乡村建设工匠) closed for registration and about
to start, C (江苏技能状元大赛 总决赛) held earlier and final, plus a district contest still in draft.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from competition.accounts.models import Role, User
from competition.audit.services import record
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event, EventPart, JudgeAssignment, JudgePosition
from competition.demo.accounts import DEMO_PASSWORD
from competition.demo.people import make_person
from competition.domain import Group, PartKind, SkillLevel, Tier
from competition.errors import N_, DomainError
from competition.extensions import db
from competition.organizations.models import BodyKind, OrganizingBody, Unit, UnitKind
from competition.registration.eligibility import Status
from competition.registration.idnumbers import IdType
from competition.registration.models import Competitor


@dataclass
class DemoSummary:
    """What was created, for the command's report."""

    bodies: int = 0
    units: int = 0
    users: int = 0
    contests: int = 0
    events: int = 0
    competitors: int = 0


class _Builder:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.today = now.date()
        self.rng = random.Random(20251026)
        self.password_hash = generate_password_hash(DEMO_PASSWORD)
        self.summary = DemoSummary()
        self.sequence = 0

    def body(
        self,
        name: str,
        kind: BodyKind,
        region_code: str,
        region_name: str,
        parent: OrganizingBody | None = None,
    ) -> OrganizingBody:
        body = OrganizingBody(
            name=name,
            kind=kind,
            region_code=region_code,
            region_name=region_name,
            parent=parent,
            created_at=self.now,
        )
        db.session.add(body)
        self.summary.bodies += 1
        return body

    def unit(self, name: str, region_code: str, region_name: str, kind: UnitKind = UnitKind.EMPLOYER) -> Unit:
        unit = Unit(
            name=name, kind=kind, region_code=region_code, region_name=region_name, created_at=self.now
        )
        db.session.add(unit)
        self.summary.units += 1
        return unit

    def user(
        self,
        username: str,
        display_name: str,
        role: Role,
        *,
        body: OrganizingBody | None = None,
        unit: Unit | None = None,
    ) -> User:
        user = User(
            username=username,
            display_name=display_name,
            role=role,
            body=body,
            unit=unit,
            password_hash=self.password_hash,
            created_at=self.now,
            active=True,
            must_change_password=False,
            failed_sign_ins=0,
        )
        db.session.add(user)
        self.summary.users += 1
        return user

    def contest(
        self,
        *,
        name: str,
        tier: Tier,
        body: OrganizingBody,
        co: list[OrganizingBody],
        venue: str,
        starts_on: date,
        days: int,
        status: ContestStatus,
        description: str,
        registration_days: tuple[int, int] = (40, 10),
    ) -> Contest:
        opens = datetime.combine(starts_on - timedelta(days=registration_days[0]), time(9, 0))
        closes = datetime.combine(starts_on - timedelta(days=registration_days[1]), time(17, 0))
        contest = Contest(
            name=name,
            year=starts_on.year,
            tier=tier,
            body=body,
            co_organizers=co,
            venue=venue,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=days - 1),
            registration_opens_at=opens,
            registration_closes_at=closes,
            status=status,
            description=description,
            created_at=self.now,
            updated_at=self.now,
        )
        if status in (ContestStatus.FINAL, ContestStatus.ARCHIVED):
            contest.public_notice_ends_on = contest.ends_on + timedelta(days=14)
        db.session.add(contest)
        self.summary.contests += 1
        return contest

    def event(
        self,
        contest: Contest,
        occupation: str,
        group: Group,
        *,
        code: str | None = None,
        work_type: str | None = None,
        team_size: int = 1,
        level: SkillLevel = SkillLevel.SENIOR_WORKER,
        weights: tuple[int, int] = (30, 70),
    ) -> Event:
        event = Event(
            contest=contest,
            occupation_name=occupation,
            occupation_code=code,
            work_type=work_type,
            group=group,
            team_size=team_size,
            level=level,
            created_at=self.now,
        )
        event.parts = [
            EventPart(kind=PartKind.THEORY, weight=Decimal(weights[0]), pass_mark=Decimal(60), position=0),
            EventPart(kind=PartKind.PRACTICAL, weight=Decimal(weights[1]), pass_mark=Decimal(60), position=1),
        ]
        db.session.add(event)
        self.summary.events += 1
        return event

    def panel(self, event: Event, prefix: str, judges: int, units: list[Unit]) -> None:
        for number in range(judges + 1):
            username = f"{prefix}-{'chief' if number == 0 else number}"
            person = make_person(
                self.rng,
                region_code=units[0].region_code,
                age_range=(35, 58),
                today=self.today,
                sequence=self.next_sequence(),
            )
            user = self.user(username, person.name, Role.JUDGE, unit=self.rng.choice(units))
            position = JudgePosition.CHIEF_JUDGE if number == 0 else JudgePosition.JUDGE
            event.judge_assignments.append(
                JudgeAssignment(user=user, position=position, assigned_at=self.now)
            )

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def competitors(
        self,
        units: list[Unit],
        count: int,
        *,
        status: Status,
        age_range: tuple[int, int],
        levels: list[SkillLevel | None],
    ) -> list[Competitor]:
        made = []
        for index in range(count):
            unit = units[index % len(units)]
            person = make_person(
                self.rng,
                region_code=unit.region_code,
                age_range=age_range,
                today=self.today,
                sequence=self.next_sequence(),
            )
            competitor = Competitor(
                name=person.name,
                gender=person.gender,
                id_type=IdType.RESIDENT_ID,
                id_number=person.id_number,
                birth_date=person.birth_date,
                phone=person.phone,
                unit=unit,
                status=status,
                current_level=self.rng.choice(levels),
                years_in_occupation=self.rng.randint(2, min(25, age_range[0] - 15))
                if age_range[0] > 17
                else 0,
                household_region=unit.region_code,
                created_at=self.now,
            )
            db.session.add(competitor)
            made.append(competitor)
        self.summary.competitors += count
        return made


def load_demo(*, now: datetime) -> DemoSummary:
    """Create the demo year in an empty database and flush it; the caller commits.

    Raises :class:`DomainError` when the database already holds accounts (the demo never mixes
    with real data).
    """
    if db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar():
        raise DomainError(N_("数据库中已有账号，演示数据只能载入空数据库。"))
    b = _Builder(now)
    today = b.today

    # Bodies: 绍兴 (contest A), 川渝 (B), 江苏 (C), with a district under 绍兴.
    sx_hrss = b.body("绍兴市人力资源和社会保障局", BodyKind.HRSS, "330600", "浙江省绍兴市")
    sx_union = b.body("绍兴市总工会", BodyKind.TRADE_UNION, "330600", "浙江省绍兴市")
    sx_youth = b.body("共青团绍兴市委", BodyKind.OTHER, "330600", "浙江省绍兴市")
    yc_hrss = b.body(
        "绍兴市越城区人力资源和社会保障局", BodyKind.HRSS, "330602", "浙江省绍兴市越城区", parent=sx_hrss
    )
    sc_housing = b.body("四川省住房和城乡建设厅", BodyKind.OTHER, "510000", "四川省")
    cq_housing = b.body("重庆市住房和城乡建设委员会", BodyKind.OTHER, "500000", "重庆市")
    sc_hrss = b.body("四川省人力资源和社会保障厅", BodyKind.HRSS, "510000", "四川省")
    cq_hrss = b.body("重庆市人力资源和社会保障局", BodyKind.HRSS, "500000", "重庆市")
    js_hrss = b.body("江苏省人力资源和社会保障厅", BodyKind.HRSS, "320000", "江苏省")
    sq_hrss = b.body("宿迁市人力资源和社会保障局", BodyKind.HRSS, "321300", "江苏省宿迁市", parent=js_hrss)

    # Units: water, drainage and construction companies of 绍兴 (contest A).
    sx_units = [
        b.unit(name, "330600", "浙江省绍兴市")
        for name in (
            "绍兴市水务集团有限公司",
            "绍兴市排水管理有限公司",
            "绍兴市城建集团有限公司",
            "绍兴柯桥水务集团有限公司",
            "上虞区水务集团有限公司",
            "绍兴市交通建设有限公司",
            "浙江越州建设有限公司",
            "诸暨市水务集团有限公司",
            "嵊州市城市建设投资有限公司",
            "新昌县水务有限公司",
        )
    ]
    sx_school = b.unit("绍兴市技师学院", "330600", "浙江省绍兴市", UnitKind.SCHOOL)
    cy_units = [
        b.unit(name, code, region)
        for name, code, region in (
            ("广安市建筑工程有限公司", "511600", "四川省广安市"),
            ("达州市乡村建设有限公司", "511700", "四川省达州市"),
            ("南充市嘉陵建设有限公司", "511300", "四川省南充市"),
            ("重庆市梁平区建筑公司", "500155", "重庆市梁平区"),
            ("重庆市垫江县建设有限公司", "500231", "重庆市垫江县"),
            ("重庆市合川区建工集团", "500117", "重庆市合川区"),
        )
    ]
    js_employers = [
        b.unit(name, code, region)
        for name, code, region in (
            ("南京信息技术有限公司", "320100", "江苏省南京市"),
            ("苏州工业视觉科技有限公司", "320500", "江苏省苏州市"),
            ("无锡新能源汽车服务有限公司", "320200", "江苏省无锡市"),
            ("常州机电设备有限公司", "320400", "江苏省常州市"),
            ("徐州工程机械维修有限公司", "320300", "江苏省徐州市"),
            ("宿迁电子商务产业园有限公司", "321300", "江苏省宿迁市"),
            ("南通融媒体中心", "320600", "江苏省南通市"),
            ("扬州无人机应用有限公司", "321000", "江苏省扬州市"),
        )
    ]
    js_schools = [
        b.unit(name, code, region, UnitKind.SCHOOL)
        for name, code, region in (
            ("江苏省宿迁经贸高等职业技术学校", "321300", "江苏省宿迁市"),
            ("南京工程高等职业学校", "320100", "江苏省南京市"),
            ("苏州工业职业技术学院", "320500", "江苏省苏州市"),
            ("常州机电职业技术学院", "320400", "江苏省常州市"),
            ("江苏省徐州技师学院", "320300", "江苏省徐州市"),
            ("无锡机电高等职业技术学校", "320200", "江苏省无锡市"),
        )
    ]

    # Accounts for every role.
    admin = b.user("admin", "系统管理员", Role.ADMIN)
    sx_organizer = b.user("sx-organizer", "周建华", Role.ORGANIZER, body=sx_hrss)
    b.user("yc-organizer", "钱丽", Role.ORGANIZER, body=yc_hrss)
    b.user("js-organizer", "孙卫东", Role.ORGANIZER, body=js_hrss)
    cy_organizer = b.user("cy-organizer", "冯志强", Role.ORGANIZER, body=sc_housing)
    b.user("unit-contact", "何晓燕", Role.UNIT_CONTACT, unit=sx_units[0])

    # Contest A: 绍兴市焊工职业技能竞赛, open for registration, held in about three weeks.
    a_start = today + timedelta(days=21)
    contest_a = b.contest(
        name=f"{a_start.year}年绍兴市焊工职业技能竞赛",
        tier=Tier.MUNICIPAL_1,
        body=sx_hrss,
        co=[sx_union, sx_youth],
        venue="绍兴市技师学院",
        starts_on=a_start,
        days=1,
        status=ContestStatus.REGISTRATION_OPEN,
        registration_days=(14, 7),
        description=(
            "为深入实施技能强市战略，选拔优秀焊工技能人才，定于在绍兴市技师学院举办全市焊工职业技能竞赛。"
            "竞赛设理论知识和技能操作两部分，分别占 30% 和 70%。设一等奖 1 名、二等奖 2 名、三等奖 3 名；"
            "前 3 名按规定授予“绍兴市技术能手”称号。"
        ),
    )
    welding = b.event(contest_a, "焊工", Group.STAFF, code="6-18-02-04", level=SkillLevel.SENIOR_WORKER)
    chief = b.user("chief-judge", "沈国强", Role.JUDGE, unit=sx_school)
    judge = b.user("judge", "陶海波", Role.JUDGE, unit=sx_school)
    welding.judge_assignments += [
        JudgeAssignment(user=chief, position=JudgePosition.CHIEF_JUDGE, assigned_at=b.now),
        JudgeAssignment(user=judge, position=JudgePosition.JUDGE, assigned_at=b.now),
    ]
    b.panel(welding, "sx-weld-judge", 3, [sx_school])
    welders = b.competitors(
        sx_units,
        52,
        status=Status.EMPLOYEE,
        age_range=(23, 50),
        levels=[SkillLevel.INTERMEDIATE_WORKER, SkillLevel.SENIOR_WORKER, SkillLevel.SENIOR_WORKER, None],
    )
    welders[0].user = b.user("competitor", welders[0].name, Role.COMPETITOR, unit=welders[0].unit)

    # Contest B: 川渝乡村建设工匠职业技能竞赛, registration closed, starting in five days.
    b_start = today + timedelta(days=5)
    contest_b = b.contest(
        name=f"{b_start.year}年川渝乡村建设工匠职业技能竞赛",
        tier=Tier.INDUSTRY,
        body=sc_housing,
        co=[cq_housing, sc_hrss, cq_hrss],
        venue="四川省广安市",
        starts_on=b_start,
        days=2,
        status=ContestStatus.REGISTRATION_CLOSED,
        registration_days=(45, 15),
        description="川渝两地联合举办。以市（区县）为单位组队参赛，设一等奖 1 名、二等奖 2 名、三等奖 3 名、优胜奖 12 名。",
    )
    masonry = b.event(
        contest_b,
        "砌筑工",
        Group.STAFF,
        code="6-29-01-01",
        work_type="乡村建设工匠",
        level=SkillLevel.INTERMEDIATE_WORKER,
    )
    b.panel(masonry, "cy-judge", 4, cy_units)
    masons = b.competitors(
        cy_units,
        37,
        status=Status.EMPLOYEE,
        age_range=(25, 55),
        levels=[None, SkillLevel.JUNIOR_WORKER, SkillLevel.INTERMEDIATE_WORKER],
    )

    # Contest C: 江苏技能状元大赛 总决赛, held in 宿迁 earlier, now final.
    c_start = today - timedelta(days=200)
    contest_c = b.contest(
        name=f"{c_start.year}年江苏技能状元大赛总决赛",
        tier=Tier.PROVINCIAL_1,
        body=js_hrss,
        co=[sq_hrss],
        venue="江苏省宿迁市",
        starts_on=c_start,
        days=3,
        status=ContestStatus.FINAL,
        registration_days=(60, 30),
        description=(
            "设职工组和学生组，各 10 个赛项。职工组第一名授予“江苏技能状元”称号并直接认定为“江苏工匠”；"
            "学生组第一名授予“学生技能状元”称号。"
        ),
    )
    occupations = (
        ("网络安全", 1, "4-04-04-02"),
        ("工业视觉系统运维", 1, None),
        ("人工智能训练师", 1, "4-04-05-05"),
        ("新能源汽车维修技术", 1, None),
        ("无人机应用技术", 2, None),
        ("跨境电子商务运营", 2, None),
        ("机电设备维修", 2, None),
        ("全媒体运营", 3, "4-13-01-05"),
        ("电工", 1, "6-31-01-03"),
        ("焊工", 1, "6-18-02-04"),
    )
    for group, units, status, ages in (
        (Group.STAFF, js_employers, Status.EMPLOYEE, (22, 48)),
        (Group.STUDENT, js_schools, Status.STUDENT, (17, 21)),
    ):
        for index, (occupation, team, code) in enumerate(occupations):
            event = b.event(
                contest_c,
                occupation,
                group,
                code=code,
                team_size=team,
                level=SkillLevel.TECHNICIAN if group is Group.STAFF else SkillLevel.SENIOR_WORKER,
                weights=(20, 80),
            )
            b.panel(event, f"js-{group.value}-{index + 1}", 2, units)
        # 689 finalists in all: 345 staff, 344 students.
        b.competitors(
            units,
            345 if group is Group.STAFF else 344,
            status=status,
            age_range=ages,
            levels=[SkillLevel.SENIOR_WORKER, SkillLevel.TECHNICIAN, SkillLevel.INTERMEDIATE_WORKER]
            if group is Group.STAFF
            else [None, SkillLevel.INTERMEDIATE_WORKER],
        )

    # A district contest still being set up.
    d_start = today + timedelta(days=60)
    draft = b.contest(
        name=f"{d_start.year}年越城区电工职业技能竞赛",
        tier=Tier.DISTRICT,
        body=yc_hrss,
        co=[],
        venue="越城区职业技能实训中心",
        starts_on=d_start,
        days=1,
        status=ContestStatus.DRAFT,
        registration_days=(30, 10),
        description="面向辖区企业职工，设理论知识和技能操作两部分。",
    )
    b.event(draft, "电工", Group.STAFF, code="6-31-01-03", level=SkillLevel.INTERMEDIATE_WORKER)

    db.session.flush()
    _demo_entries(b, welding, welders, sx_organizer, masonry, masons, cy_organizer)
    from competition.demo.certificates import load_certificates_demo
    from competition.demo.marking import load_marking_demo
    from competition.demo.promotion import load_promotion_demo

    load_marking_demo(now=b.now)
    load_promotion_demo(now=b.now)
    load_certificates_demo(now=b.now)
    from competition.demo.targets import load_targets_demo

    load_targets_demo(now=b.now)
    record(
        "demo.load",
        actor=admin,
        now=b.now,
        object_type="database",
        summary="载入演示数据",
        after={
            "bodies": b.summary.bodies,
            "units": b.summary.units,
            "users": b.summary.users,
            "contests": b.summary.contests,
            "events": b.summary.events,
            "competitors": b.summary.competitors,
        },
    )
    for contest in (contest_a, contest_b, contest_c, draft):
        record(
            "contest.create",
            actor=admin,
            now=b.now,
            object_type="contest",
            object_id=contest.id,
            contest_id=contest.id,
            summary=f"演示数据：{contest.name}（{contest.status.label}）",
        )
    return b.summary


def _demo_entries(
    b: _Builder,
    welding: Event,
    welders: list[Competitor],
    sx_organizer: User,
    masonry: Event,
    masons: list[Competitor],
    cy_organizer: User,
) -> None:
    """Entries through the real services: contest A mid-review (most approved, some waiting, two
    returned, two short of the required years); contest B approved, drawn and published."""
    from competition.registration import draw as drawing
    from competition.registration import services
    from competition.registration.models import RegistrationChannel
    from competition.registration.review import RegistrationStatus

    welding.min_years_in_occupation = 2
    welding.max_age = 55
    welders[5].years_in_occupation = welders[6].years_in_occupation = 1
    for index, person in enumerate(welders):
        channel = RegistrationChannel.SELF if index == 0 else RegistrationChannel.UNIT
        entry = services.register(welding, [person], channel=channel, actor=None, now=b.now)
        if index in (3, 4):
            services.review(
                entry,
                RegistrationStatus.RETURNED,
                reason="请补充职业技能等级证书编号",
                actor=sx_organizer,
                now=b.now,
            )
        elif index < 44 and entry.eligible:
            services.review(entry, RegistrationStatus.APPROVED, actor=sx_organizer, now=b.now)

    contest_b = masonry.contest
    contest_b.status = ContestStatus.REGISTRATION_OPEN  # entries were made while registration was open
    for person in masons:
        entry = services.register(masonry, [person], channel=RegistrationChannel.UNIT, actor=None, now=b.now)
        services.review(entry, RegistrationStatus.APPROVED, actor=cy_organizer, now=b.now)
    contest_b.status = ContestStatus.REGISTRATION_CLOSED
    draw = services.commit_draw(
        masonry, drawing.DrawOptions(number_prefix="C", stations=40), actor=cy_organizer, now=b.now
    )
    services.perform_draw(draw, actor=cy_organizer, now=b.now)
    services.publish_draw(draw, actor=cy_organizer, now=b.now)
