"""Promotion and honours services: rule sets per contest, decisions from published standings, review,
public notice, confirmation (level history, titles, certificate requests), reversal after re-published
results, and honour programmes.

The rules are applied only by :func:`competition.promotion.rules.evaluate`; this module reads its inputs
from the database (published standings, competitors, level history, confirmed decisions of other
contests) and stores its outputs. Services flush and audit; the views commit once.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import itertools
import json
import operator
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from competition.accounts.models import User
from competition.audit.services import record
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event, event_title
from competition.domain import Group, SkillLevel
from competition.errors import N_, DomainError, fmt, joined, to_data
from competition.extensions import db
from competition.marking.models import Appeal, Publication, PublishedStanding, Ruling
from competition.promotion import presets
from competition.promotion.materials import check_material
from competition.promotion.models import (
    BatchState,
    HonourBatch,
    HonourNomination,
    HonourPeriod,
    HonourProgramme,
    HonourRecord,
    LevelOrigin,
    LevelRecord,
    NominationChannel,
    NominationState,
    PromotionDecision,
    PromotionNotice,
    PromotionReason,
    PromotionRuleSet,
    PromotionRuleSetRevision,
    ReviewState,
)
from competition.promotion.overlaps import overlap_warnings
from competition.promotion.programmes import honour_eligibility_problems
from competition.promotion.rules import (
    Decision,
    DecisionKind,
    DecisionStatus,
    EventScreen,
    PriorPromotion,
    ResultFacts,
    RuleSet,
    evaluate,
)
from competition.promotion.ruleset_yaml import dump_ruleset, parse_ruleset, ruleset_from_data, ruleset_to_data
from competition.registration.models import Competitor, RegistrationMember
from competition.workdays import HolidayCalendar, notice_period

#: Contest stages in which published standings exist and decisions may be proposed.
EVALUABLE = (ContestStatus.PUBLIC_NOTICE, ContestStatus.FINAL, ContestStatus.ARCHIVED)


# ---- certificates ------------------------------------------------------------------------------------


def request_certificate(
    kind: str, competitor_id: int, snapshot: dict[str, Any], source: str, *, actor: User | None, now: datetime
) -> Any:
    """Queue a certificate (see :func:`competition.certificates.requests.request_certificate`).

    ``kind`` is ``"skill_level"`` or ``"honour"``; ``snapshot`` plain JSON values (skill level:
    ``occupation``, ``level`` code, ``work_type``, ``contest``, ``contest_id``, ``event_id``, ``date``;
    honour: ``honour_title``, ``citation``, ``issuer``, ``body_id`` or ``contest_id``); ``source`` names
    the cause (``promotion:decision:<id>``, ``honour:record:<id>``), so asking twice queues one certificate.
    """
    from competition.certificates import requests

    return requests.request_certificate(kind, competitor_id, snapshot, source, actor=actor, now=now)


# ---- rule sets ---------------------------------------------------------------------------------------


def contest_ruleset(contest: Contest) -> PromotionRuleSet | None:
    """The contest-wide rule set, or ``None`` when none has been chosen."""
    return db.session.execute(
        sa.select(PromotionRuleSet).where(
            PromotionRuleSet.contest_id == contest.id, PromotionRuleSet.event_id.is_(None)
        )
    ).scalar()


def rulesets_of(contest: Contest) -> list[PromotionRuleSet]:
    """The contest's rule set first, then event overrides."""
    rows = db.session.execute(
        sa.select(PromotionRuleSet)
        .where(PromotionRuleSet.contest_id == contest.id)
        .order_by(PromotionRuleSet.event_id.is_not(None), PromotionRuleSet.event_id)
    ).scalars()
    return list(rows)


def parsed(row: PromotionRuleSet) -> RuleSet:
    """The stored rule set as the engine's :class:`RuleSet`.

    ``yaml_text`` is always the canonical dump of the stored rules (:func:`_store`), so it is the cache
    key: a year of contests under one preset parses it once."""
    return _parse_stored(row.yaml_text)


@functools.lru_cache(maxsize=128)
def _parse_stored(text: str) -> RuleSet:
    return parse_ruleset(text)


def preset_choices() -> list[tuple[str, str]]:
    """``(preset id, "name（id@version）")`` for every shipped preset."""
    return [(pid, f"{rs.name}（{rs.key}）") for pid, rs in presets.load_presets().items()]


def choose_preset(
    contest: Contest,
    preset_id: str,
    *,
    clone: bool,
    event: Event | None = None,
    actor: User,
    now: datetime,
) -> PromotionRuleSet:
    """Run ``contest`` (or, with ``event``, only that event) under a shipped preset.

    ``clone=False`` uses the preset unchanged (read-only, kept at its version); ``clone=True`` stores an
    editable copy with its own id (``contest-<id>[-event-<id>]``, version 1). Replaces an earlier choice
    for the same scope; audited. Raises :class:`DomainError` for an unknown preset or an event of another
    contest.
    """
    if event is not None and event.contest_id != contest.id:
        raise DomainError(N_("赛项不属于本竞赛。"), field="event_id")
    try:
        preset = presets.load_preset(preset_id)
    except DomainError as error:
        raise DomainError(error.message, field="preset") from None
    if clone:
        ident = f"contest-{contest.id}" + (f"-event-{event.id}" if event else "")
        ruleset = replace(preset, id=ident, version=1, name=f"{preset.name}（{contest.name}）")
        text = dump_ruleset(ruleset)
    else:
        ruleset = preset
        text = dump_ruleset(preset)
    row = db.session.execute(
        sa.select(PromotionRuleSet).where(
            PromotionRuleSet.contest_id == contest.id,
            PromotionRuleSet.event_id.is_(None) if event is None else PromotionRuleSet.event_id == event.id,
        )
    ).scalar()
    before = None if row is None else {"ruleset": row.ruleset_key, "preset": row.preset_key}
    if row is None:
        row = PromotionRuleSet(contest_id=contest.id, event_id=event.id if event else None, revision=0)
        db.session.add(row)
    row.preset_key = None if clone else preset.key
    row.cloned_from = preset.key if clone else None
    _store(row, ruleset, text, actor=actor, now=now)
    record(
        "promotion.ruleset.choose",
        actor=actor,
        now=now,
        object_type="promotion_ruleset",
        object_id=row.id,
        contest_id=contest.id,
        summary=(
            fmt(
                N_("复制预置晋升规则“%(name)s”（赛项 %(event)s）")
                if clone
                else N_("采用预置晋升规则“%(name)s”（赛项 %(event)s）"),
                name=preset.name,
                event=event.title,
            )
            if event
            else fmt(
                N_("复制预置晋升规则“%(name)s”") if clone else N_("采用预置晋升规则“%(name)s”"),
                name=preset.name,
            )
        ),
        before=before,
        after={"ruleset": row.ruleset_key, "preset": row.preset_key, "cloned_from": row.cloned_from},
    )
    return row


def _store(row: PromotionRuleSet, ruleset: RuleSet, text: str, *, actor: User | None, now: datetime) -> None:
    row.ruleset_key = ruleset.key
    row.name = ruleset.name[:200]
    row.yaml_text = text
    row.data = json_data(ruleset)
    row.revision = (row.revision or 0) + 1
    row.updated_at = now
    row.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    db.session.add(
        PromotionRuleSetRevision(
            ruleset_id=row.id,
            revision=row.revision,
            ruleset_key=ruleset.key,
            yaml_text=text,
            saved_at=now,
            saved_by_id=getattr(actor, "id", None),
        )
    )
    db.session.flush()


def json_data(ruleset: RuleSet) -> dict[str, Any]:
    """:func:`ruleset_to_data` made JSON-safe (dates as ISO text, mapping keys as text); the parser reads
    both forms, so ``ruleset_from_data(json_data(r)) == r``."""
    return _plain(ruleset_to_data(ruleset))


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(v) for v in data]
    if isinstance(data, date):
        return data.isoformat()
    return data


@dataclass(frozen=True)
class SavedRuleSet:
    """The outcome of saving a rule set: whether it changed, its key and the overlap warnings."""

    changed: bool
    key: str
    warnings: list[str]


def save_ruleset(
    row: PromotionRuleSet,
    *,
    data: dict[str, Any] | None = None,
    text: str | None = None,
    actor: User,
    now: datetime,
) -> SavedRuleSet:
    """Validate and store an edited rule set given as plain ``data`` (the form) or YAML ``text`` (import).

    A preset in use is turned into an editable copy. When the rules changed, the version becomes
    ``max(given, previous + 1)`` so decisions name the rules they were made under. Returns the overlap
    warnings (:func:`~competition.promotion.overlaps.overlap_warnings`). Raises :class:`DomainError` whose
    ``field`` is the path of the bad field (``rules[2].outcome.level``); audited.
    """
    ruleset = parse_ruleset(text) if text is not None else ruleset_from_data(data)
    current = parsed(row)
    if ruleset_to_data(replace(ruleset, version=current.version)) == ruleset_to_data(current) and (
        ruleset.id == current.id
    ):
        return SavedRuleSet(False, row.ruleset_key, overlap_warnings(current))
    version = max(ruleset.version, current.version + 1) if ruleset.id == current.id else ruleset.version
    ruleset = replace(ruleset, version=version)
    before = {"ruleset": row.ruleset_key, "preset": row.preset_key, "revision": row.revision}
    if row.preset_key is not None:
        row.cloned_from = row.preset_key
        row.preset_key = None
    _store(row, ruleset, dump_ruleset(ruleset), actor=actor, now=now)
    record(
        "promotion.ruleset.save",
        actor=actor,
        now=now,
        object_type="promotion_ruleset",
        object_id=row.id,
        contest_id=row.contest_id,
        summary=fmt(
            N_("导入晋升规则“%(name)s”，版本 %(key)s")
            if text is not None
            else N_("修改晋升规则“%(name)s”，版本 %(key)s"),
            name=ruleset.name,
            key=ruleset.key,
        ),
        before=before,
        after={"ruleset": row.ruleset_key, "revision": row.revision},
    )
    return SavedRuleSet(True, row.ruleset_key, overlap_warnings(ruleset))


def remove_override(row: PromotionRuleSet, *, actor: User, now: datetime) -> None:
    """Drop an event's own rule set so the event follows the contest's again; audited. Raises
    :class:`DomainError` for the contest-wide rule set."""
    if row.event_id is None:
        raise DomainError(N_("竞赛的默认规则不能删除，可改选其他规则。"))
    contest_id, key = row.contest_id, row.ruleset_key
    db.session.delete(row)
    db.session.flush()
    record(
        "promotion.ruleset.remove",
        actor=actor,
        now=now,
        object_type="promotion_ruleset",
        contest_id=contest_id,
        summary=N_("删除赛项单独的晋升规则，改用竞赛默认规则"),
        before={"ruleset": key},
    )


# ---- facts and evaluation ----------------------------------------------------------------------------


@dataclass
class EvaluationReport:
    """What a (re-)evaluation did: counts, a Chinese line per change, and events it could not use."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    reversed: int = 0
    unchanged: int = 0
    material: int = 0
    changes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """``新增 3 条，变化 1 条，…`` in Chinese."""
        parts = [
            fmt(N_("新增 %(n)s 条"), n=self.added),
            fmt(N_("变化 %(n)s 条"), n=self.changed),
            fmt(N_("删除 %(n)s 条"), n=self.removed),
        ]
        if self.reversed:
            parts.append(fmt(N_("撤销已确认 %(n)s 条"), n=self.reversed))
        parts.append(fmt(N_("未变 %(n)s 条"), n=self.unchanged))
        return joined(parts, "，")


_ENGINE_FIELDS = (
    "ruleset_key",
    "kind",
    "outcome",
    "rule_name",
    "rule_source",
    "level",
    "title",
    "facts_text",
    "outcome_text",
    "reason",
    "superseded_by",
    "blocked_by",
    "final_date",
    "standing_id",
    "registration_id",
)


class _Line(NamedTuple):
    """The standing a decision comes from."""

    standing_id: int
    event_id: int
    registration_id: int
    competitor_id: int
    final_date: date | None


class _EventRow(NamedTuple):
    """What the evaluation reads of an event (:func:`_load`)."""

    id: int
    contest_id: int
    group: Group
    team_size: int
    title: str


def results_final_on(event: Event, publication: Publication, today: date) -> date | None:
    """The day ``event``'s published results became final (the end of their public notice), or ``None``
    while they are not final: notice not over, an appeal pending, or an upheld appeal not yet
    re-published. Results of a contest marked final or archived are final at their notice end."""
    appeals = db.session.execute(
        sa.select(Appeal.ruling, Appeal.remark_part_id, Appeal.ruled_at).where(Appeal.event_id == event.id)
    ).all()
    return _final_on(event.contest.status, publication, appeals, today)


def _final_on(status: ContestStatus, publication: Any, appeals: Any, today: date) -> date | None:
    """:func:`results_final_on` on values already read: ``publication`` has ``notice_last_day`` and
    ``published_at``; ``appeals`` are ``(ruling, remark_part_id, ruled_at)`` of the event."""
    if status in (ContestStatus.FINAL, ContestStatus.ARCHIVED):
        return publication.notice_last_day
    if today <= publication.notice_last_day:
        return None
    for ruling, remark_part_id, ruled_at in appeals:
        if ruling is Ruling.PENDING:
            return None
        if remark_part_id is not None and ruled_at is not None and publication.published_at < ruled_at:
            return None
    return publication.notice_last_day


@dataclass
class _Loaded:
    """Everything the evaluation of some contests reads, fetched in a fixed number of queries
    (:func:`_load`), whatever the number of contests, events and people."""

    contests: list[Contest]
    events: dict[int, list[_EventRow]]
    publications: dict[int, Any]
    appeals: dict[int, list[Any]]
    rulesets: dict[int, list[Any]]
    standings: dict[int, list[Any]]
    typed: list[tuple[int, Any, dict]]
    levels: dict[int, list[Any]]
    priors: dict[int, list[Any]]


def _load(contests: list[Contest]) -> _Loaded:
    """Read the current publications, appeals, rule sets and standings (joined to the competitors'
    attributes) of ``contests``, and the level history and confirmed promotions of the people entered
    in them: seven queries in all (ids in ``IN`` lists, people by joins). Plain column reads go
    through the session's connection (Core: no ORM objects; pending changes flushed first); the
    standings, by far the largest, as driver rows converted only where used (:func:`_driver_rows`)."""
    db.session.flush()
    connection = db.session.connection()
    ids = [c.id for c in contests] or [0]
    events: dict[int, list[_EventRow]] = defaultdict(list)
    for row in connection.execute(
        sa.select(
            Event.id, Event.contest_id, Event.group, Event.team_size, Event.occupation_name, Event.work_type
        )
        .where(Event.contest_id.in_(ids))
        .order_by(Event.id)
    ):
        title = event_title(row.occupation_name, row.work_type, row.group)
        events[row.contest_id].append(_EventRow(row.id, row.contest_id, row.group, row.team_size, title))
    event_ids = [e.id for group in events.values() for e in group] or [0]
    publications = {
        row.event_id: row
        for row in connection.execute(
            sa.select(Publication.event_id, Publication.notice_last_day, Publication.published_at).where(
                Publication.event_id.in_(event_ids), Publication.superseded_at.is_(None)
            )
        )
    }
    appeals: dict[int, list[Any]] = defaultdict(list)
    for row in connection.execute(
        sa.select(Appeal.event_id, Appeal.ruling, Appeal.remark_part_id, Appeal.ruled_at).where(
            Appeal.event_id.in_(event_ids)
        )
    ):
        appeals[row.event_id].append((row.ruling, row.remark_part_id, row.ruled_at))
    rulesets: dict[int, list[Any]] = defaultdict(list)
    for row in connection.execute(
        sa.select(
            PromotionRuleSet.id,
            PromotionRuleSet.contest_id,
            PromotionRuleSet.event_id,
            PromotionRuleSet.yaml_text,
        )
        .where(PromotionRuleSet.contest_id.in_(ids))
        .order_by(PromotionRuleSet.event_id.is_not(None), PromotionRuleSet.event_id)
    ):
        rulesets[row.contest_id].append(row)
    standings: dict[int, list[Any]] = defaultdict(list)
    rows, typed = _driver_rows(
        connection,
        sa.select(
            PublishedStanding.id,
            PublishedStanding.event_id,
            PublishedStanding.registration_id,
            PublishedStanding.rank,
            PublishedStanding.joint,
            PublishedStanding.entrants,
            PublishedStanding.total,
            PublishedStanding.all_passed,
            PublishedStanding.award,
            RegistrationMember.competitor_id,
            Competitor.birth_date,
            Competitor.gender,
            Competitor.current_level,
        )
        .join(RegistrationMember, RegistrationMember.registration_id == PublishedStanding.registration_id)
        .join(Competitor, Competitor.id == RegistrationMember.competitor_id)
        .where(PublishedStanding.event_id.in_(event_ids), PublishedStanding.current.is_(True))
        .where(RegistrationMember.active.is_(True))
        .order_by(PublishedStanding.event_id, PublishedStanding.position, RegistrationMember.position),
    )
    for event_id, group in itertools.groupby(rows, operator.itemgetter(1)):  # ordered by event
        standings[event_id].extend(group)
    # joint and all_passed are read by bool(): no conversion needed
    typed = [(i, processor, {}) for i, processor in typed if i not in (4, 7)]
    # The people of these contests by joins, not "competitor_id IN (subquery)": SQLite builds that
    # list (every member of the year) before looking anything up, even in an empty table.
    levels: dict[int, list[Any]] = defaultdict(list)
    for row in connection.execute(
        sa.select(
            LevelRecord.competitor_id, LevelRecord.level, LevelRecord.contest_id, LevelRecord.revoked_at
        )
        .distinct()
        .join(RegistrationMember, RegistrationMember.competitor_id == LevelRecord.competitor_id)
        .where(RegistrationMember.event_id.in_(event_ids))
    ):
        levels[row.competitor_id].append(row)
    priors: dict[int, list[Any]] = defaultdict(list)
    for row in connection.execute(
        sa.select(
            PromotionDecision.competitor_id,
            PromotionDecision.contest_id,
            Contest.name,
            PromotionDecision.level,
            PromotionDecision.adjusted_level,
            PromotionDecision.final_date,
        )
        .distinct()
        .join(Contest, Contest.id == PromotionDecision.contest_id)
        .join(RegistrationMember, RegistrationMember.competitor_id == PromotionDecision.competitor_id)
        .where(
            RegistrationMember.event_id.in_(event_ids),
            PromotionDecision.state == ReviewState.CONFIRMED,
            PromotionDecision.kind == DecisionKind.PROMOTION,
        )
    ):
        priors[row.competitor_id].append(row)
    return _Loaded(contests, events, publications, appeals, rulesets, standings, typed, levels, priors)


def _driver_rows(connection: sa.Connection, statement: sa.Select) -> tuple[list[Any], list[tuple[int, Any]]]:
    """The rows of ``statement`` as the database driver gives them, and the conversions that make them
    what :meth:`sa.Connection.execute` would give: ``(column index, the dialect's result processor)`` for
    each column that has one (dates stored as text on SQLite, exact decimals, enumerations…), to apply
    (:func:`_typed`) to the rows actually used. Executed as any statement (compiled-statement cache,
    events, the transaction); only the fetching goes to the driver's cursor. Measured on the promotion
    year (benchmarks/promotion.py): converting every one of 18,000 rows cost as much as reading them,
    for the third of them evaluated."""
    dialect = connection.dialect
    result = connection.execute(statement)
    cursor = result.cursor
    typed = []
    for i, (column, described) in enumerate(zip(statement.selected_columns, cursor.description, strict=True)):
        processor = column.type.dialect_impl(dialect).result_processor(dialect, described[1])
        if processor is not None:
            typed.append((i, processor))
    rows = cursor.fetchall()  # plain tuples, before the result closes the cursor
    result.close()
    return rows, typed


def _typed(row: Any, typed: list[tuple[int, Any, dict]]) -> list[Any]:
    """``row`` of :func:`_driver_rows` with its conversions applied (a list, in column order).

    ``typed``: ``(column index, processor, memo)``; a processor is a pure function of the stored value to
    an immutable one (enumeration member, date, decimal), so each distinct value is converted once."""
    values = list(row)
    for i, processor, memo in typed:
        value = values[i]
        converted = memo.get(value, memo)
        if converted is memo:
            converted = memo[value] = processor(value)
        values[i] = converted
    return values


def _facts_of(
    contest: Contest, loaded: _Loaded, *, today: date, screened: Mapping[int, RuleSet] | None = None
) -> tuple[dict[int, list[ResultFacts]], dict, list[str]]:
    """The :class:`ResultFacts` of one loaded contest (see :func:`build_facts`).

    With ``screened`` (event id → the rule set that applies to it): only the results of those events
    that the rule set's :meth:`RuleSet.screen` admits, i.e. the results some rule may match. The others
    match no rule (``no_match``): leaving them out of :func:`evaluate` changes no other decision, because
    one call evaluates one contest (their contest is in the batch anyway)."""
    contest_id = contest.id
    tier = contest.tier
    common = {
        "contest_key": str(contest_id),
        "tier": tier,
        "contest_date": contest.starts_on,
        "contest_name": contest.name,
    }
    by_event: dict[int, list[ResultFacts]] = defaultdict(list)
    lines: dict[tuple[str, str], _Line] = {}
    held_cache: dict[int, SkillLevel | None] = {}
    prior_cache: dict[int, tuple[PriorPromotion, ...]] = {}
    typed = loaded.typed
    levels, priors = loaded.levels, loaded.priors
    status = contest.status
    for event in loaded.events.get(contest_id, ()):
        event_id = event.id
        publication = loaded.publications.get(event_id)
        if publication is None:
            continue
        out = by_event[event_id]
        ruleset = None
        if screened is not None:
            ruleset = screened.get(event_id)
            if ruleset is None:
                continue
        screens: dict[int, EventScreen] = {}
        final = _final_on(status, publication, loaded.appeals.get(event_id, ()), today)
        event_key = str(event_id)
        per_event = {
            **common,
            "event_key": event_key,
            "group": event.group,
            "team_size": event.team_size,
            "final_date": final,
            "event_name": event.title,
        }
        make_facts = ResultFacts.maker(per_event)
        rows = loaded.standings.get(event_id, ())
        # A person holds one active entry per event, so normally each appears once; if not, the first
        # row (in standings order) is their result.
        seen: set[int] | None = set() if len({row[9] for row in rows}) != len(rows) else None
        screen_rows = ruleset is not None
        if screen_rows and seen is None and rows:
            # The usual event: one entrant count and no rank above it, so one screen for every row.
            entrants = rows[0][5] or 0
            ranks = [row[3] for row in rows if row[3] is not None]
            if entrants >= 1 and len({row[5] for row in rows}) == 1 and max(ranks, default=0) <= entrants:
                screen = ruleset.screen(tier, event.group, event.team_size, entrants)
                if not screen.any_rank:
                    low, high = screen.low, screen.high
                    rows = [row for row in rows if row[3] is not None and low <= row[3] <= high]
                screen_rows = False
        for row in rows:
            if seen is not None:
                if row[9] in seen:
                    continue
                seen.add(row[9])
            rank = row[3]
            entrants = row[5] or 0
            if entrants < 1 or (rank is not None and rank > entrants):
                entrants = max(entrants, 1, rank or 0)
            if screen_rows:
                screen = screens.get(entrants)
                if screen is None:
                    screen = screens[entrants] = ruleset.screen(tier, event.group, event.team_size, entrants)
                if not screen.admits(rank):
                    continue
            (sid, _e, reg_id, _r, joint, _n, total, passed, award, cid, born, gender, level) = _typed(
                row, typed
            )
            if cid not in held_cache:
                if cid in levels or cid in priors:
                    held_cache[cid], prior_cache[cid] = _person_facts(contest_id, loaded, cid, level)
                else:  # no level history, no promotion from another contest: the profile's level
                    held_cache[cid], prior_cache[cid] = level, ()
            person_key = str(cid)
            out.append(
                make_facts(
                    person_key=person_key,
                    rank=rank,
                    joint_rank=bool(joint) and rank is not None,
                    entrants=entrants,
                    award=award,
                    all_parts_passed=bool(passed),
                    total=total if total is not None else Decimal(0),
                    birth_date=born,
                    gender=gender,
                    current_level=held_cache[cid],
                    prior_promotions=prior_cache[cid],
                )
            )
            lines[(event_key, person_key)] = _Line(sid, event_id, reg_id, cid, final)
    return by_event, lines, []


def _person_facts(
    contest_id: int, loaded: _Loaded, competitor_id: int, profile_level: SkillLevel | None
) -> tuple[SkillLevel | None, tuple[PriorPromotion, ...]]:
    """The level a competitor held before ``contest_id`` and their competition promotions from other
    contests. With a level history: the highest unrevoked level not gained in this contest (none if every
    entry came from it); without one: the level on the profile."""
    history = loaded.levels.get(competitor_id)
    held = profile_level
    if history:
        held = None
        for _c, level, from_contest, revoked in history:
            if revoked is None and from_contest != contest_id and (held is None or level > held):
                held = level
    if competitor_id not in loaded.priors:
        return held, ()
    priors = tuple(
        PriorPromotion(
            contest_key=str(p.contest_id),
            contest_name=p.name,
            level=p.adjusted_level or p.level,
            final_date=p.final_date,
        )
        for p in loaded.priors[competitor_id]
        if p.contest_id != contest_id
        and p.final_date is not None
        and (p.adjusted_level or p.level) is not None
    )
    return held, priors


def build_facts(contest: Contest, *, today: date) -> tuple[dict[int, list[ResultFacts]], dict, list[str]]:
    """The :class:`ResultFacts` of ``contest``'s current published standings, grouped by event id.

    Facts: rank, joint, entrants, total, parts passed and award from :class:`PublishedStanding`; tier of
    the contest; group and team size of the event; birth date and gender of the competitor; the level
    held before this contest (the highest level in the history not gained in this contest, else the
    profile's level); the final date (:func:`results_final_on`); prior competition promotions = confirmed
    promotion decisions of other contests. Returns ``(facts by event, lines by key, skipped messages)``.
    """
    return _facts_of(contest, _load([contest]), today=today)


def _ruleset_for(event_id: int, rows: list[Any]) -> Any:
    own = next((r for r in rows if r.event_id == event_id), None)
    return own or next((r for r in rows if r.event_id is None), None)


def _engine(
    contest: Contest, loaded: _Loaded, *, today: date, no_match: bool = True
) -> tuple[list[tuple[Decision, _Line]], list[str]]:
    """:func:`evaluate` on one loaded contest, one batch per rule set; without ``no_match`` decisions
    (and without building the facts of results no rule can match) when ``no_match`` is ``False``."""
    rows = loaded.rulesets.get(contest.id, [])
    if not rows:
        raise DomainError(N_("请先为本竞赛选择晋升规则。"))
    published = [e for e in loaded.events.get(contest.id, ()) if e.id in loaded.publications]
    if not published:
        raise DomainError(N_("本竞赛还没有已发布的成绩。"))
    skipped: list[str] = []
    rule_of: dict[int, Any] = {}
    for event in published:
        row = _ruleset_for(event.id, rows)
        if row is None:
            skipped.append(f"赛项“{event.title}”没有适用的晋升规则。")
        else:
            rule_of[event.id] = row
    rulesets = {event_id: parsed(row) for event_id, row in rule_of.items()}
    by_event, lines, _ = _facts_of(contest, loaded, today=today, screened=None if no_match else rulesets)
    batches: dict[int, tuple[RuleSet, list[ResultFacts]]] = {}
    for event_id, facts in by_event.items():
        row = rule_of.get(event_id)
        if row is None:
            continue
        if row.id not in batches:
            batches[row.id] = (rulesets[event_id], [])
        batches[row.id][1].extend(facts)
    out: list[tuple[Decision, _Line]] = []
    for ruleset, facts in batches.values():
        for decision in evaluate(ruleset, facts, today=today, no_match=no_match):
            out.append((decision, lines[(decision.event_key, decision.person_key)]))
    return out, skipped


def engine_decisions(contest: Contest, *, today: date) -> tuple[list[tuple[Decision, _Line]], list[str]]:
    """Run :func:`evaluate` on ``contest``'s facts, one batch per rule set (contest-wide or override).

    Returns the decisions with the standing line they came from, and the skipped-event messages.
    Raises :class:`DomainError` when no rule set is chosen or nothing has been published.
    """
    return _engine(contest, _load([contest]), today=today)


@dataclass(frozen=True)
class NoMatchLine:
    """A result that no rule of its rule set matches (``no_match``): not stored, derived when shown
    (:func:`no_match_lines`) from the same engine call as the evaluation. ``facts_text`` lists the facts
    (``第12名/47人, 市级一类, 职工组, 原等级 三级/高级工``) and ``reason`` says why nothing was granted."""

    contest: Contest
    event: Event
    competitor_id: int
    competitor_name: str
    facts_text: str
    reason: str
    outcome: DecisionStatus = DecisionStatus.NO_MATCH


def no_match_lines(contest: Contest, *, today: date, competitor_id: int | None = None) -> list[NoMatchLine]:
    """The results of ``contest``'s current standings (of ``competitor_id`` only, when given) that match
    no rule of their rule set, by event and competitor: the ``no_match`` decisions of :func:`evaluate`
    (whether a result matches a rule depends on that result's facts alone), which the evaluation does
    not store. In the standings' order, event by event. Empty when the contest has no rule set or no
    published results."""
    loaded = _load([contest])
    try:
        pairs, _skipped = _engine(contest, loaded, today=today)
    except DomainError:
        return []
    found = [
        (decision, line)
        for decision, line in pairs
        if decision.status is DecisionStatus.NO_MATCH
        and (competitor_id is None or line.competitor_id == competitor_id)
    ]
    if not found:
        return []
    names = dict(
        db.session.execute(
            sa.select(Competitor.id, Competitor.name).where(
                Competitor.id.in_({line.competitor_id for _d, line in found})
            )
        ).all()
    )
    events = {
        e.id: e for e in db.session.execute(sa.select(Event).where(Event.contest_id == contest.id)).scalars()
    }
    place = {row[0]: n for rows in loaded.standings.values() for n, row in enumerate(rows)}
    found.sort(key=lambda pair: (pair[1].event_id, place[pair[1].standing_id]))
    return [
        NoMatchLine(
            contest=contest,
            event=events[line.event_id],
            competitor_id=line.competitor_id,
            competitor_name=names[line.competitor_id],
            facts_text=decision.facts_text,
            reason=decision.reason,
        )
        for decision, line in found
    ]


def competitor_no_match_lines(competitor: Competitor, *, today: date) -> list[NoMatchLine]:
    """The competitor's results that earned nothing because no rule matched (:func:`no_match_lines`), in
    the contests whose decisions have been published for notice (what :func:`competitor_decisions`
    shows), newest contest first."""
    contests = db.session.execute(
        sa.select(Contest)
        .where(
            Contest.id.in_(sa.select(PromotionNotice.contest_id)),
            Contest.id.in_(
                sa.select(Event.contest_id)
                .join(RegistrationMember, RegistrationMember.event_id == Event.id)
                .where(RegistrationMember.competitor_id == competitor.id, RegistrationMember.active.is_(True))
            ),
        )
        .order_by(Contest.id.desc())
    ).scalars()
    return [line for c in contests for line in no_match_lines(c, today=today, competitor_id=competitor.id)]


def _values(decision: Decision, line: _Line) -> dict[str, Any]:
    return {
        "ruleset_key": decision.ruleset,
        "kind": decision.kind,
        "outcome": decision.status,
        "rule_name": decision.rule_name,
        "rule_source": decision.rule_source,
        "level": decision.level,
        "title": decision.title,
        "facts_text": decision.facts_text,
        "outcome_text": decision.outcome_text,
        "reason": decision.reason,
        "superseded_by": decision.superseded_by,
        "blocked_by": decision.blocked_by,
        "final_date": line.final_date,
        "standing_id": line.standing_id,
        "registration_id": line.registration_id,
    }


_LIVE = frozenset((DecisionStatus.GRANTED, DecisionStatus.PENDING))


def reason_data(decision: Decision) -> dict[str, Any]:
    """``{"facts": …, "outcome": …, "reason": …}``: the decision's ``facts_text``, ``outcome_text`` and
    ``reason`` as stored marked messages (:func:`competition.errors.to_data`), kept once per distinct
    content as a :class:`PromotionReason` (read as ``PromotionDecision.reason_data``) so pages show them
    in the reader's language. The reason's parameters ``facts``, ``result`` and ``source`` are left out
    when they are the facts, the outcome and the rule source (the row holds them;
    :attr:`PromotionDecision.shown_reason` puts them back)."""
    facts = to_data(decision.facts_text)
    outcome = to_data(decision.outcome_text)
    reason = to_data(decision.reason)
    params = reason.get("p") if isinstance(reason, dict) else None
    if isinstance(params, dict):  # left out what the row holds anyway (PromotionDecision.shown_reason)
        for name, same in (("facts", facts), ("result", outcome), ("source", decision.rule_source)):
            if name in params and params[name] == same:
                del params[name]
    return {"facts": facts, "outcome": outcome, "reason": reason}


def reason_digest(data: dict[str, Any]) -> str:
    """The key of :class:`PromotionReason` for ``data`` (:func:`reason_data`): the SHA-256, in 64 hex
    digits, of its canonical JSON (keys sorted, no spaces, UTF-8), so equal data always has one key."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def store_reasons(reasons: Mapping[str, dict[str, Any]]) -> None:
    """Keep ``reasons`` (``{digest: data}``, :func:`reason_digest`) as :class:`PromotionReason` rows in
    one statement on the session's connection; a digest already stored is left as it is (``INSERT … ON
    CONFLICT DO NOTHING``: two evaluations running at once may both bring the same reason)."""
    if not reasons:
        return
    connection = db.session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(PromotionReason).on_conflict_do_nothing(index_elements=["digest"])
    connection.execute(statement, [{"digest": key, "data": data} for key, data in reasons.items()])


def _reason_of(decision: Decision) -> tuple[str, dict[str, Any]]:
    """``(digest, data)`` of ``decision``'s :func:`reason_data`."""
    data = reason_data(decision)
    return reason_digest(data), data


def _stored_reason(decision: Decision) -> PromotionReason:
    """The :class:`PromotionReason` of ``decision``'s texts, stored first if new."""
    digest, data = _reason_of(decision)
    store_reasons({digest: data})
    found = db.session.get(PromotionReason, digest)
    assert found is not None  # stored just above, or already there
    return found


def _live(outcome: DecisionStatus) -> bool:
    return outcome in _LIVE


def evaluate_contest(
    contest: Contest, *, actor: User | None, now: datetime, cause: str = ""
) -> EvaluationReport:
    """Propose (or re-evaluate) the promotion, title and eligibility decisions of ``contest``.

    Idempotent: the same standings, competitors and rules give the same rows (unique per contest, event,
    competitor and rule). Reviewers' work is kept: a rejected or adjusted decision stays so when its
    facts change (the report says what changed). A material change (what is granted) takes the decision
    out of its public notice. A confirmed decision that the current standings no longer support (an
    upheld appeal changed the results) is reversed (:func:`reverse_decision`). Audited when anything
    changed; ``cause`` prefixes the audit summary (``成绩确认后自动``). Raises :class:`DomainError` before
    results are published or without a rule set.
    """
    if contest.status not in EVALUABLE:
        raise DomainError(
            N_("竞赛处于“%(status)s”阶段，成绩公示后才能生成晋升决定。"), status=contest.status.label
        )
    loaded, existing = _load([contest]), _existing([contest.id])
    with _NewDecisions(now) as inserts:
        comparison = _compare(contest, loaded, existing, inserts, today=now.date())
    return _apply_comparison(contest, comparison, actor=actor, now=now, cause=cause)


def propose_on_final(contest: Contest, *, actor: User | None, now: datetime) -> EvaluationReport | None:
    """The hook run when ``contest``'s results become final (the organizer moves it to 成绩已确认 after the
    public notice and the appeals: :func:`competition.contests.services.transition`): propose its
    decisions at once (:func:`evaluate_contest`, audited as automatic), so the organizer finds them on
    the decisions page. Idempotent: decisions already proposed or reviewed are kept as they are.

    Returns the report, or ``None`` when there is nothing to evaluate (no rule set chosen yet, or no
    published results): the decisions page then asks the organizer to choose the rules. Never raises
    :class:`DomainError`, so it cannot block the transition."""
    if contest.status not in EVALUABLE or not rulesets_of(contest):
        return None
    try:
        return evaluate_contest(contest, actor=actor, now=now, cause=N_("成绩确认后自动"))
    except DomainError:
        return None


@dataclass
class YearReport:
    """What :func:`evaluate_year` did: a report per evaluated contest and why others were left out."""

    reports: dict[int, EvaluationReport] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """``评估 300 个竞赛：新增 …；跳过 2 个`` in Chinese."""
        total = EvaluationReport()
        for report in self.reports.values():
            for name in ("added", "changed", "removed", "reversed", "unchanged"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
        if self.skipped:
            return fmt(
                N_("评估 %(n)s 个竞赛：%(summary)s；跳过 %(skipped)s 个"),
                n=len(self.reports),
                summary=total.summary,
                skipped=len(self.skipped),
            )
        return fmt(N_("评估 %(n)s 个竞赛：%(summary)s"), n=len(self.reports), summary=total.summary)


def year_contests(body_id: int, year: int) -> list[Contest]:
    """The contests of organizing body ``body_id`` in ``year`` (any stage), by start date."""
    return list(
        db.session.execute(
            sa.select(Contest)
            .where(Contest.body_id == body_id, Contest.year == year)
            .order_by(Contest.starts_on, Contest.id)
        ).scalars()
    )


def evaluate_year(contests: list[Contest], *, actor: User | None, now: datetime) -> YearReport:
    """:func:`evaluate_contest` for many contests (e.g. a city's year, :func:`year_contests`) with a fixed
    number of queries: everything is read at once (:func:`_load`), each contest is evaluated by the same
    engine call as on its own, new decisions are written in one statement (:class:`_NewDecisions`) and
    each changed contest is audited. The decisions are exactly those :func:`evaluate_contest` gives each
    contest (the one-promotion-a-year rule counts confirmed promotions of other contests, as it does
    there), so evaluating the year and then a contest, or the year twice, changes nothing. Audited once
    for the whole run (counts per contest), and per contest where stored decisions changed, were removed
    or reversed.

    Contests not yet under public notice, without a rule set or without published results are skipped
    with the reason (``YearReport.skipped``); nothing else is raised for them.

    The cyclic garbage collector is paused during the run (:func:`_gc_paused`): a year's tens of
    thousands of short-lived, acyclic facts and decisions otherwise trigger full collections of the whole
    heap (measured: about a fifth of the run's CPU, benchmarks/promotion.py)."""
    with _gc_paused():
        return _evaluate_year(contests, actor=actor, now=now)


@contextlib.contextmanager
def _gc_paused():
    """Disable the cyclic garbage collector inside the block (reference counting still frees everything
    acyclic) and restore its previous state after, even on an error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _evaluate_year(contests: list[Contest], *, actor: User | None, now: datetime) -> YearReport:
    report = YearReport()
    ready = []
    for contest in contests:
        if contest.status not in EVALUABLE:
            report.skipped[contest.id] = f"竞赛处于“{contest.status.label}”阶段"
        else:
            ready.append(contest)
    loaded = _load(ready)
    existing = _existing([c.id for c in ready])
    comparisons: dict[int, tuple[Contest, _Comparison]] = {}
    with _NewDecisions(now) as inserts:
        for contest in ready:
            try:
                comparisons[contest.id] = (
                    contest,
                    _compare(contest, loaded, existing, inserts, today=now.date()),
                )
            except DomainError as error:
                report.skipped[contest.id] = error.message
    for contest_id, (contest, comparison) in comparisons.items():
        report.reports[contest_id] = _apply_comparison(
            contest, comparison, actor=actor, now=now, audit_additions=False
        )
    if any(r.added or r.changed or r.removed or r.reversed for r in report.reports.values()):
        body_ids = sorted({c.body_id for c in contests})
        record(
            "promotion.evaluate.year",
            actor=actor,
            now=now,
            object_type="organizing_body",
            object_id=body_ids[0] if len(body_ids) == 1 else None,
            summary=fmt(N_("批量生成晋升与称号决定：%(summary)s"), summary=report.summary),
            after={
                "contests": {
                    str(cid): {
                        "added": r.added,
                        "changed": r.changed,
                        "removed": r.removed,
                        "reversed": r.reversed,
                    }
                    for cid, r in report.reports.items()
                    if r.added or r.changed or r.removed or r.reversed
                },
                "skipped": {str(cid): why for cid, why in report.skipped.items()},
            },
        )
    return report


def _existing(contest_ids: list[int]) -> dict[int, dict[tuple[int, int, str], Any]]:
    """Stored decisions of the contests as plain rows (id, keys, state and the engine's fields), by
    contest and ``(event, competitor, rule)``: comparing them needs no ORM objects."""
    columns = [getattr(PromotionDecision, name) for name in _ENGINE_FIELDS]
    out: dict[int, dict[tuple[int, int, str], Any]] = defaultdict(dict)
    db.session.flush()
    for row in db.session.connection().execute(
        sa.select(
            PromotionDecision.id,
            PromotionDecision.contest_id,
            PromotionDecision.event_id,
            PromotionDecision.competitor_id,
            PromotionDecision.rule_key,
            *columns,
        ).where(PromotionDecision.contest_id.in_(contest_ids or [0]))
    ):
        out[row.contest_id][(row.event_id, row.competitor_id, row.rule_key)] = row
    return out


#: The columns :class:`_NewDecisions` writes (the others keep their defaults: NULL).
_NEW_COLUMNS = (
    "contest_id",
    "event_id",
    "competitor_id",
    "registration_id",
    "standing_id",
    "rule_key",
    "ruleset_key",
    "kind",
    "outcome",
    "rule_name",
    "rule_source",
    "level",
    "title",
    "facts_text",
    "outcome_text",
    "reason",
    "reason_digest",
    "superseded_by",
    "blocked_by",
    "final_date",
    "evaluated_at",
    "state",
)
#: Stored text of the enumerations a decision row holds (``.value`` is a descriptor call on Python 3.11).
_STORED: dict[Any, str] = {m: m.value for enum in (DecisionKind, DecisionStatus, SkillLevel) for m in enum}


class _NewDecisions:
    """New decision rows gathered while contests are evaluated (:meth:`add`) and written in one statement,
    after the reasons they share (:class:`PromotionReason`), when the ``with`` block ends without an error
    (pending ORM changes flushed first) on the session's connection.

    Rows are tuples in the order of :data:`_NEW_COLUMNS`, with the values the database driver takes:
    enumerations as their stored text, dates and timestamps through the dialect's own bind processing
    (their text form differs between databases; each distinct value converted once), the rest plain text
    or numbers. On SQLite the module's ``executemany`` loops in C over one prepared ``INSERT``; on
    PostgreSQL the rows go by ``COPY … FROM STDIN`` (psycopg; constraints and triggers apply as for an
    ``INSERT``; not seen by SQLAlchemy's statement events).

    Measured (benchmarks/promotion.py, 6,600 rows): SQLAlchemy's per-row parameter processing, or the
    ORM's bulk path (which asks for every new id back, never used), cost more than the database's own
    work; on PostgreSQL ``COPY`` takes about two thirds of the time of a pipelined ``executemany``, most
    of what remains being the foreign-key checks, which the server runs when the statement ends. Feeding
    the ``COPY`` while the engine ran, or copying chunks from a thread of their own, gained nothing that
    stood out of the machine's noise, so the rows are simply written at the end."""

    def __init__(self, now: datetime) -> None:
        self.rows: list[tuple[Any, ...]] = []
        dialect = db.session.get_bind().dialect
        self._date = sa.Date().dialect_impl(dialect).bind_processor(dialect)
        self._dates: dict[date, Any] = {}
        timestamp = sa.DateTime().dialect_impl(dialect).bind_processor(dialect)
        self._evaluated_at = timestamp(now) if timestamp is not None else now
        self._proposed = ReviewState.PROPOSED.value
        self._data: dict[tuple[int, int, int], tuple[tuple[str, str, str], str]] = {}
        self._reasons: dict[str, dict[str, Any]] = {}

    def __enter__(self) -> _NewDecisions:
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        rows, self.rows = self.rows, []
        if kind is not None:
            return
        # The reasons first: each row's foreign key finds its reason at once. (Stored after the rows
        # under a deferred key, each new reason made SQLite scan every row for the ones it satisfied.)
        store_reasons(self._reasons)
        if rows:
            self._write(rows)

    def _reason_digest(self, decision: Decision) -> str:
        """The :func:`reason_digest` of :func:`reason_data` for ``decision``, computed once per distinct
        texts (decisions share them: the engine keeps its texts per rule set); the data is kept for
        :func:`store_reasons`."""
        texts = (decision.facts_text, decision.outcome_text, decision.reason)
        key = (id(texts[0]), id(texts[1]), id(texts[2]))
        found = self._data.get(key)
        if found is None:  # the texts are kept with their digest, so their ids are not reused meanwhile
            digest, data = _reason_of(decision)
            self._reasons[digest] = data
            found = self._data[key] = (texts, digest)
        return found[1]

    def _stored_date(self, day: date | None) -> Any:
        if day is None or self._date is None:
            return day
        found = self._dates.get(day)
        if found is None:
            found = self._dates[day] = self._date(day)
        return found

    def add(self, contest_id: int, decision: Decision, line: _Line) -> None:
        """Add the row of ``decision`` (a result of ``contest_id`` from ``line``), proposed for review."""
        level = decision.level
        row = (
            contest_id,
            line.event_id,
            line.competitor_id,
            line.registration_id,
            line.standing_id,
            decision.rule_id or "",
            decision.ruleset,
            _STORED[decision.kind],
            _STORED[decision.status],
            decision.rule_name,
            decision.rule_source,
            _STORED[level] if level is not None else None,
            decision.title,
            decision.facts_text,
            decision.outcome_text,
            decision.reason,
            self._reason_digest(decision),
            decision.superseded_by,
            decision.blocked_by,
            self._stored_date(line.final_date),
            self._evaluated_at,
            self._proposed,
        )
        self.rows.append(row)

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        db.session.flush()
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            columns = ", ".join(_NEW_COLUMNS)
            statement = f"COPY {PromotionDecision.__tablename__} ({columns}) FROM STDIN"
            with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        compiled = _decision_insert(connection.dialect, _NEW_COLUMNS)
        if compiled.positiontup is None:
            connection.exec_driver_sql(
                compiled.string, [dict(zip(_NEW_COLUMNS, row, strict=True)) for row in rows]
            )
            return
        order = [_NEW_COLUMNS.index(compiled.binds[name].key) for name in compiled.positiontup]
        if order != list(range(len(_NEW_COLUMNS))):
            pick = operator.itemgetter(*order)
            rows = [pick(row) for row in rows]
        connection.exec_driver_sql(compiled.string, rows)


@functools.cache
def _decision_insert(dialect: sa.engine.Dialect, keys: tuple[str, ...]) -> sa.sql.compiler.SQLCompiler:
    """``INSERT INTO promotion_decision (keys…)`` compiled for ``dialect`` (cached per dialect and keys)."""
    table = PromotionDecision.__table__
    statement = sa.insert(table).values({key: sa.bindparam(key) for key in keys})
    return statement.compile(dialect=dialect)  # type: ignore[return-value]


@dataclass
class _Comparison:
    """What evaluating one loaded contest changes in its stored decisions (:func:`_compare`), before
    anything but the new rows is written (:func:`_apply_comparison`)."""

    report: EvaluationReport
    #: ``(decision, values, stored row)`` of decisions whose engine fields changed (:func:`_values`)
    changed: list[tuple[Decision, dict[str, Any], Any]]
    #: stored rows the engine no longer gives
    leftover: list[Any]
    #: ids of stored no-match rows (earlier versions stored them; now derived when shown)
    stale_no_match: list[int]


def _compare(
    contest: Contest,
    loaded: _Loaded,
    existing_by_contest: dict[int, dict[tuple[int, int, str], Any]],
    inserts: _NewDecisions,
    *,
    today: date,
) -> _Comparison:
    """Evaluate one loaded contest and compare with its stored decisions (``existing_by_contest``,
    :func:`_existing`): new decisions go to ``inserts``; the changes to stored ones are returned for
    :func:`_apply_comparison`. Reads nothing from the database. Raises :class:`DomainError` as
    :func:`_engine` does."""
    pairs, skipped = _engine(contest, loaded, today=today, no_match=False)
    contest_id = contest.id
    comparison = _Comparison(EvaluationReport(skipped=skipped), [], [], [])
    report = comparison.report
    existing = dict(existing_by_contest.get(contest.id, {}))
    for decision, line in pairs:
        # no_match decisions are not asked for (no_match=False): derived when shown (no_match_lines)
        stored = (
            existing.pop((line.event_id, line.competitor_id, decision.rule_id or ""), None)
            if existing
            else None
        )
        if stored is None:
            inserts.add(contest_id, decision, line)
            report.added += 1
            if decision.status in _LIVE:
                report.material += 1
            continue
        values = _values(decision, line)
        if all(getattr(stored, k) == v for k, v in values.items()):
            report.unchanged += 1
            continue
        comparison.changed.append((decision, values, stored))
    comparison.leftover = [s for s in existing.values() if s.outcome is not DecisionStatus.NO_MATCH]
    comparison.stale_no_match = [s.id for s in existing.values() if s.outcome is DecisionStatus.NO_MATCH]
    return comparison


def _apply_comparison(
    contest: Contest,
    comparison: _Comparison,
    *,
    actor: User | None,
    now: datetime,
    cause: str = "",
    audit_additions: bool = True,
) -> EvaluationReport:
    """Write what :func:`_compare` found for ``contest`` (its new rows are written already): update or
    reverse changed decisions, delete or reverse those no longer given. Audited per contest when stored
    decisions changed, and when decisions were added unless ``audit_additions`` is off (the caller
    audits them). Returns the contest's report."""
    report = comparison.report
    for decision, values, stored in comparison.changed:
        row = db.session.get(PromotionDecision, stored.id)
        material = (
            _live(row.outcome) != _live(decision.status)
            or row.level != decision.level
            or row.title != decision.title
        )
        for name, value in values.items():
            setattr(row, name, value)
        row.reason_messages = _stored_reason(decision)
        row.evaluated_at = now
        who = f"{row.competitor.name}（{row.event.title}，规则 {row.rule_key or '无'}）"
        if row.state is ReviewState.CONFIRMED and material:
            reverse_decision(row, f"成绩重新发布后：{decision.reason}", actor=actor, now=now)
            report.reversed += 1
            report.changes.append(f"{who}：已确认的决定被撤销")
            continue
        if row.state is ReviewState.REVERSED and _live(decision.status):
            row.state = ReviewState.PROPOSED
            row.reversed_at = None
            row.reversal_reason = None
        if material:
            report.material += 1
            row.notice_id = None
        report.changed += 1
        report.changes.append(f"{who}：{decision.status.label}，{decision.outcome_text}")
    stale_no_match = comparison.stale_no_match
    if stale_no_match:  # stored by earlier versions; no_match lines are derived now (not a change)
        db.session.execute(
            sa.delete(PromotionDecision)
            .where(PromotionDecision.id.in_(stale_no_match))
            .execution_options(synchronize_session="fetch")
        )
    for stored in comparison.leftover:
        row = db.session.get(PromotionDecision, stored.id)
        who = f"{row.competitor.name}（{row.event.title}，规则 {row.rule_key or '无'}）"
        if row.state is ReviewState.CONFIRMED:
            reverse_decision(row, "成绩重新发布后该成绩不再产生此决定", actor=actor, now=now)
            report.reversed += 1
            report.changes.append(f"{who}：已确认的决定被撤销")
        elif row.state is ReviewState.REVERSED:
            report.unchanged += 1
        else:
            db.session.delete(row)
            report.removed += 1
            report.material += 1
            report.changes.append(f"{who}：不再适用，已删除")
    if report.changed or report.removed or report.reversed or (report.added and audit_additions):
        record(
            "promotion.evaluate",
            actor=actor,
            now=now,
            object_type="contest",
            object_id=contest.id,
            contest_id=contest.id,
            summary=fmt(N_("%(cause)s生成晋升与称号决定：%(summary)s"), cause=cause, summary=report.summary),
            after={
                "added": report.added,
                "changed": report.changed,
                "removed": report.removed,
                "reversed": report.reversed,
                "changes": report.changes[:50],
            },
        )
    return report


def decisions_of(contest: Contest) -> list[PromotionDecision]:
    """Every stored decision of ``contest``, by event, competitor and rule."""
    return list(
        db.session.execute(
            sa.select(PromotionDecision)
            .where(PromotionDecision.contest_id == contest.id)
            .order_by(PromotionDecision.event_id, PromotionDecision.competitor_id, PromotionDecision.id)
        ).scalars()
    )


def stale(contest: Contest) -> bool:
    """``True`` when a decision was made from standings that are no longer current (re-published)."""
    return bool(
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(PromotionDecision)
            .join(PublishedStanding, PublishedStanding.id == PromotionDecision.standing_id, isouter=True)
            .where(
                PromotionDecision.contest_id == contest.id,
                PromotionDecision.state != ReviewState.REVERSED,
                sa.or_(PublishedStanding.id.is_(None), PublishedStanding.current.is_(False)),
            )
        ).scalar()
    )


# ---- review ------------------------------------------------------------------------------------------


def _reviewable(decision: PromotionDecision) -> None:
    if decision.state not in (ReviewState.PROPOSED, ReviewState.REJECTED):
        raise DomainError(N_("该决定%(state)s，不能再审核。"), state=decision.state.label)
    if not decision.actionable:
        raise DomainError(N_("该决定不授予任何等级或称号，无需审核。"))


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if not reason:
        raise DomainError(N_("请填写原因。"), field="reason")
    if len(reason) > 500:
        raise DomainError(N_("原因不能超过 500 个字符。"), field="reason")
    return reason


def _cut(summary: str) -> str:
    """``summary`` as the audit log keeps it: at most 300 characters (a longer one is cut, as plain text)."""
    return summary if len(summary) <= 300 else str(summary)[:300]


def _review_audit(
    decision: PromotionDecision, action: str, summary: str, before: dict, *, actor: User, now: datetime
) -> None:
    decision.reviewed_at = now
    decision.reviewed_by_id = actor.id
    db.session.flush()
    record(
        f"promotion.decision.{action}",
        actor=actor,
        now=now,
        object_type="promotion_decision",
        object_id=decision.id,
        contest_id=decision.contest_id,
        summary=_cut(
            fmt(
                N_("%(name)s（%(event)s）：%(summary)s"),
                name=decision.competitor.name,
                event=decision.event.title,
                summary=summary,
            )
        ),
        before=before,
        after={
            "state": decision.state.value,
            "adjusted_level": decision.adjusted_level,
            "reason": decision.review_reason,
        },
    )


def reject_decision(decision: PromotionDecision, reason: str | None, *, actor: User, now: datetime) -> None:
    """Reject a proposed decision (不予通过) with a reason, shown to the competitor; audited.

    Raises :class:`DomainError` without a reason or for a decision that is confirmed, reversed or grants
    nothing."""
    _reviewable(decision)
    text = _reason(reason)
    before = {"state": decision.state.value, "reason": decision.review_reason}
    decision.state = ReviewState.REJECTED
    decision.review_reason = text
    _review_audit(
        decision, "reject", fmt(N_("不予通过：%(reason)s"), reason=text), before, actor=actor, now=now
    )


def restore_decision(decision: PromotionDecision, reason: str | None, *, actor: User, now: datetime) -> None:
    """Undo a rejection: the decision is proposed again (the reason is kept in the audit); audited."""
    if decision.state is not ReviewState.REJECTED:
        raise DomainError(N_("只有不予通过的决定可以恢复。"))
    text = _reason(reason)
    before = {"state": decision.state.value, "reason": decision.review_reason}
    decision.state = ReviewState.PROPOSED
    decision.review_reason = text
    decision.notice_id = None
    _review_audit(
        decision, "restore", fmt(N_("恢复为待审核：%(reason)s"), reason=text), before, actor=actor, now=now
    )


def adjust_decision(
    decision: PromotionDecision, level: SkillLevel | None, reason: str | None, *, actor: User, now: datetime
) -> None:
    """Change the level a promotion or eligibility decision gives (``None`` = back to the rule's level),
    with a reason; the decision leaves its public notice (it must be noticed again); audited.

    Raises :class:`DomainError` for titles, without a reason, or for a level that is not a change."""
    _reviewable(decision)
    if decision.kind not in (DecisionKind.PROMOTION, DecisionKind.ELIGIBILITY):
        raise DomainError(N_("只有晋升和申报资格可以调整等级。"), field="level")
    text = _reason(reason)
    if level == decision.level:
        level = None
    if level == decision.adjusted_level:
        raise DomainError(N_("等级没有变化。"), field="level")
    before = {"state": decision.state.value, "adjusted_level": decision.adjusted_level}
    decision.adjusted_level = level
    decision.review_reason = text
    decision.state = ReviewState.PROPOSED
    decision.notice_id = None
    shown = (
        level.certificate_label if level else fmt(N_("恢复为 %(outcome)s"), outcome=decision.shown_outcome)
    )
    _review_audit(
        decision,
        "adjust",
        fmt(N_("调整为 %(level)s：%(reason)s"), level=shown, reason=text),
        before,
        actor=actor,
        now=now,
    )


# ---- notice and confirmation -------------------------------------------------------------------------


def notices_of(contest: Contest) -> list[PromotionNotice]:
    """The contest's promotion notices, newest first."""
    return list(
        db.session.execute(
            sa.select(PromotionNotice)
            .where(PromotionNotice.contest_id == contest.id)
            .order_by(PromotionNotice.sequence.desc())
        ).scalars()
    )


def publish_notice(
    contest: Contest,
    *,
    actor: User,
    now: datetime,
    working_days: int,
    calendar: HolidayCalendar,
    events: list[Event] | None = None,
) -> PromotionNotice:
    """Publish the proposed decisions not yet noticed for public notice (公示) of ``working_days``
    working days from today, ending no earlier than the results' own notice (published together).

    ``events`` limits the notice to those events' decisions. Rejected decisions and those that grant
    nothing are not noticed. Audited. Raises
    :class:`DomainError` when there is nothing new to notice.
    """
    pending = [
        d
        for d in decisions_of(contest)
        if d.state is ReviewState.PROPOSED
        and d.actionable
        and d.notice_id is None
        and (events is None or d.event_id in {e.id for e in events})
    ]
    if not pending:
        raise DomainError(N_("没有需要公示的新决定（不予通过的决定不公示）。"))
    period = notice_period(now.date(), working_days, calendar)
    results_end = db.session.execute(
        sa.select(sa.func.max(Publication.notice_last_day))
        .join(Event, Event.id == Publication.event_id)
        .where(Event.contest_id == contest.id, Publication.superseded_at.is_(None))
    ).scalar()
    last_day = max(period.last_day, results_end) if results_end else period.last_day
    previous = notices_of(contest)
    notice = PromotionNotice(
        contest_id=contest.id,
        sequence=(previous[0].sequence + 1) if previous else 1,
        published_at=now,
        published_by_id=actor.id,
        first_day=period.first_day,
        last_day=last_day,
        working_days=working_days,
        decisions_count=len(pending),
    )
    db.session.add(notice)
    db.session.flush()
    for decision in pending:
        decision.notice_id = notice.id
    db.session.flush()
    record(
        "promotion.notice",
        actor=actor,
        now=now,
        object_type="promotion_notice",
        object_id=notice.id,
        contest_id=contest.id,
        summary=fmt(
            N_("公示晋升与称号决定 %(n)s 条，%(first)s 至 %(last)s"),
            n=len(pending),
            first=period.first_day.isoformat(),
            last=last_day.isoformat(),
        ),
        after={"decisions": [d.id for d in pending], "first_day": period.first_day, "last_day": last_day},
    )
    return notice


@dataclass
class ConfirmReport:
    """How many decisions were confirmed, how many wait (results or notice not over), certificates asked."""

    confirmed: int = 0
    waiting: int = 0
    certificates: int = 0


def confirm_decisions(contest: Contest, *, actor: User, now: datetime) -> ConfirmReport:
    """Confirm the proposed decisions whose public notice has ended and whose results are final.

    First re-evaluates (:func:`evaluate_contest`); when that changes what is granted, nothing is confirmed
    (raises :class:`DomainError`: evaluate and notice again). Each confirmed promotion adds a
    :class:`LevelRecord` (source: contest, rule, decision) and raises the competitor's current level;
    titles are added to the competitor's titles; certificates are requested
    (:func:`request_certificate`). Audited. Raises :class:`DomainError` when nothing can be confirmed.
    """
    report_eval = evaluate_contest(contest, actor=actor, now=now)
    if report_eval.material or report_eval.reversed:
        raise DomainError(
            N_("重新评估发现决定有变化（%(summary)s），请先点击“重新评估”查看变化并重新公示，再确认。"),
            summary=report_eval.summary,
        )
    today = now.date()
    report = ConfirmReport()
    confirmed: list[PromotionDecision] = []
    for decision in decisions_of(contest):
        if decision.state is not ReviewState.PROPOSED or not decision.actionable:
            continue
        if decision.notice is None or decision.notice.last_day >= today:
            report.waiting += 1
            continue
        if decision.outcome is not DecisionStatus.GRANTED:
            report.waiting += 1
            continue
        report.certificates += _apply(decision, actor=actor, now=now)
        confirmed.append(decision)
    if not confirmed:
        raise DomainError(N_("没有可以确认的决定：须先公示，公示期满且成绩已生效后才能确认。"))
    report.confirmed = len(confirmed)
    db.session.flush()
    record(
        "promotion.confirm",
        actor=actor,
        now=now,
        object_type="contest",
        object_id=contest.id,
        contest_id=contest.id,
        summary=fmt(N_("确认晋升与称号决定 %(n)s 条"), n=report.confirmed),
        after={"decisions": [d.id for d in confirmed], "waiting": report.waiting},
    )
    return report


def _snapshot(decision: PromotionDecision) -> dict[str, Any]:
    level = decision.effective_level
    event = decision.event
    day = decision.final_date or (decision.confirmed_at or datetime.min).date()
    common = {
        "contest": decision.contest.name,
        "contest_id": decision.contest_id,
        "event": event.title,
        "event_id": event.id,
        "group": event.group.value,
        "date": day.isoformat(),
        "rule": decision.rule_key,
        "rule_source": decision.rule_source,
    }
    if decision.kind is DecisionKind.TITLE:
        return {
            **common,
            "honour_title": decision.title,
            "citation": f"在{decision.contest.name}{event.title}中{decision.facts_text.split(',')[0]}",
            "issuer": decision.contest.body.name,
        }
    return {
        **common,
        "occupation": event.occupation_name,
        "occupation_code": event.occupation_code,
        "work_type": event.work_type or "--",
        "level": level.value if level else None,
        "level_label": level.certificate_label if level else None,
    }


def _apply(decision: PromotionDecision, *, actor: User | None, now: datetime) -> int:
    decision.state = ReviewState.CONFIRMED
    decision.confirmed_at = now
    competitor = decision.competitor
    requested = 0
    if decision.kind is DecisionKind.PROMOTION and decision.effective_level is not None:
        ensure_baseline(competitor, now=now)
        db.session.add(
            LevelRecord(
                competitor_id=competitor.id,
                level=decision.effective_level,
                gained_on=decision.final_date or now.date(),
                origin=LevelOrigin.COMPETITION,
                source=(
                    f"{decision.contest.name} {decision.event.title}；规则 {decision.rule_key}"
                    f"（{decision.rule_source}）；决定 #{decision.id}"
                )[:500],
                contest_id=decision.contest_id,
                decision_id=decision.id,
                created_at=now,
                created_by_id=getattr(actor, "id", None),
            )
        )
        db.session.flush()
        recompute_level(competitor)
        request_certificate(
            "skill_level",
            competitor.id,
            _snapshot(decision),
            f"promotion:decision:{decision.id}",
            actor=actor,
            now=now,
        )
        requested = 1
    elif decision.kind is DecisionKind.TITLE and decision.title:
        if decision.title not in (competitor.titles or []):
            competitor.titles = [*(competitor.titles or []), decision.title]
        request_certificate(
            "honour",
            competitor.id,
            _snapshot(decision),
            f"promotion:decision:{decision.id}",
            actor=actor,
            now=now,
        )
        requested = 1
    return requested


def reverse_decision(decision: PromotionDecision, reason: str, *, actor: User | None, now: datetime) -> None:
    """Reverse a confirmed decision whose result was revoked: state ``reversed``, its level history entry
    revoked and the current level recomputed, its title removed unless something else grants it;
    audited."""
    decision.state = ReviewState.REVERSED
    decision.reversed_at = now
    decision.reversal_reason = reason[:500]
    decision.notice_id = None
    competitor = decision.competitor
    for entry in db.session.execute(
        sa.select(LevelRecord).where(LevelRecord.decision_id == decision.id, LevelRecord.revoked_at.is_(None))
    ).scalars():
        entry.revoked_at = now
        entry.revoked_reason = reason[:500]
    db.session.flush()
    recompute_level(competitor)
    if decision.kind is DecisionKind.TITLE and decision.title:
        others = db.session.execute(
            sa.select(sa.func.count())
            .select_from(PromotionDecision)
            .where(
                PromotionDecision.competitor_id == competitor.id,
                PromotionDecision.title == decision.title,
                PromotionDecision.state == ReviewState.CONFIRMED,
                PromotionDecision.id != decision.id,
            )
        ).scalar()
        honours = db.session.execute(
            sa.select(sa.func.count())
            .select_from(HonourRecord)
            .where(HonourRecord.competitor_id == competitor.id, HonourRecord.title == decision.title)
        ).scalar()
        if not others and not honours:
            competitor.titles = [t for t in (competitor.titles or []) if t != decision.title]
    db.session.flush()
    record(
        "promotion.decision.reverse",
        actor=actor,
        now=now,
        object_type="promotion_decision",
        object_id=decision.id,
        contest_id=decision.contest_id,
        summary=_cut(
            fmt(
                N_("撤销 %(name)s 的决定（%(outcome)s）：%(reason)s"),
                name=competitor.name,
                outcome=decision.shown_outcome,
                reason=reason,
            )
        ),
        before={"state": "confirmed"},
        after={
            "state": "reversed",
            "reason": reason,
            "current_level": competitor.current_level,
            "titles": list(competitor.titles or []),
        },
    )


# ---- level history -----------------------------------------------------------------------------------


def level_history(competitor: Competitor) -> list[LevelRecord]:
    """The competitor's level history, oldest first (revoked entries included, marked)."""
    return list(
        db.session.execute(
            sa.select(LevelRecord)
            .where(LevelRecord.competitor_id == competitor.id)
            .order_by(LevelRecord.gained_on, LevelRecord.id)
        ).scalars()
    )


def ensure_baseline(competitor: Competitor, *, now: datetime) -> None:
    """Before the first history entry, record the level the competitor declared (if any) so the history
    explains the current level and a revoked promotion falls back to it."""
    exists = db.session.execute(
        sa.select(sa.func.count()).select_from(LevelRecord).where(LevelRecord.competitor_id == competitor.id)
    ).scalar()
    if exists or competitor.current_level is None:
        return
    db.session.add(
        LevelRecord(
            competitor_id=competitor.id,
            level=competitor.current_level,
            gained_on=competitor.level_certified_on or competitor.created_at.date(),
            origin=LevelOrigin.DECLARED,
            source="报名时填写的现有等级",
            certificate_number=competitor.level_certificate_number,
            created_at=now,
        )
    )
    db.session.flush()


def recompute_level(competitor: Competitor) -> None:
    """Set ``current_level`` (and its certificate number) to the highest unrevoked history entry; with
    every entry revoked, back to no level."""
    entries = (
        db.session.execute(sa.select(LevelRecord).where(LevelRecord.competitor_id == competitor.id))
        .scalars()
        .all()
    )
    if not entries:
        return
    active = [e for e in entries if e.revoked_at is None]
    if not active:
        competitor.current_level = None
        competitor.level_certificate_number = None
        return
    best = max(active, key=lambda e: (e.level.rank, e.gained_on, e.id))
    competitor.current_level = best.level
    competitor.level_certificate_number = best.certificate_number
    competitor.level_certified_on = best.gained_on
    db.session.flush()


def add_level_record(
    competitor: Competitor,
    level: SkillLevel,
    origin: LevelOrigin,
    gained_on: date,
    source: str,
    certificate_number: str | None,
    *,
    actor: User,
    now: datetime,
) -> LevelRecord:
    """Add a direct-recognition (直接认定) or evaluation (技能等级评价) entry; audited. Raises
    :class:`DomainError` for another origin, an empty source or a date in the future."""
    if origin not in (LevelOrigin.DIRECT, LevelOrigin.EVALUATION):
        raise DomainError(N_("只能录入直接认定或技能等级评价取得的等级。"), field="origin")
    source = (source or "").strip()
    if not source:
        raise DomainError(N_("请填写依据（文件或评价机构）。"), field="source")
    if gained_on > now.date():
        raise DomainError(N_("取得日期不能晚于今天。"), field="gained_on")
    number = (certificate_number or "").strip() or None
    ensure_baseline(competitor, now=now)
    before = {"current_level": competitor.current_level}
    entry = LevelRecord(
        competitor_id=competitor.id,
        level=level,
        gained_on=gained_on,
        origin=origin,
        source=source[:500],
        certificate_number=number,
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    recompute_level(competitor)
    record(
        "promotion.level.add",
        actor=actor,
        now=now,
        object_type="competitor",
        object_id=competitor.id,
        summary=fmt(
            N_("为 %(name)s 录入等级 %(level)s（%(origin)s）"),
            name=competitor.name,
            level=level.certificate_label,
            origin=origin.label,
        ),
        before=before,
        after={"level": level, "origin": origin, "source": source, "current_level": competitor.current_level},
    )
    return entry


def competitor_body_ids(competitor: Competitor) -> frozenset[int]:
    """The organizing bodies whose contests the competitor has entered (they may keep their history)."""
    return frozenset(
        db.session.execute(
            sa.select(Contest.body_id)
            .join(Event, Event.contest_id == Contest.id)
            .join(RegistrationMember, RegistrationMember.event_id == Event.id)
            .where(RegistrationMember.competitor_id == competitor.id)
            .distinct()
        ).scalars()
    )


def competitor_decisions(competitor: Competitor) -> list[PromotionDecision]:
    """Decisions the competitor may see: those published for notice or reviewed, newest contest first
    (decisions still being prepared by the organizer are not shown)."""
    noticed_contests = sa.select(PromotionNotice.contest_id)
    return list(
        db.session.execute(
            sa.select(PromotionDecision)
            .where(
                PromotionDecision.competitor_id == competitor.id,
                sa.or_(
                    PromotionDecision.state != ReviewState.PROPOSED,
                    PromotionDecision.contest_id.in_(noticed_contests),
                ),
            )
            .order_by(PromotionDecision.contest_id.desc(), PromotionDecision.event_id, PromotionDecision.id)
        ).scalars()
    )


def public_decisions(contest: Contest) -> list[PromotionDecision]:
    """Decisions published for notice (or confirmed), for the public page (names are masked there)."""
    return list(
        db.session.execute(
            sa.select(PromotionDecision)
            .where(
                PromotionDecision.contest_id == contest.id,
                PromotionDecision.notice_id.is_not(None) | (PromotionDecision.state == ReviewState.CONFIRMED),
                PromotionDecision.state.in_((ReviewState.PROPOSED, ReviewState.CONFIRMED)),
            )
            .order_by(PromotionDecision.event_id, PromotionDecision.kind, PromotionDecision.id)
        ).scalars()
    )


# ---- honour programmes -------------------------------------------------------------------------------


def create_programme(
    body_id: int,
    *,
    title: str,
    issuing_body: str,
    period: HonourPeriod,
    quota: int,
    age_max: int | None,
    min_level: SkillLevel | None,
    required_titles: list[str],
    description: str,
    actor: User,
    now: datetime,
) -> HonourProgramme:
    """Create an honour programme of ``body_id``; audited. Raises :class:`DomainError` for a repeated
    title or a quota below 1."""
    title = (title or "").strip()
    if not title:
        raise DomainError(N_("请填写称号名称。"), field="title")
    if quota < 1:
        raise DomainError(N_("名额至少为 1。"), field="quota")
    if age_max is not None and not 16 <= age_max <= 80:
        raise DomainError(N_("年龄上限应在 16 到 80 岁之间。"), field="age_max")
    taken = db.session.execute(
        sa.select(HonourProgramme.id).where(
            HonourProgramme.body_id == body_id, HonourProgramme.title == title
        )
    ).scalar()
    if taken:
        raise DomainError(N_("已有同名的评选。"), field="title")
    programme = HonourProgramme(
        body_id=body_id,
        title=title,
        issuing_body=(issuing_body or "").strip(),
        period=period,
        quota=quota,
        age_max=age_max,
        min_level=min_level,
        required_titles=[t.strip() for t in required_titles if t.strip()],
        description=(description or "").strip(),
        created_at=now,
    )
    db.session.add(programme)
    db.session.flush()
    record(
        "honour.programme.create",
        actor=actor,
        now=now,
        object_type="honour_programme",
        object_id=programme.id,
        summary=fmt(
            N_("新建评选“%(title)s”（%(period)s，名额 %(quota)s）"),
            title=title,
            period=period.label,
            quota=quota,
        ),
        after={"title": title, "quota": quota, "period": period, "age_max": age_max, "min_level": min_level},
    )
    return programme


def open_batch(
    programme: HonourProgramme, year: int, age_reference_date: date, *, actor: User, now: datetime
) -> HonourBatch:
    """Open the selection of ``year`` (``2026年度`` or ``2025—2026年度`` for a two-year programme);
    audited. Raises :class:`DomainError` for a repeated year or an unclosed earlier batch."""
    if not 2000 <= year <= 2100:
        raise DomainError(N_("年度不正确。"), field="year")
    if any(b.year == year for b in programme.batches):
        raise DomainError(N_("%(year)s 年度的评选已经存在。"), year=year, field="year")
    if any(b.state is not BatchState.CONFIRMED for b in programme.batches):
        raise DomainError(N_("上一批评选尚未确认，不能开始新一批。"))
    span = programme.period.years
    label = f"{year}年度" if span == 1 else f"{year - 1}—{year}年度"
    batch = HonourBatch(
        year=year,
        label=label,
        age_reference_date=age_reference_date,
        state=BatchState.NOMINATING,
        created_at=now,
    )
    programme.batches.append(batch)
    db.session.flush()
    record(
        "honour.batch.open",
        actor=actor,
        now=now,
        object_type="honour_batch",
        object_id=batch.id,
        summary=fmt(N_("开始“%(title)s”%(label)s评选"), title=programme.title, label=label),
        after={"year": year, "age_reference_date": age_reference_date},
    )
    return batch


def eligibility_problems(programme: HonourProgramme, batch: HonourBatch, competitor: Competitor) -> list[str]:
    """Every reason, in Chinese, why ``competitor`` cannot hold the title in ``batch`` (empty = eligible);
    the rules are :func:`competition.promotion.programmes.honour_eligibility_problems`."""
    return honour_eligibility_problems(
        birth_date=competitor.birth_date,
        reference_date=batch.age_reference_date,
        current_level=competitor.current_level,
        titles=competitor.titles or (),
        age_max=programme.age_max,
        min_level=programme.min_level,
        required_titles=programme.required_titles or (),
    )


def _open(batch: HonourBatch) -> None:
    if batch.state is not BatchState.NOMINATING:
        raise DomainError(N_("本批评选%(state)s，不能再推荐或评审。"), state=batch.state.label)


def _nominate(
    batch: HonourBatch,
    competitor: Competitor,
    *,
    channel: NominationChannel,
    achievements: list[str],
    material: str = "",
    decision_id: int | None = None,
    unit_id: int | None = None,
    actor: User,
    now: datetime,
) -> HonourNomination:
    nomination = HonourNomination(
        competitor_id=competitor.id,
        channel=channel,
        decision_id=decision_id,
        unit_id=unit_id,
        material=material,
        achievements=achievements,
        eligibility_problems=eligibility_problems(batch.programme, batch, competitor),
        state=NominationState.NOMINATED,
        nominated_at=now,
        nominated_by_id=actor.id,
    )
    batch.nominations.append(nomination)
    db.session.flush()
    return nomination


def nominate_from_results(
    batch: HonourBatch, *, contest: Contest | None, top_n: int | None, actor: User, now: datetime
) -> int:
    """Nominate from competition results: every confirmed title decision granting the programme's title
    (in the batch's years), and, with ``contest`` and ``top_n``, every competitor ranked ``top_n`` or
    better in its current standings. People already nominated are skipped. Returns the number added;
    audited. Raises :class:`DomainError` once the batch is past nominating."""
    _open(batch)
    programme = batch.programme
    taken = {n.competitor_id for n in batch.nominations}
    added = 0
    first_year = batch.year - programme.period.years + 1
    titled = db.session.execute(
        sa.select(PromotionDecision).where(
            PromotionDecision.title == programme.title,
            PromotionDecision.state == ReviewState.CONFIRMED,
            PromotionDecision.kind == DecisionKind.TITLE,
        )
    ).scalars()
    for decision in titled:
        day = decision.final_date or decision.confirmed_at.date()
        if not first_year <= day.year <= batch.year or decision.competitor_id in taken:
            continue
        text = f"{decision.contest.name} {decision.event.title}：{decision.facts_text.split(',')[0]}，{decision.outcome_text}"
        _nominate(
            batch,
            decision.competitor,
            channel=NominationChannel.RESULT,
            achievements=[text],
            decision_id=decision.id,
            actor=actor,
            now=now,
        )
        taken.add(decision.competitor_id)
        added += 1
    if contest is not None and top_n:
        if top_n < 1:
            raise DomainError(N_("名次应不小于 1。"), field="top_n")
        lines = db.session.execute(
            sa.select(PublishedStanding, RegistrationMember.competitor_id)
            .join(RegistrationMember, RegistrationMember.registration_id == PublishedStanding.registration_id)
            .join(Event, Event.id == PublishedStanding.event_id)
            .where(
                Event.contest_id == contest.id,
                PublishedStanding.current.is_(True),
                PublishedStanding.rank.is_not(None),
                PublishedStanding.rank <= top_n,
                RegistrationMember.active.is_(True),
            )
            .order_by(PublishedStanding.event_id, PublishedStanding.position)
        ).all()
        for standing, competitor_id in lines:
            if competitor_id in taken:
                continue
            competitor = db.session.get(Competitor, competitor_id)
            award = f"，{standing.award.label}" if standing.award else ""
            text = f"{contest.name} {standing.publication.event.title}：第{standing.rank}名/{standing.entrants}人{award}"
            _nominate(
                batch, competitor, channel=NominationChannel.RESULT, achievements=[text], actor=actor, now=now
            )
            taken.add(competitor_id)
            added += 1
    record(
        "honour.nominate.results",
        actor=actor,
        now=now,
        object_type="honour_batch",
        object_id=batch.id,
        summary=fmt(
            N_("“%(title)s”%(label)s：按竞赛成绩推荐 %(n)s 人"),
            title=programme.title,
            label=batch.label,
            n=added,
        ),
        after={"added": added, "contest": contest.id if contest else None, "top_n": top_n},
    )
    return added


def nominate_by_unit(
    batch: HonourBatch,
    competitor: Competitor,
    *,
    unit_id: int | None,
    material: str,
    achievements: list[str],
    attachment: bytes | None,
    attachment_name: str | None,
    actor: User,
    now: datetime,
    require_attachment: bool = False,
) -> HonourNomination:
    """Record a unit's nomination with its supporting material: the text (主要事迹) is required, and a
    file (PDF, JPEG or PNG, checked by content and size: :func:`~competition.promotion.materials.
    check_material`) optional, or required with ``require_attachment`` (a unit contact's nomination).
    The nomination then goes through the same review, selection, notice and confirmation as one from
    results. Audited. Raises :class:`DomainError` for a person already nominated, without material, or
    for a bad file; nothing is written then."""
    _open(batch)
    if not (material or "").strip():
        raise DomainError(N_("请填写推荐材料（主要事迹）。"), field="material")
    if any(n.competitor_id == competitor.id for n in batch.nominations):
        raise DomainError(N_("此人已在本批推荐名单中。"), field="id_number")
    checked = None
    if attachment or require_attachment:
        checked = check_material(attachment)
    nomination = _nominate(
        batch,
        competitor,
        channel=NominationChannel.UNIT,
        achievements=[a.strip() for a in achievements if a.strip()],
        material=material.strip(),
        unit_id=unit_id,
        actor=actor,
        now=now,
    )
    if checked is not None:
        nomination.attachment = checked.data
        name = (attachment_name or "").strip().rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "推荐材料"
        stem = name.rsplit(".", 1)[0] if "." in name else name
        nomination.attachment_name = f"{stem[:180]}{checked.extension}"
    db.session.flush()
    record(
        "honour.nominate.unit",
        actor=actor,
        now=now,
        object_type="honour_nomination",
        object_id=nomination.id,
        summary=fmt(
            N_("“%(title)s”%(label)s：单位推荐 %(name)s"),
            title=batch.programme.title,
            label=batch.label,
            name=competitor.name,
        ),
        after={"unit": unit_id, "attachment": nomination.attachment_name},
    )
    return nomination


def open_batches() -> list[HonourBatch]:
    """Batches taking nominations (评选 in the 推荐 stage), newest programme first: what units may nominate
    for."""
    return list(
        db.session.execute(
            sa.select(HonourBatch)
            .join(HonourProgramme, HonourProgramme.id == HonourBatch.programme_id)
            .where(HonourBatch.state == BatchState.NOMINATING)
            .order_by(HonourProgramme.id.desc(), HonourBatch.year.desc())
        ).scalars()
    )


def unit_people(unit_id: int) -> list[Competitor]:
    """The competitors who belong to ``unit_id`` (their profile's unit), by name."""
    return list(
        db.session.execute(
            sa.select(Competitor)
            .where(Competitor.unit_id == unit_id)
            .order_by(Competitor.name, Competitor.id)
        ).scalars()
    )


def unit_nominations(unit_id: int) -> list[HonourNomination]:
    """The nominations ``unit_id`` made (any batch), newest first, with their review state."""
    return list(
        db.session.execute(
            sa.select(HonourNomination)
            .where(HonourNomination.unit_id == unit_id, HonourNomination.channel == NominationChannel.UNIT)
            .order_by(HonourNomination.nominated_at.desc(), HonourNomination.id.desc())
        ).scalars()
    )


def review_nomination(
    nomination: HonourNomination, select: bool, reason: str | None, *, actor: User, now: datetime
) -> None:
    """Select a nomination (拟入选) within the quota, or leave it out with a reason; audited.

    Raises :class:`DomainError` beyond the quota, for an ineligible person, or without a reason when
    leaving out."""
    batch = nomination.batch
    _open(batch)
    programme = batch.programme
    before = {"state": nomination.state.value}
    if select:
        problems = eligibility_problems(programme, batch, nomination.competitor)
        nomination.eligibility_problems = problems
        if problems:
            raise DomainError(N_("不符合评选条件：%(problems)s"), problems=joined(problems, "；"))
        chosen = sum(
            1 for n in batch.nominations if n.state is NominationState.SELECTED and n is not nomination
        )
        if chosen >= programme.quota:
            raise DomainError(
                N_("本批名额为 %(quota)s 人，已选满，请先取消其他人选。"), quota=programme.quota
            )
        nomination.state = NominationState.SELECTED
        nomination.review_reason = (reason or "").strip() or None
    else:
        nomination.review_reason = _reason(reason)
        nomination.state = NominationState.NOT_SELECTED
    db.session.flush()
    record(
        "honour.nomination.review",
        actor=actor,
        now=now,
        object_type="honour_nomination",
        object_id=nomination.id,
        summary=fmt(
            N_("“%(title)s”：%(name)s %(state)s"),
            title=programme.title,
            name=nomination.competitor.name,
            state=nomination.state.label,
        ),
        before=before,
        after={"state": nomination.state.value, "reason": nomination.review_reason},
    )


def publish_batch_notice(
    batch: HonourBatch, *, actor: User, now: datetime, working_days: int, calendar: HolidayCalendar
) -> HonourBatch:
    """Publish the selected people for public notice; audited. Raises :class:`DomainError` when nobody is
    selected or the batch is past nominating."""
    _open(batch)
    selected = [n for n in batch.nominations if n.state is NominationState.SELECTED]
    if not selected:
        raise DomainError(N_("还没有拟入选人员。"))
    period = notice_period(now.date(), working_days, calendar)
    batch.state = BatchState.NOTICE
    batch.notice_first_day = period.first_day
    batch.notice_last_day = period.last_day
    db.session.flush()
    record(
        "honour.batch.notice",
        actor=actor,
        now=now,
        object_type="honour_batch",
        object_id=batch.id,
        summary=fmt(
            N_("公示“%(title)s”%(label)s拟入选 %(n)s 人"),
            title=batch.programme.title,
            label=batch.label,
            n=len(selected),
        ),
        after={
            "first_day": period.first_day,
            "last_day": period.last_day,
            "selected": [n.id for n in selected],
        },
    )
    return batch


def _citation(programme: HonourProgramme, batch: HonourBatch, nomination: HonourNomination) -> str:
    return (
        f"{nomination.competitor.name}同志经{nomination.channel.label}、评审和公示，"
        f"被授予{batch.label}“{programme.title}”称号。"
    )


def confirm_batch(batch: HonourBatch, *, actor: User, now: datetime) -> list[HonourRecord]:
    """After the notice, confirm the batch: each selected person gets an :class:`HonourRecord`, the
    title on their profile and an honour certificate request; audited. Raises :class:`DomainError`
    before the notice has ended."""
    if batch.state is not BatchState.NOTICE or batch.notice_last_day is None:
        raise DomainError(N_("须先公示拟入选名单。"))
    if now.date() <= batch.notice_last_day:
        raise DomainError(
            N_("公示期至 %(isoformat)s 结束，之后才能确认。"), isoformat=batch.notice_last_day.isoformat()
        )
    programme = batch.programme
    made: list[HonourRecord] = []
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(HonourRecord).where(HonourRecord.programme_id == programme.id)
    ).scalar()
    for nomination in batch.nominations:
        if nomination.state is not NominationState.SELECTED:
            continue
        count += 1
        competitor = nomination.competitor
        honour = HonourRecord(
            nomination_id=nomination.id,
            programme_id=programme.id,
            competitor_id=competitor.id,
            title=programme.title,
            batch_label=batch.label,
            citation=_citation(programme, batch, nomination),
            achievements=list(nomination.achievements or []),
            record_number=f"RY{programme.id:03d}{batch.year}{count:04d}",
            conferred_on=now.date(),
            created_at=now,
        )
        db.session.add(honour)
        db.session.flush()
        if programme.title not in (competitor.titles or []):
            competitor.titles = [*(competitor.titles or []), programme.title]
        request_certificate(
            "honour",
            competitor.id,
            {
                "honour_title": programme.title,
                "citation": honour.citation,
                "issuer": programme.issuing_body,
                "body_id": programme.body_id,
                "batch": batch.label,
                "record_number": honour.record_number,
                "date": honour.conferred_on.isoformat(),
            },
            f"honour:record:{honour.id}",
            actor=actor,
            now=now,
        )
        made.append(honour)
    batch.state = BatchState.CONFIRMED
    batch.confirmed_at = now
    db.session.flush()
    record(
        "honour.batch.confirm",
        actor=actor,
        now=now,
        object_type="honour_batch",
        object_id=batch.id,
        summary=fmt(
            N_("确认“%(title)s”%(label)s：%(n)s 人"), title=programme.title, label=batch.label, n=len(made)
        ),
        after={"records": [h.record_number for h in made]},
    )
    return made


def honour_record_document(honour: HonourRecord, *, verify_url: str, issued_on: date) -> Any:
    """The :class:`~competition.pdf.documents.HonourRecord` layout's plain values for ``honour``: the
    holder's honour records and confirmed titles and promotions, newest first (at most 26)."""
    from competition.pdf.documents import HonourRecord as HonourRecordLayout
    from competition.pdf.documents import HonourRecordEntry

    competitor = honour.competitor
    entries: list[HonourRecordEntry] = []
    for other in db.session.execute(
        sa.select(HonourRecord).where(HonourRecord.competitor_id == competitor.id)
    ).scalars():
        entries.append(
            HonourRecordEntry(
                awarded_on=other.conferred_on,
                title=f"{other.title}（{other.batch_label}）",
                conferred_by=other.programme.issuing_body,
                certificate_number=other.record_number,
            )
        )
    for decision in db.session.execute(
        sa.select(PromotionDecision).where(
            PromotionDecision.competitor_id == competitor.id,
            PromotionDecision.state == ReviewState.CONFIRMED,
            PromotionDecision.kind.in_((DecisionKind.TITLE, DecisionKind.PROMOTION)),
        )
    ).scalars():
        day = decision.final_date or decision.confirmed_at.date()
        what = decision.title if decision.kind is DecisionKind.TITLE else decision.result_text
        entries.append(
            HonourRecordEntry(
                awarded_on=day,
                title=f"{decision.contest.name} {decision.event.title}：{what}",
                conferred_by=decision.contest.body.name,
            )
        )
    entries.sort(key=lambda e: e.awarded_on, reverse=True)
    photo = competitor.photo
    return HonourRecordLayout(
        name=competitor.name,
        unit=competitor.unit.name if competitor.unit else "",
        entries=tuple(entries[: HonourRecordLayout.MAX_ENTRIES]),
        record_number=honour.record_number,
        issuer=honour.programme.issuing_body or honour.programme.body.name,
        issued_on=issued_on,
        verify_url=verify_url,
        gender=competitor.gender.label,
        level=competitor.current_level or "",
        photo=photo,
    )


def honour_records_of(competitor: Competitor) -> list[HonourRecord]:
    """The competitor's honour records, newest first."""
    return list(
        db.session.execute(
            sa.select(HonourRecord)
            .where(HonourRecord.competitor_id == competitor.id)
            .order_by(HonourRecord.conferred_on.desc(), HonourRecord.id.desc())
        ).scalars()
    )


def find_competitor(id_number: str) -> Competitor | None:
    """The competitor with this ID number (any document type), or ``None``."""
    return (
        db.session.execute(
            sa.select(Competitor).where(Competitor.id_number == (id_number or "").strip().upper())
        )
        .scalars()
        .first()
    )
