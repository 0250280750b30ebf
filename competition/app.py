"""The application factory."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from competition import config as config_module
from competition import i18n, security
from competition.config import PROJECT_ROOT
from competition.extensions import babel, csrf, db, login_manager, migrate


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete; the application refuses to start."""


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application: settings, extensions, blueprints, error handlers, CLI.

    ``config`` overrides the environment's settings (tests pass a database URL
    and ``TESTING``). No side effects beyond building the app: no migrations,
    no network. Raises :class:`ConfigurationError` outside development without a real
    ``SECRET_KEY`` (at least ``MIN_SECRET_KEY_LENGTH`` characters).
    """
    settings = config_module.from_env()
    settings.update(config or {})
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=settings["INSTANCE_PATH"],
    )
    app.config.update(settings)
    secret = app.config["SECRET_KEY"] or ""
    if app.config["ENV_NAME"] != "development" and (
        secret == config_module.DEV_SECRET_KEY or len(secret) < config_module.MIN_SECRET_KEY_LENGTH
    ):
        raise ConfigurationError(
            "生产环境必须设置 COMPETITION_SECRET_KEY"
            f"（至少 {config_module.MIN_SECRET_KEY_LENGTH} 个字符的随机值）。"
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    security.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l_sign_in()
    login_manager.login_message_category = "info"

    _register_models()
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_error_handlers(app)
    _register_cli(app)
    return app


def _l_sign_in() -> Any:
    from flask_babel import lazy_gettext

    return lazy_gettext("请先登录。")


def _register_models() -> None:
    # Importing the model modules registers their tables on db.metadata.
    from competition.accounts import models as _accounts  # noqa: F401
    from competition.accounts.models import User
    from competition.api import models as _api  # noqa: F401
    from competition.audit import models as _audit  # noqa: F401
    from competition.certificates import models as _certificates  # noqa: F401
    from competition.contests import models as _contests  # noqa: F401
    from competition.dashboards import models as _dashboards  # noqa: F401
    from competition.marking import models as _marking  # noqa: F401
    from competition.organizations import models as _organizations  # noqa: F401
    from competition.promotion import models as _promotion  # noqa: F401
    from competition.registration import models as _registration  # noqa: F401

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id))


def _register_blueprints(app: Flask) -> None:
    from competition.accounts.views import admin, auth
    from competition.certificates.views import certificates, my_certificates, verify
    from competition.contests.views import manage
    from competition.dashboards.views import dashboards
    from competition.jobs.views import jobs
    from competition.marking.views import chief, marking, results_pages
    from competition.portal.views import judge, me, public, unit
    from competition.promotion.views import honour_roll, honours, my_promotion, promotion, unit_honours
    from competition.registration.views import entries, my_entries, signup, ticket_check, unit_entries

    for blueprint in (
        public,
        auth,
        jobs,
        admin,
        manage,
        judge,
        unit,
        me,
        signup,
        ticket_check,
        my_entries,
        unit_entries,
        entries,
        marking,
        chief,
        results_pages,
        promotion,
        honours,
        my_promotion,
        honour_roll,
        unit_honours,
        verify,
        my_certificates,
        certificates,
        dashboards,
    ):
        app.register_blueprint(blueprint)

    from competition.api import views as api_views
    from competition.api.pages import api_docs, api_tokens

    app.register_blueprint(api_tokens)
    app.register_blueprint(api_docs)
    api_views.init_app(app)


def _register_template_helpers(app: Flask) -> None:
    from flask_login import current_user

    from competition.accounts.access import Permission, has_permission
    from competition.privacy import mask_id_number, mask_name, mask_phone

    @app.template_filter("dt")
    def format_datetime(value: datetime | None) -> str:
        return "" if value is None else value.strftime("%Y-%m-%d %H:%M")

    @app.template_filter("d")
    def format_date(value: date | None) -> str:
        return "" if value is None else value.isoformat()

    @app.template_filter("num")
    def format_number(value: Decimal | float | int | None) -> str:
        if value is None:
            return ""
        text = format(Decimal(value).quantize(Decimal("0.01")), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text

    app.jinja_env.filters["mask_name"] = mask_name
    app.jinja_env.filters["mask_id"] = mask_id_number
    app.jinja_env.filters["mask_phone"] = mask_phone

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {
            "can": lambda permission: has_permission(current_user, Permission(permission)),
            "platform_name": _("技能竞赛与评价平台"),
        }


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(_error: Exception) -> tuple[str, int]:
        return render_template(
            "errors/error.html", code=403, title=_("无权访问"), message=_("您的账号没有访问这个页面的权限。")
        ), 403

    @app.errorhandler(404)
    def not_found(_error: Exception) -> tuple[str, int]:
        return render_template(
            "errors/error.html",
            code=404,
            title=_("页面不存在"),
            message=_("您要找的页面不存在，或您无权查看。"),
        ), 404

    @app.errorhandler(CSRFError)
    def csrf_error(_error: Exception) -> tuple[str, int]:
        return render_template(
            "errors/error.html",
            code=400,
            title=_("页面已过期"),
            message=_("表单已过期或来源无法验证，请返回上一页刷新后重新提交。"),
        ), 400


def _register_cli(app: Flask) -> None:
    from competition.cli import register

    register(app)
