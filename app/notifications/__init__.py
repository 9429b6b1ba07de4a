"""E-mail notices (what to tell whom), the mail outbox and its delivery over SMTP."""
