from marshmallow import Schema, fields, validate


class CalendarIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    timezone = fields.String(required=True)
    country = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=2))
    intervals = fields.Dict(keys=fields.String(), values=fields.List(fields.List(fields.String())), load_default=dict)
    extra_holidays = fields.List(fields.String(), load_default=list)
    always_open = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class CalendarOut(Schema):
    id = fields.Integer()
    name = fields.String()
    timezone = fields.String()
    country = fields.String(allow_none=True)
    intervals = fields.Dict()
    extra_holidays = fields.List(fields.String())
    always_open = fields.Boolean()


class TargetOut(Schema):
    response_minutes = fields.Integer()
    resolution_minutes = fields.Integer()


class PolicyIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    calendar_id = fields.Integer(required=True, strict=True)
    targets = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)


class PolicyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    calendar_id = fields.Integer()
    targets = fields.Method("dump_targets")

    def dump_targets(self, policy):
        return {t.priority: TargetOut().dump(t) for t in policy.targets}
