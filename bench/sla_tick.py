"""SLA monitor tick time with 50,000 open tickets (SQLite by default).

Usage: .venv/bin/python bench/sla_tick.py [--open N] [--database-url URL]
Open tickets get their next SLA check spread over the coming month; each timed tick finds the
handful that fell due since the previous tick, as the scheduler does every 30 seconds.
"""
import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HOURDESK_ENV", "development")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.clients.models import Client  # noqa: E402
from app.core.types import utcnow  # noqa: E402
from app.demo import demo_cli  # noqa: E402
from app.extensions import db  # noqa: E402
from app.tickets.announce import announce_due  # noqa: E402
from app.tickets.models import Ticket  # noqa: E402
from app.tickets.tasks import check_sla  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=50_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    url = args.database_url
    if not url:
        path = out / "sla.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    app = create_app(SQLALCHEMY_DATABASE_URI=url)
    rng = random.Random(3)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        app.test_cli_runner().invoke(demo_cli, ["load"])
        client_ids = db.session.scalars(select(Client.id)).all()
        now = utcnow()
        rows = []
        for i in range(args.open):
            created = now - timedelta(minutes=rng.randrange(1, 600))
            due = now + timedelta(minutes=rng.randrange(10, 30 * 24 * 60))
            rows.append({"client_id": rng.choice(client_ids), "subject": f"open {i}", "subject_search": f"open {i}",
                         "description": "", "priority": "normal", "priority_rank": 2, "channel": "phone",
                         "status": rng.choice(["open", "in_progress"]), "created_at": created, "updated_at": created,
                         "resolution_due_at": due, "sla_next_check_at": due - (due - created) / 5,
                         "next_announce_at": now + timedelta(seconds=rng.randrange(1, 3600))})
        for start in range(0, len(rows), 10_000):
            db.session.execute(insert(Ticket), rows[start:start + 10_000])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        total = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.status.in_(("open", "in_progress"))))
        print(f"open tickets: {total:,}")
        timings, fired = [], 0
        clock = now
        for _ in range(60):                      # half an hour of 30-second ticks
            clock += timedelta(seconds=30)
            started = time.perf_counter()
            fired += len(check_sla(clock))
            db.session.commit()
            timings.append((time.perf_counter() - started) * 1000)
        print(f"SLA tick (30 s apart, {fired} thresholds fired in 60 ticks): p50 {statistics.median(timings):.2f} ms, "
              f"max {max(timings):.2f} ms")
        started = time.perf_counter()
        idle = [check_sla(clock) for _ in range(100)]
        print(f"idle SLA tick (nothing due): {(time.perf_counter() - started) * 10:.3f} ms; fired {sum(map(len, idle))}")
        timings, said = [], 0
        clock = now
        for _ in range(60):                      # ten minutes of 10-second announcement ticks
            clock += timedelta(seconds=10)
            started = time.perf_counter()
            said += announce_due(clock)
            db.session.commit()
            timings.append((time.perf_counter() - started) * 1000)
        print(f"announcement tick (10 s apart, {said} announcements in 60 ticks): "
              f"p50 {statistics.median(timings):.2f} ms, max {max(timings):.2f} ms")


if __name__ == "__main__":
    main()
