"""The PostgreSQL backup route documented in README.md ("Backups, PostgreSQL"), run command for command
on a database with the demo year: ``pg_dump --format=custom``, ``createdb``, ``pg_restore --no-owner
--exit-on-error``, then ``flask db current`` (the head revision) and ``flask audit verify`` on the
restored copy; every table comes back with the same rows, and new rows get fresh ids.

Needs PostgreSQL (``TEST_DATABASE_URL``) and its client programs; skipped without them, saying which.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from competition.app import create_app
from competition.backup import head_revision
from competition.config import PROJECT_ROOT
from competition.contests.models import Contest
from competition.demo.load import load_demo
from competition.extensions import db
from tests import factories
from tests.conftest import database_url, migrated_app

pytestmark = [
    pytest.mark.skipif(
        not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres"),
        reason="the pg_dump route needs PostgreSQL: set TEST_DATABASE_URL",
    ),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "createdb", "dropdb")),
        reason="PostgreSQL's client programs (pg_dump, pg_restore, createdb, dropdb) are not installed",
    ),
]


def _libpq(url: sa.engine.URL) -> str:
    """The URL as libpq (pg_dump, pg_restore) reads it: no ``+psycopg`` driver suffix."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _connection_options(url: sa.engine.URL) -> list[str]:
    return ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]


def _run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=300, check=False
    )
    assert done.returncode == 0, (command[0], done.stderr)
    return done


def _row_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        counts = {
            name: conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names
        }
    engine.dispose()
    return counts


def test_pg_dump_and_pg_restore_round_trip(tmp_path: Path):
    source_url = database_url(tmp_path, "pgbackup")
    app = migrated_app(source_url, tmp_path)
    with app.app_context():
        load_demo(now=factories.NOW)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    source = sa.engine.make_url(source_url)
    target = source.set(database=f"{source.database}_restored")
    dump = tmp_path / "competition-20261121-1200.dump"

    # README: pg_dump --format=custom --file=competition-$(date +%Y%m%d-%H%M).dump "$DATABASE_URL"
    _run("pg_dump", "--format=custom", f"--file={dump}", _libpq(source))
    assert dump.stat().st_size > 0
    # README: createdb competition_restored (dropped first: the test may run again)
    _run("dropdb", "--if-exists", *_connection_options(target), target.database)
    _run("createdb", *_connection_options(target), target.database)
    try:
        # README: pg_restore --no-owner --exit-on-error --dbname=competition_restored <file>
        _run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(target)}", str(dump))

        counts = _row_counts(source_url)
        assert counts["contest"] == 4 and counts["audit_entry"] > 0
        assert _row_counts(target.render_as_string(hide_password=False)) == counts

        # README: DATABASE_URL=…/competition_restored flask --app wsgi db current / audit verify
        env = {
            **os.environ,
            "DATABASE_URL": _libpq(target),
            "COMPETITION_INSTANCE_PATH": str(tmp_path),
            "COMPETITION_ENV": "development",
        }
        env.pop("REDIS_URL", None)
        flask = str(Path(sys.executable).parent / "flask")
        current = _run(flask, "--app", "wsgi", "db", "current", env=env)
        assert head_revision(PROJECT_ROOT / "migrations") in current.stdout
        verified = _run(flask, "--app", "wsgi", "audit", "verify", env=env)
        assert "哈希链无断裂" in verified.stdout, verified.stdout

        restored = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": target.render_as_string(hide_password=False),
                "INSTANCE_PATH": str(tmp_path),
                "REDIS_URL": None,
            }
        )
        with restored.app_context():  # the sequences came back too: a new row gets a fresh id
            before = db.session.scalar(sa.select(sa.func.max(Contest.id)))
            made = factories.make_contest(factories.make_body("备份恢复后新建的机构"))
            db.session.commit()
            assert made.id > before
            db.session.remove()
            db.engine.dispose()
    finally:
        _run("dropdb", "--if-exists", "--force", *_connection_options(target), target.database)
