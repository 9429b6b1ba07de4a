"""E-mail notices through a real local SMTP server (aiosmtpd): who gets what, and an SMTP outage
followed by recovery delivers every queued message exactly once."""
import email
import socket
import threading
from datetime import date, timedelta
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.contracts.operations import adjust, create_contract, save_service
from app.core.types import utcnow
from app.notifications.delivery import deliver_due, retry_delay
from app.notifications.models import MailMessage
from app.notifications.operations import notify_expiring_lots
from app.tickets.operations import add_comment, add_line, create_ticket, set_status


class Inbox:
    """aiosmtpd handler: keeps every accepted message; can refuse recipients with a code."""

    def __init__(self):
        self.messages = []
        self.refuse = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def to(self, address):
        return [m for rcpt, m in self.messages if address in rcpt]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on loopback, and the app pointed at it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "HOURDESK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "HOURDESK_SMTP_PORT", port)
    monkeypatch.setitem(app.config, "HOURDESK_SMTP_TIMEOUT", 5)
    inbox.controller, inbox.port = controller, port
    yield inbox
    try:
        controller.stop()
    except AssertionError:   # stopped by the test already
        pass


@pytest.fixture
def company(make, db):
    manager = make.user("manager", email="am@hourdesk.example")
    engineer = make.user("engineer", name="Инженер Петров")
    client = make.client(email="office@alpha.example", account_manager=manager)
    contact = make.user("client", client=client, email="anna@alpha.example")
    other = make.user("client", client=client, email="boris@alpha.example", locale="ru")
    make.user("client", client=client, email="gone@alpha.example").active = False   # left the company
    service = save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    create_contract(client, number="C-1", starts_on=date.today() - timedelta(days=10), months=1, hours_per_month=10)
    db.session.commit()

    class Company:
        pass
    c = Company()
    c.client, c.contact, c.other, c.engineer, c.manager, c.service = client, contact, other, engineer, manager, service
    return c


def _send(now=None):
    return deliver_due(now or utcnow())


def test_ticket_notices_reach_the_requester(company, make, db, smtp):
    ticket = make.ticket(client=company.client, actor=company.engineer, subject="Не работает почта",
                         requester=company.contact)
    add_comment(ticket, company.engineer, "Перезагрузите, пожалуйста, роутер")
    add_comment(ticket, company.engineer, "внутреннее: клиент опять сам всё сломал", public=False)
    # the requester's own words: no mail to her; the account manager answers for the unassigned ticket
    add_comment(ticket, company.contact, "Перезагрузила")
    set_status(ticket, company.engineer, "resolved")
    db.session.commit()
    report = _send()
    assert (report.sent, report.retrying, report.failed) == (4, 0, 0)
    staff = [(rcpt, m) for rcpt, m in smtp.messages if rcpt == ["am@hourdesk.example"]]
    assert [m["Subject"] for _, m in staff] == [f"The client replied: [{ticket.number}] Не работает почта"]
    smtp.messages[:] = [item for item in smtp.messages if item not in staff]
    assert [rcpt for rcpt, _ in smtp.messages] == [["anna@alpha.example"]] * 3
    subjects = [m["Subject"] for _, m in smtp.messages]
    assert subjects == [f"Ticket [{ticket.number}] registered: Не работает почта",
                        f"Reply on ticket [{ticket.number}]: Не работает почта",
                        f"Ticket [{ticket.number}] resolved: Не работает почта"]
    reply = smtp.messages[1][1].get_content()
    assert "Перезагрузите, пожалуйста, роутер" in reply and "Инженер Петров" in reply
    assert f"/portal/tickets/{ticket.id}" in reply
    assert all("внутреннее" not in m.get_content() for _, m in smtp.messages)
    assert _send().sent == 0   # nothing is sent twice


def test_notices_are_in_the_recipients_language(company, make, db, smtp):
    make.ticket(client=company.client, actor=company.engineer, subject="Принтер", requester=company.other)
    db.session.commit()
    _send()
    (rcpt, message), = smtp.messages
    assert rcpt == ["boris@alpha.example"]
    assert message["Subject"].startswith("Заявка [#") and "зарегистрирована" in message["Subject"]


def test_a_ticket_without_a_requester_or_by_phone_from_staff_mails_nobody(company, make, db, smtp):
    make.ticket(client=company.client, actor=company.engineer, subject="Звонок")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0


def test_low_balance_tells_the_company_and_its_manager_once(company, make, db, smtp):
    # 600 minutes granted; office default threshold: max(120 min, 10 % of 600) = 120
    def close_with(minutes):
        ticket = make.ticket(client=company.client, actor=company.engineer)
        add_line(ticket, company.engineer, service=company.service, minutes=minutes)
        set_status(ticket, company.engineer, "closed")
        db.session.commit()

    close_with(450)          # 150 left: not low yet
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0
    close_with(60)           # 90 left: below 120
    close_with(15)           # still low: told once already
    low = db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()
    assert sorted(m.recipient for m in low) == ["am@hourdesk.example", "anna@alpha.example", "boris@alpha.example",
                                                "office@alpha.example"]
    assert all("running low" in m.subject or "заканчиваются" in m.subject for m in low)
    _send()
    assert sorted(r for rcpt, _ in smtp.messages for r in rcpt) == sorted(m.recipient for m in low)
    staff_copy = smtp.to("am@hourdesk.example")[0].get_content()
    assert f"/clients/{company.client.id}" in staff_copy and "/portal/" not in staff_copy
    # a top-up re-arms the notice; the next fall below tells again
    adjust(company.client, minutes=600, reason="Докупили часы", actor=company.manager, now=utcnow())
    db.session.commit()
    close_with(600)
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 8


def test_the_clients_own_threshold_in_hours(company, make, db):
    company.client.low_balance_unit, company.client.low_balance_value = "hours", 9
    db.session.commit()
    ticket = make.ticket(client=company.client, actor=company.engineer)
    add_line(ticket, company.engineer, service=company.service, minutes=75)   # 525 left < 540
    set_status(ticket, company.engineer, "closed")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 4


def test_a_rolled_back_change_queues_no_mail(company, make, db):
    create_ticket(company.engineer, company.client, subject="Откат", requester=company.contact)
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 1   # queued in the transaction…
    db.session.rollback()                                                         # …and gone with it
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0


def test_hours_about_to_expire_are_told_once_per_lot_and_address(company, db, app, monkeypatch, smtp):
    now = utcnow()
    monkeypatch.setitem(app.config, "HOURDESK_EXPIRY_NOTICE_DAYS", 30)   # the 1-month contract ends in ~20 days
    assert notify_expiring_lots(now) == 4
    db.session.commit()
    assert notify_expiring_lots(now + timedelta(days=1)) == 0
    db.session.commit()
    _send()
    assert len(smtp.messages) == 4
    assert "10:00" in smtp.to("anna@alpha.example")[0]["Subject"]
    monkeypatch.setitem(app.config, "HOURDESK_EXPIRY_NOTICE_DAYS", 5)
    db.session.query(MailMessage).delete()
    db.session.commit()
    assert notify_expiring_lots(now) == 0   # nothing expires within 5 days


def test_an_smtp_outage_delays_mail_and_recovery_delivers_each_message_once(company, make, db, smtp):
    for n in range(5):
        make.ticket(client=company.client, actor=company.engineer, subject=f"Заявка {n}", requester=company.contact)
    now = utcnow()
    smtp.controller.stop()   # the mail server goes down
    report = deliver_due(now)
    assert (report.sent, report.retrying) == (0, 1)   # the first refusal stops the round
    first = db.session.scalars(select(MailMessage).order_by(MailMessage.id)).first()
    db.session.refresh(first)
    assert first.status == "pending" and first.attempts == 1 and "Connection" in first.last_error
    assert first.next_attempt_at == now + retry_delay(1)
    assert deliver_due(now + timedelta(seconds=30)).sent == 0     # still down
    restarted = Controller(smtp, hostname="127.0.0.1", port=smtp.port)
    restarted.start()
    try:
        report = deliver_due(now + timedelta(minutes=5))
        assert (report.sent, report.retrying, report.failed) == (5, 0, 0)
        assert deliver_due(now + timedelta(hours=1)).sent == 0
    finally:
        restarted.stop()
    # every message once: five distinct tickets, five deliveries
    assert sorted(str(m["Subject"]).rsplit(": ", 1)[1] for _, m in smtp.messages) == [f"Заявка {n}" for n in range(5)]
    statuses = db.session.scalars(select(MailMessage.status)).all()
    assert statuses == ["sent"] * 5


def test_a_permanent_refusal_fails_the_message_and_an_admin_may_retry_it(company, make, db, smtp, client, login):
    smtp.refuse["anna@alpha.example"] = "550 No such user"
    make.ticket(client=company.client, actor=company.engineer, subject="Нет ящика", requester=company.contact)
    report = _send()
    assert (report.sent, report.failed) == (0, 1)
    message = db.session.scalars(select(MailMessage)).one()
    db.session.refresh(message)
    assert message.status == "failed" and "550" in message.last_error
    admin = make.user("admin")
    login(admin)
    page = client.get("/admin/mail/?status=failed").get_data(as_text=True)
    assert "Нет ящика" in page and "550" in page
    del smtp.refuse["anna@alpha.example"]
    assert client.post(f"/admin/mail/{message.id}/retry").status_code == 302
    assert _send().sent == 1
    assert len(smtp.to("anna@alpha.example")) == 1


def test_without_a_mail_server_configured_messages_wait(company, make, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "HOURDESK_SMTP_HOST", "")
    make.ticket(client=company.client, actor=company.engineer, subject="Ждёт", requester=company.contact)
    db.session.commit()
    assert _send().sent == 0
    assert db.session.scalars(select(MailMessage.status)).all() == ["pending"]
