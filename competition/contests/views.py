"""Organizer pages (``manage``): contests, events, judge panels, invitations, units, audit log."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from competition import clock
from competition.accounts import services as account_services
from competition.accounts.access import Permission
from competition.accounts.forms import InvitationForm
from competition.accounts.guards import managed_contest_or_404, managed_event_or_404, require
from competition.accounts.models import Invitation, Role, User
from competition.accounts.views import body_choices, unit_choices
from competition.audit.models import AuditEntry
from competition.contests import services
from competition.contests.forms import ContestForm, EventForm, JudgeSeatForm
from competition.contests.lifecycle import ACTION_LABELS, TRANSITIONS, ContestStatus, blockers
from competition.contests.models import Contest, Event, JudgeAssignment, JudgePosition
from competition.contests.validation import PartSpec
from competition.domain import Group, SkillLevel, Tier
from competition.errors import N_, DomainError, fmt
from competition.extensions import db
from competition.forms import choice, show_domain_error
from competition.i18n import error_text
from competition.i18n import gettext as _
from competition.organizations.forms import UnitForm
from competition.organizations.models import Unit
from competition.organizations.services import save_unit

manage = Blueprint("manage", __name__, url_prefix="/manage")


@manage.route("/")
@require(Permission.MANAGE_CONTESTS)
def index():
    contests = services.contests_for(current_user)
    return render_template("manage/index.html", contests=contests, statuses=list(ContestStatus))


def _contest_values(form: ContestForm) -> dict:
    return {
        "name": form.name.data,
        "year": form.year.data,
        "tier": Tier(form.tier.data),
        "venue": form.venue.data,
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
        "registration_opens_at": form.registration_opens_at.data,
        "registration_closes_at": form.registration_closes_at.data,
        "description": form.description.data or "",
    }


@manage.route("/contests/new", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def new_contest():
    if current_user.role is not Role.ORGANIZER:
        flash(_("竞赛由组织方账号创建，管理员账号只能查看和协助修改。"), "warning")
        return redirect(url_for("manage.index"))
    form = ContestForm()
    form.co_organizer_ids.choices = body_choices(exclude=current_user.body_id)
    if request.method == "GET":
        form.year.data = clock.now().year
    if form.validate_on_submit():
        try:
            contest = services.save_contest(
                None,
                values=_contest_values(form),
                co_organizer_ids=form.co_organizer_ids.data,
                body=current_user.body,
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("竞赛已创建。下一步：添加赛项。"), "success")
            return redirect(url_for("manage.contest", contest_id=contest.id))
    return render_template("manage/contest_form.html", form=form, contest=None)


@manage.route("/contests/<int:contest_id>")
@require(Permission.MANAGE_CONTESTS)
def contest(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    now = clock.now()
    facts = services.contest_facts(contest)
    moves = [
        {"target": target, "action": ACTION_LABELS[target], "blockers": blockers(facts, target, now)}
        for target in TRANSITIONS[contest.status]
    ]
    lifecycle = [s for s in ContestStatus]
    return render_template(
        "manage/contest.html",
        contest=contest,
        moves=moves,
        lifecycle=lifecycle,
        editable=contest.status in services.EDITABLE_STATUSES,
    )


@manage.route("/contests/<int:contest_id>/edit", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def edit_contest(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    form = ContestForm(obj=contest)
    form.co_organizer_ids.choices = body_choices(exclude=contest.body_id)
    if request.method == "GET":
        form.co_organizer_ids.data = [b.id for b in contest.co_organizers]
        form.version.data = contest.version
        form.tier.data = contest.tier.value
    if form.validate_on_submit():
        try:
            services.save_contest(
                contest,
                values=_contest_values(form),
                co_organizer_ids=form.co_organizer_ids.data,
                actor=current_user,
                now=clock.now(),
                expected_version=int(form.version.data or 0),
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("竞赛信息已保存。"), "success")
            return redirect(url_for("manage.contest", contest_id=contest.id))
    return render_template("manage/contest_form.html", form=form, contest=contest)


@manage.route("/contests/<int:contest_id>/status", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def change_status(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    try:
        target = ContestStatus(request.form.get("target", ""))
    except ValueError:
        abort(400)
    try:
        services.transition(
            contest,
            target,
            actor=current_user,
            now=clock.now(),
            expected_version=request.form.get("version", type=int),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("竞赛状态已变为“%(status)s”。", status=target.label), "success")
    return redirect(url_for("manage.contest", contest_id=contest_id))


def _parts_from(form: EventForm) -> list[PartSpec]:
    parts = []
    for kind, weight_name, pass_name in EventForm.PART_FIELDS:
        weight = getattr(form, weight_name).data
        if weight is not None and weight != Decimal(0):
            pass_mark = getattr(form, pass_name).data
            parts.append(
                PartSpec(kind, Decimal(weight), Decimal(60) if pass_mark is None else Decimal(pass_mark))
            )
    return parts


def _event_values(form: EventForm) -> dict:
    return {
        "occupation_name": form.occupation_name.data,
        "occupation_code": form.occupation_code.data,
        "work_type": form.work_type.data,
        "group": Group(form.group.data),
        "team_size": form.team_size.data,
        "level": SkillLevel(form.level.data),
        "capacity": form.capacity.data,
    }


@manage.route("/contests/<int:contest_id>/events/new", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def new_event(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = services.save_event(
                None,
                contest=contest,
                values=_event_values(form),
                parts=_parts_from(form),
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("赛项“%(title)s”已添加。", title=event.title), "success")
            return redirect(url_for("manage.contest", contest_id=contest.id))
    return render_template("manage/event_form.html", form=form, contest=contest, event=None)


@manage.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def edit_event(event_id: int):
    event = managed_event_or_404(event_id)
    form = EventForm(obj=event)
    if request.method == "GET":
        form.version.data = event.version
        form.group.data = event.group.value
        form.level.data = event.level.value
        by_kind = {p.kind: p for p in event.parts}
        for kind, weight_name, pass_name in EventForm.PART_FIELDS:
            part = by_kind.get(kind)
            getattr(form, weight_name).data = part.weight if part else None
            getattr(form, pass_name).data = part.pass_mark if part else Decimal(60)
    if form.validate_on_submit():
        try:
            services.save_event(
                event,
                contest=event.contest,
                values=_event_values(form),
                parts=_parts_from(form),
                actor=current_user,
                now=clock.now(),
                expected_version=int(form.version.data or 0),
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("赛项已保存。"), "success")
            return redirect(url_for("manage.contest", contest_id=event.contest_id))
    return render_template("manage/event_form.html", form=form, contest=event.contest, event=event)


@manage.route("/events/<int:event_id>/delete", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def delete_event(event_id: int):
    event = managed_event_or_404(event_id)
    contest_id = event.contest_id
    try:
        services.delete_event(event, actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("赛项已删除。"), "success")
    return redirect(url_for("manage.contest", contest_id=contest_id))


@manage.route("/events/<int:event_id>/judges", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def judges(event_id: int):
    event = managed_event_or_404(event_id)
    form = JudgeSeatForm()
    if form.validate_on_submit():
        judge = account_services.find_user(form.username.data)
        if judge is None:
            form.username.errors = [
                _("没有用户名为“%(name)s”的账号。可以先发出邀请。", name=form.username.data)
            ]
        else:
            try:
                services.assign_judge(
                    event, judge, JudgePosition(form.position.data), actor=current_user, now=clock.now()
                )
            except DomainError as error:
                db.session.rollback()
                show_domain_error(form, error)
            else:
                db.session.commit()
                flash(_("%(name)s 已加入裁判组。", name=judge.display_name), "success")
                return redirect(url_for("manage.judges", event_id=event.id))
    seats = sorted(
        event.judge_assignments,
        key=lambda s: (s.position is not JudgePosition.CHIEF_JUDGE, s.user.display_name),
    )
    return render_template("manage/judges.html", event=event, seats=seats, form=form)


@manage.route("/judge-seats/<int:seat_id>/remove", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def remove_judge(seat_id: int):
    seat = db.session.get(JudgeAssignment, seat_id)
    if seat is None:
        abort(404)
    event = managed_event_or_404(seat.event_id)
    try:
        services.remove_judge(seat, actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("已从裁判组移除。"), "success")
    return redirect(url_for("manage.judges", event_id=event.id))


@manage.route("/contests/<int:contest_id>/audit")
@require(Permission.READ_AUDIT)
def audit(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    entries = db.session.execute(
        sa.select(AuditEntry)
        .where(AuditEntry.contest_id == contest.id)
        .order_by(AuditEntry.id.desc())
        .limit(500)
    ).scalars()
    return render_template("manage/audit.html", contest=contest, entries=list(entries))


# ---- invitations ------------------------------------------------------------------------------


@manage.route("/invitations", methods=["GET", "POST"])
@require(Permission.INVITE)
def invitations():
    form = InvitationForm()
    form.unit_id.choices = unit_choices(_("（不指定）"))
    own_events = db.session.execute(
        sa.select(Event)
        .join(Contest)
        .where(
            Contest.body_id == current_user.body_id,
            Contest.status.in_(list(services.EDITABLE_STATUSES | {ContestStatus.IN_PROGRESS})),
        )
        .order_by(Contest.starts_on.desc(), Event.id)
    ).scalars()
    form.event_id.choices = [choice(0, _("（暂不加入赛项）"))] + [
        choice(e.id, fmt(N_("%(contest)s · %(event)s"), contest=e.contest.name, event=e.title))
        for e in own_events
    ]
    if form.validate_on_submit():
        event = db.session.get(Event, form.event_id.data) if form.event_id.data else None
        try:
            _invitation, token = account_services.create_invitation(
                role=Role(form.role.data),
                display_name=form.display_name.data,
                email=form.email.data,
                unit_id=form.unit_id.data or None,
                event=event,
                judge_position=JudgePosition(form.judge_position.data),
                actor=current_user,
                now=clock.now(),
                valid_days=current_app.config["INVITATION_VALID_DAYS"],
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            link = url_for("auth.accept_invitation", token=token, _external=True)
            flash(
                _("邀请已生成。请把下面的链接发给 %(name)s，链接只显示这一次。", name=form.display_name.data),
                "success",
            )
            return render_template("manage/invitation_link.html", link=link)
    sent = db.session.execute(
        sa.select(Invitation)
        .where(Invitation.body_id == current_user.body_id)
        .order_by(Invitation.id.desc())
        .limit(200)
    ).scalars()
    return render_template("manage/invitations.html", form=form, invitations=list(sent), now=clock.now())


@manage.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@require(Permission.INVITE)
def revoke_invitation(invitation_id: int):
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.body_id != current_user.body_id:
        abort(404)
    try:
        account_services.revoke_invitation(invitation, actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("邀请已撤销。"), "success")
    return redirect(url_for("manage.invitations"))


# ---- units --------------------------------------------------------------------------------------


@manage.route("/units")
@require(Permission.MANAGE_UNITS)
def units():
    q = (request.args.get("q") or "").strip()
    query = sa.select(Unit).order_by(Unit.name).limit(300)
    if q:
        query = query.where(Unit.name.contains(q))
    contacts = {}
    rows = list(db.session.execute(query).scalars())
    if rows:
        for user in db.session.execute(
            sa.select(User).where(User.role == Role.UNIT_CONTACT, User.unit_id.in_([u.id for u in rows]))
        ).scalars():
            contacts.setdefault(user.unit_id, []).append(user)
    return render_template("manage/units.html", units=rows, q=q, contacts=contacts)


@manage.route("/units/new", methods=["GET", "POST"], defaults={"unit_id": None})
@manage.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@require(Permission.MANAGE_UNITS)
def edit_unit(unit_id: int | None):
    unit = db.session.get(Unit, unit_id) if unit_id is not None else None
    if unit_id is not None and unit is None:
        abort(404)
    form = UnitForm(obj=unit)
    if request.method == "GET" and unit is not None:
        form.kind.data = unit.kind.value
    if form.validate_on_submit():
        values = {
            "name": form.name.data,
            "kind": form.kind.data,
            "credit_code": form.credit_code.data,
            "region_code": form.region_code.data,
            "region_name": form.region_name.data,
        }
        try:
            save_unit(unit, values=values, actor=current_user, now=clock.now())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("单位已保存。"), "success")
            return redirect(url_for("manage.units"))
    return render_template("manage/unit_form.html", form=form, unit=unit)
