"""Who may do what: the one place the access rules live.

:data:`PERMISSIONS` is the table of role → permissions. Ownership rules (an
organizer sees only its own body's contests; a judge only the events assigned;
a unit contact only its own unit) are the ``may_*`` functions. Views use
:func:`competition.accounts.guards.require` and these functions; nothing else
decides access.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from competition.accounts.models import Role

if TYPE_CHECKING:
    from competition.accounts.models import User
    from competition.certificates.models import Certificate
    from competition.contests.models import Contest, Event


class Permission(StrEnum):
    """An action some roles may take."""

    ADMINISTER_ACCOUNTS = "administer_accounts"
    ADMINISTER_BODIES = "administer_bodies"
    MANAGE_UNITS = "manage_units"
    MANAGE_CONTESTS = "manage_contests"
    INVITE = "invite"
    READ_AUDIT = "read_audit"
    JUDGE_EVENTS = "judge_events"
    REPRESENT_UNIT = "represent_unit"
    COMPETE = "compete"
    USE_API = "use_api"  # API tokens (competition/api); exam-system service accounts are organizer accounts


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            Permission.ADMINISTER_ACCOUNTS,
            Permission.ADMINISTER_BODIES,
            Permission.MANAGE_UNITS,
            Permission.MANAGE_CONTESTS,
            Permission.READ_AUDIT,
            Permission.USE_API,
        }
    ),
    Role.ORGANIZER: frozenset(
        {
            Permission.MANAGE_UNITS,
            Permission.MANAGE_CONTESTS,
            Permission.INVITE,
            Permission.READ_AUDIT,
            Permission.USE_API,
        }
    ),
    Role.JUDGE: frozenset({Permission.JUDGE_EVENTS}),
    Role.UNIT_CONTACT: frozenset({Permission.REPRESENT_UNIT}),
    Role.COMPETITOR: frozenset({Permission.COMPETE}),
}


def has_permission(user: User | None, permission: Permission) -> bool:
    """Whether a signed-in, active ``user`` holds ``permission`` by role."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return permission in PERMISSIONS[user.role]


def may_manage_contest(user: User, contest: Contest) -> bool:
    """Admins manage every contest; organizers only those of their own body."""
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.ORGANIZER and user.body_id == contest.body_id


def may_manage_programme(user: User, programme_body_id: int) -> bool:
    """Honour programmes (评选): admins all; organizers only those of their own body."""
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.ORGANIZER and user.body_id == programme_body_id


def may_keep_level_history(user: User, competitor_body_ids: frozenset[int]) -> bool:
    """A competitor's level history may be kept by admins and by organizers of a body whose contests the
    competitor entered (``competitor_body_ids``, read by the promotion service)."""
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.ORGANIZER and user.body_id in competitor_body_ids


def may_view_body(user: User, body_and_ancestor_ids: list[int]) -> bool:
    """A body's dashboard and yearly targets: admins every body; organizers their own body and every
    body below it (``body_and_ancestor_ids``: the body's id and its ancestors', read by the service)."""
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.ORGANIZER and user.body_id is not None and user.body_id in body_and_ancestor_ids


def may_judge_event(user: User, event: Event) -> bool:
    """A judge (or chief judge) only for the events on whose panel they sit."""
    return user.role is Role.JUDGE and any(a.user_id == user.id for a in event.judge_assignments)


def may_chief_judge_event(user: User, event: Event) -> bool:
    """Only the event's chief judge (裁判长): completeness, divergence, sign-off, decryption."""
    from competition.contests.models import JudgePosition

    return user.role is Role.JUDGE and any(
        a.user_id == user.id and a.position is JudgePosition.CHIEF_JUDGE for a in event.judge_assignments
    )


def may_mark_part(user: User, event: Event, panel_user_ids: frozenset[int]) -> bool:
    """A judge marks a part only when seated on the event and on that part's panel (``panel_user_ids``,
    read by the marking service); conflicts of interest with single entries are checked per entry there."""
    return may_judge_event(user, event) and user.id in panel_user_ids


def may_manage_certificate(user: User, certificate: Certificate) -> bool:
    """Admins every certificate; organizers those issued in their own body's name (its contests)."""
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.ORGANIZER and user.body_id is not None and user.body_id == certificate.body_id


def may_download_certificate(user: User, certificate: Certificate) -> bool:
    """The holder (their competitor account) and whoever may manage the certificate; nobody else."""
    if user.role is Role.COMPETITOR:
        competitor = user.competitor
        return competitor is not None and competitor.id == certificate.competitor_id
    return may_manage_certificate(user, certificate)


def landing_endpoint(user: User) -> str:
    """The endpoint a user sees first after signing in."""
    return {
        Role.ADMIN: "admin.index",
        Role.ORGANIZER: "manage.index",
        Role.JUDGE: "judge.index",
        Role.UNIT_CONTACT: "unit.index",
        Role.COMPETITOR: "me.index",
    }[user.role]
