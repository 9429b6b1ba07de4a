"""Support contracts, the service catalogue, specification lines and the hour ledger.

Knows tickets by id only; never imports `app.tickets` (docs/architecture.md)."""
