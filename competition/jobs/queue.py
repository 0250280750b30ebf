"""Run long work (batch PDFs, large imports) outside the request, with progress the page can poll.

Two backends with one interface:

* **RQ** when ``REDIS_URL`` is set: jobs go to the ``competition`` queue and run in
  ``flask jobs worker`` processes (any number, on any machine sharing Redis); state and progress live
  in the RQ job's ``meta``.
* **In-process** otherwise (``make run`` with SQLite): one worker thread in the web process; state is
  kept in memory, so it is lost when the process restarts — fine for a single-machine installation.

A task is a function ``task(report, output: Path, **params) -> str`` named in :data:`TASKS` (explicit,
no discovery). It runs inside an application context, calls ``report(done, total, message)`` as it
goes, writes its result file to ``output`` and returns the download name. Results are stored under
``<instance>/jobs/``. Jobs record their owner so only the person who started one can read it.
"""

from __future__ import annotations

import importlib
import threading
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flask import Flask

from competition.errors import N_, DomainError, Msg, Text, from_data, marked_data, to_data

#: Task name → "module:function". Add new tasks here.
TASKS: dict[str, str] = {
    "admission_tickets": "competition.registration.jobs:render_event_tickets",
    "certificates": "competition.certificates.jobs:issue_and_print",
}

QUEUE_NAME = "competition"
_ABORTED = N_("后台任务异常终止，请重试。")
Reporter = Callable[[int, int, str], None]


@dataclass(frozen=True)
class JobState:
    """What the page shows: ``state`` is queued, running, finished or failed; ``done``/``total``
    count the task's units (e.g. tickets); ``result_name`` is the download name once finished."""

    id: str
    task: str
    owner: str
    state: str = "queued"
    done: int = 0
    total: int = 0
    message: str = ""
    result_name: str | None = None
    error: str | None = None
    #: ``message`` and ``error`` as stored marked messages (:func:`competition.errors.to_data`), so the
    #: page shows them in the reader's language; ``None`` for plain text (shown as it is).
    message_data: Any = None
    error_data: Any = None

    @property
    def shown_message(self) -> Any:
        """The progress message for the page: a marked message (translated where shown) or text."""
        return from_data(self.message_data, self.message) if self.message_data is not None else self.message

    @property
    def shown_error(self) -> Any:
        """The failure for the page: a marked message (translated where shown) or text."""
        return from_data(self.error_data, self.error) if self.error_data is not None else self.error

    @property
    def percent(self) -> int:
        """Progress as a whole percentage (0–100)."""
        if self.state == "finished":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


def result_path(app: Flask, job_id: str) -> Path:
    """Where a job's result file lives (``<instance>/jobs/<id>``)."""
    folder = Path(app.instance_path) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / job_id


def _resolve(task: str) -> Callable[..., str]:
    module, _, name = TASKS[task].partition(":")
    return getattr(importlib.import_module(module), name)


def _run(app: Flask, state: JobState, params: dict[str, Any], save: Callable[[JobState], None]) -> None:
    """Run one task in an app context, saving state as it progresses; never raises."""
    current = replace(state, state="running")
    save(current)

    def report(done: int, total: int, message: str = "") -> None:
        nonlocal current
        current = replace(
            current, done=done, total=total, message=str(message), message_data=marked_data(message)
        )
        save(current)

    try:
        with app.app_context():
            name = _resolve(state.task)(report, result_path(app, state.id), **params)
        save(replace(current, state="finished", result_name=name, message="", message_data=None))
    except Exception as error:  # a failed job is reported on the page, not lost
        app.logger.error("job %s (%s) failed:\n%s", state.id, state.task, traceback.format_exc())
        text = getattr(error, "message", None) or str(error) or error.__class__.__name__
        shown: Any = text
        if isinstance(error, DomainError):
            shown = error.text
        elif len(error.args) == 1 and isinstance(error.args[0], (Msg, Text)):  # e.g. a StorageError
            shown = error.args[0]
        save(replace(current, state="failed", error=text, error_data=marked_data(shown)))


class InProcessBackend:
    """One background thread in this process; state in memory.

    With ``eager`` the task runs at once in the caller's thread (``JOBS_EAGER``, for tests, like
    RQ's ``is_async=False``), so it shares the caller's database transaction.
    """

    def __init__(self, *, eager: bool = False) -> None:
        self._states: dict[str, JobState] = {}
        self._futures: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._eager = eager
        self._pool = (
            None if eager else ThreadPoolExecutor(max_workers=1, thread_name_prefix="competition-job")
        )

    def _save(self, state: JobState) -> None:
        with self._lock:
            self._states[state.id] = state

    def enqueue(self, app: Flask, state: JobState, params: dict[str, Any]) -> None:
        self._save(state)
        if self._pool is None:
            _run(app, state, params, self._save)
        else:
            self._futures[state.id] = self._pool.submit(_run, app, state, params, self._save)

    def wait(self, job_id: str, timeout: float) -> JobState | None:
        """Block until the job has run (or ``timeout`` seconds pass); returns its state."""
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)
        return self.get(job_id)

    def get(self, job_id: str) -> JobState | None:
        with self._lock:
            return self._states.get(job_id)


class RQBackend:
    """Jobs on a Redis queue, run by ``flask jobs worker``."""

    def __init__(self, url: str) -> None:
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(url)
        self.queue = Queue(QUEUE_NAME, connection=self.connection)

    def enqueue(self, app: Flask, state: JobState, params: dict[str, Any]) -> None:
        self.queue.enqueue(
            "competition.jobs.queue.run_in_worker",
            state.task,
            state.owner,
            params,
            job_id=state.id,
            meta=_meta(state),
            job_timeout=3600,
            result_ttl=7 * 86400,
            failure_ttl=7 * 86400,
        )

    def get(self, job_id: str) -> JobState | None:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        try:
            job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return None
        meta = job.get_meta(refresh=True)
        state = JobState(
            id=job_id, **{k: meta[k] for k in JobState.__dataclass_fields__ if k in meta and k != "id"}
        )
        if job.is_failed and state.state != "failed":
            if not state.error:
                state = replace(state, error=str(_ABORTED), error_data=to_data(_ABORTED))
            state = replace(state, state="failed")
        return state


def _meta(state: JobState) -> dict[str, Any]:
    return {k: getattr(state, k) for k in JobState.__dataclass_fields__ if k != "id"}


def run_in_worker(task: str, owner: str, params: dict[str, Any]) -> None:
    """Entry point of an RQ job: builds the app from the environment and runs the task."""
    from rq import get_current_job

    from competition.app import create_app

    job = get_current_job()

    def save(state: JobState) -> None:
        job.meta.update(_meta(state))
        job.save_meta()

    _run(create_app(), JobState(id=job.id, task=task, owner=owner), params, save)


_backends: dict[str, Any] = {}
_backends_lock = threading.Lock()


def backend(app: Flask) -> InProcessBackend | RQBackend:
    """The backend for ``app``'s configuration (one per Redis URL, or one in-process per app)."""
    url = app.config.get("REDIS_URL")
    key = url or f"in-process:{id(app)}"
    with _backends_lock:
        if key not in _backends:
            _backends[key] = (
                RQBackend(url) if url else InProcessBackend(eager=bool(app.config.get("JOBS_EAGER")))
            )
        return _backends[key]


def enqueue(app: Flask, task: str, *, owner: str, **params: Any) -> JobState:
    """Start ``task`` (a key of :data:`TASKS`) with JSON-safe ``params``; returns its first state."""
    if task not in TASKS:
        raise KeyError(task)
    # Views pass ``current_app``: the worker thread needs the app itself, not the context-bound proxy
    # (whose id also differs from the app's, so the job would land in another backend).
    app = getattr(app, "_get_current_object", lambda: app)()
    state = JobState(id=uuid.uuid4().hex, task=task, owner=owner)
    backend(app).enqueue(app, state, params)
    return state


def get(app: Flask, job_id: str, *, owner: str) -> JobState | None:
    """The job's state, or ``None`` when it does not exist or belongs to someone else."""
    app = getattr(app, "_get_current_object", lambda: app)()
    state = backend(app).get(job_id)
    if state is None or state.owner != owner:
        return None
    return state
