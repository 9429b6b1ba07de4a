"""SLA: calendars and policies (API and page), deadlines on tickets, the desired due date rule, pauses."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.sla.models import BusinessCalendar, SlaPolicy, TicketPause
from app.tickets.models import Ticket
from app.tickets.operations import set_status, update_ticket
from tests.test_api import assert_error

WEEK = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "fri": [["09:00", "17:00"]]}
TARGETS = {"low": {"response_minutes": 480, "resolution_minutes": 2400},
           "normal": {"response_minutes": 60, "resolution_minutes": 480},
           "high": {"response_minutes": 30, "resolution_minutes": 240},
           "critical": {"response_minutes": 15, "resolution_minutes": 120}}


@pytest.fixture
def sla(make, api, db):
    class S:
        pass
    s = S()
    s.manager, s.engineer = make.user("manager"), make.user("engineer")
    s.boss, s.staff = api(s.manager), api(s.engineer)
    s.client = make.client()
    calendar = s.boss.post("/api/v1/calendars", json={"name": "24/7", "timezone": "Europe/Moscow", "always_open": True})
    assert calendar.status_code == 201, calendar.json
    policy = s.boss.post("/api/v1/sla-policies", json={"name": "Стандарт", "calendar_id": calendar.json["id"],
                                                        "targets": TARGETS})
    assert policy.status_code == 201, policy.json
    s.policy_id = policy.json["id"]
    contract = s.boss.post("/api/v1/contracts", json={"client_id": s.client.id, "number": "SLA-1",
                                                      "starts_on": date.today().replace(day=1).isoformat(), "months": 12,
                                                      "hours_per_month": 10, "sla_policy_id": s.policy_id})
    assert contract.status_code == 201, contract.json
    return s


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_calendar_and_policy_api(sla, db):
    body = sla.boss.post("/api/v1/calendars", json={"name": "Офис", "timezone": "Europe/Moscow", "country": "RU",
                                                     "intervals": WEEK, "extra_holidays": ["2026-12-31"]})
    assert body.status_code == 201 and body.json["intervals"]["mon"][1] == ["14:00", "18:00"]
    policy = sla.boss.post("/api/v1/sla-policies", json={"name": "Офисная", "calendar_id": body.json["id"], "targets": TARGETS})
    assert policy.status_code == 201 and policy.json["targets"]["critical"] == {"response_minutes": 15, "resolution_minutes": 120}
    assert_error(sla.staff.post("/api/v1/calendars", json={"name": "x", "timezone": "UTC", "always_open": True}), 403)


@pytest.mark.parametrize("body, field", [
    ({"timezone": "Mars/Olympus", "intervals": WEEK}, "timezone"),
    ({"timezone": "Europe/Moscow", "intervals": {"mon": [["09:00", "13:00"], ["12:30", "18:00"]]}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": {"mon": [["18:00", "09:00"]]}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": {}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": {"someday": [["09:00", "18:00"]]}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": WEEK, "extra_holidays": ["31.12.2026"]}, "extra_holidays"),
    ({"timezone": "Europe/Moscow", "intervals": WEEK, "country": "XX"}, "country"),
    ({"timezone": "Europe/Moscow", "intervals": "9-18"}, "intervals"),
])
def test_bad_calendars_write_nothing(sla, db, body, field):
    assert_error(sla.boss.post("/api/v1/calendars", json={"name": "Плохой", **body}), 422, field=field)
    assert db.session.query(BusinessCalendar).count() == 1


@pytest.mark.parametrize("targets", [
    {**TARGETS, "normal": {"response_minutes": 0, "resolution_minutes": 480}},
    {**TARGETS, "normal": {"response_minutes": 60, "resolution_minutes": -5}},
    {**TARGETS, "normal": {"response_minutes": 60.5, "resolution_minutes": 480}},
    {**TARGETS, "normal": {"response_minutes": 600, "resolution_minutes": 480}},
    {k: v for k, v in TARGETS.items() if k != "low"},
])
def test_bad_policies_write_nothing(sla, db, targets):
    calendar_id = db.session.scalar(select(BusinessCalendar.id))
    assert_error(sla.boss.post("/api/v1/sla-policies", json={"name": "Плохая", "calendar_id": calendar_id,
                                                              "targets": targets}), 422, field="targets")
    assert_error(sla.boss.post("/api/v1/sla-policies", json={"name": "Без календаря", "calendar_id": 999,
                                                              "targets": TARGETS}), 422, field="calendar_id")
    assert db.session.query(SlaPolicy).count() == 1


def test_unknown_policy_on_a_contract(sla):
    assert_error(sla.boss.post("/api/v1/contracts", json={"client_id": sla.client.id, "number": "X", "starts_on": "2026-01-01",
                                                          "months": 1, "hours_per_month": 1, "sla_policy_id": 999}),
                 422, "unknown_sla_policy", "sla_policy_id")


def test_deadlines_are_set_at_registration(sla):
    body = sla.staff.post("/api/v1/tickets", json={"client_id": sla.client.id, "subject": "Сервер", "priority": "high"}).json
    created = _t(body["created_at"])
    assert _t(body["response_due_at"]) - created == timedelta(minutes=30)
    assert _t(body["resolution_due_at"]) - created == timedelta(minutes=240)


def test_desired_due_date_rule(sla, db):
    now = datetime.now(timezone.utc)
    early = sla.staff.post("/api/v1/tickets", json={"client_id": sla.client.id, "subject": "Срочно",
                                                    "desired_due_at": (now + timedelta(hours=2)).isoformat()})
    error = assert_error(early, 422, "unrealistic_due_date", "desired_due_at")
    earliest = _t(error["earliest"])
    assert timedelta(minutes=479) < earliest - now < timedelta(minutes=482)     # normal: 8 h resolution
    past = sla.staff.post("/api/v1/tickets", json={"client_id": sla.client.id, "subject": "Вчера",
                                                   "desired_due_at": (now - timedelta(days=1)).isoformat()})
    assert_error(past, 422, "unrealistic_due_date")
    assert db.session.query(Ticket).count() == 0
    later = (now + timedelta(days=3)).replace(microsecond=0)
    ok = sla.staff.post("/api/v1/tickets", json={"client_id": sla.client.id, "subject": "Не горит",
                                                 "desired_due_at": later.isoformat()})
    assert ok.status_code == 201 and _t(ok.json["resolution_due_at"]) == later == _t(ok.json["desired_due_at"])


def test_the_earliest_date_a_refusal_names_is_accepted_as_it_is(sla, db, monkeypatch):
    from app.tickets import operations as ticket_ops
    frozen = datetime(2026, 12, 1, 9, 7, 31, 500000, tzinfo=timezone.utc)   # not on a whole minute
    monkeypatch.setattr(ticket_ops, "utcnow", lambda: frozen)
    early = sla.staff.post("/api/v1/tickets", json={"client_id": sla.client.id, "subject": "Срочно",
                                                    "desired_due_at": frozen.isoformat()})
    error = assert_error(early, 422, "unrealistic_due_date", "desired_due_at")
    named = error["earliest"]
    assert _t(named).isoformat(timespec="minutes") in error["message"]
    just_before = (_t(named) - timedelta(minutes=1)).isoformat()
    assert_error(sla.staff.post("/api/v1/tickets", json={"client_id": sla.client.id, "subject": "Срочно",
                                                         "desired_due_at": just_before}), 422, "unrealistic_due_date")
    ok = sla.staff.post("/api/v1/tickets", json={"client_id": sla.client.id, "subject": "Срочно", "desired_due_at": named})
    assert ok.status_code == 201, ok.json


def test_waiting_pauses_the_resolution_clock(sla, db):
    ticket_id = sla.staff.post("/api/v1/tickets", json={"client_id": sla.client.id, "subject": "Ждём ответа"}).json["id"]
    ticket = db.session.get(Ticket, ticket_id)
    due = ticket.resolution_due_at
    set_status(ticket, sla.engineer, "waiting")
    db.session.commit()
    assert ticket.is_overdue(due + timedelta(hours=1)) is False      # the clock is stopped
    # as if the ticket had come in three hours ago and had waited since half an hour after that
    ticket.created_at -= timedelta(hours=3)
    pause = db.session.scalars(select(TicketPause)).one()
    pause.started_at = ticket.created_at + timedelta(minutes=30)
    db.session.commit()
    set_status(ticket, sla.engineer, "in_progress")
    db.session.commit()
    waited = pause.ended_at - pause.started_at
    assert timedelta(hours=2, minutes=29) < waited < timedelta(hours=2, minutes=31)
    assert ticket.resolution_due_at == ticket.created_at + timedelta(minutes=480) + waited   # 24/7: minute for minute
    assert ticket.is_overdue(ticket.resolution_due_at + timedelta(minutes=1))


def test_priority_change_moves_the_deadlines(sla, db):
    ticket = db.session.get(Ticket, sla.staff.post("/api/v1/tickets", json={"client_id": sla.client.id,
                                                                             "subject": "Приоритет"}).json["id"])
    update_ticket(ticket, sla.engineer, priority="critical")
    db.session.commit()
    assert ticket.resolution_due_at - ticket.created_at == timedelta(minutes=120)
    assert ticket.response_due_at - ticket.created_at == timedelta(minutes=15)


def test_sla_page(sla, client, login, db):
    login(sla.manager)
    ok = client.post("/sla/calendars", data={"name": "Офис", "timezone": "Europe/Moscow", "country": "RU",
                                             "intervals": "mon: 09:00-13:00, 14:00-18:00\nfri: 09:00-17:00",
                                             "extra_holidays": "2026-12-31"})
    assert ok.status_code == 302
    calendar = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == "Офис"))
    assert calendar.intervals == {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "fri": [["09:00", "17:00"]]}
    bad = client.post("/sla/calendars", data={"name": "Плохой", "timezone": "Europe/Moscow",
                                              "intervals": "mon: 09:00-13:00, 12:00-18:00"})
    assert bad.status_code == 422 and "overlap" in bad.get_data(as_text=True)
    fields = {f"{p}_{k}": v for p in ("critical", "high", "normal", "low") for k, v in (("response", 30), ("resolution", 240))}
    assert client.post("/sla/policies", data={"name": "Офисная", "calendar_id": calendar.id, **fields}).status_code == 302
    page = client.get("/sla/").get_data(as_text=True)
    assert "Офисная" in page and "Стандарт" in page and "09:00–13:00" in page
    # Russian weekday names, short or full, are read as the same days and shown in Russian
    ru = client.post("/sla/calendars", data={"name": "Склад", "timezone": "Europe/Moscow",
                                             "intervals": "Пн: 08:00-17:00\nсуббота: 10:00-14:00"})
    assert ru.status_code == 302
    calendar = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == "Склад"))
    assert calendar.intervals == {"mon": [["08:00", "17:00"]], "sat": [["10:00", "14:00"]]}
    sla.manager.locale = "ru"
    db.session.commit()
    page = client.get("/sla/").get_data(as_text=True)
    assert "сб: 10:00–14:00" in page and "пн: 09:00-13:00, 14:00-18:00" in page   # the list and the new form
    login(sla.engineer)
    assert client.post("/sla/policies", data={"name": "x"}).status_code == 403
