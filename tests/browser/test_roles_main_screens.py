"""Every demo role signs in and sees its own main screen (screenshots for the README)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, sign_in

MAIN_SCREENS = [
    ("admin", "账号管理", "admin-accounts"),
    ("js-organizer", "竞赛管理", "organizer-jiangsu"),
    ("chief-judge", "我的裁判任务", "judge-assignments"),
    ("unit-contact", "绍兴市水务集团有限公司", "unit-contact-home"),
    ("competitor", "我的参赛", "competitor-home"),
]


@pytest.mark.parametrize(("username", "heading", "shot"), MAIN_SCREENS)
def test_role_main_screen(page, screenshot_dir, username, heading, shot):
    sign_in(page, username)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    page.screenshot(path=screenshot_dir / f"{shot}.png")


def test_chief_judge_sees_the_welding_panel(page):
    sign_in(page, "chief-judge")
    row = page.get_by_role("row").filter(has_text="焊工 职工组")
    expect(row).to_contain_text("裁判长")


def test_competitor_id_number_is_masked(page):
    sign_in(page, "competitor")
    expect(page.get_by_text("居民身份证")).to_contain_text("**********")


def test_public_home_on_a_phone(browser, live_server, screenshot_dir):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="竞赛", exact=True)).to_be_visible()
    expect(page.locator(".card").filter(has_text="绍兴市焊工职业技能竞赛")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the public home must not scroll sideways on a phone"
    page.screenshot(path=screenshot_dir / "public-home-phone.png", full_page=True)
    context.close()
