"""User accounts and invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.errors import N_
from competition.extensions import db, str_enum
from competition.organizations.models import OrganizingBody, Unit

if TYPE_CHECKING:
    from competition.registration.models import Competitor


class Role(StrEnum):
    """What an account is for. Chief judges are judges made chief of an event (``JudgePosition``)."""

    ADMIN = "admin"
    ORGANIZER = "organizer"
    JUDGE = "judge"
    UNIT_CONTACT = "unit_contact"
    COMPETITOR = "competitor"

    @property
    def label(self) -> str:
        """Chinese name of the role."""
        return {
            "admin": N_("系统管理员"),
            "organizer": N_("组织方"),
            "judge": N_("裁判员"),
            "unit_contact": N_("单位联系人"),
            "competitor": N_("参赛选手"),
        }[self.value]


class User(UserMixin, db.Model):
    """A person who signs in. Organizers belong to a body; unit contacts to a unit."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(60))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    body_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizing_body.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_sign_in_at: Mapped[datetime | None]
    #: Interface language chosen by the user ("zh" or "en", competition/i18n.py); None: not chosen.
    locale: Mapped[str | None] = mapped_column(sa.String(8))

    body: Mapped[OrganizingBody | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    competitor: Mapped[Competitor | None] = relationship(back_populates="user")

    __table_args__ = (
        sa.CheckConstraint("role <> 'organizer' OR body_id IS NOT NULL", name="organizer_has_body"),
        sa.CheckConstraint("role <> 'unit_contact' OR unit_id IS NOT NULL", name="unit_contact_has_unit"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in for inactive accounts
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}>"


class Invitation(db.Model):
    """A one-time link an organizer sends to a judge or unit contact to create their account.

    Only the SHA-256 of the token is stored; the link is shown once to the organizer.
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    display_name: Mapped[str] = mapped_column(sa.String(60))
    email: Mapped[str | None] = mapped_column(sa.String(120))
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("organizing_body.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"))
    judge_position: Mapped[str | None] = mapped_column(sa.String(16))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None]

    body: Mapped[OrganizingBody] = relationship()
    unit: Mapped[Unit | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        sa.CheckConstraint("role IN ('judge', 'unit_contact')", name="invitable_role"),
        sa.CheckConstraint("role <> 'unit_contact' OR unit_id IS NOT NULL", name="unit_contact_has_unit"),
    )

    def state(self, now: datetime) -> str:
        """``accepted``, ``revoked``, ``expired`` or ``pending`` at ``now``."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "pending"
