"""Many people signing in at once on a file SQLite database (the venue's tablets at the start of a day).

Each sign-in reads the account and then writes it (last sign-in, or the failed-attempt count). Two such
transactions at once used to deadlock on SQLite's lock upgrade, and one of them failed at once with
"database is locked" (the busy timeout does not apply to a deadlock). Threads with their own sessions,
started together by a barrier, against their own SQLite file whatever ``TEST_DATABASE_URL`` says.
"""

from __future__ import annotations

import threading
from datetime import datetime

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from competition.accounts import services
from competition.accounts.models import Role, User
from competition.errors import DomainError
from competition.extensions import db
from tests.conftest import migrated_app

NOW = datetime(2026, 6, 1, 8, 0)
SIGN_INS = 50
PASSWORD = "venue-tablet-2026"


def test_fifty_concurrent_sign_ins_on_a_file_sqlite_database_all_get_an_answer(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'sign-in.sqlite3'}", tmp_path)
    # a cheap hash: the test is about database locks, not about scrypt's cost
    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    with app.app_context():
        for n in range(SIGN_INS):
            db.session.add(
                User(
                    username=f"judge{n}",
                    display_name=f"裁判{n}",
                    role=Role.JUDGE,
                    password_hash=hashed,
                    created_at=NOW,
                )
            )
        db.session.add(
            User(
                username="shared", display_name="共用", role=Role.JUDGE, password_hash=hashed, created_at=NOW
            )
        )
        db.session.commit()
    # half sign in to their own account, half try a wrong password on one shared account
    barrier = threading.Barrier(SIGN_INS)
    outcomes: dict[int, str] = {}

    def sign_in(n: int) -> None:
        own = n % 2 == 0
        with app.app_context():
            barrier.wait(timeout=60)
            try:
                try:
                    services.authenticate(
                        f"judge{n}" if own else "shared", PASSWORD if own else "wrong-password", now=NOW
                    )
                except DomainError as error:
                    outcomes[n] = f"refused: {error.message}"
                else:
                    outcomes[n] = "signed in"
                db.session.commit()  # as the sign-in view does on both paths
            except Exception as error:  # the failure this test is about: "database is locked"
                outcomes[n] = f"error: {error}"
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(SIGN_INS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    errors = sorted(v for v in outcomes.values() if v.startswith("error"))
    assert errors == []
    assert len(outcomes) == SIGN_INS
    assert sum(v == "signed in" for v in outcomes.values()) == SIGN_INS // 2
    with app.app_context():
        signed = db.session.execute(
            sa.select(sa.func.count()).select_from(User).where(User.last_sign_in_at == NOW)
        ).scalar()
        shared = db.session.execute(sa.select(User).where(User.username == "shared")).scalar_one()
        assert signed == SIGN_INS // 2
        # 25 wrong passwords in a row, none lost: locked at the 5th, the rest refused while locked
        assert shared.locked_until == NOW + services.LOCKOUT
        assert shared.failed_sign_ins == 0
        refused_locked = [v for n, v in outcomes.items() if n % 2 and "锁定" in v]
        assert len(refused_locked) == SIGN_INS // 2 - services.MAX_FAILED_SIGN_INS
        db.session.remove()
        db.engine.dispose()
