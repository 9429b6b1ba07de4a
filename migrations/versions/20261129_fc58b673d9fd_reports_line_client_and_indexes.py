"""Reports: specification lines carry their ticket's client; covering indexes for period reports.

Revision ID: fc58b673d9fd
Revises: 251c3831b38f
Create Date: 2026-11-29 17:26:45.146240

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'fc58b673d9fd'
down_revision = '251c3831b38f'
branch_labels = None
depends_on = None

REPORT_COLUMNS = ['performed_on', 'engineer_id', 'client_id', 'service_id', 'billing', 'ticket_id', 'minutes']


def upgrade():
    # a nullable column first, filled from the tickets, then made NOT NULL with its foreign key
    op.add_column('spec_lines', sa.Column('client_id', sa.Integer(), nullable=True))
    op.execute("UPDATE spec_lines SET client_id = (SELECT tickets.client_id FROM tickets WHERE tickets.id = spec_lines.ticket_id)")
    with op.batch_alter_table('spec_lines', schema=None) as batch_op:
        batch_op.alter_column('client_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_spec_lines_client_id_clients'), 'clients', ['client_id'], ['id'])
        batch_op.drop_index(batch_op.f('ix_spec_lines_performed'))
        batch_op.create_index('ix_spec_lines_report', REPORT_COLUMNS, unique=False)
    op.create_index('ix_ledger_entries_report', 'ledger_entries', ['created_at', 'client_id', 'kind', 'minutes'],
                    unique=False)
    op.create_index('ix_ticket_closes_closed_at', 'ticket_closes', ['closed_at'], unique=False)
    # a plain CREATE INDEX: a batch rebuild of `tickets` would drop its search triggers
    op.create_index('ix_tickets_resolved_at', 'tickets', ['resolved_at'], unique=False)


def downgrade():
    op.drop_index('ix_tickets_resolved_at', table_name='tickets')
    op.drop_index('ix_ticket_closes_closed_at', table_name='ticket_closes')
    op.drop_index('ix_ledger_entries_report', table_name='ledger_entries')
    with op.batch_alter_table('spec_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_spec_lines_report')
        batch_op.create_index(batch_op.f('ix_spec_lines_performed'), ['performed_on'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_spec_lines_client_id_clients'), type_='foreignkey')
        batch_op.drop_column('client_id')
