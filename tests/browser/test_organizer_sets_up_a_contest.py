"""An organizer signs in, creates a contest with two events and opens registration — in chromium."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from competition import clock
from tests.browser.conftest import sign_in


def test_organizer_creates_a_contest_with_two_events_and_opens_registration(page, screenshot_dir):
    today = clock.now().date()
    starts = today + timedelta(days=40)

    sign_in(page, "sx-organizer")
    expect(page.get_by_role("heading", name="竞赛管理")).to_be_visible()
    expect(page.get_by_text("绍兴市人力资源和社会保障局").first).to_be_visible()
    page.screenshot(path=screenshot_dir / "organizer-contests.png", full_page=True)

    page.get_by_role("link", name="新建竞赛").click()
    page.get_by_label("竞赛名称").fill(f"{starts.year}年绍兴市电工职业技能竞赛")
    page.get_by_label("竞赛级别").select_option(label="市级二类")
    page.get_by_label("比赛地点").fill("绍兴市技师学院 实训楼")
    page.get_by_label("比赛开始日期").fill(starts.isoformat())
    page.get_by_label("比赛结束日期").fill(starts.isoformat())
    page.get_by_label("报名开始时间").fill(f"{today.isoformat()}T00:00")
    page.get_by_label("报名截止时间").fill(f"{(starts - timedelta(days=10)).isoformat()}T17:00")
    page.get_by_label("协办单位（可多选）").select_option(label="绍兴市总工会")
    page.get_by_label("竞赛通知与说明").fill("设一等奖 1 名、二等奖 2 名、三等奖 3 名。")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("竞赛已创建。下一步：添加赛项。")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{starts.year}年绍兴市电工职业技能竞赛")).to_be_visible()
    expect(page.get_by_text("竞赛还没有赛项。")).to_be_visible()
    expect(page.get_by_role("button", name="开放报名")).to_be_disabled()

    page.get_by_role("link", name="添加赛项").click()
    page.get_by_label("职业（工种）名称").fill("电工")
    page.get_by_label("职业编码（可选）").fill("6-31-01-03")
    page.get_by_label("组别").select_option(label="职工组")
    page.get_by_label("理论知识 权重（%）").fill("30")
    page.get_by_label("技能操作 权重（%）").fill("60")
    page.get_by_role("button", name="保存赛项").click()
    expect(page.get_by_text("各部分权重之和为 90，应为 100。")).to_be_visible()
    page.get_by_label("技能操作 权重（%）").fill("70")
    page.get_by_role("button", name="保存赛项").click()
    expect(page.get_by_text("赛项“电工 职工组”已添加。")).to_be_visible()

    page.get_by_role("link", name="添加赛项").click()
    page.get_by_label("职业（工种）名称").fill("电工")
    page.get_by_label("组别").select_option(label="学生组")
    page.get_by_label("试题难度对应等级").select_option(label="四级/中级工")
    page.get_by_label("理论知识 权重（%）").fill("40")
    page.get_by_label("技能操作 权重（%）").fill("60")
    page.get_by_role("button", name="保存赛项").click()
    expect(page.get_by_text("赛项“电工 学生组”已添加。")).to_be_visible()

    events = page.get_by_role("table").filter(has_text="考核部分与权重")
    expect(events.get_by_role("row")).to_have_count(3)
    expect(events).to_contain_text("理论知识 30%，技能操作 70%")
    expect(events).to_contain_text("理论知识 40%，技能操作 60%")
    page.screenshot(path=screenshot_dir / "organizer-contest.png", full_page=True)

    page.get_by_role("button", name="开放报名").click()
    expect(page.get_by_text("竞赛状态已变为“报名中”。")).to_be_visible()
    expect(page.locator(".stepper [aria-current=step]")).to_have_text("报名中")

    page.get_by_role("link", name="竞赛公告").click()
    card = page.locator(".card").filter(has_text=f"{starts.year}年绍兴市电工职业技能竞赛")
    expect(card).to_contain_text("报名中")
    expect(card).to_contain_text("2 个赛项")
