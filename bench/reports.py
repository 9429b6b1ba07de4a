"""Report figures: every report page (all its tables, full HTTP requests) for one month and for one
year, on 1,000,000 tickets and ~5,000,000 specification lines made by `flask demo generate`.

Usage:
  .venv/bin/python bench/reports.py                      # SQLite in bench/out/reports.sqlite3 (built once)
  .venv/bin/python bench/reports.py --database-url postgresql+psycopg://…/empty_db
  .venv/bin/python bench/reports.py --rebuild            # build the SQLite database again
"""
import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HOURDESK_ENV", "development")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.contracts.models import LedgerEntry, SpecLine  # noqa: E402
from app.demo import DEMO_PASSWORD, demo_cli  # noqa: E402
from app.extensions import db  # noqa: E402
from app.tickets.models import Ticket  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ("engineers", "clients", "difficult", "updates", "sla", "trends")


def build(app, tickets: int, clients: int, years: int, lines: float) -> None:
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if db.session.scalar(select(func.count(Ticket.id))) >= tickets:
            return
        t = time.perf_counter()
        result = runner.invoke(demo_cli, ["load"])
        assert result.exit_code == 0, result.output
        result = runner.invoke(demo_cli, ["generate", "--tickets", str(tickets), "--clients", str(clients),
                                          "--years", str(years), "--lines-per-ticket", str(lines), "--engineers", "12"])
        assert result.exit_code == 0, (result.output, result.exception)
        print(f"  {result.output.strip()} in {time.perf_counter() - t:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--lines-per-ticket", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url = args.database_url
    if not url:
        out = ROOT / "bench" / "out"
        out.mkdir(exist_ok=True)
        path = out / "reports.sqlite3"
        if args.rebuild:
            path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    app = create_app(SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
    build(app, args.tickets, args.clients, args.years, args.lines_per_ticket)
    with app.app_context():
        print(f"database: {db.engine.dialect.name}: {db.session.scalar(select(func.count(Ticket.id))):,} tickets, "
              f"{db.session.scalar(select(func.count(SpecLine.id))):,} specification lines, "
              f"{db.session.scalar(select(func.count(LedgerEntry.id))):,} ledger entries, "
              f"{db.session.scalar(select(func.count(User.id)).where(User.role == 'engineer'))} engineers")
    web = app.test_client()
    assert web.post("/login", data={"email": "manager@hourdesk.example", "password": DEMO_PASSWORD}).status_code == 302
    today = date.today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    periods = {"month": (last_month_end.replace(day=1), last_month_end),
               "year": ((last_month_end.replace(day=1) - timedelta(days=335)).replace(day=1), last_month_end)}
    print(f"  {'report':<12} {'period':<6} {'p50 s':>7} {'max s':>7}  rows")
    for name in REPORTS:
        for label, (start, end) in periods.items():
            query = {"from": start.isoformat(), "to": end.isoformat()}
            timings = []
            for _ in range(args.runs):
                t = time.perf_counter()
                response = web.get(f"/reports/{name}", query_string=query)
                timings.append(time.perf_counter() - t)
                assert response.status_code == 200, (name, response.status_code)
            rows = response.get_data(as_text=True).count('<tr>') - response.get_data(as_text=True).count('<thead>')
            print(f"  {name:<12} {label:<6} {statistics.median(timings):7.2f} {max(timings):7.2f}  {rows}")
    for label, (start, end) in periods.items():
        timings = []
        for _ in range(args.runs):
            t = time.perf_counter()
            response = web.get("/reports/clients/export.xlsx", query_string={"from": start.isoformat(), "to": end.isoformat()})
            timings.append(time.perf_counter() - t)
            assert response.status_code == 200
        print(f"  {'clients.xlsx':<12} {label:<6} {statistics.median(timings):7.2f} {max(timings):7.2f}")


if __name__ == "__main__":
    main()
