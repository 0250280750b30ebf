"""Entries through the pages: self sign-up and registration, organizer review and bulk approval,
eligibility rules, duplicates across channels, withdrawal, exports."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from competition.accounts.models import User
from competition.audit.models import AuditEntry
from competition.contests.lifecycle import ContestStatus
from competition.domain import Gender
from competition.extensions import db
from competition.registration import services
from competition.registration.idnumbers import make_resident_id
from competition.registration.models import Competitor, Registration, RegistrationChannel
from competition.registration.review import RegistrationStatus
from tests import factories


@pytest.fixture
def open_world(world):
    world.contest.status = ContestStatus.REGISTRATION_OPEN
    db.session.flush()
    return world


def signup_form(**changes):
    form = {
        "name": "林晓峰",
        "gender": "male",
        "id_type": "resident_id",
        "id_number": make_resident_id("330602", date(1992, 3, 14), 7, Gender.MALE),
        "birth_date": "",
        "phone": "13905751234",
        "email": "",
        "unit_id": 0,
        "status": "employee",
        "education": "大专",
        "current_level": "senior_worker",
        "level_certificate_number": "",
        "level_certified_on": "",
        "years_in_occupation": "8",
        "household_region": "330602",
        "social_insurance_region": "",
        "titles": "",
        "username": "lin.xf",
        "password": "weld-2026-lin",
        "confirm": "weld-2026-lin",
    }
    form.update(changes)
    return form


def test_a_competitor_signs_up_and_registers(client, open_world):
    response = client.post("/signup", data=signup_form(unit_id=open_world.unit.id))
    assert response.headers["Location"] == "/me/"
    competitor = db.session.execute(sa.select(Competitor).where(Competitor.name == "林晓峰")).scalar_one()
    assert competitor.birth_date == date(1992, 3, 14) and competitor.user.username == "lin.xf"
    page = client.get("/me/").get_data(as_text=True)
    assert "焊工 职工组" in page and "还没有报名" in page
    registered = client.post(f"/me/events/{open_world.event.id}/register", follow_redirects=True).get_data(
        as_text=True
    )
    assert "等待组织方审核" in registered and "待审核" in registered
    again = client.post(f"/me/events/{open_world.event.id}/register", follow_redirects=True).get_data(
        as_text=True
    )
    assert "同一人在一个赛项只能有一个报名" in again


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id_number": "33060219920314007X"}, "校验"),
        ({"gender": "female"}, "性别与证件号码不符"),
        ({"id_number": "330602920314071"}, "15 位"),
        ({"password": "short", "confirm": "short"}, "至少需要 10 个字符"),
    ],
)
def test_sign_up_refuses_bad_data_and_keeps_nothing(client, open_world, changes, message):
    page = client.post("/signup", data=signup_form(**changes)).get_data(as_text=True)
    assert message in page
    assert db.session.execute(sa.select(Competitor).where(Competitor.name == "林晓峰")).scalar() is None
    assert db.session.execute(sa.select(User).where(User.username == "lin.xf")).scalar() is None


def test_same_person_through_two_channels_is_found_by_id_number(client, auth, open_world):
    competitor = factories.make_competitor(open_world.unit)
    services.register(
        open_world.event, [competitor], channel=RegistrationChannel.UNIT, actor=None, now=factories.NOW
    )
    auth.login("organizer")
    form = signup_form(
        id_number=competitor.id_number,
        name=competitor.name,
        birth_date="",
        gender=competitor.gender.value,
        unit_id=open_world.unit.id,
    )
    page = client.post(f"/manage/events/{open_world.event.id}/registrations/new", data=form).get_data(
        as_text=True
    )
    assert "同一人在一个赛项只能有一个报名" in page


def test_eligibility_rules_name_the_rule_and_reason(client, auth, open_world):
    auth.login("organizer")
    response = client.post(
        f"/manage/events/{open_world.event.id}/eligibility",
        data={
            "max_age": "30",
            "min_level": "",
            "max_level": "",
            "title_holder_policy": "not_ranked",
            "region_prefixes": "3306",
            "restricted_titles": "",
        },
    )
    assert response.status_code == 302
    old = factories.make_competitor(open_world.unit)  # born 1990-05-17: 36 on 2026-10-26
    entry = services.register(
        open_world.event, [old], channel=RegistrationChannel.UNIT, actor=None, now=factories.NOW
    )
    assert not entry.eligible
    assert (
        entry.eligibility_problems[0].startswith("年龄：")
        and "超过上限 30 岁" in entry.eligibility_problems[0]
    )
    page = client.get(f"/manage/events/{open_world.event.id}/registrations").get_data(as_text=True)
    assert "超过上限 30 岁" in page
    refused = client.post(
        f"/manage/registrations/{entry.id}/review", data={"target": "approved"}, follow_redirects=True
    )
    assert "不符合报名条件，不能通过" in refused.get_data(as_text=True)
    contradictory = client.post(
        f"/manage/events/{open_world.event.id}/eligibility",
        data={
            "min_age": "40",
            "max_age": "30",
            "min_level": "",
            "max_level": "",
            "title_holder_policy": "not_ranked",
        },
    ).get_data(as_text=True)
    assert "年龄下限 40 岁高于上限 30 岁" in contradictory


def test_bulk_approval_respects_capacity_and_leaves_the_ineligible(client, auth, open_world):
    open_world.event.capacity = 2
    open_world.event.min_years_in_occupation = 3
    people = [factories.make_competitor(open_world.unit, name=f"选手{i}") for i in range(4)]
    people[3].years_in_occupation = 1
    for person in people:
        person.years_in_occupation = person.years_in_occupation or 5
        services.register(
            open_world.event, [person], channel=RegistrationChannel.UNIT, actor=None, now=factories.NOW
        )
    auth.login("organizer")
    page = client.post(
        f"/manage/events/{open_world.event.id}/registrations/approve-eligible", follow_redirects=True
    ).get_data(as_text=True)
    # the world's own entry (0 years in the occupation) is left for a person too
    assert "已通过 2 个报名，1 个进入候补，2 个有条件不符合" in page
    statuses = sorted(r.status.value for r in services.entries_of(open_world.event))
    assert statuses == ["approved", "approved", "submitted", "submitted", "waitlisted"]


def test_return_with_reason_then_resubmit_and_withdraw(client, auth, open_world):
    entry = open_world.registration  # the competitor's own entry, 待审核
    competitor = entry.members[0].competitor
    auth.login("organizer")
    no_reason = client.post(
        f"/manage/registrations/{entry.id}/review",
        data={"target": "returned", "reason": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "须填写原因" in no_reason
    client.post(
        f"/manage/registrations/{entry.id}/review",
        data={"target": "returned", "reason": "请补充等级证书编号"},
    )
    auth.logout()
    auth.login("competitor")
    page = client.get("/me/").get_data(as_text=True)
    assert "退回修改" in page and "请补充等级证书编号" in page
    client.post(f"/me/registrations/{entry.id}/resubmit")
    assert entry.status is RegistrationStatus.SUBMITTED
    client.post(f"/me/registrations/{entry.id}/withdraw")
    assert entry.status is RegistrationStatus.WITHDRAWN
    # the place is free again: the same person may enter once more
    services.register(
        open_world.event, [competitor], channel=RegistrationChannel.SELF, actor=None, now=factories.NOW
    )
    actions = (
        db.session.execute(sa.select(AuditEntry.action).where(AuditEntry.object_type == "registration"))
        .scalars()
        .all()
    )
    assert actions.count("registration.review") == 3


def test_registration_closed_refuses_self_entries(client, auth, world):
    auth.login("competitor")
    page = client.post(f"/me/events/{world.event.id}/register", follow_redirects=True)
    assert page.status_code == 404  # a draft contest is not public
    world.contest.status = ContestStatus.REGISTRATION_CLOSED
    db.session.flush()
    page = client.post(f"/me/events/{world.event.id}/register", follow_redirects=True).get_data(as_text=True)
    assert "不接受个人报名" in page


def test_exports_full_list_and_judges_copy(client, auth, open_world):
    people = [factories.make_competitor(open_world.unit, name=f"选手{i}") for i in range(3)]
    for person in people:
        entry = services.register(
            open_world.event, [person], channel=RegistrationChannel.UNIT, actor=None, now=factories.NOW
        )
        services.review(entry, RegistrationStatus.APPROVED, actor=None, now=factories.NOW)
    draw = services.commit_draw(
        open_world.event,
        services.drawing.DrawOptions(number_prefix="W", separate_units=False),
        actor=open_world.organizer,
        now=factories.NOW,
    )
    services.perform_draw(draw, actor=open_world.organizer, now=factories.NOW)
    auth.login("organizer")
    full = load_workbook(
        io.BytesIO(client.get(f"/manage/events/{open_world.event.id}/registrations.xlsx").data)
    )
    rows = list(full.active.iter_rows(min_row=3, values_only=True))
    by_name = {r[2]: r for r in rows}
    assert set(by_name) == {"选手0", "选手1", "选手2", "张三丰"}  # 张三丰: the world's entry, 待审核
    assert {by_name[p.name][5] for p in people} == {p.id_number for p in people}
    assert by_name["张三丰"][0] is None and by_name["选手0"][11] == "已通过"
    judges = load_workbook(
        io.BytesIO(client.get(f"/manage/events/{open_world.event.id}/registrations.xlsx?copy=judges").data)
    )
    judge_rows = list(judges.active.iter_rows(min_row=2, values_only=True))
    assert judge_rows[0] == ("参赛号", "工位号")
    assert sorted(r[1] for r in judge_rows[1:]) == [1, 2, 3]
    text = "".join(str(c) for r in judges.active.iter_rows(values_only=True) for c in r)
    assert all(p.name not in text for p in people) and open_world.unit.name not in text
    assert (
        db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "registration.export")).scalar()
        is not None
    )


def test_team_event_needs_a_team_of_the_right_size(open_world):
    open_world.event.team_size = 2
    a, b = (
        factories.make_competitor(open_world.unit, name="甲"),
        factories.make_competitor(open_world.unit, name="乙"),
    )
    with pytest.raises(services.DomainError, match="每队 2 人，提交了 1 人"):
        services.register(
            open_world.event, [a], channel=RegistrationChannel.UNIT, actor=None, now=factories.NOW
        )
    team = services.register(
        open_world.event,
        [a, b],
        channel=RegistrationChannel.UNIT,
        actor=None,
        now=factories.NOW,
        team_name="水务一队",
    )
    assert team.display_name == "水务一队（甲、乙）"
    assert [m.competitor.name for m in team.members] == ["甲", "乙"]
    assert (
        db.session.execute(
            sa.select(sa.func.count()).select_from(Registration).where(Registration.team_name == "水务一队")
        ).scalar()
        == 1
    )
