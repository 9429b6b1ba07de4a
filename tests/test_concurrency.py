"""Closing, reopening and adjusting one client's tickets from 16 threads at once, on SQLite and on
a real PostgreSQL: nothing is debited twice and every cached figure equals the sum of entries."""
import random
import threading
from contextlib import ExitStack
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.auth.operations import create_user
from app.clients.operations import create_client
from app.contracts import operations as ledger_ops
from app.contracts.models import TicketClose
from app.core.db_setup import serialized_writes
from app.core.errors import DomainError
from app.core.types import utcnow
from app.extensions import db
from app.tickets.models import Ticket
from app.tickets.operations import add_line, create_ticket, reopen, set_status
from config import TestingConfig
from tests.conftest import MIGRATIONS, scratch_postgres_database
from tests.ledger_helpers import assert_consistent

THREADS = 16


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_app(request, tmp_path):
    """An app on a database of its own (threads need real connections, not the test's session)."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'concurrent.sqlite3'}"
        else:
            url = stack.enter_context(scratch_postgres_database("hourdesk_conc"))
        yield from _app_on(url, request.param)


def _app_on(url: str, backend: str):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url,
                     SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2, "max_overflow": 4}
                     if backend == "postgresql" else {"connect_args": {"timeout": 60}})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    yield app
    with app.app_context():
        db.engine.dispose()


def _setup(app, tickets: int):
    with app.app_context():
        client = create_client(name="Параллельный клиент", inn="7707083893")
        engineer = create_user("eng@hourdesk.example", role="engineer", password="long-enough", locale="en")
        manager = create_user("boss@hourdesk.example", role="manager", password="long-enough", locale="en")
        service = ledger_ops.save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
        ledger_ops.create_contract(client, number="C-1", starts_on=date.today().replace(day=1), months=12,
                                   hours_per_month=10, overdraft="allow_negative")
        ids = []
        for i in range(tickets):
            ticket = create_ticket(engineer, client, subject=f"Заявка {i}")
            add_line(ticket, engineer, service=service, minutes=10 + i)
            ids.append(ticket.id)
        db.session.commit()
        return client.id, engineer.id, manager.id, ids


def _run_threads(app, work):
    barrier = threading.Barrier(THREADS)
    errors = []

    def runner(n):
        try:
            with app.app_context():
                barrier.wait()
                work(n)
        except Exception as exc:  # a crash in a thread must fail the test, not vanish
            errors.append(repr(exc))
    threads = [threading.Thread(target=runner, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []


def test_sixteen_threads_close_the_same_ticket_once(fresh_app):
    client_id, engineer_id, _, (ticket_id,) = _setup(fresh_app, 1)
    outcomes = []

    def work(n):
        from app.auth.models import User
        try:
            with serialized_writes(db.session):
                ticket = db.session.get(Ticket, ticket_id)
                set_status(ticket, db.session.get(User, engineer_id), "closed")
                db.session.commit()
            outcomes.append("closed")
        except DomainError as exc:
            db.session.rollback()
            outcomes.append(exc.code)
    _run_threads(fresh_app, work)
    assert sorted(outcomes) == ["already_closed"] * (THREADS - 1) + ["closed"]
    with fresh_app.app_context():
        assert db.session.query(TicketClose).count() == 1
        assert_consistent(client_id)


def test_sixteen_threads_close_reopen_and_adjust(fresh_app):
    client_id, engineer_id, manager_id, ticket_ids = _setup(fresh_app, 8)
    done = {"close": 0, "reopen": 0, "adjust": 0, "refused": 0}
    lock = threading.Lock()

    def work(n):
        from app.auth.models import User
        from app.clients.models import Client
        rng = random.Random(n)
        for _ in range(12):
            action = rng.choice(["close", "close", "reopen", "adjust"])
            ticket_id = rng.choice(ticket_ids)
            try:
                with serialized_writes(db.session):
                    if action == "close":
                        set_status(db.session.get(Ticket, ticket_id), db.session.get(User, engineer_id), "closed")
                    elif action == "reopen":
                        reopen(db.session.get(Ticket, ticket_id), db.session.get(User, engineer_id),
                                      reason=f"thread {n}")
                    else:
                        ledger_ops.adjust(db.session.get(Client, client_id), minutes=rng.choice([-45, 30, 60]),
                                          reason=f"thread {n}", actor=db.session.get(User, manager_id),
                                          now=utcnow())
                    db.session.commit()
                with lock:
                    done[action] += 1
            except DomainError:
                db.session.rollback()
                with lock:
                    done["refused"] += 1
    _run_threads(fresh_app, work)
    assert done["close"] > 0 and done["reopen"] > 0 and done["adjust"] > 0
    with fresh_app.app_context():
        assert_consistent(client_id)
        for ticket in db.session.scalars(select(Ticket)):
            active = db.session.query(TicketClose).filter_by(ticket_id=ticket.id, reversed_at=None).count()
            assert active == (1 if ticket.status == "closed" else 0), (ticket.id, ticket.status, active)
