"""Honour programmes: eligibility, nominations from results and by units, selection within the quota,
notice, confirmation into honour records, the public roll (masked) and the honour-record PDF."""

from __future__ import annotations

import subprocess
from datetime import date, datetime

import pytest

from competition.accounts.models import Role
from competition.domain import SkillLevel, Tier
from competition.errors import DomainError
from competition.extensions import db
from competition.promotion import services
from competition.promotion.models import BatchState, HonourPeriod, NominationChannel, NominationState
from tests import factories
from tests.promotion.materials_data import pdf_bytes
from tests.promotion.test_workflow import CALENDAR, LATER, NOW, finished_contest


def programme_world(*, quota: int = 2, age_max: int | None = 35):
    body = factories.make_body()
    organizer = factories.make_user(Role.ORGANIZER, body=body, username="honour-org")
    world = finished_contest(
        body=body,
        organizer=organizer,
        preset="heilongjiang-contest-measures",
        tier=Tier.PROVINCIAL_1,
        count=5,
    )
    services.evaluate_contest(world.contest, actor=organizer, now=NOW)
    services.publish_notice(world.contest, actor=organizer, now=NOW, working_days=5, calendar=CALENDAR)
    services.confirm_decisions(world.contest, actor=organizer, now=LATER)
    programme = services.create_programme(
        body.id,
        title="龙江技术能手",
        issuing_body="黑龙江省人力资源和社会保障厅",
        period=HonourPeriod.YEARLY,
        quota=quota,
        age_max=age_max,
        min_level=SkillLevel.TECHNICIAN,
        required_titles=[],
        description="",
        actor=organizer,
        now=LATER,
    )
    batch = services.open_batch(programme, 2026, date(2026, 6, 30), actor=organizer, now=LATER)
    return world, programme, batch


def test_nominations_from_results_and_selection_within_the_quota(session):
    world, _programme, batch = programme_world(quota=2, age_max=None)
    added = services.nominate_from_results(
        batch, contest=world.contest, top_n=4, actor=world.organizer, now=LATER
    )
    assert added == 4  # three confirmed titles, then rank 4 from the standings
    by_person = {n.competitor_id: n for n in batch.nominations}
    first = by_person[world.people[0].id]
    assert first.channel is NominationChannel.RESULT and first.decision_id is not None
    assert not first.eligibility_problems
    services.review_nomination(first, True, None, actor=world.organizer, now=LATER)
    services.review_nomination(by_person[world.people[1].id], True, "", actor=world.organizer, now=LATER)
    with pytest.raises(DomainError) as error:
        services.review_nomination(
            by_person[world.people[2].id], True, None, actor=world.organizer, now=LATER
        )
    assert "名额为 2 人" in error.value.message
    with pytest.raises(DomainError):
        services.review_nomination(by_person[world.people[3].id], False, "", actor=world.organizer, now=LATER)
    services.review_nomination(
        by_person[world.people[3].id], False, "事迹不突出", actor=world.organizer, now=LATER
    )
    assert by_person[world.people[3].id].state is NominationState.NOT_SELECTED


def test_eligibility_age_and_unit_nomination_with_material(session):
    world, _programme, batch = programme_world(age_max=35)
    person = world.people[0]  # born 1990-05-17: 36 on 2026-06-30
    nomination = services.nominate_by_unit(
        batch,
        person,
        unit_id=person.unit_id,
        material="长期从事焊接工作，带徒 12 人。",
        achievements=["2025年省焊工大赛第1名", ""],
        attachment=pdf_bytes(),
        attachment_name="事迹材料.pdf",
        actor=world.organizer,
        now=LATER,
    )
    assert nomination.achievements == ["2025年省焊工大赛第1名"]
    assert nomination.eligibility_problems == ["年龄：2026-06-30 时 36 岁，超过上限 35 岁"]
    with pytest.raises(DomainError) as error:
        services.review_nomination(nomination, True, None, actor=world.organizer, now=LATER)
    assert "超过上限 35 岁" in error.value.message
    with pytest.raises(DomainError):
        services.nominate_by_unit(
            batch,
            person,
            unit_id=None,
            material="再次推荐",
            achievements=[],
            attachment=None,
            attachment_name=None,
            actor=world.organizer,
            now=LATER,
        )


def test_notice_confirmation_records_roll_and_pdf(client, auth, session):
    world, programme, batch = programme_world(quota=3, age_max=None)
    services.nominate_from_results(batch, contest=None, top_n=None, actor=world.organizer, now=LATER)
    for nomination in batch.nominations:
        services.review_nomination(nomination, True, None, actor=world.organizer, now=LATER)
    with pytest.raises(DomainError):
        services.confirm_batch(batch, actor=world.organizer, now=LATER)
    services.publish_batch_notice(batch, actor=world.organizer, now=LATER, working_days=5, calendar=CALENDAR)
    assert batch.state is BatchState.NOTICE
    roll = client.get(f"/honours/{programme.id}").text
    assert "公示期" in roll and "选**1" in roll and "选手01" not in roll
    with pytest.raises(DomainError):
        services.confirm_batch(batch, actor=world.organizer, now=LATER)
    made = services.confirm_batch(batch, actor=world.organizer, now=datetime(2026, 6, 1, 9, 0))
    assert len(made) == 3 and batch.state is BatchState.CONFIRMED
    assert made[0].record_number.startswith(f"RY{programme.id:03d}2026")
    assert "龙江技术能手" in made[0].citation
    roll = client.get(f"/honours/{programme.id}").text
    assert made[0].record_number in roll and "选**1" in roll and world.people[0].id_number not in roll
    user = factories.make_user(Role.COMPETITOR, username="honour-holder")
    world.people[0].user = user
    db.session.flush()
    auth.login("honour-holder")
    page = client.get("/me/promotion").text
    assert "荣誉档案" in page and made[0].title in page
    holder = next(r for r in made if r.competitor_id == world.people[0].id)
    pdf = client.get(f"/me/honour-records/{holder.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout
    assert "选手01" in text.decode() and holder.record_number in text.decode()
    other = next(r for r in made if r.competitor_id != world.people[0].id)
    assert client.get(f"/me/honour-records/{other.id}.pdf").status_code == 404
    auth.logout()
    auth.login("honour-org")
    assert client.get(f"/manage/honours/records/{holder.id}.pdf").status_code == 200
    assert client.get(f"/manage/honours/batches/{batch.id}").status_code == 200


def test_organizer_creates_a_programme_and_opens_a_batch_through_the_pages(client, auth, session):
    body = factories.make_body()
    factories.make_user(Role.ORGANIZER, body=body, username="sx-honours")
    auth.login("sx-honours")
    response = client.post(
        "/manage/honours/",
        data={
            "title": "绍兴市技术能手",
            "issuing_body": "绍兴市人力资源和社会保障局",
            "period": "yearly",
            "quota": "100",
            "age_max": "",
            "min_level": "senior_worker",
            "required_titles": "",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "绍兴市技术能手" in page and "三级/高级工" in page
    programme_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    opened = client.post(
        f"/manage/honours/{programme_id}", data={"year": "2026", "age_reference_date": "2026-06-30"}
    )
    assert opened.status_code == 302
    assert "2026年度" in client.get(opened.headers["Location"]).text
    again = client.post(
        f"/manage/honours/{programme_id}", data={"year": "2027", "age_reference_date": "2027-06-30"}
    )
    assert again.status_code == 200 and "上一批评选尚未确认" in again.text
