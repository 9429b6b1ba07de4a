"""Managers' billing pages: invoices, statements and the *To match* queue, acts, the billing
profile, a client's billing details and the billing reports. Engineers and contacts get 403."""
from datetime import date, timedelta
from decimal import Decimal

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import manager_required, roles_required
from app.billing import notices, operations, queries
from app.billing.documents import pdf_response
from app.billing.forms import (
    ACTION_LABELS,
    INVOICE_SOURCE_LABELS,
    INVOICE_STATUS_LABELS,
    PAYMENT_STATUS_LABELS,
    RULE_LABELS,
    SUGGESTION_WHY,
    ActEditForm,
    ActForm,
    ClientBillingForm,
    InvoiceForm,
    MatchForm,
    ProfileForm,
    ReasonForm,
    StatementForm,
)
from app.billing.models import INVOICE_STATUSES, PAYMENT_STATUSES, Act, Invoice, Payment
from app.clients.models import Client
from app.clients.queries import client_by_inn
from app.core.errors import ValidationFailed, domain_errors
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.core.web import load_or_404
from app.extensions import db

bp = Blueprint("billing", __name__, url_prefix="/billing", template_folder="templates")
PER_PAGE = 50


@bp.record_once
def _globals(state):
    state.app.jinja_env.globals.update(INVOICE_STATUS_LABELS=INVOICE_STATUS_LABELS, RULE_LABELS=RULE_LABELS,
                                       BILLING_ACTION_LABELS=ACTION_LABELS, INVOICE_SOURCE_LABELS=INVOICE_SOURCE_LABELS,
                                       PAYMENT_STATUS_LABELS=PAYMENT_STATUS_LABELS, SUGGESTION_WHY=SUGGESTION_WHY)
    state.app.jinja_env.filters["qty"] = quantity_text


def quantity_text(value) -> str:
    """A quantity as people write it: 20, 1.5, 0.125 (never 2E+1)."""
    return format(Decimal(value).normalize(), "f") if value is not None else ""



@bp.get("/")
@manager_required
def index():
    unmatched = db.paginate(queries.payment_list(status="unmatched"), per_page=10, error_out=False)
    return render_template("billing/index.html", unmatched=unmatched, statements=queries.recent_statements(5),
                           receivables=queries.receivables(utcnow().date())[:10], form=StatementForm(formdata=None),
                           profile=operations.profile())


# --- profile and client details -------------------------------------------------------------------

@bp.route("/profile", methods=["GET", "POST"])
@roles_required("admin")
def profile():
    current = operations.profile()
    form = ProfileForm(obj=current)
    if request.method == "GET" and current is not None:
        form.vat.data = "none" if current.vat_rate is None else format(current.vat_rate.normalize(), "f")
    if form.validate_on_submit():
        with domain_errors(form, default="legal_name"):
            operations.save_profile(current_user, **{name: form[name].data for name in (
                "legal_name", "inn", "kpp", "ogrn", "address", "bank_name", "bik", "account", "corr_account",
                "currency", "vat", "signer", "invoice_prefix", "act_prefix", "payment_days", "reminder_days",
                "renewal_lead_days")})
            flash(_("Saved."), "success")
            return redirect(url_for("billing.profile"))
    return render_template("billing/profile.html", form=form), 422 if form.errors else 200


@bp.route("/clients/<int:client_id>", methods=["GET", "POST"])
@manager_required
def client_details(client_id: int):
    client = load_or_404(Client, client_id)
    details = operations.client_billing(client)
    form = ClientBillingForm(obj=details)
    if form.validate_on_submit():
        with domain_errors(form, default="legal_name"):
            operations.save_client_billing(client, current_user, **{name: form[name].data for name in (
                "legal_name", "kpp", "legal_address", "postal_address", "phone", "emails", "show_kpp",
                "show_legal_address", "show_postal_address", "show_phone")})
            flash(_("Saved."), "success")
            return redirect(url_for("billing.client_details", client_id=client.id))
    invoices, acts = queries.client_documents(client.id)
    return render_template("billing/client.html", client=client, form=form, invoices=invoices, acts=acts,
                           advance=operations.advance_balance(client.id)), 422 if form.errors else 200


# --- invoices -------------------------------------------------------------------------------------

@bp.get("/invoices")
@manager_required
def invoices():
    status = request.args.get("status") if request.args.get("status") in INVOICE_STATUSES else None
    client = client_by_inn(request.args.get("inn", "")) if request.args.get("inn") else None
    query = queries.invoice_list(client_id=client.id if client else None, status=status)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("billing/invoices.html", page=page, status=status, statuses=INVOICE_STATUSES,
                           inn=request.args.get("inn", ""))


def _invoice_input(form: InvoiceForm):
    """The form's lines and grant as the operation takes them; a half-filled line is an error."""
    lines = []
    for entry in form.lines.entries:
        line = entry.form
        if not any((line.name.data or "").strip() or (line[f].data or "").strip() for f in ("quantity", "price")):
            continue
        lines.append(operations.LineInput(line.name.data, line.quantity.data, line.price.data, line.unit.data or ""))
    grant = None
    if (form.grant_hours.data or "").strip():
        try:
            minutes = Decimal(form.grant_hours.data.strip()) * 60
        except ArithmeticError:
            raise ValidationFailed(_("Hours: a number."), field="grant_hours") from None
        if minutes != minutes.to_integral_value() or not form.grant_from.data or not form.grant_until.data:
            raise ValidationFailed(_("Give the hours (whole minutes) and the days they are valid."), field="grant_hours")
        grant = operations.GrantInput(int(minutes), form.grant_from.data, form.grant_until.data)
    return lines, grant


@bp.route("/invoices/new", methods=["GET", "POST"])
@manager_required
def new_invoice():
    form = InvoiceForm()
    if request.method == "GET":
        form.client_inn.data = request.args.get("inn", "")
        today = utcnow().date()
        form.grant_from.data, form.grant_until.data = today, today + timedelta(days=364)
    if form.validate_on_submit():
        client = client_by_inn(form.client_inn.data)
        if client is None:
            form.client_inn.errors.append(_("No client with this INN."))
        else:
            with domain_errors(form, default="grant_hours", fields={"lines": "grant_hours", "grants": "grant_hours"}):
                lines, grant = _invoice_input(form)
                invoice = operations.create_invoice(client, current_user, lines=lines, grant=grant,
                                                    note=form.note.data, issue=form.issue.data)
                flash(_("Invoice %(n)s issued and sent.", n=invoice.number) if invoice.number
                      else _("Draft saved."), "success")
                return redirect(url_for("billing.invoice", invoice_id=invoice.id))
    return render_template("billing/invoice_form.html", form=form, invoice=None), 422 if form.errors else 200


@bp.route("/invoices/<int:invoice_id>/edit", methods=["GET", "POST"])
@manager_required
def edit_invoice(invoice_id: int):
    invoice = load_or_404(Invoice, invoice_id)
    form = InvoiceForm()
    if request.method == "GET":
        form.client_inn.data = invoice.client.inn
        for entry, line in zip(form.lines.entries, invoice.lines, strict=False):
            entry.form.name.data, entry.form.quantity.data = line.name, quantity_text(line.quantity)
            entry.form.unit.data, entry.form.price.data = line.unit, str(line.price)
        if invoice.grant_minutes:
            form.grant_hours.data = quantity_text(Decimal(invoice.grant_minutes) / 60)
            form.grant_from.data, form.grant_until.data = invoice.grant_valid_from, invoice.grant_valid_until
        form.note.data, form.issue.data = invoice.note, False
    if form.validate_on_submit():
        with domain_errors(form, default="grant_hours", fields={"lines": "grant_hours", "grants": "grant_hours"}):
            lines, grant = _invoice_input(form)
            operations.update_draft(invoice, current_user, lines=lines, grant=grant, note=form.note.data)
            if form.issue.data:
                operations.issue_invoice(invoice, current_user)
            flash(_("Saved."), "success")
            return redirect(url_for("billing.invoice", invoice_id=invoice.id))
    return render_template("billing/invoice_form.html", form=form, invoice=invoice), 422 if form.errors else 200


@bp.get("/invoices/<int:invoice_id>")
@manager_required
def invoice(invoice_id: int):
    found = load_or_404(Invoice, invoice_id)
    return render_template("billing/invoice.html", invoice=found, history=queries.history(invoice_id=found.id),
                           reason_form=ReasonForm(formdata=None))


@bp.post("/invoices/<int:invoice_id>/<any(issue, cancel, grant):action>")
@manager_required
def invoice_action(invoice_id: int, action: str):
    found = load_or_404(Invoice, invoice_id)
    form = ReasonForm()
    with domain_errors():
        if action == "issue":
            operations.issue_invoice(found, current_user)
            flash(_("Invoice %(n)s issued and sent.", n=found.number), "success")
        elif action == "cancel":
            operations.cancel_invoice(found, current_user, reason=form.reason.data or "")
            flash(_("The invoice is cancelled."), "success")
        else:
            operations.grant_early(found, current_user, reason=form.reason.data or "")
            flash(_("The hours are granted."), "success")
    return redirect(url_for("billing.invoice", invoice_id=found.id)), 303


@bp.get("/invoices/<int:invoice_id>/pdf")
@manager_required
def invoice_pdf(invoice_id: int):
    found = load_or_404(Invoice, invoice_id)
    if found.number is None:
        flash(_("A draft has no document yet."), "warning")
        return redirect(url_for("billing.invoice", invoice_id=found.id))
    return pdf_response(notices.invoice_attachment(found))


# --- statements and payments ----------------------------------------------------------------------

@bp.route("/statements", methods=["GET", "POST"])
@manager_required
def statements():
    form = StatementForm()
    if form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["HOURDESK_STATEMENT_MAX_BYTES"]
        data = upload.read(limit + 1)
        if len(data) > limit:
            form.file.errors.append(_("A statement may be at most %(n)d MB.", n=limit // (1024 * 1024)))
        else:
            with domain_errors(form, default="file"):
                result = operations.import_statement(data, upload.filename, current_user)
                flash(_("%(new)d new payments (%(dup)d already known): %(auto)d matched automatically, %(left)d to "
                        "match.", new=result.new, dup=result.duplicates, auto=result.auto_matched,
                        left=result.unmatched), "success")
                return redirect(url_for("billing.payments", statement_id=result.statement.id, status="all"))
    return render_template("billing/statements.html", form=form, statements=queries.recent_statements(50)), \
        422 if form.errors else 200


@bp.get("/payments")
@manager_required
def payments():
    status = request.args.get("status", "unmatched")
    status = status if status in PAYMENT_STATUSES or status == "all" else "unmatched"
    statement_id = request.args.get("statement_id", type=int)
    query = queries.payment_list(status=None if status == "all" else status, statement_id=statement_id)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("billing/payments.html", page=page, status=status, statuses=PAYMENT_STATUSES,
                           statement_id=statement_id)


@bp.get("/payments/<int:payment_id>")
@manager_required
def payment(payment_id: int):
    found = load_or_404(Payment, payment_id)
    return _render_payment(found, MatchForm(formdata=None))


def _render_payment(found: Payment, match_form: MatchForm, status: int = 200):
    return render_template("billing/payment.html", payment=found, match_form=match_form,
                           reason_form=ReasonForm(formdata=None), suggestions=queries.suggested_invoices(found),
                           history=queries.history(payment_id=found.id)), status


@bp.post("/payments/<int:payment_id>/match")
@manager_required
def match(payment_id: int):
    found = load_or_404(Payment, payment_id)
    form = MatchForm()
    if form.validate_on_submit():
        invoices = queries.invoice_ids_by_numbers(form.invoice_number.data)
        if not invoices or None in invoices:
            form.invoice_number.errors.append(_("No invoice with this number."))
        else:
            with domain_errors(form, default="invoice_number", fields={"allocations": "amount"}):
                amounts = [form.amount.data] + [None] * (len(invoices) - 1)
                operations.match_payment(found, current_user, [operations.AllocationInput(i, a)
                                                               for i, a in zip(invoices, amounts, strict=True)],
                                         reason=form.reason.data)
                flash(_("Matched."), "success")
                return redirect(url_for("billing.payment", payment_id=found.id))
    return _render_payment(found, form, 422)


@bp.post("/payments/<int:payment_id>/match/<int:invoice_id>")
@manager_required
def match_suggestion(payment_id: int, invoice_id: int):
    """One click on a suggestion: the payment pays that invoice (as much as it needs)."""
    found = load_or_404(Payment, payment_id)
    with domain_errors():
        operations.match_payment(found, current_user, [operations.AllocationInput(invoice_id)])
        flash(_("Matched."), "success")
    return redirect(url_for("billing.payment", payment_id=found.id)), 303


@bp.post("/payments/<int:payment_id>/<any(unmatch, ignore, restore):action>")
@manager_required
def payment_action(payment_id: int, action: str):
    found = load_or_404(Payment, payment_id)
    form = ReasonForm()
    with domain_errors():
        do = {"unmatch": operations.unmatch_payment, "ignore": operations.ignore_payment,
              "restore": operations.restore_payment}[action]
        do(found, current_user, reason=form.reason.data or "")
        flash({"unmatch": _("The match is undone."), "ignore": _("The payment is set aside."),
               "restore": _("The payment is back in the queue.")}[action], "success")
    return redirect(url_for("billing.payment", payment_id=found.id)), 303


# --- acts -----------------------------------------------------------------------------------------

@bp.route("/acts", methods=["GET", "POST"])
@manager_required
def acts():
    form = ActForm()
    if request.method == "GET":
        form.month.data = (utcnow().date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    if form.validate_on_submit():
        client = client_by_inn(form.client_inn.data)
        try:
            month = date.fromisoformat(form.month.data + "-01")
        except ValueError:
            month = None
            form.month.errors.append(_("Write the month as YYYY-MM."))
        if client is None:
            form.client_inn.errors.append(_("No client with this INN."))
        elif month is not None:
            with domain_errors(form, default="month"):
                act = operations.create_act(client, month, current_user)
                flash(_("Act %(n)s created.", n=act.number), "success")
                return redirect(url_for("billing.act", act_id=act.id))
    page = db.paginate(queries.act_list(), per_page=PER_PAGE, error_out=False)
    return render_template("billing/acts.html", page=page, form=form), 422 if form.errors else 200


@bp.route("/acts/<int:act_id>", methods=["GET", "POST"])
@manager_required
def act(act_id: int):
    found = load_or_404(Act, act_id)
    form = ActEditForm(obj=found)
    status = 200
    if form.validate_on_submit():
        names = {line.id: request.form.get(f"line-{line.id}", line.name) for line in found.lines}
        with domain_errors() as outcome:
            operations.update_act(found, current_user, names=names, show_kpp=form.show_kpp.data,
                                  show_legal_address=form.show_legal_address.data)
            flash(_("Saved."), "success")
            return redirect(url_for("billing.act", act_id=found.id))
        status = outcome.status
    return render_template("billing/act.html", act=found, form=form), status


@bp.post("/acts/<int:act_id>/send")
@manager_required
def send_act(act_id: int):
    found = load_or_404(Act, act_id)
    with domain_errors():
        operations.send_act(found, current_user)
        flash(_("Act %(n)s sent.", n=found.number), "success")
    return redirect(url_for("billing.act", act_id=found.id)), 303


@bp.get("/acts/<int:act_id>/pdf")
@manager_required
def act_pdf(act_id: int):
    found = load_or_404(Act, act_id)
    return pdf_response(notices.act_attachment(found))


# --- reports --------------------------------------------------------------------------------------

@bp.get("/reports")
@manager_required
def reports():
    today = utcnow().date()
    since = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    return render_template("billing/reports.html", receivables=queries.receivables(today),
                           matching=queries.matching_by_month(since),
                           hours=queries.hours_sold_and_used(since, today, current_app.config["HOURDESK_OFFICE_TIMEZONE"]),
                           buckets=[label for _s, label in queries.AGE_BUCKETS])
