"""Inbound mail's scheduled job (registered with its schedule in `app.scheduler`) and the commands:
`flask mail receive` (one message from the mail server's pipe, e.g. Postfix `mailbox_command` or an
alias `| flask mail receive`) and `flask mail fetch` (read the IMAP mailbox once). The pipe's exit
status tells the server what to do: 0 — taken (a ticket, a reply, triage, or a recorded refusal),
75 (EX_TEMPFAIL) — try again later (the database was out of reach), so no message is lost."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from app.mailin.imap import FetchReport, fetch_mail
from app.mailin.intake import take

EX_TEMPFAIL = 75


def mail_in_job(holder: str = "scheduler") -> FetchReport:
    """Take the mailbox's new mail, then wait on IDLE (where offered) until about the next run."""
    idle = max(current_app.config["HOURDESK_IMAP_TICK_SECONDS"] - 5, 0)
    return fetch_mail(holder=holder, idle_seconds=idle)


@click.command("receive")
@with_appcontext
def receive_command():
    """Read one message from standard input and take it."""
    raw = sys.stdin.buffer.read()
    try:
        outcome = take(raw, source="pipe")
    except OperationalError as exc:
        click.echo(f"temporary failure, try again later: {exc.orig}", err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(outcome)


@click.command("fetch")
@with_appcontext
def fetch_command():
    """Read the IMAP mailbox once (the scheduler does this every HOURDESK_IMAP_TICK_SECONDS)."""
    if not current_app.config["HOURDESK_IMAP_HOST"]:
        raise click.ClickException("HOURDESK_IMAP_HOST is not set: there is no mailbox to read.")
    report = fetch_mail(holder="cli")
    click.echo(f"taken {report.taken}, failed {report.failed}")
