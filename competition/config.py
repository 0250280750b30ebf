"""Settings read from the environment (prefix ``COMPETITION_``, plus ``DATABASE_URL`` and ``REDIS_URL``).

``Config.from_env()`` builds the mapping that :func:`competition.app.create_app`
loads; tests pass their own overrides on top.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-not-secret"
MIN_SECRET_KEY_LENGTH = 32  # characters; production refuses a shorter COMPETITION_SECRET_KEY


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"COMPETITION_{name}", default)


def _pool_size() -> dict[str, int]:
    """``pool_size`` from ``COMPETITION_DB_POOL_SIZE`` (database connections each process keeps; give
    it gunicorn's ``--threads``), or nothing: SQLAlchemy's default of 5 plus 10 overflow."""
    value = _env("DB_POOL_SIZE")
    if not value:
        return {}
    size = int(value)
    if size < 1:
        raise ValueError("COMPETITION_DB_POOL_SIZE must be a positive whole number")
    return {"pool_size": size}


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def sqlalchemy_url(url: str) -> str:
    """Normalise a database URL for SQLAlchemy 2 with psycopg 3.

    ``postgres://`` and ``postgresql://`` (as Heroku-style services give them)
    become ``postgresql+psycopg://``; other URLs pass through unchanged.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_env() -> dict[str, Any]:
    """Return the settings for the current environment as a plain dict.

    ``COMPETITION_ENV`` is ``development`` (default) or ``production``; any other value (``staging``,
    a typo) is treated as production: Secure cookies, no demo logins, and a real
    ``COMPETITION_SECRET_KEY`` required (checked by the factory, which refuses to start without one).
    """
    instance = Path(_env("INSTANCE_PATH", str(PROJECT_ROOT / "instance")))
    env = _env("ENV", "development")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'competition.sqlite3'}"
    production = env != "development"
    return {
        "ENV_NAME": env,
        "SECRET_KEY": _env("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **_pool_size()},
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "INSTANCE_PATH": str(instance),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        # DOMAIN.md §3: no day count is published for public notice (inferred default).
        "PUBLIC_NOTICE_WORKING_DAYS": int(_env("PUBLIC_NOTICE_WORKING_DAYS", "5")),
        "INVITATION_VALID_DAYS": int(_env("INVITATION_VALID_DAYS", "14")),
        "PASSWORD_MIN_LENGTH": int(_env("PASSWORD_MIN_LENGTH", "10")),
        "SHOW_DEMO_LOGINS": _env_bool("SHOW_DEMO_LOGINS", not production),
        # Worker processes for batch PDFs (see competition/pdf/batch.py); 0 renders in the job's process.
        "PDF_PROCESSES": int(_env("PDF_PROCESSES", "2")),
        # Uploads (registration workbooks, scheme files) are refused above this size; requests far
        # beyond it are cut off by Flask before they are read.
        "MAX_UPLOAD_BYTES": int(_env("MAX_UPLOAD_BYTES", str(10 * 2**20))),
        "MAX_CONTENT_LENGTH": int(_env("MAX_UPLOAD_BYTES", str(10 * 2**20))) + 2**20,
        # Rate limits (competition/security.py, Flask-Limiter syntax). Sign-in counts failed attempts
        # per client address; public look-ups (ticket and certificate checks) share one budget.
        "RATELIMIT_SIGN_IN": _env("RATELIMIT_SIGN_IN", "10 per minute;60 per hour"),
        "RATELIMIT_PUBLIC_LOOKUP": _env("RATELIMIT_PUBLIC_LOOKUP", "30 per minute;300 per hour"),
        "RATELIMIT_API": _env("RATELIMIT_API", "120 per minute;3000 per hour"),
        # Counters live in Redis when REDIS_URL is set (shared by every worker), else in memory.
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        # Redis down: count in this process's memory (logged) rather than refuse every sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "competition",
        # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted
        # (0: use the socket's address; behind one nginx: 1). Rate limits key on the client address.
        "TRUSTED_PROXIES": int(_env("TRUSTED_PROXIES", "0")),
        # Certificates (competition/certificates/): the evaluation body whose codes make skill-level
        # numbers (人社鉴发〔2019〕2号: letter Y employer / S social body, 4-digit body code, 0000 when
        # filed with the province, 2-digit province code, 6-digit station serial), the letter in
        # position 16 of 特级技师 numbers (inferred), and the public base URL put into QR codes
        # (unset: the address the organizer's request came in on).
        "CERT_EVALUATOR_NAME": _env("CERT_EVALUATOR_NAME", "技能等级认定机构"),
        "CERT_EVALUATOR_KIND": _env("CERT_EVALUATOR_KIND", "Y"),
        "CERT_EVALUATOR_BODY_CODE": _env("CERT_EVALUATOR_BODY_CODE", "0000"),
        "CERT_EVALUATOR_PROVINCE": _env("CERT_EVALUATOR_PROVINCE", "33"),
        "CERT_EVALUATOR_STATION": _env("CERT_EVALUATOR_STATION", "000001"),
        "CERT_PRINCIPAL_LETTER": _env("CERT_PRINCIPAL_LETTER", "T"),
        "PUBLIC_BASE_URL": _env("PUBLIC_BASE_URL"),
        # Issued PDFs: a local directory (default <instance>/certificates), or an S3-compatible
        # bucket when COMPETITION_S3_BUCKET is set (endpoint, region and keys from the environment).
        "CERT_STORAGE_DIR": _env("CERT_STORAGE_DIR"),
        "S3_BUCKET": _env("S3_BUCKET"),
        "S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        "S3_REGION": _env("S3_REGION"),
        "S3_ACCESS_KEY_ID": _env("S3_ACCESS_KEY_ID"),
        "S3_SECRET_ACCESS_KEY": _env("S3_SECRET_ACCESS_KEY"),
        "S3_PREFIX": _env("S3_PREFIX", ""),
        # Unset: limits are on, except in an app built with TESTING (tests opt in).
        **({"RATE_LIMITS_ENABLED": _env_bool("RATE_LIMITS", True)} if _env("RATE_LIMITS") else {}),
    }
