"""Contest set-up: contests, events and their parts, judge panels, lifecycle moves. All audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from competition.accounts.models import Role, User
from competition.audit.services import changed, record, snapshot
from competition.contests.lifecycle import ContestFacts, ContestStatus, EventFacts, check_transition
from competition.contests.models import Contest, Event, EventPart, JudgeAssignment, JudgePosition
from competition.contests.validation import PartSpec, check_occupation_code, check_parts, check_schedule
from competition.domain import Group, SkillLevel, Tier
from competition.errors import N_, DomainError, fmt
from competition.extensions import db
from competition.organizations.models import OrganizingBody

_CONTEST_FIELDS = (
    "name",
    "year",
    "tier",
    "venue",
    "starts_on",
    "ends_on",
    "registration_opens_at",
    "registration_closes_at",
    "description",
)
_EVENT_FIELDS = ("occupation_name", "occupation_code", "work_type", "group", "team_size", "level", "capacity")
#: Statuses in which the set-up (schedule, events, parts) may still change.
EDITABLE_STATUSES = frozenset(
    {ContestStatus.DRAFT, ContestStatus.REGISTRATION_OPEN, ContestStatus.REGISTRATION_CLOSED}
)


def _check_version(obj: Contest | Event, expected: int | None) -> None:
    if expected is not None and obj.version != expected:
        raise DomainError(N_("该内容已被他人修改，您看到的是旧版本。请刷新页面后重新修改。"))


def save_contest(
    contest: Contest | None,
    *,
    values: dict[str, Any],
    co_organizer_ids: Sequence[int],
    actor: User,
    now: datetime,
    body: OrganizingBody | None = None,
    expected_version: int | None = None,
) -> Contest:
    """Create (``contest`` is ``None``, owned by ``body``) or update a contest.

    ``values`` holds the fields of :data:`_CONTEST_FIELDS` (``tier`` a Tier).
    Raises :class:`DomainError` for dates out of order, a stale form
    (``expected_version`` differs), or a contest past registration whose
    schedule would change.
    """
    check_schedule(
        year=values["year"],
        starts_on=values["starts_on"],
        ends_on=values["ends_on"],
        registration_opens_at=values.get("registration_opens_at"),
        registration_closes_at=values.get("registration_closes_at"),
    )
    if contest is not None:
        _check_version(contest, expected_version)
        if contest.status not in EDITABLE_STATUSES:
            raise DomainError(
                N_("竞赛处于“%(status)s”阶段，基本信息已不能修改。"), status=contest.status.label
            )
    if body is None and contest is None:
        raise DomainError(N_("请指定主办单位。"))
    co_bodies = list(
        db.session.execute(sa.select(OrganizingBody).where(OrganizingBody.id.in_(co_organizer_ids))).scalars()
    )
    owner_id = contest.body_id if contest is not None else body.id  # type: ignore[union-attr]
    if any(b.id == owner_id for b in co_bodies):
        raise DomainError(N_("主办单位不必再列为协办单位。"), field="co_organizer_ids")
    before = None
    if contest is None:
        contest = Contest(body=body, status=ContestStatus.DRAFT, created_at=now)
        db.session.add(contest)
    else:
        before = snapshot(contest, _CONTEST_FIELDS) | {
            "co_organizers": sorted(b.id for b in contest.co_organizers)
        }
    for name in _CONTEST_FIELDS:
        value = values.get(name)
        setattr(contest, name, value.strip() if isinstance(value, str) else value)
    contest.description = contest.description or ""
    contest.tier = Tier(values["tier"])
    contest.co_organizers = co_bodies
    contest.updated_at = now
    db.session.flush()
    after = snapshot(contest, _CONTEST_FIELDS) | {"co_organizers": sorted(b.id for b in co_bodies)}
    if before is None:
        record(
            "contest.create",
            actor=actor,
            now=now,
            object_type="contest",
            object_id=contest.id,
            contest_id=contest.id,
            summary=fmt(N_("新建竞赛 %(name)s"), name=contest.name),
            after=after,
        )
    else:
        old, new = changed(before, after)
        if new:
            record(
                "contest.update",
                actor=actor,
                now=now,
                object_type="contest",
                object_id=contest.id,
                contest_id=contest.id,
                summary=fmt(N_("修改竞赛 %(name)s"), name=contest.name),
                before=old,
                after=new,
            )
    return contest


def _part_rows(event: Event) -> list[dict[str, Any]]:
    return [
        {"kind": p.kind.value, "weight": str(p.weight), "pass_mark": str(p.pass_mark)} for p in event.parts
    ]


def save_event(
    event: Event | None,
    *,
    contest: Contest,
    values: dict[str, Any],
    parts: Sequence[PartSpec],
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> Event:
    """Create or update an event of ``contest`` with its parts.

    ``values`` holds ``occupation_name``, ``occupation_code``, ``work_type``,
    ``group`` (Group), ``team_size`` (1 = individual), ``level`` (SkillLevel),
    ``capacity``. Raises :class:`DomainError` when weights do not sum to 100, the
    code is malformed, the same occupation and group already exists, the form is
    stale, or the contest is past registration.
    """
    if contest.status not in EDITABLE_STATUSES:
        raise DomainError(N_("竞赛处于“%(status)s”阶段，赛项设置已不能修改。"), status=contest.status.label)
    if event is not None:
        _check_version(event, expected_version)
    check_occupation_code(values.get("occupation_code"))
    check_parts(parts)
    occupation = values["occupation_name"].strip()
    if not occupation:
        raise DomainError(N_("请填写职业（工种）名称。"), field="occupation_name")
    work_type = (values.get("work_type") or "").strip() or None
    group = Group(values["group"])
    for other in contest.events:
        if other is not event and (other.occupation_name, other.work_type, other.group) == (
            occupation,
            work_type,
            group,
        ):
            raise DomainError(N_("本竞赛已有赛项“%(title)s”。"), title=other.title, field="occupation_name")
    team_size = int(values.get("team_size") or 1)
    if not 1 <= team_size <= 10:
        raise DomainError(N_("团队人数应在 1 到 10 之间。"), field="team_size")
    before = None
    if event is None:
        event = Event(contest=contest, created_at=now)
        db.session.add(event)
    else:
        before = snapshot(event, _EVENT_FIELDS) | {"parts": _part_rows(event)}
    event.occupation_name = occupation
    event.occupation_code = (values.get("occupation_code") or "").strip() or None
    event.work_type = work_type
    event.group = group
    event.team_size = team_size
    event.level = SkillLevel(values["level"])
    event.capacity = values.get("capacity") or None
    existing = {p.kind: p for p in event.parts}
    wanted = {spec.kind for spec in parts}
    for kind, part in existing.items():
        if kind not in wanted:
            event.parts.remove(part)
    for position, spec in enumerate(parts):
        part = existing.get(spec.kind) or EventPart(kind=spec.kind)
        part.weight = spec.weight
        part.pass_mark = spec.pass_mark
        part.position = position
        if part not in event.parts:
            event.parts.append(part)
    db.session.flush()
    after = snapshot(event, _EVENT_FIELDS) | {"parts": _part_rows(event)}
    if before is None:
        record(
            "event.create",
            actor=actor,
            now=now,
            object_type="event",
            object_id=event.id,
            contest_id=contest.id,
            summary=fmt(N_("新建赛项 %(title)s"), title=event.title),
            after=after,
        )
    else:
        old, new = changed(before, after)
        if new:
            record(
                "event.update",
                actor=actor,
                now=now,
                object_type="event",
                object_id=event.id,
                contest_id=contest.id,
                summary=fmt(N_("修改赛项 %(title)s"), title=event.title),
                before=old,
                after=new,
            )
    return event


def delete_event(event: Event, *, actor: User, now: datetime) -> None:
    """Remove an event while its contest is still a draft; audited with what was removed."""
    contest = event.contest
    if contest.status is not ContestStatus.DRAFT:
        raise DomainError(N_("只有草稿状态的竞赛可以删除赛项。"))
    before = snapshot(event, _EVENT_FIELDS) | {"parts": _part_rows(event)}
    title, event_id = event.title, event.id
    contest.events.remove(event)
    db.session.flush()
    record(
        "event.delete",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event_id,
        contest_id=contest.id,
        summary=fmt(N_("删除赛项 %(title)s"), title=title),
        before=before,
    )


def contest_facts(contest: Contest) -> ContestFacts:
    """Read what the lifecycle rules need from a contest and its events (results facts from marking)."""
    from competition.marking.results import results_facts

    results = {e.id: results_facts(e) for e in contest.events}
    return ContestFacts(
        status=contest.status,
        starts_on=contest.starts_on,
        ends_on=contest.ends_on,
        registration_opens_at=contest.registration_opens_at,
        registration_closes_at=contest.registration_closes_at,
        public_notice_ends_on=contest.public_notice_ends_on,
        events=tuple(
            EventFacts(
                title=e.title,
                part_weights=tuple(Decimal(p.weight) for p in e.parts),
                judges=len(e.judge_assignments),
                has_chief_judge=any(a.position is JudgePosition.CHIEF_JUDGE for a in e.judge_assignments),
                results_signed_off=results[e.id].signed_off,
                results_published=results[e.id].published,
                appeals_close_at=results[e.id].appeals_close_at,
                pending_appeals=results[e.id].pending_appeals,
                awaiting_republication=results[e.id].awaiting_republication,
            )
            for e in contest.events
        ),
    )


def transition(
    contest: Contest,
    target: ContestStatus,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> None:
    """Move ``contest`` to ``target`` if nothing blocks it (see :func:`lifecycle.blockers`); audited.

    Raises :class:`DomainError` listing every blocker, or for a stale page.
    """
    _check_version(contest, expected_version)
    check_transition(contest_facts(contest), target, now)
    before = contest.status
    contest.status = target
    contest.updated_at = now
    db.session.flush()
    record(
        "contest.transition",
        actor=actor,
        now=now,
        object_type="contest",
        object_id=contest.id,
        contest_id=contest.id,
        summary=fmt(
            N_("%(name)s：%(before)s → %(target)s"),
            name=contest.name,
            before=before.label,
            target=target.label,
        ),
        before={"status": before.value},
        after={"status": target.value},
    )
    if target is ContestStatus.FINAL:
        # The results are final now: propose the promotion and title decisions they earn.
        from competition.promotion.services import propose_on_final

        propose_on_final(contest, actor=actor, now=now)


def assign_judge(
    event: Event, judge: User, position: JudgePosition, *, actor: User, now: datetime
) -> JudgeAssignment:
    """Seat ``judge`` on ``event``'s panel (or change their position); one chief judge per event.

    Raises :class:`DomainError` when the account is not a judge or the event already
    has another chief judge.
    """
    if judge.role is not Role.JUDGE:
        raise DomainError(
            N_("%(display_name)s 不是裁判员账号。"), display_name=judge.display_name, field="username"
        )
    if position is JudgePosition.CHIEF_JUDGE:
        for seat in event.judge_assignments:
            if seat.position is JudgePosition.CHIEF_JUDGE and seat.user_id != judge.id:
                raise DomainError(
                    N_("赛项已有裁判长 %(display_name)s，请先将其改为裁判员。"),
                    display_name=seat.user.display_name,
                    field="position",
                )
    seat = next((a for a in event.judge_assignments if a.user_id == judge.id), None)
    before = {"position": seat.position.value} if seat is not None else None
    if seat is None:
        seat = JudgeAssignment(user=judge, position=position, assigned_at=now)
        event.judge_assignments.append(seat)
    else:
        seat.position = position
    db.session.flush()
    record(
        "judge.assign",
        actor=actor,
        now=now,
        object_type="judge_assignment",
        object_id=seat.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("%(display_name)s 担任 %(title)s 的%(position)s"),
            display_name=judge.display_name,
            title=event.title,
            position=position.label,
        ),
        before=before,
        after={"user_id": judge.id, "position": position.value},
    )
    return seat


def remove_judge(seat: JudgeAssignment, *, actor: User, now: datetime) -> None:
    """Take a judge off an event's panel; audited."""
    event = seat.event
    if event.contest.status not in EDITABLE_STATUSES | {ContestStatus.IN_PROGRESS}:
        raise DomainError(N_("评分开始后不能再调整裁判组。"))
    record(
        "judge.remove",
        actor=actor,
        now=now,
        object_type="judge_assignment",
        object_id=seat.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("%(display_name)s 不再担任 %(title)s 的%(position)s"),
            display_name=seat.user.display_name,
            title=event.title,
            position=seat.position.label,
        ),
        before={"user_id": seat.user_id, "position": seat.position.value},
    )
    event.judge_assignments.remove(seat)
    db.session.flush()


def contests_for(user: User, *, year: int | None = None) -> list[Contest]:
    """The contests a user manages (all for an admin), newest first."""
    query = sa.select(Contest).order_by(Contest.starts_on.desc(), Contest.id.desc())
    if user.role is not Role.ADMIN:
        query = query.where(Contest.body_id == user.body_id)
    if year is not None:
        query = query.where(Contest.year == year)
    return list(db.session.execute(query).scalars())


def public_contests(today: date) -> list[Contest]:
    """Contests the public portal lists (every stage but draft), current and upcoming first."""
    query = (
        sa.select(Contest)
        .where(Contest.status != ContestStatus.DRAFT)
        .order_by((Contest.ends_on < today).asc(), Contest.starts_on.desc())
    )
    return list(db.session.execute(query).scalars())
