"""Browser pages of the API: a user's tokens (create, list, revoke) and the human-readable reference
rendered from the generated OpenAPI document (no external assets: no CDN, no inline script)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from competition import clock
from competition.accounts.access import Permission
from competition.accounts.guards import require
from competition.api import tokens as services
from competition.api.forms import TokenForm
from competition.api.models import ApiToken
from competition.errors import DomainError
from competition.extensions import csrf, db
from competition.forms import show_domain_error
from competition.i18n import error_text

api_tokens = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")
api_docs = Blueprint("api_docs", __name__)


def _page(form: TokenForm, *, secret: str | None = None, created: ApiToken | None = None, status: int = 200):
    response = current_app.make_response(
        (
            render_template(
                "api/tokens.html",
                form=form,
                tokens=services.tokens_of(current_user),
                secret=secret,
                created=created,
                now=clock.now(),
            ),
            status,
        )
    )
    # The page may show a secret once: never keep it in a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@api_tokens.route("", methods=["GET", "POST"])
@require(Permission.USE_API)
def index():
    """List the signed-in user's tokens; POST creates one and shows its secret this once."""
    form = TokenForm()
    if form.validate_on_submit():
        days = int(form.valid_days.data or 0)
        try:
            token, secret = services.create_token(
                current_user, form.name.data, valid_days=days or None, now=clock.now()
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
            return _page(form, status=422)
        db.session.commit()
        return _page(TokenForm(formdata=None), secret=secret, created=token)
    return _page(form)


@api_tokens.route("/<int:token_id>/revoke", methods=["POST"])
@require(Permission.USE_API)
def revoke(token_id: int):
    """Revoke one of the signed-in user's own tokens (another user's token: 404)."""
    from flask import flash

    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    try:
        services.revoke_token(token, actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "warning")
    else:
        db.session.commit()
        flash(_("令牌“%(name)s”已吊销，使用它的请求将被拒绝。", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            security = operation.get("security", [])
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "public": {} in security,
                    "parameters": operation.get("parameters", []),
                    "body": operation.get("requestBody", {})
                    .get("content", {})
                    .get("application/json", {})
                    .get("schema", {})
                    .get("$ref", "")
                    .rsplit("/", 1)[-1],
                    "responses": sorted(operation.get("responses", {}).items()),
                }
            )
    return operations


@api_docs.route("/api/v1/<path:rest>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str):
    """Any other request under /api/v1 gets the API's JSON error, never the HTML page: 405 when the
    path exists for other methods, else 404 (this also covers ids the int converter refuses, ``-1``)."""
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException, MethodNotAllowed

    from competition.api.views import json_error

    if request.method not in ("GET", "HEAD") and "Authorization" not in request.headers:
        try:
            if current_app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()  # the same rule as the API's own operations
        except CSRFError as error:
            return json_error(error)
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        try:
            endpoint, _values = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != "api_docs.unknown":
            allowed.append(method)
    if allowed and request.method not in allowed:
        return json_error(MethodNotAllowed(valid_methods=allowed))
    from werkzeug.exceptions import NotFound

    return json_error(NotFound())


csrf.exempt(unknown)  # checked inside, as the API does: JSON answers, token calls exempt


@api_docs.route("/api/v1/docs")
def reference():
    """The API reference for people, rendered from the OpenAPI document the code generates."""
    spec = current_app.extensions["competition_api"].spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template(
        "api/reference.html", spec=spec, operations=_operations(spec), schemas=sorted(schemas.items())
    )
