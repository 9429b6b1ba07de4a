from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.auth.models import ROLES
from app.core.forms import Form
from app.core.i18n import lazy_gettext as _l

ROLE_LABELS = {"admin": _l("administrator"), "manager": _l("manager"), "engineer": _l("engineer"),
               "client": _l("client contact")}


class LoginForm(Form):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Remember me"))


class TokenForm(Form):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("e.g. 'office speaker' or '1C sync'"))


class UserForm(Form):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    client_inn = StringField(_l("Company INN (client contacts only)"), validators=[Optional(), Length(max=20)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    locale = SelectField(_l("Language"), choices=[("ru", "Русский"), ("en", "English")])


class UserEditForm(Form):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    client_inn = StringField(_l("Company INN (client contacts only)"), validators=[Optional(), Length(max=20)])
    locale = SelectField(_l("Language"), choices=[("ru", "Русский"), ("en", "English")])
    active = BooleanField(_l("Active (may log in)"))


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("The same password again"), validators=[DataRequired(), Length(max=200)])

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The passwords differ."))
