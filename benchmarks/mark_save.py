"""Mark-save latency: 50 judges autosaving marks at once against gunicorn on 127.0.0.1, beside a bare
Flask route in the same app and server.

Each simulated judge signs in, opens their grid (for the CSRF token), then saves 30 marks, about one
a second (:data:`THINK`), through the JSON endpoint (version checks, core value checks, history, on SQLite the write lock);
then posts as often, at the same pace, to a bare route that returns ``{"ok": true}``.
ratio = bare p95 ÷ ours p95 (higher is better), target 0.33; the absolute target is p95 < 100 ms.

Served as production would be: gunicorn with threaded workers (gthread) whose scheme cache is warmed at
worker start (``post_worker_init`` → :func:`competition.marking.services.warm_scheme_cache`). Reported:
p50/p95/p99 of both, errors, saves per second. Needs gunicorn (the dev extra). SQLite (a temporary file),
then PostgreSQL when reachable (``BENCH_DATABASE_URL`` or the local ``bench_marking``), one RESULT line each.
Run: ``.venv/bin/python -m benchmarks.mark_save [--db sqlite|postgresql]``
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import requests
import sqlalchemy as sa

JUDGES = 50
ENTRIES = 40
SAVES = 30
THINK = 1.0
"""Seconds a judge takes between two marks (jittered ±50 %): a tablet user types, looks, types."""
SERVERS = {"postgresql": ("gthread", 2, 32), "sqlite": ("sync", 4, 1)}
"""gunicorn (worker class, worker processes, threads each) per database. PostgreSQL: one process per core
of the measuring machine (2) with threads (gthread) — a save mostly waits on the database, so threads
overlap the waits; 32 threads so each of the 25 keep-alive judge connections a process holds gets a
thread. SQLite: one writer at a time whatever the threads, so threads only add waiters on the write lock,
which SQLite's busy handler wakes unfairly (measured: 2 × 16 threads starved some saves past the 10 s
busy timeout); 4 sync workers keep the queue in gunicorn's accept loop instead."""
TARGET = 0.33
PASSWORD = "bench-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def setup(url: str, instance: Path, *, judges: int = JUDGES, entries: int = ENTRIES) -> int:
    """Database with one event in marking, ``judges`` judges (``j0``…) with passwords, ``entries``
    numbered entries; event id."""
    from werkzeug.security import generate_password_hash

    from benchmarks.standings import build
    from competition.accounts.models import Role, User
    from competition.extensions import db
    from competition.marking.models import EventMarking

    app, event_id, _ = build(url, instance, entries=entries, judges_count=judges, marks=False)
    with app.app_context():
        hashed = generate_password_hash(PASSWORD)
        for user in db.session.query(User).filter(User.role == Role.JUDGE):
            user.password_hash = hashed
        db.session.query(EventMarking).update({"signed_off_at": None, "decrypted_at": None})
        db.session.commit()
        db.engine.dispose()
    return event_id


def signed_in(base: str, username: str, event_id: int) -> tuple[requests.Session, dict[str, str]]:
    """A judge's browser session (signed in, grid opened) and the CSRF header to send."""
    s = requests.Session()
    page = s.get(f"{base}/auth/login").text
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page
    )
    token = next(t for t in token.groups() if t)
    s.post(f"{base}/auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    grid = s.get(f"{base}/judge/marking/events/{event_id}/practical/grid?criterion=*").text
    return s, {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"', grid).group(1)}


def judge_run(base, event_id, session, headers, codes, ids, out, name, start) -> None:
    """One judge saves :data:`SAVES` marks, then posts as often to the bare route. A request that fails
    (status other than 200, or a dropped connection) is an error; the judge then goes on."""
    start.wait(timeout=120)
    rng = random.Random(name)
    ours, bare = [], []
    for n in range(SAVES):
        body = {
            "registration_id": ids[n % len(ids)],
            "aspect": codes[n % len(codes)],
            "value": str(n % 4),
            "version": 0,
        }
        t = time.perf_counter()
        try:
            r = session.post(f"{base}/judge/marking/events/{event_id}/marks", json=body, headers=headers)
        except requests.RequestException as error:
            out.setdefault("errors", []).append(("save", type(error).__name__))
            continue
        finally:
            ours.append(time.perf_counter() - t)
            time.sleep(THINK * rng.uniform(0.5, 1.5))
        if r.status_code != 200:
            out.setdefault("errors", []).append((r.status_code, r.text[:120]))
    for _ in range(SAVES):
        t = time.perf_counter()
        try:
            session.post(f"{base}/bench/bare", json={}, headers=headers)
        except requests.RequestException as error:
            out.setdefault("errors", []).append(("bare", type(error).__name__))
        bare.append(time.perf_counter() - t)
        time.sleep(THINK * rng.uniform(0.5, 1.5))
    out[name] = (ours, bare)


GUNICORN_CONFIG = """
# Written by benchmarks.mark_save; the scheme cache is warmed before the first request.
worker_class = "{kind}"
workers = {workers}
threads = {threads}


def post_worker_init(worker):
    from competition.extensions import db
    from competition.marking import services

    with worker.wsgi.app_context():
        services.warm_scheme_cache()
        db.session.remove()
"""


@contextlib.contextmanager
def serve(
    instance: Path,
    *,
    kind: str,
    workers: int,
    threads: int,
    env: dict[str, str] | None = None,
    extra: str = "",
):
    """Serve ``bench_wsgi:app`` (a module written in ``instance``) with gunicorn on a free port of
    127.0.0.1, configured by :data:`GUNICORN_CONFIG` plus the settings in ``extra`` (Python lines);
    yields the base URL once the server answers and stops the server afterwards. ``env`` adds
    environment variables for the server."""
    config = instance / "gunicorn_conf.py"
    config.write_text(GUNICORN_CONFIG.format(kind=kind, workers=workers, threads=threads) + extra)
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(config),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench_wsgi:app",
        ],
        env={**os.environ, **(env or {}), "PYTHONPATH": f"{instance}:{Path.cwd()}"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{base}/auth/login", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def run(url: str) -> dict:
    """Set up ``url``, serve it with gunicorn, run the judges; the latencies and errors."""
    instance = Path(tempfile.mkdtemp(prefix="bench-marksave-"))
    event_id = setup(url, instance)
    module = instance / "bench_wsgi.py"
    module.write_text(
        textwrap.dedent(f"""
        from flask import jsonify
        from competition.app import create_app
        from competition.extensions import csrf
        app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "INSTANCE_PATH": {str(instance)!r}, "SHOW_DEMO_LOGINS": False, "RATELIMIT_ENABLED": False}})

        @app.post("/bench/bare")
        @csrf.exempt
        def bare():
            return jsonify(ok=True)
    """)
    )
    kind, workers, threads_each = SERVERS[sa.engine.make_url(url).get_backend_name()]
    with serve(instance, kind=kind, workers=workers, threads=threads_each) as base:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            ids = conn.execute(sa.text("SELECT id FROM registration ORDER BY id")).scalars().all()
        engine.dispose()
        codes = [f"C{c}.{a}" for c in range(1, 5) for a in range(1, 11)]
        out: dict = {}
        barrier = threading.Barrier(JUDGES)
        sessions = [signed_in(base, f"j{i}", event_id) for i in range(JUDGES)]  # sign-ins are not measured
        threads = [
            threading.Thread(
                target=judge_run,
                args=(
                    base,
                    event_id,
                    *sessions[i],
                    codes,
                    ids[i % len(ids) :] + ids[: i % len(ids)],
                    out,
                    f"j{i}",
                    barrier,
                ),
            )
            for i in range(JUDGES)
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    errors = out.pop("errors", [])
    if not out:
        raise SystemExit(f"no judge finished: {errors[:3]}")
    return {
        "db": sa.engine.make_url(url).get_backend_name(),
        "ours": [x for o, _ in out.values() for x in o],
        "bare": [x for _, b in out.values() for x in b],
        "errors": errors,
        "elapsed": elapsed,
        "server": (kind, workers, threads_each),
    }


def report(found: dict) -> None:
    """Print one database's latencies and its RESULT line."""
    ours, bare = found["ours"], found["bare"]
    p50, p95, p99 = (_percentile(ours, q) * 1000 for q in (0.5, 0.95, 0.99))
    b50, b95, b99 = (_percentile(bare, q) * 1000 for q in (0.5, 0.95, 0.99))
    # each judge saves, then posts to the bare route, at the same pace: half the run each
    rate = len(ours) / (found["elapsed"] / 2)
    errors = found["errors"]
    print(
        f"{found['db']}: {JUDGES} judges × {SAVES} saves, gunicorn {found['server'][1]} "
        f"{found['server'][0]} workers × {found['server'][2]} threads"
    )
    print(
        f"  mark save: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms (mean {statistics.mean(ours) * 1000:.1f} ms); "
        f"{len(ours)} saves at {rate:.1f}/s; errors {len(errors)} {errors[:3]}"
    )
    print(f"  bare route: p50 {b50:.1f} ms, p95 {b95:.1f} ms, p99 {b99:.1f} ms")
    print(
        f"RESULT mark_save ratio={b95 / p95:.2f} target={TARGET:.2f} p50_ms={p50:.1f} p95_ms={p95:.1f} "
        f"p99_ms={p99:.1f} bare_p95_ms={b95:.1f} p95_target_ms=100 errors={len(errors)} "
        f"saves_per_s={rate:.1f} db={found['db']}"
    )


def main(argv: list[str] | None = None) -> None:
    """SQLite always; then PostgreSQL (``BENCH_DATABASE_URL`` or the local ``bench_marking``) when it
    answers. ``--db sqlite`` or ``--db postgresql`` runs one."""
    import argparse

    from benchmarks.standings import postgresql_url

    parser = argparse.ArgumentParser(prog="python -m benchmarks.mark_save")
    parser.add_argument("--db", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args(argv)
    found = []
    if args.db in ("both", "sqlite"):
        found.append(
            run(f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-marksave-db-')) / 'bench.sqlite3'}")
        )
    if args.db in ("both", "postgresql"):
        url = postgresql_url()
        if url is not None:
            found.append(run(url))
        elif args.db == "postgresql":
            raise SystemExit("PostgreSQL is not reachable")
    for one in found:
        report(one)


if __name__ == "__main__":
    main()
