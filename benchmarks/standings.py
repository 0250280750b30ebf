"""Standings of one large event from the database: 2,000 entries × 5 judges × 40 judgement aspects
(400,000 marks) → the core's sheets, results, standings → published standings rows.

Baseline, in the same run: a bare ``SELECT registration_id, aspect_code, judge_id, value`` of the same
marks, fetched into Python (the least any computation of the standings must read). Ours is
:func:`competition.marking.results.publish` (load, check every value through the MARKS.csv parser, score
with the core, rank, award, write 2,000 rows). ratio = baseline ÷ ours (higher is better); target 0.33;
the absolute target is under 3 s.

SQLite by default (a temporary file); PostgreSQL when ``BENCH_DATABASE_URL`` is set (the database is
emptied first). Run: ``.venv/bin/python -m benchmarks.standings``
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

ENTRIES = 2000
JUDGES = 5
ASPECTS = 40
TARGET = 0.33
NOW = datetime(2026, 6, 1, 9, 0)


def scheme_workbook() -> bytes:
    """40 judgement aspects (0–3, mean of the panel) in 4 criteria, 2.5 marks each: raw maximum 100."""
    from competition.domain import PartKind
    from competition.scoring.aspects import Aspect, Judgement
    from competition.scoring.scheme import Criterion, MarkingScheme, Part
    from competition.scoring.xlsx_io import AspectInfo, export_scheme_xlsx

    criteria = tuple(
        Criterion(
            f"C{c}",
            f"模块{c}",
            tuple(
                Aspect(f"C{c}.{a}", f"评分项{c}.{a}", Decimal("2.5"), Judgement(divergence_limit=None))
                for a in range(1, 11)
            ),
        )
        for c in range(1, 5)
    )
    scheme = MarkingScheme("基准测试评分标准", (Part(PartKind.PRACTICAL, Decimal(100), criteria),))
    descriptors = ("差", "中", "良", "优")
    infos = {f"C{c}.{a}": AspectInfo(descriptors=descriptors) for c in range(1, 5) for a in range(1, 11)}
    return export_scheme_xlsx(scheme, aspects=infos)


def build(
    url: str,
    instance: Path,
    *,
    entries: int = ENTRIES,
    judges_count: int = JUDGES,
    marks: bool = True,
    **config,
):
    """An app on ``url`` migrated from empty, with the event, judges, entries and (``marks``) every mark."""
    from competition.accounts.models import Role, User
    from competition.contests.lifecycle import ContestStatus
    from competition.contests.models import Contest, Event, EventPart, JudgeAssignment, JudgePosition
    from competition.domain import Group, PartKind, SkillLevel, Tier
    from competition.extensions import db
    from competition.marking import services
    from competition.marking.models import Mark
    from competition.organizations.models import BodyKind, OrganizingBody
    from competition.registration.models import Registration, RegistrationChannel
    from competition.registration.review import RegistrationStatus
    from tests.conftest import migrated_app

    app = migrated_app(url, instance, **config)
    with app.app_context():
        body = OrganizingBody(
            name="基准人社局", kind=BodyKind.HRSS, region_code="320600", region_name="南通", created_at=NOW
        )
        organizer = User(
            username="org",
            display_name="组织方",
            role=Role.ORGANIZER,
            body=body,
            password_hash="x",
            created_at=NOW,
        )
        contest = Contest(
            name="基准竞赛",
            year=2026,
            tier=Tier.MUNICIPAL_1,
            body=body,
            venue="南通",
            starts_on=date(2026, 5, 30),
            ends_on=date(2026, 5, 30),
            status=ContestStatus.MARKING,
            created_at=NOW,
            updated_at=NOW,
        )
        event = Event(
            contest=contest,
            occupation_name="数控车工",
            group=Group.STAFF,
            level=SkillLevel.SENIOR_WORKER,
            created_at=NOW,
        )
        event.parts = [
            EventPart(kind=PartKind.PRACTICAL, weight=Decimal(100), pass_mark=Decimal(60), position=0)
        ]
        judges = [
            User(
                username=f"j{i}", display_name=f"裁判{i}", role=Role.JUDGE, password_hash="x", created_at=NOW
            )
            for i in range(judges_count)
        ]
        chief = User(
            username="chief", display_name="裁判长", role=Role.JUDGE, password_hash="x", created_at=NOW
        )
        for judge in judges:
            event.judge_assignments.append(JudgeAssignment(user=judge, assigned_at=NOW))
        event.judge_assignments.append(
            JudgeAssignment(user=chief, position=JudgePosition.CHIEF_JUDGE, assigned_at=NOW)
        )
        db.session.add_all([body, organizer, contest, event, *judges, chief])
        db.session.flush()
        services.import_scheme(event, scheme_workbook(), "bench.xlsx", actor=organizer, now=NOW)
        db.session.execute(
            sa.insert(Registration),
            [
                {
                    "event_id": event.id,
                    "status": RegistrationStatus.APPROVED,
                    "channel": RegistrationChannel.ORGANIZER,
                    "eligible": True,
                    "eligibility_problems": [],
                    "not_ranked_for_awards": False,
                    "competitor_number": f"N{n:04d}",
                    "station": n,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "version": 1,
                }
                for n in range(1, entries + 1)
            ],
        )
        ids = (
            db.session.execute(sa.select(Registration.id).where(Registration.event_id == event.id))
            .scalars()
            .all()
        )
        rng = random.Random(1)
        codes = [f"C{c}.{a}" for c in range(1, 5) for a in range(1, 11)]
        batch = []
        for registration_id in ids if marks else ():
            skill = rng.random()
            for code in codes:
                base = round(skill * 3)
                for judge in judges:
                    batch.append(
                        {
                            "event_id": event.id,
                            "registration_id": registration_id,
                            "aspect_code": code,
                            "judge_id": judge.id,
                            "value": str(max(0, min(3, base - (rng.random() < 0.3)))),
                            "version": 1,
                            "updated_at": NOW,
                        }
                    )
                if len(batch) >= 20000:
                    db.session.execute(sa.insert(Mark), batch)
                    batch = []
        if batch:
            db.session.execute(sa.insert(Mark), batch)
        state = services.marking_of(event)
        state.signed_off_at = state.decrypted_at = NOW
        state.signed_off_by_id = state.decrypted_by_id = chief.id
        db.session.commit()
        return app, event.id, organizer.id


def main() -> None:
    from competition.accounts.models import User
    from competition.contests.models import Event
    from competition.extensions import db
    from competition.marking import results
    from competition.marking.models import Mark
    from competition.workdays import TableCalendar

    instance = Path(tempfile.mkdtemp(prefix="bench-standings-"))
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        from competition.config import sqlalchemy_url

        url = sqlalchemy_url(url)
    else:
        url = f"sqlite:///{instance / 'bench.sqlite3'}"
    started = time.perf_counter()
    app, event_id, organizer_id = build(url, instance)
    print(
        f"setup: {ENTRIES} entries × {JUDGES} judges × {ASPECTS} aspects in {time.perf_counter() - started:.1f} s ({sa.engine.make_url(url).get_backend_name()})"
    )
    calendar = TableCalendar(frozenset(), frozenset(), 2026, 2026)
    with app.app_context():
        bare = []
        for _ in range(3):
            t = time.perf_counter()
            rows = db.session.execute(
                sa.select(Mark.registration_id, Mark.aspect_code, Mark.judge_id, Mark.value).where(
                    Mark.event_id == event_id, Mark.value.is_not(None)
                )
            ).all()
            bare.append(time.perf_counter() - t)
            db.session.rollback()
        assert len(rows) == ENTRIES * JUDGES * ASPECTS
        ours = []
        for attempt in range(3):
            event = db.session.get(Event, event_id)
            organizer = db.session.get(User, organizer_id)
            t = time.perf_counter()
            publication = results.publish(
                event,
                actor=organizer,
                now=NOW,
                working_days=5,
                calendar=calendar,
                reason=None if attempt == 0 else "基准重复",
            )
            db.session.commit()
            ours.append(time.perf_counter() - t)
            assert len(publication.standings) == ENTRIES
        baseline, mine = min(bare), min(ours)
    ratio = baseline / mine
    print(
        f"bare SELECT of {len(rows)} marks: {baseline:.2f} s; ours (load → core → {ENTRIES} published rows): {mine:.2f} s"
    )
    print(
        f"RESULT standings ratio={ratio:.2f} target={TARGET:.2f} ours_s={mine:.2f} baseline_s={baseline:.2f} marks={len(rows)}"
    )


if __name__ == "__main__":
    main()
