"""Billing's scheduled job (registered with its schedule in `app.scheduler`) and `flask billing run`."""
from datetime import datetime, timezone

import click
from flask.cli import with_appcontext

from app.billing.operations import RunReport, run_billing
from app.core.types import utcnow
from app.core.uow import job_transaction


def billing_job(at: datetime | None = None) -> RunReport:
    """Renewal invoices, reminders and the month's acts that are due at `at` (default: now)."""
    with job_transaction():
        return run_billing(at or utcnow())


billing_cli = click.Group("billing", help="Invoices, reminders and acts.")


@billing_cli.command("run")
@click.option("--at", "at", default=None, help="Do what is due at this instant (ISO 8601), e.g. 2026-12-01T09:00+03:00.")
@with_appcontext
def run(at: str | None):
    """Do the billing work due now or at --at: what the scheduler runs every hour."""
    when = None
    if at:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            raise click.BadParameter(f"{at!r} is not an ISO 8601 time", param_hint="--at") from None
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    report = billing_job(when)
    click.echo(f"renewal invoices {report.renewals}, reminders {report.reminders}, acts {report.acts}")
