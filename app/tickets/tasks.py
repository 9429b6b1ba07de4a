"""The ticket desk's scheduled jobs (registered with their schedules in `app.scheduler`): the SLA
monitor, repeated announcements, and the auto-close of tickets resolved long ago. Thin: each opens
its transactions, calls operations and commits."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.errors import Conflict
from app.core.types import utcnow
from app.core.uow import job_transaction
from app.extensions import db
from app.tickets import announce, operations
from app.tickets.models import Ticket, TicketSlaEvent

BATCH = 500


def check_sla(now: datetime) -> list[TicketSlaEvent]:
    """Fire what is due by `now`, a batch per transaction. Reads only tickets whose
    `sla_next_check_at` has passed (an index range), so a tick costs the same with 50 or 50,000
    open tickets. Safe to run twice: fired thresholds are rows with a unique key."""
    fired: list[TicketSlaEvent] = []
    while True:
        due = db.session.scalars(select(Ticket).where(Ticket.sla_next_check_at <= now)
                                 .order_by(Ticket.sla_next_check_at, Ticket.id).limit(BATCH)).all()
        if not due:
            return fired
        for ticket in due:
            for kind, at in operations.sla_points(ticket):
                if at > now:
                    break
                fired.append(operations.fire_sla_event(ticket, kind, at, now))
            db.session.flush()
            operations.schedule_sla(ticket)
        try:
            db.session.commit()
        except IntegrityError:   # another monitor fired the same threshold first: its row stands
            db.session.rollback()


def sla_job() -> int:
    """SLA warnings (80 %) and breaches (100 %) that fell due since the last tick."""
    with job_transaction():
        fired = check_sla(utcnow())
    return len(fired)


def announce_job() -> int:
    """Say again every open ticket nobody has acknowledged whose repeat is due."""
    with job_transaction():
        return announce.announce_due(utcnow())


def auto_close_job(now: datetime | None = None) -> list[int]:
    """Close tickets left resolved for HOURDESK_AUTO_CLOSE_DAYS, each in its own transaction; a
    close the contract blocks (not enough hours) stays resolved for the staff. Returns the ids."""
    now = now or utcnow()
    ids = operations.resolved_long_ago(now)
    db.session.commit()   # end the read; each close below takes the write lock afresh
    closed = []
    for ticket_id in ids:
        try:
            with job_transaction():
                ticket = db.session.get(Ticket, ticket_id, populate_existing=True)
                if ticket is not None and operations.auto_close(ticket, now) is not None:
                    closed.append(ticket_id)
        except Conflict:   # insufficient hours under a `block` contract, or closed meanwhile
            continue
    return closed
