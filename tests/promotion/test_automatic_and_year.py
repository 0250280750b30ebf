"""Decisions proposed automatically when a contest's results become final (its move to 成绩已确认), and the
year-level evaluation: the same decisions as contest by contest, in a fixed number of queries."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from competition.accounts.models import Role
from competition.audit.models import AuditEntry
from competition.contests import services as contest_services
from competition.contests.lifecycle import ContestStatus
from competition.domain import SkillLevel, Tier
from competition.extensions import db
from competition.promotion import services
from competition.promotion.models import PromotionDecision, PromotionReason, ReviewState
from competition.promotion.rules import DecisionKind, DecisionStatus
from tests import factories
from tests.promotion.test_workflow import NOW, finished_contest

FINAL_AT = datetime(2026, 3, 25, 9, 0)


def _rows(contest_id: int) -> list[tuple]:
    return list(
        db.session.execute(
            sa.select(
                PromotionDecision.event_id,
                PromotionDecision.competitor_id,
                PromotionDecision.rule_key,
                PromotionDecision.kind,
                PromotionDecision.outcome,
                PromotionDecision.level,
                PromotionDecision.title,
                PromotionDecision.reason,
                PromotionDecision.state,
            )
            .where(PromotionDecision.contest_id == contest_id)
            .order_by(PromotionDecision.event_id, PromotionDecision.competitor_id, PromotionDecision.rule_key)
        ).all()
    )


def test_results_becoming_final_propose_decisions_once_audited_and_shown(client, auth, session):
    world = finished_contest(status=ContestStatus.PUBLIC_NOTICE, notice_last_day=date(2026, 3, 20))
    world.contest.public_notice_ends_on = date(2026, 3, 20)
    world.organizer.username = "final-org"
    db.session.flush()
    assert _rows(world.contest.id) == []

    contest_services.transition(world.contest, ContestStatus.FINAL, actor=world.organizer, now=FINAL_AT)
    rows = _rows(world.contest.id)
    assert (
        len(rows) == 11
    )  # 10 promotions, 天津市技术能手 (as when the organizer evaluates; 2 no-match: derived)
    granted = [r for r in rows if r.kind is not DecisionKind.NONE and r.outcome is DecisionStatus.GRANTED]
    assert len(granted) == 11 and all(r.state is ReviewState.PROPOSED for r in rows)
    audit = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "promotion.evaluate")
    ).scalar_one()
    assert audit.summary.startswith("成绩确认后自动生成晋升与称号决定：新增 11 条")
    assert audit.contest_id == world.contest.id

    # Evaluating again (the hook or the organizer's button) changes nothing and audits nothing.
    assert services.propose_on_final(world.contest, actor=world.organizer, now=FINAL_AT).added == 0
    report = services.evaluate_contest(world.contest, actor=world.organizer, now=FINAL_AT)
    assert (report.added, report.changed, report.removed, report.unchanged) == (0, 0, 0, 11)
    assert _rows(world.contest.id) == rows
    assert (
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.like("promotion.evaluate%"))
        ).scalar()
        == 1
    )

    db.session.commit()
    auth.login("final-org")
    page = client.get(f"/manage/contests/{world.contest.id}/promotion").text
    assert "第1名/12人, 市级一类, 职工组, 原等级 三级/高级工" in page and "待审核" in page


def test_no_rule_set_means_nothing_is_proposed_and_the_move_still_happens(session):
    body = factories.make_body()
    organizer = factories.make_user(Role.ORGANIZER, body=body)
    contest = factories.make_contest(body, status=ContestStatus.PUBLIC_NOTICE, starts_on=date(2026, 3, 1))
    event = factories.make_event(contest)
    unit = factories.make_unit()
    people = [factories.make_competitor(unit, name=f"选手{i}") for i in range(3)]
    factories.publish_results(event, people, publisher=organizer, notice_last_day=date(2026, 3, 20))
    contest.public_notice_ends_on = date(2026, 3, 20)
    contest_services.transition(contest, ContestStatus.FINAL, actor=organizer, now=FINAL_AT)
    assert contest.status is ContestStatus.FINAL
    assert _rows(contest.id) == []


def test_year_evaluation_equals_contest_by_contest_in_a_fixed_number_of_queries(session):
    body = factories.make_body()
    organizer = factories.make_user(Role.ORGANIZER, body=body)
    unit = factories.make_unit()
    shared = [factories.make_competitor(unit, name=f"共同{i}") for i in range(4)]
    worlds = []
    for n in range(4):
        people = shared + [factories.make_competitor(unit, name=f"选手{n}-{i}") for i in range(4)]
        worlds.append(
            finished_contest(
                people=people, body=body, organizer=organizer, notice_last_day=date(2026, 3, 10 + n)
            )
        )
    # a confirmed promotion from an earlier contest blocks the shared people's promotions this year
    services.evaluate_contest(worlds[0].contest, actor=organizer, now=NOW)
    first = services.decisions_of(worlds[0].contest)
    for decision in first:
        if decision.actionable:
            services._apply(decision, actor=organizer, now=NOW)
    db.session.flush()

    contests = services.year_contests(body.id, 2026)
    assert [c.id for c in contests] == [w.contest.id for w in worlds]
    report = services.evaluate_year(contests, actor=organizer, now=NOW)
    assert not report.skipped
    assert report.reports[worlds[0].contest.id].added == 0  # already evaluated: unchanged
    year_rows = {w.contest.id: _rows(w.contest.id) for w in worlds}
    blocked = [r for r in year_rows[worlds[1].contest.id] if r.outcome is DecisionStatus.BLOCKED]
    assert {r.competitor_id for r in blocked} == {p.id for p in shared}  # promoted by the first contest
    # the contests' decisions share their stored reasons (same ranks, same rules: the same texts)
    stored = db.session.execute(sa.select(PromotionDecision)).scalars().all()
    reasons = db.session.execute(sa.select(sa.func.count()).select_from(PromotionReason)).scalar()
    assert all(d.reason_data is not None for d in stored)
    assert reasons == len({(d.facts_text, d.outcome_text, d.reason) for d in stored}) < len(stored) / 2

    # Contest by contest afterwards: nothing changes; the year again: nothing changes.
    for world in worlds:
        again = services.evaluate_contest(world.contest, actor=organizer, now=NOW)
        assert (again.added, again.changed, again.removed) == (0, 0, 0)
    again = services.evaluate_year(contests, actor=organizer, now=NOW)
    assert all((r.added, r.changed, r.removed) == (0, 0, 0) for r in again.reports.values())
    assert {w.contest.id: _rows(w.contest.id) for w in worlds} == year_rows
    year_audits = (
        db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "promotion.evaluate.year"))
        .scalars()
        .all()
    )
    assert len(year_audits) == 1 and "评估 4 个竞赛" in year_audits[0].summary


def test_the_number_of_queries_does_not_grow_with_the_contests(session):
    body = factories.make_body()
    organizer = factories.make_user(Role.ORGANIZER, body=body)
    unit = factories.make_unit()

    def statements_for(count: int) -> int:
        for _ in range(count):
            people = [factories.make_competitor(unit, name=f"选手{i}") for i in range(3)]
            finished_contest(people=people, body=body, organizer=organizer)
        db.session.execute(sa.delete(PromotionDecision))
        db.session.expire_all()
        contests = services.year_contests(body.id, 2026)
        for contest in contests:
            _ = contest.status, contest.tier, contest.name, contest.starts_on, contest.body_id
        counter = [0]

        def count(*_args) -> None:
            counter[0] += 1

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            services.evaluate_year(contests, actor=organizer, now=NOW)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return counter[0]

    assert statements_for(2) == statements_for(6)


def test_evaluate_year_command(app, session):
    body = factories.make_body()
    organizer = factories.make_user(Role.ORGANIZER, body=body)
    world = finished_contest(body=body, organizer=organizer)
    draft = factories.make_contest(body, name="2026年草稿竞赛", starts_on=date(2026, 9, 1))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["promotion", "evaluate-year", "--body", str(body.id), "--year", "2026"])
    assert result.exit_code == 0, result.output
    assert "评估 1 个竞赛：新增 11 条" in result.output
    assert f"未评估：{draft.name}：竞赛处于“{draft.status.label}”阶段" in result.output
    assert len(_rows(world.contest.id)) == 11
    missing = runner.invoke(args=["promotion", "evaluate-year", "--body", str(body.id), "--year", "2019"])
    assert missing.exit_code == 1 and "没有竞赛" in missing.output


def test_stored_decisions_are_the_full_evaluation_without_no_match(session):
    """What the evaluation stores (facts built only for the results some rule may match, no ``no_match``
    decisions asked for) is exactly the full engine call's decisions other than ``no_match``, which the
    pages derive: joint and missing ranks, levels already held (no effect), a percentage cut-off, and a
    person promoted by two contests the same year."""
    body = factories.make_body()
    organizer = factories.make_user(Role.ORGANIZER, body=body)
    unit = factories.make_unit()
    people = [factories.make_competitor(unit, name=f"选手{i:02d}") for i in range(14)]
    people[0].current_level = SkillLevel.SENIOR_TECHNICIAN  # already at the cap: no effect
    people[1].current_level = SkillLevel.TECHNICIAN  # already a 技师: 高级技师
    people[2].current_level = None
    municipal = finished_contest(
        people=people[:12], body=body, organizer=organizer, notice_last_day=date(2026, 3, 10)
    )
    factories.publish_results(
        municipal.event,
        people[:12],
        publisher=organizer,
        notice_last_day=date(2026, 3, 10),
        ranks=[1, 2, 2, 4, 5, 6, 7, 8, 9, 10, 11, None],
        sequence=2,
    )
    enterprise = finished_contest(
        people=[people[5], *people[12:], *people[6:11]],
        tier=Tier.ENTERPRISE,
        body=body,
        organizer=organizer,
        notice_last_day=date(2026, 2, 1),
    )
    # the enterprise contest's promotions are confirmed: they count against the municipal one's
    services.evaluate_contest(enterprise.contest, actor=organizer, now=NOW)
    for decision in services.decisions_of(enterprise.contest):
        if decision.actionable:
            services._apply(decision, actor=organizer, now=NOW)
    db.session.flush()
    report = services.evaluate_year(services.year_contests(body.id, 2026), actor=organizer, now=NOW)
    assert not report.skipped

    for world in (municipal, enterprise):
        pairs, skipped = services.engine_decisions(world.contest, today=NOW.date())  # the full path
        assert not skipped
        expected = sorted(
            (
                line.event_id,
                line.competitor_id,
                d.rule_id or "",
                d.kind,
                d.status,
                d.level,
                d.title,
                d.facts_text,
                d.outcome_text,
                d.reason,
                d.superseded_by,
                d.blocked_by,
                line.standing_id,
            )
            for d, line in pairs
            if d.status is not DecisionStatus.NO_MATCH
        )
        stored = sorted(
            (
                r.event_id,
                r.competitor_id,
                r.rule_key,
                r.kind,
                r.outcome,
                r.level,
                r.title,
                r.facts_text,
                r.outcome_text,
                r.reason,
                r.superseded_by,
                r.blocked_by,
                r.standing_id,
            )
            for r in services.decisions_of(world.contest)
        )
        assert stored == expected
        no_match = [d for d, _line in pairs if d.status is DecisionStatus.NO_MATCH]
        assert len(services.no_match_lines(world.contest, today=NOW.date())) == len(no_match) > 0
    outcomes = {(r.competitor_id, r.outcome) for r in services.decisions_of(municipal.contest)}
    assert (people[0].id, DecisionStatus.NO_EFFECT) in outcomes
    assert (people[5].id, DecisionStatus.BLOCKED) in outcomes  # promoted by the earlier enterprise contest
    assert (people[1].id, DecisionStatus.GRANTED) in outcomes
    granted = [r for r in services.decisions_of(enterprise.contest) if r.outcome is DecisionStatus.GRANTED]
    assert [r.competitor_id for r in granted] == [people[5].id, people[12].id]  # 30 % of 8, rounded down
