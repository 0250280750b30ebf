"""Organizer dashboards (``/manage/dashboard``): the contests overview, a body's year against its targets
with charts, the targets form, and a contest's filing exports (人社 xlsx, public notice PDF)."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from competition import clock
from competition.accounts.access import Permission
from competition.accounts.guards import managed_contest_or_404, require
from competition.accounts.models import Role
from competition.audit.services import record
from competition.contests.lifecycle import ContestStatus
from competition.contests.services import contests_for
from competition.dashboards import charts, filing, services
from competition.dashboards.forms import NoticeForm, TargetForm
from competition.dashboards.targets import SEED_EXAMPLES, Measure, compare, year_elapsed
from competition.domain import SkillLevel
from competition.errors import N_, DomainError, fmt
from competition.extensions import db
from competition.forms import show_domain_error
from competition.i18n import translate
from competition.organizations.models import OrganizingBody

dashboards = Blueprint("dashboards", __name__, url_prefix="/manage/dashboard")

#: The SVG charts load as images: they may use their own inline styles, and nothing else.
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CHARTS = ("progress", "levels", "bodies")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _body_or_404(body_id: int) -> OrganizingBody:
    body = services.viewable_body_or_none(current_user, body_id)
    if body is None:
        abort(404)
    return body


def _year_or_404(year: int) -> int:
    if not 2000 <= year <= 2100:
        abort(404)
    return year


@dashboards.route("/")
@require(Permission.MANAGE_CONTESTS)
def index():
    year = clock.now().year
    roots = services.viewable_roots(current_user)
    if current_user.role is Role.ORGANIZER and roots:
        return redirect(url_for("dashboards.body_year", body_id=roots[0].id, year=year))
    trees = [services.subtree(root) for root in roots]
    return render_template("dashboards/index.html", trees=trees, year=year)


@dashboards.route("/contests")
@require(Permission.MANAGE_CONTESTS)
def contests():
    now = clock.now()
    year = request.args.get("year", type=int)
    everything = contests_for(current_user)
    years = sorted({c.year for c in everything} | {now.year}, reverse=True)
    shown = [c for c in everything if year is None or c.year == year]
    rows = services.contest_rows(shown, now)
    return render_template(
        "dashboards/contests.html",
        rows=rows,
        years=years,
        year=year,
        lifecycle=list(ContestStatus),
    )


def _figures(body: OrganizingBody, year: int):
    nodes = services.subtree(body)
    figures = services.year_figures([n.body.id for n in nodes], year)
    targets = services.targets_of(body, year)
    return nodes, figures, targets


@dashboards.route("/bodies/<int:body_id>/<int:year>")
@require(Permission.MANAGE_CONTESTS)
def body_year(body_id: int, year: int):
    body = _body_or_404(body_id)
    year = _year_or_404(year)
    today = clock.now().date()
    nodes, figures, targets = _figures(body, year)
    progress = compare(figures, targets, year=year, today=today)
    children = []
    for child in (n.body for n in nodes if n.depth == 1):
        ids = [n.body.id for n in services.subtree(child)]
        child_figures = services.year_figures(ids, year)
        child_targets = services.targets_of(child, year)
        children.append(
            {
                "body": child,
                "progress": {
                    p.measure: p for p in compare(child_figures, child_targets, year=year, today=today)
                },
            }
        )
    years = sorted(
        set(services.years_with_data([n.body.id for n in nodes])) | {today.year, year}, reverse=True
    )
    stored = services.target_of(body, year)
    return render_template(
        "dashboards/body_year.html",
        body=body,
        year=year,
        years=years,
        figures=figures,
        targets=targets,
        stored=stored,
        progress=progress,
        elapsed=(year_elapsed(year, today) * 100).quantize(1),
        levels=_level_rows(figures),
        certificate_kinds=_certificate_rows(figures),
        children=children,
        Measure=Measure,
    )


def _level_rows(figures) -> list[tuple[SkillLevel, int]]:
    return [(level, figures.promotions_by_level.get(level, 0)) for level in SkillLevel if level.grade]


def _certificate_rows(figures) -> list[tuple[str, int]]:
    from competition.certificates.models import CertificateKind

    return [
        (translate(kind.label), figures.certificates_by_kind.get(kind.value, 0)) for kind in CertificateKind
    ]


@dashboards.route("/bodies/<int:body_id>/<int:year>/<chart>.svg")
@require(Permission.MANAGE_CONTESTS)
def chart(body_id: int, year: int, chart: str):
    if chart not in CHARTS:
        abort(404)
    body = _body_or_404(body_id)
    year = _year_or_404(year)
    today = clock.now().date()
    nodes, figures, targets = _figures(body, year)
    if chart == "progress":
        data = charts.progress_chart(
            compare(figures, targets, year=year, today=today),
            title=_("%(year)d 年目标完成率", year=year),
            elapsed_percent=(year_elapsed(year, today) * 100).quantize(1),
        )
    elif chart == "levels":
        rows = _level_rows(figures)
        data = charts.count_chart(
            [translate(level.label) for level, _n in rows],
            [n for _level, n in rows],
            title=_("%(year)d 年竞赛晋升（按等级）", year=year),
            series=_("晋升人次"),
        )
    else:
        children = [n.body for n in nodes if n.depth == 1] or [body]
        actual, wanted = [], []
        for child in children:
            ids = [n.body.id for n in services.subtree(child)]
            actual.append(services.year_figures(ids, year).contests_held)
            wanted.append(services.targets_of(child, year).target(Measure.CONTESTS))
        data = charts.bodies_chart(
            [c.name for c in children], actual, wanted, title=_("%(year)d 年各单位举办竞赛", year=year)
        )
    response = Response(data, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@dashboards.route("/bodies/<int:body_id>/<int:year>/targets", methods=["GET", "POST"])
@require(Permission.MANAGE_CONTESTS)
def targets(body_id: int, year: int):
    body = _body_or_404(body_id)
    year = _year_or_404(year)
    stored = services.target_of(body, year)
    form = TargetForm(obj=stored)
    if request.method == "GET":
        form.high_level.data = (stored.high_level if stored else SkillLevel.SENIOR_WORKER).value
        form.version.data = stored.version if stored else ""
    if form.validate_on_submit():
        values = {m: getattr(form, m.value).data for m in Measure}
        try:
            services.save_targets(
                body,
                year,
                values=values,
                high_level=SkillLevel(form.high_level.data),
                note=form.note.data or "",
                actor=current_user,
                now=clock.now(),
                expected_version=int(form.version.data) if form.version.data else None,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("%(year)d 年度目标已保存。", year=year), "success")
            return redirect(url_for("dashboards.body_year", body_id=body.id, year=year))
    return render_template(
        "dashboards/targets.html", body=body, year=year, form=form, stored=stored, examples=SEED_EXAMPLES
    )


# ---- a contest's filing exports ---------------------------------------------------------------------


def _notice_form(contest) -> NoticeForm:
    form = NoticeForm(request.args)
    if not request.args:
        form.department.data = contest.body.name
        form.signed_on.data = clock.now().date()
    return form


@dashboards.route("/contests/<int:contest_id>/filing")
@require(Permission.MANAGE_CONTESTS)
def contest_filing(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    notice = filing.notice_of(contest)
    return render_template(
        "dashboards/filing.html",
        contest=contest,
        notice=notice,
        form=_notice_form(contest),
        full_ids_allowed=current_user.role is Role.ORGANIZER,
    )


@dashboards.route("/contests/<int:contest_id>/<kind>.xlsx")
@require(Permission.MANAGE_CONTESTS)
def filing_xlsx(contest_id: int, kind: str):
    contest = managed_contest_or_404(contest_id)
    if kind not in (filing.FilingKind.STANDINGS, filing.FilingKind.PROMOTIONS):
        abort(404)
    full_ids = request.args.get("ids") == "full"
    if full_ids and current_user.role is not Role.ORGANIZER:
        abort(403)
    data = filing.filing_xlsx(filing.filing_sheets(contest, kind, full_ids=full_ids))
    label = _("成绩排名表") if kind == filing.FilingKind.STANDINGS else _("晋升人员名单")
    if full_ids:
        record(
            f"filing.{kind}.export",
            actor=current_user,
            now=clock.now(),
            object_type="contest",
            object_id=contest.id,
            contest_id=contest.id,
            summary=fmt(N_("导出 %(name)s %(label)s（含完整证件号码）"), name=contest.name, label=label),
        )
        db.session.commit()
    suffix = _("报备") if full_ids else _("脱敏")
    response = send_file(
        io.BytesIO(data),
        as_attachment=True,
        download_name=f"{contest.name}-{label}-{suffix}.xlsx",
        mimetype=XLSX,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@dashboards.route("/contests/<int:contest_id>/notice.pdf")
@require(Permission.MANAGE_CONTESTS)
def notice_pdf(contest_id: int):
    contest = managed_contest_or_404(contest_id)
    form = _notice_form(contest)
    notice = filing.notice_of(contest)
    if not request.args or not form.validate():
        if request.args:
            flash(_("请填写异议受理部门、联系电话和落款日期。"), "danger")
        return redirect(url_for("dashboards.contest_filing", contest_id=contest.id))
    if not notice.events:
        flash(_("还没有发布公示的成绩，无法生成公示文件。"), "warning")
        return redirect(url_for("dashboards.contest_filing", contest_id=contest.id))
    from competition.pdf.render import html_to_pdf

    html = render_template(
        "dashboards/notice_pdf.html",
        notice=notice,
        department=form.department.data,
        phone=form.phone.data,
        address=form.address.data or "",
        signed_on=form.signed_on.data,
    )
    data = html_to_pdf(html)
    response = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{contest.name}-公示.pdf",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
