"""Test fixtures: an app built by create_app on a database migrated from empty to head once per run,
with every test isolated in an outer transaction (SQLAlchemy's "join into an external transaction"
recipe, ``join_transaction_mode="create_savepoint"``).

``TEST_DATABASE_URL`` selects PostgreSQL; without it each run uses a fresh SQLite file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from hypothesis import HealthCheck, settings

from competition import pagecache
from competition.app import create_app
from competition.config import sqlalchemy_url
from competition.extensions import db
from tests import factories

# The suite runs on shared, busy machines (CI runs it twice in parallel workers): timing-based checks
# of Hypothesis would fail tests for the machine's load, not for the code.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


def database_url(tmp_dir: Path, name: str) -> str:
    """The URL of a database of this run called ``name``.

    SQLite: a new file in ``tmp_dir``. PostgreSQL (``TEST_DATABASE_URL`` set): the named database
    itself for ``name == "test"``, otherwise a sibling database ``<database>_<name>``, created if
    missing, so a live server or a from-empty migration never touches the suite's own database.
    """
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_dir / (name + '.sqlite3')}"
    url = sa.engine.make_url(sqlalchemy_url(base))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    suffix = "_".join(part for part in ((None if name == "test" else name), worker) if part)
    if not suffix:
        return url.render_as_string(hide_password=False)
    target = url.set(database=f"{url.database}_{suffix}")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).scalar()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    engine.dispose()
    return target.render_as_string(hide_password=False)


def reset_database(url: str) -> None:
    """Empty the database at ``url`` (drop every table, type and the Alembic version)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        else:
            meta = sa.MetaData()
            meta.reflect(conn)
            meta.drop_all(conn)
    engine.dispose()


def migrated_app(url: str, instance: Path, **overrides) -> Flask:
    """An app on ``url`` after ``flask db upgrade`` from an empty database."""
    from flask_migrate import upgrade

    reset_database(url)
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(instance),
        "SHOW_DEMO_LOGINS": False,
        "SERVER_NAME": None,
        # Background jobs run inline, inside the test's transaction (see competition/jobs/queue.py).
        "JOBS_EAGER": True,
        "REDIS_URL": None,
        "PDF_PROCESSES": 0,
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application on the run's test database, migrated to head."""
    instance = tmp_path_factory.mktemp("instance")
    app = migrated_app(database_url(instance, "test"), instance)

    # One app context is held for a whole test (so tests and requests share the session);
    # Flask-Login caches the user on `g`, so forget it at each request as a fresh context would.
    @app.before_request
    def _forget_cached_user() -> None:
        g.pop("_login_user", None)

    yield app
    with app.app_context():
        db.engine.dispose()


class JoinedSession(FlaskSession):
    """Flask-SQLAlchemy's session routes every query to the app's engine; a test session must
    use the connection that holds the outer transaction instead."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind if self.bind is not None else super().get_bind(mapper, clause, bind, **kwargs)


@pytest.fixture
def session(app: Flask) -> Iterator[sa.orm.scoped_session]:
    """``db.session`` joined to an outer transaction that is rolled back after the test."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"class_": JoinedSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()
            pagecache.forget_all(app)  # pages rendered from this test's rolled-back rows


@pytest.fixture
def client(app: Flask, session) -> FlaskClient:
    """A test client whose requests run inside the test's transaction."""
    return app.test_client()


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str, password: str = factories.PASSWORD):
        return self._client.post("/auth/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign-in helper bound to ``client``."""
    return AuthActions(client)


@pytest.fixture
def world(session) -> factories.World:
    """Two organizing bodies with one contest each, and an account of every role."""
    return factories.make_world()
