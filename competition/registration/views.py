"""Registration pages: self sign-up (``signup``), the competitor's entries (``my_entries``), a unit's
batch upload (``unit_entries``) and the organizer's review, eligibility rules and draw (``entries``)."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_user

from competition import clock
from competition.accounts import services as account_services
from competition.accounts.access import Permission
from competition.accounts.guards import managed_event_or_404, require
from competition.accounts.models import Role
from competition.accounts.views import unit_choices
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event
from competition.domain import Gender, SkillLevel
from competition.errors import N_, DomainError, fmt, joined
from competition.extensions import db
from competition.forms import show_domain_error
from competition.i18n import error_text
from competition.i18n import gettext as _
from competition.registration import draw as drawing
from competition.registration import services
from competition.registration.eligibility import Status, TitleHolderPolicy
from competition.registration.forms import (
    DrawForm,
    EligibilityForm,
    ImportForm,
    PhotoForm,
    ProfileForm,
    ReviewForm,
    SignUpForm,
)
from competition.registration.idnumbers import IdType
from competition.registration.models import Registration, RegistrationChannel
from competition.registration.review import MOVES, RegistrationStatus
from competition.security import public_lookup_limit

signup = Blueprint("signup", __name__)
my_entries = Blueprint("my_entries", __name__, url_prefix="/me")
unit_entries = Blueprint("unit_entries", __name__, url_prefix="/unit")
ticket_check = Blueprint("ticket_check", __name__, url_prefix="/tickets")
entries = Blueprint("entries", __name__, url_prefix="/manage")


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in re.split(r"[,，、;；\s]+", text or "") if part.strip())


def profile_values(form: ProfileForm, *, unit_id: int | None = None) -> services.ProfileValues:
    """The profile typed into ``form`` as the service's values."""
    return services.ProfileValues(
        name=form.name.data,
        gender=Gender(form.gender.data),
        id_type=IdType(form.id_type.data),
        id_number=form.id_number.data,
        birth_date=form.birth_date.data,
        phone=form.phone.data,
        email=form.email.data,
        unit_id=unit_id if unit_id is not None else (form.unit_id.data or None),
        status=Status(form.status.data),
        education=form.education.data,
        current_level=SkillLevel(form.current_level.data) if form.current_level.data else None,
        level_certificate_number=form.level_certificate_number.data,
        level_certified_on=form.level_certified_on.data,
        years_in_occupation=form.years_in_occupation.data or 0,
        household_region=form.household_region.data,
        social_insurance_region=form.social_insurance_region.data,
        titles=_split(form.titles.data),
    )


# ---- self sign-up and the competitor's own entries ---------------------------------------------------


@signup.route("/signup", methods=["GET", "POST"])
def register_account():
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = SignUpForm()
    form.unit_id.choices = unit_choices(_("（暂无单位或不在列表中）"))
    if form.validate_on_submit():
        now = clock.now()
        try:
            competitor = services.save_competitor(None, profile_values(form), actor=None, now=now)
            user = account_services.create_user(
                username=form.username.data,
                display_name=form.name.data,
                password=form.password.data,
                role=Role.COMPETITOR,
                unit_id=competitor.unit_id,
                phone=form.phone.data,
                email=form.email.data,
                now=now,
                actor=None,
                min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
            competitor.user = user
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(_("注册成功。现在可以报名正在报名的竞赛。"), "success")
            return redirect(url_for("me.index"))
    return render_template("registration/signup.html", form=form)


def _my_competitor():
    competitor = current_user.competitor
    if competitor is None:
        abort(404)
    return competitor


@my_entries.route("/profile", methods=["GET", "POST"])
@require(Permission.COMPETE)
def profile():
    competitor = _my_competitor()
    form = ProfileForm(obj=competitor if request.method == "GET" else None)
    form.unit_id.choices = unit_choices(_("（暂无单位或不在列表中）"))
    if request.method == "GET":
        form.unit_id.data = competitor.unit_id or 0
        form.gender.data = competitor.gender.value
        form.id_type.data = competitor.id_type.value
        form.status.data = competitor.status.value
        form.current_level.data = competitor.current_level.value if competitor.current_level else ""
        form.titles.data = "，".join(competitor.titles or [])
    if form.validate_on_submit():
        try:
            services.save_competitor(competitor, profile_values(form), actor=current_user, now=clock.now())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("个人信息已保存。"), "success")
            return redirect(url_for("me.index"))
    return render_template("registration/profile.html", form=form)


@my_entries.route("/photo", methods=["GET", "POST"])
@require(Permission.COMPETE)
def photo():
    from competition.registration.photos import check_photo

    competitor = _my_competitor()
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            checked = check_photo(form.photo.data.read(4 * 2**20))
        except DomainError as error:
            show_domain_error(form, error)
        else:
            services.set_photo(competitor, checked.data, checked.sha256, actor=current_user, now=clock.now())
            db.session.commit()
            flash(_("照片已更新。"), "success")
            return redirect(url_for("me.index"))
    return render_template("registration/photo.html", form=form, competitor=competitor)


@my_entries.route("/photo.jpg")
@require(Permission.COMPETE)
def photo_image():
    competitor = _my_competitor()
    if competitor.photo is None:
        abort(404)
    response = send_file(io.BytesIO(competitor.photo), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@my_entries.route("/registrations/<int:registration_id>/ticket.pdf")
@require(Permission.COMPETE)
def ticket(registration_id: int):
    from competition.pdf.render import render
    from competition.registration.tickets import admission_ticket, ticket_code, ticket_ready

    registration = _my_registration(registration_id)
    if not ticket_ready(registration):
        flash(_("报名审核通过并公布抽签结果后才能下载准考证。"), "info")
        return redirect(url_for("me.index"))
    member = next(m for m in registration.members if m.competitor_id == current_user.competitor.id)
    code = ticket_code(member, current_app.config["SECRET_KEY"])
    pdf = render(
        admission_ticket(member, verify_url=url_for("ticket_check.verify", code=code, _external=True))
    )
    name = f"准考证-{registration.event.title}-{registration.competitor_number}.pdf"
    return send_file(io.BytesIO(pdf.data), mimetype="application/pdf", as_attachment=True, download_name=name)


@ticket_check.route("/<code>")
@public_lookup_limit
def verify(code: str):
    from competition.registration.tickets import read_ticket_code

    try:
        member = read_ticket_code(code, current_app.config["SECRET_KEY"])
    except DomainError as error:
        return render_template("registration/ticket_check.html", member=None, message=error_text(error)), 404
    return render_template("registration/ticket_check.html", member=member, message=None)


@my_entries.route("/events/<int:event_id>/register", methods=["POST"])
@require(Permission.COMPETE)
def register(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None or not event.contest.status.is_public:
        abort(404)
    competitor = _my_competitor()
    try:
        registration = services.register(
            event, [competitor], channel=RegistrationChannel.SELF, actor=current_user, now=clock.now()
        )
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        if registration.eligible:
            flash(_("已报名“%(event)s”，等待组织方审核。", event=event.title), "success")
        else:
            flash(
                _(
                    "已提交报名，但有条件不符合：%(problems)s",
                    problems=joined(registration.shown_problems, "；"),
                ),
                "warning",
            )
    return redirect(url_for("me.index"))


def _my_registration(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    competitor = current_user.competitor
    if (
        registration is None
        or competitor is None
        or all(m.competitor_id != competitor.id for m in registration.members)
    ):
        abort(404)
    return registration


#: Contest stages in which entrants may still withdraw or resubmit their own entries (afterwards absence
#: is recorded in marking, and an entry with results or certificates must stay).
ENTRANT_CAN_CHANGE = frozenset({ContestStatus.REGISTRATION_OPEN, ContestStatus.REGISTRATION_CLOSED})


@my_entries.route("/registrations/<int:registration_id>/<any(withdraw, resubmit):action>", methods=["POST"])
@require(Permission.COMPETE)
def change_registration(registration_id: int, action: str):
    registration = _my_registration(registration_id)
    target = RegistrationStatus.WITHDRAWN if action == "withdraw" else RegistrationStatus.SUBMITTED
    if registration.event.contest.status not in ENTRANT_CAN_CHANGE:
        flash(_("比赛已开始，不能再撤回或重新提交报名；如有情况请联系组织方。"), "danger")
        return redirect(url_for("me.index"))
    try:
        services.review(registration, target, actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("报名已撤回。") if action == "withdraw" else _("已重新提交报名。"), "success")
    return redirect(url_for("me.index"))


# ---- organizer: entries, review, eligibility rules, draw ---------------------------------------------


@entries.route("/events/<int:event_id>/registrations")
@require(Permission.MANAGE_CONTESTS)
def registrations(event_id: int):
    event = managed_event_or_404(event_id)
    status = request.args.get("status") or None
    selected = RegistrationStatus(status) if status in {s.value for s in RegistrationStatus} else None
    rows = services.entries_of(event, status=selected)
    counts = dict(
        db.session.execute(
            sa.select(Registration.status, sa.func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    # Withdrawing and resubmitting are the entrant's moves, not the reviewer's.
    entrant_moves = {RegistrationStatus.WITHDRAWN, RegistrationStatus.SUBMITTED}
    moves = {s: [t for (f, t) in MOVES if f is s and t not in entrant_moves] for s in RegistrationStatus}
    return render_template(
        "registration/manage_list.html",
        event=event,
        rows=rows,
        counts=counts,
        statuses=list(RegistrationStatus),
        selected=selected,
        moves=moves,
        form=ReviewForm(),
    )


@entries.route("/events/<int:event_id>/registrations/approve-eligible", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def approve_eligible(event_id: int):
    event = managed_event_or_404(event_id)
    approved, waitlisted, left = services.approve_eligible(event, actor=current_user, now=clock.now())
    db.session.commit()
    flash(
        _(
            "已通过 %(a)d 个报名，%(w)d 个进入候补，%(l)d 个有条件不符合、需逐个处理。",
            a=approved,
            w=waitlisted,
            l=left,
        ),
        "success",
    )
    return redirect(url_for("entries.registrations", event_id=event.id))


@entries.route("/registrations/<int:registration_id>/review", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def review(registration_id: int):
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        abort(404)
    event = managed_event_or_404(registration.event_id)
    form = ReviewForm()
    if not form.validate_on_submit() or form.target.data not in {s.value for s in RegistrationStatus}:
        abort(400)
    try:
        services.review(
            registration,
            RegistrationStatus(form.target.data),
            reason=form.reason.data,
            actor=current_user,
            now=clock.now(),
            expected_version=int(form.version.data or 0) or None,
        )
    except DomainError as error:
        db.session.rollback()
        flash(_("%(name)s：%(message)s", name=registration.display_name, message=error_text(error)), "danger")
    else:
        db.session.commit()
        flash(
            _("%(name)s：%(status)s", name=registration.display_name, status=registration.status.label),
            "success",
        )
    return redirect(url_for("entries.registrations", event_id=event.id, status=request.args.get("status")))


@entries.route("/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def enter_by_hand(event_id: int):
    event = managed_event_or_404(event_id)
    form = ProfileForm()
    form.unit_id.choices = unit_choices(_("（无）"))
    if event.team_size > 1:
        flash(_("团体赛请由单位通过报名表成队报名。"), "info")
    if form.validate_on_submit():
        now = clock.now()
        values = profile_values(form)
        try:
            from competition.registration.idnumbers import check_id_number

            number = check_id_number(values.id_number, values.id_type, today=now.date()).number
            competitor = services.find_competitor(values.id_type, number)
            if competitor is None:
                competitor = services.save_competitor(None, values, actor=current_user, now=now)
            services.register(
                event,
                [competitor],
                channel=RegistrationChannel.ORGANIZER,
                actor=current_user,
                now=now,
                unit_id=values.unit_id or competitor.unit_id,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("已为 %(name)s 录入报名。", name=competitor.name), "success")
            return redirect(url_for("entries.registrations", event_id=event.id))
    return render_template("registration/enter_by_hand.html", form=form, event=event)


@entries.route("/events/<int:event_id>/eligibility", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def eligibility(event_id: int):
    event = managed_event_or_404(event_id)
    form = EligibilityForm(obj=event if request.method == "GET" else None)
    if request.method == "GET":
        form.allowed_statuses.data = event.allowed_statuses or []
        form.min_level.data = event.min_level.value if event.min_level else ""
        form.max_level.data = event.max_level.value if event.max_level else ""
        form.region_prefixes.data = "，".join(event.region_prefixes or [])
        form.restricted_titles.data = "，".join(event.restricted_titles or [])
        form.title_holder_policy.data = event.title_holder_policy.value
    if form.validate_on_submit():
        values = {
            "age_reference_date": form.age_reference_date.data,
            "min_age": form.min_age.data,
            "max_age": form.max_age.data,
            "allowed_statuses": list(form.allowed_statuses.data) or None,
            "min_level": SkillLevel(form.min_level.data) if form.min_level.data else None,
            "max_level": SkillLevel(form.max_level.data) if form.max_level.data else None,
            "min_years_in_occupation": form.min_years_in_occupation.data,
            "region_prefixes": list(_split(form.region_prefixes.data)),
            "max_entries_per_unit": form.max_entries_per_unit.data,
            "capacity": form.capacity.data,
            "restricted_titles": list(_split(form.restricted_titles.data)),
            "title_holder_policy": TitleHolderPolicy(form.title_holder_policy.data),
        }
        try:
            services.update_eligibility_rules(event, values, actor=current_user, now=clock.now())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("报名条件已保存。已有报名将在审核时按新条件检查。"), "success")
            return redirect(url_for("entries.registrations", event_id=event.id))
    return render_template("registration/eligibility.html", form=form, event=event)


@entries.route("/events/<int:event_id>/draw", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def draw(event_id: int):
    event = managed_event_or_404(event_id)
    form = DrawForm()
    latest = services.latest_draw(event)
    if form.validate_on_submit():
        try:
            options = drawing.DrawOptions(
                number_prefix=(form.number_prefix.data or "").strip(),
                number_width=form.number_width.data,
                first_number=form.first_number.data if form.first_number.data is not None else 1,
                stations=form.stations.data,
                separate_units=form.separate_units.data,
            )
            services.commit_draw(event, options, actor=current_user, now=clock.now(), reason=form.reason.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("种子已生成，其 SHA-256 已公布。确认后点击“开始抽签”。"), "success")
            return redirect(url_for("entries.draw", event_id=event.id))
    rows = (
        services.entries_of(event, status=RegistrationStatus.APPROVED)
        if latest and latest.performed_at
        else []
    )
    return render_template(
        "registration/draw.html",
        event=event,
        form=form,
        draw=latest,
        rows=rows,
        approved=len(services.entries_of(event, status=RegistrationStatus.APPROVED)),
    )


@entries.route("/events/<int:event_id>/draw/<any(perform, publish):action>", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def draw_step(event_id: int, action: str):
    event = managed_event_or_404(event_id)
    latest = services.latest_draw(event)
    if latest is None:
        abort(404)
    try:
        if action == "perform":
            services.perform_draw(latest, actor=current_user, now=clock.now())
        else:
            services.publish_draw(latest, actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("抽签完成，种子已公开。") if action == "perform" else _("抽签结果已公布。"), "success")
    return redirect(url_for("entries.draw", event_id=event.id))


@entries.route("/events/<int:event_id>/tickets", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def event_tickets(event_id: int):
    from competition.jobs import queue

    event = managed_event_or_404(event_id)
    state = queue.enqueue(
        current_app,
        "admission_tickets",
        owner=f"user:{current_user.id}",
        event_id=event.id,
        base_url=request.url_root,
    )
    return redirect(url_for("jobs.show", job_id=state.id))


@entries.route("/events/<int:event_id>/registrations.xlsx")
@require(Permission.MANAGE_CONTESTS)
def export_list(event_id: int):
    from competition.registration.exports import registration_list_xlsx

    event = managed_event_or_404(event_id)
    judges_copy = request.args.get("copy") == "judges"
    data = registration_list_xlsx(event, services.entries_of(event), judges_copy=judges_copy)
    if not judges_copy:
        from competition.audit.services import record

        record(
            "registration.export",
            actor=current_user,
            now=clock.now(),
            object_type="event",
            object_id=event.id,
            contest_id=event.contest_id,
            summary=fmt(N_("导出 %(title)s 报名名单（含完整证件号码）"), title=event.title),
        )
        db.session.commit()
    name = f"{event.contest.name}-{event.title}-{'裁判用名单' if judges_copy else '报名名单'}.xlsx"
    return send_file(
        io.BytesIO(data),
        as_attachment=True,
        download_name=name,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def open_events() -> list[Event]:
    """Events of contests currently open for registration, for the entry pages."""
    return list(
        db.session.execute(
            sa.select(Event)
            .join(Contest)
            .where(Contest.status == ContestStatus.REGISTRATION_OPEN)
            .order_by(Contest.registration_closes_at, Event.id)
        ).scalars()
    )


# ---- unit contact: batch registration from a workbook ------------------------------------------------


def _public_contest_or_404(contest_id: int) -> Contest:
    contest = db.session.get(Contest, contest_id)
    if contest is None or not contest.status.is_public:
        abort(404)
    return contest


@unit_entries.route("/contests/<int:contest_id>/template.xlsx")
@require(Permission.REPRESENT_UNIT)
def template(contest_id: int):
    from competition.registration.workbook import build_template

    contest = _public_contest_or_404(contest_id)
    try:
        data = build_template(
            event_titles=[e.title for e in contest.events], unit_name=current_user.unit.name
        )
    except DomainError as error:
        flash(error_text(error), "danger")
        return redirect(url_for("unit.index"))
    return send_file(
        io.BytesIO(data),
        as_attachment=True,
        download_name=f"{contest.name}-报名表.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@unit_entries.route("/contests/<int:contest_id>/import", methods=["GET", "POST"])
@require(Permission.REPRESENT_UNIT)
def batch_import(contest_id: int):
    from competition.registration.imports import import_workbook

    contest = _public_contest_or_404(contest_id)
    form = ImportForm()
    outcome = None
    if form.validate_on_submit():
        data = form.workbook.data.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
        if len(data) > current_app.config["MAX_UPLOAD_BYTES"]:
            form.workbook.errors = [
                _("文件超过 %(mb)d MB，请分批上传。", mb=current_app.config["MAX_UPLOAD_BYTES"] // 2**20)
            ]
        else:
            outcome = import_workbook(
                data,
                contest=contest,
                unit=current_user.unit,
                actor=current_user,
                now=clock.now(),
                valid_only=form.valid_only.data,
            )
            if outcome.written:
                db.session.commit()
            else:
                db.session.rollback()
    entries = list(
        db.session.execute(
            sa.select(Registration)
            .join(Event)
            .where(Event.contest_id == contest.id, Registration.unit_id == current_user.unit_id)
            .order_by(Registration.event_id, Registration.id)
        ).scalars()
    )
    return render_template(
        "registration/unit_import.html", contest=contest, form=form, outcome=outcome, entries=entries
    )
