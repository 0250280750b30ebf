"""Competitor profiles (the person who competes). Registrations into events come with issue 3."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.accounts.models import User
from competition.domain import Gender, SkillLevel
from competition.extensions import db, str_enum
from competition.organizations.models import Unit
from competition.registration.eligibility import Status
from competition.registration.idnumbers import IdType


class Competitor(db.Model):
    """A person who competes, identified by ID type and number (unique together).

    ``user`` is their sign-in account when they have one (self-registration);
    competitors registered by their unit may have none.
    """

    __tablename__ = "competitor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    gender: Mapped[Gender] = mapped_column(str_enum(Gender))
    id_type: Mapped[IdType] = mapped_column(str_enum(IdType))
    id_number: Mapped[str] = mapped_column(sa.String(32))
    birth_date: Mapped[date]
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(120))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    status: Mapped[Status] = mapped_column(str_enum(Status))
    education: Mapped[str | None] = mapped_column(sa.String(30))
    current_level: Mapped[SkillLevel | None] = mapped_column(str_enum(SkillLevel))
    level_certificate_number: Mapped[str | None] = mapped_column(sa.String(32))
    level_certified_on: Mapped[date | None]
    created_at: Mapped[datetime]

    user: Mapped[User | None] = relationship(back_populates="competitor")
    unit: Mapped[Unit | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("id_type", "id_number", name="uq_competitor_id_document"),)
