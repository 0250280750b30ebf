"""The dashboard pages: who sees which body, the targets form, the charts and the contests overview."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from competition.audit.models import AuditEntry
from competition.dashboards.models import YearTarget
from competition.domain import SkillLevel
from competition.extensions import db


def _text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _url(body, year=2026, suffix=""):
    return f"/manage/dashboard/bodies/{body.id}/{year}{suffix}"


@pytest.mark.parametrize(
    ("who", "body", "allowed"),
    [
        ("city-organizer", "city", True),
        ("city-organizer", "district", True),
        ("district-organizer", "district", True),
        ("district-organizer", "city", False),
        ("other-organizer", "city", False),
        ("other-organizer", "district", False),
        ("admin", "district", True),
    ],
)
@pytest.mark.parametrize("suffix", ["", "/progress.svg", "/targets"])
def test_who_sees_which_body(client, auth, year_world, who, body, allowed, suffix):
    auth.login(who)
    response = client.get(_url(getattr(year_world, body), suffix=suffix))
    assert response.status_code == (200 if allowed else 404)


def test_other_organizer_cannot_save_targets(client, auth, year_world):
    auth.login("other-organizer")
    response = client.post(
        _url(year_world.city, suffix="/targets"), data={"contests": "50", "high_level": "senior_worker"}
    )
    assert response.status_code == 404
    assert db.session.execute(sa.select(sa.func.count()).select_from(YearTarget)).scalar() == 0


def test_body_year_page_shows_figures_beside_targets(client, auth, year_world):
    auth.login("city-organizer")
    response = client.post(
        _url(year_world.city, suffix="/targets"),
        data={
            "contests": "50",
            "titles": "100",
            "competitors": "",
            "high_level": "senior_worker",
            "note": "绍兴 第13条",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_url(year_world.city))
    text = _text(client.get(_url(year_world.city)))
    assert "举办竞赛 2 场 50 场 4.0%" in text
    assert "授予荣誉称号 2 人次 100 人次 2.0%" in text
    assert "参赛选手 4 人 — — — 未设目标" in text
    assert "二级/技师 2" in text
    assert "绍兴 第13条" in text
    assert year_world.district.name in text  # the sub-body row
    page = client.get(_url(year_world.city)).get_data(as_text=True)
    for chart in ("progress", "levels", "bodies"):
        assert f"{_url(year_world.city)}/{chart}.svg" in page
    assert 'aria-describedby="progress-table"' in page


@pytest.mark.parametrize("chart", ["progress", "levels", "bodies"])
def test_charts_are_svg_with_their_own_policy(client, auth, year_world, chart):
    auth.login("city-organizer")
    client.post(
        _url(year_world.city, suffix="/targets"), data={"contests": "50", "high_level": "senior_worker"}
    )
    response = client.get(_url(year_world.city, suffix=f"/{chart}.svg"))
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    svg = response.get_data(as_text=True)
    assert svg.lstrip().startswith("<?xml") and "<svg " in svg and "<title>" in svg and "ns0:" not in svg
    assert "<script" not in svg and "kozea.github.io" not in svg
    assert "2026" in svg


def test_unknown_chart_and_year_are_404(client, auth, year_world):
    auth.login("city-organizer")
    assert client.get(_url(year_world.city, suffix="/pie.svg")).status_code == 404
    assert client.get(_url(year_world.city, year=1999)).status_code == 404


def test_targets_are_saved_audited_and_edited(client, auth, year_world):
    auth.login("city-organizer")
    data = {"contests": "100", "certificates_high": "1000", "high_level": "technician", "note": "宿迁"}
    assert client.post(_url(year_world.district, suffix="/targets"), data=data).status_code == 302
    target = db.session.execute(sa.select(YearTarget)).scalar_one()
    assert (target.body_id, target.year, target.contests, target.certificates_high) == (
        year_world.district.id,
        2026,
        100,
        1000,
    )
    assert target.high_level is SkillLevel.TECHNICIAN and target.titles is None
    data.update(contests="15", version=str(target.version))
    assert client.post(_url(year_world.district, suffix="/targets"), data=data).status_code == 302
    db.session.refresh(target)
    assert target.contests == 15
    entries = (
        db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "targets.save").order_by(AuditEntry.id)
        )
        .scalars()
        .all()
    )
    assert [e.after.get("contests") for e in entries] == [100, 15]
    assert entries[1].before == {"contests": 100}
    # a form opened before that edit is refused, nothing changes
    data.update(contests="20", version="1")
    response = client.post(_url(year_world.district, suffix="/targets"), data=data, follow_redirects=True)
    assert "已被他人修改" in response.get_data(as_text=True)
    db.session.refresh(target)
    assert target.contests == 15


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"contests": "-5"}, "应为 0 到 10000000 之间的整数"),
        ({"contests": "abc"}, "不是有效的整数"),
        ({"certificates": "100", "certificates_high": "101"}, "不能大于总数"),
        ({}, "请至少填写一项目标"),
        ({"contests": "10", "high_level": "chief_technician"}, "不是有效的选择"),
    ],
)
def test_target_form_refuses_bad_input(client, auth, year_world, data, message):
    auth.login("city-organizer")
    payload = {"high_level": "senior_worker", **data}
    response = client.post(_url(year_world.city, suffix="/targets"), data=payload)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(YearTarget)).scalar() == 0


def test_targets_form_lists_the_seed_examples(client, auth, year_world):
    auth.login("city-organizer")
    text = _text(client.get(_url(year_world.city, suffix="/targets")))
    assert "每年组织开展各类市级职业技能竞赛50场以上" in text
    assert "签发证书 48000 张；高级工及以上职业技能等级证书 9500 张" in text


def test_index_sends_organizers_to_their_body_and_lists_bodies_for_admins(client, auth, year_world):
    from competition import clock

    auth.login("district-organizer")
    response = client.get("/manage/dashboard/")
    assert response.headers["Location"].endswith(_url(year_world.district, year=clock.now().year))
    auth.logout()
    auth.login("admin")
    text = _text(client.get("/manage/dashboard/"))
    assert year_world.city.name in text and year_world.other.name in text


def test_contests_overview(client, auth, year_world):
    auth.login("city-organizer")
    response = client.get("/manage/dashboard/contests?year=2026")
    text = _text(response)
    assert year_world.final_contest.name in text
    assert "可以“归档”" in text
    assert "2025" in text  # the year filter offers the archived contest's year
    assert year_world.district_event.contest.name not in text  # the district's own contest: not the city's
    from tests import factories

    factories.make_contest(year_world.city, name="没有赛项的草稿竞赛")
    blocked = _text(client.get("/manage/dashboard/contests"))
    assert "“开放报名”尚有" in blocked and "竞赛还没有赛项。" in blocked  # every reason is listed
    auth.logout()
    auth.login("other-organizer")
    assert year_world.final_contest.name not in _text(client.get("/manage/dashboard/contests"))


def test_manage_home_links_to_the_dashboards(client, auth, year_world):
    auth.login("city-organizer")
    page = client.get("/manage/").get_data(as_text=True)
    assert 'href="/manage/dashboard/contests"' in page
    assert 'href="/manage/dashboard/"' in page
