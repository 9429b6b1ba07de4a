"""Business calendars, SLA policies and the pauses that stop a ticket's SLA clock."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class BusinessCalendar(db.Model):
    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    #: public holidays of this country (the `holidays` package), e.g. RU, UA
    country: Mapped[str | None] = mapped_column(String(2))
    #: {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], …}; checked by app.sla.clock.make_calendar
    intervals: Mapped[dict] = mapped_column(JSON, default=dict)
    #: ["2026-12-31", …]: days off besides the public holidays
    extra_holidays: Mapped[list] = mapped_column(JSON, default=list)
    always_open: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlaPolicy(db.Model):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("business_calendars.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    calendar: Mapped[BusinessCalendar] = relationship()
    targets: Mapped[list[SlaTarget]] = relationship(back_populates="policy", order_by="SlaTarget.priority_rank",
                                                    cascade="all, delete-orphan")

    def target(self, priority: str) -> SlaTarget | None:
        return next((t for t in self.targets if t.priority == priority), None)


class SlaTarget(db.Model):
    """Business minutes to respond and to resolve, for one priority."""

    __tablename__ = "sla_targets"
    __table_args__ = (
        UniqueConstraint("policy_id", "priority", name="uq_sla_targets_policy_priority"),
        CheckConstraint("response_minutes > 0 AND resolution_minutes > 0", name="positive"),
        CheckConstraint("priority IN ('low', 'normal', 'high', 'critical')", name="priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id", ondelete="CASCADE"))
    priority: Mapped[str] = mapped_column(String(10))
    priority_rank: Mapped[int]
    response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]

    policy: Mapped[SlaPolicy] = relationship(back_populates="targets")


class TicketPause(db.Model):
    """Time a ticket spent waiting for the client: its resolution clock does not run."""

    __tablename__ = "ticket_pauses"
    __table_args__ = (
        Index("ix_ticket_pauses_ticket", "ticket_id", "started_at"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
