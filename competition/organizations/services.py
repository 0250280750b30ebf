"""Creating and editing organizing bodies and units, audited."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from competition.audit.services import changed, record, snapshot
from competition.errors import N_, DomainError, fmt
from competition.extensions import db
from competition.organizations.models import BodyKind, OrganizingBody, Unit, UnitKind

_BODY_FIELDS = ("name", "kind", "region_code", "region_name", "parent_id")
_UNIT_FIELDS = ("name", "kind", "credit_code", "region_code", "region_name")
# 统一社会信用代码 (GB 32100-2015): 18 characters from digits and capital letters without I, O, S, V, Z.
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def _check_region(region_code: str) -> None:
    if not re.fullmatch(r"\d{6}", region_code or ""):
        raise DomainError(N_("行政区划代码应为 6 位数字，如 330600（绍兴市）。"), field="region_code")


def save_body(
    body: OrganizingBody | None, *, values: dict[str, Any], actor: Any, now: datetime
) -> OrganizingBody:
    """Create (``body`` is ``None``) or update an organizing body from ``values``.

    ``values`` holds ``name``, ``kind`` (BodyKind), ``region_code``, ``region_name``,
    ``parent_id`` (or ``None``). Raises :class:`DomainError` for a duplicate name,
    a bad region code, or a parent that would make a cycle.
    """
    name = values["name"].strip()
    _check_region(values["region_code"])
    clash = db.session.execute(sa.select(OrganizingBody.id).where(OrganizingBody.name == name)).scalar()
    if clash is not None and (body is None or clash != body.id):
        raise DomainError(N_("已有名为“%(name)s”的组织单位。"), name=name, field="name")
    parent_id = values.get("parent_id")
    if body is not None and parent_id is not None:
        ancestor = db.session.get(OrganizingBody, parent_id)
        while ancestor is not None:
            if ancestor.id == body.id:
                raise DomainError(N_("上级单位不能是本单位或其下级单位。"), field="parent_id")
            ancestor = ancestor.parent
    before = snapshot(body, _BODY_FIELDS) if body is not None else None
    if body is None:
        body = OrganizingBody(created_at=now)
        db.session.add(body)
    body.name = name
    body.kind = BodyKind(values["kind"])
    body.region_code = values["region_code"]
    body.region_name = values["region_name"].strip()
    body.parent_id = parent_id
    db.session.flush()
    after = snapshot(body, _BODY_FIELDS)
    if before is None:
        record(
            "body.create",
            actor=actor,
            now=now,
            object_type="organizing_body",
            object_id=body.id,
            summary=fmt(N_("新建组织单位 %(name)s"), name=body.name),
            after=after,
        )
    else:
        old, new = changed(before, after)
        if new:
            record(
                "body.update",
                actor=actor,
                now=now,
                object_type="organizing_body",
                object_id=body.id,
                summary=fmt(N_("修改组织单位 %(name)s"), name=body.name),
                before=old,
                after=new,
            )
    return body


def save_unit(unit: Unit | None, *, values: dict[str, Any], actor: Any, now: datetime) -> Unit:
    """Create or update a unit (employer or school) from ``values``.

    ``values`` holds ``name``, ``kind`` (UnitKind), ``credit_code`` (optional
    统一社会信用代码), ``region_code``, ``region_name``. Raises :class:`DomainError`
    for a duplicate name or code, or a malformed code.
    """
    name = values["name"].strip()
    _check_region(values["region_code"])
    credit_code = (values.get("credit_code") or "").strip().upper() or None
    if credit_code is not None and not _CREDIT_CODE.match(credit_code):
        raise DomainError(N_("统一社会信用代码应为 18 位数字或大写字母。"), field="credit_code")
    clash = db.session.execute(sa.select(Unit.id).where(Unit.name == name)).scalar()
    if clash is not None and (unit is None or clash != unit.id):
        raise DomainError(N_("已有名为“%(name)s”的单位。"), name=name, field="name")
    if credit_code is not None:
        clash = db.session.execute(sa.select(Unit.id).where(Unit.credit_code == credit_code)).scalar()
        if clash is not None and (unit is None or clash != unit.id):
            raise DomainError(N_("已有单位使用这个统一社会信用代码。"), field="credit_code")
    before = snapshot(unit, _UNIT_FIELDS) if unit is not None else None
    if unit is None:
        unit = Unit(created_at=now)
        db.session.add(unit)
    unit.name = name
    unit.kind = UnitKind(values["kind"])
    unit.credit_code = credit_code
    unit.region_code = values["region_code"]
    unit.region_name = values["region_name"].strip()
    db.session.flush()
    after = snapshot(unit, _UNIT_FIELDS)
    if before is None:
        record(
            "unit.create",
            actor=actor,
            now=now,
            object_type="unit",
            object_id=unit.id,
            summary=fmt(N_("新建单位 %(name)s"), name=unit.name),
            after=after,
        )
    else:
        old, new = changed(before, after)
        if new:
            record(
                "unit.update",
                actor=actor,
                now=now,
                object_type="unit",
                object_id=unit.id,
                summary=fmt(N_("修改单位 %(name)s"), name=unit.name),
                before=old,
                after=new,
            )
    return unit
