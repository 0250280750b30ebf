"""Marking pages: the judge's blind grid (plain form and JSON autosave with versions and CSRF), the chief
judge's desk with decryption, and the organizer's scheme, theory and results pages."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from competition.domain import PartKind
from competition.extensions import db
from competition.marking import services
from competition.marking.models import Mark
from tests import factories
from tests.factories import NOW
from tests.scoring.test_marking_services import fill, import_theory, submit_all


@pytest.fixture
def mw(session):
    return factories.make_marking_world()


def names_and_units(world) -> list[str]:
    found = [u.name for u in world.units]
    for entry in world.entries:
        found += [m.competitor.name for m in entry.members]
    return found


def assert_blind(html: str, world) -> None:
    for text in names_and_units(world):
        assert text not in html, text


def test_the_judges_grid_shows_numbers_and_stations_only(client, auth, mw):
    auth.login(mw.judges[1].username)
    page = client.get(f"/judge/marking/events/{mw.event.id}/practical/grid")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "A01" in html and "工位 1" in html
    assert_blind(html, mw)
    for url in (f"/judge/marking/events/{mw.event.id}", f"/judge/marking/events/{mw.event.id}/scheme"):
        assert_blind(client.get(url).get_data(as_text=True), mw)


def test_a_conflicted_judge_does_not_get_that_row(client, auth, mw):
    auth.login(mw.judges[0].username)
    html = client.get(f"/judge/marking/events/{mw.event.id}/practical/grid").get_data(as_text=True)
    assert ">A01<" not in html and ">A02<" in html
    assert "回避" in html


def save(client, world, entry, code, value, version):
    return client.post(
        f"/judge/marking/events/{world.event.id}/marks",
        json={"registration_id": entry.id, "aspect": code, "value": value, "version": version},
    )


def test_autosave_returns_the_new_version_and_refuses_a_stale_edit_with_409(client, auth, mw):
    auth.login(mw.judges[1].username)
    entry = mw.entries[1]
    first = save(client, mw, entry, "P1.1", "2", 0)
    assert first.status_code == 200 and first.get_json()["version"] == 1
    assert save(client, mw, entry, "P1.1", "3", 1).get_json()["version"] == 2
    stale = save(client, mw, entry, "P1.1", "1", 1)
    assert stale.status_code == 409
    body = stale.get_json()
    assert (body["current_value"], body["current_version"]) == ("3", 2)
    assert "没有保存" in body["error"]
    bad = save(client, mw, entry, "P1.1", "7", 2)
    assert bad.status_code == 422 and "0–3" in bad.get_json()["error"]


def test_a_retried_save_of_the_value_already_stored_is_answered_as_saved(client, auth, mw):
    """The tablet retries when the answer to a committed save was lost: same value, old version."""
    auth.login(mw.judges[1].username)
    entry = mw.entries[1]
    assert save(client, mw, entry, "P1.1", "2", 0).get_json()["version"] == 1
    again = save(client, mw, entry, "P1.1", "2", 0)
    assert again.status_code == 200
    assert (again.get_json()["value"], again.get_json()["version"]) == ("2", 1)
    mark = db.session.execute(
        sa.select(Mark).where(Mark.registration_id == entry.id, Mark.aspect_code == "P1.1")
    ).scalar_one()
    assert (mark.value, mark.version) == ("2", 1)
    assert len(services.history_of(mark.id)) == 1  # nothing written the second time
    # another value on the old version is still a conflict
    assert save(client, mw, entry, "P1.1", "3", 0).status_code == 409


def test_autosave_needs_the_csrf_token_in_a_header(app, client, auth, mw):
    auth.login(mw.judges[1].username)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        html = client.get(f"/judge/marking/events/{mw.event.id}/practical/grid").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        url = f"/judge/marking/events/{mw.event.id}/marks"
        payload = {"registration_id": mw.entries[1].id, "aspect": "P1.2", "value": "1", "version": 0}
        assert client.post(url, json=payload).status_code == 400
        assert client.post(url, json=payload, headers={"X-CSRFToken": token}).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_grid_works_as_a_plain_form_without_javascript(client, auth, mw):
    auth.login(mw.judges[1].username)
    entry = mw.entries[1]
    data = {
        f"m-{entry.id}-P1.1": "2",
        f"v-{entry.id}-P1.1": "0",
        f"o-{entry.id}-P1.1": "",
        f"m-{entry.id}-P1.2": "9",
        f"v-{entry.id}-P1.2": "0",
        f"o-{entry.id}-P1.2": "",
    }
    page = client.post(
        f"/judge/marking/events/{mw.event.id}/practical/grid?criterion=P1", data=data, follow_redirects=True
    )
    html = page.get_data(as_text=True)
    assert "已保存 1 项成绩" in html
    assert "A02 号 P1.2" in html  # the bad value is reported with its cell
    assert db.session.execute(
        sa.select(Mark.value).where(Mark.registration_id == entry.id)
    ).scalars().all() == ["2"]


def test_submit_and_the_chief_judges_desk_then_decryption_shows_names(client, auth, mw):
    fill(mw)
    import_theory(mw)
    auth.login(mw.judges[1].username)
    page = client.post(f"/judge/marking/events/{mw.event.id}/practical/submit", follow_redirects=True)
    assert "已提交技能操作的评分" in page.get_data(as_text=True)
    for judge in (mw.judges[0], mw.judges[2]):
        services.submit_part(mw.event, PartKind.PRACTICAL, judge, now=NOW)
    auth.logout()
    auth.login(mw.chief.username)
    desk = f"/judge/chief/events/{mw.event.id}"
    html = client.get(desk).get_data(as_text=True)
    assert "18 / 18" in html or "可签字" in html
    assert_blind(html, mw)
    for url in (f"{desk}/practical/sign-off", f"{desk}/theory/sign-off", f"{desk}/sign-off"):
        assert client.post(url).status_code == 302
    html = client.get(desk).get_data(as_text=True)
    assert_blind(html, mw)
    client.post(f"{desk}/decrypt")
    html = client.get(desk).get_data(as_text=True)
    assert mw.entries[0].members[0].competitor.name in html


def test_the_chief_judge_lists_a_relation_and_the_judge_loses_that_row(client, auth, mw):
    judge, entry = mw.judges[1], mw.entries[1]
    auth.login(mw.chief.username)
    desk = f"/judge/chief/events/{mw.event.id}"
    assert "登记回避关系" in client.get(desk).get_data(as_text=True)
    post = {"judge_id": judge.id, "competitor_number": "Z99", "relation": "亲属"}
    html = client.post(f"{desk}/relations", data=post, follow_redirects=True).get_data(as_text=True)
    assert "本赛项没有参赛号 Z99" in html
    post["competitor_number"] = entry.competitor_number
    html = client.post(f"{desk}/relations", data=post, follow_redirects=True).get_data(as_text=True)
    assert "已登记回避关系" in html
    assert "亲属" in html and judge.display_name in html  # listed among the conflicts, with its reason
    auth.logout()
    auth.login(judge.username)
    grid = client.get(f"/judge/marking/events/{mw.event.id}/practical/grid").get_data(as_text=True)
    assert f">{entry.competitor_number}<" not in grid
    refused = save(client, mw, entry, "P1.1", "2", 0)
    assert refused.status_code == 422 and "回避" in refused.get_json()["error"]


def test_other_judges_cannot_use_the_chief_desk(client, auth, mw):
    auth.login(mw.judges[1].username)
    assert client.get(f"/judge/chief/events/{mw.event.id}").status_code == 404
    assert client.post(f"/judge/chief/events/{mw.event.id}/decrypt").status_code == 404


def test_the_organizer_uploads_a_scheme_and_sees_every_problem(client, auth, mw):
    from tests.scoring.helpers import mini_cis

    event = factories.make_event(mw.contest, "电工")
    auth.login(mw.organizer.username)
    url = f"/manage/events/{event.id}/scheme"
    page = client.post(
        url, data={"file": (io.BytesIO(mini_cis(K15="two")), "cis.xlsx")}, content_type="multipart/form-data"
    )
    html = page.get_data(as_text=True)
    assert "没有导入" in html and "<td>15</td>" in html
    page = client.post(
        url,
        data={"file": (io.BytesIO(mini_cis()), "cis.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = page.get_data(as_text=True)
    assert "评分标准已导入" in html and "理论考试成绩" in html
    exported = client.get(f"/manage/events/{event.id}/scheme.xlsx")
    assert exported.status_code == 200 and exported.data[:2] == b"PK"


def test_the_organizer_imports_theory_scores_and_publishes_results(client, auth, mw):
    fill(mw)
    auth.login(mw.organizer.username)
    bad = client.post(
        f"/manage/events/{mw.event.id}/theory",
        data={"file": (io.BytesIO("参赛号,成绩\nA01,abc\n".encode()), "exam.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "成绩不是数字" in bad and "缺少这些参赛号" in bad
    import_theory(mw)
    submit_all(mw)
    for kind in (PartKind.THEORY, PartKind.PRACTICAL):
        services.sign_off_part(mw.event, kind, actor=mw.chief, now=NOW)
    results_url = f"/manage/events/{mw.event.id}/results"
    html = client.get(results_url).get_data(as_text=True)
    assert "A01" in html and "暂不能排名" not in html
    assert_blind(html, mw)
    services.sign_off_event(mw.event, actor=mw.chief, now=NOW)
    services.decrypt(mw.event, actor=mw.chief, now=NOW)
    page = client.post(f"{results_url}/publish", follow_redirects=True).get_data(as_text=True)
    assert "成绩已发布公示" in page
    marks = client.get(f"{results_url}/MARKS.csv")
    assert marks.status_code == 200 and marks.data.startswith(
        b"event,entry,part,aspect,judge,value,kind,rule"
    )
    standings = client.get(f"{results_url}/STANDINGS.csv")
    assert standings.status_code == 200 and b"A01" in standings.data
