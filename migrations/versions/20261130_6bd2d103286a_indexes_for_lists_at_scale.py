"""Indexes for lists at scale: each sort of the ticket list walks an index in its own order; the
assignee choices find staff among tens of thousands of contacts; a contract's lots by contract;
the SLA report's moved deadlines among millions of history rows.

Revision ID: 6bd2d103286a
Revises: 577458416f81
Create Date: 2026-11-30 14:52:55.887300

"""
import sqlalchemy as sa
from alembic import op

revision = '6bd2d103286a'
down_revision = '577458416f81'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_hour_lots_contract_id', 'hour_lots', ['contract_id'])
    op.create_index('ix_tickets_updated_at', 'tickets', ['updated_at', 'id'])
    op.create_index('ix_tickets_priority_created', 'tickets',
                    ['priority_rank', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')])
    op.create_index('ix_tickets_client_priority', 'tickets',
                    ['client_id', 'priority_rank', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')])
    op.create_index('ix_tickets_due', 'tickets',
                    [sa.literal_column('(resolution_due_at IS NULL)'), 'resolution_due_at', 'id'])
    op.create_index('ix_users_role', 'users', ['role'])
    moved = sa.text("field = 'resolution_due_at' AND reason IS NOT NULL")
    op.create_index('ix_ticket_changes_moved_deadline', 'ticket_changes', ['at'], sqlite_where=moved,
                    postgresql_where=moved)


def downgrade():
    op.drop_index('ix_ticket_changes_moved_deadline', 'ticket_changes')
    op.drop_index('ix_users_role', 'users')
    op.drop_index('ix_tickets_due', 'tickets')
    op.drop_index('ix_tickets_client_priority', 'tickets')
    op.drop_index('ix_tickets_priority_created', 'tickets')
    op.drop_index('ix_tickets_updated_at', 'tickets')
    op.drop_index('ix_hour_lots_contract_id', 'hour_lots')
