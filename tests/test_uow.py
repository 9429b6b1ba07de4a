"""Side effects wait for the commit and vanish with a rollback; a web request commits once, only
when its view answered a write successfully."""
from types import SimpleNamespace

import pytest
from flask import Blueprint, redirect
from sqlalchemy import event, func, select, text

from app import create_app
from app.clients.models import Client
from app.clients.operations import create_client
from app.core.db_setup import writes
from app.core.errors import ValidationFailed, domain_errors
from app.core.uow import after_commit
from config import TestingConfig


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
