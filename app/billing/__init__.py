"""Billing: invoices, bank statements that credit hours by themselves, acts of completed work.

A person stays in control: every automatic step is visible, correctable and undoable. Billing grants
hours only through the contracts ledger and never imports tickets (docs/architecture.md)."""
