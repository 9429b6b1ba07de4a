from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.types import UTCDateTime, utcnow
from app.extensions import db

#: ticket: became a ticket; comment: a reply on one; triage: waits for a person; ignored: an
#: auto-reply, bounce or bulk mail (nothing created, nobody told); refused: could not be taken (too
#: large, unreadable); discarded: staff threw it away from triage
INBOUND_STATUSES = ("ticket", "comment", "triage", "ignored", "refused", "discarded")


class InboundMail(db.Model):
    """One received message, processed once: its Message-ID is unique, so the same message read
    twice (a crash before the mailbox was told, two readers at once) does nothing the second time."""

    __tablename__ = "inbound_mail"
    __table_args__ = (
        Index("ix_inbound_mail_triage", "id", sqlite_where=text("status = 'triage' OR proposed_contact"),
              postgresql_where=text("status = 'triage' OR proposed_contact")),
        Index("ix_inbound_mail_sender", "from_addr", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: "imap" or "pipe" (`flask mail receive`)
    source: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_addr: Mapped[str] = mapped_column(String(254), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    size_bytes: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12))
    #: why it ended where it did (the auto-reply header, the refusal, files not kept)
    detail: Mapped[str | None] = mapped_column(Text)
    #: the text a person reads in triage (the reply part for replies)
    text: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    #: the client it was for (by its contact or mail domain), or that staff assigned it to
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    #: the sender wrote from a client's domain but is no contact yet: staff may add them
    proposed_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the message as received, kept while a person has to decide on it (triage)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket = relationship("Ticket")
    client = relationship("Client")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
