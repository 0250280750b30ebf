"""stored messages shown translated: promotion_decision.reason_data

Revision ID: 5c8e1a7d3b92
Revises: 4c8e1f6a2d97
Create Date: 2026-11-21 19:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c8e1a7d3b92"
down_revision = "4c8e1f6a2d97"
branch_labels = None
depends_on = None


def upgrade():
    # Beside the Chinese facts_text, outcome_text and reason, the same messages as templates with their
    # parameters ({"facts": …, "outcome": …, "reason": …}, competition.errors.to_data), so pages show them
    # in the reader's language. Existing rows keep NULL and show their Chinese text until re-evaluated.
    with op.batch_alter_table("promotion_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_data", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("promotion_decision", schema=None) as batch_op:
        batch_op.drop_column("reason_data")
