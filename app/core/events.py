"""Domain events, written to an outbox table in the same transaction as the change.

`publish` never sends anything: the row commits (or rolls back) with the change that caused it, and
the live-events layer delivers outbox rows to Socket.IO rooms afterwards. A restart loses nothing,
and a process without a socket (the scheduler) can publish too.
"""
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import JSON, Index, String, insert, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.types import UTCDateTime, utcnow
from app.core.uow import after_commit, before_commit
from app.extensions import db

#: set after a commit that published something, so this process's delivery loop wakes up at once
#: instead of at its next poll (other processes still find the rows when they poll)
published = threading.Event()

EVENTS = ("ticket.created", "ticket.updated", "ticket.closed", "ticket.comment", "sla.warning", "sla.breached",
          "balance.changed", "announce", "notice.created", "invoice.paid", "payment.unmatched")


class OutboxEvent(db.Model):
    __tablename__ = "event_outbox"
    __table_args__ = (Index("ix_event_outbox_pending", "sent_at", "id"),
                      # the rows webhooks have not seen yet (app.webhooks fans them out)
                      Index("ix_event_outbox_webhooks", "id", sqlite_where=text("webhooked_at IS NULL"),
                            postgresql_where=text("webhooked_at IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    #: rooms to deliver to: "staff", "client:<id>", "speakers"
    rooms: Mapped[list] = mapped_column(JSON)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when webhooks made their deliveries of it (None: not yet)
    webhooked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


#: in-transaction subscribers: event name → functions called with the payload by `publish`
_subscribers: dict[str, list[Callable[[dict], None]]] = {}


def subscribe(event: str, fn: Callable[[dict], None]) -> None:
    """Call `fn(payload)` whenever `event` is published, inside the publishing transaction.

    This is how a capability reacts to another's changes without the other importing it (the
    e-mail notices listen to ticket events). Whatever `fn` writes commits or rolls back with the
    change; it must not send anything itself.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    handlers = _subscribers.setdefault(event, [])
    if fn not in handlers:   # create_app runs more than once in tests
        handlers.append(fn)


class _PendingEvents:
    """The transaction's events, written in one INSERT just before it commits (a close publishes
    two or three: one statement instead of one per event). Dropped with the transaction."""

    def __init__(self):
        self.rows: list[dict] = []

    def __call__(self) -> None:
        rows, self.rows = self.rows, []
        if rows:
            db.session.execute(insert(OutboxEvent.__table__), rows)


def publish(event: str, payload: dict, rooms: list[str]) -> None:
    """Record an event to deliver after this transaction commits (its row is written with the
    transaction's other events just before the commit, so it commits or rolls back with them)."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    pending = before_commit(db.session, _PendingEvents(), key=_PendingEvents)
    pending.rows.append({"event": event, "rooms": list(rooms), "payload": payload, "created_at": utcnow()})
    after_commit(db.session, published.set)
    for fn in _subscribers.get(event, ()):
        fn(payload)
