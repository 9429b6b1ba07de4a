"""A bounded, self-stopping load generator on loopback (issue 13's figures).

Engineers browse the active list and tickets, register tickets, log work and close them; client
contacts use the portal and register tickets; office speakers listen on sockets. Each simulated
user acts every --think seconds on average (exponential pauses) for --duration seconds. Afterwards
every client's cached balance is checked against the sum of its ledger entries, every close
against the one debit it must have made, and every announcement against what each speaker heard.

Usage:
  .venv/bin/python bench/load.py --target embedded [--users 50] [--duration 60]
  .venv/bin/python bench/load.py --target gunicorn --processes 2 --database-url postgresql+psycopg://…/empty_db
  add --ramp to find the saturation point (the request rate where the list's p95 passes 500 ms)
"""
import argparse
import os
import queue
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HOURDESK_ENV", "development")

import requests  # noqa: E402
import socketio  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from requests.adapters import HTTPAdapter  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from urllib3.util.retry import Retry  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.operations import create_user, issue_token  # noqa: E402
from app.clients.operations import create_client  # noqa: E402
from app.contracts.models import ClientBalance, LedgerEntry, TicketClose  # noqa: E402
from app.contracts.operations import create_contract, save_service  # noqa: E402
from app.core.events import OutboxEvent  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestingConfig  # noqa: E402

PASSWORD = "load-test-password"
INNS = ["7707083893", "7736207543", "7702070139", "7710140679", "7728168971", "500100732259", "7830002293",
        "7704340310", "32855961", "00032129"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, engineers: int, contacts: int) -> dict:
    """Staff, client companies with contracts and contacts, API tokens: what the users act as."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
        create_user("boss@load.example", role="manager", password=PASSWORD)
        staff = [create_user(f"eng{n}@load.example", role="engineer", password=PASSWORD) for n in range(engineers)]
        companies = []
        for n, inn in enumerate(INNS):
            company = create_client(name=f"ООО «Нагрузка {n}»", inn=inn)
            create_contract(company, number=f"L-{n}", starts_on=date.today().replace(day=1), months=12,
                            hours_per_month=500)
            companies.append(company)
        people = [create_user(f"contact{n}@load.example", role="client", password=PASSWORD,
                              client=companies[n % len(companies)]) for n in range(contacts)]
        tokens = {"engineers": [(u.email, issue_token(u, "load")[1]) for u in staff],
                  "contacts": [(u.email, issue_token(u, "load")[1], u.client_id) for u in people],
                  "speaker": issue_token(staff[0], "speaker")[1], "clients": [c.id for c in companies]}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens


def start_server(target: str, url: str, processes: int, redis: str | None, workdir: Path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "HOURDESK_OUTBOX_POLL_SECONDS": "0.1", "HOURDESK_RATELIMIT": "0",
           "HOURDESK_ATTACHMENT_DIR": str(workdir / "files"), "HOURDESK_ANNOUNCE_EVERY_MINUTES": "1000"}
    if target == "embedded":
        env["HOURDESK_ENV"] = "development"
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)]
    else:
        env.update({"HOURDESK_ENV": "production", "SECRET_KEY": "k" * 64, "HOURDESK_BASE_URL": "https://load.example",
                    "HOURDESK_WEB_PROCESSES": str(processes), "HOURDESK_SOCKETIO_TRANSPORTS": "websocket",
                    "SOCKETIO_MESSAGE_QUEUE": redis, "RATELIMIT_STORAGE_URI": redis.rsplit("/", 1)[0] + "/1",
                    "HOURDESK_BIND": f"127.0.0.1:{port}", "HOURDESK_COOKIE_SECURE": "0",
                    "HOURDESK_ACCESS_LOG": "/dev/null", "HOURDESK_WEB_THREADS": "64"})
        command = [os.path.join(sys.prefix, "bin", "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
    log = open(workdir / "server.log", "wb")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: see {workdir / 'server.log'}")
        try:
            if requests.get(base + "/login", timeout=5).status_code == 200:
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not answer within 60 s")


def start_redis(workdir: Path):
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    return proc, f"redis://127.0.0.1:{port}/0"


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.closes: list[int] = []

    def record(self, action: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.times[action].append(seconds * 1000)
            if not ok:
                self.errors[action] += 1
                if self.errors[action] <= 3:
                    print(f"  error in {action}: {detail[:200]}", file=sys.stderr)


def _timed(results: Results, action: str, call, ok=lambda r: r.status_code < 400):
    started = time.perf_counter()
    try:
        response = call()
        good = ok(response)
        results.record(action, time.perf_counter() - started, good, f"{response.status_code} {response.text[:150]}")
        return response if good else None
    except requests.RequestException as exc:
        results.record(action, time.perf_counter() - started, False, repr(exc))
        return None


def _browser_session(base: str, email: str) -> requests.Session:
    """Logged in through the form, CSRF token and all, as a person would; like a browser, a GET
    whose kept-alive connection the server had just closed is sent once more on a new one."""
    web = requests.Session()
    web.mount("http://", HTTPAdapter(max_retries=Retry(total=1, connect=1, read=1, allowed_methods={"GET"},
                                                       status=0, backoff_factor=0)))
    page = web.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"email": email, "password": PASSWORD, **({"csrf_token": token.group(1)} if token else {})}
    response = web.post(base + "/login", data=data, timeout=30, allow_redirects=False)
    if response.status_code != 302:
        raise RuntimeError(f"could not log in as {email}: {response.status_code}")
    return web


def engineer(base: str, email: str, token: str, clients: list[int], results: Results, stop: threading.Event,
             think: float, rng: random.Random) -> None:
    web = _browser_session(base, email)
    api = {"Authorization": f"Bearer {token}"}
    mine: list[int] = []
    while not stop.is_set():
        if stop.wait(rng.expovariate(1 / think)):
            break
        roll = rng.random()
        if roll < 0.40:
            _timed(results, "list: active tickets", lambda: web.get(base + "/tickets/?status=active", timeout=30))
        elif roll < 0.60 and mine:
            ticket_id = rng.choice(mine)
            _timed(results, "ticket page", lambda ticket_id=ticket_id: web.get(f"{base}/tickets/{ticket_id}", timeout=30))
        elif roll < 0.75:
            response = _timed(results, "register (API)", lambda: requests.post(
                base + "/api/v1/tickets", headers=api, timeout=30,
                json={"client_id": rng.choice(clients), "subject": f"Нагрузка {rng.randrange(10**6)}"}))
            if response is not None:
                mine.append(response.json()["id"])
        elif roll < 0.90 and mine:
            ticket_id = rng.choice(mine)
            _timed(results, "add a line (API)", lambda ticket_id=ticket_id: requests.post(
                f"{base}/api/v1/tickets/{ticket_id}/lines", headers=api, timeout=30,
                json={"service_code": "SUP", "minutes": rng.choice((15, 30, 45, 60))}),
                ok=lambda r: r.status_code in (201, 409))     # 409: closed meanwhile by this engineer
        elif mine:
            ticket_id = mine.pop(rng.randrange(len(mine)))
            response = _timed(results, "close (API)", lambda ticket_id=ticket_id: requests.post(
                f"{base}/api/v1/tickets/{ticket_id}/close", headers=api, timeout=30))
            if response is not None:
                with results.lock:
                    results.closes.append(ticket_id)


def contact(base: str, email: str, token: str, client_id: int, results: Results, stop: threading.Event,
            think: float, rng: random.Random) -> None:
    web = _browser_session(base, email)
    api = {"Authorization": f"Bearer {token}"}
    while not stop.is_set():
        if stop.wait(rng.expovariate(1 / think)):
            break
        roll = rng.random()
        if roll < 0.45:
            _timed(results, "portal: overview", lambda: web.get(base + "/portal/", timeout=30))
        elif roll < 0.85:
            _timed(results, "portal: tickets", lambda: web.get(base + "/portal/tickets", timeout=30))
        else:
            _timed(results, "portal: register (API)", lambda: requests.post(
                base + "/api/v1/tickets", headers=api, timeout=30,
                json={"client_id": client_id, "subject": f"Клиент {rng.randrange(10**6)}"}))


def speaker(base: str, token: str, heard: queue.Queue) -> socketio.Client:
    client = socketio.Client(reconnection=True, websocket_extra_options={"suppress_origin": True})
    client.on("announce", lambda data: heard.put((data["ticket_id"], data.get("repeat"))), namespace="/events")
    client.connect(base, namespaces=["/events"], auth={"token": token, "speaker": True}, transports=["websocket"],
                   wait_timeout=10)
    return client


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else 0.0


def run_load(base: str, seeded: dict, *, users: int, think: float, duration: float, speakers: int = 2,
             seed_value: int = 1) -> tuple[Results, list[queue.Queue], float]:
    """Run the users for `duration` seconds; the results, what each speaker heard, the wall time."""
    results, stop = Results(), threading.Event()
    heard = [queue.Queue() for _ in range(speakers)]
    sockets = [speaker(base, seeded["speaker"], q) for q in heard]
    threads = []
    n_contacts = max(1, users // 5)
    for n in range(users - n_contacts):
        email, token = seeded["engineers"][n % len(seeded["engineers"])]
        threads.append(threading.Thread(target=engineer, daemon=True, args=(
            base, email, token, seeded["clients"], results, stop, think, random.Random(seed_value * 1000 + n))))
    for n in range(n_contacts):
        email, token, client_id = seeded["contacts"][n % len(seeded["contacts"])]
        threads.append(threading.Thread(target=contact, daemon=True, args=(
            base, email, token, client_id, results, stop, think, random.Random(seed_value * 2000 + n))))
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(duration)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    wall = time.perf_counter() - started
    time.sleep(1.5)   # the last events on their way to the speakers
    for client in sockets:
        client.disconnect()
    return results, heard, wall


def check_ledger(url: str, closes: list[int]) -> tuple[list[str], int, int]:
    """Every cached balance equals its entries; every successful close debited exactly once."""
    problems = []
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        sums = dict(db.session.execute(select(LedgerEntry.client_id, func.sum(LedgerEntry.minutes))
                                       .group_by(LedgerEntry.client_id)).all())
        for client_id, cached in db.session.execute(select(ClientBalance.client_id, ClientBalance.balance_minutes)):
            if int(sums.get(client_id, 0)) != cached:
                problems.append(f"client {client_id}: cached {cached} != entries {sums.get(client_id)}")
        per_ticket = dict(db.session.execute(select(TicketClose.ticket_id, func.count()).where(
            TicketClose.reversed_at.is_(None)).group_by(TicketClose.ticket_id)).all())
        for ticket_id in closes:
            if per_ticket.get(ticket_id) != 1:
                problems.append(f"ticket {ticket_id}: {per_ticket.get(ticket_id, 0)} closes")
        debits = dict(db.session.execute(select(LedgerEntry.close_id, func.count()).where(
            LedgerEntry.kind == "debit").group_by(LedgerEntry.close_id)).all())
        announced = db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.event == "announce"))
        db.session.remove()
        db.engine.dispose()
    return problems, len(debits), announced


def check_announces(heard: list[queue.Queue], announced: int) -> list[str]:
    problems = []
    for n, q in enumerate(heard):
        got = []
        while not q.empty():
            got.append(q.get())
        if len(got) != len(set(got)):
            problems.append(f"speaker {n}: {len(got) - len(set(got))} announcements heard twice")
        if len(set(got)) != announced:
            problems.append(f"speaker {n}: heard {len(set(got))} of {announced} announcements")
    return problems


def report(results: Results, wall: float, title: str) -> dict:
    total = sum(len(v) for v in results.times.values())
    errors = sum(results.errors.values())
    print(f"\n{title}: {total} requests in {wall:.1f} s = {total / wall:.1f} requests/s, {errors} errors")
    print(f"{'action':<26} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for action in sorted(results.times):
        values = results.times[action]
        print(f"{action:<26} {len(values):6d} {statistics.median(values):8.1f} {percentile(values, 95):8.1f} "
              f"{percentile(values, 99):8.1f} {results.errors.get(action, 0):7d}")
    return {"rate": total / wall, "errors": errors,
            "list_p95": percentile(results.times.get("list: active tickets", []), 95)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", choices=("embedded", "gunicorn"), default="embedded")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database-url", default=None, help="an empty database (gunicorn: PostgreSQL)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a user's actions, on average")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--ramp", action="store_true", help="raise the users until the list's p95 passes 500 ms")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hourdesk-load-"))
    url = args.database_url or f"sqlite:///{workdir / 'load.sqlite3'}"
    if args.target == "gunicorn" and url.startswith("sqlite"):
        raise SystemExit("--target gunicorn needs --database-url of an empty PostgreSQL database")
    seeded = seed(url, engineers=20, contacts=20)
    redis_proc = None
    redis = None
    if args.target == "gunicorn":
        redis_proc, redis = start_redis(workdir)
    proc, base = start_server(args.target, url, args.processes, redis, workdir)
    label = "embedded (SQLite, one process)" if args.target == "embedded" else \
        f"gunicorn, {args.processes} processes, PostgreSQL + Redis"
    try:
        steps = [10, 25, 50, 100, 150, 200, 300] if args.ramp else [args.users]
        saturation = None
        all_closes: list[int] = []
        announced_before = 0
        for users in steps:
            results, heard, wall = run_load(base, seeded, users=users, think=args.think, duration=args.duration)
            figures = report(results, wall, f"{label}, {users} users acting every {args.think:g} s")
            all_closes += results.closes
            problems, closes, announced = check_ledger(url, all_closes)
            problems += check_announces(heard, announced - announced_before)
            print(f"checks: {len(all_closes)} closes each made once ({closes} with a debit), every balance = Σ entries, "
                  f"{announced - announced_before} announcements heard once by each of {len(heard)} speakers"
                  + (f" — PROBLEMS: {problems}" if problems else ": all exact"))
            announced_before = announced
            if args.ramp and figures["list_p95"] > 500 and saturation is None:
                saturation = (users, figures["rate"])
                break
        if args.ramp:
            print(f"\nsaturation: {'list p95 passed 500 ms at %d users, %.1f requests/s' % saturation if saturation else 'not reached'}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
        if redis_proc:
            redis_proc.terminate()
        log = (workdir / "server.log").read_text(errors="replace")
        print(f"server log: {log.count('Traceback')} tracebacks, {log.count('database is locked')} 'database is "
              f"locked' ({workdir / 'server.log'})")


if __name__ == "__main__":
    main()
