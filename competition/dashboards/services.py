"""Dashboard services: the body tree an organizer sees, a year's figures read from the database, the
yearly targets (saved and audited), and the overview of contests with their lifecycle blockers.

Figures count what the platform recorded (see :class:`~competition.dashboards.targets.YearFigures` for
each definition); the comparison with targets is the pure core's (:func:`targets.compare`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from competition.accounts.access import may_view_body
from competition.accounts.models import User
from competition.audit.services import changed, record
from competition.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateRequest,
    CertificateStatus,
)
from competition.contests.lifecycle import ACTION_LABELS, TRANSITIONS, ContestStatus, blockers
from competition.contests.models import Contest, Event
from competition.contests.services import contest_facts
from competition.dashboards.models import YearTarget
from competition.dashboards.targets import Measure, YearFigures, YearTargets, check_targets
from competition.domain import SkillLevel
from competition.errors import N_, DomainError, fmt
from competition.extensions import db
from competition.marking.models import Mark, PublishedStanding
from competition.organizations.models import OrganizingBody
from competition.promotion.models import HonourProgramme, HonourRecord, PromotionDecision, ReviewState
from competition.promotion.rules import DecisionKind
from competition.registration.models import Registration, RegistrationMember
from competition.registration.review import ACTIVE, RegistrationStatus

#: Stages at which a contest counts as held (it has started).
HELD = frozenset(
    {
        ContestStatus.IN_PROGRESS,
        ContestStatus.MARKING,
        ContestStatus.PUBLIC_NOTICE,
        ContestStatus.FINAL,
        ContestStatus.ARCHIVED,
    }
)
#: Stages at which a contest is published but has not started.
PLANNED = frozenset({ContestStatus.REGISTRATION_OPEN, ContestStatus.REGISTRATION_CLOSED})


# ---- the body tree ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyNode:
    """A body with its depth under the root being shown (0 = the root)."""

    body: OrganizingBody
    depth: int


def _children() -> dict[int | None, list[OrganizingBody]]:
    by_parent: dict[int | None, list[OrganizingBody]] = defaultdict(list)
    for body in db.session.execute(sa.select(OrganizingBody).order_by(OrganizingBody.name)).scalars():
        by_parent[body.parent_id].append(body)
    return by_parent


def subtree(body: OrganizingBody) -> list[BodyNode]:
    """``body`` and every body below it (depth first, by name), each with its depth."""
    by_parent = _children()
    nodes: list[BodyNode] = []
    seen: set[int] = set()

    def walk(node: OrganizingBody, depth: int) -> None:
        if node.id in seen:  # a cycle in bad data must not hang the page
            return
        seen.add(node.id)
        nodes.append(BodyNode(node, depth))
        for child in by_parent.get(node.id, []):
            walk(child, depth + 1)

    walk(body, 0)
    return nodes


def ancestor_ids(body: OrganizingBody) -> list[int]:
    """The ids of ``body`` and every body above it, nearest first."""
    ids: list[int] = []
    node: OrganizingBody | None = body
    while node is not None and node.id not in ids:
        ids.append(node.id)
        node = node.parent
    return ids


def viewable_body_or_none(user: User, body_id: int) -> OrganizingBody | None:
    """The body if ``user`` may see its dashboard (admins: all; organizers: their body and every body
    below it), else ``None``."""
    body = db.session.get(OrganizingBody, body_id)
    if body is None or not may_view_body(user, ancestor_ids(body)):
        return None
    return body


def viewable_roots(user: User) -> list[OrganizingBody]:
    """The top bodies a user's dashboard starts from: the organizer's own body; for an admin every body
    without a parent."""
    if user.body is not None:
        return [user.body]
    return list(_children().get(None, []))


# ---- figures ----------------------------------------------------------------------------------------


def _count(query: sa.Select) -> int:
    return int(db.session.execute(query).scalar() or 0)


def year_figures(body_ids: Iterable[int], year: int) -> YearFigures:
    """The figures of ``year`` for the contests, decisions, honour records and certificates of the
    bodies ``body_ids`` together (a person who competed in two of them counts once).

    Contests count by their ``year``; promotions and titles by their contest's year; honour records by
    the day conferred; certificates by the day first issued (reissues replace, revoked ones drop out).
    """
    ids = sorted(set(body_ids))
    if not ids:
        return YearFigures()
    of_year = sa.and_(Contest.body_id.in_(ids), Contest.year == year)
    by_status = dict(
        db.session.execute(
            sa.select(Contest.status, sa.func.count()).where(of_year).group_by(Contest.status)
        ).all()
    )
    held = sa.and_(of_year, Contest.status.in_(list(HELD)))
    events = _count(sa.select(sa.func.count(Event.id)).join(Contest).where(held))
    competitors = _count(
        sa.select(sa.func.count(sa.distinct(RegistrationMember.competitor_id)))
        .join(Registration, Registration.id == RegistrationMember.registration_id)
        .join(Event, Event.id == Registration.event_id)
        .join(Contest, Contest.id == Event.contest_id)
        .where(held, Registration.status == RegistrationStatus.APPROVED, RegistrationMember.active)
    )
    level = sa.func.coalesce(PromotionDecision.adjusted_level, PromotionDecision.level)
    confirmed = sa.and_(of_year, PromotionDecision.state == ReviewState.CONFIRMED)
    promotions = {
        SkillLevel(value): n
        for value, n in db.session.execute(
            sa.select(level, sa.func.count())
            .join(Contest, Contest.id == PromotionDecision.contest_id)
            .where(confirmed, PromotionDecision.kind == DecisionKind.PROMOTION, level.is_not(None))
            .group_by(level)
        ).all()
    }
    title_decisions = _count(
        sa.select(sa.func.count(PromotionDecision.id))
        .join(Contest, Contest.id == PromotionDecision.contest_id)
        .where(confirmed, PromotionDecision.kind == DecisionKind.TITLE)
    )
    honour_records = _count(
        sa.select(sa.func.count(HonourRecord.id))
        .join(HonourProgramme, HonourProgramme.id == HonourRecord.programme_id)
        .where(
            HonourProgramme.body_id.in_(ids),
            HonourRecord.conferred_on >= date(year, 1, 1),
            HonourRecord.conferred_on <= date(year, 12, 31),
        )
    )
    issued = sa.and_(
        Certificate.body_id.in_(ids),
        Certificate.issued_at >= datetime(year, 1, 1),
        Certificate.issued_at < datetime(year + 1, 1, 1),
        Certificate.replaces_id.is_(None),
        Certificate.status != CertificateStatus.REVOKED,
    )
    by_kind = {
        CertificateKind(kind).value: n
        for kind, n in db.session.execute(
            sa.select(Certificate.kind, sa.func.count()).where(issued).group_by(Certificate.kind)
        ).all()
    }
    # the level as requested (a SkillLevel value); the certificate's own snapshot holds the printed form
    cert_level = CertificateRequest.snapshot["level"].as_string()
    level_certificates: dict[SkillLevel, int] = {}
    for value, n in db.session.execute(
        sa.select(cert_level, sa.func.count())
        .select_from(Certificate)
        .join(CertificateRequest, CertificateRequest.id == Certificate.request_id)
        .where(issued, Certificate.kind == CertificateKind.SKILL_LEVEL)
        .group_by(cert_level)
    ).all():
        if value:
            level_certificates[SkillLevel(value)] = n
    return YearFigures(
        contests_held=sum(n for status, n in by_status.items() if status in HELD),
        contests_planned=sum(n for status, n in by_status.items() if status in PLANNED),
        events=events,
        competitors=competitors,
        promotions_by_level=promotions,
        title_decisions=title_decisions,
        honour_records=honour_records,
        certificates_by_kind=by_kind,
        level_certificates=level_certificates,
    )


def years_with_data(body_ids: Iterable[int]) -> list[int]:
    """Years in which the bodies have contests or targets, newest first."""
    ids = sorted(set(body_ids))
    years = set(db.session.execute(sa.select(Contest.year).where(Contest.body_id.in_(ids))).scalars())
    years |= set(db.session.execute(sa.select(YearTarget.year).where(YearTarget.body_id.in_(ids))).scalars())
    return sorted(years, reverse=True)


# ---- targets ----------------------------------------------------------------------------------------


def target_of(body: OrganizingBody, year: int) -> YearTarget | None:
    """The body's stored targets for ``year``, or ``None``."""
    return db.session.execute(
        sa.select(YearTarget).where(YearTarget.body_id == body.id, YearTarget.year == year)
    ).scalar()


def targets_of(body: OrganizingBody, year: int) -> YearTargets:
    """The body's targets for ``year`` as plain values (no target set: every measure ``None``)."""
    stored = target_of(body, year)
    return stored.as_targets() if stored is not None else YearTargets(values={})


_TARGET_FIELDS = (*(m.value for m in Measure), "high_level", "note")


def _target_state(target: YearTarget) -> dict:
    state = {name: getattr(target, name) for name in _TARGET_FIELDS}
    state["high_level"] = target.high_level.value
    return state


def save_targets(
    body: OrganizingBody,
    year: int,
    *,
    values: Mapping[Measure, int | None],
    high_level: SkillLevel,
    note: str,
    actor: User | None,
    now: datetime,
    expected_version: int | None = None,
) -> YearTarget:
    """Create or replace ``body``'s targets for ``year``; audited with the values before and after.

    Raises :class:`DomainError` for a year outside 2000–2100, invalid numbers (see
    :func:`targets.check_targets`), or a stale form (``expected_version`` differs from the stored row).
    """
    if not 2000 <= year <= 2100:
        raise DomainError(N_("年度应在 2000 到 2100 之间。"), field="year")
    checked = check_targets(values)
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError(N_("说明不能超过 500 个字。"), field="note")
    target = target_of(body, year)
    before = None
    if target is None:
        target = YearTarget(body_id=body.id, year=year, note="", updated_at=now)
        try:
            with db.session.begin_nested():  # two first saves at once: the second is told, not a 500
                db.session.add(target)
                db.session.flush()
        except sa.exc.IntegrityError:
            raise DomainError(N_("该年度目标刚被他人设定，请刷新页面后重新填写。")) from None
    else:
        if expected_version is not None and target.version != expected_version:
            raise DomainError(N_("该年度目标已被他人修改，请刷新页面后重新填写。"))
        before = _target_state(target)
    for measure, value in checked.items():
        setattr(target, measure.value, value)
    target.high_level = high_level
    target.note = note
    target.updated_at = now
    target.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    after = _target_state(target)
    old, new = changed(before or {}, after)
    if before is None or new:
        record(
            "targets.save",
            actor=actor,
            now=now,
            object_type="year_target",
            object_id=target.id,
            summary=fmt(
                N_("设定 %(body)s %(year)s 年度目标")
                if before is None
                else N_("修改 %(body)s %(year)s 年度目标"),
                body=body.name,
                year=year,
            ),
            before=old if before is not None else None,
            after=new,
        )
    return target


# ---- contests overview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextMove:
    """A move the contest may make next, with every reason it is blocked (empty: it may go ahead)."""

    target: ContestStatus
    action: str
    blockers: tuple[str, ...]


@dataclass(frozen=True)
class ContestRow:
    """One contest on the overview: its counts and next moves. ``registrations`` are entries holding a
    place (submitted, approved, returned, wait-listed), ``marked`` entries with at least one mark,
    ``published`` lines in the current published standings."""

    contest: Contest
    registrations: int
    approved: int
    marked: int
    published: int
    moves: tuple[NextMove, ...]


def _per_contest(query: sa.Select) -> dict[int, int]:
    return {contest_id: int(n) for contest_id, n in db.session.execute(query).all()}


def contest_rows(contests: list[Contest], now: datetime) -> list[ContestRow]:
    """The overview rows of ``contests`` (in their order); moves and blockers come from the lifecycle
    core (:func:`competition.contests.lifecycle.blockers`) on the same facts the contest page uses."""
    ids = [c.id for c in contests]
    if not ids:
        return []
    entries = (
        sa.select(Event.contest_id, sa.func.count(Registration.id))
        .join(Registration, Registration.event_id == Event.id)
        .where(Event.contest_id.in_(ids))
        .group_by(Event.contest_id)
    )
    registrations = _per_contest(entries.where(Registration.status.in_(list(ACTIVE))))
    approved = _per_contest(entries.where(Registration.status == RegistrationStatus.APPROVED))
    marked = _per_contest(
        sa.select(Event.contest_id, sa.func.count(sa.distinct(Mark.registration_id)))
        .join(Mark, Mark.event_id == Event.id)
        .where(Event.contest_id.in_(ids), Mark.value.is_not(None))
        .group_by(Event.contest_id)
    )
    published = _per_contest(
        sa.select(Event.contest_id, sa.func.count(PublishedStanding.id))
        .join(PublishedStanding, PublishedStanding.event_id == Event.id)
        .where(Event.contest_id.in_(ids), PublishedStanding.current)
        .group_by(Event.contest_id)
    )
    rows = []
    for contest in contests:
        facts = contest_facts(contest)
        moves = tuple(
            NextMove(target, ACTION_LABELS[target], tuple(blockers(facts, target, now)))
            for target in TRANSITIONS[contest.status]
        )
        rows.append(
            ContestRow(
                contest,
                registrations.get(contest.id, 0),
                approved.get(contest.id, 0),
                marked.get(contest.id, 0),
                published.get(contest.id, 0),
                moves,
            )
        )
    return rows
