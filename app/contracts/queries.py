"""Read models: balances, the ledger as managers and clients read it, contracts per client."""
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.clients.models import Client
from app.contracts.models import ClientBalance, Contract, HourLot, LedgerEntry, Service, TicketClose
from app.core.sql import constants_in
from app.extensions import db
from app.sla.models import SlaPolicy


def client_balance(client_id: int) -> int:
    """The cached balance: one primary-key read, whatever the number of entries."""
    return db.session.scalar(select(ClientBalance.balance_minutes).where(ClientBalance.client_id == client_id)) or 0


def ledger_sum(client_id: int) -> int:
    """Σ of the client's entries: the truth the cache must equal."""
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.minutes), 0))
                             .where(LedgerEntry.client_id == client_id))


def available_minutes(client_id: int, now: datetime) -> int:
    """Minutes a close could take now: lots valid now with minutes left."""
    return db.session.scalar(select(func.coalesce(func.sum(HourLot.remaining_minutes), 0)).where(
        HourLot.client_id == client_id, HourLot.remaining_minutes > 0,
        HourLot.valid_from <= now, HourLot.expires_at > now))


def _is_active():
    """The contract is active. A constant, not a parameter: with "active" a parameter, PostgreSQL's
    generic plan expects half a client's contracts where the value picks one in ten, so it planned
    the prepared statement anew on every call."""
    return constants_in(Contract.status, ["active"])


def _latest_started_first():
    """A client's contracts in the order `contract_covering` reads them."""
    return Contract.starts_on.desc(), Contract.id.desc()


# statements asked on every registration or ticket page, built once (building one took longer
# than running it); built on first use, once every model is mapped
@cache
def _latest_active():
    return (select(Contract).where(Contract.client_id == bindparam("client_id"), _is_active())
            .order_by(*_latest_started_first()).limit(1))


def _grant_covers_now():
    """The contract's grant is valid at `now` (contract_covering's rule, in SQL)."""
    return select(HourLot.id).where(HourLot.contract_id == Contract.id, constants_in(HourLot.source, ["grant"]),
                                    HourLot.valid_from <= bindparam("now"), HourLot.expires_at > bindparam("now")).exists()


@cache
def _latest_covering():
    return _latest_active().where(_grant_covers_now())


def current_contract(client_id: int, now: datetime) -> Contract | None:
    """The active contract whose grant covers `now` (the latest started), else the latest active one."""
    # one statement, as registering a ticket asks it (contract_covering's rule, in SQL)
    return (db.session.scalar(_latest_covering(), {"client_id": client_id, "now": now})
            or db.session.scalar(_latest_active(), {"client_id": client_id}))


@cache
def _current_sla_policy():
    # current_contract's two steps in one order: covering contracts first, then the latest started
    policy_id = (select(Contract.sla_policy_id)
                 .where(Contract.client_id == bindparam("client_id"), _is_active())
                 .order_by(_grant_covers_now().desc(), *_latest_started_first())
                 .limit(1).scalar_subquery())
    return (select(SlaPolicy).where(SlaPolicy.id == policy_id)
            .options(joinedload(SlaPolicy.calendar), joinedload(SlaPolicy.targets)))


def current_sla_policy(client_id: int, now: datetime) -> SlaPolicy | None:
    """The SLA policy of `current_contract(client_id, now)`, with its targets and calendar, in one
    statement: registering a ticket asks it, and four round trips were a fifth of its time."""
    return db.session.scalars(_current_sla_policy(), {"client_id": client_id, "now": now}).unique().first()


def contract_covering(contracts: list[Contract], now: datetime, lots: list[HourLot] | None = None) -> Contract | None:
    """Of a client's active contracts, latest started first: the one whose grant covers `now`."""
    for contract in contracts:
        grants = ([lot for lot in lots if lot.contract_id == contract.id] if lots is not None else contract.lots)
        if any(lot.valid_from <= now < lot.expires_at for lot in grants if lot.source == "grant"):
            return contract
    return contracts[0] if contracts else None


@dataclass
class BalanceSummary:
    """What engineers see next to a client: balance, what is usable, the contract and a warning."""
    balance_minutes: int
    available_minutes: int
    contract: Contract | None
    expires_at: datetime | None
    #: None, "low", "zero" or "negative"
    warning: str | None
    #: usable minutes below this are "low" (the client's setting, else the office default)
    threshold_minutes: int = 0
    client: Client | None = None


def low_balance_threshold(client: Client | None, granted_minutes: int) -> int:
    """Minutes below which a client's hours are low: its own setting (a percent of the contract's
    grant, or a number of hours), else the office default — the larger of
    HOURDESK_LOW_BALANCE_PERCENT of the grant and HOURDESK_LOW_BALANCE_MINUTES."""
    if client is not None and client.low_balance_unit == "percent" and client.low_balance_value is not None:
        return granted_minutes * client.low_balance_value // 100
    if client is not None and client.low_balance_unit == "hours" and client.low_balance_value is not None:
        return client.low_balance_value * 60
    percent = current_app.config["HOURDESK_LOW_BALANCE_PERCENT"]
    return max(current_app.config["HOURDESK_LOW_BALANCE_MINUTES"], granted_minutes * percent // 100)


def balance_summary(client_id: int, now: datetime) -> BalanceSummary:
    return balance_summaries([client_id], now)[client_id]


# the client, its cached balance, its usable minutes and its active contracts (their lots joined) in
# one statement: a round trip costs more than the index reads in it, and every ticket page asks
@cache
def _clients_with_balances():
    return (select(
        Client,
        select(ClientBalance.balance_minutes).where(ClientBalance.client_id == Client.id).scalar_subquery(),
        select(func.sum(HourLot.remaining_minutes)).where(
            HourLot.client_id == Client.id, HourLot.remaining_minutes > 0, HourLot.valid_from <= bindparam("now"),
            HourLot.expires_at > bindparam("now")).scalar_subquery(),
        Contract,
    ).outerjoin(Contract, and_(Contract.client_id == Client.id, _is_active()))
        .options(joinedload(Contract.lots))
        .where(Client.id.in_(bindparam("ids", expanding=True)))
        .order_by(Client.id, *_latest_started_first()))


# the lots joined, not read by a second statement: an active contract has a few
@cache
def _active_contracts():
    return (select(Contract).options(joinedload(Contract.lots))
            .where(Contract.client_id.in_(bindparam("ids", expanding=True)), _is_active())
            .order_by(Contract.client_id, *_latest_started_first()))


def balance_summaries(client_ids, now: datetime) -> dict[int, BalanceSummary]:
    """`BalanceSummary` of each client, in one query per 500 clients (a bank statement changes a
    thousand balances in one transaction, and each is checked before it commits)."""
    ids = sorted(set(client_ids))
    summaries: dict[int, BalanceSummary] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows: dict[int, tuple[Client, int, int]] = {}
        active: dict[int, list[Contract]] = {}   # latest started first, as `contract_covering` wants
        for client, balance, usable, contract in db.session.execute(
                _clients_with_balances(), {"ids": chunk, "now": now}).unique():
            rows[client.id] = (client, balance or 0, int(usable or 0))
            if contract is not None:
                active.setdefault(client.id, []).append(contract)
        for client_id in chunk:
            client, balance_minutes, usable = rows.get(client_id, (None, 0, 0))
            contract = contract_covering(active.get(client_id, []), now)
            summaries[client_id] = summary_of(client, balance_minutes, usable, contract)
    return summaries


def current_contracts(client_ids, now: datetime) -> dict[int, Contract | None]:
    """`current_contract` of each client (with its lots loaded), in one query per 500 clients."""
    ids = sorted(set(client_ids))
    found: dict[int, Contract | None] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        active: dict[int, list[Contract]] = {}
        for contract in db.session.scalars(_active_contracts(), {"ids": chunk}).unique():
            active.setdefault(contract.client_id, []).append(contract)
        found.update((client_id, contract_covering(active.get(client_id, []), now)) for client_id in chunk)
    return found


def summary_of(client: Client | None, balance: int, available: int, contract: Contract | None,
               lots: list[HourLot] | None = None) -> BalanceSummary:
    """`lots`: the client's lots when the caller holds them (else the contract's are read)."""
    grants = [lot for lot in lots if lot.contract_id == contract.id] if lots is not None and contract else \
        (contract.lots if contract else [])
    grant = next((lot for lot in grants if lot.source == "grant"), None)
    threshold = low_balance_threshold(client, grant.granted_minutes if grant else 0)
    if balance < 0:
        warning = "negative"
    elif available <= 0:
        warning = "zero"
    else:
        warning = "low" if available < threshold else None
    return BalanceSummary(balance, available, contract, grant.expires_at if grant else None, warning, threshold,
                          client)


def client_ledger(client_id: int, limit: int | None = None) -> list[LedgerEntry]:
    """Entries newest first, with their author and lot."""
    query = (select(LedgerEntry).options(selectinload(LedgerEntry.author), selectinload(LedgerEntry.lot))
             .where(LedgerEntry.client_id == client_id).order_by(LedgerEntry.id.desc()))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def client_contracts(client_id: int) -> list[Contract]:
    return list(db.session.scalars(select(Contract).options(selectinload(Contract.lots))
                                   .where(Contract.client_id == client_id).order_by(Contract.starts_on.desc())))


def client_lots(client_id: int) -> list[HourLot]:
    return list(db.session.scalars(select(HourLot).where(HourLot.client_id == client_id).order_by(HourLot.expires_at)))


@cache
def _services_statement(active_only: bool):
    query = select(Service).order_by(Service.code)
    return query.where(Service.active.is_(True)) if active_only else query


def services(active_only: bool = False) -> list[Service]:
    return list(db.session.scalars(_services_statement(active_only)))


def client_closes(client_id: int, limit: int = 50) -> list[TicketClose]:
    """Recent closes with overage, for the manager's waive decisions."""
    return list(db.session.scalars(select(TicketClose).where(TicketClose.client_id == client_id,
                                                             TicketClose.overage_minutes > 0)
                                   .order_by(TicketClose.id.desc()).limit(limit)))
