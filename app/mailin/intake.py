"""One message taken in its own transaction: the unit of work of the pipe and of the IMAP reader."""
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.core.uow import job_transaction
from app.mailin.operations import receive


def take(raw: bytes, *, source: str) -> str:
    """Take one message and commit; returns a line saying what it became. The same message taken
    at once by another reader (the unique Message-ID) is the other's."""
    try:
        with job_transaction():
            record = receive(raw, source=source)
            outcome = f"{record.status} {record.message_id}" + (f" ticket #{record.ticket_id}" if record.ticket_id else "")
    except IntegrityError:
        current_app.logger.info("inbound mail: taken by another reader at the same time")
        return "duplicate"
    return outcome
