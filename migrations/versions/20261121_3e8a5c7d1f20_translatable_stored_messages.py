"""stored messages shown translated: registration.eligibility_details, audit_entry.summary_data

Revision ID: 3e8a5c7d1f20
Revises: 7c2d9e4f1a6b
Create Date: 2026-11-21 18:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3e8a5c7d1f20"
down_revision = "7c2d9e4f1a6b"
branch_labels = None
depends_on = None


def upgrade():
    # Beside the Chinese text, the same message as a template with its parameters
    # (competition.errors.to_data), so pages show it in the reader's language. Existing rows keep NULL
    # and show their Chinese text; entries are re-assessed (and so filled in) whenever they change.
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eligibility_details", sa.JSON(), nullable=True))
    # Hashed only when present (competition.audit.services._entry_hash): existing entries keep the hash
    # they were written with, so `flask audit verify` passes before and after this migration.
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_data", sa.JSON(), nullable=True))


def downgrade():
    # Entries written with summary_data hash it: dropping the column makes `flask audit verify` report
    # them. Downgrading is for development databases only.
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("summary_data")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_column("eligibility_details")
