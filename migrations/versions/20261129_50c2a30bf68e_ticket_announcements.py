"""Announcement state on tickets: when the office speaker repeats a ticket next, and how often it has.

Revision ID: 50c2a30bf68e
Revises: a5333b0d5d79
Create Date: 2026-11-29 16:14:09.481820

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '50c2a30bf68e'
down_revision = 'a5333b0d5d79'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_announce_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('announce_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_tickets_next_announce_at'), ['next_announce_at'], unique=False)



def downgrade():
    op.drop_index(op.f('ix_tickets_next_announce_at'), table_name='tickets')
    # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the search triggers
    op.execute("ALTER TABLE tickets DROP COLUMN announce_count")
    op.execute("ALTER TABLE tickets DROP COLUMN next_announce_at")

