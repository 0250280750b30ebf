"""Registration services: competitor profiles, entries through the three channels, eligibility,
review, and the draw. Services flush and audit; views commit once.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from competition.accounts.models import User
from competition.audit.services import changed, record, snapshot
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Event
from competition.domain import Gender, SkillLevel
from competition.errors import N_, DomainError, fmt, joined, to_data
from competition.extensions import db
from competition.registration import draw as drawing
from competition.registration.eligibility import (
    Applicant,
    EligibilityResult,
    EntryCounts,
    EventRules,
    Status,
    TitleHolderPolicy,
    check_eligibility,
    statuses_for_group,
)
from competition.registration.idnumbers import IdType, check_id_number, cross_check
from competition.registration.models import (
    Competitor,
    Draw,
    Registration,
    RegistrationChannel,
    RegistrationMember,
)
from competition.registration.review import ACTIVE, RegistrationStatus, check_move

_PROFILE_FIELDS = (
    "name",
    "gender",
    "id_type",
    "id_number",
    "birth_date",
    "phone",
    "email",
    "unit_id",
    "status",
    "education",
    "current_level",
    "level_certificate_number",
    "level_certified_on",
    "years_in_occupation",
    "household_region",
    "social_insurance_region",
    "titles",
)
#: Contest stages in which entries may be made: competitors and units only while registration is
#: open; organizers also after it closes (late corrections before the contest starts).
_OPEN_FOR = {
    RegistrationChannel.SELF: {ContestStatus.REGISTRATION_OPEN},
    RegistrationChannel.UNIT: {ContestStatus.REGISTRATION_OPEN},
    RegistrationChannel.ORGANIZER: {ContestStatus.REGISTRATION_OPEN, ContestStatus.REGISTRATION_CLOSED},
}


# ---- competitor profiles ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileValues:
    """A competitor profile as entered on a form or a workbook row (values already typed)."""

    name: str
    gender: Gender
    id_type: IdType
    id_number: str
    birth_date: date | None
    phone: str | None
    status: Status
    unit_id: int | None = None
    email: str | None = None
    education: str | None = None
    current_level: SkillLevel | None = None
    level_certificate_number: str | None = None
    level_certified_on: date | None = None
    years_in_occupation: int = 0
    household_region: str | None = None
    social_insurance_region: str | None = None
    titles: tuple[str, ...] = ()


def find_competitor(id_type: IdType, id_number: str) -> Competitor | None:
    """The competitor with this (normalised) ID document, or ``None``."""
    return db.session.execute(
        sa.select(Competitor).where(Competitor.id_type == id_type, Competitor.id_number == id_number)
    ).scalar_one_or_none()


def save_competitor(
    competitor: Competitor | None, values: ProfileValues, *, actor: User | None, now: datetime
) -> Competitor:
    """Create or update a competitor profile after checking the ID number.

    The 居民身份证 and 居住证 numbers are checked by their check digit (GB 11643-1999) and the
    declared gender and birth date are cross-checked against them; the birth date is taken from the
    number when not given. Raises :class:`DomainError` (with the field) for a bad number, a mismatch,
    a missing birth date on other documents, or a number already used by another profile.
    """
    if not values.name.strip():
        raise DomainError(N_("请填写姓名。"), field="name")
    document = check_id_number(values.id_number, values.id_type, today=now.date())
    cross_check(document, gender=values.gender, birth_date=values.birth_date)
    birth_date = values.birth_date or document.birth_date
    if birth_date is None:
        raise DomainError(N_("请填写出生日期。"), field="birth_date")
    clash = find_competitor(values.id_type, document.number)
    if clash is not None and clash is not competitor:
        raise DomainError(
            N_("证件号码 %(number)s… 已有选手档案（%(name)s），请勿重复建档。"),
            number=document.number[:4],
            name=clash.name,
            field="id_number",
        )
    before = snapshot(competitor, _PROFILE_FIELDS) if competitor is not None else None
    if competitor is None:
        competitor = Competitor(created_at=now)
        db.session.add(competitor)
    competitor.name = values.name.strip()
    competitor.gender = values.gender
    competitor.id_type = values.id_type
    competitor.id_number = document.number
    competitor.birth_date = birth_date
    competitor.phone = values.phone or None
    competitor.email = values.email or None
    competitor.unit_id = values.unit_id
    competitor.status = values.status
    competitor.education = values.education or None
    competitor.current_level = values.current_level
    competitor.level_certificate_number = values.level_certificate_number or None
    competitor.level_certified_on = values.level_certified_on
    competitor.years_in_occupation = values.years_in_occupation
    competitor.household_region = values.household_region or None
    competitor.social_insurance_region = values.social_insurance_region or None
    competitor.titles = list(values.titles)
    competitor.updated_at = now
    db.session.flush()
    after = snapshot(competitor, _PROFILE_FIELDS)
    # ID numbers go into the audit log masked: the log is read by more people than the profile.
    for side in (before, after):
        if side is not None:
            side["id_number"] = _masked(side["id_number"])
    if before is None:
        record(
            "competitor.create",
            actor=actor,
            now=now,
            object_type="competitor",
            object_id=competitor.id,
            summary=fmt(N_("新建选手档案 %(name)s"), name=competitor.name),
            after=after,
        )
    else:
        old, new = changed(before, after)
        if new:
            record(
                "competitor.update",
                actor=actor,
                now=now,
                object_type="competitor",
                object_id=competitor.id,
                summary=fmt(N_("修改选手档案 %(name)s"), name=competitor.name),
                before=old,
                after=new,
            )
    return competitor


def set_photo(competitor: Competitor, data: bytes, sha256: str, *, actor: User | None, now: datetime) -> None:
    """Store a checked photo (see :func:`competition.registration.photos.check_photo`); audited by hash."""
    before = competitor.photo_sha256
    competitor.photo = data
    competitor.photo_sha256 = sha256
    competitor.updated_at = now
    db.session.flush()
    record(
        "competitor.photo",
        actor=actor,
        now=now,
        object_type="competitor",
        object_id=competitor.id,
        summary=fmt(N_("更新 %(name)s 的证件照"), name=competitor.name),
        before={"photo_sha256": before},
        after={"photo_sha256": sha256},
    )


def _masked(number: str | None) -> str | None:
    from competition.privacy import mask_id_number

    return mask_id_number(number) if number else number


# ---- eligibility ----------------------------------------------------------------------------------


def event_rules(event: Event) -> EventRules:
    """The eligibility rules the organizer set for ``event`` as the pure core's :class:`EventRules`.

    Ages are reckoned at the event's reference date, by default the contest's first day; the
    statuses default to those of the event's group (职工组: employees and teachers …).
    """
    statuses = (
        frozenset(Status(s) for s in event.allowed_statuses)
        if event.allowed_statuses
        else statuses_for_group(event.group)
    )
    return EventRules(
        reference_date=event.age_reference_date or event.contest.starts_on,
        min_age=event.min_age,
        max_age=event.max_age,
        allowed_statuses=statuses,
        min_level=event.min_level,
        max_level=event.max_level,
        min_years_in_occupation=event.min_years_in_occupation,
        region_prefixes=frozenset(event.region_prefixes or ()),
        max_entries_per_unit=event.max_entries_per_unit,
        capacity=event.capacity,
        restricted_titles=frozenset(event.restricted_titles or ()),
        title_holder_policy=event.title_holder_policy,
    )


def applicant_of(competitor: Competitor, unit_id: int | None) -> Applicant:
    """The facts about ``competitor`` that eligibility depends on."""
    return Applicant(
        birth_date=competitor.birth_date,
        status=competitor.status,
        unit_key=str(unit_id or competitor.unit_id or f"person-{competitor.id}"),
        current_level=competitor.current_level,
        years_in_occupation=competitor.years_in_occupation or 0,
        household_region=competitor.household_region,
        social_insurance_region=competitor.social_insurance_region,
        titles=frozenset(competitor.titles or ()),
    )


def entry_counts(event: Event, unit_id: int | None, *, excluding: Registration | None = None) -> EntryCounts:
    """Approved entries of ``unit_id`` and of the whole event, not counting ``excluding``."""
    base = sa.select(sa.func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.APPROVED
    )
    if excluding is not None and excluding.id is not None:
        base = base.where(Registration.id != excluding.id)
    event_approved = db.session.execute(base).scalar() or 0
    unit_approved = db.session.execute(base.where(Registration.unit_id == unit_id)).scalar() if unit_id else 0
    return EntryCounts(unit_approved=unit_approved or 0, event_approved=event_approved)


def assess(registration: Registration) -> EligibilityResult:
    """Run the eligibility rules for every member and store the outcome on the entry.

    A team is eligible when every member is; it is not ranked when any member is an earlier title
    holder the event does not rank. Returns the result of the first failing member (or the last).
    """
    event = registration.event
    rules = event_rules(event)
    counts = entry_counts(event, registration.unit_id, excluding=registration)
    problems: list[str] = []
    not_ranked = False
    result = None
    for member in registration.members:
        result = check_eligibility(rules, applicant_of(member.competitor, registration.unit_id), counts)
        if len(registration.members) > 1:
            problems += [
                fmt(N_("%(name)s：%(message)s"), name=member.competitor.name, message=failed.message)
                for failed in result.failed
            ]
        else:
            problems += [failed.message for failed in result.failed]
        not_ranked = not_ranked or result.not_ranked_for_awards
    assert result is not None  # an entry always has members
    registration.eligible = not problems
    registration.eligibility_problems = [str(problem) for problem in problems]
    registration.eligibility_details = [to_data(problem) for problem in problems]
    registration.not_ranked_for_awards = not_ranked
    return result


# ---- entries --------------------------------------------------------------------------------------


def register(
    event: Event,
    competitors: Sequence[Competitor],
    *,
    channel: RegistrationChannel,
    actor: User | None,
    now: datetime,
    unit_id: int | None = None,
    team_name: str | None = None,
) -> Registration:
    """Enter ``competitors`` (one, or a team of the event's size) into ``event``; status 待审核.

    Eligibility is checked and kept on the entry (an ineligible entry is still recorded, with its
    reasons, so the reviewer decides). Raises :class:`DomainError` when the contest is not taking
    entries through this channel, the team size is wrong, or a person already holds an entry in
    the event (duplicates across channels are found by ID number, i.e. by profile).
    """
    contest = event.contest
    if contest.status not in _OPEN_FOR[channel]:
        raise DomainError(
            N_("“%(name)s”当前为“%(status)s”，不接受%(channel)s。"),
            name=contest.name,
            status=contest.status.label,
            channel=channel.label,
        )
    if len(competitors) != event.team_size:
        raise DomainError(
            N_("“%(title)s”每队 %(team_size)s 人，提交了 %(competitors_count)s 人。"),
            title=event.title,
            team_size=event.team_size,
            competitors_count=len(competitors),
        )
    if len({c.id for c in competitors}) != len(competitors):
        raise DomainError(N_("同一人不能在一个团队中出现两次。"))
    if event.team_size > 1 and not (team_name or "").strip():
        raise DomainError(N_("团体赛请填写团队名称。"), field="team_name")
    for competitor in competitors:
        existing = active_entry(event, competitor)
        if existing is not None:
            raise DomainError(
                N_("%(name)s 已报名“%(title)s”（%(channel)s，%(status)s），同一人在一个赛项只能有一个报名。"),
                name=competitor.name,
                title=event.title,
                channel=existing.channel.label,
                status=existing.status.label,
            )
    registration = Registration(
        event=event,
        unit_id=unit_id if unit_id is not None else competitors[0].unit_id,
        status=RegistrationStatus.SUBMITTED,
        channel=channel,
        team_name=(team_name or "").strip() or None,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        updated_at=now,
    )
    registration.members = [
        RegistrationMember(event_id=event.id, competitor=c, position=i, active=True)
        for i, c in enumerate(competitors)
    ]
    db.session.add(registration)
    assess(registration)
    db.session.flush()
    record(
        "registration.create",
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.id,
        contest_id=contest.id,
        summary=fmt(
            N_("%(display_name)s 报名 %(title)s（%(channel)s）"),
            display_name=registration.display_name,
            title=event.title,
            channel=channel.label,
        ),
        after={
            "status": registration.status.value,
            "eligible": registration.eligible,
            "problems": registration.eligibility_problems,
        },
    )
    return registration


def active_entry(event: Event, competitor: Competitor) -> Registration | None:
    """The entry holding ``competitor``'s place in ``event``, if any."""
    return db.session.execute(
        sa.select(Registration)
        .join(RegistrationMember)
        .where(
            RegistrationMember.event_id == event.id,
            RegistrationMember.competitor_id == competitor.id,
            RegistrationMember.active.is_(True),
        )
    ).scalar_one_or_none()


def review(
    registration: Registration,
    target: RegistrationStatus,
    *,
    actor: User | None,
    now: datetime,
    reason: str | None = None,
    expected_version: int | None = None,
) -> None:
    """Move an entry to ``target`` (approve, return, reject, wait-list, withdraw, resubmit); audited.

    Approving re-checks eligibility and capacity: an ineligible entry cannot be approved, and when
    the event is full the entry is wait-listed instead. Withdrawn and rejected entries free the
    person's place. Raises :class:`DomainError` for a move that is not allowed, a missing reason,
    or a stale page.
    """
    if expected_version is not None and registration.version != expected_version:
        raise DomainError(N_("该报名已被他人处理，请刷新页面后再操作。"))
    check_move(registration.status, target, reason)
    before = registration.status
    if target in (RegistrationStatus.APPROVED, RegistrationStatus.SUBMITTED):
        result = assess(registration)
        if target is RegistrationStatus.APPROVED:
            if not registration.eligible:
                raise DomainError(
                    N_("不符合报名条件，不能通过：%(problems)s"),
                    problems=joined(registration.shown_problems, "；"),
                )
            if result.waitlisted:
                target = RegistrationStatus.WAITLISTED
                if before is RegistrationStatus.WAITLISTED:
                    raise DomainError(N_("赛项名额已满，仍为候补。"))
    registration.status = target
    registration.status_reason = (reason or "").strip() or None
    registration.updated_at = now
    if target not in ACTIVE:
        for member in registration.members:
            member.active = False
    db.session.flush()
    record(
        "registration.review",
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.id,
        contest_id=registration.event.contest_id,
        summary=fmt(
            N_("%(display_name)s（%(title)s）：%(before)s → %(target)s"),
            display_name=registration.display_name,
            title=registration.event.title,
            before=before.label,
            target=target.label,
        ),
        before={"status": before.value},
        after={"status": target.value, "reason": registration.status_reason},
    )


def approve_eligible(event: Event, *, actor: User, now: datetime) -> tuple[int, int, int]:
    """Approve, in order of submission, every 待审核 entry that passes every check.

    Entries beyond the capacity are wait-listed. Returns ``(approved, waitlisted, left)`` where
    ``left`` counts entries left for a person to look at because a check failed.
    """
    pending = (
        db.session.execute(
            sa.select(Registration)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.SUBMITTED)
            .order_by(Registration.created_at, Registration.id)
        )
        .scalars()
        .all()
    )
    approved = waitlisted = left = 0
    for registration in pending:
        assess(registration)
        if not registration.eligible:
            left += 1
            continue
        review(registration, RegistrationStatus.APPROVED, actor=actor, now=now)
        if registration.status is RegistrationStatus.APPROVED:
            approved += 1
        else:
            waitlisted += 1
    return approved, waitlisted, left


def entries_of(event: Event, *, status: RegistrationStatus | None = None) -> list[Registration]:
    """An event's entries with their members loaded, by number then submission."""
    query = (
        sa.select(Registration)
        .where(Registration.event_id == event.id)
        .options(
            sa.orm.selectinload(Registration.members).selectinload(RegistrationMember.competitor),
            sa.orm.selectinload(Registration.unit),
        )
        .order_by(Registration.competitor_number.is_(None), Registration.competitor_number, Registration.id)
    )
    if status is not None:
        query = query.where(Registration.status == status)
    return list(db.session.execute(query).scalars())


# ---- the draw -------------------------------------------------------------------------------------


def latest_draw(event: Event) -> Draw | None:
    """The event's most recent draw (committed, performed or published), or ``None``."""
    return db.session.execute(
        sa.select(Draw).where(Draw.event_id == event.id).order_by(Draw.sequence.desc()).limit(1)
    ).scalar_one_or_none()


def commit_draw(
    event: Event, options: drawing.DrawOptions, *, actor: User, now: datetime, reason: str | None = None
) -> Draw:
    """Fix a fresh random seed for the next draw and publish its SHA-256 (the commitment).

    A new draw after one was published needs a reason (it is audited). Raises :class:`DomainError`
    when no entry is approved, for a redraw without a reason, or when the options cannot be met by the
    approved entries (e.g. too few stations to keep a unit's entrants apart; field ``stations``).
    """
    approved = entries_of(event, status=RegistrationStatus.APPROVED)
    if not approved:
        raise DomainError(N_("还没有审核通过的报名，不能抽签。"))
    previous = latest_draw(event)
    if previous is not None and previous.published_at is not None and not (reason or "").strip():
        raise DomainError(N_("抽签结果已公布，重新抽签须填写原因。"), field="reason")
    seed = secrets.token_hex(16)
    drawing.draw(
        seed, draw_entries(event), options
    )  # refuse options the draw could not meet, before committing
    draw = Draw(
        event=event,
        sequence=(previous.sequence + 1) if previous is not None else 1,
        commitment=drawing.seed_commitment(seed),
        seed=seed,
        options={
            "number_prefix": options.number_prefix,
            "number_width": options.number_width,
            "first_number": options.first_number,
            "stations": options.stations,
            "separate_units": options.separate_units,
        },
        reason=(reason or "").strip() or None,
        committed_at=now,
        committed_by_id=actor.id,
    )
    db.session.add(draw)
    db.session.flush()
    record(
        "draw.commit",
        actor=actor,
        now=now,
        object_type="draw",
        object_id=draw.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("%(title)s 第 %(sequence)s 次抽签：公布种子的 SHA-256 %(commitment)s…"),
            title=event.title,
            sequence=draw.sequence,
            commitment=draw.commitment[:16],
        ),
        after={"commitment": draw.commitment, "reason": draw.reason, "options": draw.options},
    )
    return draw


def draw_entries(event: Event) -> list[drawing.DrawEntry]:
    """The approved entries as the pure draw sees them: key = registration id, unit = the unit's name
    (unique, and readable in messages and in a published re-run)."""
    return [
        drawing.DrawEntry(
            key=str(r.id), unit_key=r.unit.name if r.unit else f"无单位-{r.id}", team_size=len(r.members)
        )
        for r in entries_of(event, status=RegistrationStatus.APPROVED)
    ]


def perform_draw(draw: Draw, *, actor: User, now: datetime) -> drawing.DrawResult:
    """Run the committed draw over the approved entries and write numbers and stations; audited.

    The seed is revealed from now on. Raises :class:`DomainError` if the draw was already
    performed or the unit-separation option cannot be met.
    """
    if draw.performed_at is not None:
        raise DomainError(N_("这次抽签已经进行过。"))
    event = draw.event
    options = drawing.DrawOptions(**draw.options)
    result = drawing.draw(draw.seed, draw_entries(event), options)
    entries = {str(r.id): r for r in entries_of(event)}
    for registration in entries.values():
        registration.competitor_number = None
        registration.station = None
    db.session.flush()
    for assignment in result.assignments:
        registration = entries[assignment.entry_key]
        registration.competitor_number = assignment.number
        registration.station = assignment.station
    draw.performed_at = now
    db.session.flush()
    record(
        "draw.perform",
        actor=actor,
        now=now,
        object_type="draw",
        object_id=draw.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("%(title)s 第 %(sequence)s 次抽签完成，种子 %(seed)s"),
            title=event.title,
            sequence=draw.sequence,
            seed=draw.seed,
        ),
        after={
            "seed": draw.seed,
            "assignments": {a.entry_key: [a.number, a.station] for a in result.assignments},
        },
    )
    return result


def publish_draw(draw: Draw, *, actor: User, now: datetime) -> None:
    """Publish a performed draw's numbers and stations to entrants; audited."""
    if draw.performed_at is None:
        raise DomainError(N_("请先进行抽签。"))
    if draw.published_at is not None:
        raise DomainError(N_("抽签结果已经公布。"))
    draw.published_at = now
    db.session.flush()
    record(
        "draw.publish",
        actor=actor,
        now=now,
        object_type="draw",
        object_id=draw.id,
        contest_id=draw.event.contest_id,
        summary=fmt(
            N_("公布 %(title)s 第 %(sequence)s 次抽签结果"), title=draw.event.title, sequence=draw.sequence
        ),
    )


def update_eligibility_rules(event: Event, values: dict[str, Any], *, actor: User, now: datetime) -> None:
    """Set an event's eligibility rules from ``values`` (EventRules field names); audited.

    The values are validated by building :class:`EventRules` first, so contradictory rules raise
    :class:`DomainError` naming the field and nothing is changed.
    """
    fields = (
        "age_reference_date",
        "min_age",
        "max_age",
        "allowed_statuses",
        "min_level",
        "max_level",
        "min_years_in_occupation",
        "region_prefixes",
        "max_entries_per_unit",
        "restricted_titles",
        "title_holder_policy",
        "capacity",
    )
    before = snapshot(event, fields)
    candidate = {name: values.get(name, getattr(event, name)) for name in fields}
    EventRules(
        reference_date=candidate["age_reference_date"] or event.contest.starts_on,
        min_age=candidate["min_age"],
        max_age=candidate["max_age"],
        allowed_statuses=frozenset(Status(s) for s in candidate["allowed_statuses"])
        if candidate["allowed_statuses"]
        else statuses_for_group(event.group),
        min_level=candidate["min_level"],
        max_level=candidate["max_level"],
        min_years_in_occupation=candidate["min_years_in_occupation"],
        region_prefixes=frozenset(candidate["region_prefixes"] or ()),
        max_entries_per_unit=candidate["max_entries_per_unit"],
        capacity=candidate["capacity"],
        restricted_titles=frozenset(candidate["restricted_titles"] or ()),
        title_holder_policy=TitleHolderPolicy(candidate["title_holder_policy"]),
    )
    for name, value in candidate.items():
        setattr(event, name, value)
    db.session.flush()
    old, new = changed(before, snapshot(event, fields))
    if new:
        record(
            "event.eligibility",
            actor=actor,
            now=now,
            object_type="event",
            object_id=event.id,
            contest_id=event.contest_id,
            summary=fmt(N_("修改 %(title)s 的报名条件"), title=event.title),
            before=old,
            after=new,
        )
