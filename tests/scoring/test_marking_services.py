"""Marking services: scheme import fitted to the event, mark entry with versions and history, conflicts of
interest, submission, completeness, divergence and re-score, sign-off and unlock (audited), decryption."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from competition.accounts.models import Role
from competition.audit.models import AuditEntry
from competition.domain import PartKind
from competition.errors import DomainError
from competition.extensions import db
from competition.marking import services
from competition.marking.models import Mark, MarkHistory, MarkSource
from competition.scoring.xlsx_io import export_scheme_xlsx
from tests import factories
from tests.factories import NOW
from tests.scoring.helpers import mini_cis, welder_scheme

P = PartKind.PRACTICAL


def fill(world, *, judged=(3, 3, 2), measured="1", marks=("40", "42", "44"), skip=()):
    """Record every practical mark of every entry for every judge allowed to mark it."""
    overrides = services.overrides_of(world.event)
    for entry in world.entries:
        if entry.competitor_number in skip:
            continue
        allowed = [j for j in world.judges if services.may_mark_entry(j, entry, overrides)]
        for index, judge in enumerate(allowed):
            current = {
                (m.aspect_code, m.judge_id): m.version
                for m in db.session.execute(sa.select(Mark).where(Mark.registration_id == entry.id)).scalars()
            }
            for code, value in (("P1.1", str(judged[index % 3])), ("P2.1", marks[index % 3])):
                services.save_mark(
                    world.event,
                    entry,
                    code,
                    value,
                    judge=judge,
                    expected_version=current.get((code, judge.id), 0),
                    now=NOW,
                )
            if index == 0:
                services.save_mark(
                    world.event,
                    entry,
                    "P1.2",
                    measured,
                    judge=judge,
                    expected_version=current.get(("P1.2", None), 0),
                    now=NOW,
                )


def actions(world) -> list[str]:
    return list(
        db.session.execute(
            sa.select(AuditEntry.action)
            .where(AuditEntry.contest_id == world.contest.id)
            .order_by(AuditEntry.id)
        ).scalars()
    )


def test_a_scheme_takes_the_event_weights_and_gets_an_exam_theory_part(session):
    world = factories.make_marking_world()
    loaded = services.require_scheme(world.event)
    assert [(p.kind, p.weight) for p in loaded.scheme.parts] == [
        (PartKind.THEORY, Decimal(30)),
        (PartKind.PRACTICAL, Decimal(70)),
    ]
    assert services.is_exam_part(loaded, PartKind.THEORY)
    assert "scheme.import" in actions(world)


def test_a_scheme_missing_a_part_of_the_event_is_refused_whole(session):
    body = factories.make_body()
    organizer = factories.make_user(factories.Role.ORGANIZER, body=body)
    event = factories.make_event(factories.make_contest(body), weights=(25, 55, 20))
    fitted = services.import_scheme(
        event, factories.marking_scheme_workbook(), "s.xlsx", actor=organizer, now=NOW
    )
    assert [p.message for p in fitted.problems] == ["本赛项设有“答辩”部分，评分标准中缺少这一部分"]
    assert services.stored_scheme(event) is None


def test_a_cis_workbook_with_errors_reports_every_row_and_stores_nothing(session):
    world = factories.make_marking_world()
    event = factories.make_event(world.contest, "电工")
    fitted = services.import_scheme(
        event, mini_cis(K15="two", K24=-1), "cis.xlsx", actor=world.organizer, now=NOW
    )
    assert len(fitted.problems) >= 2
    assert {p.row for p in fitted.problems} >= {15, 24}
    assert services.stored_scheme(event) is None
    ok = services.import_scheme(event, mini_cis(), "cis.xlsx", actor=world.organizer, now=NOW)
    assert not ok.problems and services.stored_scheme(event).layout == "cis"


def test_a_scheme_with_its_own_theory_part_keeps_it(session):
    world = factories.make_marking_world()
    event = factories.make_event(world.contest, "钳工", weights=(20, 80))
    scheme, infos = welder_scheme()
    services.import_scheme(
        event, export_scheme_xlsx(scheme, aspects=infos), "w.xlsx", actor=world.organizer, now=NOW
    )
    loaded = services.require_scheme(event)
    assert [p.weight for p in loaded.scheme.parts] == [Decimal(20), Decimal(80)]
    assert not services.is_exam_part(loaded, PartKind.THEORY)


def test_marks_have_versions_and_a_stale_save_is_refused_without_losing_anything(session):
    world = factories.make_marking_world()
    judge, entry = world.judges[1], world.entries[0]
    first = services.save_mark(world.event, entry, "P1.1", "2", judge=judge, expected_version=0, now=NOW)
    assert first.version == 1
    second = services.save_mark(world.event, entry, "P1.1", "3", judge=judge, expected_version=1, now=NOW)
    assert second.version == 2
    # a second tab still showing version 1
    with pytest.raises(services.StaleMark) as stale:
        services.save_mark(world.event, entry, "P1.1", "1", judge=judge, expected_version=1, now=NOW)
    assert stale.value.current.value == "3" and stale.value.current.version == 2
    assert "已被修改" in stale.value.message
    # a second "new" mark for the same slot (two tabs both starting empty)
    with pytest.raises(services.StaleMark):
        services.save_mark(world.event, entry, "P1.1", "1", judge=judge, expected_version=0, now=NOW)
    history = services.history_of(first.mark_id)
    assert [(h.version, h.value, h.source) for h in history] == [
        (1, "2", MarkSource.ENTRY),
        (2, "3", MarkSource.ENTRY),
    ]


def test_two_judges_share_one_measurement_and_the_slower_one_is_refused(session):
    world = factories.make_marking_world()
    entry = world.entries[1]
    services.save_mark(world.event, entry, "P1.2", "1", judge=world.judges[1], expected_version=0, now=NOW)
    with pytest.raises(services.StaleMark):
        services.save_mark(
            world.event, entry, "P1.2", "0", judge=world.judges[2], expected_version=0, now=NOW
        )
    assert db.session.execute(sa.select(sa.func.count()).select_from(Mark)).scalar() == 1


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("P1.1", "4", "0–3 之间"),
        ("P1.1", "1.5", "整数"),
        ("P1.1", "abc", "不是数字"),
        ("P2.1", "50.5", "0–50"),
        ("P1.2", "maybe", "1（符合）或 0"),
    ],
)
def test_values_are_checked_by_the_core(session, code, value, message):
    world = factories.make_marking_world()
    with pytest.raises(DomainError) as error:
        services.save_mark(
            world.event, world.entries[1], code, value, judge=world.judges[1], expected_version=0, now=NOW
        )
    assert message in error.value.message


def test_a_conflicted_judge_is_kept_off_and_the_panel_aggregates_without_them(session):
    world = factories.make_marking_world()
    conflicted, entry = world.judges[0], world.entries[0]
    assert services.is_conflicted(conflicted, entry)
    grid = services.grid(world.event, P, conflicted)
    assert entry not in grid.entries and grid.kept_off == 2
    with pytest.raises(DomainError, match="回避"):
        services.save_mark(world.event, entry, "P1.1", "3", judge=conflicted, expected_version=0, now=NOW)
    fill(world)
    state = services.progress(world.event, P)
    assert state.missing == []  # the conflicted judge's slots for A01 and A04 are not required
    loaded = services.require_scheme(world.event)
    sheet = next(s for s in services.event_sheets(world.event, loaded).sheets if s.entry == "A01")
    assert set(sheet.observations["P1.1"].by_judge) == {world.judges[1].username, world.judges[2].username}


def test_the_chief_judge_overrides_a_conflict_with_a_reason(session):
    world = factories.make_marking_world()
    conflicted, entry = world.judges[0], world.entries[0]
    with pytest.raises(DomainError, match="原因"):
        services.override_conflict(entry, conflicted, " ", actor=world.chief, now=NOW)
    services.override_conflict(entry, conflicted, "该裁判已调离此单位", actor=world.chief, now=NOW)
    assert entry in services.grid(world.event, P, conflicted).entries
    services.save_mark(world.event, entry, "P1.1", "3", judge=conflicted, expected_version=0, now=NOW)
    assert "conflict.override" in actions(world)
    assert any(s.judge_id == conflicted.id for s in services.progress(world.event, P).missing)


def test_a_listed_relation_keeps_a_judge_off_like_the_same_unit(session):
    world = factories.make_marking_world()
    judge, entry = world.judges[1], world.entries[1]  # different units: no automatic conflict
    assert not services.is_conflicted(judge, entry)
    with pytest.raises(DomainError, match="回避关系"):
        services.list_relation(entry, judge, "  ", actor=world.chief, now=NOW)
    services.list_relation(entry, judge, "师徒", actor=world.chief, now=NOW)
    with pytest.raises(DomainError, match="已经登记过"):
        services.list_relation(entry, judge, "亲属", actor=world.chief, now=NOW)
    assert services.is_conflicted(judge, entry)
    assert entry not in services.grid(world.event, P, judge).entries
    with pytest.raises(DomainError, match="回避"):
        services.save_mark(world.event, entry, "P1.1", "3", judge=judge, expected_version=0, now=NOW)
    listed = [c for c in services.conflicts(world.event) if c.judge.id == judge.id]
    assert [(c.registration.id, c.reason, c.overridden) for c in listed] == [(entry.id, "师徒", False)]
    assert "conflict.relation" in actions(world)
    # the chief judge may still override it, with a reason (audited), like a same-unit conflict
    services.override_conflict(entry, judge, "关系已核实不影响公正", actor=world.chief, now=NOW)
    services.save_mark(world.event, entry, "P1.1", "3", judge=judge, expected_version=0, now=NOW)
    # a judge who already marked the entry cannot be listed afterwards (the marks would silently count)
    other = world.judges[2]
    services.save_mark(world.event, entry, "P1.1", "2", judge=other, expected_version=0, now=NOW)
    with pytest.raises(DomainError, match="已为这名选手评分"):
        services.list_relation(entry, other, "亲属", actor=world.chief, now=NOW)


def test_judges_see_only_their_own_judgement_scores(session):
    world = factories.make_marking_world()
    entry = world.entries[1]
    services.save_mark(world.event, entry, "P1.1", "3", judge=world.judges[1], expected_version=0, now=NOW)
    services.save_mark(world.event, entry, "P1.2", "1", judge=world.judges[1], expected_version=0, now=NOW)
    other = services.grid(world.event, P, world.judges[2], criterion_code="*")
    assert (entry.id, "P1.1") not in other.cells  # another judge's score stays hidden
    assert other.cells[(entry.id, "P1.2")].value == "1"  # the shared measurement is visible


def test_submission_needs_every_mark_and_then_locks_the_judge(session):
    world = factories.make_marking_world()
    judge = world.judges[1]
    with pytest.raises(DomainError, match="还有成绩未录入"):
        services.submit_part(world.event, P, judge, now=NOW)
    fill(world)
    services.submit_part(world.event, P, judge, now=NOW)
    mark = (
        db.session.execute(sa.select(Mark).where(Mark.judge_id == judge.id, Mark.aspect_code == "P1.1"))
        .scalars()
        .first()
    )
    with pytest.raises(DomainError, match="已提交"):
        services.save_mark(
            world.event, mark.registration, "P1.1", "1", judge=judge, expected_version=mark.version, now=NOW
        )
    assert "marks.submit" in actions(world)


def test_a_sign_off_or_submission_after_the_checks_still_stops_the_write(session):
    """The autosave checks before it takes SQLite's write lock; what can change meanwhile (sign-off,
    submission) is checked again in the write statement itself, and nothing is written."""
    from competition.marking.models import PartSignOff, PartSubmission

    world = factories.make_marking_world()
    judge, entry = world.judges[1], world.entries[1]
    part = services.event_part(world.event, P)
    marks_before = db.session.execute(sa.select(sa.func.count(Mark.id))).scalar()
    history_before = db.session.execute(sa.select(sa.func.count(MarkHistory.id))).scalar()

    prepared = services.prepare_save(world.event.id, entry.id, "P1.1", "2", judge=judge)
    db.session.add(PartSubmission(event_part_id=part.id, judge_id=judge.id, submitted_at=NOW))
    db.session.flush()
    with pytest.raises(DomainError, match="已被裁判长签字确认或已提交") as refused:
        services.commit_save(prepared, expected_version=0, now=NOW)
    assert not isinstance(refused.value, services.StaleMark)

    prepared = services.prepare_save(world.event.id, entry.id, "P1.2", "1", judge=world.judges[2])
    db.session.add(PartSignOff(event_part_id=part.id, signed_off_at=NOW, signed_off_by_id=world.chief.id))
    db.session.flush()
    with pytest.raises(DomainError, match="已被裁判长签字确认或已提交"):
        services.commit_save(prepared, expected_version=0, now=NOW)
    assert db.session.execute(sa.select(sa.func.count(Mark.id))).scalar() == marks_before
    assert db.session.execute(sa.select(sa.func.count(MarkHistory.id))).scalar() == history_before
    # checked up front as well, with the usual message
    with pytest.raises(DomainError, match="锁定"):
        services.prepare_save(world.event.id, entry.id, "P1.2", "1", judge=world.judges[2])


def test_the_autosave_check_refuses_strangers_with_not_found(session):
    world = factories.make_marking_world()
    outsider = factories.make_user(Role.JUDGE)  # a judge, but not of this event
    entry = world.entries[0]
    with pytest.raises(services.NotFound):
        services.prepare_save(world.event.id + 999, entry.id, "P1.1", "2", judge=world.judges[1])
    with pytest.raises(services.NotFound):
        services.prepare_save(world.event.id, entry.id + 999, "P1.1", "2", judge=world.judges[1])
    with pytest.raises(services.NotFound):
        services.prepare_save(world.event.id, entry.id, "P1.1", "2", judge=outsider)


def submit_all(world):
    for judge in world.judges:
        services.submit_part(world.event, P, judge, now=NOW)


def import_theory(world, scores=None):
    from competition.marking import imports

    lines = ["参赛号,姓名,成绩"] + [
        f"{e.competitor_number},某某,{(scores or {}).get(e.competitor_number, 80 + i)}"
        for i, e in enumerate(world.entries)
    ]
    report = imports.import_theory(
        world.event, "\n".join(lines).encode(), "exam.csv", actor=world.organizer, now=NOW
    )
    assert report.ok, (report.file_problem, report.rows)
    return report


def test_divergence_blocks_sign_off_until_the_judges_re_score(session):
    world = factories.make_marking_world()
    fill(world, judged=(3, 1, 2))  # spread 2 > 1 on P1.1 where all three judges mark
    import_theory(world)
    submit_all(world)
    loaded = services.require_scheme(world.event)
    sheets = services.event_sheets(world.event, loaded).sheets
    found = services.divergences(world.event, loaded, sheets, P)
    assert {d.entry for d in found} == {e.competitor_number for e in world.entries}
    with pytest.raises(DomainError, match="分歧"):
        services.sign_off_part(world.event, P, actor=world.chief, now=NOW)
    by_code = {j.username: j for j in world.judges}
    for divergence in found:
        entry = next(e for e in world.entries if e.competitor_number == divergence.entry)
        services.request_rescore(
            world.event,
            entry,
            "P1.1",
            [by_code[c] for c in divergence.scores],
            "相差超过1分",
            actor=world.chief,
            now=NOW,
        )
        for judge in (by_code[c] for c in divergence.scores):
            mark = db.session.execute(
                sa.select(Mark).where(
                    Mark.registration_id == entry.id, Mark.judge_id == judge.id, Mark.aspect_code == "P1.1"
                )
            ).scalar_one()
            services.save_mark(
                world.event, entry, "P1.1", "2", judge=judge, expected_version=mark.version, now=NOW
            )
    assert services.open_rescores(world.event) == []
    services.sign_off_part(world.event, P, actor=world.chief, now=NOW)
    sources = set(db.session.execute(sa.select(MarkHistory.source)).scalars())
    assert MarkSource.RESCORE in sources


def test_sign_off_locks_unlock_needs_a_reason_and_everything_is_audited(session):
    world = factories.make_marking_world()
    fill(world)
    import_theory(world)
    with pytest.raises(DomainError, match="尚未提交评分的裁判"):
        services.sign_off_part(world.event, P, actor=world.chief, now=NOW)
    submit_all(world)
    services.sign_off_part(world.event, P, actor=world.chief, now=NOW)
    services.sign_off_part(world.event, PartKind.THEORY, actor=world.chief, now=NOW)
    entry = world.entries[1]
    with pytest.raises(DomainError, match="锁定"):
        services.save_mark(
            world.event, entry, "P1.2", "0", judge=world.judges[1], expected_version=1, now=NOW
        )
    with pytest.raises(DomainError, match="原因"):
        services.unlock_part(world.event, P, "", actor=world.chief, now=NOW)
    with pytest.raises(DomainError, match="签字确认后才能解密"):
        services.decrypt(world.event, actor=world.chief, now=NOW)
    services.sign_off_event(world.event, actor=world.chief, now=NOW)
    services.decrypt(world.event, actor=world.chief, now=NOW)
    services.unlock_part(world.event, P, "复核发现录入错误", actor=world.chief, now=NOW)
    assert services.marking_of(world.event).signed_off_at is None
    log = actions(world)
    for action in ("marks.sign_off_part", "marks.sign_off_event", "marks.decrypt", "marks.unlock_part"):
        assert action in log
    unlock = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "marks.unlock_part")
    ).scalar_one()
    assert unlock.after == {"reason": "复核发现录入错误"}


def test_bias_is_each_judges_mean_deviation_from_the_panel(session):
    world = factories.make_marking_world()
    fill(world, judged=(3, 2, 2), marks=("45", "40", "35"))
    loaded = services.require_scheme(world.event)
    sheets = services.event_sheets(world.event, loaded).sheets
    rows = {(b.judge.username, b.aspect_code): b for b in services.bias(world.event, loaded, sheets, P)}
    strict = world.judges[2]  # always the lowest mark on P2.1 where three judges mark
    assert rows[(strict.username, "P2.1")].mean_deviation < 0


def test_theory_import_is_all_or_nothing_with_a_row_report(session):
    from competition.marking import imports

    world = factories.make_marking_world()
    bad = "参赛号,成绩\nA01,88\nA02,101\nZ99,70\nA01,60\n".encode()
    report = imports.import_theory(world.event, bad, "exam.csv", actor=world.organizer, now=NOW)
    assert not report.ok and report.written == 0
    assert [(r.row, bool(r.problem)) for r in report.rows] == [(2, False), (3, True), (4, True), (5, True)]
    assert "缺少" in report.file_problem
    assert db.session.execute(sa.select(sa.func.count()).select_from(Mark)).scalar() == 0
    report = import_theory(world)
    assert report.written == 6
    again = import_theory(world, {"A01": 95})
    assert (again.written, again.unchanged) == (1, 5)
