"""Protections every response gets: rate limits, security headers, the 429 page, proxy handling.

Rate limits use Flask-Limiter (the ``limiter`` of :mod:`competition.extensions`). Two named limits
are applied by the views:

- :data:`sign_in_limit` on the sign-in POST: counts *failed* attempts (the form shown again, or any
  answer but a redirect) per client address, ``RATELIMIT_SIGN_IN`` (default 10 per minute and 60 per
  hour). Successful sign-ins never count, so a venue whose judges share one address is not locked
  out at 8 o'clock; the per-account lockout of :mod:`competition.accounts.services` still applies.
- :data:`public_lookup_limit` on public look-ups (admission-ticket and certificate checks): one
  budget per client address shared by every page it decorates, ``RATELIMIT_PUBLIC_LOOKUP``
  (default 30 per minute and 300 per hour), so enumerating numbers across pages gains nothing.

Counters live in memory (one process) or in Redis when ``REDIS_URL`` is set (shared by every
worker). Flask-Limiter keeps its storage on the limiter instance, so one process serves one app;
tests build several apps, so the on/off switch is read per app at request time:
``RATE_LIMITS_ENABLED`` (``COMPETITION_RATE_LIMITS``), and when unset the limits are on except in an
app built with ``TESTING``. Behind a reverse proxy set ``COMPETITION_TRUSTED_PROXIES`` to the number
of proxies, or every client shares the proxy's address.

Headers: a Content-Security-Policy without ``'unsafe-inline'`` (pages load scripts and styles only
from ``static/``; templates must not use inline ``<script>``, ``style=`` or ``on*=`` handlers),
``X-Content-Type-Options``, ``Referrer-Policy``, ``X-Frame-Options`` and ``frame-ancestors``,
``Permissions-Policy``, ``Cross-Origin-Opener-Policy``, and HSTS outside development. A view that
sets one of these headers itself keeps its own value.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask.wrappers import Response
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

from competition.extensions import limiter

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Ticket and certificate check URLs carry their codes: never send them to another site.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# One year; no includeSubDomains: the platform often runs on a subdomain of a government site.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def rate_limits_enabled() -> bool:
    """Whether the current app enforces rate limits (``RATE_LIMITS_ENABLED``, else not under TESTING)."""
    setting = current_app.config.get("RATE_LIMITS_ENABLED")
    return not current_app.testing if setting is None else bool(setting)


def _limits_off() -> bool:
    return not rate_limits_enabled()


def _failed_sign_in(response: Response) -> bool:
    # A successful sign-in redirects; the form shown again (wrong password, locked account, invalid
    # form) is a failure and is what the limit counts.
    return response.status_code not in (301, 302, 303)


#: Decorator for the sign-in view: limits failed POSTs per client address.
sign_in_limit = limiter.limit(
    lambda: current_app.config["RATELIMIT_SIGN_IN"],
    methods=["POST"],
    exempt_when=_limits_off,
    deduct_when=_failed_sign_in,
)

#: Decorator for public look-up views (ticket, certificate checks): one shared budget per address.
public_lookup_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_PUBLIC_LOOKUP"],
    scope="public-lookup",
    exempt_when=_limits_off,
)


def init_app(app: Flask) -> None:
    """Attach the limiter, the headers and the 429 page to ``app``. No network access: storage
    clients connect on first use."""
    trusted = int(app.config.get("TRUSTED_PROXIES", 0))
    if trusted > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)  # type: ignore[method-assign]

    limiter.init_app(app)
    hsts = app.config.get("ENV_NAME", "development") != "development"

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response

    @app.errorhandler(429)
    def too_many_requests(_error: Exception) -> tuple[str, int]:
        return render_template(
            "errors/error.html",
            code=429,
            title=_("操作过于频繁"),
            message=_("您在短时间内的请求次数过多，请稍等一分钟后再试。"),
        ), 429


#: Stands in for the visitor's CSRF token in a page kept for other visitors (see :func:`shareable_page`).
_CSRF_SLOT = "\x00csrf-token\x00"


def shareable_page(html: str) -> str:
    """``html`` (rendered in this request) with this visitor's CSRF token taken out, so the page can be
    kept and served to other visitors by :func:`page_for_visitor`. Every page carries a token (the
    language switch in the header is a POST form), and a token belongs to one session."""
    from flask_wtf.csrf import generate_csrf

    return html.replace(generate_csrf(), _CSRF_SLOT)


def page_for_visitor(html: str) -> str:
    """A page kept by :func:`shareable_page` with the current visitor's own CSRF token put back."""
    from flask_wtf.csrf import generate_csrf

    return html.replace(_CSRF_SLOT, generate_csrf()) if _CSRF_SLOT in html else html
