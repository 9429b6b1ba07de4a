"""Indexes under two foreign keys to tickets that had none usable: a ticket's follow-ups (partial:
nearly every ticket has none) and every close of a ticket, reversed ones included. Without them,
deleting one ticket read the whole tickets and ticket_closes tables for the foreign-key checks.

Revision ID: c41f7d2e8a56
Revises: 9a3d5e1f7c20
Create Date: 2026-11-30 23:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'c41f7d2e8a56'
down_revision = '9a3d5e1f7c20'
branch_labels = None
depends_on = None

HAS_FOLLOW_UP = sa.text("follow_up_of_id IS NOT NULL")


def upgrade():
    op.create_index('ix_tickets_follow_up_of', 'tickets', ['follow_up_of_id'],
                    sqlite_where=HAS_FOLLOW_UP, postgresql_where=HAS_FOLLOW_UP)
    op.create_index('ix_ticket_closes_ticket', 'ticket_closes', ['ticket_id'])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.execute(sa.text(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        # a database with statistics gets them for the new indexes too (see 9a3d5e1f7c20)
        bind.execute(sa.text("ANALYZE ix_tickets_follow_up_of"))
        bind.execute(sa.text("ANALYZE ix_ticket_closes_ticket"))


def downgrade():
    op.drop_index('ix_ticket_closes_ticket', 'ticket_closes')
    op.drop_index('ix_tickets_follow_up_of', 'tickets')
