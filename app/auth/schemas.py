from marshmallow import Schema, fields, validate


class TokenIn(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True)
    name = fields.String(load_default="", validate=validate.Length(max=100))


class TokenOut(Schema):
    token = fields.String()
