"""Hostile text typed into forms is shown literally (Jinja autoescaping, no template evaluation), and an
edit made from a stale browser tab is refused with a clear message instead of overwriting."""

from __future__ import annotations

import re

import sqlalchemy as sa

from competition.contests.models import Contest
from competition.extensions import db
from competition.organizations.models import Unit
from tests.contests.test_setup import CONTEST_FORM

HOSTILE = "{{ 7*7 }}<script>alert(1)</script>"
ESCAPED = "{{ 7*7 }}&lt;script&gt;alert(1)&lt;/script&gt;"


def _shows_literally(page: str) -> None:
    assert ESCAPED in page, "not shown literally: evaluated as a template, or not escaped"
    assert "<script>alert(1)</script>" not in page


def test_contest_and_unit_names_are_shown_literally(client, auth, world):
    auth.login("organizer")
    name = "2026年" + HOSTILE + "竞赛"
    created = client.post("/manage/contests/new", data={**CONTEST_FORM, "name": name})
    assert created.status_code == 302
    contest = db.session.execute(sa.select(Contest).where(Contest.name == name)).scalar_one()
    for path in (f"/manage/contests/{contest.id}", "/manage/", f"/manage/contests/{contest.id}/edit"):
        page = client.get(path).get_data(as_text=True)
        _shows_literally(page)

    unit = {"name": HOSTILE + "有限公司", "kind": "employer", "credit_code": "", "region_code": "330600"}
    assert client.post("/manage/units/new", data={**unit, "region_name": HOSTILE}).status_code == 302
    assert db.session.execute(sa.select(Unit).where(Unit.name == unit["name"])).scalar_one()
    _shows_literally(client.get("/manage/units").get_data(as_text=True))


def _version(page: str) -> str:
    match = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', page)
    assert match, "the edit form carries the row's version"
    return match.group(1) or match.group(2)


def test_editing_a_contest_from_two_tabs_refuses_the_second_save(client, auth, world):
    auth.login("organizer")
    edit = f"/manage/contests/{world.contest.id}/edit"
    tab_a, tab_b = (
        _version(client.get(edit).get_data(as_text=True)),
        _version(client.get(edit).get_data(as_text=True)),
    )
    assert tab_a == tab_b
    saved = client.post(edit, data={**CONTEST_FORM, "venue": "甲标签页的场地", "version": tab_a})
    assert saved.status_code == 302
    stale = client.post(edit, data={**CONTEST_FORM, "venue": "乙标签页的场地", "version": tab_b})
    assert stale.status_code == 200 and "已被他人修改" in stale.get_data(as_text=True)
    db.session.refresh(world.contest)
    assert world.contest.venue == "甲标签页的场地"
    # Reloading the form in tab B gives the new version, and then the save goes through.
    fresh = _version(client.get(edit).get_data(as_text=True))
    assert fresh != tab_b
    assert (
        client.post(edit, data={**CONTEST_FORM, "venue": "乙标签页的场地", "version": fresh}).status_code
        == 302
    )
