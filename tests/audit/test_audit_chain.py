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
