"""Nothing forgotten (issue 12): taking a ticket assigns it, a contact's reply brings a waiting
ticket back, the dashboard's queues, staff notices (bell, live, e-mail, switchable), moved
deadlines that cannot hide a breach, and the contacts' reopening window with follow-up tickets."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.core.errors import ValidationFailed
from app.core.events import OutboxEvent
from app.notifications.models import MailMessage, StaffNotice
from app.notifications.operations import save_notice_settings
from app.reports.queries import Filters, Period, breaches_table, moved_deadlines_table, sla_table
from app.sla.models import TicketPause
from app.tickets.models import Ticket, TicketChange, TicketSlaEvent
from app.tickets.operations import add_comment, set_status, update_ticket
from app.tickets.tasks import check_sla
from tests.test_api import assert_error


def _notices(db, user, kind=None):
    query = select(StaffNotice).where(StaffNotice.user_id == user.id)
    if kind:
        query = query.where(StaffNotice.kind == kind)
    return db.session.scalars(query.order_by(StaffNotice.id)).all()


def _mails_to(db, user):
    return db.session.scalars(select(MailMessage.subject).where(MailMessage.recipient == user.email)).all()


# --- 1. "Взять в работу" assigns and starts, in one step -------------------------------------------

def test_taking_a_ticket_assigns_it_to_the_taker_and_starts_work(client, make, login, db):
    engineer = login(make.user("engineer", locale="ru"))
    ticket = make.ticket()
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Беру" not in page and "Take it" not in page        # the separate button is gone
    assert f'action="/tickets/{ticket.id}/take"' in page and "Взять в работу" in page
    assert client.post(f"/tickets/{ticket.id}/take").status_code == 302
    db.session.refresh(ticket)
    assert (ticket.status, ticket.assignee_id) == ("in_progress", engineer.id) and ticket.acknowledged_at
    # a waiting ticket taken by a colleague is theirs and in progress again
    set_status(ticket, engineer, "waiting")
    db.session.commit()
    colleague = login(make.user("engineer"))
    client.post(f"/tickets/{ticket.id}/take")
    db.session.refresh(ticket)
    assert (ticket.status, ticket.assignee_id) == ("in_progress", colleague.id)


def test_a_ticket_in_progress_always_has_an_assignee(make, db, api):
    engineer = make.user("engineer")
    ticket = make.ticket()
    # through the API's status change too: whoever starts the work is the assignee
    assert api(engineer).post(f"/api/v1/tickets/{ticket.id}/status", json={"status": "in_progress"}).status_code == 200
    db.session.refresh(ticket)
    assert ticket.assignee_id == engineer.id
    with pytest.raises(ValidationFailed) as refused:
        update_ticket(ticket, engineer, assignee=None)
    assert refused.value.code == "assignee_required"
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).assignee_id == engineer.id


# --- 2. a contact's reply brings a waiting ticket back ---------------------------------------------

def test_a_contacts_reply_to_a_waiting_ticket_resumes_it_and_tells_the_assignee(make, db):
    engineer = make.user("engineer")
    company = make.client()
    contact = make.user("client", client=company)
    ticket = make.ticket(client=company, requester=contact, assignee=engineer)
    set_status(ticket, engineer, "waiting")
    db.session.commit()
    add_comment(ticket, contact, "Вот логи, которые вы просили")
    db.session.commit()
    db.session.refresh(ticket)
    assert ticket.status == "in_progress" and ticket.assignee_id == engineer.id
    pause = db.session.scalars(select(TicketPause).where(TicketPause.ticket_id == ticket.id)).one()
    assert pause.ended_at is not None                       # the SLA clock runs again
    (notice,) = _notices(db, engineer)
    assert (notice.kind, notice.ticket_id, notice.actor_name) == ("client_replied", ticket.id, contact.name)
    assert any("The client replied" in s for s in _mails_to(db, engineer))
    live = db.session.scalars(select(OutboxEvent).where(OutboxEvent.event == "notice.created")).one()
    assert live.rooms == [f"user:{engineer.id}"] and live.payload["unread"] == 1


def test_a_reopen_by_the_contact_tells_the_assignee_and_keeps_the_ticket_assigned(make, db):
    engineer = make.user("engineer")
    manager = make.user("manager")
    company = make.client(account_manager=manager)
    contact = make.user("client", client=company)
    ticket = make.ticket(client=company, requester=contact)
    set_status(ticket, engineer, "closed")                   # solved on the phone, never assigned
    db.session.commit()
    set_status(ticket, contact, "in_progress", reason="Опять не печатает")
    db.session.commit()
    db.session.refresh(ticket)
    # nobody had it: the account manager answers for the client, and hears of it
    assert ticket.assignee_id == manager.id
    assert sorted(n.kind for n in _notices(db, manager)) == ["assigned", "reopened"]


# --- 3. the dashboard's queues ----------------------------------------------------------------------

def test_the_dashboard_has_the_unassigned_queue_my_clients_and_marks_news(client, make, login, db):
    me = login(make.user("manager"))
    mine = make.client(account_manager=me)
    theirs = make.client(account_manager=make.user("manager"))
    nobodys = make.ticket(client=mine, subject="Ничей принтер")
    make.ticket(client=theirs, subject="Чужой сервер")
    page = client.get("/").get_data(as_text=True)
    section = page.split('id="dash-unassigned"')[1].split("</section>")[0]
    assert "Ничей принтер" in section and "Чужой сервер" in section
    mine_only = client.get("/?clients=mine").get_data(as_text=True)
    assert "Ничей принтер" in mine_only and "Чужой сервер" not in mine_only
    # news on my ticket: marked until I open it
    contact = make.user("client", client=mine)
    update_ticket(nobodys, me, assignee=me)
    set_status(nobodys, me, "waiting")
    add_comment(nobodys, contact, "Готово, проверьте")
    db.session.commit()
    row = client.get("/").get_data(as_text=True).split(f'data-ticket-id="{nobodys.id}"')[1].split("</tr>")[0]
    assert "attention" in row
    client.get(f"/tickets/{nobodys.id}")
    row = client.get("/").get_data(as_text=True).split(f'data-ticket-id="{nobodys.id}"')[1].split("</tr>")[0]
    assert "attention" not in row


# --- 4. staff notices --------------------------------------------------------------------------------

def test_opening_a_ticket_reads_its_notices_and_the_bell_counts_the_rest(client, make, login, db):
    engineer = make.user("engineer")
    opened, other = make.ticket(), make.ticket()
    for ticket, kind in ((opened, "assigned"), (opened, "client_replied"), (other, "assigned")):
        db.session.add(StaffNotice(user_id=engineer.id, kind=kind, ticket_id=ticket.id))
    db.session.commit()
    login(engineer)
    for _ in range(2):   # the second time there is nothing left to read on this ticket
        page = client.get(f"/tickets/{opened.id}").get_data(as_text=True)
        assert '<span class="badge rounded-pill text-bg-danger " id="bell-count">1</span>' in page
        unread = db.session.scalars(select(StaffNotice.ticket_id).where(
            StaffNotice.user_id == engineer.id, StaffNotice.read_at.is_(None))).all()
        assert unread == [other.id]
    page = client.get(f"/tickets/{other.id}").get_data(as_text=True)
    assert '<span class="badge rounded-pill text-bg-danger d-none" id="bell-count">0</span>' in page


def test_the_bell_counts_in_the_statement_that_finds_the_log_in(client, make, login, db):
    """Every staff page draws the bell: its count is read with the log-in, not by a statement of its
    own, and a ticket page asks about its ticket's notices only when something is unread."""
    from sqlalchemy import event
    engineer = make.user("engineer")
    ticket, quiet = make.ticket(), make.ticket()
    db.session.add_all([StaffNotice(user_id=engineer.id, kind="assigned", ticket_id=ticket.id) for _ in range(2)])
    db.session.commit()
    login(engineer)
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def notices_read_by(path):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            page = client.get(path).get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        return page, [s for s in statements if "staff_notices" in s]

    page, asked = notices_read_by("/tickets/")
    assert '<span class="badge rounded-pill text-bg-danger " id="bell-count">2</span>' in page
    assert len(asked) == 1 and "user_sessions" in asked[0], asked
    page, asked = notices_read_by(f"/tickets/{quiet.id}")   # unread, but none of this ticket's
    assert 'id="bell-count">2</span>' in page and len(asked) == 2, asked
    page, asked = notices_read_by(f"/tickets/{ticket.id}")   # read now: the bell goes dark
    assert 'd-none" id="bell-count">0</span>' in page
    page, asked = notices_read_by(f"/tickets/{quiet.id}")   # nothing unread: no question about the ticket
    assert 'd-none" id="bell-count">0</span>' in page and len(asked) == 1, asked


def test_staff_notices_in_app_and_by_email_each_switchable(client, make, login, db):
    manager = make.user("manager")
    engineer = make.user("engineer")
    ticket = make.ticket(actor=manager)
    update_ticket(ticket, manager, assignee=engineer)
    update_ticket(ticket, engineer, assignee=engineer)        # nothing changes: nobody is told
    db.session.commit()
    assert [n.kind for n in _notices(db, engineer)] == ["assigned"]
    assert any("Assigned to you" in s for s in _mails_to(db, engineer))
    # the SLA monitor's breach on the engineer's ticket
    update_ticket(ticket, manager, resolution_due_at=datetime.now(timezone.utc) + timedelta(minutes=5),
                  reason="срочно")
    db.session.commit()
    check_sla(datetime.now(timezone.utc) + timedelta(minutes=6))
    assert {n.kind for n in _notices(db, engineer)} == {"assigned", "sla_warning", "sla_breach"}
    # the bell: the unread count; a notice opened is read
    login(engineer)
    page = client.get("/notices/").get_data(as_text=True)
    assert 'id="bell-count"' in page and ">3</span>" in page
    first = _notices(db, engineer)[0]
    opened = client.get(f"/notices/{first.id}")
    assert opened.headers["Location"].endswith(f"/tickets/{ticket.id}")
    assert db.session.get(StaffNotice, first.id).read_at is not None
    client.get(opened.headers["Location"])
    assert db.session.scalar(select(func.count()).select_from(StaffNotice).where(
        StaffNotice.user_id == engineer.id, StaffNotice.read_at.is_(None))) == 0   # the ticket page read them all
    # switched off: e-mail for assignments, the bell for breaches
    assert client.post("/notices/settings", data={"on": ["assigned:app", "sla_breach:email"]}).status_code == 302
    other = make.ticket(actor=manager)
    mails_before = len(_mails_to(db, engineer))
    update_ticket(other, manager, assignee=engineer)
    db.session.commit()
    assert [n.ticket_id for n in _notices(db, engineer, "assigned")][-1] == other.id
    assert len(_mails_to(db, engineer)) == mails_before
    save_notice_settings(engineer, set())
    update_ticket(other, manager, assignee=manager)
    update_ticket(other, manager, assignee=engineer)
    db.session.commit()
    assert len(_notices(db, engineer, "assigned")) == 2


# --- 5. moving a deadline ----------------------------------------------------------------------------

def test_a_moved_deadline_needs_a_reason_and_cannot_hide_a_breach(client, make, login, db, app):
    manager = login(make.user("manager"))
    now = datetime.now(timezone.utc)
    ticket = make.ticket(resolution_due_at=now - timedelta(hours=1), assignee=manager)   # already late
    response = client.post(f"/tickets/{ticket.id}/edit", data={
        "priority": "normal", "assignee_id": manager.id, "resolution_due_at": "2031-01-01T10:00"})
    assert response.status_code == 422 and "Say why the deadline moves" in response.get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.resolution_due_at < now                                 # nothing changed
    assert client.post(f"/tickets/{ticket.id}/edit", data={
        "priority": "normal", "assignee_id": manager.id, "resolution_due_at": "2031-01-01T10:00",
        "due_reason": "клиент в отпуске"}).status_code == 302
    moved = db.session.scalars(select(TicketChange).where(TicketChange.ticket_id == ticket.id,
                                                          TicketChange.field == "resolution_due_at")).one()
    assert moved.reason == "клиент в отпуске"
    assert db.session.scalars(select(TicketSlaEvent.kind).where(TicketSlaEvent.ticket_id == ticket.id)).all() == \
        ["resolution_breach"]
    set_status(ticket, manager, "resolved")                               # long before the new deadline
    db.session.commit()
    period = Period(now.date() - timedelta(days=1), now.date() + timedelta(days=1), timezone.utc)
    with app.test_request_context():
        (row,) = sla_table(period, Filters(), datetime.now(timezone.utc)).rows
        (breach,) = breaches_table(period, Filters(), datetime.now(timezone.utc)).rows
        (listed,) = moved_deadlines_table(period, Filters()).rows
    assert (row["resolution_met_n"], row["deadline_moved"]) == (0, 1)    # still a breach, and shown as moved
    assert breach["moved"] and "resolution" in breach["breached"]
    assert listed["reason"] == "клиент в отпуске" and listed["by"] == manager.name


# --- 6. the contacts' reopening window -----------------------------------------------------------------

def test_a_contact_reopens_within_the_window_then_opens_a_follow_up(client, make, login, db, app):
    engineer = make.user("engineer")
    company = make.client()
    contact = make.user("client", client=company)
    ticket = make.ticket(client=company, requester=contact, subject="Почта не уходит")
    set_status(ticket, engineer, "closed")
    ticket.closed_at = datetime.now(timezone.utc) - timedelta(days=app.config["HOURDESK_CLIENT_REOPEN_DAYS"] + 1)
    db.session.commit()
    login(contact)
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert f"/portal/tickets/new?follow_up_of={ticket.id}" in page and "/reopen" not in page
    refused = client.post(f"/portal/tickets/{ticket.id}/reopen", data={"reason": "снова"})
    assert refused.status_code == 409 and db.session.get(Ticket, ticket.id).status == "closed"
    form = client.get(f"/portal/tickets/new?follow_up_of={ticket.id}").get_data(as_text=True)
    assert "Again: Почта не уходит" in form
    created = client.post("/portal/tickets/new", data={"subject": "Again: Почта не уходит", "priority": "normal",
                                                       "follow_up_of": ticket.id})
    assert created.status_code == 302
    follow_up = db.session.scalars(select(Ticket).where(Ticket.follow_up_of_id == ticket.id)).one()
    assert follow_up.client_id == company.id
    assert ticket.number in client.get(f"/portal/tickets/{follow_up.id}").get_data(as_text=True)
    # another company's ticket cannot be followed up (404), and staff may always reopen
    stranger = make.ticket()
    assert client.get(f"/portal/tickets/new?follow_up_of={stranger.id}").status_code == 404
    set_status(ticket, engineer, "in_progress", reason="клиент позвонил")
    db.session.commit()
    assert db.session.get(Ticket, ticket.id).status == "in_progress"


def test_a_contact_may_reopen_a_recently_closed_ticket(make, db, api):
    company = make.client()
    contact = make.user("client", client=company)
    ticket = make.ticket(client=company, requester=contact)
    set_status(ticket, make.user("engineer"), "closed")
    db.session.commit()
    assert api(contact).post(f"/api/v1/tickets/{ticket.id}/reopen", json={"reason": "снова"}).status_code == 200
    ticket.status, ticket.closed_at = "closed", datetime.now(timezone.utc) - timedelta(days=30)
    db.session.commit()
    assert_error(api(contact).post(f"/api/v1/tickets/{ticket.id}/reopen", json={"reason": "снова"}), 409,
                 code="reopen_window_passed")
