"""Writing and verifying the audit log.

Every service that changes state calls :func:`record` in the same transaction, so
the entry exists exactly when the change does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa

from competition.audit.models import AuditEntry
from competition.errors import marked_data
from competition.extensions import db

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_KEY = 0x61756474  # PostgreSQL advisory lock id for appending to the chain ("audt")


def plain(value: Any) -> Any:
    """Turn a model attribute into a JSON-safe value (enums by value, decimals and dates as strings)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """``{field: plain(value)}`` for the named attributes of ``obj``."""
    return {name: plain(getattr(obj, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose values differ, as ``(before, after)``."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _entry_hash(entry: AuditEntry) -> str:
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
    # Added later: hashed only when present, so entries written before the column existed (and entries
    # whose summary is not marked for translation) keep the hash they were written with.
    if entry.summary_data is not None:
        payload["summary_data"] = entry.summary_data
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def record(
    action: str,
    *,
    actor: Any | None,
    summary: str,
    now: datetime,
    object_type: str,
    object_id: int | None = None,
    contest_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log and flush it.

    ``action`` is a dotted code such as ``contest.update``; ``summary`` a short
    Chinese sentence, preferably marked (``fmt(N_("…%(x)s…"), x=…)``) so that the log page can show it
    translated: it is then stored as ``summary_data`` too, covered by the entry's hash;
    ``before``/``after`` JSON-safe dicts (see :func:`snapshot`).
    ``actor`` is the acting user or ``None`` for the system. On PostgreSQL a
    transaction-scoped advisory lock keeps the chain linear under concurrency.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last = session.execute(sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    entry = AuditEntry(
        at=now,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "username", None) or "系统",
        action=action,
        object_type=object_type,
        object_id=object_id,
        contest_id=contest_id,
        summary=str(summary)[:300],
        summary_data=marked_data(summary),
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None,
        prev_hash=last or GENESIS_HASH,
    )
    entry.entry_hash = _entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainProblem:
    """One break in the audit chain: the entry id and what is wrong with it, in Chinese."""

    entry_id: int
    problem: str


def verify_chain() -> list[ChainProblem]:
    """Walk the whole log in id order; return every edited, reordered or missing entry.

    An empty list means the chain is intact. Entries are streamed in batches so a
    long log does not load into memory at once.
    """
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    rows = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=500))
    for entry in rows.scalars():
        if entry.prev_hash != expected_prev:
            problems.append(ChainProblem(entry.id, "与前一条记录不衔接（前面的记录被删除或改动）"))
        if _entry_hash(entry) != entry.entry_hash:
            problems.append(ChainProblem(entry.id, "记录内容与其哈希不符（记录被改动）"))
        expected_prev = entry.entry_hash
    return problems
