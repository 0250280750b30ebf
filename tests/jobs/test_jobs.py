"""Background jobs: the in-process worker, RQ on Redis, and the event's admission tickets as one PDF."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest

from competition.contests.lifecycle import ContestStatus
from competition.jobs import queue
from competition.registration import draw as drawing
from competition.registration import services
from competition.registration.models import RegistrationChannel
from competition.registration.review import RegistrationStatus
from tests import factories


def counting_task(report, output: Path, *, upto: int) -> str:
    for n in range(1, upto + 1):
        report(n, upto, f"第 {n} 步")
    output.write_text("done", encoding="utf-8")
    return "result.txt"


def failing_task(report, output: Path) -> str:
    raise ValueError("磁盘已满")


@pytest.fixture
def demo_tasks(monkeypatch):
    monkeypatch.setitem(queue.TASKS, "count", "tests.jobs.test_jobs:counting_task")
    monkeypatch.setitem(queue.TASKS, "fail", "tests.jobs.test_jobs:failing_task")


def test_in_process_worker_runs_reports_and_fails_cleanly(app, demo_tasks, tmp_path):
    backend = queue.InProcessBackend()
    state = queue.JobState(id=uuid.uuid4().hex, task="count", owner="user:1")
    backend.enqueue(app, state, {"upto": 3})
    finished = backend.wait(state.id, timeout=30)
    assert (finished.state, finished.done, finished.total, finished.result_name) == (
        "finished",
        3,
        3,
        "result.txt",
    )
    assert queue.result_path(app, state.id).read_text(encoding="utf-8") == "done"
    failed = queue.JobState(id=uuid.uuid4().hex, task="fail", owner="user:1")
    backend.enqueue(app, failed, {})
    assert backend.wait(failed.id, timeout=30).error == "磁盘已满"


def test_jobs_are_visible_to_their_owner_only(app, demo_tasks):
    state = queue.enqueue(app, "count", owner="user:7", upto=1)
    assert queue.get(app, state.id, owner="user:7").state == "finished"
    assert queue.get(app, state.id, owner="user:8") is None


def test_rq_worker_runs_a_job_through_redis(app, demo_tasks, monkeypatch, tmp_path):
    """Against the machine's Redis (127.0.0.1:6379, started by .ci/run), in RQ's own worker."""
    from rq import SimpleWorker

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    backend = queue.RQBackend(url)
    backend.connection.ping()  # fails loudly when Redis is not running
    monkeypatch.setenv("COMPETITION_INSTANCE_PATH", app.instance_path)
    state = queue.JobState(id=uuid.uuid4().hex, task="count", owner="user:1")
    backend.enqueue(app, state, {"upto": 4})
    assert backend.get(state.id).state == "queued"
    SimpleWorker([backend.queue], connection=backend.connection).work(burst=True)
    done = backend.get(state.id)
    assert (done.state, done.done, done.total, done.result_name) == ("finished", 4, 4, "result.txt")
    assert queue.result_path(app, state.id).read_text(encoding="utf-8") == "done"


@pytest.fixture
def published(world):
    world.contest.status = ContestStatus.REGISTRATION_CLOSED
    for i in range(3):
        person = factories.make_competitor(factories.make_unit(f"考点单位{i}"), name=f"考生{'甲乙丙'[i]}")
        entry = services.register(
            world.event,
            [person],
            channel=RegistrationChannel.ORGANIZER,
            actor=None,
            now=factories.NOW,
            unit_id=person.unit_id,
        )
        services.review(entry, RegistrationStatus.APPROVED, actor=None, now=factories.NOW)
    draw = services.commit_draw(
        world.event, drawing.DrawOptions(number_prefix="T"), actor=world.organizer, now=factories.NOW
    )
    services.perform_draw(draw, actor=world.organizer, now=factories.NOW)
    services.publish_draw(draw, actor=world.organizer, now=factories.NOW)
    return world


def test_organizer_prints_every_ticket_of_an_event_as_one_pdf(client, auth, published, tmp_path):
    auth.login("organizer")
    response = client.post(f"/manage/events/{published.event.id}/tickets")
    job_page = response.headers["Location"]
    assert job_page.startswith("/jobs/")
    page = client.get(job_page).get_data(as_text=True)
    assert "已完成" in page
    pdf = client.get(job_page + "/download")
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "tickets.pdf"
    path.write_bytes(pdf.data)
    pdf.close()
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+3$", info, re.M), info
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert all(f"T00{n}" in text for n in (1, 2, 3)) and "考生甲" in text
    auth.logout()
    auth.login("other-organizer")
    assert client.get(job_page).status_code == 404


def test_tickets_before_the_draw_fail_with_a_reason(client, auth, world):
    auth.login("organizer")
    page = client.post(f"/manage/events/{world.event.id}/tickets", follow_redirects=True).get_data(
        as_text=True
    )
    assert "任务失败" in page and "请先审核报名并公布抽签结果" in page
