"""Engineers' list page and client picker latency on 100,000 tickets and 10,000 clients (SQLite).

Usage: .venv/bin/python bench/ticket_list.py [--tickets N] [--clients M] [--runs R] [--database-url URL]
Builds the database once in bench/out/ (migrations + demo + generated data), then times full HTTP
requests through the app (routing, query, template) and prints p50/p95 in milliseconds.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HOURDESK_ENV", "development")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.clients.models import Client  # noqa: E402
from app.demo import DEMO_PASSWORD, demo_cli  # noqa: E402
from app.extensions import db  # noqa: E402
from app.tickets.models import Ticket  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    url = args.database_url or f"sqlite:///{out / f'list-{args.tickets}-{args.clients}.sqlite3'}"
    app = create_app(SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if db.session.scalar(select(func.count(Ticket.id))) < args.tickets:
            runner = app.test_cli_runner()
            started = time.perf_counter()
            runner.invoke(demo_cli, ["load"])
            result = runner.invoke(demo_cli, ["generate", "--tickets", str(args.tickets), "--clients", str(args.clients)])
            print(result.output.strip(), f"in {time.perf_counter() - started:.1f} s")
        tickets = db.session.scalar(select(func.count(Ticket.id)))
        clients = db.session.scalar(select(func.count(Client.id)))
        prefixes = [n[:k] for n in db.session.scalars(select(Client.name_search).limit(500)) for k in (1, 3, 5)]
        inns = [i[:4] for i in db.session.scalars(select(Client.inn).limit(200))]
    print(f"database: {db.engine.url.render_as_string(hide_password=True) if False else url.split('///')[-1]}")
    print(f"data: {tickets} tickets, {clients} clients")

    web = app.test_client()
    response = web.post("/login", data={"email": "engineer@hourdesk.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.status_code
    rng = random.Random(1)
    cases = {
        "list: first page": lambda: "/tickets/",
        "list: status filter (in_progress)": lambda: "/tickets/?status=in_progress",
        "list: active (the Tickets menu)": lambda: "/tickets/?status=active",
        "list: active, most urgent": lambda: "/tickets/?status=active&sort=priority",
        "list: text search": lambda: "/tickets/?q=" + rng.choice(["принтер", "vpn", "1с", "backup", "картридж 12"]),
        "list: page 200": lambda: "/tickets/?page=200",
        "picker: name prefix": lambda: "/clients/picker?q=" + rng.choice(prefixes),
        "picker: INN prefix": lambda: "/clients/picker?q=" + rng.choice(inns),
    }
    print(f"{'case':<36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   ({args.runs} requests each)")
    for name, make_url in cases.items():
        for _ in range(5):  # warm caches
            web.get(make_url())
        timings = []
        for _ in range(args.runs):
            target = make_url()
            started = time.perf_counter()
            response = web.get(target)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (target, response.status_code)
        print(f"{name:<36} {statistics.median(timings):8.1f} {percentile(timings, 95):8.1f} {max(timings):8.1f}")


if __name__ == "__main__":
    main()
