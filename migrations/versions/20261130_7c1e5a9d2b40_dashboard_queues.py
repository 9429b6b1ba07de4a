"""The dashboard's queues: partial indexes over the tickets nobody acknowledged, the unresolved
ones (by assignee and urgency) and those whose SLA clock runs (by deadline), small however many
closed tickets ten years leave.

Revision ID: 7c1e5a9d2b40
Revises: 6bd2d103286a
Create Date: 2026-11-30 15:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '7c1e5a9d2b40'
down_revision = '6bd2d103286a'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('open', 'in_progress', 'waiting')")
CLOCK_RUNNING = sa.text("status IN ('open', 'in_progress')")
OPEN = sa.text("status = 'open'")


def upgrade():
    op.create_index('ix_tickets_unacknowledged', 'tickets', ['priority_rank', 'created_at'],
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index('ix_tickets_active_queue', 'tickets', ['assignee_id', 'priority_rank', 'created_at'],
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_index('ix_tickets_overdue', 'tickets', ['resolution_due_at'],
                    sqlite_where=CLOCK_RUNNING, postgresql_where=CLOCK_RUNNING)


def downgrade():
    op.drop_index('ix_tickets_overdue', 'tickets')
    op.drop_index('ix_tickets_active_queue', 'tickets')
    op.drop_index('ix_tickets_unacknowledged', 'tickets')
