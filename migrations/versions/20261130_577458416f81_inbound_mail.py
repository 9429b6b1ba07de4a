"""Inbound e-mail: every message received (processed once by its Message-ID) and the triage list;
clients' mail domains; the ticket an outgoing notice is about (its Message-ID names it).

Revision ID: 577458416f81
Revises: 4436c4e1b4dc
Create Date: 2026-11-30 12:33:43.523072

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '577458416f81'
down_revision = '4436c4e1b4dc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_addr', sa.String(length=254), nullable=False),
    sa.Column('from_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('proposed_contact', sa.Boolean(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_inbound_mail_client_id_clients')),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_inbound_mail_comment_id_comments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_inbound_mail_decided_by_id_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_inbound_mail_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_mail')),
    sa.UniqueConstraint('message_id', name=op.f('uq_inbound_mail_message_id'))
    )
    op.create_index('ix_inbound_mail_sender', 'inbound_mail', ['from_addr', 'received_at'], unique=False)
    op.create_index('ix_inbound_mail_triage', 'inbound_mail', ['id'], unique=False,
                    sqlite_where=sa.text("status = 'triage' OR proposed_contact"),
                    postgresql_where=sa.text("status = 'triage' OR proposed_contact"))
    op.add_column('clients', sa.Column('mail_domains', sa.String(length=500), nullable=True))
    op.add_column('mail_outbox', sa.Column('ticket_id', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('ticket_id')

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('mail_domains')

    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_mail_triage', sqlite_where=sa.text("status = 'triage' OR proposed_contact"), postgresql_where=sa.text("status = 'triage' OR proposed_contact"))
        batch_op.drop_index('ix_inbound_mail_sender')

    op.drop_table('inbound_mail')
