"""API: business calendars and SLA policies (managers and admins)."""
from app.api import api_route, json_body
from app.auth.models import MANAGER_ROLES
from app.extensions import db
from app.sla import operations
from app.sla.models import BusinessCalendar
from app.sla.schemas import CalendarIn, CalendarOut, PolicyIn, PolicyOut


@api_route("/calendars", "POST", summary="A business calendar: working intervals per weekday, holidays",
           status=201, body=CalendarIn, response=CalendarOut, roles=MANAGER_ROLES)
def create_calendar():
    data = CalendarIn().load(json_body())
    calendar = operations.create_calendar(**data)
    return CalendarOut().dump(calendar), 201


@api_route("/sla-policies", "POST", summary="An SLA policy: response and resolution targets per priority",
           status=201, body=PolicyIn, response=PolicyOut, roles=MANAGER_ROLES)
def create_policy():
    data = PolicyIn().load(json_body())
    policy = operations.create_policy(name=data["name"], calendar=db.session.get(BusinessCalendar, data["calendar_id"]),
                                      targets=data["targets"])
    return PolicyOut().dump(policy), 201
