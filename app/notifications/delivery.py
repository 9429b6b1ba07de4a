"""Sending the mail outbox over SMTP, after commit, with retries.

One sender at a time (a lease), so a message is sent once even if the scheduler and
`flask mail send` run together. A message is marked sent right after the server accepted it; a
temporary failure (connection refused, 4xx) schedules a retry with a growing delay; a permanent
refusal (5xx for the recipient) or too many attempts marks it failed, for an admin to look at.
"""
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.core import lease
from app.core.db_setup import serialized_writes
from app.core.errors import Conflict
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.extensions import db
from app.notifications.models import MailMessage

LEASE_NAME = "mail-delivery"


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the 1st, 2nd, 3rd … failed attempt, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    host, port, timeout = cfg["HOURDESK_SMTP_HOST"], cfg["HOURDESK_SMTP_PORT"], cfg["HOURDESK_SMTP_TIMEOUT"]
    if cfg["HOURDESK_SMTP_SECURITY"] == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if cfg["HOURDESK_SMTP_SECURITY"] == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if cfg["HOURDESK_SMTP_USER"]:
        smtp.login(cfg["HOURDESK_SMTP_USER"], cfg["HOURDESK_SMTP_PASSWORD"])
    return smtp


def _email(message: MailMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["HOURDESK_MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    # stable per outbox row: a receiving system can tell a re-sent copy from a new message
    domain = parseaddr(current_app.config["HOURDESK_MAIL_FROM"])[1].rpartition("@")[2] or "hourdesk.localhost"
    if message.ticket_id is not None:
        # names the ticket (app.mailin finds it in a reply's In-Reply-To/References); all of a
        # ticket's messages refer to one root, so mail programs show them as one conversation
        email["Message-ID"] = f"<hourdesk.t{message.ticket_id}.m{message.id}@{domain}>"
        email["In-Reply-To"] = email["References"] = f"<hourdesk.t{message.ticket_id}.m0@{domain}>"
    else:
        email["Message-ID"] = make_msgid(idstring=f"hourdesk-mail-{message.id}", domain=domain)
    # RFC 3834: our notices are automatic, so auto-responders do not answer them (no mail loops)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    for attachment in message.attachments:
        maintype, _slash, subtype = attachment.content_type.partition("/")
        email.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return email


def _permanent(exc: Exception) -> bool:
    """The server refused this message for good (5xx), as opposed to "try later" (4xx, network)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return exc.smtp_code >= 500
    return False


def _record(message_id: int, *, sent_at: datetime | None = None, error: str | None = None,
            permanent: bool = False, now: datetime) -> str:
    with serialized_writes(db.session):
        message = db.session.get(MailMessage, message_id, populate_existing=True)
        message.attempts += 1
        if sent_at is not None:
            message.status, message.sent_at, message.last_error = "sent", sent_at, None
        else:
            message.last_error = (error or "")[:2000]
            if permanent or message.attempts >= current_app.config["HOURDESK_MAIL_MAX_ATTEMPTS"]:
                message.status = "failed"
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
        status = message.status
        db.session.commit()
    return status


def deliver_due(now: datetime | None = None, *, limit: int = 500, holder: str = "mail") -> DeliveryReport:
    """Send pending messages that are due, oldest first. Returns what happened to them."""
    report = DeliveryReport()
    if not current_app.config["HOURDESK_SMTP_HOST"]:
        return report   # no mail server configured: the outbox keeps everything
    now = now or utcnow()
    if not lease.acquire(LEASE_NAME, holder, now, timedelta(minutes=5)):
        return report
    try:
        due = list(db.session.scalars(
            select(MailMessage.id).where(MailMessage.status == "pending", MailMessage.next_attempt_at <= now)
            .order_by(MailMessage.next_attempt_at, MailMessage.id).limit(limit)))
        db.session.commit()   # no transaction stays open while we talk to the mail server
        smtp = None
        try:
            for message_id in due:
                message = db.session.get(MailMessage, message_id)
                email = _email(message)
                db.session.commit()
                try:
                    if smtp is None:
                        smtp = _connect()
                    smtp.send_message(email)
                except (OSError, smtplib.SMTPException) as exc:
                    status = _record(message_id, error=f"{type(exc).__name__}: {exc}", permanent=_permanent(exc),
                                     now=now)
                    if status == "failed":
                        report.failed += 1
                    else:
                        report.retrying += 1
                    if not _permanent(exc):
                        # the server is down or unwell: the rest waits for the next round
                        _close(smtp)
                        smtp = None
                        break
                    continue
                _record(message_id, sent_at=utcnow(), now=now)
                report.sent += 1
        finally:
            _close(smtp)
    finally:
        lease.release(LEASE_NAME, holder)
    return report


def _close(smtp) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def retry_failed(message: MailMessage) -> None:
    """An admin's decision to try a failed message again (from now, attempts kept for the record)."""
    if message.status != "failed":
        raise Conflict(_("Only a failed message can be retried."), code="not_failed", field="status")
    message.status = "pending"
    message.next_attempt_at = utcnow()
    db.session.flush()


mail_cli = click.Group("mail", help="The e-mail outbox.")


@mail_cli.command("send")
@with_appcontext
def send_command():
    """Send what is due now (the scheduler does this every HOURDESK_MAIL_TICK_SECONDS)."""
    if not current_app.config["HOURDESK_SMTP_HOST"]:
        raise click.ClickException("HOURDESK_SMTP_HOST is not set: nothing can be sent.")
    report = deliver_due(holder="cli")
    click.echo(f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}")
