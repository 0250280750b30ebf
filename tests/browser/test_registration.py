"""Self-registration and a unit's batch upload with a row that fails — in chromium, as people do it."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect

from competition.domain import Gender
from competition.registration.idnumbers import make_resident_id
from tests.browser.conftest import sign_in

WELDING = "绍兴市焊工职业技能竞赛"


def test_a_competitor_signs_up_and_registers_for_welding(page, screenshot_dir):
    page.goto("/")
    page.get_by_role("link", name="选手注册").click()
    page.get_by_label("姓名").fill("程海燕")
    page.get_by_label("性别").select_option(label="女")
    page.get_by_label("证件号码").fill(make_resident_id("330602", date(1991, 6, 8), 321, Gender.FEMALE))
    page.get_by_label("手机号码").fill("13857512345")
    page.get_by_label("工作单位/学校").select_option(label="绍兴市排水管理有限公司")
    page.get_by_label("现有职业技能等级").select_option(label="三级/高级工")
    page.get_by_label("本职业（工种）工作年限").fill("9")
    page.get_by_label("用户名").fill("cheng.hy")
    page.get_by_label("密码", exact=True).fill("weld-2026-cheng")
    page.get_by_label("再次输入密码").fill("weld-2026-cheng")
    page.get_by_role("button", name="注册").click()

    expect(page.get_by_text("注册成功。")).to_be_visible()
    expect(page.get_by_text("还没有报名。")).to_be_visible()
    row = page.locator(".event-row").filter(has_text=WELDING)
    row.get_by_role("button", name="报名").click()
    expect(page.get_by_text("等待组织方审核")).to_be_visible()
    entry = page.get_by_role("row").filter(has_text=WELDING)
    expect(entry).to_contain_text("待审核")
    expect(entry).to_contain_text("焊工 职工组")
    page.screenshot(path=screenshot_dir / "competitor-registered.png", full_page=True)


def test_sign_up_with_a_wrong_check_digit_is_refused(page):
    page.goto("/signup")
    number = make_resident_id("330602", date(1991, 6, 8), 322, Gender.MALE)
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    page.get_by_label("姓名").fill("钱卫东")
    page.get_by_label("证件号码").fill(wrong)
    page.get_by_label("手机号码").fill("13857500000")
    page.get_by_label("用户名").fill("qian.wd")
    page.get_by_label("密码", exact=True).fill("weld-2026-qian")
    page.get_by_label("再次输入密码").fill("weld-2026-qian")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_text("校验码不正确")).to_be_visible()


def _fill(template: bytes, people: list[tuple[str, str, str]]) -> bytes:
    book = load_workbook(io.BytesIO(template))
    sheet = book["报名表"]
    headers = {cell.value: cell.column for cell in sheet[1]}
    for row, (name, number, event) in enumerate(people, start=2):
        sheet.cell(row=row, column=headers["赛项"], value=event)
        sheet.cell(row=row, column=headers["姓名"], value=name)
        sheet.cell(row=row, column=headers["证件号码"], value=number)
        sheet.cell(row=row, column=headers["手机号码"], value=f"1395750{row:04d}")
        sheet.cell(row=row, column=headers["身份（职工/学生/教师）"], value="职工")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_unit_uploads_a_workbook_with_one_bad_row(page, tmp_path, screenshot_dir):
    sign_in(page, "unit-contact")
    page.locator(".event-row").filter(has_text=WELDING).get_by_role("link", name="批量报名").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载报名表模板").click()
    template = download_info.value
    template_path = tmp_path / "template.xlsx"
    template.save_as(template_path)

    good = [make_resident_id("330602", date(1985, 2, d), 400 + d, Gender.MALE) for d in (1, 2)]
    bad = make_resident_id("330602", date(1985, 2, 3), 403, Gender.MALE)
    bad = bad[:-1] + ("1" if bad[-1] != "1" else "2")
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(
        _fill(
            template_path.read_bytes(),
            [
                ("陶建平", good[0], "焊工 职工组"),
                ("孙立新", good[1], "焊工 职工组"),
                ("鲁国庆", bad, "焊工 职工组"),
            ],
        )
    )

    page.get_by_label("报名表（.xlsx）").set_input_files(filled)
    page.get_by_role("button", name="上传并检查").click()
    report = page.locator("#import-report")
    expect(report).to_contain_text("有 1 行未通过检查，本次没有导入任何数据")
    bad_row = report.get_by_role("row").filter(has_text="鲁国庆")
    expect(bad_row).to_contain_text("4")
    expect(bad_row).to_contain_text("校验码不正确")
    page.screenshot(path=screenshot_dir / "unit-import-report.png", full_page=True)

    page.get_by_label("报名表（.xlsx）").set_input_files(filled)
    page.get_by_label("只导入通过检查的行").check()
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("#import-report")).to_contain_text("已导入 2 行")
    entries = page.get_by_role("table").filter(has_text="参赛号").last
    expect(entries).to_contain_text("陶建平")
    expect(entries).to_contain_text("孙立新")
    expect(entries).not_to_contain_text("鲁国庆")
