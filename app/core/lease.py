"""A lease in the database, so that exactly one scheduler acts even if two are started."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import String, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db_setup import serialized_writes
from app.core.types import UTCDateTime
from app.extensions import db


class Lease(db.Model):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


def acquire(name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease `name` for `holder` until now + ttl. True if `holder` holds it.
    Atomic on both backends: one conditional UPDATE, or the INSERT of the first holder (the primary
    key refuses a second). Commits its own small transaction."""
    current = db.session.get(Lease, name, populate_existing=True)
    if current is not None and current.holder == holder and current.expires_at > now + ttl / 2:
        db.session.commit()   # held, and not yet due for renewal: no write at all
        return True
    # SQLite: the write lock from the transaction's start, waited for (a read-then-write transaction
    # would fail at once with "database is locked" when a request committed in between)
    with serialized_writes(db.session):
        renewed = db.session.execute(
            update(Lease).where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
            .values(holder=holder, expires_at=now + ttl).execution_options(synchronize_session=False))
        if renewed.rowcount:
            db.session.commit()
            return True
        if db.session.get(Lease, name) is not None:
            db.session.rollback()
            return False
        try:
            db.session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
            db.session.commit()
            return True
        except IntegrityError:
            db.session.rollback()
            return False


def release(name: str, holder: str) -> None:
    db.session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                       .values(expires_at=datetime(1970, 1, 1, tzinfo=timezone.utc)))
    db.session.commit()
