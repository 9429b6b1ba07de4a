"""Side effects wait for the commit and vanish with a rollback; a web request commits once, only
when its view answered a write successfully."""
from types import SimpleNamespace

import pytest
from flask import Blueprint, redirect
from sqlalchemy import create_engine, event, func, select, text

from app import create_app
from app.clients.models import Client
from app.clients.operations import create_client
from app.core import db_setup
from app.core.db_setup import writes
from app.core.errors import ValidationFailed, domain_errors
from app.core.uow import after_commit
from app.extensions import db as _db
from config import TestingConfig
from tests.conftest import scratch_postgres_database, wait_until


def test_side_effects_run_after_commit_only(db, make):
    sent = []
    after_commit(db.session, lambda: sent.append("first"))
    make.client()                      # the factory commits
    assert sent == ["first"]
    after_commit(db.session, lambda: sent.append("never"))
    db.session.rollback()
    db.session.commit()
    assert sent == ["first"]


def test_a_failing_side_effect_does_not_undo_the_commit(db, make, caplog):
    def boom():
        raise RuntimeError("mail server down")

    after_commit(db.session, boom)
    company = make.client()
    assert company.id is not None and "after-commit side effect failed" in caplog.text


# --- the web request is the unit of work ---------------------------------------------------------

@pytest.fixture
def probe(database_url, db):
    """An app of its own (on the test database) with views that write a client and then answer in
    each of the ways a real view may, so the commit rule is seen in isolation."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    bp = Blueprint("probe", __name__)
    sent = []

    def write(inn: str) -> None:
        create_client(name=f"Probe {inn}", inn=inn)
        after_commit(db.session, lambda: sent.append(inn))

    @bp.post("/probe/<how>/<inn>")
    def answer(how: str, inn: str):
        write(inn)
        if how == "ok":
            return redirect("/")
        if how == "unprocessable":
            return "form errors", 422
        if how == "clash":   # a row the database refuses only when the commit flushes it
            db.session.add(Client(name="Clash", name_search="clash", inn=inn))
            return redirect("/")
        if how == "domain":
            with domain_errors() as outcome:
                raise ValidationFailed("refused after the flush")
            return redirect("/"), 303 if outcome.error else 200
        raise RuntimeError("the view broke")

    @bp.get("/probe/read/<inn>")
    def read(inn: str):
        write(inn)   # a GET that writes without saying so (`writes`) must not persist anything
        return "ok"

    @bp.get("/probe/marked/<inn>")
    @writes
    def marked(inn: str):
        write(inn)
        return "ok"

    @bp.route("/probe/transaction", methods=["GET", "POST"])
    def transaction():
        return db.session.execute(text("SHOW transaction_read_only")).scalar()

    @bp.get("/probe/clients")
    def clients():
        return str(db.session.scalar(select(func.count()).select_from(Client)))

    app.register_blueprint(bp)
    app.testing = False   # a raising view answers 500, as in production
    return SimpleNamespace(http=app.test_client(), sent=sent, app=app)


def _saved(db, inn: str) -> bool:
    db.session.commit()   # a fresh snapshot
    return db.session.scalar(select(Client.id).where(Client.inn == inn)) is not None


@pytest.mark.parametrize("path, status, committed", [
    ("/probe/ok/7707083893", 302, True),
    ("/probe/unprocessable/7707083893", 422, False),
    ("/probe/domain/7707083893", 303, False),
    ("/probe/boom/7707083893", 500, False),
    ("/probe/read/7707083893", 200, False),
    ("/probe/marked/7707083893", 200, True),
])
def test_a_request_commits_only_when_its_view_answered_a_write_successfully(probe, db, path, status, committed):
    method = probe.http.get if "/read/" in path or "/marked/" in path else probe.http.post
    if "/read/" in path and db.engine.dialect.name == "postgresql":
        status = 500   # a read's transaction is READ ONLY there: the stray write fails loudly
    assert method(path).status_code == status
    assert _saved(db, "7707083893") is committed
    assert probe.sent == (["7707083893"] if committed else [])   # side effects only after a commit


def test_a_read_ends_read_only_with_a_commit_on_postgresql_and_with_a_rollback_on_sqlite(probe, db):
    """On PostgreSQL a read ends with COMMIT, not ROLLBACK: psycopg forgets its prepared statements
    on a ROLLBACK, so every read page was planned anew. The commit is safe because the read's
    transaction was READ ONLY; a write (and a GET marked `writes`) begins read-write. SQLite keeps
    the plain rule: a read rolls back."""
    postgresql = db.engine.dialect.name == "postgresql"
    ends = []

    def committed(_conn):
        ends.append("commit")

    def rolled_back(_conn):
        ends.append("rollback")

    with probe.app.app_context():
        engine = db.engine
    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)
    try:
        if not postgresql:
            assert probe.http.get("/probe/clients").status_code == 200 and ends == ["rollback"]
            return
        assert probe.http.get("/probe/transaction").get_data(as_text=True) == "on"
        assert ends == ["commit"]
        assert probe.http.post("/probe/transaction").get_data(as_text=True) == "off"
        assert probe.http.get("/probe/marked/7707083893").status_code == 200 and _saved(db, "7707083893")
        # the connection goes back to the pool read-write: a job or a command on it may write
        with probe.app.app_context():
            assert db.session.execute(text("SHOW transaction_read_only")).scalar() == "off"
            db.session.rollback()
    finally:
        event.remove(engine, "commit", committed)
        event.remove(engine, "rollback", rolled_back)


def test_a_failing_commit_answers_500_and_leaves_nothing(probe, db):
    # the view writes a client, then a second row with the same INN that the unique index refuses
    # when the commit flushes it, after the view has answered
    assert probe.http.post("/probe/clash/7707083893").status_code == 500
    assert not _saved(db, "7707083893") and probe.sent == []
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Client)) == 0


def test_a_pooled_connection_is_pinged_only_when_in_doubt_and_one_the_server_ended_is_replaced(monkeypatch):
    """psycopg's pool does not ping on every checkout (a round trip per request): it pings a
    connection whose socket has something to read (the server ended it) or that sat idle too long.
    A backend the server ended between two requests costs no failed request."""
    with scratch_postgres_database("hourdesk_ping") as url:
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        bp = Blueprint("backend", __name__)
        bp.get("/probe/backend")(lambda: str(_db.session.execute(text("SELECT pg_backend_pid()")).scalar()))
        app.register_blueprint(bp)
        app.testing = False
        http = app.test_client()
        with app.app_context():
            engine = _db.engine
        pings = []
        do_ping = engine.dialect.do_ping
        monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(conn) or do_ping(conn))
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            first = http.get("/probe/backend").get_data(as_text=True)
            assert http.get("/probe/backend").get_data(as_text=True) == first and pings == []

            with admin.connect() as conn:
                assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": int(first)}).scalar()
                wait_until(lambda: not conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"),
                                                    {"pid": int(first)}).first(),
                           timeout=10, what="the backend to end")
            answer = http.get("/probe/backend")
            assert answer.status_code == 200 and answer.get_data(as_text=True) != first
            assert len(pings) == 1   # the dead one; its replacement was not pinged

            second = answer.get_data(as_text=True)
            monkeypatch.setattr(db_setup, "PING_AFTER_IDLE_SECONDS", 0.0)
            assert http.get("/probe/backend").get_data(as_text=True) == second and len(pings) == 2
        finally:
            admin.dispose()
            engine.dispose()


def test_a_statement_marked_plan_each_time_is_never_prepared(db):
    """psycopg prepares a statement after its fifth execution on a connection, and PostgreSQL may
    then keep one generic plan for every parameter; a statement over skewed data (one company's
    tickets) asks to be planned for its own parameters every time. Others stay prepared."""
    # labels make the two statements' texts this test's own (earlier tests prepare theirs)
    marked = (select(Client.id.label("planned_each_time")).where(Client.inn == "7707083893")
              .execution_options(**db_setup.PLAN_EACH_TIME))
    plain = select(Client.id.label("prepared_once")).where(Client.inn == "7707083893")
    for _ in range(8):
        assert db.session.execute(marked).first() is None and db.session.execute(plain).first() is None
    if db.engine.dialect.name != "postgresql":
        return   # SQLite has no server-side plans to keep: the option changes nothing there
    prepared = db.session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    assert any("prepared_once" in s for s in prepared), prepared
    assert not any("planned_each_time" in s for s in prepared), prepared
