"""Every route × every role, anonymous included, with the status each must get.

The table must name every route the app serves: a new route without a row fails
`test_table_covers_every_route`, so nobody adds a page without deciding who may see it.
"""
import io
from datetime import date

import pytest

from app.auth.operations import issue_token
from app.billing.models import Payment
from app.billing.operations import LineInput, create_act, create_invoice, import_statement, save_profile, send_act
from app.contracts.models import TicketClose
from app.contracts.operations import create_contract, save_service
from app.mailin.models import InboundMail
from app.notifications.models import MailMessage, StaffNotice
from app.replies.models import CannedReply
from app.sla.operations import create_calendar, create_policy
from app.tickets.operations import add_attachments, add_line, set_status
from app.webhooks.models import WebhookDelivery
from app.webhooks.operations import save_endpoint
from tests.billing_files import BILLING_PROFILE, Doc, one_c

ROLES = ("anon", "client", "engineer", "manager", "admin")


def row(anon, client, engineer, manager=None, admin=None):
    manager = engineer if manager is None else manager
    admin = manager if admin is None else admin
    return dict(zip(ROLES, (anon, client, engineer, manager, admin), strict=True))


STAFF_PAGE = row(302, 403, 200)
MANAGER_FORM_EMPTY = row(302, 403, 403, 422)  # managers and admins only
STAFF_FORM_EMPTY = row(302, 403, 422)       # an empty POST: validation error, nothing written
MANAGER_PAGE = row(302, 403, 403, 200)

# (method, rule) → expected status per role. {client}, {ticket}, {token}, {user} are filled in.
TABLE = {
    ("GET", "/"): row(302, 302, 200),
    ("GET", "/login"): row(200, 302, 302),
    ("POST", "/login"): row(200, 302, 302),
    ("POST", "/logout"): row(302, 302, 302),
    ("GET", "/lang/<code>"): row(302, 302, 302),
    ("GET", "/account/tokens"): row(302, 200, 200),
    ("POST", "/account/tokens"): row(302, 422, 422),
    ("POST", "/account/tokens/<int:token_id>/revoke"): row(302, 404, 404),   # someone else's token
    ("GET", "/admin/users"): row(302, 403, 403, 403, 200),
    ("POST", "/admin/users"): row(302, 403, 403, 403, 422),
    ("POST", "/admin/users/<int:user_id>/active"): row(302, 403, 403, 403, 302),
    ("GET", "/admin/users/<int:user_id>"): row(302, 403, 403, 403, 200),
    # an empty POST leaves the user's own values in the form (WTForms), so it saves unchanged
    ("POST", "/admin/users/<int:user_id>"): row(302, 403, 403, 403, 302),
    ("POST", "/admin/users/<int:user_id>/password-link"): row(302, 403, 403, 403, 200),   # the link, shown once
    ("POST", "/admin/users/<int:user_id>/unlock"): row(302, 403, 403, 403, 302),
    ("POST", "/admin/users/<int:user_id>/tokens/<int:token_id>/revoke"): row(302, 403, 403, 403, 302),
    ("GET", "/password/<token>"): row(410, 410, 410),          # an unknown link: expired or used
    ("POST", "/password/<token>"): row(410, 410, 410),
    ("GET", "/admin/audit/"): MANAGER_PAGE,
    ("GET", "/admin/mail/<int:message_id>"): row(302, 403, 403, 403, 200),
    ("POST", "/tickets/new/register-client"): row(302, 403, 302),
    ("GET", "/contracts/<int:contract_id>"): STAFF_PAGE,
    ("POST", "/contracts/<int:contract_id>/terms"): MANAGER_FORM_EMPTY,
    ("POST", "/contracts/<int:contract_id>/terminate"): MANAGER_FORM_EMPTY,
    ("GET", "/replies/"): STAFF_PAGE,
    ("POST", "/replies/"): STAFF_FORM_EMPTY,
    ("GET", "/replies/<int:reply_id>"): STAFF_PAGE,
    # a staff-wide reply: the managers' (an empty POST keeps its own values, so it saves unchanged)
    ("POST", "/replies/<int:reply_id>"): row(302, 403, 403, 302),
    ("POST", "/replies/<int:reply_id>/delete"): row(302, 403, 403, 302),
    ("GET", "/sla/calendars/<int:calendar_id>"): MANAGER_PAGE,
    ("POST", "/sla/calendars/<int:calendar_id>"): MANAGER_FORM_EMPTY,
    ("GET", "/sla/policies/<int:policy_id>"): MANAGER_PAGE,
    ("POST", "/sla/policies/<int:policy_id>"): MANAGER_FORM_EMPTY,
    ("GET", "/clients/"): STAFF_PAGE,
    ("GET", "/clients/new"): STAFF_PAGE,
    ("POST", "/clients/new"): STAFF_FORM_EMPTY,
    ("GET", "/clients/<int:client_id>"): STAFF_PAGE,
    ("GET", "/clients/<int:client_id>/edit"): STAFF_PAGE,
    ("POST", "/clients/<int:client_id>/edit"): STAFF_FORM_EMPTY,
    ("POST", "/clients/<int:client_id>/contacts"): STAFF_FORM_EMPTY,
    ("GET", "/clients/picker"): STAFF_PAGE,
    ("GET", "/tickets/"): STAFF_PAGE,
    ("GET", "/tickets/new"): STAFF_PAGE,
    ("POST", "/tickets/new"): STAFF_FORM_EMPTY,
    ("GET", "/tickets/new/client/<int:client_id>"): STAFF_PAGE,
    ("GET", "/tickets/<int:ticket_id>"): STAFF_PAGE,
    ("POST", "/tickets/<int:ticket_id>/edit"): STAFF_FORM_EMPTY,
    ("POST", "/tickets/<int:ticket_id>/status"): STAFF_FORM_EMPTY,
    ("POST", "/tickets/<int:ticket_id>/comments"): STAFF_FORM_EMPTY,
    ("POST", "/tickets/<int:ticket_id>/take"): row(302, 403, 302),
    ("GET", "/tickets/<int:ticket_id>/close"): STAFF_PAGE,
    ("POST", "/tickets/<int:ticket_id>/close"): row(302, 403, 302),
    ("POST", "/tickets/<int:ticket_id>/lines"): STAFF_FORM_EMPTY,
    ("POST", "/tickets/<int:ticket_id>/lines/<int:line_id>/delete"): row(302, 403, 302),
    ("POST", "/tickets/<int:ticket_id>/lines/<int:line_id>/billing"): row(302, 403, 403, 303),
    ("GET", "/clients/<int:client_id>/contracts"): STAFF_PAGE,
    ("POST", "/clients/<int:client_id>/contracts"): MANAGER_FORM_EMPTY,
    ("GET", "/clients/<int:client_id>/ledger"): STAFF_PAGE,
    ("POST", "/clients/<int:client_id>/adjustments"): MANAGER_FORM_EMPTY,
    ("POST", "/closes/<int:close_id>/waive"): row(302, 403, 403, 303),
    ("GET", "/services/"): STAFF_PAGE,
    ("GET", "/services/new"): row(302, 403, 403, 200),
    ("POST", "/services/new"): MANAGER_FORM_EMPTY,
    ("GET", "/services/<int:service_id>/edit"): row(302, 403, 403, 200),
    # an empty POST leaves the service's own values in the form (WTForms), so it saves unchanged
    ("POST", "/services/<int:service_id>/edit"): row(302, 403, 403, 302),
    ("GET", "/sla/"): STAFF_PAGE,
    ("GET", "/speaker"): STAFF_PAGE,
    ("POST", "/sla/calendars"): MANAGER_FORM_EMPTY,
    ("POST", "/sla/policies"): MANAGER_FORM_EMPTY,
    ("GET", "/portal/"): row(302, 200, 403),
    ("GET", "/portal/hours"): row(302, 200, 403),
    ("GET", "/portal/work"): row(302, 200, 403),
    ("GET", "/portal/tickets"): row(302, 200, 403),
    ("GET", "/portal/tickets/new"): row(302, 200, 403),
    ("POST", "/portal/tickets/new"): row(302, 422, 403),
    ("GET", "/portal/tickets/<int:ticket_id>"): row(302, 200, 403),
    ("POST", "/portal/tickets/<int:ticket_id>/comments"): row(302, 422, 403),
    ("POST", "/portal/tickets/<int:ticket_id>/confirm"): row(302, 409, 403),   # the ticket is in progress
    ("POST", "/portal/tickets/<int:ticket_id>/reopen"): row(302, 422, 403),    # no reason given
    ("POST", "/portal/tickets/<int:ticket_id>/rating"): row(302, 422, 403),
    ("GET", "/portal/tickets/<int:ticket_id>/files/<int:attachment_id>"): row(302, 200, 403),
    ("GET", "/tickets/<int:ticket_id>/files/<int:attachment_id>"): STAFF_PAGE,
    ("GET", "/admin/mail/"): row(302, 403, 403, 403, 200),
    ("GET", "/reports/"): row(302, 403, 403, 302),
    ("GET", "/reports/<name>"): row(302, 403, 403, 200),
    ("GET", "/reports/<name>/export.<fmt>"): row(302, 403, 403, 200),
    ("GET", "/api/v1/reports/utilisation"): row(401, 403, 403, 422),     # no period given
    ("POST", "/admin/mail/<int:message_id>/retry"): row(302, 403, 403, 403, 302),
    ("GET", "/mail/"): STAFF_PAGE,
    ("GET", "/mail/<int:mail_id>"): STAFF_PAGE,
    ("POST", "/mail/<int:mail_id>/assign"): STAFF_FORM_EMPTY,
    ("POST", "/mail/<int:mail_id>/discard"): STAFF_FORM_EMPTY,
    ("POST", "/mail/<int:mail_id>/contact"): row(302, 403, 302),     # nothing proposed: a message, back
    ("GET", "/admin/webhooks/"): row(302, 403, 403, 403, 200),
    ("GET", "/admin/webhooks/new"): row(302, 403, 403, 403, 200),
    ("POST", "/admin/webhooks/new"): row(302, 403, 403, 403, 422),
    ("GET", "/admin/webhooks/<int:endpoint_id>"): row(302, 403, 403, 403, 200),
    ("POST", "/admin/webhooks/<int:endpoint_id>"): row(302, 403, 403, 403, 302),   # empty: saved unchanged
    ("POST", "/admin/webhooks/<int:endpoint_id>/secret"): row(302, 403, 403, 403, 302),
    ("POST", "/admin/webhooks/deliveries/<int:delivery_id>/replay"): row(302, 403, 403, 403, 302),
    ("GET", "/notices/"): STAFF_PAGE,
    ("GET", "/notices/<int:notice_id>"): row(302, 403, 404),   # someone else's notice
    ("POST", "/notices/read"): row(302, 403, 302),
    ("GET", "/notices/settings"): STAFF_PAGE,
    ("POST", "/notices/settings"): row(302, 403, 302),          # nothing ticked: every notice off
    # API: no token → 401; bodies are empty JSON objects
    ("GET", "/api/v1/openapi.json"): row(200, 200, 200),
    ("POST", "/api/v1/tokens"): row(422, 422, 422),
    ("GET", "/api/v1/clients"): row(401, 200, 200),
    ("POST", "/api/v1/clients"): row(401, 403, 422),
    ("GET", "/api/v1/clients/<int:client_id>"): row(401, 200, 200),
    ("POST", "/api/v1/tickets"): row(401, 422, 422),
    ("GET", "/api/v1/tickets"): row(401, 200, 200),
    ("GET", "/api/v1/tickets/<int:ticket_id>"): row(401, 200, 200),
    ("POST", "/api/v1/tickets/<int:ticket_id>/status"): row(401, 403, 422),
    ("POST", "/api/v1/tickets/<int:ticket_id>/comments"): row(401, 422, 422),
    ("POST", "/api/v1/tickets/<int:ticket_id>/lines"): row(401, 403, 422),
    # a contact confirms (closes) or reopens only a resolved ticket; this one is in progress
    ("POST", "/api/v1/tickets/<int:ticket_id>/close"): row(401, 409, 200),
    ("POST", "/api/v1/tickets/<int:ticket_id>/reopen"): row(401, 409, 409),     # the ticket is open
    ("GET", "/api/v1/services"): row(401, 200, 200),
    ("POST", "/api/v1/calendars"): row(401, 403, 403, 422),
    ("POST", "/api/v1/sla-policies"): row(401, 403, 403, 422),
    ("POST", "/api/v1/services"): row(401, 403, 403, 422),
    ("POST", "/api/v1/contracts"): row(401, 403, 403, 422),
    ("GET", "/api/v1/contracts/<int:contract_id>"): row(401, 200, 200),
    ("GET", "/api/v1/clients/<int:client_id>/ledger"): row(401, 200, 200),
    ("POST", "/api/v1/clients/<int:client_id>/adjustments"): row(401, 403, 403, 422),
    # billing: managers' pages; contacts read their own company's documents on the portal and API
    ("GET", "/billing/"): MANAGER_PAGE,
    ("GET", "/billing/profile"): row(302, 403, 403, 403, 200),
    # an empty POST leaves the saved profile's values in the form (WTForms), so it saves unchanged
    ("POST", "/billing/profile"): row(302, 403, 403, 403, 302),
    ("GET", "/billing/clients/<int:client_id>"): MANAGER_PAGE,
    ("POST", "/billing/clients/<int:client_id>"): row(302, 403, 403, 302),   # every field optional: saved
    ("GET", "/billing/invoices"): MANAGER_PAGE,
    ("GET", "/billing/invoices/new"): MANAGER_PAGE,
    ("POST", "/billing/invoices/new"): MANAGER_FORM_EMPTY,
    ("GET", "/billing/invoices/<int:invoice_id>"): MANAGER_PAGE,
    ("GET", "/billing/invoices/<int:invoice_id>/edit"): MANAGER_PAGE,
    ("POST", "/billing/invoices/<int:invoice_id>/edit"): MANAGER_FORM_EMPTY,
    ("GET", "/billing/invoices/<int:invoice_id>/pdf"): MANAGER_PAGE,
    ("POST", "/billing/invoices/<int:invoice_id>/<any(issue, cancel, grant):action>"): row(302, 403, 403, 303),
    ("GET", "/billing/statements"): MANAGER_PAGE,
    ("POST", "/billing/statements"): MANAGER_FORM_EMPTY,
    ("GET", "/billing/payments"): MANAGER_PAGE,
    ("GET", "/billing/payments/<int:payment_id>"): MANAGER_PAGE,
    ("POST", "/billing/payments/<int:payment_id>/match"): MANAGER_FORM_EMPTY,
    ("POST", "/billing/payments/<int:payment_id>/match/<int:invoice_id>"): row(302, 403, 403, 303),
    ("POST", "/billing/payments/<int:payment_id>/<any(unmatch, ignore, restore):action>"): row(302, 403, 403, 303),
    ("GET", "/billing/acts"): MANAGER_PAGE,
    ("POST", "/billing/acts"): MANAGER_FORM_EMPTY,
    ("GET", "/billing/acts/<int:act_id>"): MANAGER_PAGE,
    ("POST", "/billing/acts/<int:act_id>"): row(302, 403, 403, 409),          # the act is sent: not edited
    ("POST", "/billing/acts/<int:act_id>/send"): row(302, 403, 403, 303),
    ("GET", "/billing/acts/<int:act_id>/pdf"): MANAGER_PAGE,
    ("GET", "/billing/reports"): MANAGER_PAGE,
    ("GET", "/portal/documents"): row(302, 200, 403),
    ("POST", "/portal/documents"): row(302, 422, 403),
    ("GET", "/portal/invoices/<int:invoice_id>.pdf"): row(302, 200, 403),
    ("GET", "/portal/acts/<int:act_id>.pdf"): row(302, 200, 403),
    ("GET", "/api/v1/billing/profile"): row(401, 403, 403, 200),
    ("PUT", "/api/v1/billing/profile"): row(401, 403, 403, 403, 422),
    ("POST", "/api/v1/invoices"): row(401, 403, 403, 422),
    ("GET", "/api/v1/invoices"): row(401, 200, 403, 200),
    ("GET", "/api/v1/invoices/<int:invoice_id>"): row(401, 200, 403, 200),
    ("GET", "/api/v1/invoices/<int:invoice_id>/pdf"): row(401, 200, 403, 200),
    ("POST", "/api/v1/invoices/<int:invoice_id>/issue"): row(401, 403, 403, 409),   # issued already
    ("POST", "/api/v1/invoices/<int:invoice_id>/cancel"): row(401, 403, 403, 422),
    ("POST", "/api/v1/invoices/<int:invoice_id>/grant"): row(401, 403, 403, 422),
    ("POST", "/api/v1/bank-statements"): row(401, 403, 403, 422),
    ("GET", "/api/v1/payments"): row(401, 403, 403, 200),
    ("GET", "/api/v1/payments/<int:payment_id>"): row(401, 403, 403, 200),
    ("POST", "/api/v1/payments/<int:payment_id>/match"): row(401, 403, 403, 422),
    ("POST", "/api/v1/payments/<int:payment_id>/unmatch"): row(401, 403, 403, 422),
    ("POST", "/api/v1/payments/<int:payment_id>/ignore"): row(401, 403, 403, 422),
    ("POST", "/api/v1/acts"): row(401, 403, 403, 422),
    ("GET", "/api/v1/acts"): row(401, 200, 403, 200),
    ("GET", "/api/v1/acts/<int:act_id>/pdf"): row(401, 200, 403, 200),
}


def test_table_covers_every_route(app):
    served = {(method, rule.rule) for rule in app.url_map.iter_rules()
              if not rule.endpoint.endswith("static") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == set(TABLE), f"missing rows: {served - set(TABLE)}; stale rows: {set(TABLE) - served}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, rule", sorted(TABLE))
def test_route_access(client, db, make, login, method, rule, role):
    company = make.client()
    contact = make.user("client", client=company)
    other = make.user("engineer")
    ticket = make.ticket(client=company)
    token_id_of_other = issue_token(other, "someone else's")[0].id
    service = save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    contract = create_contract(company, number="C-1", starts_on=date.today().replace(day=1), months=12,
                               hours_per_month=10, hour_price="1500.00")
    line = add_line(ticket, other, service=service, minutes=30)
    set_status(ticket, other, "resolved")   # a close of it exists, so /closes/<id> has a real id
    set_status(ticket, other, "closed")
    set_status(ticket, other, "in_progress", reason="the permission table needs it open")
    close_id = db.session.query(TicketClose).one().id
    attachment_id = add_attachments(ticket, contact, [("screen.txt", io.BytesIO(b"the error text"))])[0].id
    invoice = payment = act = None
    if any(word in rule for word in ("billing", "invoice", "payment", "/acts", "documents", "bank-statements")):
        # documents are rendered as PDFs: only the billing rows pay for making them
        save_profile(None, **BILLING_PROFILE)
        invoice = create_invoice(company, other, lines=[LineInput("Часы поддержки", 10, "1500.00")])
        payment = db.session.get(Payment, import_statement(
            one_c([Doc("700.00", "Возврат займа", payer_inn="7736207543")]), "s.txt", None).payment_ids[0])
        act = create_act(company, date.today(), None)
        send_act(act, None)
    reply = CannedReply(title="Приветствие", body="Здравствуйте, {contact}!")   # the whole staff's
    db.session.add(reply)
    calendar = policy = None
    if rule.startswith("/sla/"):
        calendar = create_calendar(name="Офис", timezone="Europe/Moscow", always_open=True)
        policy = create_policy(name="Стандарт", calendar=calendar, targets={
            p: {"response_minutes": 60, "resolution_minutes": 480} for p in ("low", "normal", "high", "critical")})
    failed_mail = MailMessage(recipient="x@example.com", subject="s", body="b", status="failed", attempts=20)
    db.session.add(failed_mail)
    notice = StaffNotice(user_id=other.id, kind="assigned", ticket_id=ticket.id)
    db.session.add(notice)
    endpoint = save_endpoint(None, url="http://127.0.0.1:9/hook", events=["ticket.closed"], active=True, actor=None)
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=1, event="ticket.closed", body="{}", status="failed")
    db.session.add(delivery)
    inbound = InboundMail(message_id="<perm@example.com>", source="pipe", status="triage", from_addr="x@example.com",
                          raw=b"From: x@example.com\r\nSubject: hi\r\n\r\nhello\r\n")
    db.session.add(inbound)
    db.session.commit()

    user = {"anon": None, "client": contact}.get(role) or (make.user(role) if role != "anon" else None)
    headers = {}
    if user is not None:
        login(user)
        if rule.startswith("/api/"):
            headers["Authorization"] = f"Bearer {make.token(user)}"
    path = (rule.replace("<int:client_id>", str(company.id)).replace("<int:ticket_id>", str(ticket.id))
            .replace("<int:token_id>", str(token_id_of_other)).replace("<int:user_id>", str(other.id))
            .replace("<code>", "en").replace("<int:line_id>", str(line.id)).replace("<int:service_id>", str(service.id))
            .replace("<int:contract_id>", str(contract.id)).replace("<int:close_id>", str(close_id))
            .replace("<int:attachment_id>", str(attachment_id)).replace("<int:message_id>", str(failed_mail.id))
            .replace("<int:notice_id>", str(notice.id))
            .replace("<name>", "clients").replace("<fmt>", "csv").replace("<token>", "no-such-link")
            .replace("<int:reply_id>", str(reply.id)).replace("<int:endpoint_id>", str(endpoint.id))
            .replace("<int:delivery_id>", str(delivery.id)).replace("<int:mail_id>", str(inbound.id)))
    if calendar is not None:
        path = path.replace("<int:calendar_id>", str(calendar.id)).replace("<int:policy_id>", str(policy.id))
    if invoice is not None:
        path = (path.replace("<int:invoice_id>", str(invoice.id)).replace("<int:payment_id>", str(payment.id))
                .replace("<int:act_id>", str(act.id)).replace("<any(issue, cancel, grant):action>", "cancel")
                .replace("<any(unmatch, ignore, restore):action>", "ignore"))
    if rule.startswith("/api/") and method in ("POST", "PUT"):
        response = client.open(path, method=method, json={}, headers=headers)
    elif method == "POST":
        response = client.post(path, data={})
    else:
        response = client.get(path, headers=headers)
    assert response.status_code == TABLE[(method, rule)][role], response.data[:300]
