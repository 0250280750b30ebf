"""Accessibility of each role's main pages, checked with axe-core (vendored, served by the app itself):
no serious or critical violation on the sign-in page, the competitor's page, a judge's marking grid, the
chief judge's desk, the organizer's contest page and the unit page (the public pages are checked in
test_public_portal.py at both viewports). Also: every form field has a label, the keyboard reaches the
main navigation with a visible focus ring, and the check itself fails on a known violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, violations
from tests.browser.conftest import sign_in


def _organizer_contest(page):
    sign_in(page, "sx-organizer")
    page.get_by_role("link", name="竞赛管理").first.click()
    page.get_by_role("link", name="2026年绍兴市焊工职业技能竞赛").first.click()
    page.get_by_role("heading", name="2026年绍兴市焊工职业技能竞赛").wait_for()


def _judge_grid(page):
    # the 焊工 staff event of the finished Jiangsu contest: a marked, submitted grid
    sign_in(page, "js-staff-10-1")
    page.get_by_role("link", name="评分表").first.click()
    opener = page.get_by_role("link", name="打开评分表")
    if opener.count():
        opener.first.click()
    page.wait_for_load_state()
    expect(page.locator("main h1")).to_be_visible()


def _chief_desk(page):
    sign_in(page, "js-staff-10-chief")
    page.get_by_role("link", name="裁判长工作台").first.click()
    page.wait_for_load_state()


def _unit(page):
    sign_in(page, "unit-contact")
    page.goto("/unit/")


def _me(page):
    sign_in(page, "js-competitor")
    page.goto("/me/")


def _sign_in_page(page):
    page.goto("/auth/login")


PAGES = {
    "sign-in": _sign_in_page,
    "me": _me,
    "judge-grid": _judge_grid,
    "chief-desk": _chief_desk,
    "organizer-contest": _organizer_contest,
    "unit": _unit,
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_serious_axe_violations(page, screenshot_dir, name):
    PAGES[name](page)
    page.screenshot(path=str(screenshot_dir / f"a11y-{name}.png"), full_page=False)
    assert_accessible(page, name)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_field_has_a_label(page, name):
    PAGES[name](page)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden' && !el.closest('[hidden]'))
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.getAttribute('aria-labelledby'))
            .map(el => el.outerHTML.slice(0, 120))"""
    )
    assert not unlabelled, unlabelled


def test_keyboard_reaches_the_navigation_with_a_visible_focus(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("跳到正文")
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    for _ in range(3):
        page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('header') !== null")
    assert focused, "Tab moves through the header's links"
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert style[0] != "none" and style[1] != "0px", style
    # the skip link takes the keyboard to the main content
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"


def test_the_check_fails_on_a_known_violation(page):
    page.goto("/auth/login")
    page.evaluate(
        """() => { const img = document.createElement('img'); img.src = '/static/none.png';
                   document.querySelector('main').appendChild(img); }"""
    )
    assert any(v.startswith("image-alt") for v in violations(page))
