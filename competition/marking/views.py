"""Pages of marking and results, one blueprint per audience:

* ``marking`` (``/judge/marking``) — a judge's grid on the venue tablet, autosave endpoint, submission;
* ``chief`` (``/judge/chief``) — the chief judge's desk: completeness, divergence, bias, conflicts,
  re-scores, sign-off, unlock and decryption;
* ``results`` (``/manage``) — the organizer's scheme, panels, theory import, standings, publication,
  appeals and re-derivation files.

Judges' pages show competitor numbers and stations only; names appear on the chief judge's and the
organizer's pages after decryption (解密).
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import exc as sa_exc

from competition import clock
from competition.accounts.access import (
    Permission,
    may_chief_judge_event,
    may_judge_event,
)
from competition.accounts.guards import managed_event_or_404, require
from competition.accounts.models import User
from competition.contests.models import Event, JudgePosition
from competition.domain import PartKind
from competition.errors import N_, DomainError, fmt
from competition.extensions import db
from competition.forms import choice, show_domain_error
from competition.i18n import error_text
from competition.i18n import gettext as _
from competition.marking import imports, results, schemes, services
from competition.marking.forms import (
    AppealForm,
    OverrideForm,
    PanelForm,
    PolicyForm,
    ReasonForm,
    RelationForm,
    RescoreForm,
    RulingForm,
    UploadForm,
)
from competition.marking.models import Appeal, AwardPolicyKind, Ruling
from competition.registration.models import Registration
from competition.workdays import default_calendar, notice_period

marking = Blueprint("marking", __name__, url_prefix="/judge/marking")
chief = Blueprint("chief", __name__, url_prefix="/judge/chief")
results_pages = Blueprint("results", __name__, url_prefix="/manage")

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _part_kind(value: str) -> PartKind:
    try:
        return PartKind(value)
    except ValueError:
        abort(404)


def _judged_event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not may_judge_event(current_user, event):
        abort(404)
    return event


def _chief_event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not may_chief_judge_event(current_user, event):
        abort(404)
    return event


def _entry_or_404(event: Event, registration_id: int | str | None) -> Registration:
    try:
        registration = db.session.get(Registration, int(registration_id or 0))
    except (TypeError, ValueError):
        abort(404)
    if registration is None or registration.event_id != event.id or not registration.competitor_number:
        abort(404)
    return registration


def _upload(form: UploadForm) -> tuple[bytes, str]:
    storage = form.file.data
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = storage.read(limit + 1)
    if len(data) > limit:
        raise DomainError(_("文件超过 %(mb)d MB，已拒绝。", mb=limit // 2**20), field="file")
    return data, storage.filename or "upload"


# ---- judge ------------------------------------------------------------------------------------------


@marking.route("/events/<int:event_id>")
@require(Permission.JUDGE_EVENTS)
def event_home(event_id: int):
    event = _judged_event_or_404(event_id)
    loaded = services.loaded_scheme(event)
    parts = []
    if loaded is not None:
        table = services.MarkTable.load(event)
        for part in event.parts:
            if services.is_exam_part(loaded, part.kind):
                continue
            panel = services.panel_of(part)
            if current_user.id not in {u.id for u in panel}:
                continue
            state = services.progress(event, part.kind, table=table)
            mine = sum(1 for s in state.missing if s.judge_id in (None, current_user.id))
            parts.append(
                {
                    "part": part,
                    "missing": mine,
                    "submitted": current_user.id in state.submitted,
                    "locked": services.sign_off_of(part) is not None,
                    "criteria": services._criteria(loaded.scheme.part(part.kind)),
                }
            )
    return render_template(
        "scoring/judge_event.html",
        event=event,
        loaded=loaded,
        parts=parts,
        is_chief=may_chief_judge_event(current_user, event),
        rescores=services.open_rescores(event, judge=current_user),
    )


@marking.route("/events/<int:event_id>/scheme")
@require(Permission.JUDGE_EVENTS)
def scheme_tree(event_id: int):
    event = _judged_event_or_404(event_id)
    loaded = services.loaded_scheme(event)
    if loaded is None:
        abort(404)
    return render_template(
        "scoring/scheme_tree.html",
        event=event,
        tree=schemes.tree(loaded.scheme),
        back=url_for("marking.event_home", event_id=event.id),
    )


def _save_posted_cells(event: Event, grid: services.Grid) -> tuple[int, list[str]]:
    saved, problems = 0, []
    registrations = {r.id: r for r in grid.entries}
    for registration in grid.entries:
        for aspect in grid.aspects:
            name = f"m-{registration.id}-{aspect.code}"
            if name not in request.form:
                continue
            value = request.form.get(name, "").strip()
            original = request.form.get(f"o-{registration.id}-{aspect.code}", "")
            if value == original:
                continue
            try:
                version = int(request.form.get(f"v-{registration.id}-{aspect.code}", "0"))
                services.save_mark(
                    event,
                    registrations[registration.id],
                    aspect.code,
                    value or None,
                    judge=current_user,
                    expected_version=version,
                    now=clock.now(),
                )
            except (DomainError, ValueError) as error:
                message = error_text(error) if isinstance(error, DomainError) else str(error)
                problems.append(
                    _(
                        "%(number)s 号 %(code)s：%(message)s",
                        number=registration.competitor_number,
                        code=aspect.code,
                        message=message,
                    )
                )
            else:
                saved += 1
    return saved, problems


@marking.route("/events/<int:event_id>/<part>/grid", methods=["GET", "POST"])
@require(Permission.JUDGE_EVENTS)
def grid(event_id: int, part: str):
    event = _judged_event_or_404(event_id)
    kind = _part_kind(part)
    criterion = request.args.get("criterion") or None
    try:
        grid = services.grid(event, kind, current_user, criterion_code=criterion)
    except DomainError as error:
        flash(error_text(error), "danger")
        return redirect(url_for("marking.event_home", event_id=event.id))
    if request.method == "POST":
        services.begin_write()
        saved, problems = _save_posted_cells(event, grid)
        db.session.commit()
        if saved:
            flash(_("已保存 %(n)d 项成绩。", n=saved), "success")
        for problem in problems:
            flash(problem, "danger")
        if not saved and not problems:
            flash(_("没有修改。"), "info")
        return redirect(url_for("marking.grid", event_id=event.id, part=kind.value, criterion=criterion))
    return render_template("scoring/grid.html", event=event, grid=grid, kind=kind)


@marking.route("/events/<int:event_id>/marks", methods=["POST"])
@require(Permission.JUDGE_EVENTS)
def save_mark(event_id: int):
    """Autosave of one cell (JSON; CSRF token in the ``X-CSRFToken`` header).

    200 ``{value, version}``; 409 with ``current_value``/``current_version`` for a stale edit; 422 with
    ``error`` for a value or action the rules refuse.
    """
    payload = request.get_json(silent=True) or {}
    try:
        registration_id = int(payload.get("registration_id") or 0)
    except (TypeError, ValueError):
        abort(404)
    # the checks read only (one query), so SQLite's write lock is held for the write alone
    try:
        version = int(payload.get("version", 0))
        value = payload.get("value")
        if value is not None and not isinstance(value, str):
            value = str(value)
        prepared = services.prepare_save(
            event_id, registration_id, str(payload.get("aspect", "")), value, judge=current_user
        )
        services.begin_write()
        outcome = services.commit_save(prepared, expected_version=version, now=clock.now())
    except services.NotFound:
        abort(404)
    except services.StaleMark as stale:
        db.session.rollback()
        current = stale.current
        return jsonify(
            error=error_text(stale),
            current_value=None if current is None else current.value,
            current_version=0 if current is None else current.version,
        ), 409
    except (DomainError, ValueError) as error:
        db.session.rollback()
        return jsonify(
            error=error_text(error) if isinstance(error, DomainError) else _("数据格式错误。")
        ), 422
    db.session.commit()
    return jsonify(value=outcome.value, version=outcome.version, saved_at=clock.now().strftime("%H:%M:%S"))


@marking.route("/events/<int:event_id>/<part>/submit", methods=["POST"])
@require(Permission.JUDGE_EVENTS)
def submit(event_id: int, part: str):
    event = _judged_event_or_404(event_id)
    kind = _part_kind(part)
    try:
        services.submit_part(event, kind, current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("已提交%(part)s的评分。", part=kind.label), "success")
    return redirect(url_for("marking.event_home", event_id=event.id))


# ---- chief judge ------------------------------------------------------------------------------------


@chief.route("/events/<int:event_id>")
@require(Permission.JUDGE_EVENTS)
def desk(event_id: int):
    event = _chief_event_or_404(event_id)
    loaded = services.loaded_scheme(event)
    state = services.marking_of(event)
    db.session.commit()
    parts, divergent, biases, sheets = [], [], {}, None
    entries = services.marked_entries(event)
    numbers = {r.id: r.competitor_number for r in entries}
    if loaded is not None:
        table = services.MarkTable.load(event)
        try:
            sheets = services.event_sheets(event, loaded, table=table)
        except DomainError as error:
            flash(error_text(error), "danger")
        for part in event.parts:
            progress = services.progress(event, part.kind, table=table)
            found = services.divergences(event, loaded, sheets.sheets, part.kind) if sheets else []
            divergent.extend((part, d) for d in found)
            if sheets and not progress.exam:
                biases[part.kind] = services.bias(event, loaded, sheets.sheets, part.kind)
            parts.append(
                {
                    "part": part,
                    "progress": progress,
                    "sign_off": services.sign_off_of(part),
                    "divergent": len(found),
                }
            )
    judges = {a.user.username: a.user for a in event.judge_assignments}
    return render_template(
        "scoring/chief.html",
        event=event,
        loaded=loaded,
        state=state,
        parts=parts,
        divergent=divergent,
        biases=biases,
        entries=entries,
        numbers=numbers,
        conflicts=services.conflicts(event),
        rescores=services.open_rescores(event),
        judges=judges,
        reason_form=ReasonForm(),
        rescore_form=RescoreForm(),
        override_form=OverrideForm(),
        relation_form=_relation_form(event),
        decrypted=state.decrypted_at is not None,
    )


def _relation_form(event: Event) -> RelationForm:
    form = RelationForm()
    form.judge_id.choices = [
        (a.user_id, a.user.display_name)
        for a in sorted(event.judge_assignments, key=lambda a: a.user_id)
        if a.position is JudgePosition.JUDGE
    ]
    return form


def _back_to_desk(event: Event):
    return redirect(url_for("chief.desk", event_id=event.id))


def _chief_action(event: Event, action, success: str):
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(success, "success")
    return _back_to_desk(event)


@chief.route("/events/<int:event_id>/rescore", methods=["POST"])
@require(Permission.JUDGE_EVENTS)
def rescore(event_id: int):
    event = _chief_event_or_404(event_id)
    form = RescoreForm()
    form.judges.choices = [(a.user_id, a.user.display_name) for a in event.judge_assignments]
    registration = _entry_or_404(event, form.registration_id.data)
    judges = [db.session.get(User, j) for j in form.judges.data or []]
    return _chief_action(
        event,
        lambda: services.request_rescore(
            event,
            registration,
            form.aspect_code.data or "",
            [j for j in judges if j is not None],
            form.reason.data or "",
            actor=current_user,
            now=clock.now(),
        ),
        _("已通知裁判重新评分。"),
    )


@chief.route("/events/<int:event_id>/conflicts", methods=["POST"])
@require(Permission.JUDGE_EVENTS)
def override(event_id: int):
    event = _chief_event_or_404(event_id)
    form = OverrideForm()
    registration = _entry_or_404(event, form.registration_id.data)
    judge = db.session.get(User, int(form.judge_id.data or 0))
    if judge is None or not may_judge_event(judge, event):
        abort(404)
    return _chief_action(
        event,
        lambda: services.override_conflict(
            registration, judge, form.reason.data or "", actor=current_user, now=clock.now()
        ),
        _("已解除回避。"),
    )


@chief.route("/events/<int:event_id>/relations", methods=["POST"])
@require(Permission.JUDGE_EVENTS)
def relation(event_id: int):
    """List a relation that keeps a judge off a competitor (关系回避), by competitor number."""
    event = _chief_event_or_404(event_id)
    form = RelationForm()
    form.judge_id.choices = [(a.user_id, a.user.display_name) for a in event.judge_assignments]
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return _back_to_desk(event)
    number = (form.competitor_number.data or "").strip()
    registration = next((r for r in services.marked_entries(event) if r.competitor_number == number), None)
    if registration is None:
        flash(_("本赛项没有参赛号 %(n)s。", n=number), "danger")
        return _back_to_desk(event)
    judge = db.session.get(User, form.judge_id.data)
    return _chief_action(
        event,
        lambda: services.list_relation(
            registration, judge, form.relation.data or "", actor=current_user, now=clock.now()
        ),
        _("已登记回避关系：该裁判不再为这名选手评分。"),
    )


@chief.route("/events/<int:event_id>/<part>/sign-off", methods=["POST"])
@require(Permission.JUDGE_EVENTS)
def sign_off_part(event_id: int, part: str):
    event = _chief_event_or_404(event_id)
    kind = _part_kind(part)
    return _chief_action(
        event,
        lambda: services.sign_off_part(event, kind, actor=current_user, now=clock.now()),
        _("%(part)s的成绩已签字确认并锁定。", part=kind.label),
    )


@chief.route("/events/<int:event_id>/<part>/unlock", methods=["POST"])
@require(Permission.JUDGE_EVENTS)
def unlock_part(event_id: int, part: str):
    event = _chief_event_or_404(event_id)
    kind = _part_kind(part)
    form = ReasonForm()
    return _chief_action(
        event,
        lambda: services.unlock_part(
            event, kind, form.reason.data or "", actor=current_user, now=clock.now()
        ),
        _("%(part)s已解锁。", part=kind.label),
    )


@chief.route("/events/<int:event_id>/sign-off", methods=["POST"])
@require(Permission.JUDGE_EVENTS)
def sign_off_event(event_id: int):
    event = _chief_event_or_404(event_id)
    return _chief_action(
        event,
        lambda: services.sign_off_event(event, actor=current_user, now=clock.now()),
        _("本赛项的全部成绩已签字确认。"),
    )


@chief.route("/events/<int:event_id>/unlock", methods=["POST"])
@require(Permission.JUDGE_EVENTS)
def unlock_event(event_id: int):
    event = _chief_event_or_404(event_id)
    form = ReasonForm()
    return _chief_action(
        event,
        lambda: services.unlock_event(event, form.reason.data or "", actor=current_user, now=clock.now()),
        _("已撤销本赛项的签字确认。"),
    )


@chief.route("/events/<int:event_id>/decrypt", methods=["POST"])
@require(Permission.JUDGE_EVENTS)
def decrypt(event_id: int):
    event = _chief_event_or_404(event_id)
    return _chief_action(
        event,
        lambda: services.decrypt(event, actor=current_user, now=clock.now()),
        _("已解密：选手姓名现已显示。"),
    )


@chief.route("/events/<int:event_id>/entries/<int:registration_id>")
@require(Permission.JUDGE_EVENTS)
def entry_marks(event_id: int, registration_id: int):
    """Every mark of one entry with its history (the chief judge checks a divergence or an appeal)."""
    event = _chief_event_or_404(event_id)
    registration = _entry_or_404(event, registration_id)
    from competition.marking.models import Mark

    marks = list(
        db.session.execute(
            db.select(Mark)
            .where(Mark.registration_id == registration.id)
            .order_by(Mark.aspect_code, Mark.judge_id)
        ).scalars()
    )
    users = {a.user_id: a.user for a in event.judge_assignments}
    return render_template(
        "scoring/entry_marks.html",
        event=event,
        registration=registration,
        marks=[(m, services.history_of(m.id)) for m in marks],
        users=users,
        decrypted=services.marking_of(event).decrypted_at is not None,
    )


# ---- organizer --------------------------------------------------------------------------------------


@results_pages.route("/events/<int:event_id>/scheme", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def scheme(event_id: int):
    event = managed_event_or_404(event_id)
    form = UploadForm()
    fitted = None
    if form.validate_on_submit():
        try:
            data, filename = _upload(form)
            fitted = services.import_scheme(event, data, filename, actor=current_user, now=clock.now())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            if fitted.problems:
                db.session.rollback()
            else:
                db.session.commit()
                flash(_("评分标准已导入。"), "success")
                return redirect(url_for("results.scheme", event_id=event.id))
    row = services.stored_scheme(event)
    loaded = services.loaded_scheme(event)
    return render_template(
        "scoring/scheme.html",
        event=event,
        form=form,
        fitted=fitted,
        row=row,
        tree=schemes.tree(loaded.scheme) if loaded else None,
    )


@results_pages.route("/events/<int:event_id>/scheme.xlsx")
@require(Permission.MANAGE_CONTESTS)
def scheme_file(event_id: int):
    event = managed_event_or_404(event_id)
    row = services.stored_scheme(event)
    if row is None:
        abort(404)
    return send_file(
        io.BytesIO(row.workbook), mimetype=_XLSX, as_attachment=True, download_name="SCHEME.xlsx"
    )


@results_pages.route("/events/<int:event_id>/panels", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def panels(event_id: int):
    event = managed_event_or_404(event_id)
    judges = sorted((a for a in event.judge_assignments), key=lambda a: a.user_id)
    options = [
        (a.user_id, fmt(N_("%(name)s（%(position)s）"), name=a.user.display_name, position=a.position.label))
        for a in judges
    ]
    if request.method == "POST":
        form = PanelForm()
        form.judges.choices = options
        if form.validate_on_submit():
            try:
                part = services.event_part(event, PartKind(form.part.data))
                services.set_panel(part, form.judges.data, actor=current_user, now=clock.now())
            except (DomainError, ValueError) as error:
                db.session.rollback()
                flash(error_text(error) if isinstance(error, DomainError) else _("数据格式错误。"), "danger")
            else:
                db.session.commit()
                flash(_("评分组已保存。"), "success")
        return redirect(url_for("results.panels", event_id=event.id))
    loaded = services.loaded_scheme(event)
    rows = []
    for part in event.parts:
        form = PanelForm(formdata=None, part=part.kind.value)
        form.judges.choices = options
        form.judges.data = [u.id for u in services.panel_of(part)]
        rows.append(
            {
                "part": part,
                "form": form,
                "exam": loaded is not None and services.is_exam_part(loaded, part.kind),
            }
        )
    return render_template("scoring/panels.html", event=event, rows=rows, conflicts=services.conflicts(event))


@results_pages.route("/events/<int:event_id>/theory", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def theory(event_id: int):
    event = managed_event_or_404(event_id)
    form = UploadForm()
    report = None
    if form.validate_on_submit():
        try:
            data, filename = _upload(form)
            report = imports.import_theory(event, data, filename, actor=current_user, now=clock.now())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            if report.ok:
                db.session.commit()
                flash(
                    _("理论成绩已导入：%(w)d 人更新，%(u)d 人不变。", w=report.written, u=report.unchanged),
                    "success",
                )
            else:
                db.session.rollback()
    return render_template("scoring/theory.html", event=event, form=form, report=report)


def _policy_form(event: Event) -> PolicyForm:
    state = services.marking_of(event)
    form = PolicyForm()
    if request.method == "GET":
        form.award_policy.data = state.award_policy.value
        form.award_sizes.data = ",".join(state.award_sizes or [])
        form.appeal_window_hours.data = state.appeal_window_hours
        form.ends_at.data = state.ends_at
    return form


@results_pages.route("/events/<int:event_id>/results", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def event_results(event_id: int):
    event = managed_event_or_404(event_id)
    form = _policy_form(event)
    if form.validate_on_submit():
        sizes = [s for s in (form.award_sizes.data or "").replace("，", ",").split(",") if s.strip()]
        try:
            results.set_policy(
                event,
                AwardPolicyKind(form.award_policy.data),
                sizes,
                form.appeal_window_hours.data,
                form.ends_at.data,
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("奖项与申诉设置已保存。"), "success")
            return redirect(url_for("results.event_results", event_id=event.id))
    state = services.marking_of(event)
    db.session.commit()
    preview = results.preview(event) if services.stored_scheme(event) is not None else None
    appeal_form = AppealForm(formdata=None, lodged_at=clock.now())
    ruling_forms = {}
    for appeal in results.appeals_of(event):
        ruling_form = RulingForm(formdata=None)
        ruling_form.remark_part.choices = [choice("", _("不需要重新评分"))] + [
            choice(p.kind.value, p.kind.label) for p in event.parts
        ]
        ruling_forms[appeal.id] = ruling_form
    now = clock.now()
    return render_template(
        "scoring/results.html",
        event=event,
        state=state,
        form=form,
        preview=preview,
        publication=results.current_publication(event),
        publications=results.publications(event),
        publish_form=ReasonForm(formdata=None),
        appeals=results.appeals_of(event),
        appeal_form=appeal_form,
        ruling_forms=ruling_forms,
        deadline=results.appeal_deadline(event),
        decrypted=state.decrypted_at is not None,
        working_days=current_app.config["PUBLIC_NOTICE_WORKING_DAYS"],
        upcoming=notice_period(
            now.date(), current_app.config["PUBLIC_NOTICE_WORKING_DAYS"], default_calendar()
        ),
        command=" ".join(
            (
                "flask scoring standings --scheme SCHEME.xlsx --marks MARKS.csv",
                *preview.computed.choice.cli_options,
            )
        )
        if preview is not None and preview.computed is not None
        else None,
    )


@results_pages.route("/events/<int:event_id>/results/publish", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def publish(event_id: int):
    event = managed_event_or_404(event_id)
    form = ReasonForm()
    try:
        publication = results.publish(
            event,
            actor=current_user,
            now=clock.now(),
            working_days=current_app.config["PUBLIC_NOTICE_WORKING_DAYS"],
            calendar=default_calendar(),
            reason=form.reason.data,
        )
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(
            _(
                "成绩已发布公示：%(first)s 至 %(last)s。",
                first=publication.notice_first_day.isoformat(),
                last=publication.notice_last_day.isoformat(),
            ),
            "success",
        )
        if publication.calendar_fallback:
            flash(
                _("注意：公示期涉及尚未公布节假日安排的年份，按周一至周五计算工作日，结束日期可能需要调整。"),
                "warning",
            )
    return redirect(url_for("results.event_results", event_id=event.id))


@results_pages.route("/events/<int:event_id>/results/<any('SCHEME.xlsx', 'MARKS.csv', 'STANDINGS.csv'):name>")
@require(Permission.MANAGE_CONTESTS)
def results_file(event_id: int, name: str):
    event = managed_event_or_404(event_id)
    if name == "STANDINGS.csv":
        publication = results.current_publication(event)
        if publication is None:
            abort(404)
        data = results.standings_csv(publication).encode("utf-8")
        return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name=name)
    try:
        files = results.rederivation(event)
    except DomainError as error:
        flash(error_text(error), "danger")
        return redirect(url_for("results.event_results", event_id=event.id))
    if name == "SCHEME.xlsx":
        return send_file(io.BytesIO(files.scheme), mimetype=_XLSX, as_attachment=True, download_name=name)
    return send_file(
        io.BytesIO(files.marks.encode("utf-8")), mimetype="text/csv", as_attachment=True, download_name=name
    )


@results_pages.route("/events/<int:event_id>/appeals", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def record_appeal(event_id: int):
    event = managed_event_or_404(event_id)
    form = AppealForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
        return redirect(url_for("results.event_results", event_id=event.id))
    number = (form.competitor_number.data or "").strip()
    registration = next((r for r in services.marked_entries(event) if r.competitor_number == number), None)
    try:
        if registration is None:
            raise DomainError(_("本赛项没有参赛号 %(n)s。", n=number))
        results.record_appeal(
            event,
            registration,
            form.appellant.data,
            form.content.data,
            form.lodged_at.data,
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("申诉已登记。"), "success")
    return redirect(url_for("results.event_results", event_id=event.id))


@results_pages.route("/appeals/<int:appeal_id>/ruling", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def rule_appeal(appeal_id: int):
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        abort(404)
    event = managed_event_or_404(appeal.event_id)
    form = RulingForm()
    form.remark_part.choices = [choice("", "")] + [choice(p.kind.value, p.kind.label) for p in event.parts]
    try:
        if not form.validate_on_submit():
            raise DomainError(_("请选择裁决结果并填写裁决意见。"))
        part = PartKind(form.remark_part.data) if form.remark_part.data else None
        results.rule_appeal(
            appeal, Ruling(form.ruling.data), form.ruling_text.data, part, actor=current_user, now=clock.now()
        )
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("裁决已记录。"), "success")
    return redirect(url_for("results.event_results", event_id=event.id))


# The database unreachable (server down, network cut, pool exhausted, SQLite locked past its busy
# timeout) while a judge marks: a clear answer instead of a 500, nothing half-written (the transaction
# is rolled back), and the autosave grid keeps the value in its cell and retries.


@marking.errorhandler(sa_exc.OperationalError)
@marking.errorhandler(sa_exc.InterfaceError)
@marking.errorhandler(sa_exc.TimeoutError)
def _database_unavailable(error: Exception):
    """503 with ``{error, retry: true}`` (JSON, for the autosave) or a short page, ``Retry-After: 5``."""
    current_app.logger.warning("marking: database unavailable on %s: %s", request.path, error)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is discarded at teardown anyway
        current_app.logger.debug("rollback after a lost connection failed", exc_info=True)
    message = _("数据库暂时无法连接，这一项没有保存；您的输入仍在框中，系统会自动重试。")
    if request.endpoint == "marking.save_mark" or request.is_json:
        response = jsonify(error=message, retry=True)
    else:
        response = current_app.response_class(
            _("数据库暂时无法连接，刚才的修改没有保存。请稍后按浏览器的“后退”返回评分表重新提交。"),
            mimetype="text/plain",
        )
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response
