"""Demo promotion and honours for contest C (江苏技能状元大赛总决赛), after :mod:`competition.demo.marking`.

Everything goes through the promotion services, so the audit log, level history and certificate requests
are those of a real contest:

* the contest runs under its own rule set (YAML below): staff ranks 1–3 → 高级技师, 4–10 → 技师, the rest
  who passed every part → 高级工; 职工组 first place → “江苏技能状元” and “江苏工匠”;
* 网络安全 and 电工: decisions noticed and confirmed (level history, titles), one 电工 promotion rejected
  with a reason;
* 焊工: decisions noticed, the notice over, waiting for the organizer to confirm (the browser test does);
  the second-placed welder has the sign-in ``js-competitor`` to see their decisions;
* honour programme 江苏工匠 (every 2 years): nominations from the confirmed titles and one unit
  nomination, two holders selected, noticed and confirmed with honour records.

Dates follow the published results (the day after the contest); :func:`load_promotion_demo` is idempotent.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from competition.accounts.models import Role, User
from competition.contests.models import Contest
from competition.demo.accounts import DEMO_PASSWORD
from competition.domain import Group
from competition.extensions import db
from competition.marking.models import Publication, PublishedStanding
from competition.promotion import services
from competition.promotion.models import HonourPeriod, PromotionDecision
from competition.promotion.rules import DecisionKind, DecisionStatus
from competition.registration.models import Competitor
from competition.workdays import default_calendar

DEMO_COMPETITOR = "js-competitor"

RULES_YAML = """\
id: jiangsu-champion-demo
version: 1
name: 江苏技能状元大赛获奖选手晋升职业技能等级与称号（演示）
source: 江苏技能状元大赛总决赛竞赛通知（演示数据；晋升档次参照省一类竞赛的通行做法）
settings: {max_level: 高级技师, one_promotion_per_year: true}
rules:
  - id: staff-1-3
    name: 职工组第1至3名晋升高级技师
    source: 竞赛通知（演示）第七条：职工组第1至3名晋升高级技师
    when: {tiers: [provincial_1], groups: [staff], rank_min: 1, rank_max: 3}
    outcome: {kind: promote, level: 高级技师, if_held: nothing}
  - id: staff-4-10
    name: 职工组第4至10名晋升技师
    source: 竞赛通知（演示）第七条：职工组第4至10名晋升技师
    when: {tiers: [provincial_1], groups: [staff], rank_min: 4, rank_max: 10}
    outcome: {kind: promote, level: 技师, if_held: nothing}
  - id: staff-passed
    name: 职工组其余各部分合格者晋升高级工
    source: 竞赛通知（演示）第七条：其余理论和技能操作均合格的选手晋升高级工
    when: {tiers: [provincial_1], groups: [staff], rank_min: 11, all_parts_passed: true}
    outcome: {kind: promote, level: 高级工, if_held: nothing}
  - id: zhuangyuan
    name: 职工组第一名授予江苏技能状元
    source: 竞赛通知（演示）第八条：职工组第一名授予“江苏技能状元”称号
    when: {tiers: [provincial_1], groups: [staff], top_n: 1}
    outcome: {kind: title, title: 江苏技能状元}
  - id: gongjiang
    name: 江苏技能状元直接认定为江苏工匠
    source: 竞赛通知（演示）第八条：“江苏技能状元”直接认定为“江苏工匠”
    when: {tiers: [provincial_1], groups: [staff], top_n: 1}
    outcome: {kind: title, title: 江苏工匠}
  - id: student-zhuangyuan
    name: 学生组第一名授予学生技能状元
    source: 竞赛通知（演示）第八条：学生组第一名授予“学生技能状元”称号
    when: {tiers: [provincial_1], groups: [student], top_n: 1}
    outcome: {kind: title, title: 学生技能状元}
"""


def _decision(contest: Contest, event_id: int, rank: int, kind: DecisionKind) -> PromotionDecision | None:
    return db.session.execute(
        sa.select(PromotionDecision)
        .join(PublishedStanding, PublishedStanding.id == PromotionDecision.standing_id)
        .where(
            PromotionDecision.contest_id == contest.id,
            PromotionDecision.event_id == event_id,
            PromotionDecision.kind == kind,
            PromotionDecision.outcome == DecisionStatus.GRANTED,
            PublishedStanding.rank == rank,
        )
    ).scalar()


def load_promotion_demo(*, now: datetime) -> int:
    """Give contest C its promotion decisions, the 江苏工匠 programme and 江苏省青年岗位能手 (open for unit
    nominations); returns the decisions stored
    (0 when contest C has no published results or the demo is already loaded). Flushes; the caller
    commits."""
    contest = (
        db.session.execute(
            sa.select(Contest).where(Contest.name.like("%江苏技能状元大赛总决赛")).order_by(Contest.id)
        )
        .scalars()
        .first()
    )
    if contest is None or services.contest_ruleset(contest) is not None:
        return 0
    published = db.session.execute(
        sa.select(sa.func.min(Publication.published_at)).where(
            Publication.event_id.in_([e.id for e in contest.events])
        )
    ).scalar()
    if published is None:
        return 0
    organizer = (
        db.session.execute(
            sa.select(User)
            .where(User.role == Role.ORGANIZER, User.body_id == contest.body_id)
            .order_by(User.id)
        )
        .scalars()
        .first()
    )
    calendar = default_calendar()
    start = datetime.combine(published.date() + timedelta(days=10), time(9, 30))
    row = services.choose_preset(
        contest, "heilongjiang-contest-measures", clone=True, actor=organizer, now=start
    )
    services.save_ruleset(row, text=RULES_YAML, actor=organizer, now=start)
    services.evaluate_contest(contest, actor=organizer, now=start)

    events = {e.occupation_name: e for e in contest.events if e.group is Group.STAFF}
    first_wave = [events[name] for name in ("网络安全", "电工") if name in events]
    electrician = events.get("电工")
    if electrician is not None:
        second = _decision(contest, electrician.id, 2, DecisionKind.PROMOTION)
        if second is not None:
            services.reject_decision(
                second,
                "所在单位未能出具连续从事本职业（工种）满 2 年的在岗证明，经审核不予晋升；补齐材料后可按规定申请。",
                actor=organizer,
                now=start + timedelta(hours=1),
            )
    if first_wave:
        services.publish_notice(
            contest,
            actor=organizer,
            now=start + timedelta(hours=2),
            working_days=5,
            calendar=calendar,
            events=first_wave,
        )
        services.confirm_decisions(contest, actor=organizer, now=start + timedelta(days=14))
    welding = events.get("焊工")
    if welding is not None:
        services.publish_notice(
            contest,
            actor=organizer,
            now=start + timedelta(days=15),
            working_days=5,
            calendar=calendar,
            events=[welding],
        )
        runner_up = _decision(contest, welding.id, 2, DecisionKind.PROMOTION)
        if runner_up is not None:
            _demo_account(runner_up.competitor)

    programme = services.create_programme(
        contest.body_id,
        title="江苏工匠",
        issuing_body="江苏省人力资源和社会保障厅",
        period=HonourPeriod.BIENNIAL,
        quota=10,
        age_max=None,
        min_level=None,
        required_titles=[],
        description="每两年评选一次（演示名额 10 人）。江苏技能状元直接认定为江苏工匠，其余由单位推荐、评审、公示后确认。",
        actor=organizer,
        now=start + timedelta(days=20),
    )
    batch = services.open_batch(
        programme, contest.year, contest.ends_on, actor=organizer, now=start + timedelta(days=20)
    )
    services.nominate_from_results(
        batch, contest=None, top_n=None, actor=organizer, now=start + timedelta(days=20)
    )
    if welding is not None:
        champion = _decision(contest, welding.id, 1, DecisionKind.TITLE)
        if champion is not None:
            services.nominate_by_unit(
                batch,
                champion.competitor,
                unit_id=champion.competitor.unit_id,
                material="从事压力管道焊接 15 年，攻克厚壁不锈钢管全位置焊接难题，带徒 20 余人。",
                achievements=[f"{contest.name} 焊工 职工组 第1名"],
                attachment=None,
                attachment_name=None,
                actor=organizer,
                now=start + timedelta(days=21),
            )
    for nomination in list(batch.nominations):
        if nomination.decision_id is not None:
            services.review_nomination(
                nomination, True, "江苏技能状元直接认定", actor=organizer, now=start + timedelta(days=22)
            )
        else:
            services.review_nomination(
                nomination,
                False,
                "本届竞赛称号尚在公示确认中，待确认后按直接认定办理",
                actor=organizer,
                now=start + timedelta(days=22),
            )
    if any(n.state.value == "selected" for n in batch.nominations):
        services.publish_batch_notice(
            batch, actor=organizer, now=start + timedelta(days=23), working_days=5, calendar=calendar
        )
        services.confirm_batch(batch, actor=organizer, now=start + timedelta(days=40))
    # An honour programme open for nominations, so unit contacts can nominate their own people.
    youth = services.create_programme(
        contest.body_id,
        title="江苏省青年岗位能手",
        issuing_body="江苏省人力资源和社会保障厅",
        period=HonourPeriod.YEARLY,
        quota=30,
        age_max=35,
        min_level=None,
        required_titles=[],
        description="每年评选一次（演示名额 30 人），年龄不超过 35 岁，由所在单位推荐并附证明材料。",
        actor=organizer,
        now=start + timedelta(days=20),
    )
    services.open_batch(youth, contest.year, contest.ends_on, actor=organizer, now=start + timedelta(days=20))
    db.session.flush()
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(PromotionDecision)
        .where(PromotionDecision.contest_id == contest.id)
    ).scalar()


def _demo_account(competitor: Competitor) -> None:
    """A sign-in for one welder of contest C, so the demo shows a competitor's decisions and reasons."""
    from werkzeug.security import generate_password_hash

    if competitor.user_id is not None:
        return
    taken = db.session.execute(sa.select(User.id).where(User.username == DEMO_COMPETITOR)).scalar()
    if taken:
        return
    user = User(
        username=DEMO_COMPETITOR,
        display_name=competitor.name,
        role=Role.COMPETITOR,
        unit_id=competitor.unit_id,
        password_hash=generate_password_hash(DEMO_PASSWORD),
        created_at=competitor.created_at,
        active=True,
        must_change_password=False,
        failed_sign_ins=0,
    )
    db.session.add(user)
    db.session.flush()
    competitor.user_id = user.id
    db.session.flush()
