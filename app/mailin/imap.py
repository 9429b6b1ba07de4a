"""Reading the support mailbox over IMAP (imap-tools), for the scheduler's `mail_in` job and
`flask mail fetch`.

Each message is taken in its own transaction and moved to HOURDESK_IMAP_DONE_FOLDER only after that
commits. A reader killed between the two leaves the message in the inbox, and the next reading
finds its Message-ID recorded: it is moved, not taken twice. Two readers at once are kept apart by a
lease, and by the unique Message-ID if a lease lapses. A message the desk cannot take because of a
bug is moved to HOURDESK_IMAP_FAILED_FOLDER (kept, never lost) and logged; a database outage stops
the round and leaves the rest where it is. Where the server offers IDLE, the job waits on it for new
mail until its next run, so mail is taken as it arrives; elsewhere it polls.
"""
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from sqlalchemy.exc import OperationalError

from app.core import lease
from app.core.types import utcnow
from app.mailin.intake import take

LEASE_NAME = "mail-in"


@dataclass
class FetchReport:
    taken: int = 0
    failed: int = 0
    #: the server offered IDLE (the job waited on it instead of only polling)
    idle: bool = False


def _connect():
    cfg = current_app.config
    security = cfg["HOURDESK_IMAP_SECURITY"]
    kind = MailBox if security == "ssl" else MailBoxStartTls if security == "starttls" else MailBoxUnencrypted
    box = kind(cfg["HOURDESK_IMAP_HOST"], cfg["HOURDESK_IMAP_PORT"], timeout=cfg["HOURDESK_IMAP_TIMEOUT"])
    return box.login(cfg["HOURDESK_IMAP_USER"], cfg["HOURDESK_IMAP_PASSWORD"], initial_folder=cfg["HOURDESK_IMAP_FOLDER"])


def _ensure_folder(box, name: str) -> None:
    if not box.folder.exists(name):
        box.folder.create(name)


def _move(box, uid: str, folder: str) -> None:
    box.move(uid, folder)


def fetch_mail(*, holder: str = "mail-in", limit: int = 500, idle_seconds: float = 0) -> FetchReport:
    """Take what is in the mailbox (at most `limit` messages per round); then, for `idle_seconds`,
    wait on IDLE for more and take it as it comes. Without HOURDESK_IMAP_HOST: nothing."""
    report = FetchReport()
    cfg = current_app.config
    if not cfg["HOURDESK_IMAP_HOST"]:
        return report
    ttl = timedelta(seconds=max(idle_seconds, 0) + 600)
    if not lease.acquire(LEASE_NAME, holder, utcnow(), ttl):
        return report
    try:
        with _connect() as box:
            done, failed = cfg["HOURDESK_IMAP_DONE_FOLDER"], cfg["HOURDESK_IMAP_FAILED_FOLDER"]
            _ensure_folder(box, done)
            _ensure_folder(box, failed)
            deadline = time.monotonic() + idle_seconds
            report.idle = "IDLE" in box.client.capabilities
            while True:
                if not _round(box, done, failed, limit, report):
                    break
                left = deadline - time.monotonic()
                if left <= 0 or not report.idle:
                    break
                lease.acquire(LEASE_NAME, holder, utcnow(), ttl)   # still ours while we wait
                box.idle.wait(timeout=min(left, 29 * 60))        # RFC 2177: re-issue IDLE within 29 minutes
    finally:
        lease.release(LEASE_NAME, holder)
    return report


def _round(box, done: str, failed: str, limit: int, report: FetchReport) -> bool:
    """Take the messages now in the folder; False when the database is out of reach (stop)."""
    for uid in box.uids("ALL")[:limit]:
        messages = list(box.fetch(uid_list=[uid], mark_seen=False))
        if not messages:
            continue   # removed meanwhile by someone else
        raw = messages[0].obj.as_bytes()
        try:
            take(raw, source="imap")
        except OperationalError:
            current_app.logger.warning("inbound mail: the database is out of reach; the rest waits")
            return False
        except Exception:
            current_app.logger.exception("inbound mail: a message could not be taken; moved to %s", failed)
            _move(box, uid, failed)
            report.failed += 1
            continue
        _move(box, uid, done)   # after the commit: a crash before this leaves it to be found again
        report.taken += 1
    return True
