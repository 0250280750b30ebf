"""stored messages shown translated: honour_nomination.eligibility_details,
results_publication.award_policy_data

Revision ID: 9d4b6f2a8c31
Revises: 9d4e2a7c5b13
Create Date: 2026-11-21 18:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9d4b6f2a8c31"
down_revision = "9d4e2a7c5b13"
branch_labels = None
depends_on = None


def upgrade():
    # Beside the Chinese text, the same problems as templates with their parameters
    # (competition.errors.to_data), so pages show them in the reader's language. Existing rows keep NULL
    # and show their Chinese text; a nomination's problems are re-checked (and so filled in) on selection.
    with op.batch_alter_table("honour_nomination", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eligibility_details", sa.JSON(), nullable=True))
    # the award policy of a publication, likewise (NULL for earlier publications: their Chinese text)
    with op.batch_alter_table("results_publication", schema=None) as batch_op:
        batch_op.add_column(sa.Column("award_policy_data", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("results_publication", schema=None) as batch_op:
        batch_op.drop_column("award_policy_data")
    with op.batch_alter_table("honour_nomination", schema=None) as batch_op:
        batch_op.drop_column("eligibility_details")
