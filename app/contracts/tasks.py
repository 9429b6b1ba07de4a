"""The ledger's scheduled job (registered with its schedule in `app.scheduler`) and its command.
Thin: open a unit of work, call the operation, commit."""
import click
from flask import current_app
from flask.cli import with_appcontext

from app.contracts import operations
from app.core.types import utcnow
from app.core.uow import job_transaction


def expire_lots_job() -> int:
    """Expire (or roll over) lots past their date; safe to run twice, it finds nothing left."""
    with job_transaction():
        entries = operations.expire_lots(utcnow())
    if entries:
        current_app.logger.info("ledger expiry wrote %d entries", len(entries))
    return len(entries)


ledger_cli = click.Group("ledger", help="Hour ledger maintenance.")


@ledger_cli.command("expire")
@with_appcontext
def expire():
    """Expire unused minutes of lots past their date (rollover where the contract says so)."""
    click.echo(f"{expire_lots_job()} ledger entries written")
