"""The judge's grid in chromium while the database is unreachable: the cell says the mark was not saved
and why, keeps the value, and saves it by itself once the database is back (static/js/marking.js
retries 5 s after a 503). The fault is real: another connection holds SQLite's exclusive lock past the
busy timeout, as a long maintenance transaction would. (The same fault on PostgreSQL, and the
server's side of it, are in tests/faults/test_database_outage.py.)"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from competition.extensions import db
from competition.marking.models import Mark
from tests import factories
from tests.browser.conftest import TABLET, sign_in
from tests.conftest import migrated_app


@pytest.fixture
def grid_server(tmp_path: Path) -> Iterator[dict]:
    """A server on its own SQLite file with a marking world; its URL, database file and ids."""
    path = tmp_path / "grid.sqlite3"
    app = migrated_app(f"sqlite:///{path}", tmp_path)
    with app.app_context():
        world = factories.make_marking_world()
        db.session.commit()
        found = {
            "event_id": world.event.id,
            "entry_id": world.entries[1].id,
            "judge": world.judges[1].username,
            "path": path,
            "app": app,
        }
        db.session.remove()
        # give up on a lock after 0.3 s rather than the configured 10 s
        sa.event.listen(db.engine, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout=300"))
        db.engine.dispose()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    found["base"] = f"http://127.0.0.1:{server.server_port}"
    yield found
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


def test_the_grid_says_not_saved_and_retries_when_the_database_is_back(browser, grid_server, screenshot_dir):
    context = browser.new_context(base_url=grid_server["base"], viewport=TABLET, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, grid_server["judge"], factories.PASSWORD)
        page.goto(f"/judge/marking/events/{grid_server['event_id']}/practical/grid?criterion=*")
        cell = page.locator(f'[data-registration="{grid_server["entry_id"]}"][data-aspect="P1.1"]')
        state = page.locator(".cell", has=cell).locator(".state")

        holder = sqlite3.connect(grid_server["path"], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # the database is unreachable for writers from now on
        try:
            if cell.evaluate("e => e.tagName") == "SELECT":
                cell.select_option("2")
            else:
                cell.fill("2")
                cell.press("Tab")
            expect(state).to_contain_text("数据库暂时无法连接")
            expect(page.locator("#saved-state")).to_contain_text("未保存")
            page.screenshot(path=str(screenshot_dir / "faults-autosave-database-unreachable.png"))
        finally:
            holder.rollback()
            holder.close()

        expect(state).to_contain_text("已保存", timeout=20_000)  # the automatic retry
        expect(page.locator("#saved-state")).to_contain_text("全部已保存")
        assert cell.input_value() == "2"
    finally:
        context.close()

    with grid_server["app"].app_context():
        rows = db.session.execute(
            sa.select(Mark.value, Mark.version).where(
                Mark.registration_id == grid_server["entry_id"], Mark.aspect_code == "P1.1"
            )
        ).all()
        db.session.remove()
    assert [tuple(r) for r in rows] == [("2", 1)]
