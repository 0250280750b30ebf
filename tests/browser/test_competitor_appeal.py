"""Browser: during a contest a competitor lodges an appeal from /me inside the appeal window (desktop and
phone), sees it pending on their page, and the organizer finds it on the event's results page for a
ruling. Own live server: the demo year with js-competitor's 焊工 entry numbered and its contest under
way today, the event ending in an hour (so the 2-hour window is open)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from competition import clock
from competition.accounts.models import User
from competition.contests.lifecycle import ContestStatus
from competition.demo.load import load_demo
from competition.extensions import db
from competition.marking import services as marking_services
from competition.registration.models import Competitor, Registration, RegistrationMember
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PHONE, sign_in
from tests.conftest import database_url, migrated_app

APPEAL = "焊缝外观评分与实际不符，请监督仲裁组复核第 3 项。"


@pytest.fixture(scope="module")
def appeal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """(base URL, the event's id) with js-competitor's entry inside its appeal window."""
    instance = tmp_path_factory.mktemp("browser-appeal")
    app = migrated_app(database_url(instance, "browser_appeal"), instance, JOBS_EAGER=False)
    now = clock.now()
    with app.app_context():
        load_demo(now=now)
        registration = (
            db.session.execute(
                sa.select(Registration)
                .join(RegistrationMember)
                .join(Competitor)
                .join(User, User.id == Competitor.user_id)
                .where(User.username == "js-competitor")
                .order_by(Registration.id)
            )
            .scalars()
            .first()
        )
        contest = registration.event.contest
        contest.starts_on = contest.ends_on = now.date()
        contest.status = ContestStatus.IN_PROGRESS
        marking_services.marking_of(registration.event).ends_at = now + timedelta(hours=1)
        event_id = registration.event_id
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", event_id
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_competitor_appeals_inside_the_window_and_the_organizer_sees_it(
    browser, appeal_server, screenshot_dir, size
):
    base_url, event_id = appeal_server
    viewport = PHONE if size == "phone" else {"width": 1280, "height": 800}
    context = browser.new_context(base_url=base_url, viewport=viewport, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, "js-competitor")
    page.goto("/me/#appeals")
    form = page.locator("form.appeal-form")
    expect(form).to_have_count(1)
    expect(form).to_contain_text("申诉受理时间")
    assert_accessible(page, f"/me with the appeal form ({size})")
    text = f"{APPEAL}（{size}）"
    form.get_by_label("申诉事项和理由").fill(text)
    page.screenshot(path=str(screenshot_dir / f"me-appeal-{size}.png"), full_page=False)
    form.get_by_role("button", name="提交申诉").click()
    expect(page.get_by_text("申诉已提交")).to_be_visible()
    mine = page.get_by_role("row").filter(has_text=text)
    expect(mine).to_contain_text("待裁决")
    context.close()

    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800}, locale="zh-CN")
    organizer = context.new_page()
    sign_in(organizer, "js-organizer")
    organizer.goto(f"/manage/events/{event_id}/results")
    expect(organizer.get_by_text(text)).to_be_visible()
    context.close()
