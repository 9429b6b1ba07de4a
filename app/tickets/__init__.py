"""Tickets: registration, life cycle, comments and the change history."""
