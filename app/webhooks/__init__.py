"""Webhooks: admins register endpoints that hear the desk's domain events, delivered from the event
outbox as signed JSON with retries (docs/webhooks.md)."""
