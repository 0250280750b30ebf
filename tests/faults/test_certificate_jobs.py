"""Faults of the certificate batch job (competition/certificates/jobs.py) on a database of its own
where every chunk commits for real:

* the worker process is killed (SIGKILL, from outside) half-way, while a chunk's PDFs are written and
  its numbers drawn but not committed: running the job again issues exactly the rest, with no number
  used twice and none skipped;
* the disk fills while PDFs are written (the kernel's own ``ENOSPC``: the store's files are opened on
  ``/dev/full`` from a chosen write on): the job fails with a clear message, the failing chunk leaves
  no certificate, no number and no partial file, and once there is room the same job finishes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from competition.certificates import storage as storage_module
from competition.certificates.models import Certificate, CertificateCounter, CertificateRequest, RequestState
from competition.certificates.requests import request_certificate
from competition.config import PROJECT_ROOT
from competition.extensions import db
from competition.jobs import queue
from tests import factories
from tests.conftest import database_url, migrated_app
from tests.factories import NOW

PEOPLE = 9
CHUNK = 3


@pytest.fixture
def batch(tmp_path: Path) -> Iterator[tuple[Flask, int]]:
    """An app on its own database with a contest of :data:`PEOPLE` pending honour certificates; the
    store is ``<tmp>/store``. Yields the app and the contest id."""
    app = migrated_app(
        database_url(tmp_path, "certfaults"), tmp_path, CERT_STORAGE_DIR=str(tmp_path / "store")
    )
    with app.app_context():
        contest = factories.make_contest(factories.make_body())
        unit = factories.make_unit()
        for i in range(PEOPLE):
            person = factories.make_competitor(unit, name=f"故障{i}")
            request_certificate(
                "honour",
                person.id,
                {"contest_id": contest.id, "honour_title": "技术能手"},
                f"faults:{contest.id}:{i}",
                now=NOW,
            )
        db.session.commit()
        contest_id = contest.id
        db.session.remove()
    yield app, contest_id
    with app.app_context():
        db.engine.dispose()


def _issued(app: Flask, contest_id: int) -> list[Certificate]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                sa.select(Certificate)
                .where(Certificate.contest_id == contest_id)
                .order_by(Certificate.serial)
            )
        )
        db.session.expunge_all()
        db.session.remove()
        return rows


def _state(app: Flask, contest_id: int) -> tuple[list[int], int, int]:
    """(serials issued, pending requests, the counter's last serial)."""
    with app.app_context():
        serials = [c.serial for c in _issued(app, contest_id)]
        pending = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CertificateRequest)
            .where(
                CertificateRequest.contest_id == contest_id, CertificateRequest.state == RequestState.PENDING
            )
        )
        counter = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.max(CertificateCounter.last_serial), 0))
        )
        db.session.remove()
        return serials, pending, counter


def _assert_complete(app: Flask, contest_id: int, store: Path) -> list[Certificate]:
    """Every request issued once, serials 1…PEOPLE, each stored PDF whole (size and SHA-256)."""
    import hashlib

    certificates = _issued(app, contest_id)
    assert [c.serial for c in certificates] == list(range(1, PEOPLE + 1))
    assert len({c.request_id for c in certificates}) == PEOPLE
    assert len({c.number for c in certificates}) == PEOPLE
    assert _state(app, contest_id)[1:] == (0, PEOPLE)
    for c in certificates:
        data = (store / c.storage_key).read_bytes()
        assert len(data) == c.size and hashlib.sha256(data).hexdigest() == c.sha256
    assert not list(store.rglob(".tmp-*")), "a partial file was left in the store"
    return certificates


def _run_job(app: Flask, contest_id: int, output: Path) -> queue.JobState:
    """The certificate job as a worker runs it (``queue._run``); its last state."""
    states: list[queue.JobState] = []
    state = queue.JobState(id="fault-job", task="certificates", owner="organizer")
    params = {"contest_id": contest_id, "base_url": "https://cert.example.org", "chunk": CHUNK}
    queue._run(app, state, params, states.append)
    return states[-1]


def _wait_until_the_server_ends_its_session(app: Flask) -> None:
    """PostgreSQL ends a killed client's session (rolling back its transaction, releasing its row
    locks) when it reads the closed socket; wait for that, or the next claim would skip the rows the
    dead session still locks. SQLite's lock went with the process."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        for _ in range(300):
            open_transactions = db.session.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            )
            db.session.rollback()
            if not open_transactions:
                break
            time.sleep(0.1)
        db.session.remove()


WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from competition.app import create_app
    from competition.certificates import jobs

    url, instance, store, marker, contest_id = sys.argv[1:6]

    def checkpoint(stage, chunk):
        if stage == "rendered" and chunk == 2:  # PDFs written, numbers drawn, nothing committed
            Path(marker).write_text("chunk 2 rendered")
            time.sleep(300)  # the test kills this process here

    jobs._checkpoint = checkpoint
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance, "CERT_STORAGE_DIR": store,
        "REDIS_URL": None, "PDF_PROCESSES": 0, "SHOW_DEMO_LOGINS": False,
    })
    with app.app_context():
        jobs.issue_and_print(lambda *a: None, Path(instance) / "out.pdf", contest_id=int(contest_id),
                             base_url="https://cert.example.org", chunk=int(sys.argv[6]))
    """
)


def test_a_worker_killed_half_way_resumes_without_duplicate_or_skipped_numbers(batch, tmp_path):
    app, contest_id = batch
    store, marker = tmp_path / "store", tmp_path / "killed-here"
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WORKER,
            url,
            str(tmp_path),
            str(store),
            str(marker),
            str(contest_id),
            str(CHUNK),
        ],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        cwd=PROJECT_ROOT,
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert worker.poll() is None, f"the worker ended early ({worker.returncode})"
            assert time.monotonic() < deadline, "the worker never reached chunk 2"
            time.sleep(0.1)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL
    _wait_until_the_server_ends_its_session(app)

    # The first chunk is committed; the second died with its worker: its three PDFs were written but
    # its numbers were never committed.
    serials, pending, counter = _state(app, contest_id)
    assert (serials, pending, counter) == ([1, 2, 3], PEOPLE - CHUNK, CHUNK)
    assert len(list(store.rglob("*.pdf"))) == 2 * CHUNK

    finished = _run_job(app, contest_id, tmp_path)
    assert finished.state == "finished", finished.error
    certificates = _assert_complete(app, contest_id, store)
    # The killed chunk's files stay as unreferenced orphans (random names, never reused).
    referenced = {store / c.storage_key for c in certificates}
    assert len(set(store.rglob("*.pdf")) - referenced) == CHUNK
    assert len(PdfReader(queue.result_path(app, "fault-job")).pages) == PEOPLE


@pytest.fixture
def disk(monkeypatch) -> dict:
    """A disk with room for ``room`` more certificate files (``None``: plenty): from then on the store
    opens its temporary files on ``/dev/full``, whose writes fail with the kernel's ENOSPC."""
    limit: dict = {"room": None}
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        fd, path = real(*args, **kwargs)
        if limit["room"] is not None and kwargs.get("prefix") == ".tmp-":  # LocalStorage.put's files
            if limit["room"] <= 0:
                full = os.open("/dev/full", os.O_WRONLY)
                os.dup2(full, fd)
                os.close(full)
            limit["room"] -= 1
        return fd, path

    monkeypatch.setattr(storage_module.tempfile, "mkstemp", mkstemp)
    return limit


def test_a_full_disk_fails_the_job_cleanly_and_the_retry_finishes_it(batch, disk, tmp_path):
    app, contest_id = batch
    store = tmp_path / "store"
    disk["room"] = CHUNK + 1  # the first chunk fits; the second fails on its second file

    failed = _run_job(app, contest_id, tmp_path)
    assert failed.state == "failed"
    assert "存储空间已满" in failed.error and "没有占用证书编号" in failed.error
    assert "已签发并保存 3 张" in failed.error and "其余 6 张" in failed.error
    serials, pending, counter = _state(app, contest_id)
    assert (serials, pending, counter) == ([1, 2, 3], PEOPLE - CHUNK, CHUNK)
    assert not list(store.rglob(".tmp-*")), "a partial file was left in the store"
    assert not queue.result_path(app, "fault-job").exists()

    disk["room"] = None  # room made
    finished = _run_job(app, contest_id, tmp_path)
    assert finished.state == "finished", finished.error
    _assert_complete(app, contest_id, store)


def test_a_full_disk_while_writing_the_print_file_keeps_the_certificates(batch, tmp_path, monkeypatch):
    app, contest_id = batch
    real_open = Path.open

    def open_on_full_disk(self, mode="r", *args, **kwargs):
        if self.name.endswith(".partial") and "w" in mode:
            handle = real_open(self, mode, *args, **kwargs)
            full = os.open("/dev/full", os.O_WRONLY)
            os.dup2(full, handle.fileno())
            os.close(full)
            return handle
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_on_full_disk)
    failed = _run_job(app, contest_id, tmp_path)
    assert failed.state == "failed" and "磁盘空间不足，打印文件没有生成" in failed.error
    result = queue.result_path(app, "fault-job")
    assert not result.exists() and not result.with_name(result.name + ".partial").exists()
    monkeypatch.setattr(Path, "open", real_open)
    _assert_complete(app, contest_id, tmp_path / "store")  # issued, whole, numbered 1…9

    finished = _run_job(app, contest_id, tmp_path)  # nothing left to issue: prints the same nine
    assert finished.state == "finished", finished.error
    assert _state(app, contest_id)[2] == PEOPLE
    assert len(PdfReader(result).pages) == PEOPLE
