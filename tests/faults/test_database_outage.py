"""The database goes away while a judge enters marks: the autosave answers 503 with a message the grid
shows (and retries), nothing is half-written, and once the database is back the retry saves the mark
exactly once.

The fault is real, not a mocked exception. PostgreSQL (``TEST_DATABASE_URL``): the application talks
to the server through a TCP relay (tests/faults/proxy.py) that the test cuts — open connections break,
new ones are refused — before a save or in the middle of one (after the save has read the mark, before
it writes); and separately every backend of the database is terminated (``pg_terminate_backend``),
which ``pool_pre_ping`` must absorb without the judge noticing. SQLite: another process holds the
database's exclusive lock past the busy timeout (a long maintenance transaction).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from competition.extensions import db
from competition.marking import services
from competition.marking.models import Mark, MarkHistory
from tests import factories
from tests.conftest import database_url, migrated_app
from tests.faults.proxy import Relay

UNAVAILABLE = "数据库暂时无法连接"


@dataclass
class Venue:
    """An app on a database of its own (committed data), a judge's client, and the fault switch."""

    app: Flask
    client: FlaskClient
    event_id: int
    entry_ids: list[int]
    dialect: str
    cut: Callable[[], None]
    restore: Callable[[], None]

    def save(self, entry: int, aspect: str, value: str | None, version: int):
        return self.client.post(
            f"/judge/marking/events/{self.event_id}/marks",
            json={
                "registration_id": self.entry_ids[entry],
                "aspect": aspect,
                "value": value,
                "version": version,
            },
        )

    def marks(self) -> dict[tuple[int, str], tuple[str | None, int, int]]:
        """(entry id, aspect) → (value, version, history rows) of the event's marks, read afresh."""
        with self.app.app_context():
            rows = db.session.execute(
                sa.select(Mark.registration_id, Mark.aspect_code, Mark.value, Mark.version, Mark.id).where(
                    Mark.event_id == self.event_id  # only this judge marks here (own and measured aspects)
                )
            ).all()
            found = {}
            for row in rows:
                key = (row.registration_id, row.aspect_code)
                assert key not in found, f"two rows for {key}"
                history = db.session.scalar(
                    sa.select(sa.func.count()).select_from(MarkHistory).where(MarkHistory.mark_id == row.id)
                )
                found[key] = (row.value, row.version, history)
            db.session.remove()
            return found


def _world(app: Flask) -> tuple[int, list[int], str]:
    """A committed marking world: event id, entry ids, and the username of a judge with no conflict
    of interest on entries 1 and 2."""
    with app.app_context():
        world = factories.make_marking_world()
        db.session.commit()
        found = world.event.id, [e.id for e in world.entries], world.judges[1].username
        db.session.remove()
    return found


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    url = sa.engine.make_url(database_url(tmp_path, "faults"))
    relay = None
    if url.get_backend_name() == "postgresql":
        relay = Relay(url.host or "127.0.0.1", url.port or 5432)
        url = url.set(host="127.0.0.1", port=relay.port)
    app = migrated_app(url.render_as_string(hide_password=False), tmp_path)
    event_id, entry_ids, username = _world(app)
    client = app.test_client()
    signed_in = client.post("/auth/login", data={"username": username, "password": factories.PASSWORD})
    assert signed_in.status_code == 302

    if relay is not None:
        cut, restore = relay.cut, relay.restore
    else:
        holder: list[sqlite3.Connection] = []
        path = url.database
        with app.app_context():  # give up on a lock after 0.3 s rather than the configured 10 s
            sa.event.listen(db.engine, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout=300"))
            db.engine.dispose()

        def cut() -> None:
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("BEGIN EXCLUSIVE")
            holder.append(other)

        def restore() -> None:
            other = holder.pop()
            other.rollback()
            other.close()

    yield Venue(app, client, event_id, entry_ids, url.get_backend_name(), cut, restore)
    with app.app_context():
        db.engine.dispose()
    if relay is not None:
        relay.cut()


def _server_port() -> int:
    """The PostgreSQL server's own port (``TEST_DATABASE_URL``), bypassing the relay."""
    return sa.engine.make_url(os.environ["TEST_DATABASE_URL"]).port or 5432


def _assert_unavailable(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    body = response.get_json()
    assert UNAVAILABLE in body["error"] and body["retry"] is True
    assert response.headers["Retry-After"] == "5"


def test_the_database_goes_away_before_a_save_and_the_retry_stores_it_once(venue: Venue):
    assert venue.save(1, "P1.1", "2", 0).get_json()["version"] == 1

    venue.cut()
    try:
        _assert_unavailable(venue.save(1, "P1.1", "3", 1))  # an edit of a saved mark
        _assert_unavailable(venue.save(2, "P1.2", "1", 0))  # a first mark
    finally:
        venue.restore()

    # The grid retries the same requests (same value, same version): both succeed, once.
    retried = venue.save(1, "P1.1", "3", 1)
    assert retried.status_code == 200 and retried.get_json()["version"] == 2
    first = venue.save(2, "P1.2", "1", 0)
    assert first.status_code == 200 and first.get_json()["version"] == 1

    e1, e2 = venue.entry_ids[1], venue.entry_ids[2]
    assert venue.marks() == {(e1, "P1.1"): ("3", 2, 2), (e2, "P1.2"): ("1", 1, 1)}


def test_the_database_goes_away_in_the_middle_of_a_save(venue: Venue, monkeypatch):
    if venue.dialect != "postgresql":
        pytest.skip(
            "SQLite holds its write lock from the save's first statement: no one can take it mid-save"
        )
    real = services.commit_save
    calls = []

    def save_then_lose_the_server(*args, **kwargs):
        if not calls:  # the first save has passed its checks (read); the server goes before it writes
            calls.append(1)
            venue.cut()
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "commit_save", save_then_lose_the_server)
    try:
        _assert_unavailable(venue.save(1, "P1.1", "2", 0))
    finally:
        venue.restore()
    assert venue.marks() == {}  # nothing half-written
    saved = venue.save(1, "P1.1", "2", 0)
    assert saved.status_code == 200 and saved.get_json()["version"] == 1
    assert venue.marks() == {(venue.entry_ids[1], "P1.1"): ("2", 1, 1)}


def test_terminated_connections_are_replaced_without_the_judge_noticing(venue: Venue):
    if venue.dialect != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    assert venue.save(1, "P1.1", "1", 0).status_code == 200
    with venue.app.app_context():
        url = db.engine.url
        name = url.database
    # From a connection of our own (not through the relay): end every backend of this database, as a
    # server restart or an administrator would.
    admin = sa.create_engine(url.set(port=_server_port()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ended = conn.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar()
    admin.dispose()
    assert ended >= 1
    saved = venue.save(1, "P1.1", "2", 1)
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    assert venue.marks() == {(venue.entry_ids[1], "P1.1"): ("2", 2, 2)}
