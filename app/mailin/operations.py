"""What an incoming e-mail becomes, and the staff's decisions on the ones left to them.

`receive` decides, in the caller's transaction (a job's or `flask mail receive`'s):
- the same Message-ID again → nothing (the first outcome stands);
- an auto-reply, bounce or bulk mail → recorded as ignored: no ticket, no notice, no loop;
- a reply to one of our notices (its Message-ID in In-Reply-To/References) or naming a ticket in
  the subject (`[#123]`) → a public comment by the sender, if the sender is a contact of that
  ticket's company (anyone else's mail never lands on it: triage); a reply to a ticket closed within
  the client reopen window reopens it, a later one starts a new ticket that follows it up;
- from a known contact → a ticket of its company (channel `email`);
- from an unknown sender at one of a client's registered mail domains → a ticket of that client,
  the sender proposed as a new contact;
- anything else, or a sender over the limit of new tickets per hour → the triage list.
Files go through the ticket attachment rules; those refused are named in the text. The original
message is kept as a file (`message.eml`) next to what it created.
"""
import io
import secrets
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser

from flask import current_app
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.operations import create_user
from app.clients.models import Client
from app.core.errors import Conflict, DomainError, ValidationFailed
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.extensions import db
from app.mailin.message import Incoming, message_key, parse, reply_text
from app.mailin.models import InboundMail
from app.tickets import attachments as attachment_store
from app.tickets.models import Comment, Ticket
from app.tickets.operations import add_attachments, add_comment, client_may_reopen, create_ticket, set_status

_SUBJECT_FALLBACK = "(no subject)"


def receive(raw: bytes, *, source: str, now: datetime | None = None) -> InboundMail:
    """Decide what `raw` (one message as received) becomes; see the module's docstring. Returns its
    record (the earlier one when the message was seen before). Flushes, never commits."""
    now = now or utcnow()
    limit = current_app.config["HOURDESK_MAIL_IN_MAX_BYTES"]
    if len(raw) > limit:
        return _too_large(raw, source, now, limit)
    incoming = parse(raw)
    seen = db.session.scalar(select(InboundMail).where(InboundMail.message_id == incoming.message_id))
    if seen is not None:
        return seen
    record = InboundMail(message_id=incoming.message_id, source=source, received_at=now,
                         from_addr=incoming.from_addr, from_name=incoming.from_name, subject=incoming.subject,
                         size_bytes=len(raw), text=incoming.text[:20000], status="triage")
    db.session.add(record)
    if incoming.noise:
        record.status, record.detail = "ignored", incoming.noise
        db.session.flush()
        return record
    sender = _contact(incoming.from_addr)
    target = _thread(incoming)
    if target is not None:
        if sender is not None and sender.client_id == target.client_id:
            _reply(record, incoming, raw, sender, target, now)
            return record
        _to_triage(record, raw, _("A reply on ticket %(n)s from someone who is not a contact of its company.",
                                  n=target.number))
        return record
    if sender is not None:
        return _new_ticket(record, incoming, raw, sender.client, sender, now)
    client = _client_by_domain(incoming.domain)
    if client is not None:
        record.proposed_contact = True
        return _new_ticket(record, incoming, raw, client, None, now)
    _to_triage(record, raw, _("The sender is not a contact of any client."))
    return record


def _too_large(raw: bytes, source: str, now: datetime, limit: int) -> InboundMail:
    """Record the refusal from the headers alone (the body is never parsed)."""
    headers = BytesHeaderParser().parsebytes(raw[:65536])
    message_id = message_key(str(headers.get("Message-ID", "")), raw)
    seen = db.session.scalar(select(InboundMail).where(InboundMail.message_id == message_id))
    if seen is not None:
        return seen
    record = InboundMail(message_id=message_id, source=source, received_at=now, size_bytes=len(raw),
                         from_addr=str(headers.get("From", ""))[:254], subject=str(headers.get("Subject", ""))[:255],
                         status="refused",
                         detail=_("The message is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    db.session.add(record)
    db.session.flush()
    return record


def _contact(address: str) -> User | None:
    if not address:
        return None
    user = db.session.scalar(select(User).where(func.lower(User.email) == address))
    return user if user is not None and user.active and user.role == "client" and user.client_id else None


def _thread(incoming: Incoming) -> Ticket | None:
    ticket_id = incoming.referenced_ticket or incoming.ticket_tag
    return db.session.get(Ticket, ticket_id) if ticket_id else None


def _client_by_domain(domain: str) -> Client | None:
    if not domain:
        return None
    for client in db.session.scalars(select(Client).where(Client.active.is_(True),
                                                          Client.mail_domains.contains(domain))):
        if domain in (client.mail_domains or "").split():
            return client
    return None


def _to_triage(record: InboundMail, raw: bytes, why: str) -> None:
    record.status, record.detail, record.raw = "triage", why, raw
    db.session.flush()


def _files(incoming: Incoming, raw: bytes) -> tuple[list[tuple[str, io.BytesIO]], list[str]]:
    """The message's files the attachment rules take (and the original as `message.eml`), and a
    line for each one refused."""
    limit = current_app.config["HOURDESK_ATTACHMENT_MAX_BYTES"]
    kept, refused = [], []
    for attachment in incoming.attachments:
        try:
            attachment_store.check_name(attachment.filename)
        except ValidationFailed:
            refused.append(_("%(name)s (this type of file is not accepted)", name=attachment.filename))
            continue
        if len(attachment.content) > limit:
            refused.append(_("%(name)s (larger than %(mb)d MB)", name=attachment.filename, mb=limit // (1024 * 1024)))
        elif not attachment.content:
            refused.append(_("%(name)s (empty)", name=attachment.filename))
        else:
            kept.append((attachment.filename, io.BytesIO(attachment.content)))
    if len(raw) <= limit:
        kept.append(("message.eml", io.BytesIO(raw)))
    return kept, refused


def _attach(ticket: Ticket, actor: User | None, files, comment: Comment | None, refused: list[str]) -> None:
    """One file at a time: a file whose content the rules refuse is named, the others are kept."""
    per_upload = current_app.config["HOURDESK_ATTACHMENTS_PER_UPLOAD"]
    for index, (name, stream) in enumerate(files):
        if index >= per_upload * 4:
            refused.append(_("%(name)s (too many files in one message)", name=name))
            continue
        try:
            add_attachments(ticket, actor, [(name, stream)], comment=comment)
        except ValidationFailed as exc:
            refused.append(f"{name} ({exc.message})" if name != "message.eml" else _("the original message"))


def _with_refusals(text: str, refused: list[str]) -> str:
    if not refused:
        return text
    return text + "\n\n" + _("Files not kept: %(files)s.", files="; ".join(refused))


def _new_ticket(record: InboundMail, incoming: Incoming, raw: bytes, client: Client, sender: User | None,
                now: datetime) -> InboundMail:
    per_hour = current_app.config["HOURDESK_MAIL_IN_TICKETS_PER_HOUR"]
    recent = db.session.scalar(select(func.count()).select_from(InboundMail).where(
        InboundMail.from_addr == incoming.from_addr, InboundMail.status == "ticket",
        InboundMail.received_at > now - timedelta(hours=1)))
    record.client_id = client.id
    if recent >= per_hour:
        _to_triage(record, raw, _("More than %(n)d new tickets from this sender within an hour.", n=per_hour))
        return record
    files, refused = _files(incoming, raw)
    text = incoming.text or _("(the message has no text)")
    if incoming.html_only:
        text += "\n\n" + _("(written in HTML; shown as text)")
    try:
        # create_ticket checks everything before it writes, so a refusal leaves nothing behind
        ticket = create_ticket(sender, client, subject=incoming.subject or _(_SUBJECT_FALLBACK),
                               description=_with_refusals(text, refused)[:20000], channel="email", requester=sender)
    except DomainError as exc:   # the desk refused it (a client switched off meanwhile…): a person decides
        _to_triage(record, raw, exc.message)
        return record
    kept_refusals: list[str] = []
    _attach(ticket, sender, files, None, kept_refusals)
    if kept_refusals:
        ticket.description = _with_refusals(ticket.description, kept_refusals)[:20000]
    record.status, record.ticket_id = "ticket", ticket.id
    record.detail = "; ".join(refused + kept_refusals) or None
    db.session.flush()
    return record


def _reply(record: InboundMail, incoming: Incoming, raw: bytes, sender: User, ticket: Ticket, now: datetime) -> None:
    text = reply_text(incoming.text) or _("(the message has no text)")
    files, refused = _files(incoming, raw)
    if ticket.status in ("closed", "cancelled") and not (ticket.status == "closed" and client_may_reopen(ticket, now)):
        # too late to reopen: a new ticket that follows the old one up
        record.client_id = ticket.client_id
        follow = create_ticket(sender, ticket.client, subject=incoming.subject or ticket.subject,
                               description=_with_refusals(text, refused)[:20000], channel="email", requester=sender,
                               follow_up_of=ticket)
        _attach(follow, sender, files, None, refused)
        record.status, record.ticket_id = "ticket", follow.id
        record.detail = _("A reply on %(n)s, closed too long ago to reopen.", n=ticket.number)
        db.session.flush()
        return
    if ticket.status == "closed":
        set_status(ticket, sender, "in_progress", reason=_("Reopened by the client's e-mail reply"), now=now)
    comment = add_comment(ticket, sender, _with_refusals(text, refused)[:20000], public=True)
    later: list[str] = []
    _attach(ticket, sender, files, comment, later)
    if later:
        comment.body = _with_refusals(comment.body, later)
    record.status, record.ticket_id, record.comment_id, record.client_id = "comment", ticket.id, comment.id, ticket.client_id
    record.detail = "; ".join(refused + later) or None
    db.session.flush()


# --- the staff's decisions -------------------------------------------------------------------------

def _waiting(record: InboundMail) -> None:
    if record.status != "triage":
        raise Conflict(_("This message has been dealt with already."), code="not_in_triage", field=None)


def assign(record: InboundMail, client: Client, *, actor: User, add_contact: bool) -> Ticket:
    """Make a ticket of a message in triage for `client`; with `add_contact`, its sender becomes a
    contact of that client first (and the ticket's requester)."""
    _waiting(record)
    if client is None or not client.active:
        raise ValidationFailed(_("Choose an active client."), code="invalid_client", field="client_inn")
    incoming = parse(record.raw or b"")
    requester = _add_contact(client, incoming.from_addr, incoming.from_name) if add_contact else None
    files, refused = _files(incoming, record.raw or b"")
    ticket = create_ticket(actor, client, subject=incoming.subject or _(_SUBJECT_FALLBACK),
                           description=_with_refusals(incoming.text or _("(the message has no text)"), refused)[:20000],
                           channel="email", requester=requester)
    _attach(ticket, actor, files, None, refused)
    record.status, record.ticket_id, record.client_id = "ticket", ticket.id, client.id
    record.decided_by_id, record.decided_at, record.raw = actor.id, utcnow(), None
    db.session.flush()
    return ticket


def discard(record: InboundMail, *, actor: User, reason: str) -> None:
    """Throw a message in triage away, with a reason (kept in the record; the message is not)."""
    _waiting(record)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the message is thrown away."), code="reason_required", field="reason")
    record.status, record.detail = "discarded", reason[:2000]
    record.decided_by_id, record.decided_at, record.raw = actor.id, utcnow(), None
    db.session.flush()


def accept_proposed_contact(record: InboundMail, *, actor: User) -> User:
    """The sender of a ticket made from a client's mail domain becomes a contact of that client and
    the ticket's requester."""
    if not record.proposed_contact or record.ticket_id is None:
        raise Conflict(_("This message proposes no contact."), code="no_proposal", field=None)
    ticket = db.session.get(Ticket, record.ticket_id)
    contact = _add_contact(ticket.client, record.from_addr, record.from_name)
    ticket.requester = contact
    record.proposed_contact, record.decided_by_id, record.decided_at = False, actor.id, utcnow()
    db.session.flush()
    return contact


def _add_contact(client: Client, address: str, name: str) -> User:
    existing = db.session.scalar(select(User).where(func.lower(User.email) == address))
    if existing is not None:
        if existing.role == "client" and existing.client_id == client.id:
            return existing
        raise Conflict(_("%(email)s is a user already (of another company or staff).", email=address),
                       code="duplicate_email", field="add_contact")
    # a random password: the contact sets their own through "forgot password" or an admin's link
    return create_user(address, role="client", password=secrets.token_urlsafe(24), name=name or address,
                       client=client)
