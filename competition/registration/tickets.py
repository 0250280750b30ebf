"""Admission tickets (准考证): the document's plain values, and the signed code in its QR link that lets
venue staff check a ticket by scanning it."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from competition.errors import N_, DomainError
from competition.extensions import db
from competition.pdf.documents import AdmissionSession, AdmissionTicket
from competition.registration.models import Registration, RegistrationMember
from competition.registration.review import RegistrationStatus
from competition.registration.services import latest_draw

_SALT = "admission-ticket"
NOTES = (
    "请携带本准考证和有效身份证件，提前 30 分钟到达检录处。",
    "比赛中只显示参赛号和工位号，不得在作品或试卷上留下姓名、单位等任何标记，否则成绩无效。",
    "对比赛结果有异议的，可在赛项结束后 2 小时内向监督仲裁组书面申诉。",
)


def ticket_ready(registration: Registration) -> bool:
    """A ticket exists once the entry is approved and its draw has been published."""
    draw = latest_draw(registration.event)
    return (
        registration.status is RegistrationStatus.APPROVED
        and registration.competitor_number is not None
        and draw is not None
        and draw.published_at is not None
    )


def ticket_code(member: RegistrationMember, secret_key: str) -> str:
    """The unguessable code in a ticket's QR link: signs the member and the number it was issued with,
    so a ticket from before a redraw no longer verifies."""
    registration = member.registration
    return URLSafeSerializer(secret_key, salt=_SALT).dumps([member.id, registration.competitor_number])


def read_ticket_code(code: str, secret_key: str) -> RegistrationMember:
    """The member a code was issued to. Raises :class:`DomainError` for a forged or outdated code."""
    try:
        member_id, number = URLSafeSerializer(secret_key, salt=_SALT).loads(code)
    except (BadSignature, ValueError, TypeError):
        raise DomainError(N_("准考证查验码无效。")) from None
    member = db.session.get(RegistrationMember, member_id)
    if (
        member is None
        or member.registration.competitor_number != number
        or not ticket_ready(member.registration)
    ):
        raise DomainError(N_("这张准考证已失效（报名已撤回或重新抽签），请以最新准考证为准。"))
    return member


def admission_ticket(member: RegistrationMember, *, verify_url: str) -> AdmissionTicket:
    """The admission ticket of one person in an entry, as plain values for the PDF layout."""
    registration = member.registration
    event = registration.event
    contest = event.contest
    person = member.competitor
    dates = contest.starts_on.isoformat() + (
        f" 至 {contest.ends_on.isoformat()}" if contest.ends_on != contest.starts_on else ""
    )
    number = registration.competitor_number or ""
    if len(registration.members) > 1:
        number = f"{number}-{member.position + 1}"
    return AdmissionTicket(
        contest=contest.name,
        ticket_number=number,
        name=person.name,
        id_type=person.id_type.label,
        id_number=person.id_number,
        unit=registration.unit.name if registration.unit else "",
        event=event.occupation_name + (f"（{event.work_type}）" if event.work_type else ""),
        group=event.group.label + (f" · {registration.team_name}" if registration.team_name else ""),
        verify_url=verify_url,
        sessions=tuple(
            AdmissionSession(
                part=part.kind.label, time=dates, place=contest.venue, seat=f"{registration.station}号工位"
            )
            for part in event.parts
        ),
        notes=NOTES,
        issuer=contest.body.name,
        photo=person.photo,
    )
