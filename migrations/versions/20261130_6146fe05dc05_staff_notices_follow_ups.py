"""Staff notices (the bell and its e-mails) with each person's switches; a ticket may follow up a
closed one.

Revision ID: 6146fe05dc05
Revises: 3fb47776ab0e
Create Date: 2026-11-30 08:00:10.992028

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '6146fe05dc05'
down_revision = '3fb47776ab0e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', 'channel', name=op.f('pk_notice_settings'))
    )
    op.create_table('staff_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('assigned', 'client_replied', 'reopened', 'sla_warning', 'sla_breach')", name=op.f('ck_staff_notices_kind')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_staff_notices_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_notices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notices'))
    )
    with op.batch_alter_table('staff_notices', schema=None) as batch_op:
        batch_op.create_index('ix_staff_notices_ticket', ['ticket_id', 'user_id'], unique=False)
        batch_op.create_index('ix_staff_notices_user_unread', ['user_id', 'read_at', 'id'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        # a plain ADD COLUMN with its reference, no batch copy: the table's search triggers stay
        op.execute("ALTER TABLE tickets ADD COLUMN follow_up_of_id INTEGER "
                   "CONSTRAINT fk_tickets_follow_up_of_id_tickets REFERENCES tickets (id)")
    else:
        op.add_column('tickets', sa.Column('follow_up_of_id', sa.Integer(), sa.ForeignKey(
            'tickets.id', name=op.f('fk_tickets_follow_up_of_id_tickets')), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.drop_column('tickets', 'follow_up_of_id')   # SQLite drops the column's reference with it
    else:
        op.drop_constraint(op.f('fk_tickets_follow_up_of_id_tickets'), 'tickets', type_='foreignkey')
        op.drop_column('tickets', 'follow_up_of_id')

    with op.batch_alter_table('staff_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_notices_user_unread')
        batch_op.drop_index('ix_staff_notices_ticket')

    op.drop_table('staff_notices')
    op.drop_table('notice_settings')
