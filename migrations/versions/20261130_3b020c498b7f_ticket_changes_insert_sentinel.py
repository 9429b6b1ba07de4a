"""A number for the rows of one batched INSERT of ticket changes, so SQLite writes a close's audit
rows in one statement (nullable, no default: adding it rewrites no table).

Revision ID: 3b020c498b7f
Revises: ab2aebc6fd6f
Create Date: 2026-11-30 11:55:57.374231

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3b020c498b7f'
down_revision = 'ab2aebc6fd6f'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('ticket_changes', sa.Column('insert_sentinel', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('ticket_changes', schema=None) as batch_op:
        batch_op.drop_column('insert_sentinel')
