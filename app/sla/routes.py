"""Managers' pages for business calendars and SLA policies."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.access import manager_required, staff_required
from app.core.errors import domain_errors
from app.extensions import db
from app.sla import operations
from app.sla.forms import PRIORITIES, WEEKDAY_LABELS, CalendarForm, PolicyForm, parse_intervals
from app.sla.models import BusinessCalendar, SlaPolicy

bp = Blueprint("sla", __name__, url_prefix="/sla", template_folder="templates")


def _render(calendar_form=None, policy_form=None, status=200):
    calendars = db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name)).all()
    policy_form = policy_form or PolicyForm(formdata=None)
    policy_form.calendar_id.choices = [(c.id, c.name) for c in calendars]
    return render_template("sla/index.html", calendars=calendars, PRIORITIES=PRIORITIES,
                           policies=db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.name)).all(),
                           calendar_form=calendar_form or CalendarForm(formdata=None), policy_form=policy_form,
                           WEEKDAY_LABELS=WEEKDAY_LABELS), status


@bp.get("/")
@staff_required
def index():
    return _render()


@bp.post("/calendars")
@manager_required
def create_calendar():
    form = CalendarForm()
    if form.validate_on_submit():
        with domain_errors(form, default="intervals"):
            operations.create_calendar(
                name=form.name.data, timezone=form.timezone.data.strip(), country=form.country.data or None,
                intervals=parse_intervals(form.intervals.data),
                extra_holidays=[d.strip() for d in (form.extra_holidays.data or "").split(",") if d.strip()],
                always_open=form.always_open.data)
            flash(_("Calendar saved."), "success")
            return redirect(url_for("sla.index"))
    return _render(calendar_form=form, status=422)


@bp.post("/policies")
@manager_required
def create_policy():
    form = PolicyForm()
    form.calendar_id.choices = [(c.id, c.name) for c in db.session.scalars(select(BusinessCalendar))]
    if form.validate_on_submit():
        targets = {p: {"response_minutes": getattr(form, f"{p}_response").data,
                       "resolution_minutes": getattr(form, f"{p}_resolution").data} for p in PRIORITIES}
        with domain_errors(form, default="name", fields={"targets": "name", "calendar_id": "name"}):
            operations.create_policy(name=form.name.data, calendar=db.session.get(BusinessCalendar, form.calendar_id.data),
                                     targets=targets)
            flash(_("Policy saved."), "success")
            return redirect(url_for("sla.index"))
    return _render(policy_form=form, status=422)
