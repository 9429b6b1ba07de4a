"""Webhook endpoints and their deliveries.

Events reach webhooks through the event outbox the desk already writes in every change's
transaction: `fan_out` turns outbox rows not yet seen into one delivery per subscribed endpoint (and
marks the rows), `deliver_due` posts them, signed, oldest first. A delivery whose receiver fails is
retried with a growing delay for 24 hours, then failed; a later event with the same ordering key (the
same ticket, invoice or client) waits behind it, so a receiver sees each ticket's events in order. A
410 Gone switches the endpoint off. Nothing here holds a transaction open while a receiver is
being talked to.
"""
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy import insert, select, update

from app.audit.operations import record_action, record_changes, snapshot
from app.core import lease
from app.core.db_setup import serialized_writes
from app.core.errors import Conflict, ValidationFailed
from app.core.events import OutboxEvent
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.types import utcnow
from app.extensions import db
from app.webhooks import signature
from app.webhooks.models import WebhookDelivery, WebhookEndpoint

#: the domain events an endpoint may hear (the speaker's announcements and the bell's notices stay inside)
WEBHOOK_EVENTS = {
    "ticket.created": _l("a ticket is registered"),
    "ticket.updated": _l("a ticket changes (status, priority, assignee, deadlines…)"),
    "ticket.closed": _l("a ticket is closed (with the minutes debited)"),
    "ticket.comment": _l("a comment is added"),
    "balance.changed": _l("a client's hour balance changes"),
    "sla.warning": _l("an SLA deadline is near"),
    "sla.breached": _l("an SLA deadline is missed"),
    "invoice.paid": _l("an invoice is paid in full"),
    "payment.unmatched": _l("a bank payment is left for a person to match"),
}
RETRY_FOR = timedelta(hours=24)
LEASE_NAME = "webhook-delivery"
ENDPOINT_FIELDS = ("url", "description", "events", "active")


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1, 2, 4 … minutes after the 1st, 2nd, 3rd … failed attempt, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


# --- endpoints -----------------------------------------------------------------------------------

def _clean(url: str, events, description: str) -> tuple[str, list[str], str]:
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > 500 or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(_("Enter the receiver's address: http:// or https://, at most 500 characters."),
                               code="invalid_url", field="url")
    chosen = [name for name in WEBHOOK_EVENTS if name in set(events or ())]
    if not chosen or len(chosen) != len(set(events)):
        raise ValidationFailed(_("Choose at least one event, from the list."), code="invalid_events", field="events")
    description = (description or "").strip()
    if len(description) > 200:
        raise ValidationFailed(_("The description is longer than %(n)d characters.", n=200),
                               code="description_too_long", field="description")
    return url, chosen, description


def save_endpoint(endpoint: WebhookEndpoint | None, *, url: str, events, active: bool, description: str = "",
                  actor) -> WebhookEndpoint:
    """Register an endpoint (with a new secret) or change one; each change audited. Switching an
    endpoint back on clears why the desk had switched it off; its waiting deliveries go on."""
    url, events, description = _clean(url, events, description)
    if endpoint is None:
        endpoint = WebhookEndpoint(url=url, events=events, active=bool(active), description=description,
                                   secret=secrets.token_urlsafe(32), created_by_id=actor.id if actor else None)
        db.session.add(endpoint)
        db.session.flush()
        record_action("webhook", endpoint.id, "created", actor=actor, detail=url)
        return endpoint
    before = snapshot(endpoint, ENDPOINT_FIELDS)
    endpoint.url, endpoint.events, endpoint.description = url, events, description
    if active and not endpoint.active:
        endpoint.disabled_reason = None
    endpoint.active = bool(active)
    db.session.flush()
    record_changes("webhook", endpoint.id, before, snapshot(endpoint, ENDPOINT_FIELDS), actor=actor)
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint, *, actor) -> str:
    """A new signing secret from now on (the receiver must be given it)."""
    endpoint.secret = secrets.token_urlsafe(32)
    db.session.flush()
    record_action("webhook", endpoint.id, "secret_rotated", actor=actor)
    return endpoint.secret


def replay(delivery: WebhookDelivery, *, actor) -> WebhookDelivery:
    """Send a delivery's body once more, as a new delivery in the log (same event id: a receiver
    that already has it can tell)."""
    if delivery.status == "pending":
        raise Conflict(_("This delivery is still waiting to be sent."), code="still_pending", field=None)
    again = WebhookDelivery(endpoint_id=delivery.endpoint_id, event_id=delivery.event_id, event=delivery.event,
                            ordering_key=delivery.ordering_key, body=delivery.body, replay_of_id=delivery.id,
                            replayed_by_id=actor.id if actor else None)
    db.session.add(again)
    db.session.flush()
    record_action("webhook", delivery.endpoint_id, "replayed", actor=actor, detail=f"#{delivery.id} {delivery.event}")
    return again


# --- from the outbox to deliveries --------------------------------------------------------------

def _ordering_key(payload: dict) -> str | None:
    for name in ("ticket_id", "invoice_id", "payment_id", "client_id"):
        if payload.get(name) is not None:
            return f"{name[:-3]}:{payload[name]}"
    return None


def event_body(event_id: int, event: str, created_at: datetime, payload: dict) -> str:
    """What a receiver gets: the event's id (its key for spotting a repeat), type, time and data."""
    return json.dumps({"id": event_id, "type": event, "created_at": created_at.isoformat(), "data": payload},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)


FAN_OUT_BATCH = 1000


def fan_out(now: datetime | None = None, *, limit: int = FAN_OUT_BATCH) -> tuple[int, int]:
    """One delivery per subscribed active endpoint for each outbox row webhooks have not seen,
    in the rows' order; the rows are marked seen. Returns (rows seen, deliveries made). The caller
    commits (a job transaction)."""
    now = now or utcnow()
    query = (select(OutboxEvent.id, OutboxEvent.event, OutboxEvent.payload, OutboxEvent.created_at)
             .where(OutboxEvent.webhooked_at.is_(None)).order_by(OutboxEvent.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()   # not SKIP LOCKED: a skipped row would be sent after later ones
    rows = db.session.execute(query).all()
    if not rows:
        return 0, 0
    endpoints = db.session.execute(select(WebhookEndpoint.id, WebhookEndpoint.events, WebhookEndpoint.created_at)
                                   .where(WebhookEndpoint.active.is_(True))).all()
    # an endpoint hears the events from its registration on
    deliveries = [{"endpoint_id": endpoint_id, "event_id": row.id, "event": row.event,
                   "ordering_key": _ordering_key(row.payload),
                   "body": event_body(row.id, row.event, row.created_at, row.payload),
                   "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
                  for row in rows for endpoint_id, events, since in endpoints
                  if row.event in events and row.created_at >= since]
    if deliveries:
        db.session.execute(insert(WebhookDelivery), deliveries)
    db.session.execute(update(OutboxEvent).where(OutboxEvent.id.in_([row.id for row in rows]))
                       .values(webhooked_at=now), execution_options={"synchronize_session": False})
    return len(rows), len(deliveries)


# --- posting -------------------------------------------------------------------------------------

def _record(delivery_id: int, *, now: datetime, code: int | None = None, error: str | None = None,
            delivered: bool = False, gone: bool = False) -> str:
    with serialized_writes(db.session):
        delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
        delivery.attempts += 1
        delivery.last_status_code = code
        if delivered:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
        else:
            delivery.last_error = (error or "")[:2000]
            if gone or now - delivery.created_at >= RETRY_FOR:
                delivery.status = "failed"
            else:
                delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        if gone:
            endpoint = delivery.endpoint
            endpoint.active = False
            endpoint.disabled_reason = _("The receiver answered 410 Gone on %(at)s.", at=now.isoformat(timespec="seconds"))
            record_action("webhook", endpoint.id, "disabled", actor=None, detail="410 Gone")
        status = delivery.status
        db.session.commit()
    return status


def _post(session: requests.Session, endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> requests.Response:
    body = delivery.body.encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Hourdesk-Webhooks/1",
               "Hourdesk-Event": delivery.event, "Hourdesk-Event-Id": str(delivery.event_id),
               "Hourdesk-Delivery": str(delivery.id),
               signature.HEADER: signature.sign(endpoint.secret, int(time.time()), body)}
    timeout = current_app.config["HOURDESK_WEBHOOK_TIMEOUT"]
    return session.post(endpoint.url, data=body, headers=headers, timeout=(min(5, timeout), timeout),
                        allow_redirects=False)


def deliver_due(now: datetime | None = None, *, limit: int = 500, holder: str = "webhooks") -> DeliveryReport:
    """Post each active endpoint's due deliveries, oldest first. A receiver that cannot be reached
    ends its endpoint's round (the rest waits for the next); an error answer holds back the later
    events of the same ticket (invoice, client) until the failed one is delivered or given up."""
    report = DeliveryReport()
    now = now or utcnow()
    if not lease.acquire(LEASE_NAME, holder, now, timedelta(minutes=5)):
        return report
    try:
        endpoint_ids = db.session.scalars(select(WebhookEndpoint.id).where(WebhookEndpoint.active.is_(True))
                                          .order_by(WebhookEndpoint.id)).all()
        db.session.commit()
        with requests.Session() as http:
            for endpoint_id in endpoint_ids:
                _deliver_endpoint(http, endpoint_id, now, limit, report)
    finally:
        lease.release(LEASE_NAME, holder)
    return report


def _deliver_endpoint(http: requests.Session, endpoint_id: int, now: datetime, limit: int,
                      report: DeliveryReport) -> None:
    waiting = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.ordering_key, WebhookDelivery.next_attempt_at)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .order_by(WebhookDelivery.id).limit(limit)).all()
    db.session.commit()
    held: set[str] = set()   # keys whose earlier event is still waiting: later ones wait behind it
    for delivery_id, key, next_attempt_at in waiting:
        if key is not None and key in held:
            continue
        if next_attempt_at > now:
            if key is not None:
                held.add(key)
            continue
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        delivery = db.session.get(WebhookDelivery, delivery_id)
        try:
            response = _post(http, endpoint, delivery)
        except requests.RequestException as exc:
            db.session.commit()
            _count(report, _record(delivery_id, now=now, error=f"{type(exc).__name__}: {exc}"))
            return   # unreachable: the rest of this endpoint waits for the next round
        db.session.commit()
        code = response.status_code
        if 200 <= code < 300:
            _record(delivery_id, now=now, code=code, delivered=True)
            report.delivered += 1
        elif code == 410:
            _count(report, _record(delivery_id, now=now, code=code, error="410 Gone", gone=True))
            return
        else:
            _count(report, _record(delivery_id, now=now, code=code, error=f"HTTP {code}: {response.text[:500]}"))
            if key is not None:
                held.add(key)


def _count(report: DeliveryReport, status: str) -> None:
    if status == "failed":
        report.failed += 1
    else:
        report.retrying += 1
