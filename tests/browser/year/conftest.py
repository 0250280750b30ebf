"""A live server on a nearly empty database for the contest-year test, with a clock the test moves.

The database holds only what exists before anyone uses a fresh installation for a city: the
administrator (``flask users create-admin``), the organizing bodies and units of contest A
(REAL-CONTESTS.md: 绍兴市人社局, 总工会, 团市委; water, drainage and construction companies, the 技师学院
where it is held), the unit contact of 绍兴市水务集团 and the city's pool of welding judges. Everything
else — the organizer's account, the contest, its people and results — is made in the browser.

Time: every part of the app reads :func:`competition.clock.now`, so the fixture replaces it with a
clock the test sets forward (registration closes, contest day, end of the public notices); the live
server runs in this process and sees the same clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from werkzeug.serving import make_server

from competition import clock
from competition.accounts.models import Role
from competition.extensions import db
from competition.organizations.models import BodyKind, UnitKind
from tests import factories
from tests.conftest import database_url, migrated_app

PASSWORD = factories.PASSWORD
UNIT_CONTACT = "shuiwu-lianluo"
CHIEF_JUDGE = "hj-zhou"
JUDGES = ("hj-kong", "hj-jiang", "hj-yan")
WATER = "绍兴市水务集团有限公司"
DRAINAGE = "绍兴市排水管理有限公司"
CONSTRUCTION = "绍兴市城建集团有限公司"
COLLEGE = "绍兴市技师学院"


class MovableClock:
    """``now()`` = the real China Standard Time plus an offset the test sets with :meth:`set`."""

    def __init__(self, real) -> None:
        self._real = real
        self._offset = datetime.min - datetime.min

    def now(self) -> datetime:
        return self._real() + self._offset

    def set(self, moment: datetime) -> None:
        """From now on the clock reads ``moment`` and runs on from there."""
        self._offset = moment - self._real()


@dataclass(frozen=True)
class YearServer:
    base_url: str
    clock: MovableClock


def _seed() -> None:
    admin = factories.make_user(Role.ADMIN, username="admin")
    admin.display_name = "平台管理员"
    factories.make_body("绍兴市人力资源和社会保障局")
    union = factories.make_body("绍兴市总工会")
    union.kind = BodyKind.TRADE_UNION
    league = factories.make_body("共青团绍兴市委")
    league.kind = BodyKind.OTHER
    water = factories.make_unit(WATER)
    factories.make_unit(DRAINAGE)
    factories.make_unit(CONSTRUCTION)
    college = factories.make_unit(COLLEGE, kind=UnitKind.SCHOOL)
    contact = factories.make_user(Role.UNIT_CONTACT, username=UNIT_CONTACT, unit=water)
    contact.display_name = "钱晓燕"
    for username, name in zip((CHIEF_JUDGE, *JUDGES), ("周明远", "孔令华", "蒋文斌", "严晓东"), strict=True):
        judge = factories.make_user(Role.JUDGE, username=username, unit=college)
        judge.display_name = name


@pytest.fixture(scope="module")
def year_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[YearServer]:
    """A live server on its own database (SQLite file or a PostgreSQL sibling) with :func:`_seed` only."""
    instance = tmp_path_factory.mktemp("year-instance")
    app = migrated_app(
        database_url(instance, "browser_year"),
        instance,
        JOBS_EAGER=False,  # batch printing runs on the in-process worker thread, as under `make run`
        PDF_PROCESSES=0,
        RATE_LIMITS_ENABLED=False,
    )
    with app.app_context():
        _seed()
        db.session.commit()
        db.session.remove()
    movable = MovableClock(clock.now)
    patch = pytest.MonkeyPatch()
    patch.setattr(clock, "now", movable.now)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield YearServer(f"http://127.0.0.1:{server.server_port}", movable)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        patch.undo()
        with app.app_context():
            db.engine.dispose()
