"""Sign-in pages (``auth``) and account administration (``admin``)."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from competition import clock, i18n
from competition.accounts import services
from competition.accounts.access import Permission, landing_endpoint
from competition.accounts.forms import AcceptInvitationForm, ChangePasswordForm, SignInForm, UserForm
from competition.accounts.guards import require
from competition.accounts.models import Role, User
from competition.errors import DomainError
from competition.extensions import db
from competition.forms import choice, show_domain_error
from competition.i18n import error_text
from competition.i18n import gettext as _
from competition.organizations.forms import BodyForm
from competition.organizations.models import OrganizingBody, Unit
from competition.organizations.services import save_body
from competition.security import sign_in_limit

auth = Blueprint("auth", __name__, url_prefix="/auth")
admin = Blueprint("admin", __name__, url_prefix="/admin")


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return None
    return target


@auth.route("/login", methods=["GET", "POST"])
@sign_in_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for(landing_endpoint(current_user)))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, now=clock.now())
        except DomainError as error:
            db.session.commit()  # keep the failed-attempt count and any lockout
            flash(error_text(error), "danger")
        else:
            db.session.commit()
            login_user(user)
            if user.must_change_password:
                flash(_("这是管理员设置的临时密码，请先修改密码。"), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")) or url_for(landing_endpoint(user)))
    demo_logins = None
    if current_app.config["SHOW_DEMO_LOGINS"]:
        from competition.demo.accounts import DEMO_LOGINS

        demo_logins = DEMO_LOGINS
    return render_template("auth/login.html", form=form, demo_logins=demo_logins)


@auth.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("public.index"))


@auth.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                current=form.current.data,
                new=form.password.data,
                now=clock.now(),
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("密码已修改。"), "success")
            return redirect(url_for(landing_endpoint(current_user)))
    return render_template("auth/change_password.html", form=form)


@auth.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language (form field ``language``: ``zh`` or ``en``), then go back.

    Kept in the session for every visitor and saved on the account of a signed-in user, so it
    follows them to other browsers. POST with the CSRF token: no other site can switch it.
    """
    chosen = i18n.language_code(request.form.get("language"))
    if chosen is None:
        abort(400)
    session[i18n.SESSION_KEY] = chosen
    if current_user.is_authenticated:
        current_user.locale = chosen
        db.session.commit()
    i18n.refresh()
    return redirect(_safe_next(request.form.get("next")) or url_for("public.index"))


@auth.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    now = clock.now()
    try:
        invitation = services.find_invitation(token, now=now)
    except DomainError as error:
        return render_template(
            "errors/error.html", code=410, title=_("邀请不可用"), message=error_text(error)
        ), 410
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                token,
                username=form.username.data,
                password=form.password.data,
                phone=form.phone.data,
                now=now,
                min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            logout_user()
            login_user(user)
            flash(_("账号已创建，欢迎使用。"), "success")
            return redirect(url_for(landing_endpoint(user)))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation)


# ---- administration -------------------------------------------------------------------------


def body_choices(blank: str | None = None, *, exclude: int | None = None) -> list:
    """Options for choosing an organizing body, by region; ``blank`` adds a first option worth 0."""
    bodies = db.session.execute(
        sa.select(OrganizingBody).order_by(OrganizingBody.region_code, OrganizingBody.name)
    )
    options = [choice(b.id, b.name) for b in bodies.scalars() if b.id != exclude]
    return ([choice(0, blank)] if blank is not None else []) + options


def unit_choices(blank: str) -> list:
    """Options for choosing a unit by name, after a first option worth 0 labelled ``blank``."""
    units = db.session.execute(sa.select(Unit).order_by(Unit.name))
    return [choice(0, blank)] + [choice(u.id, u.name) for u in units.scalars()]


@admin.route("/")
@require(Permission.ADMINISTER_ACCOUNTS)
def index():
    role = request.args.get("role") or None
    query = sa.select(User).order_by(User.role, User.username)
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    users = list(db.session.execute(query).scalars())
    return render_template(
        "admin/users.html", users=users, roles=list(Role), selected_role=role, now=clock.now()
    )


@admin.route("/users/new", methods=["GET", "POST"])
@require(Permission.ADMINISTER_ACCOUNTS)
def new_user():
    form = UserForm()
    form.body_id.choices = body_choices(_("（无）"))
    form.unit_id.choices = unit_choices(_("（无）"))
    if form.validate_on_submit():
        try:
            services.create_user(
                username=form.username.data,
                display_name=form.display_name.data,
                password=form.password.data,
                role=Role(form.role.data),
                body_id=form.body_id.data or None,
                unit_id=form.unit_id.data or None,
                email=form.email.data,
                phone=form.phone.data,
                must_change_password=True,
                now=clock.now(),
                actor=current_user,
                min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("账号 %(name)s 已创建，首次登录时须修改密码。", name=form.username.data), "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/user_form.html", form=form)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@admin.route("/users/<int:user_id>/reset-password", methods=["POST"])
@require(Permission.ADMINISTER_ACCOUNTS)
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    temporary = services.reset_password(user, actor=current_user, now=clock.now())
    db.session.commit()
    return render_template("admin/temporary_password.html", user=user, temporary=temporary)


@admin.route("/users/<int:user_id>/active", methods=["POST"])
@require(Permission.ADMINISTER_ACCOUNTS)
def set_active(user_id: int):
    user = _user_or_404(user_id)
    try:
        services.set_active(user, request.form.get("active") == "1", actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(
            _(
                "账号 %(name)s 已%(state)s。",
                name=user.username,
                state=_("启用") if user.active else _("停用"),
            ),
            "success",
        )
    return redirect(url_for("admin.index"))


@admin.route("/bodies")
@require(Permission.ADMINISTER_BODIES)
def bodies():
    roots = db.session.execute(
        sa.select(OrganizingBody)
        .where(OrganizingBody.parent_id.is_(None))
        .order_by(OrganizingBody.region_code)
    ).scalars()
    return render_template("admin/bodies.html", roots=list(roots))


@admin.route("/bodies/new", methods=["GET", "POST"], defaults={"body_id": None})
@admin.route("/bodies/<int:body_id>/edit", methods=["GET", "POST"])
@require(Permission.ADMINISTER_BODIES)
def edit_body(body_id: int | None):
    body = db.session.get(OrganizingBody, body_id) if body_id is not None else None
    if body_id is not None and body is None:
        abort(404)
    form = BodyForm(obj=body)
    form.parent_id.choices = body_choices(_("（无上级单位）"))
    if request.method == "GET" and body is not None:
        form.parent_id.data = body.parent_id or 0
    if form.validate_on_submit():
        values = {
            "name": form.name.data,
            "kind": form.kind.data,
            "region_code": form.region_code.data,
            "region_name": form.region_name.data,
            "parent_id": form.parent_id.data or None,
        }
        try:
            save_body(body, values=values, actor=current_user, now=clock.now())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("组织单位已保存。"), "success")
            return redirect(url_for("admin.bodies"))
    return render_template("admin/body_form.html", form=form, body=body)
