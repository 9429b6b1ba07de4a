"""Client contacts' part of Hourdesk: the company's own tickets and hours, nothing else.

Every object is looked up together with the contact's company, so another company's ticket is a
404 whatever its id; internal notes and their files are never read here.
"""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_login import current_user

from app.auth.access import roles_required
from app.billing import notices as billing_notices
from app.billing import operations as billing_ops
from app.billing import queries as billing_queries
from app.billing.documents import pdf_response
from app.billing.forms import OrderForm
from app.billing.models import Act, Invoice
from app.contracts import operations as ledger_ops
from app.contracts.forms import BILLING_LABELS
from app.core.errors import domain_errors
from app.core.i18n import gettext as _
from app.core.paging import capped_paginate
from app.core.types import utcnow
from app.core.uow import after_commit
from app.core.web import format_minutes, load_or_404
from app.extensions import db
from app.portal import queries
from app.portal.forms import ConfirmForm, PortalCommentForm, PortalTicketForm, RatingForm, ReopenForm
from app.tickets import attachments as attachment_store
from app.tickets import operations
from app.tickets.models import Attachment, Ticket
from app.tickets.queries import status_in

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates")

contact_required = roles_required("client")
#: the portal's ticket filters: what a client asks ("what is still going on?", "everything")
TICKET_FILTERS = ("open", "closed", "all")


@bp.record_once
def _portal_globals(state):
    state.app.jinja_env.globals.update(BILLING_LABELS=BILLING_LABELS, allowed_types=attachment_store.allowed_extensions())


def _tz() -> ZoneInfo:
    return ZoneInfo(current_user.client.timezone)


def _client_id() -> int:
    return current_user.client_id


def _ticket(ticket_id: int) -> Ticket:
    return load_or_404(Ticket, ticket_id, client_id=_client_id())


def suggested_due(earliest: datetime) -> datetime:
    """The date to offer instead of a too-early one: the earliest acceptable, a few minutes on (the
    deadline moves with the clock while the client reads the message) and rounded up to a quarter
    hour, as people would write it."""
    later = earliest + timedelta(minutes=5)
    quarter = 15 * 60
    seconds = later.timestamp()
    return datetime.fromtimestamp(-(-seconds // quarter) * quarter, later.tzinfo)


@bp.get("/")
@contact_required
def index():
    board = queries.dashboard(_client_id(), utcnow(), _tz())
    return render_template("portal/index.html", board=board, client=current_user.client)


@bp.get("/hours")
@contact_required
def hours():
    page = max(request.args.get("page", 1, type=int), 1)
    rows, has_more = queries.hours_history(_client_id(), page)
    return render_template("portal/hours.html", rows=rows, page=page, has_more=has_more, client=current_user.client)


@bp.get("/work")
@contact_required
def work():
    tz = _tz()
    today = utcnow().astimezone(tz).date()
    try:
        month = date.fromisoformat(request.args.get("month", "") + "-01") if request.args.get("month") else today
    except ValueError:
        abort(404)
    first, previous, following = queries.month_steps(month)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, totals, has_more = queries.work_in_month(
        _client_id(), datetime.combine(first, time(), tz), datetime.combine(following, time(), tz), page)
    return render_template("portal/work.html", rows=rows, totals=totals, month=first, previous=previous,
                           following=following if following <= today else None, page=page, has_more=has_more,
                           line_amount=queries.line_amount, client=current_user.client)


@bp.get("/tickets")
@contact_required
def tickets():
    which = request.args.get("show") if request.args.get("show") in TICKET_FILTERS else "open"
    query = queries.company_tickets(_client_id())
    if which == "open":
        query = query.where(status_in(*queries.OPEN_STATUSES))
    elif which == "closed":
        query = query.where(status_in(*queries.DONE_STATUSES))
    # a large company has hundreds of thousands of tickets: counted up to the list's cap
    page = capped_paginate(db.session, query.order_by(Ticket.created_at.desc(), Ticket.id.desc()),
                           page=request.args.get("page", 1, type=int), per_page=queries.PER_PAGE)
    return render_template("portal/tickets.html", page=page, which=which, client=current_user.client)


@bp.route("/tickets/new", methods=["GET", "POST"])
@contact_required
def new_ticket():
    form = PortalTicketForm()
    earliest = None
    # a ticket that continues an earlier one of the company (closed too long ago to reopen)
    follow_up_id = request.values.get("follow_up_of", type=int)
    follow_up_of = _ticket(follow_up_id) if follow_up_id else None
    if follow_up_of is not None and request.method == "GET" and not form.subject.data:
        form.subject.data = _("Again: %(s)s", s=follow_up_of.subject)[:255]
    held_token = request.form.get("held_files") or None
    if form.validate_on_submit():
        tz = _tz()
        desired = form.desired_due_at.data.replace(tzinfo=tz) if form.desired_due_at.data else None
        with domain_errors(form, default="subject") as outcome:
            files = attachment_store.held(held_token, current_user.id) + attachment_store.uploaded(form.attachments.data)
            ticket = operations.create_ticket(
                current_user, current_user.client, subject=form.subject.data, description=form.description.data or "",
                priority=form.priority.data, channel="portal", requester=current_user, desired_due_at=desired,
                files=files, follow_up_of=follow_up_of)
            user_id = current_user.id
            after_commit(db.session(), lambda: attachment_store.release(held_token, user_id))
            flash(_("Ticket %(n)s registered. We will keep you informed by e-mail.", n=ticket.number), "success")
            return redirect(url_for("portal.ticket", ticket_id=ticket.id))
        if outcome.error.code == "unrealistic_due_date":   # offer a date the client can take as it is
            earliest = suggested_due(outcome.error.extra["earliest"]).astimezone(tz)
            form.desired_due_at.errors[:] = [
                _("That is too early for this priority. The earliest we can promise is %(when)s.",
                  when=format_datetime(earliest, "d MMMM y, HH:mm"))]
    if request.method == "POST" and not form.attachments.errors:
        # refused for something else than its files: they wait for the next try
        files = attachment_store.uploaded(form.attachments.data)
        if files:
            held_token, _names = attachment_store.hold(files, current_user.id, token=held_token)
    return render_template("portal/new_ticket.html", form=form, earliest=earliest, follow_up_of=follow_up_of,
                           client=current_user.client, held_token=held_token,
                           held_names=attachment_store.held_names(held_token, current_user.id)), \
        422 if form.errors else 200


def _render_ticket(ticket: Ticket, *, comment_form=None, reopen_form=None, rating_form=None, status=200):
    conversation = queries.public_conversation(ticket.id)
    lines = ledger_ops.ticket_lines(ticket.id) if ticket.status in ("resolved", "closed") else []
    return render_template(
        "portal/ticket.html", ticket=ticket, comments=conversation.comments, ticket_files=conversation.ticket_files,
        comment_files=conversation.comment_files, lines=lines, comment_form=comment_form or PortalCommentForm(formdata=None),
        reopen_form=reopen_form or ReopenForm(formdata=None), confirm_form=ConfirmForm(formdata=None),
        rating_form=rating_form or RatingForm(formdata=None), client=current_user.client,
        may_reopen=operations.client_may_reopen(ticket, utcnow())), status


@bp.get("/tickets/<int:ticket_id>")
@contact_required
def ticket(ticket_id: int):
    return _render_ticket(_ticket(ticket_id))


@bp.post("/tickets/<int:ticket_id>/comments")
@contact_required
def comment(ticket_id: int):
    ticket = _ticket(ticket_id)
    form = PortalCommentForm()
    if form.validate_on_submit():
        with domain_errors(form, default="body"):
            operations.add_comment(ticket, current_user, form.body.data,
                                   files=attachment_store.uploaded(form.attachments.data))
            return redirect(url_for("portal.ticket", ticket_id=ticket.id) + "#comments")
    return _render_ticket(ticket, comment_form=form, status=422)


@bp.post("/tickets/<int:ticket_id>/confirm")
@contact_required
def confirm(ticket_id: int):
    ticket = _ticket(ticket_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with domain_errors() as outcome:
        close = operations.set_status(ticket, current_user, "closed")
        flash(_("Thank you! The ticket is closed; %(d)s of your hours were used.",
                d=format_minutes(close.debited_minutes)), "success")
        return redirect(url_for("portal.ticket", ticket_id=ticket.id))
    return _render_ticket(ticket, status=outcome.status)


@bp.post("/tickets/<int:ticket_id>/reopen")
@contact_required
def reopen(ticket_id: int):
    ticket = _ticket(ticket_id)
    form = ReopenForm()
    if form.validate_on_submit():
        with domain_errors(form, default="reason", fields={"status": "reason"}):
            operations.set_status(ticket, current_user, "in_progress", reason=form.reason.data)
            flash(_("The ticket is reopened; the engineers see your reason."), "success")
            return redirect(url_for("portal.ticket", ticket_id=ticket.id))
    return _render_ticket(ticket, reopen_form=form, status=409 if form.reason.data else 422)


@bp.post("/tickets/<int:ticket_id>/rating")
@contact_required
def rate(ticket_id: int):
    ticket = _ticket(ticket_id)
    form = RatingForm()
    if form.validate_on_submit():
        with domain_errors(form, default="rating", fields={"status": "rating", "comment": "rating"}) as outcome:
            operations.rate_ticket(ticket, current_user, rating=form.rating.data, comment=form.comment.data or "")
            flash(_("Thank you for your rating."), "success")
            return redirect(url_for("portal.ticket", ticket_id=ticket.id))
        return _render_ticket(ticket, rating_form=form, status=outcome.status)
    return _render_ticket(ticket, rating_form=form, status=422)


@bp.get("/tickets/<int:ticket_id>/files/<int:attachment_id>")
@contact_required
def attachment(ticket_id: int, attachment_id: int):
    ticket = _ticket(ticket_id)
    # a file of an internal note, or of another ticket, is a 404
    return attachment_store.send(load_or_404(Attachment, attachment_id, ticket_id=ticket.id, public=True))



# --- documents: invoices and acts -----------------------------------------------------------------

@bp.route("/documents", methods=["GET", "POST"])
@contact_required
def documents():
    """The company's invoices and acts, and ordering an hour pack (its invoice comes at once)."""
    form = OrderForm()
    if form.validate_on_submit():
        with domain_errors(form, default="hours"):
            invoice = billing_ops.order_hours(current_user.client, current_user, hours=form.hours.data)
            flash(_("Invoice %(n)s is ready; it is also on its way to you by e-mail. The hours are credited as soon "
                    "as it is paid.", n=invoice.number), "success")
            return redirect(url_for("portal.documents"))
    invoices, acts = billing_queries.client_documents(_client_id())
    return render_template("portal/documents.html", invoices=invoices, acts=acts, form=form,
                           client=current_user.client), 422 if form.errors else 200


@bp.get("/invoices/<int:invoice_id>.pdf")
@contact_required
def invoice_pdf(invoice_id: int):
    invoice = load_or_404(Invoice, invoice_id, client_id=_client_id())
    if invoice.number is None:   # a draft is the staff's, not a document yet
        abort(404)
    return pdf_response(billing_notices.invoice_attachment(invoice))


@bp.get("/acts/<int:act_id>.pdf")
@contact_required
def act_pdf(act_id: int):
    act = load_or_404(Act, act_id, client_id=_client_id(), status="sent")
    return pdf_response(billing_notices.act_attachment(act))
