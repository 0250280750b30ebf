"""The competitor's own page (/me): published marks and rank per part with the award, only after
publication and never a judge's identity; the appeal form only inside the appeal window, landing in the
organizer's appeal handling; and object-level checks that a competitor never sees another's marks,
appeals or certificates."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from competition import clock
from competition.extensions import db
from competition.marking import results
from competition.marking.models import Appeal
from competition.portal import services
from competition.privacy import mask_id_number
from tests.portal.conftest import ENDED

INSIDE = datetime(2026, 3, 1, 18, 30)
AFTER = datetime(2026, 3, 1, 19, 1)


def _me(client, auth, who="me-competitor") -> str:
    assert auth.login(who).status_code == 302
    response = client.get("/me/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_my_published_marks_rank_and_award(client, auth, published, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: AFTER)
    page = _me(client, auth)
    assert "我的成绩" in page
    assert "第 1 名 / 共 6 人" in page and "一等奖" in page
    assert "理论知识" in page or "理论" in page
    # no judge's name or username anywhere on the page
    for judge in (*published.world.judges, published.world.chief):
        assert judge.display_name not in page and judge.username not in page
    # only my line: the other competitor's number is not on my page
    assert "A02" not in page
    # my own ID number only masked
    person = published.mine.members[0].competitor
    assert person.id_number not in page and mask_id_number(person.id_number) in page


def test_no_marks_before_publication(client, auth, unpublished, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: AFTER)
    page = _me(client, auth)
    assert "成绩发布公示后在这里显示" in page
    assert "第 1 名" not in page


def test_the_other_competitor_sees_only_their_own_line(client, auth, published, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: AFTER)
    page = _me(client, auth, "them-competitor")
    assert "第 2 名 / 共 6 人" in page and "A02" in page
    assert "参赛号 A01" not in page


def test_the_appeal_window_is_the_event_end_plus_two_hours(published):
    event = published.world.event
    opens, closes = services.appeal_window(event)
    assert closes == datetime(2026, 3, 1, 19, 0) == results.appeal_deadline(event)
    assert opens <= ENDED
    assert services.may_appeal(published.mine, INSIDE)
    assert not services.may_appeal(published.mine, AFTER)
    assert not services.may_appeal(published.mine, datetime(2026, 2, 28, 23, 59))


def test_the_form_shows_only_inside_the_window(client, auth, published, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: INSIDE)
    assert "提交申诉" in _me(client, auth)
    monkeypatch.setattr(clock, "now", lambda: AFTER)
    page = client.get("/me/").get_data(as_text=True)
    assert "提交申诉" not in page and "现在没有可以申诉的赛项" in page


def test_a_lodged_appeal_lands_in_the_organizers_appeals(client, auth, published, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: INSIDE)
    _me(client, auth)
    response = client.post(
        f"/me/registrations/{published.mine.id}/appeal",
        data={"content": "实操第 3 项评分有误，请复核。"},
        follow_redirects=True,
    )
    assert "申诉已提交" in response.get_data(as_text=True)
    (appeal,) = results.appeals_of(published.world.event)
    assert appeal.registration_id == published.mine.id
    assert appeal.lodged_at == INSIDE and appeal.recorded_by_id == published.me.id
    assert appeal.appellant == published.mine.members[0].competitor.name
    # the organizer's results page lists it for a ruling
    client.post("/auth/logout")
    published.world.organizer.username = "org-portal"
    db.session.flush()
    auth.login("org-portal")
    organizer_page = client.get(f"/manage/events/{published.world.event.id}/results").get_data(as_text=True)
    assert "实操第 3 项评分有误" in organizer_page
    # and the competitor sees it, pending, on /me; the other competitor does not
    client.post("/auth/logout")
    assert "实操第 3 项评分有误" in _me(client, auth)
    client.post("/auth/logout")
    assert "实操第 3 项评分有误" not in _me(client, auth, "them-competitor")


def test_an_appeal_after_the_window_is_refused_and_nothing_is_written(client, auth, published, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: AFTER)
    _me(client, auth)
    response = client.post(
        f"/me/registrations/{published.mine.id}/appeal", data={"content": "太晚了"}, follow_redirects=True
    )
    assert "申诉只能在" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Appeal.id))) == 0


def test_an_empty_appeal_is_refused(client, auth, published, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: INSIDE)
    _me(client, auth)
    response = client.post(
        f"/me/registrations/{published.mine.id}/appeal", data={"content": "  "}, follow_redirects=True
    )
    assert "此项为必填项" in response.get_data(as_text=True)
    assert results.appeals_of(published.world.event) == []


def test_a_competitor_cannot_appeal_on_anothers_entry(client, auth, published, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: INSIDE)
    _me(client, auth)
    response = client.post(f"/me/registrations/{published.other.id}/appeal", data={"content": "冒名申诉"})
    assert response.status_code == 404
    assert results.appeals_of(published.world.event) == []
    assert client.post("/me/registrations/999999/appeal", data={"content": "x"}).status_code == 404


def test_lodge_appeal_refuses_a_non_member(published):
    import pytest

    from competition.errors import DomainError

    them = published.other.members[0].competitor
    with pytest.raises(DomainError):
        services.lodge_appeal(published.mine, them, "冒名", actor=published.them, now=INSIDE)


def test_my_appeals_are_only_mine(published):
    results.record_appeal(
        published.world.event,
        published.other,
        "别人",
        "别人的申诉",
        INSIDE,
        actor=published.world.organizer,
        now=INSIDE,
    )
    assert services.my_appeals([published.mine]) == []
    assert len(services.my_appeals([published.other])) == 1
