"""Read models of billing: lists, the *To match* queue, a client's documents, and the reports
(receivables by age, automatic share of matching, hours sold and used)."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select

from app.billing.models import OPEN_INVOICE_STATUSES, Act, BankStatement, BillingEvent, Invoice, Payment
from app.clients.models import Client
from app.contracts.models import HourLot, LedgerEntry
from app.extensions import db


def invoice_list(*, client_id: int | None = None, status: str | None = None, drafts: bool = True) -> Select:
    query = select(Invoice).order_by(Invoice.id.desc())
    if client_id is not None:
        query = query.where(Invoice.client_id == client_id)
    if status:
        query = query.where(Invoice.status == status)
    if not drafts:
        query = query.where(Invoice.status != "draft")
    return query


def act_list(*, client_id: int | None = None, sent_only: bool = False) -> Select:
    query = select(Act).order_by(Act.month.desc(), Act.id.desc())
    if client_id is not None:
        query = query.where(Act.client_id == client_id)
    if sent_only:
        query = query.where(Act.status == "sent")
    return query


def invoice_ids_by_numbers(numbers: str) -> list[int | None]:
    """The invoices named in a comma- or semicolon-separated list of numbers (None: no such one)."""
    wanted = [n.strip().upper() for n in numbers.replace(";", ",").split(",") if n.strip()]
    found = dict(db.session.execute(select(Invoice.number, Invoice.id).where(Invoice.number.in_(wanted))).all())
    return [found.get(n) for n in wanted]


def payment_list(*, status: str | None = None, statement_id: int | None = None) -> Select:
    query = select(Payment).order_by(Payment.id.desc())
    if status:
        query = query.where(Payment.status == status)
    if statement_id:
        query = query.where(Payment.statement_id == statement_id)
    return query


def recent_statements(limit: int = 20) -> list[BankStatement]:
    return list(db.session.scalars(select(BankStatement).order_by(BankStatement.id.desc()).limit(limit)))


def suggested_invoices(payment: Payment) -> list[tuple[Invoice, dict]]:
    """The payment's suggestions with their invoices, best first, still open ones only."""
    wanted = {s["invoice_id"]: s for s in payment.suggestions or []}
    if not wanted:
        return []
    invoices = db.session.scalars(select(Invoice).where(Invoice.id.in_(list(wanted)),
                                                        Invoice.status.in_(OPEN_INVOICE_STATUSES))).all()
    return sorted(((i, wanted[i.id]) for i in invoices), key=lambda pair: -pair[1]["score"])


def open_invoices(limit: int = 200) -> list[Invoice]:
    return list(db.session.scalars(select(Invoice).where(Invoice.status.in_(OPEN_INVOICE_STATUSES))
                                   .order_by(Invoice.issued_on, Invoice.id).limit(limit)))


def history(*, invoice_id: int | None = None, payment_id: int | None = None, client_id: int | None = None,
            limit: int = 100) -> list[BillingEvent]:
    query = select(BillingEvent).order_by(BillingEvent.id.desc()).limit(limit)
    if invoice_id is not None:
        query = query.where(BillingEvent.invoice_id == invoice_id)
    if payment_id is not None:
        query = query.where(BillingEvent.payment_id == payment_id)
    if client_id is not None:
        query = query.where(BillingEvent.client_id == client_id)
    return list(db.session.scalars(query))


def client_documents(client_id: int) -> tuple[list[Invoice], list[Act]]:
    """What a client's contacts see: issued invoices (not drafts) and sent acts."""
    invoices = db.session.scalars(select(Invoice).where(Invoice.client_id == client_id, Invoice.status != "draft")
                                  .order_by(Invoice.id.desc()).limit(200)).all()
    acts = db.session.scalars(select(Act).where(Act.client_id == client_id, Act.status == "sent")
                              .order_by(Act.month.desc()).limit(200)).all()
    return list(invoices), list(acts)


# --- reports ------------------------------------------------------------------------------------

AGE_BUCKETS = ((0, "not_due"), (1, "1_30"), (31, "31_60"), (61, "61_90"), (91, "over_90"))


@dataclass
class ReceivableRow:
    client_id: int
    client_name: str
    buckets: dict[str, Decimal]
    client_inn: str = ""

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal("0.00"))


def receivables(today: date) -> list[ReceivableRow]:
    """Unpaid money of issued invoices per client, by days past the due date."""
    rows = db.session.execute(select(Invoice.client_id, Client.name, Client.inn, Invoice.due_on, Invoice.total,
                                     Invoice.paid_amount)
                              .join(Client, Client.id == Invoice.client_id)
                              .where(Invoice.status.in_(OPEN_INVOICE_STATUSES))).all()
    found: dict[int, ReceivableRow] = {}
    for client_id, name, inn, due_on, total, paid in rows:
        overdue = (today - due_on).days if due_on else 0
        bucket = next(label for start, label in reversed(AGE_BUCKETS) if overdue >= start) if overdue > 0 else "not_due"
        row = found.setdefault(client_id, ReceivableRow(client_id, name, {label: Decimal("0.00")
                                                                          for _s, label in AGE_BUCKETS}, inn))
        row.buckets[bucket] += total - paid
    return sorted(found.values(), key=lambda r: -r.total)


@dataclass
class MatchingMonth:
    month: date
    auto: int
    manual: int
    unmatched: int
    ignored: int

    @property
    def automatic_share(self) -> float | None:
        decided = self.auto + self.manual
        return self.auto / decided if decided else None


def matching_by_month(since: date) -> list[MatchingMonth]:
    """Payments per month of their bank date: matched by the rules vs by a person (and what waits)."""
    month = func.strftime("%Y-%m", Payment.doc_date) if db.engine.dialect.name == "sqlite" \
        else func.to_char(Payment.doc_date, "YYYY-MM")
    rows = db.session.execute(
        select(month, func.sum(case((Payment.status == "auto", 1), else_=0)),
               func.sum(case((Payment.status == "manual", 1), else_=0)),
               func.sum(case((Payment.status == "unmatched", 1), else_=0)),
               func.sum(case((Payment.status == "ignored", 1), else_=0)))
        .where(Payment.doc_date >= since).group_by(month).order_by(month)).all()
    return [MatchingMonth(date.fromisoformat(m + "-01"), a or 0, p or 0, u or 0, i or 0) for m, a, p, u, i in rows]


@dataclass
class HoursMonth:
    month: date
    sold_minutes: int
    used_minutes: int


def hours_sold_and_used(since: date, until: date, tz: str) -> list[HoursMonth]:
    """Per month: minutes granted by paid invoices and contracts (sold) and minutes debited net of
    reversals (used)."""
    zone = ZoneInfo(tz)
    result = []
    first = since.replace(day=1)
    while first <= until:
        following = (first + timedelta(days=32)).replace(day=1)
        start, end = datetime.combine(first, time(), zone), datetime.combine(following, time(), zone)
        sold = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.minutes), 0))
                                 .join(HourLot, HourLot.id == LedgerEntry.lot_id)
                                 .where(LedgerEntry.kind == "grant", HourLot.source.in_(("grant", "purchase")),
                                        LedgerEntry.created_at >= start, LedgerEntry.created_at < end))
        used = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.minutes), 0))
                                 .where(LedgerEntry.kind.in_(("debit", "reversal")), LedgerEntry.ticket_id.is_not(None),
                                        LedgerEntry.created_at >= start, LedgerEntry.created_at < end))
        result.append(HoursMonth(first, int(sold), -int(used)))
        first = following
    return result
