"""user interface language (issue 7: Chinese by default, English switchable per user)

Revision ID: 5b7c1e2d9a40
Revises: 7c2d4e9a1b35
Create Date: 2026-11-21 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7c1e2d9a40'
down_revision = '7c2d4e9a1b35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locale')
