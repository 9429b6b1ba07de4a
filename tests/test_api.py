"""The JSON API of docs/api.md: tokens, clients, tickets, the error format and OpenAPI."""
import pytest

from app.auth.models import ApiToken
from app.clients.models import Client
from app.tickets.models import Comment, Ticket, TicketChange
from tests.conftest import PASSWORD


def assert_error(response, status, code=None, field=...):
    assert response.status_code == status, response.data[:500]
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message", "field"} <= set(error)
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    if field is not ...:
        assert error["field"] == field
    return error


# --- tokens -------------------------------------------------------------------------------------

def test_token_for_good_credentials_is_stored_hashed(client, make, db):
    user = make.user("engineer")
    response = client.post("/api/v1/tokens", json={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 201
    raw = response.json["token"]
    stored = db.session.query(ApiToken).one()
    assert raw not in (stored.token_hash, stored.prefix + "x") and len(stored.token_hash) == 64
    assert client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_bad_credentials_401(client, make):
    user = make.user("engineer")
    assert_error(client.post("/api/v1/tokens", json={"email": user.email, "password": "nope"}), 401, "invalid_credentials")
    assert_error(client.post("/api/v1/tokens", json={"email": "ghost@x.example", "password": "nope"}), 401)


def test_disabled_user_and_revoked_token_are_refused(client, make, db, api):
    user = make.user("engineer")
    caller = api(user)
    assert caller.get("/api/v1/tickets").status_code == 200
    token = db.session.query(ApiToken).one()
    from app.auth.operations import revoke_token
    revoke_token(token)
    db.session.commit()
    assert_error(caller.get("/api/v1/tickets"), 401, "unauthorized")
    other = make.user("engineer")
    caller = api(other)
    other.active = False
    db.session.commit()
    assert_error(caller.get("/api/v1/tickets"), 401)


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nonsense", "Basic Zm9vOmJhcg==", "Token abc"])
def test_missing_or_invalid_token_401(client, db, header):
    headers = {"Authorization": header} if header else {}
    error = assert_error(client.get("/api/v1/tickets", headers=headers), 401, "unauthorized")
    assert error["field"] is None


# --- the error format for each status ---------------------------------------------------------

def test_400_malformed_json(client, make, api):
    caller = api(make.user("engineer"))
    response = caller.post("/api/v1/clients", data="{not json", headers={**caller.headers, "Content-Type": "application/json"})
    assert_error(response, 400, "malformed_json")
    assert_error(caller.post("/api/v1/clients", json=[1, 2]), 400, "malformed_json")
    response = client.post("/api/v1/clients", data="name=x", headers={**caller.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert_error(response, 400, "malformed_json")


def test_403_role(make, api):
    contact = make.user("client")
    assert_error(api(contact).post("/api/v1/clients", json={"name": "X", "inn": "7707083893"}), 403, "forbidden")


def test_404_unknown_objects(make, api):
    caller = api(make.user("engineer"))
    assert_error(caller.get("/api/v1/tickets/999999"), 404, "ticket_not_found")
    assert_error(caller.get("/api/v1/clients/999999"), 404, "client_not_found")
    assert_error(caller.get("/api/v1/nothing-here"), 404)


def test_409_duplicate_inn_and_forbidden_transition(make, api, db):
    caller = api(make.user("manager"))
    assert caller.post("/api/v1/clients", json={"name": "Ромашка", "inn": "7707083893"}).status_code == 201
    error = assert_error(caller.post("/api/v1/clients", json={"name": "Другая", "inn": "7707 083 893"}), 409,
                         "duplicate_inn", "inn")
    assert "Ромашка" in error["message"]
    assert db.session.query(Client).count() == 1
    ticket = make.ticket()
    caller.post(f"/api/v1/tickets/{ticket.id}/status", json={"status": "cancelled"})
    assert_error(caller.post(f"/api/v1/tickets/{ticket.id}/status", json={"status": "in_progress"}), 409,
                 "invalid_transition", "status")


@pytest.mark.parametrize("body, code, field", [
    ({"name": "X", "inn": "7707083894"}, "invalid_inn", "inn"),
    ({"name": "X", "inn": "123"}, "invalid_inn", "inn"),
    ({"name": "", "inn": "7707083893"}, "name_required", "name"),
    ({"name": "X" * 256, "inn": "7707083893"}, "name_too_long", "name"),
    ({"name": "X", "inn": "7707083893", "timezone": "Mars/Olympus"}, "invalid_timezone", "timezone"),
    ({"name": "X", "inn": "7707083893", "country": "KZ"}, "validation_failed", "country"),
    ({"name": 5, "inn": "7707083893"}, "validation_failed", "name"),
    ({"inn": "7707083893"}, "validation_failed", "name"),
    ({"name": "X", "inn": "7707083893", "surprise": 1}, "validation_failed", "surprise"),
])
def test_422_client_validation_writes_nothing(make, api, db, body, code, field):
    caller = api(make.user("engineer"))
    assert_error(caller.post("/api/v1/clients", json=body), 422, code, field)
    assert db.session.query(Client).count() == 0


# --- clients ------------------------------------------------------------------------------------

def test_create_and_find_clients(make, api):
    caller = api(make.user("engineer"))
    created = caller.post("/api/v1/clients", json={"name": 'ООО «Ромашка»', "inn": "7707083893"})
    assert created.status_code == 201
    assert created.json["country"] == "RU" and created.json["inn"] == "7707083893"
    caller.post("/api/v1/clients", json={"name": "ТОВ Дніпро", "inn": "32855961"})
    assert [c["name"] for c in caller.get("/api/v1/clients?q=ром").json["items"]] == ['ООО «Ромашка»']
    assert [c["inn"] for c in caller.get("/api/v1/clients?q=328").json["items"]] == ["32855961"]
    assert caller.get("/api/v1/clients?inn=7707083893").json["total"] == 1
    assert caller.get("/api/v1/clients?inn=7707083894").json["total"] == 0
    got = caller.get(f"/api/v1/clients/{created.json['id']}")
    assert got.status_code == 200 and got.json["name"] == 'ООО «Ромашка»'


def test_pagination(make, api):
    caller = api(make.user("engineer"))
    company = make.client()
    for i in range(5):
        make.ticket(client=company, subject=f"t{i}")
    page = caller.get("/api/v1/tickets?per_page=2&page=2").json
    assert (page["page"], page["per_page"], page["total"], len(page["items"])) == (2, 2, 5, 2)
    assert caller.get("/api/v1/tickets").json["per_page"] == 50
    assert_error(caller.get("/api/v1/tickets?per_page=201"), 422, field="per_page")
    assert_error(caller.get("/api/v1/tickets?page=0"), 422, field="page")
    assert_error(caller.get("/api/v1/tickets?page=abc"), 422, field="page")


# --- tickets ------------------------------------------------------------------------------------

def test_create_ticket(make, api, db):
    engineer = make.user("engineer")
    company = make.client()
    response = api(engineer).post("/api/v1/tickets", json={
        "client_id": company.id, "subject": "  Принтер   не печатает ", "priority": "high",
        "description": "<script>alert(1)</script>"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "open" and body["subject"] == "Принтер не печатает" and body["priority"] == "high"
    assert body["channel"] == "api" and body["comments"] == []
    assert "response_due_at" in body and "resolution_due_at" in body
    assert body["created_at"].endswith("+00:00")
    assert db.session.query(TicketChange).filter_by(ticket_id=body["id"], field="created").count() == 1
    # the answer is what reading the ticket answers; a new ticket's comments and lines are not read
    assert api(engineer).get(f"/api/v1/tickets/{body['id']}").json == body


def test_registering_through_the_api_reads_no_comments_or_lines(make, api, db):
    """A ticket registered by this request has no comments and no lines: its answer reads neither."""
    from sqlalchemy import event
    engineer, company = make.user("engineer"), make.client()
    caller, company_id = api(engineer), company.id
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        response = caller.post("/api/v1/tickets", json={"client_id": company_id, "subject": "Не работает VPN"})
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert response.status_code == 201 and response.json["comments"] == [] and response.json["lines"] == []
    assert not [s for s in statements if "FROM comments" in s or "FROM spec_lines" in s], statements
    # the caller through its token, the client, its SLA policy; the ticket, its history row, the
    # balance in the answer, its event, its search row (SQLite counts its BEGIN)
    assert len(statements) <= (9 if db.engine.dialect.name == "sqlite" else 8), [s[:60] for s in statements]


@pytest.mark.parametrize("body, status, field", [
    ({"subject": "x"}, 422, "client_id"),
    ({"client_id": 999999, "subject": "x"}, 422, "client_id"),
    ({"client_id": "1", "subject": "x"}, 422, "client_id"),
    ({"client_id": None, "subject": "x"}, 422, "client_id"),
    ({"client_id": "x", "subject": ""}, 422, "client_id"),
    ({"client_id": "CLIENT", "subject": ""}, 422, "subject"),
    ({"client_id": "CLIENT", "subject": "   "}, 422, "subject"),
    ({"client_id": "CLIENT", "subject": "x" * 256}, 422, "subject"),
    ({"client_id": "CLIENT", "subject": "x", "priority": "urgent"}, 422, "priority"),
    ({"client_id": "CLIENT", "subject": "x", "channel": "pigeon"}, 422, "channel"),
    ({"client_id": "CLIENT", "subject": "x", "desired_due_at": "tomorrow"}, 422, "desired_due_at"),
    ({"client_id": "CLIENT", "subject": "x", "desired_due_at": "2030-01-01T10:00:00"}, 422, "desired_due_at"),
    ({"client_id": "CLIENT", "subject": "x", "assignee_id": 999999}, 422, "assignee_id"),
])
def test_create_ticket_bad_input_writes_nothing(make, api, db, body, status, field):
    company = make.client()
    body = {k: (company.id if v == "CLIENT" else v) for k, v in body.items()}
    response = api(make.user("engineer")).post("/api/v1/tickets", json=body)
    assert_error(response, status, field=field)
    assert db.session.query(Ticket).count() == 0


def test_ticket_list_filters(make, api, db):
    engineer = make.user("engineer")
    a, b = make.client(), make.client()
    t1 = make.ticket(client=a, subject="VPN не работает", priority="high")
    make.ticket(client=b, subject="Принтер", priority="low")
    from app.tickets.operations import take_ticket
    take_ticket(t1, engineer)
    db.session.commit()
    caller = api(engineer)
    ids = lambda q: [t["id"] for t in caller.get("/api/v1/tickets" + q).json["items"]]  # noqa: E731
    assert ids(f"?client_id={a.id}") == [t1.id]
    assert ids("?status=in_progress") == [t1.id]
    assert ids(f"?assignee_id={engineer.id}") == [t1.id]
    assert ids("?q=vpn") == [t1.id]
    assert ids("?q=ПРИНТЕР") != [] and ids("?q=ПРИНТЕР") != [t1.id]
    assert ids(f"?q=%23{t1.id}") == [t1.id]
    assert_error(caller.get("/api/v1/tickets?status=nonsense"), 422, field="status")


def test_comments_public_and_internal(make, api, db):
    engineer = make.user("engineer")
    company = make.client()
    contact = make.user("client", client=company)
    ticket = make.ticket(client=company, actor=engineer)
    staff = api(engineer)
    assert staff.post(f"/api/v1/tickets/{ticket.id}/comments", json={"body": "Смотрим"}).status_code == 201
    assert staff.post(f"/api/v1/tickets/{ticket.id}/comments", json={"body": "клиент должен за прошлый месяц",
                                                                     "public": False}).status_code == 201
    assert [c["public"] for c in staff.get(f"/api/v1/tickets/{ticket.id}").json["comments"]] == [True, False]
    seen_by_client = api(contact).get(f"/api/v1/tickets/{ticket.id}").json["comments"]
    assert [c["body"] for c in seen_by_client] == ["Смотрим"]
    # a contact's comment is public even if it asks otherwise
    response = api(contact).post(f"/api/v1/tickets/{ticket.id}/comments", json={"body": "Спасибо", "public": False})
    assert response.status_code == 201 and response.json["public"] is True
    db.session.refresh(ticket)
    assert ticket.first_response_at is not None
    assert_error(staff.post(f"/api/v1/tickets/{ticket.id}/comments", json={"body": "  "}), 422, field="body")
    assert_error(staff.post(f"/api/v1/tickets/{ticket.id}/comments", json={"body": "x", "public": "no"}), 422, field="public")
    assert db.session.query(Comment).count() == 3


def test_client_token_sees_only_its_company(make, api, db):
    a, b = make.client(), make.client()
    contact = make.user("client", client=a)
    mine = make.ticket(client=a)
    theirs = make.ticket(client=b)
    caller = api(contact)
    assert [t["id"] for t in caller.get("/api/v1/tickets").json["items"]] == [mine.id]
    assert caller.get(f"/api/v1/tickets?client_id={b.id}").json["items"] == []
    for url in (f"/api/v1/tickets/{theirs.id}", f"/api/v1/clients/{b.id}"):
        response = caller.get(url)
        assert_error(response, 404)
        assert b.name not in response.get_data(as_text=True)
    assert_error(caller.post(f"/api/v1/tickets/{theirs.id}/comments", json={"body": "hi"}), 404)
    assert [c["id"] for c in caller.get("/api/v1/clients").json["items"]] == [a.id]
    # registering for another company: 404, nothing written
    assert_error(caller.post("/api/v1/tickets", json={"client_id": b.id, "subject": "x"}), 404)
    response = caller.post("/api/v1/tickets", json={"client_id": a.id, "subject": "Не работает почта"})
    assert response.status_code == 201 and response.json["requester_id"] == contact.id
    assert db.session.query(Ticket).filter_by(client_id=b.id).count() == 1


def test_openapi_describes_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    described = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_json":
            path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}")
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == described
    assert "client_id" in spec["components"]["schemas"]["TicketIn"]["properties"]
