"""Pages of promotion and honours, one blueprint per audience:

* ``promotion`` (``/manage``) — an organizer's rule sets, proposed decisions with their review, public
  notice and confirmation, and a competitor's level history;
* ``honours`` (``/manage/honours``) — honour programmes, batches, nominations, selection, notice,
  confirmation and honour-record PDFs;
* ``unit_honours`` (``/unit/honours``) — a unit contact nominates their own unit's people for open honour
  programmes with supporting material, and follows the nominations' review;
* ``my_promotion`` (``/me``) — a competitor's decisions with reasons, level history and honour records;
* ``honour_roll`` — public: honour rolls per programme and the promotion notice of a contest (names
  masked, no ID numbers).
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from competition import clock
from competition.accounts.access import (
    Permission,
    may_keep_level_history,
    may_manage_contest,
    may_manage_programme,
)
from competition.accounts.guards import managed_contest_or_404, require
from competition.accounts.models import Role
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest
from competition.domain import SkillLevel
from competition.errors import DomainError
from competition.extensions import db
from competition.forms import choice, show_domain_error
from competition.i18n import error_text
from competition.i18n import gettext as _
from competition.organizations.models import Unit
from competition.privacy import mask_id_number
from competition.promotion import forms as pforms
from competition.promotion import materials, services
from competition.promotion.models import (
    BatchState,
    HonourBatch,
    HonourNomination,
    HonourPeriod,
    HonourProgramme,
    HonourRecord,
    LevelOrigin,
    NominationState,
    PromotionDecision,
    PromotionRuleSet,
    ReviewState,
)
from competition.promotion.rules import DecisionKind, DecisionStatus
from competition.promotion.ruleset_yaml import ruleset_to_data
from competition.registration.models import Competitor
from competition.workdays import default_calendar

promotion = Blueprint("promotion", __name__, url_prefix="/manage")
honours = Blueprint("honours", __name__, url_prefix="/manage/honours")
my_promotion = Blueprint("my_promotion", __name__, url_prefix="/me")
unit_honours = Blueprint("unit_honours", __name__, url_prefix="/unit/honours")
honour_roll = Blueprint("honour_roll", __name__)

MAX_ATTACHMENT_BYTES = materials.MAX_BYTES


def _flash_error(error: DomainError) -> None:
    db.session.rollback()
    where = f"{error.field}：" if error.field and "[" in error.field else ""
    flash(where + error_text(error), "danger")


# ---- organizer: rule sets ------------------------------------------------------------------------------


def _ruleset_or_404(ruleset_id: int) -> PromotionRuleSet:
    row = db.session.get(PromotionRuleSet, ruleset_id)
    if row is None or not may_manage_contest(current_user, row.contest):
        abort(404)
    return row


def _choose_form(contest: Contest) -> pforms.ChoosePresetForm:
    form = pforms.ChoosePresetForm()
    form.preset.choices = [choice(pid, label) for pid, label in services.preset_choices()]
    form.event_id.choices = [choice("", _("整个竞赛（默认）"))] + [
        choice(str(e.id), _("仅赛项：%(t)s", t=e.title)) for e in contest.events
    ]
    return form


@promotion.route("/contests/<int:contest_id>/promotion")
@require(Permission.MANAGE_CONTESTS)
def decisions(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    rows = services.decisions_of(contest)
    shown = request.args.get("show", "review")
    if shown == "review":
        listed = [d for d in rows if d.actionable or d.state is not ReviewState.PROPOSED]
    else:
        listed = rows
    notices = services.notices_of(contest)
    today = clock.now().date()
    no_match = services.no_match_lines(contest, today=today) if contest.status in services.EVALUABLE else []
    counts = {
        "actionable": sum(1 for d in rows if d.actionable and d.state is ReviewState.PROPOSED),
        "rejected": sum(1 for d in rows if d.state is ReviewState.REJECTED),
        "confirmed": sum(1 for d in rows if d.state is ReviewState.CONFIRMED),
        "reversed": sum(1 for d in rows if d.state is ReviewState.REVERSED),
        "unnoticed": sum(
            1 for d in rows if d.actionable and d.state is ReviewState.PROPOSED and d.notice_id is None
        ),
        "all": len(rows) + len(no_match),
        "stored": len(rows),
    }
    return render_template(
        "promotion/decisions.html",
        contest=contest,
        rulesets=services.rulesets_of(contest),
        decisions=listed,
        no_match=no_match if shown != "review" else [],
        shown=shown,
        counts=counts,
        notices=notices,
        today=today,
        stale=services.stale(contest) if rows else False,
        evaluable=contest.status in services.EVALUABLE,
        choose_form=_choose_form(contest),
        reason_form=pforms.ReasonForm(),
        level_choices=[(level.value, level.certificate_label) for level in SkillLevel],
        DecisionKind=DecisionKind,
        DecisionStatus=DecisionStatus,
        ReviewState=ReviewState,
    )


@promotion.route("/contests/<int:contest_id>/promotion/ruleset", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def choose_ruleset(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    form = _choose_form(contest)
    if not form.validate_on_submit():
        flash(_("请选择预置规则。"), "danger")
        return redirect(url_for("promotion.decisions", contest_id=contest.id))
    event = None
    if form.event_id.data:
        event = next((e for e in contest.events if str(e.id) == form.event_id.data), None)
        if event is None:
            abort(404)
    try:
        row = services.choose_preset(
            contest,
            form.preset.data,
            clone=form.mode.data == "clone",
            event=event,
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        _flash_error(error)
        return redirect(url_for("promotion.decisions", contest_id=contest.id))
    db.session.commit()
    flash(_("已设置晋升规则：%(n)s。", n=row.name), "success")
    if not row.is_preset:
        return redirect(url_for("promotion.edit_ruleset", ruleset_id=row.id))
    return redirect(url_for("promotion.decisions", contest_id=contest.id))


def _editor(
    row: PromotionRuleSet, data: dict, *, error: DomainError | None = None, warnings=None, status=200
):
    rules = pforms.editor_rules(data)
    bad_rule = None
    if error is not None and error.field and error.field.startswith("rules["):
        bad_rule = int(error.field[6 : error.field.index("]")])
    return render_template(
        "promotion/ruleset_edit.html",
        row=row,
        contest=row.contest,
        data=data,
        rules=rules,
        derivations=pforms.json.dumps(data.get("derivations", []), ensure_ascii=False)
        if data.get("derivations")
        else "",
        error=error,
        bad_rule=bad_rule,
        warnings=warnings if warnings is not None else _warnings(row),
        import_form=pforms.ImportForm(),
        form=pforms.ReasonForm(),
        f=pforms,
    ), status


def _warnings(row: PromotionRuleSet) -> list[str]:
    from competition.promotion.overlaps import overlap_warnings

    return overlap_warnings(services.parsed(row))


@promotion.route("/rulesets/<int:ruleset_id>/edit", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def edit_ruleset(ruleset_id: int):
    row = _ruleset_or_404(ruleset_id)
    if request.method == "GET":
        return _editor(row, ruleset_to_data(services.parsed(row)))
    form = pforms.ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    data = pforms.data_from_editor(request.form)
    if request.form.get("action") == "add":
        rules = pforms.editor_rules(data)
        data_rules = data["rules"]
        data_rules.append(
            {
                "id": f"rule-{len(rules) + 1}",
                "name": "",
                "source": "",
                "when": {},
                "outcome": {"kind": "promote"},
            }
        )
        return _editor(row, data, warnings=[])
    try:
        saved = services.save_ruleset(row, data=data, actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        return _editor(row, data, error=error, warnings=[], status=422)
    db.session.commit()
    if saved.changed:
        flash(_("晋升规则已保存，版本 %(k)s。", k=saved.key), "success")
    else:
        flash(_("规则没有变化。"), "info")
    for warning in saved.warnings:
        flash(warning, "warning")
    return redirect(url_for("promotion.edit_ruleset", ruleset_id=row.id))


@promotion.route("/rulesets/<int:ruleset_id>/import", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def import_ruleset(ruleset_id: int):
    row = _ruleset_or_404(ruleset_id)
    form = pforms.ImportForm()
    if not form.validate_on_submit():
        abort(400)
    text = form.yaml_text.data or ""
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        raw = upload.read(256 * 1024 + 1)
        if len(raw) > 256 * 1024:
            flash(_("YAML 文件不能超过 256 KB。"), "danger")
            return redirect(url_for("promotion.edit_ruleset", ruleset_id=row.id))
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            flash(_("YAML 文件须为 UTF-8 编码。"), "danger")
            return redirect(url_for("promotion.edit_ruleset", ruleset_id=row.id))
    if not text.strip():
        flash(_("请粘贴 YAML 文本或上传文件。"), "danger")
        return redirect(url_for("promotion.edit_ruleset", ruleset_id=row.id))
    try:
        saved = services.save_ruleset(row, text=text, actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        return _editor(row, ruleset_to_data(services.parsed(row)), error=error, warnings=[], status=422)
    db.session.commit()
    flash(
        _("已导入，版本 %(k)s。", k=saved.key) if saved.changed else _("导入的规则与现有规则相同。"),
        "success",
    )
    for warning in saved.warnings:
        flash(warning, "warning")
    return redirect(url_for("promotion.edit_ruleset", ruleset_id=row.id))


@promotion.route("/rulesets/<int:ruleset_id>.yaml")
@require(Permission.MANAGE_CONTESTS)
def export_ruleset(ruleset_id: int):
    row = _ruleset_or_404(ruleset_id)
    name = f"{services.parsed(row).id}.v{services.parsed(row).version}.yaml"
    response = Response(row.yaml_text, mimetype="application/yaml; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


@promotion.route("/rulesets/<int:ruleset_id>/delete", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def delete_ruleset(ruleset_id: int):
    row = _ruleset_or_404(ruleset_id)
    contest_id = row.contest_id
    try:
        services.remove_override(row, actor=current_user, now=clock.now())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("该赛项改用竞赛默认规则。"), "success")
    return redirect(url_for("promotion.decisions", contest_id=contest_id))


# ---- organizer: decisions ----------------------------------------------------------------------------


@promotion.route("/contests/<int:contest_id>/promotion/evaluate", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def evaluate(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    try:
        report = services.evaluate_contest(contest, actor=current_user, now=clock.now())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("评估完成：%(s)s。", s=report.summary), "success")
        for line in report.changes[:20]:
            flash(line, "info")
        for line in report.skipped:
            flash(line, "warning")
    return redirect(url_for("promotion.decisions", contest_id=contest.id))


def _decision_or_404(decision_id: int) -> PromotionDecision:
    decision = db.session.get(PromotionDecision, decision_id)
    if decision is None or not may_manage_contest(current_user, decision.contest):
        abort(404)
    return decision


@promotion.route("/promotion-decisions/<int:decision_id>/review", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def review_decision(decision_id: int):
    decision = _decision_or_404(decision_id)
    action = request.form.get("action", "")
    now = clock.now()
    try:
        if action == "reject":
            form = pforms.ReasonForm()
            form.validate_on_submit()
            services.reject_decision(decision, form.reason.data, actor=current_user, now=now)
            message = _("已不予通过。")
        elif action == "restore":
            form = pforms.ReasonForm()
            form.validate_on_submit()
            services.restore_decision(decision, form.reason.data, actor=current_user, now=now)
            message = _("已恢复为待审核。")
        elif action == "adjust":
            adjust = pforms.AdjustForm()
            adjust.validate_on_submit()
            level = SkillLevel(adjust.level.data) if adjust.level.data in set(SkillLevel) else None
            if level is None:
                raise DomainError(_("请选择等级。"), field="level")
            services.adjust_decision(decision, level, adjust.reason.data, actor=current_user, now=now)
            message = _("已调整，须重新公示。")
        else:
            raise DomainError(_("请选择审核操作。"))
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("promotion.decisions", contest_id=decision.contest_id) + f"#d{decision.id}")


@promotion.route("/contests/<int:contest_id>/promotion/notice", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def publish_notice(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    try:
        notice = services.publish_notice(
            contest,
            actor=current_user,
            now=clock.now(),
            working_days=current_app.config["PUBLIC_NOTICE_WORKING_DAYS"],
            calendar=default_calendar(),
        )
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(
            _(
                "已公示 %(n)d 条决定：%(a)s 至 %(b)s。",
                n=notice.decisions_count,
                a=notice.first_day,
                b=notice.last_day,
            ),
            "success",
        )
    return redirect(url_for("promotion.decisions", contest_id=contest.id))


@promotion.route("/contests/<int:contest_id>/promotion/confirm", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def confirm(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    try:
        report = services.confirm_decisions(contest, actor=current_user, now=clock.now())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("已确认 %(n)d 条决定，等级与称号已记入选手档案。", n=report.confirmed), "success")
        if report.waiting:
            flash(_("另有 %(n)d 条尚在公示期或成绩未生效，稍后再确认。", n=report.waiting), "info")
    return redirect(url_for("promotion.decisions", contest_id=contest.id))


# ---- organizer: level history ------------------------------------------------------------------------


def _competitor_or_404(competitor_id: int) -> Competitor:
    competitor = db.session.get(Competitor, competitor_id)
    if competitor is None or not may_keep_level_history(
        current_user, services.competitor_body_ids(competitor)
    ):
        abort(404)
    return competitor


@promotion.route("/competitors/<int:competitor_id>/levels", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def levels(competitor_id: int):
    competitor = _competitor_or_404(competitor_id)
    form = pforms.LevelRecordForm()
    if form.validate_on_submit():
        try:
            services.add_level_record(
                competitor,
                SkillLevel(form.level.data),
                LevelOrigin(form.origin.data),
                form.gained_on.data,
                form.source.data,
                form.certificate_number.data,
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("已录入。"), "success")
            return redirect(url_for("promotion.levels", competitor_id=competitor.id))
    return render_template(
        "promotion/levels.html",
        competitor=competitor,
        history=services.level_history(competitor),
        decisions=services.competitor_decisions(competitor),
        no_match=services.competitor_no_match_lines(competitor, today=clock.now().date()),
        form=form,
    )


# ---- honours: organizer ------------------------------------------------------------------------------


def _programme_or_404(programme_id: int) -> HonourProgramme:
    programme = db.session.get(HonourProgramme, programme_id)
    if programme is None or not may_manage_programme(current_user, programme.body_id):
        abort(404)
    return programme


def _batch_or_404(batch_id: int) -> HonourBatch:
    batch = db.session.get(HonourBatch, batch_id)
    if batch is None or not may_manage_programme(current_user, batch.programme.body_id):
        abort(404)
    return batch


def _nomination_or_404(nomination_id: int) -> HonourNomination:
    nomination = db.session.get(HonourNomination, nomination_id)
    if nomination is None or not may_manage_programme(current_user, nomination.batch.programme.body_id):
        abort(404)
    return nomination


@honours.route("/", methods=["GET", "POST"], endpoint="index")
@require(Permission.MANAGE_CONTESTS)
def programmes():
    form = pforms.ProgrammeForm()
    query = sa.select(HonourProgramme).order_by(HonourProgramme.id)
    if current_user.role is not Role.ADMIN:
        query = query.where(HonourProgramme.body_id == current_user.body_id)
    may_create = current_user.body_id is not None
    if may_create and form.validate_on_submit():
        titles = [
            t for t in (form.required_titles.data or "").replace("，", ",").replace("、", ",").split(",")
        ]
        try:
            programme = services.create_programme(
                current_user.body_id,
                title=form.title.data,
                issuing_body=form.issuing_body.data,
                period=HonourPeriod(form.period.data),
                quota=form.quota.data,
                age_max=form.age_max.data,
                min_level=SkillLevel(form.min_level.data) if form.min_level.data else None,
                required_titles=titles,
                description=form.description.data or "",
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("已新建评选“%(t)s”。", t=programme.title), "success")
            return redirect(url_for("honours.programme", programme_id=programme.id))
    return render_template(
        "promotion/honours.html",
        programmes=list(db.session.execute(query).scalars()),
        form=form,
        may_create=may_create,
    )


@honours.route("/<int:programme_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def programme(programme_id: int):
    programme = _programme_or_404(programme_id)
    form = pforms.BatchForm()
    if form.validate_on_submit():
        try:
            batch = services.open_batch(
                programme, form.year.data, form.age_reference_date.data, actor=current_user, now=clock.now()
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("已开始 %(l)s 评选。", l=batch.label), "success")
            return redirect(url_for("honours.batch", batch_id=batch.id))
    return render_template("promotion/programme.html", programme=programme, form=form)


def _results_form(programme: HonourProgramme) -> pforms.ResultsNominationForm:
    form = pforms.ResultsNominationForm()
    contests = db.session.execute(
        sa.select(Contest)
        .where(Contest.body_id == programme.body_id, Contest.status.in_(services.EVALUABLE))
        .order_by(Contest.starts_on.desc())
    ).scalars()
    form.contest_id.choices = [choice("", _("（只推荐已确认获得本称号的人）"))] + [
        choice(str(c.id), c.name) for c in contests
    ]
    return form


def _unit_form() -> pforms.UnitNominationForm:
    form = pforms.UnitNominationForm()
    units = db.session.execute(sa.select(Unit).order_by(Unit.name)).scalars()
    form.unit_id.choices = [choice("", _("（被推荐人所在单位）"))] + [
        choice(str(u.id), u.name) for u in units
    ]
    return form


@honours.route("/batches/<int:batch_id>")
@require(Permission.MANAGE_CONTESTS)
def batch(batch_id: int):
    batch = _batch_or_404(batch_id)
    return render_template(
        "promotion/batch.html",
        batch=batch,
        programme=batch.programme,
        results_form=_results_form(batch.programme),
        unit_form=_unit_form(),
        review_form=pforms.NominationReviewForm(),
        selected=sum(1 for n in batch.nominations if n.state is NominationState.SELECTED),
        today=clock.now().date(),
        records={
            r.nomination_id: r
            for r in db.session.execute(
                sa.select(HonourRecord).where(
                    HonourRecord.nomination_id.in_([n.id for n in batch.nominations] or [0])
                )
            ).scalars()
        },
        BatchState=BatchState,
        NominationState=NominationState,
    )


@honours.route("/batches/<int:batch_id>/nominate-results", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def nominate_results(batch_id: int):
    batch = _batch_or_404(batch_id)
    form = _results_form(batch.programme)
    form.validate_on_submit()
    contest = None
    if form.contest_id.data:
        contest = (
            db.session.get(Contest, int(form.contest_id.data)) if form.contest_id.data.isdigit() else None
        )
        if contest is None or contest.body_id != batch.programme.body_id:
            abort(404)
    try:
        added = services.nominate_from_results(
            batch, contest=contest, top_n=form.top_n.data, actor=current_user, now=clock.now()
        )
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("按竞赛成绩推荐了 %(n)d 人。", n=added), "success")
    return redirect(url_for("honours.batch", batch_id=batch.id))


@honours.route("/batches/<int:batch_id>/nominate-unit", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def nominate_unit(batch_id: int):
    batch = _batch_or_404(batch_id)
    form = _unit_form()
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            flash(f"{getattr(form, name).label.text}：{'；'.join(str(e) for e in errors)}", "danger")
        return redirect(url_for("honours.batch", batch_id=batch.id))
    competitor = services.find_competitor(form.id_number.data)
    if competitor is None:
        flash(_("平台上没有这个证件号码的选手。"), "danger")
        return redirect(url_for("honours.batch", batch_id=batch.id))
    data, name = None, None
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        data = upload.read(MAX_ATTACHMENT_BYTES + 1)
        name = upload.filename
        if len(data) > MAX_ATTACHMENT_BYTES:
            flash(_("附件不能超过 5 MB。"), "danger")
            return redirect(url_for("honours.batch", batch_id=batch.id))
    unit_id = int(form.unit_id.data) if (form.unit_id.data or "").isdigit() else competitor.unit_id
    try:
        services.nominate_by_unit(
            batch,
            competitor,
            unit_id=unit_id,
            material=form.material.data,
            achievements=(form.achievements.data or "").splitlines(),
            attachment=data,
            attachment_name=name,
            actor=current_user,
            now=clock.now(),
        )
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("已登记 %(n)s 的单位推荐。", n=competitor.name), "success")
    return redirect(url_for("honours.batch", batch_id=batch.id))


@honours.route("/nominations/<int:nomination_id>/review", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def review_nomination(nomination_id: int):
    nomination = _nomination_or_404(nomination_id)
    form = pforms.NominationReviewForm()
    form.validate_on_submit()
    try:
        if form.action.data not in ("select", "leave_out"):
            raise DomainError(_("请选择评审意见。"))
        services.review_nomination(
            nomination, form.action.data == "select", form.reason.data, actor=current_user, now=clock.now()
        )
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("%(n)s：%(s)s。", n=nomination.competitor.name, s=nomination.state.label), "success")
    return redirect(url_for("honours.batch", batch_id=nomination.batch_id))


@honours.route("/nominations/<int:nomination_id>/attachment")
@require(Permission.MANAGE_CONTESTS)
def nomination_file(nomination_id: int):
    nomination = _nomination_or_404(nomination_id)
    if nomination.attachment is None:
        abort(404)
    return _attachment(nomination)


def _attachment(nomination: HonourNomination):
    """The nomination's file, always as a download, typed by its content (checked on upload)."""
    data = nomination.attachment
    response = send_file(
        io.BytesIO(data),
        mimetype=materials.material_mime(data) or "application/octet-stream",
        as_attachment=True,
        download_name=nomination.attachment_name or "材料",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@honours.route("/batches/<int:batch_id>/notice", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def batch_notice(batch_id: int):
    batch = _batch_or_404(batch_id)
    try:
        services.publish_batch_notice(
            batch,
            actor=current_user,
            now=clock.now(),
            working_days=current_app.config["PUBLIC_NOTICE_WORKING_DAYS"],
            calendar=default_calendar(),
        )
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("已公示：%(a)s 至 %(b)s。", a=batch.notice_first_day, b=batch.notice_last_day), "success")
    return redirect(url_for("honours.batch", batch_id=batch.id))


@honours.route("/batches/<int:batch_id>/confirm", methods=["POST"])
@require(Permission.MANAGE_CONTESTS)
def confirm_batch(batch_id: int):
    batch = _batch_or_404(batch_id)
    try:
        made = services.confirm_batch(batch, actor=current_user, now=clock.now())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("已确认，%(n)d 人获得称号并建立荣誉档案。", n=len(made)), "success")
    return redirect(url_for("honours.batch", batch_id=batch.id))


def _record_pdf(honour: HonourRecord):
    from competition.pdf.render import render

    document = services.honour_record_document(
        honour,
        verify_url=url_for("honour_roll.roll", programme_id=honour.programme_id, _external=True),
        issued_on=clock.now().date(),
    )
    pdf = render(document)
    response = send_file(
        io.BytesIO(pdf.data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"荣誉档案-{honour.record_number}.pdf",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@honours.route("/records/<int:record_id>.pdf", endpoint="record_pdf")
@require(Permission.MANAGE_CONTESTS)
def organizer_record_pdf(record_id: int):
    honour = db.session.get(HonourRecord, record_id)
    if honour is None or not may_manage_programme(current_user, honour.programme.body_id):
        abort(404)
    return _record_pdf(honour)


# ---- unit contact ------------------------------------------------------------------------------------


def _unit_contact_form(unit_id: int) -> pforms.UnitContactNominationForm:
    form = pforms.UnitContactNominationForm()
    form.competitor_id.choices = [choice("", _("（请选择）"))] + [
        choice(str(c.id), f"{c.name}（{mask_id_number(c.id_number)}）") for c in services.unit_people(unit_id)
    ]
    return form


def _open_batch_or_404(batch_id: int) -> HonourBatch:
    batch = db.session.get(HonourBatch, batch_id)
    if batch is None or batch.state is not BatchState.NOMINATING:
        abort(404)
    return batch


@unit_honours.route("/", endpoint="index")
@require(Permission.REPRESENT_UNIT)
def unit_index():
    unit_id = current_user.unit_id
    return render_template(
        "unit/honours.html",
        unit=current_user.unit,
        batches=services.open_batches() if unit_id else [],
        nominations=services.unit_nominations(unit_id) if unit_id else [],
        NominationState=NominationState,
    )


@unit_honours.route("/batches/<int:batch_id>/nominate", methods=["GET", "POST"], endpoint="nominate")
@require(Permission.REPRESENT_UNIT)
def unit_nominate(batch_id: int):
    batch = _open_batch_or_404(batch_id)
    unit_id = current_user.unit_id
    if unit_id is None:
        abort(404)
    form = _unit_contact_form(unit_id)
    if form.validate_on_submit():
        competitor = db.session.get(Competitor, int(form.competitor_id.data))
        if competitor is None or competitor.unit_id != unit_id:
            abort(404)  # only one's own unit's people (the list offers nobody else)
        upload = form.file.data
        data = upload.read(MAX_ATTACHMENT_BYTES + 1) if upload is not None else None
        try:
            services.nominate_by_unit(
                batch,
                competitor,
                unit_id=unit_id,
                material=form.material.data,
                achievements=(form.achievements.data or "").splitlines(),
                attachment=data,
                attachment_name=getattr(upload, "filename", None),
                actor=current_user,
                now=clock.now(),
                require_attachment=True,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                _("已推荐 %(n)s 参加“%(t)s”评选，等待评审。", n=competitor.name, t=batch.programme.title),
                "success",
            )
            return redirect(url_for("unit_honours.index"))
    status = 422 if form.errors else 200
    return (
        render_template("unit/honour_nominate.html", form=form, batch=batch, programme=batch.programme),
        status,
    )


@unit_honours.route("/nominations/<int:nomination_id>/attachment", endpoint="attachment")
@require(Permission.REPRESENT_UNIT)
def unit_attachment(nomination_id: int):
    nomination = db.session.get(HonourNomination, nomination_id)
    if (
        nomination is None
        or nomination.unit_id is None
        or nomination.unit_id != current_user.unit_id
        or nomination.attachment is None
    ):
        abort(404)
    return _attachment(nomination)


# ---- competitor --------------------------------------------------------------------------------------


@my_promotion.route("/promotion", endpoint="index")
@require(Permission.COMPETE)
def my_page():
    competitor = current_user.competitor
    return render_template(
        "promotion/me.html",
        competitor=competitor,
        decisions=services.competitor_decisions(competitor) if competitor else [],
        no_match=services.competitor_no_match_lines(competitor, today=clock.now().date())
        if competitor
        else [],
        history=services.level_history(competitor) if competitor else [],
        records=services.honour_records_of(competitor) if competitor else [],
        ReviewState=ReviewState,
        DecisionKind=DecisionKind,
    )


@my_promotion.route("/honour-records/<int:record_id>.pdf", endpoint="record_pdf")
@require(Permission.COMPETE)
def my_record_pdf(record_id: int):
    honour = db.session.get(HonourRecord, record_id)
    competitor = current_user.competitor
    if honour is None or competitor is None or honour.competitor_id != competitor.id:
        abort(404)
    return _record_pdf(honour)


# ---- public ------------------------------------------------------------------------------------------


@honour_roll.route("/honours/")
def roll_index():
    programmes = db.session.execute(
        sa.select(HonourProgramme)
        .where(
            HonourProgramme.id.in_(
                sa.select(HonourBatch.programme_id).where(HonourBatch.state != BatchState.NOMINATING)
            )
        )
        .order_by(HonourProgramme.id)
    ).scalars()
    return render_template("promotion/roll_index.html", programmes=list(programmes))


@honour_roll.route("/honours/<int:programme_id>")
def roll(programme_id: int):
    programme = db.session.get(HonourProgramme, programme_id)
    if programme is None:
        abort(404)
    batches = [b for b in programme.batches if b.state is not BatchState.NOMINATING]
    if not batches:
        abort(404)
    records = db.session.execute(
        sa.select(HonourRecord)
        .where(HonourRecord.programme_id == programme.id)
        .order_by(HonourRecord.record_number)
    ).scalars()
    by_label: dict[str, list[HonourRecord]] = {}
    for honour in records:
        by_label.setdefault(honour.batch_label, []).append(honour)
    return render_template(
        "promotion/roll.html",
        programme=programme,
        batches=batches,
        records=by_label,
        NominationState=NominationState,
    )


@honour_roll.route("/contests/<int:contest_id>/promotions")
def contest_notice(contest_id: int):
    contest = db.session.get(Contest, contest_id)
    if contest is None or contest.status is ContestStatus.DRAFT:
        abort(404)
    notices = services.notices_of(contest)
    if not notices:
        abort(404)
    return render_template(
        "promotion/public_notice.html",
        contest=contest,
        notices=notices,
        decisions=services.public_decisions(contest),
        ReviewState=ReviewState,
    )
