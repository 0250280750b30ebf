"""The public portal as a member of the public uses it: contest search, a contest page listing its
events with links to their results, the results page with names masked and no ID numbers or phones,
pages of 50 lines, and a re-publication replacing what the public sees."""

from __future__ import annotations

from datetime import date

import pytest

from competition.contests.lifecycle import ContestStatus
from competition.extensions import db
from competition.marking import results
from competition.portal import services
from competition.privacy import mask_name
from tests import factories
from tests.factories import NOW
from tests.portal.conftest import CALENDAR


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_search_keeps_contests_matching_every_word_and_the_year(session):
    body = factories.make_body()
    welding = factories.make_contest(
        body, status=ContestStatus.FINAL, starts_on=date(2025, 5, 1), name="2025年绍兴市焊工技能竞赛"
    )
    electric = factories.make_contest(
        body, status=ContestStatus.FINAL, starts_on=date(2026, 5, 1), name="2026年绍兴市电工技能竞赛"
    )
    both = [welding, electric]
    assert services.search_contests(both, "焊工", None) == [welding]
    assert services.search_contests(both, "绍兴 电工", None) == [electric]
    assert services.search_contests(both, "绍兴 电工", 2025) == []
    assert services.search_contests(both, "", 2026) == [electric]
    assert services.search_contests(both, None, None) == both
    assert services.contest_years(both) == [2026, 2025]


def test_the_portal_searches_by_name_and_year(client, session):
    body = factories.make_body()
    factories.make_contest(
        body, status=ContestStatus.FINAL, name="2025年某某市汽车维修工竞赛", starts_on=date(2025, 5, 1)
    )
    factories.make_contest(body, status=ContestStatus.DRAFT, name="2025年某某市汽车喷漆草稿")
    page = _text(client.get("/?q=汽车&year=2025"))
    assert "2025年某某市汽车维修工竞赛" in page
    assert "草稿" not in page
    assert "找到 1 项竞赛" in page
    assert "没有符合条件的竞赛" in _text(client.get("/?q=不存在的竞赛名"))


def test_the_contest_page_links_each_published_event_to_its_results(client, published):
    contest = published.world.contest
    page = _text(client.get(f"/contests/{contest.id}"))
    assert f"/events/{published.world.event.id}/results" in page
    assert "成绩公示" in page


def test_the_results_page_masks_names_and_shows_no_id_number_or_phone(client, published):
    event = published.world.event
    page = _text(client.get(f"/events/{event.id}/results"))
    person = published.mine.members[0].competitor
    assert mask_name(person.name) in page
    assert person.name not in page
    assert person.id_number not in page and person.id_number[-4:] + "<" not in page
    assert person.phone not in page
    assert "A01" in page and "共 6 条" in page
    assert "公示期" in page
    # the award and per-part scores of the published standings are shown
    assert "一等奖" in page


def test_the_results_page_is_final_after_the_notice_and_filters_by_number(client, published, monkeypatch):
    from competition import clock

    event = published.world.event
    monkeypatch.setattr(clock, "now", lambda: NOW.replace(year=2027))
    page = _text(client.get(f"/events/{event.id}/results?q=A03"))
    assert "最终成绩" in page and "共 1 条" in page and "A03" in page and "A04" not in page


def test_no_results_page_before_publication_or_for_a_draft(client, unpublished):
    assert client.get(f"/events/{unpublished.world.event.id}/results").status_code == 404
    assert client.get("/events/999999/results").status_code == 404


def test_a_draft_contests_published_event_is_not_public(client, published):
    published.world.contest.status = ContestStatus.DRAFT
    db.session.flush()
    assert client.get(f"/events/{published.world.event.id}/results").status_code == 404


def test_pages_of_fifty_lines(client, session):
    world = factories.make_marking_world()
    people = [factories.make_competitor(world.units[0], name=f"甲乙{i}") for i in range(120)]
    factories.publish_results(world.event, people, publisher=world.organizer)
    world.contest.status = ContestStatus.PUBLIC_NOTICE
    db.session.flush()
    services.forget_publication_cache()
    first = _text(client.get(f"/events/{world.event.id}/results"))
    assert "共 120 条，第 1 / 3 页" in first and "P001" in first and "P051" not in first
    third = _text(client.get(f"/events/{world.event.id}/results?page=3"))
    assert "P101" in third and "P120" in third and "P100" not in third
    # out-of-range pages clamp
    assert "第 3 / 3 页" in _text(client.get(f"/events/{world.event.id}/results?page=99"))


def test_a_republication_replaces_the_cached_public_table(client, published):
    event = published.world.event
    before = _text(client.get(f"/events/{event.id}/results"))
    assert "第 2 次发布" not in before
    # an upheld appeal leads to a re-publication with a reason: the public sees the new one at once
    published.mine.not_ranked_for_awards = True
    db.session.flush()
    results.publish(
        event,
        actor=published.world.organizer,
        now=NOW.replace(hour=12),
        working_days=5,
        calendar=CALENDAR,
        reason="申诉裁决后更正",
    )
    db.session.flush()
    after = _text(client.get(f"/events/{event.id}/results"))
    assert "第 2 次发布" in after and "申诉裁决后更正" in after
    assert "不参与评奖" in after


@pytest.mark.parametrize("path", ["/", "/honours/", "/verify"])
def test_public_pages_link_to_each_other(client, session, path):
    page = _text(client.get(path))
    for target in ('href="/"', 'href="/verify"', 'href="/honours/"'):
        assert target in page


def test_a_cached_results_page_carries_each_visitors_own_csrf_token(app, client, published):
    """Every page has the language switch (a POST form): a page kept for visitors must not hand one
    visitor's session token to the next."""
    import re

    from flask import g

    url = f"/events/{published.world.event.id}/results"
    tokens = []
    for visitor in (client, app.test_client(), app.test_client()):
        g.pop("csrf_token", None)  # the test holds one app context: forget the last request's token
        html = visitor.get(url).get_data(as_text=True)
        found = re.findall(r'name="csrf_token" value="([^"]+)"', html)
        assert found and "\x00" not in html
        tokens.append(found[0])
    assert len(set(tokens)) == 3, "the second and third visits (from the cache) got their own tokens"
