"""One company's unresolved tickets in the list's orders (newest or oldest first, soonest due):
partial indexes over unresolved tickets, so a page reads its rows instead of sorting all of a large
company's; on an SQLite database with statistics, statistics for them.

Revision ID: d7e3a9c15b42
Revises: c41f7d2e8a56
Create Date: 2026-12-01 00:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'd7e3a9c15b42'
down_revision = 'c41f7d2e8a56'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('open', 'in_progress', 'waiting')")


def upgrade():
    op.create_index('ix_tickets_active_client', 'tickets', ['client_id', 'created_at', 'id'],
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_index('ix_tickets_active_client_due', 'tickets',
                    ['client_id', sa.text('(resolution_due_at IS NULL)'), 'resolution_due_at', 'id'],
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.execute(sa.text(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        # a database with statistics gets them for the new indexes too (see 9a3d5e1f7c20)
        bind.execute(sa.text("ANALYZE ix_tickets_active_client"))
        bind.execute(sa.text("ANALYZE ix_tickets_active_client_due"))


def downgrade():
    op.drop_index('ix_tickets_active_client_due', 'tickets')
    op.drop_index('ix_tickets_active_client', 'tickets')
