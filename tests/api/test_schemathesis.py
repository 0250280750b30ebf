"""Property-based tests of every API operation against the OpenAPI document the code generates
(schemathesis, through the WSGI app: no server, no network).

Each operation is called with generated parameters and bodies, as the world's organizer (a valid token)
on seeded data: a contest open for registration, a contest being marked with numbered entries, and
published standings. Path identifiers are pointed at the seeded objects half of the time (otherwise
nearly every call would be a 404). Checks: no server error, the response matches the documented
schema, its status code is documented, and its content type is the documented one. Bounded by
``max_examples`` so the whole run stays within a minute on a loaded machine.
"""

from __future__ import annotations

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from competition.accounts.models import Role
from competition.app import create_app
from competition.contests.lifecycle import ContestStatus
from competition.extensions import db
from tests import factories
from tests.api.conftest import bearer, make_token

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture
def seeded(session):
    """One organizer's body with: an open contest (event for batch registration), a contest being marked
    (six numbered entries, a scheme with an exam aspect) whose event has published standings."""
    marking = factories.make_marking_world()
    open_contest = factories.make_contest(marking.body, status=ContestStatus.REGISTRATION_OPEN)
    open_event = factories.make_event(open_contest, "电工")
    people = [e.members[0].competitor for e in marking.entries[:3]]
    other_event = factories.make_event(marking.contest, "钳工")
    factories.publish_results(other_event, people, publisher=marking.organizer)
    admin = factories.make_user(Role.ADMIN)
    db.session.flush()
    return {
        "headers": bearer(make_token(marking.organizer)),
        "admin_headers": bearer(make_token(admin)),
        "ids": {
            "contest_id": [open_contest.id, marking.contest.id],
            "event_id": [open_event.id, marking.event.id, other_event.id],
        },
        "unit_id": marking.units[0].id,
    }


def _served_document() -> dict:
    """The document as /api/v1/openapi.json serves it, from an app built only for that (no database
    is touched: the document comes from the code). Loaded at collection, so every operation becomes
    its own test item."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "INSTANCE_PATH": tempfile.gettempdir(),
        }
    )
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


schema = schemathesis.openapi.from_dict(_served_document())


@schema.parametrize()
@settings(
    max_examples=12,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    deadline=None,
    derandomize=True,
)
def test_every_operation_conforms_to_the_document(case, app, seeded):
    ids = seeded["ids"]
    # Half the calls go to seeded objects, chosen from the generated value so Hypothesis still varies it.
    for name, choices in ids.items():
        value = (case.path_parameters or {}).get(name)
        if isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = choices[value // 2 % len(choices)]
    unit_id = case.body.get("unit_id") if isinstance(case.body, dict) else None
    if isinstance(unit_id, int) and unit_id % 2 == 0:
        case.body["unit_id"] = seeded["unit_id"]
    case.call_and_validate(app=app, headers=seeded["headers"], checks=CHECKS)
