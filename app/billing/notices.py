"""What billing tells clients by e-mail (through the mail outbox, committed with the change):
an issued invoice with its PDF, reminders before a period ends, hours granted on payment, an act."""
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from app.billing import documents
from app.billing.models import Act, BillingProfile, ClientBilling, Invoice
from app.clients.models import Client
from app.extensions import db
from app.notifications.models import MailMessage
from app.notifications.operations import Recipient, company_recipients, queue_mail


def _profile() -> BillingProfile:
    return db.session.get(BillingProfile, 1)


def _details(client: Client) -> ClientBilling:
    return db.session.get(ClientBilling, client.id) or ClientBilling(client_id=client.id)


def billing_recipients(client: Client) -> list[Recipient]:
    """Where documents go: the client's billing addresses if it gave any, else the company's
    contacts and address; its account manager gets a copy."""
    details = _details(client)
    found = {e.lower(): Recipient(e, current_app.config["BABEL_DEFAULT_LOCALE"], client.timezone)
             for e in details.email_list}
    for recipient in company_recipients(client):
        if recipient.staff or not details.email_list:
            found.setdefault(recipient.email.lower(), recipient)
    return list(found.values())


def invoice_attachment(invoice: Invoice) -> tuple[str, str, bytes]:
    client = db.session.get(Client, invoice.client_id)
    return (f"{invoice.number}.pdf", "application/pdf",
            documents.invoice_pdf(invoice, _profile(), _details(client)))


def _send_document(client: Client, template: str, key: str, attachment: Callable[[], tuple], **context) -> int:
    """A document by e-mail to the client's billing recipients, each address once per `key`. The
    PDF is rendered only if somebody is still to get it (the hourly run asks again and again)."""
    due = [(r, f"{key}:{r.email.lower()}") for r in billing_recipients(client)]
    queued = set(db.session.scalars(select(MailMessage.dedupe_key).where(MailMessage.dedupe_key.in_([k for _r, k in due]))))
    due = [(r, k) for r, k in due if k not in queued]
    if not due:
        return 0
    document = attachment()
    for recipient, dedupe_key in due:
        queue_mail(recipient, template, dedupe_key=dedupe_key, attachments=[document], client=client, **context)
    return len(due)


def invoice_issued(invoice: Invoice) -> None:
    _send_document(db.session.get(Client, invoice.client_id), "invoice_issued", f"invoice:{invoice.id}:issued",
                   lambda: invoice_attachment(invoice), invoice=invoice)


def invoice_reminder(invoice: Invoice, days: int) -> int:
    """Once per invoice, number of days and address; nothing for a paid or cancelled invoice."""
    if invoice.status not in ("issued", "partially_paid"):
        return 0
    return _send_document(db.session.get(Client, invoice.client_id), "invoice_reminder",
                          f"invoice:{invoice.id}:reminder:{days}", lambda: invoice_attachment(invoice),
                          invoice=invoice, days=days)


def hours_granted(invoice: Invoice) -> None:
    client = db.session.get(Client, invoice.client_id)
    for recipient in company_recipients(client):
        # a grant taken back and given again is told again: the key has the grant's instant
        queue_mail(recipient, "hours_granted", dedupe_key=f"invoice:{invoice.id}:granted:{recipient.email.lower()}"
                   f":{invoice.granted_at:%Y%m%d%H%M%S%f}", invoice=invoice, client=client)


def act_attachment(act: Act) -> tuple[str, str, bytes]:
    client = db.session.get(Client, act.client_id)
    return f"{act.number}.pdf", "application/pdf", documents.act_pdf(act, _profile(), _details(client))


def act_sent(act: Act) -> None:
    _send_document(db.session.get(Client, act.client_id), "act_sent", f"act:{act.id}:sent",
                   lambda: act_attachment(act), act=act)
