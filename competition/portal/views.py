"""Public portal (``public``), and the home pages of judges (``judge``), unit contacts (``unit``)
and competitors (``me``). Separate blueprints, so who may see what is visible from the URL map.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from competition import clock, pagecache
from competition.accounts.access import Permission
from competition.accounts.guards import require
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event, JudgeAssignment
from competition.contests.services import public_contests
from competition.errors import DomainError
from competition.extensions import db
from competition.i18n import error_text
from competition.portal import services
from competition.portal.forms import MyAppealForm

public = Blueprint("public", __name__)
judge = Blueprint("judge", __name__, url_prefix="/judge")
unit = Blueprint("unit", __name__, url_prefix="/unit")
me = Blueprint("me", __name__, url_prefix="/me")


#: Seconds another process may serve a kept front page or contest page after a change (see
#: :mod:`competition.pagecache`; this process forgets its pages at the change's commit).
PORTAL_PAGE_SECONDS = 5.0


@public.route("/")
def index():
    today = clock.now().date()
    query = (request.args.get("q") or "").strip()[:100]
    year = request.args.get("year", type=int)
    plain = pagecache.plain_visit()
    key = ("portal-index", query, year, today, str(get_locale()))
    if plain and (html := pagecache.get(key)) is not None:
        return html
    since = pagecache.generation()
    everything = public_contests(today)
    contests = services.search_contests(everything, query, year)
    html = render_template(
        "public/index.html",
        contests=contests,
        years=services.contest_years(everything),
        query=query,
        year=year,
        searching=bool(query or year),
    )
    if plain:  # (rendering took any waiting message; plain_visit saw none)
        pagecache.keep(key, html, seconds=PORTAL_PAGE_SECONDS, since=since)
    return html


@public.route("/contests/<int:contest_id>")
def contest(contest_id: int):
    from competition.promotion.services import notices_of

    today = clock.now().date()
    plain = pagecache.plain_visit()
    key = ("portal-contest", contest_id, today, str(get_locale()))
    if plain and (html := pagecache.get(key)) is not None:
        return html
    since = pagecache.generation()
    contest = db.session.get(Contest, contest_id)
    if contest is None or not contest.status.is_public:
        abort(404)
    html = render_template(
        "public/contest.html",
        contest=contest,
        summaries=services.event_summaries(contest, today),
        has_promotion_notice=bool(notices_of(contest)),
    )
    if plain:  # (rendering took any waiting message; plain_visit saw none)
        pagecache.keep(key, html, seconds=PORTAL_PAGE_SECONDS, since=since)
    return html


@public.route("/events/<int:event_id>/results")
def event_results(event_id: int):
    """The event's standings in force, names masked, 50 lines a page; 404 before publication.

    Published standings do not change (a re-publication is a new publication), so the whole page is
    kept per process for visitors who are not signed in and have no messages waiting, keyed by the
    publication, page, search, locale and whether the notice is over."""
    from flask import get_flashed_messages
    from flask_babel import get_locale

    from competition.marking.results import publications

    query = (request.args.get("q") or "").strip()[:60]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    anonymous = pagecache.plain_visit()
    today = clock.now().date()
    locale = str(get_locale())
    stamp = services.remembered_stamp(event_id) if anonymous else None
    if stamp is not None:
        key = (stamp.id, stamp.published_at, page, query, today > stamp.notice_last_day, locale)
        if (html := services.cached_page(key)) is not None:
            return html
    found = services.current_public_publication(event_id)
    if found is None:
        abort(404)
    publication, event, contest = found
    services.remember_stamp(event_id, publication)
    final = today > publication.notice_last_day
    key = (publication.id, publication.published_at, page, query, final, locale)
    if anonymous and (html := services.cached_page(key)) is not None:
        return html
    table = services.public_table(publication)
    lines = services.filter_lines(table.lines, query)
    pages = max(1, -(-len(lines) // services.PAGE_SIZE))
    page = min(page, pages)
    start = (page - 1) * services.PAGE_SIZE
    html = render_template(
        "public/results.html",
        event=event,
        contest=contest,
        publication=publication,
        earlier=[p for p in publications(event) if p.id != publication.id]
        if publication.sequence > 1
        else [],
        parts=table.parts,
        lines=lines[start : start + services.PAGE_SIZE],
        total_lines=len(lines),
        page=page,
        pages=pages,
        query=query,
        final=final,
    )
    if anonymous and not get_flashed_messages():
        services.keep_page(key, html)
    return html


def _open_contests() -> list[Contest]:
    return list(
        db.session.execute(
            sa.select(Contest)
            .where(Contest.status == ContestStatus.REGISTRATION_OPEN)
            .order_by(Contest.registration_closes_at)
        ).scalars()
    )


@judge.route("/", endpoint="index")
@require(Permission.JUDGE_EVENTS)
def judge_home():
    seats = list(
        db.session.execute(
            sa.select(JudgeAssignment)
            .join(Event)
            .join(Contest)
            .where(JudgeAssignment.user_id == current_user.id)
            .order_by(Contest.starts_on.desc(), Event.id)
        ).scalars()
    )
    return render_template("judge/index.html", seats=seats)


@unit.route("/", endpoint="index")
@require(Permission.REPRESENT_UNIT)
def unit_home():
    from competition.registration.models import Registration

    entries = list(
        db.session.execute(
            sa.select(Registration)
            .where(Registration.unit_id == current_user.unit_id)
            .order_by(Registration.event_id, Registration.id)
        ).scalars()
    )
    return render_template(
        "unit/index.html", unit=current_user.unit, contests=_open_contests(), entries=entries
    )


@me.route("/", endpoint="index")
@require(Permission.COMPETE)
def competitor_home():
    from competition.registration.tickets import ticket_ready
    from competition.registration.views import open_events

    competitor = current_user.competitor
    entries = services.my_registrations(competitor)
    now = clock.now()
    entered = {e.event_id for e in entries if e.status.value not in ("withdrawn", "rejected")}
    appealable = [e for e in entries if services.may_appeal(e, now)]
    return render_template(
        "me/index.html",
        competitor=competitor,
        entries=entries,
        ready={e.id for e in entries if ticket_ready(e)},
        events=[e for e in open_events() if e.id not in entered],
        my_results=services.my_results(entries),
        appeals=services.my_appeals(entries),
        appealable=[(e, services.appeal_window(e.event)) for e in appealable],
        appeal_form=MyAppealForm(formdata=None),
    )


@me.route("/registrations/<int:registration_id>/appeal", methods=["POST"])
@require(Permission.COMPETE)
def lodge_appeal(registration_id: int):
    """A competitor lodges a written appeal on their own entry, only inside the appeal window."""
    from competition.registration.models import Registration

    competitor = current_user.competitor
    registration = db.session.get(Registration, registration_id)
    if (
        registration is None
        or competitor is None
        or not any(m.competitor_id == competitor.id for m in registration.members)
    ):
        abort(404)
    form = MyAppealForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
        return redirect(url_for("me.index") + "#appeals")
    try:
        services.lodge_appeal(
            registration, competitor, form.content.data, actor=current_user, now=clock.now()
        )
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("申诉已提交，监督仲裁组将作出裁决，结果会显示在本页。"), "success")
    return redirect(url_for("me.index") + "#appeals")
