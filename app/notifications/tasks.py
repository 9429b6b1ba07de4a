"""The e-mail side's scheduled jobs (registered with their schedules in `app.scheduler`)."""
from app.core.types import utcnow
from app.core.uow import job_transaction
from app.notifications.delivery import deliver_due
from app.notifications.operations import notify_expiring_lots


def mail_job(holder: str = "scheduler") -> int:
    """Send the queued e-mail that is due (its own short transactions: none stays open while the
    mail server is being talked to)."""
    return deliver_due(holder=holder).sent


def expiry_notices_job() -> int:
    """Tell clients about hours that expire soon (each lot and address once)."""
    with job_transaction():
        return notify_expiring_lots(utcnow())
