"""Promotion decisions' facts, outcomes and reasons, and the audit summaries of promotion actions, are
shown in English in English mode, while the stored Chinese text stays as it was; rows written before
``reason_data`` existed show their Chinese text."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale

from competition.audit.models import AuditEntry
from competition.errors import from_data
from competition.extensions import db
from competition.i18n import translate
from competition.promotion import services
from competition.promotion.models import PromotionDecision, PromotionReason
from tests.i18n.test_pages_english import IDEOGRAPH
from tests.promotion.test_workflow import CALENDAR, NOW, decision_of
from tests.promotion.test_workflow_views import _organizer_world


def _english(client) -> None:
    client.post("/auth/language", data={"language": "en"})


def test_reasons_are_stored_in_chinese_with_their_marked_form(session):
    world = _organizer_world()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    first = decision_of(world, world.people[0])
    db.session.expire(first)
    assert first.facts_text == "第1名/12人, 市级一类, 职工组, 原等级 三级/高级工"
    assert first.outcome_text == "晋升 二级/技师"
    assert first.reason.startswith("依据 ") and first.reason.endswith("；结果：晋升 二级/技师")
    assert first.reason_data is not None and set(first.reason_data) == {"facts", "outcome", "reason"}
    assert str(from_data(first.reason_data["facts"])) == first.facts_text
    assert str(from_data(first.reason_data["outcome"])) == first.outcome_text
    # the reason's facts, result and rule source are not stored twice: taken from the row when shown
    assert not {"facts", "result", "source"} & set(first.reason_data["reason"]["p"])
    shown = [first.shown_facts, first.shown_outcome, first.shown_reason]
    assert [type(text).__name__ for text in shown] == ["Joined", "Text", "Text"]
    assert [str(text) for text in shown] == [first.facts_text, first.outcome_text, first.reason]


def test_decisions_with_the_same_texts_share_one_stored_reason(session):
    world = _organizer_world()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    decisions = services.decisions_of(world.contest)
    reasons = db.session.execute(sa.select(PromotionReason)).scalars().all()
    distinct = {(d.facts_text, d.outcome_text, d.reason) for d in decisions}
    assert len(decisions) == 11 and len(reasons) == len(distinct)
    for reason in reasons:
        assert reason.digest == services.reason_digest(reason.data)
    for decision in decisions:
        assert decision.reason_data == db.session.get(PromotionReason, decision.reason_digest).data
        assert str(from_data(decision.reason_data["facts"])) == decision.facts_text
    # evaluating again, or another contest with the same texts, stores nothing new
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    assert db.session.execute(sa.select(sa.func.count()).select_from(PromotionReason)).scalar() == len(
        reasons
    )


def test_reasons_and_audit_summaries_read_in_english(app, session):
    world = _organizer_world()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    first = decision_of(world, world.people[0])
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "promotion.evaluate")
    ).scalar_one()
    assert entry.summary == "生成晋升与称号决定：新增 11 条，变化 0 条，删除 0 条，未变 0 条"
    with app.test_request_context("/"), force_locale("en"):
        facts = translate(first.shown_facts)
        outcome = translate(first.shown_outcome)
        reason = translate(first.shown_reason)
        summary = translate(entry.shown_summary)
    assert facts.startswith("rank 1 of 12, ") and facts.endswith(", level held Level 3 / Senior worker"), (
        facts
    )
    assert outcome == "promote to Level 2 / Technician"
    assert reason.startswith("Under ") and reason.endswith("; result: promote to Level 2 / Technician")
    assert summary == "generated promotion and title decisions: 11 added, 0 changed, 0 removed, 0 unchanged"
    for text in (facts, outcome, summary):
        assert not IDEOGRAPH.search(text), text


def test_organizer_and_competitor_pages_show_reasons_in_english(client, auth, session):
    world = _organizer_world()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    auth.login("promo-org")
    _english(client)
    page = client.get(f"/manage/contests/{world.contest.id}/promotion?show=all").text
    assert "rank 1 of 12, " in page and "level held Level 3 / Senior worker" in page
    assert "promote to Level 2 / Technician" in page
    assert "rank 11 of 12, " in page and "meets the conditions of no rule in rule set" in page
    assert "第1名/12人" not in page and "原等级" not in page and "不符合规则集" not in page
    services.publish_notice(world.contest, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    public = client.get(f"/contests/{world.contest.id}/promotions").text
    assert "rank 1 of 12" in public and "第1名/12人" not in public and "晋升 二级/技师" not in public
    auth.logout()
    auth.login("promo-competitor")
    _english(client)
    mine = client.get("/me/promotion").text
    assert "rank 2 of 12, " in mine and "第2名/12人" not in mine and "原等级" not in mine


def test_rows_without_reason_data_show_their_chinese_text(client, auth, session):
    world = _organizer_world()
    services.evaluate_contest(world.contest, actor=world.organizer, now=NOW)
    db.session.execute(sa.update(PromotionDecision).values(reason_digest=None))
    db.session.flush()
    first = decision_of(world, world.people[0])
    db.session.expire(first)
    assert first.shown_facts == first.facts_text and type(first.shown_facts) is str
    auth.login("promo-org")
    _english(client)
    page = client.get(f"/manage/contests/{world.contest.id}/promotion").text
    assert "第1名/12人, 市级一类, 职工组, 原等级 三级/高级工" in page
    assert "rank 1 of 12" not in page
