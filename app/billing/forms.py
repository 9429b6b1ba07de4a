"""Billing forms, and the words the pages use for statuses and the matcher's rules."""
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, FieldList, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import Form
from app.core.i18n import lazy_gettext as _l

INVOICE_STATUS_LABELS = {"draft": _l("draft"), "issued": _l("issued"), "partially_paid": _l("partly paid"),
                         "paid": _l("paid"), "cancelled": _l("cancelled")}
PAYMENT_STATUS_LABELS = {"auto": _l("matched automatically"), "manual": _l("matched by a person"),
                         "unmatched": _l("to match"), "ignored": _l("ignored")}
#: what each of the matcher's rules means, in words (app.billing.matcher)
INVOICE_SOURCE_LABELS = {"manual": _l("by hand"), "renewal": _l("renewal of a contract"),
                         "order": _l("ordered on the portal")}
RULE_LABELS = {
    "number_inn_amount": _l("The invoice number in the purpose, the payer's INN and the exact amount agree."),
    "number_inn_partial": _l("The invoice number and the payer's INN agree; the amount pays part of it."),
    "number_inn_overpaid": _l("The invoice number and the payer's INN agree; the rest above the invoice is kept as an "
                              "advance."),
    "number_third_party_exact": _l("Another company paid, with the invoice number and exactly its amount."),
    "inn_amount": _l("No invoice number; the payer's INN has exactly one open invoice of exactly this amount."),
    "inn_amount_number_mismatch": _l("The number in the purpose does not fit, but the payer's INN has exactly one open "
                                     "invoice of exactly this amount."),
    "not_positive": _l("The amount is not above zero."),
    "own_transfer": _l("The payer is our own company: a transfer between our accounts?"),
    "ambiguous_number": _l("The number in the purpose fits several invoices."),
    "several_clients": _l("The numbers in the purpose belong to invoices of different clients."),
    "invoice_cancelled": _l("The invoice named in the purpose is cancelled."),
    "invoice_already_paid": _l("The invoice named in the purpose is already paid: paid twice?"),
    "amount_differs": _l("The amount does not fit the invoices named in the purpose."),
    "third_party_amount_differs": _l("Another company paid, and the amount is not exactly the invoice's."),
    "unknown_payer": _l("No invoice number, and the payer's INN is not one of our clients'."),
    "unknown_number": _l("The number in the purpose is not one of our invoices."),
    "several_invoices_same_amount": _l("The payer has several open invoices of this amount."),
    "no_invoice_of_this_amount": _l("No invoice number, and the payer has no open invoice of this amount."),
}
#: the billing history's actions, in words
ACTION_LABELS = {
    "act_created": _l("act created"), "act_edited": _l("act edited"), "act_sent": _l("act sent"),
    "advance_used": _l("paid from the advance"), "client_details_saved": _l("billing details saved"),
    "hours_granted": _l("hours granted"), "hours_taken_back": _l("hours taken back"),
    "invoice_cancelled": _l("invoice cancelled"), "invoice_created": _l("invoice created"),
    "invoice_edited": _l("draft edited"), "invoice_issued": _l("invoice issued"),
    "payment_ignored": _l("payment set aside"), "payment_left_to_person": _l("left to a person"),
    "payment_matched": _l("matched by the rules"), "payment_matched_by_person": _l("matched by a person"),
    "payment_restored": _l("back in the queue"), "payment_unmatched": _l("match undone"),
    "profile_saved": _l("our details saved"), "statement_imported": _l("statement imported"),
}
SUGGESTION_WHY = {"number": _l("number"), "inn": _l("INN"), "amount": _l("amount"), "part": _l("part of it"),
                  "name": _l("name")}


class ProfileForm(Form):
    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=300)])
    inn = StringField(_l("INN / EDRPOU"), validators=[DataRequired()])
    kpp = StringField(_l("KPP"), validators=[Optional()])
    ogrn = StringField(_l("OGRN"), validators=[Optional()])
    address = TextAreaField(_l("Legal address"), validators=[DataRequired(), Length(max=500)])
    bank_name = StringField(_l("Bank"), validators=[DataRequired(), Length(max=300)])
    bik = StringField(_l("BIK (MFO)"), validators=[DataRequired()])
    account = StringField(_l("Settlement account (IBAN)"), validators=[DataRequired()])
    corr_account = StringField(_l("Correspondent account"), validators=[Optional()])
    currency = SelectField(_l("Currency"), choices=[("RUB", "RUB"), ("UAH", "UAH")])
    vat = StringField(_l("VAT"), default="none", description=_l('"none" (Без НДС) or a rate in percent, e.g. 22'))
    signer = StringField(_l("Signs documents"), validators=[Optional(), Length(max=200)])
    invoice_prefix = StringField(_l("Invoice number prefix"), default="HD")
    act_prefix = StringField(_l("Act number prefix"), default="ACT")
    payment_days = IntegerField(_l("Days to pay"), default=5, validators=[NumberRange(0, 365)])
    reminder_days = StringField(_l("Reminders, days before a period ends"), default="7,3")
    renewal_lead_days = IntegerField(_l("Renewal invoice, days before a period ends"), default=30,
                                     validators=[NumberRange(0, 365)])


class ClientBillingForm(Form):
    legal_name = StringField(_l("Legal name on documents"), validators=[Optional(), Length(max=300)])
    kpp = StringField(_l("KPP"), validators=[Optional()])
    legal_address = TextAreaField(_l("Legal address"), validators=[Optional(), Length(max=500)])
    postal_address = TextAreaField(_l("Postal address"), validators=[Optional(), Length(max=500)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    emails = TextAreaField(_l("Send invoices and acts to"), validators=[Optional()],
                           description=_l("One address per line; empty: the company's contacts."))
    show_kpp = BooleanField(_l("KPP on documents"), default=True)
    show_legal_address = BooleanField(_l("Legal address on documents"), default=True)
    show_postal_address = BooleanField(_l("Postal address on invoices (never on acts)"))
    show_phone = BooleanField(_l("Phone on invoices (never on acts)"))


class LineForm(Form):
    class Meta:
        csrf = False   # part of the invoice form, which has its own token

    name = StringField(_l("Name"), validators=[Optional(), Length(max=500)])
    quantity = StringField(_l("Quantity"), validators=[Optional()])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=20)])
    price = StringField(_l("Price"), validators=[Optional()])


class InvoiceForm(Form):
    client_inn = StringField(_l("Client (INN)"), validators=[DataRequired()])
    lines = FieldList(FormField(LineForm), min_entries=5, max_entries=100)
    grant_hours = StringField(_l("Grants hours when paid"), validators=[Optional()],
                              description=_l("Leave empty for an invoice that grants no hours."))
    grant_from = DateField(_l("Valid from"), validators=[Optional()])
    grant_until = DateField(_l("Valid until"), validators=[Optional()])
    note = TextAreaField(_l("Note on the invoice"), validators=[Optional(), Length(max=2000)])
    issue = BooleanField(_l("Issue and send now (otherwise a draft)"), default=True)


class ReasonForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class StatementForm(Form):
    file = FileField(_l("Bank statement (1C exchange file or camt.053 XML)"), validators=[FileRequired()])


class MatchForm(Form):
    invoice_number = StringField(_l("Invoice number"), validators=[DataRequired()])
    amount = StringField(_l("Amount (empty: what it still needs)"), validators=[Optional()])
    reason = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ActForm(Form):
    client_inn = StringField(_l("Client (INN)"), validators=[DataRequired()])
    month = StringField(_l("Month (YYYY-MM)"), validators=[DataRequired(), Length(min=7, max=7)])


class ActEditForm(Form):
    show_kpp = BooleanField(_l("KPP on the act"))
    show_legal_address = BooleanField(_l("Legal address on the act"))


class OrderForm(Form):
    hours = SelectField(_l("Hours"), coerce=int, choices=[(h, str(h)) for h in (5, 10, 20, 40, 80)])
