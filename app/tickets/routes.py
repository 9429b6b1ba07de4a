"""The engineers' ticket desk: dashboard, list, registration, ticket page."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from app.auth import queries as auth_queries
from app.auth.access import manager_required, staff_required
from app.auth.models import User
from app.clients.models import Client
from app.contracts import operations as ledger_ops
from app.contracts import queries as contract_queries
from app.contracts.forms import BILLING_LABELS, OVERDRAFT_LABELS, BillingOverrideForm, LineForm
from app.contracts.models import Service, SpecLine
from app.core.db_setup import writes
from app.core.errors import domain_errors
from app.core.i18n import gettext as _
from app.core.paging import capped_paginate
from app.core.types import utcnow
from app.core.web import format_minutes, load_or_404
from app.extensions import db
from app.notifications import operations as notices
from app.replies.queries import filled_replies
from app.tickets import attachments as attachment_store
from app.tickets import operations, queries
from app.tickets.forms import (
    CHANNEL_LABELS,
    FIELD_LABELS,
    PRIORITY_LABELS,
    STATUS_ACTIONS,
    STATUS_LABELS,
    CommentForm,
    StatusForm,
    TicketEditForm,
    TicketForm,
)
from app.tickets.lifecycle import PRIORITIES, REOPENINGS, STATUSES, allowed_targets
from app.tickets.models import Attachment, Ticket

bp = Blueprint("tickets", __name__, template_folder="templates")
_FORMDATA = object()  # "read the request's form" (the default), as opposed to an empty form


@bp.record_once
def _label_globals(state):
    # globals, not a context processor: imported macros do not see the template context
    state.app.jinja_env.globals.update(STATUS_LABELS=STATUS_LABELS, PRIORITY_LABELS=PRIORITY_LABELS,
                                       CHANNEL_LABELS=CHANNEL_LABELS, FIELD_LABELS=FIELD_LABELS,
                                       change_value=change_value)


def change_value(field: str, value: str | None) -> str:
    """A history value as people read it: labels for statuses, local times for timestamps."""
    if value is None:
        return "∅"
    if field in ("status", "created"):
        return str(STATUS_LABELS.get(value, value))
    if field == "priority":
        return str(PRIORITY_LABELS.get(value, value))
    if field.endswith("_at"):
        try:
            return format_datetime(datetime.fromisoformat(value), "short")
        except ValueError:
            return value
    return value


def _staff_choices() -> list[tuple[int, str]]:
    """(id, name) of the active staff, "nobody" first; read once per request (a page has several forms)."""
    if "staff" not in g:
        # the objects, not just their names: held for the request, the engineers of the history,
        # the lines and the ticket are then found in the session instead of read again
        g.staff = auth_queries.active_staff()
    return [_nobody()] + [(u.id, u.name) for u in g.staff]


def _nobody() -> tuple[int, str]:
    return 0, _("— nobody —")


def _office_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["HOURDESK_OFFICE_TIMEZONE"])


def _to_utc(local: datetime | None) -> datetime | None:
    """A datetime-local input is office time."""
    return local.replace(tzinfo=_office_tz()) if local else None


def _to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(_office_tz()).replace(tzinfo=None) if value else None


@bp.get("/")
def home():
    if current_user.is_authenticated and current_user.role == "client":
        return redirect(url_for("portal.index"))
    return dashboard()


@staff_required
def dashboard():
    now = utcnow()
    my_clients = request.args.get("clients") == "mine"
    return render_template("tickets/dashboard.html", data=queries.dashboard(current_user.id, now, my_clients=my_clients),
                           now=now, my_clients=my_clients)


LIST_FILTERS = ("status", "priority", "assignee", "client_id", "q", "sort", "tag")


@bp.context_processor
def _tag_names():
    """`tag_names()`: the tags in use, for the tag fields' suggestions."""
    return {"tag_names": queries.tag_names}


@bp.get("/speaker")
@staff_required
def speaker():
    """The browser speaker page (Web Speech API), for an office computer with speakers."""
    return render_template("tickets/speaker.html")


@bp.get("/tickets/")
@staff_required
def index():
    args = {k: request.args.get(k, "").strip() for k in LIST_FILTERS}
    if args["status"] not in ("", "active", *STATUSES):
        args["status"] = ""
    if args["priority"] not in ("", *PRIORITIES):
        args["priority"] = ""
    assignee = args["assignee"]
    assignee_id = current_user.id if assignee == "me" else ("none" if assignee == "none" else
                                                              (int(assignee) if assignee.isdigit() else None))
    client_id = int(args["client_id"]) if args["client_id"].isdigit() else None
    filters = {"status": args["status"] or None, "priority": args["priority"] or None, "assignee_id": assignee_id,
               "client_id": client_id, "q": args["q"], "tag": args["tag"] or None}
    query = queries.ticket_list_query(sort=args["sort"] or None, **filters)
    total, uncounted = queries.list_count(**filters)
    page = capped_paginate(db.session, query, page=request.args.get("page", 1, type=int),
                           per_page=current_app.config["TICKETS_PER_PAGE"],
                           total=total, uncounted=uncounted)
    client = db.session.get(Client, client_id) if client_id else None
    template = "tickets/_list_table.html" if request.headers.get("HX-Request") and not request.headers.get(
        "HX-Boosted") else "tickets/index.html"
    return render_template(template, page=page, args=args, client=client, staff=_staff_choices()[1:],
                           statuses=STATUSES, priorities=PRIORITIES, now=utcnow(),
                           without_client={k: v for k, v in args.items() if v and k != "client_id"},
                           without_tag={k: v for k, v in args.items() if v and k != "tag"})


@bp.route("/tickets/new", methods=["GET", "POST"])
@staff_required
def create():
    form = TicketForm()
    # nobody chosen (the usual registration): no need to read the staff to check the choice
    nobody = request.method == "POST" and request.form.get("assignee_id", "0") == "0"
    form.assignee_id.choices = [_nobody()] if nobody else _staff_choices()
    client = db.session.get(Client, form.client_id.data) if form.client_id.data else None
    if client is None and request.args.get("client_id", "").isdigit():
        client = db.session.get(Client, int(request.args["client_id"]))
    submitted = form.validate_on_submit()   # the requester is checked by create_ticket, not by its choices
    if submitted and client is None:
        form.client_id.errors.append(_("Choose a client."))
    elif submitted:
        requester = db.session.get(User, form.requester_id.data) if form.requester_id.data else None
        assignee = db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None
        with domain_errors(form, default="subject"):
            ticket = operations.create_ticket(
                current_user, client, subject=form.subject.data, description=form.description.data or "",
                priority=form.priority.data, channel=form.channel.data, requester=requester, assignee=assignee,
                resolution_due_at=_to_utc(form.resolution_due_at.data), tags=form.tags.data or "")
            flash(_("Ticket %(n)s registered.", n=ticket.number), "success")
            return redirect(url_for("tickets.detail", ticket_id=ticket.id))
    elif request.method == "GET":
        form.assignee_id.data = 0
        draft = session.pop(TICKET_DRAFT_KEY, None) if request.args.get("draft") else None
        if draft:   # back from registering the client: the form as it was left
            form.process(formdata=None, data=_draft_values(draft))
            form.assignee_id.choices = _staff_choices()
    summary = contract_queries.balance_summary(client.id, utcnow()) if client else None
    form.assignee_id.choices = _staff_choices()
    if client is not None:
        form.requester_id.choices = [(0, "—")] + [(c.id, c.name) for c in client.contacts if c.active]
    return render_template("tickets/new.html", form=form, client=client, summary=summary), 422 if form.errors else 200


TICKET_DRAFT_KEY = "ticket_draft"
_DRAFT_FIELDS = ("subject", "description", "priority", "channel", "assignee_id", "resolution_due_at", "tags")


def _draft_values(draft: dict) -> dict:
    values = {k: v for k, v in draft.items() if k in _DRAFT_FIELDS}
    values["assignee_id"] = int(values["assignee_id"]) if str(values.get("assignee_id", "")).isdigit() else 0
    try:
        values["resolution_due_at"] = (datetime.strptime(values["resolution_due_at"], "%Y-%m-%dT%H:%M")
                                       if values.get("resolution_due_at") else None)
    except ValueError:
        values["resolution_due_at"] = None
    return values


@bp.post("/tickets/new/register-client")
@staff_required
def new_client_for_ticket():
    """The client is not registered yet: keep the half-filled ticket form in the session and go
    register the client with what was typed (an INN or a name); the ticket form comes back filled."""
    session[TICKET_DRAFT_KEY] = {name: request.form.get(name, "")[:20000] for name in _DRAFT_FIELDS}
    typed = request.form.get("q", "").strip()[:200]
    digits = "".join(ch for ch in typed if ch.isdigit())
    prefill = {"inn": digits} if digits and len(digits) >= len(typed.replace(" ", "")) - 1 else {"name": typed}
    return redirect(url_for("clients.create", back="ticket", **prefill))


@bp.get("/tickets/new/client/<int:client_id>")
@staff_required
def picked_client(client_id: int):
    """htmx fragment: the chosen client's card and its contacts, swapped into the new-ticket form."""
    client = load_or_404(Client, client_id)
    return render_template("tickets/_picked_client.html", client=client,
                           summary=contract_queries.balance_summary(client.id, utcnow()))


@bp.get("/tickets/<int:ticket_id>")
@staff_required
@writes
def detail(ticket_id: int):
    ticket = queries.ticket_page(ticket_id) or abort(404)
    g.unread_notices = notices.read_ticket_notices(current_user, ticket.id)   # the reader has seen the news
    return _render_detail(ticket)


def _render_detail(ticket: Ticket, *, edit_form=None, comment_form=None, status_form=None, line_form=None, status=200):
    if edit_form is None:
        edit_form = TicketEditForm(formdata=None, priority=ticket.priority, assignee_id=ticket.assignee_id or 0,
                                   resolution_due_at=_to_local(ticket.resolution_due_at),
                                   tags=", ".join(t.name for t in ticket.tags))
    edit_form.assignee_id.choices = _staff_choices()
    targets = [(s, (ticket.status, s) in REOPENINGS) for s in allowed_targets(ticket.status)]
    return render_template(
        "tickets/detail.html", ticket=ticket, history=queries.history(ticket.id), edit_form=edit_form,
        comment_form=comment_form or CommentForm(formdata=None), status_form=status_form,
        targets=targets, STATUS_ACTIONS=STATUS_ACTIONS, now=utcnow(),
        summary=contract_queries.balance_summary(ticket.client_id, utcnow()),
        line_form=line_form or _line_form(ticket, formdata=None),
        # after the line form: the services and engineers it holds are the lines' own, found in the session
        lines=ledger_ops.ticket_lines(ticket.id, details=False),
        BILLING_LABELS=BILLING_LABELS,
        canned=filled_replies(ticket, current_user)), status


@bp.post("/tickets/<int:ticket_id>/edit")
@staff_required
def edit(ticket_id: int):
    ticket = load_or_404(Ticket, ticket_id)
    form = TicketEditForm()
    form.assignee_id.choices = _staff_choices()
    if form.validate_on_submit():
        with domain_errors(form, default="resolution_due_at", fields={"reason": "due_reason"}) as outcome:
            # tags change only when the form sent them (an older page or a script may not)
            tags = {"tags": form.tags.data or ""} if "tags" in request.form else {}
            changes = operations.update_ticket(
                ticket, current_user, priority=form.priority.data,
                assignee=db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None,
                resolution_due_at=_to_utc(form.resolution_due_at.data), reason=form.due_reason.data, **tags)
            flash(_("Saved.") if changes else _("Nothing changed."), "success" if changes else "info")
            return redirect(url_for("tickets.detail", ticket_id=ticket.id))
        return _render_detail(ticket, edit_form=form, status=outcome.status)
    return _render_detail(ticket, edit_form=form, status=422)


@bp.post("/tickets/<int:ticket_id>/take")
@staff_required
def take(ticket_id: int):
    """One click for the engineer: assign to me and, if it is new, acknowledge it."""
    ticket = load_or_404(Ticket, ticket_id)
    with domain_errors():
        operations.take_ticket(ticket, current_user._get_current_object())
    return redirect(request.referrer if request.referrer and "/tickets" in request.referrer
                    else url_for("tickets.detail", ticket_id=ticket.id))


@bp.post("/tickets/<int:ticket_id>/status")
@staff_required
def change_status(ticket_id: int):
    ticket = load_or_404(Ticket, ticket_id)
    form = StatusForm()
    if form.validate_on_submit():
        with domain_errors() as outcome:
            operations.set_status(ticket, current_user, form.status.data, reason=form.reason.data)
            flash(_("Status: %(s)s.", s=STATUS_LABELS.get(ticket.status, ticket.status)), "success")
            return redirect(url_for("tickets.detail", ticket_id=ticket.id))
        return _render_detail(ticket, status_form=form, status=outcome.status)
    return _render_detail(ticket, status_form=form, status=422)


@bp.get("/tickets/<int:ticket_id>/close")
@staff_required
def close_preview(ticket_id: int):
    """What closing will do, computed by the same code as the close: billed minutes per line, the
    lots taken, any overage or shortfall, the balance after."""
    ticket = load_or_404(Ticket, ticket_id)
    preview = ledger_ops.preview_close(ticket_id=ticket.id, client_id=ticket.client_id, now=utcnow())
    return render_template("tickets/close.html", ticket=ticket, preview=preview, BILLING_LABELS=BILLING_LABELS,
                           OVERDRAFT_LABELS=OVERDRAFT_LABELS,
                           already_closed=ticket.status == "closed", cancelled=ticket.status == "cancelled")


@bp.post("/tickets/<int:ticket_id>/close")
@staff_required
def close(ticket_id: int):
    ticket = load_or_404(Ticket, ticket_id)
    with domain_errors():
        close = operations.set_status(ticket, current_user, "closed")
        flash(_("Ticket closed: %(d)s debited.", d=format_minutes(close.debited_minutes))
              + (" " + _("Overage: %(o)s.", o=format_minutes(close.overage_minutes)) if close.overage_minutes else ""),
              "success")
        return redirect(url_for("tickets.detail", ticket_id=ticket_id))
    return redirect(url_for("tickets.close_preview", ticket_id=ticket_id)), 303


LAST_SERVICE_KEY = "last_service_id"


def _line_form(ticket: Ticket, formdata=_FORMDATA) -> LineForm:
    form = LineForm() if formdata is _FORMDATA else LineForm(formdata=None)
    g.services = contract_queries.services(active_only=True)   # held for the request, as the staff are
    form.service_id.choices = [(s.id, f"{s.code} · {s.name(str(get_locale()))} ({BILLING_LABELS[s.billing]})")
                               for s in g.services]
    form.engineer_id.choices = _staff_choices()[1:]
    if formdata is not _FORMDATA:
        form.engineer_id.data = current_user.id
        # the service chosen last stays chosen: an engineer logs the same kind of work line after line
        if session.get(LAST_SERVICE_KEY) in {choice for choice, _label in form.service_id.choices}:
            form.service_id.data = session[LAST_SERVICE_KEY]
    return form


@bp.post("/tickets/<int:ticket_id>/lines")
@staff_required
def add_line(ticket_id: int):
    ticket = load_or_404(Ticket, ticket_id)
    form = _line_form(ticket)
    if form.validate_on_submit():
        with domain_errors(form, default="minutes", fields={"service_code": "service_id"}):
            operations.add_line(ticket, current_user, service=db.session.get(Service, form.service_id.data),
                                minutes=form.minutes.data, engineer=db.session.get(User, form.engineer_id.data),
                                note=form.note.data or "", performed_on=form.performed_on.data)
            session[LAST_SERVICE_KEY] = form.service_id.data
            return redirect(url_for("tickets.detail", ticket_id=ticket.id) + "#spec")
    return _render_detail(ticket, line_form=form, status=409 if ticket.status in ("closed", "cancelled") else 422)


@bp.post("/tickets/<int:ticket_id>/lines/<int:line_id>/delete")
@staff_required
def remove_line(ticket_id: int, line_id: int):
    ticket = load_or_404(Ticket, ticket_id)
    line = load_or_404(SpecLine, line_id, ticket_id=ticket.id)
    with domain_errors():
        operations.remove_line(ticket, current_user, line)
        return redirect(url_for("tickets.detail", ticket_id=ticket.id) + "#spec")
    return redirect(url_for("tickets.detail", ticket_id=ticket.id)), 303


@bp.post("/tickets/<int:ticket_id>/lines/<int:line_id>/billing")
@manager_required
def override_billing(ticket_id: int, line_id: int):
    ticket = load_or_404(Ticket, ticket_id)
    line = load_or_404(SpecLine, line_id, ticket_id=ticket.id)
    form = BillingOverrideForm()
    if not form.validate_on_submit():
        flash(_("Say why the billing changes."), "danger")
        return redirect(url_for("tickets.detail", ticket_id=ticket.id)), 303
    with domain_errors():
        operations.override_line_billing(ticket, current_user, line, billing=form.billing.data, reason=form.reason.data)
        flash(_("Billing changed."), "success")
        return redirect(url_for("tickets.detail", ticket_id=ticket.id) + "#spec")
    return redirect(url_for("tickets.detail", ticket_id=ticket.id)), 303


@bp.post("/tickets/<int:ticket_id>/comments")
@staff_required
def add_comment(ticket_id: int):
    ticket = load_or_404(Ticket, ticket_id)
    form = CommentForm()
    if form.validate_on_submit():
        with domain_errors(form, default="body"):
            operations.add_comment(ticket, current_user, form.body.data, public=form.visibility.data != "internal",
                                   files=attachment_store.uploaded(form.attachments.data))
            return redirect(url_for("tickets.detail", ticket_id=ticket.id) + "#comments")
    return _render_detail(ticket, comment_form=form, status=422)


@bp.get("/tickets/<int:ticket_id>/files/<int:attachment_id>")
@staff_required
def attachment(ticket_id: int, attachment_id: int):
    return attachment_store.send(load_or_404(Attachment, attachment_id, ticket_id=ticket_id))
