"""Scheduled ledger work. Thin: open a unit of work, call the operation, commit."""
import click
from flask import current_app
from flask.cli import with_appcontext

from app.contracts import operations
from app.core.db_setup import serialized_writes
from app.core.types import utcnow
from app.extensions import db


def expire_lots_job() -> int:
    """Expire (or roll over) lots past their date; safe to run twice, it finds nothing left."""
    with serialized_writes(db.session):
        entries = operations.expire_lots(utcnow())
        db.session.commit()
    if entries:
        current_app.logger.info("ledger expiry wrote %d entries", len(entries))
    return len(entries)


ledger_cli = click.Group("ledger", help="Hour ledger maintenance.")


@ledger_cli.command("expire")
@with_appcontext
def expire():
    """Expire unused minutes of lots past their date (rollover where the contract says so)."""
    click.echo(f"{expire_lots_job()} ledger entries written")
