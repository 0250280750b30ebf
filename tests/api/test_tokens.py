"""API tokens as a person uses them: created on the page (shown once, only a hash stored), listed with the
last use, revoked; and how the API treats missing, malformed, revoked and expired tokens, session
cookies and CSRF."""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa

from competition.accounts.models import Role
from competition.api.models import ApiToken
from competition.audit.models import AuditEntry
from competition.extensions import db
from tests import factories
from tests.api.conftest import bearer, make_token

REGISTRATIONS = "/api/v1/events/{}/registrations"


def _create_on_page(client, name: str = "理论考试系统", days: str = "90") -> str:
    page = client.post("/account/api-tokens", data={"name": name, "valid_days": days})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "令牌只显示这一次" in text
    (secret,) = re.findall(r'value="(jnapi_[A-Za-z0-9_-]+)"', text)
    return secret


def test_an_organizer_creates_a_token_on_the_page_and_it_is_shown_once(client, auth, world):
    auth.login("organizer")
    assert "API 令牌" in client.get("/manage/").get_data(as_text=True)  # linked from every page
    secret = _create_on_page(client)
    token = db.session.execute(sa.select(ApiToken).where(ApiToken.user_id == world.organizer.id)).scalar_one()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12] and token.name == "理论考试系统"
    assert (token.expires_at - token.created_at).days == 90
    # Only the hash is stored: the secret appears in no column of the row.
    assert secret not in repr([getattr(token, c.key) for c in ApiToken.__table__.columns])
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert secret not in listing and token.prefix in listing and "从未使用" in listing
    # The token works, and its last use is shown.
    assert client.get(REGISTRATIONS.format(world.event.id), headers=bearer(secret)).status_code == 200
    assert token.last_used_at is not None
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert "从未使用" not in listing
    audit = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "api_token.create")
    ).scalar_one()
    assert audit.actor_id == world.organizer.id and secret not in str(audit.after)


def test_a_duplicate_or_empty_name_is_refused_on_the_field(client, auth, world):
    auth.login("organizer")
    _create_on_page(client, "省平台")
    again = client.post("/account/api-tokens", data={"name": "省平台", "valid_days": "30"})
    assert again.status_code == 422 and "已有同名的有效令牌" in again.get_data(as_text=True)
    empty = client.post("/account/api-tokens", data={"name": " ", "valid_days": "30"})
    assert "此项为必填项" in empty.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1


def test_revoking_stops_the_token_at_once_and_is_audited(client, auth, world):
    auth.login("organizer")
    secret = _create_on_page(client)
    token = db.session.execute(sa.select(ApiToken)).scalar_one()
    assert client.get(REGISTRATIONS.format(world.event.id), headers=bearer(secret)).status_code == 200
    done = client.post(f"/account/api-tokens/{token.id}/revoke", follow_redirects=True)
    assert "已吊销" in done.get_data(as_text=True)
    refused = client.get(REGISTRATIONS.format(world.event.id), headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.get_json()["message"] == "令牌无效、已吊销或已过期。"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "api_token.revoke")
    ).scalar_one()


def test_nobody_revokes_another_users_token(client, auth, world):
    make_token(world.other_organizer)
    other = db.session.execute(sa.select(ApiToken)).scalar_one()
    auth.login("organizer")
    assert client.post(f"/account/api-tokens/{other.id}/revoke").status_code == 404
    auth.logout()
    auth.login("admin")
    assert client.post(f"/account/api-tokens/{other.id}/revoke").status_code == 404
    assert other.revoked_at is None


def test_roles_without_the_api_permission_have_no_token_page(client, auth, world):
    for username in ("competitor", "judge", "unit-contact"):
        auth.login(username)
        assert client.get("/account/api-tokens").status_code == 403
        auth.logout()


def test_expired_and_deactivated_tokens_are_refused(client, world):
    expired = make_token(world.organizer, name="过期", valid_days=1)  # made at factories.NOW, months ago
    assert client.get(REGISTRATIONS.format(world.event.id), headers=bearer(expired)).status_code == 401
    live = make_token(world.organizer, name="有效")
    assert client.get(REGISTRATIONS.format(world.event.id), headers=bearer(live)).status_code == 200
    world.organizer.active = False
    db.session.flush()
    assert client.get(REGISTRATIONS.format(world.event.id), headers=bearer(live)).status_code == 401


def test_missing_malformed_and_unknown_tokens_get_401_json(client, world):
    url = REGISTRATIONS.format(world.event.id)
    for headers in (
        {},
        {"Authorization": "Basic b3JnOnB3"},
        {"Authorization": "Bearer"},
        bearer("jnapi_nope"),
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 401, headers
        body = response.get_json()
        assert body["code"] == 401 and body["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_does_not_authenticate_the_api(client, auth, world):
    auth.login("organizer")
    assert client.get(f"/manage/events/{world.event.id}/registrations").status_code == 200
    assert client.get(REGISTRATIONS.format(world.event.id)).status_code == 401


def test_only_token_calls_are_csrf_exempt(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/api/v1/events/{world.event.id}/theory-scores"
    body = {"scores": [{"number": "A01", "score": 80}]}
    refused = client.post(url, json=body)
    assert refused.status_code == 400 and refused.is_json and "CSRF" in refused.get_json()["message"]
    # With a token the CSRF check does not apply (the event has no scheme: 409, not 400).
    response = client.post(url, json=body, headers=bearer(make_token(world.organizer)))
    assert response.status_code == 409


def test_a_token_acts_with_its_owners_role(client, world):
    """Tokens are only offered to organizers and admins, but the permission table decides either way:
    a competitor's token (made directly) may not read an event's registrations."""
    person = factories.make_user(Role.COMPETITOR)
    response = client.get(REGISTRATIONS.format(world.event.id), headers=bearer(make_token(person)))
    assert response.status_code == 403 and response.get_json()["status"] == "Forbidden"
