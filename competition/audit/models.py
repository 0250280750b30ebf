"""Audit entries: who did what, when, to which object, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from competition.errors import from_data
from competition.extensions import db


class AuditEntry(db.Model):
    """One state-changing action. Never updated or deleted: each entry carries the
    hash of the one before it, so an edited or missing entry breaks the chain.

    ``summary`` is the Chinese sentence; ``summary_data`` (entries written since it was added, when the
    summary was marked for translation) the same sentence as a stored marked message
    (:func:`competition.errors.to_data`), so the log page can show it in the reader's language. Entries
    without it show ``summary``.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    contest_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(sa.String(300))
    summary_data: Mapped[Any | None] = mapped_column(sa.JSON(none_as_null=True))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    entry_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    @property
    def shown_summary(self) -> Any:
        """The summary for a page: the marked message (translated where shown) when stored, else the
        Chinese ``summary``."""
        return from_data(self.summary_data, self.summary) if self.summary_data is not None else self.summary
