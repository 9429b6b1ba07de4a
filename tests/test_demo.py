"""Demo data: idempotent, covers every status, valid tax ids; bulk generation."""
from stdnum.ru import inn as ru_inn
from stdnum.ua import edrpou

from app.auth.models import ROLES, User
from app.clients.models import Client
from app.demo import demo_cli
from app.tickets.lifecycle import STATUSES
from app.tickets.models import Ticket


def _valid(number: str) -> bool:
    return edrpou.is_valid(number) if len(number) == 8 else ru_inn.is_valid(number)


def test_demo_load_is_idempotent_and_complete(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(demo_cli, ["load"])
    assert first.exit_code == 0, first.output
    counts = (db.session.query(User).count(), db.session.query(Client).count(), db.session.query(Ticket).count())
    again = runner.invoke(demo_cli, ["load"])
    assert again.exit_code == 0 and "0 new tickets" in again.output
    assert (db.session.query(User).count(), db.session.query(Client).count(), db.session.query(Ticket).count()) == counts
    assert {u.role for u in db.session.query(User)} == set(ROLES)
    assert {t.status for t in db.session.query(Ticket)} == set(STATUSES)
    assert all(_valid(c.inn) for c in db.session.query(Client))
    assert "admin@hourdesk.example" in first.output and "hourdesk-demo" in first.output


def test_demo_generate(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(demo_cli, ["generate", "--tickets", "50"]).exit_code != 0   # needs staff first
    runner.invoke(demo_cli, ["load"])
    before = db.session.query(Ticket).count()
    result = runner.invoke(demo_cli, ["generate", "--tickets", "300", "--clients", "40"])
    assert result.exit_code == 0, result.output
    assert db.session.query(Ticket).count() == before + 300
    assert db.session.query(Client).count() == 44
    assert all(_valid(c.inn) for c in db.session.query(Client))
    assert db.session.query(Ticket).filter(Ticket.subject_search == "").count() == 0
    assert runner.invoke(demo_cli, ["generate", "--tickets", "-1"]).exit_code != 0
