"""E-mail notices: what to tell whom. Each notice is a row in the mail outbox, written in the
transaction of the change it tells about (`app.notifications.delivery` sends it after commit).

Ticket notices go to the ticket's requester: registered, an engineer's public reply, resolved.
Hours notices go to the company (its active contacts and its e-mail) and its account manager:
usable hours fell below the client's threshold, or a lot with minutes left expires soon.
The functions here subscribe to domain events (`app.core.events.subscribe`), so ticket and ledger
code does not know e-mail exists.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import bindparam, case, exists, func, select, update

from app.auth.models import User
from app.clients.models import Client
from app.contracts import operations as ledger_ops
from app.contracts.models import HourLot
from app.core.db_setup import READ_REQUEST
from app.core.events import publish, subscribe
from app.core.i18n import gettext, lazy_gettext
from app.core.types import utcnow
from app.core.uow import before_commit
from app.core.web import format_minutes
from app.extensions import db
from app.notifications.models import (
    NOTICE_CHANNELS,
    NOTICE_KINDS,
    MailAttachment,
    MailMessage,
    NoticeSetting,
    StaffNotice,
)
from app.tickets.models import Comment, Ticket


@dataclass(frozen=True)
class Recipient:
    email: str
    locale: str
    timezone: str
    #: staff get links to the staff pages, contacts to the portal
    staff: bool = False


#: starts with the marker app.mailin.message.REPLY_MARKER ("##- "), whatever the language
REPLY_LINE = lazy_gettext("##- Please type your reply above this line -##")


def queue_mail(recipient: Recipient, template: str, *, dedupe_key: str | None = None, attachments=(),
               **context) -> MailMessage | None:
    """Render `mail/<template>.txt` in the recipient's language and queue it. The template's first
    line is the subject. With `dedupe_key`, a message with that key queued before means: skip.
    `attachments`: (filename, content type, bytes), kept with the message as sent."""
    if dedupe_key is not None and db.session.scalar(select(exists().where(MailMessage.dedupe_key == dedupe_key))):
        return None
    with force_locale(recipient.locale):
        text = render_template(f"mail/{template}.txt", recipient=recipient, link=_link,
                               when=lambda value: _when(value, recipient), hm=format_minutes, **context)
    subject, _, body = text.strip().partition("\n")
    subject, body = subject.strip(), body.strip() + "\n"
    ticket = context.get("ticket")
    if ticket is not None:
        # the tag and (for contacts) the line above which a reply goes: replies by e-mail find the ticket
        tag = f"[#{ticket.id}]"
        if tag not in subject:   # "Ticket #12 resolved" → "Ticket [#12] resolved"
            subject = subject.replace(ticket.number, tag, 1) if ticket.number in subject else f"{tag} {subject}"
        if not recipient.staff:
            with force_locale(recipient.locale):
                body = f"{gettext(REPLY_LINE)}\n\n{body}"
    message = MailMessage(recipient=recipient.email, subject=subject[:255], body=body, dedupe_key=dedupe_key,
                          next_attempt_at=utcnow(), ticket_id=ticket.id if ticket is not None else None)
    message.attachments = [MailAttachment(filename=name, content_type=kind, content=content)
                           for name, kind, content in attachments]
    db.session.add(message)
    return message


def mail_password_link(user: User, raw_token: str, *, expires_at: datetime) -> MailMessage | None:
    """The one-time link an admin issued for `user` to set a new password."""
    recipient = Recipient(user.email, user.locale, current_app.config["HOURDESK_OFFICE_TIMEZONE"], staff=user.is_staff)
    return queue_mail(recipient, "password_link", user=user, token=raw_token, expires_at=expires_at)


def _link(endpoint: str, **values) -> str:
    """An absolute link for a message (no request here to take the host from)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["HOURDESK_BASE_URL"].rstrip("/") + path


def _when(value: datetime | None, recipient: Recipient) -> str:
    if value is None:
        return "—"
    return format_datetime(value, "d MMM y, HH:mm zzz", tzinfo=ZoneInfo(recipient.timezone), locale=recipient.locale)


def _contact(user: User | None) -> Recipient | None:
    if user is None or not user.active or not user.email:
        return None
    timezone = user.client.timezone if user.client is not None else current_app.config["HOURDESK_OFFICE_TIMEZONE"]
    return Recipient(user.email, user.locale, timezone, staff=user.is_staff)


def company_recipients(client: Client) -> list[Recipient]:
    """The company's active contacts and its general address, then its account manager; each
    address once."""
    found: dict[str, Recipient] = {}
    for user in client.contacts:
        if (r := _contact(user)) is not None:
            found.setdefault(r.email.lower(), r)
    if client.email:
        found.setdefault(client.email.lower(), Recipient(client.email, current_app.config["BABEL_DEFAULT_LOCALE"],
                                                         client.timezone))
    manager = _contact(client.account_manager)
    if manager is not None:
        found.setdefault(manager.email.lower(), manager)
    return list(found.values())


# --- ticket notices ------------------------------------------------------------------------------

def _requester(ticket: Ticket) -> Recipient | None:
    recipient = _contact(ticket.requester)
    return recipient if recipient is not None and not recipient.staff else None


def on_ticket_created(payload: dict) -> None:
    ticket = db.session.get(Ticket, payload["ticket_id"])
    if ticket is not None and (recipient := _requester(ticket)) is not None:
        queue_mail(recipient, "ticket_created", ticket=ticket)


def on_ticket_comment(payload: dict) -> None:
    if not payload.get("public"):
        return   # internal notes never leave the staff
    comment = db.session.get(Comment, payload["comment_id"])
    if comment is None or comment.author is None:
        return
    if not comment.author.is_staff:
        notify_staff(_responsible(comment.ticket), "client_replied", comment.ticket, actor=comment.author)
        return
    if (recipient := _requester(comment.ticket)) is not None:
        queue_mail(recipient, "ticket_reply", ticket=comment.ticket, comment=comment)


def on_ticket_updated(payload: dict) -> None:
    changed = payload.get("changed", ())
    if "status" not in changed and "assignee" not in changed:
        return
    ticket = db.session.get(Ticket, payload["ticket_id"])
    if ticket is None:
        return
    actor = db.session.get(User, payload["actor_id"]) if payload.get("actor_id") else None
    if "assignee" in changed:
        notify_staff(ticket.assignee, "assigned", ticket, actor=actor)
    if payload.get("reopened"):
        notify_staff(_responsible(ticket), "reopened", ticket, actor=actor)
    if payload.get("status") == "resolved" and "status" in changed and (recipient := _requester(ticket)) is not None:
        queue_mail(recipient, "ticket_resolved", ticket=ticket,
                   auto_close_days=current_app.config["HOURDESK_AUTO_CLOSE_DAYS"])


def on_sla_event(payload: dict) -> None:
    ticket = db.session.get(Ticket, payload["ticket_id"])
    if ticket is not None:
        notify_staff(_responsible(ticket), "sla_breach" if payload["kind"].endswith("breach") else "sla_warning",
                     ticket, detail=payload["kind"])


# --- staff notices -------------------------------------------------------------------------------

def _responsible(ticket: Ticket) -> User | None:
    """Who hears about a ticket: its assignee, else the client's account manager."""
    return ticket.assignee or (ticket.client.account_manager if ticket.client is not None else None)


def notice_enabled(user: User, kind: str, channel: str) -> bool:
    return db.session.scalar(select(NoticeSetting.enabled).where(
        NoticeSetting.user_id == user.id, NoticeSetting.kind == kind, NoticeSetting.channel == channel)) is not False


def notify_staff(user: User | None, kind: str, ticket: Ticket, *, actor: User | None = None,
                 detail: str | None = None) -> StaffNotice | None:
    """Tell a staff member about their ticket, on the channels they keep on: a notice under the
    bell (live, to their own room) and an e-mail. Nobody is told about what they did themselves."""
    if user is None or not user.active or not user.is_staff or (actor is not None and actor.id == user.id):
        return None
    notice = None
    if notice_enabled(user, kind, "app"):
        notice = StaffNotice(user_id=user.id, kind=kind, ticket_id=ticket.id, actor_name=actor.name if actor else None)
        db.session.add(notice)
        db.session.flush()
        publish("notice.created", {"user_id": user.id, "kind": kind, "ticket_id": ticket.id,
                                   "unread": unread_notices(user.id)}, [f"user:{user.id}"])
    if notice_enabled(user, kind, "email") and (recipient := _contact(user)) is not None:
        queue_mail(recipient, "staff_notice", kind=kind, ticket=ticket, actor=actor, detail=detail)
    return notice


def unread_notices(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(StaffNotice).where(
        StaffNotice.user_id == user_id, StaffNotice.read_at.is_(None)))


def mark_notices_read(user: User, *, ticket_id: int | None = None, notice_id: int | None = None) -> int:
    """Mark a person's unread notices read: all of them, those of one ticket, or one. Returns how many."""
    query = update(StaffNotice).where(StaffNotice.user_id == user.id, StaffNotice.read_at.is_(None))
    if ticket_id is not None:
        query = query.where(StaffNotice.ticket_id == ticket_id)
    if notice_id is not None:
        query = query.where(StaffNotice.id == notice_id)
    return db.session.execute(query.values(read_at=utcnow()), execution_options={"synchronize_session": False}).rowcount


@cache   # built once, on first use: every ticket page asks it
def _unread_with_ticket():
    return (select(func.count(), func.count(case((StaffNotice.ticket_id == bindparam("ticket_id"), 1))))
            .where(StaffNotice.user_id == bindparam("user_id"), StaffNotice.read_at.is_(None)))


def read_ticket_notices(user: User, ticket_id: int) -> int:
    """Mark the person's unread notices of a ticket they opened read. Returns how many stay unread
    (the bell's count), so the page need not count again; a ticket without news writes nothing."""
    if user.unread_notices_loaded == 0:   # none when this request read the log-in: no statement
        return 0
    total, of_ticket = db.session.execute(_unread_with_ticket(), {"user_id": user.id, "ticket_id": ticket_id}).one()
    if of_ticket:
        mark_notices_read(user, ticket_id=ticket_id)
    return total - of_ticket


def save_notice_settings(user: User, enabled: set[tuple[str, str]]) -> None:
    """A person's switches: `enabled` holds the (kind, channel) pairs they keep on; the rest are off."""
    for kind in NOTICE_KINDS:
        for channel in NOTICE_CHANNELS:
            row = db.session.get(NoticeSetting, (user.id, kind, channel))
            if row is None:
                row = NoticeSetting(user_id=user.id, kind=kind, channel=channel)
                db.session.add(row)
            row.enabled = (kind, channel) in enabled
    db.session.flush()


# --- hours notices -------------------------------------------------------------------------------

class _LowBalanceCheck:
    """The transaction's one low-balance check, over every client whose balance it changed."""

    def __init__(self):
        self.client_ids: set[int] = set()

    def __call__(self) -> None:
        check_low_balances(self.client_ids, utcnow())


def on_balance_changed(payload: dict) -> None:
    # decide on the balance the whole transaction leaves, not the one after its first entry
    check = before_commit(db.session, _LowBalanceCheck(), key="low-balance")
    check.client_ids.add(payload["client_id"])


def check_low_balances(client_ids, now: datetime) -> dict[int, MailMessage]:
    """Tell each company and its account manager once when usable hours fall below the client's
    threshold; re-arm when they are above it again (a top-up, a reversal, a new contract). Returns
    the first notice queued per client told."""
    told = {}
    for client_id, summary in ledger_ops.summaries_in_transaction(client_ids, now).items():
        client = summary.client
        if client is None or summary.contract is None:
            continue
        if summary.available_minutes >= summary.threshold_minutes:
            client.low_balance_alerted_at = None
            continue
        if client.low_balance_alerted_at is not None:
            continue
        client.low_balance_alerted_at = now
        for recipient in company_recipients(client):
            if (message := queue_mail(recipient, "low_balance", client=client, summary=summary)) is not None:
                told.setdefault(client_id, message)
    return told


def notify_expiring_lots(now: datetime) -> int:
    """Queue one notice per lot and address for lots with minutes left that expire within
    HOURDESK_EXPIRY_NOTICE_DAYS. Safe to run any number of times: each notice goes out once."""
    horizon = now + timedelta(days=current_app.config["HOURDESK_EXPIRY_NOTICE_DAYS"])
    lots = db.session.scalars(select(HourLot).where(HourLot.expires_at > now, HourLot.expires_at <= horizon,
                                                    HourLot.remaining_minutes > 0).order_by(HourLot.id))
    queued = 0
    for lot in lots:
        client = db.session.get(Client, lot.client_id)
        for recipient in company_recipients(client):
            if queue_mail(recipient, "hours_expiring", dedupe_key=f"lot-expiry:{lot.id}:{recipient.email.lower()}",
                          client=client, lot=lot):
                queued += 1
    return queued


def _bell_count() -> int:
    if "unread_notices" in g:   # a page that has just counted them says so
        return g.unread_notices
    # a page that changes nothing shows the count read with the log-in; one that wrote counts again
    if g.get(READ_REQUEST) and current_user.unread_notices_loaded is not None:
        return current_user.unread_notices_loaded
    return unread_notices(current_user.id)


def init_app(app) -> None:
    @app.context_processor
    def _bell():
        # a function: the count is read only by pages that draw the bell (staff pages)
        return {"unread_notices": _bell_count}

    subscribe("ticket.created", on_ticket_created)
    subscribe("ticket.comment", on_ticket_comment)
    subscribe("ticket.updated", on_ticket_updated)
    subscribe("balance.changed", on_balance_changed)
    subscribe("sla.warning", on_sla_event)
    subscribe("sla.breached", on_sla_event)
