"""Browser tests: Playwright for Python driving Debian's chromium against a live server on 127.0.0.1.

The live server runs the real app in a thread on its own database (SQLite file, or a sibling
PostgreSQL database), migrated from empty and loaded with the demo year, so the browser sees what
a newcomer sees after `make run`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from competition import clock
from competition.demo.load import load_demo
from competition.extensions import db
from tests.conftest import database_url, migrated_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app served on 127.0.0.1 with the demo loaded."""
    instance = tmp_path_factory.mktemp("browser-instance")
    app = migrated_app(database_url(instance, "browser"), instance, JOBS_EAGER=False, PDF_PROCESSES=2)
    with app.app_context():
        load_demo(now=clock.now())
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless chromium for the run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) with a desktop viewport; base URL is the live server."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``SCREENSHOT_DIR`` (e.g. docs/screenshots) when set, else a temp folder."""
    target = os.environ.get("SCREENSHOT_DIR")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in(page, username: str, password: str = "jineng2026") -> None:
    """Sign in through the form as a person would."""
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
