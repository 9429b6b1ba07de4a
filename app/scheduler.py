"""`flask scheduler run`: the process that runs scheduled jobs (APScheduler).

Jobs keep their state in the database, so a restart loses nothing, and every job is safe to run
twice. Even so, exactly one scheduler acts: each tick first takes (or renews) a lease row in the
database; a second scheduler started by mistake stays idle until the first one's lease lapses.
"""
import os
import socket
from datetime import timedelta

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app
from flask.cli import with_appcontext

from app.core import lease
from app.core.types import utcnow

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
    run.__name__ = fn.__name__
    return run


def sla_job() -> int:
    from app.extensions import db
    from app.tickets.tasks import check_sla

    from app.core.db_setup import serialized_writes

    with serialized_writes(db.session):
        fired = check_sla(utcnow())
        db.session.commit()
    return len(fired)


def announce_job() -> int:
    from app.core.db_setup import serialized_writes
    from app.extensions import db
    from app.tickets.announce import announce_due

    with serialized_writes(db.session):
        count = announce_due(utcnow())
        db.session.commit()
    return count


def mail_job(holder: str = "scheduler") -> int:
    from app.notifications.delivery import deliver_due

    return deliver_due(holder=holder).sent


def notices_job() -> int:
    """Daily: tell clients about hours that expire soon (each lot and address once)."""
    from app.core.db_setup import serialized_writes
    from app.extensions import db
    from app.notifications.operations import notify_expiring_lots

    with serialized_writes(db.session):
        count = notify_expiring_lots(utcnow())
        db.session.commit()
    return count


def auto_close_job() -> int:
    from app.tickets.operations import auto_close_resolved

    return len(auto_close_resolved(utcnow()))


def build_scheduler(app, holder: str) -> BlockingScheduler:
    from app.contracts.tasks import expire_lots_job

    tz = app.config["HOURDESK_OFFICE_TIMEZONE"]
    scheduler = BlockingScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1,
                                                             "misfire_grace_time": 3600})
    scheduler.add_job(_leader_only(app, expire_lots_job, holder), CronTrigger(hour=0, minute=5, timezone=tz),
                      id="ledger_expiry", name="expire hour lots")
    scheduler.add_job(_leader_only(app, sla_job, holder), IntervalTrigger(seconds=app.config["HOURDESK_SLA_TICK_SECONDS"]),
                      id="sla_monitor", name="SLA warnings and breaches")
    scheduler.add_job(_leader_only(app, announce_job, holder),
                      IntervalTrigger(seconds=app.config["HOURDESK_ANNOUNCE_TICK_SECONDS"]),
                      id="announcements", name="repeat announcements of unacknowledged tickets")
    scheduler.add_job(_leader_only(app, lambda: mail_job(holder), holder),
                      IntervalTrigger(seconds=app.config["HOURDESK_MAIL_TICK_SECONDS"]), id="mail", name="send queued e-mail")
    scheduler.add_job(_leader_only(app, notices_job, holder), CronTrigger(hour=9, minute=0, timezone=tz),
                      id="expiry_notices", name="notices of hours about to expire")
    scheduler.add_job(_leader_only(app, auto_close_job, holder), IntervalTrigger(minutes=15),
                      id="auto_close", name="close tickets resolved long ago")
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
