"""An organizer sets up a contest in the pages: contest, events with parts, judges, lifecycle, audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from competition.audit.models import AuditEntry
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event, JudgePosition
from competition.extensions import db
from tests import factories

CONTEST_FORM = {
    "name": "2026年绍兴市焊工职业技能竞赛",
    "year": "2026",
    "tier": "municipal_1",
    "venue": "绍兴市技师学院",
    "starts_on": "2026-10-26",
    "ends_on": "2026-10-26",
    "registration_opens_at": "2026-09-01T09:00",
    "registration_closes_at": "2026-10-10T17:00",
    "description": "设一等奖 1 名、二等奖 2 名、三等奖 3 名。",
}
EVENT_FORM = {
    "occupation_name": "焊工",
    "occupation_code": "6-18-02-04",
    "work_type": "",
    "group": "staff",
    "team_size": "1",
    "level": "senior_worker",
    "capacity": "",
    "theory_weight": "30",
    "theory_pass": "60",
    "practical_weight": "70",
    "practical_pass": "60",
    "defence_weight": "",
    "defence_pass": "60",
}


def test_organizer_creates_a_contest_owned_by_their_body(client, auth, world):
    auth.login("organizer")
    response = client.post(
        "/manage/contests/new", data={**CONTEST_FORM, "co_organizer_ids": [world.other_body.id]}
    )
    contest = db.session.execute(sa.select(Contest).where(Contest.name == CONTEST_FORM["name"])).scalar_one()
    assert response.headers["Location"] == f"/manage/contests/{contest.id}"
    assert contest.body_id == world.body.id and contest.status is ContestStatus.DRAFT
    assert [b.id for b in contest.co_organizers] == [world.other_body.id]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "竞赛还没有赛项" in page and "草稿" in page
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "contest.create")
    ).scalar_one()
    assert entry.actor_id == world.organizer.id and entry.after["name"] == CONTEST_FORM["name"]


def test_contest_form_explains_bad_dates(client, auth, world):
    auth.login("organizer")
    contests_before = db.session.execute(sa.select(sa.func.count()).select_from(Contest)).scalar()
    cases = [
        ({"ends_on": "2026-10-25"}, "结束日期不能早于开始日期"),
        ({"registration_closes_at": "2026-10-27T09:00"}, "报名须在比赛开始日期之前截止"),
        ({"starts_on": "26/10/2026"}, "不是有效的日期值"),
        ({"name": ""}, "此项为必填项"),
    ]
    for change, message in cases:
        page = client.post("/manage/contests/new", data={**CONTEST_FORM, **change}).get_data(as_text=True)
        assert message in page, message
    assert db.session.execute(sa.select(sa.func.count()).select_from(Contest)).scalar() == contests_before


def test_events_with_weights_that_do_not_add_up_are_refused(client, auth, world):
    auth.login("organizer")
    page = client.post(
        f"/manage/contests/{world.contest.id}/events/new",
        data={**EVENT_FORM, "occupation_name": "电工", "theory_weight": "40"},
    ).get_data(as_text=True)
    assert "各部分权重之和为 110，应为 100。" in page
    assert len(world.contest.events) == 1


def test_add_edit_and_delete_an_event(client, auth, world):
    auth.login("organizer")
    client.post(
        f"/manage/contests/{world.contest.id}/events/new",
        data={
            **EVENT_FORM,
            "occupation_name": "电工",
            "theory_weight": "25",
            "practical_weight": "55",
            "defence_weight": "20",
            "team_size": "2",
        },
    )
    event = db.session.execute(
        sa.select(Event).where(Event.occupation_name == "电工", Event.contest_id == world.contest.id)
    ).scalar_one()
    assert [(p.kind.value, p.weight) for p in event.parts] == [
        ("theory", Decimal(25)),
        ("practical", Decimal(55)),
        ("defence", Decimal(20)),
    ]
    assert event.team_size == 2
    page = client.get(f"/manage/contests/{world.contest.id}").get_data(as_text=True)
    assert "电工 职工组" in page and "答辩 20%" in page and "2人团体赛" in page

    client.post(
        f"/manage/events/{event.id}/edit",
        data={
            **EVENT_FORM,
            "occupation_name": "电工",
            "version": event.version,
            "theory_weight": "20",
            "practical_weight": "80",
        },
    )
    db.session.refresh(event)
    assert [(p.kind.value, p.weight) for p in event.parts] == [
        ("theory", Decimal(20)),
        ("practical", Decimal(80)),
    ]

    client.post(f"/manage/events/{event.id}/delete")
    assert db.session.get(Event, event.id) is None
    actions = (
        db.session.execute(sa.select(AuditEntry.action).where(AuditEntry.contest_id == world.contest.id))
        .scalars()
        .all()
    )
    assert actions == ["event.create", "event.update", "event.delete"]


def test_duplicate_event_is_refused(client, auth, world):
    auth.login("organizer")
    page = client.post(f"/manage/contests/{world.contest.id}/events/new", data=EVENT_FORM).get_data(
        as_text=True
    )
    assert "本竞赛已有赛项“焊工 职工组”" in page


def test_a_stale_edit_is_refused_and_nothing_is_lost(client, auth, world):
    auth.login("organizer")
    stale_version = world.contest.version
    first = client.post(
        f"/manage/contests/{world.contest.id}/edit",
        data={**CONTEST_FORM, "venue": "第一处", "version": stale_version},
    )
    assert first.status_code == 302
    second = client.post(
        f"/manage/contests/{world.contest.id}/edit",
        data={**CONTEST_FORM, "venue": "第二处", "version": stale_version},
    )
    assert "已被他人修改" in second.get_data(as_text=True)
    db.session.refresh(world.contest)
    assert world.contest.venue == "第一处"


def test_lifecycle_page_lists_blockers_and_moves_when_clear(client, auth, world, monkeypatch):
    from competition import clock

    monkeypatch.setattr(clock, "now", lambda: factories.NOW)
    auth.login("organizer")
    empty = factories.make_contest(world.body, starts_on=date(2026, 10, 26))
    page = client.get(f"/manage/contests/{empty.id}").get_data(as_text=True)
    assert "要“开放报名”，还需：" in page and "竞赛还没有赛项。" in page
    refused = client.post(
        f"/manage/contests/{empty.id}/status", data={"target": "registration_open"}, follow_redirects=True
    )
    assert "竞赛还没有赛项" in refused.get_data(as_text=True)
    assert empty.status is ContestStatus.DRAFT

    opened = client.post(
        f"/manage/contests/{world.contest.id}/status",
        data={"target": "registration_open"},
        follow_redirects=True,
    )
    assert "竞赛状态已变为“报名中”" in opened.get_data(as_text=True)
    db.session.refresh(world.contest)
    assert world.contest.status is ContestStatus.REGISTRATION_OPEN
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "contest.transition")
    ).scalar_one()
    assert (entry.before, entry.after) == ({"status": "draft"}, {"status": "registration_open"})
    assert "草稿 → 报名中" in client.get(f"/manage/contests/{world.contest.id}/audit").get_data(as_text=True)


def test_seat_judges_and_name_one_chief(client, auth, world):
    auth.login("organizer")
    extra = factories.make_user(factories.Role.JUDGE, username="judge-two")
    client.post(
        f"/manage/events/{world.event.id}/judges", data={"username": "judge-two", "position": "judge"}
    )
    assert any(s.user_id == extra.id for s in world.event.judge_assignments)
    second_chief = client.post(
        f"/manage/events/{world.event.id}/judges", data={"username": "judge-two", "position": "chief_judge"}
    )
    assert "赛项已有裁判长" in second_chief.get_data(as_text=True)
    not_a_judge = client.post(
        f"/manage/events/{world.event.id}/judges", data={"username": "competitor", "position": "judge"}
    )
    assert "不是裁判员账号" in not_a_judge.get_data(as_text=True)
    unknown = client.post(
        f"/manage/events/{world.event.id}/judges", data={"username": "nobody", "position": "judge"}
    )
    assert "没有用户名为“nobody”的账号" in unknown.get_data(as_text=True)
    seat = next(s for s in world.event.judge_assignments if s.user_id == extra.id)
    client.post(f"/manage/judge-seats/{seat.id}/remove")
    assert all(s.user_id != extra.id for s in world.event.judge_assignments)
    chiefs = [s for s in world.event.judge_assignments if s.position is JudgePosition.CHIEF_JUDGE]
    assert [s.user.username for s in chiefs] == ["chief"]


def test_organizer_sees_only_their_bodys_contests(client, auth, world):
    auth.login("organizer")
    page = client.get("/manage/").get_data(as_text=True)
    assert world.contest.name in page and world.other_contest.name not in page
    assert client.get(f"/manage/contests/{world.other_contest.id}").status_code == 404
    assert client.post(f"/manage/events/{world.other_event.id}/delete").status_code == 404


def test_judge_sees_only_assigned_events(client, auth, world):
    auth.login("judge")
    page = client.get("/judge/").get_data(as_text=True)
    assert world.event.title in page and world.contest.name in page and world.other_contest.name not in page


def test_public_pages_hide_drafts(client, world):
    assert world.contest.name not in client.get("/").get_data(as_text=True)
    world.contest.status = ContestStatus.REGISTRATION_OPEN
    db.session.flush()
    assert world.contest.name in client.get("/").get_data(as_text=True)
    page = client.get(f"/contests/{world.contest.id}").get_data(as_text=True)
    assert "焊工 职工组" in page and "技能操作 70%" in page


def test_units_are_created_with_checked_codes(client, auth, world):
    auth.login("organizer")
    form = {
        "name": "绍兴市排水管理有限公司",
        "kind": "employer",
        "credit_code": "91330600MA2D1234X",
        "region_code": "330600",
        "region_name": "浙江省绍兴市",
    }
    bad = client.post("/manage/units/new", data=form).get_data(as_text=True)
    assert "统一社会信用代码应为 18 位" in bad
    ok = client.post("/manage/units/new", data={**form, "credit_code": "91330600MA2D12345X"})
    assert ok.status_code == 302
    duplicate = client.post("/manage/units/new", data={**form, "credit_code": ""}).get_data(as_text=True)
    assert "已有名为“绍兴市排水管理有限公司”的单位" in duplicate
