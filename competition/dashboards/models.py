"""Yearly targets of an organizing body (DOMAIN.md §7), one row per body and year."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.dashboards.targets import Measure, YearTargets
from competition.domain import SkillLevel
from competition.extensions import db, str_enum
from competition.organizations.models import OrganizingBody


class YearTarget(db.Model):
    """What a body means to achieve in a year: one nullable count per :class:`Measure` (NULL = no
    target), the level the 高技能 counts start at, and the source of the numbers (``note``)."""

    __tablename__ = "year_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("organizing_body.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    contests: Mapped[int | None]
    events: Mapped[int | None]
    competitors: Mapped[int | None]
    promotions: Mapped[int | None]
    promotions_high: Mapped[int | None]
    titles: Mapped[int | None]
    certificates: Mapped[int | None]
    certificates_high: Mapped[int | None]
    high_level: Mapped[SkillLevel] = mapped_column(str_enum(SkillLevel), default=SkillLevel.SENIOR_WORKER)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    body: Mapped[OrganizingBody] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a dict here
    __table_args__ = (
        sa.UniqueConstraint("body_id", "year", name="uq_year_target_body_year"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_plausible"),
        *(
            sa.CheckConstraint(f"{m.value} IS NULL OR {m.value} >= 0", name=f"{m.value}_not_negative")
            for m in Measure
        ),
    )

    def as_targets(self) -> YearTargets:
        """The plain-value targets the pure core compares with."""
        return YearTargets(
            values={m: getattr(self, m.value) for m in Measure}, high_level=self.high_level, note=self.note
        )
