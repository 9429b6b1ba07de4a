"""A committed write never answers 500 (issue 13): the unit of work builds the response before the
commit, and what runs after it (waking the event and mail deliverers) cannot turn a done change into
an error. Proven by making the database refuse every statement from the moment the request's
transaction commits: the answer must still be the success the client was owed, and the change
must be there."""
from contextlib import contextmanager

import pytest
from flask import has_request_context
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.contracts import operations as ledger_ops
from app.tickets.models import Comment, Ticket
from app.tickets.operations import add_line


@contextmanager
def database_gone_after_commit(db):
    """Every SQL statement after the request's commit fails, as if the server went away right then."""
    state = {"committed": False}

    def committed(_session):
        if has_request_context():   # the request's commit (the test's own session commits around it)
            state["committed"] = True

    def refuse(_conn, _cursor, statement, *_args):
        if state["committed"]:
            raise OperationalError(statement, None, ConnectionError("the database went away after the commit"))
    event.listen(Session, "after_commit", committed)
    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        yield state
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)
        event.remove(Session, "after_commit", committed)


@pytest.fixture
def desk(db, make):
    company = make.client()
    engineer, contact = make.user("engineer"), make.user("client", client=company)
    service = ledger_ops.save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    ledger_ops.create_contract(company, number="W-1", starts_on=ledger_ops.office_today().replace(day=1), months=12,
                               hours_per_month=10)
    ticket = make.ticket(client=company, actor=engineer, requester=contact, subject="Принтер")
    add_line(ticket, engineer, service=service, minutes=30)
    db.session.commit()
    return {"company": company, "engineer": engineer, "contact": contact, "ticket": ticket,
            "staff": {"Authorization": f"Bearer {make.token(engineer)}"},
            "client": {"Authorization": f"Bearer {make.token(contact)}"}}


def _count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_api_write_answers_what_it_committed(client, db, desk):
    body = {"client_id": desk["company"].id, "subject": "Сервер не отвечает", "priority": "high"}
    with database_gone_after_commit(db) as state:
        response = client.post("/api/v1/tickets", json=body, headers=desk["staff"])
        assert state["committed"]
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert response.get_json()["subject"] == "Сервер не отвечает" and response.get_json()["number"]
    assert _count(db, Ticket) == 2


def test_a_close_answers_its_debit_though_nothing_after_the_commit_works(client, db, desk):
    ticket_id = desk["ticket"].id
    with database_gone_after_commit(db) as state:
        response = client.post(f"/api/v1/tickets/{ticket_id}/close", json={}, headers=desk["staff"])
        assert state["committed"]
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.get_json()["ticket"]["status"] == "closed" and response.get_json()["debited_minutes"] == 30
    db.session.rollback()
    assert db.session.get(Ticket, ticket_id).status == "closed"


def test_a_contacts_comment_and_a_form_post_answer_after_their_commit(client, db, desk, login):
    ticket_id = desk["ticket"].id
    with database_gone_after_commit(db) as state:
        response = client.post(f"/api/v1/tickets/{ticket_id}/comments", json={"body": "Спасибо, ждём"},
                               headers=desk["client"])
        assert state["committed"]
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert _count(db, Comment) == 1
    login(desk["engineer"])
    data = {"client_id": desk["company"].id, "subject": "Звонок", "priority": "normal", "channel": "phone",
            "assignee_id": "0"}
    with database_gone_after_commit(db) as state:
        response = client.post("/tickets/new", data=data)
        assert state["committed"]
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert _count(db, Ticket) == 2
