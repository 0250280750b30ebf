"""Rate limits: failed sign-ins and public look-ups per client address, a Chinese 429 page, memory or
Redis counters (competition/security.py)."""

from __future__ import annotations

import os
import uuid

import pytest
from flask import Flask

from competition.app import create_app
from competition.extensions import limiter
from competition.security import public_lookup_limit
from tests import factories

LOCAL_REDIS = "redis://127.0.0.1:6379/15"


def _redis_url() -> str:
    """``REDIS_URL`` when set (then Redis must answer: the test fails loudly), else a local Redis if
    one answers; the suite needs Redis (``.ci/run`` starts it), so a missing one fails the test."""
    import redis

    url = os.environ.get("REDIS_URL")
    try:
        redis.Redis.from_url(url or LOCAL_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if url:
            pytest.fail(f"REDIS_URL={url} is set but Redis does not answer: {error}")
        pytest.fail(f"no Redis at {LOCAL_REDIS} (start it as .ci/run does): {error}")
    return url or LOCAL_REDIS


@pytest.fixture(params=["memory", "redis"])
def storage_uri(request) -> str:
    return "memory://" if request.param == "memory" else _redis_url()


@pytest.fixture
def limited(app: Flask, monkeypatch, storage_uri):
    """Turn the limits on for the suite's app in this test, counting in ``storage_uri``."""
    monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", storage_uri)
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN", "3 per minute")
    limiter.init_app(app)  # the one limiter per process now counts in storage_uri
    return storage_uri


def _address() -> str:
    # A fresh client address per test: Redis counters outlive the test run.
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:8]}"


def test_failed_sign_ins_are_limited_per_address_with_a_chinese_page(client, world, limited):
    client.environ_base["REMOTE_ADDR"] = _address()
    for _ in range(3):
        page = client.post("/auth/login", data={"username": "organizer", "password": "wrong-password-1"})
        assert page.status_code == 200 and "用户名或密码不正确" in page.get_data(as_text=True)
    refused = client.post("/auth/login", data={"username": "organizer", "password": factories.PASSWORD})
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "操作过于频繁" in text and "请稍等一分钟后再试" in text and 'lang="zh-CN"' in text
    assert int(refused.headers["Retry-After"]) > 0
    # The form itself still shows, and another address is not affected.
    assert client.get("/auth/login").status_code == 200
    client.environ_base["REMOTE_ADDR"] = _address()
    assert (
        client.post("/auth/login", data={"username": "organizer", "password": factories.PASSWORD}).status_code
        == 302
    )
    if limited.startswith("redis"):
        import redis

        assert redis.Redis.from_url(limited).keys("*competition*"), "the counters are not in Redis"


def test_successful_sign_ins_do_not_count(client, auth, world, limited):
    """A venue's judges share one address: signing in successfully never uses up the budget."""
    client.environ_base["REMOTE_ADDR"] = _address()
    for _ in range(6):
        assert auth.login("organizer").status_code == 302
        auth.logout()


def test_limits_are_off_in_the_suite_unless_asked(app, client, world):
    assert app.config.get("RATE_LIMITS_ENABLED") is None and app.testing
    client.environ_base["REMOTE_ADDR"] = _address()
    for _ in range(12):
        assert (
            client.post("/auth/login", data={"username": "x", "password": "y-123456789"}).status_code == 200
        )


def _lookup_app(tmp_path, **overrides) -> Flask:
    """A bare app with two look-up routes that exist only here (the real ones apply the same decorator)."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "INSTANCE_PATH": str(tmp_path),
        "RATE_LIMITS_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_PUBLIC_LOOKUP": "4 per minute",
    }
    config.update(overrides)
    app = create_app(config)

    @app.route("/_test/tickets/<code>")
    @public_lookup_limit
    def ticket_lookup(code: str) -> str:
        return f"ticket {code}"

    @app.route("/_test/certificates/<code>")
    @public_lookup_limit
    def certificate_lookup(code: str) -> str:
        return f"certificate {code}"

    return app


def test_public_lookups_share_one_budget_per_address(tmp_path):
    client = _lookup_app(tmp_path).test_client()
    client.environ_base["REMOTE_ADDR"] = _address()
    statuses = [client.get(f"/_test/tickets/{n}").status_code for n in range(2)]
    statuses += [client.get(f"/_test/certificates/{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 200, 200, 429]
    refused = client.get("/_test/tickets/9")
    assert refused.status_code == 429 and "操作过于频繁" in refused.get_data(as_text=True)
    client.environ_base["REMOTE_ADDR"] = _address()
    assert client.get("/_test/tickets/9").status_code == 200


def test_behind_a_trusted_proxy_the_client_address_counts(tmp_path):
    client = _lookup_app(tmp_path, TRUSTED_PROXIES=1, RATELIMIT_PUBLIC_LOOKUP="1 per minute").test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = client.get("/_test/tickets/1", environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.7"})
    other = client.get("/_test/tickets/1", environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.8"})
    again = client.get("/_test/tickets/1", environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.7"})
    assert [first.status_code, other.status_code, again.status_code] == [200, 200, 429]


def test_storage_is_memory_by_default_and_redis_when_redis_url_is_set(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPETITION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("COMPETITION_RATELIMIT_STORAGE_URI", raising=False)
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    app = create_app()  # builds without connecting (no side effects in the factory)
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert app.config.get("RATE_LIMITS_ENABLED") is None and not app.testing
    create_app({"RATELIMIT_STORAGE_URI": "memory://"})  # leave the process's limiter on memory
