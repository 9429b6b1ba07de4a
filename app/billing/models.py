"""Billing: our company's details, clients' billing details, invoices, bank statements and their
payments, allocations of payments to invoices, acts, and the audit of every billing decision.

Money is `Numeric` (exact decimals); time granted is integer minutes, written to the ledger by the
contracts operations, never here.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.types import UTCDateTime, utcnow
from app.extensions import db

MONEY = Numeric(14, 2)
RATE = Numeric(5, 2)
QUANTITY = Numeric(12, 3)

INVOICE_STATUSES = ("draft", "issued", "partially_paid", "paid", "cancelled")
OPEN_INVOICE_STATUSES = ("issued", "partially_paid")
PAYMENT_STATUSES = ("auto", "manual", "unmatched", "ignored")


class BillingProfile(db.Model):
    """Our company as it appears on invoices and acts, and the billing settings. One row."""

    __tablename__ = "billing_profile"
    __table_args__ = (
        CheckConstraint("id = 1", name="single"),
        CheckConstraint("currency IN ('RUB', 'UAH')", name="currency"),
        CheckConstraint("vat_rate IS NULL OR (vat_rate >= 0 AND vat_rate <= 100)", name="vat_rate"),
        CheckConstraint("payment_days BETWEEN 0 AND 365", name="payment_days"),
        CheckConstraint("renewal_lead_days BETWEEN 0 AND 365", name="renewal_lead_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    legal_name: Mapped[str] = mapped_column(String(300))
    inn: Mapped[str] = mapped_column(String(12))
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    address: Mapped[str] = mapped_column(String(500))
    bank_name: Mapped[str] = mapped_column(String(300))
    #: Russian BIK (9 digits); for a Ukrainian account the bank's MFO
    bik: Mapped[str] = mapped_column(String(9))
    #: the settlement account (20 digits) or an IBAN
    account: Mapped[str] = mapped_column(String(34))
    corr_account: Mapped[str | None] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3), default="RUB", server_default="RUB")
    #: VAT in percent; NULL: «Без НДС» (simplified tax system)
    vat_rate: Mapped[Decimal | None] = mapped_column(RATE)
    signer: Mapped[str | None] = mapped_column(String(200))
    invoice_prefix: Mapped[str] = mapped_column(String(10), default="HD", server_default="HD")
    act_prefix: Mapped[str] = mapped_column(String(10), default="ACT", server_default="ACT")
    #: days from issue to the due date
    payment_days: Mapped[int] = mapped_column(default=5, server_default="5")
    #: reminders go out this many days before a period ends while its invoice is unpaid ("7,3")
    reminder_days: Mapped[str] = mapped_column(String(40), default="7,3", server_default="7,3")
    #: a renewal invoice is issued this many days before a contract period ends
    renewal_lead_days: Mapped[int] = mapped_column(default=30, server_default="30")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def reminder_day_list(self) -> list[int]:
        return sorted({int(d) for d in self.reminder_days.split(",") if d.strip().isdigit()}, reverse=True)


class ClientBilling(db.Model):
    """A client's details for documents, and which of them appear on invoices and acts."""

    __tablename__ = "client_billing"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    legal_name: Mapped[str | None] = mapped_column(String(300))
    kpp: Mapped[str | None] = mapped_column(String(9))
    legal_address: Mapped[str | None] = mapped_column(String(500))
    postal_address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(50))
    #: where invoices, reminders and acts are sent, one address per line
    emails: Mapped[str | None] = mapped_column(Text)
    show_kpp: Mapped[bool] = mapped_column(default=True, server_default="1")
    show_legal_address: Mapped[bool] = mapped_column(default=True, server_default="1")
    #: invoices only: a postal address or a person's phone never belongs on an act
    show_postal_address: Mapped[bool] = mapped_column(default=False, server_default="0")
    show_phone: Mapped[bool] = mapped_column(default=False, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def email_list(self) -> list[str]:
        return [e.strip() for e in (self.emails or "").replace(",", "\n").splitlines() if e.strip()]


class DocumentNumber(db.Model):
    """The last number given per kind of document and year (invoices and acts count per year)."""

    __tablename__ = "document_numbers"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Invoice(db.Model):
    """A счёт: lines and what it grants when paid. Edited only while a draft; an issued invoice is
    cancelled and reissued instead."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'issued', 'partially_paid', 'paid', 'cancelled')", name="status"),
        CheckConstraint("source IN ('manual', 'renewal', 'order')", name="source"),
        CheckConstraint("total >= 0 AND vat_amount >= 0 AND paid_amount >= 0", name="amounts"),
        CheckConstraint("grant_minutes IS NULL OR grant_minutes > 0", name="grant_minutes"),
        # a contract period is renewed by one live invoice at most
        Index("uq_invoices_renewal", "renews_contract_id", "period_starts_on", unique=True,
              sqlite_where=text("status <> 'cancelled' AND renews_contract_id IS NOT NULL"),
              postgresql_where=text("status <> 'cancelled' AND renews_contract_id IS NOT NULL")),
        Index("ix_invoices_client", "client_id", "status"),
        Index("ix_invoices_status", "status", "issued_on"),
        Index("uq_invoices_year_seq", "year", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: given at issue: prefix-year-sequence, long enough to be found in a payment purpose
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    year: Mapped[int | None]
    seq: Mapped[int | None]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    #: manual (a manager wrote it), renewal (the scheduler, before a period ends), order (the portal)
    source: Mapped[str] = mapped_column(String(10), default="manual", server_default="manual")
    issued_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="RUB", server_default="RUB")
    #: VAT included in the prices, in percent; NULL: «Без НДС»
    vat_rate: Mapped[Decimal | None] = mapped_column(RATE)
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), server_default="0")
    vat_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), server_default="0")
    #: Σ of the live allocations of payments to it (kept in step; tests prove it)
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), server_default="0")
    #: what it grants when paid: minutes valid over a period…
    grant_minutes: Mapped[int | None]
    grant_valid_from: Mapped[date | None] = mapped_column(Date)
    grant_valid_until: Mapped[date | None] = mapped_column(Date)
    #: …or the next period of a contract
    renews_contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    period_starts_on: Mapped[date | None] = mapped_column(Date)
    #: set when the grant was written: the lot, or the contract of the renewed period
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    granted_lot_id: Mapped[int | None] = mapped_column(ForeignKey("hour_lots.id"))
    granted_contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    note: Mapped[str | None] = mapped_column(Text)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.position", cascade="all, delete-orphan",
                                                    back_populates="invoice")
    client = relationship("Client")
    granted_lot = relationship("HourLot", foreign_keys=[granted_lot_id])

    @property
    def open_amount(self) -> Decimal:
        return max(self.total - self.paid_amount, Decimal("0.00")) if self.status in OPEN_INVOICE_STATUSES \
            else Decimal("0.00")


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        Index("ix_invoice_lines_invoice", "invoice_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(String(20), default="шт", server_default="шт")
    price: Mapped[Decimal] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class BankStatement(db.Model):
    """One uploaded statement file: what it held and what importing it did."""

    __tablename__ = "bank_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    account: Mapped[str | None] = mapped_column(String(34))
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    #: incoming documents to our account in the file; the others (outgoing, other accounts) skipped
    documents: Mapped[int] = mapped_column(default=0)
    new_payments: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    auto_matched: Mapped[int] = mapped_column(default=0)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Payment(db.Model):
    """One incoming payment document, with the bank's fields as they were, unique by them: the same
    document in two statements is one payment."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("status IN ('auto', 'manual', 'unmatched', 'ignored')", name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payments_status", "status", "id"),
        Index("ix_payments_booked", "booked_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id"))
    #: SHA-256 over the bank's number, date, amount, payer's account and INN and the purpose
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    doc_number: Mapped[str] = mapped_column(String(50))
    doc_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    payer_name: Mapped[str] = mapped_column(String(300), default="")
    payer_inn: Mapped[str] = mapped_column(String(12), default="")
    payer_kpp: Mapped[str] = mapped_column(String(9), default="")
    payer_account: Mapped[str] = mapped_column(String(34), default="")
    payer_bik: Mapped[str] = mapped_column(String(9), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    booked_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="unmatched")
    #: the rule that matched it, or why the rules stopped (a code the pages show in words)
    rule: Mapped[str | None] = mapped_column(String(60))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    #: ranked suggestions for a person: [{"invoice_id", "score", "why": [...]}]
    suggestions: Mapped[list | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: NULL with status auto: the rules decided
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    allocations: Mapped[list[PaymentAllocation]] = relationship(order_by="PaymentAllocation.id",
                                                                back_populates="payment")
    statement: Mapped[BankStatement] = relationship()


class PaymentAllocation(db.Model):
    """Money of a payment put to an invoice, or (invoice NULL) kept as the client's advance; an
    advance spent on a later invoice is a negative advance row and a positive invoice row of the
    same payment, so a payment's live rows always add up to its amount."""

    __tablename__ = "payment_allocations"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("invoice_id IS NULL OR amount > 0", name="invoice_amount_positive"),
        Index("ix_payment_allocations_payment", "payment_id"),
        Index("ix_payment_allocations_invoice", "invoice_id"),
        Index("ix_payment_allocations_client", "client_id", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: NULL: the rules did it
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice: Mapped[Invoice | None] = relationship()


class Act(db.Model):
    """An act of completed work for a client and month, editable by a manager until it is sent."""

    __tablename__ = "acts"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'sent')", name="status"),
        Index("uq_acts_client_month", "client_id", "month", unique=True),
        Index("uq_acts_year_seq", "year", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    #: the first day of the month it covers
    month: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="draft", server_default="draft")
    currency: Mapped[str] = mapped_column(String(3), default="RUB", server_default="RUB")
    vat_rate: Mapped[Decimal | None] = mapped_column(RATE)
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    vat_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    show_kpp: Mapped[bool] = mapped_column(default=True, server_default="1")
    show_legal_address: Mapped[bool] = mapped_column(default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[ActLine]] = relationship(order_by="ActLine.position", cascade="all, delete-orphan",
                                                back_populates="act")
    client = relationship("Client")


class ActLine(db.Model):
    __tablename__ = "act_lines"
    __table_args__ = (
        CheckConstraint("kind IN ('prepaid', 'paid', 'overage', 'other')", name="kind"),
        Index("ix_act_lines_act", "act_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(String(20))
    price: Mapped[Decimal] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    act: Mapped[Act] = relationship(back_populates="lines")


class BillingEvent(db.Model):
    """The audit of billing: every automatic decision and every person's action, with the reason."""

    __tablename__ = "billing_events"
    __table_args__ = (
        Index("ix_billing_events_invoice", "invoice_id"),
        Index("ix_billing_events_payment", "payment_id"),
        Index("ix_billing_events_client", "client_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: NULL: the rules or the scheduler acted
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    act_id: Mapped[int | None] = mapped_column(ForeignKey("acts.id"))
    detail: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User")
    #: set as objects, so an event can be written before its payment or invoice has an id
    invoice = relationship("Invoice")
    payment = relationship("Payment")
    act = relationship("Act")

