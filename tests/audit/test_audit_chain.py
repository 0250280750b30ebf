"""The audit log is hash-chained: `flask audit verify` finds any edited or deleted entry."""

from __future__ import annotations

import sqlalchemy as sa

from competition.audit.models import AuditEntry
from competition.audit.services import GENESIS_HASH, plain, record, verify_chain
from competition.cli import audit_verify
from competition.extensions import db
from tests import factories


def _three_entries(actor):
    return [
        record(
            f"test.step{i}",
            actor=actor,
            summary=f"第 {i} 步",
            now=factories.NOW,
            object_type="test",
            object_id=i,
            before={"n": i - 1},
            after={"n": i},
        )
        for i in (1, 2, 3)
    ]


def test_entries_link_to_the_one_before(session):
    admin = factories.make_user(factories.Role.ADMIN)
    entries = _three_entries(admin)
    assert verify_chain() == []
    first_ever = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars().first()
    assert first_ever.prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
    assert entries[0].actor_label == admin.username


def test_an_edited_entry_is_found(session):
    entries = _three_entries(None)
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == entries[1].id).values(summary="改过的"))
    problems = verify_chain()
    assert [(p.entry_id, p.problem) for p in problems] == [
        (entries[1].id, "记录内容与其哈希不符（记录被改动）")
    ]


def test_a_deleted_entry_is_found(session):
    entries = _three_entries(None)
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == entries[1].id))
    problems = verify_chain()
    assert [(p.entry_id, p.problem) for p in problems] == [
        (entries[2].id, "与前一条记录不衔接（前面的记录被删除或改动）")
    ]


def test_the_command_reports_and_fails(app, session):
    entries = _three_entries(None)
    runner = app.test_cli_runner()
    assert "哈希链无断裂" in runner.invoke(audit_verify).output
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == entries[0].id).values(after={"n": 99}))
    result = runner.invoke(audit_verify)
    assert result.exit_code == 1 and f"#{entries[0].id}" in result.output


def test_plain_values_are_json_safe():
    from datetime import date
    from decimal import Decimal

    from competition.domain import Group

    assert plain(
        {"w": Decimal("70.00"), "g": Group.STAFF, "d": date(2026, 1, 2), "l": (Decimal("0.5"),)}
    ) == {"w": "70", "g": "staff", "d": "2026-01-02", "l": ["0.5"]}


def _hash_as_first_written(entry: AuditEntry) -> str:
    """The entry hash as entries were hashed before ``summary_data`` existed."""
    import hashlib
    import json

    payload = {
        "prev": entry.prev_hash,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "contest_id": entry.contest_id,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
    }
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def test_translatable_summaries_leave_old_hashes_alone_and_are_hashed_themselves(session):
    from competition.errors import N_, fmt

    plain_entry = _three_entries(None)[0]
    assert plain_entry.summary_data is None
    assert plain_entry.entry_hash == _hash_as_first_written(
        plain_entry
    )  # entries written before keep verifying
    marked = record(
        "test.marked",
        actor=None,
        summary=fmt(N_("删除赛项 %(title)s"), title="焊工"),
        now=factories.NOW,
        object_type="test",
    )
    assert (marked.summary, marked.summary_data) == (
        "删除赛项 焊工",
        {"t": "删除赛项 %(title)s", "p": {"title": "焊工"}},
    )
    assert marked.entry_hash != _hash_as_first_written(marked)  # summary_data is part of what is hashed
    assert verify_chain() == []
    db.session.execute(
        sa.update(AuditEntry)
        .where(AuditEntry.id == marked.id)
        .values(summary_data={"t": "新建赛项 %(title)s"})
    )
    db.session.expire_all()
    assert [p.entry_id for p in verify_chain()] == [marked.id]
