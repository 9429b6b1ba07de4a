from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel, relationship

from app.core.text import fold
from app.core.types import UTCDateTime, utcnow
from app.extensions import db
from app.tickets.lifecycle import CHANNELS, PRIORITIES, STATUSES

if TYPE_CHECKING:
    from app.auth.models import User
    from app.clients.models import Client


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"

#: sort rank of priorities, most urgent first (list sorting uses it)
PRIORITY_RANK = {"critical": 0, "high": 1, "normal": 2, "low": 3}


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint("length(subject) > 0", name="subject_not_empty"),
        CheckConstraint("priority_rank BETWEEN 0 AND 3", name="priority_rank"),
        # The list pages: newest first, optionally within one status / assignee / client.
        Index("ix_tickets_created_at", "created_at"),
        Index("ix_tickets_status_created_at", "status", "created_at"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        Index("ix_tickets_client_created_at", "client_id", "created_at"),
        Index("ix_tickets_status_resolution_due", "status", "resolution_due_at"),
        # the reports: tickets resolved in a period (resolution times)
        Index("ix_tickets_resolved_at", "resolved_at"),
        # the portal: one company's open tickets, newest first
        Index("ix_tickets_client_status_created", "client_id", "status", "created_at"),
        # the follow-ups of a ticket (and the foreign-key check when a ticket is deleted, which
        # otherwise reads every ticket); nearly all are NULL, and a new ticket without one costs nothing
        Index("ix_tickets_follow_up_of", "follow_up_of_id", sqlite_where=text("follow_up_of_id IS NOT NULL"),
              postgresql_where=text("follow_up_of_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    #: the client contact who asked (optional: phone calls come from anyone)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(255))
    #: folded subject for case-insensitive search in any script (kept in step by the operations)
    subject_search: Mapped[str] = mapped_column(String(255), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    priority: Mapped[str] = mapped_column(String(10), default="normal", server_default="normal")
    #: 0 = critical … 3 = low; kept in step with `priority` so lists sort by urgency in SQL
    priority_rank: Mapped[int] = mapped_column(default=2, server_default="2")
    channel: Mapped[str] = mapped_column(String(10), default="phone", server_default="phone")
    status: Mapped[str] = mapped_column(String(12), default="open", server_default="open")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set when the ticket first leaves `open` (meets the response target)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the first public reply from staff
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the date the client asked for (the SLA issue checks it is realistic)
    desired_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the SLA policy the deadlines came from (kept, so later changes to a contract do not move them)
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"))
    #: when the SLA monitor next has something to fire (80 % or 100 % of a target); NULL: nothing
    #: pending (resolved, waiting, or no deadlines). The monitor reads only rows due by this index.
    sla_next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: the office speaker repeats a new ticket until someone acknowledges it: when next, how often so far
    next_announce_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    announce_count: Mapped[int] = mapped_column(default=0, server_default="0")
    #: the closed ticket this one follows up (a contact came back after the reopening window)
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    client: Mapped[Client] = relationship()
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    follow_up_of: Mapped[Ticket | None] = relationship(remote_side=[id], foreign_keys=[follow_up_of_id])
    comments: Mapped[list[Comment]] = relationship(back_populates="ticket", order_by="Comment.id")
    # read-only: a change recorded does not touch its ticket's collection, so recording one does
    # not make the ticket part of the next flush (half of registering's ORM work)
    changes: Mapped[list[TicketChange]] = relationship(order_by="TicketChange.id", viewonly=True)
    attachments: Mapped[list[Attachment]] = relationship(back_populates="ticket", order_by="Attachment.id",
                                                         viewonly=True)
    rating: Mapped[TicketRating | None] = relationship(viewonly=True)

    tags: Mapped[list[Tag]] = relationship(secondary="ticket_tags", order_by="Tag.name")

    @property
    def number(self) -> str:
        return f"#{self.id}"

    def is_overdue(self, now: datetime) -> bool:
        # a ticket waiting for the client has its clock stopped: it is not overdue meanwhile
        return (
            self.status in ("open", "in_progress")
            and self.resolution_due_at is not None
            and self.resolution_due_at < now
        )


# The list's other sorts, each an index walked in the sort's own order, so that a page of ten
# years of tickets reads 25 rows, not millions (`app.tickets.queries.SORTS`, kept in step)
Index("ix_tickets_updated_at", Ticket.updated_at, Ticket.id)
Index("ix_tickets_priority_created", Ticket.priority_rank, Ticket.created_at.desc(), Ticket.id.desc())
# one client's most urgent (a large client has hundreds of thousands of tickets)
Index("ix_tickets_client_priority", Ticket.client_id, Ticket.priority_rank, Ticket.created_at.desc(), Ticket.id.desc())
Index("ix_tickets_due", Ticket.resolution_due_at.is_(None), Ticket.resolution_due_at, Ticket.id)

#: the unresolved tickets and those whose SLA clock runs, as SQL both databases match a partial
#: index's condition against (the dashboard's queries write these very words: `tickets.queries`)
ACTIVE_SQL = "status IN ('open', 'in_progress', 'waiting')"
CLOCK_RUNNING_SQL = "status IN ('open', 'in_progress')"
# the dashboard's queues (nobody's, mine: most urgent first, and counted) and its overdue list,
# small however many closed tickets the years leave behind
Index("ix_tickets_active_queue", Ticket.assignee_id, Ticket.priority_rank, Ticket.created_at,
      sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL))
# the list's "most urgent" for one engineer's unresolved tickets: newest first within a priority,
# the other way round from the dashboard's queue, so the queue's index left SQLite sorting every
# critical ticket of the engineer's (12 ms for one with 46,000 unresolved). Assigned ones only: the
# dashboard's queue of nobody's tickets must not take it (PostgreSQL did, and sorted them)
ASSIGNED_ACTIVE_SQL = ACTIVE_SQL + " AND assignee_id IS NOT NULL"
Index("ix_tickets_active_assignee_urgent", Ticket.assignee_id, Ticket.priority_rank, Ticket.created_at.desc(),
      Ticket.id.desc(), sqlite_where=text(ASSIGNED_ACTIVE_SQL), postgresql_where=text(ASSIGNED_ACTIVE_SQL))
# the dashboard's queue of nobody's tickets, most urgent and oldest first: PostgreSQL does not walk
# an index in order past an IS NULL condition, and sorted all of them (10 ms for 4,700)
UNASSIGNED_ACTIVE_SQL = ACTIVE_SQL + " AND assignee_id IS NULL"
Index("ix_tickets_unassigned_queue", Ticket.priority_rank, Ticket.created_at,
      sqlite_where=text(UNASSIGNED_ACTIVE_SQL), postgresql_where=text(UNASSIGNED_ACTIVE_SQL))
# the tickets nobody has acknowledged yet, most urgent first: a few hundred among millions, which
# SQLite's statistics (an average per status) cannot tell from a sixth of the table
Index("ix_tickets_unacknowledged", Ticket.priority_rank, Ticket.created_at,
      sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'"))
Index("ix_tickets_overdue", Ticket.resolution_due_at,
      sqlite_where=text(CLOCK_RUNNING_SQL), postgresql_where=text(CLOCK_RUNNING_SQL))
# one company's unresolved tickets (the Tickets menu with a client chosen) in each of the list's
# orders: the busiest company has 57,000 of them among 460,000, and both databases read them all to
# sort (110–240 ms at 3 M; SQLite's statistics, an average per company, hide how many)
Index("ix_tickets_active_client", Ticket.client_id, Ticket.created_at, Ticket.id,
      sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL))
Index("ix_tickets_active_client_due", Ticket.client_id, Ticket.resolution_due_at.is_(None), Ticket.resolution_due_at,
      Ticket.id, sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL))
Index("ix_tickets_active_client_urgent", Ticket.client_id, Ticket.priority_rank, Ticket.created_at.desc(),
      Ticket.id.desc(), sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL))
Index("ix_tickets_active_client_updated", Ticket.client_id, Ticket.updated_at, Ticket.id,
      sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL))


class TicketSlaEvent(db.Model):
    """An SLA warning (80 %) or breach (100 %) that fired; the unique key makes each fire once."""

    __tablename__ = "ticket_sla_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", name="uq_ticket_sla_events_ticket_kind"),
        CheckConstraint("kind IN ('response_warning', 'response_breach', 'resolution_warning', 'resolution_breach')",
                        name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    #: the instant the threshold was reached (not when the monitor noticed)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_ticket_id", "ticket_id", "id"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Markdown as typed; rendered through a sanitiser, never trusted as HTML
    body: Mapped[str] = mapped_column(Text)
    #: visible to the client; internal notes are False
    public: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(back_populates="comment", order_by="Attachment.id",
                                                         viewonly=True)


class Attachment(db.Model):
    """A file added to a ticket (with its description or a comment). The bytes live on disk under
    `HOURDESK_ATTACHMENT_DIR`, named by `storage_key`; the row says who may see them: a file on an
    internal note is staff-only, like the note."""

    __tablename__ = "ticket_attachments"
    __table_args__ = (
        Index("ix_ticket_attachments_ticket", "ticket_id", "id"),
        Index("ix_ticket_attachments_comment", "comment_id"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    #: visible to the client's contacts (False: attached to an internal note)
    public: Mapped[bool] = mapped_column(default=True)
    #: the name the uploader's file had (sanitised); shown and offered on download
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: the file's name in the attachment store (random; never derived from user input)
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")
    comment: Mapped[Comment | None] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()


class TicketRating(db.Model):
    """The client's satisfaction rating (CSAT) of a closed ticket: 1–5 and an optional comment."""

    __tablename__ = "ticket_ratings"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rated_by: Mapped[User | None] = relationship()


class TicketChange(db.Model):
    """One changed field of a ticket: who, when, from what to what. Written by
    `tickets.operations` for every change, so the history is complete."""

    __tablename__ = "ticket_changes"
    __table_args__ = (Index("ix_ticket_changes_ticket_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    #: why, where the change asks for one (reopening, cancelling)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: numbers the rows of one batched INSERT so their new ids come back in order: without it SQLite
    #: writes one INSERT per row (a close writes five of them)
    insert_sentinel: Mapped[int | None] = orm_insert_sentinel("insert_sentinel")

    ticket: Mapped[Ticket] = relationship()
    user: Mapped[User | None] = relationship()


# the SLA report's moved deadlines of a period, among millions of history rows (the condition is
# written out as constants by `app.reports.queries`, so both databases can use this index)
Index("ix_ticket_changes_moved_deadline", TicketChange.at,
      sqlite_where=text("field = 'resolution_due_at' AND reason IS NOT NULL"),
      postgresql_where=text("field = 'resolution_due_at' AND reason IS NOT NULL"))


def tag_key(name: str) -> str:
    """What makes two spellings one tag: case, «ё», repeated spaces (`Tag.name_key`)."""
    return " ".join(fold(name).split())


#: which tags a ticket carries (a plain association: the ticket's history records each change)
ticket_tags = db.Table(
    "ticket_tags", db.metadata,
    db.Column("ticket_id", db.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    db.Column("tag_id", db.ForeignKey("tags.id"), primary_key=True),
    Index("ix_ticket_tags_tag_id", "tag_id", "ticket_id"),
)


class Tag(db.Model):
    """A topic engineers mark tickets with ("оплата", "принтер", "обновление 1С"), for the report
    of inquiries per 1,000 clients by topic and month."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    #: the name folded (lower case, ё → е, spaces squeezed): two spellings are one tag
    name_key: Mapped[str] = mapped_column(String(50), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
