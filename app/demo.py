"""`flask demo load` (a small, idempotent demo) and `flask demo generate` (bulk data for benchmarks)."""
import random
from datetime import datetime, timedelta, timezone

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select, text
from stdnum.ru import inn as ru_inn
from stdnum.ua import edrpou

from app.auth.models import User
from app.auth.operations import create_user
from app.billing import operations as billing_ops
from app.clients.models import Client
from app.clients.operations import create_client, search_key
from app.contracts.models import Contract, Service
from app.contracts.operations import create_contract, save_service
from app.core.types import utcnow
from app.demo_history import generate_history
from app.extensions import db
from app.search.operations import index_after
from app.sla.models import BusinessCalendar, SlaPolicy
from app.sla.operations import create_calendar, create_policy
from app.tickets import operations as ticket_ops
from app.tickets.models import Ticket

demo_cli = click.Group("demo", help="Demo and benchmark data.")

DEMO_PASSWORD = "hourdesk-demo"
DEMO_STAFF = [
    ("admin@hourdesk.example", "admin", "Анна Админова"),
    ("manager@hourdesk.example", "manager", "Михаил Менеджеров"),
    ("engineer@hourdesk.example", "engineer", "Егор Инженеров"),
    ("engineer2@hourdesk.example", "engineer", "Ольга Сетевая"),
]
DEMO_CLIENTS = [
    # name, INN (valid check digits), country, contact e-mail
    ('ООО «Ромашка»', "7707083893", "RU", "ivanov@romashka.example"),
    ('АО «Северный ветер»', "7736207543", "RU", "it@sever.example"),
    ("ИП Петров Пётр Петрович", "500100732259", "RU", "petrov@ip-petrov.example"),
    ('ТОВ «Дніпро Софт»', "32855961", "UA", "office@dnipro-soft.example"),
]
DEMO_TICKETS = [
    # client index, subject, priority, final status, tags
    (0, "Не печатает принтер в бухгалтерии", "normal", "open", "принтер"),
    (0, "Обновить 1С:Бухгалтерию до последнего релиза", "low", "in_progress", "обновление 1С"),
    (1, "VPN не подключается из дома", "high", "waiting", "сеть, удалённый доступ"),
    (1, "Сервер 1С недоступен", "critical", "resolved", "1С, сервер"),
    (2, "Настроить почту на новом ноутбуке", "normal", "closed", "почта"),
    (3, "Backup job failed overnight", "high", "cancelled", "сервер"),
    (3, "New employee: accounts and laptop", "normal", "open", ""),
]
DEMO_SERVICES = [
    # code, name ru, name en, billing, rate, kind
    ("SUP", "Техническая поддержка", "Technical support", "hourly", None, "support"),
    ("ONS", "Выезд инженера", "On-site visit", "hourly", None, "onsite"),
    ("UPD", "Обновление 1С", "1C update", "free", None, "update"),
    ("DEV", "Доработка конфигурации", "Configuration development", "paid", "3500.00", "development"),
]
DEMO_CALENDAR, DEMO_POLICY = "Офис, Москва", "Стандарт"
DEMO_HOUR_PRICE = "1800.00"
#: our company as invoices show it (a valid INN, and an account whose control digit fits the BIK)
DEMO_BILLING_PROFILE = dict(
    legal_name="ООО «Часы поддержки»", inn="7704340310", kpp="770401001", ogrn="1027700132195",
    address="119019, Москва, ул. Новый Арбат, д. 1", bank_name="ПАО Сбербанк", bik="044525225",
    account="40702810200000000001", corr_account="30101810400000000225", currency="RUB", vat="22",
    signer="Анна Админова", invoice_prefix="HD", payment_days=5)
DEMO_TARGETS = {"critical": {"response_minutes": 15, "resolution_minutes": 240},
                "high": {"response_minutes": 30, "resolution_minutes": 480},
                "normal": {"response_minutes": 60, "resolution_minutes": 960},
                "low": {"response_minutes": 240, "resolution_minutes": 2400}}
DEMO_CONTRACTS = [
    # client index, number, hours per month, overdraft, overage rate
    (0, "ИТС-2026/001", 10, "convert_to_paid", "2500.00"),
    (1, "ИТС-2026/002", 4, "block", "0"),
    (2, "ИТС-2026/003", 2, "allow_negative", "0"),
    (3, "ITS-2026/004", 8, "convert_to_paid", "2000.00"),
]
# the way a ticket travels to each final status
PATHS = {"open": [], "in_progress": ["in_progress"], "waiting": ["in_progress", "waiting"],
         "resolved": ["in_progress", "resolved"], "closed": ["in_progress", "resolved", "closed"],
         "cancelled": ["cancelled"]}


def demo_logins() -> list[tuple[str, str, str]]:
    return [(email, DEMO_PASSWORD, role) for email, role, _ in DEMO_STAFF] + \
           [(c[3], DEMO_PASSWORD, "client") for c in DEMO_CLIENTS]


@demo_cli.command("load")
@with_appcontext
def load():
    """Load the demo (safe to run again: what exists is kept)."""
    users = {}
    for email, role, name in DEMO_STAFF:
        users[email] = db.session.scalar(select(User).where(User.email == email)) or \
            create_user(email, role=role, password=DEMO_PASSWORD, name=name)
    manager = users["manager@hourdesk.example"]
    clients = []
    for name, inn, country, contact in DEMO_CLIENTS:
        client = db.session.scalar(select(Client).where(Client.inn == inn))
        if client is None:
            client = create_client(name=name, inn=inn, country=country, account_manager=manager,
                                   timezone="Europe/Kyiv" if country == "UA" else "Europe/Moscow")
        if not db.session.scalar(select(User).where(User.email == contact)):
            create_user(contact, role="client", password=DEMO_PASSWORD, client=client,
                        name=contact.split("@")[0].capitalize(), locale="en" if country == "UA" else "ru")
        clients.append(client)
    services = {}
    for code, name_ru, name_en, billing, rate, kind in DEMO_SERVICES:
        services[code] = db.session.scalar(select(Service).where(Service.code == code)) or \
            save_service(None, code=code, name_ru=name_ru, name_en=name_en, billing=billing, rate=rate, kind=kind)
    policy = _standard_policy()
    today = utcnow().date()
    for index, number, hours, overdraft, rate in DEMO_CONTRACTS:
        if not db.session.scalar(select(Contract.id).where(Contract.number == number)):
            create_contract(clients[index], number=number, starts_on=today.replace(day=1), months=12,
                            hours_per_month=hours, overdraft=overdraft, overage_rate=rate, sla_policy_id=policy.id,
                            hour_price=DEMO_HOUR_PRICE if index < 3 else None, actor=manager)
    if billing_ops.profile() is None:
        # our details, and an hour pack invoiced to the first client (its payment is the demo's
        # bank statement to upload: the purpose names the invoice)
        billing_ops.save_profile(users["admin@hourdesk.example"], **DEMO_BILLING_PROFILE)
        grant = billing_ops.GrantInput(20 * 60, today, today + timedelta(days=364))
        billing_ops.create_invoice(clients[0], manager, grant=grant, lines=[billing_ops.LineInput(
            "Пакет часов технической поддержки, 20 ч", 20, DEMO_HOUR_PRICE, "ч")])
    engineer = users["engineer@hourdesk.example"]
    created = 0
    for index, subject, priority, final, tags in DEMO_TICKETS:
        client = clients[index]
        if db.session.scalar(select(Ticket.id).where(Ticket.client_id == client.id, Ticket.subject == subject)):
            continue
        ticket = ticket_ops.create_ticket(engineer, client, subject=subject, priority=priority, tags=tags,
                                          description="Демо-заявка. *Markdown* works here.",
                                          requester=client.contacts[0] if client.contacts else None)
        for step in PATHS[final]:
            if step == "in_progress":
                ticket_ops.update_ticket(ticket, engineer, assignee=engineer)
                ticket_ops.add_line(ticket, engineer, service=services["SUP"], minutes=40, note="Диагностика")
                if index == 0:
                    ticket_ops.add_line(ticket, engineer, service=services["UPD"], minutes=30)
            ticket_ops.set_status(ticket, engineer, step)
        if final in ("waiting", "resolved", "closed"):
            ticket_ops.add_comment(ticket, engineer, "Проверили, отвечаем клиенту.", public=True)
        created += 1
    db.session.commit()
    click.echo(f"demo loaded ({created} new tickets)")
    print_logins()


def print_logins() -> None:
    click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
    for email, _, role in demo_logins():
        click.echo(f"  {role:<9} {email}")


@demo_cli.command("logins")
def logins():
    """Print the demo logins."""
    print_logins()


def _valid_inns(count: int, taken: set[str], rng: random.Random) -> list[str]:
    """Unique valid tax ids: mostly 10-digit company INNs, some 12-digit and 8-digit EDRPOU."""
    result = []
    while len(result) < count:
        kind = rng.random()
        if kind < 0.8:
            base = f"{rng.randrange(10**8, 10**9):09d}"
            number = base + ru_inn.calc_company_check_digit(base)
        elif kind < 0.9:
            base = f"{rng.randrange(10**9, 10**10):010d}"
            number = base + ru_inn.calc_personal_check_digits(base)
        else:
            base = f"{rng.randrange(10**6, 10**7):07d}"
            number = base + edrpou.calc_check_digit(base)
        if number not in taken:
            taken.add(number)
            result.append(number)
    return result


WORDS_A = ["Альфа", "Бета", "Вектор", "Гранит", "Дельта", "Заря", "Исток", "Кристалл", "Лидер", "Меридиан",
           "Нова", "Орбита", "Прогресс", "Ресурс", "Сигма", "Техно", "Урал", "Фактор", "Холдинг", "Эталон",
           "Acme", "Northwind", "Globex", "Initech", "Umbrella"]
WORDS_B = ["Строй", "Торг", "Софт", "Логистик", "Мед", "Агро", "Транс", "Финанс", "Сервис", "Energy", "Systems"]
FORMS = ["ООО", "АО", "ПАО", "ИП", "ТОВ"]


def _standard_policy() -> SlaPolicy:
    """The office's standard SLA (Moscow business hours), created when missing."""
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.name == DEMO_POLICY))
    if policy is None:
        calendar = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == DEMO_CALENDAR)) or \
            create_calendar(name=DEMO_CALENDAR, timezone="Europe/Moscow", country="RU",
                            intervals={d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
        policy = create_policy(name=DEMO_POLICY, calendar=calendar, targets=DEMO_TARGETS)
    return policy


@demo_cli.command("generate")
@click.option("--tickets", "n_tickets", type=click.IntRange(0), default=100_000, show_default=True)
@click.option("--clients", "n_clients", type=click.IntRange(0), default=10_000, show_default=True)
@click.option("--years", type=click.IntRange(1, 10), default=3, show_default=True, help="Years of history.")
@click.option("--lines-per-ticket", type=click.FloatRange(0.5, 20), default=2.0, show_default=True,
              help="Average specification lines per ticket.")
@click.option("--engineers", type=click.IntRange(1, 200), default=8, show_default=True,
              help="Engineers to share the work (created if fewer exist).")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d"]), default=None,
              help="When the history ends (UTC; default now): with the same seed, the same data.")
@with_appcontext
def generate(n_tickets: int, n_clients: int, years: int, lines_per_ticket: float, engineers: int, seed: int,
             until: datetime | None):
    """Bulk synthetic history (reports, benchmarks), added to what is there: Pareto-like client load,
    a few heavy clients on small contracts, clients who take only free updates, several engineers,
    clients' contacts, years of tickets with descriptions, comments, history, tags, file records,
    specification lines, closes, ledger entries and ratings, and a backlog still unresolved."""
    rng = random.Random(seed)
    now = until.replace(tzinfo=timezone.utc) if until is not None else utcnow()
    if not db.session.scalar(select(func.count(User.id)).where(User.role.in_(("engineer", "manager", "admin")))):
        raise click.ClickException("no staff users: run `flask demo load` first")
    taken = set(db.session.scalars(select(Client.inn)))
    inns = _valid_inns(n_clients, taken, rng)
    batch = []
    for i, inn in enumerate(inns):
        name = f'{rng.choice(FORMS)} «{rng.choice(WORDS_A)}{rng.choice(WORDS_B)} {i}»'
        batch.append({"name": name, "name_search": search_key(name), "inn": inn,
                      "country": "UA" if len(inn) == 8 else "RU", "timezone": "Europe/Moscow",
                      "active": True, "created_at": now - timedelta(days=rng.randrange(365 * years, 365 * years + 400))})
    first_new = (db.session.scalar(select(func.max(Client.id))) or 0) + 1
    for start in range(0, len(batch), 5000):
        db.session.execute(insert(Client), batch[start:start + 5000])
    client_ids = list(db.session.scalars(select(Client.id).where(Client.id >= first_new).order_by(Client.id))) or \
        list(db.session.scalars(select(Client.id)))
    if n_tickets and not client_ids:
        raise click.ClickException("no clients to generate tickets for: add --clients")
    indexed_up_to = db.session.scalar(select(func.max(Ticket.id))) or 0
    # a support contract comes with an SLA: registering for these clients computes deadlines
    counts = generate_history(client_ids=client_ids, n_tickets=n_tickets, years=years,
                              lines_per_ticket=lines_per_ticket, engineers=engineers, rng=rng, now=now,
                              tz=current_app.config["HOURDESK_OFFICE_TIMEZONE"], sla_policy_id=_standard_policy().id)
    index_after(indexed_up_to)   # bulk rows bypass the operations that keep the search index
    # fresh planner statistics after a bulk load (PostgreSQL's autovacuum would get there later)
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    total = db.session.scalar(select(func.count(Ticket.id)))
    click.echo(f"generated {len(inns)} clients ({counts['contacts']} contacts), {counts['contracts']} contracts, "
               f"{counts['tickets']} tickets, {counts['comments']} comments, {counts['changes']} history rows, "
               f"{counts['attachments']} file records, {counts['lines']} specification lines, {counts['closes']} closes, "
               f"{counts['entries']} ledger entries, {counts['ratings']} ratings ({total} tickets in all)")


@demo_cli.command("is-empty")
@with_appcontext
def is_empty():
    """Print 'empty' when there are no users yet (make run loads the demo then)."""
    click.echo("empty" if db.session.scalar(select(func.count(User.id))) == 0 else "not empty")
