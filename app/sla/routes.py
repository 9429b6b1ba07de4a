"""Managers' pages for business calendars and SLA policies."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.audit.queries import history
from app.auth.access import manager_required, staff_required
from app.core.errors import domain_errors
from app.core.i18n import gettext as _
from app.core.web import load_or_404
from app.extensions import db
from app.sla import operations
from app.sla.forms import PRIORITIES, WEEKDAY_LABELS, CalendarForm, PolicyForm, format_intervals, parse_intervals
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
            operations.create_calendar(**_calendar_values(form), actor=current_user)
            flash(_("Calendar saved."), "success")
            return redirect(url_for("sla.index"))
    return _render(calendar_form=form, status=422)


@bp.post("/policies")
@manager_required
def create_policy():
    form = PolicyForm()
    form.calendar_id.choices = [(c.id, c.name) for c in db.session.scalars(select(BusinessCalendar))]
    if form.validate_on_submit():
        with domain_errors(form, default="name", fields={"targets": "name", "calendar_id": "name"}):
            operations.create_policy(**_policy_values(form), actor=current_user)
            flash(_("Policy saved."), "success")
            return redirect(url_for("sla.index"))
    return _render(policy_form=form, status=422)


def _calendar_values(form: CalendarForm) -> dict:
    return dict(name=form.name.data, timezone=form.timezone.data.strip(), country=form.country.data or None,
                intervals=parse_intervals(form.intervals.data),
                extra_holidays=[d.strip() for d in (form.extra_holidays.data or "").split(",") if d.strip()],
                always_open=form.always_open.data)


def _policy_values(form: PolicyForm) -> dict:
    targets = {p: {"response_minutes": getattr(form, f"{p}_response").data,
                   "resolution_minutes": getattr(form, f"{p}_resolution").data} for p in PRIORITIES}
    return dict(name=form.name.data, calendar=db.session.get(BusinessCalendar, form.calendar_id.data), targets=targets)


@bp.route("/calendars/<int:calendar_id>", methods=["GET", "POST"])
@manager_required
def edit_calendar(calendar_id: int):
    record = load_or_404(BusinessCalendar, calendar_id)
    if request.method == "GET":
        form = CalendarForm(formdata=None, name=record.name, timezone=record.timezone, country=record.country or "",
                            intervals=format_intervals(record.intervals),
                            extra_holidays=", ".join(record.extra_holidays), always_open=record.always_open)
    else:
        form = CalendarForm()
        if form.validate_on_submit():
            with domain_errors(form, default="intervals"):
                changed = operations.update_calendar(record, **_calendar_values(form), actor=current_user)
                flash(_("Saved: %(n)d changes.", n=changed) if changed else _("Nothing has changed."), "success")
                return redirect(url_for("sla.edit_calendar", calendar_id=record.id))
    return (render_template("sla/edit.html", form=form, kind="calendar", record=record,
                            changes=history("calendar", record.id)), 422 if form.errors else 200)


@bp.route("/policies/<int:policy_id>", methods=["GET", "POST"])
@manager_required
def edit_policy(policy_id: int):
    policy = load_or_404(SlaPolicy, policy_id)
    if request.method == "GET":
        values = {f"{t.priority}_response": t.response_minutes for t in policy.targets}
        values |= {f"{t.priority}_resolution": t.resolution_minutes for t in policy.targets}
        form = PolicyForm(formdata=None, name=policy.name, calendar_id=policy.calendar_id, **values)
    else:
        form = PolicyForm()
    form.calendar_id.choices = [(c.id, c.name) for c in db.session.scalars(select(BusinessCalendar)
                                                                            .order_by(BusinessCalendar.name))]
    if request.method == "POST" and form.validate_on_submit():
        with domain_errors(form, default="name", fields={"targets": "name", "calendar_id": "name"}):
            changed = operations.update_policy(policy, **_policy_values(form), actor=current_user)
            flash(_("Saved: %(n)d changes.", n=changed) if changed else _("Nothing has changed."), "success")
            return redirect(url_for("sla.edit_policy", policy_id=policy.id))
    return (render_template("sla/edit.html", form=form, kind="policy", record=policy, PRIORITIES=PRIORITIES,
                            changes=history("policy", policy.id)), 422 if form.errors else 200)
