"""Staff pages for contracts, the service catalogue and a client's ledger. Engineers may look;
only managers and admins change anything (manual control stays with them)."""
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_login import current_user
from sqlalchemy import select

from app.audit.queries import history
from app.auth.access import manager_required, staff_required
from app.clients.models import Client
from app.contracts import operations, queries
from app.contracts.forms import (
    BILLING_LABELS,
    CONTRACT_STATUS_LABELS,
    LEDGER_KIND_LABELS,
    LOT_SOURCE_LABELS,
    OVERDRAFT_LABELS,
    SERVICE_KIND_LABELS,
    AdjustmentForm,
    ContractForm,
    ContractTermsForm,
    ServiceForm,
    TerminateForm,
    WaiveForm,
)
from app.contracts.models import Contract, Service, TicketClose
from app.core.errors import domain_errors
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.core.web import load_or_404
from app.extensions import db
from app.sla.models import SlaPolicy

bp = Blueprint("contracts", __name__, template_folder="templates")


@bp.app_context_processor
def _labels():
    """The words for the ledger's values, wherever a page shows them."""
    return {"CONTRACT_STATUS_LABELS": CONTRACT_STATUS_LABELS, "LOT_SOURCE_LABELS": LOT_SOURCE_LABELS,
            "LEDGER_KIND_LABELS": LEDGER_KIND_LABELS, "SERVICE_KIND_LABELS": SERVICE_KIND_LABELS,
            "BILLING_KIND_LABELS": BILLING_LABELS}


@bp.get("/clients/<int:client_id>/contracts")
@staff_required
def contracts(client_id: int):
    client = load_or_404(Client, client_id)
    return _render_contracts(client, ContractForm(formdata=None))


def _policy_choices() -> list[tuple[int, str]]:
    return [(0, "—")] + [(p.id, p.name) for p in db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.name))]


def _render_contracts(client: Client, form: ContractForm, status: int = 200):
    form.sla_policy_id.choices = _policy_choices()
    return render_template("contracts/contracts.html", client=client, form=form,
                           contracts=queries.client_contracts(client.id), lots=queries.client_lots(client.id),
                           summary=queries.balance_summary(client.id, utcnow()), OVERDRAFT_LABELS=OVERDRAFT_LABELS), status


@bp.post("/clients/<int:client_id>/contracts")
@manager_required
def create_contract(client_id: int):
    client = load_or_404(Client, client_id)
    form = ContractForm()
    form.sla_policy_id.choices = _policy_choices()
    if form.validate_on_submit():
        with domain_errors(form, default="number"):
            contract = operations.create_contract(
                client, number=form.number.data, starts_on=form.starts_on.data, months=form.months.data,
                hours_per_month=form.hours_per_month.data,
                billing_increment_minutes=form.billing_increment_minutes.data, overdraft=form.overdraft.data,
                overage_rate=form.overage_rate.data, rollover=form.rollover.data,
                sla_policy_id=form.sla_policy_id.data or None, actor=current_user)
            flash(_("Contract %(n)s signed: %(h)s hours granted.", n=contract.number,
                    h=contract.granted_minutes // 60), "success")
            return redirect(url_for("contracts.contracts", client_id=client.id))
    return _render_contracts(client, form, 422)


def _render_contract(contract: Contract, terms_form=None, terminate_form=None, status: int = 200):
    if terms_form is None:
        terms_form = ContractTermsForm(
            formdata=None, hours_per_month=Decimal(contract.renewal_minutes_per_month) / 60,
            hour_price=contract.renewal_hour_price, billing_increment_minutes=contract.billing_increment_minutes,
            overdraft=contract.overdraft, overage_rate=contract.overage_rate, rollover=contract.rollover,
            sla_policy_id=contract.sla_policy_id or 0)
    terms_form.sla_policy_id.choices = _policy_choices()
    return render_template("contracts/contract.html", contract=contract, client=contract.client,
                           terms_form=terms_form, terminate_form=terminate_form or TerminateForm(formdata=None),
                           changes=history("contract", contract.id), OVERDRAFT_LABELS=OVERDRAFT_LABELS), status


@bp.get("/contracts/<int:contract_id>")
@staff_required
def contract(contract_id: int):
    return _render_contract(load_or_404(Contract, contract_id))


@bp.post("/contracts/<int:contract_id>/terms")
@manager_required
def amend(contract_id: int):
    contract = load_or_404(Contract, contract_id)
    form = ContractTermsForm()
    form.sla_policy_id.choices = _policy_choices()
    if form.validate_on_submit():
        with domain_errors(form, default="hours_per_month"):
            changed = operations.amend_contract(
                contract, hours_per_month=form.hours_per_month.data, hour_price=form.hour_price.data,
                overdraft=form.overdraft.data, overage_rate=form.overage_rate.data,
                billing_increment_minutes=form.billing_increment_minutes.data, rollover=form.rollover.data,
                sla_policy_id=form.sla_policy_id.data or None, actor=current_user, reason=form.reason.data)
            flash(_("Saved: %(n)d changes.", n=changed) if changed else _("Nothing has changed."), "success")
            return redirect(url_for("contracts.contract", contract_id=contract.id))
    return _render_contract(contract, terms_form=form, status=422)


@bp.post("/contracts/<int:contract_id>/terminate")
@manager_required
def terminate(contract_id: int):
    contract = load_or_404(Contract, contract_id)
    form = TerminateForm()
    if form.validate_on_submit():
        with domain_errors(form, default="terminated_on"):
            operations.terminate_contract(contract, last_day=form.terminated_on.data, reason=form.reason.data,
                                          actor=current_user)
            flash(_("Contract %(n)s ends on %(d)s.", n=contract.number, d=format_date(form.terminated_on.data)),
                  "success")
            return redirect(url_for("contracts.contract", contract_id=contract.id))
    return _render_contract(contract, terminate_form=form, status=422)


@bp.get("/clients/<int:client_id>/ledger")
@staff_required
def client_ledger(client_id: int):
    client = load_or_404(Client, client_id)
    return _render_ledger(client, AdjustmentForm(formdata=None))


def _render_ledger(client: Client, form: AdjustmentForm, status: int = 200):
    return render_template("contracts/ledger.html", client=client, form=form,
                           entries=queries.client_ledger(client.id, limit=500),
                           summary=queries.balance_summary(client.id, utcnow()),
                           closes=queries.client_closes(client.id), waive_form=WaiveForm(formdata=None)), status


@bp.post("/clients/<int:client_id>/adjustments")
@manager_required
def adjust(client_id: int):
    client = load_or_404(Client, client_id)
    form = AdjustmentForm()
    if form.validate_on_submit():
        with domain_errors(form, default="minutes"):
            operations.adjust(client, minutes=form.minutes.data, reason=form.reason.data, actor=current_user,
                              now=utcnow())
            flash(_("Adjustment recorded."), "success")
            return redirect(url_for("contracts.client_ledger", client_id=client.id))
    return _render_ledger(client, form, 422)


@bp.post("/closes/<int:close_id>/waive")
@manager_required
def waive(close_id: int):
    close = load_or_404(TicketClose, close_id)
    form = WaiveForm()
    if not form.validate_on_submit():
        flash(_("Say why the overage is waived."), "danger")
        return redirect(url_for("contracts.client_ledger", client_id=close.client_id)), 303
    with domain_errors():
        operations.waive_overage(close, reason=form.reason.data, actor=current_user)
        flash(_("Overage waived."), "success")
    return redirect(url_for("contracts.client_ledger", client_id=close.client_id))


@bp.get("/services/")
@staff_required
def services():
    return render_template("contracts/services.html", services=queries.services())


@bp.route("/services/new", methods=["GET", "POST"])
@manager_required
def create_service():
    return _service_form(None)


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@manager_required
def edit_service(service_id: int):
    return _service_form(load_or_404(Service, service_id))


def _service_form(service: Service | None):
    form = ServiceForm(obj=service)
    if form.validate_on_submit():
        with domain_errors(form, default="code"):
            operations.save_service(service, code=form.code.data, name_ru=form.name_ru.data, name_en=form.name_en.data,
                                    billing=form.billing.data, rate=form.rate.data, kind=form.kind.data,
                                    active=form.active.data, actor=current_user)
            flash(_("Saved."), "success")
            return redirect(url_for("contracts.services"))
    return (render_template("contracts/service_form.html", form=form, service=service,
                            changes=history("service", service.id) if service else []), 422 if form.errors else 200)
