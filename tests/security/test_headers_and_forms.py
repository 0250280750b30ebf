"""Security headers on every response, hardened cookies outside development, CSRF on every POST route,
no inline script or style in page templates, production secret keys."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from competition.app import ConfigurationError, create_app
from competition.config import PROJECT_ROOT
from competition.security import CONTENT_SECURITY_POLICY
from tests.security.routes import build, rules_with

LONG_KEY = "k" * 32

# POST routes allowed to skip the CSRF check, with the reason. Empty: every form is protected.
CSRF_EXEMPT: dict[str, str] = {}


def _bare_app(tmp_path, **overrides) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "INSTANCE_PATH": str(tmp_path),
    }
    config.update(overrides)
    return create_app(config)


def _production_app(monkeypatch, tmp_path) -> Flask:
    monkeypatch.setenv("COMPETITION_ENV", "production")
    monkeypatch.setenv("COMPETITION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("COMPETITION_SECRET_KEY", "p" * 40)
    monkeypatch.delenv("REDIS_URL", raising=False)
    return create_app()


def test_every_page_carries_the_security_headers(client, world):
    for path in ("/", "/auth/login", f"/contests/{world.contest.id}", "/no-such-page", "/static/css/app.css"):
        response = client.get(path)
        response.close()  # the static file is streamed
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
        assert "camera=()" in headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in headers, "no HSTS in development"
    csp = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_production_adds_hsts_and_hardens_the_session_cookie(monkeypatch, tmp_path):
    app = _production_app(monkeypatch, tmp_path)
    response = app.test_client().get("/auth/login")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    cookie = response.headers["Set-Cookie"]  # the CSRF token puts the session in a cookie
    assert cookie.startswith("session=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite"} <= attributes and "SameSite=Lax" in cookie


def test_development_cookie_is_httponly_but_not_secure(tmp_path):
    app = _bare_app(tmp_path, WTF_CSRF_ENABLED=True)
    cookie = app.test_client().get("/auth/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("key", ["", "dev-only-not-secret", "short-but-random-31-characters!"])
def test_production_refuses_a_missing_or_short_secret_key(monkeypatch, tmp_path, key):
    monkeypatch.setenv("COMPETITION_ENV", "production")
    monkeypatch.setenv("COMPETITION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("COMPETITION_SECRET_KEY", key)
    with pytest.raises(ConfigurationError, match=r"COMPETITION_SECRET_KEY.*至少 32 个字符"):
        create_app()


def test_production_accepts_a_32_character_key(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPETITION_ENV", "production")
    monkeypatch.setenv("COMPETITION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("COMPETITION_SECRET_KEY", LONG_KEY)
    assert create_app().config["SECRET_KEY"] == LONG_KEY


def test_every_post_route_refuses_a_form_without_a_csrf_token(tmp_path):
    app = _bare_app(tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    routes = list(rules_with(app, "POST"))
    assert len(routes) >= 20, "the URL map was not walked"
    accepted = []
    for rule in routes:
        if rule.endpoint in CSRF_EXEMPT:
            continue
        response = client.post(build(rule), data={"name": "x"})
        # The JSON API (/api/v1) refuses with its JSON error body instead of the page.
        api_refusal = response.is_json and "CSRF" in (response.get_json() or {}).get("message", "")
        if response.status_code != 400 or not (
            "页面已过期" in response.get_data(as_text=True) or api_refusal
        ):
            accepted.append(f"{rule.rule} → {response.status_code}")
    assert not accepted, "POST routes without CSRF protection: " + ", ".join(accepted)


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


# Known inline code in templates owned by other features: (template, kind) → what it costs under the CSP.
KNOWN_INLINE = {
    ("templates/scoring/chief.html", "style= attribute"): (
        'style="margin-top:1rem" is ignored by browsers under the CSP (spacing only); move it to static/css/app.css'
    ),
}


def test_page_templates_need_no_inline_script_or_style():
    """The CSP allows neither; templates/certificates/ are PDF layouts rendered by WeasyPrint (positioned
    with style= attributes), never served as pages, so they are left out."""
    found = []
    for path in sorted((PROJECT_ROOT / "templates").rglob("*.html")):
        if "certificates" in path.relative_to(PROJECT_ROOT / "templates").parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                if (str(path.relative_to(PROJECT_ROOT)), what) in KNOWN_INLINE:
                    continue
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)
