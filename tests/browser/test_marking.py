"""A judge marks on a venue tablet (1024×768) and a chief judge signs off and decrypts, in chromium.

The server here loads the demo, the demo results of contest C (competition.demo.marking), and puts the
焊工 event of contest A (the demo's `judge` and `chief-judge`) into marking with six numbered entries.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from competition import clock
from competition.accounts.models import User
from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Event
from competition.demo.load import load_demo
from competition.demo.marking import practical_scheme, theory_scores
from competition.domain import PartKind
from competition.extensions import db
from competition.marking import services
from competition.registration.services import entries_of
from tests.browser.conftest import TABLET, sign_in
from tests.conftest import database_url, migrated_app


@pytest.fixture(scope="module")
def marking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    instance = tmp_path_factory.mktemp("marking-instance")
    app = migrated_app(database_url(instance, "browser_marking"), instance)
    now = clock.now()
    with app.app_context():
        load_demo(now=now)  # includes load_marking_demo: contest C has published results
        event = (
            db.session.execute(sa.select(Event).where(Event.occupation_name == "焊工").order_by(Event.id))
            .scalars()
            .first()
        )
        event.contest.status = ContestStatus.MARKING
        organizer = db.session.execute(sa.select(User).where(User.username == "sx-organizer")).scalar_one()
        judge_units = {a.user.unit_id for a in event.judge_assignments}
        approved = [
            r
            for r in entries_of(event)
            if r.status.value == "approved" and not (services.entry_units(r) & judge_units)
        ][:6]
        for index, entry in enumerate(approved, start=1):  # as the draw would number them
            entry.competitor_number, entry.station = f"H{index:02d}", index
        welders = [m.competitor for r in approved for m in r.members]
        services.import_scheme(
            event, practical_scheme("焊工 职工组 技能操作评分细则"), "焊工细则.xlsx", actor=organizer, now=now
        )
        db.session.commit()
        names = [c.name for c in welders] + [c.unit.name for c in welders]
        event_id = event.id
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", event_id, names
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


def tablet(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport=TABLET, locale="zh-CN", has_touch=True)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_a_judge_marks_on_a_tablet_and_the_chief_judge_signs_off_and_decrypts(
    browser, marking_server, screenshot_dir
):
    app, base_url, event_id, names = marking_server
    context, page = tablet(browser, base_url)
    sign_in(page, "judge")
    page.get_by_role("row").filter(has_text="焊工 职工组").get_by_role("link", name="评分表").click()
    page.get_by_role("link", name="打开评分表").click()
    expect(page.get_by_role("heading", name="技能操作 · 评分表")).to_be_visible()
    html = page.content()
    assert not [n for n in names if n in html], "the judge's grid must not show names or units"

    # criterion A (measurements): met for everyone, autosaved cell by cell
    for select in page.locator("select[data-aspect]").all():
        select.select_option("1")
    expect(page.locator(".cell.saved")).to_have_count(12)
    # a value out of range is flagged while typing and not saved
    page.get_by_role("link", name="B 作品质量").click()
    page.wait_for_load_state()  # the grid's deferred script runs before "load": typing before it checks nothing
    first = page.locator('input[data-aspect="B2"]').first
    first.fill("5")
    expect(page.locator(".cell.bad").first).to_contain_text("不能大于 3")
    for cell in page.locator('input[data-aspect="B2"], input[data-aspect="B3"]').all():
        cell.fill("2")
        cell.press("Tab")
    for select in page.locator('select[data-aspect="B1"]').all():
        select.select_option("1")
    expect(page.locator(".cell.saved")).to_have_count(18)
    expect(page.locator("#saved-state")).to_have_text("全部已保存")
    page.screenshot(path=screenshot_dir / "marking-grid-tablet.png", full_page=False)

    # the same judge in a second tab changes a mark; the first tab's edit is refused and kept
    other_context, other = tablet(browser, base_url)
    sign_in(other, "judge")
    other.goto(f"/judge/marking/events/{event_id}/practical/grid?criterion=B")
    other_cell = other.locator('input[data-aspect="B2"]').first
    other_cell.fill("3")
    other_cell.press("Tab")
    expect(other.locator(".cell.saved").first).to_be_visible()
    first.fill("1")
    first.press("Tab")
    conflict = page.locator(".cell.conflict").first
    expect(conflict).to_contain_text("已被修改")
    expect(first).to_have_value("1")
    page.screenshot(path=screenshot_dir / "marking-conflict-tablet.png", full_page=False)
    conflict.get_by_role("button", name="以我的输入为准").click()
    expect(page.locator("#saved-state")).to_have_text("全部已保存")
    other_context.close()

    page.get_by_role("link", name="C 职业素养").click()
    for cell in page.locator('input[data-aspect="C1"]').all():
        cell.fill("16")
        cell.press("Tab")
    expect(page.locator("#saved-state")).to_have_text("全部已保存")

    # the rest of the panel marks and the exam scores arrive
    with app.app_context():
        event = db.session.get(Event, event_id)
        judge = db.session.execute(sa.select(User).where(User.username == "judge")).scalar_one()
        panel = services.panel_of(services.event_part(event, PartKind.PRACTICAL))
        for entry in services.marked_entries(event):
            for other_judge in panel:
                if other_judge.id != judge.id:
                    for code, value in (("B2", "2"), ("B3", "2"), ("C1", "17")):
                        services.save_mark(
                            event, entry, code, value, judge=other_judge, expected_version=0, now=clock.now()
                        )
        organizer = db.session.execute(sa.select(User).where(User.username == "sx-organizer")).scalar_one()
        theory_scores(event, random.Random(8), actor=organizer, now=clock.now())
        for other_judge in panel:
            if other_judge.id != judge.id:
                services.submit_part(event, PartKind.PRACTICAL, other_judge, now=clock.now())
        db.session.commit()
        db.session.remove()
    page.get_by_role("button", name="提交技能操作的评分").click()
    expect(page.get_by_text("已提交技能操作的评分。")).to_be_visible()
    context.close()

    context, page = tablet(browser, base_url)
    sign_in(page, "chief-judge")
    page.goto(f"/judge/chief/events/{event_id}")
    expect(page.get_by_role("heading", name="裁判长工作台")).to_be_visible()
    html = page.content()
    assert not [n for n in names if n in html], "names stay hidden until decryption"
    page.get_by_role("button", name="签字确认理论知识").click()
    expect(page.get_by_text("理论知识的成绩已签字确认并锁定。")).to_be_visible()
    page.get_by_role("button", name="签字确认技能操作").click()
    expect(page.get_by_text("技能操作的成绩已签字确认并锁定。")).to_be_visible()
    page.get_by_role("button", name="签字确认全部成绩").click()
    page.get_by_role("button", name="解密").click()
    expect(page.get_by_text("已解密：选手姓名现已显示。")).to_be_visible()
    expect(page.get_by_role("cell", name=names[0], exact=True)).to_be_visible()
    page.screenshot(path=screenshot_dir / "chief-judge-desk.png", full_page=True)
    context.close()


def test_the_organizer_sees_published_results_of_the_demo(browser, marking_server, screenshot_dir):
    _app, base_url, _event_id, _names = marking_server
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, "js-organizer")
    page.get_by_role("link", name="江苏技能状元大赛总决赛").first.click()
    page.get_by_role("row").filter(has_text="网络安全 职工组").get_by_role("link", name="成绩").click()
    expect(page.get_by_role("heading", name="成绩排名（已发布）")).to_be_visible()
    expect(page.locator("#standings tbody tr")).to_have_count(12)
    expect(page.locator("#standings")).to_contain_text("一等奖")
    page.screenshot(path=screenshot_dir / "organizer-results.png", full_page=True)
    context.close()
