"""The production path (issue 13): start-up checks that refuse unsafe settings, Socket.IO's Origin
check, security headers on every response (Socket.IO's too), and backups that restore."""
import shutil
import subprocess
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.contracts.models import ClientBalance, LedgerEntry
from app.contracts.operations import create_contract, save_service
from app.core.backup import backup_command
from app.extensions import db as _db
from app.tickets.models import Ticket
from app.tickets.operations import add_line, set_status
from config import Config, TestingConfig
from tests.conftest import MIGRATIONS, IsolatedClient, require, scratch_postgres_database


def _production(**settings) -> type[Config]:
    values = dict(SECRET_KEY="x" * 64, HOURDESK_BASE_URL="https://desk.example.ru",
                  SQLALCHEMY_DATABASE_URI="postgresql+psycopg://h@db/h", HOURDESK_WEB_PROCESSES=2,
                  SOCKETIO_MESSAGE_QUEUE="redis://127.0.0.1:6379/0", HOURDESK_SOCKETIO_TRANSPORTS=["websocket"],
                  RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/1")
    values.update(settings)
    return type("ProductionUnderTest", (Config,), values)


def test_a_sound_production_configuration_starts():
    _production().check()
    _production(SQLALCHEMY_DATABASE_URI=None, HOURDESK_WEB_PROCESSES=1, SOCKETIO_MESSAGE_QUEUE=None,
                HOURDESK_SOCKETIO_TRANSPORTS=["polling", "websocket"], RATELIMIT_STORAGE_URI="memory://").check()


@pytest.mark.parametrize("settings, says", [
    ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
    ({"HOURDESK_BASE_URL": ""}, "HOURDESK_BASE_URL is not set"),
    ({"HOURDESK_BASE_URL": "http://127.0.0.1:5000"}, "must be the address people open Hourdesk at"),
    ({"HOURDESK_BASE_URL": "http://localhost:8000"}, "must be the address people open Hourdesk at"),
    ({"SQLALCHEMY_DATABASE_URI": None}, "on SQLite"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////var/lib/hourdesk/h.sqlite3"}, "on SQLite"),
    ({"SOCKETIO_MESSAGE_QUEUE": None}, "need SOCKETIO_MESSAGE_QUEUE"),
    ({"HOURDESK_SOCKETIO_TRANSPORTS": ["polling", "websocket"]}, "HOURDESK_SOCKETIO_TRANSPORTS=websocket"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, "need RATELIMIT_STORAGE_URI"),
])
def test_production_refuses_to_start_with_unsafe_settings(settings, says):
    with pytest.raises(RuntimeError, match=says):
        _production(**settings).check()


def _handshake(web, origin: str | None):
    headers = {"Origin": origin} if origin else {}
    return web.get("/socket.io/?EIO=4&transport=polling", headers=headers)


def test_socketio_hears_only_the_offices_own_origin(app, db):
    web = app.test_client()
    assert _handshake(web, "http://evil.example").status_code == 400
    assert _handshake(web, "http://localhost").status_code == 200       # the address this request came to
    assert _handshake(web, None).status_code == 200                     # the voice agent: no browser, no Origin
    production = create_app(_production(SQLALCHEMY_DATABASE_URI="sqlite://", HOURDESK_WEB_PROCESSES=1,
                                        SOCKETIO_MESSAGE_QUEUE=None, HOURDESK_SOCKETIO_TRANSPORTS=["polling", "websocket"],
                                        RATELIMIT_STORAGE_URI="memory://"))
    desk = production.test_client()
    assert _handshake(desk, "https://desk.example.ru").status_code == 200
    assert _handshake(desk, "http://localhost").status_code == 400      # production: the configured address only
    assert _handshake(desk, "https://desk.example.ru.evil.example").status_code == 400


def test_every_response_carries_the_security_headers(app, db):
    web = app.test_client()
    for response in (_handshake(web, None), web.get("/login"), web.get("/api/v1/openapi.json")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "connect-src 'self';" in response.headers["Content-Security-Policy"]
        assert "ws:" not in response.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in response.headers          # tests serve plain HTTP
    https = create_app(TestingConfig, SESSION_COOKIE_SECURE=True).test_client()   # cookies only over HTTPS
    assert https.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"
    assert https.get("/socket.io/?EIO=4&transport=polling").headers["Strict-Transport-Security"]


def _desk(make, db):
    """Clients with contracts, closed tickets (debits), open ones: what a restore must bring back."""
    engineer = make.user("engineer")
    service = save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    db.session.commit()
    for n in range(3):
        company = make.client()
        create_contract(company, number=f"C-{n}", starts_on=date.today().replace(day=1), months=1, hours_per_month=5)
        db.session.commit()
        for minutes in (30, 45):
            ticket = make.ticket(client=company, actor=engineer)
            add_line(ticket, engineer, service=service, minutes=minutes)
            set_status(ticket, engineer, "closed")
        make.ticket(client=company, actor=engineer, subject="Открыта")
    db.session.commit()


def _figures(session) -> tuple:
    tickets = session.scalar(select(func.count(Ticket.id)))
    balances = dict(session.execute(select(ClientBalance.client_id, ClientBalance.balance_minutes)).all())
    sums = dict(session.execute(select(LedgerEntry.client_id, func.sum(LedgerEntry.minutes))
                                .group_by(LedgerEntry.client_id)).all())
    return tickets, balances, {k: int(v) for k, v in sums.items()}


def test_a_backup_restores_into_a_fresh_database_with_every_ticket_and_balance(app, make, db, tmp_path):
    _desk(make, db)
    before = _figures(db.session)
    assert before[0] == 9 and before[1] == before[2]
    target = tmp_path / "hourdesk.backup"
    result = app.test_cli_runner().invoke(backup_command, [str(target)])
    assert result.exit_code == 0, result.output
    again = app.test_cli_runner().invoke(backup_command, [str(target)])
    assert again.exit_code != 0 and "exists" in again.output         # never overwritten by accident
    if db.engine.dialect.name == "sqlite":
        restored_url = f"sqlite:///{target}"
        restored = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=restored_url)
        with restored.app_context():
            upgrade(directory=MIGRATIONS)                                # already at head: nothing to do
            assert _figures(_db.session) == before
            _db.session.remove()
            _db.engine.dispose()
        return
    require(shutil.which("pg_restore") is not None, "pg_restore is not installed")
    with scratch_postgres_database("restore") as url:
        from sqlalchemy.engine import make_url
        parsed = make_url(url)
        done = subprocess.run(["pg_restore", "--no-owner", f"--host={parsed.host}", f"--port={parsed.port}",
                               f"--username={parsed.username}", f"--dbname={parsed.database}", str(target)],
                              env={"PGPASSWORD": parsed.password or "", "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        restored = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        with restored.app_context():
            assert _figures(_db.session) == before
            _db.session.remove()
            _db.engine.dispose()


def test_exports_never_carry_a_formula_someone_typed(client, make, login, db):
    """A client named like a spreadsheet formula is exported as text, in CSV and XLSX alike."""
    import csv as csv_module
    import io

    from openpyxl import load_workbook

    from app.reports.tables import Column, Table, to_csv, to_xlsx
    table = Table("t", "t", [Column("client", "Client", "link"), Column("note", "Note", "text"),
                             Column("tickets", "Tickets")],
                  [{"client": ('=HYPERLINK("http://evil.example","x")', "/c/1"), "note": "+cmd|' /C calc'!A0",
                    "tickets": 3}, {"client": ("@SUM(A1)", "/c/2"), "note": "-2+3", "tickets": -1},
                   {"client": ("\tTab", "/c/3"), "note": "ООО «Ромашка»", "tickets": 0}])
    rows = list(csv_module.reader(io.StringIO(to_csv(table))))[1:]
    assert [r[0] for r in rows] == ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)", "'\tTab"]
    assert [r[1] for r in rows] == ["'+cmd|' /C calc'!A0", "'-2+3", "ООО «Ромашка»"]
    assert [r[2] for r in rows] == ["3", "-1", "0"]                 # numbers stay numbers
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert cells[0][0] == '=HYPERLINK("http://evil.example","x")'
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2, max_col=2) for c in row)
    assert cells[1][2] == -1


def _browser(app):
    """A browser of its own (each request in its own app context, as in production)."""
    return IsolatedClient(app, app.response_class, use_cookies=True)


def _logged_in(app, user, *, remember=False):
    web = _browser(app)
    response = web.post("/login", data={"email": user.email, "password": "correct-horse-42",
                                        **({"remember": "y"} if remember else {})})
    assert response.status_code == 302
    return web


def _with_cookie(app, name, value):
    web = _browser(app)
    web.set_cookie(name, value)
    return web


def test_logging_out_ends_the_session_and_the_remember_me_cookie_on_the_server(app, make, db):
    user = make.user("engineer")
    web = _logged_in(app, user, remember=True)
    session_cookie, remember_cookie = web.get_cookie("session").value, web.get_cookie("remember_token").value
    assert _with_cookie(app, "session", session_cookie).get("/").status_code == 200     # a copy works…
    assert _with_cookie(app, "remember_token", remember_cookie).get("/").status_code == 200
    assert web.post("/logout").status_code == 302
    # …until its owner logs out: neither the copied session nor the remember-me cookie lets anyone in
    assert _with_cookie(app, "session", session_cookie).get("/").status_code == 302
    assert _with_cookie(app, "remember_token", remember_cookie).get("/").status_code == 302


def test_disabling_a_user_or_a_new_password_ends_every_session(app, make, db):
    from app.auth.models import User
    from app.auth.operations import issue_password_reset, reset_password, set_active
    admin = make.user("admin")
    user = make.user("engineer")
    laptop, phone = _logged_in(app, user), _logged_in(app, user, remember=True)
    assert laptop.get("/").status_code == phone.get("/").status_code == 200
    raw = issue_password_reset(user, actor=admin)
    reset_password(raw, "a-new-password-1")
    db.session.commit()
    assert laptop.get("/").status_code == 302 and phone.get("/").status_code == 302
    again = _browser(app)
    assert again.post("/login", data={"email": user.email, "password": "a-new-password-1"}).status_code == 302
    assert again.get("/").status_code == 200
    set_active(db.session.get(User, user.id), False, actor=admin)
    db.session.commit()
    assert again.get("/").status_code == 302


def test_a_method_not_allowed_names_the_methods_that_are(client, db):
    api = client.delete("/api/v1/tickets")
    assert api.status_code == 405 and api.get_json()["error"]["code"] == "method_not_allowed"
    assert set(api.headers["Allow"].split(", ")) >= {"GET", "POST"}
    page = client.put("/login")
    assert page.status_code == 405 and set(page.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_each_gunicorn_worker_freezes_what_it_loaded():
    """A worker moves what start-up made (the app, its templates, its compiled statements) out of the
    collector's way. gunicorn calls `post_fork` before the worker imports the app (preload_app is off)
    and `post_worker_init` after it: the freeze belongs in the second."""
    import gc
    import inspect
    from pathlib import Path

    from gunicorn.workers.base import Worker

    settings = {}
    conf = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
    exec(compile(conf.read_text(), str(conf), "exec"), settings)
    assert settings["preload_app"] is False and "post_fork" not in settings
    steps = inspect.getsource(Worker.init_process)
    assert steps.index("self.load_wsgi()") < steps.index("post_worker_init")
    gc.unfreeze()   # whatever an earlier test froze: the count below is the hook's alone
    try:
        assert gc.get_freeze_count() == 0
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
