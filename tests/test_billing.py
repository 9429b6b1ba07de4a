"""Billing through the API and the operations: the profile, invoices and their PDF, statement
imports (idempotent, concurrent), matching and its undo with the ledger, advances, renewals and
reminders on a schedule, acts, and every kind of bad input refused with nothing written."""
import shutil
import subprocess
import threading
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.billing import operations as billing
from app.billing import queries as billing_queries
from app.billing.models import Act, BankStatement, BillingEvent, Invoice, Payment, PaymentAllocation
from app.billing.tasks import billing_job
from app.contracts.models import Contract, HourLot, LedgerEntry
from app.contracts.operations import create_contract, save_service
from app.contracts.queries import client_balance
from app.notifications.delivery import deliver_due
from app.notifications.models import MailAttachment, MailMessage
from app.tickets.operations import add_line, set_status
from tests.billing_files import BILLING_PROFILE, OUR_ACCOUNT, Doc, camt053, one_c
from tests.conftest import office_day, require
from tests.ledger_helpers import assert_consistent
from tests.test_api import assert_error
from tests.test_mail import smtp  # noqa: F401  (a real SMTP server on loopback)


@pytest.fixture
def shop(make, db, api):
    """Our billing profile, two client companies (Ромашка with a contract priced per hour, Лютик),
    a manager, an engineer and a contact of each client, with API helpers."""
    class Shop:
        pass
    s = Shop()
    billing.save_profile(None, **BILLING_PROFILE)
    s.manager = make.user("manager", email="boss@hourdesk.example")
    s.admin = make.user("admin")
    s.engineer = make.user("engineer")
    s.a = make.client(name="ООО «Ромашка»", inn="7707083893", email="office@romashka.example",
                      account_manager=s.manager)
    s.b = make.client(name="АО «Лютик»", inn="7736207543")
    s.contact_a = make.user("client", client=s.a, email="anna@romashka.example")
    s.contact_b = make.user("client", client=s.b, email="bob@lutik.example")
    db.session.commit()
    s.boss, s.staff = api(s.manager), api(s.engineer)
    s.api_a, s.api_b = api(s.contact_a), api(s.contact_b)

    def invoice(client=None, total="15000.00", minutes=600, **kw):
        client = client or s.a
        body = {"client_id": client.id, "lines": [{"name": "Пакет часов поддержки", "quantity": "1", "unit": "шт",
                                                   "price": total}], **kw}
        if minutes:
            body["grants"] = {"minutes": minutes, "valid_from": date.today().isoformat(),
                              "valid_until": (date.today() + timedelta(days=364)).isoformat()}
        response = s.boss.post("/api/v1/invoices", json=body)
        assert response.status_code == 201, response.json
        return response.json

    def upload(data: bytes):
        return s.boss.post("/api/v1/bank-statements", data=data, headers={"Content-Type": "application/octet-stream"})

    s.invoice, s.upload = invoice, upload
    return s


def _count(model, *where) -> int:
    return billing.db.session.scalar(select(func.count()).select_from(model).where(*where))


def _invoice(invoice_id) -> Invoice:
    billing.db.session.commit()
    return billing.db.session.get(Invoice, invoice_id, populate_existing=True)


# --- profile, invoices, documents -----------------------------------------------------------------

def test_the_profile_is_set_by_admins_and_checked(shop, api):
    admin = api(shop.admin)
    body = {**BILLING_PROFILE, "vat": "none", "invoice_prefix": "SK"}
    ok = admin.put("/api/v1/billing/profile", json=body)
    assert ok.status_code == 200 and ok.json["vat"] == "none" and ok.json["invoice_prefix"] == "SK"
    assert_error(shop.boss.put("/api/v1/billing/profile", json=body), 403)
    for bad, field in [({"vat": "122"}, "vat"), ({"vat": "много"}, "vat"), ({"inn": "7704340311"}, "inn"),
                       ({"account": "40702810900000000001"}, "account"), ({"bik": "12345"}, "bik"),
                       ({"invoice_prefix": "HD-1"}, "invoice_prefix"), ({"reminder_days": "x"}, "reminder_days")]:
        assert_error(admin.put("/api/v1/billing/profile", json={**body, **bad}), 422, field=field)
    assert shop.boss.get("/api/v1/billing/profile").json["invoice_prefix"] == "SK"   # nothing else written


def test_an_invoice_is_numbered_totalled_with_vat_and_sent_with_its_pdf(shop, db):
    body = shop.invoice(total="12200.00")
    assert body["number"] == f"HD-{date.today().year}-00001" and body["status"] == "issued"
    assert (body["total"], body["vat_amount"], body["vat"]) == ("12200.00", "2200.00", "22")
    assert body["due_date"] == (date.today() + timedelta(days=5)).isoformat()
    second = shop.invoice(total="100.50", minutes=None)
    assert second["number"].endswith("-00002") and second["grants"] is None
    mails = db.session.scalars(select(MailMessage).where(MailMessage.subject.contains(body["number"]))).all()
    assert {m.recipient for m in mails} == {"anna@romashka.example", "office@romashka.example", "boss@hourdesk.example"}
    (attachment,) = mails[0].attachments
    assert attachment.filename == f"{body['number']}.pdf" and attachment.content.startswith(b"%PDF")


def test_the_invoice_pdf_holds_both_parties_the_number_the_total_and_the_amount_in_words(shop, tmp_path):
    require(shutil.which("pdftotext") is not None, "pdftotext is not installed (apt-get install poppler-utils)")
    body = shop.invoice(total="12345.67")
    response = shop.api_a.get(f"/api/v1/invoices/{body['id']}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(response.data)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert BILLING_PROFILE["inn"] in text and "7707083893" in text and body["number"] in text
    assert "12 345,67" in text and "Двенадцать тысяч триста сорок пять рублей 67 копеек" in text
    assert "В том числе НДС 22%" in text and f"Оплата по счету {body['number']}" in text


def test_a_payment_qr_follows_gost_r_56042():
    from app.billing.documents import payment_qr_payload
    from app.billing.models import BillingProfile

    profile = BillingProfile(**{k: v for k, v in BILLING_PROFILE.items() if k not in ("vat",)}, vat_rate=None)
    invoice = Invoice(number="HD-2026-00042", total=Decimal("1500.00"), paid_amount=Decimal("0"), status="issued")
    payload = payment_qr_payload(profile, invoice, "Оплата по счету HD-2026-00042 | без НДС")
    assert payload.startswith("ST00012|Name=ООО «Часы поддержки»|PersonalAcc=" + OUR_ACCOUNT)
    assert "|BIC=044525225|" in payload and "|Sum=150000|" in payload and "|PayeeINN=7704340310" in payload
    assert "Purpose=Оплата по счету HD-2026-00042 без НДС" in payload   # a | inside a value would break the fields


@pytest.mark.parametrize("body, code", [
    ({"lines": []}, "no_lines"),
    ({"lines": [{"name": "x", "quantity": "1", "price": "-5.00"}]}, "invalid_amount"),
    ({"lines": [{"name": "x", "quantity": "1", "price": "1500,00"}]}, "invalid_amount"),
    ({"lines": [{"name": "x", "quantity": "0", "price": "10.00"}]}, "invalid_quantity"),
    ({"lines": [{"name": "", "quantity": "1", "price": "10.00"}]}, "invalid_line_name"),
    ({"lines": [{"name": "x", "quantity": "1", "price": "0.00"}]}, "invalid_total"),
    ({"lines": [{"name": "x", "quantity": "1", "price": "10.00"}], "grants": {"minutes": -5, "valid_from": "2026-01-01",
                                                                             "valid_until": "2026-12-31"}}, "invalid_minutes"),
    ({"client_id": 999999, "lines": [{"name": "x", "quantity": "1", "price": "10.00"}]}, "unknown_client"),
])
def test_a_bad_invoice_is_refused_and_nothing_is_written(shop, body, code):
    response = shop.boss.post("/api/v1/invoices", json={"client_id": shop.a.id, **body})
    assert_error(response, 422, code)
    assert _count(Invoice) == 0 and _count(MailMessage) == 0


def test_a_draft_is_edited_an_issued_invoice_is_cancelled_not_edited(shop, db):
    draft = shop.invoice(issue=False)
    assert draft["status"] == "draft" and draft["number"] is None
    invoice = db.session.get(Invoice, draft["id"])
    billing.update_draft(invoice, shop.manager, lines=[billing.LineInput("Другое название", 2, "700.00", "ч")])
    db.session.commit()
    assert (invoice.total, invoice.lines[0].name) == (Decimal("1400.00"), "Другое название")
    assert shop.boss.post(f"/api/v1/invoices/{invoice.id}/issue").status_code == 200
    with pytest.raises(billing.Conflict):
        billing.update_draft(invoice, shop.manager, lines=[billing.LineInput("x", 1, "1.00")])
    db.session.rollback()
    assert_error(shop.boss.post(f"/api/v1/invoices/{invoice.id}/cancel", json={"reason": " "}), 422)
    cancelled = shop.boss.post(f"/api/v1/invoices/{invoice.id}/cancel", json={"reason": "клиент просит другое имя"})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert_error(shop.boss.post(f"/api/v1/invoices/{invoice.id}/cancel", json={"reason": "ещё раз"}), 409)
    assert {"invoice_cancelled", "invoice_edited", "invoice_issued"} <= set(
        db.session.scalars(select(BillingEvent.action).where(BillingEvent.invoice_id == invoice.id)))


def test_contacts_see_only_their_own_companys_issued_invoices_and_sent_acts(shop, db):
    mine = shop.invoice()
    theirs = shop.invoice(client=shop.b)
    draft = shop.invoice(issue=False)
    assert [i["id"] for i in shop.api_a.get("/api/v1/invoices").json["items"]] == [mine["id"]]
    assert shop.api_a.get(f"/api/v1/invoices?client_id={shop.b.id}").json["items"] == []
    for url in (f"/api/v1/invoices/{theirs['id']}", f"/api/v1/invoices/{theirs['id']}/pdf",
                f"/api/v1/invoices/{draft['id']}", "/api/v1/invoices/99999"):
        assert_error(shop.api_a.get(url), 404)
    create_contract(shop.b, number="L-1", starts_on=office_day().replace(day=1), months=12,
                               hours_per_month=5, hour_price="2000.00")
    act = billing.create_act(shop.b, office_day(), shop.manager)
    db.session.commit()
    assert_error(shop.api_b.get(f"/api/v1/acts/{act.id}/pdf"), 404)            # a draft is not the client's yet
    billing.send_act(act, shop.manager)
    db.session.commit()
    assert shop.api_b.get(f"/api/v1/acts/{act.id}/pdf").status_code == 200
    assert_error(shop.api_a.get(f"/api/v1/acts/{act.id}/pdf"), 404)
    assert [a["id"] for a in shop.api_b.get("/api/v1/acts").json["items"]] == [act.id]
    assert shop.api_a.get("/api/v1/acts").json["items"] == []
    # a contact's client filter never widens what it sees
    assert [a["id"] for a in shop.api_b.get(f"/api/v1/acts?client_id={shop.a.id}").json["items"]] == [act.id]


# --- statements, matching, undo ---------------------------------------------------------------------

def test_a_statement_pays_the_invoice_named_in_it_and_grants_its_hours_once(shop, db):
    body = shop.invoice(total="15000.00", minutes=600)
    data = one_c([Doc("15000.00", f"Оплата по счету {body['number']} за ИТС. НДС не облагается"),
                  Doc("700.00", "Возврат займа", payer_inn="7709999999", number="5"),
                  Doc("999.00", "Аренда", payer_account=OUR_ACCOUNT, payee_account="40702810500000000999",
                      payee_inn="7702070139", number="6")])
    first = shop.upload(data)
    assert first.status_code == 201
    assert {k: first.json[k] for k in ("payments", "new", "duplicates", "auto_matched", "unmatched")} == \
        {"payments": 2, "new": 2, "duplicates": 0, "auto_matched": 1, "unmatched": 1}
    again = shop.upload(data)     # the same file again: nothing recorded or paid twice
    assert again.status_code == 201 and (again.json["new"], again.json["duplicates"]) == (0, 2)
    overlapping = shop.upload(camt053([Doc("15000.00", f"Оплата по счету {body['number']} за ИТС. НДС не облагается"),
                                       Doc("300.00", "Оплата сч. 77", number="8", payer_inn="7736207543")]))
    assert (overlapping.json["new"], overlapping.json["duplicates"]) == (1, 1)   # the camt copy of the same payment
    assert _count(Payment) == 3
    invoice = _invoice(body["id"])
    assert (invoice.status, invoice.paid_amount) == ("paid", Decimal("15000.00"))
    assert _count(HourLot, HourLot.source == "purchase") == 1 and client_balance(shop.a.id) == 600
    paid = shop.boss.get("/api/v1/payments?status=auto").json["items"]
    assert len(paid) == 1 and paid[0]["rule"] == "number_inn_amount"
    assert paid[0]["allocations"] == [{"invoice_id": invoice.id, "amount": "15000.00"}]
    # the company and its account manager hear that the hours are there
    told = db.session.scalars(select(MailMessage.recipient).where(MailMessage.subject.contains("Payment received")))
    assert set(told) == {"anna@romashka.example", "office@romashka.example", "boss@hourdesk.example"}
    billing.check_consistency(invoice)
    assert_consistent(shop.a.id)


def test_a_statement_tells_integrations_what_it_paid_and_what_it_left_to_a_person(shop, db):
    """invoice.paid and payment.unmatched go to the event outbox (webhooks deliver them); undoing
    a match leaves the payment to a person again, and says so."""
    from app.core.events import OutboxEvent

    def told(event):
        return [e.payload for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.event == event)
                                                        .order_by(OutboxEvent.id))]
    body = shop.invoice(total="15000.00", minutes=600)
    shop.upload(one_c([Doc("15000.00", f"Оплата по счету {body['number']} за ИТС. НДС не облагается"),
                       Doc("700.00", "Возврат займа", payer_inn="7709999999", number="5")]))
    (paid,) = told("invoice.paid")
    assert (paid["invoice_id"], paid["total"], paid["paid_amount"]) == (body["id"], "15000.00", "15000.00")
    (left,) = told("payment.unmatched")
    assert (left["amount"], left["payer_inn"], left["doc_number"]) == ("700.00", "7709999999", "5")
    matched = db.session.scalars(select(Payment).where(Payment.status == "auto")).one()
    assert shop.boss.post(f"/api/v1/payments/{matched.id}/unmatch", json={"reason": "не тот счёт"}).status_code == 200
    assert [p["payment_id"] for p in told("payment.unmatched")] == [left["payment_id"], matched.id]


def test_one_statement_paying_many_hour_packs_grants_each_once_and_keeps_every_cache_exact(shop, db):
    """A statement's grants are written together (lots and entries as rows, each client's cached
    balance moved once by their sum): the caches still equal the entries, each lot is its own, and
    each client hears one balance.changed."""
    from app.core.events import OutboxEvent
    packs_a = [shop.invoice(total=f"{1000 + n}.00", minutes=60 * (n + 1)) for n in range(3)]
    pack_b = shop.invoice(client=shop.b, total="2500.00", minutes=150)
    partial = shop.invoice(total="9000.00", minutes=480)
    db.session.query(OutboxEvent).delete()
    db.session.commit()
    docs = [Doc(i["total"], f"Оплата сч. {i['number']}", number=str(n)) for n, i in enumerate(packs_a, 1)]
    docs += [Doc("2500.00", f"Оплата по счету {pack_b['number']}", payer_inn="7736207543", number="7"),
             Doc("4000.00", f"Частичная оплата сч. {partial['number']}", number="8")]
    assert shop.upload(one_c(docs)).json["auto_matched"] == 5
    assert client_balance(shop.a.id) == 60 + 120 + 180 and client_balance(shop.b.id) == 150
    lots = {lot.granted_minutes: lot for lot in db.session.scalars(select(HourLot).where(HourLot.source == "purchase"))}
    assert sorted(lots) == [60, 120, 150, 180]   # the partly paid invoice grants nothing yet
    for body in [*packs_a, pack_b]:
        invoice = _invoice(body["id"])
        assert invoice.status == "paid" and invoice.granted_lot.granted_minutes == body["grants"]["minutes"]
        assert invoice.granted_lot.remaining_minutes == invoice.granted_lot.granted_minutes
        assert invoice.granted_lot.client_id == invoice.client_id
    assert _invoice(partial["id"]).status == "partially_paid" and _invoice(partial["id"]).granted_at is None
    told = [e.payload["client_id"] for e in db.session.scalars(select(OutboxEvent)
                                                                .where(OutboxEvent.event == "balance.changed"))]
    assert sorted(told) == sorted([shop.a.id, shop.b.id])
    assert _count(BillingEvent, BillingEvent.action == "hours_granted") == 4
    assert _count(BillingEvent, BillingEvent.action == "payment_matched") == 5
    for client in (shop.a, shop.b):
        assert_consistent(client.id)
    # undone one by one, each takes back its own lot only
    payment = db.session.scalars(select(Payment).where(Payment.doc_number == "2")).one()
    assert shop.boss.post(f"/api/v1/payments/{payment.id}/unmatch", json={"reason": "ошибка банка"}).status_code == 200
    assert client_balance(shop.a.id) == 60 + 180
    assert_consistent(shop.a.id)


@pytest.mark.parametrize("data, words", [
    (b"not a statement at all", "not a bank statement"),
    (one_c([Doc("1500,00", "x")]), "comma"),
    (one_c([Doc("-10.00", "x")]), "positive"),
    (one_c([Doc("0.00", "x")]), "above zero"),
    (one_c([Doc("10.00", "x")], account="40702810200000000999"), "not ours"),
    (one_c([Doc("10.00", "x")], encoding="UTF-8").replace(b"UTF-8", b"Windows"), "written in utf-8"),
    (one_c([Doc("10.00", "x")])[:-30], "cut off"),
])
def test_a_bad_statement_is_a_422_with_its_line_and_nothing_is_written(shop, data, words):
    response = shop.upload(data)
    assert_error(response, 422, "invalid_statement")
    assert words in response.json["error"]["message"]
    assert "line" in response.json["error"]
    assert _count(Payment) == 0 and _count(BankStatement) == 0


def test_an_upload_over_the_limit_is_refused(shop, app, monkeypatch):
    monkeypatch.setitem(app.config, "HOURDESK_STATEMENT_MAX_BYTES", 1000)
    assert_error(shop.upload(one_c([Doc("10.00", "x" * 200, number=str(n)) for n in range(10)])), 413)
    assert _count(BankStatement) == 0


def test_a_person_matches_ignores_and_undoes_with_reasons(shop, db):
    first = shop.invoice(total="10000.00", minutes=300)
    second = shop.invoice(total="5000.00", minutes=None)
    shop.upload(one_c([Doc("16000.00", "Оплата за поддержку", number="11"),
                       Doc("500.00", "Возврат переплаты", payer_inn="7709999999", number="12")]))
    payment, refund = db.session.scalars(select(Payment).order_by(Payment.id)).all()
    assert payment.status == "unmatched" and payment.rule == "no_invoice_of_this_amount"
    assert {s["invoice_id"] for s in payment.suggestions} == {first["id"], second["id"]}
    url = f"/api/v1/payments/{payment.id}"
    assert_error(shop.boss.post(url + "/match", json={"allocations": [{"invoice_id": 99999}]}), 404, "unknown_invoice")
    assert_error(shop.boss.post(url + "/match", json={"allocations": [{"invoice_id": first["id"], "amount": "1,5"}]}),
                 422, "invalid_amount")
    assert_error(shop.boss.post(url + "/match", json={"allocations": [{"invoice_id": first["id"], "amount": "20000.00"}]}),
                 422, "too_much")
    assert _count(PaymentAllocation) == 0
    matched = shop.boss.post(url + "/match", json={"allocations": [{"invoice_id": first["id"]},
                                                                   {"invoice_id": second["id"]}]})
    assert matched.status_code == 200 and matched.json["status"] == "manual"
    assert {(a["invoice_id"], a["amount"]) for a in matched.json["allocations"]} == \
        {(first["id"], "10000.00"), (second["id"], "5000.00"), (None, "1000.00")}   # the rest: an advance
    assert billing.advance_balance(shop.a.id) == Decimal("1000.00")
    assert_error(shop.boss.post(url + "/match", json={"allocations": [{"invoice_id": first["id"]}]}), 409,
                 "already_matched")
    assert_error(shop.boss.post(url + "/ignore", json={"reason": "x"}), 409)
    assert shop.boss.post(f"/api/v1/payments/{refund.id}/ignore", json={"reason": "возврат займа"}).json["status"] == \
        "ignored"
    undone = shop.boss.post(url + "/unmatch", json={"reason": "ошиблись клиентом"})
    assert undone.status_code == 200 and undone.json["status"] == "unmatched" and undone.json["allocations"] == []
    assert _invoice(first["id"]).status == "issued" and _invoice(second["id"]).paid_amount == 0
    assert billing.advance_balance(shop.a.id) == 0
    actions = set(db.session.scalars(select(BillingEvent.action).where(BillingEvent.payment_id == payment.id)))
    assert {"payment_matched_by_person", "payment_unmatched", "payment_left_to_person"} <= actions
    assert_consistent(shop.a.id)


def test_undoing_a_match_after_the_hours_were_partly_used_takes_them_back(shop, db, make):
    body = shop.invoice(total="6000.00", minutes=240)
    shop.upload(one_c([Doc("6000.00", f"Оплата сч. {body['number']}")]))
    service = save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    ticket = make.ticket(client=shop.a, actor=shop.engineer)
    add_line(ticket, shop.engineer, service=service, minutes=90)
    set_status(ticket, shop.engineer, "closed")
    db.session.commit()
    assert client_balance(shop.a.id) == 240 - 90
    payment = db.session.scalars(select(Payment)).one()
    assert shop.boss.post(f"/api/v1/payments/{payment.id}/unmatch", json={"reason": "платёж отозван банком"}).status_code \
        == 200
    assert client_balance(shop.a.id) == -90   # the person is told the balance went below zero (page); Σ holds
    reversal = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "reversal")).one()
    assert reversal.minutes == -240 and "отозван" in reversal.reason
    assert _invoice(body["id"]).granted_at is None
    assert_consistent(shop.a.id)
    # matched again by a person: the hours come back once
    assert shop.boss.post(f"/api/v1/payments/{payment.id}/match",
                          json={"allocations": [{"invoice_id": body["id"]}]}).status_code == 200
    assert client_balance(shop.a.id) == 150
    assert_consistent(shop.a.id)


def test_partial_payment_grants_on_full_payment_or_by_a_managers_decision(shop, db):
    body = shop.invoice(total="10000.00", minutes=300)
    shop.upload(one_c([Doc("4000.00", f"Частичная оплата по счету {body['number']}", number="1")]))
    invoice = _invoice(body["id"])
    assert (invoice.status, invoice.paid_amount, invoice.granted_at) == ("partially_paid", Decimal("4000.00"), None)
    assert client_balance(shop.a.id) == 0
    assert_error(shop.boss.post(f"/api/v1/invoices/{body['id']}/cancel", json={"reason": "x"}), 409, "invoice_paid")
    granted = shop.boss.post(f"/api/v1/invoices/{body['id']}/grant", json={"reason": "клиент платит частями"})
    assert granted.status_code == 200 and granted.json["granted"] is True and client_balance(shop.a.id) == 300
    assert_error(shop.boss.post(f"/api/v1/invoices/{body['id']}/grant", json={"reason": "ещё"}), 409)
    shop.upload(one_c([Doc("6000.00", f"Доплата по счету {body['number']}", number="2")]))
    assert _invoice(body["id"]).status == "paid" and client_balance(shop.a.id) == 300   # not granted twice
    assert_consistent(shop.a.id)


def test_an_overpayment_is_kept_as_advance_and_pays_the_next_invoice(shop, db):
    body = shop.invoice(total="5000.00", minutes=None)
    shop.upload(one_c([Doc("8000.00", f"Оплата по счету {body['number']} и аванс")]))
    assert billing.advance_balance(shop.a.id) == Decimal("3000.00")
    following = shop.invoice(total="2000.00", minutes=None)
    assert following["status"] == "paid" and following["paid_amount"] == "2000.00"
    assert billing.advance_balance(shop.a.id) == Decimal("1000.00")
    payment = db.session.scalars(select(Payment)).one()
    live = [a.amount for a in payment.allocations if a.reversed_at is None]
    assert sum(live) == payment.amount    # every kopeck of the payment is somewhere
    assert any(e == "advance_used" for e in db.session.scalars(select(BillingEvent.action)))


def test_two_uploads_of_the_same_statement_at_once_pay_once(shop, db, app, database_url):
    body = shop.invoice(total="15000.00", minutes=600)
    data = one_c([Doc("15000.00", f"Оплата по счету {body['number']}")] +
                 [Doc(f"{100 + n}.00", f"Оплата {n}", number=str(100 + n), payer_inn="7709999999") for n in range(30)])
    db.session.commit()
    results, errors = [], []

    def upload():
        try:
            http = FlaskClient(app)   # each request its own app context and session, like a server thread
            results.append(http.post("/api/v1/bank-statements", data=data, headers={
                    **shop.boss.headers, "Content-Type": "application/octet-stream"}).status_code)
        except Exception as exc:   # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sorted(results) == [201] * 4
    assert _count(Payment) == 31 and _count(PaymentAllocation) == 1
    assert _invoice(body["id"]).paid_amount == Decimal("15000.00")
    assert _count(LedgerEntry, LedgerEntry.kind == "grant") == 1
    assert_consistent(shop.a.id)


# --- renewals, reminders, acts ----------------------------------------------------------------------

def test_billing_run_issues_the_renewal_once_reminds_at_7_and_3_days_and_stops_after_payment(shop, db, smtp):  # noqa: F811
    contract = create_contract(shop.a, number="ИТС-15", starts_on=date(2026, 1, 1), months=12, hours_per_month=10,
                               hour_price="1500.00")
    db.session.commit()
    end = contract.ends_on                                  # 2026-12-31

    def run(days_before: int):
        billing_job(datetime.combine(end - timedelta(days=days_before), time(10), timezone.utc))
        db.session.commit()

    run(31)
    assert _count(Invoice) == 0                              # not yet: the lead is 30 days
    run(30)
    run(30)
    (renewal,) = db.session.scalars(select(Invoice)).all()
    assert (renewal.source, renewal.renews_contract_id, renewal.period_starts_on) == ("renewal", contract.id,
                                                                                      date(2027, 1, 1))
    assert renewal.total == Decimal("180000.00") and "ИТС-15" in renewal.lines[0].name
    for days in (10, 7, 6, 5, 3, 3, 1):
        run(days)
    subjects = list(db.session.scalars(select(MailMessage.subject).where(MailMessage.recipient == "anna@romashka.example")))
    assert sum("Reminder" in s for s in subjects) == 2       # 7 days and 3 days, each once
    deliver_due()
    reminders = [m for m in smtp.to("anna@romashka.example") if "Reminder" in m["Subject"]]
    assert len(reminders) == 2
    attachment = next(part for part in reminders[0].iter_attachments())
    assert attachment.get_filename() == f"{renewal.number}.pdf" and attachment.get_content().startswith(b"%PDF")
    # paid: the next period is a contract of its own, and no reminder follows
    shop.upload(one_c([Doc("180000.00", f"Оплата по счету {renewal.number}")]))
    successor = db.session.scalars(select(Contract).where(Contract.starts_on == date(2027, 1, 1))).one()
    assert successor.months == 12 and successor.granted_minutes == 12 * 600 and successor.hour_price == Decimal("1500")
    run(0)
    subjects = list(db.session.scalars(select(MailMessage.subject).where(MailMessage.recipient == "anna@romashka.example")))
    assert sum("Reminder" in s for s in subjects) == 2
    assert _count(Invoice) == 1                               # the renewed contract is not invoiced again
    assert_consistent(shop.a.id)


def test_acts_list_the_prepaid_support_paid_work_and_overage_and_are_edited_until_sent(shop, db, make):
    first = office_day().replace(day=1)
    create_contract(shop.a, number="ИТС-7", starts_on=first, months=1, hours_per_month=1, hour_price="2000.00",
                    overage_rate="3000.00")
    hourly = save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    paid = save_service(None, code="DEV", name_ru="Доработка 1С", billing="paid", rate="4000.00")
    ticket = make.ticket(client=shop.a, actor=shop.engineer)
    add_line(ticket, shop.engineer, service=hourly, minutes=90)
    add_line(ticket, shop.engineer, service=paid, minutes=30)
    set_status(ticket, shop.engineer, "closed")
    db.session.commit()
    response = shop.boss.post("/api/v1/acts", json={"client_id": shop.a.id, "month": first.strftime("%Y-%m")})
    assert response.status_code == 201, response.json
    lines = {line["name"]: (line["quantity"], line["amount"]) for line in response.json["lines"]}
    assert lines[f"Абонентское обслуживание по договору ИТС-7 за {first:%m.%Y}"] == ("1.000", "2000.00")
    assert lines["Доработка 1С"] == ("0.500", "2000.00")
    assert lines[f"Поддержка сверх оплаченных часов, {first:%m.%Y}"] == ("0.500", "1500.00")
    assert response.json["total"] == "5500.00"
    assert_error(shop.boss.post("/api/v1/acts", json={"client_id": shop.a.id, "month": first.strftime("%Y-%m")}), 409)
    assert_error(shop.boss.post("/api/v1/acts", json={"client_id": shop.b.id, "month": first.strftime("%Y-%m")}), 422,
                 "nothing_to_act")
    assert_error(shop.boss.post("/api/v1/acts", json={"client_id": shop.a.id, "month": "2026-13"}), 422)
    act = db.session.get(Act, response.json["id"])
    billing.update_act(act, shop.manager, names={act.lines[0].id: "Абонентское обслуживание 1С"}, show_kpp=False)
    billing.send_act(act, shop.manager)
    db.session.commit()
    assert act.lines[0].name == "Абонентское обслуживание 1С" and act.status == "sent"
    with pytest.raises(billing.Conflict):
        billing.update_act(act, shop.manager, names={act.lines[0].id: "другое"})
    db.session.rollback()
    sent = db.session.scalars(select(MailAttachment).where(MailAttachment.filename == f"{act.number}.pdf")).all()
    assert sent and sent[0].content.startswith(b"%PDF")


def test_billing_run_on_the_first_makes_the_acts_of_the_month_before_once(shop, db):
    create_contract(shop.a, number="ИТС-1", starts_on=date(2026, 10, 1), months=3, hours_per_month=2,
                    hour_price="1000.00")
    db.session.commit()
    for _ in range(2):
        billing_job(datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc))
        db.session.commit()
    (act,) = db.session.scalars(select(Act)).all()
    assert (act.client_id, act.month, act.total, act.status) == (shop.a.id, date(2026, 11, 1), Decimal("2000.00"),
                                                                 "draft")


def test_an_hour_pack_ordered_on_the_portal_gets_its_invoice_at_once(shop, db, client, login):
    create_contract(shop.a, number="ИТС-2", starts_on=office_day().replace(day=1), months=12, hours_per_month=5,
                    hour_price="1800.00")
    db.session.commit()
    login(shop.contact_a)
    response = client.post("/portal/documents", data={"hours": "10"})
    assert response.status_code == 302
    invoice = db.session.scalars(select(Invoice)).one()
    assert (invoice.source, invoice.status, invoice.total, invoice.grant_minutes) == ("order", "issued",
                                                                                      Decimal("18000.00"), 600)
    page = client.get("/portal/documents").get_data(as_text=True)
    assert invoice.number in page
    assert client.get(f"/portal/invoices/{invoice.id}.pdf").data.startswith(b"%PDF")
    login(shop.contact_b)
    assert client.get(f"/portal/invoices/{invoice.id}.pdf").status_code == 404
    refused = client.post("/portal/documents", data={"hours": "10"})    # Лютик's contract has no hour price
    assert refused.status_code == 422 and "hour price" in refused.get_data(as_text=True)
    assert _count(Invoice) == 1


def test_flask_billing_run_at_a_given_instant(shop, db, app):
    contract = create_contract(shop.a, number="ИТС-9", starts_on=date(2026, 3, 1), months=6, hours_per_month=4,
                               hour_price="1250.00")
    db.session.commit()
    runner = app.test_cli_runner()
    at = datetime.combine(contract.ends_on - timedelta(days=30), time(9), timezone.utc).isoformat()
    first = runner.invoke(args=["billing", "run", "--at", at])
    assert first.exit_code == 0 and "renewal invoices 1" in first.output
    again = runner.invoke(args=["billing", "run", "--at", at])
    assert again.exit_code == 0 and "renewal invoices 0" in again.output
    bad = runner.invoke(args=["billing", "run", "--at", "вчера"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output
    db.session.commit()
    assert _count(Invoice) == 1 and db.session.scalars(select(Invoice)).one().total == Decimal("30000.00")


def test_a_fully_paid_invoice_is_not_cancelled_until_its_payment_is_undone(shop, db):
    body = shop.invoice(total="3000.00", minutes=60)
    shop.upload(one_c([Doc("3000.00", f"Оплата по счету {body['number']}")]))
    assert_error(shop.boss.post(f"/api/v1/invoices/{body['id']}/cancel", json={"reason": "ошибка"}), 409, "invoice_paid")
    payment = db.session.scalars(select(Payment)).one()
    shop.boss.post(f"/api/v1/payments/{payment.id}/unmatch", json={"reason": "счёт выставлен по ошибке"})
    assert shop.boss.post(f"/api/v1/invoices/{body['id']}/cancel", json={"reason": "ошибка"}).json["status"] == "cancelled"
    assert client_balance(shop.a.id) == 0
    assert_consistent(shop.a.id)


def test_the_billing_reports_show_receivables_by_age_the_automatic_share_and_hours(shop, db, client, login):
    old = shop.invoice(total="1000.00", minutes=None)
    invoice = db.session.get(Invoice, old["id"])
    invoice.due_on = office_day() - timedelta(days=45)      # 45 days overdue
    shop.invoice(total="2500.00", minutes=None)              # not due yet
    paid = shop.invoice(client=shop.b, total="700.00", minutes=120)
    db.session.commit()
    shop.upload(one_c([Doc("700.00", f"Оплата {paid['number']}", payer_inn="7736207543", number="1"),
                       Doc("50.00", "Непонятно что", payer_inn="7709999999", number="2")]))
    rows = {r.client_name: r for r in billing_queries.receivables(office_day())}
    assert rows["ООО «Ромашка»"].buckets["31_60"] == Decimal("1000.00")
    assert rows["ООО «Ромашка»"].buckets["not_due"] == Decimal("2500.00") and "АО «Лютик»" not in rows
    (month,) = billing_queries.matching_by_month(date(2026, 1, 1))
    assert (month.auto, month.unmatched, month.automatic_share) == (1, 1, 1.0)
    hours = billing_queries.hours_sold_and_used(office_day(), office_day(), "Europe/Moscow")
    assert hours[-1].sold_minutes == 120
    login(shop.manager)
    page = client.get("/billing/reports").get_data(as_text=True)
    assert "1,000.00" in page and "100 %" in page


def test_the_invoice_form_and_the_client_details_form(shop, db, client, login):
    login(shop.manager)
    refused = client.post(f"/billing/clients/{shop.a.id}", data={"emails": "buh@romashka.example\nне адрес"})
    assert refused.status_code == 422 and "не адрес" in refused.get_data(as_text=True)
    saved = client.post(f"/billing/clients/{shop.a.id}", data={"legal_name": "Общество «Ромашка»", "kpp": "770701001",
                                                               "emails": "buh@romashka.example", "show_kpp": "y"})
    assert saved.status_code == 302
    form = {"client_inn": shop.a.inn, "lines-0-name": "Выезд инженера", "lines-0-quantity": "2", "lines-0-unit": "ч",
            "lines-0-price": "2500.00", "grant_hours": "", "issue": "y"}
    assert client.post("/billing/invoices/new", data={**form, "lines-0-price": "2500,00"}).status_code == 422
    assert _count(Invoice) == 0
    created = client.post("/billing/invoices/new", data=form)
    assert created.status_code == 302
    invoice = db.session.scalars(select(Invoice)).one()
    assert (invoice.total, invoice.status) == (Decimal("5000.00"), "issued")
    mail = db.session.scalars(select(MailMessage).where(MailMessage.subject.contains(invoice.number))).all()
    assert {m.recipient for m in mail} == {"buh@romashka.example", "boss@hourdesk.example"}   # the billing address
    page = client.get(f"/billing/invoices/{invoice.id}").get_data(as_text=True)
    assert "Выезд инженера" in page and "5,000.00" in page


@pytest.mark.parametrize("value, text", [("20.000", "20"), ("1.500", "1.5"), ("0.125", "0.125"), ("100", "100")])
def test_quantities_read_as_people_write_them(value, text):
    from app.billing.routes import quantity_text
    assert quantity_text(Decimal(value)) == text


def test_an_hourly_run_renders_no_pdf_for_a_reminder_already_sent(shop, db, monkeypatch):
    contract = create_contract(shop.a, number="ИТС-3", starts_on=date(2026, 1, 1), months=12, hours_per_month=1,
                               hour_price="1000.00")
    db.session.commit()
    at = lambda days: datetime.combine(contract.ends_on - timedelta(days=days), time(10), timezone.utc)  # noqa: E731
    billing_job(at(30))
    billing_job(at(7))
    from app.billing import documents
    rendered = []
    real = documents.invoice_pdf
    monkeypatch.setattr(documents, "invoice_pdf", lambda *a, **kw: rendered.append(1) or real(*a, **kw))
    for _ in range(3):
        billing_job(at(6))          # the 7-day reminder went out yesterday: nothing to render
    assert rendered == []
    billing_job(at(3))
    assert rendered == [1]
