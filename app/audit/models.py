from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class AuditEntry(db.Model):
    """One changed field of one object (tickets keep their own history in `ticket_changes`)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: user, client, contract, service, calendar, policy, token
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int]
    #: the field's name; "created", "terminated", "password_reset"… for whole-object actions
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User", foreign_keys=[actor_id])
