"""Tables of certificates: the queue of requests, issued certificates, number counters, public lookups,
and each organizing body's certificate settings (number prefix, 套打 offsets, emblem, seal, signature).

An issued :class:`Certificate` is immutable: only its status columns change (revoked, superseded by a
reissue); a flush that changes anything else raises :class:`InvariantError`. Models never commit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.accounts.models import User
from competition.errors import N_, InvariantError
from competition.extensions import db, str_enum
from competition.organizations.models import OrganizingBody
from competition.registration.models import Competitor


class CertificateKind(StrEnum):
    """What a certificate attests; the value is the ``kind`` argument of ``request_certificate``."""

    AWARD = "award"
    SKILL_LEVEL = "skill_level"
    HONOUR = "honour"
    HONOUR_RECORD = "honour_record"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``获奖证书``."""
        return {
            "award": N_("获奖证书"),
            "skill_level": N_("职业技能等级证书"),
            "honour": N_("荣誉证书"),
            "honour_record": N_("荣誉档案"),
        }[self.value]

    @property
    def number_code(self) -> str:
        """The kind's letters inside award and honour numbers (``JSRS2025-HJ-000001``); skill-level
        numbers follow 人社鉴发〔2019〕2号 instead."""
        return {"award": "HJ", "skill_level": "", "honour": "RY", "honour_record": "DA"}[self.value]


class RequestState(StrEnum):
    """A request waits (pending) until a certificate is issued for it, or is cancelled."""

    PENDING = "pending"
    ISSUED = "issued"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"pending": N_("待签发"), "issued": N_("已签发"), "cancelled": N_("已撤销")}[self.value]


class CertificateStatus(StrEnum):
    """Valid, revoked (with a reason), or superseded by a reissue (更正/补发)."""

    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"valid": N_("有效"), "revoked": N_("已注销"), "superseded": N_("已被更正/补发的证书取代")}[
            self.value
        ]


class CertificateRequest(db.Model):
    """One certificate to issue: who, what kind, the facts it attests (``snapshot``, plain JSON) and
    where the request came from (``source``, unique per kind, so asking twice changes nothing).

    ``contest_id``/``event_id`` group requests into printing batches; ``body_id`` is the organizing
    body whose prefix, layouts and seal the certificate uses.
    """

    __tablename__ = "certificate_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CertificateKind] = mapped_column(str_enum(CertificateKind))
    source: Mapped[str] = mapped_column(sa.String(160))
    competitor_id: Mapped[int] = mapped_column(sa.ForeignKey("competitor.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizing_body.id"), index=True)
    contest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contest.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"), index=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    state: Mapped[RequestState] = mapped_column(str_enum(RequestState), default=RequestState.PENDING)
    requested_at: Mapped[datetime]
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    competitor: Mapped[Competitor] = relationship()
    body: Mapped[OrganizingBody | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("kind", "source", name="uq_certificate_request_source"),
        sa.Index("ix_certificate_request_state", "state", "contest_id"),
    )


class Certificate(db.Model):
    """An issued certificate: number, holder, what it attests (``snapshot``: every value printed, as
    plain JSON), the layout version, where its PDF is stored and the PDF's SHA-256, and the random
    code of its public verification page. Downloads always return the stored bytes.

    ``replaces_id`` points to the certificate a reissue replaces (that one is then ``superseded``).
    ``sequence``/``serial`` record the counter the number was drawn from.
    """

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate_request.id"), index=True)
    kind: Mapped[CertificateKind] = mapped_column(str_enum(CertificateKind))
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    sequence: Mapped[str] = mapped_column(sa.String(60))
    serial: Mapped[int]
    verify_code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    competitor_id: Mapped[int] = mapped_column(sa.ForeignKey("competitor.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizing_body.id"), index=True)
    contest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contest.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"), index=True)
    holder_name: Mapped[str] = mapped_column(sa.String(60))
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    template_version: Mapped[str] = mapped_column(sa.String(60))
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"), unique=True)
    status: Mapped[CertificateStatus] = mapped_column(
        str_enum(CertificateStatus), default=CertificateStatus.VALID
    )
    status_reason: Mapped[str | None] = mapped_column(sa.String(300))
    status_changed_at: Mapped[datetime | None]
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    request: Mapped[CertificateRequest] = relationship()
    competitor: Mapped[Competitor] = relationship()
    body: Mapped[OrganizingBody | None] = relationship()
    replaces: Mapped[Certificate | None] = relationship(remote_side=[id], foreign_keys=[replaces_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])

    __table_args__ = (
        sa.UniqueConstraint("sequence", "serial", name="uq_certificate_serial"),
        # One original certificate per request: issuing is idempotent per request.
        sa.Index(
            "uq_certificate_original",
            "request_id",
            unique=True,
            sqlite_where=sa.text("replaces_id IS NULL"),
            postgresql_where=sa.text("replaces_id IS NULL"),
        ),
        sa.CheckConstraint("serial >= 1", name="serial_positive"),
        sa.CheckConstraint("status = 'valid' OR status_reason IS NOT NULL", name="status_change_has_reason"),
    )


#: Columns of an issued certificate that may still change.
MUTABLE_CERTIFICATE_COLUMNS = frozenset(
    {"status", "status_reason", "status_changed_at", "status_changed_by_id"}
)


@sa_event.listens_for(Certificate, "before_update")
def _certificate_is_immutable(_mapper, _connection, target: Certificate) -> None:
    state = sa.inspect(target)
    changed = {
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes() and attr.key not in MUTABLE_CERTIFICATE_COLUMNS
    }
    if changed:
        raise InvariantError(f"签发后的证书不可修改：{', '.join(sorted(changed))}")


class CertificateCounter(db.Model):
    """The last serial drawn from one numbering sequence (``sequence``: the 16-character head of a
    skill-level number, or ``HJ:<body id>:<year>`` for award and honour numbers). Incremented under
    a row lock in the transaction that inserts the certificate, so serials are unique and gap-free."""

    __tablename__ = "certificate_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[str] = mapped_column(sa.String(60), unique=True)
    last_serial: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.CheckConstraint("last_serial >= 0", name="last_serial_non_negative"),)


class CertificateLookup(db.Model):
    """One public verification look-up: when, by code or by number, what was asked (truncated), whether
    a certificate was found, and the client address as a keyed hash (never the address itself)."""

    __tablename__ = "certificate_lookup"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    via: Mapped[str] = mapped_column(sa.String(8))
    query: Mapped[str] = mapped_column(sa.String(64))
    found: Mapped[bool]
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"), index=True)
    client_hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.CheckConstraint("via IN ('code', 'number')", name="via_known"),)


class IssuerSettings(db.Model):
    """An organizing body's certificate settings: the prefix of its award and honour numbers, and the
    emblem, seal and signature images (PNG or JPEG, checked by content) printed on its layouts."""

    __tablename__ = "certificate_issuer"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("organizing_body.id", ondelete="CASCADE"), unique=True)
    number_prefix: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    emblem: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    seal: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    signature: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    emblem_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    seal_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    signature_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime]

    body: Mapped[OrganizingBody] = relationship()


class LayoutSetting(db.Model):
    """套打 settings of one body for one layout: shift of the variable fields in millimetres (right and
    down positive) and whether to print the variable fields only (onto pre-printed stock)."""

    __tablename__ = "certificate_layout_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("organizing_body.id", ondelete="CASCADE"))
    layout: Mapped[str] = mapped_column(sa.String(32))
    x_mm: Mapped[float] = mapped_column(default=0.0)
    y_mm: Mapped[float] = mapped_column(default=0.0)
    fields_only: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]

    __table_args__ = (
        sa.UniqueConstraint("body_id", "layout", name="uq_certificate_layout_setting"),
        sa.CheckConstraint("x_mm BETWEEN -50 AND 50 AND y_mm BETWEEN -50 AND 50", name="offset_range"),
    )
