"""`GET /api/v1/reports/utilisation`: the utilisation figures of docs/api.md, from the same query as the page."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api import api_route, query_args
from app.reports.filters import MAX_DAYS, office_tz
from app.reports.queries import Period, utilisation


class UtilisationQuery(Schema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    group = fields.String(load_default="engineer", validate=validate.OneOf(("engineer", "client")))

    @validates_schema
    def _order(self, data, **kwargs):
        if data["to"] < data["from_"]:
            raise ValidationError("The end is before the start.", field_name="to")
        if (data["to"] - data["from_"]).days > MAX_DAYS:
            raise ValidationError("A report covers at most ten years.", field_name="to")


class UtilisationItem(Schema):
    key = fields.Integer(allow_none=True)
    name = fields.String()
    hourly_minutes = fields.Integer()
    paid_minutes = fields.Integer()
    free_minutes = fields.Integer()
    tickets = fields.Integer()


class UtilisationOut(Schema):
    items = fields.List(fields.Nested(UtilisationItem))


@api_route("/reports/utilisation", "GET",
           summary="Raw minutes of specification lines performed in the period (both dates included), by billing, "
                   "and distinct tickets, per engineer or client",
           query=UtilisationQuery, response=UtilisationOut, roles=("manager", "admin"), errors=(422,))
def utilisation_report():
    args = query_args(UtilisationQuery())
    period = Period(args["from_"], args["to"], office_tz())
    return {"items": UtilisationItem(many=True).dump(utilisation(period, args["group"]))}
