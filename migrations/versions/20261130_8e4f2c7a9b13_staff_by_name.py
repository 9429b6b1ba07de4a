"""The staff by name: a partial index over the few dozen staff among tens of thousands of
contacts (every form's engineer choices read it; SQLite's statistics could not tell them apart).

Revision ID: 8e4f2c7a9b13
Revises: 7c1e5a9d2b40
Create Date: 2026-11-30 18:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '8e4f2c7a9b13'
down_revision = '7c1e5a9d2b40'
branch_labels = None
depends_on = None

STAFF = sa.text("role IN ('admin', 'manager', 'engineer')")


def upgrade():
    op.create_index('ix_users_staff_name', 'users', ['name'], sqlite_where=STAFF, postgresql_where=STAFF)


def downgrade():
    op.drop_index('ix_users_staff_name', 'users')
