"""An audit trail of changes to users, clients, contracts, services, SLA calendars and policies
and API tokens; admins' one-time password links; a contract's terms for its next period and an
early termination date.

Revision ID: 53d2a5132d8d
Revises: 6146fe05dc05
Create Date: 2026-11-30 09:00:50.138387

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '53d2a5132d8d'
down_revision = '6146fe05dc05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_entity', ['entity', 'entity_id', 'id'], unique=False)

    op.create_table('password_reset_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_password_reset_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_reset_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_links_token_hash'))
    )
    with op.batch_alter_table('password_reset_links', schema=None) as batch_op:
        batch_op.create_index('ix_password_reset_links_user_id', ['user_id'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_minutes_per_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('next_hour_price', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('terminated_on', sa.Date(), nullable=True))



def downgrade():
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_column('terminated_on')
        batch_op.drop_column('next_hour_price')
        batch_op.drop_column('next_minutes_per_month')

    with op.batch_alter_table('password_reset_links', schema=None) as batch_op:
        batch_op.drop_index('ix_password_reset_links_user_id')

    op.drop_table('password_reset_links')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_entity')

    op.drop_table('audit_entries')
