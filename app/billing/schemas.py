"""The billing API's shapes (marshmallow; also the source of openapi.json). Money goes out as a
decimal string and comes in as one: the operations refuse a comma rather than guess."""
from marshmallow import Schema, fields, validate

from app.api import PageArgs
from app.billing.models import INVOICE_STATUSES, PAYMENT_STATUSES


class ProfileIn(Schema):
    legal_name = fields.String(required=True)
    inn = fields.String(required=True)
    kpp = fields.String(load_default=None, allow_none=True)
    ogrn = fields.String(load_default=None, allow_none=True)
    address = fields.String(required=True)
    bank_name = fields.String(required=True)
    bik = fields.String(required=True)
    account = fields.String(required=True)
    corr_account = fields.String(load_default=None, allow_none=True)
    currency = fields.String(load_default="RUB", validate=validate.OneOf(["RUB", "UAH"]))
    #: "none" or a rate in percent, as a string ("22")
    vat = fields.String(load_default="none")
    signer = fields.String(load_default=None, allow_none=True)
    invoice_prefix = fields.String(load_default="HD")
    act_prefix = fields.String(load_default="ACT")
    payment_days = fields.Integer(load_default=5, strict=True)
    reminder_days = fields.String(load_default="7,3")
    renewal_lead_days = fields.Integer(load_default=30, strict=True)


class ProfileOut(Schema):
    legal_name = fields.String()
    inn = fields.String()
    kpp = fields.String(allow_none=True)
    ogrn = fields.String(allow_none=True)
    address = fields.String()
    bank_name = fields.String()
    bik = fields.String()
    account = fields.String()
    corr_account = fields.String(allow_none=True)
    currency = fields.String()
    vat = fields.Function(lambda p: "none" if p.vat_rate is None else format(p.vat_rate.normalize(), "f"))
    signer = fields.String(allow_none=True)
    invoice_prefix = fields.String()
    act_prefix = fields.String()
    payment_days = fields.Integer()
    reminder_days = fields.String()
    renewal_lead_days = fields.Integer()


class InvoiceLineIn(Schema):
    name = fields.String(required=True)
    quantity = fields.Raw(required=True)
    unit = fields.String(load_default="")
    price = fields.Raw(required=True)


class GrantIn(Schema):
    minutes = fields.Integer(required=True, strict=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)


class InvoiceIn(Schema):
    client_id = fields.Integer(required=True, strict=True)
    lines = fields.List(fields.Nested(InvoiceLineIn), required=True)
    grants = fields.Nested(GrantIn, load_default=None, allow_none=True)
    renews_contract_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    issue = fields.Boolean(load_default=True, truthy={True}, falsy={False})


class InvoiceLineOut(Schema):
    position = fields.Integer()
    name = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit = fields.String()
    price = fields.Decimal(as_string=True)
    amount = fields.Decimal(as_string=True)


class InvoiceOut(Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True)
    client_id = fields.Integer()
    status = fields.String()
    source = fields.String()
    date = fields.Date(attribute="issued_on", allow_none=True)
    due_date = fields.Date(attribute="due_on", allow_none=True)
    currency = fields.String()
    total = fields.Decimal(as_string=True)
    vat_amount = fields.Decimal(as_string=True)
    vat = fields.Function(lambda i: "none" if i.vat_rate is None else format(i.vat_rate.normalize(), "f"))
    paid_amount = fields.Decimal(as_string=True)
    lines = fields.List(fields.Nested(InvoiceLineOut))
    grants = fields.Function(lambda i: {"minutes": i.grant_minutes, "valid_from": i.grant_valid_from.isoformat(),
                                        "valid_until": i.grant_valid_until.isoformat()} if i.grant_minutes else None)
    renews_contract_id = fields.Integer(allow_none=True)
    granted = fields.Function(lambda i: i.granted_at is not None)


class InvoiceQuery(PageArgs):
    client_id = fields.Integer(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(INVOICE_STATUSES))


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class StatementOut(Schema):
    id = fields.Integer()
    payments = fields.Integer()
    new = fields.Integer()
    duplicates = fields.Integer()
    auto_matched = fields.Integer()
    unmatched = fields.Integer()


class AllocationOut(Schema):
    invoice_id = fields.Integer(allow_none=True)
    amount = fields.Decimal(as_string=True)


class PaymentOut(Schema):
    id = fields.Integer()
    statement_id = fields.Integer()
    number = fields.String(attribute="doc_number")
    date = fields.Date(attribute="doc_date")
    amount = fields.Decimal(as_string=True)
    payer_name = fields.String()
    payer_inn = fields.String()
    purpose = fields.String()
    status = fields.String()
    rule = fields.String(allow_none=True)
    client_id = fields.Integer(allow_none=True)
    allocations = fields.Function(lambda p: [{"invoice_id": a.invoice_id, "amount": str(a.amount)}
                                             for a in p.allocations if a.reversed_at is None])
    suggestions = fields.Raw(allow_none=True)


class PaymentQuery(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(PAYMENT_STATUSES))
    statement_id = fields.Integer(load_default=None)


class AllocationIn(Schema):
    invoice_id = fields.Integer(required=True, strict=True)
    amount = fields.Raw(load_default=None, allow_none=True)


class MatchIn(Schema):
    allocations = fields.List(fields.Nested(AllocationIn), required=True, validate=validate.Length(min=1, max=50))
    reason = fields.String(load_default=None, allow_none=True)


class ActIn(Schema):
    client_id = fields.Integer(required=True, strict=True)
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))


class ActOut(Schema):
    id = fields.Integer()
    number = fields.String()
    client_id = fields.Integer()
    month = fields.Function(lambda a: a.month.strftime("%Y-%m"))
    status = fields.String()
    currency = fields.String()
    total = fields.Decimal(as_string=True)
    vat_amount = fields.Decimal(as_string=True)
    lines = fields.List(fields.Nested(InvoiceLineOut))
