"""Public portal (``public``), and the home pages of judges (``judge``), unit contacts (``unit``)
and competitors (``me``). Separate blueprints, so who may see what is visible from the URL map.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user

from competition import clock
from competition.accounts.access import Permission
from competition.accounts.guards import require
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event, JudgeAssignment
from competition.contests.services import public_contests
from competition.extensions import db

public = Blueprint("public", __name__)
judge = Blueprint("judge", __name__, url_prefix="/judge")
unit = Blueprint("unit", __name__, url_prefix="/unit")
me = Blueprint("me", __name__, url_prefix="/me")


@public.route("/")
def index():
    contests = public_contests(clock.now().date())
    return render_template("public/index.html", contests=contests)


@public.route("/contests/<int:contest_id>")
def contest(contest_id: int):
    contest = db.session.get(Contest, contest_id)
    if contest is None or not contest.status.is_public:
        abort(404)
    from competition.marking.results import current_publication

    published = [(e, p) for e in contest.events if (p := current_publication(e)) is not None]
    return render_template("public/contest.html", contest=contest, published=published)


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
    from competition.registration.models import Registration, RegistrationMember
    from competition.registration.views import open_events

    competitor = current_user.competitor
    entries = []
    if competitor is not None:
        entries = list(
            db.session.execute(
                sa.select(Registration)
                .join(RegistrationMember)
                .where(RegistrationMember.competitor_id == competitor.id)
                .order_by(Registration.created_at.desc())
            ).scalars()
        )
    from competition.registration.tickets import ticket_ready

    entered = {e.event_id for e in entries if e.status.value not in ("withdrawn", "rejected")}
    return render_template(
        "me/index.html",
        competitor=competitor,
        entries=entries,
        ready={e.id for e in entries if ticket_ready(e)},
        events=[e for e in open_events() if e.id not in entered],
    )
