"""SLA policies, business calendars and the deadlines computed on them."""
