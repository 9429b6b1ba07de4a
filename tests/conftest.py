"""Shared fixtures: a session-wide `app`, a clean `db` per test, `client`, login helpers, factories.

The database is SQLite in a temporary file unless HOURDESK_TEST_DATABASE_URL names another (CI runs
the suite again on PostgreSQL). Tests build the schema with `create_all`; `test_migrations.py` proves
the migrations build the same schema.
"""
import os
import queue
import smtplib
import socket
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.auth.operations import create_user, issue_token
from app.clients.operations import create_client
from app.extensions import db as _db
from app.extensions import limiter
from app.tickets.operations import create_ticket
from config import TestingConfig

REQUIRE_ALL = os.environ.get("HOURDESK_REQUIRE_ALL") == "1"
PASSWORD = "correct-horse-42"
MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def office_day() -> date:
    """The office's day (the test clients' time zone too), not the machine's: from 21:00 UTC on a
    month's last day Moscow is already in the next month, and contracts, acts and reports follow it."""
    return datetime.now(ZoneInfo(TestingConfig.HOURDESK_OFFICE_TIMEZONE)).date()


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.05):
    """Poll `condition()` until it returns something truthy, and return that; fail the test if
    `timeout` seconds pass first. Tests wait for what they await, never for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"waited {timeout} s for {what}")
        time.sleep(interval)


def assert_quiet(events: queue.Queue, *, within: float, what: str) -> None:
    """Nothing arrives on `events` within `within` seconds: for an event that must not be sent
    (the one wait that has no condition to poll)."""
    try:
        item = events.get(timeout=within)
    except queue.Empty:
        return
    pytest.fail(f"{what}: {item!r}")


def require(available: bool, reason: str) -> None:
    """Skip locally when a real component is missing; fail under HOURDESK_REQUIRE_ALL=1 (CI)."""
    if available:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required component missing: {reason}")
    pytest.skip(reason)


@contextmanager
def scratch_postgres_database(prefix: str):
    """A new, empty PostgreSQL database on the test server, dropped afterwards; yields its URL.
    Requires HOURDESK_TEST_POSTGRES_URL (skips locally, fails under HOURDESK_REQUIRE_ALL=1)."""
    base = os.environ.get("HOURDESK_TEST_POSTGRES_URL")
    require(bool(base), "HOURDESK_TEST_POSTGRES_URL is not set (no PostgreSQL server to test on)")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real Chromium through Playwright")
    config.addinivalue_line("markers", "postgres: needs a real PostgreSQL server")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("HOURDESK_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The application, once per session, on a schema built by the migrations (so the search
    indexes they create exist too; test_migrations proves they match the models)."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url,
                     HOURDESK_ATTACHMENT_DIR=str(tmp_path_factory.mktemp("attachments")))
    with app.app_context():
        with _db.engine.begin() as conn:  # start from nothing, whatever an earlier run left
            if _db.engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            else:
                for name in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table' "
                                              "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'tickets_search_%' "
                                              "AND name NOT LIKE 'ticket_fts_%'")).scalars():
                    conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
        upgrade(directory=MIGRATIONS)
    yield app


@pytest.fixture
def db(app):
    """The database inside an app context; every table is emptied after the test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        tables = list(reversed(_db.metadata.sorted_tables))
        with _db.engine.begin() as conn:
            if _db.engine.dialect.name == "postgresql" and conn.execute(text("SHOW is_superuser")).scalar() == "on":
                # a test writes a few rows: deleting them costs 15 ms, a TRUNCATE of every table 135
                # (new files for each table and index), a third of the PostgreSQL pass. Foreign keys
                # are not checked meanwhile (clients and users refer to each other), which needs a
                # superuser; the sequences start again at 1, as after TRUNCATE … RESTART IDENTITY
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for table in tables:
                    conn.execute(table.delete())
                conn.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S' "
                                  "AND relnamespace = 'public'::regnamespace"))
            elif _db.engine.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                conn.execute(text("PRAGMA defer_foreign_keys=ON"))  # clients ↔ users refer to each other
                for table in tables:
                    conn.execute(table.delete())
        # the limiter is one object for every app: a test that built an app with limits on (any
        # config but testing) switched them on for the tests after it
        if limiter.initialized:
            limiter.reset()
        limiter.enabled = app.config["RATELIMIT_ENABLED"]


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production.

    The `db` fixture keeps an app context open for the test body; without this, requests would
    reuse it and share `g` (Flask-Login's cached user, Flask-Babel's cached locale) and the test's
    database session, hiding bugs a real server would show.
    """

    def open(self, *args, **kwargs):
        # The test's own session ends its transaction around each request, so the request sees
        # what the test wrote and the test then reads what the request wrote (SQLite's
        # transactions are real snapshots).
        _db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.commit()
        return response


@pytest.fixture
def client(app, db):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test's data is new: what a process keeps for a minute must not carry over."""
    from app.tickets.queries import forget_tag_names
    forget_tag_names()


@pytest.fixture(autouse=True)
def _no_outside_world(monkeypatch):
    """Tests never reach a real mail server or any host off this machine."""
    real_smtp_connect = smtplib.SMTP.connect

    def local_smtp_only(smtp, host="localhost", port=0, source_address=None):
        # the mail tests talk to a local aiosmtpd server; anything else would be real e-mail
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"a test tried to send real e-mail through {host!r}")
        return real_smtp_connect(smtp, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", local_smtp_only)
    real_connect = socket.socket.connect

    def loopback_only(sock, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("127."):
            raise AssertionError(f"a test tried to connect to {address!r}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)


# --- factories ----------------------------------------------------------------------------------

class Factory:
    """Makes valid objects with sensible defaults; every call gets fresh unique values."""

    #: valid tax ids, handed out in turn (10-digit INNs, a 12-digit one, 8-digit EDRPOU)
    INNS = ["7707083893", "7736207543", "7702070139", "7710140679", "7728168971", "500100732259",
            "32855961", "00032129", "7830002293", "7704340310"]

    def __init__(self):
        self.n = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def client(self, **kw):
        n = self._next()
        kw.setdefault("name", f"ООО «Клиент {n}»")
        kw.setdefault("inn", self.INNS[(n - 1) % len(self.INNS)])
        obj = create_client(**kw)
        _db.session.commit()
        return obj

    def user(self, role="engineer", **kw):
        n = self._next()
        if role == "client" and "client" not in kw:
            kw["client"] = self.client()
        kw.setdefault("name", f"{role.title()} {n}")
        kw.setdefault("locale", "en")  # assertions read English; test_i18n covers Russian
        obj = create_user(kw.pop("email", f"{role}{n}@hourdesk.example"), role=role,
                          password=kw.pop("password", PASSWORD), **kw)
        _db.session.commit()
        return obj

    def ticket(self, client=None, actor=None, **kw):
        client = client or self.client()
        actor = actor or self.user("engineer")
        kw.setdefault("subject", f"Ticket {self._next()}")
        obj = create_ticket(actor, client, **kw)
        _db.session.commit()
        return obj

    def token(self, user) -> str:
        _, raw = issue_token(user, "test")
        _db.session.commit()
        return raw


@pytest.fixture
def make(db):
    return Factory()


# --- login helpers ------------------------------------------------------------------------------

@pytest.fixture
def login(client):
    """`login(user)` logs the test client in as `user` (through the real form)."""
    def do(user, password=PASSWORD):
        client.post("/logout")   # whoever was logged in before
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data[:500]
        return user
    return do


@pytest.fixture
def as_role(make, login):
    """`as_role('manager')` makes a user of that role and logs in; None stays anonymous."""
    def do(role):
        if role is None:
            return None
        return login(make.user(role))
    return do


@pytest.fixture
def api(client, make):
    """`api(user).get(...)`: the test client with a bearer token for `user`."""
    class Api:
        def __init__(self, user):
            self.headers = {"Authorization": f"Bearer {make.token(user)}"} if user else {}

        def get(self, url, **kw):
            return client.get(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

        def post(self, url, json=None, **kw):
            return client.post(url, json=json, headers={**self.headers, **kw.pop("headers", {})}, **kw)

        def put(self, url, json=None, **kw):
            return client.put(url, json=json, headers={**self.headers, **kw.pop("headers", {})}, **kw)
    return Api
