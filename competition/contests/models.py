"""Contests, events, parts and judge assignments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.accounts.models import User
from competition.contests.lifecycle import ContestStatus
from competition.domain import Group, PartKind, SkillLevel, Tier
from competition.errors import N_, fmt
from competition.extensions import ExactDecimal, db, str_enum
from competition.organizations.models import OrganizingBody
from competition.registration.eligibility import TitleHolderPolicy


class JudgePosition(StrEnum):
    """A judge's position on an event's panel."""

    JUDGE = "judge"
    CHIEF_JUDGE = "chief_judge"

    @property
    def label(self) -> str:
        """``裁判员`` or ``裁判长``."""
        return N_("裁判长") if self is JudgePosition.CHIEF_JUDGE else N_("裁判员")


contest_co_organizer = sa.Table(
    "contest_co_organizer",
    db.metadata,
    sa.Column("contest_id", sa.ForeignKey("contest.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("body_id", sa.ForeignKey("organizing_body.id"), primary_key=True),
)


class Contest(db.Model):
    """One competition edition, e.g. 2025年绍兴市焊工职业技能竞赛, owned by its organizing body.

    ``version`` guards against lost updates: an edit made from a stale form is refused.
    """

    __tablename__ = "contest"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    year: Mapped[int]
    tier: Mapped[Tier] = mapped_column(str_enum(Tier))
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("organizing_body.id"), index=True)
    venue: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    status: Mapped[ContestStatus] = mapped_column(str_enum(ContestStatus), default=ContestStatus.DRAFT)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    public_notice_ends_on: Mapped[date | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    body: Mapped[OrganizingBody] = relationship()
    co_organizers: Mapped[list[OrganizingBody]] = relationship(
        secondary=contest_co_organizer, order_by=OrganizingBody.name
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="contest",
        order_by="(Event.group, Event.occupation_name, Event.id)",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a dict here
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_plausible"),
        sa.CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL "
            "OR registration_closes_at > registration_opens_at",
            name="registration_window_in_order",
        ),
    )

    def __repr__(self) -> str:
        return f"<Contest {self.id} {self.name}>"


class Event(db.Model):
    """One occupation-and-group inside a contest (赛项), e.g. 焊工 职工组."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id", ondelete="CASCADE"), index=True)
    occupation_name: Mapped[str] = mapped_column(sa.String(60))
    occupation_code: Mapped[str | None] = mapped_column(sa.String(16))
    work_type: Mapped[str | None] = mapped_column(sa.String(60))
    group: Mapped[Group] = mapped_column(str_enum(Group))
    team_size: Mapped[int] = mapped_column(default=1)
    level: Mapped[SkillLevel] = mapped_column(str_enum(SkillLevel))
    capacity: Mapped[int | None]
    # Eligibility rules (资格条件); see competition.registration.eligibility.EventRules.
    age_reference_date: Mapped[date | None]
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    allowed_statuses: Mapped[list[str] | None] = mapped_column(sa.JSON)
    min_level: Mapped[SkillLevel | None] = mapped_column(str_enum(SkillLevel))
    max_level: Mapped[SkillLevel | None] = mapped_column(str_enum(SkillLevel))
    min_years_in_occupation: Mapped[int | None]
    region_prefixes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    max_entries_per_unit: Mapped[int | None]
    restricted_titles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    title_holder_policy: Mapped[TitleHolderPolicy] = mapped_column(
        str_enum(TitleHolderPolicy), default=TitleHolderPolicy.NOT_RANKED
    )
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    contest: Mapped[Contest] = relationship(back_populates="events")
    parts: Mapped[list[EventPart]] = relationship(
        back_populates="event", order_by="EventPart.position", cascade="all, delete-orphan"
    )
    judge_assignments: Mapped[list[JudgeAssignment]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        sa.UniqueConstraint(
            "contest_id", "occupation_name", "work_type", "group", name="uq_event_in_contest"
        ),
        sa.CheckConstraint("team_size BETWEEN 1 AND 10", name="team_size_range"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    @property
    def title(self) -> str:
        """``焊工 职工组``, with the work type when there is one: ``车工（数控车） 学生组``."""
        return event_title(self.occupation_name, self.work_type, self.group)

    @property
    def entry_kind_label(self) -> str:
        """``个人赛`` or ``N人团体赛``."""
        return N_("个人赛") if self.team_size == 1 else fmt(N_("%(n)s人团体赛"), n=self.team_size)

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title}>"


class EventPart(db.Model):
    """A part of an event's assessment (理论知识, 技能操作, 答辩), scored out of 100 and weighted."""

    __tablename__ = "event_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PartKind] = mapped_column(str_enum(PartKind))
    weight: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2))
    pass_mark: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2), default=Decimal(60))
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="parts")

    __table_args__ = (
        sa.UniqueConstraint("event_id", "kind", name="uq_event_part_kind"),
        # CAST: on SQLite ExactDecimal is text, which would compare as text.
        sa.CheckConstraint("CAST(weight AS REAL) > 0 AND CAST(weight AS REAL) <= 100", name="weight_range"),
        sa.CheckConstraint(
            "CAST(pass_mark AS REAL) >= 0 AND CAST(pass_mark AS REAL) <= 100", name="pass_mark_range"
        ),
    )


class JudgeAssignment(db.Model):
    """A judge's seat on one event's panel; the chief judge (裁判长) is one of them."""

    __tablename__ = "judge_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    position: Mapped[JudgePosition] = mapped_column(str_enum(JudgePosition), default=JudgePosition.JUDGE)
    assigned_at: Mapped[datetime]

    event: Mapped[Event] = relationship(back_populates="judge_assignments")
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("event_id", "user_id", name="uq_judge_assignment_seat"),)


def event_title(occupation_name: str, work_type: str | None, group: Group) -> str:
    """:attr:`Event.title` from the event's columns (for code reading them without the ORM):
    ``焊工 职工组``, or ``车工（数控车） 学生组`` with a work type."""
    occupation = occupation_name + (f"（{work_type}）" if work_type else "")
    return fmt(N_("%(occupation)s %(group)s"), occupation=occupation, group=group.label)
