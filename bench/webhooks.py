"""Webhook figures (issue 14): outbox events fanned out into deliveries per second, and deliveries
posted per second to a local receiver on loopback (HTTP/1.1 keep-alive, answers 204 at once).

Usage:
  .venv/bin/python bench/webhooks.py [--events 5000] [--endpoints 2]
  .venv/bin/python bench/webhooks.py --database-url postgresql+psycopg://…/empty_db
"""
import argparse
import os
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HOURDESK_ENV", "development")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.core.events import OutboxEvent  # noqa: E402
from app.core.types import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.webhooks.models import WebhookDelivery  # noqa: E402
from app.webhooks.operations import deliver_due, fan_out, save_endpoint  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = 0

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        Handler.received += 1
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--endpoints", type=int, default=2)
    args = parser.parse_args()
    url = args.database_url
    if not url:
        path = ROOT / "bench" / "out" / "webhooks.sqlite3"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app = create_app(SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        start = utcnow() - timedelta(minutes=1)
        for n in range(args.endpoints):
            endpoint = save_endpoint(None, url=f"http://127.0.0.1:{server.server_port}/hook/{n}",
                                     events=["ticket.updated", "balance.changed"], active=True, actor=None)
            endpoint.created_at = start
        db.session.commit()
        now = utcnow()
        rows = [{"event": "ticket.updated" if i % 3 else "balance.changed", "rooms": ["staff"],
                 "payload": {"ticket_id": i % 500 + 1, "client_id": i % 50 + 1, "status": "in_progress",
                             "subject": f"Заявка {i}", "changed": ["status"], "updated_at": now.isoformat()},
                 "created_at": now} for i in range(args.events)]
        db.session.execute(insert(OutboxEvent), rows)
        db.session.commit()
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"backend: {backend}; {args.events:,} events, {args.endpoints} endpoints")
        started = time.perf_counter()
        made = 0
        while True:
            with db.session.begin():
                seen, batch = fan_out(utcnow())
            made += batch
            if seen == 0:
                break
        elapsed = time.perf_counter() - started
        print(f"fan-out: {args.events:,} events → {made:,} deliveries in {elapsed:.2f} s "
              f"({args.events / elapsed:,.0f} events/s, {made / elapsed:,.0f} deliveries/s)")
        started = time.perf_counter()
        delivered = 0
        while True:
            report = deliver_due(utcnow(), limit=1000, holder="bench")
            delivered += report.delivered
            if report.delivered == 0:
                break
        elapsed = time.perf_counter() - started
        pending = db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                                    .where(WebhookDelivery.status != "delivered"))
        print(f"posted: {delivered:,} deliveries in {elapsed:.2f} s ({delivered / elapsed:,.0f} deliveries/s); "
              f"receiver counted {Handler.received:,}; not delivered: {pending}")
    server.shutdown()


if __name__ == "__main__":
    main()
