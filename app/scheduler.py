"""`flask scheduler run`: the process that runs scheduled jobs (APScheduler).

Jobs keep their state in the database, so a restart loses nothing, and every job is safe to run
twice. Even so, exactly one scheduler acts: each tick first takes (or renews) a lease row in the
database; a second scheduler started by mistake stays idle until the first one's lease lapses.
"""
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app
from flask.cli import with_appcontext

from app.billing.tasks import billing_job
from app.contracts.tasks import expire_lots_job
from app.core import lease
from app.core.types import utcnow
from app.mailin.tasks import mail_in_job
from app.notifications.tasks import expiry_notices_job, mail_job
from app.tickets.tasks import announce_job, auto_close_job, sla_job
from app.webhooks.tasks import webhook_job

LEASE_NAME = "scheduler"


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _leader_only(app, fn, holder: str):
    """Run `fn` in an app context, but only while this process holds the scheduler lease."""
    def run():
        with app.app_context():
            ttl = timedelta(seconds=app.config["HOURDESK_SCHEDULER_LEASE_SECONDS"])
            if not lease.acquire(LEASE_NAME, holder, utcnow(), ttl):
                return
            fn()
    run.__name__ = getattr(fn, "__name__", "job")
    return run


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    name: str
    #: the job itself, which lives with its capability (its `tasks.py`); returns how much it did
    run: Callable[[], object]
    trigger: BaseTrigger


def scheduled_jobs(config, holder: str) -> list[ScheduledJob]:
    """Every scheduled job with its schedule: the one list to read to know what runs when."""
    tz = config["HOURDESK_OFFICE_TIMEZONE"]
    return [
        ScheduledJob("ledger_expiry", "expire hour lots", expire_lots_job, CronTrigger(hour=0, minute=5, timezone=tz)),
        ScheduledJob("sla_monitor", "SLA warnings and breaches", sla_job,
                     IntervalTrigger(seconds=config["HOURDESK_SLA_TICK_SECONDS"])),
        ScheduledJob("announcements", "repeat announcements of unacknowledged tickets", announce_job,
                     IntervalTrigger(seconds=config["HOURDESK_ANNOUNCE_TICK_SECONDS"])),
        ScheduledJob("mail", "send queued e-mail", partial(mail_job, holder),
                     IntervalTrigger(seconds=config["HOURDESK_MAIL_TICK_SECONDS"])),
        ScheduledJob("mail_in", "read the support mailbox (IMAP)", partial(mail_in_job, holder),
                     IntervalTrigger(seconds=config["HOURDESK_IMAP_TICK_SECONDS"])),
        ScheduledJob("webhooks", "post webhook deliveries", partial(webhook_job, holder),
                     IntervalTrigger(seconds=config["HOURDESK_WEBHOOK_TICK_SECONDS"])),
        ScheduledJob("expiry_notices", "notices of hours about to expire", expiry_notices_job,
                     CronTrigger(hour=9, minute=0, timezone=tz)),
        ScheduledJob("auto_close", "close tickets resolved long ago", auto_close_job, IntervalTrigger(minutes=15)),
        ScheduledJob("billing", "renewal invoices, reminders and acts", billing_job,
                     IntervalTrigger(minutes=config["HOURDESK_BILLING_TICK_MINUTES"])),
    ]


def build_scheduler(app, holder: str) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=app.config["HOURDESK_OFFICE_TIMEZONE"],
                                  job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    for job in scheduled_jobs(app.config, holder):
        scheduler.add_job(_leader_only(app, job.run, holder), job.trigger, id=job.id, name=job.name)
    return scheduler


scheduler_cli = click.Group("scheduler", help="The scheduled-jobs process.")


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="Run every job once now and exit (for cron or a check).")
@with_appcontext
def run(once: bool):
    """Run scheduled jobs until stopped. A second one started by mistake stays idle."""
    app = current_app._get_current_object()
    holder = holder_id()
    scheduler = build_scheduler(app, holder)
    # catch up at start: what should have run while the process was down runs now
    for job in scheduler.get_jobs():
        job.func()
    if once:
        with app.app_context():
            lease.release(LEASE_NAME, holder)
        return
    click.echo("scheduler running: " + ", ".join(job.name for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    finally:
        with app.app_context():
            lease.release(LEASE_NAME, holder)
