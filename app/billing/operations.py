"""Every change billing makes: profile and client details, invoices, statement imports, matching
payments to invoices (by the rules or by a person), undoing and ignoring, grants on payment.

Operations flush and never commit (the request or the job commits once); each writes a
`BillingEvent` for the audit, `actor` None meaning the rules or the scheduler. Hours are granted
only through the contracts' ledger operations.
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, func, insert, or_, select, text
from sqlalchemy.orm import selectinload
from stdnum.ru import inn as ru_inn

from app.billing import matcher, notices
from app.billing.models import (
    OPEN_INVOICE_STATUSES,
    Act,
    ActLine,
    BankStatement,
    BillingEvent,
    BillingProfile,
    ClientBilling,
    DocumentNumber,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)
from app.billing.statements import StatementError, parse_statement
from app.clients.models import Client
from app.contracts import operations as contract_ops
from app.contracts.models import Contract, Service, SpecLine, TicketClose
from app.contracts.queries import current_contract, current_contracts
from app.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.core.events import publish
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.extensions import db

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_LINES = 100
MAX_MONEY = Decimal("999999999999.99")
#: how far back settled invoices are shown to the matcher (so a payment for one is seen as such)
RECENT_DAYS = 400
#: the language of what documents say (line names of renewals, orders and acts): they are Russian
#: documents whoever presses the button
DOCUMENT_LOCALE = "ru"


class TooLarge(DomainError):
    status = 413
    code = "payload_too_large"


def money(value, field: str, *, allow_zero: bool = True) -> Decimal:
    """An amount as people send it to us: a decimal with a dot, at most two places. A comma is
    refused, not guessed at."""
    if isinstance(value, bool) or value is None:
        raise ValidationFailed(_("Enter an amount of money."), code="invalid_amount", field=field)
    text_value = str(value).strip()
    if "," in text_value:
        raise ValidationFailed(_("Write amounts with a dot, not a comma: 1500.00."), code="invalid_amount", field=field)
    try:
        amount = Decimal(text_value)
    except InvalidOperation:
        raise ValidationFailed(_("Enter an amount of money."), code="invalid_amount", field=field) from None
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount < 0 or amount > MAX_MONEY \
            or (amount == 0 and not allow_zero):
        raise ValidationFailed(_("Enter a positive amount with at most two decimals."), code="invalid_amount",
                               field=field)
    return amount.quantize(CENT)


def _audit(action: str, *, actor=None, client_id=None, invoice=None, payment=None, act=None, detail=None,
           reason=None) -> BillingEvent:
    # only the objects given: a relationship set to None costs the flush a "clear" for nothing
    links = {name: obj for name, obj in (("invoice", invoice), ("payment", payment), ("act", act)) if obj is not None}
    event = BillingEvent(action=action, actor_id=actor.id if actor else None, client_id=client_id, detail=detail,
                         reason=reason, **links)
    db.session.add(event)
    return event


def billing_lock() -> None:
    """Serialise billing writes that count or match (numbers, imports, allocations): a transaction
    lock on PostgreSQL; on SQLite the transaction already holds the write lock."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7310001)"))


# --- our company ----------------------------------------------------------------------------------

def profile() -> BillingProfile | None:
    return db.session.get(BillingProfile, 1)


def require_profile() -> BillingProfile:
    found = profile()
    if found is None:
        raise Conflict(_("Fill in the billing profile (our company's details) first."), code="no_billing_profile")
    return found


def _digits(value, length: int | tuple[int, ...], field: str, what: str, *, required: bool = True) -> str | None:
    value = re.sub(r"\s", "", str(value or ""))
    if not value and not required:
        return None
    lengths = (length,) if isinstance(length, int) else length
    if not value.isdigit() or len(value) not in lengths:
        raise ValidationFailed(_("%(what)s: %(n)s digits.", what=what, n=" / ".join(map(str, lengths))),
                               code=f"invalid_{field}", field=field)
    return value


def account_matches_bik(bik: str, account: str) -> bool:
    """The control digit of a Russian settlement account: weights 7-1-3 over the BIK's last three
    digits and the account's twenty, sum ≡ 0 (mod 10)."""
    digits = bik[-3:] + account
    return sum(int(d) * (7, 1, 3)[i % 3] for i, d in enumerate(digits)) % 10 == 0


def parse_vat(value) -> Decimal | None:
    """`"none"` (or empty): «Без НДС»; otherwise a rate in percent, 0 to 100."""
    text_value = str(value if value is not None else "").strip().lower().rstrip("%")
    if text_value in ("", "none", "без ндс"):
        return None
    try:
        rate = Decimal(text_value)
    except InvalidOperation:
        raise ValidationFailed(_('VAT: "none" or a rate in percent.'), code="invalid_vat", field="vat") from None
    if not rate.is_finite() or not 0 <= rate <= 100 or rate != rate.quantize(CENT):
        raise ValidationFailed(_("A VAT rate is from 0 to 100 %."), code="invalid_vat", field="vat")
    return rate


def save_profile(actor, *, legal_name: str, inn: str, address: str, bank_name: str, bik: str, account: str,
                 corr_account: str | None = None, kpp: str | None = None, ogrn: str | None = None,
                 currency: str = "RUB", vat="none", signer: str | None = None, invoice_prefix: str = "HD",
                 act_prefix: str = "ACT", payment_days: int = 5, reminder_days: str = "7,3",
                 renewal_lead_days: int = 30) -> BillingProfile:
    """Our company's details and the billing settings (admins)."""
    legal_name, address, bank_name = (legal_name or "").strip(), (address or "").strip(), (bank_name or "").strip()
    for field, value in (("legal_name", legal_name), ("address", address), ("bank_name", bank_name)):
        if not value or len(value) > 300 + 200 * (field == "address"):
            raise ValidationFailed(_("This field is required."), code=f"invalid_{field}", field=field)
    if currency not in ("RUB", "UAH"):
        raise ValidationFailed(_("Currency: RUB or UAH."), code="invalid_currency", field="currency")
    inn = re.sub(r"\s", "", inn or "")
    if currency == "RUB":
        if not ru_inn.is_valid(inn):
            raise ValidationFailed(_("Not a valid INN."), code="invalid_inn", field="inn")
        bik = _digits(bik, 9, "bik", _("BIK"))
        account = _digits(account, 20, "account", _("Settlement account"))
        corr_account = _digits(corr_account, 20, "corr_account", _("Correspondent account"))
        if not account_matches_bik(bik, account):
            raise ValidationFailed(_("The account's control digit does not match the BIK."), code="invalid_account",
                                   field="account")
        kpp = _digits(kpp, 9, "kpp", _("KPP"), required=False)
        ogrn = _digits(ogrn, (13, 15), "ogrn", _("OGRN"), required=False)
    else:
        from stdnum import iban
        from stdnum.ua import edrpou
        if not (edrpou.is_valid(inn) or ru_inn.is_valid(inn)):
            raise ValidationFailed(_("Not a valid EDRPOU."), code="invalid_inn", field="inn")
        if not iban.is_valid(account or ""):
            raise ValidationFailed(_("Not a valid IBAN."), code="invalid_account", field="account")
        account, bik = iban.compact(account), _digits(bik, 6, "bik", _("MFO"))
        corr_account = kpp = None
        ogrn = _digits(ogrn, (8, 10), "ogrn", _("OGRN"), required=False)
    prefix = (invoice_prefix or "").strip().upper()
    act = (act_prefix or "").strip().upper()
    for field, value in (("invoice_prefix", prefix), ("act_prefix", act)):
        if not re.fullmatch(r"[A-ZА-Я]{1,6}", value):
            raise ValidationFailed(_("A prefix is 1 to 6 letters."), code="invalid_prefix", field=field)
    days = sorted({int(d) for d in str(reminder_days or "").replace(" ", "").split(",") if d.isdigit()}, reverse=True)
    if not days or any(d > 90 for d in days):
        raise ValidationFailed(_("Reminder days: numbers up to 90, separated by commas."), code="invalid_reminders",
                               field="reminder_days")
    for field, value in (("payment_days", payment_days), ("renewal_lead_days", renewal_lead_days)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
            raise ValidationFailed(_("A number of days from 0 to 365."), code=f"invalid_{field}", field=field)
    row = profile() or BillingProfile(id=1)
    values = dict(legal_name=legal_name, inn=inn, kpp=kpp, ogrn=ogrn, address=address, bank_name=bank_name, bik=bik,
                  account=account, corr_account=corr_account, currency=currency, vat_rate=parse_vat(vat),
                  signer=(signer or "").strip() or None, invoice_prefix=prefix, act_prefix=act,
                  payment_days=payment_days, reminder_days=",".join(map(str, days)),
                  renewal_lead_days=renewal_lead_days, updated_at=utcnow(), updated_by_id=actor.id if actor else None)
    for key, value in values.items():
        setattr(row, key, value)
    db.session.add(row)
    _audit("profile_saved", actor=actor)
    db.session.flush()
    return row


def client_billing(client: Client) -> ClientBilling:
    """The client's billing details (a blank set if none were entered: documents use the client's
    name and INN)."""
    return db.session.get(ClientBilling, client.id) or ClientBilling(client_id=client.id)


def save_client_billing(client: Client, actor, *, legal_name=None, kpp=None, legal_address=None, postal_address=None,
                        phone=None, emails=None, show_kpp=True, show_legal_address=True, show_postal_address=False,
                        show_phone=False) -> ClientBilling:
    """What the client's documents say and where they are sent."""
    from email_validator import EmailNotValidError, validate_email

    addresses = [e.strip() for e in str(emails or "").replace(",", "\n").replace(";", "\n").splitlines() if e.strip()]
    for address in addresses:
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            raise ValidationFailed(_("Not an e-mail address: %(e)s", e=address), code="invalid_email",
                                   field="emails") from None
    row = client_billing(client)
    row.legal_name = (legal_name or "").strip()[:300] or None
    row.kpp = _digits(kpp, 9, "kpp", _("KPP"), required=False)
    row.legal_address = (legal_address or "").strip()[:500] or None
    row.postal_address = (postal_address or "").strip()[:500] or None
    row.phone = (phone or "").strip()[:50] or None
    row.emails = "\n".join(addresses) or None
    row.show_kpp, row.show_legal_address = bool(show_kpp), bool(show_legal_address)
    row.show_postal_address, row.show_phone = bool(show_postal_address), bool(show_phone)
    row.updated_at = utcnow()
    db.session.add(row)
    _audit("client_details_saved", actor=actor, client_id=client.id)
    db.session.flush()
    return row


# --- invoices -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineInput:
    name: str
    quantity: object
    price: object
    unit: str = ""


@dataclass(frozen=True)
class GrantInput:
    minutes: int
    valid_from: date
    valid_until: date


def _clean_lines(lines) -> list[InvoiceLine]:
    if not lines:
        raise ValidationFailed(_("An invoice needs at least one line."), code="no_lines", field="lines")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(_("At most %(n)d lines.", n=MAX_LINES), code="too_many_lines", field="lines")
    cleaned = []
    for position, line in enumerate(lines, start=1):
        name = " ".join(str(line.name or "").split())
        if not name or len(name) > 500:
            raise ValidationFailed(_("Line %(n)d: enter what is sold.", n=position), code="invalid_line_name",
                                   field="lines")
        price = money(line.price, "lines")
        try:
            quantity = Decimal(str(line.quantity).strip())
        except InvalidOperation:
            quantity = Decimal(-1)
        if "," in str(line.quantity) or not quantity.is_finite() or quantity <= 0 or quantity > 1_000_000 \
                or quantity != quantity.quantize(Decimal("0.001")):
            raise ValidationFailed(_("Line %(n)d: the quantity must be positive.", n=position),
                                   code="invalid_quantity", field="lines")
        with force_locale(DOCUMENT_LOCALE):
            unit = (line.unit or "").strip()[:20] or _("pcs")
        cleaned.append(InvoiceLine(position=position, name=name, quantity=quantity, unit=unit, price=price,
                                   amount=(quantity * price).quantize(CENT, ROUND_HALF_UP)))
    return cleaned


def vat_included(total: Decimal, rate: Decimal | None) -> Decimal:
    """The VAT inside a total whose prices include it: total × rate / (100 + rate)."""
    if rate is None or rate == 0:
        return ZERO
    return (total * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)


def _check_grant(grant: GrantInput | None) -> None:
    if grant is None:
        return
    if isinstance(grant.minutes, bool) or not isinstance(grant.minutes, int) or not 0 < grant.minutes <= 1_000_000:
        raise ValidationFailed(_("Granted minutes must be a positive whole number."), code="invalid_minutes",
                               field="grants")
    if grant.valid_until < grant.valid_from:
        raise ValidationFailed(_("The hours must be valid until a day after they start."), code="invalid_period",
                               field="grants")


def create_invoice(client: Client, actor, *, lines, grant: GrantInput | None = None,
                   renews: Contract | None = None, period_starts_on: date | None = None, source: str = "manual",
                   note: str | None = None, issue: bool = True, today: date | None = None) -> Invoice:
    """A new invoice (a draft, or issued at once): any lines; what it grants when paid — minutes
    over a period, or a contract's next period."""
    if client is None or not client.active:
        raise ValidationFailed(_("Choose an active client."), code="invalid_client", field="client_id")
    if grant is not None and renews is not None:
        raise ValidationFailed(_("An invoice grants hours or renews a contract, not both."), code="invalid_grants",
                               field="grants")
    if renews is not None and renews.client_id != client.id:
        raise ValidationFailed(_("The contract belongs to another client."), code="invalid_contract",
                               field="renews_contract_id")
    _check_grant(grant)
    settings = require_profile()
    invoice = Invoice(client_id=client.id, status="draft", source=source, currency=settings.currency,
                      created_by_id=actor.id if actor else None, note=(note or "").strip() or None)
    invoice.lines = _clean_lines(lines)
    _set_grant(invoice, grant, renews, period_starts_on)
    _totals(invoice, settings)
    db.session.add(invoice)
    db.session.flush()
    _audit("invoice_created", actor=actor, client_id=client.id, invoice=invoice, detail=source)
    if issue:
        issue_invoice(invoice, actor, today=today)
    return invoice


def _set_grant(invoice: Invoice, grant: GrantInput | None, renews: Contract | None, period_starts_on: date | None):
    invoice.grant_minutes = grant.minutes if grant else None
    invoice.grant_valid_from = grant.valid_from if grant else None
    invoice.grant_valid_until = grant.valid_until if grant else None
    invoice.renews_contract_id = renews.id if renews else None
    invoice.period_starts_on = (period_starts_on or renews.ends_on + timedelta(days=1)) if renews else None


def _totals(invoice: Invoice, settings: BillingProfile) -> None:
    invoice.vat_rate = settings.vat_rate
    invoice.total = sum((line.amount for line in invoice.lines), ZERO)
    invoice.vat_amount = vat_included(invoice.total, invoice.vat_rate)


def update_draft(invoice: Invoice, actor, *, lines, grant: GrantInput | None = None, renews: Contract | None = None,
                 note: str | None = None) -> Invoice:
    """Change a draft: every line, name, quantity and price, and what it grants. An issued invoice
    is never edited (cancel it and issue a new one)."""
    if invoice.status != "draft":
        raise Conflict(_("Only a draft can be edited; cancel the invoice and issue a new one."), code="not_draft",
                       field="status")
    _check_grant(grant)
    invoice.lines = _clean_lines(lines)
    _set_grant(invoice, grant, renews, None)
    invoice.note = (note or "").strip() or None
    _totals(invoice, require_profile())
    _audit("invoice_edited", actor=actor, client_id=invoice.client_id, invoice=invoice)
    db.session.flush()
    return invoice


def next_number(kind: str, year: int) -> int:
    """The next number of a kind of document in a year, under the billing lock."""
    billing_lock()
    row = db.session.get(DocumentNumber, (kind, year), with_for_update=db.engine.dialect.name == "postgresql")
    if row is None:
        row = DocumentNumber(kind=kind, year=year, last=0)
        db.session.add(row)
    row.last += 1
    db.session.flush()
    return row.last


def issue_invoice(invoice: Invoice, actor, *, today: date | None = None) -> Invoice:
    """Give a draft its number and dates; from now on it is a document. The client's advance, if
    any, pays it at once; the client is sent it with the PDF attached."""
    if invoice.status != "draft":
        raise Conflict(_("This invoice is already issued."), code="not_draft", field="status")
    settings = require_profile()
    today = today or utcnow().date()
    _totals(invoice, settings)
    if invoice.total <= 0:
        raise ValidationFailed(_("An invoice's total must be above zero."), code="invalid_total", field="lines")
    invoice.year = today.year
    invoice.seq = next_number("invoice", today.year)
    invoice.number = f"{settings.invoice_prefix}-{today.year}-{invoice.seq:05d}"
    invoice.issued_on = today
    invoice.due_on = today + timedelta(days=settings.payment_days)
    invoice.status = "issued"
    _audit("invoice_issued", actor=actor, client_id=invoice.client_id, invoice=invoice, detail=invoice.number)
    db.session.flush()
    _spend_advance(invoice)
    notices.invoice_issued(invoice)
    return invoice


def cancel_invoice(invoice: Invoice, actor, *, reason: str) -> Invoice:
    """Cancel an unpaid invoice, with a reason (a paid one: undo its payments first)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the invoice is cancelled."), code="reason_required", field="reason")
    if invoice.status == "cancelled":
        raise Conflict(_("The invoice is already cancelled."), code="already_cancelled", field="status")
    if invoice.status in ("paid", "partially_paid") or invoice.paid_amount > 0:
        raise Conflict(_("Money was put to this invoice: undo those payments first."), code="invoice_paid",
                       field="status")
    invoice.status = "cancelled"
    invoice.cancelled_at, invoice.cancelled_by_id, invoice.cancel_reason = utcnow(), actor.id if actor else None, reason
    _audit("invoice_cancelled", actor=actor, client_id=invoice.client_id, invoice=invoice, reason=reason)
    db.session.flush()
    return invoice


# --- paying invoices ------------------------------------------------------------------------------

def _allocate(payment: Payment, client_id: int, invoice: Invoice | None, amount: Decimal, actor) -> PaymentAllocation:
    row = PaymentAllocation(payment=payment, client_id=client_id, invoice=invoice, amount=amount,
                            created_by_id=actor.id if actor else None)
    db.session.add(row)
    if invoice is not None:
        invoice.paid_amount += amount
        _settle(invoice, actor)
    return row


def _settle(invoice: Invoice, actor) -> None:
    """The invoice's status from what was paid, and its grant once it is paid in full."""
    was = invoice.status
    invoice.status = _status_from_paid(invoice)
    if invoice.status == "paid" and was != "paid":
        _tell_paid(invoice)
    if invoice.status == "paid" and invoice.granted_at is None:
        _grant(invoice, actor, _("Invoice %(n)s paid", n=invoice.number))


def _tell_paid(invoice: Invoice) -> None:
    publish("invoice.paid", {"invoice_id": invoice.id, "number": invoice.number, "client_id": invoice.client_id,
                             "total": str(invoice.total), "paid_amount": str(invoice.paid_amount)}, [])


def _tell_unmatched(payment_id: int, amount, doc_number: str, payer_inn: str, payer_name: str,
                    client_id: int | None) -> None:
    publish("payment.unmatched", {"payment_id": payment_id, "amount": str(amount), "doc_number": doc_number,
                                  "payer_inn": payer_inn, "payer_name": payer_name, "client_id": client_id}, [])


def _status_from_paid(invoice: Invoice) -> str:
    return "paid" if invoice.paid_amount >= invoice.total else "partially_paid" if invoice.paid_amount > 0 else "issued"


def _grant(invoice: Invoice, actor, reason: str) -> None:
    _grant_all([(invoice, reason)], actor)


def _grant_all(paid: list[tuple[Invoice, str]], actor) -> None:
    """What paid invoices grant, through the ledger, each with its reason: a purchased lot (all of
    them in one ledger write), or the contract's next period. The clients' contacts and account
    managers are told."""
    paid = [(invoice, reason) for invoice, reason in paid if invoice.grant_minutes or invoice.renews_contract_id]
    packs = [(invoice, reason) for invoice, reason in paid if invoice.grant_minutes]
    # a statement paying many invoices knows each client's current contract already
    known = db.session.info.get(_CONTRACTS_KEY, {})
    lot_ids = contract_ops.grant_purchases([contract_ops.Purchase(
        db.session.get(Client, invoice.client_id), invoice.grant_minutes, invoice.grant_valid_from,
        invoice.grant_valid_until, reason, known.get(invoice.client_id, contract_ops.CURRENT_CONTRACT))
        for invoice, reason in packs], actor=actor)
    for (invoice, _reason), lot_id in zip(packs, lot_ids, strict=True):
        invoice.granted_lot_id = lot_id
        db.session.expire(invoice, ["granted_lot"])   # read again from the id when asked
    now = utcnow()
    for invoice, reason in paid:
        if not invoice.grant_minutes:
            old = db.session.get(Contract, invoice.renews_contract_id)
            successor = contract_ops.renew_contract(old, number=_renewal_number(old, invoice), actor=actor)
            invoice.granted_contract_id = successor.id
            invoice.granted_lot = next(lot for lot in successor.lots if lot.source == "grant")
        invoice.granted_at = now
        _audit("hours_granted", actor=actor, client_id=invoice.client_id, invoice=invoice, reason=reason)
        notices.hours_granted(invoice)


def _renewal_number(old: Contract, invoice: Invoice) -> str:
    base = re.sub(r"/\d{4}-\d{2}$", "", old.number)
    number = f"{base}/{invoice.period_starts_on:%Y-%m}"[:50]
    taken = db.session.scalar(select(func.count()).select_from(Contract).where(Contract.number == number))
    return number if not taken else f"{number}-{invoice.id}"[:50]


def grant_early(invoice: Invoice, actor, *, reason: str) -> Invoice:
    """A manager's decision to grant a partly paid invoice's hours before it is paid in full."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the hours are granted before payment."), code="reason_required",
                               field="reason")
    if invoice.granted_at is not None:
        raise Conflict(_("The hours of this invoice are already granted."), code="already_granted")
    if invoice.status not in OPEN_INVOICE_STATUSES:
        raise Conflict(_("Only an issued, unpaid invoice can be granted early."), code="invalid_status",
                       field="status")
    if not (invoice.grant_minutes or invoice.renews_contract_id):
        raise Conflict(_("This invoice grants no hours."), code="nothing_to_grant")
    _grant(invoice, actor, reason)
    db.session.flush()
    return invoice


def _take_back(invoice: Invoice, actor, reason: str) -> None:
    """Undo an invoice's grant (its payment was undone): the ledger reverses it."""
    contract_ops.revoke_grant(invoice.granted_lot, actor=actor, reason=reason)
    invoice.granted_at = invoice.granted_lot = invoice.granted_contract_id = None
    _audit("hours_taken_back", actor=actor, client_id=invoice.client_id, invoice=invoice, reason=reason)


def advance_balance(client_id: int) -> Decimal:
    """Money the client paid above its invoices and that no invoice has used yet."""
    return db.session.scalar(select(func.coalesce(func.sum(PaymentAllocation.amount), 0)).where(
        PaymentAllocation.client_id == client_id, PaymentAllocation.invoice_id.is_(None),
        PaymentAllocation.reversed_at.is_(None))) or ZERO


def _spend_advance(invoice: Invoice) -> None:
    """A newly issued invoice is paid from the client's advance first (oldest money first)."""
    if advance_balance(invoice.client_id) <= 0:
        return
    rows = db.session.execute(
        select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.amount))
        .where(PaymentAllocation.client_id == invoice.client_id, PaymentAllocation.invoice_id.is_(None),
               PaymentAllocation.reversed_at.is_(None))
        .group_by(PaymentAllocation.payment_id).order_by(PaymentAllocation.payment_id)).all()
    for payment_id, available in rows:
        need = invoice.total - invoice.paid_amount
        if need <= 0:
            break
        part = min(Decimal(available), need)
        if part <= 0:
            continue
        payment = db.session.get(Payment, payment_id)
        _allocate(payment, invoice.client_id, None, -part, None)
        _allocate(payment, invoice.client_id, invoice, part, None)
        _audit("advance_used", client_id=invoice.client_id, invoice=invoice, payment=payment, detail=str(part))
    db.session.flush()


# --- statements and matching ----------------------------------------------------------------------

@dataclass
class ImportResult:
    statement: BankStatement
    #: the new payments, in the statement's order
    payment_ids: list[int]
    new: int
    duplicates: int
    auto_matched: int
    unmatched: int


def fingerprint(doc) -> str:
    """What makes a bank document the same document in another statement."""
    parts = [doc.number, doc.date.isoformat(), str(doc.amount), doc.payer_account, doc.payer_inn, doc.purpose]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def import_statement(data: bytes, filename: str, actor) -> ImportResult:
    """Read a statement, keep the incoming payments to our account that are new, and match each by
    the rules. Idempotent: a document already imported (this file again, an overlapping statement,
    a second upload at the same moment) is counted as a duplicate and changes nothing."""
    settings = require_profile()
    try:
        statement = parse_statement(data)
    except StatementError as exc:
        raise ValidationFailed(exc.message if exc.line is None else _("Line %(n)d: %(m)s", n=exc.line, m=exc.message),
                               code="invalid_statement", field="file", line=exc.line) from None
    if statement.accounts and settings.account not in statement.accounts:
        raise ValidationFailed(_("This statement is for account %(a)s, not ours (%(o)s).",
                                 a=", ".join(statement.accounts), o=settings.account),
                               code="invalid_statement", field="file", line=None)
    billing_lock()
    incoming = [doc for doc in statement.documents if doc.credit is not False and doc.payee_account == settings.account
                and doc.payer_account != settings.account]
    prints = {fingerprint(doc): doc for doc in incoming}
    known = set(db.session.scalars(select(Payment.fingerprint).where(Payment.fingerprint.in_(list(prints)))))
    fresh = [(key, doc) for key, doc in prints.items() if key not in known]
    record = BankStatement(filename=(filename or "statement")[:255], format=statement.format,
                           sha256=hashlib.sha256(data).hexdigest(), account=settings.account,
                           period_from=statement.period_from, period_to=statement.period_to,
                           documents=len(incoming), skipped=len(statement.documents) - len(incoming),
                           uploaded_by_id=actor.id if actor else None, new_payments=len(fresh),
                           duplicates=len(incoming) - len(fresh))
    db.session.add(record)
    _audit("statement_imported", actor=actor, detail=f"{record.filename}: {len(fresh)} new, {record.duplicates} known")
    db.session.flush()
    payment_ids, record.auto_matched = _record_and_match(record, fresh, settings) if fresh else ([], 0)
    db.session.flush()
    return ImportResult(record, payment_ids, len(fresh), record.duplicates, record.auto_matched,
                        len(fresh) - record.auto_matched)


def _facts(invoice: Invoice, inn: str, name: str) -> matcher.InvoiceFacts:
    return matcher.InvoiceFacts(invoice.id, invoice.number, invoice.year, invoice.seq, invoice.client_id, inn, name,
                                invoice.total, invoice.open_amount, invoice.status, invoice.issued_on)


def _invoice_book(since: date) -> tuple[matcher.InvoiceBook, dict[int, Invoice]]:
    """Open invoices and those issued since `since` (so that a payment for a settled one is seen as
    such), loaded once per statement."""
    rows = db.session.execute(
        select(Invoice, Client.inn, Client.name).join(Client, Client.id == Invoice.client_id)
        .where(Invoice.number.is_not(None),
               (Invoice.status.in_(OPEN_INVOICE_STATUSES)) | (Invoice.issued_on >= since))).all()
    return matcher.InvoiceBook(_facts(i, inn, name) for i, inn, name in rows), {i.id: i for i, _inn, _name in rows}


def _record_and_match(record: BankStatement, fresh: list, settings: BillingProfile) -> tuple[list[int], int]:
    """Decide each new payment by the rules (`app.billing.matcher`) and record it with its decision;
    the rest is left to a person with the reason and suggestions. A statement is thousands of
    payments at once, so its payments, their allocations and the audit of each decision are written
    as rows in a few statements, not as objects one by one; the invoices they pay in full are then
    granted through the ledger. Returns the payments' ids and how many the rules matched."""
    book, loaded = _invoice_book(utcnow().date() - timedelta(days=RECENT_DAYS))
    clients = dict(db.session.execute(select(Client.inn, Client.id)).all())
    now = utcnow()
    decided, to_grant = [], {}
    for key, doc in fresh:
        facts = matcher.PaymentFacts(doc.amount, doc.payer_inn, doc.payer_name, doc.purpose)
        decision = matcher.decide(facts, book, clients, prefix=settings.invoice_prefix, own_inn=settings.inn)
        for invoice_id, amount in decision.allocations if decision.status == "auto" else ():
            invoice = loaded[invoice_id]
            invoice.paid_amount += amount
            was, invoice.status = invoice.status, _status_from_paid(invoice)
            if invoice.status == "paid" and was != "paid":
                _tell_paid(invoice)
            if invoice.status == "paid" and invoice.granted_at is None:
                to_grant[invoice.id] = invoice
            # the next payment of this statement sees what this one paid
            old = book.get(invoice_id)
            book.update(_facts(invoice, old.client_inn, old.client_name))
        decided.append((key, doc, decision))
    payment_ids = db.session.scalars(insert(Payment).returning(Payment.id, sort_by_parameter_order=True), [
        _payment_row(record, key, doc, decision, now) for key, doc, decision in decided]).all()
    allocations, events = [], []
    for payment_id, (_key, doc, decision) in zip(payment_ids, decided, strict=True):
        auto = decision.status == "auto"
        if not auto:
            _tell_unmatched(payment_id, doc.amount, doc.number, doc.payer_inn, doc.payer_name, decision.client_id)
        for invoice_id, amount in decision.allocations if auto else ():
            allocations.append({"payment_id": payment_id, "invoice_id": invoice_id, "amount": amount,
                                "client_id": loaded[invoice_id].client_id, "created_at": now})
        if auto and decision.advance > 0:
            allocations.append({"payment_id": payment_id, "invoice_id": None, "amount": decision.advance,
                                "client_id": decision.client_id, "created_at": now})
        events.append({"action": "payment_matched" if auto else "payment_left_to_person", "at": now,
                       "client_id": decision.client_id, "payment_id": payment_id, "detail": decision.rule})
    if allocations:
        db.session.execute(insert(PaymentAllocation), allocations)
    db.session.execute(insert(BillingEvent), events)
    _preload_clients({invoice.client_id for invoice in to_grant.values()})
    try:
        _grant_all([(invoice, _("Invoice %(n)s paid", n=invoice.number)) for invoice in to_grant.values()], None)
    finally:
        db.session.info.pop(_CONTRACTS_KEY, None)
        db.session.info.pop(_CLIENTS_KEY, None)
    return list(payment_ids), sum(1 for _key, _doc, decision in decided if decision.status == "auto")


def _payment_row(record: BankStatement, key: str, doc, decision: matcher.Decision, now: datetime) -> dict:
    auto = decision.status == "auto"
    return {"statement_id": record.id, "fingerprint": key, "doc_number": doc.number[:50], "doc_date": doc.date,
            "amount": doc.amount, "payer_name": doc.payer_name[:300], "payer_inn": doc.payer_inn[:12],
            "payer_kpp": doc.payer_kpp[:9], "payer_account": doc.payer_account[:34], "payer_bik": doc.payer_bik[:9],
            "purpose": doc.purpose, "booked_on": doc.booked_on or doc.date, "status": "auto" if auto else "unmatched",
            "rule": decision.rule, "client_id": decision.client_id, "decided_at": now if auto else None,
            "suggestions": [{"invoice_id": s.invoice_id, "score": s.score, "why": list(s.why)}
                            for s in decision.suggestions], "created_at": now}


_CONTRACTS_KEY = "hourdesk_billing_current_contracts"
_CLIENTS_KEY = "hourdesk_billing_clients"


def _preload_clients(client_ids: set[int]) -> None:
    """The clients a statement's grants are for, with what a grant needs (contacts and account
    manager for the notice, the current contract for the lot), in a few queries instead of a few per
    payment."""
    ids = sorted(client_ids)
    now = utcnow()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        # kept referenced (the session's identity map holds objects weakly) until the statement is done
        db.session.info.setdefault(_CLIENTS_KEY, []).extend(db.session.scalars(
            select(Client).options(selectinload(Client.contacts), selectinload(Client.account_manager))
            .where(Client.id.in_(chunk))).all())
    db.session.info.setdefault(_CONTRACTS_KEY, {}).update(current_contracts(ids, now))


@dataclass(frozen=True)
class AllocationInput:
    invoice_id: int
    #: None: what the invoice still needs
    amount: object = None


def match_payment(payment: Payment, actor, allocations: list[AllocationInput], *, reason: str | None = None) -> Payment:
    """A person's match: the payment pays these invoices (each the amount given, or what it still
    needs); what is left is the first invoice's client's advance."""
    if payment.status in ("auto", "manual"):
        raise Conflict(_("This payment is already matched; undo that first."), code="already_matched", field="status")
    if not allocations:
        raise ValidationFailed(_("Choose at least one invoice."), code="no_allocations", field="allocations")
    billing_lock()
    left = payment.amount
    plan = []
    for item in allocations:
        invoice = db.session.get(Invoice, item.invoice_id) if isinstance(item.invoice_id, int) else None
        if invoice is None:
            raise NotFound(_("No invoice %(id)s.", id=item.invoice_id), code="unknown_invoice", field="allocations")
        if invoice.status not in OPEN_INVOICE_STATUSES:
            raise Conflict(_("Invoice %(n)s is not open for payment.", n=invoice.number or invoice.id),
                           code="invoice_not_open", field="allocations")
        amount = min(invoice.open_amount, left) if item.amount in (None, "") else money(item.amount, "allocations",
                                                                                        allow_zero=False)
        if amount > invoice.open_amount:
            raise ValidationFailed(_("Invoice %(n)s needs only %(a)s.", n=invoice.number, a=invoice.open_amount),
                                   code="too_much", field="allocations")
        if amount <= 0 or amount > left:
            raise ValidationFailed(_("The amounts add up to more than the payment."), code="too_much",
                                   field="allocations")
        left -= amount
        plan.append((invoice, amount))
    for invoice, amount in plan:
        _allocate(payment, invoice.client_id, invoice, amount, actor)
    if left > 0:
        _allocate(payment, plan[0][0].client_id, None, left, actor)
    payment.status, payment.decided_at, payment.decided_by_id = "manual", utcnow(), actor.id
    payment.client_id, payment.reason = plan[0][0].client_id, (reason or "").strip() or None
    _audit("payment_matched_by_person", actor=actor, client_id=payment.client_id, payment=payment,
           detail=", ".join(f"{i.number}: {a}" for i, a in plan) + (f"; advance {left}" if left > 0 else ""),
           reason=payment.reason)
    db.session.flush()
    return payment


def unmatch_payment(payment: Payment, actor, *, reason: str) -> Payment:
    """Undo a match (the rules' or a person's), with a reason: every allocation is reversed, the
    invoices reopen, and hours granted because of it are taken back through the ledger — even if
    they were used already (the balance may go below zero)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the match is undone."), code="reason_required", field="reason")
    if payment.status not in ("auto", "manual"):
        raise Conflict(_("This payment is not matched."), code="not_matched", field="status")
    billing_lock()
    now = utcnow()
    touched: dict[int, Invoice] = {}
    for row in payment.allocations:
        if row.reversed_at is not None:
            continue
        row.reversed_at, row.reversed_by_id = now, actor.id
        if row.invoice_id is not None:
            invoice = row.invoice
            invoice.paid_amount -= row.amount
            touched[invoice.id] = invoice
    for invoice in touched.values():
        was_granted = invoice.granted_at is not None
        _settle(invoice, actor)
        if was_granted and invoice.status != "paid":
            _take_back(invoice, actor, _("Payment %(n)s unmatched: %(r)s", n=payment.doc_number, r=reason))
    payment.status, payment.decided_at, payment.decided_by_id, payment.reason = "unmatched", now, actor.id, reason
    _audit("payment_unmatched", actor=actor, client_id=payment.client_id, payment=payment, reason=reason)
    _tell_unmatched(payment.id, payment.amount, payment.doc_number, payment.payer_inn, payment.payer_name,
                    payment.client_id)
    db.session.flush()
    return payment


def ignore_payment(payment: Payment, actor, *, reason: str) -> Payment:
    """Not a client's payment (a refund, a transfer between our accounts): set aside, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the payment is ignored."), code="reason_required", field="reason")
    if payment.status != "unmatched":
        raise Conflict(_("Only an unmatched payment can be ignored; undo its match first."), code="not_unmatched",
                       field="status")
    payment.status, payment.decided_at, payment.decided_by_id, payment.reason = "ignored", utcnow(), actor.id, reason
    _audit("payment_ignored", actor=actor, client_id=payment.client_id, payment=payment, reason=reason)
    db.session.flush()
    return payment


def restore_payment(payment: Payment, actor, *, reason: str) -> Payment:
    """Bring an ignored payment back to the queue."""
    if payment.status != "ignored":
        raise Conflict(_("Only an ignored payment can be brought back."), code="not_ignored", field="status")
    payment.status, payment.reason = "unmatched", (reason or "").strip() or None
    _audit("payment_restored", actor=actor, client_id=payment.client_id, payment=payment, reason=payment.reason)
    _tell_unmatched(payment.id, payment.amount, payment.doc_number, payment.payer_inn, payment.payer_name,
                    payment.client_id)
    db.session.flush()
    return payment


def check_consistency(invoice: Invoice) -> None:
    """For tests and repairs: the cached paid amount equals the live allocations."""
    total = db.session.scalar(select(func.coalesce(func.sum(PaymentAllocation.amount), 0)).where(
        PaymentAllocation.invoice_id == invoice.id, PaymentAllocation.reversed_at.is_(None)))
    if Decimal(total) != invoice.paid_amount:
        raise AssertionError(f"invoice {invoice.id}: paid {invoice.paid_amount} but allocations add up to {total}")



# --- renewals and reminders -----------------------------------------------------------------------

def renewal_invoice(contract: Contract, actor=None, *, today: date) -> Invoice | None:
    """Issue the invoice for a contract's next period (months × hours per month × the hour price),
    once per period: None when one is already there (or the contract has no price)."""
    price = contract.renewal_hour_price
    if price is None or price <= 0 or contract.terminated_on is not None:
        return None
    period_start = contract.ends_on + timedelta(days=1)
    live = db.session.scalar(select(Invoice.id).where(Invoice.renews_contract_id == contract.id,
                                                      Invoice.period_starts_on == period_start,
                                                      Invoice.status != "cancelled"))
    if live is not None:
        return None
    client = db.session.get(Client, contract.client_id)
    hours = Decimal(contract.renewal_minutes_per_month) / 60 * contract.months
    period_end = period_start + (contract.ends_on - contract.starts_on)
    with force_locale(DOCUMENT_LOCALE):
        name = _("Support hours under contract %(n)s, %(from)s – %(to)s", n=contract.number,
                 **{"from": period_start.strftime("%d.%m.%Y"), "to": period_end.strftime("%d.%m.%Y")})
        unit = _("h")
    invoice = create_invoice(client, actor, lines=[LineInput(name, hours, price, unit)],
                             renews=contract, period_starts_on=period_start, source="renewal", issue=True, today=today)
    return invoice


@dataclass
class RunReport:
    renewals: int = 0
    reminders: int = 0
    acts: int = 0


def run_billing(at: datetime) -> RunReport:
    """The billing work due at `at`: renewal invoices `renewal_lead_days` before a period ends,
    reminders before the end while a renewal invoice is unpaid (each once), and the acts of the
    month before. Safe to run any number of times: each step is done once."""
    settings = profile()
    report = RunReport()
    if settings is None:
        return report
    today = at.astimezone(ZoneInfo(current_app.config["HOURDESK_OFFICE_TIMEZONE"])).date()
    horizon = today + timedelta(days=settings.renewal_lead_days)
    due = db.session.scalars(select(Contract).where(Contract.status == "active", Contract.terminated_on.is_(None),
                                                    or_(Contract.hour_price.is_not(None),
                                                        Contract.next_hour_price.is_not(None)),
                                                    Contract.ends_on >= today, Contract.ends_on <= horizon)
                             .order_by(Contract.ends_on, Contract.id)).all()
    for contract in due:
        renewed = db.session.scalar(select(Contract.id).where(Contract.client_id == contract.client_id,
                                                              Contract.starts_on == contract.ends_on + timedelta(days=1),
                                                              Contract.status == "active"))
        if renewed is None and renewal_invoice(contract, today=today) is not None:
            report.renewals += 1
    open_renewals = db.session.scalars(select(Invoice).where(Invoice.source == "renewal",
                                                             Invoice.status.in_(OPEN_INVOICE_STATUSES))).all()
    for invoice in open_renewals:
        days_left = (invoice.period_starts_on - timedelta(days=1) - today).days
        applicable = [d for d in settings.reminder_day_list if 0 <= days_left <= d]
        if applicable:
            report.reminders += notices.invoice_reminder(invoice, min(applicable))
    report.acts = len(create_month_acts(today.replace(day=1) - timedelta(days=1)))
    db.session.flush()
    return report


# --- acts ---------------------------------------------------------------------------------------

def _month_bounds(month: date, tz: str) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    zone = ZoneInfo(tz)
    return datetime.combine(first, time(), zone), datetime.combine(following, time(), zone)


def _ran_in_month(first: date):
    """A contract counts in a month's act unless it was terminated before the month began (a
    contract whose grant was taken back was never in force)."""
    return or_(Contract.status != "terminated", and_(Contract.terminated_on.is_not(None), Contract.terminated_on >= first))


def act_lines(client: Client, month: date) -> list[tuple[str, str, Decimal, str, Decimal]]:
    with force_locale(DOCUMENT_LOCALE):
        return _act_lines(client, month)


def _act_lines(client: Client, month: date) -> list[tuple[str, str, Decimal, str, Decimal]]:
    """What an act for `month` says: (kind, name, quantity, unit, price) — the prepaid support of a
    contract running that month (at its hour price), the month's paid services and the overage
    billed as money (not waived, not reversed)."""
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    lines = []
    contracts = db.session.scalars(select(Contract).where(Contract.client_id == client.id,
                                                          Contract.starts_on <= last, Contract.ends_on >= first,
                                                          _ran_in_month(first))
                                   .order_by(Contract.starts_on)).all()
    for contract in contracts:
        if contract.hour_price:
            lines.append(("prepaid", _("Prepaid support under contract %(n)s for %(m)s", n=contract.number,
                                       m=first.strftime("%m.%Y")), contract.hours_per_month, _("h"),
                          contract.hour_price))
    paid = db.session.execute(
        select(Service.name_ru, Service.rate, func.sum(SpecLine.minutes))
        .join(Service, Service.id == SpecLine.service_id)
        .where(SpecLine.client_id == client.id, SpecLine.billing == "paid", SpecLine.performed_on >= first,
               SpecLine.performed_on <= last)
        .group_by(Service.name_ru, Service.rate).order_by(Service.name_ru)).all()
    for name, rate, minutes in paid:
        lines.append(("paid", name, (Decimal(minutes) / 60).quantize(Decimal("0.001")), _("h"), rate or ZERO))
    start, end = _month_bounds(first, client.timezone)
    overage = db.session.execute(
        select(func.sum(TicketClose.overage_minutes), TicketClose.overage_rate)
        .where(TicketClose.client_id == client.id, TicketClose.closed_at >= start, TicketClose.closed_at < end,
               TicketClose.reversed_at.is_(None), TicketClose.overage_waived_by_id.is_(None),
               TicketClose.overage_minutes > 0)
        .group_by(TicketClose.overage_rate)).all()
    for minutes, rate in overage:
        lines.append(("overage", _("Support beyond the prepaid hours, %(m)s", m=first.strftime("%m.%Y")),
                      (Decimal(minutes) / 60).quantize(Decimal("0.001")), _("h"), rate))
    return lines


def create_act(client: Client, month: date, actor=None) -> Act:
    """The act of completed work for a client and month (numbered now; a draft a manager may edit
    until it is sent). One per client and month."""
    settings = require_profile()
    first = month.replace(day=1)
    if db.session.scalar(select(Act.id).where(Act.client_id == client.id, Act.month == first)) is not None:
        raise Conflict(_("There is an act for this client and month already."), code="duplicate_act", field="month")
    found = act_lines(client, first)
    if not found:
        raise ValidationFailed(_("Nothing was provided to this client in that month."), code="nothing_to_act",
                               field="month")
    details = client_billing(client)
    year = utcnow().year
    seq = next_number("act", year)
    act = Act(number=f"{settings.act_prefix}-{year}-{seq:05d}", year=year, seq=seq, client_id=client.id, month=first,
              currency=settings.currency, vat_rate=settings.vat_rate, show_kpp=details.show_kpp,
              show_legal_address=details.show_legal_address, created_by_id=actor.id if actor else None)
    act.lines = [ActLine(position=i, kind=kind, name=name, quantity=Decimal(quantity).quantize(Decimal("0.001")),
                         unit=unit, price=price, amount=(quantity * price).quantize(CENT, ROUND_HALF_UP))
                 for i, (kind, name, quantity, unit, price) in enumerate(found, start=1)]
    act.total = sum((line.amount for line in act.lines), ZERO)
    act.vat_amount = vat_included(act.total, act.vat_rate)
    db.session.add(act)
    db.session.flush()
    _audit("act_created", actor=actor, client_id=client.id, act=act, detail=act.number)
    return act


def create_month_acts(any_day_of_month: date) -> list:
    """Acts for every client that had a contract running or billable work in the month, where none
    exists yet (the scheduler's part, on the 1st for the month before)."""
    first = any_day_of_month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if profile() is None:
        return []
    has_act = select(Act.client_id).where(Act.month == first)
    candidates = set(db.session.scalars(select(Contract.client_id).where(
        Contract.starts_on <= last, Contract.ends_on >= first, Contract.hour_price.is_not(None),
        _ran_in_month(first), Contract.client_id.not_in(has_act))))
    candidates |= set(db.session.scalars(select(SpecLine.client_id).where(
        SpecLine.billing == "paid", SpecLine.performed_on >= first, SpecLine.performed_on <= last,
        SpecLine.client_id.not_in(has_act)).distinct()))
    candidates |= set(db.session.scalars(select(TicketClose.client_id).where(
        TicketClose.overage_minutes > 0, TicketClose.reversed_at.is_(None),
        # a day either side in UTC: every office time zone's month is inside; act_lines is exact
        TicketClose.closed_at >= datetime.combine(first - timedelta(days=1), time(), timezone.utc),
        TicketClose.closed_at < datetime.combine(last + timedelta(days=2), time(), timezone.utc),
        TicketClose.client_id.not_in(has_act)).distinct()))
    made = []
    for client_id in sorted(candidates):
        client = db.session.get(Client, client_id)
        if act_lines(client, first):
            made.append(create_act(client, first))
    return made


def update_act(act, actor, *, names: dict[int, str] | None = None, show_kpp: bool | None = None,
               show_legal_address: bool | None = None):
    """A manager's edit of a draft act: line names, which details appear."""
    if act.status != "draft":
        raise Conflict(_("A sent act is not edited."), code="act_sent", field="status")
    for line in act.lines:
        name = " ".join(str((names or {}).get(line.id, line.name)).split())
        if not name or len(name) > 500:
            raise ValidationFailed(_("Line %(n)d: enter what was provided.", n=line.position), code="invalid_line_name",
                                   field="lines")
        line.name = name
    if show_kpp is not None:
        act.show_kpp = bool(show_kpp)
    if show_legal_address is not None:
        act.show_legal_address = bool(show_legal_address)
    _audit("act_edited", actor=actor, client_id=act.client_id, act=act)
    db.session.flush()
    return act


def send_act(act, actor):
    """E-mail the act (PDF attached) and show it on the portal; after this it is not edited."""
    if act.status != "draft":
        raise Conflict(_("This act is already sent."), code="act_sent", field="status")
    act.status, act.sent_at = "sent", utcnow()
    _audit("act_sent", actor=actor, client_id=act.client_id, act=act)
    db.session.flush()
    notices.act_sent(act)
    return act


def order_hours(client: Client, contact, *, hours: int, today: date | None = None) -> Invoice:
    """A contact orders an hour pack on the portal: an invoice at the current contract's hour
    price, issued at once, granting the hours until the contract ends (at least 90 days)."""
    if contact.role != "client" or contact.client_id != client.id:
        raise ValidationFailed(_("Contacts order hours for their own company only."), code="forbidden")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 1000:
        raise ValidationFailed(_("Order from 1 to 1000 hours."), code="invalid_hours", field="hours")
    today = today or utcnow().date()
    contract = current_contract(client.id, utcnow())
    if contract is None or not contract.hour_price:
        raise Conflict(_("Your contract has no hour price; please ask your account manager."), code="no_hour_price")
    until = max(contract.ends_on, today + timedelta(days=90))
    with force_locale(DOCUMENT_LOCALE):
        line = LineInput(_("Support hours, a pack of %(h)d h (contract %(n)s)", h=hours, n=contract.number), hours,
                         contract.hour_price, _("h"))
    return create_invoice(client, contact, lines=[line], grant=GrantInput(hours * 60, today, until), source="order",
                          issue=True, today=today)
