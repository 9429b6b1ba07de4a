"""Staff pages for client companies, and the search-as-you-type picker fragment."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.audit.queries import history
from app.auth import operations as user_operations
from app.auth import queries as auth_queries
from app.auth.access import staff_required
from app.auth.models import MANAGER_ROLES, User
from app.clients import operations
from app.clients.forms import ClientForm, ContactForm
from app.clients.models import Client
from app.clients.queries import client_search, picker_results
from app.contracts.queries import balance_summary
from app.core.errors import domain_errors
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.core.web import load_or_404
from app.extensions import db
from app.tickets.queries import ticket_list_query

bp = Blueprint("clients", __name__, url_prefix="/clients", template_folder="templates")


def _manager_choices() -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in auth_queries.active_staff(MANAGER_ROLES)]   # no "nobody": every client has an account manager


def _save(form: ClientForm, client: Client | None) -> Client | None:
    """Run the create/update operation; its error goes on the right field (None then)."""
    values = dict(name=form.name.data, inn=form.inn.data, country=form.country.data or None,
                  timezone=form.timezone.data, email=form.email.data, phone=form.phone.data,
                  mail_domains=form.mail_domains.data,
                  notes=form.notes.data, low_balance_unit=form.low_balance_unit.data or None,
                  low_balance_value=form.low_balance_value.data if form.low_balance_unit.data else None,
                  account_manager=db.session.get(User, form.account_manager_id.data) if form.account_manager_id.data else None)
    with domain_errors(form, default="name"):
        if client is None:
            return operations.create_client(actor=current_user, **values)
        operations.update_client(client, active=form.active.data, actor=current_user, **values)
        return client
    return None


@bp.get("/")
@staff_required
def index():
    q = request.args.get("q", "")
    # each row shows its contacts and account manager: read for the page at once, not row by row
    page = db.paginate(client_search(q).options(selectinload(Client.contacts), selectinload(Client.account_manager))
                       .order_by(Client.name_search, Client.id), per_page=25, error_out=False)
    return render_template("clients/index.html", page=page, q=q)


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def create():
    form = ClientForm()
    form.account_manager_id.choices = _manager_choices()
    back_to_ticket = request.args.get("back") == "ticket"
    if request.method == "GET":   # whoever registers the client answers for it, if a manager
        default = current_user if current_user.is_manager else operations.default_account_manager()
        form.account_manager_id.data = default.id if default else None
        form.inn.data = request.args.get("inn", "")[:20] or None
        form.name.data = request.args.get("name", "")[:200] or None
    if form.validate_on_submit():
        client = _save(form, None)
        if client:
            flash(_("Client %(n)s registered.", n=client.name), "success")
            if back_to_ticket:   # the half-filled ticket form this registration interrupted
                return redirect(url_for("tickets.create", client_id=client.id, draft=1))
            return redirect(url_for("clients.detail", client_id=client.id))
    return (render_template("clients/form.html", form=form, client=None, back_to_ticket=back_to_ticket),
            422 if form.errors else 200)


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(client_id: int):
    client = load_or_404(Client, client_id)
    form = ClientForm(obj=client)
    form.account_manager_id.choices = _manager_choices()
    if request.method == "GET":
        form.account_manager_id.data = client.account_manager_id
    if form.validate_on_submit():
        if _save(form, client):
            flash(_("Saved."), "success")
            return redirect(url_for("clients.detail", client_id=client.id))
    return (render_template("clients/form.html", form=form, client=client, changes=history("client", client.id)),
            422 if form.errors else 200)


@bp.get("/<int:client_id>")
@staff_required
def detail(client_id: int):
    client = load_or_404(Client, client_id)
    return _render_detail(client, ContactForm())


def _render_detail(client: Client, contact_form: ContactForm):
    tickets = db.session.scalars(ticket_list_query(client_id=client.id).limit(20)).all()
    return render_template("clients/detail.html", client=client, tickets=tickets, contact_form=contact_form,
                           summary=balance_summary(client.id, utcnow()))


@bp.post("/<int:client_id>/contacts")
@staff_required
def add_contact(client_id: int):
    client = load_or_404(Client, client_id)
    form = ContactForm()
    if form.validate_on_submit():
        with domain_errors(form, default="email"):
            user_operations.create_user(form.email.data, role="client", password=form.password.data,
                                        name=form.name.data, client=client, locale=form.locale.data,
                                        actor=current_user)
            flash(_("Contact added."), "success")
            return redirect(url_for("clients.detail", client_id=client.id))
    return _render_detail(client, form), 422


@bp.get("/picker")
@staff_required
def picker():
    """htmx fragment: the picker's suggestions for what has been typed so far."""
    q = request.args.get("q", "")
    return render_template("clients/_picker_results.html", clients=picker_results(q), q=q)
