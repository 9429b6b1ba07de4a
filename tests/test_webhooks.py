"""Webhooks against a real HTTP receiver on loopback (issue 14): admins register endpoints, events
arrive signed (the README's receiver checks the signature), an outage then recovery delivers each
event once and in order per ticket, a 410 switches the endpoint off, 24 hours of failures give up,
and a delivery can be sent again."""
import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.audit.models import AuditEntry
from app.contracts import operations as ledger_ops
from app.contracts.queries import client_balance
from app.core.types import utcnow
from app.tickets.operations import add_line, set_status, update_ticket
from app.webhooks import signature
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.operations import deliver_due, fan_out, save_endpoint
from app.webhooks.tasks import webhook_job

README = Path(__file__).resolve().parent.parent / "README.md"


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it is sent and answers `status(body)`."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.status = lambda body: 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code = receiver.status(body)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.received]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def desk(db, make):
    company = make.client()
    engineer, admin = make.user("engineer"), make.user("admin")
    service = ledger_ops.save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
    ledger_ops.create_contract(company, number="WH-1", starts_on=ledger_ops.office_today().replace(day=1), months=12,
                               hours_per_month=10)
    db.session.commit()
    return {"company": company, "engineer": engineer, "admin": admin, "service": service}


def _endpoint(db, url, events=("ticket.created", "ticket.updated", "ticket.closed", "balance.changed"), **kw):
    endpoint = save_endpoint(None, url=url, events=list(events), active=True, actor=None, **kw)
    db.session.commit()
    return endpoint


def _run(db, now=None):
    """The scheduler's job, at `now` (the delivery side can be moved in time)."""
    if now is None:
        return webhook_job(holder="test")
    with db.session.begin():
        fan_out(now)
    return deliver_due(now, holder="test")


def test_an_admin_registers_a_webhook_and_each_change_is_audited(client, db, make, login):
    login(make.user("admin"))
    bad = client.post("/admin/webhooks/new", data={"url": "ftp://1c.example/hook", "events": ["ticket.closed"],
                                                   "active": "y"})
    assert bad.status_code == 422 and "http://" in bad.get_data(as_text=True)
    none = client.post("/admin/webhooks/new", data={"url": "https://1c.example/hook", "active": "y"})
    assert none.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0
    made = client.post("/admin/webhooks/new", data={"url": "https://1c.example/hook", "description": "1С",
                                                    "events": ["ticket.closed", "invoice.paid"], "active": "y"})
    assert made.status_code == 302
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    assert endpoint.events == ["ticket.closed", "invoice.paid"] and len(endpoint.secret) >= 40
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert endpoint.secret in page and "1c.example" in page
    edited = client.post(f"/admin/webhooks/{endpoint.id}", data={"url": "https://1c.example/v2", "events": ["ticket.closed"]})
    assert edited.status_code == 302
    old_secret = endpoint.secret
    assert client.post(f"/admin/webhooks/{endpoint.id}/secret").status_code == 302
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert (endpoint.url, endpoint.active, endpoint.secret != old_secret) == ("https://1c.example/v2", False, True)
    fields = [e.field for e in db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "webhook")
                                                   .order_by(AuditEntry.id))]
    assert fields[0] == "created" and {"url", "events", "active", "secret_rotated"} <= set(fields)


def test_events_arrive_signed_with_what_happened(db, desk, receiver, make):
    make.ticket(client=desk["company"], actor=desk["engineer"])   # before the endpoint: never sent
    endpoint = _endpoint(db, receiver.url)
    _run(db)
    assert receiver.received == []
    ticket = make.ticket(client=desk["company"], actor=desk["engineer"])
    add_line(ticket, desk["engineer"], service=desk["service"], minutes=50)
    set_status(ticket, desk["engineer"], "closed")
    db.session.commit()
    report = _run(db)
    assert report.delivered == len(receiver.received) >= 3 and report.failed == 0
    by_type = {event["type"]: event for event in receiver.events()}
    closed = by_type["ticket.closed"]["data"]
    assert (closed["ticket_id"], closed["debited_minutes"], closed["hourly_minutes"]) == (ticket.id, 60, 60)
    assert by_type["balance.changed"]["data"] == {"client_id": desk["company"].id,
                                                 "balance_minutes": client_balance(desk["company"].id)}
    for headers, body in receiver.received:
        assert signature.verify(endpoint.secret, headers["Hourdesk-Signature"], body, time.time())
        assert not signature.verify("another secret", headers["Hourdesk-Signature"], body, time.time())
        assert headers["Hourdesk-Event"] == json.loads(body)["type"]
        assert headers["Hourdesk-Event-Id"] == str(json.loads(body)["id"])
    # nothing is sent twice, and events from before the endpoint or not chosen never are
    assert _run(db).delivered == 0


def test_an_outage_then_recovery_delivers_each_event_once_and_in_order_per_ticket(db, desk, receiver, make):
    _endpoint(db, receiver.url, events=("ticket.created", "ticket.updated"))
    receiver.status = lambda body: 503
    tickets = [make.ticket(client=desk["company"], actor=desk["engineer"]) for _ in range(3)]
    for n in range(4):
        for ticket in tickets:
            update_ticket(ticket, desk["engineer"], priority=("low", "high", "critical", "normal")[n])
            db.session.commit()
    now = utcnow()
    first = _run(db, now)
    # one attempt per ticket: its first event fails, its later ones wait behind it
    assert (first.delivered, first.retrying) == (0, 3) and len(receiver.received) == 3
    assert _run(db, now + timedelta(seconds=10)).retrying == 0     # not due yet: nothing is tried
    receiver.status = lambda body: 200
    receiver.received.clear()
    later = now
    for _ in range(10):
        later += timedelta(hours=1)
        _run(db, later)
    events = receiver.events()
    expected = db.session.scalar(select(func.count()).select_from(WebhookDelivery))
    assert len(events) == expected == 3 * 5      # created + four updates per ticket, each once
    assert len({event["id"] for event in events}) == len(events)
    for ticket in tickets:
        ids = [event["id"] for event in events if event["data"]["ticket_id"] == ticket.id]
        assert ids == sorted(ids) and len(ids) == 5
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                             .where(WebhookDelivery.status != "delivered")) == 0


def test_an_unreachable_receiver_keeps_its_events_for_later(db, desk, make):
    _endpoint(db, "http://127.0.0.1:9/nobody-listens", events=("ticket.created",))
    make.ticket(client=desk["company"], actor=desk["engineer"])
    make.ticket(client=desk["company"], actor=desk["engineer"])
    report = _run(db, utcnow())
    assert (report.delivered, report.retrying) == (0, 1)   # the round ends at the first refusal
    waiting = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [d.status for d in waiting] == ["pending", "pending"]
    assert waiting[0].attempts == 1 and "Connection" in waiting[0].last_error and waiting[1].attempts == 0


def test_a_410_switches_the_endpoint_off(db, desk, receiver, make):
    endpoint = _endpoint(db, receiver.url, events=("ticket.created",))
    receiver.status = lambda body: 410
    make.ticket(client=desk["company"], actor=desk["engineer"])
    make.ticket(client=desk["company"], actor=desk["engineer"])
    report = _run(db)
    assert report.failed == 1 and len(receiver.received) == 1
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert endpoint.active is False and "410" in endpoint.disabled_reason
    make.ticket(client=desk["company"], actor=desk["engineer"])
    _run(db)
    assert len(receiver.received) == 1          # an endpoint switched off hears nothing
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2   # none made for it


def test_after_24_hours_a_delivery_fails_and_an_admin_sends_it_again(client, db, desk, receiver, make, login):
    endpoint = _endpoint(db, receiver.url, events=("ticket.created",))
    receiver.status = lambda body: 500
    make.ticket(client=desk["company"], actor=desk["engineer"])
    now = utcnow()
    _run(db, now)
    _run(db, now + timedelta(hours=23))
    assert _run(db, now + timedelta(hours=24, minutes=1)).failed == 1
    failed = db.session.scalars(select(WebhookDelivery)).one()
    assert (failed.status, failed.attempts, failed.last_status_code) == ("failed", 3, 500)
    receiver.status = lambda body: 204
    login(desk["admin"])
    assert client.post(f"/admin/webhooks/deliveries/{failed.id}/replay").status_code == 302
    assert _run(db).delivered == 1
    again = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.replay_of_id == failed.id)).one()
    assert again.status == "delivered" and again.replayed_by_id == desk["admin"].id
    assert receiver.received[-1][1] == receiver.received[0][1]     # the same body, the same event id
    page = client.get(f"/admin/webhooks/{endpoint.id}?status=failed").get_data(as_text=True)
    assert f"№{failed.id}" in page or f">{failed.id}<" in page


def _readme_receiver() -> str:
    section = README.read_text().split("## Webhooks", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_receiver_accepts_our_signature_and_refuses_another(db, desk, make):
    source = _readme_receiver()
    assert len(source.strip().splitlines()) <= 16
    endpoint = _endpoint(db, "http://127.0.0.1:1/placeholder", events=("ticket.created",))
    namespace: dict = {"__name__": "readme_receiver"}
    exec(compile(source.replace('b"the endpoint\'s secret"', repr(endpoint.secret.encode())), "README", "exec"),
         namespace)
    server = make_server("127.0.0.1", 0, namespace["app"], threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint.url = f"http://127.0.0.1:{server.server_port}/hourdesk"
        db.session.commit()
        make.ticket(client=desk["company"], actor=desk["engineer"])
        assert _run(db).delivered == 1
        endpoint.secret = "not what the receiver was given"
        db.session.commit()
        make.ticket(client=desk["company"], actor=desk["engineer"])
        report = _run(db)
        assert report.delivered == 0 and report.retrying == 1
        assert db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc())).first().last_status_code == 400
    finally:
        server.shutdown()
