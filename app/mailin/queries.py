"""Read models for the mail triage pages."""
from sqlalchemy import func, select

from app.extensions import db
from app.mailin.models import InboundMail

PER_PAGE = 50
VIEWS = ("triage", "proposals", "all")


def inbox(view: str, page: int) -> list[InboundMail]:
    """What waits for a person (triage), tickets whose sender may become a contact (proposals), or
    every message received (all, with what became of it)."""
    query = select(InboundMail)
    if view == "triage":
        query = query.where(InboundMail.status == "triage")
    elif view == "proposals":
        query = query.where(InboundMail.proposed_contact.is_(True))
    return list(db.session.scalars(query.order_by(InboundMail.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)))


def waiting_counts() -> dict[str, int]:
    triage = db.session.scalar(select(func.count()).select_from(InboundMail).where(InboundMail.status == "triage"))
    proposals = db.session.scalar(select(func.count()).select_from(InboundMail)
                                  .where(InboundMail.proposed_contact.is_(True)))
    return {"triage": triage, "proposals": proposals}
