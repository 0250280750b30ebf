"""Public pages under load: the certificate verification page (``/verify/<code>``) and the public results
page of an event with 2,000 competitors (``/events/<id>/results``, first page), each beside a bare Flask
route on the same gunicorn server in the same run.

Setup (not measured): :func:`benchmarks.standings.build` makes the event (2,000 numbered entries, 2
judges, every mark), each entry gets a competitor with a name and a unit, the organizer publishes the
standings through :func:`competition.marking.results.publish`, and one award certificate row is stored
for the verification page. Served as production would be: gunicorn, 2 gthread workers × 8 threads
(:data:`SERVER`), rate limiting off (a load test from one address would only measure the limiter).

A second reference, ``bare_db`` (one ``SELECT 1`` and a commit through the app's session), shows what
one database round trip costs on the same server; it is reported, not used in the ratio.

Load: ``wrk`` (Debian's package; ``make bench`` installs it) with :data:`CONNECTIONS` keep-alive
connections for :data:`SECONDS` seconds per target, targets interleaved over :data:`ROUNDS` rounds so
drift on the shared machine falls on all three alike; requests per second summed over the rounds, p95
latency the median of the rounds' p95. ratio = min(verify, results) ÷ bare requests per second, target
0.40. Each page is checked before the run (status 200, masked name shown, no ID number).

The server runs with ``REDIS_URL`` (:data:`DEFAULT_REDIS` or ``BENCH_REDIS_URL``), as production does:
the verification page then checks a status token in Redis and pushes its look-up log row there
(competition/certificates/lookups.py); after the rounds the run waits for the workers' flush threads
and reports how many of the verification visits wrk counted reached ``certificate_lookup``
(``lookups_logged`` ≥ ``verify_visits``: none lost). ``--redis none`` measures the database-only path.

Run: ``.venv/bin/python -m benchmarks.public_pages [--db sqlite|postgresql] [--redis URL|none]`` (default:
PostgreSQL when reachable — ``BENCH_DATABASE_URL`` or the local ``h_public_bench`` — else SQLite).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date, datetime
from pathlib import Path

import requests
import sqlalchemy as sa

from benchmarks.mark_save import _free_port

ENTRIES = 2000
JUDGES = 2
SERVER = ("gthread", 2, 8)
"""gunicorn worker class, processes (one per core of the measuring machine), threads each."""
CONNECTIONS = 16
SECONDS = 6
ROUNDS = 3
TARGET = 0.40
NOW = datetime(2026, 6, 1, 9, 0)
DEFAULT_POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/h_public_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/10"
"""Redis of the run (``BENCH_REDIS_URL`` overrides; ``--redis none`` measures without Redis)."""
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def setup(url: str, instance: Path) -> tuple[int, str]:
    """The published event and one certificate on ``url``; (event id, certificate verify code)."""
    from benchmarks.standings import build
    from competition.accounts.models import User
    from competition.certificates.models import Certificate, CertificateKind, CertificateRequest
    from competition.contests.lifecycle import ContestStatus
    from competition.contests.models import Event
    from competition.domain import Gender
    from competition.extensions import db
    from competition.marking import results
    from competition.organizations.models import Unit, UnitKind
    from competition.registration.eligibility import Status
    from competition.registration.idnumbers import IdType
    from competition.registration.models import Competitor, Registration, RegistrationMember
    from competition.workdays import TableCalendar

    app, event_id, organizer_id = build(url, instance, entries=ENTRIES, judges_count=JUDGES)
    with app.app_context():
        units = [
            Unit(
                name=f"基准单位{i}有限公司",
                kind=UnitKind.EMPLOYER,
                region_code="320600",
                region_name="江苏省南通市",
                created_at=NOW,
            )
            for i in range(20)
        ]
        db.session.add_all(units)
        db.session.flush()
        registrations = list(
            db.session.execute(
                sa.select(Registration.id).where(Registration.event_id == event_id).order_by(Registration.id)
            ).scalars()
        )
        db.session.execute(
            sa.insert(Competitor),
            [
                {
                    "name": _SURNAMES[n % 20] + _GIVEN[n // 20 % 20] + _GIVEN[n % 7],
                    "gender": Gender.MALE,
                    "id_type": IdType.PASSPORT,
                    "id_number": f"E{n:08d}",
                    "birth_date": date(1990, 1, 1),
                    "phone": "13812345678",
                    "unit_id": units[n % 20].id,
                    "status": Status.EMPLOYEE,
                    "years_in_occupation": 5,
                    "titles": [],
                    "created_at": NOW,
                }
                for n in range(len(registrations))
            ],
        )
        competitors = list(db.session.execute(sa.select(Competitor.id).order_by(Competitor.id)).scalars())
        db.session.execute(
            sa.insert(RegistrationMember),
            [
                {
                    "registration_id": r,
                    "event_id": event_id,
                    "competitor_id": c,
                    "position": 0,
                    "active": True,
                }
                for r, c in zip(registrations, competitors, strict=True)
            ],
        )
        for n, r in enumerate(registrations):
            db.session.execute(
                sa.update(Registration).where(Registration.id == r).values(unit_id=units[n % 20].id)
            )
        event = db.session.get(Event, event_id)
        organizer = db.session.get(User, organizer_id)
        results.publish(
            event,
            actor=organizer,
            now=NOW,
            working_days=5,
            calendar=TableCalendar(frozenset(), frozenset(), 2026, 2026),
        )
        event.contest.status = ContestStatus.PUBLIC_NOTICE
        holder = db.session.get(Competitor, competitors[0])
        snapshot = {
            "document": {"name": holder.name, "issuer": "基准人社局", "issued_on": "2026-06-01"},
            "holder": {"id_number": holder.id_number},
            "achievement": f"{event.contest.name} {event.title} 一等奖",
        }
        request = CertificateRequest(
            kind=CertificateKind.AWARD,
            source="bench",
            competitor_id=holder.id,
            contest_id=event.contest_id,
            event_id=event.id,
            snapshot=snapshot,
            requested_at=NOW,
        )
        db.session.add(request)
        db.session.flush()
        code = "B" * 24
        db.session.add(
            Certificate(
                request_id=request.id,
                kind=CertificateKind.AWARD,
                number="BENCH-2026-000001",
                sequence="BENCH-2026",
                serial=1,
                verify_code=code,
                competitor_id=holder.id,
                contest_id=event.contest_id,
                event_id=event.id,
                holder_name=holder.name,
                snapshot=snapshot,
                template_version="bench",
                storage_key="bench/none.pdf",
                sha256="0" * 64,
                size=0,
                issued_at=NOW,
            )
        )
        db.session.commit()
        db.engine.dispose()
    return event_id, code


def postgresql_url() -> str | None:
    """``BENCH_DATABASE_URL``, else the local ``h_public_bench`` (dropped and created afresh); ``None``
    when no PostgreSQL server answers."""
    from competition.config import sqlalchemy_url

    url = sa.engine.make_url(sqlalchemy_url(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRESQL))
    if url.get_backend_name() != "postgresql":
        return url.render_as_string(hide_password=False)
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    except sa.exc.OperationalError as error:
        print(f"postgresql: not reachable ({str(error).splitlines()[0]}); using SQLite")
        return None
    finally:
        engine.dispose()
    return url.render_as_string(hide_password=False)


def wrk(url: str) -> tuple[float, float, int, int]:
    """One wrk run against ``url``: (requests per second, p95 latency in ms, non-2xx/3xx + socket errors,
    requests completed)."""
    script = Path(tempfile.gettempdir()) / "bench-public-p95.lua"
    script.write_text(_P95_LUA)
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p95 = float(re.search(r"^p95 ([\d.]+)$", out, re.M).group(1)) / 1000
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return rps, p95, errors, int(re.search(r"(\d+) requests in", out).group(1))


#: A wrk script that prints the 95th percentile latency (microseconds) on its own line.
_P95_LUA = 'done = function(summary, latency, requests)\n  io.write(string.format("p95 %d\\n", latency:percentile(95)))\nend\n'


def check_pages(base: str, event_id: int, code: str) -> None:
    """Each target answers 200 with masked names and no ID number (so the run measures real pages)."""
    page = requests.get(f"{base}/events/{event_id}/results", timeout=60)
    assert page.status_code == 200, page.status_code
    assert "共 2000 条" in page.text and "*" in page.text and "E00000000" not in page.text
    verify = requests.get(f"{base}/verify/{code}", timeout=60)
    assert verify.status_code == 200 and "有效证书" in verify.text, verify.status_code
    assert requests.get(f"{base}/bench/bare", timeout=10).text == "ok"


def run(url: str, redis_url: str | None = None) -> dict:
    """Set up ``url``, serve it with gunicorn (with ``REDIS_URL`` = ``redis_url``), measure the targets;
    the figures, and with Redis how many verification visits reached ``certificate_lookup``."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench installs it: apt-get install wrk)")
    instance = Path(tempfile.mkdtemp(prefix="bench-public-"))
    started = time.perf_counter()
    event_id, code = setup(url, instance)
    print(f"setup: {ENTRIES} entries published in {time.perf_counter() - started:.1f} s")
    (instance / "bench_wsgi.py").write_text(
        textwrap.dedent(f"""
        from competition.app import create_app
        app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "INSTANCE_PATH": {str(instance)!r}, "SHOW_DEMO_LOGINS": False, "RATELIMIT_ENABLED": False, "REDIS_URL": {redis_url!r}}})

        @app.get("/bench/bare")
        def bare():
            return "ok"

        @app.get("/bench/bare-db")
        def bare_db():
            from competition.extensions import db
            import sqlalchemy as sa
            db.session.execute(sa.text("SELECT 1")).scalar()
            db.session.commit()
            return "ok"
    """)
    )
    kind, workers, threads = SERVER
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-k",
            kind,
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench_wsgi:app",
        ],
        env={**os.environ, "PYTHONPATH": f"{instance}:{Path.cwd()}"},
    )
    base = f"http://127.0.0.1:{port}"
    targets = {
        "bare": f"{base}/bench/bare",
        "bare_db": f"{base}/bench/bare-db",
        "verify": f"{base}/verify/{code}",
        "results": f"{base}/events/{event_id}/results",
    }
    found: dict[str, list[tuple[float, float, int, int]]] = {name: [] for name in targets}
    visits = 1  # check_pages
    if redis_url:
        import redis

        from competition.certificates import lookups

        redis.Redis.from_url(redis_url).delete(lookups.LOG_KEY, lookups.TOKEN_KEY, lookups.LOCK_KEY)
    try:
        for _ in range(300):
            try:
                requests.get(f"{base}/bench/bare", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        check_pages(base, event_id, code)
        for name in targets:  # warm every worker (first requests fill caches, open connections)
            warm = subprocess.run(
                ["wrk", "-t", "2", "-c", "4", "-d", "2s", targets[name]], capture_output=True, text=True
            )
            if name == "verify":
                visits += int(re.search(r"(\d+) requests in", warm.stdout).group(1))
        for _ in range(ROUNDS):
            for name, target in targets.items():
                found[name].append(wrk(target))
        visits += sum(r[3] for r in found["verify"])
        logged = lookups_logged(url, redis_url, visits) if redis_url else None
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
    return {
        "db": sa.engine.make_url(url).get_backend_name(),
        "found": found,
        "redis": bool(redis_url),
        "visits": visits,
        "logged": logged,
    }


def lookups_logged(url: str, redis_url: str, visits: int) -> int:
    """Rows in ``certificate_lookup`` once the workers' flush threads have written what waits in Redis
    (waits up to 60 s for ``visits`` rows; wrk's count may be a few short of the server's)."""
    import redis

    from competition.certificates import lookups

    engine = sa.create_engine(url)
    client = redis.Redis.from_url(redis_url)
    try:
        for _ in range(600):
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT count(*) FROM certificate_lookup")).scalar()
            if rows >= visits and client.llen(lookups.LOG_KEY) == 0:
                break
            time.sleep(0.1)
        return rows
    finally:
        engine.dispose()


def report(run_found: dict) -> None:
    """Print each target's figures and the RESULT line."""
    found = run_found["found"]
    summary = {}
    for name, rounds in found.items():
        rps = sum(r[0] for r in rounds) / len(rounds)
        p95 = sorted(r[1] for r in rounds)[len(rounds) // 2]
        errors = sum(r[2] for r in rounds)
        summary[name] = (rps, p95, errors)
        print(
            f"  {name:8s} {rps:8.1f} req/s  p95 {p95:7.1f} ms  errors {errors}  "
            f"(rounds: {', '.join(f'{r[0]:.0f}' for r in rounds)} req/s)"
        )
    bare = summary["bare"][0]
    verify, results_ = summary["verify"][0] / bare, summary["results"][0] / bare
    kind, workers, threads = SERVER
    print(
        f"RESULT public_pages ratio={min(verify, results_):.2f} target={TARGET:.2f} "
        f"verify_ratio={verify:.2f} results_ratio={results_:.2f} "
        f"bare_rps={bare:.0f} verify_rps={summary['verify'][0]:.0f} results_rps={summary['results'][0]:.0f} "
        f"bare_p95_ms={summary['bare'][1]:.1f} verify_p95_ms={summary['verify'][1]:.1f} "
        f"results_p95_ms={summary['results'][1]:.1f} bare_db_rps={summary['bare_db'][0]:.0f} errors={sum(s[2] for s in summary.values())} "
        f"entries={ENTRIES} server={kind}x{workers}x{threads} connections={CONNECTIONS} db={run_found['db']} "
        f"redis={'yes' if run_found['redis'] else 'no'}"
        + (
            f" verify_visits={run_found['visits']} lookups_logged={run_found['logged']}"
            if run_found["logged"] is not None
            else ""
        )
    )


def main(argv: list[str] | None = None) -> None:
    """PostgreSQL when reachable (else SQLite), or the database ``--db`` names."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.public_pages")
    parser.add_argument("--db", choices=("auto", "sqlite", "postgresql"), default="auto")
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS,
        help="REDIS_URL of the server, or 'none' for the database-only path (default %(default)s)",
    )
    args = parser.parse_args(argv)
    url = None if args.db == "sqlite" else postgresql_url()
    if url is None and args.db == "postgresql":
        raise SystemExit("PostgreSQL is not reachable")
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-public-db-')) / 'bench.sqlite3'}"
    report(run(url, None if args.redis == "none" else args.redis))


if __name__ == "__main__":
    main()
