"""Results services: standings from stored marks, publication for public notice (公示), appeals (申诉),
the re-derivation files, and the facts the contest lifecycle needs. Ranks and awards come only from the
scoring core (:func:`~competition.scoring.standings.build_standings`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import click
import sqlalchemy as sa

from competition.accounts.models import User
from competition.audit.services import record
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event
from competition.domain import PartKind
from competition.errors import N_, DomainError, fmt, to_data
from competition.extensions import db
from competition.marking import schemes, services
from competition.marking.models import (
    NOT_RANKED_REASON,
    Appeal,
    AwardPolicyKind,
    EventMarking,
    Publication,
    PublishedStanding,
    Ruling,
)
from competition.registration.models import Registration
from competition.scoring.cli import _award_policy as cli_award_policy
from competition.scoring.files import (
    MarkRow,
    standings_rows,
    write_marks_csv,
)
from competition.scoring.marks import Result, score_sheets
from competition.scoring.standings import Standing, StandingsPolicy, build_standings
from competition.workdays import HolidayCalendar, notice_period

#: When the event ended, if the organizer has not said (*inferred*: the last contest day, 17:00).
DEFAULT_END = time(17, 0)


@dataclass(frozen=True)
class PolicyChoice:
    """An event's award policy as the core and as ``flask scoring standings`` options."""

    policy: StandingsPolicy
    text: str
    cli_options: tuple[str, ...]
    national: bool


def policy_choice(state: EventMarking, loaded: schemes.Loaded) -> PolicyChoice:
    """The standings policy chosen by the organizer, built exactly as the re-derivation command builds it
    (the same function), so published standings and ``flask scoring standings`` agree."""
    sizes = ",".join(state.award_sizes or ["1", "2", "3"])
    options: tuple[str, ...]
    try:
        if state.award_policy is AwardPolicyKind.NATIONAL:
            awards, ranking, text = cli_award_policy(None, None, True)
            options = ("--national",)
        elif state.award_policy is AwardPolicyKind.PERCENT:
            awards, ranking, text = cli_award_policy(None, sizes, False)
            options = ("--award-percent", sizes)
        else:
            awards, ranking, text = cli_award_policy(sizes, None, False)
            options = ("--awards", sizes)
    except click.ClickException as error:
        raise DomainError(N_("奖项设置无效：%(detail)s"), detail=error.text) from None
    policy = StandingsPolicy(ranking=ranking, awards=awards, rounding=loaded.scheme.rounding)
    return PolicyChoice(policy, text, options, state.award_policy is AwardPolicyKind.NATIONAL)


def set_policy(
    event: Event,
    kind: AwardPolicyKind,
    sizes: list[str],
    appeal_window_hours: int,
    ends_at: datetime | None,
    *,
    actor: User,
    now: datetime,
) -> EventMarking:
    """Set the event's award policy, appeal window and end time; audited. Raises :class:`DomainError`
    for sizes the policy refuses or once results are published."""
    state = services.marking_of(event)
    if current_publication(event) is not None:
        raise DomainError(N_("成绩已发布公示，奖项设置不能再修改。"))
    if not 0 <= appeal_window_hours <= 720:
        raise DomainError(N_("申诉时限应在 0 到 720 小时之间。"), field="appeal_window_hours")
    before = {
        "award_policy": state.award_policy.value,
        "award_sizes": list(state.award_sizes or []),
        "appeal_window_hours": state.appeal_window_hours,
        "ends_at": state.ends_at,
    }
    state.award_policy = kind
    state.award_sizes = [s.strip() for s in sizes]
    state.appeal_window_hours = appeal_window_hours
    state.ends_at = ends_at
    loaded = services.loaded_scheme(event)
    if loaded is not None:
        policy_choice(state, loaded)
    else:
        cli_check = ",".join(state.award_sizes)
        try:
            if kind is AwardPolicyKind.PERCENT:
                cli_award_policy(None, cli_check, False)
            elif kind is AwardPolicyKind.COUNTS:
                cli_award_policy(cli_check, None, False)
        except click.ClickException as error:
            raise DomainError(
                N_("奖项设置无效：%(detail)s"), detail=error.text, field="award_sizes"
            ) from None
    db.session.flush()
    record(
        "results.policy",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        contest_id=event.contest_id,
        summary=fmt(N_("设置 %(title)s 的奖项与申诉时限"), title=event.title),
        before=before,
        after={
            "award_policy": kind.value,
            "award_sizes": state.award_sizes,
            "appeal_window_hours": appeal_window_hours,
            "ends_at": ends_at,
        },
    )
    return state


@dataclass(frozen=True)
class Computed:
    """An event's standings with the results and sheets they came from."""

    loaded: schemes.Loaded
    sheets: services.EventSheets
    results: tuple[Result, ...]
    standings: tuple[Standing, ...]
    choice: PolicyChoice
    not_ranked: dict[str, str]
    lots: dict[str, int]


def _extras(
    event: Event, sheets: services.EventSheets, national: bool
) -> tuple[dict[str, str], dict[str, int]]:
    not_ranked = {n: NOT_RANKED_REASON for n, r in sheets.entries.items() if r.not_ranked_for_awards}
    lots = {}
    if national:
        lots = {n: r.station for n, r in sheets.entries.items() if r.station is not None}
    return not_ranked, lots


def compute(event: Event, *, table: services.MarkTable | None = None) -> Computed:
    """Score every numbered entry from the stored marks and build the standings with the core.

    Raises :class:`DomainError` (from the core) when results are incomplete, scores diverge, or a tie
    needs a lot; also without a scheme.
    """
    loaded = services.require_scheme(event)
    state = services.marking_of(event)
    choice = policy_choice(state, loaded)
    sheets = services.event_sheets(event, loaded, table=table)
    results = score_sheets(loaded.scheme, sheets.sheets)
    not_ranked, lots = _extras(event, sheets, choice.national)
    standings = build_standings(results, choice.policy, not_ranked=not_ranked, lots=lots)
    return Computed(loaded, sheets, results, standings, choice, not_ranked, lots)


@dataclass(frozen=True)
class Preview:
    """Standings when they can be built, else the core's reason; the results either way."""

    computed: Computed | None
    results: tuple[Result, ...]
    problem: str | None


def preview(event: Event) -> Preview:
    """Standings as they stand now, or why they cannot be built yet (with each entry's result)."""
    try:
        computed = compute(event)
    except DomainError as error:
        loaded = services.loaded_scheme(event)
        results: tuple[Result, ...] = ()
        if loaded is not None:
            try:
                sheets = services.event_sheets(event, loaded)
                results = score_sheets(loaded.scheme, sheets.sheets)
            except DomainError:
                results = ()
        return Preview(None, results, error.text)
    return Preview(computed, computed.results, None)


def event_label(event: Event) -> str:
    """The event's name in files: ``<contest> <event title>``."""
    return f"{event.contest.name} {event.title}"


# ---- publication ------------------------------------------------------------------------------------


def current_publication(event: Event) -> Publication | None:
    """The event's publication in force (not superseded), or ``None``."""
    return db.session.execute(
        sa.select(Publication)
        .where(Publication.event_id == event.id, Publication.superseded_at.is_(None))
        .order_by(Publication.sequence.desc())
        .limit(1)
    ).scalar()


def publications(event: Event) -> list[Publication]:
    """Every publication of the event, newest first."""
    return list(
        db.session.execute(
            sa.select(Publication)
            .where(Publication.event_id == event.id)
            .order_by(Publication.sequence.desc())
        ).scalars()
    )


def publish(
    event: Event,
    *,
    actor: User,
    now: datetime,
    working_days: int,
    calendar: HolidayCalendar,
    reason: str | None = None,
) -> Publication:
    """Publish the event's standings for public notice of ``working_days`` working days; audited.

    The standings are stored as :class:`PublishedStanding` rows (what promotion, certificates and the
    portal read); a re-publication (after an upheld appeal) needs a reason and supersedes the previous
    one. The contest's ``public_notice_ends_on`` becomes the latest notice end of its events. Raises
    :class:`DomainError` unless the contest is being marked or under notice and the event is signed off
    and decrypted.
    """
    contest = event.contest
    if contest.status not in (ContestStatus.MARKING, ContestStatus.PUBLIC_NOTICE):
        raise DomainError(N_("竞赛处于“%(status)s”阶段，不能发布成绩公示。"), status=contest.status.label)
    state = services.marking_of(event)
    if state.signed_off_at is None:
        raise DomainError(N_("成绩尚未经裁判长签字确认。"))
    if state.decrypted_at is None:
        raise DomainError(N_("成绩尚未解密。"))
    previous = current_publication(event)
    reason = (reason or "").strip() or None
    if previous is not None and reason is None:
        raise DomainError(N_("成绩已发布过，重新发布须填写原因（如申诉裁决）。"), field="reason")
    computed = compute(event)
    period = notice_period(now.date(), working_days, calendar)
    label = event_label(event)
    sequence = 1 if previous is None else previous.sequence + 1
    if previous is not None:
        previous.superseded_at = now
        db.session.execute(
            sa.update(PublishedStanding)
            .where(PublishedStanding.publication_id == previous.id)
            .values(current=False)
            .execution_options(synchronize_session=False)
        )
    publication = Publication(
        event_id=event.id,
        sequence=sequence,
        published_at=now,
        published_by_id=actor.id,
        notice_first_day=period.first_day,
        notice_last_day=period.last_day,
        working_days=working_days,
        calendar_fallback=period.fallback_used,
        award_policy_text=computed.choice.text[:200],
        award_policy_data=to_data(computed.choice.text) if len(computed.choice.text) <= 200 else None,
        scheme_sha256=services.stored_scheme(event).sha256,
        reason=reason,
    )
    db.session.add(publication)
    db.session.flush()
    rows = standings_rows(computed.standings, event=label)
    # one multi-row INSERT (thousands of lines) instead of one ORM object and statement per line
    db.session.execute(
        sa.insert(PublishedStanding),
        [
            {
                "publication_id": publication.id,
                "event_id": event.id,
                "registration_id": computed.sheets.entries[standing.entry].id,
                "position": position,
                "entry": standing.entry,
                "status": row.status,
                "rank": row.rank,
                "joint": row.joint,
                "entrants": row.entrants,
                "total": row.total,
                "display_total": row.total_display,
                "score_theory": row.parts.get(PartKind.THEORY),
                "score_practical": row.parts.get(PartKind.PRACTICAL),
                "score_defence": row.parts.get(PartKind.DEFENCE),
                "all_passed": row.all_parts_passed,
                "award": row.award,
                "not_ranked_reason": computed.not_ranked.get(standing.entry),
                "reasons": list(standing.reasons),
                "reasons_data": [to_data(reason) for reason in standing.reasons],
                "current": True,
            }
            for position, (standing, row) in enumerate(zip(computed.standings, rows, strict=True))
        ],
    )
    db.session.flush()
    _update_contest_notice(contest)
    record(
        "results.publish",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        contest_id=contest.id,
        summary=fmt(
            N_("重新发布 %(title)s 成绩公示（第 %(sequence)s 次），公示期 %(first)s 至 %(last)s")
            if previous
            else N_("发布 %(title)s 成绩公示（第 %(sequence)s 次），公示期 %(first)s 至 %(last)s"),
            title=event.title,
            sequence=sequence,
            first=period.first_day.isoformat(),
            last=period.last_day.isoformat(),
        ),
        before=None if previous is None else {"publication": previous.sequence},
        after={
            "publication": sequence,
            "notice": [period.first_day, period.last_day],
            "entries": len(rows),
            "reason": reason,
        },
    )
    return publication


def _update_contest_notice(contest: Contest) -> None:
    last = db.session.execute(
        sa.select(sa.func.max(Publication.notice_last_day))
        .join(Event, Event.id == Publication.event_id)
        .where(Event.contest_id == contest.id, Publication.superseded_at.is_(None))
    ).scalar()
    if last is not None and contest.public_notice_ends_on != last:
        contest.public_notice_ends_on = last
        db.session.flush()


def published_standings(publication: Publication) -> list[PublishedStanding]:
    """The stored lines of a publication, in display order."""
    return list(publication.standings)


def standings_csv(publication: Publication) -> str:
    """STANDINGS.csv text of a publication, written from the stored rows."""
    from competition.scoring.files import StandingsRow, write_standings_csv

    label = event_label(publication.event)
    return write_standings_csv(
        StandingsRow(
            event=label,
            entry=s.entry,
            status=s.status,
            rank=s.rank,
            joint=s.joint,
            entrants=s.entrants,
            total=s.total,
            # stored exactly; SQLite keeps no trailing zeros, the file always shows two places
            total_display=None if s.display_total is None else s.display_total.quantize(Decimal("0.01")),
            parts={
                PartKind.THEORY: s.score_theory,
                PartKind.PRACTICAL: s.score_practical,
                PartKind.DEFENCE: s.score_defence,
            },
            all_parts_passed=s.all_passed,
            award=s.award,
            standardised=None,
        )
        for s in publication.standings
    )


# ---- re-derivation files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rederivation:
    """SCHEME.xlsx bytes, MARKS.csv text and the command that recomputes the standings from them."""

    scheme: bytes
    marks: str
    command: str


def rederivation(event: Event) -> Rederivation:
    """The files an outsider needs to recompute the event's standings (复核) with
    ``flask scoring standings --scheme SCHEME.xlsx --marks MARKS.csv`` plus the award options."""
    computed = compute(event)
    label = event_label(event)
    rows = [replace(r, event=label) for r in computed.sheets.rows]
    for entry in computed.sheets.entries:
        if entry in computed.not_ranked:
            rows.append(MarkRow(entry, "not_ranked", value=computed.not_ranked[entry], event=label))
        if entry in computed.lots:
            rows.append(MarkRow(entry, "lot", value=str(computed.lots[entry]), event=label))
    if not rows:
        raise DomainError(N_("还没有成绩。"))
    stored = services.stored_scheme(event)
    command = " ".join(
        ("flask scoring standings --scheme SCHEME.xlsx --marks MARKS.csv", *computed.choice.cli_options)
    )
    return Rederivation(stored.workbook, write_marks_csv(rows), command)


# ---- appeals ----------------------------------------------------------------------------------------


def appeal_deadline(event: Event) -> datetime:
    """When the appeal window closes: the event's end plus its window (DOMAIN.md §3: 2 hours)."""
    state = services.marking_of(event)
    ends = state.ends_at or datetime.combine(event.contest.ends_on, DEFAULT_END)
    return ends + timedelta(hours=state.appeal_window_hours)


def appeals_of(event: Event) -> list[Appeal]:
    """The event's appeals, oldest first."""
    return list(
        db.session.execute(sa.select(Appeal).where(Appeal.event_id == event.id).order_by(Appeal.id)).scalars()
    )


def record_appeal(
    event: Event,
    registration: Registration,
    appellant: str,
    content: str,
    lodged_at: datetime,
    *,
    actor: User,
    now: datetime,
) -> Appeal:
    """Record a written appeal received by the 监督仲裁组; audited. Refused after the window closes."""
    if registration.event_id != event.id:
        raise DomainError(N_("没有这名参赛选手。"), field="competitor_number")
    if not (appellant or "").strip() or not (content or "").strip():
        raise DomainError(N_("请填写申诉人和申诉内容。"), field="content")
    deadline = appeal_deadline(event)
    if lodged_at > deadline:
        raise DomainError(
            N_("申诉须在 %(deadline)s 前提出，这份申诉已超过时限。"),
            deadline=format(deadline, "%Y-%m-%d %H:%M"),
            field="lodged_at",
        )
    if lodged_at > now:
        raise DomainError(N_("申诉时间不能晚于现在。"), field="lodged_at")
    appeal = Appeal(
        event_id=event.id,
        registration_id=registration.id,
        appellant=appellant.strip()[:60],
        content=content.strip(),
        lodged_at=lodged_at,
        recorded_by_id=actor.id,
        ruling=Ruling.PENDING,
    )
    db.session.add(appeal)
    db.session.flush()
    record(
        "appeal.record",
        actor=actor,
        now=now,
        object_type="appeal",
        object_id=appeal.id,
        contest_id=event.contest_id,
        summary=fmt(
            N_("%(title)s：登记 %(competitor_number)s 号的申诉"),
            title=event.title,
            competitor_number=registration.competitor_number,
        ),
        after={"appellant": appeal.appellant, "lodged_at": lodged_at},
    )
    return appeal


def rule_appeal(
    appeal: Appeal,
    ruling: Ruling,
    text: str,
    remark_part: PartKind | None,
    *,
    actor: User,
    now: datetime,
) -> Appeal:
    """Record the arbitration group's final ruling; audited. An upheld appeal that changes marks reopens
    ``remark_part`` (unlocking it with the ruling as reason) so the chief judge can ask for re-scores,
    sign off again, and the organizer re-publishes."""
    if appeal.ruling is not Ruling.PENDING:
        raise DomainError(N_("这份申诉已经裁决。"))
    if ruling is Ruling.PENDING:
        raise DomainError(N_("请选择裁决结果。"), field="ruling")
    text = (text or "").strip()
    if not text:
        raise DomainError(N_("请填写裁决意见。"), field="ruling_text")
    if remark_part is not None and ruling is not Ruling.UPHELD:
        raise DomainError(N_("只有申诉成立时才需要重新评分。"), field="remark_part")
    event = db.session.get(Event, appeal.event_id)
    appeal.ruling = ruling
    appeal.ruling_text = text
    appeal.ruled_at = now
    appeal.ruled_by_id = actor.id
    if remark_part is not None:
        part = services.event_part(event, remark_part)
        appeal.remark_part_id = part.id
        if services.sign_off_of(part) is not None:
            services.unlock_part(
                event, remark_part, fmt(N_("申诉成立：%(text)s"), text=text), actor=actor, now=now
            )
        else:
            state = services.marking_of(event)
            state.signed_off_at = None
            state.signed_off_by_id = None
    db.session.flush()
    record(
        "appeal.rule",
        actor=actor,
        now=now,
        object_type="appeal",
        object_id=appeal.id,
        contest_id=event.contest_id,
        summary=fmt(N_("%(title)s：申诉裁决“%(ruling)s”"), title=event.title, ruling=ruling.label),
        after={
            "ruling": ruling.value,
            "text": text,
            "remark_part": remark_part.value if remark_part else None,
        },
    )
    return appeal


@dataclass(frozen=True)
class ResultsFacts:
    """What the contest lifecycle needs of one event's results (see ``EventFacts``)."""

    signed_off: bool
    published: bool
    appeals_close_at: datetime | None
    pending_appeals: int
    awaiting_republication: bool


def results_facts(event: Event) -> ResultsFacts:
    """Signed off, published, when appeals close, appeals pending, and whether an upheld appeal that
    reopened marks still waits for a re-publication."""
    state = db.session.execute(sa.select(EventMarking).where(EventMarking.event_id == event.id)).scalar()
    publication = current_publication(event)
    appeals = appeals_of(event)
    awaiting = any(
        a.remark_part_id is not None and (publication is None or publication.published_at < a.ruled_at)
        for a in appeals
    )
    return ResultsFacts(
        signed_off=state is not None and state.signed_off_at is not None,
        published=publication is not None,
        appeals_close_at=appeal_deadline(event) if state is not None else None,
        pending_appeals=sum(1 for a in appeals if a.ruling is Ruling.PENDING),
        awaiting_republication=awaiting,
    )


def notice_state(event: Event, today: date) -> str:
    """``未发布`` / ``公示中`` / ``公示期满`` for an event's current publication."""
    publication = current_publication(event)
    if publication is None:
        return "未发布"
    return "公示中" if today <= publication.notice_last_day else "公示期满"
