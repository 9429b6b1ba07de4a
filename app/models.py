"""Imports every model so that `db.metadata` (and Alembic) know all tables."""
from app.audit.models import AuditEntry  # noqa: F401
from app.auth.models import ApiToken, PasswordResetLink, User, UserSession  # noqa: F401
from app.billing.models import (  # noqa: F401
    Act,
    ActLine,
    BankStatement,
    BillingEvent,
    BillingProfile,
    ClientBilling,
    DocumentNumber,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)
from app.clients.models import Client  # noqa: F401
from app.contracts.models import ClientBalance, Contract, HourLot, LedgerEntry, Service, SpecLine, TicketClose  # noqa: F401
from app.core.events import OutboxEvent  # noqa: F401
from app.core.lease import Lease  # noqa: F401
from app.mailin.models import InboundMail  # noqa: F401
from app.notifications.models import MailAttachment, MailMessage  # noqa: F401
from app.replies.models import CannedReply  # noqa: F401
from app.search.models import TicketSearch  # noqa: F401
from app.sla.models import BusinessCalendar, SlaPolicy, SlaTarget, TicketPause  # noqa: F401
from app.tickets.models import Attachment, Comment, Ticket, TicketChange, TicketRating, TicketSlaEvent  # noqa: F401
from app.webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: F401
