"""Inbound mail figure (issue 14): messages taken per second from a local Dovecot IMAP mailbox of
1,000 messages (a mix of contacts' new tickets, replies on tickets, triage and auto-replies), each
in its own transaction and moved to the done folder after it commits. Needs `dovecot-imapd`.

Usage:
  .venv/bin/python bench/mail_in.py [--messages 1000] [--database-url postgresql+psycopg://…/empty_db]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HOURDESK_ENV", "development")

from flask_migrate import upgrade  # noqa: E402
from imap_tools import MailBoxUnencrypted  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.operations import create_user  # noqa: E402
from app.clients.operations import create_client  # noqa: E402
from app.contracts.operations import create_contract  # noqa: E402
from app.extensions import db  # noqa: E402
from app.mailin.imap import fetch_mail  # noqa: E402
from app.mailin.models import InboundMail  # noqa: E402
from app.tickets.operations import create_ticket  # noqa: E402
from tests.imap_server import MAILBOXES, PASSWORD, Dovecot  # noqa: E402
from tests.test_mail_in import mail  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    url = args.database_url
    if not url:
        path = ROOT / "bench" / "out" / "mail_in.sqlite3"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    root = Path(tempfile.mkdtemp(prefix="hourdesk-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root)
    user = MAILBOXES[0]
    try:
        app = create_app(SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False, HOURDESK_IMAP_HOST="127.0.0.1",
                         HOURDESK_IMAP_PORT=server.port, HOURDESK_IMAP_SECURITY="", HOURDESK_IMAP_USER=user,
                         HOURDESK_IMAP_PASSWORD=PASSWORD, HOURDESK_MAIL_IN_TICKETS_PER_HOUR=10**6,
                         HOURDESK_ATTACHMENT_DIR=str(root / "files"))
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            create_user("bench-manager@hourdesk.example", role="manager", password="bench-pass-1")
            client = create_client(name="ООО Ромашка", inn="7707083893")
            create_contract(client, number="B-1", starts_on=date.today().replace(day=1), months=12, hours_per_month=100)
            contacts = [create_user(f"contact{n}@romashka.example", role="client", password="bench-pass-1",
                                    client=client, name=f"Контакт {n}") for n in range(20)]
            engineer = create_user("bench-engineer@hourdesk.example", role="engineer", password="bench-pass-1")
            tickets = [create_ticket(engineer, client, subject=f"Заявка {n}", requester=contacts[n % 20])
                       for n in range(50)]
            db.session.commit()
            ticket_ids = [t.id for t in tickets]
        messages = []
        for n in range(args.messages):
            kind = n % 10
            if kind < 5:     # a contact's new ticket
                messages.append(mail(sender=f"contact{n % 20}@romashka.example", subject=f"Новая проблема {n}",
                                     text="Не работает принтер в бухгалтерии.\n\n--\nС уважением, Контакт"))
            elif kind < 8:   # a reply on a ticket
                messages.append(mail(sender=f"contact{n % 20}@romashka.example",
                                     subject=f"Re: [#{ticket_ids[n % 50]}] Заявка",
                                     text=f"Спасибо, проверили.\n\nOn Mon, 30 Nov 2026, Desk wrote:\n> ответ {n}"))
            elif kind == 8:  # someone unknown: triage
                messages.append(mail(sender=f"someone{n}@unknown.example", subject=f"Вопрос {n}"))
            else:            # an out-of-office
                messages.append(mail(sender=f"contact{n % 20}@romashka.example", subject="Автоответ",
                                     headers={"Auto-Submitted": "auto-replied"}))
        with MailBoxUnencrypted("127.0.0.1", server.port).login(user, PASSWORD) as box:
            for raw in messages:
                box.append(raw, "INBOX")
        with app.app_context():
            started = time.perf_counter()
            taken = 0
            while taken < args.messages:
                report = fetch_mail(holder="bench", limit=args.messages)
                taken += report.taken
                if report.taken == 0:
                    break
            elapsed = time.perf_counter() - started
            outcomes = dict(db.session.execute(select(InboundMail.status, func.count()).group_by(InboundMail.status)).all())
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"backend: {backend}; {args.messages:,} messages in a local Dovecot mailbox")
        print(f"taken: {taken:,} in {elapsed:.1f} s = {taken / elapsed:.1f} messages/s; outcomes {outcomes}")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
