"""Inbound e-mail (issue 14): what a message becomes — a ticket, a reply threaded onto its ticket, an
item of the triage list, or nothing at all for auto-replies and bounces — processed once, with bad
mail giving a clear outcome and never a crash."""
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.clients.operations import update_client
from app.contracts.operations import create_contract, save_service
from app.core.types import utcnow
from app.extensions import db as _db
from app.mailin import operations as mailin
from app.mailin.message import parse, reply_text
from app.mailin.models import InboundMail
from app.notifications.delivery import _email
from app.notifications.models import MailMessage
from app.tickets.models import Attachment, Comment, Ticket
from app.tickets.operations import add_comment, set_status

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
_counter = iter(range(1, 10**6))


def mail(sender="anna@alpha.example", subject="Не печатает принтер", text="Принтер в бухгалтерии не печатает.",
         *, html=None, attachments=(), headers=None, message_id=None) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@hourdesk.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id or f"<m{next(_counter)}@alpha.example>"
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, content, kind in attachments:
        maintype, _slash, subtype = kind.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def take(raw: bytes) -> InboundMail:
    record = mailin.receive(raw, source="pipe")
    _db.session.commit()
    return record


def count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def company(make, db):
    make.user("manager")   # every client has an account manager
    client = make.client(name="ООО Альфа")
    contact = make.user("client", client=client, email="anna@alpha.example", name="Анна")
    other_company = make.client(name="ООО Бета")
    stranger = make.user("client", client=other_company, email="boris@beta.example")
    engineer = make.user("engineer")
    save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    create_contract(client, number="M-1", starts_on=date.today().replace(day=1), months=12, hours_per_month=10)
    db.session.commit()

    class Company:
        pass
    c = Company()
    c.client, c.contact, c.stranger, c.engineer, c.other_company = client, contact, stranger, engineer, other_company
    return c


def test_a_contacts_email_becomes_a_ticket_with_its_files_once(company, db):
    raw = mail(attachments=[("схема.pdf", PDF, "application/pdf"), ("setup.exe", b"MZ\x90\x00", "application/octet-stream")])
    record = take(raw)
    assert record.status == "ticket"
    ticket = db.session.get(Ticket, record.ticket_id)
    assert (ticket.client_id, ticket.requester_id, ticket.channel, ticket.subject) == \
        (company.client.id, company.contact.id, "email", "Не печатает принтер")
    assert "Принтер в бухгалтерии" in ticket.description and "setup.exe" in ticket.description
    assert sorted(a.filename for a in ticket.attachments) == ["message.eml", "схема.pdf"]
    assert take(raw).id == record.id        # the same message again: nothing new
    assert count(Ticket) == 1 and count(InboundMail) == 1


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"X-Autoreply": "yes"},
    {"X-Auto-Response-Suppress": "All"}, {"Return-Path": "<>"}, {"List-Id": "<news.alpha.example>"},
])
def test_auto_replies_bounces_and_bulk_mail_create_nothing(company, db, headers):
    record = take(mail(subject="Автоответ: Re: [#1] Заявка", headers=headers))
    assert record.status == "ignored" and record.detail
    assert count(Ticket) == 0 and count(MailMessage) == 0 and count(Comment) == 0


def test_a_delivery_status_notification_and_a_mailer_daemon_are_ignored(company, db):
    dsn = (b"From: Mail Delivery System <mailer@mx.alpha.example>\r\nTo: support@hourdesk.example\r\n"
           b"Subject: Undelivered Mail\r\nMessage-ID: <dsn1@mx.alpha.example>\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n"
           b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.alpha.example\r\n\r\n"
           b"--b--\r\n")
    assert take(dsn).status == "ignored"
    assert take(mail(sender="postmaster@alpha.example")).status == "ignored"
    assert count(Ticket) == 0


def test_the_engineers_reply_reaches_the_contact_and_the_answer_threads_back(company, db, make):
    ticket = make.ticket(client=company.client, actor=company.engineer, requester=company.contact, subject="VPN")
    add_comment(ticket, company.engineer, "Проверьте, пожалуйста, подключение ещё раз.")
    db.session.commit()
    notice = db.session.scalars(select(MailMessage).where(MailMessage.recipient == "anna@alpha.example")
                                .order_by(MailMessage.id.desc())).first()
    sent = _email(notice)
    assert f"[#{ticket.id}]" in sent["Subject"] and sent["Auto-Submitted"] == "auto-generated"
    assert sent["Message-ID"].startswith(f"<hourdesk.t{ticket.id}.m{notice.id}@")
    assert sent.get_content().startswith("##- ")
    quoted = "\n".join("> " + line for line in sent.get_content().splitlines())
    answer = mail(subject="Re: " + sent["Subject"], headers={"In-Reply-To": sent["Message-ID"]},
                  text=f"Теперь работает, спасибо!\n\n--\nС уважением, Анна\n\n"
                       f"30 нояб. 2026 г., в 12:00, Hourdesk <support@hourdesk.example> пишет:\n{quoted}")
    record = take(answer)
    assert record.status == "comment" and record.ticket_id == ticket.id
    comment = db.session.get(Comment, record.comment_id)
    assert (comment.body, comment.author_id, comment.public) == ("Теперь работает, спасибо!", company.contact.id, True)
    assert [a.filename for a in db.session.scalars(select(Attachment).where(Attachment.comment_id == comment.id))] \
        == ["message.eml"]
    # the tag in the subject alone threads too
    assert take(mail(subject=f"Вопрос по [#{ticket.id}]", text="И ещё: принтер тоже.")).ticket_id == ticket.id


def test_a_reply_from_someone_else_never_lands_on_the_ticket(company, db, make):
    ticket = make.ticket(client=company.client, actor=company.engineer, requester=company.contact)
    record = take(mail(sender="boris@beta.example", subject=f"Re: [#{ticket.id}] ваша заявка", text="Чужой ответ"))
    assert record.status == "triage" and count(Comment) == 0
    assert take(mail(sender="someone@unknown.example", subject=f"[#{ticket.id}]")).status == "triage"


def test_a_reply_to_a_closed_ticket_reopens_it_within_the_window_and_follows_it_up_later(company, db, make, app):
    ticket = make.ticket(client=company.client, actor=company.engineer, requester=company.contact)
    set_status(ticket, company.engineer, "closed")
    db.session.commit()
    record = take(mail(subject=f"Re: [#{ticket.id}] решено", text="Снова не работает"))
    assert record.status == "comment" and db.session.get(Ticket, ticket.id).status == "in_progress"
    set_status(ticket, company.engineer, "closed")
    ticket.closed_at = utcnow() - timedelta(days=app.config["HOURDESK_CLIENT_REOPEN_DAYS"] + 1)
    db.session.commit()
    late = take(mail(subject=f"Re: [#{ticket.id}] решено", text="Опять то же самое"))
    follow = db.session.get(Ticket, late.ticket_id)
    assert late.status == "ticket" and follow.id != ticket.id and follow.follow_up_of_id == ticket.id
    assert db.session.get(Ticket, ticket.id).status == "closed"


def test_mail_from_a_clients_domain_proposes_the_sender_as_a_contact(company, db, client, login):
    update_client(company.client, name=company.client.name, inn=company.client.inn,
                  account_manager=company.client.account_manager, mail_domains="alpha.example alpha.ru")
    db.session.commit()
    record = take(mail(sender="Пётр Новиков <petr@alpha.ru>", subject="Нет доступа к 1С"))
    assert record.status == "ticket" and record.proposed_contact
    ticket = db.session.get(Ticket, record.ticket_id)
    assert ticket.client_id == company.client.id and ticket.requester_id is None
    login(company.engineer)
    assert client.post(f"/mail/{record.id}/contact").status_code == 302
    petr = db.session.scalars(select(User).where(User.email == "petr@alpha.ru")).one()
    assert (petr.role, petr.client_id, petr.name) == ("client", company.client.id, "Пётр Новиков")
    assert db.session.get(Ticket, ticket.id).requester_id == petr.id


def test_staff_place_or_throw_away_what_no_rule_could_place(company, db, client, login):
    login(company.engineer)
    unknown = take(mail(sender="ivan@gmail.example", subject="Счёт за ноябрь",
                        attachments=[("счёт.pdf", PDF, "application/pdf")]))
    assert unknown.status == "triage" and unknown.raw
    page = client.get("/mail/").get_data(as_text=True)
    assert "Счёт за ноябрь" in page
    wrong = client.post(f"/mail/{unknown.id}/assign", data={"client_inn": "0000000000", "add_contact": "y"})
    assert wrong.status_code == 422 and count(Ticket) == 0
    done = client.post(f"/mail/{unknown.id}/assign", data={"client_inn": company.client.inn, "add_contact": "y"})
    assert done.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    ivan = db.session.scalars(select(User).where(User.email == "ivan@gmail.example")).one()
    assert (ticket.client_id, ticket.requester_id) == (company.client.id, ivan.id)
    assert sorted(a.filename for a in ticket.attachments) == ["message.eml", "счёт.pdf"]
    spam = take(mail(sender="promo@spam.example", subject="Скидки!"))
    assert client.post(f"/mail/{spam.id}/discard", data={"reason": ""}).status_code == 422
    assert client.post(f"/mail/{spam.id}/discard", data={"reason": "реклама"}).status_code == 302
    db.session.expire_all()
    assert (db.session.get(InboundMail, spam.id).status, db.session.get(InboundMail, spam.id).raw) == ("discarded", None)
    assert client.post(f"/mail/{spam.id}/discard", data={"reason": "ещё раз"}).status_code == 422   # done already
    assert count(Ticket) == 1


def test_one_sender_opens_at_most_so_many_tickets_an_hour(company, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "HOURDESK_MAIL_IN_TICKETS_PER_HOUR", 2)
    outcomes = [take(mail(subject=f"Письмо {n}")).status for n in range(4)]
    assert outcomes == ["ticket", "ticket", "triage", "triage"] and count(Ticket) == 2


def test_bad_mail_gives_a_clear_outcome_and_never_a_crash(company, db, app, monkeypatch):
    broken = (b"From: anna@alpha.example\r\nSubject: =?koi8-x?B?0J/RgNC40LLQtdGC?=\r\nMessage-ID: <b1@alpha.example>\r\n"
              b"Content-Type: multipart/mixed; boundary=\"nowhere\"\r\n\r\nno boundary here \xff\xfe at all\r\n")
    record = take(broken)
    assert record.status == "ticket"
    unknown_charset = mail(subject="Кодировка").replace(b"charset=\"utf-8\"", b"charset=\"x-unknown-9\"")
    assert "Принтер" in db.session.get(Ticket, take(unknown_charset).ticket_id).description
    html_only = take(mail(subject="HTML", text=None, html="<p>Сломался <b>сканер</b></p><script>alert(1)</script>"))
    description = db.session.get(Ticket, html_only.ticket_id).description
    assert "Сломался сканер" in description and "<b>" not in description
    empty = take(mail(subject="Без текста", text=""))
    assert "no text" in db.session.get(Ticket, empty.ticket_id).description
    monkeypatch.setitem(app.config, "HOURDESK_MAIL_IN_MAX_BYTES", 30 * 1024)
    huge = take(mail(subject="Большой файл", attachments=[("big.pdf", PDF + b"0" * 40 * 1024, "application/pdf")]))
    assert huge.status == "refused" and "MB" in huge.detail and huge.raw is None
    nameless = mail(subject="Без Message-ID", attachments=[("big.pdf", PDF + b"1" * 40 * 1024, "application/pdf")])
    nameless = b"\r\n".join(line for line in nameless.split(b"\n") if not line.startswith(b"Message-ID"))
    assert take(nameless).id == take(nameless).id     # read twice, refused once
    assert count(InboundMail) == 6


def test_reply_text_keeps_what_the_person_wrote():
    assert reply_text("Ок\n\n##- Пишите ответ выше этой строки -##\nВаша заявка…") == "Ок"
    assert reply_text("Hi\n\nOn Mon, 30 Nov 2026 at 12:00, Desk <d@x.ru> wrote:\n> old") == "Hi"
    assert reply_text("Только текст") == "Только текст"
    incoming = parse(mail(headers={"In-Reply-To": "<hourdesk.t42.m7@hourdesk.example>"}))
    assert (incoming.referenced_ticket, incoming.ticket_tag, incoming.noise) == (42, None, None)


def test_the_mail_server_pipe_answers_with_an_exit_status(company, db, app, monkeypatch):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "receive"], input=mail(subject="Через pipe"))
    assert result.exit_code == 0 and result.output.startswith("ticket ")
    from sqlalchemy.exc import OperationalError

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionError("database is down"))
    monkeypatch.setattr("app.mailin.tasks.take", down)
    result = runner.invoke(args=["mail", "receive"], input=mail(subject="Позже"))
    assert result.exit_code == 75
