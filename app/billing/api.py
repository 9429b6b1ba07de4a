"""API: the billing profile, invoices, bank statements, payments and their matching, acts.
Managers and admins write; a client contact's token reads its own company's issued invoices and
sent acts only (another company's → 404)."""
from datetime import date

from flask import current_app, request

from app.api import api_route, current_api_user, error_response, json_body, paginate, query_args
from app.auth.models import MANAGER_ROLES

#: who reads invoices and acts: managers, and client contacts (their own company's only)
READERS = ("client", *MANAGER_ROLES)
from app.billing import notices, operations, queries
from app.billing.documents import pdf_response
from app.billing.models import Act, Invoice, Payment
from app.billing.schemas import (
    ActIn,
    ActOut,
    InvoiceIn,
    InvoiceOut,
    InvoiceQuery,
    MatchIn,
    PaymentOut,
    PaymentQuery,
    ProfileIn,
    ProfileOut,
    ReasonIn,
    StatementOut,
)
from app.clients.models import Client
from app.contracts.models import Contract
from app.core.errors import NotFound, ValidationFailed
from app.extensions import db


def _visible_invoice(invoice_id: int) -> Invoice:
    user = current_api_user()
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or (user.role == "client" and (invoice.client_id != user.client_id or invoice.status == "draft")):
        raise NotFound("No such invoice.", code="invoice_not_found")
    return invoice


def _managed(model, ident: int, what: str):
    found = db.session.get(model, ident)
    if found is None:
        raise NotFound(f"No such {what}.", code=f"{what}_not_found")
    return found



@api_route("/billing/profile", "GET", summary="Our company's billing details and settings", response=ProfileOut,
           roles=MANAGER_ROLES, errors=(404,))
def get_profile():
    found = operations.profile()
    if found is None:
        raise NotFound("The billing profile is not filled in yet.", code="no_billing_profile")
    return ProfileOut().dump(found)


@api_route("/billing/profile", "PUT", summary="Set our company's billing details and settings", body=ProfileIn,
           response=ProfileOut, roles=("admin",))
def put_profile():
    data = ProfileIn().load(json_body())
    return ProfileOut().dump(operations.save_profile(current_api_user(), **data))


@api_route("/invoices", "POST", summary="Create an invoice (issued at once unless issue is false)", status=201,
           body=InvoiceIn, response=InvoiceOut, roles=MANAGER_ROLES, errors=(409,))
def create_invoice():
    data = InvoiceIn().load(json_body())
    client = db.session.get(Client, data["client_id"])
    if client is None:
        raise ValidationFailed("No such client.", code="unknown_client", field="client_id")
    renews = None
    if data["renews_contract_id"] is not None:
        renews = db.session.get(Contract, data["renews_contract_id"])
        if renews is None:
            raise ValidationFailed("No such contract.", code="unknown_contract", field="renews_contract_id")
    grant = operations.GrantInput(**data["grants"]) if data["grants"] else None
    lines = [operations.LineInput(line["name"], line["quantity"], line["price"], line["unit"]) for line in data["lines"]]
    invoice = operations.create_invoice(client, current_api_user(), lines=lines, grant=grant, renews=renews,
                                        note=data["note"], issue=data["issue"])
    return InvoiceOut().dump(invoice), 201


@api_route("/invoices", "GET", summary="List invoices (a contact: its company's issued ones)", query=InvoiceQuery,
           response=InvoiceOut, many=True, roles=READERS)
def list_invoices():
    args = query_args(InvoiceQuery())
    user = current_api_user()
    client_id = user.client_id if user.role == "client" else args["client_id"]
    query = queries.invoice_list(client_id=client_id, status=args["status"], drafts=user.role != "client")
    if user.role == "client" and args["client_id"] not in (None, user.client_id):
        query = query.where(False)
    return paginate(query, InvoiceOut().dump, args)


@api_route("/invoices/<int:invoice_id>", "GET", summary="One invoice", response=InvoiceOut, roles=READERS,
           errors=(404,))
def get_invoice(invoice_id: int):
    return InvoiceOut().dump(_visible_invoice(invoice_id))


@api_route("/invoices/<int:invoice_id>/pdf", "GET", summary="The invoice as a PDF", roles=READERS, errors=(404, 409))
def invoice_pdf(invoice_id: int):
    invoice = _visible_invoice(invoice_id)
    if invoice.number is None:
        return error_response(409, "not_issued", "A draft has no document yet.")
    return pdf_response(notices.invoice_attachment(invoice))


@api_route("/invoices/<int:invoice_id>/issue", "POST", summary="Issue a draft invoice", response=InvoiceOut,
           roles=MANAGER_ROLES, errors=(404, 409))
def issue_invoice(invoice_id: int):
    invoice = _managed(Invoice, invoice_id, "invoice")
    return InvoiceOut().dump(operations.issue_invoice(invoice, current_api_user()))


@api_route("/invoices/<int:invoice_id>/cancel", "POST", summary="Cancel an unpaid invoice, with a reason",
           body=ReasonIn, response=InvoiceOut, roles=MANAGER_ROLES, errors=(404, 409))
def cancel_invoice(invoice_id: int):
    invoice = _managed(Invoice, invoice_id, "invoice")
    data = ReasonIn().load(json_body())
    return InvoiceOut().dump(operations.cancel_invoice(invoice, current_api_user(), reason=data["reason"]))


@api_route("/invoices/<int:invoice_id>/grant", "POST", summary="Grant a partly paid invoice's hours now (a manager's "
           "decision, with a reason)", body=ReasonIn, response=InvoiceOut, roles=MANAGER_ROLES, errors=(404, 409))
def grant_invoice(invoice_id: int):
    invoice = _managed(Invoice, invoice_id, "invoice")
    data = ReasonIn().load(json_body())
    return InvoiceOut().dump(operations.grant_early(invoice, current_api_user(), reason=data["reason"]))


def statement_upload() -> tuple[bytes, str]:
    """The statement from the request: a multipart `file`, or the body itself. Too large → 413."""
    limit = current_app.config["HOURDESK_STATEMENT_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise operations.TooLarge(f"A statement may be at most {limit // (1024 * 1024)} MB.")
    upload = request.files.get("file")
    data = upload.read(limit + 1) if upload is not None else request.get_data(cache=False)[: limit + 1]
    if len(data) > limit:
        raise operations.TooLarge(f"A statement may be at most {limit // (1024 * 1024)} MB.")
    return data, (upload.filename if upload is not None else "") or "statement"


@api_route("/bank-statements", "POST", summary="Import a bank statement (1CClientBankExchange or camt.053) and match "
           "its payments", status=201, response=StatementOut, roles=MANAGER_ROLES, errors=(409, 413, 422),
           upload={"multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
               "file": {"type": "string", "format": "binary"}}}},
               "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})
def import_statement():
    data, filename = statement_upload()
    result = operations.import_statement(data, filename, current_api_user())
    return {"id": result.statement.id, "payments": result.statement.documents, "new": result.new,
            "duplicates": result.duplicates, "auto_matched": result.auto_matched, "unmatched": result.unmatched}, 201


@api_route("/payments", "GET", summary="Payments from bank statements", query=PaymentQuery, response=PaymentOut,
           many=True, roles=MANAGER_ROLES)
def list_payments():
    args = query_args(PaymentQuery())
    return paginate(queries.payment_list(status=args["status"], statement_id=args["statement_id"]),
                    PaymentOut().dump, args)


@api_route("/payments/<int:payment_id>", "GET", summary="One payment", response=PaymentOut, roles=MANAGER_ROLES,
           errors=(404,))
def get_payment(payment_id: int):
    return PaymentOut().dump(_managed(Payment, payment_id, "payment"))


@api_route("/payments/<int:payment_id>/match", "POST", summary="A person's match of a payment to invoices",
           body=MatchIn, response=PaymentOut, roles=MANAGER_ROLES, errors=(404, 409))
def match_payment(payment_id: int):
    payment = _managed(Payment, payment_id, "payment")
    data = MatchIn().load(json_body())
    allocations = [operations.AllocationInput(a["invoice_id"], a["amount"]) for a in data["allocations"]]
    return PaymentOut().dump(operations.match_payment(payment, current_api_user(), allocations, reason=data["reason"]))


@api_route("/payments/<int:payment_id>/unmatch", "POST", summary="Undo a payment's match (grants are reversed)",
           body=ReasonIn, response=PaymentOut, roles=MANAGER_ROLES, errors=(404, 409))
def unmatch_payment(payment_id: int):
    payment = _managed(Payment, payment_id, "payment")
    data = ReasonIn().load(json_body())
    return PaymentOut().dump(operations.unmatch_payment(payment, current_api_user(), reason=data["reason"]))


@api_route("/payments/<int:payment_id>/ignore", "POST", summary="Set aside a payment that is not a client's",
           body=ReasonIn, response=PaymentOut, roles=MANAGER_ROLES, errors=(404, 409))
def ignore_payment(payment_id: int):
    payment = _managed(Payment, payment_id, "payment")
    data = ReasonIn().load(json_body())
    return PaymentOut().dump(operations.ignore_payment(payment, current_api_user(), reason=data["reason"]))


@api_route("/acts", "POST", summary="The act of completed work for a client and month", status=201, body=ActIn,
           response=ActOut, roles=MANAGER_ROLES, errors=(409,))
def create_act():
    data = ActIn().load(json_body())
    client = db.session.get(Client, data["client_id"])
    if client is None:
        raise ValidationFailed("No such client.", code="unknown_client", field="client_id")
    year, month = map(int, data["month"].split("-"))
    return ActOut().dump(operations.create_act(client, date(year, month, 1), current_api_user())), 201


@api_route("/acts", "GET", summary="Acts (a contact: its company's sent ones)", query=InvoiceQuery, response=ActOut,
           many=True, roles=READERS)
def list_acts():
    args = query_args(InvoiceQuery())
    user = current_api_user()
    if user.role == "client":
        query = queries.act_list(client_id=user.client_id, sent_only=True)
    else:
        query = queries.act_list(client_id=args["client_id"])
    return paginate(query, ActOut().dump, args)


@api_route("/acts/<int:act_id>/pdf", "GET", summary="The act as a PDF", roles=READERS, errors=(404,))
def act_pdf(act_id: int):
    user = current_api_user()
    act = db.session.get(Act, act_id)
    if act is None or (user.role == "client" and (act.client_id != user.client_id or act.status != "sent")):
        raise NotFound("No such act.", code="act_not_found")
    return pdf_response(notices.act_attachment(act))
