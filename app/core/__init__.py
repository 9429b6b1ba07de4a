"""Pieces every capability package shares: column types, the unit of work, i18n helpers."""
