"""Competitor profiles, registrations (报名) with their members, and draws (抽签)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.accounts.models import User
from competition.contests.models import Event
from competition.domain import Gender, SkillLevel
from competition.errors import N_, stored_messages
from competition.extensions import db, str_enum
from competition.organizations.models import Unit
from competition.registration.eligibility import Status
from competition.registration.idnumbers import IdType
from competition.registration.review import RegistrationStatus


class RegistrationChannel(StrEnum):
    """How an entry came in: the competitor, their unit's batch, or the organizer by hand."""

    SELF = "self"
    UNIT = "unit"
    ORGANIZER = "organizer"

    @property
    def label(self) -> str:
        """Chinese name of the channel."""
        return {"self": N_("个人报名"), "unit": N_("单位报名"), "organizer": N_("组织方录入")}[self.value]


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
    years_in_occupation: Mapped[int] = mapped_column(default=0)
    household_region: Mapped[str | None] = mapped_column(sa.String(6))
    social_insurance_region: Mapped[str | None] = mapped_column(sa.String(6))
    titles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    photo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship(back_populates="competitor")
    unit: Mapped[Unit | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("id_type", "id_number", name="uq_competitor_id_document"),)


class Registration(db.Model):
    """An entry (报名) of one competitor, or of a team, into one event.

    ``members`` are the people; one person holds at most one entry per event (enforced by the
    unique key on :class:`RegistrationMember`). ``eligibility_problems`` keeps the failed checks of
    the last eligibility decision, in Chinese, so reviewers and the entrant see the same reasons;
    ``eligibility_details`` the same reasons as stored marked messages
    (:func:`competition.errors.to_data`), so a page shows them in the reader's language (entries
    assessed before it existed have ``None`` and show the Chinese text).
    """

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus))
    status_reason: Mapped[str | None] = mapped_column(sa.String(300))
    channel: Mapped[RegistrationChannel] = mapped_column(str_enum(RegistrationChannel))
    team_name: Mapped[str | None] = mapped_column(sa.String(60))
    eligible: Mapped[bool] = mapped_column(default=False)
    eligibility_problems: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    eligibility_details: Mapped[list[Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    not_ranked_for_awards: Mapped[bool] = mapped_column(default=False)
    competitor_number: Mapped[str | None] = mapped_column(sa.String(16))
    station: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    event: Mapped[Event] = relationship()
    unit: Mapped[Unit | None] = relationship()
    members: Mapped[list[RegistrationMember]] = relationship(
        back_populates="registration", order_by="RegistrationMember.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        sa.UniqueConstraint("event_id", "competitor_number", name="uq_registration_number"),
        sa.UniqueConstraint("event_id", "station", name="uq_registration_station"),
    )

    @property
    def shown_problems(self) -> list[Any]:
        """The eligibility problems for a page: marked messages (translated where shown) when stored
        beside the Chinese text, else the Chinese text."""
        return stored_messages(self.eligibility_problems, self.eligibility_details)

    @property
    def display_name(self) -> str:
        """The competitor's name, or the team name with its members."""
        names = "、".join(m.competitor.name for m in self.members)
        return f"{self.team_name}（{names}）" if self.team_name else names


class RegistrationMember(db.Model):
    """A person in an entry; ``event_id`` is repeated here so one person holds one entry per event."""

    __tablename__ = "registration_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    competitor_id: Mapped[int] = mapped_column(sa.ForeignKey("competitor.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    registration: Mapped[Registration] = relationship(back_populates="members")
    competitor: Mapped[Competitor] = relationship()

    __table_args__ = (
        # A withdrawn or rejected entry stops holding the person's place (active = false, set by the
        # service), so they may enter again; NULL never collides in a unique index.
        sa.Index(
            "uq_registration_member_person",
            "event_id",
            "competitor_id",
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        ),
    )


class Draw(db.Model):
    """One draw (抽签) of an event: the seed's SHA-256 is published first, the seed after the draw.

    ``sequence`` counts draws of the event (a redraw after publication has a reason and is audited).
    """

    __tablename__ = "draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int]
    commitment: Mapped[str] = mapped_column(sa.String(64))
    seed: Mapped[str] = mapped_column(sa.String(64))
    options: Mapped[dict] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.String(300))
    committed_at: Mapped[datetime]
    committed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    performed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()

    __table_args__ = (sa.UniqueConstraint("event_id", "sequence", name="uq_draw_sequence"),)

    @property
    def revealed_seed(self) -> str | None:
        """The seed, once the draw has been performed; hidden before, so nobody can predict it."""
        return self.seed if self.performed_at is not None else None
