"""promotion: results no rule matches are no longer stored (derived when shown)

Revision ID: 7c2d9e4f1a6b
Revises: 5b7c1e2d9a40
Create Date: 2026-11-21 15:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c2d9e4f1a6b"
down_revision = "5b7c1e2d9a40"
branch_labels = None
depends_on = None


def upgrade():
    # "不符合条件" (no_match) lines are derived from the standings by the engine when a page shows them
    # (competition.promotion.services.no_match_lines); the rows earlier versions stored are dropped. They
    # were never reviewable (they grant nothing), so no reviewer's work is lost.
    op.execute(sa.text("DELETE FROM promotion_decision WHERE outcome = 'no_match'"))


def downgrade():
    # Re-evaluating a contest with the earlier version stores the lines again.
    pass
