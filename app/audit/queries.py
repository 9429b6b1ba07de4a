"""Reading the audit trail."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit.models import AuditEntry
from app.extensions import db

ENTITIES = ("user", "client", "contract", "service", "calendar", "policy", "token", "webhook")


def history(entity: str, entity_id: int, limit: int = 200) -> list[AuditEntry]:
    """The changes of one object, newest first."""
    return db.session.scalars(select(AuditEntry).options(joinedload(AuditEntry.actor))
                              .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
                              .order_by(AuditEntry.id.desc()).limit(limit)).all()


def recent(entity: str | None = None, *, before_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """The newest changes of every object (or of one kind), a page at a time by id."""
    query = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    return db.session.scalars(query).all()
