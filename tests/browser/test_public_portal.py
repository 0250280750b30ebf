"""Browser: the public portal as a member of the public uses it, on a desktop (1280×800) and a phone
(390×844): the contest list with its search, a contest page with its events and their results, the
results page (names masked), the promotion notice, the honour rolls and certificate verification; then
the competitor's own page (/me). Every page is screenshotted at both sizes and checked with axe-core."""

from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PHONE, sign_in

DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
# an ID number standing alone: not digits inside a longer code such as the PDF's SHA-256 in hex
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request, browser, live_server):
    """(name, page) with the viewport of the parameter and no cookies."""
    context = browser.new_context(
        base_url=live_server,
        viewport=VIEWPORTS[request.param],
        locale="zh-CN",
        is_mobile=request.param == "phone",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield request.param, page
    context.close()


def _shot(page, screenshot_dir, name: str, size: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"public-{name}-{size}.png"), full_page=True)


def _fits(page) -> None:
    """Nothing makes the page wider than the viewport (no sideways scrolling on a phone)."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the viewport"


def _no_personal_numbers(page) -> None:
    text = page.locator("body").inner_text()
    assert not ID_NUMBER.search(text), ID_NUMBER.search(text).group(0)
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)


def test_contests_search_and_a_contests_results(viewport, screenshot_dir):
    size, page = viewport
    page.goto("/")
    page.get_by_role("heading", name="竞赛", exact=True).wait_for()
    _fits(page)
    _shot(page, screenshot_dir, "index", size)
    assert_accessible(page, f"portal index ({size})")

    page.get_by_label("竞赛名称").fill("状元")
    page.get_by_role("button", name="查找").click()
    page.get_by_text(re.compile(r"找到 \d+ 项竞赛")).wait_for()
    cards = page.locator(".card h3 a")
    assert cards.count() >= 1
    assert all("状元" in cards.nth(i).inner_text() for i in range(cards.count()))
    cards.first.click()

    page.get_by_role("heading", name="赛项与成绩").wait_for()
    _fits(page)
    _shot(page, screenshot_dir, "contest", size)
    assert_accessible(page, f"contest page ({size})")

    page.locator("a[href*='/results']").first.click()
    page.get_by_role("heading", name="成绩名单").wait_for()
    _fits(page)
    _no_personal_numbers(page)
    names = page.locator("tbody th[scope=row]")
    assert names.count() >= 1
    assert all("*" in names.nth(i).inner_text() for i in range(names.count()))
    _shot(page, screenshot_dir, "results", size)
    assert_accessible(page, f"results page ({size})")

    # back to the contest through the breadcrumbs, then to its promotion notice
    page.get_by_role("navigation", name="位置").get_by_role("link").nth(1).click()
    notice = page.get_by_role("link", name="查看本竞赛的技能等级晋升与称号公示")
    if notice.count():
        notice.click()
        page.wait_for_load_state()
        _fits(page)
        _no_personal_numbers(page)
        _shot(page, screenshot_dir, "promotion-notice", size)
        assert_accessible(page, f"promotion notice ({size})")


def test_honour_rolls(viewport, screenshot_dir):
    size, page = viewport
    page.goto("/honours/")
    _fits(page)
    _shot(page, screenshot_dir, "honours", size)
    assert_accessible(page, f"honour rolls ({size})")
    page.locator("main a[href^='/honours/']").first.click()
    page.wait_for_load_state()
    _fits(page)
    _no_personal_numbers(page)
    _shot(page, screenshot_dir, "honour-roll", size)
    assert_accessible(page, f"honour roll ({size})")


def test_certificate_verification_and_my_page(viewport, browser, live_server, screenshot_dir):
    size, page = viewport
    page.goto("/verify")
    _fits(page)
    _shot(page, screenshot_dir, "verify-lookup", size)
    assert_accessible(page, f"verification lookup ({size})")

    sign_in(page, "js-competitor")
    page.goto("/me/")
    page.get_by_role("heading", name="我的成绩").wait_for()
    assert page.get_by_text(re.compile(r"第 \d+ 名 / 共 \d+ 人")).count() >= 1
    _fits(page)
    _shot(page, screenshot_dir, "me", size)
    assert_accessible(page, f"/me ({size})")
    link = page.get_by_role("link", name="查验页").first.get_attribute("href")

    # my promotions and titles, with their reasons
    page.get_by_role("link", name="我的晋升与称号").first.click()
    page.wait_for_load_state()
    _fits(page)
    _shot(page, screenshot_dir, "me-promotion", size)
    assert_accessible(page, f"/me/promotion ({size})")

    # the verification page as the public sees it (a fresh context, not signed in)
    context = browser.new_context(base_url=live_server, viewport=VIEWPORTS[size], locale="zh-CN")
    public = context.new_page()
    public.goto(link)
    public.get_by_text("有效证书").wait_for()
    _fits(public)
    _no_personal_numbers(public)
    _shot(public, screenshot_dir, "verify", size)
    assert_accessible(public, f"verification page ({size})")
    context.close()
