"""promotion: drop the index on promotion_decision.contest_id (the unique key starts with it)

Revision ID: 9d4e2a7c5b13
Revises: 3e8a5c7d1f20
Create Date: 2026-11-21 17:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "9d4e2a7c5b13"
down_revision = "3e8a5c7d1f20"
branch_labels = None
depends_on = None


def upgrade():
    # uq_promotion_decision (contest_id, event_id, competitor_id, rule_key) serves every lookup by
    # contest; the separate index only cost each written decision one more index entry (measured with
    # benchmarks/promotion.py: about a sixth of the time of inserting a year's 6,600 decisions on SQLite).
    with op.batch_alter_table("promotion_decision") as batch_op:
        batch_op.drop_index("ix_promotion_decision_contest_id")


def downgrade():
    with op.batch_alter_table("promotion_decision") as batch_op:
        batch_op.create_index("ix_promotion_decision_contest_id", ["contest_id"], unique=False)
