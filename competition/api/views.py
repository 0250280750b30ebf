"""The JSON API under ``/api/v1`` (flask-smorest): thin views over the feature services.

Authentication: ``Authorization: Bearer <token>`` with a token made on the 我的 API 令牌 page; the
token acts as its owner, through the same permission table and ``may_*`` checks as the pages
(:mod:`competition.accounts.access`). Without a token only public reads answer. A browser session
cookie is never used by the API; requests that change something without a token are checked for a
CSRF token first (and then refused for want of a token), so only token-authenticated calls are
CSRF-exempt.

Errors are JSON (:class:`~competition.api.schemas.ErrorSchema`) with a ``message`` in the caller's
language (Chinese unless ``Accept-Language`` or the token owner's saved choice asks for English, see
:func:`competition.i18n.select_locale`) and the ``field`` at fault: 400 bad request, 401 no/invalid token, 403 not permitted by role, 404 not found
*or not yours* (existence is not revealed), 409 the object's state forbids the action, 422 the data
fails its checks (nothing is written), 429 too many requests.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, request
from flask.views import MethodView
from flask_babel import refresh
from flask_smorest import Api, Blueprint, abort
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from competition import clock
from competition.accounts.access import Permission, has_permission, may_manage_contest
from competition.accounts.models import User
from competition.api import adapters, schemas
from competition.api import tokens as token_services
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest, Event
from competition.errors import N_, DomainError, fmt
from competition.extensions import csrf, db, limiter
from competition.i18n import translate
from competition.privacy import mask_id_number, mask_name, mask_phone
from competition.security import public_lookup_limit, rate_limits_enabled

API_PREFIX = "/api/v1"
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
DEFAULT_RATELIMIT_API = "120 per minute;3000 per hour"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_ID = 2**31 - 1
_BEARER = {"bearerAuth": []}
#: Operations anyone may call; a token may still be sent (it can widen what is visible).
PUBLIC = [{}, _BEARER]
#: Operations that need a token.
TOKEN = [_BEARER]

api = Blueprint(
    "api",
    __name__,
    url_prefix=API_PREFIX,
    description="技能竞赛与评价平台 JSON API",
)


class JsonApi(Api):
    """flask-smorest's ``Api`` whose JSON error handler is bound to the API blueprint only, so every
    page of the platform keeps its HTML error pages."""

    ERROR_SCHEMA = schemas.ErrorSchema

    def _register_error_handlers(self) -> None:
        pass

    def handle_http_exception(self, error: HTTPException):
        """The :class:`~competition.api.schemas.ErrorSchema` body for ``error``."""
        payload: dict[str, Any] = {"code": error.code, "status": error.name}
        headers: dict[str, str] = {}
        data = getattr(error, "data", None) or {}
        message = data.get("message")
        errors = data.get("errors") or data.get("messages")
        if errors and "message" not in data:
            message = N_("请求内容不符合要求，详见 errors。")
        if isinstance(errors, dict):
            payload["errors"] = _translated(errors)
            field = data.get("field") or _first_path(errors)
        else:
            field = data.get("field")
        if isinstance(error, CSRFError):
            message = N_(
                "缺少或无效的 CSRF 令牌：不带 API 令牌的写请求须来自本站表单；其他系统请在请求头提供 API 令牌。"
            )
        message = message or _DEFAULT_MESSAGES.get(error.code or 500, error.description or "")
        payload["message"] = str(translate(message))
        if field:
            payload["field"] = field
        headers.update(data.get("headers") or {})
        if error.code == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
        response = current_app.json.response(payload)
        response.status_code = error.code or 500
        for name, value in headers.items():
            response.headers[name] = value
        return response


_DEFAULT_MESSAGES = {
    400: N_("请求无法处理。"),
    401: N_("需要有效的 API 令牌：请在请求头 Authorization: Bearer <令牌> 中提供。"),
    403: N_("这个令牌所属的账号没有权限执行此操作。"),
    404: N_("未找到，或您无权查看。"),
    405: N_("不支持这个请求方法。"),
    409: N_("对象当前的状态不允许这个操作。"),
    413: N_("请求内容过大。"),
    422: N_("请求内容不符合要求。"),
    429: N_("请求次数过多，请稍后再试。"),
    500: N_("服务器内部错误。"),
}


def _translated(node: Any) -> Any:
    """``errors`` (validation messages by field, or per-row problems) with every marked message
    translated into the caller's language; other values unchanged."""
    if isinstance(node, dict):
        return {key: _translated(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_translated(item) for item in node]
    if isinstance(node, str):
        return str(translate(node))
    return node


def _first_path(errors: dict) -> str | None:
    """``json.entries.0.name`` from webargs' nested messages (the first field named)."""
    path: list[str] = []
    node: Any = errors
    while isinstance(node, dict) and node:
        key = next(iter(node))
        path.append(str(key))
        node = node[key]
    if path and path[0] in ("json", "query", "path", "form", "headers"):
        path = path[1:]
    return ".".join(path) or None


_api_ext = JsonApi()


def _json_error(error: HTTPException):
    return _api_ext.handle_http_exception(error)


for _code in _DEFAULT_MESSAGES:
    api.register_error_handler(_code, _json_error)


def init_app(app) -> None:
    """Register the API on ``app``: the blueprint, the OpenAPI document at ``/api/v1/openapi.json``,
    the JSON errors, the rate limit and the CSRF rule. No network, no side effects beyond the app."""
    app.config.setdefault("API_TITLE", "技能竞赛与评价平台 API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "Contests, events, registrations (batch create), theory scores from exam systems, "
                    "marks, published standings, promotion decisions and certificate verification. "
                    "Authenticate with `Authorization: Bearer <token>`; create tokens on the "
                    "我的 API 令牌 page (/account/api-tokens). Errors: {code, status, message, field, errors}."
                )
            },
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "jnapi_…"}
                }
            },
            "servers": [{"url": "/"}],
        },
    )
    extension = JsonApi(app)
    # Flask's int converter takes no sign: say so, so clients and fuzzers do not send negative ids.
    extension.register_converter(IntegerConverter, lambda _converter: {"type": "integer", "minimum": 0})
    extension.register_blueprint(api)
    app.extensions["competition_api"] = extension
    csrf.exempt(api)


# ---- authentication, CSRF, rate limit ----------------------------------------------------------------


def json_error(error: HTTPException):
    """The API's JSON answer for ``error`` (for routes outside the API blueprint, see api/pages.py)."""
    response = _api_ext.handle_http_exception(error)
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _api_rate_key() -> str:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer " and header[7:].strip():
        return "api-token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:24]
    return "api-addr:" + (request.remote_addr or "")


limiter.limit(
    lambda: current_app.config.get("RATELIMIT_API", DEFAULT_RATELIMIT_API),
    key_func=_api_rate_key,
    exempt_when=lambda: not rate_limits_enabled(),
)(api)


@api.before_request
def _authenticate() -> None:
    g.api_user = None
    g.api_token = None
    header = request.headers.get("Authorization")
    if header is None:
        if request.method not in _SAFE_METHODS:
            if current_app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()  # a browser's cookie-carrying request: refused without a CSRF token
            abort(401)  # every operation that changes something needs a token, checked before the body
        return
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(401, message=N_("Authorization 请求头应为 “Bearer <令牌>”。"), field="Authorization")
    token = token_services.authenticate(secret.strip(), now=clock.now())
    if token is None:
        abort(401, message=N_("令牌无效、已吊销或已过期。"), field="Authorization")
    db.session.commit()  # last_used_at
    g.api_user = token.user
    g.api_token = token
    refresh()  # the token's owner may have chosen a language (competition.i18n.select_locale)


@api.after_request
def _no_store(response):
    if g.get("api_user") is not None:
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def _user() -> User | None:
    return g.get("api_user")


def _require(permission: Permission) -> User:
    user = _user()
    if user is None:
        abort(401)
    if not has_permission(user, permission):
        abort(403)
    return user


def _get_or_404(model: type, object_id: int) -> Any:
    if not 1 <= object_id <= _MAX_ID:
        abort(404)
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def _manages(contest: Contest) -> bool:
    user = _user()
    return (
        user is not None
        and has_permission(user, Permission.MANAGE_CONTESTS)
        and may_manage_contest(user, contest)
    )


def _visible_contest(contest_id: int) -> Contest:
    """A contest the caller may read: public ones for everyone, drafts only for those who manage it."""
    contest = _get_or_404(Contest, contest_id)
    if not (contest.status.is_public or _manages(contest)):
        abort(404)
    return contest


def _managed_event(event_id: int) -> Event:
    """An event of a contest the caller manages (401 without a token, 403 without the role, else 404)."""
    _require(Permission.MANAGE_CONTESTS)
    event = _get_or_404(Event, event_id)
    if not _manages(event.contest):
        abort(404)
    return event


def _decimal_text(value: Decimal | None, places: int | None = None) -> str | None:
    if value is None:
        return None
    if places is not None:
        from decimal import ROUND_HALF_UP

        value = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cst(moment: datetime | None) -> datetime | None:
    """A stored time (China Standard Time, naive, as competition.clock gives it) with its +08:00 offset,
    so the document's RFC 3339 ``date-time`` holds."""
    return None if moment is None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def _domain_abort(error: DomainError, code: int = 409):
    abort(code, message=error.text, field=error.field)


# ---- contests and events -----------------------------------------------------------------------------


def _contest_data(contest: Contest) -> dict[str, Any]:
    return {
        "id": contest.id,
        "name": contest.name,
        "year": contest.year,
        "tier": contest.tier.value,
        "tier_label": contest.tier.label,
        "status": contest.status.value,
        "status_label": contest.status.label,
        "body": contest.body.name,
        "co_organizers": [b.name for b in contest.co_organizers],
        "venue": contest.venue,
        "starts_on": contest.starts_on,
        "ends_on": contest.ends_on,
        "registration_opens_at": _cst(contest.registration_opens_at),
        "registration_closes_at": _cst(contest.registration_closes_at),
        "public_notice_ends_on": contest.public_notice_ends_on,
        "description": contest.description,
        "event_count": len(contest.events),
    }


def _event_data(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "contest_id": event.contest_id,
        "title": event.title,
        "occupation_name": event.occupation_name,
        "occupation_code": event.occupation_code,
        "work_type": event.work_type,
        "group": event.group.value,
        "group_label": event.group.label,
        "team_size": event.team_size,
        "level": event.level.value,
        "level_label": event.level.label,
        "capacity": event.capacity,
        "parts": [
            {
                "kind": p.kind.value,
                "label": p.kind.label,
                "weight": _decimal_text(p.weight),
                "pass_mark": _decimal_text(p.pass_mark),
            }
            for p in event.parts
        ],
    }


@api.route("/contests")
class Contests(MethodView):
    @api.doc(security=PUBLIC, summary="List contests")
    @api.arguments(schemas.ContestQuerySchema, location="query")
    @api.response(200, schemas.ContestSchema(many=True))
    def get(self, query: dict[str, Any]):
        """Public contests (every status but draft); with a token, also the drafts the caller may manage
        (its own body's; every one for an admin). Newest first."""
        select = sa.select(Contest).order_by(Contest.starts_on.desc(), Contest.id.desc())
        user = _user()
        if user is None or not has_permission(user, Permission.MANAGE_CONTESTS):
            select = select.where(Contest.status != ContestStatus.DRAFT)
        if "year" in query:
            select = select.where(Contest.year == query["year"])
        if "status" in query:
            select = select.where(Contest.status == ContestStatus(query["status"]))
        contests = [c for c in db.session.execute(select).scalars() if c.status.is_public or _manages(c)]
        return [_contest_data(c) for c in contests]


@api.route("/contests/<int:contest_id>")
@api.doc(security=PUBLIC, summary="Read a contest")
@api.response(200, schemas.ContestSchema)
@api.alt_response(404, schema=schemas.ErrorSchema, description="No such contest, or a draft of another body")
def contest_detail(contest_id: int):
    """One contest (drafts only for those who manage it)."""
    return _contest_data(_visible_contest(contest_id))


@api.route("/contests/<int:contest_id>/events")
@api.doc(security=PUBLIC, summary="Events of a contest")
@api.response(200, schemas.EventSchema(many=True))
@api.alt_response(404, schema=schemas.ErrorSchema)
def contest_events(contest_id: int):
    """The contest's events (赛项) with their parts and weights."""
    return [_event_data(e) for e in _visible_contest(contest_id).events]


# ---- registrations -----------------------------------------------------------------------------------


def _registration_data(registration) -> dict[str, Any]:
    return {
        "id": registration.id,
        "event_id": registration.event_id,
        "status": registration.status.value,
        "status_label": registration.status.label,
        "channel": registration.channel.value,
        "unit": registration.unit.name if registration.unit else None,
        "team_name": registration.team_name,
        "eligible": registration.eligible,
        "eligibility_problems": list(registration.eligibility_problems or []),
        "competitor_number": registration.competitor_number,
        "station": registration.station,
        "created_at": _cst(registration.created_at),
        "members": [
            {
                "name": m.competitor.name,
                # As on the organizer's list: full numbers only through the audited venue-list export.
                "id_number": mask_id_number(m.competitor.id_number),
                "phone": mask_phone(m.competitor.phone),
                "unit": m.competitor.unit.name if m.competitor.unit else None,
            }
            for m in registration.members
            if m.active
        ],
    }


@api.route("/events/<int:event_id>/registrations")
class EventRegistrations(MethodView):
    @api.doc(security=TOKEN, summary="Registrations of an event")
    @api.response(200, schemas.RegistrationSchema(many=True))
    @api.alt_response(401, schema=schemas.ErrorSchema)
    @api.alt_response(403, schema=schemas.ErrorSchema)
    @api.alt_response(404, schema=schemas.ErrorSchema)
    def get(self, event_id: int):
        """Every entry of the event, by competitor number then submission; ID numbers and phones masked
        (the full venue list is the audited export on the page). Contest owners only."""
        from competition.registration import services

        event = _managed_event(event_id)
        return [_registration_data(r) for r in services.entries_of(event)]

    @api.doc(security=TOKEN, summary="Register people in batch (all or nothing)")
    @api.arguments(schemas.RegistrationBatchSchema)
    @api.response(201, schemas.BatchResultSchema)
    @api.alt_response(401, schema=schemas.ErrorSchema)
    @api.alt_response(403, schema=schemas.ErrorSchema)
    @api.alt_response(404, schema=schemas.ErrorSchema)
    @api.alt_response(409, schema=schemas.ErrorSchema, description="The contest is not open for entries")
    @api.alt_response(
        422,
        schema=schemas.ErrorSchema,
        description="Some rows fail the checks: errors.rows lists each as {index, field, message}; "
        "nothing is written",
    )
    def post(self, batch: dict[str, Any], event_id: int):
        """Enter the people of a unit, with exactly the checks of the batch registration workbook (ID
        check digit, dates, phone, duplicates, team sizes, eligibility kept on the entry). All or
        nothing: any rejected row writes nothing and every problem is reported. Contest owners only;
        the contest must be open for registration (报名中)."""
        from competition.organizations.models import Unit
        from competition.registration.imports import import_workbook

        event = _managed_event(event_id)
        if not 1 <= batch["unit_id"] <= _MAX_ID or (unit := db.session.get(Unit, batch["unit_id"])) is None:
            abort(422, message=N_("没有这个单位。"), field="unit_id")
        if event.contest.status is not ContestStatus.REGISTRATION_OPEN:
            abort(
                409,
                message=fmt(
                    N_("“%(contest)s”当前为“%(status)s”，不接受报名。"),
                    contest=event.contest.name,
                    status=event.contest.status.label,
                ),
            )
        rows = batch["entries"]
        user = _user()
        outcome = import_workbook(
            adapters.registration_workbook(event.title, rows),
            contest=event.contest,
            unit=unit,
            actor=user,
            now=clock.now(),
            valid_only=False,
            max_rows=len(rows),
        )
        if outcome.file_error or not outcome.written:
            db.session.rollback()
            problems = [
                {
                    "index": r.row - adapters.FIRST_DATA_ROW,
                    "field": adapters.workbook_field(r.column),
                    "message": r.message,
                }
                for r in outcome.rejected
            ]
            first = problems[0] if problems else None
            abort(
                422,
                message=outcome.file_error
                or fmt(N_("%(n)d 行未通过检查，未写入任何报名。"), n=len({p["index"] for p in problems})),
                field=f"entries.{first['index']}.{first['field']}" if first and first["field"] else None,
                errors={"rows": problems},
            )
        db.session.commit()
        from competition.registration import services
        from competition.registration.models import Competitor

        registered = []
        for outcome_row in outcome.registered:
            index = outcome_row.row - adapters.FIRST_DATA_ROW
            competitor = db.session.execute(
                sa.select(Competitor).where(
                    Competitor.id_number == adapters.normal_id(rows[index]["id_number"])
                )
            ).scalar_one()
            registration = services.active_entry(event, competitor)
            registered.append(
                {
                    "index": index,
                    "name": outcome_row.name,
                    "registration_id": registration.id,
                    "status": registration.status.value,
                    "eligible": registration.eligible,
                }
            )
        return {"registered": registered}


# ---- marks ------------------------------------------------------------------------------------------


@api.route("/events/<int:event_id>/theory-scores", methods=["POST"])
@api.doc(security=TOKEN, summary="Post theory exam scores (exam systems)")
@api.arguments(schemas.TheoryScoresSchema)
@api.response(200, schemas.TheoryResultSchema)
@api.alt_response(401, schema=schemas.ErrorSchema)
@api.alt_response(403, schema=schemas.ErrorSchema)
@api.alt_response(404, schema=schemas.ErrorSchema)
@api.alt_response(
    409, schema=schemas.ErrorSchema, description="No marking scheme, no exam aspect, or the part is locked"
)
@api.alt_response(
    422,
    schema=schemas.ErrorSchema,
    description="A row fails (unknown or repeated number, score outside 0–100) or an entry is missing: "
    "errors.rows lists {index, number, message}; nothing is written",
)
def theory_scores(payload: dict[str, Any], event_id: int):
    """Store the theory part's exam scores by competitor number, through the same path as the exam
    file import on the 理论成绩 page: every numbered entry must be present, all or nothing, unchanged
    scores left alone, changes kept in the marks' history (source 导入) and audited. Contest owners
    only (an exam system uses a token of an organizer account of the body)."""
    from competition.marking.imports import import_theory

    event = _managed_event(event_id)
    source = (payload.get("source") or "API").strip() or "API"
    try:
        report = import_theory(
            event, adapters.theory_csv(payload["scores"]), f"API {source}", actor=_user(), now=clock.now()
        )
    except DomainError as error:
        db.session.rollback()
        _domain_abort(error, 409)
    if not report.ok:
        db.session.rollback()
        problems = [
            {"index": r.row - adapters.FIRST_DATA_ROW, "number": r.number, "message": r.problem}
            for r in report.rows
            if r.problem
        ]
        abort(
            422,
            message=report.file_problem or fmt(N_("%(n)d 行未通过检查，未写入任何成绩。"), n=len(problems)),
            field=f"scores.{problems[0]['index']}" if problems else "scores",
            errors={"rows": problems},
        )
    db.session.commit()
    return {"written": report.written, "unchanged": report.unchanged}


@api.route("/events/<int:event_id>/marks")
@api.doc(security=TOKEN, summary="Marks of an event (judges pseudonymous)")
@api.response(200, schemas.MarkSchema(many=True))
@api.alt_response(401, schema=schemas.ErrorSchema)
@api.alt_response(403, schema=schemas.ErrorSchema)
@api.alt_response(404, schema=schemas.ErrorSchema)
@api.alt_response(409, schema=schemas.ErrorSchema, description="No scheme or no marks yet")
def event_marks(event_id: int):
    """Every mark as the MARKS.csv re-derivation file has it (one row per fact, entries by competitor
    number), except that judges appear as J1, J2 … (numbered per event in order of their codes): who
    gave which mark stays hidden, as blind marking requires. Contest owners only."""
    from competition.marking import results

    event = _managed_event(event_id)
    try:
        files = results.rederivation(event)
    except DomainError as error:
        _domain_abort(error, 409)
    return adapters.pseudonymous_marks(files.marks)


# ---- standings and decisions -------------------------------------------------------------------------


@api.route("/events/<int:event_id>/standings")
@api.doc(security=PUBLIC, summary="Published standings of an event")
@api.response(200, schemas.StandingsSchema)
@api.alt_response(404, schema=schemas.ErrorSchema, description="No such event or nothing published")
def event_standings(event_id: int):
    """The standings in force (published for public notice, or final). Names are masked unless the
    caller manages the contest; unpublished previews never leave the organizer's page."""
    from competition.marking import results

    event = _get_or_404(Event, event_id)
    _visible_contest(event.contest_id)
    publication = results.current_publication(event)
    if publication is None:
        abort(404, message=N_("本赛项尚未发布成绩。"))
    full = _manages(event.contest)
    lines = []
    for s in results.published_standings(publication):
        names = [m.competitor.name for m in s.registration.members if m.active]
        lines.append(
            {
                "entry": s.entry,
                "names": names if full else [mask_name(n) for n in names],
                "unit": s.registration.unit.name if s.registration.unit else None,
                "status": s.status,
                "rank": s.rank,
                "joint": s.joint,
                "total": _decimal_text(s.display_total, 2),
                "theory": _decimal_text(s.score_theory, 2),
                "practical": _decimal_text(s.score_practical, 2),
                "defence": _decimal_text(s.score_defence, 2),
                "all_parts_passed": s.all_passed,
                "award": s.award.value if s.award else None,
                "award_label": s.award.label if s.award else None,
            }
        )
    return {
        "event_id": event.id,
        "sequence": publication.sequence,
        "published_at": _cst(publication.published_at),
        "notice_first_day": publication.notice_first_day,
        "notice_last_day": publication.notice_last_day,
        "entrants": max((s.entrants for s in publication.standings), default=0),
        "standings": lines,
    }


@api.route("/contests/<int:contest_id>/decisions")
@api.doc(security=PUBLIC, summary="Promotion and title decisions of a contest")
@api.response(200, schemas.DecisionSchema(many=True))
@api.alt_response(404, schema=schemas.ErrorSchema)
def contest_decisions(contest_id: int):
    """For those who manage the contest: every stored decision (proposed, rejected, adjusted,
    confirmed), names in full. For everyone else: only the decisions published for notice or
    confirmed, names masked, as on the public promotion notice."""
    from competition.promotion import services

    contest = _visible_contest(contest_id)
    full = _manages(contest)
    decisions = services.decisions_of(contest) if full else services.public_decisions(contest)
    data = []
    for d in decisions:
        level = d.adjusted_level or d.level
        data.append(
            {
                "id": d.id,
                "event_id": d.event_id,
                "competitor": d.competitor.name if full else mask_name(d.competitor.name),
                "kind": d.kind.value,
                "outcome": d.outcome.value,
                "state": d.state.value,
                "level": level.value if level else None,
                "level_label": level.certificate_label if level else None,
                "title": d.title,
                "rule_name": d.rule_name,
                "outcome_text": d.outcome_text,
                "reason": d.reason if full else "",
                "final_date": d.final_date,
                "confirmed_at": _cst(d.confirmed_at),
            }
        )
    return data


# ---- certificate verification ------------------------------------------------------------------------


def _verification(certificate, via: str, query: str) -> dict[str, Any]:
    from competition.certificates import services

    client = services.client_hash(request.remote_addr, current_app.config["SECRET_KEY"])
    services.log_lookup(via, query, certificate, client=client, now=clock.now())
    db.session.commit()
    if certificate is None:
        abort(
            404, message=N_("未找到这张证书。") if via == "code" else N_("没有找到编号与姓名都相符的证书。")
        )
    document = certificate.snapshot.get("document", {})
    replaced_by = services.reissue_of(certificate)
    return {
        "valid": certificate.status.value == "valid",
        "status": certificate.status.value,
        "status_reason": certificate.status_reason,
        "kind": certificate.kind.value,
        "kind_label": certificate.kind.label,
        "number": certificate.number,
        "holder": mask_name(document.get("name", certificate.holder_name)),
        "id_number": mask_id_number(certificate.snapshot.get("holder", {}).get("id_number")),
        "achievement": str(certificate.snapshot.get("achievement", "")),
        "issuer": str(document.get("issuer") or document.get("evaluator") or ""),
        "issued_on": str(document.get("issued_on", "")),
        "sha256": certificate.sha256,
        "replaced_by": replaced_by.number if replaced_by is not None else None,
    }


@api.route("/certificates/<code>")
@public_lookup_limit
@api.doc(security=PUBLIC, summary="Verify a certificate by its QR code")
@api.response(200, schemas.VerificationSchema)
@api.alt_response(404, schema=schemas.ErrorSchema)
@api.alt_response(429, schema=schemas.ErrorSchema)
def verify_code(code: str):
    """The certificate a verification code (the QR code's ``/verify/<code>``) belongs to, with personal
    data masked. Rate-limited and logged like the /verify page (same budget)."""
    from competition.certificates import services

    return _verification(services.find_by_code(code), "code", code)


@api.route("/certificates")
@public_lookup_limit
@api.doc(security=PUBLIC, summary="Verify a certificate by number and holder's name")
@api.arguments(schemas.CertificateLookupSchema, location="query")
@api.response(200, schemas.VerificationSchema)
@api.alt_response(404, schema=schemas.ErrorSchema)
@api.alt_response(429, schema=schemas.ErrorSchema)
def verify_number(lookup: dict[str, Any]):
    """``?number=…&name=…``: both the number and the holder's name must match, so a number alone
    reveals nothing. Rate-limited and logged like the /verify page (same budget)."""
    from competition.certificates import services

    number = services.normalise_number(lookup["number"])
    return _verification(services.find_by_number(number, lookup["name"]), "number", number)
