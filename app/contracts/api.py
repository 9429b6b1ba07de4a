"""API: services, contracts, a client's ledger and manual adjustments."""
from sqlalchemy import select

from app.api import PageArgs, api_route, current_api_user, json_body, paginate, query_args
from app.auth.models import MANAGER_ROLES
from app.clients.api import visible_client
from app.clients.models import Client
from app.contracts import operations, queries
from app.contracts.models import Contract, Service
from app.contracts.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    ContractIn,
    ContractOut,
    EntryOut,
    LedgerOut,
    ServiceIn,
    ServiceOut,
)
from app.core.errors import NotFound, ValidationFailed
from app.core.types import utcnow
from app.extensions import db


@api_route("/services", "GET", summary="The service catalogue", query=PageArgs, response=ServiceOut, many=True)
def list_services():
    args = query_args(PageArgs())
    return paginate(select(Service).order_by(Service.code), ServiceOut().dump, args)


@api_route("/services", "POST", summary="Add a service to the catalogue", status=201, body=ServiceIn,
           response=ServiceOut, roles=MANAGER_ROLES, errors=(409,))
def create_service():
    data = ServiceIn().load(json_body())
    service = operations.save_service(None, code=data["code"], name_ru=data["name"], name_en=data["name_en"],
                                      billing=data["billing"], rate=data["rate"], kind=data["kind"])
    return ServiceOut().dump(service), 201


@api_route("/contracts", "POST", summary="Sign a contract; its hours are granted at once", status=201,
           body=ContractIn, response=ContractOut, roles=MANAGER_ROLES, errors=(409,))
def create_contract():
    data = ContractIn().load(json_body())
    client = db.session.get(Client, data.pop("client_id"))
    if client is None:
        raise ValidationFailed("No such client.", code="unknown_client", field="client_id")
    contract = operations.create_contract(client, actor=current_api_user(), **data)
    return ContractOut().dump(contract), 201


@api_route("/contracts/<int:contract_id>", "GET", summary="One contract with its lots and remaining minutes",
           response=ContractOut, errors=(404,))
def get_contract(contract_id: int):
    user = current_api_user()
    contract = db.session.get(Contract, contract_id)
    if contract is None or (user.role == "client" and contract.client_id != user.client_id):
        raise NotFound("No such contract.", code="contract_not_found")
    return ContractOut().dump(contract)


@api_route("/clients/<int:client_id>/ledger", "GET", summary="The client's balance and every ledger entry",
           response=LedgerOut, errors=(404,))
def client_ledger(client_id: int):
    client = visible_client(client_id)
    return {"balance_minutes": queries.client_balance(client.id),
            "entries": EntryOut(many=True).dump(reversed(queries.client_ledger(client.id)))}


@api_route("/clients/<int:client_id>/adjustments", "POST", summary="A manual adjustment with its reason",
           status=201, body=AdjustmentIn, response=AdjustmentOut, roles=MANAGER_ROLES, errors=(404,))
def create_adjustment(client_id: int):
    client = visible_client(client_id)
    data = AdjustmentIn().load(json_body())
    entries = operations.adjust(client, minutes=data["minutes"], reason=data["reason"], actor=current_api_user(),
                                now=utcnow())
    body = EntryOut().dump(entries[0])
    body["entries"] = EntryOut(many=True).dump(entries)
    return body, 201
