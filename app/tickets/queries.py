"""Read models for ticket lists and the engineer's dashboard."""
from datetime import datetime

from sqlalchemy import Select, column, func, or_, select, table, text
from sqlalchemy.orm import selectinload

from app.clients.models import Client
from app.core.text import escape_like, fold
from app.extensions import db
from app.notifications.models import StaffNotice
from app.tickets.lifecycle import ACTIVE_STATUSES
from app.tickets.models import Ticket, TicketChange

SORTS = {
    "newest": (Ticket.created_at.desc(), Ticket.id.desc()),
    "oldest": (Ticket.created_at.asc(), Ticket.id.asc()),
    "updated": (Ticket.updated_at.desc(), Ticket.id.desc()),
    "priority": (Ticket.priority_rank.asc(), Ticket.created_at.desc(), Ticket.id.desc()),
    "due": (Ticket.resolution_due_at.is_(None), Ticket.resolution_due_at.asc(), Ticket.id.asc()),
}


def ticket_list_query(*, status: str | None = None, priority: str | None = None,
                      assignee_id: int | str | None = None, client_id: int | None = None,
                      q: str | None = None, sort: str = "newest") -> Select:
    """Tickets filtered as the list page and the API ask. `assignee_id` may be 'none'
    (unassigned). `q` matches the number (#123 or 123) or text in the subject, case-insensitively."""
    # selectinload, not a join: the page query stays on one table so it can walk an index in order
    query = select(Ticket).options(selectinload(Ticket.client), selectinload(Ticket.assignee))
    if status == "active":
        query = query.where(Ticket.status.in_(ACTIVE_STATUSES))
    elif status:
        query = query.where(Ticket.status == status)
    if priority:
        query = query.where(Ticket.priority == priority)
    if assignee_id == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif assignee_id:
        query = query.where(Ticket.assignee_id == int(assignee_id))
    if client_id:
        query = query.where(Ticket.client_id == client_id)
    q = (q or "").strip()
    if q:
        number = q.lstrip("#")
        conditions = [subject_contains(fold(q))]
        if number.isdigit() and len(number) < 12:
            conditions.append(Ticket.id == int(number))
        query = query.where(or_(*conditions))
    return query.order_by(*SORTS.get(sort, SORTS["newest"]))


_SQLITE_SEARCH = table("tickets_search", column("rowid"), column("subject_search"))


def subject_contains(folded: str):
    """Tickets whose folded subject contains `folded`, answered from a trigram index: FTS5 on
    SQLite (the migration keeps `tickets_search` in step by triggers), pg_trgm GIN on PostgreSQL."""
    pattern = f"%{escape_like(folded)}%"
    if db.engine.dialect.name == "sqlite" and len(folded) >= 3:
        # a quoted phrase matches as a substring under the trigram tokenizer (LIKE with ESCAPE
        # would not reach the index); shorter text has no trigram and is scanned below
        phrase = '"' + folded.replace('"', '""') + '"'
        matches = select(_SQLITE_SEARCH.c.rowid).where(text("tickets_search MATCH :phrase").bindparams(phrase=phrase))
        return Ticket.id.in_(matches)
    return Ticket.subject_search.like(pattern, escape="\\")


def dashboard(user_id: int, now: datetime, limit: int = 10, *, my_clients: bool = False) -> dict:
    """The engineer's home: tickets nobody acknowledged (oldest first), nobody's, mine, overdue;
    with `my_clients`, only the clients the user is account manager of. `attention`: ids of tickets
    with news for the user they have not read (the client replied, it was reopened)."""
    base = select(Ticket).options(selectinload(Ticket.client), selectinload(Ticket.assignee))
    if my_clients:
        base = base.where(Ticket.client_id.in_(select(Client.id).where(Client.account_manager_id == user_id)))
    unacknowledged = base.where(Ticket.status == "open").order_by(Ticket.priority_rank, Ticket.created_at)
    unassigned = base.where(Ticket.assignee_id.is_(None), Ticket.status.in_(ACTIVE_STATUSES)).order_by(
        Ticket.priority_rank, Ticket.created_at)
    mine = base.where(Ticket.assignee_id == user_id, Ticket.status.in_(ACTIVE_STATUSES)).order_by(
        Ticket.priority_rank, Ticket.created_at)
    overdue = base.where(Ticket.status.in_(("open", "in_progress")), Ticket.resolution_due_at < now).order_by(
        Ticket.resolution_due_at)
    result = {}
    for name, query in (("unacknowledged", unacknowledged), ("unassigned", unassigned), ("mine", mine),
                        ("overdue", overdue)):
        result[name] = list(db.session.scalars(query.limit(limit)))
        result[name + "_count"] = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    result["attention"] = set(db.session.scalars(select(StaffNotice.ticket_id).where(
        StaffNotice.user_id == user_id, StaffNotice.read_at.is_(None),
        StaffNotice.kind.in_(("client_replied", "reopened")))))
    return result


def history(ticket_id: int) -> list[TicketChange]:
    query = (select(TicketChange).options(selectinload(TicketChange.user))
             .where(TicketChange.ticket_id == ticket_id).order_by(TicketChange.id))
    return list(db.session.scalars(query))
