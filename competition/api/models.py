"""API tokens: a secret a user creates in the browser so another system can act as that user."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.accounts.models import User
from competition.extensions import db


class ApiToken(db.Model):
    """One named API token of a user (令牌).

    Only the SHA-256 of the secret is stored (``token_hash``); ``prefix`` is its first characters, shown
    so a user can tell tokens apart. A token acts with its owner's permissions; it stops working when
    revoked, when ``expires_at`` has passed, or when the owner's account is deactivated.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def usable(self, now: datetime) -> bool:
        """Whether the token may authenticate a request at ``now`` (not revoked, not expired, owner active)."""
        if self.revoked_at is not None or not self.user.active:
            return False
        return self.expires_at is None or now < self.expires_at

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… of user {self.user_id}>"
