"""Settings: production refuses to start without a real secret key; cookies are hardened there."""

from __future__ import annotations

import pytest

from competition.app import ConfigurationError, create_app
from competition.config import sqlalchemy_url


@pytest.mark.parametrize("env", ["production", "staging"])
def test_outside_development_a_real_secret_and_secure_cookies(monkeypatch, tmp_path, env):
    monkeypatch.setenv("COMPETITION_ENV", env)
    monkeypatch.setenv("COMPETITION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("COMPETITION_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="COMPETITION_SECRET_KEY"):
        create_app()
    monkeypatch.setenv("COMPETITION_SECRET_KEY", "a-long-random-value-from-the-vault")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] and not app.config["SHOW_DEMO_LOGINS"]


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPETITION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'competition.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/competition")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/competition"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://x/y", "postgresql+psycopg://x/y"),
        ("sqlite:///a.db", "sqlite:///a.db"),
        ("postgresql+psycopg://x/y", "postgresql+psycopg://x/y"),
    ],
)
def test_sqlalchemy_url(given, expected):
    assert sqlalchemy_url(given) == expected


def test_the_pool_size_follows_the_environment(monkeypatch, tmp_path):
    from competition.extensions import db

    monkeypatch.setenv("COMPETITION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("COMPETITION_DB_POOL_SIZE", raising=False)
    assert "pool_size" not in create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]
    monkeypatch.setenv("COMPETITION_DB_POOL_SIZE", "16")
    app = create_app()
    with app.app_context():
        assert db.engine.pool.size() == 16
    monkeypatch.setenv("COMPETITION_DB_POOL_SIZE", "0")
    with pytest.raises(ValueError, match="COMPETITION_DB_POOL_SIZE"):
        create_app()
