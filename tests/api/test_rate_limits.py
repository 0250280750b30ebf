"""The API's rate limits (Flask-Limiter, as the rest of the platform): a budget per token (or per address
without one), and certificate verification sharing the public look-up budget with the /verify page."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from competition.extensions import limiter
from tests.api.conftest import bearer, make_token


@pytest.fixture
def limited(app: Flask, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setitem(app.config, "RATELIMIT_API", "3 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_PUBLIC_LOOKUP", "2 per minute")
    limiter.init_app(app)
    limiter.reset()


def _address() -> str:
    return f"203.0.113.{uuid.uuid4().int % 250 + 1}"


def test_each_token_has_its_own_budget_and_the_refusal_is_json(client, world, limited):
    client.environ_base["REMOTE_ADDR"] = _address()
    first = bearer(make_token(world.organizer, name="一"))
    second = bearer(make_token(world.organizer, name="二"))
    url = f"/api/v1/events/{world.event.id}/registrations"
    assert [client.get(url, headers=first).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url, headers=first)
    assert refused.status_code == 429 and refused.is_json
    assert refused.get_json()["message"] == "请求次数过多，请稍后再试。"
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get(url, headers=second).status_code == 200


def test_certificate_checks_share_the_public_lookup_budget_with_the_page(client, world, limited):
    client.environ_base["REMOTE_ADDR"] = _address()
    assert client.get("/verify/forged-code").status_code == 404
    assert client.get("/api/v1/certificates/forged-code").status_code == 404
    refused = client.get("/api/v1/certificates/other-code")
    assert refused.status_code == 429 and refused.is_json
