"""Portal figures: the dashboard, the hours history and the other portal pages for a company with
50,000 tickets and 200,000 ledger entries (full HTTP requests through the app), and the e-mail
outbox's throughput into a local SMTP server (aiosmtpd).

Usage:
  .venv/bin/python bench/portal.py                       # SQLite in bench/out/
  .venv/bin/python bench/portal.py --database-url postgresql+psycopg://…/db   # an empty PostgreSQL database
"""
import argparse
import os
import random
import socket
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HOURDESK_ENV", "development")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.operations import create_user  # noqa: E402
from app.clients.operations import create_client  # noqa: E402
from app.contracts import operations as ledger_ops  # noqa: E402
from app.contracts.models import HourLot, LedgerEntry, SpecLine, TicketClose  # noqa: E402
from app.contracts.queries import client_balance, ledger_sum  # noqa: E402
from app.core.types import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.notifications.delivery import deliver_due  # noqa: E402
from app.notifications.models import MailMessage  # noqa: E402
from app.notifications.operations import Recipient, queue_mail  # noqa: E402
from app.tickets.models import Ticket  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-portal-pass"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def build(tickets: int, entries: int, noise_clients: int) -> dict:
    """The company under test (with its contact) and a few other companies around it."""
    rng = random.Random(5)
    engineer = create_user("bench-eng@hourdesk.example", role="engineer", password=PASSWORD, locale="en")
    services = [ledger_ops.save_service(None, code=c, name_ru=n, billing=b, rate=r)
                for c, n, b, r in (("SUP", "Поддержка", "hourly", None), ("DEV", "Разработка", "paid", "3000"),
                                   ("UPD", "Обновление", "free", None))]
    company = create_client(name="ООО «Большой клиент»", inn="7707083893")
    contact = create_user("boss@big.example", role="client", password=PASSWORD, client=company, locale="en")
    others = [create_client(name=f"Сосед {n}", inn=i) for n, i in
              enumerate(["7736207543", "7702070139", "7710140679", "7728168971", "7830002293"][:noise_clients])]
    start = (date.today() - timedelta(days=4 * 365)).replace(day=1)
    contract = ledger_ops.create_contract(company, number="BIG-1", starts_on=start, months=60, hours_per_month=744)
    db.session.commit()
    lot = db.session.scalars(select(HourLot).where(HourLot.client_id == company.id)).one()
    first = datetime.combine(start, datetime.min.time(), timezone.utc) + timedelta(days=1)
    span = (utcnow() - first).total_seconds()
    t0 = time.perf_counter()

    # tickets: most closed (each with a close, two or three lines and its debits), the rest open
    ticket_rows, close_rows, line_rows, entry_rows = [], [], [], []
    closed_share = 0.97
    debits_per_close = max(1, round((entries - 1) / (tickets * closed_share)))
    ticket_id = db.session.scalar(select(func.coalesce(func.max(Ticket.id), 0))) + 1
    close_id, line_id = 1, 1
    balance = lot.granted_minutes
    for n in range(tickets):
        created = first + timedelta(seconds=span * n / tickets)
        closed = n < tickets * closed_share
        status = "closed" if closed else rng.choice(("open", "in_progress", "waiting", "resolved"))
        ticket_rows.append(dict(id=ticket_id, client_id=company.id, subject=f"Заявка {n}", subject_search=f"заявка {n}",
                                description="", priority="normal", priority_rank=2, channel="portal", status=status,
                                created_at=created, updated_at=created, requester_id=contact.id,
                                created_by_id=contact.id, assignee_id=engineer.id,
                                resolution_due_at=created + timedelta(hours=8),
                                closed_at=created + timedelta(hours=20) if closed else None,
                                resolved_at=created + timedelta(hours=19) if closed else None))
        if closed:
            at = created + timedelta(hours=20)
            hourly = 10 * debits_per_close
            close_rows.append(dict(id=close_id, ticket_id=ticket_id, client_id=company.id, contract_id=contract.id,
                                   closed_at=at, closed_by_id=contact.id, hourly_minutes=hourly, debited_minutes=hourly,
                                   overage_minutes=0, overage_rate=Decimal("0"), overage_amount=Decimal("0")))
            for _ in range(debits_per_close):   # real closes write one debit per lot touched; more entries here make the ledger as long as asked
                entry_rows.append(dict(client_id=company.id, lot_id=lot.id, kind="debit", minutes=-10,
                                       ticket_id=ticket_id, close_id=close_id, author_id=contact.id, created_at=at))
                balance -= 10
            for service, minutes in ((services[0], hourly), (services[rng.randrange(1, 3)], 30)):
                line_rows.append(dict(id=line_id, ticket_id=ticket_id, client_id=company.id, service_id=service.id, engineer_id=engineer.id,
                                      minutes=minutes, billed_minutes=minutes if service.billing == "hourly" else 0,
                                      billing=service.billing, note="", performed_on=at.date(), created_at=at,
                                      created_by_id=engineer.id))
                line_id += 1
            close_id += 1
        ticket_id += 1
    # corrections up to the asked length of the ledger
    extra = max(0, entries - 1 - len(entry_rows))
    for n in range(extra):
        at = first + timedelta(seconds=span * n / extra)
        entry_rows.append(dict(client_id=company.id, lot_id=lot.id, kind="adjustment", minutes=10, author_id=engineer.id,
                               reason="Корректировка", created_at=at))
        balance += 10
    entry_rows.sort(key=lambda row: row["created_at"])
    for table, rows in ((Ticket, ticket_rows), (TicketClose, close_rows), (SpecLine, line_rows),
                        (LedgerEntry, entry_rows)):
        for i in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[i:i + 5000])
    if db.engine.dialect.name == "postgresql":   # explicit ids above: move the sequences past them
        for table in ("tickets", "ticket_closes", "spec_lines"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    # the neighbours: tickets of their own, so the company's rows are not the whole table
    noise = []
    for other in others:
        for n in range(tickets // 5):
            created = first + timedelta(seconds=span * n / (tickets // 5))
            noise.append(dict(client_id=other.id, subject=f"Чужая {n}", subject_search=f"чужая {n}", description="",
                              priority="normal", priority_rank=2, channel="phone", status="closed",
                              created_at=created, updated_at=created))
    for i in range(0, len(noise), 5000):
        db.session.execute(insert(Ticket), noise[i:i + 5000])
    # the caches the ledger keeps in step with its entries
    db.session.execute(text("UPDATE hour_lots SET remaining_minutes = :m WHERE id = :id"), {"m": balance, "id": lot.id})
    db.session.execute(text("UPDATE client_balances SET balance_minutes = :m WHERE client_id = :c"),
                       {"m": balance, "c": company.id})
    db.session.commit()
    total_entries = db.session.scalar(select(func.count()).select_from(LedgerEntry)
                                      .where(LedgerEntry.client_id == company.id))
    assert client_balance(company.id) == ledger_sum(company.id)
    print(f"  built {tickets:,} tickets, {len(close_rows):,} closes, {len(line_rows):,} lines, "
          f"{total_entries:,} ledger entries (+{len(noise):,} other companies' tickets) "
          f"in {time.perf_counter() - t0:.1f} s")
    return {"contact": contact.email, "company": company.id, "open_ticket": ticket_id - 1,
            "closed_ticket": ticket_rows[0]["id"], "old_month": (start + timedelta(days=400)).strftime("%Y-%m")}


def time_pages(app, info: dict, runs: int) -> None:
    web = app.test_client()
    response = web.post("/login", data={"email": info["contact"], "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    pages = [("dashboard", "/portal/"), ("hours history, newest page", "/portal/hours"),
             ("hours history, page 1000", "/portal/hours?page=1000"),
             ("work this month", "/portal/work"), (f"work {info['old_month']}", f"/portal/work?month={info['old_month']}"),
             ("tickets (open)", "/portal/tickets"), ("tickets (all)", "/portal/tickets?show=all"),
             ("tickets (all), page 500", "/portal/tickets?show=all&page=500"),
             ("a closed ticket", f"/portal/tickets/{info['closed_ticket']}")]
    print(f"  {'page':<32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, url in pages:
        web.get(url)   # warm
        timings = []
        for _ in range(runs):
            t = time.perf_counter()
            response = web.get(url)
            timings.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"  {label:<32} {statistics.median(timings):8.1f} {pct(timings, 95):8.1f} {max(timings):8.1f}")


def outbox_throughput(app, messages: int) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.count += 1
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(HOURDESK_SMTP_HOST="127.0.0.1", HOURDESK_SMTP_PORT=port)
    ticket = db.session.get(Ticket, 1)
    recipient = Recipient("boss@big.example", "ru", "Europe/Moscow")
    t = time.perf_counter()
    for _ in range(messages):
        queue_mail(recipient, "ticket_created", ticket=ticket)
    db.session.commit()
    queued = messages / (time.perf_counter() - t)
    t = time.perf_counter()
    sent = 0
    while sent < messages:
        sent += deliver_due(utcnow(), limit=500).sent
    elapsed = time.perf_counter() - t
    controller.stop()
    assert Sink.count == messages and db.session.scalar(
        select(func.count()).select_from(MailMessage).where(MailMessage.status == "sent")) == messages
    print(f"  outbox: queued (rendered in the recipient's language) {queued:,.0f} messages/s; "
          f"delivered to a local SMTP server {messages / elapsed:,.0f} messages/s ({messages:,} messages, each once)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--messages", type=int, default=2_000)
    args = parser.parse_args()
    url = args.database_url
    if not url:
        out = ROOT / "bench" / "out"
        out.mkdir(exist_ok=True)
        path = out / "portal.sqlite3"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    app = create_app(SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False,
                     HOURDESK_ATTACHMENT_DIR=str(ROOT / "bench" / "out" / "attachments"))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        print(f"database: {db.engine.dialect.name}")
        info = build(args.tickets, args.entries, noise_clients=5)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    with app.app_context():
        time_pages(app, info, args.runs)
    with app.app_context():
        outbox_throughput(app, args.messages)


if __name__ == "__main__":
    main()
