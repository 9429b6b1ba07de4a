"""`flask demo generate` makes what a real desk accumulates (issue 15): a backlog still unresolved,
descriptions, 2–6 comments per ticket, status and assignment history, tags, file records, contacts
who write the tickets, and a ledger whose caches equal its sums; search finds the generated text."""
from sqlalchemy import func, select

from app.auth.models import User
from app.clients.models import Client
from app.contracts.models import Contract
from app.search.queries import count_matches
from app.tickets.models import Attachment, Comment, Ticket, TicketChange, ticket_tags
from tests.ledger_helpers import assert_consistent


def test_generated_history_looks_like_a_busy_desk(app, db, make):
    make.user("manager")
    result = app.test_cli_runner().invoke(args=["demo", "generate", "--tickets", "3000", "--clients", "40",
                                                "--years", "3", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "3000 tickets" in result.output
    total = db.session.scalar(select(func.count(Ticket.id)))
    unresolved = db.session.scalar(select(func.count(Ticket.id)).where(
        Ticket.status.in_(("open", "in_progress", "waiting"))))
    assert 0.10 <= unresolved / total <= 0.20, unresolved / total
    per_ticket = db.session.execute(select(Comment.ticket_id, func.count()).group_by(Comment.ticket_id)).all()
    assert len(per_ticket) == total and {n for _id, n in per_ticket} <= set(range(2, 7))
    assert 0.2 < db.session.scalar(select(func.avg(1.0 - func.cast(Comment.public, db.Integer)))) < 0.45
    assert db.session.scalar(select(func.count()).select_from(TicketChange).where(TicketChange.field == "created")) == total
    closed = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.status == "closed"))
    assert db.session.scalar(select(func.count()).select_from(TicketChange).where(
        TicketChange.field == "status", TicketChange.new_value == "closed")) == closed
    assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.description == "")) == 0
    assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.requester_id.is_(None))) == 0
    assert 0.3 < db.session.scalar(select(func.count()).select_from(ticket_tags)) / total < 0.7
    assert 0.03 < db.session.scalar(select(func.count(Attachment.id))) / total < 0.15
    assert db.session.scalar(select(func.count(User.id)).where(User.role == "client")) >= 40
    # support contracts come with an SLA, and so do the tickets registered under them
    assert db.session.scalar(select(func.count(Contract.id))) > 0
    assert db.session.scalar(select(func.count(Contract.id)).where(Contract.sla_policy_id.is_(None))) == 0
    with_contract = select(Contract.client_id)
    assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.client_id.in_(with_contract),
                                                                 Ticket.sla_policy_id.is_(None))) == 0
    for client_id in db.session.scalars(select(Client.id)):
        assert_consistent(client_id)
    assert count_matches("картридж", internal=False).count > 0     # descriptions are indexed


def _history_digest(url: str, seed: int, tmp_path) -> str:
    """Generate into a fresh database at `url` and digest what was made."""
    import hashlib

    from flask_migrate import upgrade

    from app import create_app
    from app.auth.operations import create_user
    from app.extensions import db as _db
    from config import TestingConfig
    from tests.conftest import MIGRATIONS
    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, HOURDESK_ATTACHMENT_DIR=str(tmp_path))
    with other.app_context():
        upgrade(directory=MIGRATIONS)
        create_user("boss@hourdesk.example", role="manager", password="correct-horse-42")
        _db.session.commit()
        result = other.test_cli_runner().invoke(args=["demo", "generate", "--tickets", "400", "--clients", "10",
                                                      "--years", "2", "--seed", str(seed), "--until", "2026-06-30"])
        assert result.exit_code == 0, result.output
        digest = hashlib.sha256()
        for row in _db.session.execute(select(Ticket.id, Ticket.subject, Ticket.status, Ticket.priority,
                                              Ticket.description, Ticket.created_at).order_by(Ticket.id)):
            digest.update(repr(tuple(row)).encode())
        for row in _db.session.execute(select(Comment.ticket_id, Comment.body, Comment.public).order_by(Comment.id)):
            digest.update(repr(tuple(row)).encode())
        _db.session.remove()
        _db.engine.dispose()
    return digest.hexdigest()


def test_the_same_seed_gives_the_same_history(tmp_path):
    first = _history_digest(f"sqlite:///{tmp_path / 'a.sqlite3'}", 3, tmp_path)
    again = _history_digest(f"sqlite:///{tmp_path / 'b.sqlite3'}", 3, tmp_path)
    other = _history_digest(f"sqlite:///{tmp_path / 'c.sqlite3'}", 4, tmp_path)
    assert first == again != other
