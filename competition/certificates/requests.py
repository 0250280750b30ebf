"""The queue of certificates to issue (证书申请): one :class:`CertificateRequest` per person and fact.

Other features ask for certificates through :func:`request_certificate` (the promotion service for
confirmed promotions and honour titles); organizers ask for every award certificate of a contest with
:func:`request_award_certificates`. Requests are issued later, in batches, by
:mod:`competition.certificates.services` (usually in the background job of
:mod:`competition.certificates.jobs`).

``snapshot`` — the facts the certificate attests, plain JSON, by kind (the holder's name, ID and unit
are read from the competitor when the certificate is issued, so a corrected name is printed):

``award``
    ``contest``, ``event``, ``award`` (an :class:`~competition.domain.AwardClass` value) required;
    ``group``, ``rank``, ``unit``, ``team_name``, ``issuer`` optional.
``skill_level``
    ``occupation`` and ``level`` (a :class:`~competition.domain.SkillLevel` value with a grade, or
    ``principal_technician``) required; ``work_type``, ``evaluator`` (default: the
    ``CERT_EVALUATOR_NAME`` setting) optional. Numbered per 人社鉴发〔2019〕2号 with the evaluation
    body's codes from the settings.
``honour``
    ``honour_title`` required; ``citation``, ``unit``, ``issuer`` optional.
``honour_record``
    ``entries`` required: a list of ``{"awarded_on": "YYYY-MM-DD", "title", "conferred_by",
    "certificate_number"}`` (at most 26); ``occupation``, ``level``, ``unit``, ``issuer`` optional.

Every kind: ``contest_id`` and ``event_id`` (group the request into a contest's printing batch) and
``body_id`` (the organizing body whose number prefix, 套打 settings and seal are used; by default the
contest's body). Award and honour kinds need a body, one way or the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from competition.audit.services import record
from competition.certificates.models import CertificateKind, CertificateRequest, RequestState
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event
from competition.domain import AwardClass, SkillLevel
from competition.errors import N_, DomainError, InvariantError, fmt
from competition.extensions import db
from competition.registration.models import Competitor

__all__ = ["AwardRequests", "request_award_certificates", "request_certificate"]

_REQUIRED: dict[CertificateKind, tuple[str, ...]] = {
    CertificateKind.AWARD: ("contest", "event", "award"),
    CertificateKind.SKILL_LEVEL: ("occupation", "level"),
    CertificateKind.HONOUR: ("honour_title",),
    CertificateKind.HONOUR_RECORD: ("entries",),
}
#: Contest stages whose published standings are final (成绩已确认, 已归档).
FINAL_STAGES = (ContestStatus.FINAL, ContestStatus.ARCHIVED)


def _check_snapshot(kind: CertificateKind, snapshot: dict[str, Any]) -> None:
    missing = [key for key in _REQUIRED[kind] if snapshot.get(key) in (None, "", [])]
    if missing:
        raise InvariantError(f"{kind.label}申请缺少 {', '.join(missing)}")
    if kind is CertificateKind.AWARD:
        AwardClass(snapshot["award"])
    elif kind is CertificateKind.SKILL_LEVEL:
        level = SkillLevel(snapshot["level"])
        if level.grade is None and level is not SkillLevel.PRINCIPAL_TECHNICIAN:
            raise DomainError(N_("“%(level)s”没有职业技能等级证书。"), level=level.label)
    elif kind is CertificateKind.HONOUR_RECORD:
        for entry in snapshot["entries"]:
            date.fromisoformat(entry["awarded_on"])
            if not entry.get("title"):
                raise InvariantError("荣誉档案条目缺少 title")


def _placement(snapshot: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    """(body id, contest id, event id) of a request, filled in from its event or contest."""
    event_id, contest_id, body_id = (
        snapshot.get("event_id"),
        snapshot.get("contest_id"),
        snapshot.get("body_id"),
    )
    if event_id is not None and contest_id is None:
        event = db.session.get(Event, event_id)
        if event is None:
            raise InvariantError(f"no event {event_id}")
        contest_id = event.contest_id
    if contest_id is not None and body_id is None:
        contest = db.session.get(Contest, contest_id)
        if contest is None:
            raise InvariantError(f"no contest {contest_id}")
        body_id = contest.body_id
    return body_id, contest_id, event_id


def request_certificate(
    kind: str,
    competitor_id: int,
    snapshot: dict,
    source: str,
    *,
    actor=None,
    now: datetime,
) -> CertificateRequest:
    """Queue one certificate of ``kind`` (``award``, ``skill_level``, ``honour``, ``honour_record``) for
    the competitor, attesting ``snapshot`` (plain JSON; keys by kind in this module's docstring).

    ``source`` names what the certificate comes from, e.g. ``promotion:decision:42`` (at most 160
    characters); asking again with the same kind and source returns the first request unchanged
    (idempotent, also under concurrency). ``actor`` is the user asking, or ``None`` for the system.
    Not audited here: issuing, revoking and reissuing are. Flushes; the caller commits.

    Raises :class:`InvariantError` for an unknown kind, a missing competitor or snapshot key, or an
    award/honour request with no organizing body; :class:`DomainError` for a level that has no
    certificate (学徒工, 首席技师).
    """
    try:
        certificate_kind = CertificateKind(kind)
    except ValueError:
        raise InvariantError(f"unknown certificate kind {kind!r}") from None
    if not source or len(source) > 160:
        raise InvariantError("source must be 1–160 characters")
    existing = _existing(certificate_kind, source)
    if existing is not None:
        return existing
    if db.session.get(Competitor, competitor_id) is None:
        raise InvariantError(f"no competitor {competitor_id}")
    plain = dict(snapshot)
    _check_snapshot(certificate_kind, plain)
    body_id, contest_id, event_id = _placement(plain)
    if body_id is None and certificate_kind is not CertificateKind.SKILL_LEVEL:
        raise InvariantError(f"{certificate_kind.label}申请需要 body_id 或 contest_id")
    request = CertificateRequest(
        kind=certificate_kind,
        source=source,
        competitor_id=competitor_id,
        body_id=body_id,
        contest_id=contest_id,
        event_id=event_id,
        snapshot=plain,
        state=RequestState.PENDING,
        requested_at=now,
        requested_by_id=getattr(actor, "id", None),
    )
    try:
        with db.session.begin_nested():
            db.session.add(request)
            db.session.flush()
    except IntegrityError:
        # Someone else queued the same (kind, source) meanwhile: theirs is the request.
        found = _existing(certificate_kind, source)
        if found is None:
            raise
        return found
    return request


def _existing(kind: CertificateKind, source: str) -> CertificateRequest | None:
    return db.session.execute(
        sa.select(CertificateRequest).where(
            CertificateRequest.kind == kind, CertificateRequest.source == source
        )
    ).scalar_one_or_none()


@dataclass(frozen=True)
class AwardRequests:
    """What one click queued: ``created`` new requests, ``existing`` ones already queued before."""

    created: int
    existing: int

    @property
    def total(self) -> int:
        """Award certificates the contest has in all."""
        return self.created + self.existing


def award_source(event_id: int, registration_id: int, competitor_id: int) -> str:
    """The request source of one person's award certificate for one entry."""
    return f"award:event:{event_id}:registration:{registration_id}:competitor:{competitor_id}"


def request_award_certificates(contest: Contest, *, actor, now: datetime) -> AwardRequests:
    """Queue an award certificate for every person with an award in the contest's current published
    standings (team members each get one), in event and standings order; audited once.

    Raises :class:`DomainError` before the results are final (成绩已确认) or when no event has an
    award.
    """
    from competition.marking.results import current_publication

    if contest.status not in FINAL_STAGES:
        raise DomainError(N_("成绩确认（公示期满）后才能签发获奖证书。"))
    created = existing = 0
    for event in sorted(contest.events, key=lambda e: e.id):
        publication = current_publication(event)
        if publication is None:
            continue
        for standing in publication.standings:
            if standing.award is None or not standing.current:
                continue
            registration = standing.registration
            for member in registration.members:
                if not member.active:
                    continue
                source = award_source(event.id, registration.id, member.competitor_id)
                if _existing(CertificateKind.AWARD, source) is not None:
                    existing += 1
                    continue
                request_certificate(
                    CertificateKind.AWARD.value,
                    member.competitor_id,
                    {
                        "contest_id": contest.id,
                        "event_id": event.id,
                        "contest": contest.name,
                        "event": event.occupation_name
                        + (f"（{event.work_type}）" if event.work_type else ""),
                        "group": event.group.label,
                        "award": standing.award.value,
                        "rank": standing.rank,
                        "unit": registration.unit.name if registration.unit else None,
                        "team_name": registration.team_name,
                    },
                    source,
                    actor=actor,
                    now=now,
                )
                created += 1
    if created + existing == 0:
        raise DomainError(N_("公布的成绩中没有获奖者，无需签发获奖证书。"))
    if created:
        record(
            "certificates.request_awards",
            actor=actor,
            now=now,
            object_type="contest",
            object_id=contest.id,
            contest_id=contest.id,
            summary=fmt(
                N_("申请签发 %(name)s 的获奖证书 %(created)s 张"), name=contest.name, created=created
            ),
            after={"created": created, "existing": existing},
        )
    return AwardRequests(created, existing)
