"""The verification page's Redis fast path (competition/certificates/lookups.py): two app instances
sharing one Redis stand for two gunicorn workers — a revocation or reissue committed through one is
shown at once by the other, whose page cache held the certificate as valid — and the look-up log
pushed to Redis reaches ``certificate_lookup`` through :func:`lookups.flush` (batched, locked,
nothing lost when the database refuses a batch). Needs a Redis (``TEST_REDIS_URL``, default db 15)."""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from competition.app import create_app
from competition.certificates import lookups, services
from competition.certificates.models import CertificateLookup, CertificateStatus
from competition.certificates.requests import request_certificate
from competition.extensions import db
from tests import factories
from tests.factories import NOW

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def prefix() -> str:
    """Keys of this test only (parallel runs share the Redis database); removed afterwards."""
    name = f"test:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} (set TEST_REDIS_URL)")
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


def _worker(app: Flask, prefix: str, redis_url: str = REDIS_URL) -> Flask:
    """Another instance of the app on the same database, with Redis (a second gunicorn worker)."""
    worker = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "INSTANCE_PATH": app.instance_path,
            "SHOW_DEMO_LOGINS": False,
            "SERVER_NAME": None,
            "JOBS_EAGER": True,
            "PDF_PROCESSES": 0,
            "REDIS_URL": redis_url,
            "CERT_REDIS_PREFIX": prefix,
            "CERT_LOOKUP_FLUSH_THREAD": False,  # flushed by the test, inside its transaction
        }
    )
    return worker


@pytest.fixture
def certificate(session, context):
    body = factories.make_body()
    person = factories.make_competitor(factories.make_unit(), name="李玥珺")
    request = request_certificate(
        "award",
        person.id,
        {
            "body_id": body.id,
            "contest": "2026年绍兴市职业技能竞赛",
            "event": "焊工",
            "group": "职工组",
            "award": "first",
        },
        "test:cache",
        now=NOW,
    )
    (issued,) = services.issue_requests([request], context, actor=None, now=NOW)
    db.session.commit()
    return issued


def _lookups() -> list[CertificateLookup]:
    return list(db.session.scalars(sa.select(CertificateLookup).order_by(CertificateLookup.id)))


def test_a_revocation_through_one_worker_shows_at_once_on_the_other(app, certificate, prefix, context):
    one, two = _worker(app, prefix), _worker(app, prefix)
    code = certificate.verify_code
    for worker in (one, two):
        for _ in range(2):  # the second visit is served from the worker's page cache
            page = worker.test_client().get(f"/verify/{code}")
            assert page.status_code == 200 and "有效证书" in page.get_data(as_text=True)
        assert lookups.for_app(worker).cache.get((code, "zh_Hans_CN")) is not None
    # served from the cache: no database read for the second visit, yet the token is checked
    token = redis.Redis.from_url(REDIS_URL).get(f"{prefix}:status-token").decode()
    assert lookups.for_app(two).cache.get((code, "zh_Hans_CN"))[0] == token

    with one.app_context():
        services.revoke(db.session.merge(certificate), "成绩经复核取消", actor=None, now=NOW)
        db.session.commit()
    assert redis.Redis.from_url(REDIS_URL).get(f"{prefix}:status-token").decode() != token
    page = two.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "此证书已注销" in page and "成绩经复核取消" in page and "有效证书" not in page
    # and the revoked page is what the other worker now keeps
    assert "此证书已注销" in two.test_client().get(f"/verify/{code}").get_data(as_text=True)


def test_a_reissue_through_one_worker_shows_at_once_on_the_other(app, certificate, prefix, context):
    one, two = _worker(app, prefix), _worker(app, prefix)
    code = certificate.verify_code
    assert "有效证书" in two.test_client().get(f"/verify/{code}").get_data(as_text=True)
    with one.app_context():
        new = services.reissue(db.session.merge(certificate), "姓名更正", context, actor=None, now=NOW)
        db.session.commit()
        number = new.number
    page = two.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "取代" in page and number in page and "有效证书" not in page
    db.session.expire_all()
    assert db.session.get(type(certificate), certificate.id).status is CertificateStatus.SUPERSEDED


def test_a_page_read_under_an_older_token_is_not_served(app, certificate, prefix):
    """The token is read before the certificate: a page kept under a token that has since changed
    (the status commit raced with the read) is read again from the database."""
    worker = _worker(app, prefix)
    cache = lookups.for_app(worker).cache
    code = certificate.verify_code
    cache.keep((code, "zh_Hans_CN"), "an-older-token", certificate.id, "stale page")
    page = worker.test_client().get(f"/verify/{code}")
    assert page.status_code == 200 and "有效证书" in page.get_data(as_text=True)


def test_without_redis_answering_the_page_reads_and_logs_through_the_database(app, certificate, prefix):
    worker = _worker(app, prefix, redis_url="redis://127.0.0.1:1/0")
    before = len(_lookups())
    page = worker.test_client().get(f"/verify/{certificate.verify_code}")
    assert page.status_code == 200 and "有效证书" in page.get_data(as_text=True)
    assert worker.test_client().get("/verify/no-such-code").status_code == 404
    logged = _lookups()[before:]
    assert [(e.via, e.found, e.certificate_id) for e in logged] == [
        ("code", True, certificate.id),
        ("code", False, None),
    ]


def test_lookups_wait_in_redis_until_a_flush_writes_them_in_one_batch(app, certificate, prefix):
    worker = _worker(app, prefix)
    client = worker.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    code = certificate.verify_code
    before = len(_lookups())
    for _ in range(3):
        assert client.get(f"/verify/{code}").status_code == 200
    assert client.get("/verify/no-such-code").status_code == 404
    assert client.post("/verify", data={"number": certificate.number, "name": "李玥珺"}).status_code == 200
    queue = redis.Redis.from_url(REDIS_URL)
    assert queue.llen(f"{prefix}:lookups") == 5 and len(_lookups()) == before  # not written yet

    assert lookups.flush(worker) == 5
    logged = _lookups()[before:]
    assert [(e.via, e.query, e.found, e.certificate_id) for e in logged] == [
        ("code", code, True, certificate.id),
        ("code", code, True, certificate.id),
        ("code", code, True, certificate.id),
        ("code", "no-such-code", False, None),
        ("number", certificate.number, True, certificate.id),
    ]
    assert len({e.client_hash for e in logged}) == 1 and "203.0.113.9" not in logged[0].client_hash
    assert queue.llen(f"{prefix}:lookups") == 0 and lookups.flush(worker) == 0


def test_a_flush_skips_bad_rows_and_another_holder_of_the_lock_waits(app, certificate, prefix):
    worker = _worker(app, prefix)
    queue = redis.Redis.from_url(REDIS_URL)
    row = lookups.row("code", "gone", certificate.id + 10_000, client="0" * 64, now=NOW)
    queue.rpush(f"{prefix}:lookups", json.dumps(row), b"not json")
    held = queue.lock(f"{prefix}:lookups:flush-lock", timeout=10)
    assert held.acquire(blocking=False)
    try:
        assert lookups.flush(worker) == 0 and queue.llen(f"{prefix}:lookups") == 2
    finally:
        held.release()
    before = len(_lookups())
    assert lookups.flush(worker) == 2
    (logged,) = _lookups()[before:]
    # a certificate that no longer exists: the look-up is kept without the link
    assert (logged.query, logged.found, logged.certificate_id, logged.at) == ("gone", True, None, NOW)


def test_a_batch_the_database_refuses_stays_in_redis(app, certificate, prefix, monkeypatch):
    worker = _worker(app, prefix)
    queue = redis.Redis.from_url(REDIS_URL)
    row = lookups.row("code", "x", None, client="0" * 64, now=NOW)
    queue.rpush(f"{prefix}:lookups", json.dumps(row))

    def refuse(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "execute", refuse)
    with pytest.raises(sa.exc.OperationalError):
        lookups.flush(worker)
    monkeypatch.undo()
    assert queue.llen(f"{prefix}:lookups") == 1
    assert lookups.flush(worker) == 1 and queue.llen(f"{prefix}:lookups") == 0


def test_the_workers_flush_thread_writes_the_log_without_being_asked(app, certificate, prefix, monkeypatch):
    """The thread a worker starts with its first pushed look-up (the page is called through
    ``current_app``, as in production) writes the queued rows by itself."""
    monkeypatch.setattr(lookups, "FLUSH_SECONDS", 0.05)
    worker = _worker(app, prefix)
    worker.config["CERT_LOOKUP_FLUSH_THREAD"] = True
    queue = redis.Redis.from_url(REDIS_URL)
    before = len(_lookups())
    try:
        for _ in range(3):
            assert worker.test_client().get(f"/verify/{certificate.verify_code}").status_code == 200
        for _ in range(200):
            if queue.llen(f"{prefix}:lookups") == 0:
                break
            time.sleep(0.05)
    finally:
        lookups.for_app(worker).stop()
        time.sleep(0.2)  # let a flush under way finish before the test's transaction ends
    assert queue.llen(f"{prefix}:lookups") == 0
    assert [(e.via, e.certificate_id) for e in _lookups()[before:]] == [("code", certificate.id)] * 3


def test_a_page_showing_a_message_is_not_kept_for_others(app, certificate, prefix):
    worker = _worker(app, prefix)
    client = worker.test_client()
    with client.session_transaction() as flashes:
        flashes["_flashes"] = [("info", "只给这位访客看的消息")]
    assert "只给这位访客看的消息" in client.get(f"/verify/{certificate.verify_code}").get_data(as_text=True)
    assert lookups.for_app(worker).cache.get((certificate.verify_code, "zh_Hans_CN")) is None
    other = worker.test_client().get(f"/verify/{certificate.verify_code}").get_data(as_text=True)
    assert "有效证书" in other and "只给这位访客看的消息" not in other


def test_a_status_change_redis_misses_warns_the_organizer_and_empties_this_workers_cache(
    app, certificate, prefix, monkeypatch
):
    from flask import get_flashed_messages

    worker = _worker(app, prefix)
    code = certificate.verify_code
    assert worker.test_client().get(f"/verify/{code}").status_code == 200
    fast = lookups.for_app(worker)
    assert fast.cache.get((code, "zh_Hans_CN")) is not None

    def down(*args, **kwargs):
        raise redis.ConnectionError("Redis went away")

    monkeypatch.setattr(fast.redis, "pipeline", down)
    with worker.test_request_context("/"):
        services.revoke(db.session.merge(certificate), "成绩经复核取消", actor=None, now=NOW)
        db.session.commit()
        warnings = get_flashed_messages(with_categories=True)
    assert [c for c, m in warnings if "Redis" in m] == ["warning"]
    assert fast.cache.get((code, "zh_Hans_CN")) is None


def _wait(condition, seconds: float = 5.0) -> bool:
    """Poll ``condition`` every 10 ms for up to ``seconds`` (waiting for another thread, not timing it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _listening_worker(app: Flask, prefix: str, monkeypatch) -> Flask:
    monkeypatch.setattr(lookups, "FLUSH_SECONDS", 600)  # the test flushes (see below)
    worker = _worker(app, prefix)
    worker.config["CERT_LOOKUP_FLUSH_THREAD"] = True  # threads on, as in production
    return worker


def test_with_the_listener_a_cached_visit_costs_no_redis_round_trip_and_a_revocation_still_arrives(
    app, certificate, prefix, context, monkeypatch
):
    one, two = _listening_worker(app, prefix, monkeypatch), _listening_worker(app, prefix, monkeypatch)
    code = certificate.verify_code
    before = len(_lookups())
    try:
        for worker in (one, two):
            assert worker.test_client().get(f"/verify/{code}").status_code == 200  # starts its threads
            assert _wait(lambda w=worker: lookups.for_app(w).listening)
        fast = lookups.for_app(two)
        assert fast.heard_token() == redis.Redis.from_url(REDIS_URL).get(f"{prefix}:status-token").decode()
        assert "有效证书" in two.test_client().get(f"/verify/{code}").get_data(as_text=True)  # kept now

        def no_round_trip(*args, **kwargs):
            raise AssertionError("a cached visit asked Redis")

        with monkeypatch.context() as patched:
            patched.setattr(fast.redis, "pipeline", no_round_trip)
            patched.setattr(fast.redis, "get", no_round_trip)
            for _ in range(3):
                assert "有效证书" in two.test_client().get(f"/verify/{code}").get_data(as_text=True)

        with one.app_context():
            services.revoke(db.session.merge(certificate), "成绩经复核取消", actor=None, now=NOW)
            db.session.commit()
        token = redis.Redis.from_url(REDIS_URL).get(f"{prefix}:status-token").decode()
        # the other worker hears the new token over the channel (delivered in milliseconds on 127.0.0.1)
        assert _wait(lambda: fast.heard_token() == token)
        page = two.test_client().get(f"/verify/{code}").get_data(as_text=True)
        assert "此证书已注销" in page and "有效证书" not in page
        # every visit is logged: the writer threads push the rows to Redis without the visit waiting
        queued = redis.Redis.from_url(REDIS_URL)
        assert _wait(lambda: not any(lookups.for_app(w).unpushed() for w in (one, two)))
        assert queued.llen(f"{prefix}:lookups") == 7
    finally:
        for worker in (one, two):
            lookups.for_app(worker).stop()
    # (flushed here, not by the threads: they would share the test's database connection)
    assert lookups.flush(one) == 7
    assert len(_lookups()) - before == 7


def test_the_listener_subscribes_again_and_rereads_the_token_after_losing_redis(
    app, certificate, prefix, monkeypatch
):
    worker = _listening_worker(app, prefix, monkeypatch)
    fast = lookups.for_app(worker)
    admin = redis.Redis.from_url(REDIS_URL)
    try:
        assert worker.test_client().get(f"/verify/{certificate.verify_code}").status_code == 200
        assert _wait(lambda: fast.listening)
        mine = [c for c in admin.client_list() if c.get("name", "").startswith(fast.channel)]
        assert mine, "the listener names its connection"
        for client in mine:
            admin.client_kill_filter(_id=client["id"])
        # a change that was never published (made while the listener was cut off)
        admin.set(f"{prefix}:status-token", "changed-while-away")
        assert _wait(lambda: fast.heard_token() == "changed-while-away")
        assert "有效证书" in worker.test_client().get(f"/verify/{certificate.verify_code}").get_data(
            as_text=True
        )
    finally:
        fast.stop()
        time.sleep(0.2)


def test_without_the_listener_each_visit_asks_redis(app, certificate, prefix, monkeypatch):
    worker = _listening_worker(app, prefix, monkeypatch)
    worker.config["CERT_STATUS_LISTENER"] = False
    fast = lookups.for_app(worker)
    try:
        for _ in range(2):
            assert worker.test_client().get(f"/verify/{certificate.verify_code}").status_code == 200
        assert not fast.listening
        asked = []
        real = fast.begin
        monkeypatch.setattr(fast, "begin", lambda row: asked.append(row) or real(row))
        assert "有效证书" in worker.test_client().get(f"/verify/{certificate.verify_code}").get_data(
            as_text=True
        )
        assert len(asked) == 1
    finally:
        fast.stop()
        time.sleep(0.2)
