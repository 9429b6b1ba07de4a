"""The SLA monitor fires each threshold once, reads only due rows, and only one scheduler acts."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.core import lease
from app.core.events import OutboxEvent
from app.tickets.models import Ticket, TicketSlaEvent
from app.tickets.operations import set_status
from app.tickets.tasks import check_sla


def _ticket_due_in(make, db, hours: float):
    """A ticket registered now whose resolution is due in `hours` (set by hand: no policy)."""
    now = datetime.now(timezone.utc)
    return make.ticket(resolution_due_at=now + timedelta(hours=hours))


def _kinds(db, ticket_id):
    return [e.kind for e in db.session.scalars(select(TicketSlaEvent).where(TicketSlaEvent.ticket_id == ticket_id)
                                               .order_by(TicketSlaEvent.id))]


def test_warning_then_breach_each_once(make, db):
    ticket = _ticket_due_in(make, db, 10)
    created, due = ticket.created_at, ticket.resolution_due_at
    assert ticket.sla_next_check_at == created + (due - created) * 0.8          # the 80 % point
    assert check_sla(created + timedelta(hours=1)) == []
    fired = check_sla(created + timedelta(hours=8, minutes=1))
    assert [e.kind for e in fired] == ["resolution_warning"]
    assert check_sla(created + timedelta(hours=9)) == []                          # not twice
    db.session.refresh(ticket)
    assert ticket.sla_next_check_at == due
    assert [e.kind for e in check_sla(due + timedelta(seconds=1))] == ["resolution_breach"]
    assert check_sla(due + timedelta(days=1)) == []
    db.session.refresh(ticket)
    assert ticket.sla_next_check_at is None and _kinds(db, ticket.id) == ["resolution_warning", "resolution_breach"]
    events = db.session.scalars(select(OutboxEvent).where(OutboxEvent.event.like("sla.%")).order_by(OutboxEvent.id)).all()
    assert [(e.event, e.rooms, e.payload["ticket_id"]) for e in events] == [
        ("sla.warning", ["staff"], ticket.id), ("sla.breached", ["staff"], ticket.id)]


def test_a_late_run_fires_both_and_resolved_tickets_fire_nothing(make, db):
    late = _ticket_due_in(make, db, 1)
    done = _ticket_due_in(make, db, 1)
    engineer = make.user("engineer")
    set_status(done, engineer, "resolved")
    db.session.commit()
    assert done.sla_next_check_at is None
    fired = check_sla(datetime.now(timezone.utc) + timedelta(hours=5))
    assert sorted(e.kind for e in fired) == ["resolution_breach", "resolution_warning"]
    assert _kinds(db, done.id) == []
    assert {e.ticket_id for e in fired} == {late.id}


def test_waiting_stops_the_monitor(make, db):
    ticket = _ticket_due_in(make, db, 2)
    set_status(ticket, make.user("engineer"), "waiting")
    db.session.commit()
    assert ticket.sla_next_check_at is None
    assert check_sla(datetime.now(timezone.utc) + timedelta(hours=5)) == []


def test_the_monitor_reads_only_due_rows(make, db):
    """The query is an index range on sla_next_check_at, whatever the number of open tickets."""
    from sqlalchemy import text

    if db.engine.dialect.name != "sqlite":
        plan_sql = "EXPLAIN SELECT id FROM tickets WHERE sla_next_check_at <= now() ORDER BY sla_next_check_at LIMIT 500"
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r) for r in conn.execute(text(plan_sql)))
    else:
        plan = " ".join(str(r) for r in db.session.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE sla_next_check_at <= '2030-01-01' "
            "ORDER BY sla_next_check_at LIMIT 500")))
    assert "ix_tickets_sla_next_check_at" in plan, plan


def test_only_one_scheduler_holds_the_lease(db):
    now = datetime.now(timezone.utc)
    ttl = timedelta(seconds=90)
    assert lease.acquire("scheduler", "host:1", now, ttl) is True
    assert lease.acquire("scheduler", "host:2", now, ttl) is False                 # a second one stays idle
    assert lease.acquire("scheduler", "host:1", now + timedelta(seconds=60), ttl) is True   # renewal
    assert lease.acquire("scheduler", "host:2", now + timedelta(seconds=100), ttl) is False
    assert lease.acquire("scheduler", "host:2", now + timedelta(seconds=151), ttl) is True  # the first one died
    lease.release("scheduler", "host:2")
    assert lease.acquire("scheduler", "host:1", now + timedelta(seconds=152), ttl) is True


def test_scheduler_once_runs_the_jobs(app, make, db):
    ticket = _ticket_due_in(make, db, -1)     # agreed for an hour ago: both thresholds have passed
    db.session.commit()
    from app.scheduler import scheduler_cli
    result = app.test_cli_runner().invoke(scheduler_cli, ["run", "--once"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _kinds(db, ticket.id) == ["resolution_warning", "resolution_breach"]
    assert db.session.get(Ticket, ticket.id).sla_next_check_at is None


def test_announcements_wait_for_office_hours(app, make, db):
    """Quiet hours: outside the announcement calendar nothing is said; it waits for the opening."""
    from app.core.events import OutboxEvent
    from app.sla.operations import create_calendar
    from app.tickets.announce import announce_due

    now = datetime.now(timezone.utc)
    other_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(now.weekday() + 3) % 7]   # not today
    create_calendar(name="Офис", timezone="UTC", intervals={other_day: [["09:00", "18:00"]]})
    db.session.commit()
    app.config["HOURDESK_ANNOUNCE_CALENDAR"] = "Офис"
    try:
        ticket = make.ticket(subject="Ночью")
        assert db.session.query(OutboxEvent).filter_by(event="announce").count() == 0
        opening = ticket.next_announce_at
        assert opening > now and opening.weekday() == (now.weekday() + 3) % 7 and opening.hour == 9
        assert announce_due(opening - timedelta(minutes=1)) == 0
        assert announce_due(opening + timedelta(seconds=1)) == 1
        db.session.commit()
        assert db.session.query(OutboxEvent).filter_by(event="announce").count() == 1
    finally:
        app.config["HOURDESK_ANNOUNCE_CALENDAR"] = ""
