"""Billing: our company's and clients' billing details, invoices, bank statements, payments and
their allocations, acts, the billing audit, mail attachments, a contract's hour price.

Revision ID: 3fb47776ab0e
Revises: fc58b673d9fd
Create Date: 2026-11-30 05:27:37.502481

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3fb47776ab0e'
down_revision = 'fc58b673d9fd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_numbers',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'year', name=op.f('pk_document_numbers'))
    )
    op.create_table('client_billing',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('legal_name', sa.String(length=300), nullable=True),
    sa.Column('kpp', sa.String(length=9), nullable=True),
    sa.Column('legal_address', sa.String(length=500), nullable=True),
    sa.Column('postal_address', sa.String(length=500), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('emails', sa.Text(), nullable=True),
    sa.Column('show_kpp', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('show_legal_address', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('show_postal_address', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('show_phone', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_client_billing_client_id_clients')),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_client_billing'))
    )
    op.create_table('mail_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['mail_outbox.id'], name=op.f('fk_mail_attachments_message_id_mail_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_attachments'))
    )
    with op.batch_alter_table('mail_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_attachments_message_id'), ['message_id'], unique=False)

    op.create_table('acts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), server_default='draft', nullable=False),
    sa.Column('currency', sa.String(length=3), server_default='RUB', nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('vat_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('show_kpp', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('show_legal_address', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'sent')", name=op.f('ck_acts_status')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_acts_client_id_clients')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_acts_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acts')),
    sa.UniqueConstraint('number', name=op.f('uq_acts_number'))
    )
    with op.batch_alter_table('acts', schema=None) as batch_op:
        batch_op.create_index('uq_acts_client_month', ['client_id', 'month'], unique=True)
        batch_op.create_index('uq_acts_year_seq', ['year', 'seq'], unique=True)

    op.create_table('bank_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('account', sa.String(length=34), nullable=True),
    sa.Column('period_from', sa.Date(), nullable=True),
    sa.Column('period_to', sa.Date(), nullable=True),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('new_payments', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('auto_matched', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_bank_statements_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statements'))
    )
    with op.batch_alter_table('bank_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statements_sha256'), ['sha256'], unique=False)

    op.create_table('billing_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('legal_name', sa.String(length=300), nullable=False),
    sa.Column('inn', sa.String(length=12), nullable=False),
    sa.Column('kpp', sa.String(length=9), nullable=True),
    sa.Column('ogrn', sa.String(length=15), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('bank_name', sa.String(length=300), nullable=False),
    sa.Column('bik', sa.String(length=9), nullable=False),
    sa.Column('account', sa.String(length=34), nullable=False),
    sa.Column('corr_account', sa.String(length=20), nullable=True),
    sa.Column('currency', sa.String(length=3), server_default='RUB', nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('signer', sa.String(length=200), nullable=True),
    sa.Column('invoice_prefix', sa.String(length=10), server_default='HD', nullable=False),
    sa.Column('act_prefix', sa.String(length=10), server_default='ACT', nullable=False),
    sa.Column('payment_days', sa.Integer(), server_default='5', nullable=False),
    sa.Column('reminder_days', sa.String(length=40), server_default='7,3', nullable=False),
    sa.Column('renewal_lead_days', sa.Integer(), server_default='30', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("currency IN ('RUB', 'UAH')", name=op.f('ck_billing_profile_currency')),
    sa.CheckConstraint('id = 1', name=op.f('ck_billing_profile_single')),
    sa.CheckConstraint('payment_days BETWEEN 0 AND 365', name=op.f('ck_billing_profile_payment_days')),
    sa.CheckConstraint('renewal_lead_days BETWEEN 0 AND 365', name=op.f('ck_billing_profile_renewal_lead_days')),
    sa.CheckConstraint('vat_rate IS NULL OR (vat_rate >= 0 AND vat_rate <= 100)', name=op.f('ck_billing_profile_vat_rate')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_billing_profile_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_profile'))
    )
    op.create_table('act_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('act_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint("kind IN ('prepaid', 'paid', 'overage', 'other')", name=op.f('ck_act_lines_kind')),
    sa.ForeignKeyConstraint(['act_id'], ['acts.id'], name=op.f('fk_act_lines_act_id_acts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_act_lines'))
    )
    with op.batch_alter_table('act_lines', schema=None) as batch_op:
        batch_op.create_index('ix_act_lines_act', ['act_id', 'position'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('doc_number', sa.String(length=50), nullable=False),
    sa.Column('doc_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('payer_name', sa.String(length=300), nullable=False),
    sa.Column('payer_inn', sa.String(length=12), nullable=False),
    sa.Column('payer_kpp', sa.String(length=9), nullable=False),
    sa.Column('payer_account', sa.String(length=34), nullable=False),
    sa.Column('payer_bik', sa.String(length=9), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rule', sa.String(length=60), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('suggestions', sa.JSON(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('auto', 'manual', 'unmatched', 'ignored')", name=op.f('ck_payments_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_payments_client_id_clients')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_payments_decided_by_id_users')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statements.id'], name=op.f('fk_payments_statement_id_bank_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_payments_fingerprint'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_booked', ['booked_on'], unique=False)
        batch_op.create_index('ix_payments_status', ['status', 'id'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='draft', nullable=False),
    sa.Column('source', sa.String(length=10), server_default='manual', nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), server_default='RUB', nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('total', sa.Numeric(precision=14, scale=2), server_default='0', nullable=False),
    sa.Column('vat_amount', sa.Numeric(precision=14, scale=2), server_default='0', nullable=False),
    sa.Column('paid_amount', sa.Numeric(precision=14, scale=2), server_default='0', nullable=False),
    sa.Column('grant_minutes', sa.Integer(), nullable=True),
    sa.Column('grant_valid_from', sa.Date(), nullable=True),
    sa.Column('grant_valid_until', sa.Date(), nullable=True),
    sa.Column('renews_contract_id', sa.Integer(), nullable=True),
    sa.Column('period_starts_on', sa.Date(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('granted_lot_id', sa.Integer(), nullable=True),
    sa.Column('granted_contract_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("source IN ('manual', 'renewal', 'order')", name=op.f('ck_invoices_source')),
    sa.CheckConstraint("status IN ('draft', 'issued', 'partially_paid', 'paid', 'cancelled')", name=op.f('ck_invoices_status')),
    sa.CheckConstraint('grant_minutes IS NULL OR grant_minutes > 0', name=op.f('ck_invoices_grant_minutes')),
    sa.CheckConstraint('total >= 0 AND vat_amount >= 0 AND paid_amount >= 0', name=op.f('ck_invoices_amounts')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_invoices_cancelled_by_id_users')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_invoices_client_id_clients')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invoices_created_by_id_users')),
    sa.ForeignKeyConstraint(['granted_contract_id'], ['contracts.id'], name=op.f('fk_invoices_granted_contract_id_contracts')),
    sa.ForeignKeyConstraint(['granted_lot_id'], ['hour_lots.id'], name=op.f('fk_invoices_granted_lot_id_hour_lots')),
    sa.ForeignKeyConstraint(['renews_contract_id'], ['contracts.id'], name=op.f('fk_invoices_renews_contract_id_contracts')),
    sa.ForeignKeyConstraint(['replaces_id'], ['invoices.id'], name=op.f('fk_invoices_replaces_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_client', ['client_id', 'status'], unique=False)
        batch_op.create_index('ix_invoices_status', ['status', 'issued_on'], unique=False)
        batch_op.create_index('uq_invoices_renewal', ['renews_contract_id', 'period_starts_on'], unique=True, sqlite_where=sa.text("status <> 'cancelled' AND renews_contract_id IS NOT NULL"), postgresql_where=sa.text("status <> 'cancelled' AND renews_contract_id IS NOT NULL"))
        batch_op.create_index('uq_invoices_year_seq', ['year', 'seq'], unique=True)

    op.create_table('billing_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('act_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['act_id'], ['acts.id'], name=op.f('fk_billing_events_act_id_acts')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_billing_events_actor_id_users')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_billing_events_client_id_clients')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_billing_events_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_billing_events_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_events'))
    )
    with op.batch_alter_table('billing_events', schema=None) as batch_op:
        batch_op.create_index('ix_billing_events_client', ['client_id', 'id'], unique=False)
        batch_op.create_index('ix_billing_events_invoice', ['invoice_id'], unique=False)
        batch_op.create_index('ix_billing_events_payment', ['payment_id'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit', sa.String(length=20), server_default='шт', nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint('price >= 0', name=op.f('ck_invoice_lines_price_not_negative')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_invoice_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines'))
    )
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index('ix_invoice_lines_invoice', ['invoice_id', 'position'], unique=False)

    op.create_table('payment_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reversed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_payment_allocations_amount_not_zero')),
    sa.CheckConstraint('invoice_id IS NULL OR amount > 0', name=op.f('ck_payment_allocations_invoice_amount_positive')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_payment_allocations_client_id_clients')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payment_allocations_created_by_id_users')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payment_allocations_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_allocations_payment_id_payments')),
    sa.ForeignKeyConstraint(['reversed_by_id'], ['users.id'], name=op.f('fk_payment_allocations_reversed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_allocations'))
    )
    with op.batch_alter_table('payment_allocations', schema=None) as batch_op:
        batch_op.create_index('ix_payment_allocations_client', ['client_id', 'invoice_id'], unique=False)
        batch_op.create_index('ix_payment_allocations_invoice', ['invoice_id'], unique=False)
        batch_op.create_index('ix_payment_allocations_payment', ['payment_id'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hour_price', sa.Numeric(precision=12, scale=2), nullable=True))



def downgrade():
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_column('hour_price')

    with op.batch_alter_table('payment_allocations', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_allocations_payment')
        batch_op.drop_index('ix_payment_allocations_invoice')
        batch_op.drop_index('ix_payment_allocations_client')

    op.drop_table('payment_allocations')
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_lines_invoice')

    op.drop_table('invoice_lines')
    with op.batch_alter_table('billing_events', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_events_payment')
        batch_op.drop_index('ix_billing_events_invoice')
        batch_op.drop_index('ix_billing_events_client')

    op.drop_table('billing_events')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('uq_invoices_year_seq')
        batch_op.drop_index('uq_invoices_renewal', sqlite_where=sa.text("status <> 'cancelled' AND renews_contract_id IS NOT NULL"), postgresql_where=sa.text("status <> 'cancelled' AND renews_contract_id IS NOT NULL"))
        batch_op.drop_index('ix_invoices_status')
        batch_op.drop_index('ix_invoices_client')

    op.drop_table('invoices')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_status')
        batch_op.drop_index('ix_payments_booked')

    op.drop_table('payments')
    with op.batch_alter_table('act_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_act_lines_act')

    op.drop_table('act_lines')
    op.drop_table('billing_profile')
    with op.batch_alter_table('bank_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statements_sha256'))

    op.drop_table('bank_statements')
    with op.batch_alter_table('acts', schema=None) as batch_op:
        batch_op.drop_index('uq_acts_year_seq')
        batch_op.drop_index('uq_acts_client_month')

    op.drop_table('acts')
    with op.batch_alter_table('mail_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_attachments_message_id'))

    op.drop_table('mail_attachments')
    op.drop_table('client_billing')
    op.drop_table('document_numbers')
