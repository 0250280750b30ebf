"""Saving marks from several sessions at once: no lost update, no second winner, no missing history.

Each thread has its own app context, so its own session and connection, on a database of its own that
the threads really commit to (the suite's per-test outer transaction would hide the other sessions).
A barrier starts the threads together; nothing waits on time.

The same tests run on both databases, each with its own semantics:

* PostgreSQL (``TEST_DATABASE_URL``): the two saves really run at once. A new mark is
  ``INSERT … ON CONFLICT DO NOTHING`` (the second waits on the unique index, then inserts nothing) and a
  change is ``UPDATE … WHERE version = :expected`` (the second waits on the row lock, then matches
  nothing); the loser gets :class:`StaleMark` with the winner's value.
* SQLite: a save checks first (read only, both threads at once), then takes the database's write lock
  (:func:`services.begin_write`, as the autosave view does), so the writes queue on the busy timeout and
  the second sees the first's committed row: the same one winner and the same refusal, reached by
  waiting instead of by row locks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from competition.accounts.models import Role, User
from competition.errors import DomainError
from competition.extensions import db
from competition.marking import services
from competition.marking.models import Mark, MarkHistory
from tests import factories
from tests.conftest import database_url, migrated_app
from tests.factories import NOW


@dataclass(frozen=True)
class Refused:
    """A save refused as stale, with the value and version the refusal showed."""

    value: str | None
    version: int


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """An app on a database of its own with a marking world committed: (app, ids)."""
    instance = tmp_path_factory.mktemp("concurrency")
    app = migrated_app(database_url(instance, "concurrency"), instance)
    with app.app_context():
        world = factories.make_marking_world()
        extra = [factories.make_user(Role.JUDGE) for _ in range(7)]
        for judge in extra:
            factories.seat(world.event, judge)
        ids = {
            "event": world.event.id,
            # A02 is of unit 1: no judge is kept off it
            "entry": world.entries[1].id,
            "judges": [j.id for j in [*world.judges, *extra]],
        }
        db.session.commit()
        db.session.remove()
    yield app, ids
    with app.app_context():
        db.engine.dispose()


def _together(app, count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` for ``i`` in ``range(count)`` in threads started by one barrier, each in its own
    app context (own session); the return value, or the exception raised, of each."""
    barrier = threading.Barrier(count)
    outcomes: list[object] = [None] * count

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                outcomes[index] = work(index)
                db.session.commit()
            except services.StaleMark as stale:  # read what it shows before the session ends
                current = stale.current
                outcomes[index] = Refused(
                    None if current is None else current.value, 0 if current is None else current.version
                )
                db.session.rollback()
            except Exception as error:  # reported to the test, which says what it expected
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def _save(ids: dict, judge_id: int, code: str, value: str, expected: int) -> services.SaveOutcome:
    """What the autosave view does: the read-only checks, then the write lock (SQLite), then the write."""
    judge = db.session.get(User, judge_id)
    prepared = services.prepare_save(ids["event"], ids["entry"], code, value, judge=judge)
    services.begin_write()  # a no-op on PostgreSQL
    return services.commit_save(prepared, expected_version=expected, now=NOW)


def _stored(app, entry_id: int, code: str, judge_id: int | None) -> tuple[Mark | None, list[int]]:
    with app.app_context():
        query = sa.select(Mark).where(Mark.registration_id == entry_id, Mark.aspect_code == code)
        query = query.where(Mark.judge_id.is_(None) if judge_id is None else Mark.judge_id == judge_id)
        mark = db.session.execute(query).scalar()
        versions = (
            []
            if mark is None
            else list(
                db.session.execute(
                    sa.select(MarkHistory.version)
                    .where(MarkHistory.mark_id == mark.id)
                    .order_by(MarkHistory.version)
                ).scalars()
            )
        )
        db.session.expunge_all()
        db.session.remove()
        return mark, versions


def _one_winner(outcomes: list[object]) -> tuple[services.SaveOutcome, Refused]:
    won = [o for o in outcomes if isinstance(o, services.SaveOutcome)]
    lost = [o for o in outcomes if isinstance(o, Refused)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    return won[0], lost[0]


def test_two_tabs_saving_the_same_mark_over_the_same_version_make_one_winner(shared):
    app, ids = shared
    judge = ids["judges"][1]
    values = ("2", "3")
    # a new mark: both tabs typed over "empty" (version 0)
    won, lost = _one_winner(_together(app, 2, lambda i: _save(ids, judge, "P1.1", values[i], expected=0)))
    assert won.version == 1
    assert (lost.value, lost.version) == (won.value, 1)  # the refusal shows what won
    mark, versions = _stored(app, ids["entry"], "P1.1", judge)
    assert (mark.value, mark.version) == (won.value, 1)
    assert versions == [1]  # exactly one history row: the loser wrote nothing
    # a change: both tabs typed over version 1
    changed = ("0", "1")
    won, lost = _one_winner(_together(app, 2, lambda i: _save(ids, judge, "P1.1", changed[i], expected=1)))
    assert won.version == 2 and won.value in changed
    assert (lost.value, lost.version) == (won.value, 2)
    mark, versions = _stored(app, ids["entry"], "P1.1", judge)
    assert (mark.value, mark.version) == (won.value, 2)  # no lost update: the winner's value stands
    assert versions == [1, 2]


def test_two_judges_recording_the_same_shared_measurement_make_one_winner(shared):
    app, ids = shared
    judges = ids["judges"][1:3]
    values = ("1", "0")
    won, lost = _one_winner(_together(app, 2, lambda i: _save(ids, judges[i], "P1.2", values[i], expected=0)))
    mark, versions = _stored(app, ids["entry"], "P1.2", None)
    assert (mark.value, mark.version) == (won.value, 1)
    assert (lost.value, lost.version) == (won.value, 1)
    assert versions == [1]


def test_every_judge_saving_their_own_marks_of_one_competitor_at_once_succeeds(shared):
    app, ids = shared
    judges = ids["judges"]

    def both(i: int) -> list[services.SaveOutcome]:
        saved = [_save(ids, judges[i], "P2.1", str(30 + i), expected=0)]
        db.session.commit()
        saved.append(_save(ids, judges[i], "P2.1", str(40 + i), expected=1))
        return saved

    outcomes = _together(app, len(judges), both)
    failures = [o for o in outcomes if isinstance(o, Exception | DomainError)]
    assert failures == []
    for i, judge in enumerate(judges):
        assert [(o.value, o.version) for o in outcomes[i]] == [(str(30 + i), 1), (str(40 + i), 2)]
        mark, versions = _stored(app, ids["entry"], "P2.1", judge)
        assert (mark.value, mark.version) == (str(40 + i), 2)
        assert versions == [1, 2]
