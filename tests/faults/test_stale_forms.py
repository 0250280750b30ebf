"""Stale organizer forms: a page opened in two tabs (or by two organizers) and saved from both. The
second save is refused with a clear message and the first one's data stays. (The contest form is
covered in tests/contests/test_setup.py and tests/security/test_injection_and_stale_forms.py, the
judge's autosave in tests/scoring/test_marking_views.py.)"""

from __future__ import annotations

import re

from competition.contests.models import Event
from competition.extensions import db
from competition.registration.review import RegistrationStatus
from tests.contests.test_setup import EVENT_FORM


def _version_in(page: str, registration_id: int | None = None) -> int:
    """The hidden ``version`` of the form on ``page`` (of the review forms of ``registration_id``)."""
    if registration_id is not None:
        page = page[page.index(f"/manage/registrations/{registration_id}/review") :]
    return int(
        re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', page).group(1) or 0
    )


def _event_form(event: Event, **changes) -> dict:
    return {**EVENT_FORM, "occupation_name": event.occupation_name, **changes}


def test_an_event_edited_in_two_tabs_refuses_the_second_save(client, auth, world):
    auth.login("organizer")
    event = world.event
    edit = f"/manage/events/{event.id}/edit"
    tab_a = client.get(edit).get_data(as_text=True)
    tab_b = client.get(edit).get_data(as_text=True)
    version = _version_in(tab_a)
    assert version == _version_in(tab_b) == event.version

    saved = client.post(edit, data=_event_form(event, capacity="30", version=version))
    assert saved.status_code == 302
    stale = client.post(edit, data=_event_form(event, capacity="12", version=version))
    assert stale.status_code == 200
    assert "已被他人修改" in stale.get_data(as_text=True)
    db.session.refresh(event)
    assert event.capacity == 30  # the first tab's save stands

    fresh = _version_in(client.get(edit).get_data(as_text=True))
    assert fresh == event.version != version
    assert client.post(edit, data=_event_form(event, capacity="12", version=fresh)).status_code == 302
    db.session.refresh(event)
    assert event.capacity == 12


def test_an_entry_reviewed_from_two_tabs_keeps_the_first_decision(client, auth, world):
    auth.login("organizer")
    entry = world.registration
    listing = f"/manage/events/{world.event.id}/registrations"
    version = _version_in(client.get(listing).get_data(as_text=True), entry.id)
    review = f"/manage/registrations/{entry.id}/review"

    client.post(review, data={"target": "returned", "reason": "请补充等级证书编号", "version": version})
    db.session.refresh(entry)
    assert entry.status is RegistrationStatus.RETURNED
    stale = client.post(review, data={"target": "approved", "version": version}, follow_redirects=True)
    assert "该报名已被他人处理，请刷新页面后再操作。" in stale.get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.status is RegistrationStatus.RETURNED and entry.status_reason == "请补充等级证书编号"
