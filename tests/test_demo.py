"""Demo data: idempotent, covers every status, valid tax ids; bulk generation."""
from sqlalchemy import case, func, select
from stdnum.ru import inn as ru_inn
from stdnum.ua import edrpou

from app.auth.models import ROLES, User
from app.clients.models import Client
from app.contracts.models import LedgerEntry, Service, SpecLine, TicketClose
from app.demo import demo_cli
from app.tickets.lifecycle import STATUSES
from app.tickets.models import Ticket, TicketRating
from tests.ledger_helpers import assert_consistent


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


def test_generated_history_has_the_shape_the_reports_look_for(app, db):
    """Pareto-like load, heavy clients on small contracts, update-only clients, several engineers,
    years of history, and a ledger whose caches equal its sums."""
    runner = app.test_cli_runner()
    runner.invoke(demo_cli, ["load"])
    result = runner.invoke(demo_cli, ["generate", "--tickets", "6000", "--clients", "200", "--years", "3",
                                      "--lines-per-ticket", "3", "--engineers", "6"])
    assert result.exit_code == 0, result.output
    generated = select(Ticket.client_id, func.count()).where(Ticket.subject.like("%(%)")).group_by(Ticket.client_id)
    per_client = sorted((n for _, n in db.session.execute(generated)), reverse=True)
    top_tenth = sum(per_client[:len(per_client) // 10])
    assert top_tenth > 0.4 * sum(per_client)          # a few companies bring much of the load
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == "engineer")) >= 6
    first, last = db.session.execute(select(func.min(Ticket.created_at), func.max(Ticket.created_at))).one()
    assert (last - first).days > 2 * 365
    lines = dict(db.session.execute(select(SpecLine.billing, func.count()).group_by(SpecLine.billing)).all())
    assert set(lines) == {"hourly", "paid", "free"} and sum(lines.values()) > 6000 * 2
    # work is always somebody's (the engineers' report has no "(nobody)" row), and work goes on
    # only in tickets somebody has
    assert db.session.scalar(select(func.count()).select_from(SpecLine).where(SpecLine.engineer_id.is_(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.status == "in_progress", Ticket.assignee_id.is_(None))) == 0
    # some clients with a contract log only free updates
    update_only = db.session.execute(
        select(SpecLine.client_id).join(Service, Service.id == SpecLine.service_id).group_by(SpecLine.client_id)
        .having(func.sum(case((Service.kind == "update", 0), else_=1)) == 0)).all()
    assert len(update_only) >= 3
    assert db.session.scalar(select(func.count()).select_from(TicketClose).where(TicketClose.overage_minutes > 0)) > 0
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "expiry")) > 0
    assert db.session.scalar(select(func.count()).select_from(TicketRating)) > 0
    for client_id in db.session.scalars(select(Client.id).order_by(Client.id).limit(40)):
        assert_consistent(client_id)
