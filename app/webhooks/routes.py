"""Admins' pages for webhooks: the endpoints, one endpoint with its secret and delivery log, a new
secret, and a replay of any delivery."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.queries import history
from app.auth.access import roles_required
from app.core.errors import domain_errors
from app.core.i18n import gettext as _
from app.core.web import load_or_404
from app.webhooks import operations, queries
from app.webhooks.forms import EndpointForm
from app.webhooks.models import DELIVERY_STATUSES, WebhookDelivery, WebhookEndpoint

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks", template_folder="templates")


@bp.get("/")
@roles_required("admin")
def index():
    return render_template("webhooks/index.html", endpoints=queries.endpoints_with_counts(),
                           EVENTS=operations.WEBHOOK_EVENTS)


def _save(endpoint: WebhookEndpoint | None, form: EndpointForm):
    with domain_errors(form, default="url"):
        saved = operations.save_endpoint(endpoint, url=form.url.data, events=form.events.data or [],
                                         active=form.active.data, description=form.description.data or "",
                                         actor=current_user)
        flash(_("Webhook saved."), "success")
        return redirect(url_for("webhooks.endpoint", endpoint_id=saved.id))
    return None


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def new():
    form = EndpointForm()
    if request.method == "GET":
        form.events.data = list(operations.WEBHOOK_EVENTS)
    if form.validate_on_submit() and (done := _save(None, form)):
        return done
    return render_template("webhooks/new.html", form=form), 422 if form.errors else 200


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
@roles_required("admin")
def endpoint(endpoint_id: int):
    found = load_or_404(WebhookEndpoint, endpoint_id)
    form = EndpointForm(obj=found)
    if form.validate_on_submit() and (done := _save(found, form)):
        return done
    status = request.args.get("status") if request.args.get("status") in DELIVERY_STATUSES else None
    page = max(request.args.get("page", 1, type=int), 1)
    return (render_template("webhooks/endpoint.html", form=form, endpoint=found, status=status, page=page,
                            deliveries=queries.delivery_log(found.id, status=status, page=page),
                            per_page=queries.PER_PAGE, changes=history("webhook", found.id)),
            422 if form.errors else 200)


@bp.post("/<int:endpoint_id>/secret")
@roles_required("admin")
def rotate_secret(endpoint_id: int):
    operations.rotate_secret(load_or_404(WebhookEndpoint, endpoint_id), actor=current_user)
    flash(_("A new secret signs the deliveries from now on: give it to the receiver."), "success")
    return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint_id))


@bp.post("/deliveries/<int:delivery_id>/replay")
@roles_required("admin")
def replay(delivery_id: int):
    delivery = load_or_404(WebhookDelivery, delivery_id)
    with domain_errors():
        operations.replay(delivery, actor=current_user)
        flash(_("The event will be sent again."), "success")
    return redirect(url_for("webhooks.endpoint", endpoint_id=delivery.endpoint_id))
