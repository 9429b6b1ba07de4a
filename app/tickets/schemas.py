from marshmallow import Schema, fields, validate

from app.api import PageArgs
from app.contracts.schemas import LineOut
from app.tickets.lifecycle import CHANNELS, PRIORITIES, STATUSES


class TicketIn(Schema):
    client_id = fields.Integer(required=True, strict=True)
    subject = fields.String(required=True)
    description = fields.String(load_default="")
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    channel = fields.String(load_default="api", validate=validate.OneOf(CHANNELS))
    desired_due_at = fields.AwareDateTime(load_default=None, allow_none=True)
    assignee_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    requester_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class TicketQuery(PageArgs):
    client_id = fields.Integer(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    priority = fields.String(load_default=None, validate=validate.OneOf(PRIORITIES))
    assignee_id = fields.Integer(load_default=None)
    q = fields.String(load_default=None)


class StatusIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["in_progress", "waiting", "resolved", "cancelled"]))
    comment = fields.String(load_default=None, allow_none=True)
    #: why; required when the change reopens a resolved ticket
    reason = fields.String(load_default=None, allow_none=True)


class CommentIn(Schema):
    body = fields.String(required=True)
    public = fields.Boolean(load_default=True, truthy={True}, falsy={False})


class CommentOut(Schema):
    id = fields.Integer()
    author_id = fields.Integer(allow_none=True)
    author_name = fields.Function(lambda c: c.author.name if c.author else None)
    body = fields.String()
    public = fields.Boolean()
    created_at = fields.DateTime()


class TicketOut(Schema):
    id = fields.Integer()
    number = fields.String()
    client_id = fields.Integer()
    client_name = fields.Function(lambda t: t.client.name)
    requester_id = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    subject = fields.String()
    description = fields.String()
    priority = fields.String()
    channel = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    first_response_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    response_due_at = fields.DateTime(allow_none=True)
    resolution_due_at = fields.DateTime(allow_none=True)
    desired_due_at = fields.DateTime(allow_none=True)


class TicketDetailOut(TicketOut):
    comments = fields.List(fields.Nested(CommentOut))
    lines = fields.List(fields.Nested(LineOut))
    client_balance_minutes = fields.Integer()


class ReopenIn(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class CloseOut(Schema):
    ticket = fields.Nested(TicketDetailOut)
    debited_minutes = fields.Integer()
    overage_minutes = fields.Integer()
