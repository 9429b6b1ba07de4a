"""Ledger figures: closes per second (SQLite; PostgreSQL with 1 and 16 workers), balance lookup
with 1,000,000 entries, and the closing preview page.

Usage:
  .venv/bin/python bench/ledger.py                          # SQLite in bench/out/
  .venv/bin/python bench/ledger.py --database-url postgresql+psycopg://…/db   # an empty PostgreSQL database
"""
import argparse
import os
import statistics
import sys
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HOURDESK_ENV", "development")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, text, update  # noqa: E402
from stdnum.ru import inn as ru_inn  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.auth.operations import create_user  # noqa: E402
from app.clients.operations import create_client  # noqa: E402
from app.contracts import operations as ledger_ops  # noqa: E402
from app.contracts.models import ClientBalance, HourLot, LedgerEntry  # noqa: E402
from app.contracts.queries import client_balance, ledger_sum  # noqa: E402
from app.core.db_setup import serialized_writes  # noqa: E402
from app.core.types import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.tickets.models import Ticket  # noqa: E402
from app.tickets.operations import add_line, create_ticket, set_status  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def make_inn(n: int) -> str:
    base = f"{500000000 + n:09d}"
    return base + ru_inn.calc_company_check_digit(base)


def setup_companies(count: int, tickets_each: int, tag: str):
    """`count` companies with a big contract and tickets that each carry two hourly lines."""
    engineer = db.session.query(User).filter_by(email="bench@hourdesk.example").one_or_none() or \
        create_user("bench@hourdesk.example", role="engineer", password="bench-pass", locale="en")
    service = ledger_ops.save_service(None, code=f"SUP-{tag}", name_ru="Поддержка", billing="hourly")
    plan = []
    offset = db.session.execute(text("SELECT COUNT(*) FROM clients")).scalar()
    for c in range(count):
        client = create_client(name=f"Bench {tag} {c}", inn=make_inn(offset + c))
        ledger_ops.create_contract(client, number=f"B-{tag}-{c}", starts_on=date.today().replace(day=1), months=12,
                                   hours_per_month=500)
        ids = []
        for i in range(tickets_each):
            ticket = create_ticket(engineer, client, subject=f"bench {i}")
            add_line(ticket, engineer, service=service, minutes=20 + i % 40)
            add_line(ticket, engineer, service=service, minutes=7)
            ids.append(ticket.id)
        plan.append(ids)
    db.session.commit()
    return engineer.id, plan


def engineer_for(worker: int) -> int:
    """Each worker closes as its own engineer, as in an office: one shared user row would make
    every insert's foreign-key check share-lock the same row (PostgreSQL MultiXacts)."""
    email = f"bench{worker}@hourdesk.example"
    user = db.session.query(User).filter_by(email=email).one_or_none() or \
        create_user(email, role="engineer", password="bench-pass", locale="en")
    db.session.commit()
    return user.id


def close_all(app, engineer_id, ticket_ids):
    with app.app_context():
        engineer = db.session.get(User, engineer_id)
        for ticket_id in ticket_ids:
            with serialized_writes(db.session):
                set_status(db.session.get(Ticket, ticket_id), engineer, "closed")
                db.session.commit()


def _close_in_process(url, worker, chunk, ready, start_event):
    app = create_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        engineer_id = engineer_for(worker)
    ready.release()
    start_event.wait()
    close_all(app, engineer_id, chunk)


def closes_per_second_processes(app, url, workers: int, companies: int, per_worker: int, tag: str) -> float:
    """Like closes_per_second, but each worker is its own process (as gunicorn workers would be),
    so Python's GIL does not serialise them."""
    import multiprocessing as mp
    with app.app_context():
        engineer_id, plan = setup_companies(companies, workers * per_worker // companies, tag)
        db.engine.dispose()
    flat = [tid for ids in plan for tid in ids]
    # one company per worker when there are as many companies as workers (no shared lock);
    # with one company every worker waits for the same client lock in turn
    chunks = plan if len(plan) == workers else [flat[w::workers] for w in range(workers)]
    ctx = mp.get_context("spawn")
    start, ready = ctx.Event(), ctx.Semaphore(0)
    procs = [ctx.Process(target=_close_in_process, args=(url, w, chunk, ready, start))
             for w, chunk in enumerate(chunks)]
    for p in procs:
        p.start()
    for _ in procs:   # the clock starts once every process has imported the app and connected
        ready.acquire()
    started = time.perf_counter()
    start.set()
    for p in procs:
        p.join()
    assert all(p.exitcode == 0 for p in procs)
    return len(flat) / (time.perf_counter() - started)


def closes_per_second(app, workers: int, companies: int, per_worker: int, tag: str) -> float:
    with app.app_context():
        engineer_id, plan = setup_companies(companies, workers * per_worker // companies, tag)
    flat = [tid for ids in plan for tid in ids]
    chunks = plan if len(plan) == workers else [flat[w::workers] for w in range(workers)]
    with app.app_context():
        engineers = [engineer_for(w) for w in range(workers)]
    threads = [threading.Thread(target=close_all, args=(app, engineers[w], chunk)) for w, chunk in enumerate(chunks)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return len(flat) / elapsed


def statements_per_close(app, samples: int = 20) -> tuple[float, int]:
    """SQL statements one close sends (the lock and the reads it decides on, the ticket's status
    change, its debit, its audit rows, the low-balance check, the events), counted at the driver
    from the close's call to its commit, with the ticket and the engineer already read in the
    transaction as a request has them: (median, most)."""
    with app.app_context():
        engineer_id, plan = setup_companies(1, samples, "stmts")
        counts = []
        for ticket_id in plan[0]:
            seen: list[int] = []

            def listener(*_args, seen=seen):
                seen.append(1)
            with serialized_writes(db.session):
                engineer, ticket = db.session.get(User, engineer_id), db.session.get(Ticket, ticket_id)
                event.listen(db.engine, "before_cursor_execute", listener)
                try:
                    set_status(ticket, engineer, "closed")
                    db.session.commit()
                finally:
                    event.remove(db.engine, "before_cursor_execute", listener)
            counts.append(len(seen))
    return statistics.median(counts), max(counts)


def balance_lookup(app, entries: int):
    with app.app_context():
        client = create_client(name="Million", inn=make_inn(900000))
        ledger_ops.create_contract(client, number="M-1", starts_on=date.today().replace(day=1), months=12, hours_per_month=10)
        db.session.commit()
        lot_id = db.session.query(HourLot.id).filter_by(client_id=client.id).scalar()
        started = time.perf_counter()
        now = utcnow()
        batch = [{"client_id": client.id, "lot_id": lot_id, "kind": "adjustment", "minutes": 1 if i % 2 else -1,
                  "reason": "bench", "created_at": now} for i in range(20_000)]
        for _ in range(entries // len(batch)):
            db.session.execute(insert(LedgerEntry), batch)
        db.session.commit()
        db.session.execute(update(ClientBalance).where(ClientBalance.client_id == client.id)
                           .values(balance_minutes=ledger_sum(client.id)))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE ledger_entries"))
            db.session.commit()
        print(f"  inserted {entries:,} entries in {time.perf_counter() - started:.1f} s")
        timings = []
        for _ in range(2000):
            t = time.perf_counter()
            client_balance(client.id)
            timings.append((time.perf_counter() - t) * 1000)
        sums = []
        for _ in range(5):
            t = time.perf_counter()
            ledger_sum(client.id)
            sums.append((time.perf_counter() - t) * 1000)
        assert client_balance(client.id) == ledger_sum(client.id)
        return timings, sums


def preview_render(app):
    with app.app_context():
        engineer_id, plan = setup_companies(1, 1, "preview")
        ticket_id = plan[0][0]
        db.session.execute(update(User).where(User.id == engineer_id).values(locale="en"))
        db.session.commit()
    web = app.test_client()
    assert web.post("/login", data={"email": "bench@hourdesk.example", "password": "bench-pass"}).status_code == 302
    timings = []
    for i in range(205):
        t = time.perf_counter()
        response = web.get(f"/tickets/{ticket_id}/close")
        if i >= 5:
            timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200 and b"Close and debit" in response.data
    return timings


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--closes", type=int, default=1600)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    url = args.database_url
    if not url:
        path = out / "ledger.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    app = create_app(SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                     **({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 5, "pool_pre_ping": True}}
                        if url.startswith("postgresql") else {}))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"backend: {backend}")
    median, most = statements_per_close(app)
    print(f"SQL statements per close:                   {median:8.0f} (most {most}; target ≤ 10)")
    print(f"closes/s, 1 writer:                         {closes_per_second(app, 1, 1, args.closes // 4, 'one'):8.0f}")
    if backend == "PostgreSQL":
        cores = os.cpu_count() or 2
        rate = closes_per_second_processes(app, url, cores, cores, args.closes // cores, 'cores')
        print(f"closes/s, {cores} processes over {cores} companies:     {rate:8.0f} ({rate / cores:.0f} per process)")
        print(f"closes/s, 16 threads over 16 companies:     {closes_per_second(app, 16, 16, args.closes // 16, 'many'):8.0f}")
        print(f"closes/s, 16 processes over 16 companies:   "
              f"{closes_per_second_processes(app, url, 16, 16, args.closes // 16, 'proc'):8.0f}")
        print(f"closes/s, 16 processes on one company:      "
              f"{closes_per_second_processes(app, url, 16, 1, args.closes // 16, 'same'):8.0f}")
    else:
        print(f"closes/s, 4 threads (one writer at a time): {closes_per_second(app, 4, 4, args.closes // 4, 'four'):8.0f}")
    timings = preview_render(app)
    print(f"closing preview page: p50 {statistics.median(timings):.1f} ms, p95 {pct(timings, 95):.1f} ms")
    lookups, sums = balance_lookup(app, args.entries)
    print(f"balance lookup ({args.entries:,} entries): p50 {statistics.median(lookups):.3f} ms, "
          f"p95 {pct(lookups, 95):.3f} ms (Σ entries for comparison: {statistics.median(sums):.0f} ms)")


if __name__ == "__main__":
    main()
