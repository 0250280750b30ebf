"""`flask backup` / `flask restore` on SQLite: a round trip with the demo, refusals of damaged or
mismatched files, and PostgreSQL sent to pg_dump. Each test uses its own database file."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from competition.app import create_app
from competition.backup import DATABASE_MEMBER, MANIFEST_MEMBER, head_revision
from competition.config import PROJECT_ROOT
from competition.contests.models import Contest
from competition.demo.load import load_demo
from competition.extensions import db
from tests import factories
from tests.conftest import migrated_app


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on its own SQLite file, migrated to head, with the demo year committed."""
    app = migrated_app(f"sqlite:///{tmp_path / 'live.sqlite3'}", tmp_path)
    with app.app_context():
        load_demo(now=factories.NOW)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _contest_names(app: Flask) -> list[str]:
    with app.app_context():
        names = list(db.session.execute(sa.select(Contest.name).order_by(Contest.id)).scalars())
        db.session.remove()
        return names


def _rewrite(backup: Path, target: Path, *, manifest=None, database: bytes | None = None) -> Path:
    """A copy of ``backup`` with its manifest edited by ``manifest(dict)`` or its database replaced."""
    with tarfile.open(backup, "r:gz") as archive:
        data = json.loads(archive.extractfile(MANIFEST_MEMBER).read())
        db_bytes = archive.extractfile(DATABASE_MEMBER).read()
    if manifest:
        manifest(data)
    members = {MANIFEST_MEMBER: json.dumps(data).encode(), DATABASE_MEMBER: database or db_bytes}
    with tarfile.open(target, "w:gz") as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return target


def test_round_trip_brings_the_data_back_and_the_audit_chain_stays_whole(file_app, tmp_path):
    runner = file_app.test_cli_runner()
    original = _contest_names(file_app)
    backup = tmp_path / "backups" / "demo.tar.gz"

    made = runner.invoke(args=["backup", "--out", str(backup)])
    assert made.exit_code == 0, made.output
    assert "已备份到" in made.output and backup.is_file()
    with tarfile.open(backup, "r:gz") as archive:
        assert sorted(archive.getnames()) == [DATABASE_MEMBER, MANIFEST_MEMBER]
        manifest = json.loads(archive.extractfile(MANIFEST_MEMBER).read())
    assert manifest["alembic_revision"] == head_revision(PROJECT_ROOT / "migrations")
    assert manifest["tables"]["contest"] == 4 and manifest["tables"]["competitor"] == 52 + 37 + 689
    assert len(manifest["sha256"]) == 64

    with file_app.app_context():  # change data after the backup
        db.session.execute(sa.update(Contest).values(name="改过的名字"))
        db.session.execute(sa.text("DELETE FROM registration_member"))
        db.session.commit()
        db.session.remove()
    assert set(_contest_names(file_app)) == {"改过的名字"}

    refused = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert refused.exit_code != 0 and set(_contest_names(file_app)) == {"改过的名字"}

    restored = runner.invoke(args=["restore", str(backup), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert _contest_names(file_app) == original
    kept = next(tmp_path.glob("live.before-restore-*.sqlite3"))
    assert f"原数据库已另存为 {kept}" in restored.output
    with sqlite3.connect(kept) as conn:  # the copy kept is the changed database
        assert {r[0] for r in conn.execute("SELECT name FROM contest")} == {"改过的名字"}
    conn.close()

    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "哈希链无断裂" in verified.output


def test_restore_refuses_a_damaged_or_foreign_file(file_app, tmp_path):
    runner = file_app.test_cli_runner()
    backup = tmp_path / "b.tar.gz"
    assert runner.invoke(args=["backup", "--out", str(backup)]).exit_code == 0
    with tarfile.open(backup, "r:gz") as archive:
        good = archive.extractfile(DATABASE_MEMBER).read()
    tampered = bytearray(good)
    tampered[-100] ^= 0xFF
    cases = {
        "校验和与清单不符": _rewrite(backup, tmp_path / "t1.tar.gz", database=bytes(tampered)),
        "与程序的迁移版本": _rewrite(
            backup, tmp_path / "t2.tar.gz", manifest=lambda m: m.update(alembic_revision="20240101_old")
        ),
        "清单无法读取": _rewrite(backup, tmp_path / "t3.tar.gz", manifest=lambda m: m.update(extra=1)),
    }
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a backup at all")
    cases["不是本平台的备份文件"] = garbage
    before = _contest_names(file_app)
    for message, file in cases.items():
        result = runner.invoke(args=["restore", str(file), "--yes"])
        assert result.exit_code == 1 and message in result.output, (message, result.output)
    assert _contest_names(file_app) == before
    assert not list(tmp_path.glob("*.before-restore-*")), "nothing is touched before the file is checked"


def test_backup_of_postgresql_points_to_pg_dump(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@127.0.0.1:9/x",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 1 and "pg_dump" in result.output and "pg_restore" in result.output


def test_backup_default_file_goes_to_instance_backups(file_app, tmp_path):
    result = file_app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "backups").glob("competition-*.tar.gz"))) == 1
