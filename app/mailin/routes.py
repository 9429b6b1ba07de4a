"""Staff pages for inbound mail: the triage list (mail no rule could place), proposed contacts, and
every message received with what became of it."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import staff_required
from app.clients.queries import client_by_inn
from app.core.errors import ValidationFailed, domain_errors
from app.core.i18n import gettext as _
from app.core.web import load_or_404
from app.mailin import operations, queries
from app.mailin.forms import AssignForm, DiscardForm
from app.mailin.models import InboundMail

bp = Blueprint("mailin", __name__, url_prefix="/mail", template_folder="templates")


@bp.get("/")
@staff_required
def index():
    view = request.args.get("show") if request.args.get("show") in queries.VIEWS else "triage"
    page = max(request.args.get("page", 1, type=int), 1)
    return render_template("mailin/index.html", messages=queries.inbox(view, page), view=view, page=page,
                           per_page=queries.PER_PAGE, counts=queries.waiting_counts())


def _page(record: InboundMail, assign_form: AssignForm, discard_form: DiscardForm, status: int = 200):
    return render_template("mailin/message.html", record=record, assign_form=assign_form,
                           discard_form=discard_form), status


@bp.get("/<int:mail_id>")
@staff_required
def message(mail_id: int):
    return _page(load_or_404(InboundMail, mail_id), AssignForm(formdata=None), DiscardForm(formdata=None))


@bp.post("/<int:mail_id>/assign")
@staff_required
def assign(mail_id: int):
    record = load_or_404(InboundMail, mail_id)
    form = AssignForm()
    if form.validate_on_submit():
        with domain_errors(form, default="client_inn", fields={"add_contact": "add_contact"}):
            client = client_by_inn(form.client_inn.data)
            if client is None:
                raise ValidationFailed(_("No client has this INN."), code="unknown_client", field="client_inn")
            ticket = operations.assign(record, client, actor=current_user, add_contact=form.add_contact.data)
            flash(_("Ticket %(n)s registered from the message.", n=ticket.number), "success")
            return redirect(url_for("tickets.detail", ticket_id=ticket.id))
    return _page(record, form, DiscardForm(formdata=None), 422)


@bp.post("/<int:mail_id>/discard")
@staff_required
def discard(mail_id: int):
    record = load_or_404(InboundMail, mail_id)
    form = DiscardForm()
    if form.validate_on_submit():
        with domain_errors(form, default="reason"):
            operations.discard(record, actor=current_user, reason=form.reason.data)
            flash(_("The message is thrown away."), "success")
            return redirect(url_for("mailin.index"))
    return _page(record, AssignForm(formdata=None), form, 422)


@bp.post("/<int:mail_id>/contact")
@staff_required
def accept_contact(mail_id: int):
    record = load_or_404(InboundMail, mail_id)
    with domain_errors():
        contact = operations.accept_proposed_contact(record, actor=current_user)
        flash(_("%(email)s is a contact of the client now.", email=contact.email), "success")
        return redirect(url_for("tickets.detail", ticket_id=record.ticket_id))
    return redirect(url_for("mailin.message", mail_id=mail_id))
