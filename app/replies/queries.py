"""Which replies a person sees, and a reply filled in for a ticket."""
from functools import cache

from sqlalchemy import bindparam, or_, select

from app.contracts.queries import balance_summary
from app.core.types import utcnow
from app.core.web import format_minutes
from app.extensions import db
from app.replies.models import CannedReply
from app.replies.text import fill


@cache   # built on first use: every ticket page reads it
def _replies_statement():
    return (select(CannedReply).where(or_(CannedReply.owner_id == bindparam("user_id"), CannedReply.owner_id.is_(None)))
            .order_by(CannedReply.owner_id.is_(None), CannedReply.title, CannedReply.id))


def replies_for(user) -> list[CannedReply]:
    """The user's own replies first, then the staff-wide ones, each by title."""
    return list(db.session.scalars(_replies_statement(), {"user_id": user.id}))


def placeholder_values(ticket, user) -> dict[str, str]:
    summary = balance_summary(ticket.client_id, utcnow())
    contact = ticket.requester
    return {"client": ticket.client.name, "contact": contact.name if contact else "", "number": ticket.number,
            "subject": ticket.subject, "balance": format_minutes(summary.available_minutes), "me": user.name}


def filled_replies(ticket, user) -> list[tuple[CannedReply, str]]:
    """Each reply the user sees, with its placeholders filled in for `ticket`."""
    replies = replies_for(user)
    if not replies:
        return []
    values = placeholder_values(ticket, user)
    return [(reply, fill(reply.body, values)) for reply in replies]
