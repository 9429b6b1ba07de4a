"""`flask scheduler run`: the one process that runs scheduled jobs (APScheduler).

Jobs keep their state in the database, so a restart loses nothing; each job is safe to run twice.
"""
import click
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import current_app
from flask.cli import with_appcontext


def _in_app_context(app, fn):
    def run():
        with app.app_context():
            fn()
    run.__name__ = fn.__name__
    return run


def build_scheduler(app) -> BlockingScheduler:
    from app.contracts.tasks import expire_lots_job

    tz = app.config["HOURDESK_OFFICE_TIMEZONE"]
    scheduler = BlockingScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1,
                                                             "misfire_grace_time": 3600})
    scheduler.add_job(_in_app_context(app, expire_lots_job), CronTrigger(hour=0, minute=5, timezone=tz),
                      id="ledger_expiry", name="expire hour lots", next_run_time=None)
    return scheduler


scheduler_cli = click.Group("scheduler", help="The scheduled-jobs process.")


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="Run every job once now and exit (for cron or a check).")
@with_appcontext
def run(once: bool):
    """Run scheduled jobs until stopped. Start exactly one of these per installation."""
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    # catch up at start: what should have run while the process was down runs now
    for job in scheduler.get_jobs():
        job.func()
    if once:
        return
    click.echo("scheduler running: " + ", ".join(job.name for job in scheduler.get_jobs()))
    scheduler.start()
