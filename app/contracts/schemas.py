from marshmallow import Schema, fields, validate

from app.contracts.ledger import BILLING_MODES, MAX_LINE_MINUTES, OVERDRAFT_POLICIES


class ServiceIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    billing = fields.String(required=True, validate=validate.OneOf(BILLING_MODES))
    rate = fields.Decimal(load_default=None, allow_none=True, places=2, validate=validate.Range(min=0))
    kind = fields.String(load_default="support", validate=validate.Length(min=1, max=30))


class ServiceOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String(attribute="name_ru")
    name_en = fields.String()
    billing = fields.String()
    rate = fields.Decimal(as_string=True, allow_none=True)
    kind = fields.String()
    active = fields.Boolean()


class ContractIn(Schema):
    client_id = fields.Integer(required=True, strict=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=50))
    starts_on = fields.Date(required=True)
    months = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=120))
    hours_per_month = fields.Decimal(required=True, validate=validate.Range(min=0, min_inclusive=False))
    billing_increment_minutes = fields.Integer(load_default=15, strict=True, validate=validate.Range(min=1, max=240))
    overdraft = fields.String(load_default="convert_to_paid", validate=validate.OneOf(OVERDRAFT_POLICIES))
    overage_rate = fields.Decimal(load_default=0, validate=validate.Range(min=0))
    rollover = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    sla_policy_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    #: money per prepaid hour, billed by the renewal invoice
    hour_price = fields.Decimal(load_default=None, allow_none=True, validate=validate.Range(min=0))


class LotOut(Schema):
    id = fields.Integer()
    source = fields.String()
    granted_minutes = fields.Integer()
    remaining_minutes = fields.Integer()
    valid_from = fields.DateTime()
    expires_at = fields.DateTime()


class ContractOut(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    number = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    months = fields.Integer()
    hours_per_month = fields.Decimal(as_string=True)
    billing_increment_minutes = fields.Integer()
    overdraft = fields.String()
    overage_rate = fields.Decimal(as_string=True)
    rollover = fields.Boolean()
    sla_policy_id = fields.Integer(allow_none=True)
    hour_price = fields.Decimal(as_string=True, allow_none=True)
    status = fields.String()
    granted_minutes = fields.Integer()
    remaining_minutes = fields.Integer()
    lots = fields.List(fields.Nested(LotOut))


class LineIn(Schema):
    service_code = fields.String(required=True)
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_LINE_MINUTES))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    engineer_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    performed_on = fields.Date(load_default=None, allow_none=True)


class LineOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    service_code = fields.Function(lambda line: line.service.code)
    engineer_id = fields.Integer(allow_none=True)
    minutes = fields.Integer()
    billed_minutes = fields.Integer(allow_none=True)
    billing = fields.String()
    billing_override_reason = fields.String(allow_none=True)
    note = fields.String()
    performed_on = fields.Date()


class EntryOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    minutes = fields.Integer()
    lot_id = fields.Integer(allow_none=True)
    ticket_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    author_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class LedgerOut(Schema):
    balance_minutes = fields.Integer()
    entries = fields.List(fields.Nested(EntryOut))


class AdjustmentIn(Schema):
    minutes = fields.Integer(required=True, strict=True)
    reason = fields.String(load_default=None, allow_none=True)


class AdjustmentOut(EntryOut):
    #: a negative adjustment larger than one lot is split over several lots
    entries = fields.List(fields.Nested(EntryOut))
