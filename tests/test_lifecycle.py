"""The ticket life cycle: every status pair, allowed or 409, through the one update path."""
import itertools

import pytest

from app.core.errors import Conflict
from app.tickets.lifecycle import STATUSES, TRANSITIONS
from app.tickets.models import TicketChange
from app.tickets.operations import set_status

# the way to bring a fresh ticket into each status
PATHS = {"open": [], "in_progress": ["in_progress"], "waiting": ["in_progress", "waiting"],
         "resolved": ["in_progress", "resolved"], "closed": ["in_progress", "resolved", "closed"],
         "cancelled": ["cancelled"]}

EXPECTED_ALLOWED = {
    ("open", "in_progress"), ("open", "waiting"), ("open", "resolved"), ("open", "cancelled"), ("open", "closed"),
    ("in_progress", "waiting"), ("in_progress", "resolved"), ("in_progress", "cancelled"), ("in_progress", "closed"),
    ("waiting", "in_progress"), ("waiting", "resolved"), ("waiting", "cancelled"), ("waiting", "closed"),
    ("resolved", "closed"), ("resolved", "in_progress"),
    ("closed", "in_progress"),
}


def test_table_is_what_the_design_says():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == EXPECTED_ALLOWED


def _bring(ticket, actor, status, db):
    for step in PATHS[status]:
        set_status(ticket, actor, step)
    db.session.commit()
    assert ticket.status == status


@pytest.mark.parametrize("current, target", [p for p in itertools.product(STATUSES, STATUSES) if p[0] != p[1]])
def test_every_pair_by_operation(db, make, current, target):
    engineer = make.user("engineer")
    ticket = make.ticket(actor=engineer)
    _bring(ticket, engineer, current, db)
    before = db.session.query(TicketChange).filter_by(ticket_id=ticket.id).count()
    if (current, target) in EXPECTED_ALLOWED:
        set_status(ticket, engineer, target, reason="client called back")
        db.session.commit()
        assert ticket.status == target
        assert db.session.query(TicketChange).filter_by(ticket_id=ticket.id, field="status",
                                                        new_value=target).count() >= 1
    else:
        with pytest.raises(Conflict) as info:
            set_status(ticket, engineer, target, reason="x")
        db.session.rollback()
        assert info.value.code == "invalid_transition"
        db.session.refresh(ticket)
        assert ticket.status == current
        assert db.session.query(TicketChange).filter_by(ticket_id=ticket.id).count() == before


API_TARGETS = ("in_progress", "waiting", "resolved", "cancelled")


@pytest.mark.parametrize("current, target", [(c, t) for c in STATUSES for t in API_TARGETS if c != t])
def test_every_pair_by_api(db, make, api, current, target):
    engineer = make.user("engineer")
    ticket = make.ticket(actor=engineer)
    _bring(ticket, engineer, current, db)
    response = api(engineer).post(f"/api/v1/tickets/{ticket.id}/status", json={"status": target, "reason": "again"})
    if (current, target) in EXPECTED_ALLOWED:
        assert response.status_code == 200, response.json
        assert response.json["status"] == target
    else:
        assert response.status_code == 409
        assert response.json["error"]["code"] == "invalid_transition"
        assert response.json["error"]["field"] == "status"
        db.session.refresh(ticket)
        assert ticket.status == current


def test_timestamps_follow_the_status(db, make):
    engineer = make.user("engineer")
    ticket = make.ticket(actor=engineer)
    assert ticket.acknowledged_at is None
    set_status(ticket, engineer, "waiting")
    acknowledged = ticket.acknowledged_at
    assert acknowledged is not None
    set_status(ticket, engineer, "in_progress")
    assert ticket.acknowledged_at == acknowledged          # acknowledged once
    set_status(ticket, engineer, "resolved")
    assert ticket.resolved_at is not None and ticket.closed_at is None
    set_status(ticket, engineer, "closed")
    assert ticket.closed_at is not None
    set_status(ticket, engineer, "in_progress", reason="the printer jams again")
    assert ticket.resolved_at is None and ticket.closed_at is None
    db.session.commit()
    reopen = db.session.query(TicketChange).filter_by(ticket_id=ticket.id, field="status", old_value="closed").one()
    assert reopen.reason == "the printer jams again"


def test_closing_an_open_ticket_fills_the_missing_timestamps(db, make):
    engineer = make.user("engineer")
    ticket = make.ticket(actor=engineer)
    set_status(ticket, engineer, "closed")
    assert ticket.acknowledged_at and ticket.resolved_at and ticket.closed_at


def test_reopening_needs_a_reason(db, make):
    from app.core.errors import ValidationFailed

    engineer = make.user("engineer")
    ticket = make.ticket(actor=engineer)
    _bring(ticket, engineer, "resolved", db)
    with pytest.raises(ValidationFailed):
        set_status(ticket, engineer, "in_progress", reason="  ")
    db.session.rollback()
    db.session.refresh(ticket)
    assert ticket.status == "resolved"
