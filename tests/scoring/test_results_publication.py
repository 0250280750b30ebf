"""Results: standings from stored marks, publication for public notice, the re-derivation round trip with
``flask scoring standings``, appeals and the contest lifecycle."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from competition.contests import services as contest_services
from competition.contests.lifecycle import ContestStatus, blockers
from competition.domain import AwardClass, PartKind
from competition.errors import DomainError
from competition.extensions import db
from competition.marking import results, services
from competition.marking.models import AwardPolicyKind, PublishedStanding, Ruling
from competition.scoring.cli import scoring_cli
from competition.workdays import TableCalendar
from tests import factories
from tests.factories import NOW
from tests.scoring.test_marking_services import fill, import_theory, submit_all

P = PartKind.PRACTICAL
CALENDAR = TableCalendar(frozenset(), frozenset(), 2026, 2026)


def signed_off(world, *, judged=(3, 2, 2), marks=("40", "42", "44"), scores=None):
    fill(world, judged=judged, marks=marks)
    import_theory(world, scores)
    submit_all(world)
    for kind in (PartKind.THEORY, P):
        services.sign_off_part(world.event, kind, actor=world.chief, now=NOW)
    services.sign_off_event(world.event, actor=world.chief, now=NOW)
    services.decrypt(world.event, actor=world.chief, now=NOW)


def test_publishing_stores_the_standings_rows_and_the_notice_period(session):
    world = factories.make_marking_world()
    world.entries[5].not_ranked_for_awards = True
    signed_off(world, scores={"A01": 95, "A02": 90, "A03": 85, "A04": 60, "A05": 70, "A06": 99})
    publication = results.publish(
        world.event, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR
    )
    assert (publication.notice_first_day, publication.notice_last_day) == (date(2026, 3, 2), date(2026, 3, 6))
    rows = (
        db.session.execute(
            sa.select(PublishedStanding)
            .where(PublishedStanding.event_id == world.event.id)
            .order_by(PublishedStanding.position)
        )
        .scalars()
        .all()
    )
    assert [r.entry for r in rows][:5] == ["A01", "A02", "A03", "A05", "A04"]
    assert [r.award for r in rows][:4] == [
        AwardClass.FIRST,
        AwardClass.SECOND,
        AwardClass.SECOND,
        AwardClass.THIRD,
    ]
    held = rows[-1]
    assert (held.entry, held.status, held.rank, held.not_ranked_reason) == (
        "A06",
        "not_ranked",
        None,
        "不参与评奖",
    )
    assert rows[0].total is not None and rows[0].score_theory == 95
    assert world.contest.public_notice_ends_on == date(2026, 3, 6)


def test_publication_needs_sign_off_and_decryption_and_a_reason_to_repeat(session):
    world = factories.make_marking_world()
    with pytest.raises(DomainError, match="签字确认"):
        results.publish(world.event, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    signed_off(world)
    results.publish(world.event, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    with pytest.raises(DomainError, match="原因"):
        results.publish(world.event, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    again = results.publish(
        world.event, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR, reason="更正"
    )
    assert again.sequence == 2
    current = db.session.execute(
        sa.select(sa.func.count()).select_from(PublishedStanding).where(PublishedStanding.current)
    ).scalar()
    assert current == len(world.entries)


def test_the_fallback_calendar_is_reported(session):
    world = factories.make_marking_world()
    signed_off(world)
    outside = TableCalendar(frozenset(), frozenset(), 2020, 2021)
    publication = results.publish(
        world.event, actor=world.organizer, now=NOW, working_days=5, calendar=outside
    )
    assert publication.calendar_fallback


@pytest.mark.parametrize(
    ("kind", "sizes"),
    [
        (AwardPolicyKind.COUNTS, ["1", "1", "2"]),
        (AwardPolicyKind.PERCENT, ["20", "20", "30"]),
        (AwardPolicyKind.NATIONAL, []),
    ],
)
def test_the_published_standings_are_re_derived_exactly_from_the_exported_files(
    session, tmp_path, kind, sizes
):
    world = factories.make_marking_world()
    results.set_policy(world.event, kind, sizes, 2, None, actor=world.organizer, now=NOW)
    world.entries[2].not_ranked_for_awards = True
    # judgement means in thirds make non-terminating totals; equal totals exercise joint ranks and lots
    signed_off(
        world,
        judged=(3, 2, 2),
        marks=("41", "42", "44"),
        scores={"A01": 81, "A02": 81, "A03": 90, "A04": 70.5, "A05": 81, "A06": 66},
    )
    publication = results.publish(
        world.event, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR
    )
    files = results.rederivation(world.event)
    (tmp_path / "SCHEME.xlsx").write_bytes(files.scheme)
    (tmp_path / "MARKS.csv").write_text(files.marks, encoding="utf-8")
    out = tmp_path / "STANDINGS.csv"
    options = files.command.split()[7:]
    outcome = CliRunner().invoke(
        scoring_cli,
        [
            "standings",
            "--scheme",
            str(tmp_path / "SCHEME.xlsx"),
            "--marks",
            str(tmp_path / "MARKS.csv"),
            "--out",
            str(out),
            *options,
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    assert out.read_text(encoding="utf-8") == results.standings_csv(publication)
    assert "A01" in files.marks and "选手" not in files.marks  # numbers only, never names


def test_appeals_within_the_window_reopen_marking_and_block_the_final_stage(session):
    world = factories.make_marking_world()
    signed_off(world)
    results.publish(world.event, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    deadline = results.appeal_deadline(world.event)
    assert deadline == datetime(2026, 3, 1, 19, 0)
    entry = world.entries[1]
    with pytest.raises(DomainError, match="超过时限"):
        results.record_appeal(
            world.event,
            entry,
            "选手本人",
            "安全文明分偏低",
            deadline + timedelta(minutes=1),
            actor=world.organizer,
            now=NOW,
        )
    appeal = results.record_appeal(
        world.event, entry, "选手本人", "安全文明分偏低", deadline, actor=world.organizer, now=NOW
    )
    facts = contest_services.contest_facts(world.contest)
    world.contest.status = ContestStatus.PUBLIC_NOTICE
    world.contest.public_notice_ends_on = date(2026, 3, 6)
    later = datetime(2026, 3, 9, 9, 0)
    facts = contest_services.contest_facts(world.contest)
    assert any("尚未裁决" in r for r in blockers(facts, ContestStatus.FINAL, later))
    results.rule_appeal(appeal, Ruling.UPHELD, "P2.1 重新评分", P, actor=world.organizer, now=later)
    assert services.sign_off_of(services.event_part(world.event, P)) is None
    facts = contest_services.contest_facts(world.contest)
    assert any("重新发布" in r for r in blockers(facts, ContestStatus.FINAL, later))
    services.sign_off_part(world.event, P, actor=world.chief, now=later)
    services.sign_off_event(world.event, actor=world.chief, now=later)
    results.publish(
        world.event,
        actor=world.organizer,
        now=later,
        working_days=5,
        calendar=CALENDAR,
        reason="申诉成立，重新公示",
    )
    facts = contest_services.contest_facts(world.contest)
    assert blockers(facts, ContestStatus.FINAL, datetime(2026, 3, 17, 9, 0)) == []


def test_marking_moves_to_public_notice_only_when_every_event_is_signed_off_and_published(session):
    world = factories.make_marking_world()
    facts = contest_services.contest_facts(world.contest)
    assert blockers(facts, ContestStatus.PUBLIC_NOTICE, NOW) == [
        f"赛项“{world.event.title}”的成绩尚未经裁判长签字确认。"
    ]
    signed_off(world)
    facts = contest_services.contest_facts(world.contest)
    assert blockers(facts, ContestStatus.PUBLIC_NOTICE, NOW) == [
        f"赛项“{world.event.title}”的成绩尚未发布公示。"
    ]
    results.publish(world.event, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    contest_services.transition(world.contest, ContestStatus.PUBLIC_NOTICE, actor=world.organizer, now=NOW)
