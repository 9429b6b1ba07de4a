from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.contracts.ledger import MAX_LINE_MINUTES
from app.core.forms import Form
from app.core.i18n import lazy_gettext as _l

BILLING_LABELS = {"hourly": _l("hourly (from the hours)"), "paid": _l("paid (money)"), "free": _l("free")}
CONTRACT_STATUS_LABELS = {"active": _l("active"), "expired": _l("expired"), "terminated": _l("terminated")}
LOT_SOURCE_LABELS = {"grant": _l("contract's hours"), "purchase": _l("purchased hours"), "adjustment": _l("adjustment"),
                     "rollover": _l("rolled over")}
LEDGER_KIND_LABELS = {"grant": _l("grant"), "debit": _l("debit"), "reversal": _l("reversal"),
                      "adjustment": _l("adjustment"), "expiry": _l("expiry"), "rollover": _l("rollover")}
#: the kinds the reports know; a kind of one's own shows as written
SERVICE_KIND_LABELS = {"support": _l("support"), "update": _l("software update"), "development": _l("development"),
                       "onsite": _l("on-site visit"), "other": _l("other")}
OVERDRAFT_LABELS = {"convert_to_paid": _l("bill the rest as overage"), "allow_negative": _l("allow a negative balance"),
                    "block": _l("refuse to close")}


class ContractForm(Form):
    number = StringField(_l("Contract number"), validators=[DataRequired(), Length(max=50)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    months = IntegerField(_l("Months"), validators=[InputRequired(), NumberRange(min=1, max=120)], default=12)
    hours_per_month = DecimalField(_l("Hours per month"), places=2, validators=[InputRequired(), NumberRange(min=0.01)])
    billing_increment_minutes = IntegerField(_l("Billing increment, minutes"), default=15,
                                             validators=[InputRequired(), NumberRange(min=1, max=240)])
    overdraft = SelectField(_l("When the hours run out"), choices=list(OVERDRAFT_LABELS.items()))
    overage_rate = DecimalField(_l("Overage rate per hour"), places=2, default=0,
                                validators=[InputRequired(), NumberRange(min=0)])
    rollover = BooleanField(_l("Unused hours roll over to the next contract"))
    sla_policy_id = SelectField(_l("SLA policy"), coerce=int, choices=[], default=0, validate_choice=False)


class ContractTermsForm(Form):
    hours_per_month = DecimalField(_l("Hours per month"), places=2, validators=[InputRequired(), NumberRange(min=0.01)],
                                   description=_l("From the next period: this period's grant stays as signed."))
    hour_price = DecimalField(_l("Price of a prepaid hour"), places=2, validators=[Optional(), NumberRange(min=0)],
                              description=_l("From the next period (the renewal invoice)."))
    billing_increment_minutes = IntegerField(_l("Billing increment, minutes"),
                                             validators=[InputRequired(), NumberRange(min=1, max=240)])
    overdraft = SelectField(_l("When the hours run out"), choices=list(OVERDRAFT_LABELS.items()))
    overage_rate = DecimalField(_l("Overage rate per hour"), places=2, validators=[InputRequired(), NumberRange(min=0)])
    rollover = BooleanField(_l("Unused hours roll over to the next contract"))
    sla_policy_id = SelectField(_l("SLA policy"), coerce=int, choices=[], default=0, validate_choice=False)
    reason = StringField(_l("Why (kept in the history)"), validators=[Optional(), Length(max=2000)])


class TerminateForm(Form):
    terminated_on = DateField(_l("Last day covered"), validators=[DataRequired()])
    reason = StringField(_l("Why the contract ends early"), validators=[DataRequired(), Length(max=2000)])


class ServiceForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_ru = StringField(_l("Name (Russian)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    billing = SelectField(_l("Billing"), choices=list(BILLING_LABELS.items()))
    rate = DecimalField(_l("Rate per hour (paid services)"), places=2, validators=[Optional(), NumberRange(min=0)])
    kind = StringField(_l("Kind"), default="support", validators=[DataRequired(), Length(max=30)],
                       description=_l("support, update, development, onsite… (reports group by it)"))
    active = BooleanField(_l("Active"), default=True)


class LineForm(Form):
    service_id = SelectField(_l("Service"), coerce=int, choices=[])
    minutes = IntegerField(_l("Minutes"), validators=[InputRequired(), NumberRange(min=1, max=MAX_LINE_MINUTES)])
    engineer_id = SelectField(_l("Engineer"), coerce=int, choices=[])
    performed_on = DateField(_l("Date"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])


class BillingOverrideForm(Form):
    billing = SelectField(_l("Billing"), choices=list(BILLING_LABELS.items()))
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class AdjustmentForm(Form):
    minutes = IntegerField(_l("Minutes (+ adds, − takes)"),
                           validators=[InputRequired(), NumberRange(min=-1_000_000, max=1_000_000)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class WaiveForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    next = HiddenField()
