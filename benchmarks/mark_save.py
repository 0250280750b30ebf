"""Mark-save latency: 50 judges autosaving marks at once against gunicorn on 127.0.0.1, beside a bare
Flask route in the same app and server.

Each simulated judge signs in, opens their grid (for the CSRF token), then saves 30 marks, about one
a second (:data:`THINK`), through the JSON endpoint (version checks, core value checks, history, on SQLite the write lock);
then posts as often, at the same pace, to a bare route that returns ``{"ok": true}``. Reported: p50/p95 of both.
ratio = bare p95 ÷ ours p95 (higher is better), target 0.33; the absolute target is p95 < 100 ms.

Needs gunicorn (``pip install gunicorn``). SQLite by default; PostgreSQL when ``BENCH_DATABASE_URL`` is set.
Run: ``.venv/bin/python -m benchmarks.mark_save``
"""

from __future__ import annotations

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
WORKERS = 4
TARGET = 0.33
PASSWORD = "bench-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def setup(url: str, instance: Path) -> int:
    """Database with one event in marking, 50 judges with passwords, 40 numbered entries; event id."""
    from werkzeug.security import generate_password_hash

    from benchmarks.standings import build
    from competition.accounts.models import Role, User
    from competition.extensions import db
    from competition.marking.models import EventMarking

    app, event_id, _ = build(url, instance, entries=ENTRIES, judges_count=JUDGES, marks=False)
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
    """One judge saves :data:`SAVES` marks, then posts as often to the bare route."""
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
        r = session.post(f"{base}/judge/marking/events/{event_id}/marks", json=body, headers=headers)
        ours.append(time.perf_counter() - t)
        time.sleep(THINK * rng.uniform(0.5, 1.5))
        if r.status_code != 200:
            out.setdefault("errors", []).append((r.status_code, r.text[:120]))
    for _ in range(SAVES):
        t = time.perf_counter()
        session.post(f"{base}/bench/bare", json={}, headers=headers)
        bare.append(time.perf_counter() - t)
        time.sleep(THINK * rng.uniform(0.5, 1.5))
    out[name] = (ours, bare)


def main() -> None:
    instance = Path(tempfile.mkdtemp(prefix="bench-marksave-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{instance / 'bench.sqlite3'}"
    from competition.config import sqlalchemy_url

    url = sqlalchemy_url(url)
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
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": f"{instance}:{Path.cwd()}"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench_wsgi:app",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{base}/auth/login", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
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
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=10)
    errors = out.pop("errors", [])
    if not out:
        raise SystemExit(f"no judge finished: {errors[:3]}")
    ours = [x for o, _ in out.values() for x in o]
    bare = [x for _, b in out.values() for x in b]
    p50, p95 = _percentile(ours, 0.5) * 1000, _percentile(ours, 0.95) * 1000
    b50, b95 = _percentile(bare, 0.5) * 1000, _percentile(bare, 0.95) * 1000
    print(
        f"{JUDGES} judges × {SAVES} saves, gunicorn {WORKERS} sync workers, {sa.engine.make_url(url).get_backend_name()}"
    )
    print(
        f"mark save: p50 {p50:.1f} ms, p95 {p95:.1f} ms (mean {statistics.mean(ours) * 1000:.1f} ms); errors {len(errors)} {errors[:3]}"
    )
    print(f"bare route: p50 {b50:.1f} ms, p95 {b95:.1f} ms")
    print(
        f"RESULT mark_save ratio={b95 / p95:.2f} target={TARGET:.2f} p50_ms={p50:.1f} p95_ms={p95:.1f} bare_p95_ms={b95:.1f} p95_target_ms=100"
    )


if __name__ == "__main__":
    main()
