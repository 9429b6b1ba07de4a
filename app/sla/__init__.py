"""SLA policies, business calendars and deadlines (issue 4)."""
