"""Load test of a venue day: 200 judges saving marks while 2,000 people check results and certificates,
for 60 s, against gunicorn on 127.0.0.1 with PostgreSQL and Redis; then a check that every mark sent
was stored exactly once.

Run: ``.venv/bin/python -m benchmarks.load`` (options: ``--judges``, ``--people``, ``--seconds``,
``--judge-think``, ``--person-think``; ``--help``). Needs PostgreSQL (``LOAD_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/h_reliability_load``, emptied and migrated by the run) and Redis
(``LOAD_REDIS_URL``, default ``redis://127.0.0.1:6379/7``); gunicorn from the dev extra. Everything
listens on and connects to 127.0.0.1 only; the run ends after ``--seconds`` plus the people's last
steps (bounded: every request has a 30 s timeout).

**Workload.**

* Judges (one keep-alive connection each): signed in and on their grid before the clock
  starts (sign-ins are not measured); then each saves marks through the autosave endpoint until the
  time is up, one every ``--judge-think`` seconds (jittered ±50 %). Four saves in five are a new cell,
  every fifth changes one of the judge's earlier cells (with its version), as corrections do.
* People (one new connection each, arriving evenly over the first ``seconds - 4 ×
  person_think`` seconds): the portal's front page, the contest's page, a certificate's QR link
  (``/verify/<code>``), then the look-up by number and name (form, then POST) — ``--person-think``
  seconds (±50 %) apart. Certificate checks are *public look-ups* and so rate-limited per client
  address (30 a minute, 300 an hour, counted in Redis). All simulated people come from 127.0.0.1, so
  the server runs as it would behind a reverse proxy, ``TRUSTED_PROXIES=1``, and each person sends
  their own ``X-Forwarded-For`` address (10.x.y.z): the limits stay on, at their production values,
  and are counted per person as in production. (Without a trusted proxy every visitor would share
  127.0.0.1 and the 31st check of the minute would get 429, which is the limiter working, not a load
  result.)

**Clients.** One asyncio event loop with aiohttp, each judge and each person a browser of their own
(own cookie jar, one keep-alive connection). The clients share the server's cores, so they must cost
little: with a thread per client (``requests``, up to 2,200 threads) they took 20–24 CPU s a run and
their threads queued for one interpreter lock, which added its wait to every latency measured.

**Server.** gunicorn, 2 gthread workers × 16 threads (see :data:`SERVER`),
scheme cache warmed at worker start, ``REDIS_URL`` set (rate-limit counters and jobs in Redis).

**Reported.** Requests, throughput, p50/p95/p99 per kind and overall, errors (any status other than
the expected one, or no answer); target: no errors, p95 under 200 ms. Then, from the database: each
judge's marks are exactly the cells that judge saved (count), with the value and version the last
answered save returned, and one history row per answered save. A save that got no answer (timeout)
would be unknowable to the judge too: it is counted and reported, never silently accepted.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import resource
import statistics
import tempfile
import textwrap
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import requests
import sqlalchemy as sa

from benchmarks.mark_save import PASSWORD, _percentile, serve, setup

JUDGES = 200
PEOPLE = 2000
SECONDS = 60.0
JUDGE_THINK = 3.0
"""Seconds between two saves of one judge (±50 %): read the aspect, look at the work, enter the mark."""
PERSON_THINK = 3.0
"""Seconds between two steps of a person checking results (±50 %)."""
ENTRIES = 40
CERTIFICATES = 60
TARGET_P95_MS = 200.0
SERVER = ("gthread", 2, 16)
"""gunicorn (worker class, processes, threads each): a process per core; 16 threads, each with its own
pooled database connection (``pool_size`` 16, no overflow: 32 connections of PostgreSQL's 100, shared
with other clients on this machine). With more threads than pooled connections, requests wait for a
connection and give up after 30 s under overload (measured with 32 threads on a pool of 5 + 10)."""
GUNICORN_EXTRA = "\nkeepalive = 75\n"
"""Idle keep-alive connections are kept 75 s, as nginx's default ``keepalive_timeout`` in front of the
platform would (gunicorn's own default, 2 s, is shorter than a judge's pause between two marks: the
server would close the tablet's connection just as it sends the next save)."""
TIMEOUT = 30
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/h_reliability_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
CODES = [f"C{c}.{a}" for c in range(1, 5) for a in range(1, 11)]
"""The judgement aspects of :func:`benchmarks.standings.scheme_workbook` (values 0–3)."""


@dataclass
class Tally:
    """What the clients saw: latencies per request kind, errors, and each judge's answered saves."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[tuple[str, str]] = field(default_factory=list)
    unanswered_saves: int = 0
    # judge username → (registration id, aspect) → (value, version, answered saves)
    saved: dict[str, dict[tuple[int, str], tuple[str, int, int]]] = field(default_factory=dict)

    async def timed(self, kind: str, session, method: str, url: str, expected: int = 200, **kwargs):
        """Send one request with ``session`` (an :class:`aiohttp.ClientSession`) and read its whole body;
        record the latency (from sending to the last byte) under ``kind``. Returns ``(status, text)``,
        or ``None`` when the server did not answer within :data:`TIMEOUT`."""
        started = time.perf_counter()
        try:
            async with session.request(method, url, **kwargs) as response:
                text = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as error:
            self.errors.append((kind, f"{type(error).__name__}: {error}"[:160]))
            return None
        self.latencies[kind].append(time.perf_counter() - started)
        if status != expected:
            self.errors.append((kind, f"{status} {text[:120]!r}"))
        return status, text


def seed_certificates(url: str, instance: Path, count: int) -> tuple[int, list[tuple[str, str, str]]]:
    """Issue ``count`` honour certificates (really rendered and stored) in a contest of their own that
    the portal shows; returns the contest id and (verify code, number, holder name) of each."""
    from competition.app import create_app
    from competition.certificates import jobs, services
    from competition.certificates.models import Certificate
    from competition.certificates.requests import request_certificate
    from competition.certificates.storage import LocalStorage
    from competition.contests.lifecycle import ContestStatus
    from competition.extensions import db
    from tests import factories

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "REDIS_URL": None})
    with app.app_context():
        contest = factories.make_contest(factories.make_body("负载测试人社局"), status=ContestStatus.FINAL)
        unit = factories.make_unit("负载测试单位")
        for i in range(count):
            person = factories.make_competitor(unit, name=f"查询{i:04d}")
            request_certificate(
                "honour",
                person.id,
                {"contest_id": contest.id, "honour_title": "技术能手"},
                f"load:{contest.id}:{i}",
                now=factories.NOW,
            )
        db.session.commit()
        context = services.IssueContext(
            "http://127.0.0.1", LocalStorage(instance / "certificates"), processes=2
        )
        jobs.issue_pending(lambda *a: None, contest_id=contest.id, event_id=None, context=context, actor=None)
        found = [
            (c.verify_code, c.number, c.holder_name)
            for c in db.session.scalars(sa.select(Certificate).where(Certificate.contest_id == contest.id))
        ]
        contest_id = contest.id
        db.session.remove()
        db.engine.dispose()
    return contest_id, found


def _client_session(**headers: str) -> aiohttp.ClientSession:
    """A browser: its own cookie jar (cookies of 127.0.0.1 accepted) and one keep-alive connection."""
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        connector=aiohttp.TCPConnector(limit=1, force_close=False),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT),
        headers=headers,
    )


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


async def judge_sign_in(base: str, event_id: int, username: str) -> tuple[aiohttp.ClientSession, dict]:
    """A judge's tablet: signed in, grid opened; the session and the CSRF header its saves send."""
    session = _client_session()
    async with session.get(f"{base}/auth/login") as page:
        match = _CSRF.search(await page.text())
    token = next(t for t in match.groups() if t)
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    async with session.post(f"{base}/auth/login", data=form) as answer:
        await answer.read()
    async with session.get(f"{base}/judge/marking/events/{event_id}/practical/grid?criterion=*") as grid:
        found = re.search(r'name="csrf-token" content="([^"]+)"', await grid.text())
    if found is None:
        await session.close()
        raise RuntimeError(f"{username}: no grid after signing in")
    return session, {"X-CSRFToken": found.group(1)}


async def judge_run(
    base: str, event_id: int, username: str, ids, tally: Tally, tablet, stop_at: float
) -> None:
    """One judge saves marks until ``stop_at`` (see the module docstring)."""
    session, headers = tablet
    cells = [(r, a) for a in CODES for r in ids]
    rng = random.Random(username)
    rng.shuffle(cells)
    mine: dict[tuple[int, str], tuple[str, int, int]] = {}
    url = f"{base}/judge/marking/events/{event_id}/marks"
    await asyncio.sleep(rng.uniform(0, 1))  # judges do not all press at the same instant
    n = 0
    try:
        while time.monotonic() < stop_at:
            if n % 5 == 4 and mine:
                cell = rng.choice(sorted(mine))
                version = mine[cell][1]
            else:
                cell, version = cells[len(mine)], 0
            value = str(rng.randrange(4))
            body = {"registration_id": cell[0], "aspect": cell[1], "value": value, "version": version}
            answer = await tally.timed("mark save", session, "POST", url, json=body, headers=headers)
            if answer is None:
                tally.unanswered_saves += 1
            elif answer[0] == 200:
                answered = json.loads(answer[1])
                previous = mine.get(cell, (None, 0, 0))
                mine[cell] = (answered["value"], answered["version"], previous[2] + 1)
            n += 1
            await asyncio.sleep(JUDGE_THINK * rng.uniform(0.5, 1.5))
    finally:
        tally.saved[username] = mine
        await session.close()


async def person_run(base, contest_id, certificate, address, tally: Tally, rng: random.Random) -> None:
    """One person checking results and a certificate (see the module docstring)."""
    code, number, name = certificate

    async def think() -> None:
        await asyncio.sleep(PERSON_THINK * rng.uniform(0.5, 1.5))

    async with _client_session(**{"X-Forwarded-For": address}) as s:
        await tally.timed("portal", s, "GET", f"{base}/")
        await think()
        await tally.timed("contest page", s, "GET", f"{base}/contests/{contest_id}")
        await think()
        await tally.timed("verify QR", s, "GET", f"{base}/verify/{code}")
        await think()
        form = await tally.timed("verify form", s, "GET", f"{base}/verify")
        token = _CSRF.search(form[1]) if form is not None else None
        if token is None:
            tally.errors.append(("verify form", "no CSRF token on the form"))
            return
        await think()
        data = {"number": number, "name": name, "csrf_token": next(t for t in token.groups() if t)}
        answer = await tally.timed("verify lookup", s, "POST", f"{base}/verify", data=data)
        if answer is not None and answer[0] == 200 and number not in answer[1]:
            tally.errors.append(("verify lookup", "the certificate's number is not on the answer page"))


def server_cpu_seconds(marker: str) -> float:
    """User + system CPU seconds used so far by the processes whose command line contains ``marker``
    (the gunicorn master and its workers), from ``/proc``; 0 where ``/proc`` is missing."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker not in (proc / "cmdline").read_bytes().decode(errors="replace"):
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def warm_up(base: str, contest_id: int, certificates: list[tuple[str, str, str]]) -> None:
    """Request every public page a few times per worker before the clock starts (templates compiled,
    connections in the pools), from addresses of their own so no person's look-up budget is used."""
    with requests.Session() as s:
        for n in range(8):
            s.headers["X-Forwarded-For"] = f"192.0.2.{n + 1}"
            for path in ("/", f"/contests/{contest_id}", f"/verify/{certificates[n][0]}", "/verify"):
                s.get(f"{base}{path}", timeout=TIMEOUT)


def check_marks(url: str, tally: Tally) -> list[str]:
    """Compare the database with the answered saves; the problems found (empty: every mark sent was
    stored exactly once, with the value and version the judge was told)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT u.username, m.registration_id, m.aspect_code, m.value, m.version, "
                "(SELECT count(*) FROM mark_history h WHERE h.mark_id = m.id) AS history "
                "FROM mark m JOIN user_account u ON u.id = m.judge_id"
            )
        ).all()
    engine.dispose()
    stored: dict[str, dict[tuple[int, str], tuple[str, int, int]]] = defaultdict(dict)
    problems = []
    for username, registration_id, aspect, value, version, history in rows:
        cell = (registration_id, aspect)
        if cell in stored[username]:
            problems.append(f"{username} {cell}: stored twice")
        stored[username][cell] = (value, version, history)
    for username in sorted(set(stored) | set(tally.saved)):
        sent, kept = tally.saved.get(username, {}), stored.get(username, {})
        if set(sent) != set(kept):
            problems.append(
                f"{username}: {len(sent)} cells saved, {len(kept)} stored "
                f"(missing {sorted(set(sent) - set(kept))[:3]}, extra {sorted(set(kept) - set(sent))[:3]})"
            )
        for cell in set(sent) & set(kept):
            value, version, saves = sent[cell]
            if kept[cell] != (value, version, saves):
                problems.append(
                    f"{username} {cell}: sent {sent[cell]}, stored (value, version, history) {kept[cell]}"
                )
    return problems


def _clear_rate_limit_counters(redis_url: str) -> None:
    """Forget earlier runs' counters (only this app's keys, only in the load test's Redis database)."""
    from redis import Redis

    redis = Redis.from_url(redis_url)
    keys = list(redis.scan_iter("LIMITS:competition*", count=1000))
    if keys:
        redis.delete(*keys)
    redis.close()


def run(url: str, redis_url: str, *, judges: int, people: int, seconds: float) -> dict:
    """Seed ``url``, serve it, run the day; the tally, the elapsed time and the mark check."""
    instance = Path(tempfile.mkdtemp(prefix="bench-load-"))
    print(f"seeding {url} ({judges} judges, {ENTRIES} entries, {CERTIFICATES} certificates)…", flush=True)
    event_id = setup(url, instance, judges=judges, entries=ENTRIES)
    contest_id, certificates = seed_certificates(url, instance, CERTIFICATES)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ids = (
            conn.execute(
                sa.text("SELECT id FROM registration WHERE event_id = :e ORDER BY id"), {"e": event_id}
            )
            .scalars()
            .all()
        )
    engine.dispose()
    _clear_rate_limit_counters(redis_url)
    (instance / "bench_wsgi.py").write_text(
        textwrap.dedent(f"""
        from competition.app import create_app
        app = create_app({{
            "SQLALCHEMY_DATABASE_URI": {url!r}, "INSTANCE_PATH": {str(instance)!r}, "SHOW_DEMO_LOGINS": False,
            "REDIS_URL": {redis_url!r}, "RATELIMIT_STORAGE_URI": {redis_url!r}, "RATE_LIMITS_ENABLED": True,
            "TRUSTED_PROXIES": 1, "CERT_STORAGE_DIR": {str(instance / "certificates")!r},
            "SQLALCHEMY_ENGINE_OPTIONS": {{"pool_pre_ping": True, "pool_size": {SERVER[2]}, "max_overflow": 0}},
        }})
    """)
    )
    kind, workers, threads = SERVER
    tally = Tally()
    with serve(instance, kind=kind, workers=workers, threads=threads, extra=GUNICORN_EXTRA) as base:
        warm_up(base, contest_id, certificates)
        marker = str(instance / "gunicorn_conf.py")
        measured = asyncio.run(
            _day(
                base,
                event_id,
                ids,
                contest_id,
                certificates,
                tally,
                marker,
                judges=judges,
                people=people,
                seconds=seconds,
            )
        )
    return {"tally": tally, **measured, "problems": check_marks(url, tally)}


async def _day(
    base, event_id, ids, contest_id, certificates, tally: Tally, marker: str, *, judges, people, seconds
) -> dict:
    """The measured part: every judge signed in first (not measured), then the clock starts; judges
    save and people arrive evenly over the first ``seconds - 4 × person_think`` seconds."""
    tablets = []
    for i in range(judges):  # each signs in and opens the grid now, before the clock starts
        try:
            tablets.append((f"j{i}", await judge_sign_in(base, event_id, f"j{i}")))
        except Exception as error:  # reported as an error of the run
            tally.errors.append(("sign-in", f"j{i}: {type(error).__name__}: {error}"[:160]))
    print(f"running {seconds:.0f} s: {judges} judges, {people} people…", flush=True)
    cpu_before, load_before = server_cpu_seconds(marker), os.getloadavg()[0]
    client_before = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    started = time.monotonic()
    stop_at = started + seconds
    tasks = [
        asyncio.create_task(judge_run(base, event_id, name, ids, tally, tablet, stop_at))
        for name, tablet in tablets
    ]
    arrivals = max(1.0, seconds - 4 * PERSON_THINK)
    for n in range(people):
        delay = started + arrivals * n / people - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        address = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        certificate = certificates[n % len(certificates)]
        tasks.append(
            asyncio.create_task(person_run(base, contest_id, certificate, address, tally, random.Random(n)))
        )
    _done, pending = await asyncio.wait(tasks, timeout=max(1.0, stop_at + 120 - time.monotonic()))
    for task in pending:
        task.cancel()
    return {
        "elapsed": time.monotonic() - started,
        "stuck": len(pending),
        "server_cpu": server_cpu_seconds(marker) - cpu_before,
        "client_cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - client_before,
        "load": (load_before, os.getloadavg()[0]),
    }


def _ms(values: list[float], share: float) -> float:
    return _percentile(values, share) * 1000 if values else float("nan")


def report(found: dict, *, judges: int, people: int, seconds: float) -> bool:
    """Print the figures and the RESULT line; whether every target was met."""
    tally: Tally = found["tally"]
    everything = [x for values in tally.latencies.values() for x in values]
    total = len(everything)
    kind, workers, threads = SERVER
    print(
        f"load: {judges} judges (one save every {JUDGE_THINK:g} s ±50 %), {people} people "
        f"({PERSON_THINK:g} s between steps), {seconds:.0f} s; gunicorn {workers} {kind} workers × {threads} threads, "
        f"PostgreSQL, Redis; elapsed {found['elapsed']:.1f} s"
    )
    print(f"  {'kind':<14} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name in sorted(tally.latencies):
        values = tally.latencies[name]
        print(
            f"  {name:<14} {len(values):>8} {_ms(values, 0.5):>8.1f} {_ms(values, 0.95):>8.1f} "
            f"{_ms(values, 0.99):>8.1f} {statistics.mean(values) * 1000:>8.1f}"
        )
    p50, p95, p99 = (_ms(everything, q) for q in (0.5, 0.95, 0.99))
    print(f"  {'all':<14} {total:>8} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}")
    rate = total / found["elapsed"]
    saves = len(tally.latencies.get("mark save", []))
    print(f"  throughput {rate:.1f} requests/s ({saves / found['elapsed']:.1f} saves/s)")
    cpu_ms = 1000 * found["server_cpu"] / max(total, 1)
    print(
        f"  server CPU {found['server_cpu']:.1f} s in {found['elapsed']:.1f} s = {cpu_ms:.1f} ms per request "
        f"(gunicorn processes only; PostgreSQL not counted); the simulated clients used "
        f"{found['client_cpu']:.1f} CPU s of the same cores; machine load average "
        f"{found['load'][0]:.1f} → {found['load'][1]:.1f} on {os.cpu_count()} cores, shared with other sessions"
    )
    print(f"  errors {len(tally.errors)}: {tally.errors[:5]}")
    if found["stuck"]:
        print(f"  {found['stuck']} clients still waiting at the end")
    cells = sum(len(v) for v in tally.saved.values())
    problems = found["problems"]
    print(
        f"  marks: {cells} cells answered by {len(tally.saved)} judges, {tally.unanswered_saves} saves without answer; "
        f"database check: {'every mark stored exactly once' if not problems else problems[:5]}"
    )
    ok = not tally.errors and not problems and not found["stuck"] and p95 < TARGET_P95_MS
    print(
        f"RESULT load ratio={TARGET_P95_MS / p95:.2f} target=1.00 p50_ms={p50:.1f} p95_ms={p95:.1f} "
        f"p99_ms={p99:.1f} p95_target_ms={TARGET_P95_MS:.0f} requests={total} requests_per_s={rate:.1f} "
        f"saves={saves} errors={len(tally.errors)} marks_checked={cells} mark_problems={len(problems)} "
        f"server_cpu_ms_per_request={cpu_ms:.1f} load_average={found['load'][1]:.1f} "
        f"judges={judges} people={people} seconds={seconds:.0f}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the day, report; exit 0 when the run completed (targets or not) and the
    marks check passed, 1 otherwise, 0 with a message when PostgreSQL or Redis is not reachable."""
    import argparse

    from competition.config import sqlalchemy_url

    global JUDGE_THINK, PERSON_THINK, SERVER
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--judges", type=int, default=JUDGES)
    parser.add_argument("--people", type=int, default=PEOPLE)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--judge-think", type=float, default=JUDGE_THINK)
    parser.add_argument("--person-think", type=float, default=PERSON_THINK)
    parser.add_argument("--workers", type=int, default=SERVER[1], help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=SERVER[2], help="threads per worker")
    args = parser.parse_args(argv)
    JUDGE_THINK, PERSON_THINK = args.judge_think, args.person_think
    SERVER = (SERVER[0], args.workers, args.threads)
    url = sqlalchemy_url(os.environ.get("LOAD_DATABASE_URL") or DEFAULT_DATABASE)
    redis_url = os.environ.get("LOAD_REDIS_URL") or DEFAULT_REDIS
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql" or parsed.host not in ("127.0.0.1", "localhost"):
        raise SystemExit("the load test runs on a PostgreSQL database on 127.0.0.1 only")
    try:
        _create_database(parsed)
        from redis import Redis

        Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except Exception as error:  # any failure to reach them means "not run here"
        print(f"load: PostgreSQL or Redis not reachable ({str(error).splitlines()[0]}); not run")
        return 0
    found = run(url, redis_url, judges=args.judges, people=args.people, seconds=args.seconds)
    report(found, judges=args.judges, people=args.people, seconds=args.seconds)
    return 1 if found["problems"] else 0


def _create_database(url: sa.engine.URL) -> None:
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
        ).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    engine.dispose()
