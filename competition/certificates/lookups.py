"""The public verification page's fast path when ``REDIS_URL`` is set: a status token in Redis that
every worker checks, and the look-up log pushed to Redis and written to the database in batches.

**Status token.** Redis holds one random token (:data:`TOKEN_KEY`) that changes — a new random
value, never a counter that could come back to an old value — after every commit that updated or
deleted a certificate row (revoke, reissue, any later status change; mapper events below, so no view
has to remember it). The change is SET and PUBLISHed on :data:`CHANNEL` in one transaction. Each
process keeps rendered verification pages (:class:`PageCache`) tagged with the token it held *before*
the certificate was read from the database, and serves a page only while the token is unchanged.

Where the process gets the token: its *listener* thread subscribes to :data:`CHANNEL`, then reads the
token (so no change in between is missed), then takes every published token. While it listens a cached
visit costs no Redis round trip at all; a change reaches every worker as fast as Redis delivers the
message on 127.0.0.1 (the committing worker itself at once, before the organizer's page answers). When
the listener is not subscribed (starting, Redis restarted, connection lost — it subscribes again,
waiting 0.1 s up to 5 s) each visit reads the token from Redis itself, pipelined with its log row, as
before; ``CERT_STATUS_LISTENER = False`` keeps it that way. A page rendered from a read that raced with
a status commit is tagged with the old token and never served after the change is heard.

**Look-up log.** Each look-up is one JSON row RPUSHed to :data:`LOG_KEY` — by the process's *writer*
thread, as many rows as are waiting in one RPUSH, so a visit does not wait for it (a process killed
in between loses the rows it had not pushed, milliseconds' worth); :func:`flush` moves up to
:data:`BATCH` rows at a time into ``certificate_lookup`` (one INSERT, one commit) under a Redis lock,
then trims what it wrote. Every web process runs a daemon thread that flushes every
:data:`FLUSH_SECONDS` s (the lock makes one of them do the work). What a crash can cost:

* a web process dying loses the rows its writer had not pushed yet (the visits of the last
  milliseconds); rows in Redis stay there until a commit wrote them; a flusher dying between its
  commit and its LTRIM writes that batch (≤ :data:`BATCH` rows) twice;
* Redis itself losing data loses the rows not yet flushed (≤ :data:`FLUSH_SECONDS` s of look-ups with
  the web workers up) plus whatever Redis's own persistence setting loses — and the token, which
  only makes the next visits read the database again.

When Redis does not answer a visit falls back to the database path (status read, log row written in
the request), and the process drops its cached pages. When the token cannot be changed after a
status commit (Redis down at that instant) an error is logged; pages are never kept longer than
:data:`MAX_AGE_SECONDS` s, which bounds that case.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

import redis
import sqlalchemy as sa
from flask import Flask, current_app, flash, has_request_context
from flask_babel import gettext as _
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, object_session

from competition.certificates.models import Certificate, CertificateLookup
from competition.extensions import db

log = logging.getLogger(__name__)

PREFIX = "competition:certificates"
"""Prefix of the Redis keys (``CERT_REDIS_PREFIX`` overrides it, e.g. for tests sharing a Redis)."""
TOKEN_KEY = f"{PREFIX}:status-token"
LOG_KEY = f"{PREFIX}:lookups"
LOCK_KEY = f"{PREFIX}:lookups:flush-lock"
CHANNEL = f"{PREFIX}:status-changed"
"""Redis channel each status change publishes its new token on (see :meth:`Lookups._listen`)."""
BATCH = 1000
FLUSH_SECONDS = 2.0
MAX_AGE_SECONDS = 300.0
PAGES = 2048
_EXTENSION = "certificate_lookups"
_CHANGED = "certificate_status_changed"


@dataclass
class PageCache:
    """Rendered verification pages of one process: (code, locale) → (token, certificate id, html, kept at)."""

    pages: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple) -> tuple[str, int, str] | None:
        """(token, certificate id, html) kept under ``key`` within :data:`MAX_AGE_SECONDS`, or ``None``."""
        with self.lock:
            found = self.pages.get(key)
            if found is None:
                return None
            if time.monotonic() - found[3] > MAX_AGE_SECONDS:
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return found[:3]

    def keep(self, key: tuple, token: str, certificate_id: int, html: str) -> None:
        """Keep a page rendered from a read made while Redis held ``token`` (at most :data:`PAGES`)."""
        with self.lock:
            self.pages[key] = (token, certificate_id, html, time.monotonic())
            self.pages.move_to_end(key)
            while len(self.pages) > PAGES:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        """Forget every page (Redis did not answer: nothing here can be trusted any more)."""
        with self.lock:
            self.pages.clear()


class Lookups:
    """One app's Redis client, page cache and flushing thread (started in the process that serves)."""

    def __init__(self, app: Flask, url: str) -> None:
        self.app = app._get_current_object() if hasattr(app, "_get_current_object") else app
        self.redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.cache = PageCache()
        prefix = app.config.get("CERT_REDIS_PREFIX") or PREFIX
        self.token_key = TOKEN_KEY.replace(PREFIX, prefix, 1)
        self.log_key = LOG_KEY.replace(PREFIX, prefix, 1)
        self.lock_key = LOCK_KEY.replace(PREFIX, prefix, 1)
        self.channel = CHANNEL.replace(PREFIX, prefix, 1)
        self.url = url
        self._thread_pid: int | None = None
        self._start = threading.Lock()
        self._stop = threading.Event()
        # The status token as this process's listener last heard it; None while the listener is not
        # subscribed (visits then read the token from Redis themselves).
        self._heard: str | None = None
        self._heard_lock = threading.Lock()
        self._rows: queue.Queue = queue.Queue()

    @property
    def listening(self) -> bool:
        """Whether this process's listener is subscribed and holds the current token."""
        return self._heard is not None

    def heard_token(self) -> str | None:
        """The status token the listener holds, or ``None`` (not subscribed: ask Redis)."""
        return self._heard

    def _hear(self, token: str | None) -> None:
        with self._heard_lock:
            self._heard = token

    def log_later(self, row: dict) -> None:
        """Log a look-up without waiting: the row is pushed to Redis by this process's writer thread
        (within milliseconds; a process killed in between loses its unpushed rows), or pushed now when
        the background threads are off (tests). Falls back to the database like :meth:`push`."""
        if self._threads_enabled():
            self.ensure_flusher()
            self._rows.put(row)
        elif not self.push(row):
            _insert_rows(self.app, [row])

    def begin(self, row: dict | None) -> str | None:
        """The status token now in Redis (set to a fresh one if missing), RPUSHing ``row`` in the same
        round trip when given; ``None`` when Redis does not answer (the caller uses the database)."""
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.get(self.token_key)
            if row is not None:
                pipe.rpush(self.log_key, json.dumps(row, separators=(",", ":")))
            token = pipe.execute()[0]
            if token is None:  # first visit since Redis started empty: any fresh token will do
                self.redis.set(self.token_key, uuid.uuid4().hex, nx=True)
                token = self.redis.get(self.token_key)
        except redis.RedisError as error:
            log.warning("certificate look-ups: Redis unavailable (%s); using the database", error)
            self.cache.clear()
            return None
        if row is not None:
            self.ensure_flusher()
        return token.decode() if isinstance(token, bytes) else token

    def push(self, row: dict) -> bool:
        """RPUSH one log row; ``False`` when Redis does not answer (the caller writes it itself)."""
        try:
            self.redis.rpush(self.log_key, json.dumps(row, separators=(",", ":")))
        except redis.RedisError as error:
            log.warning("certificate look-ups: Redis unavailable (%s); logging to the database", error)
            return False
        self.ensure_flusher()
        return True

    def change_token(self) -> None:
        """Give the status token a new random value (after a certificate status commit); retried
        once, then logged as an error (pages then live at most :data:`MAX_AGE_SECONDS`)."""
        self.cache.clear()
        for attempt in (1, 2):
            try:
                token = uuid.uuid4().hex
                pipe = self.redis.pipeline(transaction=True)
                pipe.set(self.token_key, token)
                pipe.publish(self.channel, token)
                pipe.execute()
                if self.listening:
                    self._hear(token)
                return
            except redis.RedisError as error:
                if attempt == 2:
                    log.error("certificate status changed but Redis did not take the new token: %s", error)
                    if has_request_context():
                        flash(
                            _(
                                "状态已保存，但缓存服务（Redis）未响应：其他进程最多 5 分钟内可能仍显示旧状态。"
                            ),
                            "warning",
                        )

    def _threads_enabled(self) -> bool:
        return self.app.config.get("CERT_LOOKUP_FLUSH_THREAD") is not False

    def ensure_flusher(self) -> None:
        """Start this process's background threads once (again after a fork): the flusher (Redis →
        database), the log writer (this process's rows → Redis) and, unless ``CERT_STATUS_LISTENER``
        is false, the status listener."""
        if self._thread_pid == os.getpid() or not self._threads_enabled():
            return
        with self._start:
            if self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
            self._heard = None  # a forked child has not subscribed yet
            self._rows = queue.Queue()
            threading.Thread(target=self._run, name="certificate-lookup-flush", daemon=True).start()
            threading.Thread(target=self._write, name="certificate-lookup-writer", daemon=True).start()
            if self.app.config.get("CERT_STATUS_LISTENER", True):
                threading.Thread(target=self._listen, name="certificate-status-listener", daemon=True).start()

    def stop(self) -> None:
        """Stop this process's threads after their current step (rows left wait in Redis)."""
        self._stop.set()
        self._hear(None)

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            try:
                while flush(self.app) == BATCH:
                    pass
            except Exception:
                log.exception("certificate look-ups: flush failed; the rows stay in Redis")

    def _write(self) -> None:
        """Push queued rows to Redis, as many as are waiting in one RPUSH; to the database when Redis
        does not answer."""
        while not self._stop.is_set():
            try:
                rows = [self._rows.get(timeout=1.0)]
            except queue.Empty:
                continue
            with contextlib.suppress(queue.Empty):
                while len(rows) < BATCH:
                    rows.append(self._rows.get_nowait())
            try:
                self.redis.rpush(self.log_key, *(json.dumps(r, separators=(",", ":")) for r in rows))
            except redis.RedisError as error:
                log.warning("certificate look-ups: Redis unavailable (%s); logging to the database", error)
                try:
                    _insert_rows(self.app, rows)
                except Exception:
                    log.exception("certificate look-ups: %d rows could not be logged", len(rows))
            finally:
                for _ in rows:
                    self._rows.task_done()

    def unpushed(self) -> int:
        """Rows this process has queued that its writer has not pushed (or written) yet."""
        return self._rows.unfinished_tasks

    def _listen(self) -> None:
        """Hold the current status token: subscribe to :data:`CHANNEL`, then read the token (so no
        change between the two is missed), then take each published token. On any error the process
        forgets the token (visits ask Redis again) and subscribes anew, waiting 0.1 s, then up to 5 s."""
        wait = 0.1
        name = f"{self.channel}:{os.getpid()}".replace(" ", "_")
        while not self._stop.is_set():
            client = redis.Redis.from_url(self.url, socket_connect_timeout=1.0, client_name=name)
            pubsub = client.pubsub()
            try:
                pubsub.subscribe(self.channel)
                while (message := pubsub.get_message(timeout=1.0)) is None or message["type"] != "subscribe":
                    if self._stop.is_set():
                        return
                self._hear(self._current_token(client))
                wait = 0.1
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "message":
                        data = message["data"]
                        self._hear(data.decode() if isinstance(data, bytes) else data)
            except (redis.RedisError, OSError, ValueError) as error:
                if self.listening:
                    log.warning("certificate status listener lost Redis (%s); visits ask Redis", error)
                self._hear(None)
                self._stop.wait(wait)
                wait = min(wait * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    pubsub.close()
                    client.close()

    def _current_token(self, client: redis.Redis) -> str:
        token = client.get(self.token_key)
        if token is None:  # Redis started empty: any fresh token will do
            client.set(self.token_key, uuid.uuid4().hex, nx=True)
            token = client.get(self.token_key)
        return token.decode() if isinstance(token, bytes) else token


def for_app(app: Flask) -> Lookups | None:
    """The app's :class:`Lookups`, or ``None`` without ``REDIS_URL`` (the page then reads and logs
    through the database on every visit)."""
    app = app._get_current_object() if hasattr(app, "_get_current_object") else app
    found = app.extensions.get(_EXTENSION)
    if found is None:
        url = app.config.get("REDIS_URL")
        if not url:
            return None
        found = app.extensions.setdefault(_EXTENSION, Lookups(app, url))
    return found


def row(via: str, query: str, certificate_id: int | None, *, client: str, now: datetime) -> dict:
    """One look-up as the JSON-able row :func:`flush` inserts (the columns of ``certificate_lookup``)."""
    return {
        "at": now.isoformat(),
        "via": via,
        "query": (query or "")[:64],
        "found": certificate_id is not None,
        "certificate_id": certificate_id,
        "client_hash": client,
    }


def flush(app: Flask) -> int:
    """Write up to :data:`BATCH` queued look-up rows to ``certificate_lookup`` in one transaction and
    trim them from Redis; the number of rows taken (0 when another process holds the lock or nothing
    waits). Rows naming a certificate that no longer exists keep the look-up without the link;
    unreadable rows are dropped with a warning. Raises database and Redis errors (rows then stay)."""
    lookups = for_app(app)
    if lookups is None:
        return 0
    lock = lookups.redis.lock(lookups.lock_key, timeout=60, blocking=False)
    if not lock.acquire():
        return 0
    try:
        raw = lookups.redis.lrange(lookups.log_key, 0, BATCH - 1)
        if not raw:
            return 0
        rows = []
        for item in raw:
            try:
                data = json.loads(item)
                rows.append({**data, "at": datetime.fromisoformat(data["at"])})
            except (ValueError, KeyError, TypeError):
                log.warning("certificate look-ups: dropped an unreadable row %r", item[:200])
        _insert_rows(app, rows)
        lookups.redis.ltrim(lookups.log_key, len(raw), -1)
        return len(raw)
    finally:
        with contextlib.suppress(redis.exceptions.LockError):  # expired meanwhile: nothing to release
            lock.release()


def _insert_rows(app: Flask, rows: list[dict]) -> None:
    """Insert look-up rows (as :func:`row` makes them, ``at`` a datetime or ISO text) into
    ``certificate_lookup`` in one transaction; a row naming a certificate that no longer exists keeps
    the look-up without the link. Raises database errors (after a rollback)."""
    rows = [
        {**r, "at": datetime.fromisoformat(r["at"]) if isinstance(r["at"], str) else r["at"]} for r in rows
    ]
    with app.app_context():
        try:
            wanted = {r["certificate_id"] for r in rows if r.get("certificate_id") is not None}
            existing = (
                set(db.session.scalars(sa.select(Certificate.id).where(Certificate.id.in_(wanted))))
                if wanted
                else set()
            )
            for r in rows:
                if r.get("certificate_id") not in existing:
                    r["certificate_id"] = None
            if rows:
                db.session.execute(sa.insert(CertificateLookup), rows)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise


# Any commit that updated or deleted a certificate changes the token (certificates are immutable but
# for their status columns, so an update is a status change).
@sa_event.listens_for(Certificate, "after_update")
@sa_event.listens_for(Certificate, "after_delete")
def _mark_changed(_mapper, _connection, target: Certificate) -> None:
    session = object_session(target)
    if session is not None:
        session.info[_CHANGED] = True


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(_CHANGED, False):
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:  # outside an application context: no page cache of this process to tell
        return
    lookups = for_app(app)
    if lookups is not None:
        lookups.change_token()
