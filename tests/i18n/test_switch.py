"""Choosing the interface language: anonymous visitors (session), signed-in users (saved on the
account), the default (Chinese, whatever the browser asks for), and what is translated where."""

from __future__ import annotations

import re

import sqlalchemy as sa

from competition.accounts.models import User
from competition.errors import N_, DomainError
from competition.extensions import db
from competition.i18n import error_text

HTML_LANG = re.compile(r'<html lang="([^"]+)"')


def _lang(response) -> str:
    return HTML_LANG.search(response.get_data(as_text=True)).group(1)


def test_chinese_by_default_even_when_the_browser_asks_for_english(client, world):
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    page = response.get_data(as_text=True)
    assert _lang(response) == "zh-CN"
    assert "竞赛公告" in page and "Contest notices" not in page
    # the switch offers both languages, each written in its own language, inside a POST form
    assert 'name="language" value="en"' in page and ">English</button>" in page
    assert 'action="/auth/language"' in page


def test_anonymous_visitor_switches_to_english_and_back(client, world):
    response = client.post("/auth/language", data={"language": "en", "next": "/verify"})
    assert response.status_code == 302 and response.headers["Location"] == "/verify"
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Contest notices" in page and "Certificate verification" in page and "Sign in" in page
    assert "竞赛公告" not in page
    client.post("/auth/language", data={"language": "zh"})
    response = client.get("/")
    assert _lang(response) == "zh-CN" and "竞赛公告" in response.get_data(as_text=True)


def test_signed_in_users_choice_is_saved_on_the_account(client, auth, world):
    assert auth.login("organizer").status_code == 302
    client.post("/auth/language", data={"language": "en"})
    db.session.expire_all()
    assert db.session.get(User, world.organizer.id).locale == "en"
    # a new browser (no session choice) signs in and gets English from the account
    client.post("/auth/logout")
    with client.session_transaction() as session:
        session.clear()
    assert _lang(client.get("/")) == "zh-CN"
    auth.login("organizer")
    response = client.get("/manage/")
    assert _lang(response) == "en"
    assert "Contest management" in response.get_data(as_text=True)


def test_saved_choice_outranks_the_session(client, auth, world):
    world.judge.locale = "zh"
    db.session.flush()
    client.post("/auth/language", data={"language": "en"})  # while anonymous
    assert _lang(client.get("/")) == "en"
    auth.login("judge")
    assert _lang(client.get("/")) == "zh-CN"


def test_account_page_offers_the_choice(client, auth, world):
    auth.login("competitor")
    page = client.get("/auth/password").get_data(as_text=True)
    assert '<select id="language-choice" name="language"' in page
    client.post("/auth/language", data={"language": "en", "next": "/auth/password"})
    page = client.get("/auth/password").get_data(as_text=True)
    assert "Interface language" in page and '<option value="en" lang="en" selected>' in page
    stored = db.session.execute(sa.select(User.locale).where(User.id == world.competitor.id)).scalar_one()
    assert stored == "en"


def test_unknown_language_and_foreign_next_are_refused(client, world):
    assert client.post("/auth/language", data={"language": "fr"}).status_code == 400
    response = client.post("/auth/language", data={"language": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_switch_needs_the_csrf_token(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/auth/language", data={"language": "en"}).status_code == 400
    assert _lang(client.get("/")) == "zh-CN"


def test_domain_errors_labels_and_messages_are_shown_translated(client, auth, world):
    client.post("/auth/language", data={"language": "en"})
    page = client.post(
        "/auth/login", data={"username": "organizer", "password": "wrong"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Wrong username or password." in page and "用户名或密码不正确" not in page
    # a level's name inside a formatted domain message is translated too
    from competition.domain import SkillLevel

    error = DomainError(N_("“%(level)s”没有职业技能等级证书。"), level=SkillLevel.APPRENTICE.label)
    assert error.message == "“学徒工”没有职业技能等级证书。"  # stored and logged in Chinese
    with client.application.test_request_context():
        from flask import session

        session["language"] = "en"
        assert error_text(error) == '"Apprentice" has no skill level certificate.'
        # an unmarked message is shown as raised
        assert error_text(DomainError("未标记的消息")) == "未标记的消息"


def test_enum_labels_in_pages_follow_the_language(client, world):
    client.post("/auth/language", data={"language": "en"})
    page = client.get(f"/contests/{world.public_contest.id}").get_data(as_text=True)
    assert "Municipal class 1" in page and "市级一类" not in page
