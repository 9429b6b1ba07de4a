"""Everything editable (issue 12): users (with a one-time password link), clients, contracts (terms
from the next period, early termination), services, SLA calendars and policies, API tokens, each
change in the audit trail; the mail outbox's bodies; a client registered from the ticket form."""
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.models import ApiToken, User
from app.auth.operations import issue_token
from app.billing.operations import act_lines, renewal_invoice, save_profile
from app.contracts.models import Contract, HourLot, LedgerEntry
from app.contracts.operations import create_contract, expire_lots, renew_contract, save_service
from app.contracts.queries import client_balance
from app.notifications.models import MailMessage
from app.sla.models import BusinessCalendar, SlaPolicy
from app.sla.operations import create_calendar, create_policy
from tests.conftest import PASSWORD
from tests.test_billing import BILLING_PROFILE


def _audit(db, entity, entity_id):
    return {(e.field, e.old_value, e.new_value) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id))}


# --- users ----------------------------------------------------------------------------------------

def test_an_admin_edits_a_user_and_each_changed_field_is_audited(client, make, login, db):
    admin = login(make.user("admin"))
    user = make.user("engineer", name="Ivan")
    company = make.client()
    response = client.post(f"/admin/users/{user.id}", data={
        "email": "ivan.petrov@hourdesk.example", "name": "Ivan Petrov", "role": "client", "client_inn": company.inn,
        "locale": "ru", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.email, user.name, user.role, user.client_id, user.locale) == (
        "ivan.petrov@hourdesk.example", "Ivan Petrov", "client", company.id, "ru")
    changes = _audit(db, "user", user.id)
    assert ("name", "Ivan", "Ivan Petrov") in changes and ("role", "engineer", "client") in changes
    assert ("client_id", None, str(company.id)) in changes
    assert all(e.actor_id == admin.id for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "user", AuditEntry.entity_id == user.id)))
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Ivan Petrov" in page and "Change history" in page


def test_a_bad_user_edit_changes_nothing(client, make, login, db):
    admin = login(make.user("admin"))
    other = make.user("engineer")
    user = make.user("engineer")
    # a contact without a company, someone else's e-mail, the only admin demoting themselves
    for data, message in (({"role": "client", "client_inn": ""}, "must belong to a client company"),
                          ({"email": other.email}, "already exists")):
        form = {"email": user.email, "name": user.name, "role": "engineer", "locale": "en", "active": "y"} | data
        response = client.post(f"/admin/users/{user.id}", data=form)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{admin.id}", data={"email": admin.email, "name": admin.name,
                                                             "role": "engineer", "locale": "en", "active": "y"})
    assert response.status_code == 422 and "your own role" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).role == "engineer" and db.session.get(User, admin.id).role == "admin"
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.entity == "user",
                                                         AuditEntry.field != "created")) is None


def test_a_one_time_link_sets_a_new_password(client, make, login, db):
    login(make.user("admin"))
    user = make.user("engineer")
    first = client.post(f"/admin/users/{user.id}/password-link")
    assert first.status_code == 200
    first_link = re.search(r'id="reset-link">([^<]+)<', first.get_data(as_text=True)).group(1)
    second = client.post(f"/admin/users/{user.id}/password-link").get_data(as_text=True)
    link = re.search(r'id="reset-link">([^<]+)<', second).group(1)
    mail = db.session.scalars(select(MailMessage).where(MailMessage.recipient == user.email)
                              .order_by(MailMessage.id.desc())).first()
    assert link in mail.body                                   # the user gets it by e-mail too
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.post("/logout")
    assert client.get("/" + first_link.split("://", 1)[1].split("/", 1)[1]).status_code == 410   # superseded
    assert client.get("/" + path).status_code == 200
    mismatch = client.post("/" + path, data={"password": "new-secret-99", "confirm": "other-secret-99"})
    assert mismatch.status_code == 422
    assert client.post("/" + path, data={"password": "new-secret-99", "confirm": "new-secret-99"}).status_code == 302
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200   # old one fails
    assert client.post("/login", data={"email": user.email, "password": "new-secret-99"}).status_code == 302
    client.post("/logout")
    assert client.get("/" + path).status_code == 410           # used once
    fields = [e.field for e in db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == user.id,
                                                                          AuditEntry.entity == "user"))]
    assert fields.count("password_reset_link") == 2 and "password_reset" in fields


def test_an_admin_revokes_someone_elses_token_and_it_is_audited(client, make, login, db):
    admin = login(make.user("admin"))
    owner = make.user("engineer")
    token, raw = issue_token(owner, "1C sync")
    db.session.commit()
    assert client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert client.post(f"/admin/users/{owner.id}/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    revoked = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "token", AuditEntry.field == "revoked"))
    assert revoked.entity_id == token.id and revoked.actor_id == admin.id
    assert db.session.get(ApiToken, token.id).revoked_at is not None


# --- clients and services ---------------------------------------------------------------------------

def test_a_client_edit_is_audited(client, make, login, db):
    manager = login(make.user("manager"))
    company = make.client(name="ООО «Ромашка»")
    data = {"name": "ООО «Ромашка-М»", "inn": company.inn, "country": company.country, "timezone": company.timezone,
            "account_manager_id": manager.id, "active": "y", "low_balance_unit": ""}
    assert client.post(f"/clients/{company.id}/edit", data=data).status_code == 302
    assert ("name", "ООО «Ромашка»", "ООО «Ромашка-М»") in _audit(db, "client", company.id)
    page = client.get(f"/clients/{company.id}/edit").get_data(as_text=True)
    assert "ООО «Ромашка»" in page and "Change history" in page


def test_a_service_edit_is_audited(client, make, login, db):
    login(make.user("manager"))
    service = save_service(None, code="UPD", name_ru="Обновление", billing="free")
    db.session.commit()
    data = {"code": "UPD", "name_ru": "Обновление 1С", "name_en": "1C update", "billing": "paid", "rate": "2500",
            "kind": "update", "active": "y"}
    assert client.post(f"/services/{service.id}/edit", data=data).status_code == 302
    changes = _audit(db, "service", service.id)
    assert ("billing", "free", "paid") in changes and ("rate", None, "2500.00") in changes


# --- contracts ----------------------------------------------------------------------------------------

def _contract(make, db, **kw):
    company = make.client()
    kw.setdefault("starts_on", date.today().replace(day=1))
    contract = create_contract(company, number=kw.pop("number", f"C-{company.id}"), months=kw.pop("months", 3),
                               hours_per_month=kw.pop("hours_per_month", 10), hour_price=kw.pop("hour_price", "1500.00"),
                               **kw)
    db.session.commit()
    return company, contract


def test_a_changed_monthly_grant_applies_from_the_next_period(client, make, login, db):
    login(make.user("manager"))
    save_profile(None, **BILLING_PROFILE)
    company, contract = _contract(make, db)
    before_balance = client_balance(company.id)
    acts_before = act_lines(company, contract.starts_on)
    response = client.post(f"/contracts/{contract.id}/terms", data={
        "hours_per_month": "20", "hour_price": "1800", "billing_increment_minutes": "30", "overdraft": "block",
        "overage_rate": "0", "sla_policy_id": "0", "reason": "the client asked for more hours"})
    assert response.status_code == 302
    db.session.expire_all()
    contract = db.session.get(Contract, contract.id)
    # this period stays as signed: the grant, the balance and the month's act
    assert (contract.minutes_per_month, contract.hour_price) == (600, Decimal("1500.00"))
    assert client_balance(company.id) == before_balance == 3 * 600
    assert act_lines(company, contract.starts_on) == acts_before
    # what happens from now on follows the new terms at once
    assert (contract.billing_increment_minutes, contract.overdraft) == (30, "block")
    # the next period grants and bills the new terms
    invoice = renewal_invoice(contract, today=contract.ends_on - timedelta(days=10))
    assert invoice.lines[0].quantity == Decimal("60") and invoice.lines[0].price == Decimal("1800.00")
    successor = renew_contract(contract, number="C-next")
    assert (successor.minutes_per_month, successor.hour_price) == (1200, Decimal("1800.00"))
    changes = _audit(db, "contract", contract.id)
    assert ("next_minutes_per_month", None, "1200") in changes and ("overdraft", "convert_to_paid", "block") in changes
    assert db.session.scalar(select(AuditEntry.reason).where(AuditEntry.field == "overdraft")) == \
        "the client asked for more hours"


def test_terminating_a_contract_ends_its_hours_after_the_last_day_and_stops_its_renewal(client, make, login, db):
    login(make.user("manager"))
    save_profile(None, **BILLING_PROFILE)
    company, contract = _contract(make, db, starts_on=date.today().replace(day=1) - timedelta(days=40), months=6)
    past = client.post(f"/contracts/{contract.id}/terminate",
                       data={"terminated_on": (date.today() - timedelta(days=1)).isoformat(), "reason": "closing"})
    assert past.status_code == 422 and "between today" in past.get_data(as_text=True)
    no_reason = client.post(f"/contracts/{contract.id}/terminate", data={"terminated_on": date.today().isoformat()})
    assert no_reason.status_code == 422
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).terminated_on is None
    last_day = date.today() + timedelta(days=5)
    assert client.post(f"/contracts/{contract.id}/terminate",
                       data={"terminated_on": last_day.isoformat(), "reason": "the client closes"}).status_code == 302
    db.session.expire_all()
    contract = db.session.get(Contract, contract.id)
    assert contract.terminated_on == last_day and contract.status == "active"   # the hours work to the last day
    grant = db.session.scalar(select(HourLot).where(HourLot.contract_id == contract.id))
    assert grant.expires_at.astimezone(timezone.utc) <= datetime.combine(
        last_day + timedelta(days=1), datetime.min.time(), timezone.utc)
    assert renewal_invoice(contract, today=contract.ends_on - timedelta(days=10)) is None
    left = grant.remaining_minutes
    expire_lots(grant.expires_at + timedelta(minutes=1))
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == "terminated"
    expiry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "expiry", LedgerEntry.lot_id == grant.id))
    assert expiry.minutes == -left and client_balance(company.id) == 0
    # its months before the end still show in acts; a month after it, none
    assert act_lines(company, contract.starts_on)
    assert not [line for line in act_lines(company, contract.ends_on) if line[0] == "prepaid"]
    assert ("terminated", None, last_day.isoformat()) in _audit(db, "contract", contract.id)


# --- SLA calendars and policies -------------------------------------------------------------------

def test_a_calendar_and_a_policy_are_edited_with_russian_weekdays(client, make, login, db):
    login(make.user("manager", locale="ru"))
    calendar = create_calendar(name="Офис", timezone="Europe/Moscow",
                               intervals={d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
    policy = create_policy(name="Стандарт", calendar=calendar, targets={
        p: {"response_minutes": 60, "resolution_minutes": 480} for p in ("low", "normal", "high", "critical")})
    db.session.commit()
    page = client.get(f"/sla/calendars/{calendar.id}").get_data(as_text=True)
    assert "пн: 09:00-18:00" in page
    response = client.post(f"/sla/calendars/{calendar.id}", data={
        "name": "Офис", "timezone": "Europe/Moscow", "country": "RU",
        "intervals": "пн: 09:00-18:00\nвторник: 10:00-18:00\nср: 09:00-18:00\nчт: 09:00-18:00\nпт: 09:00-17:00"})
    assert response.status_code == 302
    db.session.expire_all()
    calendar = db.session.get(BusinessCalendar, calendar.id)
    assert calendar.intervals["tue"] == [["10:00", "18:00"]] and calendar.country == "RU"
    fields = {c[0] for c in _audit(db, "calendar", calendar.id)}
    assert {"intervals", "country"} <= fields
    bad = client.post(f"/sla/calendars/{calendar.id}", data={"name": "Офис", "timezone": "Mars/Olympus",
                                                             "intervals": "пн: 09:00-18:00"})
    assert bad.status_code == 422
    db.session.expire_all()
    assert db.session.get(BusinessCalendar, calendar.id).timezone == "Europe/Moscow"
    data = {"name": "Стандарт", "calendar_id": calendar.id} | {
        f"{p}_{k}": v for p in ("low", "normal", "high", "critical") for k, v in (("response", 60), ("resolution", 480))}
    data["critical_response"] = 15
    assert client.post(f"/sla/policies/{policy.id}", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(SlaPolicy, policy.id).target("critical").response_minutes == 15
    (change,) = [c for c in _audit(db, "policy", policy.id) if c[0] == "targets"]
    assert "critical: 60/480" in change[1] and "critical: 15/480" in change[2]


# --- the mail outbox and the audit page -------------------------------------------------------------

def test_admins_read_a_messages_body(client, make, login, db):
    login(make.user("admin"))
    message = MailMessage(recipient="c@example.com", subject="Заявка 7", body="Текст письма клиенту", status="sent")
    db.session.add(message)
    db.session.commit()
    page = client.get(f"/admin/mail/{message.id}").get_data(as_text=True)
    assert "Текст письма клиенту" in page and "c@example.com" in page
    assert f"/admin/mail/{message.id}" in client.get("/admin/mail/").get_data(as_text=True)


def test_the_audit_page_lists_changes_by_kind(client, make, login, db):
    login(make.user("manager"))
    save_service(None, code="X1", name_ru="Услуга", billing="free", actor=make.user("admin"))
    db.session.commit()
    page = client.get("/admin/audit/?entity=service").get_data(as_text=True)
    assert "X1: Услуга" in page
    assert "X1: Услуга" not in client.get("/admin/audit/?entity=user").get_data(as_text=True)


# --- a new client from the ticket form ----------------------------------------------------------------

def test_registering_a_client_from_the_ticket_form_returns_to_the_half_filled_form(client, make, login, db):
    login(make.user("engineer"))
    picker = client.get("/clients/picker?q=7707083893").get_data(as_text=True)
    assert 'formaction="/tickets/new/register-client"' in picker
    response = client.post("/tickets/new/register-client", data={
        "q": "7707083893", "subject": "Не печатает принтер", "description": "Бухгалтерия, HP 1102",
        "priority": "high", "channel": "phone", "assignee_id": "0", "resolution_due_at": ""})
    assert response.status_code == 302 and "inn=7707083893" in response.location and "back=ticket" in response.location
    form = client.get(response.location).get_data(as_text=True)
    assert 'value="7707083893"' in form and 'id="ticket-kept"' in form
    manager = make.user("manager")
    created = client.post(response.location, data={"name": "ООО «Сбер»", "inn": "7707083893", "country": "RU",
                                                   "timezone": "Europe/Moscow", "account_manager_id": manager.id,
                                                   "low_balance_unit": ""})
    assert created.status_code == 302 and "draft=1" in created.location
    ticket_form = client.get(created.location).get_data(as_text=True)
    assert 'value="Не печатает принтер"' in ticket_form and "Бухгалтерия, HP 1102" in ticket_form
    assert re.search(r'<option selected value="high">', ticket_form)
    assert 'value="Не печатает принтер"' in ticket_form and "ООО «Сбер»" in ticket_form
