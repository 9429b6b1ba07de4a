"""API: tickets, their status and comments."""
from sqlalchemy import select

from app.api import api_route, current_api_user, json_body, paginate, query_args
from app.auth.models import STAFF_ROLES, User
from app.clients.api import visible_client
from app.clients.models import Client
from app.contracts import operations as ledger_ops
from app.contracts import queries as contract_queries
from app.contracts.models import Service
from app.contracts.schemas import LineIn, LineOut
from app.core.errors import NotFound, ValidationFailed
from app.extensions import db
from app.tickets import operations
from app.tickets.models import Ticket
from app.tickets.queries import ticket_list_query
from app.tickets.schemas import (
    CloseOut,
    CommentIn,
    CommentOut,
    ReopenIn,
    StatusIn,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    TicketQuery,
)


def visible_ticket(ticket_id: int) -> Ticket:
    """The ticket if the caller may see it; another company's ticket is a 404 for a contact."""
    user = current_api_user()
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or (user.role == "client" and ticket.client_id != user.client_id):
        raise NotFound("No such ticket.", code="ticket_not_found")
    return ticket


def ticket_detail_json(ticket: Ticket, viewer: User, *, new: bool = False) -> dict:
    """`new`: registered by this request, so it has no comments and no lines yet: none are read."""
    data = TicketOut().dump(ticket)
    if new:
        data["comments"], data["lines"] = [], []
    else:
        comments = [c for c in ticket.comments if c.public or viewer.is_staff]
        data["comments"] = CommentOut(many=True).dump(comments)
        data["lines"] = LineOut(many=True).dump(ledger_ops.ticket_lines(ticket.id))
    if not viewer.is_staff:   # a manager's internal reasoning stays internal
        for line in data["lines"]:
            line.pop("billing_override_reason", None)
    data["client_balance_minutes"] = contract_queries.client_balance(ticket.client_id)
    return data


def _staff_user(user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None:
        raise ValidationFailed("No such user.", code="invalid_user", field=field)
    return user


@api_route("/tickets", "POST", summary="Register a ticket (status open)", status=201, body=TicketIn,
           response=TicketDetailOut, errors=(404,))
def create_ticket():
    user = current_api_user()
    data = TicketIn().load(json_body())
    if user.role == "client":
        client = visible_client(data["client_id"])
        requester, assignee = user, None
    else:
        client = db.session.get(Client, data["client_id"]) if data["client_id"] else None
        if client is None:
            raise ValidationFailed("No such client.", code="unknown_client", field="client_id")
        requester = _staff_user(data["requester_id"], "requester_id")
        assignee = _staff_user(data["assignee_id"], "assignee_id")
    ticket = operations.create_ticket(
        user, client, subject=data["subject"], description=data["description"], priority=data["priority"],
        channel=data["channel"], requester=requester, assignee=assignee, desired_due_at=data["desired_due_at"])
    return ticket_detail_json(ticket, user, new=True), 201


@api_route("/tickets", "GET", summary="List tickets", query=TicketQuery, response=TicketOut, many=True)
def list_tickets():
    args = query_args(TicketQuery())
    user = current_api_user()
    query = ticket_list_query(
        status=args["status"], priority=args["priority"], assignee_id=args["assignee_id"],
        client_id=user.client_id if user.role == "client" else args["client_id"], q=args["q"],
        internal=user.role != "client")
    if user.role == "client" and args["client_id"] not in (None, user.client_id):
        query = query.where(False)
    return paginate(query, TicketOut().dump, args)


@api_route("/tickets/<int:ticket_id>", "GET", summary="One ticket with its comments (contacts see public ones)",
           response=TicketDetailOut, errors=(404,))
def get_ticket(ticket_id: int):
    return ticket_detail_json(visible_ticket(ticket_id), current_api_user())


@api_route("/tickets/<int:ticket_id>/status", "POST", summary="Move a ticket along its life cycle",
           body=StatusIn, response=TicketDetailOut, roles=STAFF_ROLES, errors=(404, 409))
def change_status(ticket_id: int):
    user = current_api_user()
    ticket = visible_ticket(ticket_id)
    data = StatusIn().load(json_body())
    operations.set_status(ticket, user, data["status"], reason=data["reason"] or data["comment"])
    if data["comment"]:
        operations.add_comment(ticket, user, data["comment"], public=True)
    return ticket_detail_json(ticket, user)


@api_route("/tickets/<int:ticket_id>/comments", "POST", summary="Comment on a ticket (contacts: always public)",
           status=201, body=CommentIn, response=CommentOut, errors=(404,))
def add_comment(ticket_id: int):
    user = current_api_user()
    ticket = visible_ticket(ticket_id)
    data = CommentIn().load(json_body())
    comment = operations.add_comment(ticket, user, data["body"], public=data["public"])
    return CommentOut().dump(comment), 201



@api_route("/tickets/<int:ticket_id>/lines", "POST", summary="Log work on a ticket (a specification line)",
           status=201, body=LineIn, response=LineOut, roles=STAFF_ROLES, errors=(404, 409))
def add_line(ticket_id: int):
    user = current_api_user()
    ticket = visible_ticket(ticket_id)
    data = LineIn().load(json_body())
    service = db.session.scalar(select(Service).where(Service.code == data["service_code"]))
    if service is None:
        raise ValidationFailed("No such service.", code="unknown_service", field="service_code")
    engineer = _staff_user(data["engineer_id"], "engineer_id")
    line = operations.add_line(ticket, user, service=service, minutes=data["minutes"], engineer=engineer,
                               note=data["note"], performed_on=data["performed_on"])
    return LineOut().dump(line), 201


@api_route("/tickets/<int:ticket_id>/close", "POST",
           summary="Close a ticket and debit its hourly lines (a contact: confirm a resolved ticket)",
           response=CloseOut, errors=(404, 409))
def close_ticket(ticket_id: int):
    user = current_api_user()
    ticket = visible_ticket(ticket_id)
    close = operations.set_status(ticket, user, "closed")
    return {"ticket": ticket_detail_json(ticket, user), "debited_minutes": close.debited_minutes,
            "overage_minutes": close.overage_minutes}


@api_route("/tickets/<int:ticket_id>/reopen", "POST", summary="Reopen a resolved or closed ticket; a close's debits are reversed",
           body=ReopenIn, response=TicketDetailOut, errors=(404, 409))
def reopen_ticket(ticket_id: int):
    user = current_api_user()
    ticket = visible_ticket(ticket_id)
    data = ReopenIn().load(json_body())
    operations.reopen(ticket, user, reason=(data["reason"] or "").strip() or "Reopened through the API")
    return ticket_detail_json(ticket, user)
