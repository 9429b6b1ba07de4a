from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.types import UTCDateTime, utcnow
from app.extensions import db

MAIL_STATUSES = ("pending", "sent", "failed")


class MailMessage(db.Model):
    """An e-mail waiting to be sent, or the record of one that was.

    Rows are written in the same transaction as the change they tell about and sent afterwards by
    the scheduler's mail job, with retries: an SMTP outage delays mail but loses none. The text is
    rendered when the row is written, in the recipient's language, so sending needs no templates.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # the mail job reads only what is due: pending rows by next attempt
        Index("ix_mail_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    #: what the message is about, for "at most once" notices (e.g. "lot-expiry:12:ann@x.ru");
    #: NULL for messages that may repeat (each comment is its own message)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the ticket it is about: its Message-ID and References name the ticket, so replies thread (a
    #: plain number, as the outbox is a log: adding a foreign key would rebuild the table on SQLite)
    ticket_id: Mapped[int | None]

    attachments: Mapped[list["MailAttachment"]] = relationship(order_by="MailAttachment.id")


class MailAttachment(db.Model):
    """A file sent with a message (an invoice's or an act's PDF), kept as it was sent."""

    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_outbox.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)


#: what staff are told about their tickets, each switchable per person and channel
NOTICE_KINDS = ("assigned", "client_replied", "reopened", "sla_warning", "sla_breach")
NOTICE_CHANNELS = ("app", "email")


class StaffNotice(db.Model):
    """Something a staff member should know about a ticket (assigned to them, the client replied,
    reopened, an SLA warning or breach): unread until they read it or open the ticket."""

    __tablename__ = "staff_notices"
    __table_args__ = (
        CheckConstraint("kind IN ('assigned', 'client_replied', 'reopened', 'sla_warning', 'sla_breach')",
                        name="kind"),
        # the bell counts a person's unread notices; the ticket page marks its own read
        Index("ix_staff_notices_user_unread", "user_id", "read_at", "id"),
        Index("ix_staff_notices_ticket", "ticket_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    #: who did it (a name: the notice outlives renames), none for the SLA monitor
    actor_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket = relationship("Ticket")


class NoticeSetting(db.Model):
    """A person's switch for one kind of notice on one channel; no row means on."""

    __tablename__ = "notice_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    enabled: Mapped[bool] = mapped_column()
