"""State changes for contracts, the service catalogue, specification lines and the hour ledger.

They flush, never commit. Every ledger change goes through `_write_entry`, which keeps the cached
lot remainder and client balance in step with the entries in the same transaction; callers that
change the ledger hold SQLite's write lock (write requests begin with it; jobs use
`app.core.db_setup.serialized_writes`) and these functions lock the
client's row (`lock_client`), so two closes of one client's tickets never read the same lot.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.operations import record_action, record_changes, snapshot
from app.clients.models import Client
from app.contracts import ledger
from app.contracts.models import ClientBalance, Contract, HourLot, LedgerEntry, Service, SpecLine, TicketClose
from app.contracts.queries import (
    BalanceSummary,
    balance_summaries,
    client_balance,
    contract_covering,
    current_contract,
    summary_of,
)
from app.core.errors import Conflict, ValidationFailed
from app.core.events import publish
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.extensions import db
from app.sla.models import SlaPolicy

DEFAULT_INCREMENT = 15
MAX_ADJUSTMENT_MINUTES = 1_000_000
ADJUSTMENT_LOT_DAYS = 365
LOCKED_TICKET_STATUSES = ("closed", "cancelled")
_LOCKED = "hourdesk_locked_clients"   # session.info key: client rows locked in this transaction
_BALANCE_TOLD = "hourdesk_balance_told"  # session.info key: clients whose balance.changed is queued
_PICTURES = "hourdesk_ledger_pictures"   # session.info key: clients whose whole ledger state this transaction holds


# --- locking and the one write path -------------------------------------------------------------

def lock_client(client_id: int, *, together=None):
    """Serialise ledger changes per client: a row lock on PostgreSQL, taken once per transaction.
    (On SQLite the transaction already holds the database's write lock: it began IMMEDIATE.)
    `together`: the caller's own SELECT … FOR UPDATE that joins the client's row, run instead (a close
    re-reads its ticket and lines under the lock in the same round trip); its result is returned."""
    first = _first_in_transaction(_LOCKED, client_id)
    if together is not None:
        return db.session.execute(together)
    if first and db.engine.dialect.name == "postgresql":
        db.session.execute(select(Client.id).where(Client.id == client_id).with_for_update())
    return None


def _require_lock(client_id: int) -> None:
    """For operations whose caller must decide under the lock (a close re-reads its ticket after
    locking): a programming error, not a user's, when the caller did not take it."""
    session = db.session()
    owner, locked = session.info.get(_LOCKED, (None, set()))
    if owner is not session.get_transaction() or client_id not in locked:
        raise RuntimeError(f"lock_client({client_id}) must be called first in this transaction")


def _write_entry(kind: str, client_id: int, minutes: int, *, lot: HourLot | None = None, ticket_id: int | None = None,
                 close: TicketClose | None = None, author=None, reason: str | None = None,
                 at: datetime | None = None) -> LedgerEntry:
    """Append one entry and move the cached lot remainder and client balance by the same minutes.
    `at`: the instant of the action that writes it (a close's, an expiry run's); default now."""
    if minutes == 0:
        raise ValueError("a ledger entry cannot be zero minutes")
    # The caches move in SQL (x = x + n), under the client's lock, in the entry's transaction; a lot
    # written in this very transaction is seen by nobody else yet, so its cache moves in memory.
    if lot is not None and lot.id is None:
        lot.remaining_minutes = (lot.remaining_minutes or 0) + minutes
    elif lot is not None:
        lots = HourLot.__table__
        remaining = _core(update(lots).where(lots.c.id == lot.id).values(remaining_minutes=lots.c.remaining_minutes + minutes)
                          .returning(lots.c.remaining_minutes)).scalar_one()
        set_committed_value(lot, "remaining_minutes", remaining)   # what the row holds now, without a re-read
    balance = _move_balance(client_id, minutes, lot=lot)
    entry = LedgerEntry(client_id=client_id, lot=lot, kind=kind, minutes=minutes, ticket_id=ticket_id,
                        close=close, author=author, reason=reason, created_at=at or utcnow())
    db.session.add(entry)
    _announce_balance(client_id, balance)
    return entry


_UNTRACKED = object()


def _move_balance(client_id: int, minutes: int, *, lot=_UNTRACKED) -> int:
    """Move the cached balance; returns the new one. `lot`: the lot (or None) the entry went through,
    which keeps this transaction's picture of the client (`_hold_picture`) when it is one of its lots."""
    balances = ClientBalance.__table__
    balance = _core(update(balances).where(balances.c.client_id == client_id)
                    .values(balance_minutes=balances.c.balance_minutes + minutes)
                    .returning(balances.c.balance_minutes)).scalar()
    if balance is None:   # the client's first entry: its row now, so the next entry's UPDATE finds it
        _core(insert(balances).values(client_id=client_id, balance_minutes=minutes))
        balance = minutes
    pictures = _pictures()
    picture = pictures.get(client_id)
    if picture is not None:
        if lot is None or any(held is lot for held in picture.lots):
            picture.balance_minutes = balance
        else:   # a lot the picture does not hold (a new grant, a purchase): it is out of date
            del pictures[client_id]
    return balance


def _core(statement):
    """A cache row moved in plain SQL on the session's connection (in its transaction): these rows
    are never held as changed objects, so the ORM has nothing to flush or synchronise first."""
    return db.session.connection().execute(statement)


def _announce_balance(client_id: int, balance: int) -> None:
    """One balance.changed per client per transaction, however many entries it writes, carrying the
    balance the last of them left (its payload is written just before the commit)."""
    session = db.session()
    transaction = session.get_transaction() or session.begin()
    owner, told = session.info.get(_BALANCE_TOLD, (None, {}))
    if owner is not transaction:
        told = {}
        session.info[_BALANCE_TOLD] = (transaction, told)
    if client_id in told:
        told[client_id]["balance_minutes"] = balance
        return
    told[client_id] = payload = {"client_id": client_id, "balance_minutes": balance}
    publish("balance.changed", payload, ["staff", f"client:{client_id}"])


def _first_in_transaction(key: str, item) -> bool:
    """True the first time `item` is seen under `key` in the current transaction (then remembered
    until the transaction ends: a new transaction starts with nothing seen)."""
    session = db.session()
    transaction = session.get_transaction() or session.begin()
    owner, seen = session.info.get(key, (None, set()))
    if owner is not transaction:
        seen = set()
    if item in seen:
        return False
    seen.add(item)
    session.info[key] = (transaction, seen)
    return True


def _plan_lots(client_id: int) -> list[HourLot]:
    """Every lot of the client with its contract (one query: every contract has its grant lot)."""
    return list(db.session.scalars(select(HourLot).options(joinedload(HourLot.contract))
                                   .where(HourLot.client_id == client_id).order_by(HourLot.id)))


def _active_contracts(lots: list[HourLot]) -> list[Contract]:
    """The client's active contracts, latest started first, as `_plan_lots` read them."""
    return sorted({lot.contract for lot in lots if lot.contract is not None and lot.contract.status == "active"},
                  key=lambda contract: (contract.starts_on, contract.id), reverse=True)


# --- the transaction's picture of a client's ledger ---------------------------------------------

@dataclass
class _Picture:
    """All of a client's lots (and through them its contracts) as read under the client's lock,
    and the balance its last entry left: enough to decide a low-balance notice without reading
    them again before the commit. Kept only while every entry goes through one of these lots."""
    lots: list[HourLot]
    balance_minutes: int | None = None


def _pictures() -> dict[int, _Picture]:
    session = db.session()
    transaction = session.get_transaction()
    owner, pictures = session.info.get(_PICTURES, (None, {}))
    if owner is not transaction or transaction is None:
        pictures = {}
        session.info[_PICTURES] = (transaction, pictures)
    return pictures


def _hold_picture(client_id: int, lots: list[HourLot]) -> None:
    _pictures()[client_id] = _Picture(lots)


def summaries_in_transaction(client_ids, now: datetime) -> dict[int, BalanceSummary]:
    """`balance_summaries` for clients whose ledger this transaction changed: from its picture when
    it holds one (a close read every lot under the lock and knows the balance it left), else read."""
    session = db.session()
    unsettled = {obj.client_id for obj in (*session.new, *session.deleted) if isinstance(obj, (HourLot, Contract))}
    pictures = _pictures()
    found: dict[int, BalanceSummary] = {}
    for client_id in set(client_ids):
        picture = pictures.get(client_id)
        if picture is None or picture.balance_minutes is None or client_id in unsettled:
            continue
        lots = picture.lots
        available = sum(lot.remaining_minutes for lot in lots
                        if lot.remaining_minutes > 0 and lot.valid_from <= now < lot.expires_at)
        found[client_id] = summary_of(db.session.get(Client, client_id), picture.balance_minutes, available,
                                      contract_covering(_active_contracts(lots), now, lots), lots)
    rest = [client_id for client_id in set(client_ids) if client_id not in found]
    if rest:
        found.update(balance_summaries(rest, now))
    return found


def _as_core(lots: list[HourLot]) -> list[ledger.Lot]:
    return [ledger.Lot(lot.id, lot.remaining_minutes, lot.valid_from, lot.expires_at) for lot in lots]


# --- service catalogue --------------------------------------------------------------------------

def _clean_money(value, field: str, *, allow_none: bool = False) -> Decimal | None:
    if value in (None, "") and allow_none:
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter an amount of money."), code="invalid_amount", field=field) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("10000000000"):
        raise ValidationFailed(_("The amount cannot be negative."), code="invalid_amount", field=field)
    return amount.quantize(Decimal("0.01"))


SERVICE_FIELDS = ("code", "name_ru", "name_en", "billing", "rate", "kind", "active")


def save_service(service: Service | None, *, code: str, name_ru: str, name_en: str | None = None, billing: str,
                 rate=None, kind: str = "support", active: bool = True, actor=None) -> Service:
    """Create (service None) or edit a catalogue service, audited. Lines already recorded keep
    the billing they were recorded with."""
    code = (code or "").strip()
    if not code or len(code) > 40:
        raise ValidationFailed(_("Enter a code of up to 40 characters."), code="invalid_code", field="code")
    name_ru = (name_ru or "").strip()
    name_en = (name_en or "").strip() or name_ru
    if not name_ru or len(name_ru) > 200 or len(name_en) > 200:
        raise ValidationFailed(_("Enter a name of up to 200 characters."), code="invalid_name", field="name")
    if billing not in ledger.BILLING_MODES:
        raise ValidationFailed(_("Billing must be hourly, paid or free."), code="invalid_billing", field="billing")
    rate = _clean_money(rate, "rate", allow_none=True)
    if billing == "paid" and rate is None:
        raise ValidationFailed(_("A paid service needs an hourly rate."), code="rate_required", field="rate")
    kind = (kind or "support").strip().lower()
    if not kind or len(kind) > 30:
        raise ValidationFailed(_("Enter a kind of up to 30 characters."), code="invalid_kind", field="kind")
    other = db.session.scalar(select(Service.id).where(Service.code == code))
    if other and (service is None or other != service.id):
        raise Conflict(_("A service with the code %(c)s already exists.", c=code), code="duplicate_code", field="code")
    created = service is None
    if created:
        service = Service()
        db.session.add(service)
    before = snapshot(service, SERVICE_FIELDS)
    service.code, service.name_ru, service.name_en, service.billing = code, name_ru, name_en, billing
    service.rate, service.kind, service.active = rate, kind, active
    db.session.flush()
    if created:
        record_action("service", service.id, "created", actor=actor, detail=f"{code}: {name_ru}")
    else:
        record_changes("service", service.id, before, snapshot(service, SERVICE_FIELDS), actor=actor)
    return service


# --- contracts ----------------------------------------------------------------------------------

def _start_of_day(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def contract_period(starts_on: date, months: int, tz: str) -> tuple[date, datetime, datetime]:
    """`ends_on` (the last day covered) and the lot's validity in the client's time zone."""
    ends_on = starts_on + relativedelta(months=months) - timedelta(days=1)
    return ends_on, _start_of_day(starts_on, tz), _start_of_day(ends_on + timedelta(days=1), tz)


def create_contract(client: Client, *, number: str, starts_on: date, months: int, hours_per_month,
                    billing_increment_minutes: int = DEFAULT_INCREMENT, overdraft: str = ledger.CONVERT_TO_PAID,
                    overage_rate=0, rollover: bool = False, sla_policy_id: int | None = None, hour_price=None,
                    actor=None) -> Contract:
    """Sign a contract and grant its hours at once: one `grant` lot of months × hours (rule 1).
    `hour_price`: money per prepaid hour, which the renewal invoice bills."""
    number = (number or "").strip()
    if not number or len(number) > 50:
        raise ValidationFailed(_("Enter a contract number of up to 50 characters."), code="invalid_number", field="number")
    if isinstance(months, bool) or not isinstance(months, int) or not 0 < months <= 120:
        raise ValidationFailed(_("Months must be a whole number from 1 to 120."), code="invalid_months", field="months")
    per_month, rate, price = _clean_terms(hours_per_month, billing_increment_minutes, overdraft, overage_rate,
                                          hour_price)
    if not isinstance(starts_on, date):
        raise ValidationFailed(_("Enter the start date."), code="invalid_date", field="starts_on")
    if db.session.scalar(select(Contract.id).where(Contract.number == number)):
        raise Conflict(_("A contract numbered %(n)s already exists.", n=number), code="duplicate_number", field="number")
    if sla_policy_id is not None and db.session.get(SlaPolicy, sla_policy_id) is None:
        raise ValidationFailed(_("No such SLA policy."), code="unknown_sla_policy", field="sla_policy_id")

    lock_client(client.id)
    ends_on, valid_from, expires_at = contract_period(starts_on, months, client.timezone)
    contract = Contract(client=client, number=number, starts_on=starts_on, months=months, ends_on=ends_on,
                        minutes_per_month=int(per_month), billing_increment_minutes=billing_increment_minutes,
                        overdraft=overdraft, overage_rate=rate, rollover=bool(rollover), sla_policy_id=sla_policy_id,
                        hour_price=price, created_by_id=actor.id if actor else None)
    db.session.add(contract)
    granted = ledger.granted_minutes(months, int(per_month))
    lot = HourLot(client_id=client.id, contract=contract, source="grant", granted_minutes=granted,
                  valid_from=valid_from, expires_at=expires_at, remaining_minutes=0)
    db.session.add(lot)
    db.session.flush()
    _write_entry("grant", client.id, granted, lot=lot, author=actor, reason=_("Contract %(n)s", n=number))
    if actor is not None:
        record_action("contract", contract.id, "created", actor=actor, detail=number)
    return contract


#: `Purchase.contract` when the caller does not know it: the client's current contract is looked up
CURRENT_CONTRACT = object()


@dataclass(frozen=True)
class Purchase:
    """Hours bought outside a contract's own grant (an hour pack paid by invoice), valid from the
    first to the last day given (the client's calendar days)."""
    client: Client
    minutes: int
    valid_from: date
    valid_until: date
    reason: str
    #: the client's current contract when the caller knows it already; else it is looked up
    contract: Contract | None | object = CURRENT_CONTRACT


def grant_purchases(purchases: list[Purchase], *, actor=None, now: datetime | None = None) -> list[int]:
    """Grant each purchase: one `purchase` lot belonging to the client's current contract, and its
    `grant` entry. A bank statement pays thousands of hour packs at once, so the lots and entries go
    in as rows and each client's cached balance moves once, by their sum (in the same transaction,
    under the client's lock, as `_write_entry` does). Returns the lots' ids in the order given."""
    for purchase in purchases:
        minutes = purchase.minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise ValidationFailed(_("Minutes must be a positive whole number."), code="invalid_minutes",
                                   field="minutes")
        if purchase.valid_until < purchase.valid_from:
            raise ValidationFailed(_("The hours must be valid until a day after they start."), code="invalid_period",
                                   field="valid_until")
    if not purchases:
        return []
    at = now or utcnow()
    totals: dict[int, int] = {}
    lots = []
    for purchase in purchases:
        client = purchase.client
        lock_client(client.id)
        contract = current_contract(client.id, at) if purchase.contract is CURRENT_CONTRACT else purchase.contract
        lots.append({"client_id": client.id, "contract_id": contract.id if contract else None, "source": "purchase",
                     "granted_minutes": purchase.minutes, "remaining_minutes": purchase.minutes, "created_at": at,
                     "valid_from": _start_of_day(purchase.valid_from, client.timezone),
                     "expires_at": _start_of_day(purchase.valid_until + timedelta(days=1), client.timezone)})
        totals[client.id] = totals.get(client.id, 0) + purchase.minutes
    lot_ids = db.session.scalars(insert(HourLot).returning(HourLot.id, sort_by_parameter_order=True), lots).all()
    db.session.execute(insert(LedgerEntry), [
        {"client_id": purchase.client.id, "lot_id": lot_id, "kind": "grant", "minutes": purchase.minutes,
         "author_id": actor.id if actor else None, "reason": purchase.reason, "created_at": at}
        for purchase, lot_id in zip(purchases, lot_ids, strict=True)])
    for client_id, minutes in totals.items():
        # lots it does not hold: the client's picture goes
        _announce_balance(client_id, _move_balance(client_id, minutes))
    return list(lot_ids)


def renew_contract(contract: Contract, *, number: str, actor=None) -> Contract:
    """The contract's next period as a contract of its own, on the same terms, starting the day
    after it ends; its hours are granted at once (rule 1)."""
    if contract.terminated_on is not None:
        raise Conflict(_("Contract %(n)s is terminated: it is not renewed.", n=contract.number),
                       code="contract_terminated")
    successor = create_contract(
        contract.client, number=number, starts_on=contract.ends_on + timedelta(days=1), months=contract.months,
        hours_per_month=Decimal(contract.renewal_minutes_per_month) / 60,
        billing_increment_minutes=contract.billing_increment_minutes,
        overdraft=contract.overdraft, overage_rate=contract.overage_rate, rollover=contract.rollover,
        sla_policy_id=contract.sla_policy_id, hour_price=contract.renewal_hour_price, actor=actor)
    return successor


#: terms a manager may amend; the first two apply from the next period, the rest from now on
CONTRACT_TERMS = ("next_minutes_per_month", "next_hour_price", "overdraft", "overage_rate",
                  "billing_increment_minutes", "rollover", "sla_policy_id")


def _clean_terms(hours_per_month, billing_increment_minutes, overdraft: str, overage_rate,
                 hour_price) -> tuple[int, Decimal, Decimal | None]:
    """A contract's terms checked, as signing and amending take them: (minutes per month, overage
    rate, hour price)."""
    try:
        per_month = Decimal(str(hours_per_month)) * 60
    except (InvalidOperation, ValueError):
        per_month = Decimal(-1)
    if not per_month.is_finite() or per_month <= 0 or per_month != per_month.to_integral_value() or per_month > 744 * 60:
        raise ValidationFailed(_("Hours per month must be positive and a whole number of minutes."),
                               code="invalid_hours", field="hours_per_month")
    if isinstance(billing_increment_minutes, bool) or not isinstance(billing_increment_minutes, int) \
            or not 1 <= billing_increment_minutes <= 240:
        raise ValidationFailed(_("The billing increment must be 1 to 240 minutes."), code="invalid_increment",
                               field="billing_increment_minutes")
    if overdraft not in ledger.OVERDRAFT_POLICIES:
        raise ValidationFailed(_("Unknown overdraft policy."), code="invalid_overdraft", field="overdraft")
    return (int(per_month), _clean_money(overage_rate, "overage_rate"),
            _clean_money(hour_price, "hour_price", allow_none=True))


def amend_contract(contract: Contract, *, hours_per_month, hour_price, overdraft: str, overage_rate,
                   billing_increment_minutes: int, rollover: bool, sla_policy_id: int | None, actor,
                   reason: str | None = None) -> int:
    """Change a contract's terms without rewriting its history: the hours per month and the hour
    price apply from the next period (the renewal grants and bills them; this period's grant and
    acts stay as signed); the overdraft policy, overage rate, billing increment, rollover and SLA
    policy apply to what happens from now on (closes already made keep their own figures). One
    audit row per changed term; returns how many changed."""
    if contract.status != "active" or contract.terminated_on is not None:
        raise Conflict(_("Only an active contract can be amended."), code="contract_not_active")
    minutes, rate, price = _clean_terms(hours_per_month, billing_increment_minutes, overdraft, overage_rate,
                                        hour_price)
    if sla_policy_id is not None and db.session.get(SlaPolicy, sla_policy_id) is None:
        raise ValidationFailed(_("No such SLA policy."), code="unknown_sla_policy", field="sla_policy_id")
    before = snapshot(contract, CONTRACT_TERMS)
    contract.next_minutes_per_month = minutes if minutes != contract.minutes_per_month else None
    contract.next_hour_price = price if price != contract.hour_price else None
    contract.overdraft, contract.overage_rate = overdraft, rate
    contract.billing_increment_minutes, contract.rollover = billing_increment_minutes, bool(rollover)
    contract.sla_policy_id = sla_policy_id
    db.session.flush()
    return record_changes("contract", contract.id, before, snapshot(contract, CONTRACT_TERMS), actor=actor,
                          reason=(reason or "").strip() or None)


def terminate_contract(contract: Contract, *, last_day: date, reason: str, actor, today: date | None = None) -> None:
    """End a contract early: it covers up to and including `last_day` (today or later: closes
    already debited stay as they are), then its grant's unused minutes expire by the daily job and
    it is not renewed. Hour packs bought separately stay the client's. Needs a reason; audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the contract is terminated."), code="reason_required", field="reason")
    if contract.status != "active" or contract.terminated_on is not None:
        raise Conflict(_("Only an active contract can be terminated."), code="contract_not_active")
    today = today or office_today()
    if not isinstance(last_day, date) or last_day < today or last_day > contract.ends_on:
        raise ValidationFailed(_("The last day must be between today and the contract's end (%(d)s).",
                                 d=contract.ends_on.isoformat()), code="invalid_date", field="terminated_on")
    lock_client(contract.client_id)
    ends_at = _start_of_day(last_day + timedelta(days=1), contract.client.timezone)
    for lot in contract.lots:
        if lot.source == "grant" and lot.expires_at > ends_at:
            lot.expires_at = ends_at
    contract.terminated_on = last_day
    db.session.flush()
    record_action("contract", contract.id, "terminated", actor=actor, detail=last_day.isoformat(), reason=reason)


def revoke_grant(lot: HourLot, *, actor, reason: str, now: datetime | None = None) -> LedgerEntry:
    """Take back what a lot granted (a payment was unmatched): one `reversal` of the whole grant,
    even when part of it was used — the balance may go below zero, and the person is told. A
    contract whose grant is revoked is terminated."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the hours are taken back."), code="reason_required", field="reason")
    lock_client(lot.client_id)
    entry = _write_entry("reversal", lot.client_id, -lot.granted_minutes, lot=lot, author=actor, reason=reason, at=now)
    if lot.source == "grant" and lot.contract is not None:
        lot.contract.status = "terminated"
    db.session.flush()
    return entry


# --- specification lines ------------------------------------------------------------------------

def _check_ticket_open_for_lines(ticket_status: str) -> None:
    if ticket_status in LOCKED_TICKET_STATUSES:
        raise Conflict(_("The ticket is %(s)s: its specification can no longer change.", s=ticket_status),
                       code="ticket_locked", field="ticket")


def _clean_minutes(minutes) -> int:
    try:
        return ledger.check_line_minutes(minutes)
    except ValueError:
        raise ValidationFailed(_("Minutes must be a whole number from 1 to %(n)d.", n=ledger.MAX_LINE_MINUTES),
                               code="invalid_minutes", field="minutes") from None


def office_today() -> date:
    """Today in the office's time zone: the day work logged now was done (reports group by it)."""
    return utcnow().astimezone(ZoneInfo(current_app.config["HOURDESK_OFFICE_TIMEZONE"])).date()


def add_spec_line(*, ticket_id: int, client_id: int, ticket_status: str, service: Service, minutes, engineer=None,
                  note: str = "", performed_on: date | None = None, actor=None) -> SpecLine:
    """Log work on a ticket that is not closed or cancelled; the billing mode comes from the service."""
    _check_ticket_open_for_lines(ticket_status)
    if service is None or not service.active:
        raise ValidationFailed(_("Choose an active service."), code="invalid_service", field="service_code")
    if engineer is not None and not engineer.is_staff:
        raise ValidationFailed(_("Work is logged for staff only."), code="invalid_engineer", field="engineer_id")
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(_("The note is longer than %(n)d characters.", n=2000), code="note_too_long", field="note")
    line = SpecLine(ticket_id=ticket_id, client_id=client_id, service=service, engineer=engineer or actor, minutes=_clean_minutes(minutes),
                    billing=service.billing, note=note, performed_on=performed_on or office_today(),
                    created_by_id=actor.id if actor else None)
    db.session.add(line)
    db.session.flush()
    return line


def update_spec_line(line: SpecLine, *, ticket_status: str, minutes=None, note: str | None = None,
                     performed_on: date | None = None) -> SpecLine:
    _check_ticket_open_for_lines(ticket_status)
    if minutes is not None:
        line.minutes = _clean_minutes(minutes)
    if note is not None:
        line.note = note.strip()[:2000]
    if performed_on is not None:
        line.performed_on = performed_on
    db.session.flush()
    return line


def remove_spec_line(line: SpecLine, *, ticket_status: str) -> None:
    _check_ticket_open_for_lines(ticket_status)
    db.session.delete(line)
    db.session.flush()


def override_line_billing(line: SpecLine, *, ticket_status: str, billing: str, reason: str, actor) -> str:
    """A manager's decision on how a line is billed, with the reason; returns the old mode."""
    if ticket_status == "closed":
        raise Conflict(_("Reopen the ticket first: its close already debited these lines."), code="ticket_locked",
                       field="ticket")
    _check_ticket_open_for_lines(ticket_status)
    if billing not in ledger.BILLING_MODES:
        raise ValidationFailed(_("Billing must be hourly, paid or free."), code="invalid_billing", field="billing")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the billing changes."), code="reason_required", field="reason")
    old = line.billing
    line.billing, line.billing_override_reason, line.billing_overridden_by_id = billing, reason, actor.id
    db.session.flush()
    return old


@cache   # built on first use: every ticket page reads it
def _ticket_lines_statement(details: bool):
    query = select(SpecLine).where(SpecLine.ticket_id == bindparam("ticket_id")).order_by(SpecLine.id)
    if details:
        query = query.options(selectinload(SpecLine.service), selectinload(SpecLine.engineer))
    return query


def ticket_lines(ticket_id: int, *, details: bool = True) -> list[SpecLine]:
    """A ticket's lines; `details` also loads their service and engineer (pages and the API)."""
    return list(db.session.scalars(_ticket_lines_statement(details), {"ticket_id": ticket_id}))


# --- closing and reopening ----------------------------------------------------------------------

@dataclass
class ClosePreview:
    """What a close would do, computed by the same code as the close itself."""
    plan: ledger.ClosePlan | None
    shortfall: ledger.InsufficientHours | None
    contract: Contract | None
    lots: dict[int, HourLot]
    lines: list[SpecLine]
    client_id: int
    increment: int
    policy: str
    overage_amount: Decimal

    @property
    def balance_before(self) -> int:
        return client_balance(self.client_id)

    @property
    def balance_after(self) -> int:
        return self.balance_before - (self.plan.debited_minutes if self.plan else 0)


def preview_close(*, ticket_id: int, client_id: int, now: datetime, details: bool = True,
                  lines: list[SpecLine] | None = None) -> ClosePreview:
    """`lines`: the ticket's lines when the caller has read them already (a close, under the lock)."""
    lots = _plan_lots(client_id)
    contract = contract_covering(_active_contracts(lots), now, lots)
    increment = contract.billing_increment_minutes if contract else DEFAULT_INCREMENT
    policy = contract.overdraft if contract else ledger.CONVERT_TO_PAID
    lines = ticket_lines(ticket_id, details=details) if lines is None else lines
    core_lines = [ledger.Line(line.id, line.minutes, line.billing) for line in lines]
    plan, shortfall = None, None
    try:
        plan = ledger.plan_close(core_lines, _as_core(lots), increment=increment, policy=policy, now=now)
    except ledger.InsufficientHours as exc:
        shortfall = exc
    rate = contract.overage_rate if contract else Decimal("0")
    amount = ledger.overage_amount(plan.overage_minutes, rate) if plan else Decimal("0.00")
    return ClosePreview(plan, shortfall, contract, {lot.id: lot for lot in lots}, lines, client_id,
                        increment, policy, amount)


def active_close(ticket_id: int) -> TicketClose | None:
    return db.session.scalar(select(TicketClose).where(TicketClose.ticket_id == ticket_id,
                                                       TicketClose.reversed_at.is_(None)))


def debit_close(*, ticket_id: int, client_id: int, actor, now: datetime, lines: list[SpecLine]) -> TicketClose:
    """Rules 2–6: bill the lines, debit the hourly minutes from the lots, record the close.
    Exactly once: the caller holds `lock_client(client_id)`, has re-read the ticket and its `lines`
    under it and found it not closed (an unreversed close exists only for a closed ticket: reopening
    reverses it), and the unique index on unreversed closes is the last guard."""
    _require_lock(client_id)
    preview = preview_close(ticket_id=ticket_id, client_id=client_id, now=now, details=False, lines=lines)
    if preview.shortfall is not None:
        short = preview.shortfall
        raise Conflict(_("Not enough hours: %(s)d minutes short (needs %(n)d, has %(a)d). The contract blocks overdrafts.",
                         s=short.shortfall_minutes, n=short.needed_minutes, a=short.available_minutes),
                       code="insufficient_hours", field=None, shortfall_minutes=short.shortfall_minutes)
    plan = preview.plan
    for line in preview.lines:
        line.billed_minutes = plan.billed[line.id]
    close = TicketClose(ticket_id=ticket_id, client_id=client_id, contract_id=preview.contract.id if preview.contract else None,
                        closed_at=now, closed_by_id=actor.id if actor else None, hourly_minutes=plan.hourly_minutes,
                        debited_minutes=plan.debited_minutes, overage_minutes=plan.overage_minutes,
                        overage_rate=preview.contract.overage_rate if preview.contract else Decimal("0"),
                        overage_amount=preview.overage_amount)
    db.session.add(close)
    db.session.flush()
    _hold_picture(client_id, list(preview.lots.values()))
    for debit in plan.debits:
        _write_entry("debit", client_id, -debit.minutes, lot=preview.lots.get(debit.lot_id), ticket_id=ticket_id,
                     close=close, author=actor, at=now)
    return close


def reverse_close(*, ticket_id: int, client_id: int, actor, reason: str | None, now: datetime,
                  lines: list[SpecLine] | None = None) -> TicketClose | None:
    """Rule 7: one reversal per debit of the last close, back to the same lot (expired or not);
    the close's overage is cancelled with it. None when the ticket has no unreversed close.
    The caller holds `lock_client(client_id)`."""
    _require_lock(client_id)
    close = active_close(ticket_id)
    if close is None:
        return None
    debits = [ledger.Debit(e.lot_id, -e.minutes) for e in close.entries if e.kind == "debit"]
    lots = {lot.id: lot for lot in _plan_lots(client_id)}
    for credit in ledger.plan_reversal(debits):
        _write_entry("reversal", client_id, credit.minutes, lot=lots.get(credit.lot_id), ticket_id=ticket_id,
                     close=close, author=actor, reason=reason, at=now)
    close.reversed_at, close.reversed_by_id, close.reverse_reason = now, actor.id if actor else None, reason
    for line in ticket_lines(ticket_id, details=False) if lines is None else lines:
        line.billed_minutes = None
    db.session.flush()
    return close


def waive_overage(close: TicketClose, *, reason: str, actor) -> None:
    """A manager decides not to bill a close's overage; the decision and its reason are kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the overage is waived."), code="reason_required", field="reason")
    if close.reversed_at is not None or close.overage_minutes == 0:
        raise Conflict(_("This close has no overage to waive."), code="nothing_to_waive")
    close.overage_waived_by_id, close.overage_waived_reason = actor.id, reason
    db.session.flush()


# --- manual adjustments and expiry -------------------------------------------------------------

def adjust(client: Client, *, minutes, reason: str, actor, now: datetime) -> list[LedgerEntry]:
    """Rule 9: a manager's correction. Positive minutes arrive as a new lot valid until the current
    contract ends (or a year); negative ones are taken from the lots like a debit and may take the
    balance below zero (a manager's decision overrides the overdraft policy)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes == 0 or abs(minutes) > MAX_ADJUSTMENT_MINUTES:
        raise ValidationFailed(_("Minutes must be a non-zero whole number (at most %(n)d).", n=MAX_ADJUSTMENT_MINUTES),
                               code="invalid_minutes", field="minutes")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("An adjustment needs a reason."), code="reason_required", field="reason")
    if len(reason) > 2000:
        raise ValidationFailed(_("The reason is longer than %(n)d characters.", n=2000), code="reason_too_long", field="reason")
    lock_client(client.id)
    if minutes > 0:
        contract = current_contract(client.id, now)
        grant = next((lot for lot in contract.lots if lot.source == "grant"), None) if contract else None
        expires = grant.expires_at if grant and grant.expires_at > now else now + timedelta(days=ADJUSTMENT_LOT_DAYS)
        lot = HourLot(client_id=client.id, contract=contract, source="adjustment", granted_minutes=minutes,
                      valid_from=now, expires_at=expires, remaining_minutes=0)
        db.session.add(lot)
        db.session.flush()
        entries = [_write_entry("adjustment", client.id, minutes, lot=lot, author=actor, reason=reason, at=now)]
    else:
        lots = _plan_lots(client.id)
        by_id = {lot.id: lot for lot in lots}
        takes, _unused = ledger.plan_take(-minutes, _as_core(lots), now=now, policy=ledger.ALLOW_NEGATIVE)
        entries = [_write_entry("adjustment", client.id, -take.minutes, lot=by_id.get(take.lot_id), author=actor,
                                reason=reason, at=now) for take in takes]
    db.session.flush()
    return entries


def expire_lots(now: datetime) -> list[LedgerEntry]:
    """Rule 8 (the daily job): expired lots with minutes left lose them, or with `rollover` move
    them into a new lot of the client's next active contract. Idempotent: a second run finds
    nothing left to expire."""
    written: list[LedgerEntry] = []
    client_ids = db.session.scalars(select(HourLot.client_id).where(HourLot.expires_at <= now,
                                                                     HourLot.remaining_minutes > 0).distinct()).all()
    for client_id in client_ids:
        lock_client(client_id)
        lots = [lot for lot in _plan_lots(client_id) if lot.expires_at <= now and lot.remaining_minutes > 0]
        for lot in lots:
            old = lot.contract
            successor = _next_contract(client_id, old, now) if old is not None and old.rollover else None
            (item,) = ledger.plan_expiry(_as_core([lot]), now, rollover=bool(old and old.rollover),
                                         next_contract_available=successor is not None)
            if not item.rollover:
                written.append(_write_entry("expiry", client_id, -item.minutes, lot=lot, reason="expired", at=now))
                continue
            grant = next(g for g in successor.lots if g.source == "grant")
            target = HourLot(client_id=client_id, contract=successor, source="rollover", granted_minutes=0,
                             valid_from=max(now, grant.valid_from), expires_at=grant.expires_at, remaining_minutes=0)
            db.session.add(target)
            db.session.flush()
            note = f"rollover {old.number} → {successor.number}"
            written.append(_write_entry("rollover", client_id, -item.minutes, lot=lot, reason=note, at=now))
            written.append(_write_entry("rollover", client_id, item.minutes, lot=target, reason=note, at=now))
    for contract in db.session.scalars(select(Contract).where(Contract.status == "active")):
        if all(lot.expires_at <= now for lot in contract.lots if lot.source == "grant") and contract.lots:
            contract.status = "terminated" if contract.terminated_on is not None else "expired"
    db.session.flush()
    return written


def _next_contract(client_id: int, old: Contract, now: datetime) -> Contract | None:
    candidates = db.session.scalars(select(Contract).where(Contract.client_id == client_id, Contract.id != old.id,
                                                           Contract.status == "active", Contract.ends_on > old.ends_on)
                                    .order_by(Contract.starts_on, Contract.id)).all()
    for contract in candidates:
        if any(g.source == "grant" and g.expires_at > now for g in contract.lots):
            return contract
    return None
