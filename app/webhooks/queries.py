"""Read models for the webhooks pages."""
from sqlalchemy import func, select

from app.extensions import db
from app.webhooks.models import WebhookDelivery, WebhookEndpoint

PER_PAGE = 50


def endpoints_with_counts() -> list[tuple[WebhookEndpoint, dict[str, int]]]:
    """Every endpoint with how many of its deliveries wait and failed."""
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    counts: dict[int, dict[str, int]] = {}
    for endpoint_id, status, count in db.session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
            .where(WebhookDelivery.status.in_(("pending", "failed")))
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)):
        counts.setdefault(endpoint_id, {})[status] = count
    return [(endpoint, counts.get(endpoint.id, {})) for endpoint in endpoints]


def delivery_log(endpoint_id: int, *, status: str | None, page: int) -> list[WebhookDelivery]:
    """An endpoint's deliveries, newest first, a page at a time."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return list(db.session.scalars(query.order_by(WebhookDelivery.id.desc())
                                   .limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
