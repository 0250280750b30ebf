"""The review of a registration (报名审核): its statuses and the moves between them (pure).

submitted → approved / returned for correction / rejected (with reason) / wait-listed; a returned
entry is corrected and submitted again; a wait-listed entry is approved when a place frees; any
entry not yet rejected may be withdrawn. Reasons are required where the competitor needs one.
"""

from __future__ import annotations

from enum import StrEnum

from competition.errors import N_, DomainError


class RegistrationStatus(StrEnum):
    """Where an entry stands in the review."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``已通过``."""
        return _LABELS[self]


_LABELS = {
    RegistrationStatus.SUBMITTED: N_("待审核"),
    RegistrationStatus.APPROVED: N_("已通过"),
    RegistrationStatus.RETURNED: N_("退回修改"),
    RegistrationStatus.REJECTED: N_("未通过"),
    RegistrationStatus.WAITLISTED: N_("候补"),
    RegistrationStatus.WITHDRAWN: N_("已撤回"),
}

S = RegistrationStatus
#: Allowed moves; the value says whether a reason is required.
MOVES: dict[tuple[RegistrationStatus, RegistrationStatus], bool] = {
    (S.SUBMITTED, S.APPROVED): False,
    (S.SUBMITTED, S.RETURNED): True,
    (S.SUBMITTED, S.REJECTED): True,
    (S.SUBMITTED, S.WAITLISTED): False,
    (S.WAITLISTED, S.APPROVED): False,
    (S.WAITLISTED, S.REJECTED): True,
    (S.RETURNED, S.SUBMITTED): False,
    (S.APPROVED, S.RETURNED): True,
    (S.SUBMITTED, S.WITHDRAWN): False,
    (S.RETURNED, S.WITHDRAWN): False,
    (S.WAITLISTED, S.WITHDRAWN): False,
    (S.APPROVED, S.WITHDRAWN): False,
}

#: Statuses that hold a place (or a claim to one) in the event: one person, one such entry per event.
ACTIVE = frozenset({S.SUBMITTED, S.APPROVED, S.RETURNED, S.WAITLISTED})


def check_move(current: RegistrationStatus, target: RegistrationStatus, reason: str | None) -> None:
    """Raise :class:`DomainError` unless ``current → target`` is allowed and has its required reason."""
    if (current, target) not in MOVES:
        raise DomainError(
            N_("报名状态为“%(current)s”，不能改为“%(target)s”。"), current=current.label, target=target.label
        )
    if MOVES[(current, target)] and not (reason or "").strip():
        raise DomainError(
            N_("改为“%(target)s”须填写原因，报名人会看到这个原因。"), target=target.label, field="reason"
        )
