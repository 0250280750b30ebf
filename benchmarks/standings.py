"""Standings of one large event from the database: 2,000 entries × 5 judges × 40 judgement aspects
(400,000 marks) → the core's sheets, results, standings → published standings rows.

Baseline, in the same run: a bare ``SELECT registration_id, aspect_code, judge_id, value`` of the same
marks, fetched into Python (the least any computation of the standings must read). Ours is
:func:`competition.marking.results.publish` (load, check every value through the MARKS.csv parser, score
with the core, rank, award, write 2,000 rows). ratio = baseline ÷ ours (higher is better); target 0.33;
the absolute target is under 3 s.

SQLite (a temporary file), then PostgreSQL when reachable: ``BENCH_DATABASE_URL`` or the local server's
``bench_marking`` database (created if missing, emptied first). One ``RESULT`` line per database.
Run: ``.venv/bin/python -m benchmarks.standings [--db sqlite|postgresql]``
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


DEFAULT_POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/bench_marking"


def postgresql_url() -> str | None:
    """``BENCH_DATABASE_URL``, else the local server's ``bench_marking`` database (created if missing);
    ``None`` when no PostgreSQL server answers (the benchmark then runs on SQLite only)."""
    from competition.config import sqlalchemy_url

    url = sa.engine.make_url(sqlalchemy_url(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRESQL))
    if url.get_backend_name() != "postgresql":
        return url.render_as_string(hide_password=False)
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
            ).scalar()
            if not found:
                conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    except sa.exc.OperationalError as error:
        print(
            f"postgresql: not reachable at {url.render_as_string()} ({str(error).splitlines()[0]}); skipped"
        )
        return None
    finally:
        engine.dispose()
    return url.render_as_string(hide_password=False)


def measure(url: str, instance: Path) -> dict[str, float | int | str]:
    """Build the event on ``url``, then the best of 3 of the bare SELECT and of ``publish`` (seconds)."""
    from competition.accounts.models import User
    from competition.contests.models import Event
    from competition.extensions import db
    from competition.marking import results
    from competition.marking.models import Mark
    from competition.workdays import TableCalendar

    backend = sa.engine.make_url(url).get_backend_name()
    started = time.perf_counter()
    app, event_id, organizer_id = build(url, instance)
    print(
        f"setup: {ENTRIES} entries × {JUDGES} judges × {ASPECTS} aspects in {time.perf_counter() - started:.1f} s ({backend})"
    )
    calendar = TableCalendar(frozenset(), frozenset(), 2026, 2026)
    with app.app_context():
        bare, bare_cpu = [], []
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()
            rows = db.session.execute(
                sa.select(Mark.registration_id, Mark.aspect_code, Mark.judge_id, Mark.value).where(
                    Mark.event_id == event_id, Mark.value.is_not(None)
                )
            ).all()
            bare.append(time.perf_counter() - t)
            bare_cpu.append(time.process_time() - c)
            db.session.rollback()
        assert len(rows) == ENTRIES * JUDGES * ASPECTS
        ours, ours_cpu = [], []
        for attempt in range(3):
            event = db.session.get(Event, event_id)
            organizer = db.session.get(User, organizer_id)
            t, c = time.perf_counter(), time.process_time()
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
            ours_cpu.append(time.process_time() - c)
            assert len(publication.standings) == ENTRIES
        db.session.remove()
        db.engine.dispose()
    return {
        "db": backend,
        "marks": len(rows),
        "bare": min(bare),
        "ours": min(ours),
        "bare_cpu": min(bare_cpu),
        "ours_cpu": min(ours_cpu),
    }


def report(found: dict) -> None:
    """Print one database's numbers and its RESULT line."""
    ratio = found["bare"] / found["ours"]
    print(
        f"{found['db']}: bare SELECT of {found['marks']} marks {found['bare']:.2f} s "
        f"(CPU {found['bare_cpu']:.2f} s); ours (load → core → {ENTRIES} published rows) "
        f"{found['ours']:.2f} s (CPU {found['ours_cpu']:.2f} s)"
    )
    print(
        f"RESULT standings ratio={ratio:.2f} target={TARGET:.2f} seconds={found['ours']:.2f} "
        f"bare_seconds={found['bare']:.2f} db={found['db']} seconds_target=3 marks={found['marks']}"
    )


def main(argv: list[str] | None = None) -> None:
    """SQLite always (a temporary file); then PostgreSQL (``BENCH_DATABASE_URL`` or the local server's
    ``bench_marking``, emptied first) when it answers. ``--db sqlite`` or ``--db postgresql`` runs one."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.standings")
    parser.add_argument("--db", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args(argv)
    found = []
    if args.db in ("both", "sqlite"):
        instance = Path(tempfile.mkdtemp(prefix="bench-standings-"))
        found.append(measure(f"sqlite:///{instance / 'bench.sqlite3'}", instance))
    if args.db in ("both", "postgresql"):
        url = postgresql_url()
        if url is not None:
            found.append(measure(url, Path(tempfile.mkdtemp(prefix="bench-standings-"))))
        elif args.db == "postgresql":
            raise SystemExit("PostgreSQL is not reachable")
    for one in found:
        report(one)


if __name__ == "__main__":
    main()
