"""marking: listed conflict-of-interest relations between judges and entries

Revision ID: 7c2d4e9a1b35
Revises: 5a7e0c1d2b3f
Create Date: 2026-11-21 14:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2d4e9a1b35'
down_revision = '5a7e0c1d2b3f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conflict_relation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_conflict_relation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_conflict_relation_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_conflict_relation_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_relation')),
    sa.UniqueConstraint('registration_id', 'user_id', name='uq_conflict_relation_pair')
    )
    with op.batch_alter_table('conflict_relation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_relation_registration_id'), ['registration_id'], unique=False)


def downgrade():
    with op.batch_alter_table('conflict_relation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_relation_registration_id'))

    op.drop_table('conflict_relation')
