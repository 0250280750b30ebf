"""Browser: the organizer of 江苏技能状元大赛总决赛 (finished) reviews the proposed promotion decisions of the
焊工 event, rejects one with a reason and confirms the rest; the competitor reads the reason on their page.

The live server here is this module's own (the demo year plus :func:`load_promotion_demo`), so the test
does not depend on whether the shared demo loader already calls the promotion demo.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from competition import clock
from competition.demo.load import load_demo
from competition.demo.promotion import DEMO_COMPETITOR, load_promotion_demo
from competition.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import database_url, migrated_app

REASON = "经核查，该选手报名时申报的从业年限与单位证明不符，本次不予晋升。"


@pytest.fixture(scope="module")
def promotion_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, the demo competitor's name) of a live server with the promotion demo loaded."""
    from competition.accounts.models import User

    instance = tmp_path_factory.mktemp("browser-promotion")
    app = migrated_app(database_url(instance, "browser_promotion"), instance, JOBS_EAGER=False)
    with app.app_context():
        load_demo(now=clock.now())
        load_promotion_demo(now=clock.now())
        db.session.commit()
        name = db.session.execute(
            sa.select(User.display_name).where(User.username == DEMO_COMPETITOR)
        ).scalar_one()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", name
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def promotion_page(browser, promotion_server):
    base_url, _name = promotion_server
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_organizer_rejects_one_confirms_the_rest_and_competitor_sees_the_reason(
    promotion_page, promotion_server, screenshot_dir
):
    page = promotion_page
    _base, name = promotion_server
    sign_in(page, "js-organizer")
    page.get_by_role("link", name="竞赛管理").first.click()
    page.get_by_role("link", name="江苏技能状元大赛总决赛").first.click()
    page.get_by_role("link", name="晋升与称号").click()
    page.get_by_role("heading", name="晋升与称号决定").wait_for()

    row = page.locator(f"tr[data-competitor='{name}']").filter(has_text="待审核").filter(has_text="焊工")
    assert row.count() == 1
    row.get_by_text("审核", exact=True).click()
    row.get_by_label("不予通过的原因").fill(REASON)
    page.screenshot(path=str(screenshot_dir / "promotion-review.png"), full_page=True)
    row.get_by_role("button", name="不予通过").click()
    page.get_by_text("已不予通过。").wait_for()
    rejected = (
        page.locator(f"tr[data-competitor='{name}']").filter(has_text="焊工").filter(has_text="不予通过")
    )
    assert REASON in rejected.inner_text()

    page.get_by_role("button", name="确认公示期满的决定").click()
    page.screenshot(path=str(screenshot_dir / "promotion-confirmed.png"), full_page=True)
    flash = page.locator(".flash").first.inner_text()
    confirmed = re.search(r"已确认 (\d+) 条决定", flash)
    assert confirmed and int(confirmed.group(1)) >= 5, (
        flash
    )  # the demo's noticed decisions but the rejected one
    assert REASON in page.locator(f"tr[data-competitor='{name}']").filter(has_text="不予通过").inner_text()
    page.screenshot(path=str(screenshot_dir / "promotion-confirmed.png"), full_page=True)
    page.get_by_role("button", name="退出").click()

    sign_in(page, DEMO_COMPETITOR)
    page.get_by_role("link", name="我的晋升与称号").first.click()
    page.get_by_role("heading", name="我的晋升与称号").wait_for()
    card = page.locator("article.panel").filter(has_text="焊工").filter(has_text="不予通过")
    text = card.inner_text()
    assert REASON in text
    assert "第2名/12人" in text and "职工组第1至3名晋升高级技师" in text and "竞赛通知（演示）第七条" in text
    page.screenshot(path=str(screenshot_dir / "promotion-competitor.png"), full_page=True)


def test_unit_contact_nominates_an_own_person_with_a_supporting_file(
    promotion_page, screenshot_dir, tmp_path
):
    from tests.promotion.materials_data import pdf_bytes

    page = promotion_page
    material = tmp_path / "事迹材料.pdf"
    material.write_bytes(pdf_bytes())
    sign_in(page, "unit-contact")
    page.get_by_role("link", name="荣誉评选推荐").first.click()
    page.get_by_role("heading", name="荣誉评选推荐").wait_for()
    page.locator("li").filter(has_text="江苏省青年岗位能手").get_by_role(
        "link", name="推荐本单位人员"
    ).click()
    options = page.locator("select[name=competitor_id] option")
    assert options.count() > 1
    person = options.nth(1).inner_text().split("（")[0]
    page.get_by_label("被推荐人（本单位人员）").select_option(index=1)
    page.get_by_label("推荐材料（主要事迹）").fill("长期负责供水管网抢修，带徒 8 人，获市级技术革新奖 2 项。")
    page.set_input_files("input[name=file]", str(material))
    page.screenshot(path=str(screenshot_dir / "unit-honour-nominate.png"), full_page=True)
    page.get_by_role("button", name="提交推荐").click()
    page.get_by_text(f"已推荐 {person} 参加“江苏省青年岗位能手”评选，等待评审。").wait_for()
    row = page.locator(f"tr[data-nominee='{person}']")
    assert "待评审" in row.inner_text() and "事迹材料.pdf" in row.inner_text()
    page.screenshot(path=str(screenshot_dir / "unit-honours.png"), full_page=True)
