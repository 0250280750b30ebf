"""The token page as a person uses it in Chromium, and the token then used by another system."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.browser.conftest import sign_in


def _get(url: str, token: str) -> tuple[int, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # 127.0.0.1 only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_organizer_makes_a_token_uses_it_and_revokes_it(page, live_server, screenshot_dir):
    sign_in(page, "sx-organizer")
    page.get_by_role("link", name="API 令牌").click()
    page.get_by_label("令牌名称").fill("理论考试系统")
    page.get_by_label("有效期").select_option("30")
    page.get_by_role("button", name="创建令牌").click()
    secret = page.get_by_label("令牌", exact=True).input_value()
    assert secret.startswith("jnapi_")
    page.screenshot(path=str(screenshot_dir / "api-token-created.png"), full_page=True)

    status, contests = _get(f"{live_server}/api/v1/contests", secret)
    assert status == 200 and any("绍兴" in c["name"] for c in contests)
    page.reload()  # the secret is not shown again; the last use is
    assert secret not in page.content()
    assert "从未使用" not in page.locator("table").inner_text()

    page.get_by_role("button", name="吊销").click()
    assert "已吊销" in page.locator("main").inner_text()
    status, body = _get(f"{live_server}/api/v1/contests/1/events", secret)
    assert status == 401 and body["message"] == "令牌无效、已吊销或已过期。"


def test_the_reference_page_lists_every_operation(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/api/v1/docs")
    table = page.locator("table").first.inner_text()
    for path in (
        "/api/v1/contests",
        "/api/v1/events/{event_id}/theory-scores",
        "/api/v1/certificates/{code}",
    ):
        assert path in table
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
