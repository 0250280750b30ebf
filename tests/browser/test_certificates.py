"""An organizer issues award certificates and reissues one; the new certificate's QR code, opened on a
phone, shows its verification page (masked, readable without sideways scrolling)."""

from __future__ import annotations

import re
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, sign_in
from tests.pdf.conftest import png_pages

JIANGSU = re.compile("江苏技能状元大赛总决赛")


def _qr_url(pdf: bytes, folder: Path) -> str:
    path = folder / "certificate.pdf"
    path.write_bytes(pdf)
    (png,) = png_pages(path, dpi=150)
    (barcode,) = zxingcpp.read_barcodes(Image.open(png))
    return barcode.text


def test_a_certificates_qr_code_opens_its_verification_page_on_a_phone(
    page, browser, live_server, screenshot_dir, tmp_path
):
    sign_in(page, "js-organizer")
    page.get_by_role("link", name="竞赛管理").click()
    page.get_by_role("link", name=JIANGSU).first.click()
    page.get_by_role("link", name="证书", exact=True).click()
    certificates_page = page.url
    page.get_by_role("button", name="按最终成绩申请获奖证书").click()
    expect(page.locator(".flash").first).to_contain_text("获奖证书")
    page.get_by_label("范围").select_option(label="焊工 职工组")
    page.get_by_role("button", name="签发并生成打印文件").click()
    expect(page.get_by_text("已完成。")).to_be_visible(timeout=120_000)
    expect(page.get_by_role("link", name=re.compile(r"下载 证书-.*\.pdf"))).to_be_visible()

    page.goto(certificates_page)
    row = (
        page.get_by_role("row")
        .filter(has_text="焊工")
        .filter(has=page.get_by_role("button", name="更正/补发"))
        .first
    )
    row.get_by_label("更正/补发原因").fill("证书遗失，申请补发")
    row.get_by_role("button", name="更正/补发").click()
    flash = page.locator(".flash").filter(has_text="已签发新证书")
    expect(flash).to_be_visible()
    new_number = re.search(r"已签发新证书 (\S+)，取代", flash.inner_text()).group(1)
    new_row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=new_number, exact=True))
    href = new_row.get_by_role("link", name="下载").get_attribute("href")
    pdf = page.request.get(href).body()
    url = _qr_url(pdf, tmp_path)
    assert url.startswith(f"{live_server}/verify/"), url

    phone = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN")
    try:
        mobile = phone.new_page()
        mobile.goto(url)
        expect(mobile.get_by_role("heading", name="证书查验")).to_be_visible()
        expect(mobile.get_by_role("status")).to_have_text("有效证书")
        expect(mobile.locator(".facts")).to_contain_text(new_number)
        expect(mobile.locator(".facts")).to_contain_text("焊工 职工组")
        expect(mobile.locator(".facts")).to_contain_text("*")  # name and ID masked
        assert re.fullmatch(r"[0-9a-f]{64}", mobile.locator(".hash").inner_text().strip())
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "the verification page must not scroll sideways on a phone"
        mobile.screenshot(path=screenshot_dir / "certificate-verification-phone.png", full_page=True)
        # The certificate it replaced says so, and links to the new one.
        replaced = mobile.request.get(url).text()
        assert new_number in replaced
    finally:
        phone.close()
