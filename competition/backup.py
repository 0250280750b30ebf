"""Backups of a SQLite database and their restoration (``flask backup``, ``flask restore``).

A backup is a ``.tar.gz`` holding ``competition.sqlite3`` (a consistent copy taken with SQLite's
online backup API while the platform keeps running) and ``manifest.json``: the format, the time, the
Alembic revision of the copy, its size and SHA-256, and the row count of every table.

Restoring refuses a file whose checksum does not match, whose copy fails SQLite's integrity check, or
whose revision is not the code's migration head (restore with the code of that time, or upgrade the
restored database from a copy). Before replacing anything it keeps a consistent copy of the current
database beside it (``<name>.before-restore-<time>.sqlite3``); the restored pages are then written
into the live file through the backup API, so other processes keep a valid file (stop the web
workers during a restore all the same: their sessions would see the data change under them).

PostgreSQL is backed up with its own tools (``pg_dump``/``pg_restore``, see README.md); ``flask
backup`` refuses a PostgreSQL database with a message naming them.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from competition import clock
from competition.errors import DomainError

FORMAT = "competition-backup/1"
DATABASE_MEMBER = "competition.sqlite3"
MANIFEST_MEMBER = "manifest.json"
# A manifest is a few hundred bytes; anything larger is not ours.
MAX_MANIFEST_BYTES = 1 << 20


class BackupError(DomainError):
    """A backup cannot be made, or a file cannot be restored (the message says why, in Chinese)."""


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` records about the database copy in a backup."""

    created_at: str
    alembic_revision: str | None
    sha256: str
    size: int
    tables: dict[str, int]
    format: str = FORMAT
    dialect: str = "sqlite"

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True)


def sqlite_path(url: str) -> Path:
    """The file of a SQLite database URL; :class:`BackupError` for another database or an in-memory one."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "postgresql":
        raise BackupError(
            "数据库是 PostgreSQL：请用 pg_dump 备份（pg_dump --format=custom），用 pg_restore 恢复，"
            "步骤见 README“Security and operations”。"
        )
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise BackupError(f"只能备份 SQLite 数据库文件，当前数据库为 {parsed.render_as_string()}。")
    return Path(parsed.database)


def head_revision(migrations: Path) -> str:
    """The single head revision of the Alembic migrations in ``migrations``."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrations))
    heads = ScriptDirectory.from_config(config).get_heads()
    if len(heads) != 1:
        raise BackupError(f"迁移脚本有 {len(heads)} 个最新版本（{', '.join(heads)}），请先合并。")
    return heads[0]


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None else row[0]


def _tables(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _check_integrity(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"数据库副本无法读取：{error}") from None
    finally:
        conn.close()
    if result != "ok":
        raise BackupError(f"数据库副本未通过 SQLite 完整性检查：{result}")


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of the SQLite database ``source`` at ``target`` (online backup API)."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_backup(database: Path, out: Path, *, now: datetime) -> Manifest:
    """Write a backup of the SQLite file ``database`` to ``out`` (a ``.tar.gz``) and return its manifest.

    Raises :class:`BackupError` when ``database`` does not exist or its copy fails the integrity check.
    ``out`` appears only once complete.
    """
    if not database.is_file():
        raise BackupError(f"数据库文件不存在：{database}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        copy = Path(tmp) / DATABASE_MEMBER
        _copy(database, copy)
        _check_integrity(copy)
        conn = sqlite3.connect(copy)
        try:
            revision, tables = _revision(conn), _tables(conn)
        finally:
            conn.close()
        manifest = Manifest(
            created_at=now.isoformat(timespec="seconds"),
            alembic_revision=revision,
            sha256=_sha256(copy),
            size=copy.stat().st_size,
            tables=tables,
        )
        partial = Path(tmp) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            data = manifest.to_json().encode("utf-8")
            info = tarfile.TarInfo(MANIFEST_MEMBER)
            info.size, info.mtime = len(data), int(now.timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(copy, arcname=DATABASE_MEMBER)
        partial.replace(out)
    return manifest


def _extract(archive: tarfile.TarFile, into: Path, *, head: str) -> Manifest:
    members = {m.name: m for m in archive.getmembers()}
    if set(members) != {MANIFEST_MEMBER, DATABASE_MEMBER} or not all(m.isfile() for m in members.values()):
        raise BackupError(f"不是本平台的备份文件：应只含 {MANIFEST_MEMBER} 和 {DATABASE_MEMBER}。")
    if members[MANIFEST_MEMBER].size > MAX_MANIFEST_BYTES:
        raise BackupError("备份文件的清单过大，不是本平台的备份文件。")
    manifest_file = archive.extractfile(members[MANIFEST_MEMBER])
    source = archive.extractfile(members[DATABASE_MEMBER])
    assert manifest_file is not None and source is not None  # both are regular files
    try:
        raw: dict[str, Any] = json.loads(manifest_file.read())
        manifest = Manifest(**raw)
    except (ValueError, TypeError) as error:
        raise BackupError(f"备份文件的清单无法读取：{error}") from None
    if manifest.format != FORMAT:
        raise BackupError(f"备份格式为 {manifest.format}，本版本只能恢复 {FORMAT}。")
    if manifest.alembic_revision != head:
        raise BackupError(
            f"备份的数据库版本为 {manifest.alembic_revision}，与程序的迁移版本 {head} 不一致："
            "请用备份时的程序版本恢复，或先在副本上执行 flask db upgrade。"
        )
    with into.open("wb") as target:
        for block in iter(lambda: source.read(1 << 20), b""):
            target.write(block)
    return manifest


def read_backup(file: Path, into: Path, *, head: str) -> Manifest:
    """Check the backup ``file`` and extract its database to the file ``into``.

    Raises :class:`BackupError` when ``file`` is not a backup of ours, its checksum or size does not
    match the manifest, the copy fails the integrity check, or its revision is not ``head``.
    """
    try:
        with tarfile.open(file, "r:gz") as archive:
            manifest = _extract(archive, into, head=head)
    except (OSError, EOFError, zlib.error, tarfile.TarError) as error:
        raise BackupError(f"不是本平台的备份文件，或文件已损坏（{file.name}）：{error}") from None
    if into.stat().st_size != manifest.size or _sha256(into) != manifest.sha256:
        raise BackupError("备份文件的校验和与清单不符：文件已损坏或被改动，拒绝恢复。")
    _check_integrity(into)
    return manifest


def restore_backup(file: Path, database: Path, *, head: str, now: datetime) -> tuple[Manifest, Path | None]:
    """Replace the SQLite database ``database`` with the one in backup ``file``.

    Returns the manifest and the path of the copy kept of the previous database (``None`` when there
    was none). Raises :class:`BackupError` (see :func:`read_backup`) before touching ``database``.
    """
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=database.parent) as tmp:
        restored = Path(tmp) / DATABASE_MEMBER
        manifest = read_backup(file, restored, head=head)
        kept = None
        if database.exists():
            kept = database.with_name(f"{database.stem}.before-restore-{now:%Y%m%d-%H%M%S}{database.suffix}")
            _copy(database, kept)
        src = sqlite3.connect(restored)
        dst = sqlite3.connect(database)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    return manifest, kept


def _database_file() -> Path:
    return sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _head() -> str:
    return head_revision(Path(current_app.extensions["migrate"].directory))


@click.command("backup")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="备份文件（.tar.gz）；默认 instance/backups/competition-<时间>.tar.gz。",
)
@with_appcontext
def backup_command(out: Path | None) -> None:
    """Back up the SQLite database to a .tar.gz with a manifest (revision, SHA-256); PostgreSQL: pg_dump."""
    now = clock.now()
    try:
        database = _database_file()
        target = (
            out or Path(current_app.instance_path) / "backups" / f"competition-{now:%Y%m%d-%H%M%S}.tar.gz"
        )
        manifest = create_backup(database, target, now=now)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    rows = sum(manifest.tables.values())
    click.echo(
        f"已备份到 {target}：数据库版本 {manifest.alembic_revision}，{len(manifest.tables)} 张表 {rows} 行，"
        f"SHA-256 {manifest.sha256}。"
    )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="不再询问，直接替换当前数据库。")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace the SQLite database with a backup made by `flask backup` (the current one is kept beside it)."""
    from competition.extensions import db

    try:
        database = _database_file()
        head = _head()
        if not yes:
            click.confirm(f"用 {file} 替换数据库 {database}？当前数据库会先另存一份", abort=True)
        db.session.remove()
        db.engine.dispose()  # no pooled connection may keep the old pages
        manifest, kept = restore_backup(file, database, head=head, now=clock.now())
    except DomainError as error:
        raise click.ClickException(error.message) from error
    if kept is not None:
        click.echo(f"原数据库已另存为 {kept}。")
    click.echo(f"已恢复 {manifest.created_at} 的备份（数据库版本 {manifest.alembic_revision}）。")
