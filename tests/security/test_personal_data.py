"""No page of the demo shows a full 18-digit ID number or a full 11-digit mobile number, to any role,
except the pages listed in ``MEANT_FOR_THE_OWNER`` (the person's own data, shown to that person)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from competition.accounts.models import User
from competition.contests.models import Contest, Event
from competition.demo.accounts import DEMO_LOGINS, DEMO_PASSWORD
from competition.demo.load import load_demo
from competition.extensions import db
from competition.organizations.models import OrganizingBody, Unit
from competition.registration.models import Competitor, Registration
from tests import factories
from tests.security.routes import build, rules_with

ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
MOBILE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")

# Endpoint → why a full number may appear there.
MEANT_FOR_THE_OWNER = {
    "my_entries.profile": "the competitor's own profile form, prefilled with their own ID and mobile to edit",
}
# Not HTML, so not grepped here; each is for the organizer or the owner only (see tests/accounts/test_access.py).
NOT_PAGES = {
    "entries.export_list": "organizer's registration list (.xlsx) for the venue: full numbers are needed there",
    "unit_entries.template": "empty batch registration workbook (.xlsx)",
    "my_entries.ticket": "the competitor's own admission ticket (PDF)",
    "my_entries.photo_image": "the competitor's own photo",
}


def _ids(model, limit: int = 3, where=None) -> list[int]:
    query = sa.select(model.id).order_by(model.id).limit(limit)
    if where is not None:
        query = query.where(where)
    return list(db.session.execute(query).scalars())


def _contexts() -> list[dict[str, int]]:
    """Argument values for the walk, consistent with each other (an event with its contest and one of
    its registrations)."""
    contexts: list[dict[str, int]] = []
    for contest_id in _ids(Contest, limit=10):
        contexts.append({"contest_id": contest_id})
        for event_id in _ids(Event, limit=2, where=Event.contest_id == contest_id):
            context = {"contest_id": contest_id, "event_id": event_id}
            registrations = _ids(Registration, limit=1, where=Registration.event_id == event_id)
            if registrations:
                context["registration_id"] = registrations[0]
            contexts.append(context)
    contexts += [{"registration_id": i} for i in _ids(Registration)]
    contexts += [{"unit_id": i} for i in _ids(Unit)]
    contexts += [{"body_id": i} for i in _ids(OrganizingBody)]
    contexts += [{"user_id": i} for i in _ids(User)]
    return contexts


def _paths(app, contexts: list[dict[str, int]]) -> list[tuple[str, str]]:
    """``(endpoint, path)`` for every GET page: once per context that fills one of its arguments
    (placeholders for the rest), or once with placeholders."""
    paths: dict[str, str] = {}
    for rule in rules_with(app, "GET"):
        if rule.endpoint in NOT_PAGES:
            continue
        arguments = set(rule._converters)
        filled = [c for c in contexts if arguments & c.keys()] or [{}]
        for context in filled:
            paths.setdefault(build(rule, {k: v for k, v in context.items() if k in arguments}), rule.endpoint)
    return [(endpoint, path) for path, endpoint in paths.items()]


@pytest.fixture
def demo(session):
    return load_demo(now=factories.NOW)


def test_no_page_shows_a_full_id_number_or_mobile(app, client, demo):
    competitors = db.session.execute(sa.select(Competitor.id_number, Competitor.phone)).all()
    assert all(ID_NUMBER.fullmatch(c.id_number) for c in competitors if len(c.id_number) == 18)
    assert any(c.phone and MOBILE.fullmatch(c.phone) for c in competitors), "the demo has no mobiles to leak"

    paths = _paths(app, _contexts())
    leaks, seen, owner_pages = [], 0, []
    for username in [None, *(login[1] for login in DEMO_LOGINS)]:
        if username:
            assert (
                client.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD}).status_code
                == 302
            )
        for endpoint, path in paths:
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            seen += 1
            text = response.get_data(as_text=True)
            if endpoint in MEANT_FOR_THE_OWNER:
                owner_pages.append((username, set(ID_NUMBER.findall(text))))
                continue
            for kind, pattern in (("ID number", ID_NUMBER), ("mobile", MOBILE)):
                for match in pattern.findall(text):
                    leaks.append(f"{username or 'anonymous'} {path}: {kind} {match}")
        if username:
            client.post("/auth/logout")
    assert seen > 40, f"only {seen} pages were read"
    assert not leaks, "\n".join(sorted(set(leaks))[:40])
    # The owner's page is shown to competitors only, each seeing their own number and no one else's.
    own = dict(
        db.session.execute(
            sa.select(User.username, Competitor.id_number).join(User, User.id == Competitor.user_id)
        ).all()
    )
    assert owner_pages and all(numbers == {own[username]} for username, numbers in owner_pages)
    assert {username for username, _ in owner_pages} <= {u for u in own if u.endswith("competitor")}
