"""The draw through the pages: commitment first, seed after, reproducible by anyone, redraw audited."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from competition.audit.models import AuditEntry
from competition.contests.lifecycle import ContestStatus
from competition.extensions import db
from competition.registration import draw as drawing
from competition.registration import services
from competition.registration.models import RegistrationChannel
from competition.registration.review import RegistrationStatus
from tests import factories


@pytest.fixture
def approved(world):
    world.contest.status = ContestStatus.REGISTRATION_CLOSED
    units = [factories.make_unit(f"单位{i}") for i in range(3)]
    for i in range(9):
        person = factories.make_competitor(units[i % 3], name=f"选手{i}")
        entry = services.register(
            world.event,
            [person],
            channel=RegistrationChannel.ORGANIZER,
            actor=None,
            now=factories.NOW,
            unit_id=units[i % 3].id,
        )
        services.review(entry, RegistrationStatus.APPROVED, actor=None, now=factories.NOW)
    return world


def test_draw_commits_then_reveals_and_can_be_rerun(client, auth, approved):
    auth.login("organizer")
    form = {
        "number_prefix": "A",
        "number_width": "3",
        "first_number": "1",
        "stations": "",
        "separate_units": "y",
    }
    page = client.post(f"/manage/events/{approved.event.id}/draw", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    draw = services.latest_draw(approved.event)
    assert draw.commitment in page and draw.seed not in page and "抽签后公开" in page
    page = client.post(f"/manage/events/{approved.event.id}/draw/perform", follow_redirects=True).get_data(
        as_text=True
    )
    assert draw.seed in page
    assert hashlib.sha256(draw.seed.encode()).hexdigest() == draw.commitment
    entries = services.entries_of(approved.event, status=RegistrationStatus.APPROVED)
    numbers = {r.id: (r.competitor_number, r.station) for r in entries}
    assert sorted(n for n, _ in numbers.values()) == [f"A{i:03d}" for i in range(1, 10)]
    # anyone can re-run it from the seed and the entry list
    rerun = drawing.draw(
        draw.seed, services.draw_entries(approved.event), drawing.DrawOptions(**draw.options)
    )
    assert {int(a.entry_key): (a.number, a.station) for a in rerun.assignments} == numbers
    assert drawing.adjacent_same_unit(rerun.assignments) == []
    client.post(f"/manage/events/{approved.event.id}/draw/publish")
    assert draw.published_at is not None


def test_redraw_after_publication_needs_a_reason_and_is_audited(client, auth, approved):
    draw = services.commit_draw(
        approved.event, drawing.DrawOptions(), actor=approved.organizer, now=factories.NOW
    )
    services.perform_draw(draw, actor=approved.organizer, now=factories.NOW)
    services.publish_draw(draw, actor=approved.organizer, now=factories.NOW)
    auth.login("organizer")
    form = {
        "number_prefix": "",
        "number_width": "3",
        "first_number": "1",
        "stations": "",
        "separate_units": "y",
    }
    page = client.post(f"/manage/events/{approved.event.id}/draw", data=form).get_data(as_text=True)
    assert "重新抽签须填写原因" in page
    client.post(f"/manage/events/{approved.event.id}/draw", data={**form, "reason": "一名选手退赛，工位重排"})
    client.post(f"/manage/events/{approved.event.id}/draw/perform")
    second = services.latest_draw(approved.event)
    assert second.sequence == 2 and second.reason == "一名选手退赛，工位重排"
    commits = (
        db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "draw.commit")).scalars().all()
    )
    assert commits[-1].after["reason"] == "一名选手退赛，工位重排"


def test_no_draw_without_approved_entries(world):
    with pytest.raises(services.DomainError, match="还没有审核通过的报名"):
        services.commit_draw(world.event, drawing.DrawOptions(), actor=world.organizer, now=factories.NOW)
