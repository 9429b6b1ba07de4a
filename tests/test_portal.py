"""The client portal: pages, registering with a realistic due date, conversation, confirm/reopen,
rating, attachments, hours and the isolation of one company from another."""
import io
import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.contracts.models import LedgerEntry, TicketClose
from app.contracts.operations import adjust, create_contract, save_service
from app.core.types import utcnow
from app.portal.queries import burn_forecast, month_steps
from app.portal.routes import suggested_due
from app.sla.operations import create_calendar, create_policy
from app.tickets.models import Attachment, Comment, Ticket, TicketChange, TicketRating
from app.tickets.operations import add_attachments, add_comment, add_line, set_status
from tests.ledger_helpers import assert_consistent

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
TARGETS = {p: {"response_minutes": 60, "resolution_minutes": r}
           for p, r in (("low", 2400), ("normal", 480), ("high", 240), ("critical", 120))}


class Company:
    """A company with a contact, a 12 × 10 h contract under a 24/7 SLA policy, and services."""

    def __init__(self, make, db, engineer, n: int):
        self.client = make.client(name=f"ООО «Компания {n}»")
        self.contact = make.user("client", client=self.client, email=f"contact{n}@company{n}.example")
        calendar = create_calendar(name=f"24/7 {n}", timezone="Europe/Moscow", always_open=True)
        policy = create_policy(name=f"Стандарт {n}", calendar=calendar, targets=TARGETS)
        self.contract = create_contract(self.client, number=f"C-{n}", starts_on=date.today() - timedelta(days=30),
                                        months=12, hours_per_month=10, sla_policy_id=policy.id)
        self.engineer = engineer
        db.session.commit()

    def ticket(self, make, subject="Не печатает принтер", **kw):
        return make.ticket(client=self.client, actor=self.engineer, subject=subject, requester=self.contact, **kw)


@pytest.fixture
def portal(make, db):
    engineer = make.user("engineer")
    services = {code: save_service(None, code=code, name_ru=name, billing=billing, rate=rate, kind=kind)
                for code, name, billing, rate, kind in (("SUP", "Поддержка", "hourly", None, "support"),
                                                        ("DEV", "Разработка", "paid", "3000", "development"),
                                                        ("UPD", "Обновление", "free", None, "update"))}
    db.session.commit()
    a, b = Company(make, db, engineer, 1), Company(make, db, engineer, 2)

    class Portal:
        pass
    p = Portal()
    p.a, p.b, p.engineer, p.services = a, b, engineer, services
    return p


def _resolved(portal, company, make, db, minutes=50, subject="Сделано"):
    ticket = company.ticket(make, subject=subject)
    add_line(ticket, portal.engineer, service=portal.services["SUP"], minutes=minutes)
    set_status(ticket, portal.engineer, "resolved")
    db.session.commit()
    return ticket


def _errors(response) -> list[str]:
    return re.findall(r'invalid-feedback[^>]*>([^<]*)<', response.get_data(as_text=True))


# --- registering a ticket ------------------------------------------------------------------------

def test_a_contact_registers_a_ticket_with_a_file(portal, client, login, db):
    login(portal.a.contact)
    response = client.post("/portal/tickets/new", data={
        "subject": "Не работает 1С", "description": "С утра ошибка", "priority": "high",
        "attachments": [(io.BytesIO(PNG), "экран.png"), (io.BytesIO(b"error 42\n"), "log.txt")]})
    assert response.status_code == 302, _errors(response)
    ticket = db.session.scalars(select(Ticket)).one()
    assert (ticket.client_id, ticket.requester_id, ticket.channel, ticket.priority, ticket.status) == \
        (portal.a.client.id, portal.a.contact.id, "portal", "high", "open")
    assert ticket.resolution_due_at is not None   # from the contract's SLA policy
    files = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(f.filename, f.content_type, f.size_bytes, f.public) for f in files] == \
        [("экран.png", "image/png", len(PNG), True), ("log.txt", "text/plain", 9, True)]
    stored = Path(client.application.config["HOURDESK_ATTACHMENT_DIR"]) / files[0].storage_key[:2] / files[0].storage_key
    assert stored.read_bytes() == PNG   # on disk, outside the database
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "экран.png" in page and "log.txt" in page
    download = client.get(f"/portal/tickets/{ticket.id}/files/{files[1].id}")
    assert download.status_code == 200 and download.data == b"error 42\n"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download.headers["Content-Security-Policy"]
    image = client.get(f"/portal/tickets/{ticket.id}/files/{files[0].id}")
    assert image.data == PNG and image.mimetype == "image/png" and "inline" in image.headers["Content-Disposition"]


def test_a_too_early_due_date_is_refused_with_the_earliest_acceptable(portal, client, login, db):
    login(portal.a.contact)
    moscow = ZoneInfo("Europe/Moscow")
    too_early = (utcnow() + timedelta(hours=2)).astimezone(moscow)   # normal: 480 minutes round the clock
    response = client.post("/portal/tickets/new", data={"subject": "Срочно", "priority": "normal",
                                                         "desired_due_at": too_early.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    page = response.get_data(as_text=True)
    offered = datetime.strptime(re.search(r'id="use-earliest"\s+data-value="([^"]+)"', page).group(1),
                                "%Y-%m-%dT%H:%M").replace(tzinfo=moscow)
    earliest = utcnow() + timedelta(minutes=480)
    assert earliest <= offered <= earliest + timedelta(minutes=21)
    assert offered.minute % 15 == 0
    assert "earliest we can promise" in " ".join(_errors(response))
    accepted = client.post("/portal/tickets/new", data={"subject": "Срочно", "priority": "normal",
                                                         "desired_due_at": offered.strftime("%Y-%m-%dT%H:%M")})
    assert accepted.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.desired_due_at == offered and ticket.resolution_due_at == offered


def test_the_suggested_date_is_later_than_the_earliest_and_on_a_quarter_hour():
    earliest = datetime(2026, 12, 1, 10, 0, 30, tzinfo=timezone.utc)
    assert suggested_due(earliest) == datetime(2026, 12, 1, 10, 15, tzinfo=timezone.utc)
    assert suggested_due(datetime(2026, 12, 1, 10, 9, 59, tzinfo=timezone.utc)) == \
        datetime(2026, 12, 1, 10, 15, tzinfo=timezone.utc)
    assert suggested_due(datetime(2026, 12, 1, 10, 10, 1, tzinfo=timezone.utc)) == \
        datetime(2026, 12, 1, 10, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("files, code, message", [
    ([(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "setup.exe")], 422, "not accepted"),
    ([(io.BytesIO(b"<script>alert(1)</script>"), "page.html")], 422, "not accepted"),
    ([(io.BytesIO(b"just text, not an image"), "photo.png")], 422, "does not match"),
    ([(io.BytesIO(b"MZ\x90\x00\x03" + b"\x00" * 300), "notes.txt")], 422, "does not match"),
    ([(io.BytesIO(b""), "empty.txt")], 422, "is empty"),
    ([(io.BytesIO(b"x" * 2048), "big.txt")], 422, "larger than"),
    ([(io.BytesIO(b"a"), f"f{n}.txt") for n in range(4)], 422, "At most 3 files"),
])
def test_bad_attachments_are_refused_and_nothing_is_kept(portal, client, login, db, app, monkeypatch, files, code,
                                                         message):
    monkeypatch.setitem(app.config, "HOURDESK_ATTACHMENT_MAX_BYTES", 1024)
    monkeypatch.setitem(app.config, "HOURDESK_ATTACHMENTS_PER_UPLOAD", 3)
    store = Path(app.config["HOURDESK_ATTACHMENT_DIR"])
    before = sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []
    login(portal.a.contact)
    response = client.post("/portal/tickets/new", data={"subject": "С файлом", "priority": "normal",
                                                         "attachments": files})
    assert response.status_code == code
    assert message in " ".join(_errors(response))
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    after = sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []
    assert after == before


def test_an_upload_over_the_request_limit_is_refused_before_it_is_read(portal, client, login, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    login(portal.a.contact)
    response = client.post("/portal/tickets/new", data={"subject": "Огромный файл", "priority": "normal",
                                                         "attachments": [(io.BytesIO(b"x" * 10_000), "big.txt")]})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


# --- conversation ---------------------------------------------------------------------------------

def test_comments_both_ways_and_internal_notes_stay_internal(portal, client, login, db, make):
    ticket = portal.a.ticket(make)
    add_comment(ticket, portal.engineer, "Публичный ответ инженера")
    note = add_comment(ticket, portal.engineer, "ВНУТРЕННЕЕ: клиент должен денег", public=False)
    add_attachments(ticket, portal.engineer, [("internal.txt", io.BytesIO(b"secret"))], comment=note)
    db.session.commit()
    internal_file = db.session.scalars(select(Attachment)).one()
    assert internal_file.public is False
    login(portal.a.contact)
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Публичный ответ инженера" in page
    for url in ("/portal/", "/portal/tickets?show=all", "/portal/hours", "/portal/work", f"/portal/tickets/{ticket.id}"):
        text = client.get(url).get_data(as_text=True)
        assert "ВНУТРЕННЕЕ" not in text and "internal.txt" not in text, url
    assert client.get(f"/portal/tickets/{ticket.id}/files/{internal_file.id}").status_code == 404
    response = client.post(f"/portal/tickets/{ticket.id}/comments",
                           data={"body": "Спасибо <script>alert('x')</script> **жирно**"})
    assert response.status_code == 302
    comment = db.session.scalars(select(Comment).where(Comment.author_id == portal.a.contact.id)).one()
    assert comment.public is True
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<strong>жирно</strong>" in page


def test_an_empty_comment_writes_nothing(portal, client, login, db, make):
    ticket = portal.a.ticket(make)
    login(portal.a.contact)
    assert client.post(f"/portal/tickets/{ticket.id}/comments", data={"body": "   "}).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


# --- confirm, reopen, rate ----------------------------------------------------------------------

def test_confirming_a_resolved_ticket_closes_it_and_debits_the_hours(portal, client, login, db, make):
    ticket = _resolved(portal, portal.a, make, db, minutes=50)
    login(portal.a.contact)
    response = client.post(f"/portal/tickets/{ticket.id}/confirm")
    assert response.status_code == 302
    db.session.refresh(ticket)
    assert ticket.status == "closed"
    close = db.session.scalars(select(TicketClose)).one()
    assert (close.debited_minutes, close.closed_by_id) == (60, portal.a.contact.id)   # 50 → 60 (15-min steps)
    assert_consistent(portal.a.client.id)
    # a second confirmation (a double click) debits nothing more
    assert client.post(f"/portal/tickets/{ticket.id}/confirm").status_code == 409
    assert db.session.scalar(select(func.count()).select_from(TicketClose)) == 1


@pytest.mark.parametrize("status", ["open", "in_progress", "waiting"])
def test_only_a_resolved_ticket_can_be_confirmed(portal, client, login, db, make, status):
    ticket = portal.a.ticket(make)
    if status != "open":
        set_status(ticket, portal.engineer, status)
        db.session.commit()
    login(portal.a.contact)
    assert client.post(f"/portal/tickets/{ticket.id}/confirm").status_code == 409
    db.session.refresh(ticket)
    assert ticket.status == status
    assert db.session.scalar(select(func.count()).select_from(TicketClose)) == 0


def test_reopening_needs_a_reason_and_reverses_a_close(portal, client, login, db, make):
    ticket = _resolved(portal, portal.a, make, db)
    login(portal.a.contact)
    assert client.post(f"/portal/tickets/{ticket.id}/reopen", data={"reason": ""}).status_code == 422
    db.session.refresh(ticket)
    assert ticket.status == "resolved"
    client.post(f"/portal/tickets/{ticket.id}/confirm")
    balance_closed = db.session.scalar(select(func.sum(LedgerEntry.minutes)))
    response = client.post(f"/portal/tickets/{ticket.id}/reopen", data={"reason": "Опять не печатает"})
    assert response.status_code == 302
    db.session.refresh(ticket)
    assert ticket.status == "in_progress"
    assert db.session.scalar(select(func.sum(LedgerEntry.minutes))) == balance_closed + 60
    change = db.session.scalars(select(TicketChange).where(TicketChange.field == "status")
                                .order_by(TicketChange.id.desc())).first()
    assert (change.reason, change.user_id) == ("Опять не печатает", portal.a.contact.id)
    assert_consistent(portal.a.client.id)


def test_rating_after_close(portal, client, login, db, make):
    ticket = _resolved(portal, portal.a, make, db)
    login(portal.a.contact)
    # not before the ticket is closed
    assert client.post(f"/portal/tickets/{ticket.id}/rating", data={"rating": "5"}).status_code == 409
    client.post(f"/portal/tickets/{ticket.id}/confirm")
    for bad in ("0", "6", "4.5", "", "пять"):
        assert client.post(f"/portal/tickets/{ticket.id}/rating", data={"rating": bad}).status_code == 422, bad
    assert db.session.scalar(select(func.count()).select_from(TicketRating)) == 0
    assert client.post(f"/portal/tickets/{ticket.id}/rating",
                       data={"rating": "4", "comment": "Быстро, но <b>долго</b> ждали"}).status_code == 302
    client.post(f"/portal/tickets/{ticket.id}/rating", data={"rating": "5"})
    rating = db.session.get(TicketRating, ticket.id)
    assert (rating.rating, rating.comment, rating.rated_by_id) == (5, "", portal.a.contact.id)
    history = db.session.scalars(select(TicketChange.new_value).where(TicketChange.field == "csat")
                                 .order_by(TicketChange.id)).all()
    assert history == ["4", "5"]


def test_an_engineers_internal_note_with_a_file_stays_with_the_staff(portal, client, login, db, make):
    ticket = portal.a.ticket(make)
    login(portal.engineer)
    response = client.post(f"/tickets/{ticket.id}/comments", data={
        "body": "Логи сервера", "visibility": "internal", "attachments": [(io.BytesIO(b"kernel panic"), "dmesg.log")]})
    assert response.status_code == 302
    note_file = db.session.scalars(select(Attachment)).one()
    assert (note_file.public, note_file.filename, note_file.comment_id is not None) == (False, "dmesg.log", True)
    assert client.get(f"/tickets/{ticket.id}/files/{note_file.id}").data == b"kernel panic"
    refused = client.post(f"/tickets/{ticket.id}/comments", data={
        "body": "ещё", "visibility": "public", "attachments": [(io.BytesIO(b"<html>"), "x.html")]})
    assert refused.status_code == 422 and db.session.scalar(select(func.count()).select_from(Comment)) == 1
    login(portal.a.contact)
    assert client.get(f"/portal/tickets/{ticket.id}/files/{note_file.id}").status_code == 404
    assert "dmesg.log" not in client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)


def test_staff_see_the_rating_and_the_clients_files(portal, client, login, db, make):
    ticket = _resolved(portal, portal.a, make, db)
    add_attachments(ticket, portal.a.contact, [("скрин.png", io.BytesIO(PNG))])
    set_status(ticket, portal.a.contact, "closed")
    from app.tickets.operations import rate_ticket
    rate_ticket(ticket, portal.a.contact, rating=3, comment="Средне")
    db.session.commit()
    login(portal.engineer)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "3/5" in page and "Средне" in page and "скрин.png" in page
    file_id = db.session.scalar(select(Attachment.id))
    assert client.get(f"/tickets/{ticket.id}/files/{file_id}").data == PNG
    assert client.get(f"/tickets/{ticket.id + 1}/files/{file_id}").status_code == 404


# --- hours ------------------------------------------------------------------------------------------

def test_dashboard_shows_balance_contracts_forecast_and_open_tickets(portal, client, login, db, make):
    done = _resolved(portal, portal.a, make, db, minutes=120)
    set_status(done, portal.engineer, "closed")
    portal.a.ticket(make, subject="Открытая заявка А")
    portal.b.ticket(make, subject="Чужая заявка Б")
    db.session.commit()
    login(portal.a.contact)
    page = client.get("/portal/").get_data(as_text=True)
    assert "118:00" in page              # 120 h granted − 2 h used
    assert "C-1" in page and "C-2" not in page
    assert "Открытая заявка А" in page and "Чужая заявка Б" not in page
    # 120 minutes in the last 91 days ≈ 40 min a month: 118 h last far beyond the contract's end
    assert 'data-state="enough"' in page and "0:40" in page


def test_open_tickets_are_counted_up_to_the_cap_with_their_statuses_written_as_constants(
        portal, client, login, db, make, monkeypatch):
    """A company with years of tickets: the dashboard counts its open ones up to the lists' cap
    ("10,000+"), and the portal's ticket statements carry the statuses as constants (with parameters,
    PostgreSQL's generic plan read all of a large company's tickets: 100 ms instead of 3)."""
    from sqlalchemy import event

    from app.core import paging
    for n in range(3):
        portal.a.ticket(make, subject=f"Открытая {n}")
    db.session.commit()
    login(portal.a.contact)

    def shown():
        return re.search(r'id="open-count">([^<]+)<', client.get("/portal/").get_data(as_text=True)).group(1)
    assert shown() == "3"
    monkeypatch.setattr(paging, "COUNT_AT_MOST", 2)
    assert shown() == "2+"
    statements = []

    def seen(_conn, _cursor, statement, _params, context, _many):
        statements.append((statement, context.execution_options.get("hourdesk_plan_each_time")))
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        for path in ("/portal/", "/portal/tickets", "/portal/tickets?show=closed"):
            assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    filtered = [(s, planned) for s, planned in statements if "FROM tickets" in s and "tickets.status IN" in s]
    assert len(filtered) >= 4, statements
    assert all("'resolved')" in s or "'cancelled')" in s for s, _planned in filtered), filtered
    # the lists and their counts are planned for this company (db_setup.PLAN_EACH_TIME)
    assert all(planned for _s, planned in filtered), filtered


def test_burn_forecast_states(portal, db, make):
    client_id = portal.a.client.id
    now = utcnow()
    tz = ZoneInfo("Europe/Moscow")
    ends = (now + timedelta(days=300)).date()
    assert burn_forecast(client_id, now, 600, ends, tz).state == "idle"
    assert burn_forecast(client_id, now, 0, ends, tz).state == "exhausted"
    for days_ago in (10, 40, 70, 100):    # 3 × 1365 minutes in the 91-day window (45 a day), one before it
        ticket = portal.a.ticket(make)
        add_line(ticket, portal.engineer, service=portal.services["SUP"], minutes=1365)
        set_status(ticket, portal.engineer, "closed", now=now - timedelta(days=days_ago))
    db.session.commit()
    forecast = burn_forecast(client_id, now, 4500, ends, tz)   # 4500 / 45 = 100 days
    assert forecast.state == "runs_out"
    assert forecast.runs_out_on == (now + timedelta(days=100)).astimezone(tz).date()
    assert forecast.monthly_minutes == 1370    # 4095 × 30.4375 / 91
    assert burn_forecast(client_id, now, 4500, (now + timedelta(days=50)).date(), tz).state == "enough"


def test_hours_history_explains_every_entry(portal, client, login, db, make):
    ticket = _resolved(portal, portal.a, make, db, minutes=50, subject="Починили почту")
    add_line(ticket, portal.engineer, service=portal.services["UPD"], minutes=30)
    set_status(ticket, portal.engineer, "closed")
    adjust(portal.a.client, minutes=-90, reason="Работы по телефону в выходные", actor=portal.engineer, now=utcnow())
    db.session.commit()
    login(portal.a.contact)
    page = client.get("/portal/hours").get_data(as_text=True)
    assert "Починили почту" in page and "Поддержка" in page and "0:50" in page and "1:00" in page
    assert "Работы по телефону в выходные" in page and "Hours granted" in page
    # the balance after each row, newest first: 120 h − 1 h − 1.5 h, then 120 h − 1 h, then 120 h
    assert re.findall(r'<td class="text-end text-nowrap">(\d+:\d\d)</td>', page) == ["117:30", "119:00", "120:00"]


def test_work_page_splits_hourly_paid_and_free(portal, client, login, db, make):
    ticket = _resolved(portal, portal.a, make, db, minutes=50, subject="Доработка отчёта")
    add_line(ticket, portal.engineer, service=portal.services["DEV"], minutes=90)
    add_line(ticket, portal.engineer, service=portal.services["UPD"], minutes=30)
    set_status(ticket, portal.engineer, "closed")
    db.session.commit()
    login(portal.a.contact)
    page = client.get("/portal/work").get_data(as_text=True)
    totals = dict(re.findall(r'data-total="(\w+)">([^<]*)<', page))
    assert totals["hourly"] == "1:00" and totals["free"] == "0:30"
    assert "1:30" in totals["paid"] and "4,500.00" in totals["paid"]    # 1.5 h × 3000
    assert "0:00" in totals["overage"]
    assert "Доработка отчёта" in page
    assert client.get("/portal/work?month=2026-13").status_code == 404
    january = client.get("/portal/work?month=2026-01").get_data(as_text=True)
    assert "month=2025-12" in january and "month=2026-02" in january


def test_month_steps_cross_the_year():
    assert month_steps(date(2026, 1, 31)) == (date(2026, 1, 1), date(2025, 12, 1), date(2026, 2, 1))
    assert month_steps(date(2026, 12, 5)) == (date(2026, 12, 1), date(2026, 11, 1), date(2027, 1, 1))


# --- isolation --------------------------------------------------------------------------------------

def _portal_urls(ticket_id: int, attachment_id: int):
    return [("GET", f"/portal/tickets/{ticket_id}", None),
            ("POST", f"/portal/tickets/{ticket_id}/comments", {"body": "чужой"}),
            ("POST", f"/portal/tickets/{ticket_id}/confirm", {}),
            ("POST", f"/portal/tickets/{ticket_id}/reopen", {"reason": "чужой"}),
            ("POST", f"/portal/tickets/{ticket_id}/rating", {"rating": "1"}),
            ("GET", f"/portal/tickets/{ticket_id}/files/{attachment_id}", None)]


def test_a_contact_never_reaches_another_companys_objects_by_id(portal, client, login, db, make):
    """Tickets of A and B interleaved (sequential ids); A's contact tries every id on every route."""
    own, foreign = [], []
    for n in range(3):
        own.append(_resolved(portal, portal.a, make, db, subject=f"Своя {n}"))
        foreign.append(_resolved(portal, portal.b, make, db, subject=f"СЕКРЕТ Б {n}"))
    for ticket in foreign:
        add_attachments(ticket, portal.b.contact, [("b-secret.txt", io.BytesIO(b"SECRET-B-FILE"))])
    set_status(foreign[0], portal.engineer, "closed")
    db.session.commit()
    files = {a.ticket_id: a.id for a in db.session.scalars(select(Attachment))}
    before = (db.session.scalar(select(func.count()).select_from(TicketChange)),
              db.session.scalar(select(func.count()).select_from(Comment)))
    login(portal.a.contact)
    for ticket in foreign:
        for method, url, data in _portal_urls(ticket.id, files[ticket.id]):
            response = client.get(url) if method == "GET" else client.post(url, data=data)
            assert response.status_code == 404, (method, url)
            assert "СЕКРЕТ" not in response.get_data(as_text=True) and b"SECRET-B-FILE" not in response.data
        # B's file reached through one of A's own tickets is not found either
        assert client.get(f"/portal/tickets/{own[0].id}/files/{files[ticket.id]}").status_code == 404
    assert (db.session.scalar(select(func.count()).select_from(TicketChange)),
            db.session.scalar(select(func.count()).select_from(Comment))) == before
    for ticket in foreign:
        db.session.refresh(ticket)
    assert [t.status for t in foreign] == ["closed", "resolved", "resolved"]
    for url in ("/portal/", "/portal/tickets?show=all", "/portal/hours", "/portal/work"):
        page = client.get(url).get_data(as_text=True)
        assert "СЕКРЕТ" not in page and "C-2" not in page, url
    assert "Своя 0" in client.get("/portal/tickets?show=all").get_data(as_text=True)


def _text(response) -> str:
    """A JSON response as readable text (the API escapes non-ASCII characters)."""
    return json.dumps(response.json, ensure_ascii=False) if response.is_json else response.get_data(as_text=True)


def test_api_with_a_contacts_token_is_limited_to_its_company(portal, api, db, make):
    foreign = _resolved(portal, portal.b, make, db, subject="СЕКРЕТ Б")
    add_comment(foreign, portal.engineer, "СЕКРЕТ заметка", public=False)
    own = _resolved(portal, portal.a, make, db, subject="Своя")
    add_comment(own, portal.engineer, "ВНУТРЕННЕЕ только для своих", public=False)
    add_comment(own, portal.engineer, "Публичный ответ")
    db.session.commit()
    contact = api(portal.a.contact)
    for method, url, body in [
            ("GET", f"/api/v1/tickets/{foreign.id}", None),
            ("POST", f"/api/v1/tickets/{foreign.id}/comments", {"body": "x"}),
            ("POST", f"/api/v1/tickets/{foreign.id}/status", {"status": "in_progress"}),
            ("POST", f"/api/v1/tickets/{foreign.id}/close", {}),
            ("POST", f"/api/v1/tickets/{foreign.id}/reopen", {"reason": "x"}),
            ("POST", f"/api/v1/tickets/{foreign.id}/lines", {"service_code": "SUP", "minutes": 5}),
            ("GET", f"/api/v1/clients/{portal.b.client.id}", None),
            ("GET", f"/api/v1/clients/{portal.b.client.id}/ledger", None),
            ("GET", f"/api/v1/contracts/{portal.b.contract.id}", None)]:
        response = contact.get(url) if method == "GET" else contact.post(url, json=body)
        assert response.status_code in (403, 404), (url, response.status_code)
        if response.status_code == 403:   # a route contacts may never use at all, whoever's the object
            assert method == "POST" and url.rsplit("/", 1)[1] in ("status", "lines")
        assert "СЕКРЕТ" not in _text(response)
    listed = contact.get("/api/v1/tickets").json["items"]
    assert {t["subject"] for t in listed} == {"Своя"}
    detail = _text(contact.get(f"/api/v1/tickets/{own.id}"))
    assert "Публичный ответ" in detail and "ВНУТРЕННЕЕ" not in detail
    # asking for the other company's list gives an empty list, not its tickets
    foreign_list = contact.get(f"/api/v1/tickets?client_id={portal.b.client.id}")
    assert foreign_list.status_code == 200 and foreign_list.json["items"] == [] and foreign_list.json["total"] == 0


def test_a_contact_confirms_and_reopens_through_the_api_too(portal, api, db, make):
    contact = api(portal.a.contact)
    open_ticket = portal.a.ticket(make)
    assert contact.post(f"/api/v1/tickets/{open_ticket.id}/close").json["error"]["code"] == "not_resolved"
    ticket = _resolved(portal, portal.a, make, db, minutes=20)
    response = contact.post(f"/api/v1/tickets/{ticket.id}/close")
    assert response.status_code == 200 and response.json["debited_minutes"] == 30
    response = contact.post(f"/api/v1/tickets/{ticket.id}/reopen", json={"reason": "Не работает снова"})
    assert response.status_code == 200 and response.json["status"] == "in_progress"
    assert contact.post(f"/api/v1/tickets/{ticket.id}/status", json={"status": "resolved"}).status_code == 403
    assert_consistent(portal.a.client.id)


def test_contacts_cannot_open_staff_pages(portal, client, login, make):
    ticket = portal.a.ticket(make)
    login(portal.a.contact)
    for url in ("/tickets/", f"/tickets/{ticket.id}", "/clients/", f"/clients/{portal.a.client.id}",
                f"/clients/{portal.a.client.id}/ledger", "/services/", "/sla/", "/speaker", "/admin/mail/"):
        assert client.get(url).status_code == 403, url


def test_a_resolved_ticket_nobody_answers_closes_itself_after_the_configured_days(portal, db, make, app, monkeypatch):
    from app.tickets.tasks import auto_close_job
    monkeypatch.setitem(app.config, "HOURDESK_AUTO_CLOSE_DAYS", 7)
    old = _resolved(portal, portal.a, make, db, minutes=20, subject="Давно решена")
    fresh = _resolved(portal, portal.a, make, db, minutes=20, subject="Только что решена")
    now = utcnow()
    assert auto_close_job(now + timedelta(days=6, hours=23)) == []
    old.resolved_at = now - timedelta(days=8)
    db.session.commit()
    assert auto_close_job(now) == [old.id]
    db.session.refresh(old)
    db.session.refresh(fresh)
    assert (old.status, fresh.status) == ("closed", "resolved")
    close = db.session.scalars(select(TicketClose)).one()
    assert (close.ticket_id, close.debited_minutes, close.closed_by_id) == (old.id, 30, None)
    assert "auto_closed" in {c.field for c in old.changes}
    assert auto_close_job(now) == []     # nothing twice
    monkeypatch.setitem(app.config, "HOURDESK_AUTO_CLOSE_DAYS", 0)
    assert auto_close_job(now + timedelta(days=30)) == []
    assert_consistent(portal.a.client.id)


def test_a_blocked_overdraft_leaves_the_ticket_resolved_for_the_staff(portal, db, make, app, monkeypatch):
    from app.tickets.tasks import auto_close_job
    portal.a.contract.overdraft = "block"
    db.session.commit()
    ticket = _resolved(portal, portal.a, make, db, minutes=10_000, subject="Слишком много")
    ticket.resolved_at = utcnow() - timedelta(days=30)
    db.session.commit()
    assert auto_close_job(utcnow()) == []
    db.session.refresh(ticket)
    assert ticket.status == "resolved"


@pytest.mark.parametrize("unit, value, ok", [("percent", 25, True), ("hours", 12, True), ("", "", True),
                                             ("percent", 0, False), ("percent", 101, False), ("hours", -1, False),
                                             ("hours", "", False), ("days", 3, False)])
def test_staff_set_a_clients_low_balance_threshold(portal, client, login, db, make, unit, value, ok):
    manager = make.user("manager")
    login(portal.engineer)
    company = portal.a.client
    response = client.post(f"/clients/{company.id}/edit", data={
        "name": company.name, "inn": company.inn, "timezone": company.timezone, "account_manager_id": manager.id,
        "active": "y", "low_balance_unit": unit, "low_balance_value": value})
    db.session.refresh(company)
    if ok:
        assert response.status_code == 302
        assert (company.low_balance_unit, company.low_balance_value) == (unit or None, value if unit else None)
    else:
        assert response.status_code == 422
        assert (company.low_balance_unit, company.low_balance_value) == (None, None)


def test_a_refused_ticket_keeps_its_files_for_the_next_try(portal, client, login, db, app):
    login(portal.a.contact)
    moscow = ZoneInfo("Europe/Moscow")
    too_early = (utcnow() + timedelta(hours=2)).astimezone(moscow)
    refused = client.post("/portal/tickets/new", data={
        "subject": "Не печатает", "priority": "normal", "desired_due_at": too_early.strftime("%Y-%m-%dT%H:%M"),
        "attachments": [(io.BytesIO(b"error 42\n"), "log.txt"), (io.BytesIO(PNG), "screen.png")]})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "log.txt, screen.png" in page
    token = re.search(r'name="held_files" value="([0-9a-f]+)"', page).group(1)
    # a contact of another company cannot take them: its ticket gets none
    login(portal.b.contact)
    other = client.post("/portal/tickets/new", data={"subject": "Чужое", "priority": "normal", "held_files": token})
    assert other.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    login(portal.a.contact)
    accepted = client.post("/portal/tickets/new", data={"subject": "Не печатает", "priority": "normal",
                                                         "held_files": token})
    assert accepted.status_code == 302
    ticket = db.session.scalars(select(Ticket).where(Ticket.subject == "Не печатает")).one()
    assert sorted(a.filename for a in ticket.attachments) == ["log.txt", "screen.png"]
    assert not (Path(app.config["HOURDESK_ATTACHMENT_DIR"]) / "held" / token).exists()
