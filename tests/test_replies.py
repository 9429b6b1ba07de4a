"""Canned replies (issue 12): staff-wide and personal templates with placeholders, filled in for
the ticket on its page and inserted in one keystroke; and the work-line form's small comforts."""
import re

import pytest
from sqlalchemy import func, select

from app.contracts.operations import create_contract, save_service
from app.core.errors import Forbidden, ValidationFailed
from app.replies.models import CannedReply
from app.replies.operations import save_reply
from app.replies.text import fill, unknown_placeholders
from tests.conftest import office_day


def test_placeholders_are_filled_in_russian_or_english_names():
    values = {"client": "ООО «Ромашка»", "contact": "Анна", "number": "#7", "balance": "12:30", "me": "Егор"}
    assert fill("{Клиент}, {контакт}: заявка {номер}, остаток {остаток}. {я}", values) == \
        "ООО «Ромашка», Анна: заявка #7, остаток 12:30. Егор"
    assert fill("Dear {contact}, ticket {number} {unknown} {}", values) == "Dear Анна, ticket #7 {unknown} {}"
    assert unknown_placeholders("{client} {клент} {x}") == ["x", "клент"]


def test_personal_and_shared_replies_and_who_may_change_them(client, make, login, db):
    engineer = make.user("engineer")
    manager = make.user("manager")
    shared = save_reply(None, title="Приветствие", body="Здравствуйте, {contact}!", shared=True, actor=manager)
    own = save_reply(None, title="Перезагрузка", body="Перезагрузите компьютер.", shared=False, actor=engineer)
    db.session.commit()
    with pytest.raises(Forbidden):
        save_reply(None, title="Общий", body="Текст", shared=True, actor=engineer)
    with pytest.raises(Forbidden):
        save_reply(shared, title="Моё", body="Текст", shared=False, actor=engineer)
    with pytest.raises(ValidationFailed) as typo:
        save_reply(None, title="Опечатка", body="Здравствуйте, {контак}!", shared=False, actor=engineer)
    assert typo.value.code == "unknown_placeholder"
    db.session.rollback()
    login(engineer)
    page = client.get("/replies/").get_data(as_text=True)
    assert "Перезагрузка" in page and "Приветствие" in page
    assert client.post(f"/replies/{shared.id}", data={"title": "Привет", "body": "Привет"}).status_code == 403
    other = make.user("engineer")
    login(other)
    assert client.get(f"/replies/{own.id}").status_code == 404        # someone else's own template
    assert "Перезагрузка" not in client.get("/replies/").get_data(as_text=True)
    login(engineer)
    response = client.post("/replies/", data={"title": "Счёт", "body": "Остаток часов: {balance}"})
    assert response.status_code == 302
    assert client.post(f"/replies/{own.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(CannedReply.id))) == 2


def test_the_ticket_page_carries_the_replies_filled_in_for_its_ticket(client, make, login, db):
    engineer = login(make.user("engineer", name="Егор"))
    company = make.client(name="ООО «Ромашка»")
    contact = make.user("client", client=company, name="Анна")
    create_contract(company, number="C-7", starts_on=office_day().replace(day=1), months=1,
                    hours_per_month=10)
    save_reply(None, title="Остаток", body="{contact}, по заявке {number} у {client} осталось {balance} ч. — {me}",
               shared=False, actor=engineer)
    db.session.commit()
    ticket = make.ticket(client=company, actor=engineer, requester=contact)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    template = re.search(r'<template id="canned-reply-1">(.*?)</template>', page, re.S).group(1)
    assert template == f"Анна, по заявке #{ticket.id} у ООО «Ромашка» осталось 10:00 ч. — Егор"
    assert 'id="canned-reply"' in page and "Alt+1" in page


def test_deleting_a_work_line_asks_first_and_the_chosen_service_stays_chosen(client, make, login, db):
    engineer = login(make.user("engineer"))
    save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    onsite = save_service(None, code="ONS", name_ru="Выезд", billing="hourly")
    db.session.commit()
    ticket = make.ticket(actor=engineer)
    response = client.post(f"/tickets/{ticket.id}/lines", data={
        "service_id": onsite.id, "minutes": "30", "engineer_id": engineer.id, "performed_on": "2026-11-30"})
    assert response.status_code == 302
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{onsite.id}">', page)
    assert 'data-confirm="Delete this work line?"' in page
