"""Billing figures: import and match of a 10,000-payment statement end to end, invoice PDF render
times, and the matcher's share on the corpus (tests/billing_corpus.py).

    .venv/bin/python bench/billing.py [--payments 10000] [--database-url URL]

Prints figures; it is not a timed test. The database is a new SQLite file unless a URL is given.
"""
import argparse
import gc
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from stdnum.ru import inn as ru_inn  # noqa: E402

from app import create_app  # noqa: E402
from app.billing import notices, operations  # noqa: E402
from app.billing.matcher import PaymentFacts, decide  # noqa: E402
from app.billing.models import Invoice, Payment  # noqa: E402
from app.clients.operations import create_client  # noqa: E402
from app.contracts.operations import create_contract  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestingConfig  # noqa: E402
from tests.billing_corpus import CASES, CLIENTS_BY_INN, INVOICES, OWN_INN, PREFIX  # noqa: E402
from tests.billing_files import BILLING_PROFILE, Doc, one_c  # noqa: E402
from tests.conftest import MIGRATIONS  # noqa: E402


def corpus_figures() -> None:
    attributable = [c for c in CASES if c.attributable]
    automatic = wrong = 0
    for case in CASES:
        decision = decide(PaymentFacts(Decimal(case.amount), case.payer_inn, "", case.purpose), INVOICES,
                          CLIENTS_BY_INN, prefix=PREFIX, own_inn=OWN_INN)
        got = None if decision.status != "auto" else (
            {next(i.number for i in INVOICES if i.id == inv): str(a) for inv, a in decision.allocations},
            str(decision.advance))
        if decision.status == "auto":
            wrong += got != case.expect
            automatic += case.attributable
    print(f"corpus: {len(CASES)} payments, {len(attributable)} attributable; matched automatically "
          f"{automatic}/{len(attributable)} = {automatic / len(attributable):.1%}; wrong automatic matches: {wrong}")


def build(app, clients: int, invoices: int) -> list[str]:
    """Clients with a contract each and issued invoices, half of them hour packs; the statement pays
    three in four by number (written three ways) and one in four by the payer's INN and the amount
    alone."""
    with app.app_context():
        operations.save_profile(None, **BILLING_PROFILE)
        made = []
        seq = 0
        while len(made) < clients:   # valid 10-digit INNs, generated
            seq += 1
            base = f"77{seq:07d}"
            candidate = base + ru_inn.calc_company_check_digit(base)
            made.append(create_client(name=f"ООО «Клиент {seq}»", inn=candidate))
        db.session.flush()
        for n, client in enumerate(made):   # every client has a contract: a grant looks it up, a low balance is checked
            create_contract(client, number=f"SUP-{n + 1}", starts_on=date(2026, 1, 1), months=12, hours_per_month=10,
                            hour_price=Decimal("2500.00"))
        db.session.commit()
        numbers = []
        original = notices.invoice_issued
        notices.invoice_issued = lambda invoice: None   # the PDFs of 10,000 e-mails are measured separately
        try:
            for n in range(invoices):
                client = made[n % len(made)]
                # every other invoice is an hour pack: paying it writes a lot and a ledger grant
                grant = operations.GrantInput(600, date(2026, 11, 1), date(2027, 10, 31)) if n % 2 == 0 else None
                invoice = operations.create_invoice(client, None, lines=[operations.LineInput(
                    "Часы поддержки", 1, f"{1000 + n}.00")], grant=grant)
                numbers.append((invoice.number, client.inn, invoice.total))
                if n % 500 == 499:
                    db.session.commit()
            db.session.commit()
        finally:
            notices.invoice_issued = original
        return numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--pdfs", type=int, default=40)
    args = parser.parse_args()
    corpus_figures()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/billing.sqlite3"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    import logging
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade(directory=MIGRATIONS)
    started = time.perf_counter()
    invoices = build(app, clients=2_000, invoices=args.payments)
    print(f"setup: {args.payments} issued invoices for 2,000 clients with contracts in {time.perf_counter() - started:.1f} s")
    docs = []
    for n, (number, inn, total) in enumerate(invoices):
        style = n % 4
        purpose = (f"Оплата по счету {number} за поддержку" if style == 0 else
                   f"Опл. сч. {int(number.rsplit('-', 1)[1])} без НДС" if style == 1 else
                   f"оплата счета {number.split('-', 1)[1]}, в т.ч. НДС" if style == 2 else "Оплата за услуги")
        docs.append(Doc(str(total), purpose, payer_inn=inn, number=str(n + 1), day=date(2026, 11, 27)))
    data = one_c(docs)
    with app.test_request_context():
        started = time.perf_counter()
        result = operations.import_statement(data, "bench.txt", None)
        db.session.commit()
        elapsed = time.perf_counter() - started
        paid = db.session.scalar(select(func.count()).select_from(Invoice).where(Invoice.status == "paid"))
        matched = db.session.scalar(select(func.count()).select_from(Payment).where(Payment.status == "auto"))
    print(f"import and match: {len(docs)} payments ({len(data) / 1e6:.1f} MB) in {elapsed:.2f} s = "
          f"{len(docs) / elapsed:,.0f} payments/s; matched automatically {matched} ({matched / len(docs):.1%}), "
          f"invoices paid {paid}; new {result.new}")
    with app.test_request_context():
        started = time.perf_counter()
        again = operations.import_statement(data, "bench.txt", None)
        db.session.commit()
        print(f"the same statement again: {again.duplicates} duplicates, {again.new} new, in "
              f"{time.perf_counter() - started:.2f} s")
    # the server freezes what start-up made (`flask serve`); a PDF is rendered by a request of its own
    gc.collect()
    gc.freeze()
    with app.test_request_context():
        invoice = db.session.scalars(select(Invoice).limit(1)).one()
        times = []
        for _ in range(args.pdfs):
            started = time.perf_counter()
            notices.invoice_attachment(invoice)
            times.append(time.perf_counter() - started)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"invoice PDF: first {times and max(times) * 1000:.0f} ms (fonts loading), p50 "
              f"{statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms over {len(times)} renders")


if __name__ == "__main__":
    main()
