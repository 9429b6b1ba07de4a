"""Every page a desk uses daily, on a generated history of any size: the figures of issue 15.

Usage:
  .venv/bin/python bench/scale.py --database-url URL [--runs R] [--registers N] [--only REGEX]

`--only "ticket page|register"` times just the cases whose names match (a quick re-measure).

The database is one `flask demo load` + `flask demo generate` made (e.g. 3,000,000 tickets, 30,000
clients, 10 years). Times full HTTP requests through the app in this process (routing, queries,
templates): the engineers' list with each filter and sort, deep pages, search, the ticket page,
registering a ticket (form and API), the client picker, the portal for the busiest company and the
month's reports; prints p50/p95 and the SQL statements each page runs, then this process's memory
and the database's size per ticket. It writes to the database: the busiest company's first contact
gets the demo password (generated contacts have unusable ones) so that the portal can be timed.
The tickets it registers (a few hundred) are deleted at the end with their events, so that
repeated runs time the same desk: left open, 20 runs had added 14,000 open tickets of one company
with the same two subjects, and the lists of nobody's tickets and the searches among active ones
timed those instead.
"""
import argparse
import gc
import os
import random
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HOURDESK_ENV", "development")

from sqlalchemy import delete, event, func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.auth.operations import issue_token  # noqa: E402
from app.clients.models import Client  # noqa: E402
from app.core.events import OutboxEvent  # noqa: E402
from app.demo import DEMO_PASSWORD  # noqa: E402
from app.extensions import db  # noqa: E402
from app.tickets.models import Comment, Tag, Ticket, TicketChange, ticket_tags  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ("engineers", "clients", "difficult", "updates", "sla", "trends")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def pick(app) -> dict:
    """The objects the cases ask for: the busiest client, engineer and tag, a ticket with 6 comments."""
    with app.app_context():
        newest = db.session.scalar(select(func.max(Ticket.id)))
        recent = Ticket.id > newest - 20_000
        busiest_client = db.session.execute(
            select(Ticket.client_id, func.count()).where(recent).group_by(Ticket.client_id)
            .order_by(func.count().desc()).limit(1)).first()[0]
        busiest_engineer = db.session.execute(
            select(Ticket.assignee_id, func.count()).where(recent, Ticket.assignee_id.is_not(None))
            .group_by(Ticket.assignee_id).order_by(func.count().desc()).limit(1)).first()[0]
        tag = db.session.execute(
            select(Tag.name, func.count()).join(ticket_tags, ticket_tags.c.tag_id == Tag.id)
            .where(ticket_tags.c.ticket_id > newest - 20_000).group_by(Tag.name)
            .order_by(func.count().desc()).limit(1)).first()[0]
        # of the recent tickets with 6 comments, the one with the longest history (a closed one has
        # its status and assignment changes; the newest such ticket was still open, with one row)
        six_comments = (select(Comment.ticket_id).where(Comment.ticket_id > newest - 20_000)
                        .group_by(Comment.ticket_id).having(func.count() == 6).subquery())
        with_six = db.session.scalar(
            select(TicketChange.ticket_id).where(TicketChange.ticket_id.in_(select(six_comments.c.ticket_id)))
            .group_by(TicketChange.ticket_id).order_by(func.count().desc(), TicketChange.ticket_id.desc()).limit(1))
        client = db.session.get(Client, busiest_client)
        contact = db.session.scalar(select(User).where(User.client_id == client.id, User.active.is_(True))
                                    .order_by(User.id).limit(1))
        contact.set_password(DEMO_PASSWORD)   # generated contacts have unusable passwords
        db.session.commit()
        return {
            "tickets": db.session.scalar(select(func.count(Ticket.id))),
            "clients": db.session.scalar(select(func.count(Client.id))),
            "comments": db.session.scalar(select(func.count(Comment.id))),
            "newest": newest, "client": client.id, "client_name": client.name, "inn": client.inn,
            "client_tickets": db.session.scalar(select(func.count()).where(Ticket.client_id == client.id)),
            "engineer": busiest_engineer, "tag": tag, "six": with_six,
            # the portal's ticket page: the company's own ticket with the most comments among its recent ones
            "own_ticket": db.session.scalar(
                select(Comment.ticket_id).join(Ticket, Ticket.id == Comment.ticket_id)
                .where(Ticket.client_id == client.id, Ticket.id > newest - 20_000).group_by(Comment.ticket_id)
                .order_by(func.count().desc(), Comment.ticket_id.desc()).limit(1)),
            "six_history": db.session.scalar(select(func.count()).where(TicketChange.ticket_id == with_six)),
            "contact": contact.email,
            "prefixes": [n[:k] for n in db.session.scalars(select(Client.name_search).limit(300)) for k in (1, 3, 5)],
            "inns": [i[:4] for i in db.session.scalars(select(Client.inn).limit(200))],
            "numbers": [str(i) for i in range(newest - 2_000_000, newest, 9_973) if i > 0] or [str(newest)],
        }


def database_size(app) -> int:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            return Path(db.engine.url.database).stat().st_size
        return db.session.scalar(text("SELECT pg_database_size(current_database())"))


class Timer:
    """Times requests and counts the SQL statements each one runs."""

    def __init__(self, app, runs: int, only: str | None = None):
        self.runs, self.statements, self.only = runs, 0, re.compile(only) if only else None
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._count)
        print(f"{'case':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL':>4}")

    def _count(self, *_):
        self.statements += 1

    def case(self, name, request, *, runs=None, expect=(200,), between=None):
        """`between`: untimed work before each request (what a browser does between two)."""
        if self.only and not self.only.search(name):
            return None
        for _ in range(3):   # warm caches
            request()
        timings, statements = [], []
        for _ in range(runs or self.runs):
            if between:
                between()
            self.statements = 0
            started = time.perf_counter()
            response = request()
            timings.append((time.perf_counter() - started) * 1000)
            statements.append(self.statements)
            assert response.status_code in expect, (name, response.status_code)
        print(f"{name:<44} {statistics.median(timings):8.1f} {percentile(timings, 95):8.1f} {max(timings):8.1f} "
              f"{statistics.median(statements):4.0f}", flush=True)
        return response


def read_flashes(web) -> None:
    """What the browser's next page does after a registration: show (and so drop) its message.
    Without it a hundred "registered" messages pile up in the session cookie, which is then
    signed and compressed on every request."""
    with web.session_transaction() as session:
        session.pop("_flashes", None)


def delete_registered(app, newest_ticket: int, newest_event: int) -> int:
    """Take away what the pass registered: the tickets after `newest_ticket` (their history, search
    rows and notices go with them) and the events after `newest_event` (nobody delivers them here)."""
    with app.app_context():
        deleted = db.session.execute(delete(Ticket).where(Ticket.id > newest_ticket)).rowcount
        db.session.execute(delete(OutboxEvent).where(OutboxEvent.id > newest_event))
        db.session.commit()
    return deleted


def login(app, email):
    web = app.test_client()
    response = web.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, (email, response.status_code)
    return web


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'bench' / 'out' / 'list-3000000-30000.sqlite3'}")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--registers", type=int, default=100)
    parser.add_argument("--only", help="time only the cases whose names match this regular expression")
    args = parser.parse_args()
    app = create_app(SQLALCHEMY_DATABASE_URI=args.database_url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    started = time.perf_counter()
    info = pick(app)
    with app.app_context():
        newest_event = db.session.scalar(select(func.coalesce(func.max(OutboxEvent.id), 0)))
    size = database_size(app)
    print(f"database: {args.database_url.split(':')[0]}: "
          f"{info['tickets']:,} tickets, {info['clients']:,} clients, {info['comments']:,} comments; "
          f"{size / 2**30:.2f} GiB, {size / info['tickets'] / 1024:.2f} KiB per ticket "
          f"(picked in {time.perf_counter() - started:.1f} s)")
    print(f"busiest client #{info['client']} ({info['client_tickets']:,} tickets), engineer #{info['engineer']}, "
          f"tag {info['tag']!r}, ticket #{info['six']} (6 comments, {info['six_history']} history rows)")
    rng = random.Random(1)
    # as both servers do once started (`flask serve`, gunicorn's post_fork): what start-up made stays
    # out of the collector's way. Without it a full collection walks it all, 115 ms at random.
    gc.collect()
    gc.freeze()
    timer = Timer(app, args.runs, args.only)
    web = login(app, "engineer@hourdesk.example")

    def get(url_or_maker):
        return lambda: web.get(url_or_maker() if callable(url_or_maker) else url_or_maker)

    lists = {
        "engineer's home (queues, overdue)": "/",
        "clients list": "/clients/",
        "busiest client's page": f"/clients/{info['client']}",
        "list: first page (newest)": "/tickets/",
        "list: oldest first": "/tickets/?sort=oldest",
        "list: recently updated": "/tickets/?sort=updated",
        "list: most urgent": "/tickets/?sort=priority",
        "list: due soonest": "/tickets/?sort=due",
        "list: active (the Tickets menu)": "/tickets/?status=active",
        "list: active, most urgent": "/tickets/?status=active&sort=priority",
        "list: active, due soonest": "/tickets/?status=active&sort=due",
        "list: active, recently updated": "/tickets/?status=active&sort=updated",
        "list: active, oldest first": "/tickets/?status=active&sort=oldest",
        "list: status open": "/tickets/?status=open",
        "list: status in progress": "/tickets/?status=in_progress",
        "list: status closed": "/tickets/?status=closed",
        "list: priority critical": "/tickets/?priority=critical",
        "list: unassigned, active": "/tickets/?status=active&assignee=none",
        "list: one engineer's": f"/tickets/?assignee={info['engineer']}",
        "list: one engineer's active, most urgent": f"/tickets/?assignee={info['engineer']}&status=active&sort=priority",
        "list: busiest client's": f"/tickets/?client_id={info['client']}",
        "list: busiest client's, most urgent": f"/tickets/?client_id={info['client']}&sort=priority",
        "list: busiest client's active": f"/tickets/?client_id={info['client']}&status=active",
        "list: busiest client's active, due soonest": f"/tickets/?client_id={info['client']}&status=active&sort=due",
        "list: busiest client's active, most urgent":
            f"/tickets/?client_id={info['client']}&status=active&sort=priority",
        "list: busiest client's active, recently updated":
            f"/tickets/?client_id={info['client']}&status=active&sort=updated",
        "list: busiest client's active, deepest page": f"/tickets/?client_id={info['client']}&status=active&page=400",
        "list: tag": f"/tickets/?tag={info['tag']}",
        "list: page 200": "/tickets/?page=200",
        "list: deepest page (400)": "/tickets/?page=400",
        "list: closed, oldest, deepest page": "/tickets/?status=closed&sort=oldest&page=400",
    }
    for name, url in lists.items():
        timer.case(name, get(url))
    words = ["принтер", "vpn", "1с", "backup", "картридж", "сервер", "почта", "лицензия"]
    searches = {
        "search: a common word": lambda: "/tickets/?q=" + rng.choice(words),
        "search: two words": lambda: "/tickets/?q=" + rng.choice(["картридж принтер", "vpn сервер", "1с обновление"]),
        "search: word, active only": lambda: "/tickets/?status=active&q=" + rng.choice(words),
        "search: word, most urgent": lambda: "/tickets/?sort=priority&q=" + rng.choice(words),
        "search: client name": lambda: "/tickets/?q=" + info["client_name"].split()[-1],
        "search: INN": lambda: "/tickets/?q=" + info["inn"],
        "search: ticket number": lambda: "/tickets/?q=%23" + rng.choice(info["numbers"]),
        "search: a word nobody wrote": lambda: "/tickets/?q=zzzqx" + str(rng.randrange(1000)),
    }
    for name, make_url in searches.items():
        timer.case(name, get(make_url))
    timer.case("ticket page (6 comments, history)", get(f"/tickets/{info['six']}"))
    timer.case("new ticket form (client chosen)", get(f"/tickets/new?client_id={info['client']}"))
    timer.case("picker: name prefix", get(lambda: "/clients/picker?q=" + rng.choice(info["prefixes"])))
    timer.case("picker: INN prefix", get(lambda: "/clients/picker?q=" + rng.choice(info["inns"])))
    timer.case("register a ticket (form)", lambda: web.post("/tickets/new", data={
        "client_id": info["client"], "subject": "Не печатает принтер в бухгалтерии", "priority": "normal",
        "channel": "phone", "requester_id": 0, "assignee_id": 0, "description": "После обновления драйвера."}),
        runs=args.registers, expect=(302, 303), between=lambda: read_flashes(web))
    with app.app_context():
        token_user = db.session.scalar(select(User).where(User.email == "engineer@hourdesk.example"))
        _, token = issue_token(token_user, name="bench")
        db.session.commit()
    api = {"Authorization": f"Bearer {token}"}
    timer.case("API: tickets, first page", lambda: web.get("/api/v1/tickets", headers=api))
    timer.case("API: tickets in progress", lambda: web.get("/api/v1/tickets?status=in_progress", headers=api))
    timer.case("register a ticket (API)", lambda: web.post("/api/v1/tickets", headers=api, json={
        "client_id": info["client"], "subject": "VPN не подключается", "priority": "high"}),
        runs=args.registers, expect=(201,))

    portal = login(app, info["contact"])
    # last month: a full month whatever day the pass runs (this month's work is empty on the 1st)
    month_end = date.today().replace(day=1) - timedelta(days=1)
    last_month = month_end.strftime("%Y-%m")
    for name, url in {"portal: dashboard": "/portal/", "portal: hours history": "/portal/hours",
                      "portal: work, last month": f"/portal/work?month={last_month}",
                      "portal: tickets (open)": "/portal/tickets",
                      "portal: tickets (all)": "/portal/tickets?show=all",
                      "portal: tickets (all), page 100": "/portal/tickets?show=all&page=100",
                      "portal: a ticket": f"/portal/tickets/{info['own_ticket']}"}.items():
        timer.case(name, lambda url=url: portal.get(url))

    manager = login(app, "manager@hourdesk.example")
    month = {"from": month_end.replace(day=1).isoformat(), "to": month_end.isoformat()}
    for name in REPORTS:
        timer.case(f"report: {name}, last month", lambda name=name: manager.get(f"/reports/{name}", query_string=month),
                   runs=max(3, args.runs // 10))
    current, peak = rss_mb()
    print(f"memory of this process after the pass: {current:.0f} MB RSS (peak {peak:.0f} MB)")
    print(f"deleted the {delete_registered(app, info['newest'], newest_event):,} tickets this pass registered")


if __name__ == "__main__":
    main()
