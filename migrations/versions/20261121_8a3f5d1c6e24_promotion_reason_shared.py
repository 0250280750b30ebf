"""promotion_reason: a decision's reason data kept once per distinct content

Revision ID: 8a3f5d1c6e24
Revises: 5c8e1a7d3b92
Create Date: 2026-11-21 21:00:00

"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8a3f5d1c6e24"
down_revision = "5c8e1a7d3b92"
branch_labels = None
depends_on = None

_decision = sa.table(
    "promotion_decision",
    sa.column("id", sa.Integer),
    sa.column("reason_data", sa.JSON),
    sa.column("reason_digest", sa.String),
)
_reason = sa.table("promotion_reason", sa.column("digest", sa.String), sa.column("data", sa.JSON))


def _digest(data):
    # competition.promotion.services.reason_digest as of this revision (a migration keeps its own copy)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def upgrade():
    # The same {"facts", "outcome", "reason"} data is shared by every decision with the same texts (a few
    # dozen for a city's year of thousands of decisions): kept once, addressed by its SHA-256, instead of
    # about 600 bytes in every row.
    op.create_table(
        "promotion_reason",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_promotion_reason")),
    )
    with op.batch_alter_table("promotion_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_digest", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    reasons, digests = {}, []
    for row in connection.execute(
        sa.select(_decision.c.id, _decision.c.reason_data).where(_decision.c.reason_data.is_not(None))
    ):
        if row.reason_data is None:  # a JSON null
            continue
        digest = _digest(row.reason_data)
        reasons[digest] = row.reason_data
        digests.append({"decision_id": row.id, "digest": digest})
    if reasons:
        connection.execute(_reason.insert(), [{"digest": k, "data": v} for k, v in reasons.items()])
        connection.execute(
            _decision.update()
            .where(_decision.c.id == sa.bindparam("decision_id"))
            .values(reason_digest=sa.bindparam("digest")),
            digests,
        )
    with op.batch_alter_table("promotion_decision", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_promotion_decision_reason_digest_promotion_reason"),
            "promotion_reason",
            ["reason_digest"],
            ["digest"],
        )
        batch_op.drop_column("reason_data")


def downgrade():
    with op.batch_alter_table("promotion_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_data", sa.JSON(), nullable=True))
    connection = op.get_bind()
    data = {row.digest: row.data for row in connection.execute(sa.select(_reason.c.digest, _reason.c.data))}
    rows = [
        {"decision_id": row.id, "data": data[row.reason_digest]}
        for row in connection.execute(
            sa.select(_decision.c.id, _decision.c.reason_digest).where(_decision.c.reason_digest.is_not(None))
        )
    ]
    if rows:
        connection.execute(
            _decision.update()
            .where(_decision.c.id == sa.bindparam("decision_id"))
            .values(reason_data=sa.bindparam("data")),
            rows,
        )
    with op.batch_alter_table("promotion_decision", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_promotion_decision_reason_digest_promotion_reason"), type_="foreignkey"
        )
        batch_op.drop_column("reason_digest")
    op.drop_table("promotion_reason")
