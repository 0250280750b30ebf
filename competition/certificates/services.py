"""Issuing, numbering, revoking, reissuing and verifying certificates.

**Issuing** (:func:`issue_requests`) turns pending :class:`CertificateRequest` rows into immutable
:class:`Certificate` rows: each gets a number, a random verification code (``secrets.token_urlsafe``),
its document rendered once to PDF with the verification URL in its QR code, the PDF stored
(:mod:`.storage`) with its SHA-256. Issuing is idempotent per request (a request issued once is never
issued again; a unique index allows one original certificate per request), and the rows, the request
states and the number counters are written in the caller's transaction: a transaction that does not
commit leaves no number used (an orphan PDF may stay in the store under a random key, never reused).

**Numbers** (unique and gap-free per sequence; never reused, also after revocation):

* 职业技能等级证书: 人社鉴发〔2019〕2号 (:mod:`.numbering`), 22 characters, the sequence being the
  evaluation body (settings ``CERT_EVALUATOR_KIND``/``_BODY_CODE``/``_PROVINCE``/``_STATION``),
  the year and the level: ``Y000033000001263000001``.
* 获奖证书, 荣誉证书, 荣誉档案 (no national format): ``<PREFIX><YYYY>-<KK>-<NNNNNN>``, e.g.
  ``JSRS2026-HJ-000001``: ``PREFIX`` is set by the organizing body on its certificate settings page
  (2–12 capital letters or digits, unique across bodies; default ``ZS`` + the body id in 3 digits),
  ``YYYY`` the year issued, ``KK`` the kind (``HJ`` 获奖, ``RY`` 荣誉, ``DA`` 档案), ``NNNNNN`` the
  serial, counted per body, year and kind (changing the prefix does not restart the count).

Serials come from :class:`CertificateCounter`: on PostgreSQL the counter row is read ``SELECT … FOR
UPDATE`` and incremented in the issuing transaction, so concurrent issuers queue on it; on SQLite the
first statement is a write (``INSERT … ON CONFLICT DO NOTHING``), which takes the database's single
write lock until the transaction ends.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from competition.audit.services import record
from competition.certificates.documents import (
    MarkedAward,
    MarkedHonour,
    MarkedHonourRecord,
    image_mime,
)
from competition.certificates.models import (
    Certificate,
    CertificateCounter,
    CertificateKind,
    CertificateLookup,
    CertificateRequest,
    CertificateStatus,
    IssuerSettings,
    LayoutSetting,
    RequestState,
)
from competition.certificates.numbering import EvaluatorKind, SequenceKey, format_certificate_number
from competition.certificates.storage import Storage, StorageError
from competition.domain import AwardClass, SkillLevel
from competition.errors import N_, DomainError, InvariantError, fmt
from competition.extensions import db
from competition.organizations.models import OrganizingBody
from competition.pdf.documents import (
    FULL_PRINT,
    NATIONAL_QUERY_ADDRESS,
    CalibrationPage,
    Document,
    HonourRecordEntry,
    Overprint,
    SkillLevelCertificate,
    template_version,
)
from competition.registration.models import Competitor

#: Layouts an organizing body may print (and set 套打 offsets for), with their titles and orientation.
LAYOUTS: dict[str, tuple[str, str]] = {
    "award": (N_("获奖证书"), "landscape"),
    "honour": (N_("荣誉证书"), "landscape"),
    "honour_record": (N_("荣誉档案"), "portrait"),
    "skill_level": (N_("职业技能等级证书"), "portrait"),
}
#: Which image slots a body can upload, with their names.
MARKS = {"emblem": N_("会徽"), "seal": N_("印章"), "signature": N_("签名")}
MAX_MARK_BYTES = 1 * 2**20
PREFIX_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


# ---------------------------------------------------------------------------------------------------------
# Settings the issuing needs, gathered by the caller (views and jobs read them from the app)


@dataclass(frozen=True)
class Evaluator:
    """The evaluation body (评价机构) that issues skill-level certificates, with its number codes."""

    name: str
    kind: str = "Y"
    body_code: str = "0000"
    province_code: str = "33"
    station_serial: str = "000001"
    principal_letter: str = "T"


@dataclass(frozen=True)
class IssueContext:
    """Everything issuing needs besides the database: the public base URL of verification links, the
    PDF store, worker processes for rendering (0 = in this process) and the evaluation body."""

    base_url: str
    storage: Storage
    processes: int = 0
    evaluator: Evaluator = field(default_factory=lambda: Evaluator("技能等级认定机构"))

    def verify_url(self, code: str) -> str:
        """The public verification URL of a code (what the QR code encodes)."""
        return f"{self.base_url.rstrip('/')}/verify/{code}"


def issue_context(app: Any, base_url: str | None = None) -> IssueContext:
    """The context from an app's settings: ``PUBLIC_BASE_URL`` wins over ``base_url`` (the request's
    root), which wins over ``http://127.0.0.1:5000``."""
    from competition.certificates.storage import storage_from_config

    config = app.config
    return IssueContext(
        base_url=config.get("PUBLIC_BASE_URL") or base_url or "http://127.0.0.1:5000",
        storage=storage_from_config(config, app.instance_path),
        processes=int(config.get("PDF_PROCESSES", 0)),
        evaluator=Evaluator(
            name=config.get("CERT_EVALUATOR_NAME") or "技能等级认定机构",
            kind=config.get("CERT_EVALUATOR_KIND", "Y"),
            body_code=config.get("CERT_EVALUATOR_BODY_CODE", "0000"),
            province_code=config.get("CERT_EVALUATOR_PROVINCE", "33"),
            station_serial=config.get("CERT_EVALUATOR_STATION", "000001"),
            principal_letter=config.get("CERT_PRINCIPAL_LETTER", "T"),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Organizing bodies' settings


def issuer_settings(body: OrganizingBody | int | None) -> IssuerSettings | None:
    """The body's certificate settings row, if it has saved any."""
    if body is None:
        return None
    body_id = body if isinstance(body, int) else body.id
    return db.session.execute(
        sa.select(IssuerSettings).where(IssuerSettings.body_id == body_id)
    ).scalar_one_or_none()


def default_prefix(body_id: int) -> str:
    """The number prefix of a body that has not chosen one: ``ZS`` and its id in 3 digits."""
    return f"ZS{body_id:03d}"


def number_prefix(body_id: int) -> str:
    """The prefix of the body's award and honour numbers."""
    settings = issuer_settings(body_id)
    return (settings.number_prefix if settings and settings.number_prefix else None) or default_prefix(
        body_id
    )


def _settings_row(body: OrganizingBody, now: datetime) -> IssuerSettings:
    settings = issuer_settings(body)
    if settings is None:
        settings = IssuerSettings(body_id=body.id, updated_at=now)
        db.session.add(settings)
    return settings


def set_number_prefix(body: OrganizingBody, prefix: str, *, actor, now: datetime) -> IssuerSettings:
    """Set the body's number prefix (2–12 capital letters or digits, unique across bodies); audited.
    Raises :class:`DomainError` (field ``number_prefix``)."""
    text = unicodedata.normalize("NFKC", prefix or "").strip().upper()
    if not 2 <= len(text) <= 12 or not set(text) <= PREFIX_CHARS:
        raise DomainError(N_("编号前缀应为 2–12 位大写字母或数字。"), field="number_prefix")
    clash = db.session.execute(
        sa.select(IssuerSettings.body_id).where(
            IssuerSettings.number_prefix == text, IssuerSettings.body_id != body.id
        )
    ).first()
    taken_by_default = text.startswith("ZS") and text[2:].isdigit() and int(text[2:]) != body.id
    if clash or taken_by_default:
        raise DomainError(
            N_("这个编号前缀已被其他单位使用（ZS 加数字留作默认前缀）。"), field="number_prefix"
        )
    settings = _settings_row(body, now)
    before = settings.number_prefix
    settings.number_prefix = text
    settings.updated_at = now
    db.session.flush()
    record(
        "certificates.prefix",
        actor=actor,
        now=now,
        object_type="organizing_body",
        object_id=body.id,
        summary=fmt(N_("设置证书编号前缀为 %(text)s"), text=text),
        before={"number_prefix": before},
        after={"number_prefix": text},
    )
    return settings


def check_mark_image(data: bytes) -> bytes:
    """Check an uploaded emblem, seal or signature: PNG or JPEG by its content (decoded with Pillow),
    at most 1 MB and 4000 × 4000 pixels. Returns the bytes unchanged (PNG keeps a seal's transparency).
    Raises :class:`DomainError` (field ``image``)."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    if not data:
        raise DomainError(N_("请选择图片文件。"), field="image")
    if len(data) > MAX_MARK_BYTES:
        raise DomainError(N_("图片超过 1 MB，请压缩后上传。"), field="image")
    if image_mime(data) is None:
        raise DomainError(N_("无法识别的图片：请上传 PNG 或 JPEG 格式。"), field="image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ("PNG", "JPEG"):
                    raise DomainError(N_("无法识别的图片：请上传 PNG 或 JPEG 格式。"), field="image")
                width, height = probe.size
                if width * height > 4000 * 4000:
                    raise DomainError(N_("图片像素过多，请缩小后上传。"), field="image")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except DomainError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise DomainError(N_("无法识别的图片：请上传 PNG 或 JPEG 格式。"), field="image") from None
    return data


def set_mark(body: OrganizingBody, which: str, data: bytes | None, *, actor, now: datetime) -> IssuerSettings:
    """Store (or, with ``None``, remove) the body's emblem, seal or signature; audited with the image's
    SHA-256. Raises :class:`DomainError` for an image :func:`check_mark_image` refuses."""
    if which not in MARKS:
        raise InvariantError(f"unknown mark {which!r}")
    if data is not None:
        check_mark_image(data)
    settings = _settings_row(body, now)
    before = getattr(settings, f"{which}_sha256")
    digest = hashlib.sha256(data).hexdigest() if data is not None else None
    setattr(settings, which, data)
    setattr(settings, f"{which}_sha256", digest)
    settings.updated_at = now
    db.session.flush()
    record(
        "certificates.mark",
        actor=actor,
        now=now,
        object_type="organizing_body",
        object_id=body.id,
        summary=fmt(
            N_("上传证书%(mark)s") if data is not None else N_("删除证书%(mark)s"), mark=MARKS[which]
        ),
        before={f"{which}_sha256": before},
        after={f"{which}_sha256": digest},
    )
    return settings


def overprint_of(body_id: int | None, layout: str) -> Overprint:
    """The body's 套打 setting for a layout (the full print when none is saved)."""
    if body_id is None:
        return Overprint()
    row = db.session.execute(
        sa.select(LayoutSetting).where(LayoutSetting.body_id == body_id, LayoutSetting.layout == layout)
    ).scalar_one_or_none()
    return Overprint(row.fields_only, row.x_mm, row.y_mm) if row else Overprint()


def set_overprint(
    body: OrganizingBody, layout: str, x_mm: float, y_mm: float, fields_only: bool, *, actor, now: datetime
) -> LayoutSetting:
    """Save the body's 套打 offsets (mm, ±50) and fields-only switch for a layout; audited. Raises
    :class:`DomainError` for an offset out of range."""
    if layout not in LAYOUTS:
        raise InvariantError(f"unknown layout {layout!r}")
    try:
        Overprint(fields_only, x_mm, y_mm)
    except ValueError:
        raise DomainError(N_("偏移应在 −50 到 50 毫米之间。"), field="x_mm") from None
    row = db.session.execute(
        sa.select(LayoutSetting).where(LayoutSetting.body_id == body.id, LayoutSetting.layout == layout)
    ).scalar_one_or_none()
    before = {"x_mm": row.x_mm, "y_mm": row.y_mm, "fields_only": row.fields_only} if row else None
    if row is None:
        row = LayoutSetting(body_id=body.id, layout=layout, updated_at=now)
        db.session.add(row)
    row.x_mm, row.y_mm, row.fields_only, row.updated_at = float(x_mm), float(y_mm), bool(fields_only), now
    db.session.flush()
    record(
        "certificates.overprint",
        actor=actor,
        now=now,
        object_type="organizing_body",
        object_id=body.id,
        summary=fmt(
            N_("设置%(layout)s套打偏移 x=%(x_mm)s mm, y=%(y_mm)s mm"),
            layout=LAYOUTS[layout][0],
            x_mm=f"{x_mm:+.1f}",
            y_mm=f"{y_mm:+.1f}",
        ),
        before=before,
        after={"x_mm": float(x_mm), "y_mm": float(y_mm), "fields_only": bool(fields_only)},
    )
    return row


def calibration_page(body_id: int | None, layout: str) -> CalibrationPage:
    """The calibration page of a layout, with the body's current offsets marked."""
    title, orientation = LAYOUTS[layout]
    return CalibrationPage(
        orientation=orientation, layout_title=title, overprint=overprint_of(body_id, layout)
    )  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------
# Numbers


def next_serials(sequence: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive serials of ``sequence``; returns the first. In the caller's
    transaction (see the module docstring for the locking); the reservation is undone with it."""
    if count < 1:
        raise InvariantError("count must be positive")
    session = db.session
    table = CertificateCounter.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # A write first: on SQLite it takes the single write lock for the rest of the transaction.
    session.execute(
        insert(table)
        .values(sequence=sequence, last_serial=0)
        .on_conflict_do_nothing(index_elements=["sequence"])
    )
    last = session.execute(
        sa.select(table.c.last_serial).where(table.c.sequence == sequence).with_for_update()
    ).scalar_one()
    session.execute(sa.update(table).where(table.c.sequence == sequence).values(last_serial=last + count))
    return last + 1


@dataclass(frozen=True)
class NumberPlan:
    """How the numbers of one kind and sequence are written: ``sequence`` keys the counter,
    ``make(serial)`` writes the number."""

    sequence: str
    prefix: str
    skill_key: SequenceKey | None = None

    def make(self, serial: int) -> str:
        """The number with this serial. Raises :class:`DomainError` past 999999 (skill level)."""
        if self.skill_key is not None:
            key = self.skill_key
            return format_certificate_number(
                key.evaluator_kind,
                key.body_code,
                key.province_code,
                key.station_serial,
                key.year,
                key.level,
                serial,
                level_letter=key.level_letter,
            )
        return f"{self.prefix}-{serial:06d}"


def number_plan(request: CertificateRequest, year: int, evaluator: Evaluator) -> NumberPlan:
    """The numbering of a request issued in ``year`` (see the module docstring)."""
    if request.kind is CertificateKind.SKILL_LEVEL:
        level = SkillLevel(request.snapshot["level"])
        letter = evaluator.principal_letter if level is SkillLevel.PRINCIPAL_TECHNICIAN else None
        key = SequenceKey(
            EvaluatorKind(evaluator.kind),
            evaluator.body_code,
            evaluator.province_code,
            evaluator.station_serial,
            year,
            level,
            letter,
        )
        # Validate the codes once (raises DomainError naming the field) before taking a serial.
        format_certificate_number(
            key.evaluator_kind,
            key.body_code,
            key.province_code,
            key.station_serial,
            year,
            level,
            1,
            level_letter=letter,
        )
        return NumberPlan(key.prefix, key.prefix, key)
    if request.body_id is None:
        raise InvariantError(f"request {request.id} has no organizing body")
    code = request.kind.number_code
    return NumberPlan(f"{code}:{request.body_id}:{year}", f"{number_prefix(request.body_id)}{year}-{code}")


# ---------------------------------------------------------------------------------------------------------
# Documents from snapshots


@dataclass(frozen=True)
class Marks:
    """A body's emblem, seal and signature (bytes or ``None``)."""

    emblem: bytes | None = None
    seal: bytes | None = None
    signature: bytes | None = None

    @property
    def digests(self) -> dict[str, str | None]:
        """SHA-256 of each image, for the certificate's snapshot."""
        return {
            name: hashlib.sha256(data).hexdigest() if data else None
            for name, data in (("emblem", self.emblem), ("seal", self.seal), ("signature", self.signature))
        }


def marks_of(body_id: int | None) -> Marks:
    """The body's uploaded images (none for a body without settings)."""
    settings = issuer_settings(body_id)
    if settings is None:
        return Marks()
    return Marks(settings.emblem, settings.seal, settings.signature)


def document_values(
    request: CertificateRequest,
    competitor: Competitor,
    *,
    number: str,
    issued_on: date,
    verify_url: str,
    evaluator: Evaluator,
) -> dict[str, Any]:
    """Every value printed on the certificate, as plain JSON (kept as the certificate's snapshot)."""
    facts = request.snapshot
    body = db.session.get(OrganizingBody, request.body_id) if request.body_id else None
    unit = facts.get("unit") or (competitor.unit.name if competitor.unit else "")
    issuer = facts.get("issuer") or (body.name if body else evaluator.name)
    common = {
        "name": competitor.name,
        "certificate_number": number,
        "issued_on": issued_on.isoformat(),
        "verify_url": verify_url,
    }
    kind = request.kind
    if kind is CertificateKind.AWARD:
        return common | {
            "unit": unit,
            "contest": facts["contest"],
            "event": facts["event"],
            "group": facts.get("group") or "",
            "award": AwardClass(facts["award"]).label,
            "issuer": issuer,
        }
    if kind is CertificateKind.SKILL_LEVEL:
        return common | {
            "id_type": competitor.id_type.label,
            "id_number": competitor.id_number,
            "occupation": facts["occupation"],
            "work_type": facts.get("work_type") or "",
            "level": SkillLevel(facts["level"]).certificate_label,
            "evaluator": facts.get("evaluator") or evaluator.name,
            "query_address": NATIONAL_QUERY_ADDRESS,
        }
    if kind is CertificateKind.HONOUR:
        return common | {
            "unit": unit,
            "honour_title": facts["honour_title"],
            "citation": facts.get("citation") or "",
            "issuer": issuer,
        }
    level = facts.get("level")
    return common | {
        "unit": unit,
        "gender": competitor.gender.label,
        "occupation": facts.get("occupation") or "",
        "level": SkillLevel(level).certificate_label if level else "",
        "issuer": issuer,
        "entries": [
            {
                "awarded_on": entry["awarded_on"],
                "title": entry["title"],
                "conferred_by": entry.get("conferred_by") or "",
                "certificate_number": entry.get("certificate_number") or "",
            }
            for entry in facts["entries"]
        ],
    }


def build_document(
    kind: CertificateKind,
    values: dict[str, Any],
    *,
    photo: bytes | None = None,
    marks: Marks | None = None,
    overprint: Overprint = FULL_PRINT,
) -> Document:
    """The PDF document of a certificate from its printed values (:func:`document_values`).

    Raises :class:`DomainError` for values a layout cannot hold (more than 26 honour entries)."""
    issued_on = date.fromisoformat(values["issued_on"])
    marks = marks or Marks()
    images = {"emblem": marks.emblem, "seal": marks.seal, "signature": marks.signature}
    try:
        if kind is CertificateKind.AWARD:
            return MarkedAward(
                name=values["name"],
                unit=values["unit"],
                contest=values["contest"],
                event=values["event"],
                award=values["award"],
                certificate_number=values["certificate_number"],
                issuer=values["issuer"],
                issued_on=issued_on,
                verify_url=values["verify_url"],
                group=values["group"],
                overprint=overprint,
                **images,
            )
        if kind is CertificateKind.SKILL_LEVEL:
            return SkillLevelCertificate(
                name=values["name"],
                id_type=values["id_type"],
                id_number=values["id_number"],
                occupation=values["occupation"],
                level=values["level"],
                certificate_number=values["certificate_number"],
                evaluator=values["evaluator"],
                issued_on=issued_on,
                verify_url=values["verify_url"],
                work_type=values["work_type"],
                photo=photo,
                query_address=values["query_address"],
                overprint=overprint,
            )
        if kind is CertificateKind.HONOUR:
            return MarkedHonour(
                name=values["name"],
                unit=values["unit"],
                honour_title=values["honour_title"],
                certificate_number=values["certificate_number"],
                issuer=values["issuer"],
                issued_on=issued_on,
                verify_url=values["verify_url"],
                citation=values["citation"],
                overprint=overprint,
                **images,
            )
        return MarkedHonourRecord(
            name=values["name"],
            unit=values["unit"],
            entries=tuple(
                HonourRecordEntry(
                    date.fromisoformat(e["awarded_on"]),
                    e["title"],
                    e["conferred_by"],
                    e["certificate_number"],
                )
                for e in values["entries"]
            ),
            record_number=values["certificate_number"],
            issuer=values["issuer"],
            issued_on=issued_on,
            verify_url=values["verify_url"],
            gender=values["gender"],
            occupation=values["occupation"],
            level=values["level"],
            photo=photo,
            overprint=overprint,
            **images,
        )
    except ValueError as error:
        raise DomainError(N_("证书内容无法排版：%(error)s"), error=error) from None


def achievement(kind: CertificateKind, values: dict[str, Any]) -> str:
    """What the certificate attests, in one line for the verification page."""
    if kind is CertificateKind.AWARD:
        group = f" {values['group']}" if values.get("group") else ""
        return f"{values['contest']} {values['event']}{group} {values['award']}"
    if kind is CertificateKind.SKILL_LEVEL:
        work = f"（{values['work_type']}）" if values.get("work_type") else ""
        return f"{values['occupation']}{work} {values['level']}"
    if kind is CertificateKind.HONOUR:
        return f"“{values['honour_title']}”荣誉称号"
    return f"荣誉档案（{len(values['entries'])} 项荣誉）"


def _photo_of(kind: CertificateKind, competitor: Competitor) -> bytes | None:
    if kind in (CertificateKind.SKILL_LEVEL, CertificateKind.HONOUR_RECORD):
        return competitor.photo
    return None


# ---------------------------------------------------------------------------------------------------------
# Issuing


def _render_many(documents: Sequence[Document], processes: int) -> list[bytes]:
    """One PDF per document, in order (worker processes when ``processes`` > 0)."""
    if len(documents) == 1 or processes == 0:
        from competition.pdf.render import render

        return [render(document).data for document in documents]
    from competition.pdf.batch import render_zip

    names = [f"{i:05d}.pdf" for i in range(len(documents))]
    archive = zipfile.ZipFile(io.BytesIO(render_zip(documents, names, processes=processes)))
    return [archive.read(name) for name in names]


@dataclass
class _Draft:
    request: CertificateRequest
    competitor: Competitor
    plan: NumberPlan
    serial: int = 0
    number: str = ""
    code: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    document: Document | None = None
    photo: bytes | None = None
    marks: Marks = Marks()


def _new_code() -> str:
    while True:
        code = secrets.token_urlsafe(18)
        if code[0].isalnum():  # keeps storage keys and URLs tidy
            return code


def _draft_numbers(drafts: list[_Draft]) -> None:
    """Reserve serials per sequence, in the drafts' order; sequences in sorted order so two issuers
    never wait on each other's counters in opposite orders."""
    by_sequence: dict[str, list[_Draft]] = {}
    for draft in drafts:
        by_sequence.setdefault(draft.plan.sequence, []).append(draft)
    for sequence in sorted(by_sequence):
        group = by_sequence[sequence]
        first = next_serials(sequence, len(group))
        for offset, draft in enumerate(group):
            draft.serial = first + offset
            draft.number = draft.plan.make(draft.serial)


def _issue(
    drafts: list[_Draft], context: IssueContext, *, actor, now: datetime, replaces: Certificate | None = None
) -> list[Certificate]:
    _draft_numbers(drafts)
    for draft in drafts:
        draft.code = _new_code()
        draft.values = document_values(
            draft.request,
            draft.competitor,
            number=draft.number,
            issued_on=now.date(),
            verify_url=context.verify_url(draft.code),
            evaluator=context.evaluator,
        )
        draft.photo = _photo_of(draft.request.kind, draft.competitor)
        draft.marks = marks_of(draft.request.body_id)
        draft.document = build_document(
            draft.request.kind, draft.values, photo=draft.photo, marks=draft.marks
        )
    pdfs = _render_many([d.document for d in drafts], context.processes)  # type: ignore[misc]
    issued = []
    for draft, pdf in zip(drafts, pdfs, strict=True):
        request = draft.request
        key = f"certificates/{now.year}/{draft.number}-{draft.code}.pdf"
        context.storage.put(key, pdf)
        certificate = Certificate(
            request_id=request.id,
            kind=request.kind,
            number=draft.number,
            sequence=draft.plan.sequence,
            serial=draft.serial,
            verify_code=draft.code,
            competitor_id=draft.competitor.id,
            body_id=request.body_id,
            contest_id=request.contest_id,
            event_id=request.event_id,
            holder_name=draft.competitor.name,
            snapshot={
                "document": draft.values,
                "holder": {
                    "id_type": draft.competitor.id_type.label,
                    "id_number": draft.competitor.id_number,
                },
                "achievement": achievement(request.kind, draft.values),
                "photo_sha256": hashlib.sha256(draft.photo).hexdigest() if draft.photo else None,
                "marks": draft.marks.digests,
            },
            template_version=template_version(draft.document),  # type: ignore[arg-type]
            storage_key=key,
            sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
            issued_at=now,
            issued_by_id=getattr(actor, "id", None),
            replaces_id=replaces.id if replaces is not None else None,
            status=CertificateStatus.VALID,
        )
        db.session.add(certificate)
        request.state = RequestState.ISSUED
        issued.append(certificate)
    db.session.flush()
    return issued


def issue_requests(
    requests: Sequence[CertificateRequest], context: IssueContext, *, actor, now: datetime
) -> list[Certificate]:
    """Issue a certificate for each pending request (requests already issued or cancelled are skipped:
    idempotent). Numbers are taken in the order given. One audit entry per contest. Flushes; the
    caller commits (after which the numbers are used for good).

    Raises :class:`DomainError` when a number cannot be made (evaluation body codes, serials past
    999999) or a document cannot be laid out; :class:`StorageError` when the store fails."""
    pending = [r for r in requests if r.state is RequestState.PENDING]
    if not pending:
        return []
    drafts = [
        _Draft(r, db.session.get(Competitor, r.competitor_id), number_plan(r, now.year, context.evaluator))  # type: ignore[arg-type]
        for r in pending
    ]
    issued = _issue(drafts, context, actor=actor, now=now)
    by_contest: dict[int | None, list[Certificate]] = {}
    for certificate in issued:
        by_contest.setdefault(certificate.contest_id, []).append(certificate)
    for contest_id, group in by_contest.items():
        record(
            "certificates.issue",
            actor=actor,
            now=now,
            object_type="contest" if contest_id else "certificate",
            object_id=contest_id if contest_id else group[0].id,
            contest_id=contest_id,
            summary=(
                fmt(
                    N_("签发证书 %(n)d 张：%(first)s 至 %(last)s"),
                    n=len(group),
                    first=group[0].number,
                    last=group[-1].number,
                )
                if len(group) > 1
                else fmt(N_("签发证书 %(n)d 张：%(first)s"), n=len(group), first=group[0].number)
            ),
            after={"numbers": [c.number for c in group]},
        )
    return issued


def claim_pending(
    *, contest_id: int | None = None, event_id: int | None = None, limit: int = 50
) -> list[CertificateRequest]:
    """Lock up to ``limit`` pending requests of a contest (or event), oldest first, for issuing in this
    transaction. On PostgreSQL ``FOR UPDATE SKIP LOCKED``: several workers sharing one batch each get
    different requests. On SQLite (one writer at a time) a plain select."""
    query = sa.select(CertificateRequest).where(CertificateRequest.state == RequestState.PENDING)
    if contest_id is not None:
        query = query.where(CertificateRequest.contest_id == contest_id)
    if event_id is not None:
        query = query.where(CertificateRequest.event_id == event_id)
    query = query.order_by(CertificateRequest.id).limit(limit).with_for_update(skip_locked=True)
    return list(db.session.execute(query).scalars())


def pending_count(*, contest_id: int | None = None, event_id: int | None = None) -> int:
    """How many requests of the contest (or event) wait to be issued."""
    query = (
        sa.select(sa.func.count())
        .select_from(CertificateRequest)
        .where(CertificateRequest.state == RequestState.PENDING)
    )
    if contest_id is not None:
        query = query.where(CertificateRequest.contest_id == contest_id)
    if event_id is not None:
        query = query.where(CertificateRequest.event_id == event_id)
    return db.session.execute(query).scalar_one()


# ---------------------------------------------------------------------------------------------------------
# Revocation and reissue


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < 2:
        raise DomainError(N_("请填写原因。"), field="reason")
    if len(text) > 300:
        raise DomainError(N_("原因不超过 300 字。"), field="reason")
    return text


def _lock(certificate: Certificate) -> Certificate:
    db.session.execute(
        sa.select(Certificate.id).where(Certificate.id == certificate.id).with_for_update()
    ).one()
    db.session.refresh(certificate)
    return certificate


def revoke(certificate: Certificate, reason: str, *, actor, now: datetime) -> Certificate:
    """Revoke (注销) a valid certificate with a reason; its number is never used again. Audited.
    Raises :class:`DomainError` for a certificate no longer valid or an empty reason."""
    text = _reason(reason)
    _lock(certificate)
    if certificate.status is not CertificateStatus.VALID:
        raise DomainError(
            N_("证书 %(number)s 已%(status)s，不能再注销。"),
            number=certificate.number,
            status=certificate.status.label,
        )
    certificate.status = CertificateStatus.REVOKED
    certificate.status_reason = text
    certificate.status_changed_at = now
    certificate.status_changed_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(
        "certificate.revoke",
        actor=actor,
        now=now,
        object_type="certificate",
        object_id=certificate.id,
        contest_id=certificate.contest_id,
        summary=fmt(
            N_("注销证书 %(number)s（%(holder_name)s）：%(text)s"),
            number=certificate.number,
            holder_name=certificate.holder_name,
            text=text,
        ),
        before={"status": "valid"},
        after={"status": "revoked", "reason": text},
    )
    return certificate


def reissue(
    certificate: Certificate, reason: str, context: IssueContext, *, actor, now: datetime
) -> Certificate:
    """更正/补发: replace a valid certificate by a new one (new number and code, the holder's current
    name and ID, the same facts), which points to it; the old one becomes ``superseded`` with the
    reason. Audited. Raises :class:`DomainError` for a certificate no longer valid or an empty reason."""
    text = _reason(reason)
    _lock(certificate)
    if certificate.status is not CertificateStatus.VALID:
        raise DomainError(
            N_("证书 %(number)s 已%(status)s，不能更正或补发。"),
            number=certificate.number,
            status=certificate.status.label,
        )
    request = certificate.request
    certificate.status = CertificateStatus.SUPERSEDED
    certificate.status_reason = text
    certificate.status_changed_at = now
    certificate.status_changed_by_id = getattr(actor, "id", None)
    db.session.flush()
    draft = _Draft(request, certificate.competitor, number_plan(request, now.year, context.evaluator))
    (new,) = _issue([draft], context, actor=actor, now=now, replaces=certificate)
    record(
        "certificate.reissue",
        actor=actor,
        now=now,
        object_type="certificate",
        object_id=new.id,
        contest_id=certificate.contest_id,
        summary=fmt(
            N_("更正/补发证书 %(number)s → %(number2)s（%(holder_name)s）：%(text)s"),
            number=certificate.number,
            number2=new.number,
            holder_name=new.holder_name,
            text=text,
        ),
        before={"number": certificate.number, "status": "valid"},
        after={"number": new.number, "replaces": certificate.number, "reason": text},
    )
    return new


# ---------------------------------------------------------------------------------------------------------
# Reading


def stored_pdf(certificate: Certificate, storage: Storage) -> bytes:
    """The certificate's PDF exactly as issued. Raises :class:`InvariantError` when the stored bytes
    are missing or no longer match the SHA-256 recorded at issue."""
    try:
        data = storage.get(certificate.storage_key)
    except StorageError as error:
        raise InvariantError(f"证书 {certificate.number} 的 PDF 不在存储中：{error}") from error
    if hashlib.sha256(data).hexdigest() != certificate.sha256:
        raise InvariantError(f"证书 {certificate.number} 的 PDF 与签发时的 SHA-256 不符")
    return data


def download_name(certificate: Certificate) -> str:
    """``<number>-<name>.pdf``, without characters that file systems refuse."""
    safe = "".join(ch for ch in certificate.holder_name if ch not in '\\/:*?"<>|').strip() or "证书"
    return f"{certificate.number}-{safe}.pdf"


def reissue_of(certificate: Certificate) -> Certificate | None:
    """The certificate that replaced this one, if any."""
    return db.session.execute(
        sa.select(Certificate).where(Certificate.replaces_id == certificate.id)
    ).scalar_one_or_none()


def certificates_of(
    *,
    contest_id: int | None = None,
    event_id: int | None = None,
    competitor_id: int | None = None,
    valid_only: bool = False,
) -> list[Certificate]:
    """Certificates of a contest, event or person, in issue order."""
    query = sa.select(Certificate)
    if contest_id is not None:
        query = query.where(Certificate.contest_id == contest_id)
    if event_id is not None:
        query = query.where(Certificate.event_id == event_id)
    if competitor_id is not None:
        query = query.where(Certificate.competitor_id == competitor_id)
    if valid_only:
        query = query.where(Certificate.status == CertificateStatus.VALID)
    return list(db.session.execute(query.order_by(Certificate.event_id, Certificate.id)).scalars())


def overprint_document(certificate: Certificate, overprint: Overprint) -> Document:
    """The certificate's document again, for printing with 套打 offsets onto pre-printed stock (the
    same values as issued; the stored PDF stays the certificate)."""
    values = certificate.snapshot["document"]
    photo = _photo_of(certificate.kind, certificate.competitor)
    return build_document(
        certificate.kind, values, photo=photo, marks=marks_of(certificate.body_id), overprint=overprint
    )


def sample_document(
    body_id: int | None, layout: str, overprint: Overprint, *, today: date, evaluator: Evaluator
) -> Document:
    """A sample certificate of a layout with sample values, to test-print 套打 offsets."""
    body = db.session.get(OrganizingBody, body_id) if body_id else None
    issuer = body.name if body else evaluator.name
    values: dict[str, Any] = {
        "name": "张三丰",
        "certificate_number": f"{number_prefix(body_id) if body_id else 'ZS'}{today.year}-YB-000000",
        "issued_on": today.isoformat(),
        "verify_url": "https://example.invalid/verify/sample",
        "unit": "样张单位有限公司",
        "issuer": issuer,
    }
    kind = CertificateKind(layout)
    if kind is CertificateKind.AWARD:
        values |= {"contest": "职业技能竞赛（样张）", "event": "焊工", "group": "职工组", "award": "一等奖"}
    elif kind is CertificateKind.HONOUR:
        values |= {"honour_title": "技术能手", "citation": "（样张）"}
    elif kind is CertificateKind.HONOUR_RECORD:
        values |= {
            "gender": "男",
            "occupation": "焊工",
            "level": "三级/高级工",
            "entries": [
                {
                    "awarded_on": today.isoformat(),
                    "title": "职业技能竞赛一等奖（样张）",
                    "conferred_by": issuer,
                    "certificate_number": "",
                }
            ],
        }
    else:
        values |= {
            "id_type": "居民身份证",
            "id_number": "330602199005170000",
            "occupation": "焊工",
            "work_type": "",
            "level": "三级/高级工",
            "evaluator": evaluator.name,
            "query_address": NATIONAL_QUERY_ADDRESS,
        }
    return build_document(kind, values, marks=marks_of(body_id), overprint=overprint)


# ---------------------------------------------------------------------------------------------------------
# Public verification


def normalise_number(text: str | None) -> str:
    """A typed number as stored: full-width characters folded, spaces dropped, upper case."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).upper()


def find_by_code(code: str) -> Certificate | None:
    """The certificate of a verification code (exact), or ``None``."""
    if not code or len(code) > 64:
        return None
    return db.session.execute(
        sa.select(Certificate).where(Certificate.verify_code == code)
    ).scalar_one_or_none()


def find_by_number(number: str, name: str) -> Certificate | None:
    """The certificate with this number whose holder's name (as printed) is ``name``, or ``None``:
    both must match, so a number alone reveals nothing."""
    wanted = normalise_number(number)
    typed = "".join(unicodedata.normalize("NFKC", name or "").split())
    if not wanted or not typed or len(wanted) > 40:
        return None
    certificate = db.session.execute(
        sa.select(Certificate).where(Certificate.number == wanted)
    ).scalar_one_or_none()
    if certificate is None:
        return None
    printed = "".join(unicodedata.normalize("NFKC", certificate.snapshot["document"]["name"]).split())
    return certificate if hmac.compare_digest(printed.encode(), typed.encode()) else None


def client_hash(address: str | None, secret: str) -> str:
    """The client address as a keyed SHA-256 (HMAC with the app's secret key): look-ups from one
    address can be counted without storing the address."""
    return hmac.new(secret.encode(), (address or "").encode(), hashlib.sha256).hexdigest()


def log_lookup(
    via: str, query: str, certificate: Certificate | None, *, client: str, now: datetime
) -> CertificateLookup:
    """Record one public look-up (``via`` ``code`` or ``number``; ``client`` from :func:`client_hash`).
    Flushes; the caller commits."""
    entry = CertificateLookup(
        at=now,
        via=via,
        query=(query or "")[:64],
        found=certificate is not None,
        certificate_id=certificate.id if certificate is not None else None,
        client_hash=client,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
