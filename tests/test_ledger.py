"""Contracts, specification lines, closing, reopening, adjustments and expiry against the database,
through the API and the engineers' pages."""
import io
from datetime import date, datetime, time, timedelta, timezone

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import event, func, select

from app.auth.models import User
from app.clients.models import Client
from app.clients.operations import create_client
from app.contracts import operations as ledger_ops
from app.contracts.models import Contract, HourLot, LedgerEntry, Service, SpecLine, TicketClose
from app.contracts.queries import (
    balance_summaries,
    client_balance,
    contract_covering,
    current_contract,
    current_sla_policy,
)
from app.core.db_setup import serialized_writes
from app.core.events import OutboxEvent
from app.core.types import utcnow
from app.extensions import db as _db
from app.sla.models import BusinessCalendar
from app.sla.operations import create_calendar, create_policy
from app.tickets.models import Ticket
from app.tickets.operations import add_comment, add_line, reopen, set_status, update_ticket
from tests.conftest import office_day
from tests.ledger_helpers import assert_consistent
from tests.test_api import assert_error

TODAY = office_day()   # a contract starts on the 1st of the office's month


@pytest.fixture
def desk(make, db, api):
    """A client with a 12-month contract of 2 h/month (1440 min), a catalogue, staff and tokens."""
    class Desk:
        pass
    d = Desk()
    d.client = make.client()
    d.engineer = make.user("engineer")
    d.manager = make.user("manager")
    d.contact = make.user("client", client=d.client)
    for code, billing, rate, kind in (("SUP", "hourly", None, "support"), ("DEV", "paid", "3000", "development"),
                                      ("UPD", "free", None, "update")):
        ledger_ops.save_service(None, code=code, name_ru=code, billing=billing, rate=rate, kind=kind)
    db.session.commit()
    d.staff, d.boss, d.contact_api = api(d.engineer), api(d.manager), api(d.contact)

    def contract(**kw):
        body = {"client_id": d.client.id, "number": f"C-{make._next()}", "starts_on": TODAY.replace(day=1).isoformat(),
                "months": 12, "hours_per_month": 2, **kw}
        response = d.boss.post("/api/v1/contracts", json=body)
        assert response.status_code == 201, response.json
        return response.json

    def ticket(lines=(("SUP", 50),)):
        t = make.ticket(client=d.client, actor=d.engineer)
        for code, minutes in lines:
            assert d.staff.post(f"/api/v1/tickets/{t.id}/lines", json={"service_code": code, "minutes": minutes}).status_code == 201
        return t

    d.contract, d.ticket = contract, ticket
    return d


def test_contract_grants_its_hours_at_once(desk, db):
    body = desk.contract(hours_per_month="7.5", months=3)
    assert body["granted_minutes"] == 3 * 450 and body["remaining_minutes"] == 1350
    assert body["ends_on"] == (TODAY.replace(day=1) + relativedelta(months=3) - timedelta(days=1)).isoformat()
    entries = db.session.scalars(select(LedgerEntry)).all()
    assert [(e.kind, e.minutes) for e in entries] == [("grant", 1350)]
    assert desk.staff.get(f"/api/v1/clients/{desk.client.id}").json["balance_minutes"] == 1350
    assert desk.staff.get(f"/api/v1/clients/{desk.client.id}").json["available_minutes"] == 1350
    got = desk.contact_api.get(f"/api/v1/contracts/{body['id']}")
    assert got.status_code == 200 and got.json["lots"][0]["granted_minutes"] == 1350
    assert_consistent(desk.client.id)


def test_contract_end_date():
    assert ledger_ops.contract_period(date(2026, 1, 31), 1, "Europe/Moscow")[0] == date(2026, 2, 27)
    ends_on, valid_from, expires_at = ledger_ops.contract_period(date(2026, 3, 1), 12, "Europe/Moscow")
    assert ends_on == date(2027, 2, 28)
    assert expires_at - valid_from == timedelta(days=365)
    assert valid_from.utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize("override, field", [
    ({"months": 0}, "months"), ({"months": -3}, "months"), ({"months": 1.5}, "months"),
    ({"hours_per_month": 0}, "hours_per_month"), ({"hours_per_month": "0.001"}, "hours_per_month"),
    ({"overage_rate": "-1"}, "overage_rate"), ({"overdraft": "pray"}, "overdraft"),
    ({"billing_increment_minutes": 0}, "billing_increment_minutes"), ({"starts_on": "yesterday"}, "starts_on"),
    ({"client_id": 999999}, "client_id"),
])
def test_bad_contracts_write_nothing(desk, db, override, field):
    body = {"client_id": desk.client.id, "number": "X-1", "starts_on": "2026-01-01", "months": 12,
            "hours_per_month": 2, **override}
    assert_error(desk.boss.post("/api/v1/contracts", json=body), 422, field=field)
    assert db.session.query(Contract).count() == 0 and db.session.query(LedgerEntry).count() == 0


def test_duplicate_contract_number_and_roles(desk, db):
    desk.contract(number="DUP")
    assert_error(desk.boss.post("/api/v1/contracts", json={"client_id": desk.client.id, "number": "DUP",
                                                           "starts_on": "2026-01-01", "months": 1, "hours_per_month": 1}),
                 409, "duplicate_number")
    assert_error(desk.staff.post("/api/v1/contracts", json={}), 403)
    assert db.session.query(Contract).count() == 1


@pytest.mark.parametrize("minutes", [0, -5, 1.5, 10_001, "30", None, True])
def test_bad_line_minutes(desk, db, minutes):
    t = desk.ticket(lines=())
    response = desk.staff.post(f"/api/v1/tickets/{t.id}/lines", json={"service_code": "SUP", "minutes": minutes})
    assert_error(response, 422, field="minutes")
    assert db.session.query(SpecLine).count() == 0


def test_lines_refused_on_closed_and_cancelled_tickets(desk, db):
    closed, cancelled = desk.ticket(), desk.ticket()
    desk.contract()
    assert desk.staff.post(f"/api/v1/tickets/{closed.id}/close").status_code == 200
    assert desk.staff.post(f"/api/v1/tickets/{cancelled.id}/status", json={"status": "cancelled"}).status_code == 200
    for t in (closed, cancelled):
        assert_error(desk.staff.post(f"/api/v1/tickets/{t.id}/lines", json={"service_code": "SUP", "minutes": 10}),
                     409, "ticket_locked")
    assert_error(desk.staff.post(f"/api/v1/tickets/{closed.id}/lines", json={"service_code": "NOPE", "minutes": 10}), 422,
                 field="service_code")
    assert db.session.query(SpecLine).count() == 2


def test_close_debits_rounded_hourly_lines_once(desk, db):
    desk.contract()
    t = desk.ticket(lines=(("SUP", 50), ("SUP", 10), ("DEV", 20), ("UPD", 90)))
    response = desk.staff.post(f"/api/v1/tickets/{t.id}/close")
    assert response.status_code == 200, response.json
    assert (response.json["debited_minutes"], response.json["overage_minutes"]) == (75, 0)   # 60 + 15
    assert response.json["ticket"]["status"] == "closed" and response.json["ticket"]["client_balance_minutes"] == 1440 - 75
    assert [line["billed_minutes"] for line in response.json["ticket"]["lines"]] == [60, 15, 30, 0]
    again = desk.staff.post(f"/api/v1/tickets/{t.id}/close")
    assert_error(again, 409, "already_closed")
    assert client_balance(desk.client.id) == 1440 - 75
    assert_consistent(desk.client.id)


def test_reopen_restores_exactly_and_a_new_close_debits_again(desk, db):
    desk.contract()
    t = desk.ticket(lines=(("SUP", 100),))
    desk.staff.post(f"/api/v1/tickets/{t.id}/close")
    assert client_balance(desk.client.id) == 1440 - 105
    reopened = desk.staff.post(f"/api/v1/tickets/{t.id}/reopen", json={"reason": "не работает снова"})
    assert reopened.status_code == 200 and reopened.json["status"] == "in_progress"
    assert client_balance(desk.client.id) == 1440
    assert [line["billed_minutes"] for line in reopened.json["lines"]] == [None]
    reversal = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "reversal")).one()
    debit = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "debit")).one()
    assert (reversal.lot_id, reversal.minutes, reversal.reason) == (debit.lot_id, 105, "не работает снова")
    desk.staff.post(f"/api/v1/tickets/{t.id}/lines", json={"service_code": "SUP", "minutes": 5})
    assert desk.staff.post(f"/api/v1/tickets/{t.id}/close").json["debited_minutes"] == 120
    assert db.session.query(TicketClose).count() == 2
    assert_consistent(desk.client.id)
    assert_error(desk.staff.post(f"/api/v1/tickets/{desk.ticket().id}/reopen", json={}), 409, "invalid_transition")


def test_entries_carry_the_instant_of_their_action(desk, db):
    """A close, a reopen and an adjustment done "at" a given instant date their entries to it (the
    reports read the ledger by entry date)."""
    desk.contract()
    t = desk.ticket(lines=(("SUP", 30),))
    # within the contract's first day (it starts on the 1st of this month in Moscow), whatever the month
    first_day = datetime.combine(TODAY.replace(day=1), time(9, 0), tzinfo=timezone.utc)
    closed_at, reopened_at = first_day, first_day + timedelta(hours=1)
    set_status(t, desk.engineer, "closed", now=closed_at)
    reopen(t, desk.engineer, reason="снова", now=reopened_at)
    ledger_ops.adjust(desk.client, minutes=-15, reason="звонок", actor=desk.manager, now=reopened_at)
    db.session.commit()
    dated = {(e.kind, e.created_at) for e in db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind != "grant"))}
    assert dated == {("debit", closed_at), ("reversal", reopened_at), ("adjustment", reopened_at)}


def test_work_logged_without_a_date_is_dated_by_the_office_calendar(desk, db, monkeypatch):
    # 22:30 UTC on 29 November is already 30 November in Moscow
    monkeypatch.setattr(ledger_ops, "utcnow", lambda: datetime(2026, 11, 29, 22, 30, tzinfo=timezone.utc))
    t = desk.ticket(lines=())
    line = add_line(t, desk.engineer, service=db.session.scalars(select(Service).where(Service.code == "SUP")).one(),
                    minutes=20)
    assert line.performed_on == date(2026, 11, 30)


def test_closing_a_cancelled_ticket_is_refused(desk, db):
    desk.contract()
    t = desk.ticket()
    desk.staff.post(f"/api/v1/tickets/{t.id}/status", json={"status": "cancelled"})
    assert_error(desk.staff.post(f"/api/v1/tickets/{t.id}/close"), 409, "invalid_transition")
    assert db.session.query(TicketClose).count() == 0


def test_block_policy_refuses_with_the_shortfall_and_writes_nothing(desk, db):
    desk.contract(hours_per_month=1, months=1, overdraft="block")
    t = desk.ticket(lines=(("SUP", 100),))
    error = assert_error(desk.staff.post(f"/api/v1/tickets/{t.id}/close"), 409, "insufficient_hours")
    assert error["shortfall_minutes"] == 45
    db.session.refresh(t)
    assert t.status == "open" and db.session.query(TicketClose).count() == 0
    assert [e.kind for e in db.session.scalars(select(LedgerEntry))] == ["grant"]


def test_convert_to_paid_bills_the_overage(desk, db):
    desk.contract(hours_per_month=1, months=1, overage_rate="2400")
    t = desk.ticket(lines=(("SUP", 90),))
    body = desk.staff.post(f"/api/v1/tickets/{t.id}/close").json
    assert (body["debited_minutes"], body["overage_minutes"]) == (60, 30)
    close = db.session.scalars(select(TicketClose)).one()
    assert str(close.overage_amount) == "1200.00"
    desk.staff.post(f"/api/v1/tickets/{t.id}/reopen", json={"reason": "ошибка"})
    db.session.refresh(close)
    assert close.reversed_at is not None      # its overage is cancelled with it
    assert_consistent(desk.client.id)


def test_allow_negative(desk, db):
    desk.contract(hours_per_month=1, months=1, overdraft="allow_negative")
    t = desk.ticket(lines=(("SUP", 90),))
    assert desk.staff.post(f"/api/v1/tickets/{t.id}/close").json["debited_minutes"] == 90
    assert client_balance(desk.client.id) == -30
    assert_consistent(desk.client.id)


def test_adjustments(desk, db):
    desk.contract()
    url = f"/api/v1/clients/{desk.client.id}/adjustments"
    assert_error(desk.staff.post(url, json={"minutes": 60, "reason": "x"}), 403)
    assert_error(desk.contact_api.post(url, json={"minutes": 60, "reason": "x"}), 403)
    assert_error(desk.boss.post(url, json={"minutes": 0, "reason": "x"}), 422, field="minutes")
    assert_error(desk.boss.post(url, json={"minutes": 60}), 422, "reason_required", "reason")
    assert_error(desk.boss.post(url, json={"minutes": 60, "reason": "  "}), 422, "reason_required")
    assert_error(desk.boss.post(url, json={"minutes": 1.5, "reason": "x"}), 422, field="minutes")
    assert db.session.query(LedgerEntry).count() == 1
    plus = desk.boss.post(url, json={"minutes": 120, "reason": "подарок к празднику"})
    assert plus.status_code == 201 and plus.json["kind"] == "adjustment" and plus.json["author_id"] == desk.manager.id
    minus = desk.boss.post(url, json={"minutes": -2000, "reason": "исправление"})
    assert minus.status_code == 201 and sum(e["minutes"] for e in minus.json["entries"]) == -2000
    assert client_balance(desk.client.id) == 1440 + 120 - 2000
    ledger = desk.staff.get(f"/api/v1/clients/{desk.client.id}/ledger").json
    assert ledger["balance_minutes"] == -440 and [e["kind"] for e in ledger["entries"]][:2] == ["grant", "adjustment"]
    assert set(ledger["entries"][0]) == {"id", "kind", "minutes", "lot_id", "ticket_id", "reason", "author_id", "created_at"}
    assert_consistent(desk.client.id)


def _expire(now):
    from app.extensions import db
    with serialized_writes(db.session):
        entries = ledger_ops.expire_lots(now)
        db.session.commit()
    return entries


def test_expiry_is_daily_and_idempotent_and_reversal_into_an_expired_lot(desk, db):
    body = desk.contract(hours_per_month=1, months=1)
    t = desk.ticket(lines=(("SUP", 30),))
    desk.staff.post(f"/api/v1/tickets/{t.id}/close")
    lot = db.session.get(HourLot, body["lots"][0]["id"])
    after = lot.expires_at + timedelta(minutes=1)
    assert [(e.kind, e.minutes) for e in _expire(after)] == [("expiry", -30)]
    assert _expire(after) == []
    assert db.session.get(Contract, body["id"]).status == "expired"
    # reopening now gives the 30 minutes back to the same, expired lot: the balance shows them, but
    # they are not usable and the next expiry run takes them
    with serialized_writes(db.session):
        ticket = db.session.get(type(t), t.id)
        from app.tickets.operations import reopen
        reopen(ticket, desk.engineer, reason="late complaint", now=after)
        db.session.commit()
    assert client_balance(desk.client.id) == 30
    from app.contracts.queries import available_minutes
    assert available_minutes(desk.client.id, after) == 0
    assert [(e.kind, e.minutes) for e in _expire(after)] == [("expiry", -30)]
    assert client_balance(desk.client.id) == 0
    assert_consistent(desk.client.id)


def test_rollover_moves_unused_minutes_to_the_next_contract(desk, db):
    first = desk.contract(hours_per_month=1, months=1, rollover=True, starts_on=(TODAY - timedelta(days=60)).isoformat())
    second = desk.contract(hours_per_month=2, months=12)
    now = datetime.now(timezone.utc)
    entries = _expire(now)
    assert [(e.kind, e.minutes) for e in entries] == [("rollover", -60), ("rollover", 60)]
    contract = db.session.get(Contract, second["id"])
    assert contract.remaining_minutes == 1440 + 60
    assert db.session.get(Contract, first["id"]).status == "expired"
    assert_consistent(desk.client.id)


def test_ledger_cli_expire(app, desk, db):
    desk.contract(hours_per_month=1, months=1, starts_on=(TODAY - timedelta(days=70)).isoformat())
    from app.contracts.tasks import ledger_cli
    result = app.test_cli_runner().invoke(ledger_cli, ["expire"])
    assert result.exit_code == 0 and "1 ledger entries written" in result.output
    assert client_balance(desk.client.id) == 0


def test_client_tokens_see_only_their_ledger(desk, make, db):
    other = make.client()
    assert desk.contact_api.get(f"/api/v1/clients/{desk.client.id}/ledger").status_code == 200
    assert_error(desk.contact_api.get(f"/api/v1/clients/{other.id}/ledger"), 404)
    t = desk.ticket()
    # a contact closes (confirms) only a resolved ticket: nothing is debited from an open one
    assert_error(desk.contact_api.post(f"/api/v1/tickets/{t.id}/close"), 409)
    assert db.session.scalar(select(func.count()).select_from(TicketClose)) == 0
    assert_error(desk.contact_api.post(f"/api/v1/tickets/{t.id}/lines", json={"service_code": "SUP", "minutes": 5}), 403)
    line = db.session.scalars(select(SpecLine)).first()
    ledger_ops.override_line_billing(line, ticket_status="open", billing="free", reason="внутреннее решение", actor=desk.manager)
    db.session.commit()
    seen = desk.contact_api.get(f"/api/v1/tickets/{t.id}").json["lines"]
    assert seen[0]["billing"] == "free" and "billing_override_reason" not in seen[0]
    assert desk.staff.get(f"/api/v1/tickets/{t.id}").json["lines"][0]["billing_override_reason"] == "внутреннее решение"


# --- the engineers' and managers' pages ----------------------------------------------------------

def test_ticket_page_shows_balance_lines_and_warnings(desk, client, login, db):
    login(desk.engineer)
    t = desk.ticket(lines=(("SUP", 50),))
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert 'data-warning="zero"' in page and "No prepaid hours left" in page        # no contract yet
    desk.contract()
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert 'data-warning=""' in page and "24:00" in page and "SUP" in page and 'data-line-id=' in page
    fragment = client.get(f"/tickets/new/client/{desk.client.id}").get_data(as_text=True)
    assert "24:00" in fragment and "balance-summary" in fragment
    desk.boss.post(f"/api/v1/clients/{desk.client.id}/adjustments", json={"minutes": -1400, "reason": "тест"})
    assert 'data-warning="low"' in client.get(f"/tickets/{t.id}").get_data(as_text=True)
    desk.boss.post(f"/api/v1/clients/{desk.client.id}/adjustments", json={"minutes": -100, "reason": "тест"})
    assert 'data-warning="negative"' in client.get(f"/tickets/{t.id}").get_data(as_text=True)


def test_close_preview_then_close(desk, client, login, db):
    login(desk.engineer)
    desk.contract(hours_per_month=1, months=1, overage_rate="600")
    t = desk.ticket(lines=(("SUP", 70), ("UPD", 30)))
    page = client.get(f"/tickets/{t.id}/close").get_data(as_text=True)
    assert "Overage" in page and "0:15 h · RUB150.00" in page and "1:00 → <strong>0:00</strong>" in page
    assert db.session.query(TicketClose).count() == 0          # the preview writes nothing
    assert client.post(f"/tickets/{t.id}/close").status_code == 302
    assert db.session.query(TicketClose).one().overage_minutes == 15
    assert "already closed" in client.get(f"/tickets/{t.id}/close").get_data(as_text=True)
    client.post(f"/tickets/{t.id}/close")
    assert db.session.query(TicketClose).count() == 1


def test_shortfall_preview(desk, client, login, db):
    login(desk.engineer)
    desk.contract(hours_per_month=1, months=1, overdraft="block")
    t = desk.ticket(lines=(("SUP", 100),))
    page = client.get(f"/tickets/{t.id}/close").get_data(as_text=True)
    assert 'id="shortfall"' in page and "45 minutes short" in page


def test_web_lines_and_manager_override(desk, client, login, db):
    login(desk.engineer)
    t = desk.ticket(lines=())
    sup = db.session.scalar(select(Service.id).where(Service.code == "SUP"))
    assert client.post(f"/tickets/{t.id}/lines", data={"service_id": sup, "minutes": 25, "engineer_id": desk.engineer.id,
                                                        "note": "перезагрузка"}).status_code == 302
    assert client.post(f"/tickets/{t.id}/lines", data={"service_id": sup, "minutes": 0,
                                                        "engineer_id": desk.engineer.id}).status_code == 422
    line = db.session.scalars(select(SpecLine)).one()
    assert client.post(f"/tickets/{t.id}/lines/{line.id}/billing", data={"billing": "free", "reason": "x"}).status_code == 403
    login(desk.manager)
    assert client.post(f"/tickets/{t.id}/lines/{line.id}/billing", data={"billing": "free"}).status_code == 303
    db.session.refresh(line)
    assert line.billing == "hourly"
    client.post(f"/tickets/{t.id}/lines/{line.id}/billing", data={"billing": "free", "reason": "гарантийный случай"})
    db.session.refresh(line)
    assert (line.billing, line.billing_override_reason, line.billing_overridden_by_id) == ("free", "гарантийный случай", desk.manager.id)
    history = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "гарантийный случай" in history and "SUP: hourly" in history


def test_manager_pages(desk, client, login, db):
    login(desk.manager)
    response = client.post(f"/clients/{desk.client.id}/contracts", data={
        "number": "WEB-1", "starts_on": TODAY.isoformat(), "months": 6, "hours_per_month": "3",
        "billing_increment_minutes": 15, "overdraft": "block", "overage_rate": "0"})
    assert response.status_code == 302
    assert client_balance(desk.client.id) == 6 * 180
    assert client.post(f"/clients/{desk.client.id}/contracts", data={
        "number": "WEB-2", "starts_on": TODAY.isoformat(), "months": 0, "hours_per_month": "3",
        "billing_increment_minutes": 15, "overdraft": "block", "overage_rate": "0"}).status_code == 422
    assert client.post(f"/clients/{desk.client.id}/adjustments", data={"minutes": 30}).status_code == 422
    assert client.post(f"/clients/{desk.client.id}/adjustments", data={"minutes": 30, "reason": "бонус"}).status_code == 302
    page = client.get(f"/clients/{desk.client.id}/ledger").get_data(as_text=True)
    assert "бонус" in page and desk.manager.name in page and 'data-kind="grant"' in page
    assert "WEB-1" in client.get(f"/clients/{desk.client.id}/contracts").get_data(as_text=True)
    assert client.post("/services/new", data={"code": "NEW", "name_ru": "Новая", "billing": "paid", "kind": "support"}
                       ).status_code == 422   # a paid service needs a rate
    assert client.post("/services/new", data={"code": "NEW", "name_ru": "Новая", "billing": "paid", "rate": "100",
                                              "kind": "support", "active": "y"}).status_code == 302
    assert_consistent(desk.client.id)


def test_waive_overage(desk, client, login, db):
    desk.contract(hours_per_month=1, months=1, overage_rate="600")
    t = desk.ticket(lines=(("SUP", 90),))
    desk.staff.post(f"/api/v1/tickets/{t.id}/close")
    close = db.session.scalars(select(TicketClose)).one()
    login(desk.engineer)
    assert client.post(f"/closes/{close.id}/waive", data={"reason": "x"}).status_code == 403
    login(desk.manager)
    client.post(f"/closes/{close.id}/waive", data={"reason": "первый месяц"})
    db.session.refresh(close)
    assert (close.overage_waived_reason, close.overage_waived_by_id) == ("первый месяц", desk.manager.id)


def test_set_status_returns_what_a_close_debited_and_what_a_reopening_reversed(desk, db):
    desk.contract()
    ticket = desk.ticket(lines=(("SUP", 50), ("UPD", 30)))
    closed = set_status(ticket, desk.engineer, "closed")
    assert (closed.debited_minutes, closed.overage_minutes) == (60, 0)   # 50 billed up to 60
    assert closed.close is ledger_ops.active_close(ticket.id) and closed.reversed_close is None
    assert {"status", "debited"} <= {c.field for c in closed.changes}
    db.session.commit()
    reopened = set_status(ticket, desk.engineer, "in_progress", reason="снова не печатает")
    assert reopened.close is None and reopened.reversed_close is closed.close
    assert reopened.reversed_close.debited_minutes == 60 and ledger_ops.active_close(ticket.id) is None
    db.session.commit()
    assert_consistent(desk.client.id)


def test_the_ledger_refuses_a_close_whose_caller_did_not_take_the_client_lock(desk, db):
    desk.contract()
    ticket = desk.ticket()
    with pytest.raises(RuntimeError, match="lock_client"):
        ledger_ops.debit_close(ticket_id=ticket.id, client_id=ticket.client_id, actor=desk.engineer, now=datetime.now(timezone.utc),
                                 lines=[])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TicketClose)) == 0


def _policy(name: str):
    """An SLA policy on an office calendar (committed)."""
    calendar = _db.session.scalar(select(BusinessCalendar)) or \
        create_calendar(name="Офис", timezone="Europe/Moscow", country="RU",
                        intervals={d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
    targets = {p: {"response_minutes": 60, "resolution_minutes": 480} for p in ("low", "normal", "high", "critical")}
    policy = create_policy(name=name, calendar=calendar, targets=targets)
    _db.session.commit()
    return policy


def _statements(db, fn) -> int:
    seen = []

    def count(*_args):
        seen.append(1)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_a_close_sends_at_most_ten_statements(desk, db):
    """The lock and the reads it decides on, the lines billed, the close, the debit and both caches,
    the ticket, its audit rows, the low-balance check and the events: one round trip each, however
    many lines, audit rows and events (bench/ledger.py prints the same figure)."""
    desk.contract()
    ticket = desk.ticket(lines=(("SUP", 50), ("SUP", 20), ("UPD", 30), ("DEV", 10)))
    db.session.commit()
    with serialized_writes(db.session):
        engineer, ticket = db.session.get(User, desk.engineer.id), db.session.get(Ticket, ticket.id)

        def close():
            set_status(ticket, engineer, "closed")
            db.session.commit()
        assert _statements(db, close) <= 10
    assert [e.event for e in db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))][-3:] == \
        ["balance.changed", "ticket.updated", "ticket.closed"]
    assert {"status", "closed_at", "debited"} <= {c.field for c in ticket.changes}
    assert_consistent(desk.client.id)


def test_registering_and_the_ticket_page_take_a_fixed_number_of_statements(desk, db, client, login):
    """Registering (the ticket, its history row, its event, its search row) and the ticket page (six
    comments, history, lines, balance) read and write in a fixed number of statements, however many
    tickets, comments or contacts the desk has: bench/scale.py prints the same figures at 3 M. The
    contract has an SLA policy: its targets and calendar come with it, and the deadlines are set."""
    desk.contract(sla_policy_id=_policy("Стандарт").id)
    login(desk.engineer)
    form = {"client_id": desk.client.id, "subject": "Не печатает принтер", "priority": "normal",
            "channel": "phone", "requester_id": 0, "assignee_id": 0, "description": "После обновления"}
    registered = []
    # the user, the client, the policy; the ticket, its history row, its event, its search row (+ BEGIN)
    assert _statements(db, lambda: registered.append(client.post("/tickets/new", data=form))) <= 8
    assert registered[0].status_code == 302
    new = db.session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
    assert new.response_due_at is not None and new.resolution_due_at is not None and new.sla_policy_id is not None
    ticket = desk.ticket(lines=(("SUP", 50), ("UPD", 30)))
    for i in range(6):   # two with a file each: the ticket's files, its tags and its comments load together
        add_comment(ticket, desk.engineer, f"Комментарий {i}", public=i % 3 != 0,
                    files=[(f"скриншот-{i}.png", io.BytesIO(b"\x89PNG" + bytes(i)))] if i in (1, 4) else ())
    set_status(ticket, desk.engineer, "in_progress")
    update_ticket(ticket, desk.engineer, tags="принтер, драйвер, офис")
    db.session.commit()
    url = f"/tickets/{ticket.id}"
    client.get(url)   # the tag suggestions, read once a minute per process
    shown = []
    # SQLite counts its BEGIN; PostgreSQL joins the tags and the files to the ticket's row; nothing
    # unread: the ticket's notices are not asked for (the bell's count came with the log-in)
    assert _statements(db, lambda: shown.append(client.get(url))) <= (12 if db.engine.dialect.name == "sqlite" else 9)
    page = shown[0].get_data(as_text=True)
    assert shown[0].status_code == 200 and page.count('class="card-body py-2 rendered"') == 6
    # each file once, under its own comment, and each tag once (joined rows repeat them)
    assert page.count("📎 скриншот-1.png") == 1 and page.count("📎 скриншот-4.png") == 1
    assert page.index("Комментарий 1") < page.index("📎 скриншот-1.png") < page.index("Комментарий 2")
    assert all(page.count(f">{tag}<") == 1 for tag in ("принтер", "драйвер", "офис"))


def test_the_covering_contract_is_the_same_in_sql_and_in_python(desk, db):
    """`current_contract` (one statement, for registering) and `contract_covering` (over contracts
    read already, for closing and balance panels) apply one rule: the latest started active
    contract whose grant covers the instant, else the latest started."""
    month = TODAY.replace(day=1)
    old_policy, next_policy = _policy("Old"), _policy("Next")
    desk.contract(number="OLD", starts_on=(month - relativedelta(months=14)).isoformat(), months=12,
                  sla_policy_id=old_policy.id)
    desk.contract(number="NOW", starts_on=month.isoformat(), months=1)   # no SLA
    desk.contract(number="NEXT", starts_on=(month + relativedelta(months=3)).isoformat(), months=2,
                  sla_policy_id=next_policy.id)
    bare = create_client(name="ООО «Без договора»", inn="7736207543")
    db.session.commit()
    contracts = db.session.scalars(select(Contract).where(Contract.client_id == desk.client.id)
                                   .order_by(Contract.starts_on.desc(), Contract.id.desc())).all()
    picked = {}
    for months in (-13, -1, 0, 2, 3, 4, 12):
        at = datetime.combine(month + relativedelta(months=months, days=5), datetime.min.time(), timezone.utc)
        sql, python = current_contract(desk.client.id, at), contract_covering(contracts, at)
        assert sql is python, (months, sql and sql.number, python and python.number)
        # the balance panel reads the client and its contracts in one statement, with a client that has none
        panels = balance_summaries([desk.client.id, bare.id], at)
        assert panels[desk.client.id].contract is sql and panels[bare.id].contract is None, months
        assert panels[bare.id].client is bare and panels[desk.client.id].client is desk.client
        picked[months] = sql.number
        # registering reads the picked contract's policy (none: none, not another contract's)
        policy = current_sla_policy(desk.client.id, at)
        assert (policy and policy.name) == {"OLD": "Old", "NOW": None, "NEXT": "Next"}[sql.number], months
    # each covered instant has its contract; a gap falls back to the latest started
    assert picked == {-13: "OLD", -1: "NEXT", 0: "NOW", 2: "NEXT", 3: "NEXT", 4: "NEXT", 12: "NEXT"}


def _same(a, b) -> None:
    assert (a.balance_minutes, a.available_minutes, a.contract, a.expires_at, a.warning, a.threshold_minutes) == \
        (b.balance_minutes, b.available_minutes, b.contract, b.expires_at, b.warning, b.threshold_minutes)


def test_the_low_balance_check_after_a_close_sees_what_a_fresh_read_sees(desk, db):
    desk.contract(hours_per_month=1, months=1)     # 60 minutes: a close billed 45 leaves them low
    ticket = desk.ticket(lines=(("SUP", 40),))
    db.session.commit()
    client_id = desk.client.id
    with serialized_writes(db.session):
        set_status(db.session.get(Ticket, ticket.id), db.session.get(User, desk.engineer.id), "closed")
        now = utcnow()
        held = {}
        # the close read every lot under the lock and knows the balance it left: nothing to read again
        assert _statements(db, lambda: held.update(ledger_ops.summaries_in_transaction([client_id], now))) == 0
        _same(held[client_id], balance_summaries([client_id], now)[client_id])
        assert held[client_id].warning == "low" and held[client_id].balance_minutes == 15
        # hours added in the same transaction go to a lot the close did not read: read again
        ledger_ops.adjust(db.session.get(Client, client_id), minutes=120, reason="top-up",
                          actor=db.session.get(User, desk.manager.id), now=now)
        again = {}
        assert _statements(db, lambda: again.update(ledger_ops.summaries_in_transaction([client_id], now))) > 0
        _same(again[client_id], balance_summaries([client_id], now)[client_id])
        assert again[client_id].balance_minutes == 135 and again[client_id].warning is None
        db.session.rollback()


def test_events_are_written_with_the_commit_and_dropped_with_a_rollback(desk, db):
    before = db.session.scalar(select(func.count()).select_from(OutboxEvent))
    ticket = desk.ticket(lines=())
    db.session.commit()
    after_create = db.session.scalar(select(func.count()).select_from(OutboxEvent))
    assert after_create > before
    set_status(db.session.get(Ticket, ticket.id), db.session.get(User, desk.engineer.id), "in_progress")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxEvent)) == after_create
    db.session.commit()   # nothing left queued from the rolled-back change
    assert db.session.scalar(select(func.count()).select_from(OutboxEvent)) == after_create
