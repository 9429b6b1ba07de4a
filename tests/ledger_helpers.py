"""Shared checks for ledger tests: every cache equals the sum it caches."""
from sqlalchemy import func, select

from app.contracts.models import HourLot, LedgerEntry, TicketClose
from app.contracts.queries import client_balance, ledger_sum
from app.extensions import db


def assert_consistent(client_id: int) -> None:
    db.session.commit()   # read what is committed, in a fresh transaction
    assert client_balance(client_id) == ledger_sum(client_id)
    for lot in db.session.scalars(select(HourLot).where(HourLot.client_id == client_id)):
        total = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.minutes), 0))
                                  .where(LedgerEntry.lot_id == lot.id))
        assert lot.remaining_minutes == total, (lot.id, lot.remaining_minutes, total)
    # at most one unreversed close per ticket, and its debits add up to what it says
    for close in db.session.scalars(select(TicketClose).where(TicketClose.client_id == client_id)):
        debits = -sum(e.minutes for e in close.entries if e.kind == "debit")
        assert debits == close.debited_minutes
        if close.reversed_at is not None:
            assert sum(e.minutes for e in close.entries if e.kind == "reversal") == close.debited_minutes
    active = db.session.execute(select(TicketClose.ticket_id, func.count()).where(TicketClose.reversed_at.is_(None))
                                .group_by(TicketClose.ticket_id).having(func.count() > 1)).all()
    assert active == []
