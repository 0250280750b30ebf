"""Promotion workflow services: rule sets, proposed decisions from published standings, idempotent
re-evaluation, review, public notice, confirmation into the level history, one promotion per year across
contests, and reversal after an upheld appeal re-publishes the standings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from competition.accounts.models import Role, User
from competition.audit.models import AuditEntry
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event
from competition.domain import SkillLevel, Tier
from competition.errors import DomainError
from competition.extensions import db
from competition.promotion import services
from competition.promotion.models import LevelOrigin, LevelRecord, PromotionDecision, ReviewState
from competition.promotion.rules import DecisionKind, DecisionStatus
from competition.registration.models import Competitor
from competition.workdays import TableCalendar
from tests import factories

NOW = datetime(2026, 4, 1, 10, 0)
LATER = datetime(2026, 5, 6, 10, 0)
CALENDAR = TableCalendar(frozenset(), frozenset(), 2026, 2026)


@dataclass
class Finished:
    organizer: User
    contest: Contest
    event: Event
    people: list[Competitor]


def finished_contest(
    *,
    people: list[Competitor] | None = None,
    count: int = 12,
    status: ContestStatus = ContestStatus.FINAL,
    preset: str = "tianjin-2024",
    tier: Tier = Tier.MUNICIPAL_1,
    notice_last_day: date = date(2026, 3, 20),
    body=None,
    organizer: User | None = None,
) -> Finished:
    body = body or factories.make_body()
    organizer = organizer or factories.make_user(Role.ORGANIZER, body=body)
    contest = factories.make_contest(body, status=status, starts_on=date(2026, 3, 1), tier=tier)
    event = factories.make_event(contest)
    unit = factories.make_unit()
    if people is None:
        people = [factories.make_competitor(unit, name=f"选手{i + 1:02d}") for i in range(count)]
    factories.publish_results(event, people, publisher=organizer, notice_last_day=notice_last_day)
    services.choose_preset(contest, preset, clone=False, actor=organizer, now=NOW)
    return Finished(organizer, contest, event, people)


def decision_of(world: Finished, person: Competitor, kind: DecisionKind = DecisionKind.PROMOTION):
    return db.session.execute(
        sa.select(PromotionDecision).where(
            PromotionDecision.contest_id == world.contest.id,
            PromotionDecision.competitor_id == person.id,
            PromotionDecision.kind == kind,
        )
    ).scalar_one()


def test_evaluation_proposes_decisions_with_rule_source_and_facts(session):
    world = finished_contest()
    report = services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    assert report.added == 11 and report.changed == 0  # 10 promotions, 天津市技术能手; 2 without: not stored
    first = decision_of(world, world.people[0])
    assert first.outcome is DecisionStatus.GRANTED
    assert first.state is ReviewState.PROPOSED
    assert first.level is SkillLevel.TECHNICIAN
    assert first.rule_key == "m1-staff"
    assert "天津市人社局" in first.rule_source
    assert first.facts_text.startswith("第1名/12人, 市级一类, 职工组")
    assert "原等级 三级/高级工" in first.facts_text
    assert first.final_date == date(2026, 3, 20)
    assert not db.session.execute(
        sa.select(PromotionDecision).where(PromotionDecision.outcome == DecisionStatus.NO_MATCH)
    ).first()
    # The two results no rule matches are derived when shown, by the same engine call.
    lines = services.no_match_lines(world.contest, today=NOW.date())
    assert [n.competitor_id for n in lines] == [world.people[10].id, world.people[11].id]
    eleventh = lines[0]
    assert eleventh.outcome is DecisionStatus.NO_MATCH and eleventh.competitor_name == world.people[10].name
    assert eleventh.facts_text.startswith("第11名/12人, 市级一类, 职工组")
    assert "不符合" in eleventh.reason
    assert services.no_match_lines(world.contest, today=NOW.date(), competitor_id=world.people[11].id) == [
        lines[1]
    ]
    assert db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "promotion.evaluate")
    ).scalar_one()


def test_results_under_notice_give_pending_decisions(session):
    world = finished_contest(status=ContestStatus.PUBLIC_NOTICE, notice_last_day=date(2026, 4, 10))
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    assert decision_of(world, world.people[0]).outcome is DecisionStatus.PENDING
    report = services.evaluate_contest(world.contest, actor=world.organizer, now=LATER)
    assert report.changed == 11 and report.material == 0  # final dates known; nothing granted changed
    assert decision_of(world, world.people[0]).outcome is DecisionStatus.GRANTED


def test_reevaluation_is_idempotent_and_keeps_reviewers_work(session):
    world = finished_contest()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    before = {d.id: (d.outcome, d.level, d.reason) for d in services.decisions_of(world.contest)}
    rejected = decision_of(world, world.people[2])
    services.reject_decision(rejected, "比赛中有违纪记录", actor=world.organizer, now=NOW)
    report = services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    assert (report.added, report.changed, report.removed, report.reversed) == (0, 0, 0, 0)
    assert report.unchanged == 11
    after = {d.id: (d.outcome, d.level, d.reason) for d in services.decisions_of(world.contest)}
    assert after == before
    assert decision_of(world, world.people[2]).state is ReviewState.REJECTED


def test_changed_rules_are_reported_and_rejections_survive(session):
    world = finished_contest()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    services.reject_decision(decision_of(world, world.people[0]), "材料不全", actor=world.organizer, now=NOW)
    row = services.contest_ruleset(world.contest)
    data = services.json_data(services.parsed(row))
    data["rules"][0]["when"]["top_n"] = 3
    saved = services.save_ruleset(row, data=data, actor=world.organizer, now=NOW)
    assert saved.changed and saved.key == "tianjin-2024@2"
    report = services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    assert report.removed == 7  # ranks 4–10 no longer match: proposals dropped …
    assert report.added == 0  # … and not replaced: no_match lines are derived when shown
    assert report.changed == 4  # ranks 1–3 and the title: same rules, new rule-set version
    assert len(services.no_match_lines(world.contest, today=NOW.date())) == 9  # ranks 4–12
    assert any("不再适用" in line for line in report.changes)
    assert decision_of(world, world.people[0]).state is ReviewState.REJECTED


def test_review_needs_a_reason_and_is_audited(session):
    world = finished_contest()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    decision = decision_of(world, world.people[0])
    with pytest.raises(DomainError) as error:
        services.reject_decision(decision, "  ", actor=world.organizer, now=NOW)
    assert error.value.field == "reason"
    with pytest.raises(DomainError):
        services.adjust_decision(decision, SkillLevel.SENIOR_WORKER, "", actor=world.organizer, now=NOW)
    services.adjust_decision(
        decision,
        SkillLevel.SENIOR_TECHNICIAN,
        "经复核理论成绩，按高级技师认定",
        actor=world.organizer,
        now=NOW,
    )
    assert decision.effective_level is SkillLevel.SENIOR_TECHNICIAN
    assert "组织方调整" in decision.result_text
    actions = (
        db.session.execute(sa.select(AuditEntry.action).where(AuditEntry.object_id == decision.id))
        .scalars()
        .all()
    )
    assert "promotion.decision.adjust" in actions
    # Results no rule matches are not stored, so there is nothing of theirs to review.
    assert all(d.kind is not DecisionKind.NONE for d in services.decisions_of(world.contest))


def test_notice_then_confirmation_writes_level_history_and_requests_certificates(session):
    world = finished_contest()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    services.reject_decision(
        decision_of(world, world.people[1]), "冒名顶替参赛", actor=world.organizer, now=NOW
    )
    with pytest.raises(DomainError):
        services.confirm_decisions(world.contest, actor=world.organizer, now=NOW)  # nothing noticed yet
    notice = services.publish_notice(
        world.contest, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR
    )
    assert notice.decisions_count == 10  # ten promotions and a title, one rejected
    assert notice.first_day == date(2026, 4, 1) and notice.last_day == date(2026, 4, 7)
    with pytest.raises(DomainError):
        services.confirm_decisions(world.contest, actor=world.organizer, now=NOW)  # notice running
    report = services.confirm_decisions(world.contest, actor=world.organizer, now=LATER)
    assert report.confirmed == 10 and report.certificates == 10
    winner = world.people[0]
    assert winner.current_level is SkillLevel.TECHNICIAN
    history = services.level_history(winner)
    assert [(h.origin, h.level) for h in history] == [
        (LevelOrigin.DECLARED, SkillLevel.SENIOR_WORKER),
        (LevelOrigin.COMPETITION, SkillLevel.TECHNICIAN),
    ]
    assert world.contest.name in history[1].source and "m1-staff" in history[1].source
    assert world.people[1].current_level is SkillLevel.SENIOR_WORKER
    assert decision_of(world, world.people[1]).state is ReviewState.REJECTED
    from competition.certificates.models import CertificateRequest

    requests = (
        db.session.execute(sa.select(CertificateRequest).where(CertificateRequest.competitor_id == winner.id))
        .scalars()
        .all()
    )
    assert sorted(
        (r.kind.value, r.snapshot.get("level") or r.snapshot["honour_title"]) for r in requests
    ) == [
        ("honour", "天津市技术能手"),
        ("skill_level", "technician"),
    ]
    assert "天津市技术能手" in winner.titles
    # Confirming again finds nothing new; re-evaluating keeps the confirmed rows as they are.
    with pytest.raises(DomainError):
        services.confirm_decisions(world.contest, actor=world.organizer, now=LATER)
    again = services.evaluate_contest(world.contest, actor=world.organizer, now=LATER)
    assert again.reversed == 0 and again.changed == 0


def test_one_competition_promotion_per_year_across_two_contests(session):
    first = finished_contest()
    services.evaluate_contest(first.contest, actor=first.organizer, now=NOW)
    services.publish_notice(first.contest, actor=first.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    services.confirm_decisions(first.contest, actor=first.organizer, now=LATER)
    person = first.people[0]
    assert person.current_level is SkillLevel.TECHNICIAN

    second = finished_contest(people=[person, *first.people[5:8]], notice_last_day=date(2026, 4, 20))
    services.evaluate_contest(second.contest, actor=second.organizer, now=LATER)
    blocked = decision_of(second, person)
    assert blocked.outcome is DecisionStatus.BLOCKED
    assert first.contest.name in blocked.reason and "每人每年至多因竞赛晋升一次" in blocked.reason
    assert blocked.blocked_by == str(first.contest.id)
    assert "原等级 二级/技师" in blocked.facts_text  # the level held since the first contest


def test_upheld_appeal_reverses_confirmed_decisions(session):
    world = finished_contest(status=ContestStatus.PUBLIC_NOTICE)
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    services.publish_notice(world.contest, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    services.confirm_decisions(world.contest, actor=world.organizer, now=LATER)
    loser = world.people[9]
    assert loser.current_level is SkillLevel.TECHNICIAN
    # The arbitration group upholds an appeal: re-marked, A12 moves up to 10th, A10 falls to 12th.
    people = [*world.people[:9], world.people[11], world.people[10], loser]
    factories.publish_results(
        world.event,
        people,
        publisher=world.organizer,
        sequence=2,
        notice_last_day=date(2026, 5, 1),
        published_at=datetime(2026, 4, 20, 9, 0),
    )
    assert services.stale(world.contest)
    report = services.evaluate_contest(world.contest, actor=world.organizer, now=LATER)
    assert report.reversed == 1
    reversed_ = decision_of(world, loser)
    assert reversed_.state is ReviewState.REVERSED and "成绩重新发布" in reversed_.reversal_reason
    assert loser.current_level is SkillLevel.SENIOR_WORKER
    entry = db.session.execute(
        sa.select(LevelRecord).where(LevelRecord.decision_id == reversed_.id)
    ).scalar_one()
    assert entry.revoked_at == LATER
    new = decision_of(world, world.people[11])
    assert (
        new.state is ReviewState.PROPOSED and new.outcome is DecisionStatus.GRANTED and new.notice_id is None
    )
    assert db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "promotion.decision.reverse")
    ).scalar_one()


def test_titles_are_added_on_confirmation(session):
    world = finished_contest(preset="heilongjiang-contest-measures", tier=Tier.PROVINCIAL_1, count=4)
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    title = decision_of(world, world.people[0], DecisionKind.TITLE)
    assert title.title == "龙江技术能手" and title.outcome is DecisionStatus.GRANTED
    services.publish_notice(world.contest, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    services.confirm_decisions(world.contest, actor=world.organizer, now=LATER)
    assert "龙江技术能手" in world.people[0].titles
    assert world.people[0].current_level is SkillLevel.SENIOR_TECHNICIAN


def test_direct_recognition_entry_raises_the_level(session):
    world = finished_contest(count=1)
    person = world.people[0]
    with pytest.raises(DomainError) as error:
        services.add_level_record(
            person,
            SkillLevel.TECHNICIAN,
            LevelOrigin.DIRECT,
            date(2026, 3, 25),
            "",
            None,
            actor=world.organizer,
            now=NOW,
        )
    assert error.value.field == "source"
    services.add_level_record(
        person,
        SkillLevel.TECHNICIAN,
        LevelOrigin.DIRECT,
        date(2026, 3, 25),
        "绍兴市人社局 直接认定 技师（绍人社〔2026〕12号）",
        "Y000133060001226000017",
        actor=world.organizer,
        now=NOW,
    )
    assert person.current_level is SkillLevel.TECHNICIAN
    assert person.level_certificate_number == "Y000133060001226000017"
    assert [h.origin for h in services.level_history(person)] == [LevelOrigin.DECLARED, LevelOrigin.DIRECT]


def test_ruleset_editor_data_validation_names_the_path(session):
    world = finished_contest(count=1)
    row = services.choose_preset(world.contest, "tianjin-2024", clone=True, actor=world.organizer, now=NOW)
    assert row.ruleset_key == f"contest-{world.contest.id}@1" and row.cloned_from == "tianjin-2024@1"
    data = services.json_data(services.parsed(row))
    data["rules"][2]["outcome"]["level"] = "技工"
    with pytest.raises(DomainError) as error:
        services.save_ruleset(row, data=data, actor=world.organizer, now=NOW)
    assert error.value.field == "rules[2].outcome.level"
    data["rules"][2]["outcome"]["level"] = "技师"
    data["rules"].append(
        {
            "id": "extra",
            "name": "前6名高级工",
            "source": "测试",
            "when": {"tiers": ["municipal_1"], "top_n": 6},
            "outcome": {"kind": "promote", "level": "高级工"},
        }
    )
    saved = services.save_ruleset(row, data=data, actor=world.organizer, now=NOW)
    assert saved.changed and saved.key.endswith("@2")
    assert any("extra" in w for w in saved.warnings)
    assert [r.revision for r in row.revisions] == [1, 2, 3]  # preset, copy, edit


def test_reevaluation_after_confirming_a_competitor_without_a_level_changes_nothing(session):
    world = finished_contest(count=3)
    world.people[0].current_level = None
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    assert "原等级 无" in decision_of(world, world.people[0]).facts_text
    services.publish_notice(world.contest, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    services.confirm_decisions(world.contest, actor=world.organizer, now=LATER)
    assert world.people[0].current_level is SkillLevel.TECHNICIAN
    assert [h.origin for h in services.level_history(world.people[0])] == [LevelOrigin.COMPETITION]
    report = services.evaluate_contest(world.contest, actor=world.organizer, now=LATER)
    assert (report.changed, report.reversed, report.unchanged) == (0, 0, 4)


def test_every_result_has_stored_decisions_or_a_derived_no_match_line_never_both(session):
    world = finished_contest()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    stored = {d.competitor_id for d in services.decisions_of(world.contest)}
    derived = [n.competitor_id for n in services.no_match_lines(world.contest, today=NOW.date())]
    assert stored.isdisjoint(derived) and len(derived) == len(set(derived))
    assert stored | set(derived) == {p.id for p in world.people}
    # A rule change that makes ranks 4–12 match nothing moves them from stored rows to derived lines.
    row = services.contest_ruleset(world.contest)
    data = services.json_data(services.parsed(row))
    data["rules"][0]["when"]["top_n"] = 3
    services.save_ruleset(row, data=data, actor=world.organizer, now=NOW)
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    stored = {d.competitor_id for d in services.decisions_of(world.contest)}
    derived = [n.competitor_id for n in services.no_match_lines(world.contest, today=NOW.date())]
    assert stored.isdisjoint(derived) and stored | set(derived) == {p.id for p in world.people}
    assert derived == [p.id for p in world.people[3:]]  # in the standings' order


def test_no_match_rows_stored_by_earlier_versions_are_dropped_silently(session):
    world = finished_contest()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    line = services.no_match_lines(world.contest, today=NOW.date())[0]
    old = PromotionDecision(
        contest_id=world.contest.id,
        event_id=world.event.id,
        competitor_id=line.competitor_id,
        rule_key="",
        ruleset_key="tianjin-2024@1",
        kind=DecisionKind.NONE,
        outcome=DecisionStatus.NO_MATCH,
        facts_text=line.facts_text,
        outcome_text="无",
        reason=line.reason,
        evaluated_at=NOW,
    )
    db.session.add(old)
    db.session.flush()
    report = services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    assert (report.added, report.changed, report.removed, report.unchanged) == (0, 0, 0, 11)
    assert all(d.outcome is not DecisionStatus.NO_MATCH for d in services.decisions_of(world.contest))
