"""Who changed what in the office's settings and records (users, clients, contracts, services,
SLA calendars and policies, API tokens), field by field, with the reason when one was given."""
