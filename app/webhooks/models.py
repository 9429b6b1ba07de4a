from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.types import UTCDateTime, utcnow
from app.extensions import db

#: pending: waits for its (next) attempt; delivered: the receiver answered 2xx; failed: given up
#: (24 hours of retries, or the endpoint answered 410 Gone)
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class WebhookEndpoint(db.Model):
    """A receiver an admin registered: where to post, which events, and the secret that signs them."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    #: event names this endpoint hears (`app.webhooks.operations.WEBHOOK_EVENTS`)
    events: Mapped[list] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the HMAC-SHA256 key of the signature header; the receiver keeps a copy
    secret: Mapped[str] = mapped_column(String(100))
    #: why the desk switched it off by itself (a 410 Gone), for the admin to read
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class WebhookDelivery(db.Model):
    """One event for one endpoint: the exact body sent (a replay sends it again) and what happened."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # the deliverer's walk: an endpoint's unfinished deliveries in the order of their events
        Index("ix_webhook_deliveries_pending", "endpoint_id", "id", sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    #: the outbox event's id: the receiver's key for telling a new event from a repeated one
    event_id: Mapped[int]
    event: Mapped[str] = mapped_column(String(40))
    #: events with the same key reach the receiver in order ("ticket:12", "client:3", "invoice:7")
    ordering_key: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a replay is a new delivery of the same body; it names the one it repeats
    replay_of_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_deliveries.id"))
    replayed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    endpoint: Mapped[WebhookEndpoint] = relationship()
