"""A whole contest year in chromium, as the people who run it and take part in it use the platform.

Contest A of REAL-CONTESTS.md (绍兴市焊工职业技能竞赛: municipal 市级一类, one 焊工 staff event, theory 30 /
practical 70, awards 一等 1, 二等 2, 三等 3) with the 天津 2024 promotion rules (contest D): the
administrator opens an organizer account; the organizer sets up the contest, its marking scheme and its
rule set and opens registration; the water company's contact uploads five welders from the template
workbook; two welders of other companies sign up, upload a photo and register; the organizer approves
everyone and holds the draw; three judges mark blind on tablets; the exam system's theory scores are
imported; the chief judge signs off and decrypts; the results go to public notice; an appeal is lodged
and dismissed; the notice ends and the results become final; promotions and the 天津市技术能手 title are
proposed, noticed and confirmed; the certificates are issued and printed in one batch; the winner
downloads hers and a passer-by verifies it from the QR code on a phone.

Every step checks what the person sees (headings, messages, table rows). Screenshots of the key screens
go to ``screenshot_dir`` (``SCREENSHOT_DIR`` or a temp folder) as ``year-*.png``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from competition import clock
from competition.domain import Gender, PartKind
from competition.registration.idnumbers import make_resident_id
from competition.scoring.aspects import Aspect, Check, JudgedMark, Judgement
from competition.scoring.scheme import Criterion, MarkingScheme, Part
from competition.scoring.xlsx_io import AspectInfo, export_scheme_xlsx
from tests.browser.conftest import PHONE, TABLET, sign_in
from tests.browser.year.conftest import (
    CHIEF_JUDGE,
    CONSTRUCTION,
    DRAINAGE,
    JUDGES,
    PASSWORD,
    UNIT_CONTACT,
    WATER,
    YearServer,
)
from tests.pdf.conftest import png_pages

DESKTOP = {"width": 1280, "height": 900}
ORGANIZER = "sx-hrss-jingsai"
ORGANIZER_PASSWORD = "Shaoxing-2026-hanjie"
EVENT = "焊工 职工组"


class Welder:
    """A generated competitor (never a real person) and the marks the panel will give him or her."""

    def __init__(self, name, gender, born, level, unit, *, rank, theory, b1, b2, c1, d1="1"):
        self.name, self.gender, self.unit, self.level = name, gender, unit, level
        self.id_number = make_resident_id("330602", born, 100 + rank, gender)
        self.rank, self.theory = rank, theory
        self.marks = {"A1": "1", "B1": str(b1), "B2": str(b2), "C1": str(c1), "D1": d1}
        self.number = ""  # the competitor number the draw gives

    @property
    def practical(self) -> Decimal:
        m = self.marks
        return (
            Decimal(10) * int(m["A1"])
            + Decimal(30) * int(m["B1"]) / 3
            + Decimal(20) * int(m["B2"]) / 3
            + Decimal(m["C1"])
            + Decimal(10) * int(m["D1"])
        )

    @property
    def total(self) -> Decimal:
        return (Decimal("0.3") * self.theory + Decimal("0.7") * self.practical).quantize(Decimal("0.01"))


M, F = Gender.MALE, Gender.FEMALE
#: The two who sign up themselves; 程海燕 wins.
CHENG = Welder("程海燕", F, date(1991, 6, 8), "三级/高级工", DRAINAGE, rank=1, theory=92, b1=3, b2=3, c1=28)
MA = Welder("马志强", M, date(1987, 3, 14), "三级/高级工", CONSTRUCTION, rank=3, theory=88, b1=2, b2=3, c1=22)
#: The water company's five, uploaded by its contact; 陈国栋 already holds 技师.
UPLOADED = (
    Welder("陈国栋", M, date(1983, 11, 2), "二级/技师", WATER, rank=2, theory=85, b1=3, b2=2, c1=25),
    Welder("沈建华", M, date(1990, 1, 20), "三级/高级工", WATER, rank=4, theory=80, b1=2, b2=2, c1=19),
    Welder("王立群", M, date(1994, 8, 9), "三级/高级工", WATER, rank=5, theory=76, b1=2, b2=1, c1=16),
    Welder("徐海峰", M, date(1996, 5, 30), "四级/中级工", WATER, rank=6, theory=70, b1=1, b2=2, c1=13),
    Welder(
        "赵永刚", M, date(1998, 12, 12), "四级/中级工", WATER, rank=7, theory=65, b1=1, b2=1, c1=10, d1="0"
    ),
)
WELDERS = sorted((CHENG, MA, *UPLOADED), key=lambda w: w.rank)
AWARDS = {1: "一等奖", 2: "二等奖", 3: "二等奖", 4: "三等奖", 5: "三等奖", 6: "三等奖", 7: ""}


# ---- files people bring ----------------------------------------------------------------------------------


def scheme_workbook() -> bytes:
    """The practical marking scheme (技能操作评分细则) of the 焊工 event in the platform's template."""
    practical = Part(
        PartKind.PRACTICAL,
        Decimal(100),
        (
            Criterion("A", "焊前准备", (Aspect("A1", "坡口加工与组对间隙符合图纸", Decimal(10), Check()),)),
            Criterion(
                "B",
                "焊缝外观",
                (
                    Aspect("B1", "焊缝成形与表面质量", Decimal(30), Judgement()),
                    Aspect("B2", "焊缝余高与宽度均匀", Decimal(20), Judgement()),
                ),
            ),
            Criterion("C", "焊接质量", (Aspect("C1", "射线探伤与弯曲试验", Decimal(30), JudgedMark()),)),
            Criterion("D", "安全文明生产", (Aspect("D1", "劳保穿戴与现场清理", Decimal(10), Check()),)),
        ),
    )
    descriptors = ("未达到要求", "基本达到要求", "达到要求", "超出要求")
    return export_scheme_xlsx(
        MarkingScheme("焊工 职工组 技能操作评分细则", (practical,)),
        aspects={code: AspectInfo(descriptors=descriptors) for code in ("B1", "B2")},
    )


def filled_template(template: Path, welders) -> bytes:
    """The unit's downloaded template with one row per welder, headers found by name as a person would."""
    book = load_workbook(template)
    sheet = book["报名表"]
    column = {cell.value: cell.column for cell in sheet[1] if cell.value}
    for row, w in enumerate(welders, start=2):
        values = {
            "赛项": EVENT,
            "姓名": w.name,
            "证件号码": w.id_number,
            "手机号码": f"139575{row:05d}",
            "身份（职工/学生/教师）": "职工",
            "现有职业技能等级": w.level,
            "本职业（工种）工作年限": 6 + row,
        }
        for header, value in values.items():
            sheet.cell(row=row, column=column[header], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def id_photo(path: Path, shirt: str) -> Path:
    """A 1-inch portrait on a white background (a drawn head and shoulders, not a person)."""
    image = Image.new("RGB", (295, 413), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((95, 70, 200, 200), fill=(233, 196, 160))
    draw.rectangle((60, 240, 235, 413), fill=shirt)
    draw.ellipse((60, 200, 235, 300), fill=shirt)
    image.save(path, "JPEG", quality=90)
    return path


def theory_scores_csv(path: Path) -> Path:
    """What the exam system exports: competitor number and score out of 100."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["参赛号", "成绩", "考场"])
        for w in WELDERS:
            writer.writerow([w.number, w.theory, "第一考场"])
    return path


def qr_url(pdf: Path, shots: Path) -> str:
    """The URL in the certificate's QR code, decoded from the rendered page with zxing-cpp (the page is
    kept beside the screenshots as ``year-certificate.png``)."""
    (png,) = png_pages(pdf, dpi=150)
    shutil.copy(png, shots / "year-certificate.png")
    (barcode,) = zxingcpp.read_barcodes(Image.open(png))
    return barcode.text


# ---- people in their own browsers ------------------------------------------------------------------------


class People:
    def __init__(self, browser, server: YearServer, shots: Path) -> None:
        self.browser, self.server, self.shots = browser, server, shots
        self.contexts = []

    def open(self, viewport=DESKTOP, **options) -> Page:
        context = self.browser.new_context(
            base_url=self.server.base_url, viewport=viewport, locale="zh-CN", accept_downloads=True, **options
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        return context.new_page()

    def shot(self, page: Page, name: str, *, full_page: bool = True) -> None:
        page.screenshot(path=self.shots / f"year-{name}.png", full_page=full_page)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def flash(page: Page, text: str):
    expect(page.locator(".flash").filter(has_text=text).first).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    flash(page, "您已退出登录。")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


# ---- the year --------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_whole_contest_year_on_contest_a_with_the_tianjin_rules(
    browser, year_server, screenshot_dir, tmp_path
):
    people = People(browser, year_server, screenshot_dir)
    try:
        _run_year(people, year_server, tmp_path)
    except Exception:
        for index, context in enumerate(people.contexts):  # what each person saw when it failed
            for page in context.pages:
                page.screenshot(path=screenshot_dir / f"year-failed-{index}.png", full_page=True)
        raise
    finally:
        people.close()


def _run_year(people: People, server: YearServer, tmp: Path) -> None:
    today = clock.now().date()
    contest_day = today + timedelta(days=35)
    closes = contest_day - timedelta(days=10)
    contest_name = f"{contest_day.year}年绍兴市焊工职业技能竞赛"

    # 1. The administrator opens the organizer's account.
    admin = people.open()
    sign_in(admin, "admin", PASSWORD)
    expect(admin.get_by_role("heading", name="账号管理", exact=True)).to_be_visible()
    admin.get_by_role("link", name="新建账号").click()
    admin.get_by_label("用户名").fill(ORGANIZER)
    admin.get_by_label("姓名").fill("吕晓峰")
    admin.get_by_label("角色").select_option(label="组织方")
    admin.get_by_label("所属组织单位（组织方必填）").select_option(label="绍兴市人力资源和社会保障局")
    admin.get_by_label("初始密码").fill("Temp-pass-2026")
    admin.get_by_role("button", name="创建账号").click()
    flash(admin, f"账号 {ORGANIZER} 已创建，首次登录时须修改密码。")
    expect(admin.get_by_role("row").filter(has_text=ORGANIZER)).to_contain_text("绍兴市人力资源和社会保障局")

    # 2. The organizer signs in, replaces the temporary password and sets up contest A.
    org = people.open()
    sign_in(org, ORGANIZER, "Temp-pass-2026")
    flash(org, "这是管理员设置的临时密码，请先修改密码。")
    org.get_by_label("当前密码").fill("Temp-pass-2026")
    org.get_by_label("新密码", exact=True).fill(ORGANIZER_PASSWORD)
    org.get_by_label("再次输入新密码").fill(ORGANIZER_PASSWORD)
    org.get_by_role("button", name="修改密码").click()
    flash(org, "密码已修改。")
    expect(org.get_by_role("heading", name="竞赛管理", exact=True)).to_be_visible()

    org.get_by_role("link", name="新建竞赛").click()
    org.get_by_label("竞赛名称").fill(contest_name)
    org.get_by_label("竞赛级别").select_option(label="市级一类")
    org.get_by_label("协办单位（可多选）").select_option(label=["绍兴市总工会", "共青团绍兴市委"])
    org.get_by_label("比赛地点").fill("绍兴市技师学院 焊接实训中心")
    org.get_by_label("比赛开始日期").fill(contest_day.isoformat())
    org.get_by_label("比赛结束日期").fill(contest_day.isoformat())
    org.get_by_label("报名开始时间").fill(f"{today.isoformat()}T00:00")
    org.get_by_label("报名截止时间").fill(f"{closes.isoformat()}T17:00")
    org.get_by_label("竞赛通知与说明").fill(
        "设一等奖 1 名、二等奖 2 名、三等奖 3 名；前三名授予“绍兴市技术能手”“绍兴金蓝领”称号。"
    )
    org.get_by_role("button", name="保存").click()
    flash(org, "竞赛已创建。下一步：添加赛项。")
    expect(org.get_by_role("heading", name=contest_name, exact=True)).to_be_visible()
    expect(org.locator(".subtitle").first).to_contain_text("协办：")
    expect(org.locator(".subtitle").first).to_contain_text("绍兴市总工会")
    expect(org.locator(".subtitle").first).to_contain_text("共青团绍兴市委")
    contest_url = org.url

    org.get_by_role("link", name="添加赛项").click()
    org.get_by_label("职业（工种）名称").fill("焊工")
    org.get_by_label("职业编码（可选）").fill("6-18-02-04")
    org.get_by_label("组别").select_option(label="职工组")
    org.get_by_label("理论知识 权重（%）").fill("30")
    org.get_by_label("技能操作 权重（%）").fill("70")
    org.get_by_role("button", name="保存赛项").click()
    flash(org, f"赛项“{EVENT}”已添加。")
    events = org.get_by_role("table").filter(has_text="考核部分与权重")
    expect(events.get_by_role("row").filter(has_text=EVENT)).to_contain_text("理论知识 30%，技能操作 70%")
    expect(events.get_by_role("row").filter(has_text=EVENT)).to_contain_text("6-18-02-04")

    # The judges' panel: a chief judge and three judges from the city's pool.
    org.get_by_role("row").filter(has_text=EVENT).get_by_role("link", name="0 人").click()
    expect(org.get_by_role("heading", name=f"裁判组 · {EVENT}", exact=True)).to_be_visible()
    for username, position in ((CHIEF_JUDGE, "裁判长"), *((j, "裁判员") for j in JUDGES)):
        org.get_by_label("裁判员用户名").fill(username)
        org.get_by_label("职务").select_option(label=position)
        org.get_by_role("button", name="加入裁判组").click()
        expect(org.locator(".flash").first).to_contain_text("已加入裁判组。")
    seats = org.get_by_role("table")
    expect(seats.get_by_role("row").filter(has_text="周明远")).to_contain_text("裁判长")
    expect(seats.locator("tbody tr")).to_have_count(4)

    # The marking scheme, uploaded from the template workbook.
    org.goto(contest_url)
    org.get_by_role("row").filter(has_text=EVENT).get_by_role("link", name="评分标准").click()
    expect(org.get_by_role("heading", name=f"{EVENT} · 评分标准", exact=True)).to_be_visible()
    scheme = tmp / "焊工职工组技能操作评分细则.xlsx"
    scheme.write_bytes(scheme_workbook())
    org.get_by_label("文件").set_input_files(scheme)
    org.get_by_role("button", name="上传并检查").click()
    flash(org, "评分标准已导入。")
    expect(org.get_by_text("6 个评分项")).to_be_visible()
    for text in ("焊前准备", "焊缝成形与表面质量", "射线探伤与弯曲试验", "安全文明生产"):
        expect(org.locator("main")).to_contain_text(text)
    people.shot(org, "organizer-scheme")

    # The promotion rule set: the 天津 2024 preset.
    org.goto(contest_url)
    org.get_by_role("link", name="晋升与称号").click()
    expect(org.get_by_role("heading", name="晋升与称号决定", exact=True)).to_be_visible()
    expect(org.get_by_text("尚未选择晋升规则。")).to_be_visible()
    org.get_by_label("预置规则").select_option(value="tianjin-2024")
    org.get_by_role("button", name="设置规则").click()
    flash(org, "已设置晋升规则：天津市纳入计划竞赛获奖选手晋升职业技能等级。")
    rules = org.get_by_role("table").filter(has_text="适用范围")
    expect(rules).to_contain_text("整个竞赛")
    expect(rules).to_contain_text("预置规则（只读）")

    # Open registration; the public sees the contest.
    org.goto(contest_url)
    org.get_by_role("button", name="开放报名").click()
    flash(org, "竞赛状态已变为“报名中”。")
    expect(org.locator(".stepper [aria-current=step]")).to_have_text("报名中")
    people.shot(org, "organizer-contest-open")

    public = people.open(PHONE, is_mobile=True)
    public.goto("/")
    card = public.locator(".card").filter(has_text=contest_name)
    expect(card).to_contain_text("报名中")

    # 3. The water company's contact uploads five welders from the template.
    unit = people.open()
    sign_in(unit, UNIT_CONTACT, PASSWORD)
    expect(unit.get_by_role("heading", name=WATER, exact=True)).to_be_visible()
    unit.locator(".event-row").filter(has_text=contest_name).get_by_role("link", name="批量报名").click()
    expect(unit.get_by_role("heading", name=f"批量报名 · {contest_name}", exact=True)).to_be_visible()
    with unit.expect_download() as download:
        unit.get_by_role("link", name="下载报名表模板").click()
    template = tmp / "template.xlsx"
    download.value.save_as(template)
    workbook = tmp / "水务集团焊工报名表.xlsx"
    workbook.write_bytes(filled_template(template, UPLOADED))
    unit.get_by_label("报名表（.xlsx）").set_input_files(workbook)
    unit.get_by_role("button", name="上传并检查").click()
    expect(unit.locator("#import-report")).to_contain_text("已导入 5 行。")
    entries = unit.get_by_role("table").filter(has_text="参赛号").last
    for w in UPLOADED:
        expect(entries.get_by_role("row").filter(has_text=w.name)).to_contain_text("待审核")
    assert UPLOADED[0].id_number not in unit.content(), "ID numbers are masked on the unit's page"
    people.shot(unit, "unit-import")

    # 4. Two welders of other companies sign up, upload a photo and register.
    competitors = {}
    for w, username, shirt in ((CHENG, "cheng.haiyan", "#2b4c7e"), (MA, "ma.zhiqiang", "#3d6b4f")):
        page = people.open()
        page.goto("/")
        page.get_by_role("link", name="选手注册").click()
        page.get_by_label("姓名").fill(w.name)
        page.get_by_label("性别").select_option(label="女" if w.gender is F else "男")
        page.get_by_label("证件号码").fill(w.id_number)
        page.get_by_label("手机号码").fill("1385751" + w.id_number[-4:].replace("X", "0"))
        page.get_by_label("工作单位/学校").select_option(label=w.unit)
        page.get_by_label("现有职业技能等级").select_option(label=w.level)
        page.get_by_label("本职业（工种）工作年限").fill("9")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码", exact=True).fill(f"weld-2026-{username}")
        page.get_by_label("再次输入密码").fill(f"weld-2026-{username}")
        page.get_by_role("button", name="注册").click()
        flash(page, "注册成功。")
        expect(page.get_by_role("heading", name="我的参赛", exact=True)).to_be_visible()

        page.get_by_role("link", name="证件照").click()
        page.get_by_label(re.compile("证件照")).set_input_files(id_photo(tmp / f"{username}.jpg", shirt))
        page.get_by_role("button", name="上传照片").click()
        flash(page, "照片已更新。")

        page.locator(".event-row").filter(has_text=contest_name).get_by_role("button", name="报名").click()
        flash(page, f"已报名“{EVENT}”，等待组织方审核。")
        expect(page.get_by_role("row").filter(has_text=contest_name)).to_contain_text("待审核")
        competitors[w.name] = page
    people.shot(competitors[CHENG.name], "competitor-registered")

    # 5. Registration closes; the organizer approves everyone and holds the draw.
    server.clock.set(at(closes, 17, 30))
    org.goto(contest_url)
    org.get_by_role("button", name="截止报名").click()
    flash(org, "竞赛状态已变为“报名已截止”。")
    org.get_by_role("row").filter(has_text=EVENT).get_by_role("link", name="报名", exact=True).click()
    expect(org.get_by_role("heading", name=f"报名审核 · {EVENT}", exact=True)).to_be_visible()
    expect(org.get_by_role("link", name="全部（7）")).to_be_visible()
    org.get_by_role("button", name="一键通过所有符合条件的待审核报名").click()
    flash(org, "已通过 7 个报名，0 个进入候补，0 个有条件不符合、需逐个处理。")
    listing = org.get_by_role("table")
    for w in WELDERS:
        expect(listing.get_by_role("row").filter(has_text=w.name)).to_contain_text("已通过")
    people.shot(org, "organizer-review")

    org.get_by_role("link", name="抽签").first.click()
    expect(org.get_by_role("heading", name="抽签", exact=True)).to_be_visible()
    org.get_by_label("参赛号前缀（可选，如 A）").fill("HG")
    org.get_by_role("button", name="生成种子并公布其 SHA-256").click()
    # One station per entry cannot keep the water company's five apart: said before any seed is fixed.
    expect(org.locator(".field.has-error")).to_contain_text("无法使同一单位的选手不相邻")
    expect(org.locator("#commitment")).to_have_count(0)
    org.get_by_label("工位数（默认每个报名一个）").fill("10")  # the welding hall has ten booths
    org.get_by_role("button", name="生成种子并公布其 SHA-256").click()
    flash(org, "种子已生成，其 SHA-256 已公布。")
    commitment = org.locator("#commitment").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", commitment)
    org.get_by_role("button", name="开始抽签").click()
    flash(org, "抽签完成，种子已公开。")
    org.get_by_role("button", name="公布抽签结果").click()
    flash(org, "抽签结果已公布。")
    drawn = org.get_by_role("table").filter(has_text="工位号")
    expect(drawn.locator("tbody tr")).to_have_count(7)
    for w in WELDERS:
        cells = drawn.get_by_role("row").filter(has_text=w.name).get_by_role("cell").all_inner_texts()
        w.number = cells[0].strip()
        assert re.fullmatch(r"HG\d{3}", w.number), cells
    people.shot(org, "organizer-draw")

    # The winner-to-be downloads her admission ticket.
    cheng = competitors[CHENG.name]
    cheng.goto("/me/")
    with cheng.expect_download() as download:
        cheng.get_by_role("row").filter(has_text=contest_name).get_by_role("link", name="下载准考证").click()
    assert download.value.suggested_filename.endswith(".pdf")

    # 6. Contest day: the contest starts and marking opens.
    server.clock.set(at(contest_day, 8, 0))
    org.goto(contest_url)
    org.get_by_role("button", name="开始比赛").click()
    flash(org, "竞赛状态已变为“比赛进行中”。")
    server.clock.set(at(contest_day, 14, 0))
    org.get_by_role("button", name="进入评分").click()
    flash(org, "竞赛状态已变为“评分中”。")

    # 7. Three judges mark blind on tablets; none of them ever sees a name or a unit.
    hidden = [w.name for w in WELDERS] + [WATER, DRAINAGE, CONSTRUCTION]
    for index, username in enumerate(JUDGES):
        judge = people.open(TABLET, has_touch=True)
        sign_in(judge, username, PASSWORD)
        expect(judge.get_by_role("heading", name="我的裁判任务", exact=True)).to_be_visible()
        judge.get_by_role("row").filter(has_text=EVENT).get_by_role("link", name="评分表").click()
        judge.get_by_role("link", name="打开评分表").click()
        expect(judge.get_by_role("heading", name="技能操作 · 评分表", exact=True)).to_be_visible()
        judge.get_by_role("link", name="全部评分项").click()
        html = judge.content()
        assert not [n for n in hidden if n in html], "a judge must never see names or units"
        by_number = {w.number: w for w in WELDERS}
        for row in judge.locator("table.marking tbody tr").all():
            number = re.match(r"HG\d{3}", row.locator("th.entry").inner_text()).group(0)
            welder = by_number[number]
            for code, value in welder.marks.items():
                select = row.locator(f'select[data-aspect="{code}"]')
                if select.count():
                    if index == 0:  # measurements are shared: the first judge records them
                        select.select_option(value)
                    continue
                cell = row.locator(f'input[data-aspect="{code}"]')
                cell.fill(value)
                cell.press("Tab")
        expect(judge.locator("#saved-state")).to_have_text("全部已保存")
        if index == 0:
            people.shot(judge, "judge-grid-tablet", full_page=False)
        judge.get_by_role("button", name="提交技能操作的评分").click()
        flash(judge, "已提交技能操作的评分。")
        assert not [n for n in hidden if n in judge.content()]

    # 8. The exam system's theory scores are imported.
    org.goto(contest_url)
    org.get_by_role("row").filter(has_text=EVENT).get_by_role("link", name="成绩").click()
    expect(org.get_by_role("heading", name=f"{EVENT} · 成绩", exact=True)).to_be_visible()
    org.get_by_role("link", name="理论成绩导入").click()
    org.get_by_label("文件").set_input_files(theory_scores_csv(tmp / "理论考试成绩.csv"))
    org.get_by_role("button", name="上传并导入").click()
    flash(org, "理论成绩已导入：7 人更新，0 人不变。")
    expect(org.locator("#theory-report tbody tr")).to_have_count(7)

    # Awards of contest A: 一等 1, 二等 2, 三等 3.
    org.goto(contest_url)
    org.get_by_role("row").filter(has_text=EVENT).get_by_role("link", name="成绩").click()
    org.get_by_label("奖项设置方式").select_option(value="counts")
    org.get_by_label("一、二、三等奖名额或百分比").fill("1,2,3")
    org.get_by_role("button", name="保存设置").click()
    flash(org, "奖项与申诉设置已保存。")
    expect(org.get_by_text("解密前只显示参赛号。")).to_be_visible()

    # 9. The chief judge signs off and decrypts.
    chief = people.open(TABLET, has_touch=True)
    sign_in(chief, CHIEF_JUDGE, PASSWORD)
    chief.get_by_role("row").filter(has_text=EVENT).get_by_role("link", name="裁判长工作台").click()
    expect(chief.get_by_role("heading", name="裁判长工作台", exact=True)).to_be_visible()
    assert not [n for n in hidden if n in chief.content()], "names stay hidden until decryption"
    chief.get_by_role("button", name="签字确认理论知识").click()
    flash(chief, "理论知识的成绩已签字确认并锁定。")
    chief.get_by_role("button", name="签字确认技能操作").click()
    flash(chief, "技能操作的成绩已签字确认并锁定。")
    chief.get_by_role("button", name="签字确认全部成绩").click()
    flash(chief, "本赛项的全部成绩已签字确认。")
    chief.get_by_role("button", name="解密").click()
    flash(chief, "已解密：选手姓名现已显示。")
    expect(chief.get_by_role("cell", name=CHENG.name, exact=True)).to_be_visible()
    people.shot(chief, "chief-judge-decrypted")

    # 10. The results go to public notice.
    server.clock.set(at(contest_day, 17, 20))
    org.reload()
    standings = org.locator("#standings")
    expect(org.get_by_role("heading", name="成绩排名（预览）", exact=True)).to_be_visible()
    for w in WELDERS:
        row = standings.get_by_role("row").filter(has_text=w.number)
        expect(row.get_by_role("cell").first).to_have_text(str(w.rank))
        expect(row).to_contain_text(w.name)
        expect(row).to_contain_text(f"{w.total:.2f}")
        if AWARDS[w.rank]:
            expect(row).to_contain_text(AWARDS[w.rank])
    org.get_by_role("button", name="发布公示").click()
    flash(org, "成绩已发布公示：")
    expect(org.get_by_role("heading", name="成绩排名（已发布）", exact=True)).to_be_visible()
    people.shot(org, "organizer-results-published")
    org.goto(contest_url)
    org.get_by_role("button", name="发布成绩公示").click()
    flash(org, "竞赛状态已变为“成绩公示中”。")

    public.goto("/")
    public.locator(".card").filter(has_text=contest_name).get_by_role("link").first.click()
    expect(public.get_by_role("heading", name=contest_name, exact=True)).to_be_visible()
    public.get_by_role("link", name=f"成绩公示 {EVENT}").click()
    expect(public.locator("main")).to_contain_text("一等奖")
    assert CHENG.name not in public.content(), "names on public pages are masked"
    expect(public.locator("main")).to_contain_text("程*燕")
    notice = public.locator("table.results-table")
    expect(notice.locator("tbody tr").filter(has_text="程*燕")).to_contain_text(DRAINAGE)
    expect(notice.locator("tbody tr")).to_have_count(7)
    assert public.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    people.shot(public, "public-results-phone")

    # 11. 马志强 (3rd) appeals in writing within two hours; the arbitration panel dismisses it.
    server.clock.set(at(contest_day, 18, 10))
    org.goto(contest_url)
    org.get_by_role("row").filter(has_text=EVENT).get_by_role("link", name="成绩").click()
    org.get_by_label("参赛号").fill(MA.number)
    org.get_by_label("申诉人").fill(MA.name)
    org.get_by_label("收到申诉的时间").fill(f"{contest_day.isoformat()}T18:05")
    org.get_by_label("申诉内容").fill("本人认为焊缝外观评分偏低，申请复核 B1 项。")
    org.get_by_role("button", name="登记").click()
    flash(org, "申诉已登记。")
    appeal = org.locator(".panel .panel").filter(has_text=MA.number)
    expect(appeal).to_contain_text("待裁决")
    appeal.get_by_label("裁决", exact=True).select_option(label="驳回")
    appeal.get_by_label("裁决意见").fill("经仲裁组调阅评分记录与试件，三名裁判评分一致，维持原成绩。")
    appeal.get_by_role("button", name="记录裁决").click()
    flash(org, "裁决已记录。")
    expect(org.locator(".panel .panel").filter(has_text=MA.number)).to_contain_text("维持原成绩")
    people.shot(org, "organizer-appeal-ruled")

    # 12. The notice ends; the results become final.
    server.clock.set(at(contest_day + timedelta(days=15), 9, 0))
    org.goto(contest_url)
    org.get_by_role("button", name="确认最终成绩").click()
    flash(org, "竞赛状态已变为“成绩已确认”。")
    expect(org.locator(".stepper [aria-current=step]")).to_have_text("成绩已确认")

    # 13. Promotions and titles under the 天津 rules: proposed, noticed, confirmed.
    # Final results propose the decisions at once (audited as automatic); re-evaluating changes nothing.
    org.get_by_role("link", name="晋升与称号").click()
    org.get_by_role("button", name="重新评估").click()
    flash(org, "评估完成")
    decisions = org.locator("table.decisions")
    first = decisions.locator(f"tr[data-competitor='{CHENG.name}']")
    expect(first.filter(has_text="晋升")).to_contain_text("技师")
    expect(first.filter(has_text="天津市技术能手")).to_have_count(1)
    expect(decisions.locator(f"tr[data-competitor='{UPLOADED[0].name}']")).to_contain_text("高级技师")
    people.shot(org, "organizer-promotion-proposed")
    org.get_by_role("button", name="发布公示").click()
    flash(org, "已公示 8 条决定：")
    server.clock.set(at(contest_day + timedelta(days=30), 9, 0))
    org.reload()
    org.get_by_role("button", name="确认公示期满的决定").click()
    flash(org, "已确认 8 条决定，等级与称号已记入选手档案。")
    people.shot(org, "organizer-promotion-confirmed")

    # 14. Certificates: requested from the final results and printed in one background batch.
    org.goto(contest_url)
    org.get_by_role("link", name="证书", exact=True).click()
    expect(org.get_by_role("heading", name="证书", exact=True)).to_be_visible()
    org.get_by_role("button", name="按最终成绩申请获奖证书").click()
    expect(org.locator(".flash").first).to_contain_text("获奖证书")
    org.get_by_role("button", name="签发并生成打印文件").click()
    expect(org.get_by_text("已完成。")).to_be_visible(timeout=180_000)
    with org.expect_download() as download:
        org.get_by_role("link", name=re.compile(r"下载 证书-.*\.pdf")).click()
    batch = tmp / "batch.pdf"
    download.value.save_as(batch)
    pages = png_pages(batch, dpi=30)
    assert len(pages) == 6 + 7 + 1, f"{len(pages)} pages: 6 awards, 7 promotions, 1 title"
    people.shot(org, "organizer-certificates-printed")
    org.goto(contest_url)
    org.get_by_role("link", name="证书", exact=True).click()
    expect(org.get_by_role("heading", name="已签发的证书（14）", exact=True)).to_be_visible()
    expect(org.get_by_text("已签发 14 张有效证书，待签发 0 张。")).to_be_visible()
    issued = org.get_by_role("row").filter(has_text=CHENG.name)
    expect(issued).to_have_count(3)  # 一等奖, 天津市技术能手, 二级/技师
    people.shot(org, "organizer-certificates")

    # 15. The winner downloads her certificates; a passer-by verifies one from its QR code on a phone.
    cheng.goto("/me/")
    entry = (
        cheng.get_by_role("table")
        .filter(has_text="参赛号 / 工位")
        .get_by_role("row")
        .filter(has_text=contest_name)
    )
    expect(entry).to_contain_text(f"{CHENG.number} / ")
    expect(entry.get_by_role("button", name="撤回报名")).to_have_count(0)  # results are final
    expect(cheng.locator(".facts").first).to_contain_text("二级/技师")  # her level, promoted from 三级/高级工
    mine = cheng.get_by_role("table").filter(has_text="编号")
    award_row = mine.get_by_role("row").filter(has_text="一等奖")
    expect(award_row).to_be_visible()
    people.shot(cheng, "competitor-certificates")
    with cheng.expect_download() as download:
        award_row.get_by_role("link", name="下载 PDF").click()
    pdf = tmp / "cheng-award.pdf"
    download.value.save_as(pdf)
    url = qr_url(pdf, people.shots)
    assert url.startswith(f"{server.base_url}/verify/"), url

    passer_by = people.open(PHONE, is_mobile=True)
    passer_by.goto(url)
    expect(passer_by.get_by_role("heading", name="证书查验", exact=True)).to_be_visible()
    expect(passer_by.get_by_role("status")).to_have_text("有效证书")
    facts = passer_by.locator(".facts")
    expect(facts).to_contain_text("程*燕")
    expect(facts).to_contain_text("一等奖")
    expect(facts).to_contain_text(EVENT)
    assert CHENG.name not in passer_by.content()
    # Whoever holds the PDF can check it is the original: its SHA-256 is the one shown.
    assert passer_by.locator(".hash").inner_text().strip() == hashlib.sha256(pdf.read_bytes()).hexdigest()
    people.shot(passer_by, "public-verification-phone")
