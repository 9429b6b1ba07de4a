from marshmallow import Schema, fields, validate

from app.api import PageArgs


class ClientIn(Schema):
    name = fields.String(required=True)
    inn = fields.String(required=True)
    country = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["RU", "UA"]))
    timezone = fields.String(load_default=None, allow_none=True)
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))


class ClientQuery(PageArgs):
    q = fields.String(load_default=None)
    inn = fields.String(load_default=None)


class ClientOut(Schema):
    id = fields.Integer()
    name = fields.String()
    inn = fields.String()
    country = fields.String()
    timezone = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()


class ClientDetailOut(ClientOut):
    balance_minutes = fields.Integer()
    available_minutes = fields.Integer()


def client_json(client) -> dict:
    return ClientOut().dump(client)

