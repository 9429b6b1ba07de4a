"""Inbound e-mail: messages read from a mailbox (IMAP) or handed over by the mail server
(`flask mail receive`) become tickets, replies on tickets, or items of the staff's triage list."""
