"""Tags on tickets and the report of inquiries per 1,000 clients by tag and month (issue 12)."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, update

from app.clients.models import Client
from app.core.errors import Forbidden, ValidationFailed
from app.tickets.models import Tag, Ticket, TicketChange
from app.tickets.operations import create_ticket, update_ticket
from app.tickets.queries import ticket_list_query


def test_engineers_tag_tickets_and_each_change_is_in_the_history(client, make, login, db):
    engineer = login(make.user("engineer"))
    ticket = make.ticket(actor=engineer)
    response = client.post(f"/tickets/{ticket.id}/edit", data={
        "priority": "normal", "assignee_id": "0", "tags": "Оплата,  принтер , оплата"})
    assert response.status_code == 302
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert [t.name for t in ticket.tags] == ["Оплата", "принтер"]          # one tag per spelling
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'value="Оплата, принтер"' in page and '<option value="Оплата">' in page
    # a form without the field leaves the tags alone; an empty field clears them
    client.post(f"/tickets/{ticket.id}/edit", data={"priority": "high", "assignee_id": "0"})
    assert len(db.session.get(Ticket, ticket.id).tags) == 2
    client.post(f"/tickets/{ticket.id}/edit", data={"priority": "high", "assignee_id": "0", "tags": "ОПЛАТА"})
    db.session.expire_all()
    assert [t.name for t in db.session.get(Ticket, ticket.id).tags] == ["Оплата"]
    changes = db.session.scalars(select(TicketChange).where(TicketChange.ticket_id == ticket.id,
                                                            TicketChange.field == "tags")
                                 .order_by(TicketChange.id)).all()
    assert [(c.old_value, c.new_value) for c in changes] == [(None, "Оплата, принтер"), ("Оплата, принтер", "Оплата")]
    assert db.session.scalar(select(func.count(Tag.id))) == 2
    # the list filters by tag
    listed = client.get("/tickets/?tag=оплата").get_data(as_text=True)
    assert f'data-ticket-id="{ticket.id}"' in listed and 'id="tag-filter"' in listed


def test_bad_tags_change_nothing(make, db):
    engineer = make.user("engineer")
    ticket = make.ticket(actor=engineer)
    with pytest.raises(ValidationFailed) as too_long:
        update_ticket(ticket, engineer, tags=["x" * 51])
    assert too_long.value.code == "invalid_tag"
    with pytest.raises(ValidationFailed) as too_many:
        update_ticket(ticket, engineer, tags=[f"t{i}" for i in range(11)])
    assert too_many.value.code == "too_many_tags"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Tag.id))) == 0
    contact = make.user("client")
    with pytest.raises(Forbidden):
        create_ticket(contact, contact.client, subject="Помогите", tags="срочно")


def test_a_new_ticket_carries_its_tags(client, make, login, db):
    login(make.user("engineer"))
    company = make.client()
    response = client.post("/tickets/new", data={"client_id": company.id, "subject": "Счёт не пришёл",
                                                  "priority": "normal", "channel": "phone", "assignee_id": "0",
                                                  "tags": "оплата"})
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert [t.name for t in ticket.tags] == ["оплата"]
    assert [t.id for t in db.session.scalars(ticket_list_query(tag="Оплата"))] == [ticket.id]


def test_inquiries_per_thousand_clients_by_tag_and_month(client, make, login, db):
    login(make.user("manager"))
    engineer = make.user("engineer")
    clients = [make.client() for _ in range(4)]
    db.session.execute(update(Client).values(created_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    late = make.client()   # registered in November: counts in November's base only
    db.session.execute(update(Client).where(Client.id == late.id).values(created_at=datetime(2026, 11, 5, tzinfo=timezone.utc)))
    for company, month, tags in ((clients[0], 10, "оплата"), (clients[1], 10, "оплата, принтер"),
                                 (clients[2], 10, "принтер"), (clients[0], 11, "оплата"), (late, 11, "оплата")):
        ticket = make.ticket(client=company, actor=engineer, tags=tags)
        db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(
            created_at=datetime(2026, month, 10, 9, tzinfo=timezone.utc)))
    db.session.commit()
    csv_text = client.get("/reports/tags/export.csv", query_string={
        "from": "2026-10-01", "to": "2026-11-30"}).get_data(as_text=True)
    lines = [line.split(";" if ";" in line else ",") for line in csv_text.lstrip("\ufeff").strip().splitlines()]
    rows = [(r[0], r[1], r[2], r[3], r[4]) for r in lines[1:]]
    assert rows == [("2026-10", "оплата", "2", "4", "500.0"), ("2026-10", "принтер", "2", "4", "500.0"),
                    ("2026-11", "оплата", "2", "5", "400.0")]
    page = client.get("/reports/tags?from=2026-10-01&to=2026-11-30")
    assert page.status_code == 200 and "Inquiries per 1,000 clients" in page.get_data(as_text=True)


def test_a_tags_list_is_newest_first_and_counted_from_the_tag(client, make, login, db, monkeypatch):
    """A tag alone lists its tickets newest first along the tag's index and counts them there (up
    to the lists' cap); with a status as well, the status still applies."""
    from app.core import paging
    engineer, customer = make.user("engineer"), make.client()
    ids = [create_ticket(engineer, customer, subject=f"Заявка {i}", tags="VPN").id for i in range(4)]
    create_ticket(engineer, customer, subject="Без тега")
    db.session.commit()
    login(engineer)

    def listed(query):
        page = client.get("/tickets/" + query).get_data(as_text=True)
        rows = [int(part.split('"', 1)[0]) for part in page.split('data-ticket-id="')[1:]]
        return page.split('id="ticket-count">', 1)[1].split("<", 1)[0], rows

    assert listed("?tag=vpn") == ("4 tickets", ids[::-1])
    monkeypatch.setattr(paging, "COUNT_AT_MOST", 3)
    assert listed("?tag=vpn")[0] == "3+ tickets"
    assert listed("?tag=vpn&status=in_progress") == ("0 tickets", [])
    assert listed("?tag=nothing") == ("0 tickets", [])
