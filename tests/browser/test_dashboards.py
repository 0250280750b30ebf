"""An organizer reads the year's figures beside the targets, with charts, sets a target, and checks where
each contest stands (screenshots for the README)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from competition import clock
from tests.browser.conftest import sign_in


def test_organizer_dashboard(page, screenshot_dir):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    year = (clock.now().date() - timedelta(days=200)).year  # the demo's 江苏 final was held 200 days ago
    sign_in(page, "js-organizer")
    page.get_by_role("link", name="年度目标与完成情况").first.click()
    page.get_by_role("navigation", name="选择年度").get_by_role("link", name=f"{year} 年").click()
    expect(page.get_by_role("heading", name=f"{year} 年度目标与完成情况")).to_be_visible()

    table = page.locator("#progress-table")
    contests = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="举办竞赛", exact=True))
    expect(contests).to_contain_text("1 场")
    expect(contests).to_contain_text("20 场")  # the demo target of 江苏省人社厅
    expect(table.get_by_role("row").filter(has_text="竞赛晋升等级")).to_contain_text("200 人次")
    expect(page.locator("#children-table")).to_contain_text("宿迁市人力资源和社会保障局")

    charts = page.locator("figure.chart img")
    expect(charts).to_have_count(3)
    for index in range(3):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        assert chart.get_attribute("alt"), "every chart has a text alternative"
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    page.screenshot(path=screenshot_dir / "organizer-dashboard.png", full_page=True)

    page.get_by_role("link", name="修改年度目标").click()
    page.get_by_label("竞赛项目（赛项，项）").fill("25")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("年度目标已保存")
    events = page.locator("#progress-table").get_by_role("row").filter(has_text="竞赛项目（赛项）")
    expect(events).to_contain_text("25 项")

    page.get_by_role("link", name="竞赛进度总览").first.click()
    expect(page.get_by_role("heading", name="竞赛进度总览")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="江苏技能状元大赛总决赛")
    expect(row).to_contain_text("可以“归档”")
    row.get_by_role("link", name="报备与公示").click()
    expect(page.get_by_role("heading", name="报备与公示")).to_be_visible()
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_admin_sees_every_contest_with_its_blockers(page, screenshot_dir):
    sign_in(page, "admin")
    page.goto("/manage/")
    page.get_by_role("link", name="竞赛进度总览").click()
    rows = page.locator("table.overview tbody tr")
    expect(rows).to_have_count(4)
    draft = rows.filter(has_text="越城区电工职业技能竞赛")
    expect(draft).to_contain_text("草稿")
    expect(draft).to_contain_text("开放报名")  # its next step, allowed or with its reasons
    expect(rows.filter(has_text="绍兴市焊工职业技能竞赛")).to_contain_text("报名中")
    page.screenshot(path=screenshot_dir / "organizer-contests-overview.png", full_page=True)
