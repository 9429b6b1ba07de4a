"""Pieces every capability shares: the unit of work, domain errors, web helpers, live events,
leases, column types. It names no capability (docs/architecture.md)."""
