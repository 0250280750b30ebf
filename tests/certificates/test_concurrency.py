"""Numbers under concurrency and batches shared by several workers, on a database of their own where
each worker commits for real: on PostgreSQL with threads started together at a barrier (``SELECT …
FOR UPDATE`` on the counter, ``SKIP LOCKED`` claims); on SQLite, which has one writer at a time,
the same workers one after another."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from competition.certificates import jobs, services
from competition.certificates.models import (
    Certificate,
    CertificateCounter,
    CertificateRequest,
    RequestState,
)
from competition.certificates.requests import request_certificate
from competition.certificates.storage import LocalStorage
from competition.extensions import db
from tests import factories
from tests.conftest import database_url, migrated_app
from tests.factories import NOW

WORKERS = 4


@pytest.fixture(scope="module")
def own_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("cert-concurrency")
    app = migrated_app(database_url(instance, "certconc"), instance)
    yield app
    with app.app_context():
        db.engine.dispose()


def _postgres(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def _run(app: Flask, workers: list) -> list:
    """Run each worker in its own app context (own session and connection): at once behind a barrier
    on PostgreSQL, in turn on SQLite. Returns their results; re-raises the first error."""
    results: list = [None] * len(workers)
    errors: list[BaseException] = []
    concurrent = _postgres(app)
    barrier = threading.Barrier(len(workers)) if concurrent else None

    def run(i: int) -> None:
        with app.app_context():
            try:
                if barrier is not None:
                    barrier.wait(timeout=30)
                results[i] = workers[i]()
            except BaseException as error:
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    if concurrent:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    else:
        for i in range(len(workers)):
            run(i)
    if errors:
        raise errors[0]
    return results


def test_serials_are_unique_and_gap_free_under_concurrency(own_app):
    sequence = f"TEST:{threading.get_ident()}:2026"

    def take() -> list[int]:
        taken = []
        for _ in range(5):
            taken.append(services.next_serials(sequence))
            db.session.commit()
        return taken

    taken = [n for got in _run(own_app, [take] * WORKERS) for n in got]
    assert sorted(taken) == list(range(1, 5 * WORKERS + 1))
    with own_app.app_context():
        last = db.session.scalar(
            sa.select(CertificateCounter.last_serial).where(CertificateCounter.sequence == sequence)
        )
        assert last == 5 * WORKERS


def test_a_rolled_back_serial_is_taken_again(own_app):
    sequence = "TEST:rollback:2026"
    with own_app.app_context():
        assert services.next_serials(sequence, 3) == 1
        db.session.rollback()
        assert services.next_serials(sequence, 2) == 1
        db.session.commit()
        assert services.next_serials(sequence) == 3
        db.session.commit()
        db.session.remove()


def _fake_render(documents, processes):
    # The workers' concern here is claiming and numbering, not layout: a tiny stand-in PDF each.
    return [f"%PDF-1.7 fake {d.certificate_number}".encode() for d in documents]


def test_several_workers_share_one_batch_without_duplicates_or_gaps(own_app, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(services, "_render_many", _fake_render)
    with own_app.app_context():
        body = factories.make_body()
        contest = factories.make_contest(body)
        unit = factories.make_unit()
        for i in range(24):
            person = factories.make_competitor(unit, name=f"并发{i}")
            request_certificate(
                "honour",
                person.id,
                {"contest_id": contest.id, "honour_title": "技术能手"},
                f"concurrency:{contest.id}:{i}",
                now=NOW,
            )
        db.session.commit()
        contest_id, body_id = contest.id, body.id
        db.session.remove()

    context = services.IssueContext("https://cert.example.org", LocalStorage(tmp_path), processes=0)
    first_claims = threading.Barrier(2) if _postgres(own_app) else None

    def checkpoint(stage: str, chunk: int) -> None:
        if stage == "claimed" and chunk == 1 and first_claims is not None:
            # Both workers hold their first claim at once: SKIP LOCKED must give them different rows.
            first_claims.wait(timeout=30)

    monkeypatch.setattr(jobs, "_checkpoint", checkpoint)

    def worker() -> int:
        return jobs.issue_pending(
            lambda *a: None, contest_id=contest_id, event_id=None, context=context, actor=None, chunk=5
        )

    counts = _run(own_app, [worker, worker])
    assert sum(counts) == 24
    if first_claims is not None:
        assert all(count > 0 for count in counts), counts
    with own_app.app_context():
        rows = db.session.execute(
            sa.select(Certificate.request_id, Certificate.serial).where(Certificate.contest_id == contest_id)
        ).all()
        assert len({r.request_id for r in rows}) == len(rows) == 24
        assert sorted(r.serial for r in rows) == list(range(1, 25))
        pending = services.pending_count(contest_id=contest_id)
        assert pending == 0
        numbers = db.session.scalars(
            sa.select(Certificate.number).where(Certificate.body_id == body_id)
        ).all()
        assert len(set(numbers)) == 24
        states = db.session.scalars(
            sa.select(CertificateRequest.state).where(CertificateRequest.contest_id == contest_id)
        ).all()
        assert set(states) == {RequestState.ISSUED}
        db.session.remove()
