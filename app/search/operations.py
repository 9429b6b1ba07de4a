"""Keeping `ticket_search` in step. Tickets touched in a transaction (registered, subject or
description changed, a comment) are re-indexed once, just before it commits, so the index never
disagrees with what committed. Bulk loads call `rebuild`. They flush, never commit."""
import time

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, insert, select, update

from app.clients.models import Client
from app.core.events import subscribe
from app.core.uow import before_commit
from app.extensions import db
from app.search.models import TicketSearch
from app.search.text import terms
from app.tickets.models import Comment, Ticket

_DIRTY = "search_dirty_tickets"
#: tickets registered in this transaction and not touched since: indexed from the session's objects
_NEW = "search_new_tickets"
#: fields of a ticket that its index holds
_INDEXED_FIELDS = {"subject", "description"}


def client_terms(name: str, inn: str | None) -> str:
    return terms(f"{name} {inn or ''}")


def _documents(ticket_ids: list[int]) -> list[dict]:
    """The index rows of these tickets, read in three queries."""
    rows = db.session.execute(select(Ticket.id, Ticket.client_id, Ticket.subject, Ticket.description)
                              .where(Ticket.id.in_(ticket_ids))).all()
    if not rows:
        return []
    clients = {cid: client_terms(name, inn) for cid, name, inn in db.session.execute(
        select(Client.id, Client.name, Client.inn).where(Client.id.in_({r.client_id for r in rows})))}
    public: dict[int, list[str]] = {}
    internal: dict[int, list[str]] = {}
    for ticket_id, body, is_public in db.session.execute(
            select(Comment.ticket_id, Comment.body, Comment.public).where(Comment.ticket_id.in_(ticket_ids))
            .order_by(Comment.id)):
        (public if is_public else internal).setdefault(ticket_id, []).append(terms(body))
    return [{"ticket_id": r.id, "client_id": r.client_id, "subject_terms": terms(r.subject),
             "body_terms": " ".join([terms(r.description), *public.get(r.id, [])]).strip(),
             "internal_terms": " ".join(internal.get(r.id, [])), "client_terms": clients.get(r.client_id, "")}
            for r in rows]


def reindex(ticket_ids) -> int:
    """Rewrite the index rows of these tickets (a ticket gone is simply dropped)."""
    ids = sorted(set(ticket_ids))
    written = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        db.session.execute(delete(TicketSearch).where(TicketSearch.ticket_id.in_(chunk)))
        documents = _documents(chunk)
        if documents:
            db.session.execute(insert(TicketSearch), documents)
        written += len(documents)
    return written


def rebuild(batch: int = 2000) -> int:
    """Index every ticket again (to repair): the number indexed."""
    db.session.execute(delete(TicketSearch))
    return index_after(0, batch)


def index_after(last: int, batch: int = 2000) -> int:
    """Index the tickets numbered after `last` (a bulk load appends tickets): the number indexed."""
    total = 0
    while ids := db.session.scalars(select(Ticket.id).where(Ticket.id > last).order_by(Ticket.id).limit(batch)).all():
        documents = _documents(list(ids))
        db.session.execute(insert(TicketSearch), documents)
        total += len(documents)
        last = ids[-1]
    return total


def client_renamed(client: Client) -> None:
    """A client's new name or INN, in every one of its tickets' index rows (one statement)."""
    db.session.execute(update(TicketSearch).where(TicketSearch.client_id == client.id)
                       .values(client_terms=client_terms(client.name, client.inn)))


def mark_dirty(ticket_id: int) -> None:
    """Re-index this ticket just before the transaction commits (once, however often it changed)."""
    session = db.session()
    dirty = session.info.setdefault(_DIRTY, set())
    dirty.add(ticket_id)
    before_commit(session, _flush_dirty, key=_DIRTY)


def _flush_dirty() -> None:
    info = db.session().info
    dirty = info.pop(_DIRTY, set())
    documents = []
    new = info.pop(_NEW, {})
    for ticket_id in sorted(set(new) - dirty):
        document = _new_document(new[ticket_id])
        if document is None:
            dirty.add(ticket_id)
        else:
            documents.append(document)
    if documents:
        db.session.execute(insert(TicketSearch), documents)
    if dirty:
        reindex(dirty)


def _new_document(ticket: Ticket | None) -> dict | None:
    """The index row of a ticket registered in this transaction, from the objects in the session
    (registering is the desk's busiest write: four statements fewer). None: read it instead."""
    if ticket is None or "client" not in ticket.__dict__ or ticket.__dict__.get("comments"):
        return None
    return {"ticket_id": ticket.id, "client_id": ticket.client_id, "subject_terms": terms(ticket.subject),
            "body_terms": terms(ticket.description).strip(), "internal_terms": "",
            "client_terms": client_terms(ticket.client.name, ticket.client.inn)}


def _on_ticket_created(payload: dict) -> None:
    session = db.session()
    # the object itself: the session holds a clean object only weakly, and it is needed at commit
    session.info.setdefault(_NEW, {})[payload["ticket_id"]] = session.get(Ticket, payload["ticket_id"])
    before_commit(session, _flush_dirty, key=_DIRTY)


def _on_ticket_event(payload: dict) -> None:
    changed = payload.get("changed")
    if changed is None or _INDEXED_FIELDS & set(changed):
        mark_dirty(payload["ticket_id"])


def init_app(app) -> None:
    subscribe("ticket.created", _on_ticket_created)
    subscribe("ticket.updated", _on_ticket_event)
    subscribe("ticket.comment", _on_ticket_event)


@click.group("search", help="The ticket search index.")
def search_cli():
    pass


@search_cli.command("rebuild")
@with_appcontext
def rebuild_command():
    """Index every ticket again (after restoring data written around the application)."""
    started = time.perf_counter()
    count = rebuild()
    db.session.commit()
    click.echo(f"indexed {count} tickets in {time.perf_counter() - started:.1f} s")
