"""Promotion pages: the organizer chooses and edits rules, evaluates, rejects with a reason, notices and
confirms; the competitor reads the reasons on their own page; the public reads the notice masked."""

from __future__ import annotations

import sqlalchemy as sa

from competition.accounts.models import Role
from competition.domain import SkillLevel
from competition.extensions import db
from competition.promotion import services
from competition.promotion.models import PromotionDecision, ReviewState
from competition.promotion.rules import DecisionKind
from tests import factories
from tests.promotion.test_workflow import CALENDAR, NOW, finished_contest


def _organizer_world():
    body = factories.make_body()
    organizer = factories.make_user(Role.ORGANIZER, body=body, username="promo-org")
    world = finished_contest(body=body, organizer=organizer)
    user = factories.make_user(Role.COMPETITOR, username="promo-competitor")
    world.people[1].user = user
    db.session.flush()
    return world


def test_organizer_reviews_notices_and_confirms_and_competitor_sees_reason(client, auth, session):
    world = _organizer_world()
    auth.login("promo-org")
    page = client.get(f"/manage/contests/{world.contest.id}/promotion")
    assert page.status_code == 200 and "天津市纳入计划竞赛" in page.text
    response = client.post(f"/manage/contests/{world.contest.id}/promotion/evaluate")
    assert response.status_code == 302
    page = client.get(f"/manage/contests/{world.contest.id}/promotion").text
    assert "第1名/12人, 市级一类, 职工组, 原等级 三级/高级工" in page and "m1-staff" in page
    target = db.session.execute(
        sa.select(PromotionDecision).where(
            PromotionDecision.competitor_id == world.people[1].id,
            PromotionDecision.kind == DecisionKind.PROMOTION,
        )
    ).scalar_one()
    refused = client.post(
        f"/manage/promotion-decisions/{target.id}/review", data={"action": "reject", "reason": ""}
    )
    assert refused.status_code == 302
    assert "请填写原因" in client.get(f"/manage/contests/{world.contest.id}/promotion").text
    client.post(
        f"/manage/promotion-decisions/{target.id}/review",
        data={"action": "reject", "reason": "理论考试作答雷同，经仲裁认定成绩无效"},
    )
    db.session.refresh(target)
    assert target.state is ReviewState.REJECTED
    # The notice ran in the past (published by the service with an earlier date), so it has ended today.
    services.publish_notice(world.contest, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    response = client.post(f"/manage/contests/{world.contest.id}/promotion/confirm")
    assert response.status_code == 302
    assert "已确认 10 条决定" in client.get(f"/manage/contests/{world.contest.id}/promotion").text
    assert world.people[0].current_level is SkillLevel.TECHNICIAN
    levels = client.get(f"/manage/competitors/{world.people[0].id}/levels")
    assert levels.status_code == 200 and "竞赛晋升" in levels.text
    public = client.get(f"/contests/{world.contest.id}/promotions").text
    assert "选**1" in public and "选手01" not in public and "已确认" in public
    auth.logout()
    auth.login("promo-competitor")
    mine = client.get("/me/promotion").text
    assert "理论考试作答雷同，经仲裁认定成绩无效" in mine
    assert "不予通过" in mine and "天津市人社局" in mine and "第2名/12人" in mine


def test_results_no_rule_matches_are_explained_to_organizer_and_competitor(client, auth, session):
    world = _organizer_world()
    eleventh = world.people[10]
    eleventh.user = factories.make_user(Role.COMPETITOR, username="promo-eleventh")
    db.session.flush()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    auth.login("promo-org")
    review = client.get(f"/manage/contests/{world.contest.id}/promotion").text
    assert "不符合任何规则的成绩" not in review and "全部（含不符合条件）（13）" in review
    every = client.get(f"/manage/contests/{world.contest.id}/promotion?show=all").text
    assert "不符合任何规则的成绩</h3>" not in every  # the heading carries the count
    assert "不符合任何规则的成绩（2）" in every and "第11名/12人, 市级一类, 职工组" in every
    assert "不符合规则集“" in every and "重新评估" in every
    levels = client.get(f"/manage/competitors/{eleventh.id}/levels").text
    assert "没有已公示的决定" in levels  # not published for notice yet: nothing shown
    services.publish_notice(world.contest, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    levels = client.get(f"/manage/competitors/{eleventh.id}/levels").text
    assert "第11名/12人" in levels and "不符合条件" in levels
    auth.logout()
    auth.login("promo-eleventh")
    mine = client.get("/me/promotion").text
    assert "第11名/12人, 市级一类, 职工组" in mine and "不符合规则集“" in mine
    assert "还没有公示的晋升或称号决定" not in mine and "第12名/12人" not in mine


def test_rule_editor_shows_the_path_of_a_bad_field_and_exports_yaml(client, auth, session):
    world = _organizer_world()
    auth.login("promo-org")
    response = client.post(
        f"/manage/contests/{world.contest.id}/promotion/ruleset",
        data={"preset": "tianjin-2024", "mode": "clone"},
    )
    row = services.contest_ruleset(world.contest)
    assert response.headers["Location"].endswith(f"/manage/rulesets/{row.id}/edit")
    form = client.get(f"/manage/rulesets/{row.id}/edit").text
    assert 'name="rules-0-top_n" value="10"' in form
    data = {
        "rule_count": "1",
        "id": "my-rules",
        "version": "1",
        "name": "本市竞赛晋升规则",
        "source": "市人社局通知",
        "max_level": "高级技师",
        "one_promotion_per_year": "1",
        "rules-0-id": "top3",
        "rules-0-name": "前3名晋升技师",
        "rules-0-source": "通知第三条",
        "rules-0-tiers": "municipal_1",
        "rules-0-top_n": "三",
        "rules-0-kind": "promote",
        "rules-0-level": "技师",
    }
    bad = client.post(f"/manage/rulesets/{row.id}/edit", data=data)
    assert bad.status_code == 422 and "rules[0].when.top_n" in bad.text
    data["rules-0-top_n"] = "3"
    good = client.post(f"/manage/rulesets/{row.id}/edit", data=data)
    assert good.status_code == 302
    exported = client.get(f"/manage/rulesets/{row.id}.yaml")
    assert "id: my-rules" in exported.text and "top_n: 3" in exported.text
    imported = client.post(
        f"/manage/rulesets/{row.id}/import", data={"yaml_text": exported.text.replace("top_n: 3", "top_n: 5")}
    )
    assert imported.status_code == 302
    assert services.parsed(row).rules[0].when.top_n == 5 and services.parsed(row).version == 2
    broken = client.post(f"/manage/rulesets/{row.id}/import", data={"yaml_text": "id: x\nversion: [\n"})
    assert broken.status_code == 422 and "YAML 格式错误" in broken.text


def test_other_organizers_cannot_see_decisions(client, auth, session, world):
    mine = _organizer_world()
    services.evaluate_contest(mine.contest, actor=mine.organizer, now=NOW)
    decision = services.decisions_of(mine.contest)[0]
    auth.login("organizer")
    assert client.get(f"/manage/contests/{mine.contest.id}/promotion").status_code == 404
    assert client.post(f"/manage/promotion-decisions/{decision.id}/review").status_code == 404
    assert client.get(f"/manage/competitors/{mine.people[0].id}/levels").status_code == 404


def test_editor_writes_rules_for_teams_of_three_or_more(client, auth, session):
    world = _organizer_world()
    auth.login("promo-org")
    client.post(
        f"/manage/contests/{world.contest.id}/promotion/ruleset",
        data={"preset": "tianjin-2024", "mode": "clone"},
    )
    row = services.contest_ruleset(world.contest)
    data = {
        "rule_count": "2",
        "id": "teams",
        "version": "1",
        "name": "团体赛项规则",
        "source": "市人社局通知",
        "max_level": "高级技师",
        "one_promotion_per_year": "1",
        "rules-0-id": "big",
        "rules-0-name": "三人及以上团体前2名晋升技师",
        "rules-0-source": "通知第二条",
        "rules-0-team_size_min": "3",
        "rules-0-top_n": "2",
        "rules-0-kind": "promote",
        "rules-0-level": "技师",
        "rules-1-id": "title",
        "rules-1-name": "技术能手",
        "rules-1-source": "通知第三条",
        "rules-1-top_n_by_team_size": "1:5，2:3，3+:2",
        "rules-1-kind": "title",
        "rules-1-title": "技术能手",
    }
    assert client.post(f"/manage/rulesets/{row.id}/edit", data=data).status_code == 302
    big, title = services.parsed(row).rules
    assert big.when.team_size_min == 3 and big.when.top_n == 2
    assert title.when.top_n_by_team_size == ((1, 5), (2, 3), (3, 2))
    assert title.when.top_n_by_team_size_or_more
    form = client.get(f"/manage/rulesets/{row.id}/edit").text
    assert 'name="rules-1-top_n_by_team_size" value="1:5, 2:3, 3+:2"' in form
    assert 'name="rules-0-team_size_min" value="3"' in form
    data["rules-0-team_size_min"] = "12"
    bad = client.post(f"/manage/rulesets/{row.id}/edit", data=data)
    assert bad.status_code == 422 and "rules[0].when.team_size_min" in bad.text
