from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class TicketSearch(db.Model):
    """A ticket's words as stems, kept in step by `app.search.operations` before each commit.
    The migration adds what each database searches with: an FTS5 table over these columns on
    SQLite (`ticket_fts`), weighted tsvector columns with GIN indexes on PostgreSQL."""

    __tablename__ = "ticket_search"
    __table_args__ = (Index("ix_ticket_search_client_id", "client_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    #: the subject (ranked highest; the number is found by `app.tickets.queries.text_matches`)
    subject_terms: Mapped[str] = mapped_column(Text, default="")
    #: the description and the public comments
    body_terms: Mapped[str] = mapped_column(Text, default="")
    #: internal comments: staff find them, contacts never do
    internal_terms: Mapped[str] = mapped_column(Text, default="")
    #: the client's name and INN (rewritten for all its tickets when the client is renamed)
    client_terms: Mapped[str] = mapped_column(Text, default="")
