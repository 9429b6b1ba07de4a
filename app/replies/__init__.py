"""Canned replies: staff-wide and personal templates with placeholders (client, contact, ticket
number, balance…), filled in for the ticket at hand and inserted into a comment in one keystroke."""
