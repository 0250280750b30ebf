"""API test helpers: tokens made through the token service, and Bearer headers."""

from __future__ import annotations

import pytest

from competition.accounts.models import User
from competition.api import tokens
from tests.factories import NOW


def make_token(user: User, *, name: str = "测试令牌", valid_days: int | None = None) -> str:
    """A new token of ``user``; returns the secret."""
    _token, secret = tokens.create_token(user, name, valid_days=valid_days, now=NOW)
    return secret


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header for ``secret``."""
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def org_headers(world) -> dict[str, str]:
    """A token of the world's organizer (ORG's body owns world.contest and world.event)."""
    return bearer(make_token(world.organizer))
