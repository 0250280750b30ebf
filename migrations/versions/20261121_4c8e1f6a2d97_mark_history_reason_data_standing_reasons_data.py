"""stored messages shown translated: mark_history.reason_data, published_standing.reasons_data

Revision ID: 4c8e1f6a2d97
Revises: 9d4b6f2a8c31
Create Date: 2026-11-21 19:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4c8e1f6a2d97"
down_revision = "9d4b6f2a8c31"
branch_labels = None
depends_on = None


def upgrade():
    # Beside the Chinese text, the same note / explanations as templates with their parameters
    # (competition.errors.to_data), so pages show them in the reader's language. Existing rows keep NULL
    # and show their Chinese text.
    with op.batch_alter_table("mark_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_data", sa.JSON(), nullable=True))
    with op.batch_alter_table("published_standing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reasons_data", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("published_standing", schema=None) as batch_op:
        batch_op.drop_column("reasons_data")
    with op.batch_alter_table("mark_history", schema=None) as batch_op:
        batch_op.drop_column("reason_data")
