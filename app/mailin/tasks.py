"""`flask mail receive`: a message from the mail server's pipe (e.g. Postfix `mailbox_command` or an
alias `| flask mail receive`). The exit status tells the server what to do: 0 — taken (a ticket, a
reply, triage, or a refusal that is recorded), 75 (EX_TEMPFAIL) — try again later (the database was
not reachable), so no message is lost."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError, OperationalError

from app.core.uow import job_transaction
from app.mailin.operations import receive

EX_TEMPFAIL = 75


@click.command("receive")
@with_appcontext
def receive_command():
    """Read one message from standard input and take it."""
    raw = sys.stdin.buffer.read()
    try:
        outcome = _take(raw, source="pipe")
    except OperationalError as exc:
        click.echo(f"temporary failure, try again later: {exc.orig}", err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(outcome)


def _take(raw: bytes, *, source: str) -> str:
    """Take one message in its own transaction; the same message taken at once by another reader
    (the unique Message-ID) is the other's."""
    try:
        with job_transaction():
            record = receive(raw, source=source)
            outcome = f"{record.status} {record.message_id}" + (f" ticket #{record.ticket_id}" if record.ticket_id else "")
    except IntegrityError:
        current_app.logger.info("message taken by another reader at the same time")
        return "duplicate"
    return outcome
