"""Support contracts, hour lots, the append-only ledger, the service catalogue and specification lines.

Revision ID: c439ffd2cfd2
Revises: 8208c7285ea9
Create Date: 2026-11-29 15:07:34.274077

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c439ffd2cfd2'
down_revision = '8208c7285ea9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_ru', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('billing', sa.String(length=10), nullable=False),
    sa.Column('rate', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('kind', sa.String(length=30), server_default='support', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.CheckConstraint("billing IN ('hourly', 'paid', 'free')", name=op.f('ck_services_billing')),
    sa.CheckConstraint('rate IS NULL OR rate >= 0', name=op.f('ck_services_rate_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('code', name=op.f('uq_services_code'))
    )
    op.create_table('client_balances',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('balance_minutes', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_client_balances_client_id_clients')),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_client_balances'))
    )
    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=50), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('minutes_per_month', sa.Integer(), nullable=False),
    sa.Column('billing_increment_minutes', sa.Integer(), server_default='15', nullable=False),
    sa.Column('overdraft', sa.String(length=20), server_default='convert_to_paid', nullable=False),
    sa.Column('overage_rate', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('rollover', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('sla_policy_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), server_default='active', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("overdraft IN ('convert_to_paid', 'allow_negative', 'block')", name=op.f('ck_contracts_overdraft')),
    sa.CheckConstraint("status IN ('active', 'expired', 'terminated')", name=op.f('ck_contracts_status')),
    sa.CheckConstraint('billing_increment_minutes BETWEEN 1 AND 240', name=op.f('ck_contracts_increment_range')),
    sa.CheckConstraint('minutes_per_month > 0', name=op.f('ck_contracts_minutes_positive')),
    sa.CheckConstraint('months > 0', name=op.f('ck_contracts_months_positive')),
    sa.CheckConstraint('overage_rate >= 0', name=op.f('ck_contracts_rate_not_negative')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_contracts_client_id_clients')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contracts_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('number', name=op.f('uq_contracts_number'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index('ix_contracts_client_id', ['client_id', 'ends_on'], unique=False)

    op.create_table('hour_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('granted_minutes', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('remaining_minutes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('grant', 'purchase', 'adjustment', 'rollover')", name=op.f('ck_hour_lots_source')),
    sa.CheckConstraint('granted_minutes >= 0', name=op.f('ck_hour_lots_granted_not_negative')),
    sa.CheckConstraint('valid_from < expires_at', name=op.f('ck_hour_lots_period')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_hour_lots_client_id_clients')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_hour_lots_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hour_lots'))
    )
    with op.batch_alter_table('hour_lots', schema=None) as batch_op:
        batch_op.create_index('ix_hour_lots_client_expires', ['client_id', 'expires_at'], unique=False)

    op.create_table('spec_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('billed_minutes', sa.Integer(), nullable=True),
    sa.Column('billing', sa.String(length=10), nullable=False),
    sa.Column('billing_override_reason', sa.Text(), nullable=True),
    sa.Column('billing_overridden_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('performed_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("billing IN ('hourly', 'paid', 'free')", name=op.f('ck_spec_lines_billing')),
    sa.CheckConstraint('billed_minutes IS NULL OR billed_minutes >= 0', name=op.f('ck_spec_lines_billed_not_negative')),
    sa.CheckConstraint('minutes > 0 AND minutes <= 10000', name=op.f('ck_spec_lines_minutes_range')),
    sa.ForeignKeyConstraint(['billing_overridden_by_id'], ['users.id'], name=op.f('fk_spec_lines_billing_overridden_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_spec_lines_created_by_id_users')),
    sa.ForeignKeyConstraint(['engineer_id'], ['users.id'], name=op.f('fk_spec_lines_engineer_id_users')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_spec_lines_service_id_services')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_spec_lines_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spec_lines'))
    )
    with op.batch_alter_table('spec_lines', schema=None) as batch_op:
        batch_op.create_index('ix_spec_lines_performed', ['performed_on'], unique=False)
        batch_op.create_index('ix_spec_lines_ticket', ['ticket_id', 'id'], unique=False)

    op.create_table('ticket_closes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('hourly_minutes', sa.Integer(), nullable=False),
    sa.Column('debited_minutes', sa.Integer(), nullable=False),
    sa.Column('overage_minutes', sa.Integer(), nullable=False),
    sa.Column('overage_rate', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('overage_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('overage_waived_by_id', sa.Integer(), nullable=True),
    sa.Column('overage_waived_reason', sa.Text(), nullable=True),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reversed_by_id', sa.Integer(), nullable=True),
    sa.Column('reverse_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('hourly_minutes >= 0 AND debited_minutes >= 0 AND overage_minutes >= 0', name=op.f('ck_ticket_closes_minutes')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_ticket_closes_client_id_clients')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_ticket_closes_closed_by_id_users')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_ticket_closes_contract_id_contracts')),
    sa.ForeignKeyConstraint(['overage_waived_by_id'], ['users.id'], name=op.f('fk_ticket_closes_overage_waived_by_id_users')),
    sa.ForeignKeyConstraint(['reversed_by_id'], ['users.id'], name=op.f('fk_ticket_closes_reversed_by_id_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_closes_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_closes'))
    )
    with op.batch_alter_table('ticket_closes', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_closes_client', ['client_id', 'closed_at'], unique=False)
        batch_op.create_index('uq_ticket_closes_active', ['ticket_id'], unique=True, sqlite_where=sa.text('reversed_at IS NULL'), postgresql_where=sa.text('reversed_at IS NULL'))

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('close_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind <> 'adjustment' OR (reason IS NOT NULL AND length(reason) > 0)", name=op.f('ck_ledger_entries_adjustment_reason')),
    sa.CheckConstraint("kind IN ('grant', 'debit', 'reversal', 'adjustment', 'expiry', 'rollover')", name=op.f('ck_ledger_entries_kind')),
    sa.CheckConstraint('minutes <> 0', name=op.f('ck_ledger_entries_minutes_not_zero')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_ledger_entries_author_id_users')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_ledger_entries_client_id_clients')),
    sa.ForeignKeyConstraint(['close_id'], ['ticket_closes.id'], name=op.f('fk_ledger_entries_close_id_ticket_closes')),
    sa.ForeignKeyConstraint(['lot_id'], ['hour_lots.id'], name=op.f('fk_ledger_entries_lot_id_hour_lots')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ledger_entries_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_client', ['client_id', 'id'], unique=False)
        batch_op.create_index('ix_ledger_entries_close', ['close_id'], unique=False)
        batch_op.create_index('ix_ledger_entries_lot', ['lot_id'], unique=False)
        batch_op.create_index('ix_ledger_entries_ticket', ['ticket_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_ticket')
        batch_op.drop_index('ix_ledger_entries_lot')
        batch_op.drop_index('ix_ledger_entries_close')
        batch_op.drop_index('ix_ledger_entries_client')

    op.drop_table('ledger_entries')
    with op.batch_alter_table('ticket_closes', schema=None) as batch_op:
        batch_op.drop_index('uq_ticket_closes_active', sqlite_where=sa.text('reversed_at IS NULL'), postgresql_where=sa.text('reversed_at IS NULL'))
        batch_op.drop_index('ix_ticket_closes_client')

    op.drop_table('ticket_closes')
    with op.batch_alter_table('spec_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_spec_lines_ticket')
        batch_op.drop_index('ix_spec_lines_performed')

    op.drop_table('spec_lines')
    with op.batch_alter_table('hour_lots', schema=None) as batch_op:
        batch_op.drop_index('ix_hour_lots_client_expires')

    op.drop_table('hour_lots')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index('ix_contracts_client_id')

    op.drop_table('contracts')
    op.drop_table('client_balances')
    op.drop_table('services')
