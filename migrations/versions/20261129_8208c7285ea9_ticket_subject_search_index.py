"""Substring search on ticket subjects that stays index-driven: FTS5 trigram on SQLite, pg_trgm on PostgreSQL.

Revision ID: 8208c7285ea9
Revises: d6c0e89689ad
Create Date: 2026-11-29 14:59:46.557925

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '8208c7285ea9'
down_revision = 'd6c0e89689ad'
branch_labels = None
depends_on = None


# The search structures are not models: Alembic's autogenerate skips them (see SEARCH_OBJECTS
# in app/core/db_setup.py), and app/tickets/queries.py queries them per backend.

SQLITE_UP = [
    """CREATE VIRTUAL TABLE tickets_search USING fts5(
           subject_search, content='tickets', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER tickets_search_ai AFTER INSERT ON tickets BEGIN
           INSERT INTO tickets_search(rowid, subject_search) VALUES (new.id, new.subject_search);
       END""",
    """CREATE TRIGGER tickets_search_ad AFTER DELETE ON tickets BEGIN
           INSERT INTO tickets_search(tickets_search, rowid, subject_search) VALUES ('delete', old.id, old.subject_search);
       END""",
    """CREATE TRIGGER tickets_search_au AFTER UPDATE OF subject_search ON tickets BEGIN
           INSERT INTO tickets_search(tickets_search, rowid, subject_search) VALUES ('delete', old.id, old.subject_search);
           INSERT INTO tickets_search(rowid, subject_search) VALUES (new.id, new.subject_search);
       END""",
    "INSERT INTO tickets_search(tickets_search) VALUES ('rebuild')",
]
SQLITE_DOWN = ["DROP TRIGGER tickets_search_au", "DROP TRIGGER tickets_search_ad", "DROP TRIGGER tickets_search_ai",
               "DROP TABLE tickets_search"]
POSTGRES_UP = [
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_tickets_subject_trgm ON tickets USING gin (subject_search gin_trgm_ops)",
]
POSTGRES_DOWN = ["DROP INDEX ix_tickets_subject_trgm"]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWN)
