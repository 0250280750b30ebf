"""Certificate pages, in three blueprints so who may see what is visible from the URL map:

* ``verify`` (public): the verification page a certificate's QR code opens (``/verify/<code>``) and
  the look-up by number and name (``/verify``); rate-limited, every look-up logged.
* ``my_certificates`` (competitors): download one's own certificates (listed on ``/me``).
* ``certificates`` (organizers): a contest's certificates (one-click award requests, batch issuing and
  printing, download, revoke, reissue) and the body's settings (number prefix, emblem, seal,
  signature, 套打 offsets with calibration and sample pages).
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user

from competition import clock, pagecache
from competition.accounts.access import Permission, may_download_certificate, may_manage_certificate
from competition.accounts.guards import managed_contest_or_404, require
from competition.certificates import lookups, services
from competition.certificates.forms import (
    MarkForm,
    OverprintForm,
    PrefixForm,
    PrintForm,
    ReasonForm,
    VerifyForm,
)
from competition.certificates.models import Certificate, CertificateLookup, CertificateStatus
from competition.certificates.requests import FINAL_STAGES, request_award_certificates
from competition.errors import DomainError
from competition.extensions import db
from competition.forms import choice, show_domain_error
from competition.i18n import error_text, translate
from competition.i18n import gettext as _
from competition.organizations.models import OrganizingBody
from competition.security import page_for_visitor, public_lookup_limit, shareable_page

verify = Blueprint("verify", __name__, url_prefix="/verify")
my_certificates = Blueprint("my_certificates", __name__, url_prefix="/me/certificates")
certificates = Blueprint("certificates", __name__, url_prefix="/manage")


def _pdf_response(data: bytes, name: str, *, attachment: bool = True):
    response = send_file(
        io.BytesIO(data), mimetype="application/pdf", as_attachment=attachment, download_name=name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------------------
# Public verification


def _client() -> str:
    return services.client_hash(request.remote_addr, current_app.config["SECRET_KEY"])


def _verification_page(
    certificate: Certificate | None, *, form: VerifyForm | None = None, message: str | None = None
):
    # only a replaced certificate has a successor: a valid one needs no second query
    replaced_by = (
        services.reissue_of(certificate)
        if certificate is not None and certificate.status is CertificateStatus.SUPERSEDED
        else None
    )
    return render_template(
        "certificates_pages/verify.html",
        certificate=certificate,
        replaced_by=replaced_by,
        form=form,
        message=message,
    )


def _commit_lookup() -> None:
    """Commit the look-up log row without waiting for the disk on PostgreSQL: a crash may lose the
    last fraction of a second of look-up statistics, never a certificate (measured in
    benchmarks/public_pages.py: the flush wait was most of the page's time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
    db.session.commit()


def _log(via: str, query: str, certificate_id: int | None) -> None:
    """Log a look-up: pushed to Redis for the batch writer when there is one (see
    :mod:`competition.certificates.lookups`), else a row committed now."""
    fast = lookups.for_app(current_app)
    now = clock.now()
    if fast is not None:
        logged = lookups.row(via, query, certificate_id, client=_client(), now=now)
        if fast.listening:  # the process's threads run: the writer pushes it without making us wait
            fast.log_later(logged)
            return
        if fast.push(logged):
            return
    db.session.add(
        CertificateLookup(
            at=now,
            via=via,
            query=(query or "")[:64],
            found=certificate_id is not None,
            certificate_id=certificate_id,
            client_hash=_client(),
        )
    )
    _commit_lookup()


@verify.route("/<code>")
@public_lookup_limit
def show(code: str):
    fast = lookups.for_app(current_app)
    if fast is None:
        return _show_from_database(code)
    # With Redis: this process's page for the code, served while the status token is unchanged; a hit
    # costs no Redis round trip while the process's listener holds the token (else one: token read and
    # log row pushed together) and no database connection.
    key = (code, str(get_locale()))
    plain = pagecache.plain_visit()  # before rendering, which takes any waiting message
    kept = fast.cache.get(key) if plain else None
    heard = fast.heard_token()  # this process's listener holds the token: no round trip at all
    if heard is not None:
        if kept is not None and kept[0] == heard:
            fast.log_later(lookups.row("code", code, kept[1], client=_client(), now=clock.now()))
            return page_for_visitor(kept[2])
        token, logged = heard, False
    elif kept is not None:
        token = fast.begin(lookups.row("code", code, kept[1], client=_client(), now=clock.now()))
        if token is not None and token == kept[0]:
            return page_for_visitor(kept[2])
        logged = token is not None
    else:
        token = fast.begin(None)
        logged = False
    if token is None:  # Redis did not answer
        return _show_from_database(code)
    # the token was read before the certificate: a page kept under it can never be staler than it
    certificate = services.find_by_code(code)
    if certificate is None:
        page, status = (
            _verification_page(
                None, message=_("未找到这张证书：查验码无效。请核对二维码或改用证书编号查询。")
            ),
            404,
        )
    else:
        page, status = _verification_page(certificate), 200
        if plain:
            fast.cache.keep(key, token, certificate.id, shareable_page(page))
    if not logged:
        _log("code", code, certificate.id if certificate is not None else None)
    db.session.rollback()  # read only: end the transaction, return the connection to the pool
    return page, status


def _show_from_database(code: str):
    """The verification page without Redis: the status read and the log row written in the request."""
    certificate = services.find_by_code(code)
    services.log_lookup("code", code, certificate, client=_client(), now=clock.now())
    # rendered before the commit, which would expire the certificate and cost a second SELECT
    if certificate is None:
        page = _verification_page(
            None, message=_("未找到这张证书：查验码无效。请核对二维码或改用证书编号查询。")
        )
        _commit_lookup()
        return page, 404
    page = _verification_page(certificate)
    _commit_lookup()
    return page


@verify.route("", methods=["GET", "POST"])
@public_lookup_limit
def lookup():
    form = VerifyForm()
    if form.validate_on_submit():
        number = services.normalise_number(form.number.data)
        certificate = services.find_by_number(number, form.name.data)
        _log("number", number, certificate.id if certificate is not None else None)
        if certificate is None:
            return render_template(
                "certificates_pages/lookup.html",
                form=form,
                message=_("没有找到编号与姓名都相符的证书，请核对后再试。"),
            ), 404
        return _verification_page(certificate)
    if request.method == "POST":  # refused by the form's checks: shown with its messages
        return render_template("certificates_pages/lookup.html", form=form, message=None)
    # the empty form is the same for every visitor not signed in: kept per process, own CSRF token put in
    plain, key = pagecache.plain_visit(), ("verify-form", str(get_locale()))
    if plain and (html := pagecache.get(key)) is not None:
        return html
    since = pagecache.generation()
    html = render_template("certificates_pages/lookup.html", form=form, message=None)
    if plain:
        pagecache.keep(key, html, seconds=3600.0, since=since)
    return html


# ---------------------------------------------------------------------------------------------------------
# Competitors


def my_certificate_list() -> list[Certificate]:
    """The signed-in competitor's certificates (for the ``/me`` page), newest first."""
    competitor = getattr(current_user, "competitor", None)
    if competitor is None:
        return []
    return list(reversed(services.certificates_of(competitor_id=competitor.id)))


@my_certificates.app_template_global("my_certificates")
def _my_certificates_global() -> list[Certificate]:
    return my_certificate_list()


@my_certificates.route("/<int:certificate_id>.pdf")
@require(Permission.COMPETE)
def download_own(certificate_id: int):
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not may_download_certificate(current_user, certificate):
        abort(404)
    storage = services.issue_context(current_app).storage
    return _pdf_response(services.stored_pdf(certificate, storage), services.download_name(certificate))


# ---------------------------------------------------------------------------------------------------------
# Organizers: a contest's certificates


def _managed_certificate_or_404(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not may_manage_certificate(current_user, certificate):
        abort(404)
    return certificate


def _print_form(contest) -> PrintForm:
    form = PrintForm()
    form.event_id.choices = [choice(0, _("全部赛项"))] + [
        choice(e.id, e.title) for e in sorted(contest.events, key=lambda e: e.id)
    ]
    return form


@certificates.route("/contests/<int:contest_id>/certificates")
@require(Permission.MANAGE_CONTESTS)
def contest_certificates(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    issued = services.certificates_of(contest_id=contest.id)
    return render_template(
        "certificates_pages/contest.html",
        contest=contest,
        certificates=issued,
        replaced={c.replaces_id: c for c in issued if c.replaces_id is not None},
        pending=services.pending_count(contest_id=contest.id),
        final=contest.status in FINAL_STAGES,
        print_form=_print_form(contest),
        reason_form=ReasonForm(),
        valid=sum(1 for c in issued if c.status is CertificateStatus.VALID),
    )


@certificates.route("/contests/<int:contest_id>/certificates/request-awards", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def request_awards(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    try:
        queued = request_award_certificates(contest, actor=current_user, now=clock.now())
    except DomainError as error:
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        if queued.created:
            flash(_("已申请获奖证书 %(n)d 张，生成打印文件时签发。", n=queued.created), "success")
        else:
            flash(_("获奖证书都已申请过（共 %(n)d 张）。", n=queued.total), "info")
    return redirect(url_for("certificates.contest_certificates", contest_id=contest.id))


@certificates.route("/contests/<int:contest_id>/certificates/print", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def print_batch(contest_id: int):
    from competition.jobs import queue

    contest = managed_contest_or_404(contest_id)
    form = _print_form(contest)
    if not form.validate_on_submit():
        flash(_("请选择打印范围和格式。"), "danger")
        return redirect(url_for("certificates.contest_certificates", contest_id=contest.id))
    state = queue.enqueue(
        current_app,
        "certificates",
        owner=f"user:{current_user.id}",
        contest_id=contest.id,
        event_id=form.event_id.data or None,
        fmt=form.fmt.data,
        overprint=bool(form.overprint.data) and form.fmt.data == "pdf",
        base_url=request.url_root,
        actor_id=current_user.id,
    )
    return redirect(url_for("jobs.show", job_id=state.id))


@certificates.route("/certificates/<int:certificate_id>.pdf")
@require(Permission.MANAGE_CONTESTS)
def download(certificate_id: int):
    certificate = _managed_certificate_or_404(certificate_id)
    storage = services.issue_context(current_app).storage
    return _pdf_response(services.stored_pdf(certificate, storage), services.download_name(certificate))


def _back(certificate: Certificate):
    if certificate.contest_id is not None:
        return redirect(url_for("certificates.contest_certificates", contest_id=certificate.contest_id))
    return redirect(url_for("certificates.settings"))


@certificates.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def revoke(certificate_id: int):
    certificate = _managed_certificate_or_404(certificate_id)
    form = ReasonForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("注销证书须填写原因（2–300 字）。"))
        services.revoke(certificate, form.reason.data, actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("证书 %(n)s 已注销。", n=certificate.number), "success")
    return _back(certificate)


@certificates.route("/certificates/<int:certificate_id>/reissue", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def reissue(certificate_id: int):
    certificate = _managed_certificate_or_404(certificate_id)
    form = ReasonForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("更正或补发证书须填写原因（2–300 字）。"))
        new = services.reissue(
            certificate,
            form.reason.data,
            services.issue_context(current_app, request.url_root),
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("已签发新证书 %(new)s，取代 %(old)s。", new=new.number, old=certificate.number), "success")
    return _back(certificate)


# ---------------------------------------------------------------------------------------------------------
# Organizers: the body's certificate settings


def _my_body_or_404() -> OrganizingBody:
    body = current_user.body if current_user.body_id is not None else None
    if body is None:
        abort(404)
    return body


def _overprint_forms(body: OrganizingBody) -> dict[str, OverprintForm]:
    forms = {}
    for layout in services.LAYOUTS:
        current = services.overprint_of(body.id, layout)
        forms[layout] = OverprintForm(
            prefix=f"{layout}-",
            formdata=None,
            x_mm=current.x_mm,
            y_mm=current.y_mm,
            fields_only=current.fields_only,
        )
    return forms


def _settings_page(body: OrganizingBody, prefix_form: PrefixForm | None = None, **extra):
    issuer = services.issuer_settings(body)
    return render_template(
        "certificates_pages/settings.html",
        body=body,
        issuer=issuer,
        prefix=services.number_prefix(body.id),
        prefix_form=prefix_form or PrefixForm(formdata=None, number_prefix=services.number_prefix(body.id)),
        mark_forms={which: MarkForm(prefix=f"{which}-", formdata=None) for which in services.MARKS},
        overprint_forms=_overprint_forms(body),
        marks=services.MARKS,
        layouts=services.LAYOUTS,
        **extra,
    )


@certificates.route("/certificate-settings", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def settings():
    body = _my_body_or_404()
    form = PrefixForm()
    if form.validate_on_submit():
        try:
            services.set_number_prefix(body, form.number_prefix.data, actor=current_user, now=clock.now())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("证书编号前缀已保存。"), "success")
            return redirect(url_for("certificates.settings"))
        return _settings_page(body, form)
    return _settings_page(body)


@certificates.route("/certificate-settings/marks/<which>", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def upload_mark(which: str):
    body = _my_body_or_404()
    if which not in services.MARKS:
        abort(404)
    if request.form.get("remove"):
        services.set_mark(body, which, None, actor=current_user, now=clock.now())
        db.session.commit()
        flash(_("已删除%(what)s。", what=translate(services.MARKS[which])), "success")
        return redirect(url_for("certificates.settings"))
    form = MarkForm(prefix=f"{which}-")
    if not form.validate_on_submit():
        flash(_("请选择图片文件。"), "danger")
        return redirect(url_for("certificates.settings"))
    try:
        services.set_mark(
            body,
            which,
            form.image.data.read(services.MAX_MARK_BYTES + 1),
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(
            _("%(what)s：%(message)s", what=translate(services.MARKS[which]), message=error_text(error)),
            "danger",
        )
    else:
        db.session.commit()
        flash(_("%(what)s已上传。", what=translate(services.MARKS[which])), "success")
    return redirect(url_for("certificates.settings"))


@certificates.route("/certificate-settings/marks/<which>.img")
@require(Permission.MANAGE_CONTESTS)
def mark_image(which: str):
    body = _my_body_or_404()
    issuer = services.issuer_settings(body)
    data = getattr(issuer, which, None) if issuer is not None and which in services.MARKS else None
    if not data:
        abort(404)
    from competition.certificates.documents import image_mime

    response = send_file(io.BytesIO(data), mimetype=image_mime(data) or "application/octet-stream")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@certificates.route("/certificate-settings/layouts/<layout>", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def save_overprint(layout: str):
    body = _my_body_or_404()
    if layout not in services.LAYOUTS:
        abort(404)
    form = OverprintForm(prefix=f"{layout}-")
    if not form.validate_on_submit():
        errors = [e for field in (form.x_mm, form.y_mm) for e in field.errors]
        flash(str(errors[0]) if errors else _("请填写偏移。"), "danger")
        return redirect(url_for("certificates.settings"))
    try:
        services.set_overprint(
            body,
            layout,
            form.x_mm.data,
            form.y_mm.data,
            form.fields_only.data,
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("%(title)s的套打设置已保存。", title=services.LAYOUTS[layout][0]), "success")
    return redirect(url_for("certificates.settings"))


@certificates.route("/certificate-settings/layouts/<layout>/calibration.pdf")
@require(Permission.MANAGE_CONTESTS)
def calibration(layout: str):
    from competition.pdf.render import render

    body = _my_body_or_404()
    if layout not in services.LAYOUTS:
        abort(404)
    pdf = render(services.calibration_page(body.id, layout))
    return _pdf_response(pdf.data, f"套打校准页-{services.LAYOUTS[layout][0]}.pdf", attachment=False)


@certificates.route("/certificate-settings/layouts/<layout>/sample.pdf")
@require(Permission.MANAGE_CONTESTS)
def sample(layout: str):
    from competition.pdf.render import render

    body = _my_body_or_404()
    if layout not in services.LAYOUTS:
        abort(404)
    context = services.issue_context(current_app)
    document = services.sample_document(
        body.id,
        layout,
        services.overprint_of(body.id, layout),
        today=clock.now().date(),
        evaluator=context.evaluator,
    )
    return _pdf_response(
        render(document).data, f"套打样张-{services.LAYOUTS[layout][0]}.pdf", attachment=False
    )
