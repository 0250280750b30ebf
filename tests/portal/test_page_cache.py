"""The public front page, a contest's page and the empty certificate look-up form are kept per process
for visitors not signed in (competition.pagecache): served again without reading the database, forgotten
at once when this process writes a contest, event, publication, notice or organizing body, never kept
longer than their time, and never served to a signed-in visitor."""

from __future__ import annotations

import pytest

from competition import pagecache
from competition.accounts.models import Role
from competition.contests.lifecycle import ContestStatus
from competition.extensions import db
from competition.portal import views
from tests import factories


@pytest.fixture
def counted(monkeypatch):
    """How many times the front page read the contests from the database."""
    calls = []
    real = views.public_contests

    def counting(today):
        calls.append(today)
        return real(today)

    monkeypatch.setattr(views, "public_contests", counting)
    return calls


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_front_page_is_served_again_without_reading_the_contests(client, session, counted):
    factories.make_contest(factories.make_body(), status=ContestStatus.FINAL, name="2026年缓存测试焊工竞赛")
    assert "2026年缓存测试焊工竞赛" in _page(client, "/")
    assert "2026年缓存测试焊工竞赛" in _page(client, "/")
    assert len(counted) == 1
    # a search is another page
    assert "2026年缓存测试焊工竞赛" in _page(client, "/?q=焊工")
    assert len(counted) == 2


def test_a_change_to_a_contest_shows_at_once(client, session, counted):
    contest = factories.make_contest(factories.make_body(), status=ContestStatus.FINAL, name="甲市焊工竞赛")
    assert "甲市焊工竞赛" in _page(client, "/")
    contest.name = "乙市焊工竞赛"
    db.session.flush()
    page = _page(client, "/")
    assert "乙市焊工竞赛" in page and "甲市焊工竞赛" not in page
    assert len(counted) == 2


def test_a_new_event_shows_at_once_on_the_contest_page(client, session):
    contest = factories.make_contest(factories.make_body(), status=ContestStatus.FINAL)
    factories.make_event(contest, "数控车工")
    assert "数控车工" in _page(client, f"/contests/{contest.id}")
    factories.make_event(contest, "工业机器人系统运维")
    assert "工业机器人系统运维" in _page(client, f"/contests/{contest.id}")


def test_a_write_that_is_rolled_back_forgets_the_pages_it_showed(client, session, counted):
    body = factories.make_body()
    db.session.begin_nested()
    factories.make_contest(body, status=ContestStatus.FINAL, name="未提交的竞赛")
    assert "未提交的竞赛" in _page(client, "/")
    db.session.rollback()
    assert "未提交的竞赛" not in _page(client, "/")
    assert len(counted) == 2


def test_a_kept_page_expires(client, session, counted, monkeypatch):
    factories.make_contest(factories.make_body(), status=ContestStatus.FINAL)
    _page(client, "/")
    _page(client, "/")
    assert len(counted) == 1
    now = pagecache.monotonic()
    monkeypatch.setattr(pagecache, "monotonic", lambda: now + views.PORTAL_PAGE_SECONDS + 1)
    _page(client, "/")
    assert len(counted) == 2


def test_a_signed_in_visitor_never_gets_a_kept_page(client, session, auth, counted):
    factories.make_contest(factories.make_body(), status=ContestStatus.FINAL)
    user = factories.make_user(Role.COMPETITOR, username="kept-page-reader")
    user.display_name = "缓存读者"
    db.session.flush()
    assert "缓存读者" not in _page(client, "/")
    auth.login("kept-page-reader")
    assert "缓存读者" in _page(client, "/")
    assert len(counted) == 2


def test_each_language_has_its_own_kept_page(client, session):
    factories.make_contest(factories.make_body(), status=ContestStatus.FINAL)
    assert "竞赛" in _page(client, "/")
    client.post("/auth/language", data={"language": "en"})
    english = _page(client, "/")
    assert "Contests" in english or "contests" in english
    assert "证书查验" not in english


def test_the_empty_look_up_form_is_kept_but_a_refused_one_is_not(client, session, monkeypatch):
    from competition.certificates import views as certificate_views

    rendered = []
    real = certificate_views.render_template

    def counting(*args, **kwargs):
        rendered.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(certificate_views, "render_template", counting)
    assert 'name="number"' in _page(client, "/verify")
    assert 'name="number"' in _page(client, "/verify")
    assert rendered == ["certificates_pages/lookup.html"]
    refused = client.post("/verify", data={"number": "", "name": ""})
    assert refused.status_code == 200
    assert len(rendered) == 2
