"""API token services: create (the secret is returned once), list, revoke, authenticate.

Services in the house style: explicit arguments, ``flush()`` only, the caller commits. Creation and
revocation are audited; the secret itself is never stored or logged, only its SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from competition.accounts.models import User
from competition.api.models import ApiToken
from competition.audit.services import record
from competition.errors import N_, DomainError, fmt
from competition.extensions import db

#: Every secret starts with this, so a leaked one is recognisable (secret scanners, logs).
SECRET_PREFIX = "jnapi_"
#: Characters of the secret kept as ``ApiToken.prefix`` for display.
SHOWN_PREFIX_LENGTH = 12
#: A user's live (not revoked) tokens at most.
MAX_LIVE_TOKENS = 20
#: ``last_used_at`` is written at most this often per token, so reads do not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    """The stored form of a secret: SHA-256 hex (64 characters). Secrets carry 256 random bits, so a
    fast hash is enough: there is nothing to guess by brute force."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    user: User, name: str, *, valid_days: int | None, now: datetime, actor: User | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` named ``name`` (1–60 characters, unique among the user's live tokens),
    valid for ``valid_days`` days from ``now`` (``None``: until revoked).

    Returns the row and the secret (``jnapi_`` + 43 URL-safe characters), which is shown once and never
    stored. Raises :class:`DomainError` for an empty or duplicate name, a bad period or too many tokens.
    """
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise DomainError(N_("请填写令牌名称（1–60 个字）。"), field="name")
    if valid_days is not None and not 1 <= valid_days <= 3650:
        raise DomainError(N_("有效期须在 1–3650 天之间。"), field="valid_days")
    live = tokens_of(user, live_only=True)
    if len(live) >= MAX_LIVE_TOKENS:
        raise DomainError(N_("每个账号最多 %(n)d 个有效令牌，请先吊销不用的令牌。"), n=MAX_LIVE_TOKENS)
    if any(t.name == name for t in live):
        raise DomainError(N_("已有同名的有效令牌，请换一个名称。"), field="name")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        token_hash=hash_secret(secret),
        created_at=now,
        expires_at=now + timedelta(days=valid_days) if valid_days is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    record(
        "api_token.create",
        actor=actor or user,
        now=now,
        object_type="api_token",
        object_id=token.id,
        summary=fmt(
            N_("%(username)s 创建 API 令牌“%(name)s”（%(prefix)s…）"),
            username=user.username,
            name=name,
            prefix=token.prefix,
        ),
        after={
            "user": user.username,
            "name": name,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    return token, secret


def tokens_of(user: User, *, live_only: bool = False) -> list[ApiToken]:
    """The user's tokens, newest first; ``live_only`` leaves out revoked ones."""
    query = sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    if live_only:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(db.session.execute(query).scalars())


def revoke_token(token: ApiToken, *, actor: User, now: datetime) -> None:
    """Revoke ``token`` (it stops working at once). Raises :class:`DomainError` when already revoked."""
    if token.revoked_at is not None:
        raise DomainError(N_("这个令牌已经吊销。"))
    token.revoked_at = now
    db.session.flush()
    record(
        "api_token.revoke",
        actor=actor,
        now=now,
        object_type="api_token",
        object_id=token.id,
        summary=fmt(
            N_("吊销 %(username)s 的 API 令牌“%(name)s”（%(prefix)s…）"),
            username=token.user.username,
            name=token.name,
            prefix=token.prefix,
        ),
        before={"revoked_at": None},
        after={"revoked_at": now.isoformat()},
    )


def authenticate(secret: str, *, now: datetime) -> ApiToken | None:
    """The usable token whose secret is ``secret``, or ``None`` (unknown, revoked, expired, owner
    inactive). Updates ``last_used_at`` (at most once per :data:`LAST_USED_RESOLUTION`) and flushes."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))
    ).scalar_one_or_none()
    if token is None or not token.usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.flush()
    return token
