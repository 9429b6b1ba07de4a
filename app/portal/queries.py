"""What a client contact reads in the portal: the company's hours, contracts and tickets.

Every function takes the company's id and reads nothing of any other company. Lists are pages over
indexed columns (ledger by (client, id), closes by (client, closed_at), tickets by (client, status,
created)), so a company with years of history reads as fast as a new one.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.contracts import queries as contract_queries
from app.contracts.models import Contract, LedgerEntry, Service, SpecLine, TicketClose
from app.core.paging import capped_count
from app.extensions import db
from app.tickets.lifecycle import ACTIVE_STATUSES
from app.tickets.models import Attachment, Comment, Ticket
from app.tickets.queries import of_company, status_in

PER_PAGE = 50
#: statuses a client still waits on (resolved: waits for the client's confirmation); written into
#: the statements as constants (`status_in`), so that the plan knows which ones
OPEN_STATUSES = (*ACTIVE_STATUSES, "resolved")
DONE_STATUSES = ("closed", "cancelled")
#: the consumption window of the burn-rate forecast
FORECAST_DAYS = 91


@dataclass
class Forecast:
    """How long the hours last at the recent pace."""
    #: average hourly minutes consumed per month over the last three months
    monthly_minutes: int
    #: "exhausted" (nothing usable), "idle" (no consumption lately), "enough" (lasts until the
    #: contract ends) or "runs_out" (on `runs_out_on`)
    state: str
    runs_out_on: date | None = None
    contract_ends_on: date | None = None


def burn_forecast(client_id: int, now: datetime, available: int, contract_ends_on: date | None,
                  tz: ZoneInfo) -> Forecast:
    """Average monthly hourly consumption over the last three months (billed hourly minutes of
    closes not reversed since) → the date the usable minutes run out at that pace."""
    consumed = db.session.scalar(
        select(func.coalesce(func.sum(TicketClose.hourly_minutes), 0))
        .where(TicketClose.client_id == client_id, TicketClose.closed_at >= now - timedelta(days=FORECAST_DAYS),
               TicketClose.reversed_at.is_(None)))
    monthly = round(consumed * 30.4375 / FORECAST_DAYS)
    if available <= 0:
        return Forecast(monthly, "exhausted", contract_ends_on=contract_ends_on)
    if consumed <= 0:
        return Forecast(monthly, "idle", contract_ends_on=contract_ends_on)
    days_left = available * FORECAST_DAYS / consumed
    runs_out_on = (now + timedelta(days=days_left)).astimezone(tz).date()
    if contract_ends_on is not None and runs_out_on > contract_ends_on:
        return Forecast(monthly, "enough", contract_ends_on=contract_ends_on)
    return Forecast(monthly, "runs_out", runs_out_on, contract_ends_on)


def company_tickets(client_id: int):
    """One company's tickets (`tickets.queries.of_company`: planned for that company)."""
    return of_company(select(Ticket), client_id)


@dataclass
class Dashboard:
    balance_minutes: int
    available_minutes: int
    warning: str | None
    threshold_minutes: int
    contracts: list[Contract]
    forecast: Forecast
    open_tickets: list[Ticket]
    #: counted up to the lists' cap (`open_more`: there are more than that)
    open_count: int
    open_more: bool = False


def dashboard(client_id: int, now: datetime, tz: ZoneInfo) -> Dashboard:
    summary = contract_queries.balance_summary(client_id, now)
    contracts = list(db.session.scalars(
        select(Contract).options(selectinload(Contract.lots))
        .where(Contract.client_id == client_id, Contract.status == "active",
               Contract.ends_on >= now.astimezone(tz).date())
        .order_by(Contract.ends_on, Contract.id)))
    ends_on = max((c.ends_on for c in contracts), default=None)
    open_query = company_tickets(client_id).where(status_in(*OPEN_STATUSES))
    open_tickets = list(db.session.scalars(open_query.options(selectinload(Ticket.assignee))
                                           .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(20)))
    open_count, open_more = capped_count(db.session, open_query)
    return Dashboard(summary.balance_minutes, summary.available_minutes, summary.warning, summary.threshold_minutes,
                     contracts, burn_forecast(client_id, now, summary.available_minutes, ends_on, tz),
                     open_tickets, open_count, open_more)


@dataclass
class HistoryRow:
    entry: LedgerEntry
    balance_after: int
    close: TicketClose | None = None
    ticket: Ticket | None = None
    #: the ticket's hourly lines, shown under the first row of its close on the page
    lines: list[SpecLine] = field(default_factory=list)


def hours_history(client_id: int, page: int) -> tuple[list[HistoryRow], bool]:
    """One page of the ledger, newest first, each entry with the balance after it; debits and
    reversals carry their ticket and its hourly lines. Returns (rows, has_more)."""
    entries = list(db.session.scalars(
        select(LedgerEntry).options(selectinload(LedgerEntry.lot), selectinload(LedgerEntry.author))
        .where(LedgerEntry.client_id == client_id).order_by(LedgerEntry.id.desc())
        .limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)))
    has_more = len(entries) > PER_PAGE
    entries = entries[:PER_PAGE]
    if not entries:
        return [], False
    newer = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.minutes), 0))
                              .where(LedgerEntry.client_id == client_id, LedgerEntry.id > entries[0].id))
    balance = contract_queries.client_balance(client_id) - newer
    close_ids = {e.close_id for e in entries if e.close_id}
    closes = {c.id: c for c in db.session.scalars(select(TicketClose).where(TicketClose.id.in_(close_ids)))} \
        if close_ids else {}
    ticket_ids = {e.ticket_id for e in entries if e.ticket_id}
    tickets = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)))} if ticket_ids else {}
    lines = _lines_by_ticket(ticket_ids, billing=("hourly",))
    rows, shown = [], set()
    for entry in entries:
        row = HistoryRow(entry, balance, closes.get(entry.close_id), tickets.get(entry.ticket_id))
        if entry.close_id and (entry.close_id, entry.kind) not in shown:
            shown.add((entry.close_id, entry.kind))
            row.lines = lines.get(entry.ticket_id, [])
        rows.append(row)
        balance -= entry.minutes
    return rows, has_more


def _lines_by_ticket(ticket_ids, billing=None) -> dict[int, list[SpecLine]]:
    if not ticket_ids:
        return {}
    query = (select(SpecLine).options(selectinload(SpecLine.service), selectinload(SpecLine.engineer))
             .where(SpecLine.ticket_id.in_(ticket_ids)).order_by(SpecLine.ticket_id, SpecLine.id))
    if billing:
        query = query.where(SpecLine.billing.in_(billing))
    found = defaultdict(list)
    for line in db.session.scalars(query):
        found[line.ticket_id].append(line)
    return found


@dataclass
class WorkRow:
    close: TicketClose
    ticket: Ticket
    hourly: list[SpecLine]
    paid: list[SpecLine]
    free: list[SpecLine]

    @property
    def paid_amount(self) -> Decimal:
        return sum((line_amount(line) for line in self.paid), Decimal("0"))


@dataclass
class WorkTotals:
    hourly_billed: int = 0
    debited: int = 0
    overage_minutes: int = 0
    overage_amount: Decimal = Decimal("0")
    paid_minutes: int = 0
    paid_amount: Decimal = Decimal("0")
    free_minutes: int = 0


def line_amount(line: SpecLine) -> Decimal:
    """Money for a paid line: its minutes at the service's hourly rate."""
    rate = line.service.rate or Decimal("0")
    return (rate * Decimal(line.minutes) / Decimal(60)).quantize(Decimal("0.01"))


def work_in_month(client_id: int, start: datetime, end: datetime, page: int = 1
                  ) -> tuple[list[WorkRow], WorkTotals, bool]:
    """Closed work in [start, end): a page of closes, each with its lines split hourly / paid /
    free and its overage, plus the month's totals (summed in SQL). Reversed closes are left out
    (their minutes came back). Returns (rows, totals, has_more)."""
    in_month = (TicketClose.client_id == client_id, TicketClose.closed_at >= start, TicketClose.closed_at < end,
                TicketClose.reversed_at.is_(None))
    closes = list(db.session.scalars(select(TicketClose).where(*in_month)
                                     .order_by(TicketClose.closed_at.desc(), TicketClose.id.desc())
                                     .limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)))
    has_more = len(closes) > PER_PAGE
    closes = closes[:PER_PAGE]
    ticket_ids = {c.ticket_id for c in closes}
    tickets = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)))} if ticket_ids else {}
    lines = _lines_by_ticket(ticket_ids)
    rows = []
    for close in closes:
        by = defaultdict(list)
        for line in lines.get(close.ticket_id, []):
            by[line.billing].append(line)
        rows.append(WorkRow(close, tickets[close.ticket_id], by["hourly"], by["paid"], by["free"]))
    return rows, _month_totals(in_month), has_more


def _month_totals(in_month) -> WorkTotals:
    totals = WorkTotals()
    billed = TicketClose.overage_waived_by_id.is_(None)
    sums = db.session.execute(select(
        func.coalesce(func.sum(TicketClose.hourly_minutes), 0), func.coalesce(func.sum(TicketClose.debited_minutes), 0),
        func.coalesce(func.sum(case((billed, TicketClose.overage_minutes), else_=0)), 0),
    ).where(*in_month)).one()
    totals.hourly_billed, totals.debited, totals.overage_minutes = (int(v) for v in sums)
    # money summed exactly, in Python, from a handful of grouped rows (SQLite has no decimal type)
    for amount in db.session.scalars(select(TicketClose.overage_amount).where(*in_month, billed,
                                                                              TicketClose.overage_minutes > 0)):
        totals.overage_amount += amount
    per_service = db.session.execute(
        select(SpecLine.billing, Service.rate, func.sum(SpecLine.minutes))
        .join(TicketClose, TicketClose.ticket_id == SpecLine.ticket_id).join(Service, Service.id == SpecLine.service_id)
        .where(*in_month, SpecLine.billing.in_(("paid", "free"))).group_by(SpecLine.billing, Service.id, Service.rate))
    for billing, rate, minutes in per_service:
        if billing == "paid":
            totals.paid_minutes += int(minutes)
            totals.paid_amount += ((rate or Decimal("0")) * Decimal(int(minutes)) / Decimal(60)).quantize(Decimal("0.01"))
        else:
            totals.free_minutes += int(minutes)
    return totals


@dataclass
class Conversation:
    """What a contact may read of a ticket's talk: public comments and public files."""
    comments: list[Comment]
    #: files attached to the ticket itself
    ticket_files: list[Attachment]
    #: comment id → its files
    comment_files: dict[int, list[Attachment]]


def public_conversation(ticket_id: int) -> Conversation:
    comments = list(db.session.scalars(select(Comment).where(Comment.ticket_id == ticket_id, Comment.public.is_(True))
                                       .order_by(Comment.id)))
    files = db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket_id, Attachment.public.is_(True))
                               .order_by(Attachment.id))
    ticket_files, comment_files = [], defaultdict(list)
    for f in files:
        (ticket_files if f.comment_id is None else comment_files[f.comment_id]).append(f)
    return Conversation(comments, ticket_files, dict(comment_files))


def month_steps(day: date) -> tuple[date, date, date]:
    """The first day of `day`'s month, of the month before and of the month after."""
    first = day.replace(day=1)
    return first, first - relativedelta(months=1), first + relativedelta(months=1)
