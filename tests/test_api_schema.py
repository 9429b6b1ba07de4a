"""The served OpenAPI document is valid, and the API keeps to it under generated input (issue 13):
schemathesis sends every operation examples built from the document, valid ones and invalid ones,
with a manager's token and a client contact's, and checks that no answer is a server error, every
status is documented, and every answer has the documented content type and shape.

Bounded and repeatable: HOURDESK_SCHEMATHESIS_EXAMPLES examples per operation and mode (default
10), derandomized, so CI runs the same requests every time."""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate as validate_openapi
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api import openapi
from app.contracts import operations as ledger_ops
from app.tickets.operations import add_line

EXAMPLES = int(os.environ.get("HOURDESK_SCHEMATHESIS_EXAMPLES", "10"))
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


@pytest.fixture
def seeded(db, make):
    """A company with a contract, tickets with lines, a manager and a contact with their tokens, so
    generated requests also reach real objects (the ids are passed to operations that take them)."""
    company = make.client()
    manager, contact = make.user("manager"), make.user("client", client=company)
    service = ledger_ops.save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    contract = ledger_ops.create_contract(company, number="API-1", starts_on=ledger_ops.office_today().replace(day=1),
                                          months=12, hours_per_month=10)
    tickets = []
    for n in range(3):
        ticket = make.ticket(client=company, actor=manager, requester=contact, subject=f"Schema {n}")
        add_line(ticket, manager, service=service, minutes=30)
        tickets.append(ticket)
    db.session.commit()
    return {"tokens": {"manager": make.token(manager), "client": make.token(contact)},
            "ids": {"client_id": company.id, "contract_id": contract.id, "ticket_id": tickets[0].id}}


def _failures(app, operation, token: str, mode, path_parameters=None) -> list[str]:
    """Run `operation` with generated cases; the failures found, one line each (all of them, not
    only the first, so one run shows everything to fix)."""
    found: list[str] = []

    @given(case=operation.as_strategy(mode, path_parameters=path_parameters))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseException as exc:   # schemathesis raises a FailureGroup (an ExceptionGroup)
            detail = " | ".join(line.strip() for line in str(exc).splitlines() if line.strip())[:400]
            found.append(f"{operation.label} [{mode.value}] {response.status_code}: {detail}")

    run()
    return found


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_the_openapi_document_is_valid_and_writes_decimals_as_strings(client, db):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate_openapi(spec)   # raises on any violation of OpenAPI 3.1
    schemas = spec["components"]["schemas"]
    assert schemas["ContractOut"]["properties"]["hours_per_month"]["type"] == "string"
    assert schemas["InvoiceOut"]["properties"]["total"]["type"] == "string"
    assert schemas["ContractIn"]["properties"]["hours_per_month"]["type"] == ["string", "number"]
    assert schemas["ContractIn"]["properties"]["hours_per_month"]["exclusiveMinimum"] == 0
    ticket = spec["paths"]["/tickets/{ticket_id}"]["get"]
    assert {"200", "400", "401", "404"} <= set(ticket["responses"])


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
@pytest.mark.parametrize("role", ["manager", "client"])
def test_the_api_keeps_to_its_document(app, seeded, role, mode):
    token = seeded["tokens"][role]
    failures = []
    operations = _operations(app)
    assert len(operations) >= 39
    for operation in operations:
        failures += _failures(app, operation, token, mode)
        names = {parameter.name for parameter in operation.path_parameters}
        if names and names <= set(seeded["ids"]):   # again, on the seeded objects
            failures += _failures(app, operation, token, mode, {name: seeded["ids"][name] for name in names})
    assert failures == []


def test_the_checks_catch_an_answer_that_breaks_the_document(app, seeded, monkeypatch):
    """The canary: with a document that lies about one answer, the same run finds it (so the runs
    above would too)."""
    real = openapi.build_spec

    def lying():
        spec = real()
        spec["components"]["schemas"]["TicketDetailOut"]["properties"]["subject"] = {"type": "integer"}
        del spec["paths"]["/tickets/{ticket_id}"]["get"]["responses"]["404"]
        return spec
    monkeypatch.setattr(openapi, "build_spec", lying)
    (operation,) = [op for op in _operations(app) if op.label == "GET /tickets/{ticket_id}"]
    token = seeded["tokens"]["manager"]
    on_ticket = _failures(app, operation, token, schemathesis.GenerationMode.POSITIVE,
                          {"ticket_id": seeded["ids"]["ticket_id"]})
    assert on_ticket and all("200" in failure for failure in on_ticket)
    missing = _failures(app, operation, token, schemathesis.GenerationMode.POSITIVE, {"ticket_id": 10**9})
    assert missing and all("404" in failure for failure in missing)
