"""What the public portal and the competitor's own pages read: contest search, an event's published
standings with personal data masked (DOMAIN.md §6), a competitor's own published results, and the
appeal window a competitor may lodge an appeal in (DOMAIN.md §3: in writing within 2 hours of the end
of the event).

Published standings are immutable once stored (a re-publication after an appeal stores a *new*
:class:`~competition.marking.models.Publication`), so the public table of a publication is computed
once per process and kept, keyed by the publication's id and time; a re-publication therefore
invalidates it by itself, and :func:`forget_publication_cache` empties it outright.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from time import monotonic as time_monotonic

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from competition import pagecache
from competition.accounts.models import User
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event
from competition.domain import PartKind
from competition.errors import N_, DomainError, joined
from competition.extensions import db
from competition.marking import results
from competition.marking.models import Appeal, Publication, PublishedStanding
from competition.organizations.models import OrganizingBody
from competition.privacy import mask_name
from competition.promotion.models import PromotionNotice
from competition.registration.models import Competitor, Registration, RegistrationMember
from competition.security import page_for_visitor, shareable_page

#: How many publications' public tables one process keeps (each is a tuple of small rows).
CACHE_SIZE = 32
#: How many rendered public results pages one process keeps (about 40 kB each).
PAGE_CACHE_SIZE = 256
#: Lines per page of the public results table (a phone scrolls 50 lines comfortably).
PAGE_SIZE = 50


# ---- contests ---------------------------------------------------------------------------------------

# The public front page and contest pages (kept by competition.pagecache) show these rows.
pagecache.watch(Contest, Event, Publication, PromotionNotice, OrganizingBody)


def search_contests(contests: list[Contest], query: str | None, year: int | None) -> list[Contest]:
    """Filter the portal's contests by words in the name (every space-separated word must occur, case
    insensitive) and by the year the contest starts in; ``None``/empty filters keep everything."""
    words = [w.casefold() for w in (query or "").split() if w]
    return [
        c
        for c in contests
        if (year is None or c.starts_on.year == year) and all(w in c.name.casefold() for w in words)
    ]


def contest_years(contests: list[Contest]) -> list[int]:
    """The distinct years the given contests start in, newest first."""
    return sorted({c.starts_on.year for c in contests}, reverse=True)


@dataclass(frozen=True)
class EventSummary:
    """One event of a public contest page: its current publication (or ``None``) and notice state."""

    event: Event
    publication: Publication | None
    state: str


def event_summaries(contest: Contest, today: date) -> list[EventSummary]:
    """Each event of the contest with its publication in force and ``未发布``/``公示中``/``公示期满``."""
    publications = {
        p.event_id: p
        for p in db.session.execute(
            sa.select(Publication)
            .join(Event, Event.id == Publication.event_id)
            .where(Event.contest_id == contest.id, Publication.superseded_at.is_(None))
        ).scalars()
    }
    out = []
    for event in contest.events:
        publication = publications.get(event.id)
        if publication is None:
            state = "未发布"
        else:
            state = "公示中" if today <= publication.notice_last_day else "公示期满"
        out.append(EventSummary(event, publication, state))
    return out


# ---- public standings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicLine:
    """One line of a public results table; the name is masked (``张*明``), no ID number or phone."""

    position: int
    entry: str
    status: str
    rank: int | None
    joint: bool
    name: str
    unit: str
    total: Decimal | None
    parts: tuple[Decimal | None, ...]
    award: str
    note: str


@dataclass(frozen=True)
class PublicTable:
    """A publication's public table: the event's part kinds (column order) and its lines."""

    parts: tuple[PartKind, ...]
    lines: tuple[PublicLine, ...]


_lock = threading.Lock()


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("portal_public_tables", OrderedDict())


def forget_publication_cache() -> None:
    """Empty this process's cache of public tables (tests; an operator correcting stored names)."""
    with _lock:
        _cache().clear()
        current_app.extensions.setdefault("portal_public_pages", OrderedDict()).clear()
        current_app.extensions.setdefault("portal_stamps", {}).clear()


def _masked(registration: Registration) -> str:
    names = "、".join(mask_name(m.competitor.name) for m in registration.members if m.active)
    if registration.team_name:
        return f"{registration.team_name}（{names}）"
    return names


def public_table(publication: Publication) -> PublicTable:
    """The public table of ``publication``: each stored standing with the entrant's masked name(s)
    and unit, parts in the event's order. Computed once per process and publication (see module)."""
    key = (publication.id, publication.event_id, publication.published_at)
    with _lock:
        cache = _cache()
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    event = db.session.get(Event, publication.event_id)
    kinds = tuple(p.kind for p in event.parts)
    standings = list(
        db.session.execute(
            sa.select(PublishedStanding)
            .where(PublishedStanding.publication_id == publication.id)
            .order_by(PublishedStanding.position)
        ).scalars()
    )
    registrations = {
        r.id: r
        for r in db.session.execute(
            sa.select(Registration)
            .where(Registration.id.in_([s.registration_id for s in standings]))
            .options(
                selectinload(Registration.unit),
                selectinload(Registration.members).selectinload(RegistrationMember.competitor),
            )
        ).scalars()
    }
    columns = {
        PartKind.THEORY: "score_theory",
        PartKind.PRACTICAL: "score_practical",
        PartKind.DEFENCE: "score_defence",
    }
    lines = []
    for s in standings:
        registration = registrations[s.registration_id]
        note = s.shown_not_ranked_reason or (
            joined(s.shown_reasons, "；") if s.status == "disqualified" else ""
        )
        lines.append(
            PublicLine(
                position=s.position,
                entry=s.entry,
                status=s.status,
                rank=s.rank,
                joint=s.joint,
                name=_masked(registration),
                unit=registration.unit.name if registration.unit else "",
                total=s.display_total,
                parts=tuple(getattr(s, columns[k]) for k in kinds),
                award=s.award.label if s.award else "",
                note=note,
            )
        )
    table = PublicTable(kinds, tuple(lines))
    with _lock:
        cache = _cache()
        cache[key] = table
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return table


def filter_lines(lines: tuple[PublicLine, ...], query: str | None) -> tuple[PublicLine, ...]:
    """Lines whose competitor number equals ``query`` or whose unit contains it; all when empty."""
    query = (query or "").strip()
    if not query:
        return lines
    return tuple(line for line in lines if line.entry == query or query in line.unit)


def current_public_publication(event_id: int) -> tuple[Publication, Event, Contest] | None:
    """The publication in force of ``event_id`` with its event and contest, in one query, when the
    contest is public (not a draft); else ``None``."""
    row = db.session.execute(
        sa.select(Publication, Event, Contest)
        .join(Event, Event.id == Publication.event_id)
        .join(Contest, Contest.id == Event.contest_id)
        .where(
            Publication.event_id == event_id,
            Publication.superseded_at.is_(None),
            Contest.status != ContestStatus.DRAFT,
        )
        .order_by(Publication.sequence.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


@dataclass(frozen=True)
class PublicationStamp:
    """What names a publication in force for the page cache: its id, time and last notice day."""

    id: int
    published_at: datetime
    notice_last_day: date


#: Seconds a process trusts its memory of an event's publication in force before asking the database
#: again. The process that publishes forgets at once (see :func:`_forget_on_publish`); another
#: process serves the superseded page for at most this long.
STAMP_SECONDS = 5.0


def remembered_stamp(event_id: int) -> PublicationStamp | None:
    """This process's recent memory of the event's publication in force (``None`` when not known or
    older than :data:`STAMP_SECONDS`)."""
    with _lock:
        found = current_app.extensions.setdefault("portal_stamps", {}).get(event_id)
    if found is None or found[0] < time_monotonic():
        return None
    return found[1]


def remember_stamp(event_id: int, publication: Publication) -> None:
    """Remember ``publication`` as the event's publication in force for :data:`STAMP_SECONDS`."""
    stamp = PublicationStamp(publication.id, publication.published_at, publication.notice_last_day)
    with _lock:
        stamps = current_app.extensions.setdefault("portal_stamps", {})
        stamps[event_id] = (time_monotonic() + STAMP_SECONDS, stamp)


@sa.event.listens_for(Publication, "after_insert")
def _forget_on_publish(_mapper, _connection, target: Publication) -> None:
    """A new publication (first or re-publication): this process forgets the event's stamp at once."""
    try:
        with _lock:
            current_app.extensions.setdefault("portal_stamps", {}).pop(target.event_id, None)
    except RuntimeError:  # outside an application context (a script): nothing is cached there
        pass


def cached_page(key: tuple) -> str | None:
    """A whole public page rendered earlier under ``key`` (which must name the publication), or ``None``."""
    with _lock:
        pages = current_app.extensions.setdefault("portal_public_pages", OrderedDict())
        html = pages.get(key)
        if html is not None:
            pages.move_to_end(key)
    return None if html is None else page_for_visitor(html)


def keep_page(key: tuple, html: str) -> None:
    """Keep a rendered public page under ``key`` (at most :data:`PAGE_CACHE_SIZE` pages a process).
    The visitor's CSRF token is taken out (:func:`competition.security.shareable_page`) and each later
    visitor's own put back."""
    html = shareable_page(html)
    with _lock:
        pages = current_app.extensions.setdefault("portal_public_pages", OrderedDict())
        pages[key] = html
        while len(pages) > PAGE_CACHE_SIZE:
            pages.popitem(last=False)


def public_event_or_none(event_id: int) -> Event | None:
    """The event when its contest is public (not a draft), else ``None``."""
    event = db.session.get(Event, event_id)
    if event is None or not event.contest.status.is_public:
        return None
    return event


# ---- the competitor's own results and appeals --------------------------------------------------------


@dataclass(frozen=True)
class MyResult:
    """A competitor's line in a publication in force, with the event's part kinds (no judges)."""

    registration: Registration
    publication: Publication
    standing: PublishedStanding
    parts: tuple[tuple[PartKind, Decimal | None], ...]


def my_registrations(competitor: Competitor | None) -> list[Registration]:
    """The competitor's registrations (as an individual or a team member), newest first."""
    if competitor is None:
        return []
    return list(
        db.session.execute(
            sa.select(Registration)
            .join(RegistrationMember)
            .where(RegistrationMember.competitor_id == competitor.id)
            .order_by(Registration.created_at.desc())
        ).scalars()
    )


def my_results(registrations: list[Registration]) -> list[MyResult]:
    """The published standing of each of ``registrations`` whose event has a publication in force;
    nothing before publication. Only published totals, per-part scores, rank and award are given."""
    if not registrations:
        return []
    rows = db.session.execute(
        sa.select(PublishedStanding, Publication)
        .join(Publication, Publication.id == PublishedStanding.publication_id)
        .where(
            PublishedStanding.registration_id.in_([r.id for r in registrations]),
            Publication.superseded_at.is_(None),
        )
    ).all()
    by_id = {r.id: r for r in registrations}
    columns = {
        PartKind.THEORY: "score_theory",
        PartKind.PRACTICAL: "score_practical",
        PartKind.DEFENCE: "score_defence",
    }
    out = []
    for standing, publication in rows:
        registration = by_id[standing.registration_id]
        parts = tuple((p.kind, getattr(standing, columns[p.kind])) for p in registration.event.parts)
        out.append(MyResult(registration, publication, standing, parts))
    out.sort(key=lambda m: m.publication.published_at, reverse=True)
    return out


def appeal_window(event: Event) -> tuple[datetime, datetime]:
    """When a competitor may lodge an appeal for ``event``: from the start of the contest's first day
    to the event's end plus its appeal window (DOMAIN.md §3, default 2 hours;
    :func:`competition.marking.results.appeal_deadline`)."""
    return datetime.combine(event.contest.starts_on, time(0, 0)), results.appeal_deadline(event)


def may_appeal(registration: Registration, now: datetime) -> bool:
    """Whether the competitor of ``registration`` may lodge an appeal now: the entry has a competitor
    number (it competed), the contest is being held or marked, and ``now`` is inside the window."""
    if not registration.competitor_number:
        return False
    if registration.event.contest.status not in (
        ContestStatus.REGISTRATION_CLOSED,
        ContestStatus.IN_PROGRESS,
        ContestStatus.MARKING,
        ContestStatus.PUBLIC_NOTICE,
    ):
        return False
    opens, closes = appeal_window(registration.event)
    return opens <= now <= closes


def lodge_appeal(
    registration: Registration, competitor: Competitor, content: str, *, actor: User, now: datetime
) -> Appeal:
    """Lodge the competitor's own written appeal (申诉) for ``registration``, timed ``now``; it lands in
    the organizer's appeal handling (:func:`competition.marking.results.record_appeal`, audited).

    Raises :class:`DomainError` when the competitor is not a member of the entry, outside the appeal
    window, or the content is empty or longer than 2,000 characters.
    """
    if not any(m.competitor_id == competitor.id for m in registration.members):
        raise DomainError(N_("这不是您的报名。"))
    content = (content or "").strip()
    if not content:
        raise DomainError(N_("请写明申诉的事项和理由。"), field="content")
    if len(content) > 2000:
        raise DomainError(N_("申诉内容不能超过 2000 字。"), field="content")
    if not may_appeal(registration, now):
        opens, closes = appeal_window(registration.event)
        raise DomainError(
            N_("申诉只能在 %(opens)s 至 %(closes)s 之间提出。"),
            field="content",
            opens=f"{opens:%Y-%m-%d %H:%M}",
            closes=f"{closes:%Y-%m-%d %H:%M}",
        )
    return results.record_appeal(
        registration.event, registration, competitor.name, content, now, actor=actor, now=now
    )


def my_appeals(registrations: list[Registration]) -> list[Appeal]:
    """Appeals lodged on ``registrations`` (by the competitor or recorded for them), newest first."""
    if not registrations:
        return []
    return list(
        db.session.execute(
            sa.select(Appeal)
            .where(Appeal.registration_id.in_([r.id for r in registrations]))
            .order_by(Appeal.lodged_at.desc())
        ).scalars()
    )
