"""The formats people use (issue 12): CSV that Russian Excel opens, hours:minutes in exports, an
INN wherever clients are listed, money with its currency, overage without a rate said in words."""
import csv
import io
import re
from datetime import date, datetime, timezone

from sqlalchemy import update

from app.clients.models import Client
from app.contracts.operations import create_contract, save_service
from app.tickets.models import Ticket
from app.tickets.operations import add_line


def _export(client, name, **args):
    response = client.get(f"/reports/{name}/export.csv", query_string={"from": "2026-10-01", "to": "2026-10-31", **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _october_work(make, db):
    engineer = make.user("engineer")
    company = make.client(name="ООО «Ромашка»", inn="7707083893")
    service = save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    ticket = make.ticket(client=company, actor=engineer, tags="оплата")
    add_line(ticket, engineer, service=service, minutes=95, performed_on=date(2026, 10, 15))
    db.session.execute(update(Ticket).values(created_at=datetime(2026, 10, 15, 9, tzinfo=timezone.utc)))
    db.session.execute(update(Client).values(created_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    db.session.commit()
    return company


def test_russian_csv_has_a_bom_semicolons_a_decimal_comma_and_hours_minutes(client, make, login, db):
    _october_work(make, db)
    login(make.user("manager", locale="ru"))
    text = _export(client, "clients")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header = rows[0]
    assert "ИНН" in header and "Почасовые работы (ч:мм)" in header and not [h for h in header if "(min)" in h]
    row = dict(zip(header, rows[1], strict=True))
    assert row["ИНН"] == "7707083893" and row["Почасовые работы (ч:мм)"] == "1:35"
    tags = list(csv.reader(io.StringIO(_export(client, "tags").lstrip("\ufeff")), delimiter=";"))
    assert tags[1][-1] == "1000,0"                       # one ticket per one client, with a decimal comma


def test_english_csv_keeps_commas_and_points(client, make, login, db):
    _october_work(make, db)
    login(make.user("manager", locale="en"))
    rows = list(csv.DictReader(io.StringIO(_export(client, "tags").lstrip("\ufeff"))))
    assert rows[0]["Per 1,000 clients"] == "1000.0"
    clients = list(csv.DictReader(io.StringIO(_export(client, "clients").lstrip("\ufeff"))))
    assert clients[0]["INN"] == "7707083893" and clients[0]["Hourly work (h:mm)"] == "1:35"


def test_money_carries_its_currency_and_overage_without_a_rate_says_so(client, make, login, db):
    engineer = login(make.user("engineer", locale="ru"))
    company = make.client()
    create_contract(company, number="C-1", starts_on=date.today().replace(day=1), months=1, hours_per_month=1,
                    overage_rate=0)
    service = save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    db.session.commit()
    ticket = make.ticket(client=company, actor=engineer)
    add_line(ticket, engineer, service=service, minutes=90)
    db.session.commit()
    page = client.get(f"/tickets/{ticket.id}/close").get_data(as_text=True)
    assert "в договоре нет ставки перерасхода: к оплате не выставляется" in page and "0,00" not in page
    login(make.user("manager", locale="ru"))
    contract_page = client.get(f"/clients/{company.id}/contracts").get_data(as_text=True)
    assert "ставка перерасхода не задана" in contract_page
    create_contract(make.client(), number="C-2", starts_on=date.today().replace(day=1), months=1, hours_per_month=1,
                    overage_rate="1500")
    db.session.commit()
    from app.contracts.models import Contract
    second = db.session.query(Contract).filter_by(number="C-2").one()
    assert "1\xa0500,00\xa0₽" in client.get(f"/contracts/{second.id}").get_data(as_text=True)


def test_the_trends_chart_names_its_axis_and_months_in_the_readers_language(client, make, login, db):
    _october_work(make, db)
    login(make.user("manager", locale="ru"))
    page = client.get("/reports/trends", query_string={"from": "2026-09-01", "to": "2026-10-31"}).get_data(as_text=True)
    months = re.findall(r'class="month-label">([^<]+)<', page)
    assert months[:4] == ["сент. 26", "окт. 26", "сент. 26", "окт. 26"]   # both charts, no "26-10"
    assert re.findall(r'class="axis-label">([^<]+)<', page) == ["часы", "заявок"]
