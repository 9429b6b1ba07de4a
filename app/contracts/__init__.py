"""Support contracts, the service catalogue, specification lines and the hour ledger (issue 3).

Knows tickets by id only; never imports `app.tickets` (DESIGN.md, "Who may import whom")."""
