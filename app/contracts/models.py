"""Contracts, hour lots, the append-only ledger, the service catalogue and specification lines.

Tickets are known by id only (`ticket_id` columns); this package never imports `app.tickets`.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.types import UTCDateTime, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.auth.models import User
    from app.clients.models import Client

MONEY = Numeric(12, 2)


class Service(db.Model):
    """A catalogue entry: what engineers log time against and how it is billed."""

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("billing IN ('hourly', 'paid', 'free')", name="billing"),
        CheckConstraint("rate IS NULL OR rate >= 0", name="rate_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: hourly = taken from the client's hours, paid = billed as money, free = recorded only
    billing: Mapped[str] = mapped_column(String(10))
    #: money per hour for `paid` services
    rate: Mapped[Decimal | None] = mapped_column(MONEY)
    #: support | update | development | onsite | … (reports group by it)
    kind: Mapped[str] = mapped_column(String(30), default="support", server_default="support")
    active: Mapped[bool] = mapped_column(default=True, server_default="1")

    def name(self, locale: str) -> str:
        return self.name_ru if locale == "ru" else self.name_en


class Contract(db.Model):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("months > 0", name="months_positive"),
        CheckConstraint("minutes_per_month > 0", name="minutes_positive"),
        CheckConstraint("billing_increment_minutes BETWEEN 1 AND 240", name="increment_range"),
        CheckConstraint("overdraft IN ('convert_to_paid', 'allow_negative', 'block')", name="overdraft"),
        CheckConstraint("overage_rate >= 0", name="rate_not_negative"),
        CheckConstraint("status IN ('active', 'expired', 'terminated')", name="status"),
        Index("ix_contracts_client_id", "client_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    number: Mapped[str] = mapped_column(String(50), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    months: Mapped[int]
    #: the last day covered (inclusive), derived from starts_on + months
    ends_on: Mapped[date] = mapped_column(Date)
    #: prepaid minutes per month (hours_per_month × 60)
    minutes_per_month: Mapped[int]
    billing_increment_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    overdraft: Mapped[str] = mapped_column(String(20), default="convert_to_paid", server_default="convert_to_paid")
    #: money per hour of overage (convert_to_paid)
    overage_rate: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), server_default="0")
    #: unused minutes move to the client's next contract instead of expiring
    rollover: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: money per prepaid hour: a renewal invoice bills months × hours per month × this
    hour_price: Mapped[Decimal | None] = mapped_column(MONEY)
    #: the SLA policy that sets this client's ticket deadlines
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"))
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: amended terms for the next period (the renewal): this period's grant and acts stay as signed
    next_minutes_per_month: Mapped[int | None]
    next_hour_price: Mapped[Decimal | None] = mapped_column(MONEY)
    #: the last day the contract covers when it was terminated early (its grant expires after it)
    terminated_on: Mapped[date | None] = mapped_column(Date)

    client: Mapped[Client] = relationship()

    @property
    def renewal_minutes_per_month(self) -> int:
        return self.next_minutes_per_month or self.minutes_per_month

    @property
    def renewal_hour_price(self) -> Decimal | None:
        return self.next_hour_price if self.next_hour_price is not None else self.hour_price
    lots: Mapped[list[HourLot]] = relationship(back_populates="contract", order_by="HourLot.id")

    @property
    def hours_per_month(self) -> Decimal:
        return Decimal(self.minutes_per_month) / 60

    @property
    def granted_minutes(self) -> int:
        return sum(lot.granted_minutes for lot in self.lots if lot.source == "grant")

    @property
    def remaining_minutes(self) -> int:
        return sum(lot.remaining_minutes for lot in self.lots)


class HourLot(db.Model):
    """Prepaid minutes valid over a period. Remaining = Σ its ledger entries (grant included);
    `remaining_minutes` caches that sum and is updated with every entry."""

    __tablename__ = "hour_lots"
    __table_args__ = (
        CheckConstraint("source IN ('grant', 'purchase', 'adjustment', 'rollover')", name="source"),
        CheckConstraint("granted_minutes >= 0", name="granted_not_negative"),
        CheckConstraint("valid_from < expires_at", name="period"),
        Index("ix_hour_lots_client_expires", "client_id", "expires_at"),
        Index("ix_hour_lots_contract_id", "contract_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    source: Mapped[str] = mapped_column(String(12))
    granted_minutes: Mapped[int]
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remaining_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract | None] = relationship(back_populates="lots")


class TicketClose(db.Model):
    """One close of a ticket: what it billed and debited. The partial unique index allows one
    unreversed close per ticket — the database's last guard against a double debit."""

    __tablename__ = "ticket_closes"
    __table_args__ = (
        Index("uq_ticket_closes_active", "ticket_id", unique=True,
              sqlite_where=text("reversed_at IS NULL"), postgresql_where=text("reversed_at IS NULL")),
        Index("ix_ticket_closes_client", "client_id", "closed_at"),
        # every close of a ticket, reversed ones too (the foreign-key check when a ticket is deleted)
        Index("ix_ticket_closes_ticket", "ticket_id"),
        Index("ix_ticket_closes_closed_at", "closed_at"),
        CheckConstraint("hourly_minutes >= 0 AND debited_minutes >= 0 AND overage_minutes >= 0", name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: M: billed minutes of the hourly lines
    hourly_minutes: Mapped[int] = mapped_column(default=0)
    debited_minutes: Mapped[int] = mapped_column(default=0)
    #: hourly minutes beyond the balance, billed as money (convert_to_paid)
    overage_minutes: Mapped[int] = mapped_column(default=0)
    overage_rate: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    overage_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    #: a manager's decision not to bill the overage, with the reason
    overage_waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    overage_waived_reason: Mapped[str | None] = mapped_column(Text)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reverse_reason: Mapped[str | None] = mapped_column(Text)

    entries: Mapped[list[LedgerEntry]] = relationship(back_populates="close", order_by="LedgerEntry.id")
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])


class LedgerEntry(db.Model):
    """Append-only: entries are never updated or deleted; corrections are new entries."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('grant', 'debit', 'reversal', 'adjustment', 'expiry', 'rollover')", name="kind"),
        CheckConstraint("minutes <> 0", name="minutes_not_zero"),
        CheckConstraint("kind <> 'adjustment' OR (reason IS NOT NULL AND length(reason) > 0)", name="adjustment_reason"),
        Index("ix_ledger_entries_client", "client_id", "id"),
        Index("ix_ledger_entries_lot", "lot_id"),
        Index("ix_ledger_entries_close", "close_id"),
        Index("ix_ledger_entries_ticket", "ticket_id"),
        # the reports sum a period's entries per client and kind from the index alone
        Index("ix_ledger_entries_report", "created_at", "client_id", "kind", "minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("hour_lots.id"))
    kind: Mapped[str] = mapped_column(String(12))
    #: signed: grants and reversals add, debits and expiries take
    minutes: Mapped[int]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    close_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_closes.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lot: Mapped[HourLot | None] = relationship()
    close: Mapped[TicketClose | None] = relationship(back_populates="entries")
    author: Mapped[User | None] = relationship()


class ClientBalance(db.Model):
    """Cached Σ of a client's ledger entries, updated in the same transaction as each entry."""

    __tablename__ = "client_balances"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    balance_minutes: Mapped[int] = mapped_column(default=0, server_default="0")


class SpecLine(db.Model):
    """A line of a ticket's service specification: a service, who did it, the minutes spent."""

    __tablename__ = "spec_lines"
    __table_args__ = (
        CheckConstraint("minutes > 0 AND minutes <= 10000", name="minutes_range"),
        CheckConstraint("billed_minutes IS NULL OR billed_minutes >= 0", name="billed_not_negative"),
        CheckConstraint("billing IN ('hourly', 'paid', 'free')", name="billing"),
        Index("ix_spec_lines_ticket", "ticket_id", "id"),
        # the reports read lines by the day the work was done, grouped by engineer or client; every
        # column they need is in the index, so a year of lines is read from the index alone
        Index("ix_spec_lines_report", "performed_on", "engineer_id", "client_id", "service_id", "billing",
              "ticket_id", "minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    #: the ticket's client (a ticket never changes client), kept here so reports group lines by
    #: client without a join to tickets
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: raw minutes as logged
    minutes: Mapped[int]
    #: set at close (rounded to the contract's increment; 0 for free lines), cleared on reopen
    billed_minutes: Mapped[int | None]
    #: copied from the service; a manager may override it with a reason
    billing: Mapped[str] = mapped_column(String(10))
    billing_override_reason: Mapped[str | None] = mapped_column(Text)
    billing_overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    performed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    service: Mapped[Service] = relationship()
    engineer: Mapped[User | None] = relationship(foreign_keys=[engineer_id])
