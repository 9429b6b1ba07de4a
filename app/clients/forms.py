from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.core.forms import Form
from app.core.i18n import lazy_gettext as _l


class ClientForm(Form):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=255)])
    inn = StringField(_l("INN / EDRPOU"), validators=[DataRequired(), Length(max=20)],
                      description=_l("Russian INN: 10 or 12 digits; Ukrainian EDRPOU: 8 digits."))
    country = SelectField(_l("Country"), choices=[("", _l("by the number")), ("RU", "RU"), ("UA", "UA")],
                          validators=[Optional()])
    timezone = StringField(_l("Time zone"), default="Europe/Moscow", validators=[DataRequired(), Length(max=64)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    mail_domains = StringField(_l("Mail domains"), validators=[Optional(), Length(max=500)],
                               description=_l("Mail from anyone at these domains becomes this client's ticket "
                                              "(e.g. romashka.ru romashka.com)."))
    account_manager_id = SelectField(_l("Account manager"), coerce=int, choices=[], validate_choice=True)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    active = BooleanField(_l("Active"), default=True)
    low_balance_unit = SelectField(_l("Warn when usable hours fall below"),
                                   choices=[("", _l("the office default")), ("percent", _l("a percent of the contract's grant")),
                                            ("hours", _l("a number of hours"))], validators=[Optional()])
    low_balance_value = IntegerField(_l("Threshold (percent or hours)"), validators=[Optional()])


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=200)])
    locale = SelectField(_l("Language"), choices=[("ru", "Русский"), ("en", "English")])
