"""Demo results for contest C (江苏技能状元大赛总决赛): marking schemes, numbered entries, every judge's
marks, sign-off, decryption and published final standings for a few events, so the demo has real results.

Call :func:`load_marking_demo` after :func:`competition.demo.load.load_demo`, in the same transaction.
Everything goes through the marking services, so the audit log and mark history are those of a real
contest. Marks are drawn from a fixed seed; judges' scores of an aspect never differ by more than 1.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from competition.accounts.models import Role, User
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event
from competition.domain import Group, PartKind
from competition.extensions import db
from competition.marking import imports, results, services
from competition.organizations.models import Unit, UnitKind
from competition.registration.eligibility import Status
from competition.registration.models import Competitor, Registration, RegistrationChannel, RegistrationMember
from competition.registration.review import RegistrationStatus
from competition.scoring.aspects import Aspect, Check, JudgedMark, Judgement
from competition.scoring.scheme import Criterion, MarkingScheme, Part
from competition.scoring.xlsx_io import AspectInfo, export_scheme_xlsx
from competition.workdays import default_calendar

DESCRIPTORS = ("未达到要求", "基本达到要求", "达到要求", "超出要求")
#: Events of contest C given results: (occupation, entries).
RESULT_EVENTS = (("网络安全", 12), ("电工", 14), ("焊工", 12))


def practical_scheme(name: str) -> bytes:
    """A practical-part scheme in our template: three criteria, judgement, measurement and judged marks
    (raw maximum 100). Theory is left to the exam system."""
    practical = Part(
        PartKind.PRACTICAL,
        Decimal(100),
        (
            Criterion(
                "A",
                "工作准备",
                (
                    Aspect("A1", "工具与材料准备", Decimal(5), Check()),
                    Aspect("A2", "安全防护到位", Decimal(5), Check()),
                ),
            ),
            Criterion(
                "B",
                "作品质量",
                (
                    Aspect("B1", "主要尺寸/功能达标", Decimal(20), Check()),
                    Aspect("B2", "工艺规范", Decimal(30), Judgement()),
                    Aspect("B3", "整体完成质量", Decimal(20), Judgement()),
                ),
            ),
            Criterion("C", "职业素养", (Aspect("C1", "安全文明生产", Decimal(20), JudgedMark()),)),
        ),
    )
    scheme = MarkingScheme(name, (practical,))
    infos = {code: AspectInfo(descriptors=DESCRIPTORS) for code in ("B2", "B3")}
    return export_scheme_xlsx(scheme, aspects=infos)


def number_entries(
    event: Event, competitors: list[Competitor], *, prefix: str, now: datetime
) -> list[Registration]:
    """Approved entries for ``competitors`` with numbers ``<prefix>01…`` and stations 1…, as after a draw."""
    made = []
    for index, competitor in enumerate(competitors, start=1):
        registration = Registration(
            event=event,
            unit_id=competitor.unit_id,
            status=RegistrationStatus.APPROVED,
            channel=RegistrationChannel.UNIT,
            eligible=True,
            eligibility_problems=[],
            competitor_number=f"{prefix}{index:02d}",
            station=index,
            created_at=now,
            updated_at=now,
        )
        registration.members = [
            RegistrationMember(event_id=event.id, competitor=competitor, position=0, active=True)
        ]
        db.session.add(registration)
        made.append(registration)
    db.session.flush()
    return made


def mark_everything(
    event: Event, rng: random.Random, *, now: datetime, skip_judges: frozenset[int] = frozenset()
) -> None:
    """Record every practical mark of every judge allowed to mark each entry (judges in ``skip_judges``
    are left out), with scores of one aspect at most 1 apart."""
    loaded = services.require_scheme(event)
    part = services.event_part(event, PartKind.PRACTICAL)
    panel = services.panel_of(part)
    overrides = services.overrides_of(event)
    aspects = services.part_aspects(loaded, PartKind.PRACTICAL)
    recorded = services.MarkTable.load(event)
    for entry in services.marked_entries(event):
        skill = rng.random()
        judges = [j for j in services.allowed_judges(panel, entry, overrides) if j.id not in skip_judges]
        for aspect in aspects:
            rule = aspect.rule
            if isinstance(rule, Judgement):
                base = 1 + round(skill * 2)
                values = [str(max(0, min(3, base - (rng.random() < 0.3)))) for _ in judges]
            elif isinstance(rule, JudgedMark):
                base = 12 + round(skill * 7)
                values = [str(min(20, base + rng.choice((0, 0, 1)))) for _ in judges]
            else:
                values = ["1" if rng.random() < 0.6 + skill * 0.4 else "0"]
            if aspect.kind.value == "measurement":
                if judges and (entry.id, aspect.code, None) not in recorded.values:
                    services.save_mark(
                        event, entry, aspect.code, values[0], judge=judges[0], expected_version=0, now=now
                    )
                continue
            for judge, value in zip(judges, values, strict=True):
                if (entry.id, aspect.code, judge.id) in recorded.values:
                    continue
                services.save_mark(event, entry, aspect.code, value, judge=judge, expected_version=0, now=now)


def theory_scores(event: Event, rng: random.Random, *, actor: User, now: datetime) -> None:
    """Import exam scores (60–98) for every numbered entry, as the exam system would export them."""
    lines = ["参赛号,成绩"] + [
        f"{e.competitor_number},{rng.randint(120, 196) / 2}" for e in services.marked_entries(event)
    ]
    report = imports.import_theory(event, "\n".join(lines).encode(), "考试系统导出.csv", actor=actor, now=now)
    if not report.ok:
        raise RuntimeError(f"demo theory import failed: {report.file_problem}")


def load_marking_demo(*, now: datetime) -> int:
    """Give contest C results for :data:`RESULT_EVENTS` (staff group); returns the number of events.

    Marking happens on the contest's last day, sign-off and decryption that evening, publication the
    next morning; the notice has long ended, as the contest is final. Flushes; the caller commits.
    """
    contest = (
        db.session.execute(
            sa.select(Contest).where(Contest.name.like("%江苏技能状元大赛总决赛")).order_by(Contest.id)
        )
        .scalars()
        .first()
    )
    if contest is None:
        return 0
    rng = random.Random(20251026)
    province = contest.body.region_code[:2]
    organizer = (
        db.session.execute(
            sa.select(User).where(User.role == Role.ORGANIZER, User.body_id == contest.body_id)
        )
        .scalars()
        .first()
    )
    marked_at = datetime.combine(contest.ends_on, time(15, 0))
    published_at = datetime.combine(contest.ends_on + timedelta(days=1), time(10, 0))
    final_status = contest.status
    contest.status = ContestStatus.MARKING  # the stage these steps belong to; restored below
    done = 0
    used: set[int] = set()
    for occupation, count in RESULT_EVENTS:
        event = next(
            (e for e in contest.events if e.occupation_name == occupation and e.group is Group.STAFF), None
        )
        if event is None:
            continue
        judge_units = {a.user.unit_id for a in event.judge_assignments}
        # the contest's own finalists: staff of employers in its province (江苏, region 32xxxx), none
        # from a judge's unit (回避) and none entered in another event
        pool = (
            db.session.execute(
                sa.select(Competitor)
                .join(Unit, Unit.id == Competitor.unit_id)
                .where(
                    Unit.region_code.startswith(province),
                    Unit.kind == UnitKind.EMPLOYER,
                    Competitor.unit_id.not_in(judge_units),
                    Competitor.status == Status.EMPLOYEE,
                    Competitor.user_id.is_(None),
                )
                .where(Competitor.id.not_in(used) if used else sa.true())
                .order_by(Competitor.id)
            )
            .scalars()
            .all()
        )
        staff = pool[:count]
        used.update(c.id for c in staff)
        number_entries(event, staff, prefix=f"J{done + 1}", now=marked_at)
        services.import_scheme(
            event,
            practical_scheme(f"{event.title} 技能操作评分细则"),
            "评分细则.xlsx",
            actor=organizer,
            now=marked_at,
        )
        mark_everything(event, rng, now=marked_at)
        theory_scores(event, rng, actor=organizer, now=marked_at)
        chief = next(a.user for a in event.judge_assignments if a.position.value == "chief_judge")
        for judge in services.panel_of(services.event_part(event, PartKind.PRACTICAL)):
            services.submit_part(event, PartKind.PRACTICAL, judge, now=marked_at + timedelta(hours=1))
        evening = marked_at + timedelta(hours=3)
        for kind in (PartKind.THEORY, PartKind.PRACTICAL):
            services.sign_off_part(event, kind, actor=chief, now=evening)
        services.sign_off_event(event, actor=chief, now=evening)
        services.decrypt(event, actor=chief, now=evening)
        results.publish(
            event,
            actor=organizer,
            now=published_at,
            working_days=5,
            calendar=default_calendar(),
        )
        done += 1
    contest.status = final_status
    db.session.flush()
    return done
