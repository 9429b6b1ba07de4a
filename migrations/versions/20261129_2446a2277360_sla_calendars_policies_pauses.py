"""Business calendars, SLA policies with targets per priority, ticket pauses; tickets and contracts refer to a policy.

Revision ID: 2446a2277360
Revises: c439ffd2cfd2
Create Date: 2026-11-29 15:46:28.330542

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '2446a2277360'
down_revision = 'c439ffd2cfd2'
branch_labels = None
depends_on = None


# SQLite's batch mode rebuilds `tickets`, which drops its triggers: the search-index triggers of
# 8208c7285ea9 are put back (same statements) after each rebuild.
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


def _restore_search_triggers():
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_TRIGGERS:
            op.execute(statement)


def upgrade():
    op.create_table('business_calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('intervals', sa.JSON(), nullable=False),
    sa.Column('extra_holidays', sa.JSON(), nullable=False),
    sa.Column('always_open', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_calendars')),
    sa.UniqueConstraint('name', name=op.f('uq_business_calendars_name'))
    )
    op.create_table('sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['business_calendars.id'], name=op.f('fk_sla_policies_calendar_id_business_calendars')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies')),
    sa.UniqueConstraint('name', name=op.f('uq_sla_policies_name'))
    )
    op.create_table('sla_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('priority_rank', sa.Integer(), nullable=False),
    sa.Column('response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint("priority IN ('low', 'normal', 'high', 'critical')", name=op.f('ck_sla_targets_priority')),
    sa.CheckConstraint('response_minutes > 0 AND resolution_minutes > 0', name=op.f('ck_sla_targets_positive')),
    sa.ForeignKeyConstraint(['policy_id'], ['sla_policies.id'], name=op.f('fk_sla_targets_policy_id_sla_policies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_targets')),
    sa.UniqueConstraint('policy_id', 'priority', name='uq_sla_targets_policy_priority')
    )
    op.create_table('ticket_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ended_at IS NULL OR ended_at >= started_at', name=op.f('ck_ticket_pauses_order')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_pauses_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_pauses'))
    )
    with op.batch_alter_table('ticket_pauses', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_pauses_ticket', ['ticket_id', 'started_at'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_contracts_sla_policy_id_sla_policies'), 'sla_policies', ['sla_policy_id'], ['id'])

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_policy_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tickets_sla_policy_id_sla_policies'), 'sla_policies', ['sla_policy_id'], ['id'])
    _restore_search_triggers()


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_sla_policy_id_sla_policies'), type_='foreignkey')
        batch_op.drop_column('sla_policy_id')
    _restore_search_triggers()

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contracts_sla_policy_id_sla_policies'), type_='foreignkey')
    # the policies go away with their tables: contracts keep no reference to them
    op.execute("UPDATE contracts SET sla_policy_id = NULL")

    with op.batch_alter_table('ticket_pauses', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_pauses_ticket')

    op.drop_table('ticket_pauses')
    op.drop_table('sla_targets')
    op.drop_table('sla_policies')
    op.drop_table('business_calendars')
