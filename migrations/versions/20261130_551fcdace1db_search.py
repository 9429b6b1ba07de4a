"""Full-text search over tickets: `ticket_search` holds each ticket's stems (subject,
description and public comments, internal comments, client name and INN); SQLite searches it with
an FTS5 table (bm25), PostgreSQL with weighted tsvector columns and GIN indexes. The subject-only
trigram search it replaces is dropped. Existing tickets are indexed here.

Revision ID: 551fcdace1db
Revises: 53d2a5132d8d
Create Date: 2026-11-30 09:22:10.000000

"""
import sqlalchemy as sa
from alembic import op

from app.search.text import terms

# revision identifiers, used by Alembic.
revision = '551fcdace1db'
down_revision = '53d2a5132d8d'
branch_labels = None
depends_on = None

# Not models (autogenerate skips them: SEARCH_OBJECTS in app/core/db_setup.py).
SQLITE_UP = [
    """CREATE VIRTUAL TABLE ticket_fts USING fts5(
           subject_terms, body_terms, internal_terms, client_terms,
           content='ticket_search', content_rowid='ticket_id', tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER ticket_fts_ai AFTER INSERT ON ticket_search BEGIN
           INSERT INTO ticket_fts(rowid, subject_terms, body_terms, internal_terms, client_terms)
           VALUES (new.ticket_id, new.subject_terms, new.body_terms, new.internal_terms, new.client_terms);
       END""",
    """CREATE TRIGGER ticket_fts_ad AFTER DELETE ON ticket_search BEGIN
           INSERT INTO ticket_fts(ticket_fts, rowid, subject_terms, body_terms, internal_terms, client_terms)
           VALUES ('delete', old.ticket_id, old.subject_terms, old.body_terms, old.internal_terms, old.client_terms);
       END""",
    """CREATE TRIGGER ticket_fts_au AFTER UPDATE ON ticket_search BEGIN
           INSERT INTO ticket_fts(ticket_fts, rowid, subject_terms, body_terms, internal_terms, client_terms)
           VALUES ('delete', old.ticket_id, old.subject_terms, old.body_terms, old.internal_terms, old.client_terms);
           INSERT INTO ticket_fts(rowid, subject_terms, body_terms, internal_terms, client_terms)
           VALUES (new.ticket_id, new.subject_terms, new.body_terms, new.internal_terms, new.client_terms);
       END""",
    "DROP TRIGGER tickets_search_au", "DROP TRIGGER tickets_search_ad", "DROP TRIGGER tickets_search_ai",
    "DROP TABLE tickets_search",
]
SQLITE_DOWN = [
    "DROP TRIGGER ticket_fts_au", "DROP TRIGGER ticket_fts_ad", "DROP TRIGGER ticket_fts_ai", "DROP TABLE ticket_fts",
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
# to_tsvector with an explicit configuration is immutable, so it may feed a stored generated column;
# 'simple' only lower-cases: the words are stems already. Weights rank the subject first.
_PUBLIC = ("setweight(to_tsvector('simple', subject_terms), 'A') || setweight(to_tsvector('simple', client_terms), 'B')"
           " || setweight(to_tsvector('simple', body_terms), 'C')")
POSTGRES_UP = [
    f"ALTER TABLE ticket_search ADD COLUMN public_tsv tsvector GENERATED ALWAYS AS ({_PUBLIC}) STORED",
    f"ALTER TABLE ticket_search ADD COLUMN all_tsv tsvector GENERATED ALWAYS AS ({_PUBLIC}"
    " || setweight(to_tsvector('simple', internal_terms), 'D')) STORED",
    "CREATE INDEX ix_ticket_search_public_tsv ON ticket_search USING gin (public_tsv)",
    "CREATE INDEX ix_ticket_search_all_tsv ON ticket_search USING gin (all_tsv)",
    "DROP INDEX ix_tickets_subject_trgm",
]
POSTGRES_DOWN = ["CREATE INDEX ix_tickets_subject_trgm ON tickets USING gin (subject_search gin_trgm_ops)"]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def _index_existing(bind) -> None:
    """The stems of every ticket there is (the same words `app.search.operations` writes)."""
    tickets = sa.table("tickets", sa.column("id"), sa.column("client_id"), sa.column("subject"),
                       sa.column("description"))
    comments = sa.table("comments", sa.column("id"), sa.column("ticket_id"), sa.column("body"), sa.column("public"))
    clients = sa.table("clients", sa.column("id"), sa.column("name"), sa.column("inn"))
    search = sa.table("ticket_search", *(sa.column(c) for c in (
        "ticket_id", "client_id", "subject_terms", "body_terms", "internal_terms", "client_terms")))
    client_terms = {cid: terms(f"{name} {inn or ''}") for cid, name, inn in bind.execute(sa.select(clients))}
    last = 0
    while rows := bind.execute(sa.select(tickets).where(tickets.c.id > last).order_by(tickets.c.id).limit(2000)).all():
        ids = [r.id for r in rows]
        public, internal = {}, {}
        for ticket_id, body, is_public in bind.execute(
                sa.select(comments.c.ticket_id, comments.c.body, comments.c.public)
                .where(comments.c.ticket_id.in_(ids)).order_by(comments.c.id)):
            (public if is_public else internal).setdefault(ticket_id, []).append(terms(body))
        bind.execute(sa.insert(search), [
            {"ticket_id": r.id, "client_id": r.client_id, "subject_terms": terms(r.subject),
             "body_terms": " ".join([terms(r.description), *public.get(r.id, [])]).strip(),
             "internal_terms": " ".join(internal.get(r.id, [])), "client_terms": client_terms.get(r.client_id, "")}
            for r in rows])
        last = ids[-1]


def upgrade():
    op.create_table('ticket_search',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('subject_terms', sa.Text(), nullable=False),
    sa.Column('body_terms', sa.Text(), nullable=False),
    sa.Column('internal_terms', sa.Text(), nullable=False),
    sa.Column('client_terms', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_ticket_search_client_id_clients')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_search_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_search'))
    )
    with op.batch_alter_table('ticket_search', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_search_client_id', ['client_id'], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)
    _index_existing(op.get_bind())


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWN)
    with op.batch_alter_table('ticket_search', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_search_client_id')
    op.drop_table('ticket_search')
