"""Marking services: schemes, panels, conflicts of interest, mark entry with history, submission, and the
chief judge's completeness, divergence, re-score, sign-off and decryption. They flush and audit; views
commit once.

**Conflicts of interest.** A judge whose unit is the unit of an entry (the entry's unit or a member's) is
kept off that entry: the entry is not in their grid, saving a mark for it is refused, and their slot is
not required. The panel's aggregation for that entry runs over the judges who may mark it. The chief judge
may override with a reason (audited).

**Stale edits.** Every mark row has a ``version``; a save names the version it was typed over (0 for a new
mark) and the row is changed with ``UPDATE … WHERE version = :expected``, so a second tab or a second
judge gets :class:`StaleMark` (HTTP 409) with the current value instead of overwriting it.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cached_property

import sqlalchemy as sa

from competition.accounts.models import Role, User
from competition.audit.services import record
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Event, EventPart, JudgeAssignment, JudgePosition
from competition.domain import PartKind
from competition.errors import N_, DomainError, fmt, is_marked, joined, marked_data
from competition.extensions import db
from competition.marking import schemes
from competition.marking.models import (
    ConflictOverride,
    ConflictRelation,
    EventMarking,
    EventScheme,
    Mark,
    MarkHistory,
    MarkSource,
    PanelSeat,
    PartSignOff,
    PartSubmission,
    RescoreRequest,
)
from competition.registration.models import Registration, RegistrationMember
from competition.registration.review import RegistrationStatus
from competition.scoring.aggregate import Aggregation, aggregate
from competition.scoring.aspects import Aspect, AspectKind
from competition.scoring.deductions import Deductions
from competition.scoring.files import MarkFact, MarkRow, build_sheets, sheets_from_marks
from competition.scoring.marks import Divergence, Sheet, find_divergences
from competition.scoring.scheme import Criterion, Part

#: Contest stages in which marks may be entered.
MARKING_STATUSES = frozenset({ContestStatus.IN_PROGRESS, ContestStatus.MARKING, ContestStatus.PUBLIC_NOTICE})
#: Contest stages in which a scheme may be (re)imported.
SCHEME_STATUSES = frozenset(
    {
        ContestStatus.DRAFT,
        ContestStatus.REGISTRATION_OPEN,
        ContestStatus.REGISTRATION_CLOSED,
        ContestStatus.IN_PROGRESS,
        ContestStatus.MARKING,
    }
)


class StaleMark(DomainError):
    """The mark changed since the page showed it; ``current`` is the mark now stored (or ``None``)."""

    def __init__(self, current: Mark | None) -> None:
        user = None
        if current is not None and current.updated_by_id is not None:
            user = db.session.get(User, current.updated_by_id)
        shown = N_("空") if current is None or current.value is None else current.value
        if user is None:
            super().__init__(
                N_(
                    "这项成绩已被修改，现为“%(value)s”。您输入的值没有保存，仍保留在输入框中；请核对后再次保存。"
                ),
                value=shown,
            )
        else:
            super().__init__(
                N_(
                    "这项成绩已被修改（%(name)s，%(time)s），现为“%(value)s”。"
                    "您输入的值没有保存，仍保留在输入框中；请核对后再次保存。"
                ),
                name=user.display_name,
                time=f"{current.updated_at:%H:%M:%S}",
                value=shown,
            )
        self.current = current


# ---- the event's marking record and scheme --------------------------------------------------------


def marking_of(event: Event) -> EventMarking:
    """The event's marking settings and state, created with defaults when missing."""
    found = db.session.execute(sa.select(EventMarking).where(EventMarking.event_id == event.id)).scalar()
    if found is None:
        found = EventMarking(event=event, award_sizes=["1", "2", "3"], appeal_window_hours=2)
        db.session.add(found)
        db.session.flush()
    return found


def stored_scheme(event: Event) -> EventScheme | None:
    """The event's stored scheme row, or ``None``."""
    return db.session.execute(sa.select(EventScheme).where(EventScheme.event_id == event.id)).scalar()


def loaded_scheme(event: Event) -> schemes.Loaded | None:
    """The event's scheme as the core's objects (parsed once per process), or ``None``."""
    sha256 = db.session.execute(
        sa.select(EventScheme.sha256).where(EventScheme.event_id == event.id)
    ).scalar()
    if sha256 is None:
        return None
    found = schemes.cached(sha256)  # the workbook blob is read only on a cache miss
    if found is not None:
        return found
    row = stored_scheme(event)
    return schemes.load(row.workbook, row.sha256)


def warm_scheme_cache() -> int:
    """Parse the scheme of every event whose contest is being marked into this process's cache, so no
    judge's first save in a new worker process waits for the parse (~0.3 s). Call it at worker start
    (gunicorn's ``post_worker_init``) inside an app context. Returns how many schemes were parsed."""
    from competition.contests.models import Contest

    found = db.session.execute(
        sa.select(EventScheme.id, EventScheme.sha256)
        .join(Event, Event.id == EventScheme.event_id)
        .join(Contest, Contest.id == Event.contest_id)
        .where(Contest.status.in_(MARKING_STATUSES))
    ).all()
    parsed = 0
    for scheme_id, sha256 in found:
        if schemes.cached(sha256) is None:
            workbook = db.session.execute(
                sa.select(EventScheme.workbook).where(EventScheme.id == scheme_id)
            ).scalar_one()
            schemes.load(workbook, sha256)
            parsed += 1
    return parsed


def require_scheme(event: Event) -> schemes.Loaded:
    """The event's scheme; :class:`DomainError` when none was imported."""
    loaded = loaded_scheme(event)
    if loaded is None:
        raise DomainError(N_("赛项“%(title)s”还没有评分标准。"), title=event.title)
    return loaded


def _part_specs(event: Event) -> list[schemes.PartSpec]:
    return [schemes.PartSpec(p.kind, Decimal(p.weight), Decimal(p.pass_mark)) for p in event.parts]


def import_scheme(event: Event, data: bytes, filename: str, *, actor: User, now: datetime) -> schemes.Fitted:
    """Read an uploaded workbook (our template or CIS), fit it to the event's parts and store it.

    All-or-nothing: when ``fitted.problems`` is non-empty nothing is stored. Raises :class:`DomainError`
    when the contest is past marking, the event has no parts, or marks already exist (a scheme under
    existing marks would change their meaning).
    """
    if event.contest.status not in SCHEME_STATUSES:
        raise DomainError(
            N_("竞赛处于“%(status)s”阶段，评分标准已不能更换。"), status=event.contest.status.label
        )
    if not event.parts:
        raise DomainError(N_("请先为赛项设置考核部分和权重。"))
    has_marks = db.session.execute(
        sa.select(Mark.id).where(Mark.event_id == event.id, Mark.value.is_not(None)).limit(1)
    ).scalar()
    if has_marks is not None:
        raise DomainError(N_("本赛项已有评分记录，不能再更换评分标准。"))
    fitted = schemes.fit_upload(data, _part_specs(event), name=event.title)
    if fitted.problems or fitted.workbook is None or fitted.loaded is None:
        return fitted
    row = stored_scheme(event)
    before = None if row is None else {"sha256": row.sha256, "file": row.source_filename}
    if row is None:
        row = EventScheme(event=event)
        db.session.add(row)
    row.name = fitted.loaded.scheme.name[:200]
    row.layout = fitted.layout or "template"
    row.source_filename = (filename or "scheme.xlsx")[:200]
    row.workbook = fitted.workbook
    row.sha256 = hashlib.sha256(fitted.workbook).hexdigest()
    row.aspect_count = sum(1 for _ in fitted.loaded.scheme.aspects())
    row.imported_at = now
    row.imported_by_id = actor.id
    db.session.flush()
    record(
        "scheme.import",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("导入 %(title)s 的评分标准（%(source_filename)s，%(aspect_count)s 个评分项）"),
            title=event.title,
            source_filename=row.source_filename,
            aspect_count=row.aspect_count,
        ),
        before=before,
        after={"sha256": row.sha256, "file": row.source_filename, "layout": row.layout},
    )
    return fitted


# ---- entries, panels and conflicts ------------------------------------------------------------------


def marked_entries(event: Event) -> list[Registration]:
    """The entries that are marked: approved and numbered by the draw, by competitor number."""
    return list(
        db.session.execute(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.APPROVED,
                Registration.competitor_number.is_not(None),
            )
            .options(sa.orm.selectinload(Registration.members).selectinload(RegistrationMember.competitor))
            .order_by(Registration.competitor_number)
        ).scalars()
    )


def event_part(event: Event, kind: PartKind) -> EventPart:
    """The event's part of that kind; :class:`DomainError` when it has none."""
    for part in event.parts:
        if part.kind is kind:
            return part
    raise DomainError(N_("赛项没有%(kind)s部分。"), kind=kind.label)


def panel_of(part: EventPart) -> list[User]:
    """The judges of a part's panel: those seated on it explicitly, else every judge of the event who is
    not the chief judge (the chief judge checks and signs off; seat them explicitly to mark)."""
    seats = list(
        db.session.execute(
            sa.select(User)
            .join(PanelSeat, PanelSeat.user_id == User.id)
            .where(PanelSeat.event_part_id == part.id)
        ).scalars()
    )
    if seats:
        return sorted(seats, key=lambda u: u.id)
    # one query: reading ``a.user`` per assignment cost one query per judge (50 on a large panel)
    return list(
        db.session.execute(
            sa.select(User)
            .join(JudgeAssignment, JudgeAssignment.user_id == User.id)
            .where(JudgeAssignment.event_id == part.event_id, JudgeAssignment.position == JudgePosition.JUDGE)
            .order_by(User.id)
        ).scalars()
    )


def set_panel(part: EventPart, user_ids: Iterable[int], *, actor: User, now: datetime) -> None:
    """Seat exactly ``user_ids`` (judges of the event) on the part's panel; audited.

    Raises :class:`DomainError` for someone not on the event's panel, an empty panel, or a signed-off part.
    """
    event = part.event
    wanted = set(user_ids)
    judges = {a.user_id: a.user for a in event.judge_assignments}
    strangers = wanted - set(judges)
    if strangers:
        raise DomainError(N_("只能从本赛项的裁判组中选择。"))
    if not wanted:
        raise DomainError(N_("%(kind)s的评分组至少需要一名裁判。"), kind=part.kind.label)
    if _signed_off(part):
        raise DomainError(N_("%(kind)s已签字确认，不能调整评分组。"), kind=part.kind.label)
    before = sorted(u.id for u in panel_of(part))
    db.session.execute(sa.delete(PanelSeat).where(PanelSeat.event_part_id == part.id))
    for user_id in sorted(wanted):
        db.session.add(PanelSeat(event_part_id=part.id, user_id=user_id))
    db.session.flush()
    record(
        "panel.set",
        actor=actor,
        now=now,
        object_type="event_part",
        object_id=part.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("%(title)s %(kind)s评分组：%(judges)s"),
            title=event.title,
            kind=part.kind.label,
            judges=joined(judges[i].display_name for i in sorted(wanted)),
        ),
        before={"judges": before},
        after={"judges": sorted(wanted)},
    )


def entry_units(registration: Registration) -> set[int]:
    """The units an entry belongs to: the entry's own and its members'."""
    units = {m.competitor.unit_id for m in registration.members if m.competitor.unit_id is not None}
    if registration.unit_id is not None:
        units.add(registration.unit_id)
    return units


@dataclass(frozen=True)
class ConflictBook:
    """An event's conflict records: ``overrides`` (registration id, judge id) pairs the chief judge cleared,
    ``relations`` (registration id, judge id) → listed relation. ``(registration_id, judge_id) in book``
    asks whether the pair is overridden."""

    overrides: frozenset[tuple[int, int]] = frozenset()
    relations: Mapping[tuple[int, int], str] = field(default_factory=dict)

    def __contains__(self, pair: object) -> bool:
        return pair in self.overrides


def conflict_reason(judge: User, registration: Registration, book: ConflictBook | None = None) -> str | None:
    """Why the judge must stay off the entry (回避): ``"同单位"`` when the judge's unit is one of the entry's
    units, else the listed relation (from ``book``, or read for this pair when ``book`` is ``None``);
    ``None`` when nothing keeps them apart."""
    if judge.unit_id is not None and judge.unit_id in entry_units(registration):
        return N_("同单位")
    if book is not None:
        return book.relations.get((registration.id, judge.id))
    return db.session.execute(
        sa.select(ConflictRelation.relation).where(
            ConflictRelation.registration_id == registration.id, ConflictRelation.user_id == judge.id
        )
    ).scalar()


def is_conflicted(judge: User, registration: Registration, book: ConflictBook | None = None) -> bool:
    """True when the judge's unit is one of the entry's units or a relation between them is listed."""
    return conflict_reason(judge, registration, book) is not None


def overrides_of(event: Event) -> ConflictBook:
    """The event's overrides and listed relations (two queries)."""
    overrides = db.session.execute(
        sa.select(ConflictOverride.registration_id, ConflictOverride.user_id)
        .join(Registration, Registration.id == ConflictOverride.registration_id)
        .where(Registration.event_id == event.id)
    )
    relations = db.session.execute(
        sa.select(ConflictRelation.registration_id, ConflictRelation.user_id, ConflictRelation.relation)
        .join(Registration, Registration.id == ConflictRelation.registration_id)
        .where(Registration.event_id == event.id)
    )
    return ConflictBook(frozenset((r, u) for r, u in overrides), {(r, u): text for r, u, text in relations})


def may_mark_entry(judge: User, registration: Registration, overrides: ConflictBook) -> bool:
    """Whether conflicts of interest let the judge mark the entry."""
    return not is_conflicted(judge, registration, overrides) or (registration.id, judge.id) in overrides


@dataclass(frozen=True)
class Conflict:
    """A judge kept off an entry, why (``"同单位"`` or the listed relation), and whether the chief judge
    has overridden it."""

    registration: Registration
    judge: User
    overridden: bool
    reason: str = N_("同单位")


def conflicts(event: Event) -> list[Conflict]:
    """Every (entry, panel judge) conflict of the event, by competitor number then judge."""
    book = overrides_of(event)
    judges = sorted({a.user for a in event.judge_assignments}, key=lambda u: u.id)
    found = []
    for registration in marked_entries(event):
        for judge in judges:
            reason = conflict_reason(judge, registration, book)
            if reason is not None:
                found.append(Conflict(registration, judge, (registration.id, judge.id) in book, reason))
    return found


def list_relation(
    registration: Registration, judge: User, relation: str, *, actor: User, now: datetime
) -> ConflictRelation:
    """Record a relation (关系回避) that keeps ``judge`` off ``registration``; audited.

    Raises :class:`DomainError` without a relation text, for someone not judging the event, or when a
    relation between the two is already listed. Refused once the judge has marked the entry: the marks
    stay (history) and the chief judge decides with a re-score.
    """
    relation = (relation or "").strip()
    if not relation:
        raise DomainError(N_("请填写回避关系（如亲属、师徒、同事）。"), field="relation")
    event = registration.event
    if not any(a.user_id == judge.id for a in event.judge_assignments):
        raise DomainError(N_("该用户不是本赛项的裁判。"))
    existing = db.session.execute(
        sa.select(ConflictRelation.id).where(
            ConflictRelation.registration_id == registration.id, ConflictRelation.user_id == judge.id
        )
    ).scalar()
    if existing is not None:
        raise DomainError(N_("已经登记过这名裁判与这名选手的回避关系。"))
    marked = db.session.execute(
        sa.select(Mark.id)
        .where(Mark.registration_id == registration.id, Mark.judge_id == judge.id, Mark.value.is_not(None))
        .limit(1)
    ).scalar()
    if marked is not None:
        raise DomainError(N_("该裁判已为这名选手评分；请先要求重新评分或由裁判长另行处理。"))
    row = ConflictRelation(
        registration_id=registration.id,
        user_id=judge.id,
        relation=relation[:100],
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    record(
        "conflict.relation",
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("%(title)s：%(display_name)s 与 %(competitor_number)s 号有回避关系（%(relation)s）"),
            title=event.title,
            display_name=judge.display_name,
            competitor_number=registration.competitor_number,
            relation=relation[:100],
        ),
        after={"judge_id": judge.id, "relation": relation[:100]},
    )
    return row


def override_conflict(
    registration: Registration, judge: User, reason: str, *, actor: User, now: datetime
) -> ConflictOverride:
    """Let ``judge`` mark ``registration`` despite a conflict; the chief judge gives a reason. Audited."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("解除回避须填写原因。"), field="reason")
    if not is_conflicted(judge, registration):
        raise DomainError(N_("该裁判与这名选手没有利益冲突，无须解除回避。"))
    existing = db.session.execute(
        sa.select(ConflictOverride).where(
            ConflictOverride.registration_id == registration.id, ConflictOverride.user_id == judge.id
        )
    ).scalar()
    if existing is not None:
        raise DomainError(N_("已经解除过这项回避。"))
    row = ConflictOverride(
        registration_id=registration.id,
        user_id=judge.id,
        reason=reason[:300],
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    record(
        "conflict.override",
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.id,
        contest_id=registration.event.contest_id,
        summary=fmt(
            N_("%(title)s：准许 %(display_name)s 为 %(competitor_number)s 号评分（解除回避）"),
            title=registration.event.title,
            display_name=judge.display_name,
            competitor_number=registration.competitor_number,
        ),
        after={"judge_id": judge.id, "reason": reason},
    )
    return row


# ---- state of parts ---------------------------------------------------------------------------------


def _signed_off(part: EventPart) -> PartSignOff | None:
    return db.session.execute(sa.select(PartSignOff).where(PartSignOff.event_part_id == part.id)).scalar()


def sign_off_of(part: EventPart) -> PartSignOff | None:
    """The part's sign-off, or ``None`` while it is open."""
    return _signed_off(part)


def submitted_judges(part: EventPart) -> set[int]:
    """Ids of the judges who have submitted the part."""
    return set(
        db.session.execute(
            sa.select(PartSubmission.judge_id).where(PartSubmission.event_part_id == part.id)
        ).scalars()
    )


def open_rescores(event: Event, *, judge: User | None = None) -> list[RescoreRequest]:
    """Unresolved re-score requests of the event (of one judge when given)."""
    query = sa.select(RescoreRequest).where(
        RescoreRequest.event_id == event.id, RescoreRequest.resolved_at.is_(None)
    )
    if judge is not None:
        query = query.where(RescoreRequest.judge_id == judge.id)
    return list(db.session.execute(query.order_by(RescoreRequest.id)).scalars())


def part_aspects(loaded: schemes.Loaded, kind: PartKind) -> list[Aspect]:
    """The aspects of the scheme's part of that kind, depth first."""
    return list(loaded.scheme.part(kind).aspects())


def is_exam_part(loaded: schemes.Loaded, kind: PartKind) -> bool:
    """True for a theory part whose only aspect is the exam system's score (imported, not marked)."""
    return kind is PartKind.THEORY and schemes.exam_aspect(loaded.scheme) is not None


# ---- mark values, checked by the core --------------------------------------------------------------

_FINDING = re.compile(r"^\s*([^=\s]+)\s*=\s*([^=\s]+)\s*$")
_SEPARATORS = re.compile(r"[;；,，\s]+")


def _finding_rows(text: str, base: dict) -> list[MarkRow]:
    if text in {"0", "无"}:
        return [MarkRow(**base)]
    rows = []
    for piece in _SEPARATORS.split(text.replace(" = ", "=")):
        if not piece:
            continue
        match = _FINDING.match(piece)
        if match is None:
            raise DomainError(
                N_("扣分记录写作“规则编号=数量”，如 Q1=2；无扣分填 0：“%(piece)s”"), piece=piece
            )
        rows.append(MarkRow(**base, rule=match.group(1), value=match.group(2)))
    return rows


def mark_rows(
    entry: str, kind: PartKind, aspect: Aspect, judge_code: str | None, value: str
) -> list[MarkRow]:
    """The MARKS.csv rows recording one stored mark value."""
    base = {"entry": entry, "part": kind, "aspect": aspect.code, "judge": judge_code or ""}
    if isinstance(aspect.rule, Deductions):
        return _finding_rows(value, base)
    return [MarkRow(**base, value=value)]


def _canonical(aspect: Aspect, text: str) -> str:
    text = text.strip().replace("／", "/")
    if isinstance(aspect.rule, Deductions):
        if text in {"0", "无"}:
            return "0"
        return ";".join(
            f"{r.rule}={r.value}" for r in _finding_rows(text, {"entry": "-", "aspect": aspect.code})
        )
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    plain = format(number, "f")
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def check_value(loaded: schemes.Loaded, aspect_code: str, value: str, judge_code: str | None) -> str:
    """The canonical text of ``value`` for the aspect, after the core has accepted it.

    The value goes through the same parser as MARKS.csv (:func:`competition.scoring.files.build_sheets`)
    and is then marked by the aspect's rule, so range, step (whole 0–3 scores), grades and deduction
    codes are the core's checks. Raises :class:`DomainError` with a marked message (shown translated with
    :func:`competition.i18n.error_text`).
    """
    kind, aspect = loaded.aspects[aspect_code]
    text = _canonical(aspect, value)
    judged = aspect.kind is AspectKind.JUDGEMENT
    try:
        rows = mark_rows("-", kind, aspect, (judge_code or "J") if judged else None, text)
        sheet = build_sheets(rows, loaded.scheme, file=N_("成绩")).sheets[0]
        aspect.evaluate(sheet.observations[aspect_code], default=Aggregation.MEAN)
    except DomainError as error:
        # the parser names the place (file, line, column): the judge knows it, so only the problem is kept
        problem = error.params.get("problem") if "where" in error.params else None
        raise DomainError(
            N_("%(code)s %(name)s：%(problem)s"),
            field="value",
            code=aspect.code,
            name=aspect.name,
            problem=error.text if problem is None else problem,
        ) from None
    return text


# ---- saving a mark ----------------------------------------------------------------------------------


def begin_write() -> None:
    """Start a writing transaction that holds the database's write lock from its first statement.

    Only SQLite needs it: a transaction that reads first and writes later must upgrade its lock, and two
    such requests at once deadlock (SQLite answers "database is locked" at once instead of waiting). A
    no-op UPDATE as the first statement takes the write lock up front, so concurrent autosaves queue on
    the busy timeout. Ends the current transaction, which must hold nothing unsaved.
    """
    session = db.session
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
        session.execute(sa.text("UPDATE mark SET version = version WHERE 0"))


@dataclass(frozen=True)
class SaveOutcome:
    """A saved mark: its id, value and new version."""

    mark_id: int
    value: str | None
    version: int


def _find_mark(registration_id: int, aspect_code: str, judge_id: int | None) -> Mark | None:
    query = sa.select(Mark).where(Mark.registration_id == registration_id, Mark.aspect_code == aspect_code)
    query = query.where(Mark.judge_id.is_(None) if judge_id is None else Mark.judge_id == judge_id)
    return db.session.execute(query.execution_options(populate_existing=True)).scalar()


def write_mark(
    registration: Registration | int,
    aspect_code: str,
    judge_id: int | None,
    value: str | None,
    *,
    expected_version: int,
    actor: User | int | None,
    now: datetime,
    source: MarkSource,
    reason: str | None = None,
    event_id: int | None = None,
    guard: sa.ColumnElement[bool] | None = None,
    guard_params: dict | None = None,
    history: bool = True,
) -> SaveOutcome:
    """Create or change one mark row if it is still at ``expected_version`` (0 = not yet recorded), and
    keep the new value in the history (unless ``history`` is false: the caller writes it with
    :func:`_history`). ``registration`` is the entry or its id (then ``event_id`` is required); ``guard``
    is an SQL condition the write also needs, checked in the same statement (``guard_params`` the values
    of its bound parameters). Raises :class:`StaleMark`
    when the version (or the guard) does not match. No permission checks: the callers
    (:func:`commit_save`, imports) make them."""
    if isinstance(registration, Registration):
        registration_id, event_id = registration.id, registration.event_id
    else:
        registration_id = registration
    actor_id = actor if isinstance(actor, int) else getattr(actor, "id", None)
    # One statement decides each case, so two saves of the same mark at once cannot both win: a new mark
    # is an INSERT that does nothing on the unique index (the other judge or tab got there first), a
    # change is an UPDATE guarded by the version. Both return the row's id (one round trip, no savepoint).
    if expected_version == 0:
        values = {
            "event_id": event_id,
            "registration_id": registration_id,
            "aspect_code": aspect_code,
            "judge_id": judge_id,
            "value": value,
            "version": 1,
            "updated_at": now,
            "updated_by_id": actor_id,
        }
        mark_id = db.session.execute(
            _insert_new(values, guard).returning(Mark.__table__.c.id), guard_params or {}
        ).scalar()
        version = 1
    else:
        table = Mark.__table__  # Core statements: the ORM would take parameters for bulk rows
        mark_id = db.session.execute(
            sa.update(table)
            .where(
                table.c.registration_id == registration_id,
                table.c.aspect_code == aspect_code,
                table.c.judge_id.is_(None) if judge_id is None else table.c.judge_id == judge_id,
                table.c.version == expected_version,
                sa.true() if guard is None else guard,
            )
            .values(value=value, version=table.c.version + 1, updated_at=now, updated_by_id=actor_id)
            .returning(table.c.id),
            guard_params or {},
        ).scalar()
        version = expected_version + 1
    if mark_id is None:
        raise StaleMark(_find_mark(registration_id, aspect_code, judge_id))
    loaded = db.session.identity_map.get(db.session.identity_key(Mark, mark_id))
    if loaded is not None:  # a copy already in this session is out of date now
        db.session.expire(loaded)
    outcome = SaveOutcome(mark_id, value, version)
    if history:
        _history(outcome, source=source, reason=reason, actor_id=actor_id, now=now)
    return outcome


def _history(
    outcome: SaveOutcome, *, source: MarkSource, reason: str | None, actor_id: int | None, now: datetime
) -> None:
    db.session.execute(
        sa.insert(MarkHistory).values(
            mark_id=outcome.mark_id,
            version=outcome.version,
            value=outcome.value,
            source=source,
            reason=(reason or None) and reason[:300],
            reason_data=marked_data(reason),
            changed_at=now,
            changed_by_id=actor_id,
        )
    )


def _insert_new(values: dict, guard: sa.ColumnElement[bool] | None = None):
    """``INSERT … ON CONFLICT DO NOTHING`` of a mark row (PostgreSQL and SQLite spell it alike); with a
    ``guard``, ``INSERT … SELECT … WHERE guard``, so a false guard inserts nothing either."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    insert = sa.dialects.postgresql.insert if postgresql else sa.dialects.sqlite.insert
    table = Mark.__table__
    if guard is None:
        return insert(table).values(values).on_conflict_do_nothing()
    row = sa.select(*(sa.literal(v, table.c[k].type).label(k) for k, v in values.items())).where(guard)
    return insert(table).from_select(list(values), row).on_conflict_do_nothing()


def save_mark(
    event: Event,
    registration: Registration,
    aspect_code: str,
    value: str | None,
    *,
    judge: User,
    expected_version: int,
    now: datetime,
) -> SaveOutcome:
    """A judge records (or clears, ``value`` empty) one mark from the grid: :func:`prepare_save` then
    :func:`commit_save` in the caller's transaction (which takes the SQLite write lock first, if at all).

    Raises what those raise; :class:`NotFound` becomes :class:`DomainError` ("没有这名参赛选手").
    """
    try:
        prepared = prepare_save(event.id, registration.id, aspect_code, value, judge=judge)
    except NotFound:
        raise DomainError(N_("没有这名参赛选手。")) from None
    return commit_save(prepared, expected_version=expected_version, now=now)


class NotFound(Exception):
    """The event is not the judge's, or the entry is not a numbered entry of it (the view answers 404)."""


@dataclass(frozen=True)
class PreparedSave:
    """A save that passed every check, ready to be written by :func:`commit_save`."""

    event_id: int
    part_id: int
    kind: PartKind
    registration_id: int
    aspect_code: str
    judge_id: int
    mark_judge_id: int | None
    """The judge's id for a judgement aspect; ``None`` for a shared measurement mark."""
    text: str | None
    rescore: bool
    """The chief judge has asked this judge to re-score this mark (open request when checked)."""


def _P(name: str) -> sa.BindParameter:
    """A named parameter of the save statements (names unlike any column, so an UPDATE never sets them)."""
    return sa.bindparam(name, type_=sa.String(40) if name == "s_aspect" else sa.Integer())


def _build_save_state() -> sa.Select:
    from competition.contests.models import Contest
    from competition.registration.models import Competitor

    judge_id, unit_id = _P("s_judge"), _P("s_unit")
    same_unit = sa.and_(
        unit_id.is_not(None),
        sa.or_(
            Registration.unit_id == unit_id,
            sa.exists().where(
                RegistrationMember.registration_id == Registration.id,
                Competitor.id == RegistrationMember.competitor_id,
                Competitor.unit_id == unit_id,
            ),
        ),
    )
    conflicted = sa.or_(
        same_unit,
        sa.exists().where(
            ConflictRelation.registration_id == Registration.id, ConflictRelation.user_id == judge_id
        ),
    )
    return (
        sa.select(
            Contest.status.label("contest_status"),
            EventScheme.sha256,
            Registration.id.label("reg_id"),
            Registration.status.label("reg_status"),
            Registration.competitor_number,
            sa.exists()
            .where(JudgeAssignment.event_id == Event.id, JudgeAssignment.user_id == judge_id)
            .label("assigned"),
            sa.exists()
            .where(
                JudgeAssignment.event_id == Event.id,
                JudgeAssignment.user_id == judge_id,
                JudgeAssignment.position == JudgePosition.JUDGE,
            )
            .label("event_judge"),
            sa.case((conflicted, True), else_=False).label("conflicted"),
            sa.exists()
            .where(
                ConflictOverride.registration_id == _P("s_registration"),
                ConflictOverride.user_id == judge_id,
            )
            .label("overridden"),
            sa.exists()
            .where(EventMarking.event_id == Event.id, EventMarking.signed_off_at.is_not(None))
            .label("event_signed"),
            _OPEN_RESCORE.label("rescore"),
            EventPart.kind,
            EventPart.id.label("part_id"),
            sa.exists().where(PartSignOff.event_part_id == EventPart.id).label("part_signed"),
            sa.exists()
            .where(PanelSeat.event_part_id == EventPart.id, PanelSeat.user_id == judge_id)
            .label("seated"),
            sa.exists().where(PanelSeat.event_part_id == EventPart.id).label("any_seat"),
            sa.exists()
            .where(PartSubmission.event_part_id == EventPart.id, PartSubmission.judge_id == judge_id)
            .label("submitted"),
        )
        .select_from(Event)
        .join(Contest, Contest.id == Event.contest_id)
        .outerjoin(EventScheme, EventScheme.event_id == Event.id)
        .outerjoin(
            Registration, sa.and_(Registration.id == _P("s_registration"), Registration.event_id == Event.id)
        )
        .outerjoin(EventPart, EventPart.event_id == Event.id)
        .where(Event.id == _P("s_event"))
    )


_OPEN_RESCORE = sa.exists().where(
    RescoreRequest.event_id == _P("s_event"),
    RescoreRequest.judge_id == _P("s_judge"),
    RescoreRequest.registration_id == _P("s_registration"),
    RescoreRequest.aspect_code == _P("s_aspect"),
    RescoreRequest.resolved_at.is_(None),
)
_STILL_OPEN = sa.and_(
    ~sa.exists().where(EventMarking.event_id == _P("s_event"), EventMarking.signed_off_at.is_not(None)),
    ~sa.exists().where(PartSignOff.event_part_id == _P("s_part")),
    sa.or_(
        ~sa.exists().where(
            PartSubmission.event_part_id == _P("s_part"), PartSubmission.judge_id == _P("s_judge")
        ),
        _OPEN_RESCORE,
    ),
)
"""What :func:`prepare_save` checked that can change before the write: neither the event nor the part
is signed off, and the judge has not submitted the part or has an open re-score request for the mark."""
_SAVE_STATE: list[sa.Select] = []
"""The state query, built once (SQLAlchemy then reuses its compiled form; only the parameters vary)."""


def _save_state(event_id: int, registration_id: int, aspect_code: str, judge: User) -> list[sa.Row]:
    """Everything a save checks, in one query: one row per part of the event (at least one row when the
    event exists), with the contest's status, the scheme's hash, the entry (``reg_id`` ``None`` when it is
    not an entry of the event), the judge's seat on the event, a conflict of interest (same unit as the
    entry or one of its members) and its override, the event's sign-off, an open re-score request for the
    mark, and per part its sign-off, the judge's panel seat (``seated``; ``any_seat`` whether anyone is
    seated) and submission."""
    if not _SAVE_STATE:
        _SAVE_STATE.append(_build_save_state())
    params = {
        "s_event": event_id,
        "s_registration": registration_id,
        "s_aspect": aspect_code,
        "s_judge": judge.id,
        "s_unit": judge.unit_id,
    }
    return list(db.session.execute(_SAVE_STATE[0], params))


def prepare_save(
    event_id: int, registration_id: int, aspect_code: str, value: str | None, *, judge: User
) -> PreparedSave:
    """Every check of a judge's save, read-only (one query, then the core's value check), so SQLite's
    write lock is taken only for the write itself (:func:`commit_save`).

    Raises :class:`NotFound` when the event is not one the judge sits on or the entry is not a numbered
    entry of it; :class:`DomainError` with a Chinese message when the contest is not being marked, the
    entry is not approved, the aspect is not in the scheme or is the imported exam score, the part is
    signed off, the judge is not on the part's panel, is kept off the entry (回避, unless overridden), has
    submitted the part without a re-score request for this mark, or the value fails the core's checks
    (range, step, grades, deduction codes).
    """
    rows = _save_state(event_id, registration_id, aspect_code, judge)
    if not rows or not rows[0].assigned or judge.role is not Role.JUDGE:
        raise NotFound
    state = rows[0]
    if state.reg_id is None or not state.competitor_number:
        raise NotFound
    if state.contest_status not in MARKING_STATUSES:
        raise DomainError(N_("竞赛处于“%(status)s”阶段，不能录入成绩。"), status=state.contest_status.label)
    if state.reg_status is not RegistrationStatus.APPROVED:
        raise DomainError(N_("没有这名参赛选手。"))
    loaded = None if state.sha256 is None else schemes.cached(state.sha256)
    if loaded is None:
        loaded = require_scheme(db.session.get(Event, event_id))
    if aspect_code not in loaded.aspects:
        raise DomainError(N_("评分标准中没有评分项 %(aspect_code)s。"), aspect_code=aspect_code)
    kind, aspect = loaded.aspects[aspect_code]
    if is_exam_part(loaded, kind):
        raise DomainError(N_("理论考试成绩由考试系统导入，不在此录入。"))
    part = next((r for r in rows if r.kind is kind), None)
    if part is None:
        raise DomainError(N_("赛项没有%(kind)s部分。"), kind=kind.label)
    if state.event_signed or part.part_signed:
        raise DomainError(N_("%(kind)s的成绩已由裁判长签字确认并锁定。"), kind=kind.label)
    if not (part.seated if part.any_seat else state.event_judge):
        raise DomainError(N_("您不在%(kind)s的评分组中。"), kind=kind.label)
    if state.conflicted and not state.overridden:
        raise DomainError(N_("您与这名选手须回避（同单位或登记的关系），不能为其评分。"))
    if part.submitted and not state.rescore:
        raise DomainError(
            N_("您已提交%(kind)s的评分；只有裁判长要求重新评分的项目才能修改。"), kind=kind.label
        )
    text = None
    if value is not None and value.strip():
        text = check_value(loaded, aspect_code, value, judge.username)
    if state.rescore and text is None:
        raise DomainError(N_("重新评分须填写新的成绩。"))
    return PreparedSave(
        event_id=event_id,
        part_id=part.part_id,
        kind=kind,
        registration_id=registration_id,
        aspect_code=aspect_code,
        judge_id=judge.id,
        mark_judge_id=judge.id if aspect.kind is AspectKind.JUDGEMENT else None,
        text=text,
        rescore=bool(state.rescore),
    )


def _still_open(prepared: PreparedSave) -> dict[str, object]:
    """The values of :data:`_STILL_OPEN`'s parameters for the prepared save."""
    return {
        "s_event": prepared.event_id,
        "s_part": prepared.part_id,
        "s_judge": prepared.judge_id,
        "s_registration": prepared.registration_id,
        "s_aspect": prepared.aspect_code,
    }


def commit_save(prepared: PreparedSave, *, expected_version: int, now: datetime) -> SaveOutcome:
    """Write a prepared save: the mark (guarded by its version and by :func:`_still_open`, in the same
    statement), its history row, and the resolution of the judge's open re-score request for it.

    On SQLite call :func:`begin_write` first. Raises :class:`StaleMark` when the mark is no longer at
    ``expected_version``, :class:`DomainError` when the part was signed off or submitted since
    :func:`prepare_save` checked it. A mark no longer at ``expected_version`` but already holding the
    value is not a conflict (typically the tablet's retry of a save whose answer the network lost): the
    stored mark is returned as it is, with nothing written; except when the chief judge asked for a
    re-score, which only a write resolves.
    """
    judge_id = prepared.judge_id  # an id: the judge's row may be expired by begin_write's commit
    try:
        outcome = write_mark(
            prepared.registration_id,
            prepared.aspect_code,
            prepared.mark_judge_id,
            prepared.text,
            expected_version=expected_version,
            actor=judge_id,
            now=now,
            source=MarkSource.RESCORE if prepared.rescore else MarkSource.ENTRY,
            event_id=prepared.event_id,
            guard=_STILL_OPEN,
            guard_params=_still_open(prepared),
            history=False,
        )
    except StaleMark as stale:
        facts = db.session.execute(sa.select(_STILL_OPEN), _still_open(prepared)).scalar()
        if not facts:
            raise DomainError(
                N_("%(kind)s的成绩已被裁判长签字确认或已提交，您输入的值没有保存。"), kind=prepared.kind.label
            ) from None
        current = stale.current
        if current is not None and current.value == prepared.text and not prepared.rescore:
            return SaveOutcome(current.id, current.value, current.version)
        raise
    reasons: list[str] = []
    if prepared.rescore:  # rare: load the requests so a copy in this session is current too
        requests = db.session.execute(
            sa.select(RescoreRequest)
            .where(
                RescoreRequest.event_id == prepared.event_id,
                RescoreRequest.judge_id == judge_id,
                RescoreRequest.registration_id == prepared.registration_id,
                RescoreRequest.aspect_code == prepared.aspect_code,
                RescoreRequest.resolved_at.is_(None),
            )
            .order_by(RescoreRequest.id)
        ).scalars()
        for request_row in requests:
            request_row.resolved_at = now
            reasons.append(request_row.reason)
        db.session.flush()
    _history(
        outcome,
        source=MarkSource.RESCORE if reasons else MarkSource.ENTRY,
        reason="；".join(reasons) or None,
        actor_id=judge_id,
        now=now,
    )
    return outcome


def history_of(mark_id: int) -> list[MarkHistory]:
    """Every value a mark has had, oldest first."""
    return list(
        db.session.execute(
            sa.select(MarkHistory).where(MarkHistory.mark_id == mark_id).order_by(MarkHistory.version)
        ).scalars()
    )


# ---- the grid --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A grid cell: the stored value (``None`` = empty) and the version to send back."""

    value: str | None
    version: int
    rescore: str | None = None


@dataclass
class Grid:
    """What one judge sees for one part (optionally one criterion): entries they may mark (numbers and
    stations only), aspects with their inputs, and their cells. ``readonly`` after submission or lock."""

    event: Event
    part: EventPart
    criteria: list[Criterion]
    criterion: Criterion | None
    aspects: list[Aspect]
    inputs: dict[str, schemes.InputSpec]
    entries: list[Registration]
    cells: dict[tuple[int, str], Cell]
    submitted: bool
    locked: bool
    kept_off: int
    rescores: list[RescoreRequest] = field(default_factory=list)

    def editable(self, registration_id: int, code: str) -> bool:
        """Whether the judge may change that cell now."""
        if self.locked:
            return False
        if not self.submitted:
            return True
        return any(r.registration_id == registration_id and r.aspect_code == code for r in self.rescores)

    @property
    def filled(self) -> int:
        """Cells holding a value."""
        return sum(
            1
            for e in self.entries
            for a in self.aspects
            if (c := self.cells.get((e.id, a.code))) is not None and c.value is not None
        )


def _criteria(part: Part) -> list[Criterion]:
    return [c for c in part.children if isinstance(c, Criterion)]


def grid(event: Event, kind: PartKind, judge: User, *, criterion_code: str | None = None) -> Grid:
    """The marking grid of ``judge`` for the event's part ``kind``: one top-level criterion at a time
    (the first by default; ``"*"`` for every aspect of the part).

    Only the judge's own judgement scores and the shared measurements are shown: other judges' scores
    stay hidden (DOMAIN.md §3, independent marking). Raises :class:`DomainError` when the judge is not on
    the part's panel or the part is imported rather than marked.
    """
    loaded = require_scheme(event)
    if is_exam_part(loaded, kind):
        raise DomainError(N_("理论考试成绩由考试系统导入，不在此录入。"))
    part = event_part(event, kind)
    if judge.id not in {u.id for u in panel_of(part)}:
        raise DomainError(N_("您不在%(kind)s的评分组中。"), kind=kind.label)
    core_part = loaded.scheme.part(kind)
    criteria = _criteria(core_part)
    if criterion_code == "*":
        chosen = None
    else:
        chosen = next((c for c in criteria if c.code == criterion_code), criteria[0] if criteria else None)
    aspects = list(_walk_aspects(chosen)) if chosen is not None else list(core_part.aspects())
    overrides = overrides_of(event)
    everyone = marked_entries(event)
    entries = [r for r in everyone if may_mark_entry(judge, r, overrides)]
    codes = [a.code for a in aspects]
    cells: dict[tuple[int, str], Cell] = {}
    judged = {a.code for a in aspects if a.kind is AspectKind.JUDGEMENT}
    if entries and codes:
        rows = db.session.execute(
            sa.select(Mark.registration_id, Mark.aspect_code, Mark.judge_id, Mark.value, Mark.version).where(
                Mark.event_id == event.id,
                Mark.aspect_code.in_(codes),
                sa.or_(Mark.judge_id.is_(None), Mark.judge_id == judge.id),
            )
        )
        for registration_id, code, judge_id, value, version in rows:
            if (code in judged) == (judge_id is not None):
                cells[(registration_id, code)] = Cell(value, version)
    rescores = [r for r in open_rescores(event, judge=judge) if r.aspect_code in set(codes)]
    for request_row in rescores:
        key = (request_row.registration_id, request_row.aspect_code)
        cell = cells.get(key, Cell(None, 0))
        cells[key] = Cell(cell.value, cell.version, request_row.reason)
    state = marking_of(event)
    return Grid(
        event=event,
        part=part,
        criteria=criteria,
        criterion=chosen,
        aspects=aspects,
        inputs={a.code: schemes.input_spec(a) for a in aspects},
        entries=entries,
        cells=cells,
        submitted=judge.id in submitted_judges(part),
        locked=state.signed_off_at is not None or _signed_off(part) is not None,
        kept_off=len(everyone) - len(entries),
        rescores=rescores,
    )


def _walk_aspects(node: Criterion | Aspect) -> Iterable[Aspect]:
    if isinstance(node, Aspect):
        yield node
    else:
        for child in node.children:
            yield from _walk_aspects(child)


# ---- completeness, sheets, divergence ---------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A mark that must be recorded: entry, aspect, and the judge for judgement aspects."""

    registration_id: int
    aspect_code: str
    judge_id: int | None


@dataclass
class PartProgress:
    """Completeness of one part: required slots, those missing, by entry and by aspect, and problems."""

    part: EventPart
    panel: list[User]
    required: int
    missing: list[Slot]
    by_entry: dict[int, int]
    by_aspect: dict[str, tuple[int, int]]
    submitted: set[int]
    problems: list[str]
    exam: bool

    @property
    def complete(self) -> bool:
        """True when every required mark is recorded and nothing blocks the part."""
        return not self.missing and not self.problems


@dataclass
class MarkTable:
    """Every recorded (non-empty) mark of an event: (registration id, aspect code, judge id) → value."""

    values: dict[tuple[int, str, int | None], str]

    @classmethod
    def load(cls, event: Event) -> MarkTable:
        rows = db.session.execute(
            sa.select(Mark.registration_id, Mark.aspect_code, Mark.judge_id, Mark.value).where(
                Mark.event_id == event.id, Mark.value.is_not(None)
            )
        )
        return cls({(r, a, j): v for r, a, j, v in rows})


def allowed_judges(
    part_panel: Sequence[User], registration: Registration, overrides: set[tuple[int, int]]
) -> list[User]:
    """The part's panel judges who may mark the entry (conflicts removed unless overridden)."""
    return [j for j in part_panel if may_mark_entry(j, registration, overrides)]


def progress(event: Event, kind: PartKind, *, table: MarkTable | None = None) -> PartProgress:
    """Completeness of the event's part ``kind``: which marks are still missing, per entry and aspect."""
    loaded = require_scheme(event)
    part = event_part(event, kind)
    exam = is_exam_part(loaded, kind)
    panel = [] if exam else panel_of(part)
    table = table or MarkTable.load(event)
    overrides = overrides_of(event)
    aspects = part_aspects(loaded, kind)
    missing: list[Slot] = []
    by_entry: dict[int, int] = {}
    by_aspect: dict[str, list[int]] = {a.code: [0, 0] for a in aspects}
    problems: list[str] = []
    for registration in marked_entries(event):
        judges = allowed_judges(panel, registration, overrides)
        if not exam and not judges and any(a.kind is AspectKind.JUDGEMENT for a in aspects):
            problems.append(
                fmt(
                    N_("%(number)s 号：评分组裁判全部须回避，请调整评分组或解除回避。"),
                    number=registration.competitor_number,
                )
            )
        count = 0
        for aspect in aspects:
            slots = (
                [Slot(registration.id, aspect.code, j.id) for j in judges]
                if aspect.kind is AspectKind.JUDGEMENT
                else [Slot(registration.id, aspect.code, None)]
            )
            for slot in slots:
                by_aspect[aspect.code][1] += 1
                if (slot.registration_id, slot.aspect_code, slot.judge_id) in table.values:
                    by_aspect[aspect.code][0] += 1
                else:
                    missing.append(slot)
                    count += 1
        by_entry[registration.id] = count
    return PartProgress(
        part=part,
        panel=panel,
        required=sum(v[1] for v in by_aspect.values()),
        missing=missing,
        by_entry=by_entry,
        by_aspect={k: (v[0], v[1]) for k, v in by_aspect.items()},
        submitted=submitted_judges(part),
        problems=problems,
        exam=exam,
    )


def judge_codes(event: Event) -> dict[int, str]:
    """Judge id → the code MARKS.csv uses for the judge (the username), for everyone who marked."""
    ids = set(
        db.session.execute(
            sa.select(Mark.judge_id).where(Mark.event_id == event.id, Mark.judge_id.is_not(None)).distinct()
        ).scalars()
    )
    ids |= {a.user_id for a in event.judge_assignments}
    if not ids:
        return {}
    return {u.id: u.username for u in db.session.execute(sa.select(User).where(User.id.in_(ids))).scalars()}


@dataclass(frozen=True)
class EventSheets:
    """The core's sheets for an event's numbered entries, with the MARKS.csv facts they came from."""

    sheets: tuple[Sheet, ...]
    entries: dict[str, Registration]
    facts: tuple[MarkFact, ...] = ()
    parts: dict[str, PartKind] = field(default_factory=dict)

    @cached_property
    def rows(self) -> tuple[MarkRow, ...]:
        """The MARKS.csv rows of the sheets, entry by entry (made only when a file is written)."""
        order = {number: index for index, number in enumerate(self.entries)}
        facts = sorted(self.facts, key=lambda f: order[f[0]])  # stable: stored order within an entry
        return tuple(
            MarkRow(entry, part=self.parts[code], aspect=code, judge=judge, value=value, rule=rule)
            for entry, code, judge, value, rule in facts
        )


def _stored_marks(event: Event, table: MarkTable | None) -> Iterable[tuple[int, str, int | None, str]]:
    if table is not None:
        return ((r, a, j, v) for (r, a, j), v in table.values.items())
    # streamed rather than kept in a MarkTable: an event holds hundreds of thousands of marks
    return db.session.execute(
        sa.select(Mark.registration_id, Mark.aspect_code, Mark.judge_id, Mark.value).where(
            Mark.event_id == event.id, Mark.value.is_not(None)
        )
    )


def event_sheets(event: Event, loaded: schemes.Loaded, *, table: MarkTable | None = None) -> EventSheets:
    """Turn the event's stored marks into the core's :class:`Sheet` s, one per numbered entry.

    Judgement scores count only for judges who may mark the entry now (on the part's panel, not kept off
    by a conflict), so the aggregation runs over exactly those judges. Every value passes through the
    checks of the MARKS.csv parser (:func:`competition.scoring.files.sheets_from_marks`).
    """
    entries = marked_entries(event)
    overrides = overrides_of(event)
    codes = judge_codes(event)
    aspects = loaded.aspects
    allowed: dict[tuple[int, PartKind], set[int]] = {}
    panels = {p.kind: panel_of(p) for p in event.parts}
    for registration in entries:
        for kind, panel in panels.items():
            allowed[(registration.id, kind)] = {j.id for j in allowed_judges(panel, registration, overrides)}
    numbers = {r.id: r.competitor_number for r in entries}
    facts: list[MarkFact] = []
    add = facts.append
    for registration_id, code, judge_id, value in _stored_marks(event, table):
        number = numbers.get(registration_id)
        found = aspects.get(code)
        if number is None or found is None:
            continue
        kind, aspect = found
        if judge_id is not None:
            if judge_id not in allowed[(registration_id, kind)]:
                continue
            judge = codes.get(judge_id) or ""
        else:
            judge = ""
        if isinstance(aspect.rule, Deductions):
            facts.extend(
                (r.entry, code, r.judge, r.value, r.rule)
                for r in mark_rows(number, kind, aspect, judge, value)
            )
        else:
            add((number, code, judge, value, ""))
    sheets = sheets_from_marks(list(numbers.values()), facts, loaded.scheme, file=N_("成绩"))
    parts = {code: kind for code, (kind, _) in aspects.items()}
    return EventSheets(sheets, {r.competitor_number: r for r in entries}, tuple(facts), parts)


def divergences(
    event: Event, loaded: schemes.Loaded, sheets: Sequence[Sheet], kind: PartKind | None = None
) -> list[Divergence]:
    """The core's divergence flags (:func:`~competition.scoring.marks.find_divergences`), for one part."""
    found = find_divergences(loaded.scheme, sheets)
    if kind is None:
        return list(found)
    codes = {a.code for a in part_aspects(loaded, kind)}
    return [d for d in found if d.aspect in codes]


@dataclass(frozen=True)
class Bias:
    """A judge's mean deviation from the panel mean on one aspect (judgement aspects only)."""

    judge: User
    aspect_code: str
    mean_deviation: Fraction
    count: int


def bias(event: Event, loaded: schemes.Loaded, sheets: Sequence[Sheet], kind: PartKind) -> list[Bias]:
    """Per judge and judgement aspect of the part: the mean of (judge's score − panel mean) over entries
    with at least two scores. A steady positive value is a lenient judge, negative a strict one."""
    codes = {a.code for a in part_aspects(loaded, kind) if a.kind is AspectKind.JUDGEMENT}
    users = {u.username: u for u in (a.user for a in event.judge_assignments)}
    sums: dict[tuple[str, str], list[Fraction]] = defaultdict(list)
    for sheet in sheets:
        for code, obs in sheet.observations.items():
            if code not in codes:
                continue
            scores = {j: Fraction(s) for j, s in obs.by_judge.items()}
            if len(scores) < 2:
                continue
            mean = aggregate(list(scores.values()), Aggregation.MEAN)
            for judge_code, score in scores.items():
                sums[(judge_code, code)].append(score - mean)
    found = []
    for (judge_code, code), deviations in sorted(sums.items()):
        if judge_code in users:
            found.append(
                Bias(users[judge_code], code, sum(deviations, Fraction(0)) / len(deviations), len(deviations))
            )
    return found


# ---- submission, re-score, sign-off, decryption ------------------------------------------------------


def submit_part(event: Event, kind: PartKind, judge: User, *, now: datetime) -> PartSubmission:
    """A judge submits (提交) their marks of a part once every mark they owe is recorded; audited.

    Raises :class:`DomainError` listing what is missing (up to 10), or when already submitted.
    """
    part = event_part(event, kind)
    if judge.id in submitted_judges(part):
        raise DomainError(N_("您已提交%(kind)s的评分。"), kind=kind.label)
    state = progress(event, kind)
    if judge.id not in {u.id for u in state.panel}:
        raise DomainError(N_("您不在%(kind)s的评分组中。"), kind=kind.label)
    mine = [s for s in state.missing if s.judge_id in (None, judge.id)]
    if mine:
        entries = {r.id: r.competitor_number for r in marked_entries(event)}
        listing = joined(
            fmt(N_("%(number)s号 %(code)s"), number=entries.get(s.registration_id), code=s.aspect_code)
            for s in mine[:10]
        )
        more = fmt(N_(" 等 %(n)s 项"), n=len(mine)) if len(mine) > 10 else ""
        raise DomainError(N_("还有成绩未录入，不能提交：%(listing)s%(more)s。"), listing=listing, more=more)
    row = PartSubmission(event_part_id=part.id, judge_id=judge.id, submitted_at=now)
    db.session.add(row)
    db.session.flush()
    record(
        "marks.submit",
        actor=judge,
        now=now,
        object_type="event_part",
        object_id=part.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("%(display_name)s 提交 %(title)s %(kind)s的评分"),
            display_name=judge.display_name,
            title=event.title,
            kind=kind.label,
        ),
    )
    return row


def request_rescore(
    event: Event,
    registration: Registration,
    aspect_code: str,
    judges: Sequence[User],
    reason: str,
    *,
    actor: User,
    now: datetime,
) -> list[RescoreRequest]:
    """The chief judge asks ``judges`` to re-score one mark (a divergence, an appeal); audited.

    Raises :class:`DomainError` without a reason or judges, or when the part is signed off.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("请填写重新评分的原因。"), field="reason")
    if not judges:
        raise DomainError(N_("请选择需要重新评分的裁判。"))
    loaded = require_scheme(event)
    if aspect_code not in loaded.aspects:
        raise DomainError(N_("评分标准中没有评分项 %(aspect_code)s。"), aspect_code=aspect_code)
    kind, _aspect = loaded.aspects[aspect_code]
    part = event_part(event, kind)
    if _signed_off(part) is not None or marking_of(event).signed_off_at is not None:
        raise DomainError(N_("%(kind)s已签字确认，请先解锁再要求重新评分。"), kind=kind.label)
    panel = {u.id for u in panel_of(part)}
    made = []
    for judge in judges:
        if judge.id not in panel:
            raise DomainError(
                N_("%(display_name)s 不在%(kind)s的评分组中。"),
                display_name=judge.display_name,
                kind=kind.label,
            )
        row = RescoreRequest(
            event_id=event.id,
            registration_id=registration.id,
            aspect_code=aspect_code,
            judge_id=judge.id,
            reason=reason[:300],
            requested_at=now,
            requested_by_id=actor.id,
        )
        db.session.add(row)
        made.append(row)
    db.session.flush()
    record(
        "marks.rescore_request",
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("%(title)s：要求重新评分 %(competitor_number)s 号 %(aspect_code)s"),
            title=event.title,
            competitor_number=registration.competitor_number,
            aspect_code=aspect_code,
        ),
        after={"judges": [j.id for j in judges], "reason": reason},
    )
    return made


def sign_off_part(event: Event, kind: PartKind, *, actor: User, now: datetime) -> PartSignOff:
    """The chief judge signs off (签字确认) a part and locks it; audited.

    Refused (:class:`DomainError` listing every reason) while marks are missing, a panel judge has not
    submitted, scores diverge beyond the rule's limit, or a re-score request is open.
    """
    part = event_part(event, kind)
    if _signed_off(part) is not None:
        raise DomainError(N_("%(kind)s已经签字确认。"), kind=kind.label)
    loaded = require_scheme(event)
    table = MarkTable.load(event)
    state = progress(event, kind, table=table)
    reasons = list(state.problems)
    if state.missing:
        reasons.append(fmt(N_("还有 %(n)d 项成绩未录入"), n=len(state.missing)))
    if not state.exam:
        waiting = [u.display_name for u in state.panel if u.id not in state.submitted]
        if waiting:
            reasons.append(fmt(N_("尚未提交评分的裁判：%(names)s"), names=joined(waiting)))
    sheets = event_sheets(event, loaded, table=table).sheets
    found = divergences(event, loaded, sheets, kind)
    if found:
        reasons.append(fmt(N_("有 %(n)d 处评分分歧须重新评分"), n=len(found)))
    codes = {a.code for a in part_aspects(loaded, kind)}
    if any(r.aspect_code in codes for r in open_rescores(event)):
        reasons.append(N_("有重新评分的要求尚未完成"))
    if reasons:
        raise DomainError(
            N_("%(part)s不能签字确认：%(reasons)s。"), part=kind.label, reasons=joined(reasons, "；")
        )
    row = PartSignOff(event_part_id=part.id, signed_off_at=now, signed_off_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record(
        "marks.sign_off_part",
        actor=actor,
        now=now,
        object_type="event_part",
        object_id=part.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("裁判长签字确认 %(title)s %(kind)s的成绩（锁定）"), title=event.title, kind=kind.label
        ),
    )
    return row


def unlock_part(event: Event, kind: PartKind, reason: str, *, actor: User, now: datetime) -> None:
    """Reopen a signed-off part with a reason (the event's sign-off is withdrawn too); audited.

    ``reason``: typed text (stripped), or a marked message the platform builds (:func:`fmt`, e.g. an
    upheld appeal's ruling), kept marked so the audit entry is shown translated."""
    if not is_marked(reason):
        reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("解锁须填写原因。"), field="reason")
    part = event_part(event, kind)
    row = _signed_off(part)
    if row is None:
        raise DomainError(N_("%(kind)s尚未签字确认，无须解锁。"), kind=kind.label)
    state = marking_of(event)
    before = {"part_signed_off_at": row.signed_off_at, "event_signed_off_at": state.signed_off_at}
    db.session.delete(row)
    state.signed_off_at = None
    state.signed_off_by_id = None
    db.session.flush()
    record(
        "marks.unlock_part",
        actor=actor,
        now=now,
        object_type="event_part",
        object_id=part.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("解锁 %(title)s %(kind)s的成绩：%(reason)s"), title=event.title, kind=kind.label, reason=reason
        ),
        before=before,
        after={"reason": reason},
    )


def sign_off_event(event: Event, *, actor: User, now: datetime) -> EventMarking:
    """The chief judge signs off the whole event once every part is signed off and the core can rank
    every entry; audited. Raises :class:`DomainError` listing what blocks it."""
    from competition.marking import results

    state = marking_of(event)
    if state.signed_off_at is not None:
        raise DomainError(N_("本赛项的成绩已经签字确认。"))
    open_parts = [p.kind.label for p in event.parts if _signed_off(p) is None]
    if open_parts:
        raise DomainError(N_("以下部分尚未签字确认：%(open_parts)s。"), open_parts=joined(open_parts))
    results.compute(event)  # raises when any result is incomplete
    state.signed_off_at = now
    state.signed_off_by_id = actor.id
    db.session.flush()
    record(
        "marks.sign_off_event",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        contest_id=event.contest_id,
        summary=fmt(N_("裁判长签字确认 %(title)s 的全部成绩"), title=event.title),
    )
    return state


def unlock_event(event: Event, reason: str, *, actor: User, now: datetime) -> None:
    """Withdraw the event's sign-off with a reason (parts stay signed off until unlocked); audited."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("解锁须填写原因。"), field="reason")
    state = marking_of(event)
    if state.signed_off_at is None:
        raise DomainError(N_("本赛项的成绩尚未签字确认。"))
    before = {"signed_off_at": state.signed_off_at}
    state.signed_off_at = None
    state.signed_off_by_id = None
    db.session.flush()
    record(
        "marks.unlock_event",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        contest_id=event.contest_id,
        summary=fmt(N_("撤销 %(title)s 的成绩签字确认：%(reason)s"), title=event.title, reason=reason),
        before=before,
        after={"reason": reason},
    )


def decrypt(event: Event, *, actor: User, now: datetime) -> EventMarking:
    """The chief judge decrypts (解密) the event after sign-off: names appear beside numbers; audited."""
    state = marking_of(event)
    if state.signed_off_at is None:
        raise DomainError(N_("成绩签字确认后才能解密。"))
    if state.decrypted_at is not None:
        raise DomainError(N_("本赛项已经解密。"))
    state.decrypted_at = now
    state.decrypted_by_id = actor.id
    db.session.flush()
    record(
        "marks.decrypt",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        contest_id=event.contest_id,
        summary=fmt(N_("裁判长对 %(title)s 的成绩解密"), title=event.title),
    )
    return state
