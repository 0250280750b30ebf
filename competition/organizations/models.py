"""Organizing bodies and the units competitors belong to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.errors import N_
from competition.extensions import db, str_enum


class BodyKind(StrEnum):
    """Kind of organizing body (DOMAIN.md §1, organizer)."""

    HRSS = "hrss"
    TRADE_UNION = "trade_union"
    ASSOCIATION = "association"
    ENTERPRISE = "enterprise"
    SCHOOL = "school"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Chinese name of the kind."""
        return {
            "hrss": N_("人力资源和社会保障局"),
            "trade_union": N_("总工会"),
            "association": N_("行业协会"),
            "enterprise": N_("企业"),
            "school": N_("院校"),
            "other": N_("其他"),
        }[self.value]


class UnitKind(StrEnum):
    """An employer (工作单位) or a school (学校)."""

    EMPLOYER = "employer"
    SCHOOL = "school"

    @property
    def label(self) -> str:
        """Chinese name of the kind."""
        return N_("工作单位") if self is UnitKind.EMPLOYER else N_("学校")


class OrganizingBody(db.Model):
    """A body that organizes contests: 人社局, 总工会, 行业协会, an enterprise or a school.

    Bodies form a tree by region (市 → 县/区) through ``parent``.
    """

    __tablename__ = "organizing_body"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind))
    region_code: Mapped[str] = mapped_column(sa.String(6))
    region_name: Mapped[str] = mapped_column(sa.String(60))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizing_body.id"), index=True)
    created_at: Mapped[datetime]

    parent: Mapped[OrganizingBody | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrganizingBody]] = relationship(back_populates="parent")

    __table_args__ = (sa.CheckConstraint("length(region_code) = 6", name="region_code_six_digits"),)

    def __repr__(self) -> str:
        return f"<OrganizingBody {self.id} {self.name}>"


class Unit(db.Model):
    """An employer or school that competitors belong to; drives batch registration and conflicts."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    region_code: Mapped[str] = mapped_column(sa.String(6))
    region_name: Mapped[str] = mapped_column(sa.String(60))
    created_at: Mapped[datetime]

    __table_args__ = (sa.CheckConstraint("length(region_code) = 6", name="region_code_six_digits"),)

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name}>"
