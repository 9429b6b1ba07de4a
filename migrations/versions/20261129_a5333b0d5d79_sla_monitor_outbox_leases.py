"""SLA monitor state (next check per ticket, fired thresholds), the event outbox and scheduler leases.

Revision ID: a5333b0d5d79
Revises: 2446a2277360
Create Date: 2026-11-29 15:53:35.331149

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a5333b0d5d79'
down_revision = '2446a2277360'
branch_labels = None
depends_on = None


# A column dropped on SQLite rebuilds `tickets` and loses its search triggers (see 8208c7285ea9);
# the downgrade puts them back. The upgrade only adds, which SQLite does in place.
SQLITE_SEARCH_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS tickets_search_ai AFTER INSERT ON tickets BEGIN
           INSERT INTO tickets_search(rowid, subject_search) VALUES (new.id, new.subject_search);
       END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_search_ad AFTER DELETE ON tickets BEGIN
           INSERT INTO tickets_search(tickets_search, rowid, subject_search) VALUES ('delete', old.id, old.subject_search);
       END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_search_au AFTER UPDATE OF subject_search ON tickets BEGIN
           INSERT INTO tickets_search(tickets_search, rowid, subject_search) VALUES ('delete', old.id, old.subject_search);
           INSERT INTO tickets_search(rowid, subject_search) VALUES (new.id, new.subject_search);
       END""",
    "INSERT INTO tickets_search(tickets_search) VALUES ('rebuild')",
]


def upgrade():
    op.create_table('event_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('rooms', sa.JSON(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_outbox'))
    )
    with op.batch_alter_table('event_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_event_outbox_pending', ['sent_at', 'id'], unique=False)

    op.create_table('leases',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
    op.create_table('ticket_sla_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('response_warning', 'response_breach', 'resolution_warning', 'resolution_breach')", name=op.f('ck_ticket_sla_events_kind')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_sla_events_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_sla_events')),
    sa.UniqueConstraint('ticket_id', 'kind', name='uq_ticket_sla_events_ticket_kind')
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_next_check_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_sla_next_check_at'), ['sla_next_check_at'], unique=False)



def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_sla_next_check_at'))
        batch_op.drop_column('sla_next_check_at')
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_TRIGGERS:
            op.execute(statement)

    op.drop_table('ticket_sla_events')
    op.drop_table('leases')
    with op.batch_alter_table('event_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_event_outbox_pending')

    op.drop_table('event_outbox')
