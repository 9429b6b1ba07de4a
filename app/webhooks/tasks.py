"""Webhooks' scheduled job (registered with its schedule in `app.scheduler`) and `flask webhooks send`."""
import click
from flask.cli import with_appcontext

from app.core.types import utcnow
from app.core.uow import job_transaction
from app.webhooks.operations import FAN_OUT_BATCH, DeliveryReport, deliver_due, fan_out


def webhook_job(holder: str = "scheduler") -> DeliveryReport:
    """Turn new outbox events into deliveries (batches of 1,000, each its own transaction), then
    post what is due (no transaction stays open while a receiver is being talked to)."""
    seen = FAN_OUT_BATCH
    while seen == FAN_OUT_BATCH:
        with job_transaction():
            seen, _made = fan_out(utcnow())
    return deliver_due(holder=holder)


webhooks_cli = click.Group("webhooks", help="Webhook deliveries.")


@webhooks_cli.command("send")
@with_appcontext
def send_command():
    """Make and post what is due now (the scheduler does this every HOURDESK_WEBHOOK_TICK_SECONDS)."""
    report = webhook_job(holder="cli")
    click.echo(f"delivered {report.delivered}, retrying {report.retrying}, failed {report.failed}")
