"""API: clients."""
from app.api import api_route, current_api_user, json_body, paginate, query_args
from app.auth.models import STAFF_ROLES
from app.clients import operations
from app.clients.inn import validate_inn
from app.clients.models import Client
from app.clients.queries import client_search
from app.clients.schemas import ClientDetailOut, ClientIn, ClientOut, ClientQuery, client_json
from app.contracts import queries as contract_queries
from app.core.errors import NotFound, ValidationFailed
from app.core.types import utcnow
from app.extensions import db


def client_detail_json(client: Client) -> dict:
    """One client with its hours: the cached balance and what a close could take now."""
    data = client_json(client)
    data["balance_minutes"] = contract_queries.client_balance(client.id)
    data["available_minutes"] = contract_queries.available_minutes(client.id, utcnow())
    return data


def visible_client(client_id: int) -> Client:
    """The client by id if the caller may see it; another company's is a 404 for a contact."""
    user = current_api_user()
    client = db.session.get(Client, client_id)
    if client is None or (user.role == "client" and user.client_id != client.id):
        raise NotFound("No such client.", code="client_not_found")
    return client


@api_route("/clients", "GET", summary="List clients (by name or INN prefix, or an exact INN)",
           query=ClientQuery, response=ClientOut, many=True)
def list_clients():
    args = query_args(ClientQuery())
    user = current_api_user()
    query = client_search(args["q"])
    if args["inn"]:
        try:
            inn, _ = validate_inn(args["inn"])
        except ValidationFailed:
            inn = args["inn"].strip()  # an invalid INN simply matches nothing
        query = query.where(Client.inn == inn)
    if user.role == "client":
        query = query.where(Client.id == user.client_id)
    return paginate(query.order_by(Client.name_search, Client.id), client_json, args)


@api_route("/clients", "POST", summary="Register a client company", status=201, body=ClientIn,
           response=ClientDetailOut, roles=STAFF_ROLES, errors=(409,))
def create_client():
    data = ClientIn().load(json_body())
    client = operations.create_client(actor=current_api_user(), **data)
    return client_detail_json(client), 201


@api_route("/clients/<int:client_id>", "GET", summary="One client with its balance", response=ClientDetailOut,
           errors=(404,))
def get_client(client_id: int):
    return client_detail_json(visible_client(client_id))
